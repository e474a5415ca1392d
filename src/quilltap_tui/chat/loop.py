"""One user turn: send the conversation, stream the reply, run tool calls, send results back, repeat.

Order of persistence, so nothing the user typed or the model sent is lost:

1. the user's message is stored before any request;
2. each model request gets an assistant message (status ``streaming``) before it is sent; each tool
   call is stored the moment it is complete in the stream; the reply text when the stream ends;
3. tool calls of one reply run concurrently; each result is stored as it arrives;
4. the next request is rebuilt from the store (:func:`history.load_conversation`), so each
   provider gets the results in its own required form from its message renderer.

It ends when a reply has no tool calls, or after ``max_rounds`` rounds of tool calls (a note is saved
and reported). A provider error (or a key that cannot be read) ends the turn with the reason saved
on the assistant message (status ``error``). Cancellation keeps what arrived, marks the message
``cancelled`` and re-raises. All storage work (through a :class:`~quilltap_tui.chat.store.TurnStore`)
runs in threads, so the caller's event loop never blocks; a turn on an event loop of its own
(``inline_storage``) stores inline instead.

Nothing but the work of the next step stands between a step and its request: the user's message is
reported (it is stored first) once the first chat request is out; the end of a stream with tool calls is
stored once their requests are out; a tool call is reported once it has run for :data:`SHOW_RUNNING_AFTER`
after its request left, or, done sooner, with its result (its image) once the follow-up chat request is out
(see :class:`_Outbox`). Events keep their order.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from quilltap_tui import request_sent as sent
from quilltap_tui.chat import history
from quilltap_tui.chat.events import (
    CANCELLED,
    DoneEvent,
    ErrorEvent,
    EventSink,
    MessageStarted,
    PartialImageEvent,
    ProgressEvent,
    RetryEvent,
    TextEvent,
    ToolCallStarted,
    ToolResultEvent,
    TurnEvent,
    TurnStatus,
)
from quilltap_tui.chat.spec import ChatProvider, TextDelta, ToolCallEvent, ToolCallRequest, TurnBuilder
from quilltap_tui.chat.store import TurnStore
from quilltap_tui.errors import QuilltapError
from quilltap_tui.imagegen import progress
from quilltap_tui.providers.retry import RetryHook, listening
from quilltap_tui.tools.call import ToolContext
from quilltap_tui.tools.registry import ToolRegistry

# Seconds: held events reach the caller by then even when no request was seen leaving (a plug-in image provider
# that sends no HTTP, a tool that waits for the database); a request usually leaves within a few milliseconds.
SHOW_WITHIN = 0.1
# Seconds a tool call may run, once its requests are out, before the caller hears of it. A call done sooner (a
# quick tool, an image the provider answered at once) reaches the caller with its result once the follow-up chat
# request is out: drawn while that request was being built and sent, the call's item (its mount and the screen's
# layout pass, 25-40 ms in a long chat) took the interpreter lock from it, and it left 20-50 ms late. A call that
# takes longer (a real image takes seconds) is shown after this, while it runs.
SHOW_RUNNING_AFTER = 0.1
T = TypeVar("T")


@dataclass
class TurnSetup:
    """Everything one turn needs. ``open_provider`` may block (it may read the key vault): it runs as storage
    does, in a thread or inline on a loop of its own."""

    store: TurnStore
    chat_id: str
    model: str
    open_provider: Callable[[], ChatProvider]
    tools: ToolRegistry = field(default_factory=ToolRegistry)
    params: Mapping[str, Any] = field(default_factory=dict)
    system: str | None = None
    max_rounds: int = 4
    # Set when the chat shows the images tools made to the model (see history.ImageLoader).
    show_images: history.ImageLoader | None = None
    # Reads the images a user attached to a message (always shown to the model).
    attached: history.AttachmentLoader | None = None
    # Set when someone shows image tool calls' partial images as they arrive (the TUI's placeholder).
    show_partials: bool = False
    # Set when the turn runs on an event loop of its own (services.chat_turn_thread): storage calls then
    # run inline instead of hopping into threads, one thread hand-over less per step on a busy machine.
    inline_storage: bool = False


@dataclass(frozen=True)
class TurnResult:
    """How the turn ended. ``error`` is set when a provider error ended it."""

    chat_id: str
    user_message_id: str
    message_id: str
    status: TurnStatus
    error: QuilltapError | None = None


@dataclass
class _Reply:
    """The assistant message being written."""

    message_id: str
    builder: TurnBuilder = field(default_factory=TurnBuilder)
    call_rows: list[str] = field(default_factory=list)
    streamed: bool = False  # True once the stream ended and its text was stored
    storing: asyncio.Future[None] | None = None  # the end of the stream being stored once its calls' requests left


class _Outbox:
    """The turn's events on their way to the caller's sink, in order; held while the next request is being sent.

    The TUI draws a step (the tool-call item, the image's preview) on another thread of the same process; drawn
    while the next request was being built and sent, it took the interpreter lock from that work and the request
    left 20-110 ms late. So the loop holds a step's events until the request that follows it is out
    (:mod:`~quilltap_tui.request_sent`), or :data:`SHOW_WITHIN` at the latest. Events said meanwhile wait
    behind the held ones: the caller sees every event, in the order the turn said them.
    """

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink
        self._held: list[TurnEvent] | None = None
        self._deadline: asyncio.TimerHandle | None = None

    def __call__(self, event: TurnEvent) -> None:
        if self._held is not None:
            self._held.append(event)
        else:
            self._sink(event)

    def hold(self) -> None:
        """Keep what is said from now on until :meth:`release` (or :data:`SHOW_WITHIN` from now)."""
        if self._held is None:
            self._held = []
            self._deadline = asyncio.get_running_loop().call_later(SHOW_WITHIN, self.release)

    def release_within(self, seconds: float) -> None:
        """Keep holding what is held, but only ``seconds`` from now at the latest (nothing held: nothing to do)."""
        if self._held is not None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = asyncio.get_running_loop().call_later(seconds, self.release)

    def release(self) -> None:
        """Hand on what was held, in order; from now on each event goes at once."""
        held, self._held = self._held, None
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None
        for event in held or ():
            self._sink(event)


def _on_this_loop(fn: Callable[[], None]) -> sent.Listener:
    """``fn`` as a request-sent listener: run at once on this loop, handed to it from any other thread."""
    loop = asyncio.get_running_loop()

    def listener() -> None:
        try:
            here = asyncio.get_running_loop() is loop
        except RuntimeError:  # a request sent from a thread (a blocking plug-in)
            here = False
        if here:
            fn()
        else:
            loop.call_soon_threadsafe(fn)

    return listener


class TurnLoop:
    """Runs one turn for :class:`TurnSetup`, reporting :mod:`~quilltap_tui.chat.events` to ``emit``."""

    def __init__(self, setup: TurnSetup, emit: EventSink) -> None:
        self.setup = setup
        self.emit = _Outbox(emit)
        self._reply: _Reply | None = None
        self._provider: ChatProvider | None = None

    async def run(self, text: str, attachments: Sequence[str] = ()) -> TurnResult:
        """Store ``text`` (with gallery ids of attached images) as the user's message; run the turn to its end."""
        s = self.setup
        extra = {"provider_data": {history.ATTACHMENTS_KEY: list(attachments)}} if attachments else {}
        user_id = await self._blocking(history.add_message, s.store, s.chat_id, "user", text, **extra)
        self.emit.hold()  # the user's message too is reported once the first request is out (_request)
        self.emit(MessageStarted(user_id, "user"))
        try:
            status = await self._rounds()
            error = None
        except QuilltapError as exc:
            await self._store_failure(exc)
            status, error = "error", exc
        except asyncio.CancelledError:
            await asyncio.shield(self._store_cancel())
            raise
        except Exception as exc:
            # A bug or an unmapped failure: still leave the chat in a clear, saved state.
            await self._store_failure(QuilltapError(f"The reply failed unexpectedly ({type(exc).__name__})."))
            raise
        finally:
            self.emit.release()  # however it ended, nothing said stays held
            if self._provider is not None:
                await self._provider.aclose()
        message_id = self._reply.message_id if self._reply else user_id
        self.emit(DoneEvent(s.chat_id, message_id, status))
        return TurnResult(s.chat_id, user_id, message_id, status, error)

    async def _rounds(self) -> TurnStatus:
        s = self.setup
        for _round in range(s.max_rounds):
            calls = await self._request()
            if not calls:
                assert self._reply is not None
                await self._store_end_soon(self._reply)
                return "complete"
            await self._run_tools(calls)
        note = (
            f"Stopped after {s.max_rounds} rounds of tool calls (the max_tool_rounds setting). The last "
            "results are saved; send another message to let the model continue."
        )
        await self._blocking(history.add_note, s.store, s.chat_id, note)
        self.emit(ErrorEvent(note))
        return "round_limit"

    async def _request(self) -> list[tuple[ToolCallRequest, str]]:
        """One model request; returns the complete tool calls with their row ids.

        Only reading the conversation stands between the previous step and the request. Once the request
        is out (or its first event came, or it failed), the events held since the previous step go to the
        caller and the reply's row is made (it exists before anything of the reply is handled). Each
        call's row is made as the stream goes on; the calls are reported once their requests are out.
        """
        s = self.setup
        # Images shown to the model are read and downscaled here (in a thread, unless on a loop of its own).
        messages = await self._blocking(history.load_conversation, s.store, s.chat_id, s.show_images, s.attached)
        made: list[asyncio.Future[str]] = []

        def out() -> None:
            """The request is out (or answered): show what was held; make the reply's row while it is answered."""
            self.emit.release()
            if not made:
                made.append(asyncio.ensure_future(self._blocking(
                    history.add_message, s.store, s.chat_id, "assistant", "", status="streaming", model=s.model
                )))

        reply: _Reply | None = None
        rows: list[tuple[ToolCallRequest, asyncio.Future[str]]] = []
        try:
            if self._provider is None:
                self._provider = await self._blocking(s.open_provider)
            stream = self._provider.stream(
                model=s.model, messages=messages, tools=s.tools.specs(), params=s.params, system=s.system
            )
            with listening(self._retry_hook(None)), sent.listening(_on_this_loop(out)):
                async for event in stream:
                    if reply is None:
                        out()
                        reply = await self._started(made[0])
                    reply.builder.add(event)
                    if isinstance(event, TextDelta):
                        self.emit.release()  # text after a held tool call: shown at once, after it
                        self.emit(TextEvent(event.text))
                    elif isinstance(event, ToolCallEvent):
                        rows.append((event.call, asyncio.ensure_future(self._blocking(
                            history.add_tool_call, s.store, s.chat_id, reply.message_id, event.call))))
                        self.emit.hold()  # reported once its request is out (_run_tools)
                        self.emit(ToolCallStarted(event.call.id, event.call.name, dict(event.call.arguments)))
        finally:
            # Whatever ended the stream, its rows exist before the loop goes on: errors and cancels land on them.
            if reply is None:
                out()
                with contextlib.suppress(Exception):
                    reply = await self._started(made[0])
            if reply is not None:
                reply.call_rows = await self._rows_made(rows)
        assert reply is not None
        if not rows:
            self._store_end_soon(reply)  # with calls, it waits until their requests are out (_run_tools)
        return [(call, row_id) for (call, _), row_id in zip(rows, reply.call_rows, strict=True)]

    async def _started(self, row: asyncio.Future[str]) -> _Reply:
        """The reply whose row ``row`` is making, once it exists (reported as started)."""
        reply = self._reply = _Reply(await row)
        self.emit(MessageStarted(reply.message_id, "assistant"))
        return reply

    @staticmethod
    async def _rows_made(rows: list[tuple[ToolCallRequest, asyncio.Future[str]]]) -> list[str]:
        """The row ids of the stream's calls, in the order the model sent them (each made by now)."""
        made = await asyncio.gather(*(row for _, row in rows), return_exceptions=True)
        for outcome in made:
            if isinstance(outcome, BaseException):
                raise outcome
        return [str(row_id) for row_id in made]

    def _store_end_soon(self, reply: _Reply) -> asyncio.Future[None]:
        """Start storing what the stream delivered (once); returns the future that stores it."""
        if reply.storing is None:
            reply.storing = asyncio.ensure_future(self._store_end(reply))
        return reply.storing

    async def _store_end(self, reply: _Reply) -> None:
        """Store what the stream delivered and mark its calls running."""
        await self._blocking(self._end_stream, reply)
        reply.streamed = True

    async def _blocking(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a blocking storage call: in a thread, or inline on a turn loop of its own."""
        if self.setup.inline_storage:
            return fn(*args, **kwargs)
        return await asyncio.to_thread(fn, *args, **kwargs)

    def _end_stream(self, reply: _Reply) -> None:
        """Store what the stream delivered and mark its calls running (they are starting); blocking."""
        s = self.setup
        history.finish_assistant(s.store, reply.message_id, reply.builder, reply.call_rows, status="complete")
        for row_id in reply.call_rows:
            history.set_call_status(s.store, row_id, "running")

    async def _run_tools(self, calls: list[tuple[ToolCallRequest, str]]) -> None:
        """Run the calls of one reply concurrently, storing and reporting each result as it comes.

        Once every call's first request is out (or the call ended), the end of the stream is stored (until
        then nothing else runs on this loop), and the calls (held since the stream) are reported
        :data:`SHOW_RUNNING_AFTER` later if still running; calls done by then are reported with their results
        once the next chat request is out (:meth:`_request`), as the last result always is.
        """
        s = self.setup
        assert self._reply is not None
        reply = self._reply
        message_id = reply.message_id
        starting = set(range(len(calls)))
        running = len(calls)
        all_out = False  # every call's first request is out (a retry reports its request again)

        def started(index: int) -> None:
            nonlocal all_out
            starting.discard(index)
            if not starting and not all_out:
                all_out = True
                self.emit.release_within(SHOW_RUNNING_AFTER)
                self._store_end_soon(reply)

        async def one(index: int, call: ToolCallRequest, row_id: str) -> None:
            nonlocal running
            # This task's provider retries, queue progress (and partial images, when shown) belong to this call.
            try:
                with (listening(self._retry_hook(call.id)), self._partials(call.id),
                      progress.listening(partial(self._progress, call.id)),
                      sent.listening(_on_this_loop(partial(started, index)))):
                    result = await s.tools.execute(call, ToolContext(s.chat_id, message_id, row_id))
            finally:
                started(index)
            await self._store_end_soon(reply)  # its "running" is stored before its result
            await self._blocking(history.finish_call, s.store, row_id, result)
            running -= 1
            if not running:
                self.emit.hold()  # the last result (its image) is shown once the next request is out
            self.emit(ToolResultEvent(call.id, call.name, result.ok, result.result))

        await asyncio.gather(*(one(index, call, row_id) for index, (call, row_id) in enumerate(calls)))
        await self._store_end_soon(reply)

    def _partials(self, call_id: str) -> contextlib.AbstractContextManager[None]:
        """Report the partial images of one tool call as :class:`PartialImageEvent`, when they are shown."""
        if not self.setup.show_partials:
            return contextlib.nullcontext()

        def report(data: bytes) -> None:
            self.emit(PartialImageEvent(call_id, data))

        return progress.listening_partials(report)

    def _progress(self, call_id: str, note: str) -> None:
        """A queueing provider's note for one tool call ("fal.ai: queue position 2"), as :class:`ProgressEvent`."""
        self.emit(ProgressEvent(call_id, note))

    def _retry_hook(self, call_id: str | None) -> RetryHook:
        """Report the retries of the chat request (``None``) or of one tool call as :class:`RetryEvent`."""

        def hook(attempt: int, wait: float, reason: str) -> None:
            self.emit(RetryEvent(attempt, wait, reason, call_id))

        return hook

    async def _store_failure(self, exc: QuilltapError) -> None:
        s = self.setup
        reply = self._reply
        await self._settle(reply)
        if reply is None:  # the provider could not even be asked: record the reason as a reply
            message_id = await self._blocking(
                history.add_message, s.store, s.chat_id, "assistant", "", status="error", error=str(exc), model=s.model
            )
            self._reply = _Reply(message_id, streamed=True)
        elif not reply.streamed:
            await self._blocking(
                history.finish_assistant, s.store, reply.message_id, reply.builder, reply.call_rows,
                status="error", error=str(exc),
            )
            await self._blocking(
                history.close_open_calls, s.store, reply.message_id, "error", "The reply failed before this call ran."
            )
        self.emit(ErrorEvent(str(exc)))

    async def _store_cancel(self) -> None:
        s = self.setup
        reply = self._reply
        if reply is None:
            return
        await self._settle(reply)
        if reply.streamed:
            await self._blocking(history.set_message_status, s.store, reply.message_id, "cancelled")
        else:
            await self._blocking(
                history.finish_assistant, s.store, reply.message_id, reply.builder, reply.call_rows, status="cancelled"
            )
        await self._blocking(history.close_open_calls, s.store, reply.message_id, "cancelled", CANCELLED)


    @staticmethod
    async def _settle(reply: _Reply | None) -> None:
        """Let the end of a stream finish storing (or fail) before the turn's end is stored over it."""
        if reply is not None and reply.storing is not None:
            with contextlib.suppress(Exception):
                await reply.storing


async def run_turn(setup: TurnSetup, text: str, emit: EventSink, attachments: Sequence[str] = ()) -> TurnResult:
    """Run one user turn; see the module docstring for what is stored when."""
    return await TurnLoop(setup, emit).run(text, attachments)
