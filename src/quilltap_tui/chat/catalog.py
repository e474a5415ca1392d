"""Built-in chat model table per provider: a starting list for pickers, merged with live lists.

Live lists (``models --chat --key L``) are the truth; this table only fills the picker before a key
is validated. Every entry here supports tool calling on its provider's API.
"""

from __future__ import annotations

KNOWN_CHAT_MODELS: dict[str, tuple[str, ...]] = {
    "openai": ("gpt-5.1", "gpt-5", "gpt-5-mini", "gpt-4.1", "gpt-4.1-mini", "gpt-4o"),
    "anthropic": ("claude-opus-4-1", "claude-sonnet-4-5", "claude-haiku-4-5"),
    "grok": ("grok-4", "grok-4-fast", "grok-3-mini"),
    "google": ("gemini-3-pro-preview", "gemini-2.5-pro", "gemini-2.5-flash"),
    "openrouter": ("anthropic/claude-sonnet-4.5", "openai/gpt-5", "google/gemini-2.5-flash"),
    "ollama": ("qwen3", "llama3.1", "mistral-nemo"),
    "openai-compatible": (),
}


def known_chat_models(provider: str) -> tuple[str, ...]:
    return KNOWN_CHAT_MODELS.get(provider, ())
