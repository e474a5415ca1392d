"""Progress notifications for a generation, sent only to clients that asked (a ``progressToken``).

An image provider says nothing until its image is ready, so the server sends a heartbeat: a first
note when the request goes out, one every :data:`INTERVAL` seconds with the time waited (or the retry
the service is waiting for, "retrying in 4 s (429)"), and a last one when the images are saved. A
queueing provider's own note (:mod:`quilltap_tui.imagegen.progress`: "fal.ai: queue position 2",
"ComfyUI: step 6 of 20") takes the place of "Waiting for the image provider" in the heartbeats.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import time
from types import TracebackType
from typing import Any

log = logging.getLogger(__name__)
INTERVAL = 1.0
# The request being served in this task; the generation service's retry hook finds it here (the
# service runs its wire calls in tasks that copy this context).
_CURRENT: contextvars.ContextVar[Progress | None] = contextvars.ContextVar("quilltap_mcp_progress", default=None)


def on_retry(attempt: int, wait: float, reason: str) -> None:
    """The generation service's retry hook: the next heartbeat says why it waits."""
    progress = _CURRENT.get()
    if progress is not None:
        progress.note = f"Retrying in {wait:.0f} s ({reason})."


class Progress:
    """``async with Progress(session) as p``: heartbeats while the body runs. ``session.report_progress``
    is the SDK's per-request sender, a no-op when the client sent no progress token."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.note: str | None = None
        self.queue: str | None = None  # the queueing provider's latest note, until it says another
        self._listening = contextlib.ExitStack()
        self._step = 0
        self._started = time.monotonic()
        self._task: asyncio.Task[None] | None = None
        self._token: contextvars.Token[Progress | None] | None = None

    async def __aenter__(self) -> Progress:
        from quilltap_tui.imagegen import progress as queue_progress

        self._token = _CURRENT.set(self)
        self._listening.enter_context(queue_progress.listening(self._queued))
        await self._send("Sending the request to the image provider.")
        self._task = asyncio.create_task(self._beat())
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # Cancelled, not awaited: awaiting it here could swallow the request's own cancellation.
        if self._task is not None:
            self._task.cancel()
        self._listening.close()
        if self._token is not None:
            _CURRENT.reset(self._token)

    async def finish(self, count: int) -> None:
        await self._send(f"Saved {count} image{'s' if count != 1 else ''}.")

    async def _beat(self) -> None:
        while True:
            await asyncio.sleep(INTERVAL)
            note, self.note = self.note, None
            waited = f"{time.monotonic() - self._started:.0f} s"
            await self._send(note or (f"{self.queue} ({waited})." if self.queue
                                      else f"Waiting for the image provider ({waited})."))

    def _queued(self, note: str) -> None:
        self.queue = note

    async def _send(self, message: str) -> None:
        self._step += 1
        with contextlib.suppress(Exception):  # a client gone away must not fail the generation
            await self.session.report_progress(self._step, None, message)
