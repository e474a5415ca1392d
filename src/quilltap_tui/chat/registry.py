"""Provider id -> :class:`~quilltap_tui.chat.spec.ChatProvider`.

Importing this module imports no SDK: each provider imports its SDK on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from quilltap_tui.chat.providers.anthropic import AnthropicProvider
from quilltap_tui.chat.providers.openai_compat import OpenAICompatProvider
from quilltap_tui.chat.spec import ChatProvider
from quilltap_tui.errors import AuthError, Invalid
from quilltap_tui.provider_ids import PROVIDERS, base_url_for, normalize_chat

if TYPE_CHECKING:
    import httpx2

# OpenRouter ranks apps by these optional headers; they identify the app, never the user.
_OPENROUTER_HEADERS = {"X-Title": "quilltap-tui", "HTTP-Referer": "https://github.com/quilltap/quilltap-tui"}


def get_chat_provider(
    provider_id: str,
    *,
    api_key: str | None,
    base_url: str | None = None,
    http_client: httpx2.AsyncClient | None = None,
    max_retries: int = 2,
    timeout: float = 120.0,
) -> ChatProvider:
    """Build the chat provider for ``provider_id`` (any accepted spelling).

    ``base_url`` is the API root as the provider documents it (CONTRACT.md); ``None`` uses the
    provider's default. Raises :class:`Invalid` for an unknown id or a non-http(s) URL, and
    :class:`AuthError` when no key is given for a provider's own API (a server at a custom base URL
    may be key-less).
    """
    pid = normalize_chat(provider_id)
    info = PROVIDERS[pid]
    url = _checked(base_url_for(pid, base_url))
    # A compatible server at its own address may run without keys; the provider's own API never does.
    if info.needs_key and not api_key and url == info.default_base_url.rstrip("/"):
        raise AuthError(f"{info.title} needs an API key; add one with `keys add --provider {pid}`.", provider=pid)
    if pid == "anthropic":
        return AnthropicProvider(
            api_key=api_key, base_url=url, http_client=http_client, max_retries=max_retries, timeout=timeout
        )
    if pid == "google":
        url = compat_base_for_gemini(url)
    headers = _OPENROUTER_HEADERS if pid == "openrouter" else None
    return OpenAICompatProvider(
        pid,
        api_key=api_key,
        base_url=url,
        http_client=http_client,
        max_retries=max_retries,
        timeout=timeout,
        default_headers=headers,
    )


def compat_base_for_gemini(base_url: str) -> str:
    """Gemini's OpenAI-compatible root is ``{base}/openai`` (``.../v1beta/openai``)."""
    return base_url if base_url.endswith("/openai") else f"{base_url}/openai"


def _checked(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("base_url", f"The base URL {url!r} must be an http:// or https:// address.")
    return url
