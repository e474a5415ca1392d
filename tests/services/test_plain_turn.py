"""``ask`` without the ORM writes exactly what the ORM path writes, prints the same documents, and steps
aside whenever it could not do exactly the same (services/plain_chat.py, services/plain_turn_store.py)."""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.chat.store import NewMessage
from quilltap_tui.db.migrations import CURRENT_VERSION
from quilltap_tui.errors import NotFound
from quilltap_tui.redaction import register
from quilltap_tui.services import chats, plain_chat
from quilltap_tui.services.chat_turn_store import SqlTurnStore
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.plain_turn_store import PlainTurnStore
from quilltap_tui.tools.call import ToolCallRequest
from tests.chat_support import CHAT_KEYS, add_chat_profile, add_image_profile, make_ctx
from tests.fakes.chat_servers import FakeChatServer, HttpError, Text, ToolCall, ToolCalls, tool_then_text
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import Cli

_ID = re.compile(r"\b[0-9a-f]{32}\b")
_SHORT = re.compile(r"\b[0-9a-f]{8}\b")
_STAMP = re.compile(r"\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?(\+00:00)?")
TABLES = {
    "chat": "SELECT id, title, chat_profile_id, image_profile_id, enabled_tools, show_images FROM chat"
            " ORDER BY created_at",
    "message": "SELECT id, chat_id, seq, role, content, status, error, model, provider_data FROM message"
               " ORDER BY (SELECT created_at FROM chat c WHERE c.id = chat_id), seq",
    "tool_call": "SELECT id, chat_id, message_id, call_id, name, arguments, raw_arguments, status, result, error,"
                 " finished_at IS NULL FROM tool_call ORDER BY created_at",
    "generated_image": "SELECT id, mime_type, width, height, bytes, sha256, prompt, provider, model, profile_name,"
                       " used_params, chat_id, message_id, tool_call_id FROM generated_image ORDER BY created_at",
    "audit_log": "SELECT action, source, profile_name, provider, model, prompt, parameters, outcome, image_ids,"
                 " image_count, chat_id FROM audit_log ORDER BY id",
}


class Ids:
    """Row ids (and times) replaced by their order of first appearance: two runs compare equal when they
    wrote the same rows pointing at each other the same way."""

    def __init__(self) -> None:
        self.seen: dict[str, str] = {}

    def __call__(self, text: str) -> str:
        text = _ID.sub(lambda m: self.seen.setdefault(m.group(), f"<id{len(self.seen)}>"), text)
        text = _SHORT.sub(lambda m: next((f"{v}[:8]" for k, v in self.seen.items() if k.startswith(m.group())),
                                         m.group()), text)  # "kept in chat 5d426496"
        return _STAMP.sub("<time>", text)


def dump(home: Path, ids: Ids) -> dict[str, list[str]]:
    con = sqlite3.connect(home / "quilltap.db")
    try:
        return {table: [ids(json.dumps(row).replace(str(home), "<home>")) for row in con.execute(sql)]
                for table, sql in TABLES.items()}
    finally:
        con.close()


# ---- the port: the same calls give the same rows -------------------------------------------------------


def _drive(ctx: AppContext, store: Any, chat_id: str) -> None:
    """Every TurnStore call a turn with a tool call, an error and a cancel makes."""
    user = store.add_message(chat_id, NewMessage("user", "Paint me a lighthouse at dusk, please"))
    reply = store.add_message(chat_id, NewMessage("assistant", "", status="streaming", model="fake-chat-1"))
    call = ToolCallRequest("call_1", "generate_image", {"prompt": "a lighthouse", "count": 2}, '{"prompt": ')
    first = store.add_tool_call(chat_id, reply, call, None)
    second = store.add_tool_call(chat_id, reply, ToolCallRequest("call_2", "edit_image", {}, "{bad"), "{bad")
    store.finish_message(reply, "Let me draw.", "complete", None, {"call_order": [first, second], "usage": {"in": 3}})
    store.set_call_status(first, "running")
    store.finish_call(first, "ok", {"images": [{"id": "x", "width": 8}], "note": "café ✓"}, None)
    store.close_open_calls(reply, ("pending", "running"), "error", "The reply failed before this call ran.")
    store.set_message_status(reply, "cancelled")
    store.add_message(chat_id, NewMessage("system", "Stopped after 4 rounds.", provider_data={"note": True}))
    store.add_message(chat_id, NewMessage("assistant", "", status="error", error="boom", model="fake-chat-1"))
    conversation = store.conversation(chat_id)
    assert conversation.messages[0].id == user and [c.id for c in conversation.calls] == [first, second]


