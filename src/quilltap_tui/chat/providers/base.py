"""What every SDK-backed chat provider shares: the client, error mapping, and retries through the one loop.

The SDKs' own retries are off (``max_retries=0``): every retry goes through
:mod:`quilltap_tui.providers.retry`, so a wait is announced ("retrying in 1.0 s (429 rate limited)"),
tests inject the sleep, and chat and image providers retry by the same rules. A stream is retried only
until its first event (see :func:`~quilltap_tui.providers.retry.retrying_stream`).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from quilltap_tui.chat.providers import KEYLESS_PLACEHOLDER, map_sdk_error
from quilltap_tui.chat.spec import ChatEvent, ChatMessage
from quilltap_tui.lazy_imports import import_off_loop
from quilltap_tui.net import shared_ssl_context
from quilltap_tui.netguard import guarded_transport
from quilltap_tui.providers.registry import chat_unit
from quilltap_tui.providers.retry import RetryPolicy, retrying_stream, with_retries
from quilltap_tui.providers.unit import ProviderUnit
from quilltap_tui.sse import READ_PACE, ServerEvent, response_lines, server_events
from quilltap_tui.tools.spec import ToolSpec

if TYPE_CHECKING:
    import httpx2

T = TypeVar("T")


class SdkChatProvider:
    """Base of the chat providers; a subclass names its SDK and says how to build and open a request."""

    sdk_name = ""
    provider_id = ""

    def __init__(
        self,
        provider_id: str | None = None,
        *,
        unit: ProviderUnit | None = None,
        api_key: str | None,
        base_url: str,
        http_client: httpx2.AsyncClient | None = None,
        max_retries: int = 2,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.unit = unit or chat_unit(provider_id or self.provider_id)
        self.provider_id = self.unit.id
        self.base_url = base_url
        self._key = api_key
        self._http_client = http_client
        self._timeout = timeout
        self.retry = retry or RetryPolicy(max_retries=max_retries)
        self._sdk: Any = None

    def _client_options(self, sdk: Any) -> dict[str, Any]:
        """Keyword arguments of the SDK client; subclasses add theirs."""
        return {
            # Always passed, so the SDK never falls back to a key from the environment that the user did
            # not choose for this profile; key-less servers ignore the placeholder.
            "api_key": self._key or KEYLESS_PLACEHOLDER,
            "base_url": self.base_url,
            "max_retries": 0,  # the one retry loop retries, not the SDK
            "timeout": self._timeout,
            # The SDK's own default client would load the CA bundle again for every turn (27-43 ms on the
            # event loop); this one shares the process-wide TLS context.
            "http_client": self._http_client
            or sdk.DefaultAsyncHttpxClient(transport=guarded_transport(shared_ssl_context())),
        }

    def _client(self) -> Any:
        if self._sdk is None:
            sdk = importlib.import_module(self.sdk_name)  # lazily: the CLI must not pay the import at start-up
            self._sdk = self._client_class(sdk)(**self._client_options(sdk))
        return self._sdk

    def _client_class(self, sdk: Any) -> Any:
        raise TypeError(f"{type(self).__name__} must name its SDK client class")

    def _build(self, *, model: str, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec],
               params: Mapping[str, Any] | None, system: str | None) -> dict[str, Any]:
        raise TypeError(f"{type(self).__name__} must build its request")

    def _open_stream(self, request: dict[str, Any]) -> Any:
        """The SDK's raw streaming-response context manager for ``request``."""
        raise TypeError(f"{type(self).__name__} must open its stream")

    def _events(self, events: AsyncIterator[ServerEvent]) -> AsyncIterator[ChatEvent]:
        raise TypeError(f"{type(self).__name__} must parse its events")

    async def _sdk_module(self) -> Any:
        await import_off_loop(self.sdk_name)
        return importlib.import_module(self.sdk_name)

    async def stream(
        self,
        *,
        model: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        params: Mapping[str, Any] | None = None,
        system: str | None = None,
    ) -> AsyncIterator[ChatEvent]:
        """Stream one reply; see :mod:`quilltap_tui.chat.spec` for the event and error rules."""
        sdk = await self._sdk_module()
        request = self._build(model=model, messages=messages, tools=tools, params=params, system=system)
        async for event in retrying_stream(lambda: self._stream_once(sdk, request), self.retry):
            yield event

    async def _stream_once(self, sdk: Any, request: dict[str, Any]) -> AsyncIterator[ChatEvent]:
        try:
            # The raw response, read by ``sse``: the SDK's per-chunk models cost more CPU than the rest of a
            # streamed turn together.
            async with self._open_stream(request) as response:
                lines = response_lines(response, self.provider_id, pace=READ_PACE.get())
                async for event in self._events(server_events(lines)):
                    yield event
        except (sdk.APIError, json.JSONDecodeError) as exc:
            # ``from None``: the SDK exception's text may quote the provider's echo of the key.
            raise map_sdk_error(exc, sdk, provider=self.provider_id, key=self._key) from None

    async def call(self, make: Callable[[Any], Awaitable[T]]) -> T:
        """One SDK call ``make(client)``, its errors mapped onto the error tree, retried by the one loop."""
        sdk = await self._sdk_module()

        async def attempt() -> T:
            try:
                return await make(self._client())
            except (sdk.APIError, json.JSONDecodeError) as exc:
                raise map_sdk_error(exc, sdk, provider=self.provider_id, key=self._key) from None

        return await with_retries(attempt, self.retry)

    async def aclose(self) -> None:
        """Close the SDK client unless its HTTP client was injected (the caller owns that one)."""
        if self._sdk is not None and self._http_client is None:
            await self._sdk.close()
        self._sdk = None
