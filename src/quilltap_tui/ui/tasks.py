"""Running service calls off the UI thread and getting their outcome back as a message.

Workers never touch widgets: a blocking call runs in a thread worker, a coroutine in an async worker,
and either posts a :class:`Done` message to the screen that asked. The screen handles it in
``done_<tag>(result)``; a failure goes to ``failed_<tag>(error)`` when defined, else to the app's
error reporter (toast, unlock modal for a locked vault).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from textual.message import Message
from textual.worker import Worker

from quilltap_tui.lazy_imports import import_once

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


def preload(modules: tuple[str, ...] = CORE_MODULES) -> None:
    """Import ``modules`` under the import lock (cheap once done). Run it in a worker thread."""
    import_once(*modules)


class Done(Message, bubble=False):
    """The outcome of one service call started by :class:`ServiceCalls`."""

    def __init__(self, tag: str, result: Any = None, error: BaseException | None = None) -> None:
        super().__init__()
        self.tag = tag
        self.result = result
        self.error = error


class ServiceCalls:
    """Mixin for screens and widgets: ``call_blocking`` / ``call_async`` plus ``done_*`` handlers."""

    def call_blocking(self, tag: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Worker[None]:
        """Run ``fn(*args, **kwargs)`` in a thread; post :class:`Done` when it returns or fails."""

        def run() -> None:
            try:
                preload()
                result = fn(*args, **kwargs)
            except Exception as exc:
                self._post_failure(tag, exc)
                return
            self.post_message(Done(tag, result))  # type: ignore[attr-defined]

        return self.run_worker(run, thread=True, group=tag, name=tag, exit_on_error=False)  # type: ignore[attr-defined,no-any-return]

    def call_async(self, tag: str, fn: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Worker[None]:
        """Run a coroutine function in an async worker (network calls); cancelling it cancels the call."""

        async def run() -> None:
            try:
                result = await fn(*args, **kwargs)
            except Exception as exc:
                self._post_failure(tag, exc)
                return
            self.post_message(Done(tag, result))  # type: ignore[attr-defined]

        return self.run_worker(run, group=tag, name=tag, exclusive=True, exit_on_error=False)  # type: ignore[attr-defined,no-any-return]

    def _post_failure(self, tag: str, exc: Exception) -> None:
        from quilltap_tui.errors import QuilltapError

        if isinstance(exc, QuilltapError):
            log.info("%s failed: %s", tag, exc)
        else:  # unexpected: keep the traceback in the log file for a bug report
            log.exception("%s failed unexpectedly", tag)
        self.post_message(Done(tag, error=exc))  # type: ignore[attr-defined]

    def on_done(self, message: Done) -> None:
        """Route a finished call to ``done_<tag>`` or ``failed_<tag>``."""
        message.stop()
        if message.error is None:
            handler = getattr(self, f"done_{message.tag}", None)
            if handler is not None:
                handler(message.result)
            return
        on_failure = getattr(self, f"failed_{message.tag}", None)
        if on_failure is not None:
            on_failure(message.error)
        else:
            self.app.report_error(message.error)  # type: ignore[attr-defined]
