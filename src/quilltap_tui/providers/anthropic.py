"""Anthropic: the Messages API through its SDK (``x-api-key`` header, set by the SDK)."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ProviderUnit

UNIT = ProviderUnit(
    id="anthropic",
    title="Anthropic",
    default_base_url="https://api.anthropic.com",
    env_vars=("ANTHROPIC_API_KEY",),
    auth_header="x-api-key",
    auth_scheme="",
    chat=ChatFacet(
        factory="quilltap_tui.chat.providers.anthropic:AnthropicProvider",
        sdk_module="anthropic",
        validation_path="/v1/models",
    ),
)
