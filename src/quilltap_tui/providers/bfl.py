"""Black Forest Labs (FLUX): submit, poll ``polling_url``, fetch the signed result; key in ``x-key``."""

from __future__ import annotations

from quilltap_tui.providers.unit import ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="bfl",
    title="Black Forest Labs FLUX",
    name="Black Forest Labs",
    badge="BFL",
    default_base_url="https://api.bfl.ai/v1",
    aliases=("black-forest-labs", "flux"),
    env_vars=("BFL_API_KEY",),
    auth_header="x-key",  # BFL's SDK (provider-wire.md 1.1)
    auth_scheme="",
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.bfl:BflImages",
        classifier="quilltap_tui.imagegen.providers.bfl:classify_bfl",
        catalogue="bfl",
    ),
)
