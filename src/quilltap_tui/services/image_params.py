"""An image profile's saved parameters, checked at save with the rules generation uses.

The profile's parameters are mapped onto its model exactly as ``generate`` maps them, in strict mode:
anything generation would refuse (``size=potato``) or drop as meaningless for the model (``foo=bar``, a
quality word the model does not know, a disallowed extra value) is refused now, naming the parameter,
instead of failing or being dropped at every generation. The CLI and the TUI form save through here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quilltap_tui.errors import Invalid

_PROBE_PROMPT = "profile check"  # never sent: only mapped


def check_image_parameters(provider: str, model: str, base_url: str | None, parameters: Mapping[str, Any]) -> None:
    """Raise :class:`Invalid` naming the parameter (or ``base_url``) a generation with this profile would trip on."""
    from quilltap_tui.imagegen.capabilities import spec_for
    from quilltap_tui.imagegen.mapping import plan
    from quilltap_tui.providers.registry import image_unit
    from quilltap_tui.services.generation import GenerateOptions, request_from

    facet = image_unit(provider).image
    if facet is not None and facet.requires_base_url and not base_url:
        raise Invalid("base_url", f"A {image_unit(provider).title} image profile needs a base URL "
                                  "(e.g. --base-url http://localhost:8000/v1).")
    request = request_from(model, parameters, _PROBE_PROMPT, GenerateOptions())
    plan(spec_for(provider, model), request, strict=True)
