"""Caps every answer from a server must live within, enforced by the HTTP transport while it reads.

Idle timeouts alone let a server that sends one byte a second, or an endless stream, keep a request
alive for ever, and nothing bounded how much of an answer was held in memory. :class:`GuardedTransport`
sits under every HTTP client the app makes (ours and the SDKs'), so the rules hold whatever code sends
the request or reads the body:

- a total deadline per request, headers and body together (``request_deadline``);
- a cap on the bytes received (``max_response_mb``), checked before reading when the length is declared;
- a cap on the decompressed size: the transport asks for gzip/deflate only and inflates in 1 MiB steps
  itself, so a gzip bomb stops at the cap instead of filling memory.

A breach raises a :class:`~quilltap_tui.errors.ProviderError` that no retry loop repeats (the same server
would do it again) and whose one sentence names the limit and the setting that sets it. These are not
``httpx2`` exceptions on purpose: the SDKs retry and rewrap those, and would lose the sentence.

It also tells :mod:`quilltap_tui.request_sent` when a request's last byte is written (a chat turn shows
a step only once the next request is out).
"""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import AsyncIterator
from typing import Any

import httpx2

from quilltap_tui import request_sent as sent
from quilltap_tui.caps import MIB, Caps, current, size_text
from quilltap_tui.errors import MalformedResponse, Timeout

_STEP = MIB  # most bytes one inflate call may produce


class DeadlineExceeded(Timeout):
    """The whole request took longer than ``request_deadline``. Never retried: it would again."""

    retryable = False


class ResponseTooLarge(MalformedResponse):
    """An answer (raw or decompressed) larger than its cap."""


def deadline_error(host: str, caps: Caps) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"The server at {host} did not finish its answer within the request deadline of "
        f"{caps.request_deadline:g} s (setting request_deadline)."
    )


def too_large(host: str, what: str, cap: int) -> ResponseTooLarge:
    return ResponseTooLarge(
        f"The {what} from {host} is larger than the {size_text(cap)} cap (setting max_response_mb)."
    )


class GuardedTransport(httpx2.AsyncBaseTransport):
    """Wraps a transport with the caps of :func:`current` (or fixed ``caps`` for tests)."""

    def __init__(self, inner: httpx2.AsyncBaseTransport, caps: Caps | None = None) -> None:
        self._inner = inner
        self._caps = caps

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        caps = self._caps or current()
        host = request.url.netloc.decode("ascii", "replace")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + caps.request_deadline
        # Only encodings we inflate ourselves, in bounded steps (br/zstd would be inflated by httpx2 at once).
        request.headers["Accept-Encoding"] = "gzip, deflate"
        listener = sent.listener()
        if listener is not None:
            _trace_sent(request, listener)
        try:
            async with asyncio.timeout_at(deadline):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise deadline_error(host, caps) from None
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and (len(declared) > 15 or int(declared) > caps.max_response_bytes):
            await response.aclose()
            raise too_large(host, "answer", caps.max_response_bytes)
        encoding = response.headers.get("content-encoding", "").strip().lower()
        try:
            reader = _Reader(host, caps, deadline, encoding)
        except MalformedResponse:
            await response.aclose()
            raise
        headers = response.headers
        if encoding not in ("", "identity"):
            # We hand on inflated bytes, so the framing headers of the compressed body no longer apply.
            headers = httpx2.Headers([(k, v) for k, v in response.headers.multi_items()
                                      if k.lower() not in ("content-encoding", "content-length")])
        stream = _GuardedStream(response.stream, reader)
        return httpx2.Response(response.status_code, headers=headers, stream=stream,
                               extensions=response.extensions)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _trace_sent(request: httpx2.Request, listener: sent.Listener) -> None:
    """Call ``listener`` once the request body is written (httpcore's trace, HTTP/1.1 and HTTP/2 alike)."""
    inner = request.extensions.get("trace")

    async def trace(name: str, info: dict[str, Any]) -> None:
        if inner is not None:  # someone else traces this request too: they still hear everything
            await inner(name, info)
        if name.endswith(".send_request_body.complete"):
            listener()

    request.extensions = {**request.extensions, "trace": trace}


def guarded_transport(verify: Any) -> GuardedTransport:
    """The transport every client of the app uses: httpx2's own, under the caps."""
    return GuardedTransport(httpx2.AsyncHTTPTransport(verify=verify))


class _Reader:
    """Counts, times and inflates one body."""

    def __init__(self, host: str, caps: Caps, deadline: float, encoding: str) -> None:
        self.host, self.caps, self.deadline = host, caps, deadline
        self.received = 0
        self.decoded = 0
        self.inflater = _inflater(encoding, host)

    def take(self, chunk: bytes) -> bytes:
        self.received += len(chunk)
        if self.received > self.caps.max_response_bytes:
            raise too_large(self.host, "answer", self.caps.max_response_bytes)
        if self.inflater is None:
            return chunk
        return self._inflate(chunk)

    def _inflate(self, chunk: bytes) -> bytes:
        assert self.inflater is not None
        out = bytearray()
        pending = chunk
        while pending:
            try:
                piece = self.inflater.decompress(pending, _STEP)
            except zlib.error:
                raise MalformedResponse(f"The compressed answer from {self.host} is corrupt.") from None
            self.decoded += len(piece)
            if self.decoded > self.caps.max_decoded_bytes:
                raise too_large(self.host, "decompressed answer", self.caps.max_decoded_bytes)
            out += piece
            pending = self.inflater.unconsumed_tail
            if not piece and pending:
                break
        return bytes(out)


def _inflater(encoding: str, host: str) -> Any:
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        # 32 + MAX_WBITS reads gzip and zlib headers alike; deflate servers almost always send zlib.
        return zlib.decompressobj(32 + zlib.MAX_WBITS)
    raise MalformedResponse(f"The server at {host} answered with the unasked-for encoding {encoding[:40]!r}.")


class _GuardedStream(httpx2.AsyncByteStream):
    def __init__(self, inner: Any, reader: _Reader) -> None:
        self._inner = inner
        self._reader = reader

    async def __aiter__(self) -> AsyncIterator[bytes]:
        reader = self._reader
        chunks = self._inner.__aiter__()
        while True:
            try:
                async with asyncio.timeout_at(reader.deadline):
                    chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise deadline_error(reader.host, reader.caps) from None
            data = reader.take(chunk)
            if data:
                yield data

    async def aclose(self) -> None:
        await self._inner.aclose()
