"""Progress of a queued generation (ComfyUI and other queueing providers), told to whoever is listening.

A provider calls :func:`report` with a short note ("queue position 2", "step 7 of 20"); the CLI's
``generate`` listens with :func:`listening` and prints each new note on stderr. Nothing listens by
default, so a provider never needs to know who shows its progress. A context variable, so concurrent
generations (the MCP server, the TUI's workers) each keep their own listener.

Partial images (a rough preview a provider streams while it generates) travel the same way: a provider
asks :func:`partials_wanted` before paying for them and hands each one's bytes to :func:`report_partial`;
the TUI listens with :func:`listening_partials`. A partial is never saved: only the final image is.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

Listener = Callable[[str], None]
PartialListener = Callable[[bytes], None]
_LISTENER: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("quilltap_image_progress", default=None)
_PARTIALS: contextvars.ContextVar[PartialListener | None] = contextvars.ContextVar(
    "quilltap_image_partials", default=None)


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


def partials_wanted() -> bool:
    """True when someone shows partial images: only then does a provider ask for them (they cost tokens)."""
    return _PARTIALS.get() is not None


def report_partial(data: bytes) -> None:
    """Hand one partial image's bytes (as the provider sent them) to the current listener, if any."""
    listener = _PARTIALS.get()
    if listener is not None:
        listener(data)


@contextlib.contextmanager
def listening_partials(listener: PartialListener) -> Iterator[None]:
    """Route :func:`report_partial` calls made in this context to ``listener``."""
    token = _PARTIALS.set(listener)
    try:
        yield
    finally:
        _PARTIALS.reset(token)
