"""OpenRouter: OpenAI-shaped chat; ``/models`` needs no key, so validation asks ``/key``."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ProviderUnit

UNIT = ProviderUnit(
    id="openrouter",
    title="OpenRouter",
    default_base_url="https://openrouter.ai/api/v1",
    env_vars=("OPENROUTER_API_KEY",),
    chat=ChatFacet(
        # OpenRouter ranks apps by these optional headers; they identify the app, never the user.
        default_headers={"X-Title": "quilltap-tui", "HTTP-Referer": "https://github.com/quilltap/quilltap-tui"},
        include_usage=True,
        validation_path="/key",
    ),
)
