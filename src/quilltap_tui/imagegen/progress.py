"""Progress of a queued generation (ComfyUI and other queueing providers), told to whoever is listening.

A provider calls :func:`report` with a short note ("queue position 2", "step 7 of 20"); the CLI's
``generate`` listens with :func:`listening` and prints each new note on stderr. Nothing listens by
default, so a provider never needs to know who shows its progress. A context variable, so concurrent
generations (the MCP server, the TUI's workers) each keep their own listener.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

Listener = Callable[[str], None]
_LISTENER: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("quilltap_image_progress", default=None)


def report(note: str) -> None:
    """Tell the current listener (if any) how a queued generation is going."""
    listener = _LISTENER.get()
    if listener is not None:
        listener(note)


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Route :func:`report` calls made in this context (and tasks started from it) to ``listener``."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
