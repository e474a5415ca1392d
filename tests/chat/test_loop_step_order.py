"""No dead time between tool steps (issue 17): each step is reported once the request that follows it is out.

The image tool's request leaves before the caller hears of the tool call (and before the end of the stream
is stored); the follow-up chat request leaves before the caller hears of the tool's result (its image). A call
done within ``SHOW_RUNNING_AFTER`` of its request (an image answered at once) is reported only with its result,
once the follow-up request is out: nothing the caller draws for it competes with building that request.
Requests "leave" as the HTTP transport says so (:mod:`quilltap_tui.request_sent`); here the scripted
provider and tool say it themselves at the moment they send. The caller still gets every event, in order.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

import pytest

from quilltap_tui import request_sent as sent
from quilltap_tui.chat import loop
from quilltap_tui.chat.events import ToolResultEvent, TurnEvent
from quilltap_tui.chat.loop import TurnSetup, run_turn
from quilltap_tui.chat.spec import ChatEvent, ChatMessage, Done, TextDelta, ToolCallEvent
from quilltap_tui.errors import AuthError
from quilltap_tui.tools.call import ToolCallRequest, ToolContext, ToolResult
from quilltap_tui.tools.registry import ToolRegistry
from quilltap_tui.tools.spec import ToolSpec
from tests.chat.memory_store import MemoryTurnStore

IMAGE = {"images": [{"id": "img-1", "path": "/tmp/fox.png"}]}


class Chat:
    """A chat provider that logs each request as it sends it (telling ``sent``, as the transport does)."""

    provider_id = "scripted"

    def __init__(self, log: list[str], *replies: list[ChatEvent | Exception], reports: bool = True) -> None:
        self.log = log
        self.replies = list(replies)
        self.reports = reports
        self.requests: list[list[ChatMessage]] = []

    async def stream(self, *, model: str, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = (),
                     params: Mapping[str, Any] | None = None, system: str | None = None) -> AsyncIterator[ChatEvent]:
        self.requests.append(list(messages))
        self.log.append("chat request out")
        if self.reports:
            sent.report()
        for event in self.replies.pop(0):
            await asyncio.sleep(0)  # each event arrives on a later pass of the loop, as from a socket
            if isinstance(event, Exception):
                raise event  # the provider's answer was an error (a refused key, an overloaded server)
            yield event

    async def validate_key(self) -> None:
        return None

    async def list_models(self) -> list[str]:
        return []

    async def aclose(self) -> None:
        return None


class Draw:
    """An image tool: sends its request (telling ``sent`` unless ``reports`` is off), waits for the image."""

    spec = ToolSpec("draw", "Draw.", {"type": "object", "properties": {"prompt": {"type": "string"}}})

    def __init__(self, log: list[str], store: MemoryTurnStore, *, reports: bool = True) -> None:
        self.log = log
        self.store = store
        self.reports = reports
        self.answer = asyncio.Event()
        self.stored_when_sent: list[str] = []

    async def run(self, arguments: Mapping[str, Any], context: ToolContext) -> ToolResult:
        self.log.append("image request out")
        self.stored_when_sent = [call.status for _, call in self.store.calls.values()]
        if self.reports:
            sent.report()
        await self.answer.wait()
        self.log.append("image saved")
        return ToolResult(ok=True, result=IMAGE, for_model=IMAGE)


def _call() -> ChatEvent:
    return ToolCallEvent(ToolCallRequest("call_1", "draw", {"prompt": "a fox"}, json.dumps({"prompt": "a fox"})))


def _sink(log: list[str], seen: dict[str, asyncio.Event]) -> Any:
    def sink(event: TurnEvent) -> None:
        name = type(event).__name__
        log.append(f"caller: {name}")
        seen.setdefault(name, asyncio.Event()).set()

    return sink


async def _seen(seen: dict[str, asyncio.Event], name: str) -> None:
    await asyncio.wait_for(seen.setdefault(name, asyncio.Event()).wait(), 30)  # a bound on a hang, not a timing


def _setup(store: MemoryTurnStore, chat: Chat, tool: Draw) -> TurnSetup:
    return TurnSetup(store=store, chat_id=store.new_chat(), model="m", open_provider=lambda: chat,
                     tools=ToolRegistry([tool]), inline_storage=True)


@pytest.fixture
def no_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every request here is seen leaving: the deadline for unseen ones never plays a part."""
    monkeypatch.setattr(loop, "SHOW_WITHIN", 3600.0)


