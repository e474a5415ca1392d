"""Together AI: OpenAI-like ``/images/generations`` with width/height, steps and seed; Bearer key."""

from __future__ import annotations

from quilltap_tui.providers.unit import ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="together",
    title="Together AI",
    name="Together",
    default_base_url="https://api.together.xyz/v1",
    aliases=("togetherai", "together-ai"),
    env_vars=("TOGETHER_API_KEY",),
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.together:TogetherImages",
        classifier="quilltap_tui.imagegen.providers.errors:classify_openai",
        catalogue="together",
    ),
)
