"""The turn loop on its own: a scripted provider, a tool, and an in-memory store (no database at all)."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.chat.events import ErrorEvent, ToolResultEvent, TurnEvent
from quilltap_tui.chat.loop import TurnSetup, run_turn
from quilltap_tui.chat.spec import ChatEvent, ChatMessage, Done, TextDelta, ToolCallEvent
from quilltap_tui.errors import RateLimited
from quilltap_tui.tools.call import ToolCallRequest, ToolContext, ToolResult
from quilltap_tui.tools.registry import ToolRegistry
from quilltap_tui.tools.spec import ToolSpec
from tests.chat.memory_store import MemoryTurnStore

ROOT = Path(__file__).resolve().parents[2]


class Scripted:
    """A chat provider that answers each request with the next script entry (events, or an error to raise)."""

    provider_id = "scripted"

    def __init__(self, *replies: list[ChatEvent] | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[list[ChatMessage]] = []
        self.gate: asyncio.Event | None = None  # when set, a reply waits on it after its first event

    async def stream(self, *, model: str, messages: Sequence[ChatMessage], tools: Sequence[ToolSpec] = (),
                     params: Mapping[str, Any] | None = None, system: str | None = None) -> AsyncIterator[ChatEvent]:
        self.requests.append(list(messages))
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        for n, event in enumerate(reply):
            yield event
            if n == 0 and self.gate is not None:
                await self.gate.wait()

    async def validate_key(self) -> None:
        return None

    async def list_models(self) -> list[str]:
        return []

    async def aclose(self) -> None:
        return None


class Echo:
    """A tool that answers with its arguments and the call's context."""

    spec = ToolSpec("echo", "Echo the input.", {"type": "object", "properties": {"word": {"type": "string"}}})

    def __init__(self) -> None:
        self.contexts: list[ToolContext] = []

    async def run(self, arguments: Mapping[str, Any], context: ToolContext) -> ToolResult:
        self.contexts.append(context)
        return ToolResult(ok=True, result={"said": arguments["word"]}, for_model={"said": arguments["word"]})


def _call(word: str) -> ChatEvent:
    return ToolCallEvent(ToolCallRequest("call_1", "echo", {"word": word}, json.dumps({"word": word})))


def _setup(store: MemoryTurnStore, provider: Scripted, *tools: Any) -> TurnSetup:
    return TurnSetup(store=store, chat_id=store.new_chat(), model="m", open_provider=lambda: provider,
                     tools=ToolRegistry(tools))


async def test_a_tool_turn_is_stored_and_the_result_goes_back_to_the_model() -> None:
    store, tool = MemoryTurnStore(), Echo()
    provider = Scripted([_call("fox"), Done("tool_calls")], [TextDelta("It said fox."), Done("stop")])
    events: list[TurnEvent] = []
    result = await run_turn(_setup(store, provider, tool), "say fox", events.append)
    assert result.status == "complete"
    assert store.titles["chat-1"] == "say fox"
    stored = store.conversation("chat-1")
    assert [(m.role, m.content, m.status) for m in stored.messages] == [
        ("user", "say fox", "complete"), ("assistant", "", "complete"), ("assistant", "It said fox.", "complete")]
    (call,) = stored.calls
    assert (call.status, dict(call.result), call.message_id) == ("ok", {"said": "fox"}, stored.messages[1].id)
    assert tool.contexts == [ToolContext("chat-1", stored.messages[1].id, call.id)]
    # The second request was rebuilt from the store: the call, then its result as the model's text.
    second = provider.requests[1]
    assert [m.role for m in second] == ["user", "assistant", "tool"]
    assert (second[2].tool_call_id, second[2].content) == ("call_1", '{"said": "fox"}')
    assert [e.result for e in events if isinstance(e, ToolResultEvent)] == [{"said": "fox"}]


async def test_a_provider_error_is_saved_on_the_reply_and_ends_the_turn() -> None:
    store = MemoryTurnStore()
    provider = Scripted(RateLimited("The provider is rate limiting requests."))
    events: list[TurnEvent] = []
    result = await run_turn(_setup(store, provider), "hello", events.append)
    assert result.status == "error"
    reply = store.conversation("chat-1").messages[-1]
    assert (reply.role, reply.status, reply.error) == ("assistant", "error", "The provider is rate limiting requests.")
    assert [e.message for e in events if isinstance(e, ErrorEvent)] == ["The provider is rate limiting requests."]


async def test_cancelling_mid_stream_keeps_the_text_and_closes_the_open_call() -> None:
    store = MemoryTurnStore()
    provider = Scripted([_call("fox"), TextDelta("never"), Done("tool_calls")])
    provider.gate = asyncio.Event()  # the stream stops after the call and waits: cancel it there
    task = asyncio.create_task(run_turn(_setup(store, provider, Echo()), "say fox", lambda _: None))
    for _ in range(200):
        if store.calls:
            break
        await asyncio.sleep(0.005)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    stored = store.conversation("chat-1")
    assert stored.messages[-1].status == "cancelled"
    assert [(c.status, c.error) for c in stored.calls] == [("cancelled", "Cancelled by the user.")]
    # A later turn replays the interrupted call as an error result, so the model knows it never ran.
    provider.gate, provider.replies = None, [[TextDelta("ok"), Done("stop")]]
    await run_turn(_setup(store, provider), "go on", lambda _: None)
    assert json.loads(provider.requests[-1][2].content) == {"error": "Cancelled by the user."}


def test_the_turn_loop_runs_with_no_database_layer_importable() -> None:
    """chat/ stores only through the port: a turn completes with SQLAlchemy, sqlmodel and db/ unimportable."""
    script = textwrap.dedent("""
        import asyncio, sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("sqlalchemy", "sqlmodel") or name.startswith("quilltap_tui.db"):
                    raise ImportError(f"blocked: {name}")
        sys.meta_path.insert(0, Block())
        from tests.chat.test_loop_memory_store import test_a_tool_turn_is_stored_and_the_result_goes_back_to_the_model
        asyncio.run(test_a_tool_turn_is_stored_and_the_result_goes_back_to_the_model())
        print("ok", sorted(m for m in sys.modules if m.startswith(("sqlalchemy", "sqlmodel", "quilltap_tui.db"))))
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok []"
