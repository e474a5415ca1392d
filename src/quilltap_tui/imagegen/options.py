"""What a caller asks of an image profile on top of its defaults, and the profile's allowed lists.

These live below ``services/`` because the chat tools (``tools/``) parse the LLM's arguments into
:class:`GenerateOptions` and build their schemas from a profile's allowed values, and ``tools/`` must
not depend on the services that run the generation (they reach it through :mod:`quilltap_tui.tools.ports`).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from quilltap_tui.errors import Invalid

# Image-profile parameters that restrict what may be asked (checked after mapping; see services/generation.py).
RESTRICTION_KEYS = ("allowed_sizes", "allowed_aspect_ratios", "allowed_qualities", "allowed_styles")
RESTRICTIONS = dict(zip(RESTRICTION_KEYS, ("size", "aspect_ratio", "quality", "style"), strict=True))


@dataclass(frozen=True)
class GenerateOptions:
    """What the caller asked for on top of the profile's defaults. ``None`` means "not given"."""

    size: str | None = None
    aspect_ratio: str | None = None
    quality: str | None = None
    style: str | None = None
    count: int | None = None
    negative_prompt: str | None = None
    seed: int | None = None
    extras: Mapping[str, Any] = field(default_factory=dict)


def allowed_values(parameters: Mapping[str, Any], option: str) -> list[str] | None:
    """The profile's allowed values for ``option`` (size, aspect_ratio, quality, style), if it restricts it."""
    for key, name in RESTRICTIONS.items():
        if name == option and isinstance(parameters.get(key), list):
            return [str(v) for v in parameters[key]]
    return None


def coerce_int(value: Any, field: str) -> int:
    """A whole number from an int or a quoted int (LLMs often send ``"2"``); anything else is Invalid."""
    if isinstance(value, bool):
        raise Invalid(field, f"{field} must be a whole number, not {value!r}.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise Invalid(field, f"{field} must be a whole number, not {value!r}.")
