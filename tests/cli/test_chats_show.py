"""``chats show`` reads the SQLite file with plain ``sqlite3`` (services/plain_reads.show_chat) and prints
exactly what the ORM path prints: the text, the ``--json`` document, the lookup errors and exit codes."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from quilltap_tui.services import plain_reads
from tests.chat_support import CHAT_KEYS
from tests.cli.test_cold_imports import _PROBE
from tests.fakes.chat_servers import FakeChatServer, HttpError, Text, ToolCall, ToolCalls
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import Cli, base_env

_SHOW = plain_reads.show_chat
_TWINS = ("abcdef01" + "0" * 24, "abcdef02" + "0" * 24)  # two chats one 7-character prefix does not tell apart


def _chat_with_everything(cli: Cli) -> str:
    """A tagged chat with a tool call and its images, a failed reply, a note; and two chats with a shared prefix."""
    with FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        for args, stdin in (
            (("keys", "add", "--provider", "openai", "--label", "img"), TEST_KEYS["openai"] + "\n"),
            (("keys", "add", "--provider", "openai", "--label", "llm"), CHAT_KEYS["openai"] + "\n"),
            (("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1", "--key",
              "img", "--base-url", images.base_url, "--default"), None),
            (("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1", "--key",
              "llm", "--base-url", chat.base_url, "--default"), None),
        ):
            assert cli(*args, stdin=stdin).code == 0
        chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": "a boat", "count": 2}, id="call_1")],
                               text="Drawing."), Text("Two boats for you."),
                     HttpError(400, {"error": {"message": "bad request: too long"}}))
        first = cli("ask", "--json", "--tag", "Trip", "--tag", "art", "draw two boats")
        assert first.code == 0, first.err
        chat_id = str(json.loads(first.out.splitlines()[-1])["chat_id"])
        assert cli("ask", "--chat", chat_id, "again").code != 0  # the failed reply is kept with its error
    assert cli("chats", "set-image-profile", chat_id, "--none").code == 0
    with sqlite3.connect(cli.home / "quilltap.db") as con:
        con.execute("INSERT INTO message (id, chat_id, seq, role, content, status, provider_data, created_at)"
                    " VALUES (?, ?, 6, 'system', 'Stopped after 4 rounds.', 'complete', '{\"note\": true}',"
                    " '2026-01-02 03:04:05.000006')", ("f" * 32, chat_id))  # an app note, as the turn loop writes
        for twin in _TWINS:
            con.execute("INSERT INTO chat (id, title, enabled_tools, show_images, created_at, updated_at)"
                        " VALUES (?, 'twin', '[]', 0, '2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')",
                        (twin,))
    return chat_id


def test_chats_show_prints_the_same_on_both_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(tmp_path / "home", monkeypatch)
    chat_id = _chat_with_everything(cli)
    commands = [("chats", "show", chat_id), ("chats", "show", "--json", chat_id[:8]),
                ("chats", "show", f" {chat_id[:6].upper()} "), ("chats", "show", "--json", _TWINS[1]),
                ("chats", "show", _TWINS[0][:7]), ("chats", "show", "nope")]
    outputs = {}
    for plain in (False, True):
        taken: list[bool] = []

        def show_chat(ctx, chat, plain=plain, taken=taken):  # type: ignore[no-untyped-def]
            taken.append(plain)
            return _SHOW(ctx, chat) if plain else None

        monkeypatch.setattr(plain_reads, "show_chat", show_chat)
        outputs[plain] = [(r.code, r.out, r.err) for r in (cli(*args) for args in commands)]
        assert taken == [plain] * len(commands)
    assert outputs[True] == outputs[False]
    shown = outputs[True]
    assert [code for code, _, _ in shown] == [0, 0, 0, 0, 2, 3]
    document = json.loads(shown[1][1])
    assert document["tags"] == ["art", "Trip"] and document["images"] == 2
    assistant = document["messages"][1]
    assert [c["status"] for c in assistant["tool_calls"]] == ["ok"] and len(assistant["images"]) == 2
    assert [(m["role"], m["status"], m["note"]) for m in document["messages"]][3:] == [
        ("user", "complete", False), ("assistant", "error", False), ("system", "complete", True)]
    assert document["messages"][5]["created_at"] == "2026-01-02T03:04:05.000006+00:00"
    assert "matches more than one chat" in shown[4][2] and "No chat with id 'nope'" in shown[5][2]


def test_chats_show_loads_no_orm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(tmp_path / "home", monkeypatch)
    chat_id = _chat_with_everything(cli)
    probe = _PROBE.split("heavy =")[0] + (
        "never = ('sqlalchemy', 'sqlmodel', 'quilltap_tui.db.models', 'quilltap_tui.services.chats')\n"
        "print(json.dumps({'code': code, 'loaded': [m for m in never if m in sys.modules]}), file=sys.stderr)\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")}
    env.update(base_env(cli.home))
    proc = subprocess.run([sys.executable, "-c", probe, "chats", "show", chat_id[:8]], capture_output=True,
                          text=True, env=env, timeout=60, check=False)
    assert "Two boats for you." in proc.stdout and "-> generate_image ok" in proc.stdout, proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == {"code": 0, "loaded": []}
