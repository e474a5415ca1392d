"""fal.ai: its queue API (submit, status, result), key as ``Authorization: Key …``; see imagegen/providers/fal.py."""

from __future__ import annotations

from quilltap_tui.providers.unit import ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="fal",
    title="fal.ai",
    default_base_url="https://queue.fal.run",
    aliases=("fal-ai", "fal.ai"),
    env_vars=("FAL_KEY",),
    auth_scheme="Key ",  # not Bearer (fal-js src/request.ts)
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.fal:FalImages",
        classifier="quilltap_tui.imagegen.providers.fal:classify_fal",
        catalogue="fal",
    ),
)
