"""OpenAI: the Images API and Chat Completions, with a bearer key."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="openai",
    title="OpenAI",
    default_base_url="https://api.openai.com/v1",
    env_vars=("OPENAI_API_KEY",),
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.openai:OpenAIImages",
        classifier="quilltap_tui.imagegen.providers.errors:classify_openai",
        catalogue="openai",
    ),
    chat=ChatFacet(include_usage=True),
)
