"""Textual's own log (``TEXTUAL_LOG=file`` and the devtools console) goes through the redactor.

Textual writes those logs from :class:`textual.Logger`'s ``__call__`` (every dispatched message, every
``self.log(...)``), outside Python's :mod:`logging`, so the record factory of
:mod:`quilltap_tui.redact_sinks` never sees them. :func:`install` wraps that one method: when a log
sink is active, the arguments are turned into text exactly as Textual would (``str`` of each, then
``key=repr(value)``), redacted, and passed on as one string. With no sink active it does nothing
extra, so dispatching stays as cheap as before.
"""

from __future__ import annotations

from typing import Any

from quilltap_tui.redaction import redact

_MARK = "_quilltap_redacting"


def install() -> None:
    """Wrap ``textual.Logger.__call__`` once per process."""
    from textual import Logger

    original = Logger.__call__
    if getattr(original, _MARK, False):
        return

    def __call__(self: Any, *args: object, **kwargs: object) -> None:
        if not _sink_active(self):
            original(self, *args, **kwargs)
            return
        text = " ".join(str(arg) for arg in args)
        if kwargs:
            pairs = " ".join(f"{key}={value!r}" for key, value in kwargs.items())
            text = f"{text} {pairs}" if text else pairs
        original(self, redact(text))

    setattr(__call__, _MARK, True)
    Logger.__call__ = __call__  # type: ignore[method-assign]  # the redacting wrapper, installed once


def _sink_active(logger: Any) -> bool:
    from textual import constants

    if constants.LOG_FILE:
        return True
    app = logger.app
    if app is None:
        try:
            # Kept private: Textual has no public accessor for the running app; its own Logger.__call__ reads
            # this ContextVar when, as here, the logger has no app yet (textual/__init__ imports it unexported).
            from textual._context import active_app

            app = active_app.get()
        except LookupError:
            return bool(constants.DEBUG)
    devtools = getattr(app, "devtools", None)  # App.devtools: a DevtoolsClient when the feature is on
    return bool(devtools is not None and devtools.is_connected)
