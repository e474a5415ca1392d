"""Every way a turn can end early leaves a saved, clearly explained state and keeps what the user typed."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.chat.events import TextEvent, ToolCallStarted, TurnEvent
from quilltap_tui.chat.loop import TurnSetup, run_turn
from quilltap_tui.errors import VaultLocked
from quilltap_tui.services import chat_turn
from quilltap_tui.services.chat_turn_store import SqlTurnStore
from quilltap_tui.services.context import AppContext
from quilltap_tui.tools.registry import ToolContext, ToolRegistry, ToolResult
from quilltap_tui.tools.spec import ToolSpec
from tests.chat_support import add_chat_profile, add_image_profile, ask, fakes, make_ctx, new_chat, rows
from tests.fakes.chat_servers import FakeChatServer, HttpError, Text, ToolCall, ToolCalls
from tests.fakes.image_servers import FakeOpenAIImages


@pytest.fixture
def servers() -> Iterator[tuple[FakeChatServer, FakeOpenAIImages]]:
    yield from fakes("openai")


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "home"


@pytest.fixture
def ctx(home: Path, servers: tuple[FakeChatServer, FakeOpenAIImages]) -> Iterator[AppContext]:
    context = make_ctx(home, QUILLTAP_MAX_TOOL_ROUNDS="2")
    add_chat_profile(context, servers[0])
    add_image_profile(context, servers[1])
    yield context
    context.close()


def messages(home: Path, chat_id: str) -> list[tuple[Any, ...]]:
    return rows(home, "select role, content, status, error from message where chat_id = ? order by seq", chat_id)


async def test_round_limit_stops_with_a_saved_note_and_the_next_turn_is_still_valid(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], home: Path
) -> None:
    chat, images = servers
    chat.decider = lambda _request: ToolCalls([ToolCall("generate_image", {"prompt": "again"})])
    chat_id = new_chat(ctx)
    turn = await ask(ctx, chat_id, "keep drawing")

    assert len(chat.chat_requests) == 2 and len(images.requests_to("/images/generations")) == 2
    (note,) = turn.of_type("error")
    assert "Stopped after 2 rounds of tool calls" in note["message"]
    assert turn.result.status == "round_limit" and turn.lines[-1]["type"] == "done"
    stored = messages(home, chat_id)
    assert stored[0][:2] == ("user", "keep drawing")
    assert stored[-1] == ("system", note["message"], "complete", None)

    chat.decider = None
    chat.enqueue(Text("Done now."))
    await ask(ctx, chat_id, "stop")
    last = chat.chat_requests[-1].body["messages"]
    # The note is for the user only; every call of both rounds is answered, then the new message.
    assert [m["role"] for m in last] == ["user", "assistant", "tool", "assistant", "tool", "user"]
    assert last[-1] == {"role": "user", "content": "stop"}


async def test_provider_refusal_ends_the_turn_with_the_reason_saved(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], home: Path
) -> None:
    chat, _ = servers
    chat.enqueue(HttpError(400, {"error": {"message": "model fake-chat-1 does not exist", "type": "x"}}))
    chat_id = new_chat(ctx)
    turn = await ask(ctx, chat_id, "hello there")
    assert turn.result.status == "error" and turn.result.error is not None
    assert turn.result.error.exit_code == 4
    (error,) = turn.of_type("error")
    assert "does not exist" in error["message"]
    assert messages(home, chat_id) == [
        ("user", "hello there", "complete", None),
        ("assistant", "", "error", error["message"]),
    ]
    chat.enqueue(Text("Hi."))
    await ask(ctx, chat_id, "again")
    # The failed, empty reply is not replayed; both user messages are.
    assert chat.chat_requests[-1].body["messages"] == [
        {"role": "user", "content": "hello there"},
        {"role": "user", "content": "again"},
    ]


async def test_a_locked_vault_is_saved_as_the_reason_and_the_message_kept(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], home: Path
) -> None:
    chat_id = new_chat(ctx)
    locked = make_ctx(home, QUILLTAP_VAULT_PASSPHRASE="not the passphrase")
    try:
        turn = await ask(locked, chat_id, "are you there?")
    finally:
        locked.close()
    assert isinstance(turn.result.error, VaultLocked)
    assert servers[0].chat_requests == []
    stored = messages(home, chat_id)
    assert stored[0][:2] == ("user", "are you there?")
    assert stored[1][2] == "error" and stored[1][3] == str(turn.result.error)


async def test_cancel_while_streaming_keeps_the_partial_reply_marked_cancelled(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], home: Path
) -> None:
    chat, _ = servers
    chat.enqueue(Text(tokens=[f"word{i} " for i in range(200)], tps=50))
    chat_id = new_chat(ctx)
    first_text = asyncio.Event()
    seen: list[TurnEvent] = []

    def emit(event: TurnEvent) -> None:
        seen.append(event)
        if isinstance(event, TextEvent):
            first_text.set()

    task = asyncio.create_task(chat_turn.ask(ctx, chat_id, "tell me a long story", emit))
    await first_text.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    received = "".join(e.delta for e in seen if isinstance(e, TextEvent))
    stored = messages(home, chat_id)
    assert stored[0][:2] == ("user", "tell me a long story")
    role, content, status, _ = stored[1]
    assert (role, status) == ("assistant", "cancelled")
    assert content == received and content.startswith("word0 ")


class _Blocking:
    """A tool that waits until cancelled, to cancel a turn while its tools run."""

    def __init__(self) -> None:
        self.started = asyncio.Event()

    @property
    def spec(self) -> ToolSpec:
        return ToolSpec("wait_forever", "Waits.")

    async def run(self, arguments: Mapping[str, Any], context: ToolContext) -> ToolResult:
        self.started.set()
        await asyncio.Event().wait()
        raise AssertionError("not reached")


async def test_cancel_while_tools_run_marks_the_calls_and_message_cancelled(
    ctx: AppContext, servers: tuple[FakeChatServer, FakeOpenAIImages], home: Path
) -> None:
    chat, _ = servers
    chat.enqueue(ToolCalls([ToolCall("wait_forever", {}, id="w1")], text="Waiting."))
    chat_id = new_chat(ctx)
    tool = _Blocking()
    base = chat_turn.prepare_turn(ctx, chat_id)
    setup = TurnSetup(store=SqlTurnStore(ctx.db), chat_id=chat_id, model="fake-chat-1",
                      open_provider=base.open_provider, tools=ToolRegistry([tool]))
    calls: list[TurnEvent] = []
    task = asyncio.create_task(run_turn(setup, "wait", lambda e: calls.append(e)))
    await tool.started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert any(isinstance(e, ToolCallStarted) for e in calls)
    assert messages(home, chat_id)[1][:3] == ("assistant", "Waiting.", "cancelled")
    assert rows(home, "select call_id, status, error from tool_call") == [("w1", "cancelled", "Cancelled by the user.")]
    # The next turn still sends a valid history: the cancelled call is answered with an error.
    chat.enqueue(Text("Ok."))
    await ask(ctx, chat_id, "never mind")
    follow = chat.chat_requests[-1].body["messages"]
    assert follow[2]["role"] == "tool" and follow[2]["tool_call_id"] == "w1" and "Cancelled" in follow[2]["content"]


async def test_an_unexpected_failure_is_saved_before_it_propagates(ctx: AppContext, home: Path) -> None:
    chat_id = new_chat(ctx)

    def broken() -> Any:
        raise RuntimeError("boom")

    setup = TurnSetup(store=SqlTurnStore(ctx.db), chat_id=chat_id, model="m", open_provider=broken)
    with pytest.raises(RuntimeError):
        await run_turn(setup, "hi", lambda e: None)
    assert messages(home, chat_id)[1][2:] == ("error", "The reply failed unexpectedly (RuntimeError).")
