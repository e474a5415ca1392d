"""Turns on the turn loop (the TUI's way): same events and rows as a plain turn, cancel waits for the save, a long
reply is read in bursts and handed to the caller's loop together."""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.chat.events import TextEvent, TurnEvent, event_json
from quilltap_tui.services import chat_turn, chat_turn_thread
from quilltap_tui.services.context import AppContext
from quilltap_tui.sse import ReadPace
from tests.chat_support import add_chat_profile, add_image_profile, fakes, make_ctx, new_chat, rows
from tests.fakes.chat_servers import FakeChatServer, Text, ToolCall, ToolCalls
from tests.fakes.image_servers import FakeOpenAIImages


@pytest.fixture
def servers() -> Iterator[tuple[FakeChatServer, FakeOpenAIImages]]:
    yield from fakes("openai")


@pytest.fixture
def ctx(tmp_path: Path, servers: tuple[FakeChatServer, FakeOpenAIImages]) -> Iterator[AppContext]:
    context = make_ctx(tmp_path / "home")
    add_chat_profile(context, servers[0])
    add_image_profile(context, servers[1])
    yield context
    context.close()


def _script(chat: FakeChatServer) -> None:
    chat.enqueue(ToolCalls([ToolCall("generate_image", {"prompt": "a fox"}, id="call_fox")], text="Drawing."),
                 Text("Here it is."))


def _shape(events: list[TurnEvent]) -> list[tuple[str, ...]]:
    """What a script sees of the events (ids of rows and images differ from turn to turn)."""
    lines = [line for line in (event_json(e) for e in events) if line is not None]
    return [(line["type"], *(str(line[k]) for k in ("delta", "name", "ok") if k in line)) for line in lines]


async def test_a_turn_on_the_turn_loop_reports_and_stores_what_a_plain_turn_does(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], tmp_path: Path
) -> None:
    chat, _ = servers
    plain: list[TurnEvent] = []
    _script(chat)
    await chat_turn.ask(ctx, new_chat(ctx), "draw a fox", plain.append)
    threads: set[str] = set()
    relayed: list[TurnEvent] = []

    def sink(event: TurnEvent) -> None:
        threads.add(threading.current_thread().name)
        relayed.append(event)

    _script(chat)
    chat_id = new_chat(ctx)
    result = await chat_turn_thread.ask(ctx, chat_id, "draw a fox", sink)
    assert result.status == "complete"
    assert _shape(relayed) == _shape(plain)
    assert threads == {threading.current_thread().name}  # events reach the caller's loop, never the turn thread
    assert rows(tmp_path / "home", "SELECT role, status, content FROM message WHERE chat_id = ? ORDER BY seq",
                chat_id) == [("user", "complete", "draw a fox"), ("assistant", "complete", "Drawing."),
                             ("assistant", "complete", "Here it is.")]
    assert rows(tmp_path / "home", "SELECT name, status FROM tool_call WHERE chat_id = ?", chat_id) == [
        ("generate_image", "ok")]


