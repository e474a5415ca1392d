"""Item 15: every request that reached the provider counts against the limits, even a 200 with junk."""

from __future__ import annotations

import base64
import json
import socket

import pytest

from tests.fakes.chat_servers import FakeChatServer, Text, ToolCall, ToolCalls
from tests.generation_support import generation_path  # noqa: F401  (a fixture: both stores)
from tests.hostile.server import HostileServer, Request, send_json
from tests.support import Cli


def _junk(sock: socket.socket, request: Request) -> None:
    """A 200 whose image is not an image: billed by a real provider, unusable for us."""
    send_json(sock, {"created": 1, "data": [{"b64_json": base64.b64encode(b"not an image at all").decode()}]})


def _add(cli: Cli, base_url: str) -> None:
    assert cli("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1",
               "--base-url", base_url, "--default", "--max-per-minute", "3").code == 0


@pytest.mark.usefixtures("generation_path")
def test_unusable_200_answers_count_against_the_per_minute_limit(cli: Cli) -> None:
    with HostileServer(_junk) as server:
        _add(cli, server.base_url)
        codes = [cli("generate", "a cat").code for _ in range(4)]
        limited = cli("generate", "a cat")
        reached = len(server.requests)
    assert codes[:3] == [5, 5, 5]
    assert codes[3] == 5 and reached == 3, "the fourth request went out past the limit"
    assert "allows 3 images per minute" in limited.last_err_line
    rows = cli("audit", "--json").json()
    assert [r["outcome"] for r in rows][:2] == ["limited", "limited"]


def test_a_looping_llm_is_stopped_after_the_limit_of_billed_attempts(cli: Cli) -> None:
    with HostileServer(_junk) as images, FakeChatServer("openai") as chat:
        _add(cli, images.base_url)
        assert cli("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "m",
                   "--base-url", chat.base_url).code == 0
        calls = [ToolCall("generate_image", {"prompt": f"cat {i}"}, id=f"c{i}") for i in range(10)]
        chat.enqueue(ToolCalls(calls), Text("Gave up."))
        result = cli("ask", "--chat-profile", "talk", "--image-profile", "art", "--json", "cats")
        reached = len(images.requests)
    assert result.code == 0, result.err
    results = [json.loads(line) for line in result.out.splitlines() if '"tool_result"' in line]
    assert len(results) == 10 and not any(r["ok"] for r in results)
    assert reached == 3, f"{reached} billed generations against a per-minute limit of 3"
