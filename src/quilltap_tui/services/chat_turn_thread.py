"""Chat turns on an event loop of their own, for a caller whose loop is busy drawing (the TUI).

Between the steps of a tool turn (the tool call complete -> the image request; the image saved -> the
next chat request) the turn loop hops into threads for storage. Each hop comes back through its event
loop; on the TUI's loop that waits behind whatever frame is being laid out and drawn (the new tool-call
item, the image preview), which cost 55-220 ms per step. Here the turn runs on a loop in a thread of its
own, so its steps never queue behind the screen; its events reach the caller's loop in order.

On the SQLite file at the current schema the turn reads and writes with plain ``sqlite3``
(:mod:`services.plain_chat`, the rows the ORM path writes): the ORM's setup, user message and
conversation read took 20-35 ms between Enter and the first chat request on a busy machine, plain
``sqlite3`` a few. The store stays open for the context's life (one connection, on the turn loop).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, TypeVar

from quilltap_tui.chat.events import EventSink, TurnEvent
from quilltap_tui.chat.loop import TurnResult, run_turn
from quilltap_tui.services import chat_turn, plain_chat, plain_generation_store
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation import GenerationService
from quilltap_tui.services.plain_generation_store import PlainGenerationStore
from quilltap_tui.services.plain_turn_store import PlainTurnStore
from quilltap_tui.sse import READ_PACE, ReadPace

T = TypeVar("T")
_lock = threading.Lock()
_loop: asyncio.AbstractEventLoop | None = None
# The generation service of the turns' context (one context per app; touched only on the turn loop): its
# HTTP client keeps its connections for every turn's image requests, instead of a TLS handshake per turn.
_service: tuple[AppContext, GenerationService, PlainGenerationStore | None] | None = None
# The turns' plain store for that context (touched only on the turn loop), once services.plain_chat allowed it.
_store: tuple[AppContext, PlainTurnStore] | None = None
_closing: set[asyncio.Future[None]] = set()  # clients being released (held so they are not collected mid-way)
READ_IN_BURSTS = ReadPace()  # how a turn's reply is read (the TUI hands text to the screen in batches anyway)


def turn_loop() -> asyncio.AbstractEventLoop:
    """The process's turn loop, started on first use in a daemon thread."""
    global _loop
    with _lock:
        if _loop is None:
            loop = asyncio.new_event_loop()
            threading.Thread(target=loop.run_forever, name="quilltap-turns", daemon=True).start()
            _loop = loop
        return _loop


async def run_on_turn_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run the coroutine ``make()`` on the turn loop and return its result here.

    Cancelling the caller cancels it there and waits until it has ended (a turn saves what arrived on
    cancel), so the caller's cancellation completes only once the chat is in its saved state.
    """
    caller = asyncio.get_running_loop()
    finished: asyncio.Future[T] = caller.create_future()
    started: list[asyncio.Task[T]] = []

    def hand_over(task: asyncio.Task[T]) -> None:
        if finished.done():
            return
        if task.cancelled():
            finished.cancel()
        elif (error := task.exception()) is not None:
            finished.set_exception(error)
        else:
            finished.set_result(task.result())

    def report(task: asyncio.Task[T]) -> None:
        with contextlib.suppress(RuntimeError):  # the caller's loop is closed (the app quit): nobody waits
            caller.call_soon_threadsafe(hand_over, task)

    def start() -> None:
        task = asyncio.ensure_future(make())
        task.add_done_callback(report)
        started.append(task)

    loop = turn_loop()
    loop.call_soon_threadsafe(start)
    try:
        return await asyncio.shield(finished)
    except asyncio.CancelledError:
        # start() ran before this (the loop runs callbacks in order), so the task exists.
        loop.call_soon_threadsafe(lambda: started[0].cancel())
        with contextlib.suppress(BaseException):
            await finished
        raise


def _generation(ctx: AppContext) -> GenerationService:
    """The turns' generation service for ``ctx`` (on the turn loop, where its client lives).

    Its rows go through the plain ``sqlite3`` store (:mod:`services.plain_generation_store`) once that may
    run: taken when no turn is under way (its own open rows would make the sweep look due), kept after. The
    ORM's store read the profile, reserved and saved the image between the tool call and its image request
    and between the image and the follow-up chat request.
    """
    global _service
    if _service is not None and _service[0] is ctx and _service[2] is not None:
        return _service[1]
    if _service is not None and _service[0] is not ctx:  # another context now (tests make one each)
        _release(_service)
        _service = None
    plain = plain_generation_store.open_store(ctx)
    if _service is None or plain is not None:
        if _service is not None:  # the ORM's store until now
            _release(_service)
        # Inline: nothing else waits on the turn loop.
        _service = (ctx, GenerationService(ctx, inline=True, store=plain), plain)
    return _service[1]


def _release(service: tuple[AppContext, GenerationService, PlainGenerationStore | None]) -> None:
    """Close a generation service's HTTP client (in the background) and its plain store."""
    closing = asyncio.ensure_future(service[1].aclose())
    _closing.add(closing)
    closing.add_done_callback(_closing.discard)
    if service[2] is not None:
        service[2].close()


