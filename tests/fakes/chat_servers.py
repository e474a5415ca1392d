"""Fake chat upstreams (OpenAI Chat Completions SSE and Anthropic Messages SSE), stdlib only.

Each :class:`FakeChatServer` listens on 127.0.0.1 (port 0) in a daemon thread, records every request
(method, path, lower-cased headers, parsed JSON body) and answers from a script:

* ``server.enqueue(Text("hi"), ToolCalls([ToolCall("generate_image", {...})]))`` queues replies for
  the chat endpoint (``endpoint="models"`` / ``"key"`` for the GET routes);
* ``server.decider = fn`` answers from the request when the queue is empty, e.g.
  :func:`tool_then_text` ("call generate_image, then answer once the tool result is in");
* with neither, the chat endpoint streams a short greeting.

Replies: :class:`Text` (tokens, optional tokens-per-second pacing), :class:`ToolCalls` (arguments in
many fragments, whole in one chunk with or without ``index``, parallel calls), :class:`HttpError`
(with :func:`rate_limited`, :func:`overloaded` helpers), :class:`ErrorInStream` (an error inside a 200
stream), :class:`Truncated` (cut connection or clean early end) and :class:`Malformed` (a broken JSON
chunk). Also runnable for end-to-end tests and benchmarks::

    python -m tests.fakes.chat_servers --kind openai --port-file /tmp/port --script tool
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

DEFAULT_MODELS = ("fake-chat-1", "fake-chat-2")


@dataclass
class Recorded:
    """One request as received."""

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    raw: bytes = b""  # the body's bytes as they came (key order, spacing)


@dataclass
class Text:
    """Stream ``text`` (split into word tokens unless ``tokens`` is given), ``tps`` tokens per second."""

    text: str = ""
    tokens: list[str] | None = None
    tps: float | None = None
    input_tokens: int = 12

    def pieces(self) -> list[str]:
        return self.tokens if self.tokens is not None else re.findall(r"\s*\S+\s*", self.text) or [self.text]


@dataclass
class ToolCall:
    """One scripted call; ``arguments`` as a dict, or a raw string (e.g. invalid JSON)."""

    name: str
    arguments: dict[str, Any] | str
    id: str | None = None
    extra: dict[str, Any] | None = None  # extra fields on the OpenAI tool call (Gemini's extra_content)

    def raw(self) -> str:
        return self.arguments if isinstance(self.arguments, str) else json.dumps(self.arguments)


@dataclass
class ToolCalls:
    """Tool calls, optionally after some text. ``style``: ``fragments`` (arguments split into
    ``fragment_size`` pieces), ``whole`` (one chunk per call), ``whole-no-index`` (OpenAI shape without
    ``index``, as xAI may send) or ``empty`` (Anthropic: no input fragments at all)."""

    calls: list[ToolCall]
    text: str = ""
    style: str = "fragments"
    fragment_size: int = 4


@dataclass
class HttpError:
    status: int
    body: Any = None  # None: a provider-shaped error body for the status
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class ErrorInStream:
    """Start a 200 stream, send ``text_before``, then an error event (OpenRouter / Anthropic style)."""

    text_before: str = "Partial "
    error: dict[str, Any] | None = None


@dataclass
class Truncated:
    """Send ``text`` then stop: ``clean`` ends the body properly, else the connection is cut."""

    text: str = "Cut "
    clean: bool = False


@dataclass
class Malformed:
    """Send ``text_before`` then a chunk whose JSON is broken."""

    text_before: str = ""


Reply = Text | ToolCalls | HttpError | ErrorInStream | Truncated | Malformed
Decider = Callable[[Recorded], Reply]


def rate_limited(retry_after: float = 0.01, *, ms: bool = True) -> HttpError:
    """A 429 with ``retry-after-ms`` (or ``retry-after`` in seconds)."""
    header = {"retry-after-ms": f"{retry_after * 1000:g}"} if ms else {"retry-after": f"{retry_after:g}"}
    return HttpError(429, headers=header)


def overloaded() -> HttpError:
    """Anthropic's 529 ``overloaded_error``."""
    return HttpError(529)


def last_tool_result(body: Any) -> str | None:
    """The text of the last message when it is a tool result (either API shape), else None."""
    messages = (body or {}).get("messages") or []
    if not messages:
        return None
    last = messages[-1]
    if last.get("role") == "tool":
        return str(last.get("content"))
    content = last.get("content")
    if last.get("role") == "user" and isinstance(content, list):
        results = [b for b in content if isinstance(b, dict) and b.get("type") == "tool_result"]
        if results:
            return str(results[-1].get("content"))
    return None


