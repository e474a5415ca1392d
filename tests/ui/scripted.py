"""An in-process scripted chat provider for the TUI tests: no HTTP, no pacing by the clock.

The wire tests (``tests/providers``, ``tests/chat``) drive the real providers against the loopback fakes in
``tests/fakes``; a TUI test only needs a model that answers, so it registers this one as a plug-in chat
provider (the registry's public seam, as a pip-installed plug-in would) and scripts its replies:

* ``chat.enqueue(Say("Hello"), Call("generate_image", {"prompt": "a fox"}))`` queues replies, one per request;
* ``chat.decider = tool_then_text(...)`` answers from the request when the queue is empty;
* ``Say(..., hold_after=3)`` stops after three pieces until the test calls :meth:`ScriptedChat.release`
  (``await chat.holding.wait()`` first): a reply that is "still streaming" without a sleep anywhere;
* ``Fail(error)`` raises a provider error, before or after some text.

Every request is recorded provider-neutrally (model, messages, tools, system) in ``chat.requests``, and
reported sent (:mod:`quilltap_tui.request_sent`) as the HTTP transport reports a real provider's request.
The TUI runs a turn on its own loop in a thread (``services.chat_turn_thread``), so ``holding`` and the
release are events either loop may set and wait on.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from quilltap_tui import request_sent as sent
from quilltap_tui.chat.spec import ChatEvent, ChatMessage, Done, TextDelta, ToolCallEvent, Usage
from quilltap_tui.errors import ProviderError
from quilltap_tui.providers.unit import ChatFacet, ProviderUnit
from quilltap_tui.tools.call import ToolCallRequest
from quilltap_tui.tools.spec import ToolSpec

PROVIDER_ID = "scripted"
MODELS = ("scripted-1", "scripted-2")


@dataclass
class Say:
    """Stream ``text`` as word pieces (or ``tokens`` as given); with ``hold_after`` stop after that many
    pieces until :meth:`ScriptedChat.release`."""

    text: str = ""
    tokens: list[str] | None = None
    hold_after: int | None = None

    def pieces(self) -> list[str]:
        return self.tokens if self.tokens is not None else re.findall(r"\s*\S+\s*", self.text) or [self.text]


@dataclass
class Call:
    """One tool call (after optional ``text``); several :class:`Call` in a :class:`Calls` are parallel."""

    name: str
    arguments: dict[str, Any] = field(default_factory=dict)
    text: str = ""
    id: str | None = None


@dataclass
class Calls:
    """Parallel tool calls in one reply."""

    calls: list[Call]
    text: str = ""


@dataclass
class Fail:
    """Raise ``error`` after streaming ``text_before`` (empty: the request itself fails)."""

    error: ProviderError
    text_before: str = ""


Reply = Say | Call | Calls | Fail


@dataclass(frozen=True)
class Request:
    """One ``stream`` call as the chat core made it."""

    model: str
    messages: tuple[ChatMessage, ...]
    tools: tuple[ToolSpec, ...]
    params: Mapping[str, Any]
    system: str | None

    @property
    def last_user_text(self) -> str:
        return next((m.content for m in reversed(self.messages) if m.role == "user" and m.content), "")

    @property
    def last_tool_result(self) -> str | None:
        last = self.messages[-1] if self.messages else None
        return last.content if last is not None and last.role == "tool" else None

    @property
    def tool_names(self) -> list[str]:
        return [tool.name for tool in self.tools]


Decider = Callable[[Request], Reply]


def tool_then_text(name: str = "generate_image", arguments: dict[str, Any] | None = None,
                   final_text: str | None = None) -> Decider:
    """Call ``name`` (default arguments: ``{"prompt": <last user text>}``), then, once the request ends
    with the tool result, answer ``final_text`` (default: quotes the result)."""

    def decide(request: Request) -> Reply:
        result = request.last_tool_result
        if result is not None:
            return Say(final_text or f"Here is the result: {result[:200]}")
        return Call(name, arguments if arguments is not None else {"prompt": request.last_user_text})

    return decide


class _Signal:
    """An event that a coroutine on one thread's loop waits on and another thread's loop sets."""

    def __init__(self) -> None:
        self._flag = threading.Event()
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    def is_set(self) -> bool:
        return self._flag.is_set()

    def set(self) -> None:
        with self._lock:
            self._flag.set()
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            loop.call_soon_threadsafe(lambda f=future: f.done() or f.set_result(None))

    def clear(self) -> None:
        self._flag.clear()

    async def wait(self) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            if self._flag.is_set():
                return
            self._waiters.append((loop, future))
        await future


class ScriptedChat:
    """The provider object every turn of a ``scripted`` chat profile gets (see the module docstring)."""

    provider_id = PROVIDER_ID

    def __init__(self) -> None:
        self.queue: deque[Reply] = deque()
        self.decider: Decider | None = None
        self.requests: list[Request] = []
        self.api_keys: list[str | None] = []
        self.holding = _Signal()  # set while a Say(hold_after=...) waits for release()
        self._release = _Signal()
        self._calls = 0

    # The script
    def enqueue(self, *replies: Reply) -> None:
        self.queue.extend(replies)

    def release(self) -> None:
        """Let a held reply go on streaming."""
        self._release.set()

    def unit(self) -> ProviderUnit:
        """The plug-in unit whose factory hands out this object (no SDK, no key needed)."""

        def factory(**kwargs: Any) -> ScriptedChat:
            self.api_keys.append(kwargs.get("api_key"))
            return self

        return ProviderUnit(id=PROVIDER_ID, title="Scripted", default_base_url="http://scripted.invalid/v1",
                            needs_key=False, chat=ChatFacet(factory=factory, sdk_module=""))

    # The ChatProvider protocol
    async def stream(
        self,
        *,
        model: str,
        messages: Sequence[ChatMessage],
        tools: Sequence[ToolSpec] = (),
        params: Mapping[str, Any] | None = None,
        system: str | None = None,
    ) -> AsyncIterator[ChatEvent]:
        request = Request(model, tuple(messages), tuple(tools), dict(params or {}), system)
        self.requests.append(request)
        sent.report()  # the request is out: what the HTTP transport says of a real provider's request
        reply = self.queue.popleft() if self.queue else (self.decider or _greeting)(request)
        async for event in self._play(reply):
            yield event

    async def _play(self, reply: Reply) -> AsyncIterator[ChatEvent]:
        if isinstance(reply, Fail):
            if reply.text_before:
                yield TextDelta(reply.text_before)
            raise reply.error
        if isinstance(reply, Say):
            for index, piece in enumerate(reply.pieces()):
                if reply.hold_after is not None and index == reply.hold_after:
                    self.holding.set()
                    await self._release.wait()
                    self.holding.clear()
                    self._release.clear()
                yield TextDelta(piece)
                await asyncio.sleep(0)  # one piece per loop pass, as a network stream arrives
            yield Usage(12, len(reply.pieces()))
            yield Done("stop")
            return
        calls = reply.calls if isinstance(reply, Calls) else [reply]
        text = reply.text
        if text:
            yield TextDelta(text)
        for call in calls:
            self._calls += 1
            call_id = call.id or f"call_{self._calls}"
            yield ToolCallEvent(ToolCallRequest(call_id, call.name, dict(call.arguments), json.dumps(call.arguments)))
        yield Usage(12, 5)
        yield Done("tool_calls")

    async def validate_key(self) -> None:
        return None

    async def list_models(self) -> list[str]:
        return list(MODELS)

    async def aclose(self) -> None:
        return None


def _greeting(request: Request) -> Reply:
    return Say("Hello from the scripted model.")
