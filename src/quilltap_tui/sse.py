"""Server-sent events read straight from the HTTP response: the chat SDKs' streams and streamed image answers.

The SDKs turn every streamed chunk into a pydantic model, which we then turned back into a dict: for a
4000-token reply that was most of the CPU the whole turn used (bench/tui.py). Here the SDK still sends
the request (auth, retries, status errors) and we read its raw response: one ``json.loads`` per event.
The format follows the WHATWG event-stream rules that matter for these APIs: ``data:`` lines joined by
newlines, ``event:`` names, ``:`` comments (OpenRouter's keep-alives), a blank line ending an event.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from quilltap_tui import caps
from quilltap_tui.errors import MalformedResponse, ProviderError, Timeout, Unavailable
from quilltap_tui.provider_ids import title


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
        except ValueError:  # an integer past Python's 4300-digit conversion limit
            raise MalformedResponse(
                f"{title(provider)} sent a streamed event holding a number with too many digits.", provider=provider
            ) from None


async def server_events(lines: AsyncIterator[str], max_data: int | None = None) -> AsyncIterator[ServerEvent]:
    """Events from a stream of lines (without their line endings); ``max_data`` caps one event's data."""
    event: str | None = None
    data: list[str] = []
    size, cap = 0, max_data or caps.current().max_sse_line_bytes
    async for line in lines:
        if not line:
            if data:
                yield ServerEvent(event, "\n".join(data))
            event, data, size = None, [], 0
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
            size += len(value)
            if size > cap:
                raise MalformedResponse(f"A streamed event is longer than the {caps.size_text(cap)} cap "
                                        "(setting max_response_mb).")
        elif name == "event":
            event = value
    if data:  # a last event without its blank line: servers that close right after it
        yield ServerEvent(event, "\n".join(data))


async def response_lines(response: Any, provider: str, max_line: int | None = None) -> AsyncIterator[str]:
    """The body's lines (without endings), each at most ``max_line`` bytes (the SSE line cap).

    Split here rather than by ``iter_lines()``, which grows one line without bound: a server sending a
    single endless line would fill memory. Transport failures mid-body become our errors: the SDKs map
    failures only while they send the request, so a read timeout or a cut connection here surfaces as a
    raw httpx2 exception.
    """
    import httpx2

    cap = max_line or caps.current().max_sse_line_bytes
    pending = bytearray()
    try:
        async for chunk in response.iter_bytes():
            pending += chunk
            for line in _complete_lines(pending):
                yield line.decode("utf-8", "replace")
            if len(pending) > cap:
                raise _line_too_long(provider, cap)
    except httpx2.TransportError as exc:
        raise stream_transport_error(exc, provider) from None
    if pending:
        yield bytes(pending).rstrip(b"\r").decode("utf-8", "replace")


_EOL = re.compile(rb"\r\n|\r|\n")


def _complete_lines(pending: bytearray) -> list[bytes]:
    """Remove and return every line of ``pending`` whose ending has fully arrived."""
    lines: list[bytes] = []
    start = 0
    for match in _EOL.finditer(pending):
        if match.group() == b"\r" and match.end() == len(pending):
            break  # a CR at the very end may be the first half of CRLF
        lines.append(bytes(pending[start:match.start()]))
        start = match.end()
    del pending[:start]
    return lines


def _line_too_long(provider: str, cap: int) -> MalformedResponse:
    return MalformedResponse(
        f"{title(provider)} sent a streamed line longer than the {caps.size_text(cap)} cap "
        "(setting max_response_mb).", provider=provider)


def stream_transport_error(exc: Exception, provider: str) -> ProviderError:
    """Our error for a transport failure in the middle of a stream (timeout, cut or truncated body)."""
    import httpx2

    if isinstance(exc, httpx2.TimeoutException):
        return Timeout(f"{title(provider)} did not answer in time.", provider=provider)
    detail = " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
    return Unavailable(f"The connection to {title(provider)} failed: {detail}.", provider=provider)
