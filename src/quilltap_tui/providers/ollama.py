"""Ollama's OpenAI-compatible endpoint: local and key-less."""

from __future__ import annotations

from quilltap_tui.providers.unit import ChatFacet, ImageFacet, ProviderUnit

UNIT = ProviderUnit(
    id="ollama",
    title="Ollama",
    default_base_url="http://localhost:11434/v1",
    needs_key=False,
    # Images: the experimental image models through the native POST /api/generate (at the root, not /v1).
    image=ImageFacet(
        factory="quilltap_tui.imagegen.providers.ollama:OllamaImages",
        classifier="quilltap_tui.imagegen.providers.ollama:classify_ollama",
        catalogue="ollama",
    ),
    chat=ChatFacet(include_usage=True),
)