async def test_each_step_reaches_the_caller_only_once_the_next_request_is_out(no_deadline: None) -> None:
    log: list[str] = []
    seen: dict[str, asyncio.Event] = {}
    store = MemoryTurnStore()
    chat = Chat(log, [_call(), Done("tool_calls")], [TextDelta("Here it is."), Done("stop")])
    tool = Draw(log, store)
    turn = asyncio.create_task(run_turn(_setup(store, chat, tool), "draw a fox", _sink(log, seen)))
    await _seen(seen, "ToolCallStarted")
    # Shown while the image is being made (SHOW_RUNNING_AFTER after its request left, the image still not there).
    assert log[-2:] == ["image request out", "caller: ToolCallStarted"]
    # Nothing was stored between the complete call and its request: the end of the stream is stored after.
    assert tool.stored_when_sent == ["pending"]
    tool.answer.set()
    result = await turn
    assert result.status == "complete"
    assert log == [
        "chat request out",  # the first request leaves before the caller hears of the user's message
        "caller: MessageStarted",  # the user's message
        "caller: MessageStarted",  # the reply (a bare tool call)
        "image request out",
        "caller: ToolCallStarted",
        "image saved",
        "chat request out",  # the follow-up leaves before the caller hears of the image
        "caller: ToolResultEvent",
        "caller: MessageStarted",
        "caller: TextEvent",
        "caller: DoneEvent",
    ]
    (call,) = (c for _, c in store.calls.values())
    assert (call.status, dict(call.result)) == ("ok", IMAGE)
    assert [m.status for _, m in store.messages.values()] == ["complete", "complete", "complete"]
    assert chat.requests[1][-1].role == "tool"  # the result was stored before the follow-up was built


