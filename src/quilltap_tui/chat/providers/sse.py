"""Server-sent events read straight from the HTTP response, for both chat SDKs' streaming endpoints.

The SDKs turn every streamed chunk into a pydantic model, which we then turned back into a dict: for a
4000-token reply that was most of the CPU the whole turn used (bench/tui.py). Here the SDK still sends
the request (auth, retries, status errors) and we read its raw response: one ``json.loads`` per event.
The format follows the WHATWG event-stream rules that matter for these APIs: ``data:`` lines joined by
newlines, ``event:`` names, ``:`` comments (OpenRouter's keep-alives), a blank line ending an event.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from quilltap_tui.chat.providers import title
from quilltap_tui.errors import MalformedResponse, ProviderError, Timeout, Unavailable


@dataclass(frozen=True, slots=True)
class ServerEvent:
    event: str | None
    data: str

    def json(self, provider: str) -> Any:
        try:
            return json.loads(self.data)
        except json.JSONDecodeError as exc:
            raise MalformedResponse(
                f"{title(provider)} sent a streamed event that is not valid JSON ({exc.msg}).", provider=provider
            ) from None


async def server_events(lines: AsyncIterator[str]) -> AsyncIterator[ServerEvent]:
    """Events from a stream of lines (without their line endings)."""
    event: str | None = None
    data: list[str] = []
    async for line in lines:
        if not line:
            if data:
                yield ServerEvent(event, "\n".join(data))
            event, data = None, []
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value
    if data:  # a last event without its blank line: servers that close right after it
        yield ServerEvent(event, "\n".join(data))


async def response_lines(response: Any, provider: str) -> AsyncIterator[str]:
    """``response.iter_lines()`` with transport failures mid-body turned into our errors.

    The SDKs map failures only while they send the request; once we read the body ourselves a read
    timeout or a cut connection surfaces as a raw httpx2 exception.
    """
    import httpx2

    try:
        async for line in response.iter_lines():
            yield line
    except httpx2.TransportError as exc:
        raise stream_transport_error(exc, provider) from None


def stream_transport_error(exc: Exception, provider: str) -> ProviderError:
    """Our error for a transport failure in the middle of a stream (timeout, cut or truncated body)."""
    import httpx2

    if isinstance(exc, httpx2.TimeoutException):
        return Timeout(f"{title(provider)} did not answer in time.", provider=provider)
    detail = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
    return Unavailable(f"The connection to {title(provider)} failed: {detail}.", provider=provider)