def last_user_text(body: Any) -> str:
    """The text of the last user message (either API shape)."""
    for message in reversed((body or {}).get("messages") or []):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            texts = [b.get("text", "") for b in content or [] if isinstance(b, dict) and b.get("type") == "text"]
            if texts:
                return " ".join(texts)
    return ""


def tool_then_text(
    name: str = "generate_image",
    arguments: dict[str, Any] | Callable[[Recorded], dict[str, Any]] | None = None,
    final_text: str | None = None,
    tps: float | None = None,
) -> Decider:
    """A scripted LLM: call ``name`` (default arguments ``{"prompt": <last user text>}``), and once the
    request ends with the tool result, stream ``final_text`` (default: quotes the result)."""

    def decide(request: Recorded) -> Reply:
        result = last_tool_result(request.body)
        if result is not None:
            return Text(final_text or f"Here is the result: {result[:200]}", tps=tps)
        args = arguments(request) if callable(arguments) else arguments
        return ToolCalls([ToolCall(name, args if args is not None else {"prompt": last_user_text(request.body)})])

    return decide


class FakeChatServer:
    """A fake ``openai`` or ``anthropic`` chat upstream; a context manager."""

    def __init__(
        self,
        kind: str = "openai",
        *,
        api_key: str | None = None,
        models: tuple[str, ...] = DEFAULT_MODELS,
        keepalive_comments: bool = False,
        port: int = 0,
    ) -> None:
        if kind not in ("openai", "anthropic"):
            raise ValueError(f"unknown kind {kind!r}")
        self.kind = kind
        self.api_key = api_key
        self.models = models
        self.keepalive_comments = keepalive_comments
        self.decider: Decider | None = None
        self.requests: list[Recorded] = []
        self._queues: dict[str, list[Reply]] = {"chat": [], "models": [], "key": []}
        self._lock = threading.Lock()
        self._httpd = _QuietServer(("127.0.0.1", port), _handler_for(self))
        self._httpd.daemon_threads = True
        # A short poll interval keeps stop() quick (the default waits up to 0.5 s).
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """What a profile's ``--base-url`` should be (the API root as the provider documents it)."""
        root = f"http://127.0.0.1:{self.port}"
        return f"{root}/v1" if self.kind == "openai" else root

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST"]

    def enqueue(self, *replies: Reply, endpoint: str = "chat") -> None:
        with self._lock:
            self._queues[endpoint].extend(replies)

    def start(self) -> FakeChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> FakeChatServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _record_and_pick(self, request: Recorded, endpoint: str) -> Reply | None:
        with self._lock:
            self.requests.append(request)
            if self._queues[endpoint]:
                return self._queues[endpoint].pop(0)
        if endpoint == "chat":
            return self.decider(request) if self.decider else Text("Hello from the fake server.")
        return None

    def authorised(self, headers: dict[str, str]) -> bool:
        if self.api_key is None:
            return True
        bearer = headers.get("authorization") == f"Bearer {self.api_key}"
        return bearer or (self.kind == "anthropic" and headers.get("x-api-key") == self.api_key)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that stops reading after an error event closes the socket mid-write: expected here.
        if isinstance(sys.exc_info()[1], BrokenPipeError | ConnectionResetError):
            return
        super().handle_error(request, client_address)


