"""Item 12: huge tool-call arguments and huge integers end as failed tool results or one sentence."""

from __future__ import annotations

import json
import sqlite3

from tests.hostile.server import HostileServer, chat_turns, sse_text, sse_tool_call
from tests.hostile.support import add_profiles, attack
from tests.support import Cli

ASK = ["ask", "--chat-profile", "talk", "--image-profile", "art", "--json", "draw"]


def _events(out: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def test_a_10_mb_tool_argument_is_a_failed_result_and_is_neither_stored_nor_replayed(cli: Cli) -> None:
    huge = json.dumps({"prompt": "cat " * (10 * 1024 * 1024 // 4)})
    with HostileServer(chat_turns(sse_tool_call(huge), sse_text("Sorry."))) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ASK, within=30)
        chats = [r for r in server.requests if r.path.endswith("/chat/completions")]
    assert out.result.code == 0, out.result.err
    (result,) = [e for e in _events(out.result.out) if e["type"] == "tool_result"]
    assert result["ok"] is False
    assert "more than the 256 KiB limit (setting max_tool_argument_kb)" in json.dumps(result)
    assert len(chats) == 2 and len(chats[1].body) < 64 * 1024, "the huge arguments went back to the LLM"
    con = sqlite3.connect(cli.home / "quilltap.db")
    (stored,) = con.execute("select length(raw_arguments) from tool_call").fetchone()
    assert stored < 300 * 1024
    assert not [r for r in server.requests if "/images/" in r.path], "no image was asked for"


def test_a_5000_digit_integer_in_a_tool_call_is_a_failed_result(cli: Cli) -> None:
    args = '{"prompt": "cat", "count": ' + "9" * 5000 + "}"
    with HostileServer(chat_turns(sse_tool_call(args), sse_text("Sorry."))) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ASK, within=30)
    assert out.result.code == 0, out.result.err
    (result,) = [e for e in _events(out.result.out) if e["type"] == "tool_result"]
    assert result["ok"] is False and "too many digits" in json.dumps(result)


def test_a_5000_digit_integer_in_a_streamed_reply_is_one_sentence(cli: Cli) -> None:
    event = b'data: {"choices": [{"index": 0, "delta": {"content": "hi"}}], "created": ' + b"9" * 5000 + b"}\n\n"
    with HostileServer(chat_turns(event)) as server:
        add_profiles(cli, server.base_url)
        out = attack(cli.home, ["ask", "--chat-profile", "talk", "--no-images", "hi"], within=30)
    assert out.result.code == 5
    assert "number with too many digits" in out.sentence
