"""Stability AI: Stable Image v2beta (multipart, one image per request); Bearer key."""

from __future__ import annotations

from quilltap_tui.providers.unit import ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="stability",
    title="Stability AI",
    default_base_url="https://api.stability.ai",
    aliases=("stabilityai", "stability-ai"),
    env_vars=("STABILITY_API_KEY",),
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.stability:StabilityImages",
        classifier="quilltap_tui.imagegen.providers.stability:classify_stability",
        catalogue="stability",
        validation_path="/v1/user/account",
    ),
)
