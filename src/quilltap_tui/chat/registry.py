"""Provider id -> :class:`~quilltap_tui.chat.spec.ChatProvider`, through the provider units.

Importing this module imports no SDK: each provider imports its SDK on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from quilltap_tui.chat.spec import ChatProvider
from quilltap_tui.errors import AuthError, Invalid
from quilltap_tui.providers.registry import chat_unit
from quilltap_tui.providers.retry import RetryHook, RetryPolicy, Sleep
from quilltap_tui.providers.unit import resolve

if TYPE_CHECKING:
    import httpx2


def get_chat_provider(
    provider_id: str,
    *,
    api_key: str | None,
    base_url: str | None = None,
    http_client: httpx2.AsyncClient | None = None,
    max_retries: int = 2,
    timeout: float = 120.0,
    sleep: Sleep | None = None,
    on_retry: RetryHook | None = None,
) -> ChatProvider:
    """Build the chat provider for ``provider_id`` (any accepted spelling).

    ``base_url`` is the API root as the provider documents it (CONTRACT.md); ``None`` uses the
    provider's default. Raises :class:`Invalid` for an unknown id or a non-http(s) URL, and
    :class:`AuthError` when no key is given for a provider's own API (a server at a custom base URL
    may be key-less). Retries go through the one retry loop (``sleep`` and ``on_retry`` as there).
    """
    unit = chat_unit(provider_id)
    assert unit.chat is not None
    url = _checked(unit.base_url(base_url))
    # A compatible server at its own address may run without keys; the provider's own API never does.
    if unit.needs_key and not api_key and unit.is_default_host(url):
        raise AuthError(f"{unit.title} needs an API key; add one with `keys add --provider {unit.id}`.",
                        provider=unit.id)
    suffix = unit.chat.compat_suffix
    if suffix and not url.endswith(suffix):
        url += suffix
    provider: ChatProvider = resolve(unit.chat.factory)(
        unit=unit, api_key=api_key, base_url=url, http_client=http_client, timeout=timeout,
        retry=RetryPolicy(max_retries=max_retries, sleep=sleep, on_retry=on_retry),
    )
    return provider


def _checked(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise Invalid("base_url", f"The base URL {url!r} must be an http:// or https:// address.")
    return url