def _chat_home(tmp_path: Path, name: str) -> tuple[AppContext, str]:
    ctx = make_ctx(tmp_path / name)
    with FakeChatServer("openai") as chat:
        add_chat_profile(ctx, chat)
    return ctx, str(chats.create_chat(ctx, chat_profile="talk", no_images=True).id)


def test_both_stores_write_the_same_rows_and_read_the_same_conversation(tmp_path: Path) -> None:
    orm_ctx, orm_chat = _chat_home(tmp_path, "orm")
    plain_ctx, plain_chat_id = _chat_home(tmp_path, "plain")
    orm_store = SqlTurnStore(orm_ctx.db)
    store = plain_chat.open_store(plain_ctx)
    assert store is None  # a fresh home: the sweep's first full scan is due, so the ORM path runs it
    _mark_swept(plain_ctx)
    store = plain_chat.open_store(plain_ctx)
    assert store is not None
    _drive(orm_ctx, orm_store, orm_chat)
    _drive(plain_ctx, store, plain_chat_id)
    orm_ids, plain_ids = Ids(), Ids()
    assert dump(plain_ctx.paths.data, plain_ids) == dump(orm_ctx.paths.data, orm_ids)
    orm_conv, plain_conv = orm_store.conversation(orm_chat), store.conversation(plain_chat_id)
    assert orm_ids(repr(orm_conv)) == plain_ids(repr(plain_conv))
    titles = sqlite3.connect(plain_ctx.paths.database).execute("SELECT title FROM chat").fetchall()
    assert titles == [("Paint me a lighthouse at dusk, please",)]  # the first user message names the chat
    store.close()


def test_a_plain_run_holds_the_run_lock_so_a_starting_process_settles_none_of_its_rows(tmp_path: Path) -> None:
    import fcntl
    import os

    from quilltap_tui.services import settle

    ctx, chat_id = _chat_home(tmp_path, "home")
    _mark_swept(ctx)
    for fd in settle._held.values():  # as a fresh process: this one has held no lock yet
        os.close(fd)
    settle._held.clear()
    store = plain_chat.open_store(ctx)
    assert store is not None
    store.add_message(chat_id, NewMessage("assistant", "so far", status="streaming"))
    other = os.open(ctx.paths.data / settle.LOCK_NAME, os.O_RDWR)  # another process's start-up, as flock sees it
    try:
        with pytest.raises(BlockingIOError):
            fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(other)
    store.close()


def test_a_known_key_never_reaches_a_row_and_a_missing_chat_writes_nothing(tmp_path: Path) -> None:
    ctx, chat_id = _chat_home(tmp_path, "home")
    _mark_swept(ctx)
    store = plain_chat.open_store(ctx)
    assert store is not None
    secret = "sk-leak-0123456789abcdefLEAKED"
    register(secret)
    message = store.add_message(chat_id, NewMessage("assistant", f"echo {secret}", error=f"Incorrect key {secret}"))
    with pytest.raises(NotFound):
        store.add_message("0" * 32, NewMessage("user", "lost"))
    store.close()
    con = sqlite3.connect(ctx.paths.database)
    rows = con.execute("SELECT id, content, error FROM message").fetchall()
    assert rows == [(message, "echo …AKED", "Incorrect key …AKED")]


def _mark_swept(ctx: AppContext) -> None:
    """As after a run whose sweep did its hourly full scan (the ORM path's first run in a home does)."""
    from quilltap_tui.services import image_store

    image_store.sweep_orphans(ctx)


# ---- the command: the same documents, the same rows ---------------------------------------------------


@pytest.fixture
def servers() -> Iterator[tuple[FakeChatServer, FakeOpenAIImages]]:
    with FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        yield chat, images  # type: ignore[misc]


