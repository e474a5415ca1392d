"""Provider ids, their aliases, default base URLs and environment variables, as data.

Ids are case-insensitive; the seed's upper-case enum names (``OPENAI``, ``GROK``, ``GOOGLE_IMAGEN``,
``ANTHROPIC``, ``OPENROUTER``, ``OLLAMA``, ``OPENAI_COMPATIBLE``) are accepted too.
"""

from __future__ import annotations

from dataclasses import dataclass

from quilltap_tui.errors import Invalid

IMAGE_PROVIDERS = ("openai", "grok", "google")
CHAT_PROVIDERS = ("openai", "anthropic", "grok", "google", "openrouter", "ollama", "openai-compatible")
KEY_PROVIDERS = tuple(dict.fromkeys(CHAT_PROVIDERS + IMAGE_PROVIDERS))

_ALIASES = {
    "google-imagen": "google",
    "google_imagen": "google",
    "gemini": "google",
    "xai": "grok",
    "openai_compatible": "openai-compatible",
}


@dataclass(frozen=True)
class ProviderInfo:
    id: str
    title: str
    default_base_url: str
    env_vars: tuple[str, ...]  # read-only key sources, first wins
    needs_key: bool = True


PROVIDERS: dict[str, ProviderInfo] = {
    "openai": ProviderInfo("openai", "OpenAI", "https://api.openai.com/v1", ("OPENAI_API_KEY",)),
    "anthropic": ProviderInfo("anthropic", "Anthropic", "https://api.anthropic.com", ("ANTHROPIC_API_KEY",)),
    "grok": ProviderInfo("grok", "xAI Grok", "https://api.x.ai/v1", ("XAI_API_KEY", "GROK_API_KEY")),
    "google": ProviderInfo(
        "google",
        "Google Gemini",
        "https://generativelanguage.googleapis.com/v1beta",
        ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    ),
    "openrouter": ProviderInfo(
        "openrouter", "OpenRouter", "https://openrouter.ai/api/v1", ("OPENROUTER_API_KEY",)
    ),
    "ollama": ProviderInfo("ollama", "Ollama", "http://localhost:11434/v1", (), needs_key=False),
    "openai-compatible": ProviderInfo(
        "openai-compatible", "OpenAI-compatible server", "http://localhost:8000/v1", (), needs_key=False
    ),
}


def normalize(value: str, allowed: tuple[str, ...], field: str = "provider") -> str:
    """Return the canonical provider id for ``value`` or raise :class:`Invalid` naming ``field``."""
    raw = (value or "").strip()
    key = raw.lower()
    key = _ALIASES.get(key, key)
    if key not in allowed:
        raise Invalid(field, f"Unknown {field} {raw!r}: use one of {', '.join(allowed)}.")
    return key


def normalize_image(value: str) -> str:
    return normalize(value, IMAGE_PROVIDERS)


def normalize_chat(value: str) -> str:
    return normalize(value, CHAT_PROVIDERS)


def normalize_key_provider(value: str) -> str:
    return normalize(value, KEY_PROVIDERS)


def base_url_for(provider: str, base_url: str | None) -> str:
    """The base URL to call: the profile's own, else the provider's documented default."""
    return (base_url or PROVIDERS[provider].default_base_url).rstrip("/")
