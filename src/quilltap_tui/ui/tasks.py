"""Feature workers: service calls off the UI thread, their outcome back as a typed message.

A feature worker is a method of a screen or widget, decorated with :func:`blocking_work` (a thread, for
database and keyring calls) or :func:`async_work` (a coroutine, for network calls: cancelling the worker
cancels the call). It returns the message to post, or ``None``; the screen handles that message with
``@on(ItsClass)``, so renaming the message class breaks at import time instead of silently dropping the
handler (the old ``done_<tag>`` string routing did). A failure posts ``failure(error)`` instead: by default
:class:`Failed`, which bubbles up to the app's error reporter (a toast, or the unlock
dialog for a locked vault); a worker whose failure the screen handles itself names a subclass.

Workers never touch widgets: they only compute and return a message, which runs its handler on the UI thread.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Concatenate, ParamSpec, TypeVar

from textual import work
from textual.message import Message
from textual.worker import Worker

from quilltap_tui.lazy_imports import import_once

if TYPE_CHECKING:
    from textual.message_pump import MessagePump

log = logging.getLogger(__name__)

# The core and its third-party packages (SQLAlchemy, pydantic, the provider SDKs) are imported lazily so
# the first screen paints fast; workers import them through ``lazy_imports`` (one lock, one thread).
CORE_MODULES = (
    "quilltap_tui.services.chats",
    "quilltap_tui.services.image_store",
    "quilltap_tui.services.keys",
    "quilltap_tui.services.profiles",
    "quilltap_tui.services.provider_checks",
    "quilltap_tui.ui.state",
)

# What the first screen's workers (the profiles' snapshot, the chat list, the catalogue check) import: no ORM.
# Preloading CORE_MODULES in them made the home screen wait for SQLAlchemy, sqlmodel and the models (about
# 0.7 CPU-s) before its plain sqlite3 reads could run; the ORM loads in the warm-up once it is usable.
START_MODULES = (
    "quilltap_tui.ui.state",
    "quilltap_tui.services.plain_reads",
    "quilltap_tui.services.plain_profiles",
    "quilltap_tui.secrets",
    "quilltap_tui.services.model_catalogue",
    "quilltap_tui.tools.catalogue",
)

Node = TypeVar("Node", bound="MessagePump")
Params = ParamSpec("Params")


def preload(modules: tuple[str, ...] = CORE_MODULES) -> None:
    """Import ``modules`` under the import lock (cheap once done). Run it in a worker thread."""
    import_once(*modules)


class Failed(Message):
    """A feature worker raised ``error``. It bubbles up to the app, whose ``on_failed`` reports it; a worker
    whose failure its screen handles itself posts a subclass (handled with ``@on``, then stopped)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error


def _log_failure(name: str, error: Exception) -> None:
    from quilltap_tui.errors import QuilltapError

    if isinstance(error, QuilltapError):
        log.info("%s failed: %s", name, error)
    else:  # unexpected: keep the traceback in the log file for a bug report
        log.exception("%s failed unexpectedly", name)


def blocking_work(
    *, group: str, failure: type[Failed] = Failed, exclusive: bool = False, preload: tuple[str, ...] = CORE_MODULES
) -> Callable[[Callable[Concatenate[Node, Params], Message | None]], Callable[Concatenate[Node, Params], Worker[None]]]:
    """A method run in a thread worker; it returns the message to post (or None), a failure posts ``failure``.
    ``preload``: the modules imported (under the one import lock) before it runs."""

    def decorator(
        method: Callable[Concatenate[Node, Params], Message | None],
    ) -> Callable[Concatenate[Node, Params], Worker[None]]:
        @functools.wraps(method)
        def run(self: Node, /, *args: Params.args, **kwargs: Params.kwargs) -> None:
            try:
                import_once(*preload)
                message = method(self, *args, **kwargs)
            except Exception as exc:
                _log_failure(method.__name__, exc)
                self.post_message(failure(exc))
                return
            if message is not None:
                self.post_message(message)

        # The description names the method only: Textual would otherwise repr the arguments into its log
        # (TEXTUAL_LOG, devtools), and an argument may be a key being stored.
        return work(run, thread=True, group=group, exclusive=exclusive, exit_on_error=False,
                    description=method.__name__)

    return decorator


def async_work(
    *, group: str, failure: type[Failed] = Failed, exclusive: bool = True
) -> Callable[
    [Callable[Concatenate[Node, Params], Awaitable[Message | None]]], Callable[Concatenate[Node, Params], Worker[None]]
]:
    """A coroutine method run in an async worker (a network call: cancelling the worker cancels it).
    By default a new call cancels the one still running in its group (a second "validate" replaces the first)."""

    def decorator(
        method: Callable[Concatenate[Node, Params], Awaitable[Message | None]],
    ) -> Callable[Concatenate[Node, Params], Worker[None]]:
        @functools.wraps(method)
        async def run(self: Node, /, *args: Params.args, **kwargs: Params.kwargs) -> None:
            try:
                message = await method(self, *args, **kwargs)
            except Exception as exc:
                _log_failure(method.__name__, exc)
                self.post_message(failure(exc))
                return
            if message is not None:
                self.post_message(message)

        return work(run, group=group, exclusive=exclusive, exit_on_error=False, description=method.__name__)

    return decorator
