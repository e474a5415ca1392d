"""The app's HTTP transport says when a request is out (:mod:`quilltap_tui.request_sent`): once its last
byte is written, while the server has not answered yet; once per request, and only to the listener of the
context that sent it. A chat turn shows each tool step to the user only then (issue 17)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest

from quilltap_tui import request_sent as sent
from quilltap_tui.netguard import guarded_transport


class _HeldServer(ThreadingHTTPServer):
    """Reads each request whole, then answers only once ``answer`` is set."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.answer = threading.Event()
        self.bodies: list[bytes] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1/images/generations"


class _Handler(BaseHTTPRequestHandler):
    server: _HeldServer

    def do_POST(self) -> None:
        self.server.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.answer.wait(30)
        body = b'{"data": []}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture
def server() -> Iterator[_HeldServer]:
    httpd = _HeldServer()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    yield httpd
    httpd.answer.set()
    httpd.shutdown()
    httpd.server_close()


async def test_the_listener_hears_the_request_leave_before_any_answer(server: _HeldServer) -> None:
    told = asyncio.Event()
    answered_when_told: list[bool] = []
    traced: list[str] = []

    def listener() -> None:
        answered_when_told.append(server.answer.is_set())
        told.set()

    async def trace(name: str, info: dict[str, Any]) -> None:  # a caller's own trace of the same request
        traced.append(name)

    async with httpx2.AsyncClient(transport=guarded_transport(None)) as client:
        with sent.listening(listener):
            request = asyncio.create_task(client.post(server.url, json={"prompt": "a fox " * 2000},
                                                      extensions={"trace": trace}))
        await asyncio.wait_for(told.wait(), 30)  # a bound on a hang, not a timing
        assert answered_when_told == [False]  # out, and the server is still holding its answer
        server.answer.set()
        response = await request
        other = await client.post(server.url, json={"prompt": "not listened to"})  # another context: no listener
    assert response.status_code == 200 and other.status_code == 200
    assert answered_when_told == [False]  # once for the listened request, never for the other
    assert len(server.bodies) == 2 and b"a fox" in server.bodies[0]
    assert "http11.send_request_body.complete" in traced and "http11.receive_response_headers.complete" in traced


def test_report_tells_only_the_listener_of_this_context() -> None:
    heard: list[str] = []
    sent.report()  # nobody listens: nothing happens
    with sent.listening(lambda: heard.append("outer")):
        with sent.listening(lambda: heard.append("inner")):
            sent.report()
        sent.report()
    sent.report()
    assert heard == ["inner", "outer"]