async def test_a_call_done_at_once_is_reported_with_its_result_once_the_follow_up_request_is_out(
    no_deadline: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The image came back at once (the in-process fake, a quick tool): between the image saved and the follow-up
    chat request the caller hears nothing (it drew the call's item there, and the request left 20-50 ms late)."""
    monkeypatch.setattr(loop, "SHOW_RUNNING_AFTER", 3600.0)  # only the requests' leaving releases anything
    log: list[str] = []
    seen: dict[str, asyncio.Event] = {}
    store = MemoryTurnStore()
    chat = Chat(log, [_call(), Done("tool_calls")], [TextDelta("Here it is."), Done("stop")])
    tool = Draw(log, store)
    tool.answer.set()
    result = await run_turn(_setup(store, chat, tool), "draw a fox", _sink(log, seen))
    assert result.status == "complete"
    assert log == [
        "chat request out",
        "caller: MessageStarted",
        "caller: MessageStarted",
        "image request out",
        "image saved",
        "chat request out",  # the follow-up leaves before the caller hears of the call or its image
        "caller: ToolCallStarted",
        "caller: ToolResultEvent",
        "caller: MessageStarted",
        "caller: TextEvent",
        "caller: DoneEvent",
    ]
    (call,) = (c for _, c in store.calls.values())
    assert (call.status, dict(call.result)) == ("ok", IMAGE)


async def test_a_quick_call_still_reaches_the_caller_before_its_follow_up_request_fails(
    no_deadline: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(loop, "SHOW_RUNNING_AFTER", 3600.0)
    log: list[str] = []
    events: list[TurnEvent] = []
    store = MemoryTurnStore()
    chat = Chat(log, [_call(), Done("tool_calls")], [AuthError("The key was refused.", provider="scripted")])
    tool = Draw(log, store)
    tool.answer.set()
    result = await run_turn(_setup(store, chat, tool), "draw a fox", events.append)
    assert result.status == "error"
    assert [type(e).__name__ for e in events] == [
        "MessageStarted", "MessageStarted", "ToolCallStarted", "ToolResultEvent",
        "MessageStarted", "ErrorEvent", "DoneEvent"]  # the failed reply's row holds the reason
    assert [getattr(e, "result", None) for e in events if isinstance(e, ToolResultEvent)] == [IMAGE]
    (call,) = (c for _, c in store.calls.values())
    assert call.status == "ok"  # the image is kept; the reply after it failed


async def test_a_step_whose_request_is_never_seen_leaving_is_still_reported_while_it_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A plug-in that sends no HTTP (nothing tells ``sent``): the call shows anyway, and nothing is lost."""
    monkeypatch.setattr(loop, "SHOW_WITHIN", 0.0)
    log: list[str] = []
    seen: dict[str, asyncio.Event] = {}
    store = MemoryTurnStore()
    chat = Chat(log, [_call(), Done("tool_calls")], [TextDelta("Here it is."), Done("stop")], reports=False)
    tool = Draw(log, store, reports=False)
    turn = asyncio.create_task(run_turn(_setup(store, chat, tool), "draw a fox", _sink(log, seen)))
    await _seen(seen, "ToolCallStarted")
    assert "image saved" not in log  # shown while the image is still being made
    tool.answer.set()
    await turn
    assert [line for line in log if line.startswith("caller")] == [
        "caller: MessageStarted", "caller: MessageStarted", "caller: ToolCallStarted", "caller: ToolResultEvent",
        "caller: MessageStarted", "caller: TextEvent", "caller: DoneEvent"]


async def test_text_after_a_tool_call_in_the_same_reply_keeps_its_place(no_deadline: None) -> None:
    log: list[str] = []
    seen: dict[str, asyncio.Event] = {}
    store = MemoryTurnStore()
    chat = Chat(log, [TextDelta("Drawing."), _call(), TextDelta(" One moment."), Done("tool_calls")],
                [TextDelta("Done."), Done("stop")])
    tool = Draw(log, store)
    tool.answer.set()
    events: list[TurnEvent] = []

    def sink(event: TurnEvent) -> None:
        events.append(event)
        _sink(log, seen)(event)

    await run_turn(_setup(store, chat, tool), "draw a fox", sink)
    shown = [(type(e).__name__, getattr(e, "delta", "")) for e in events]
    assert shown == [("MessageStarted", ""), ("MessageStarted", ""), ("TextEvent", "Drawing."),
                     ("ToolCallStarted", ""), ("TextEvent", " One moment."), ("ToolResultEvent", ""),
                     ("MessageStarted", ""), ("TextEvent", "Done."), ("DoneEvent", "")]


async def test_cancelling_while_the_image_is_made_saves_the_reply_and_closes_the_call(no_deadline: None) -> None:
    log: list[str] = []
    seen: dict[str, asyncio.Event] = {}
    store = MemoryTurnStore()
    chat = Chat(log, [TextDelta("Drawing."), _call(), Done("tool_calls")])
    tool = Draw(log, store)
    turn = asyncio.create_task(run_turn(_setup(store, chat, tool), "draw a fox", _sink(log, seen)))
    await _seen(seen, "ToolCallStarted")
    turn.cancel()
    with pytest.raises(asyncio.CancelledError):
        await turn
    reply = [m for _, m in store.messages.values()][-1]
    assert (reply.role, reply.content, reply.status) == ("assistant", "Drawing.", "cancelled")
    (call,) = (c for _, c in store.calls.values())
    assert (call.status, call.error) == ("cancelled", loop.CANCELLED)
