""""The request is out": told to whoever listens in this context, once a request's last byte is written.

A chat turn shows each step to the user only once the step's request has left (the tool call once its
image request is out, the image once the follow-up chat request is out): in one process, a screen that
lays out and draws the step while the request is still being built and sent takes the interpreter lock
from it, and the request leaves tens of milliseconds later. :class:`~quilltap_tui.netguard.GuardedTransport`
sits under every HTTP client the app makes (ours and the SDKs'), so it reports every request, whatever
code sent it; a provider that sends without HTTP (a plug-in, a test's scripted model) may call
:func:`report` itself. A context variable, so concurrent tool calls each keep their own listener.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Callable, Iterator

Listener = Callable[[], None]
_LISTENER: contextvars.ContextVar[Listener | None] = contextvars.ContextVar("quilltap_request_sent", default=None)


def listener() -> Listener | None:
    """Who listens in this context (the transport asks before it sends, so it only traces when someone does)."""
    return _LISTENER.get()


def report() -> None:
    """A request made in this context has been written in full (called once per attempt: a retry repeats it)."""
    listening_now = _LISTENER.get()
    if listening_now is not None:
        listening_now()


@contextlib.contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Tell ``listener`` of each request written in this context (this task and the tasks and threads it starts)."""
    token = _LISTENER.set(listener)
    try:
        yield
    finally:
        _LISTENER.reset(token)