def _handler_for(server: FakeChatServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        fake = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    # Many small SSE writes: without TCP_NODELAY each can wait ~40 ms for the client's delayed ACK.
    disable_nagle_algorithm = True
    protocol_version = "HTTP/1.1"
    fake: FakeChatServer

    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        return

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def _serve(self, method: str) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        body = json.loads(raw) if raw else None
        path = self.path.split("?")[0]
        endpoint = _route(self.fake.kind, method, path)
        request = Recorded(method, self.path, headers, body, raw)
        if endpoint is None or not self.fake.authorised(headers):
            with self.fake._lock:
                self.fake.requests.append(request)
            if endpoint is None:
                return self._json(404, _error_body(self.fake.kind, 404, f"No route {method} {path}"))
            return self._json(401, _error_body(self.fake.kind, 401, "Incorrect API key provided."))
        reply = self.fake._record_and_pick(request, endpoint)
        if isinstance(reply, HttpError):
            body = reply.body if reply.body is not None else _error_body(self.fake.kind, reply.status, "Fake error")
            return self._json(reply.status, body, reply.headers)
        if endpoint == "models":
            return self._json(200, _models_body(self.fake.kind, self.fake.models))
        if endpoint == "key":
            return self._json(200, {"data": {"label": "fake", "limit": None, "usage": 0}})
        assert reply is not None
        self._stream(reply, body or {})

    def _json(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def _stream(self, reply: Reply, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("transfer-encoding", "chunked")
        self.end_headers()
        render = _openai_events if self.fake.kind == "openai" else _anthropic_events
        if self.fake.keepalive_comments:
            self._chunk(b": OPENROUTER PROCESSING\n\n")
        for piece in render(reply, body):
            if isinstance(piece, float):
                time.sleep(piece)
            else:
                self._chunk(piece.encode())
        if isinstance(reply, Truncated) and not reply.clean:
            self.close_connection = True  # no final chunk: the client sees a cut connection
            return
        self.wfile.write(b"0\r\n\r\n")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


_ENDPOINTS = {
    ("openai", "POST", "/chat/completions"): "chat",
    ("openai", "GET", "/models"): "models",
    ("openai", "GET", "/key"): "key",
    ("anthropic", "POST", "/v1/messages"): "chat",
    ("anthropic", "GET", "/v1/models"): "models",
}
# OpenAI-shaped APIs live under different roots (/v1, /api/v1 on OpenRouter, /v1beta/openai on Gemini).
_OPENAI_ROOTS = ("/v1", "/api/v1", "/v1beta/openai", "/v1/openai")


def _route(kind: str, method: str, path: str) -> str | None:
    if kind == "anthropic":
        return _ENDPOINTS.get((kind, method, path))
    for root in _OPENAI_ROOTS:
        if path.startswith(root + "/"):
            found = _ENDPOINTS.get((kind, method, path.removeprefix(root)))
            if found:
                return found
    return None


_ANTHROPIC_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    429: "rate_limit_error",
    529: "overloaded_error",
}


def _error_body(kind: str, status: int, message: str) -> dict[str, Any]:
    if kind == "anthropic":
        kind_word = _ANTHROPIC_TYPES.get(status, "api_error")
        return {"type": "error", "error": {"type": kind_word, "message": message}, "request_id": "req_fake"}
    code = {401: "invalid_api_key", 429: "rate_limit_exceeded"}.get(status)
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": code}}


def _models_body(kind: str, models: tuple[str, ...]) -> dict[str, Any]:
    if kind == "anthropic":
        data = [{"type": "model", "id": m, "display_name": m, "created_at": "2025-01-01T00:00:00Z"} for m in models]
        return {"data": data, "has_more": False, "first_id": models[0], "last_id": models[-1]}
    return {
        "object": "list",
        "data": [{"id": m, "object": "model", "created": 0, "owned_by": "fake"} for m in models],
    }


def _paced(text: Text) -> Iterator[tuple[str, float | None]]:
    delay = 1.0 / text.tps if text.tps else None
    for piece in text.pieces():
        yield piece, delay


# ---- OpenAI Chat Completions SSE -------------------------------------------------------------


def _oa_chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None = None) -> str:
    choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}
    chunk = {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": body.get("model", "fake"),
        "choices": [choice],
    }
    return f"data: {json.dumps(chunk)}\n\n"


def _openai_events(reply: Reply, body: dict[str, Any]) -> Iterator[str | float]:
    yield _oa_chunk(body, {"role": "assistant", "content": ""})
    text = reply.text if isinstance(reply, Text | ToolCalls | Truncated) else getattr(reply, "text_before", "")
    paced = _paced(reply) if isinstance(reply, Text) else ((p, None) for p in Text(text).pieces() if text)
    for piece, delay in paced:
        if delay:
            yield delay
        yield _oa_chunk(body, {"content": piece})
    if isinstance(reply, Truncated):
        return
    if isinstance(reply, Malformed):
        yield 'data: {"id": "chatcmpl-fake", "choices": [{"delta": {"content": "x"\n\n'
        return
    if isinstance(reply, ErrorInStream):
        error = reply.error or {"code": 502, "message": "Upstream provider failed mid-stream."}
        choice = {"index": 0, "delta": {"content": ""}, "finish_reason": "error"}
        yield f"data: {json.dumps({'id': 'chatcmpl-fake', 'error': error, 'choices': [choice]})}\n\n"
        yield "data: [DONE]\n\n"
        return
    if isinstance(reply, ToolCalls):
        yield from _openai_tool_calls(reply, body)
    else:
        yield _oa_chunk(body, {}, "stop")
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19}
        yield f"data: {json.dumps({'id': 'chatcmpl-fake', 'choices': [], 'usage': usage})}\n\n"
    yield "data: [DONE]\n\n"


