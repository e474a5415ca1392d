"""OpenRouter: OpenAI-shaped chat, and images (its Images API or chat image output); ``/models`` needs
no key, so validation asks ``/key``."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="openrouter",
    title="OpenRouter",
    default_base_url="https://openrouter.ai/api/v1",
    env_vars=("OPENROUTER_API_KEY",),
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.openrouter:OpenRouterImages",
        classifier="quilltap_tui.imagegen.providers.openrouter:classify_openrouter",
        catalogue="openrouter",
        validation_path="/key",
    ),
    chat=ChatFacet(
        # OpenRouter ranks apps by these optional headers; they identify the app, never the user.
        default_headers={"X-Title": "quilltap-tui", "HTTP-Referer": "https://github.com/quilltap/quilltap-tui"},
        include_usage=True,
        validation_path="/key",
    ),
)