def open_plain_store(ctx: AppContext) -> PlainTurnStore | None:
    """The turns' plain ``sqlite3`` store for ``ctx`` (on the turn loop), or None when the ORM path must run.

    Opened once :func:`plain_chat.open_store` allows it (the SQLite file at the current schema, nothing
    for the sweep to settle); asked again at the next turn while it does not.
    """
    global _store
    if _store is not None and _store[0] is ctx:
        return _store[1]
    if _store is not None:  # another context now (tests make one each)
        _store[1].close()
        _store = None
    store = plain_chat.open_store(ctx)
    if store is not None:
        _store = (ctx, store)
    return store


def open_stores(ctx: AppContext) -> None:
    """Open the turns' plain stores for ``ctx`` ahead of its first turn (on the turn loop; see chat_turn_warm)."""
    _generation(ctx)
    open_plain_store(ctx)


async def _ask(ctx: AppContext, chat_id: str, text: str, emit: EventSink, *, show_images: bool = False,
               attachments: Sequence[str] = (), show_partials: bool = False) -> TurnResult:
    """One turn on the turn loop (storage inline): with the plain store when it may run, else the ORM's."""
    generation = _generation(ctx)
    store = open_plain_store(ctx)
    if store is None:
        return await chat_turn.ask(ctx, chat_id, text, emit, generation=generation, show_images=show_images,
                                   attachments=attachments, show_partials=show_partials, own_loop=True)
    setup = plain_chat.prepare_turn(ctx, store, chat_id, show_images, generation=generation)
    setup.show_partials = show_partials  # partial images cost tokens: only asked for when someone shows them
    setup.inline_storage = True  # nothing else waits on this loop
    return await run_turn(setup, text, emit, attachments)


async def ask(ctx: AppContext, chat_id: str, text: str, emit: EventSink, **options: Any) -> TurnResult:
    """:func:`services.chat_turn.ask` on the turn loop; ``emit`` is called on the caller's loop, in order.

    ``options``: ``show_images``, ``attachments`` and ``show_partials``, as there.

    The caller shows the reply in batches, so the reply's stream is read in bursts (:class:`sse.ReadPace`),
    and the events of a burst go over together once the turn loop pauses: one wake-up of the caller's loop
    per burst instead of one per token (each woke it, and the GIL went back and forth per token).
    """
    caller = asyncio.get_running_loop()
    waiting: deque[TurnEvent] = deque()
    flushing = False  # a hand-over is due when the turn loop next pauses

    def hand_over() -> None:  # on the caller's loop
        while waiting:
            emit(waiting.popleft())

    def flush() -> None:  # on the turn loop, once the work that said the events waits for something
        nonlocal flushing
        flushing = False
        with contextlib.suppress(RuntimeError):  # the caller's loop is closed (the app quit)
            caller.call_soon_threadsafe(hand_over)

    def relay(event: TurnEvent) -> None:  # on the turn loop
        nonlocal flushing
        waiting.append(event)
        if not flushing:
            flushing = True
            asyncio.get_running_loop().call_soon(flush)

    async def run() -> TurnResult:
        READ_PACE.set(READ_IN_BURSTS)  # in this task's context only
        return await _ask(ctx, chat_id, text, relay, **options)

    return await run_on_turn_loop(run)