def _openai_tool_calls(reply: ToolCalls, body: dict[str, Any]) -> Iterator[str]:
    for index, call in enumerate(reply.calls):
        call_id = call.id or f"call_fake_{index}"
        raw = call.raw()
        if reply.style.startswith("whole"):
            entry: dict[str, Any] = {
                "id": call_id,
                "type": "function",
                "function": {"name": call.name, "arguments": raw},
            }
            if reply.style == "whole":
                entry["index"] = index
            entry.update(call.extra or {})
            yield _oa_chunk(body, {"tool_calls": [entry]})
            continue
        head = {
            "index": index,
            "id": call_id,
            "type": "function",
            "function": {"name": call.name, "arguments": ""},
        }
        yield _oa_chunk(body, {"tool_calls": [head]})
        for start in range(0, len(raw), reply.fragment_size):
            fragment = raw[start : start + reply.fragment_size]
            yield _oa_chunk(body, {"tool_calls": [{"index": index, "function": {"arguments": fragment}}]})
    yield _oa_chunk(body, {}, "tool_calls")


# ---- Anthropic Messages SSE ------------------------------------------------------------------


def _an(event: str, data: dict[str, Any]) -> str:
    return f"event: {event}\ndata: {json.dumps(data)}\n\n"


def _anthropic_events(reply: Reply, body: dict[str, Any]) -> Iterator[str | float]:
    usage = {"input_tokens": reply.input_tokens if isinstance(reply, Text) else 12, "output_tokens": 1}
    message = {
        "id": "msg_fake",
        "type": "message",
        "role": "assistant",
        "model": body.get("model", "fake"),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    yield _an("message_start", {"type": "message_start", "message": message})
    text = reply.text if isinstance(reply, Text | ToolCalls | Truncated) else getattr(reply, "text_before", "")
    index = 0
    if text:
        yield from _anthropic_text(reply if isinstance(reply, Text) else Text(text))
        index = 1
    if isinstance(reply, Truncated):
        return
    if isinstance(reply, Malformed):
        yield 'event: content_block_delta\ndata: {"type": "content_block_delta", "index": 0, "delta": {\n\n'
        return
    if isinstance(reply, ErrorInStream):
        error = reply.error or {"type": "overloaded_error", "message": "Overloaded"}
        yield _an("error", {"type": "error", "error": error})
        return
    stop = "end_turn"
    if isinstance(reply, ToolCalls):
        yield from _anthropic_tool_calls(reply, index)
        stop = "tool_use"
    yield _an(
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": 7},
        },
    )
    yield _an("message_stop", {"type": "message_stop"})


def _anthropic_text(text: Text) -> Iterator[str | float]:
    start = {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    yield _an("content_block_start", start)
    yield _an("ping", {"type": "ping"})
    for piece, delay in _paced(text):
        if delay:
            yield delay
        delta = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
        yield _an("content_block_delta", delta)
    yield _an("content_block_stop", {"type": "content_block_stop", "index": 0})


def _anthropic_tool_calls(reply: ToolCalls, first: int) -> Iterator[str]:
    for offset, call in enumerate(reply.calls):
        index = first + offset
        block = {"type": "tool_use", "id": call.id or f"toolu_fake_{offset}", "name": call.name, "input": {}}
        yield _an("content_block_start", {"type": "content_block_start", "index": index, "content_block": block})
        raw = call.raw()
        if reply.style == "empty":
            fragments: list[str] = []
        elif reply.style.startswith("whole"):
            fragments = [raw]
        else:  # the real API's first fragment is often empty
            fragments = [""] + [raw[i : i + reply.fragment_size] for i in range(0, len(raw), reply.fragment_size)]
        for fragment in fragments:
            delta = {"type": "input_json_delta", "partial_json": fragment}
            yield _an("content_block_delta", {"type": "content_block_delta", "index": index, "delta": delta})
        yield _an("content_block_stop", {"type": "content_block_stop", "index": index})


# ---- command line ------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    """Run a fake server until SIGTERM/SIGINT; the chosen port is written to ``--port-file``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("openai", "anthropic"), default="openai")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", type=Path)
    parser.add_argument("--api-key", help="require this key (default: accept any)")
    parser.add_argument(
        "--script",
        choices=("text", "tool"),
        default="text",
        help="text: stream --tokens words; tool: call --tool-name, then answer",
    )
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--tps", type=float, default=None, help="tokens per second (default: unpaced)")
    parser.add_argument("--tool-name", default="generate_image")
    parser.add_argument("--tool-args", type=json.loads, default=None, help="JSON object (default: the prompt)")
    parser.add_argument("--final-text", default=None)
    args = parser.parse_args(argv)
    server = FakeChatServer(args.kind, api_key=args.api_key, port=args.port)
    if args.script == "tool":
        server.decider = tool_then_text(args.tool_name, args.tool_args, args.final_text, args.tps)
    else:
        words = [f"word{i} " for i in range(args.tokens)]
        server.decider = lambda _request: Text(tokens=words, tps=args.tps)
    server.start()
    if args.port_file:
        args.port_file.write_text(str(server.port))
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopped.set())
    with contextlib.suppress(KeyboardInterrupt):
        stopped.wait()
    server.stop()


if __name__ == "__main__":
    main()
