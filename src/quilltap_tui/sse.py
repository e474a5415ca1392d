"""Server-sent events read straight from the HTTP response: the chat SDKs' streams and streamed image answers.

The SDKs turn every streamed chunk into a pydantic model, which we then turned back into a dict: for a
4000-token reply that was most of the CPU the whole turn used (bench/tui.py). Here the SDK still sends
the request (auth, retries, status errors) and we read its raw response: one ``json.loads`` per event.
The format follows the WHATWG event-stream rules that matter for these APIs: ``data:`` lines joined by
newlines, ``event:`` names, ``:`` comments (OpenRouter's keep-alives), a blank line ending an event.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator
from contextvars import ContextVar
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


@dataclass(frozen=True, slots=True)
class ReadPace:
    """Read a long streamed body in bursts: once a body has streamed for ``after`` seconds, each time the reader
    has caught up with the network (a chunk it had to wait for) it lets ``interval`` seconds of the stream
    gather before it reads on.

    Servers send one chunk per token, and a reader that keeps up takes each one alone: at 500 tokens a second
    that was 500 wake-ups of the reading loop, socket reads and pauses of the transport a second (the TUI's
    turn thread used 0.8-1.1 CPU-s for a 4000-token reply; 0.35-0.45 read in bursts, about 30 a second).
    Each burst still cost both threads a round of wake-ups (the turn loop's socket read and its hand-overs to
    the screen's loop, about four a burst: 860 for that reply); 60 ms bursts halve them, and the screen draws
    the text at most about 7 times a second anyway (ui/widgets/message.py), so no frame shows less of it.
    The reply's end waits at most one interval more (the last bytes may arrive during a pause).
    Short bodies (a tool call, a short answer) are read as they come.
    """

    interval: float = 0.06
    after: float = 0.5
    caught_up: float = 0.001  # a chunk that took longer than this was waited for, not taken from a buffer
    gap: float = 0.005  # reading time between two pauses at least (a chunk misjudged as waited for costs little)


# Set by a caller that shows a reply in batches anyway (the TUI): the chat providers read their streams so.
READ_PACE: ContextVar[ReadPace | None] = ContextVar("quilltap_read_pace", default=None)


async def paced_chunks(chunks: AsyncIterator[bytes], pace: ReadPace) -> AsyncIterator[bytes]:
    """``chunks``, read as :class:`ReadPace` says."""
    loop = asyncio.get_running_loop()
    started: float | None = None
    resumed = loop.time()  # when the last pause ended
    while True:
        asked = loop.time()
        try:
            chunk = await anext(chunks)
        except StopAsyncIteration:
            return
        now = loop.time()
        if started is None:
            started = now
        yield chunk
        # After the yield: the chunk's events go on before the pause, which only holds back the next read.
        if now - asked > pace.caught_up and now - started >= pace.after and now - resumed >= pace.gap:
            await asyncio.sleep(pace.interval)
            resumed = loop.time()


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


async def response_lines(response: Any, provider: str, max_line: int | None = None,
                         pace: ReadPace | None = None) -> AsyncIterator[str]:
    """The body's lines (without endings), each at most ``max_line`` bytes (the SSE line cap); read in bursts
    if ``pace`` is given.

    Split here rather than by ``iter_lines()``, which grows one line without bound: a server sending a
    single endless line would fill memory. Transport failures mid-body become our errors: the SDKs map
    failures only while they send the request, so a read timeout or a cut connection here surfaces as a
    raw httpx2 exception.
    """
    import httpx2

    cap = max_line or caps.current().max_sse_line_bytes
    pending = bytearray()
    try:
        chunks = response.iter_bytes()
        async for chunk in chunks if pace is None else paced_chunks(aiter(chunks), pace):
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