def _setup(cli: Cli, chat: FakeChatServer, images: FakeOpenAIImages) -> None:
    steps: list[tuple[tuple[str, ...], str]] = [
        (("keys", "add", "--provider", "openai", "--label", "img"), TEST_KEYS["openai"]),
        (("keys", "add", "--provider", "openai", "--label", "llm"), CHAT_KEYS["openai"]),
        (("image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1", "--key", "img",
          "--base-url", images.base_url, "--default"), ""),
        (("chat-profiles", "add", "--name", "talk", "--provider", "openai", "--model", "fake-chat-1", "--key", "llm",
          "--base-url", chat.base_url, "--default"), ""),
    ]
    for args, stdin in steps:
        assert cli(*args, stdin=stdin + "\n" if stdin else None).code == 0


_OPEN_STORE = plain_chat.open_store


def _session(cli: Cli, chat: FakeChatServer, *, plain: bool, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Four asks (a tool call, text, a provider error, a continued chat); the plain path forced on or off."""
    taken: list[bool] = []
    original = _OPEN_STORE

    def open_store(ctx: AppContext) -> PlainTurnStore | None:
        if not plain:
            marker = ctx.paths.data / "pending-images" / "last-full-sweep"
            marker.unlink(missing_ok=True)  # the hourly full scan is due: the ORM path sweeps and runs the turn
        store = original(ctx)
        taken.append(store is not None)
        return store

    monkeypatch.setattr(plain_chat, "open_store", open_store)
    assert cli("images", "list").code == 0  # the home's first full sweep
    outputs: list[str] = []
    chat.decider = tool_then_text(arguments={"prompt": "a lighthouse at dusk"}, final_text="I drew a lighthouse.")
    first = cli("ask", "--json", "draw", "a", "lighthouse")
    outputs += [first.out, first.err]
    chat.decider = None
    chat.enqueue(Text("Plain words, nothing else."), HttpError(400, {"error": {"message": "bad request: too long"}}))
    for args in (("--no-images", "hi"), ("--json", "--no-images", "again")):
        result = cli("ask", *args)
        outputs += [result.out, result.err, str(result.code)]
    chat_id = json.loads(first.out.splitlines()[-1])["chat_id"]
    chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": "stormy"}, id="call_x")], text="Sure."),
                 Text("Stormy now."))
    more = cli("ask", "--json", "--chat", chat_id[:8], "now make it stormy")
    outputs += [more.out, more.err, str(more.code)]
    assert taken == [plain] * 4
    return outputs


def test_ask_prints_and_stores_the_same_on_both_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, servers: tuple[FakeChatServer, FakeOpenAIImages]
) -> None:
    chat, images = servers
    results = {}
    for plain in (False, True):
        cli = Cli(tmp_path / f"home-{plain}", monkeypatch)
        monkeypatch.setenv("QUILLTAP_MAX_RETRIES", "0")
        _setup(cli, chat, images)
        ids = Ids()
        outputs = [ids(text.replace(str(cli.home), "<home>")) for text in
                   _session(cli, chat, plain=plain, monkeypatch=monkeypatch)]
        sent = [ids(json.dumps(r.body).replace(str(cli.home), "<home>")) for r in chat.chat_requests]
        results[plain] = (outputs, dump(cli.home, ids), sent)
        chat.requests.clear()
    assert results[True][0] == results[False][0]  # the --json documents, the text, stderr, the exit codes
    for table in TABLES:  # every row
        assert results[True][1][table] == results[False][1][table], table
    assert results[True][2] == results[False][2]  # what the model was sent
    outputs, rows, _ = results[True]
    assert outputs[2:5] == ["Plain words, nothing else.\n", "", "0"] and outputs[7] == "4"
    assert len(rows["generated_image"]) == 2 and len(rows["tool_call"]) == 2 and len(rows["chat"]) == 3


# ---- when it steps aside -------------------------------------------------------------------------------


def test_steps_aside_for_a_fresh_home_another_schema_a_database_url_tags_and_switches(tmp_path: Path) -> None:
    assert plain_chat.open_store(make_ctx(tmp_path / "fresh")) is None
    assert not (tmp_path / "fresh" / "quilltap.db").exists()  # never creates it: the ORM path does, migrated
    ctx, chat_id = _chat_home(tmp_path, "home")
    _mark_swept(ctx)
    store = plain_chat.open_store(ctx)
    assert store is not None
    common: dict[str, Any] = {"chat_profile": None, "image_profile": None, "no_images": False}
    assert plain_chat.chat_for(store, chat=None, tags=["art"], **common) is None
    for switch in ({"chat_profile": "talk"}, {"image_profile": "art"}, {"no_images": True}):
        assert plain_chat.chat_for(store, chat=chat_id, tags=[], **{**common, **switch}) is None
    assert plain_chat.chat_for(store, chat=chat_id[:6].upper(), tags=[], **common) == chat_id  # as the ORM's LIKE
    store.close()
    (ctx.paths.data / "pending-images" / "leftover.json").write_text("{}")  # a killed run's journal entry
    assert plain_chat.open_store(ctx) is None
    (ctx.paths.data / "pending-images" / "leftover.json").unlink()
    ctx.close()
    with sqlite3.connect(ctx.paths.database) as conn:
        conn.execute("UPDATE schema_version SET version = ?", (CURRENT_VERSION - 1,))
    assert plain_chat.open_store(make_ctx(tmp_path / "home")) is None
    assert plain_chat.open_store(make_ctx(tmp_path / "home", QUILLTAP_DATABASE_URL="sqlite:///x.db")) is None


def test_errors_before_anything_is_stored_are_the_orm_paths(tmp_path: Path) -> None:
    ctx, chat_id = _chat_home(tmp_path, "home")
    _mark_swept(ctx)
    store = plain_chat.open_store(ctx)
    assert store is not None
    common: dict[str, Any] = {"chat": None, "image_profile": None, "no_images": False, "tags": []}
    with pytest.raises(NotFound, match="No chat profile named 'nobody'"):
        plain_chat.chat_for(store, **{**common, "chat_profile": "nobody"})
    with pytest.raises(NotFound, match="No image profile named 'none'"):
        plain_chat.chat_for(store, **{**common, "chat_profile": "talk", "image_profile": "none"})
    with pytest.raises(Exception, match="none is the default"):
        plain_chat.chat_for(store, **{**common, "chat_profile": None})
    with pytest.raises(NotFound, match="No chat with id 'abcdef0'"):
        plain_chat.chat_for(store, **{**common, "chat": "abcdef0", "chat_profile": None})
    store.close()
    assert [c.id for c in chats.list_chats(ctx)] == [chat_id]  # nothing was created


async def test_an_image_tool_loads_the_generation_service_only_when_called(tmp_path: Path) -> None:
    from quilltap_tui.services.plain_generation_store import PlainGenerationStore
    from quilltap_tui.services.sql_generation_store import SqlGenerationStore

    ctx = make_ctx(tmp_path / "home")
    with FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        add_chat_profile(ctx, chat)
        add_image_profile(ctx, images)
        chat_id = str(chats.create_chat(ctx, chat_profile="talk").id)
        _mark_swept(ctx)
        store = plain_chat.open_store(ctx)
        assert store is not None
        generation = plain_chat.ToolGeneration(ctx)
        setup = plain_chat.prepare_turn(ctx, store, chat_id, generation=generation)
        assert [s.name for s in setup.tools.specs()] == ["generate_image", "edit_image"]
        port = setup.tools._tools["generate_image"].images  # type: ignore[attr-defined]
        assert isinstance(port, plain_chat.LazyProfileImages)
        assert generation._service is None and generation._store is None  # nothing made, no connection opened
        # At the first call: the plain store (the turn took the plain path under the same rule), inline.
        service = generation.service()
        assert isinstance(service.store, PlainGenerationStore) and service.inline
        assert generation.service() is service
        connection = service.store.conn
        await generation.aclose()
        with pytest.raises(sqlite3.ProgrammingError):  # closed with the turn
            connection.execute("SELECT 1")
        # The file's schema changed since the turn's store was opened: the ORM's store, in threads, as before.
        with sqlite3.connect(ctx.paths.database) as conn:
            conn.execute("UPDATE schema_version SET version = ?", (CURRENT_VERSION - 1,))
        later = plain_chat.ToolGeneration(ctx)
        assert isinstance(later.service().store, SqlGenerationStore) and not later.service().inline
        await later.aclose()
        store.close()
