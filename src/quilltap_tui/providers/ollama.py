"""Ollama's OpenAI-compatible endpoint: local and key-less."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ProviderUnit

UNIT = ProviderUnit(
    id="ollama",
    title="Ollama",
    default_base_url="http://localhost:11434/v1",
    needs_key=False,
    chat=ChatFacet(include_usage=True),
)