async def test_cancelling_the_caller_cancels_the_turn_and_returns_once_it_is_saved() -> None:
    where: list[str] = []
    saved = threading.Event()
    started = threading.Event()

    async def turn() -> None:
        where.append(threading.current_thread().name)
        started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            await asyncio.sleep(0.05)  # saving what arrived takes a moment
            saved.set()
            raise

    task = asyncio.create_task(chat_turn_thread.run_on_turn_loop(turn))
    await asyncio.to_thread(started.wait, 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert saved.is_set()
    assert where == ["quilltap-turns"]


async def test_a_failure_on_the_turn_loop_is_raised_to_the_caller() -> None:
    async def turn() -> None:
        raise LookupError("no such chat")

    with pytest.raises(LookupError, match="no such chat"):
        await chat_turn_thread.run_on_turn_loop(turn)


async def test_on_the_turn_loop_the_turn_and_its_image_are_set_up_and_saved_without_a_thread_hop(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing else waits on the turn loop: a hop into a thread there only waited to be scheduled, between
    Enter and the first request, from the tool call to its image request and from the image saved to the
    next chat request."""
    from quilltap_tui.services.generation import GenerationService

    where: dict[str, str] = {}
    prepare, save = GenerationService._prepare, GenerationService._save
    set_up, open_provider = chat_turn.prepare_turn, chat_turn.open_provider

    def setting_up(*args: Any) -> Any:
        where["turn set up"] = threading.current_thread().name
        return set_up(*args)

    def opening(*args: Any) -> Any:
        where["provider opened"] = threading.current_thread().name
        return open_provider(*args)

    monkeypatch.setattr(chat_turn, "prepare_turn", setting_up)
    monkeypatch.setattr(chat_turn, "open_provider", opening)

    def preparing(service: GenerationService, *args: object) -> object:
        where["prepare"] = threading.current_thread().name
        return prepare(service, *args)  # type: ignore[arg-type]

    def saving(service: GenerationService, *args: object) -> object:
        where["save"] = threading.current_thread().name
        return save(service, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(GenerationService, "_prepare", preparing)
    monkeypatch.setattr(GenerationService, "_save", saving)
    _script(servers[0])
    result = await chat_turn_thread.ask(ctx, new_chat(ctx), "draw a fox", lambda _: None)
    assert result.status == "complete"
    assert set(where.values()) == {"quilltap-turns"} and len(where) == 4
    _script(servers[0])  # a turn on the caller's own loop (``ask``) still keeps that loop free
    await chat_turn.ask(ctx, new_chat(ctx), "draw a fox", lambda _: None)
    assert threading.current_thread().name not in where.values()


async def test_on_the_sqlite_file_the_turn_loop_stores_the_same_rows_without_the_orm(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ORM's setup, user message and conversation read stood between Enter and the first request (20-35 ms
    on a busy machine), its image profile, reservation and save between the tool steps; on the SQLite file at
    the current schema the turn loop's turn and its image use plain sqlite3."""
    from quilltap_tui.services import image_store, plain_chat

    image_store.sweep_orphans(ctx)  # as the app's start-up sweep leaves a home: nothing for a turn to settle
    chat_id = new_chat(ctx)
    where: list[str] = []
    set_up = plain_chat.prepare_turn

    def setting_up(*args: Any, **kwargs: Any) -> Any:
        where.append(threading.current_thread().name)
        return set_up(*args, **kwargs)

    def no_orm() -> Any:
        raise AssertionError("the ORM was used")

    monkeypatch.setattr(plain_chat, "prepare_turn", setting_up)
    monkeypatch.setattr(ctx.db, "session", no_orm)
    servers[0].enqueue(Text("Hello there."))
    relayed: list[TurnEvent] = []
    result = await chat_turn_thread.ask(ctx, chat_id, "hi", relayed.append)
    assert result.status == "complete" and where == ["quilltap-turns"]
    names = [type(e).__name__ for e in relayed]
    assert names[:2] == ["MessageStarted", "MessageStarted"] and names[-1] == "DoneEvent"
    assert "".join(getattr(e, "delta", "") for e in relayed) == "Hello there."
    assert rows(tmp_path / "home", "SELECT role, status, content FROM message WHERE chat_id = ? ORDER BY seq",
                chat_id) == [("user", "complete", "hi"), ("assistant", "complete", "Hello there.")]

    _script(servers[0])  # a tool turn: the image's profile, reservation and rows too
    chat_id = new_chat_plain(tmp_path)
    result = await chat_turn_thread.ask(ctx, chat_id, "draw a fox", relayed.append)
    assert result.status == "complete"
    assert rows(tmp_path / "home", "SELECT name, status FROM tool_call WHERE chat_id = ?", chat_id) == [
        ("generate_image", "ok")]
    assert rows(tmp_path / "home", "SELECT count(*) FROM generated_image WHERE chat_id = ?", chat_id) == [(1,)]
    assert rows(tmp_path / "home", "SELECT outcome, source FROM audit_log WHERE chat_id = ?", chat_id) == [
        ("ok", "tool")]  # as the ORM path writes it (chat_turn_tools.SOURCE)


async def test_a_long_fast_reply_reaches_the_caller_whole_and_in_order_in_a_few_hand_overs(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One token per chunk at 1000 a second: the turn reads the stream in bursts and hands the caller's loop
    the events said meanwhile together (it was one wake-up of the caller's loop per token)."""
    chat, _ = servers
    monkeypatch.setattr(chat_turn_thread, "READ_IN_BURSTS", ReadPace(after=0.0))  # from the first token on
    words = [f"word{n} " if n % 50 else f"\n\nword{n} " for n in range(600)]
    chat.enqueue(Text(tokens=words, tps=1000))
    hand_overs = count_hand_overs(monkeypatch)
    relayed: list[TurnEvent] = []
    chat_id = new_chat(ctx)
    result = await chat_turn_thread.ask(ctx, chat_id, "go", relayed.append)
    assert result.status == "complete"
    assert "".join(e.delta for e in relayed if isinstance(e, TextEvent)) == "".join(words)
    assert [type(e).__name__ for e in relayed if not isinstance(e, TextEvent)][-1] == "DoneEvent"
    assert hand_overs() < len(words) / 3
    assert rows(tmp_path / "home", "SELECT content FROM message WHERE id = ?", result.message_id) == [
        ("".join(words),)]


def new_chat_plain(tmp_path: Path) -> str:
    """A second chat like the first one, made with sqlite3 (the ORM is off limits in the test above)."""
    import sqlite3
    import uuid

    con = sqlite3.connect(tmp_path / "home" / "quilltap.db")
    try:
        chat_id = uuid.uuid4().hex
        with con:
            con.execute("INSERT INTO chat (id, title, chat_profile_id, image_profile_id, enabled_tools, show_images,"
                        " created_at, updated_at) SELECT ?, title, chat_profile_id, image_profile_id, enabled_tools,"
                        " show_images, created_at, updated_at FROM chat LIMIT 1", (chat_id,))
        return chat_id
    finally:
        con.close()


def count_hand_overs(monkeypatch: pytest.MonkeyPatch) -> Callable[[], int]:
    """Counts the turn thread's wake-ups of this (the caller's) loop from now on: returns the counter."""
    loop = asyncio.get_running_loop()
    count = 0
    call_soon_threadsafe = loop.call_soon_threadsafe

    def counted(callback: Any, *args: Any, **kwargs: Any) -> Any:
        nonlocal count
        count += threading.current_thread().name == "quilltap-turns"
        return call_soon_threadsafe(callback, *args, **kwargs)

    monkeypatch.setattr(loop, "call_soon_threadsafe", counted)
    return lambda: count


async def test_a_reply_at_500_tokens_a_second_wakes_the_screens_loop_at_most_80_times_a_second(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each burst costs the turn thread a socket read and the screen's loop a few wake-ups (about four a burst):
    30 ms bursts woke it about 120 times a second, for text the screen draws at most about 7 times a second."""
    chat, _ = servers
    # The TUI's pace as it is, from the first token on (a real reply's first half second is read as it comes).
    monkeypatch.setattr(chat_turn_thread, "READ_IN_BURSTS", dataclasses.replace(chat_turn_thread.READ_IN_BURSTS,
                                                                                after=0.0))
    words = [f"word{n} " if n % 60 else f"\n\nword{n} " for n in range(1000)]
    chat.enqueue(Text(tokens=words, tps=500))
    hand_overs = count_hand_overs(monkeypatch)
    relayed: list[TurnEvent] = []
    started = time.monotonic()
    result = await chat_turn_thread.ask(ctx, new_chat(ctx), "go", relayed.append)
    took = time.monotonic() - started
    assert result.status == "complete"
    assert "".join(e.delta for e in relayed if isinstance(e, TextEvent)) == "".join(words)
    assert took >= 1.9  # the whole stream was read (two seconds of tokens)
    assert hand_overs() <= 80 * took, (hand_overs(), took)
