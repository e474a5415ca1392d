"""`ask`, `chats` and `image-profiles from-chat-profile` end to end, in-process, against loopback fakes."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.chat_support import CHAT_KEYS
from tests.fakes.chat_servers import FakeChatServer, HttpError, Text, ToolCall, ToolCalls, tool_then_text
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import Cli, base_env, run_subprocess


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    c = Cli(tmp_path / "home", monkeypatch)
    monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
    return c


@pytest.fixture
def images() -> Iterator[FakeOpenAIImages]:
    with FakeOpenAIImages() as fake:
        yield fake  # type: ignore[misc]


@pytest.fixture(params=["openai", "anthropic"])
def chat(request: pytest.FixtureRequest) -> Iterator[FakeChatServer]:
    with FakeChatServer(request.param) as fake:
        yield fake


def setup(cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages) -> None:
    steps: list[tuple[tuple[str, ...], str]] = [
        (("keys", "add", "--provider", "openai", "--label", "img"), TEST_KEYS["openai"]),
        (("keys", "add", "--provider", chat.kind, "--label", "llm"), CHAT_KEYS[chat.kind]),
        (("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1", "--key", "img",
          "--base-url", images.base_url, "--default"), ""),
        (("chat-profiles", "add", "--name", "talk", "--provider", chat.kind, "--model", "fake-chat-1", "--key", "llm",
          "--base-url", chat.base_url), ""),
    ]
    for args, stdin in steps:
        result = cli(*args, stdin=stdin + "\n" if stdin else None)
        assert result.code == 0, result.err


def lines(out: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in out.splitlines()]


def query(cli: Cli, sql: str) -> list[tuple[Any, ...]]:
    con = sqlite3.connect(cli.home / "quilltap.db")
    try:
        return list(con.execute(sql).fetchall())
    finally:
        con.close()


def test_ask_json_streams_tool_call_result_text_and_done(
    cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages
) -> None:
    setup(cli, chat, images)
    chat.decider = tool_then_text(arguments={"prompt": "a lighthouse at dusk"}, final_text="I drew a lighthouse.")
    result = cli("ask", "--chat-profile", "talk", "--json", "draw", "a", "lighthouse")
    assert result.code == 0, result.err
    events = lines(result.out)
    kinds = [e["type"] for e in events]
    assert kinds[:2] == ["tool_call", "tool_result"] and kinds[-1] == "done" and set(kinds[2:-1]) == {"text"}
    call, outcome, done = events[0], events[1], events[-1]
    assert (call["name"], call["arguments"]) == ("generate_image", {"prompt": "a lighthouse at dusk"})
    assert (outcome["id"], outcome["ok"]) == (call["id"], True)
    assert set(outcome["result"]) >= {"images", "used", "warnings"}
    (image,) = outcome["result"]["images"]
    assert Path(image["path"]).is_file() and image["mime_type"] == "image/png"
    assert "".join(e["delta"] for e in events if e["type"] == "text") == "I drew a lighthouse."
    assert set(done) == {"type", "chat_id", "message_id"}

    shown = cli("chats", "show", done["chat_id"], "--json").json()
    assert [(m["role"], m["status"]) for m in shown["messages"]] == [
        ("user", "complete"), ("assistant", "complete"), ("assistant", "complete")
    ]
    assert shown["messages"][-1]["id"] == done["message_id"]
    assert shown["messages"][-1]["content"] == "I drew a lighthouse."
    (tool_call,) = shown["messages"][1]["tool_calls"]
    assert (tool_call["call_id"], tool_call["status"]) == (call["id"], "ok")
    assert [i["id"] for i in shown["messages"][1]["images"]] == [image["id"]]
    assert query(cli, "select chat_id, tool_call_id from generated_image") == [(done["chat_id"], tool_call["id"])]
    listed = cli("chats", "list", "--json").json()
    assert [(c["id"], c["messages"], c["tool_calls"], c["images"]) for c in listed] == [(done["chat_id"], 3, 1, 1)]


def test_ask_human_mode_streams_the_reply_and_reports_tools_on_stderr(
    cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages
) -> None:
    setup(cli, chat, images)
    chat.decider = tool_then_text(arguments={"prompt": "a fox"}, final_text="Here is your fox.")
    result = cli("ask", "--chat-profile", "talk", "draw a fox")
    assert result.code == 0, result.err
    assert result.out == "Here is your fox.\n"
    assert "[generate_image] making an image: a fox" in result.err
    saved = [line for line in result.err.splitlines() if "saved" in line]
    assert len(saved) == 1 and saved[0].endswith("(1024x1024)")


def test_a_hundred_images_fail_the_tool_call_but_the_turn_completes(
    cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages
) -> None:
    setup(cli, chat, images)
    chat.decider = tool_then_text(arguments={"prompt": "cats", "count": 100}, final_text="Too many.")
    result = cli("ask", "--chat-profile", "talk", "--json", "draw 100 cats")
    assert result.code == 0, result.err
    (outcome,) = [e for e in lines(result.out) if e["type"] == "tool_result"]
    assert outcome["ok"] is False and "at most 4 images per call" in outcome["result"]["error"]
    assert images.requests_to("/images/generations") == []
    (entry,) = cli("audit", "--json").json()
    assert (entry["outcome"], entry["source"], entry["error_class"]) == ("limited", "tool", "LimitExceeded")


def test_continue_a_chat_switch_off_images_and_fail_cleanly(
    cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages
) -> None:
    setup(cli, chat, images)
    chat.enqueue(Text("First answer."), Text("Second answer."), HttpError(401))
    first = lines(cli("ask", "--chat-profile", "talk", "--json", "hello").out)[-1]
    result = cli("ask", "--chat", first["chat_id"][:8], "--no-images", "--json", "and again")
    assert result.code == 0, result.err
    body = chat.chat_requests[1].body
    assert "tools" not in body and "tools" in chat.chat_requests[0].body
    assert json.dumps(body["messages"]).count("First answer.") == 1

    failed = cli("ask", "--chat", first["chat_id"], "--json", "third")
    assert failed.code == 4
    assert "rejected the API key" in failed.last_err_line
    assert CHAT_KEYS[chat.kind] not in failed.out + failed.err
    events = lines(failed.out)
    assert [e["type"] for e in events] == ["error", "done"]
    shown = cli("chats", "show", first["chat_id"], "--json").json()
    assert [m["content"] for m in shown["messages"] if m["role"] == "user"] == ["hello", "and again", "third"]
    assert shown["messages"][-1]["status"] == "error" and shown["messages"][-1]["error"] == events[0]["message"]


def test_usage_errors_create_nothing(cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages) -> None:
    setup(cli, chat, images)
    missing = cli("ask", "--chat-profile", "nope", "hi")
    assert missing.code == 3 and "nope" in missing.last_err_line
    assert cli("ask", "--chat", "0123456789", "hi").code == 3
    assert cli("ask", "--chat-profile", "talk", "--no-images", "--image-profile", "art", "hi").code == 2
    assert cli("chats", "list", "--json").json() == []
    assert chat.chat_requests == []


def test_image_profile_from_chat_profile_command(cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages) -> None:
    setup(cli, chat, images)
    result = cli("image-profiles", "from-chat-profile", "talk", "--name", "talk art", "--json")
    if chat.kind == "anthropic":
        assert result.code == 2 and "makes no images" in result.last_err_line
        return
    assert result.code == 0, result.err
    view = result.json()
    assert (view["name"], view["provider"], view["key"], view["base_url"]) == (
        "talk art", "openai", "llm", chat.base_url
    )
    assert cli("image-profiles", "show", "talk art").code == 0


def test_chats_commands_rename_switch_and_remove(cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages) -> None:
    setup(cli, chat, images)
    chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": "x"})]), Text("Done."))
    chat_id = lines(cli("ask", "--chat-profile", "talk", "--json", "draw x").out)[-1]["chat_id"]
    assert "Boats" in cli("chats", "rename", chat_id, "Boats").out
    off = cli("chats", "set-image-profile", chat_id, "--none", "--json").json()
    assert off["images_enabled"] is False
    assert "no image generation" in cli("chats", "set-image-profile", chat_id, "--none").out
    assert cli("chats", "set-image-profile", chat_id, "art", "--json").json()["image_profile"] == "art"
    table = cli("chats", "list").out
    assert "Boats" in table and chat_id[:8] in table
    assert cli("chats", "rm", chat_id).code == 0
    assert cli("chats", "list", "--json").json() == []
    assert len(cli("images", "list", "--json").json()) == 1  # the image stays in the gallery


def test_ctrl_c_keeps_the_partial_reply_marked_cancelled(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with FakeChatServer("openai") as chat:
        chat.decider = lambda _request: Text(tokens=[f"w{i} " for i in range(400)], tps=40)
        added = run_subprocess(
            ["chat-profiles", "add", "--name", "local", "--provider", "openai-compatible", "--model", "m",
             "--base-url", chat.base_url],
            home=home,
        )
        assert added.code == 0, added.err
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")} | base_env(home)
        proc = subprocess.Popen(
            [sys.executable, "-m", "quilltap_tui", "ask", "--chat-profile", "local", "tell me a story"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        first = proc.stdout.read(3) if proc.stdout else ""
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    assert first == "w0 " and proc.returncode == 130
    assert err.strip().splitlines()[-1] == "quilltap-tui: Interrupted."
    con = sqlite3.connect(home / "quilltap.db")
    try:
        stored = con.execute("select role, content, status from message order by seq").fetchall()
    finally:
        con.close()
    assert stored[0] == ("user", "tell me a story", "complete")
    assert stored[1][0] == "assistant" and stored[1][2] == "cancelled"
    assert (first + out).startswith(stored[1][1])


@pytest.mark.parametrize("as_json", [False, True])
def test_a_failed_ask_says_the_new_chat_keeps_the_message(
    cli: Cli, images: FakeOpenAIImages, as_json: bool
) -> None:
    """A failed first turn keeps its new chat (with the user's message) and says so, naming the chat."""
    with FakeChatServer("openai") as chat:
        setup(cli, chat, images)
        chat.enqueue(HttpError(500))
        failed = cli("ask", "--chat-profile", "talk", *(["--json"] if as_json else []), "hello there")
    assert failed.code == 5
    (kept,) = cli("chats", "list", "--json").json()
    chat_id = str(kept["id"])
    assert f"Your message is kept in chat {chat_id[:8]}" in failed.last_err_line
    assert f"--chat {chat_id[:8]}" in failed.last_err_line
    shown = cli("chats", "show", chat_id, "--json").json()
    assert [m["content"] for m in shown["messages"] if m["role"] == "user"] == ["hello there"]
