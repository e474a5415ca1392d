"""Where the process's text leaves it -- log records and the standard streams -- everything is redacted.

:func:`install_log_redaction` runs before any provider SDK is imported (the command line's first
step): with ``ANTHROPIC_LOG=debug`` or ``OPENAI_LOG=debug`` the SDKs log their requests (headers
included) through :mod:`logging`, so every record any logger creates, ours or a library's (anthropic,
openai, httpx2, httpcore, Textual's logging bridge), is redacted when it is made: its message with its
arguments merged in, its traceback and its stack. A filter doing the same sits on the root handlers
as a second line, for records built by hand.

:func:`redacted_stdio` wraps ``sys.stdout`` and ``sys.stderr`` for the duration of a command, so
what is printed -- human or ``--json`` output, progress notes, the last error line, an SDK's
``basicConfig`` handler -- goes through the redactor at the last moment.
"""

from __future__ import annotations

import contextlib
import logging
import sys
from collections.abc import Callable, Iterator
from typing import Any, TextIO

from quilltap_tui.redaction import known_count, redact

_FACTORY_MARK = "_quilltap_redacting"
_formatter = logging.Formatter()


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    """``record`` with its message, traceback and stack text redacted (in place)."""
    if not known_count():
        return record
    try:
        message = record.getMessage()
    except Exception:  # a bad format string: logging reports it itself, leave the record alone
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = _formatter.formatException(record.exc_info)
    if record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


class RedactingFilter(logging.Filter):
    """A handler filter that redacts every record passing through (and drops none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_log_redaction() -> None:
    """Redact every log record the process creates from now on; calling it again changes nothing."""
    current = logging.getLogRecordFactory()
    if not getattr(current, _FACTORY_MARK, False):
        logging.setLogRecordFactory(_redacting_factory(current))
    for handler in logging.getLogger().handlers:
        add_filter(handler)


def add_filter(handler: logging.Handler) -> None:
    """Put the redacting filter on ``handler`` (once)."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())


def _redacting_factory(inner: Callable[..., logging.LogRecord]) -> Callable[..., logging.LogRecord]:
    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(inner(*args, **kwargs))

    setattr(factory, _FACTORY_MARK, True)
    return factory


class RedactingStream:
    """A text stream that redacts what is written to it, delegating everything else to ``inner``."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(redact(text))
        return len(text)  # callers count what they gave, not what the redactor made of it

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextlib.contextmanager
def redacted_stdio() -> Iterator[None]:
    """Redact ``sys.stdout`` and ``sys.stderr`` while the block runs, then put the old streams back."""
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout = _wrap(old_out)
    sys.stderr = _wrap(old_err)
    try:
        yield
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
        sys.stdout, sys.stderr = old_out, old_err


def _wrap(stream: Any) -> Any:
    if stream is None or isinstance(stream, RedactingStream):
        return stream
    return RedactingStream(stream)
