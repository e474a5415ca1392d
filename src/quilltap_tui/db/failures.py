"""Storage failures in plain words: a locked, read-only, full or corrupt database, a file that cannot be written.

SQLite and the OS report these as ``OperationalError: database is locked`` or ``OSError: [Errno 30]``,
often wrapped by SQLAlchemy with the statement and its parameters. The user needs one sentence that
names the file and what to do; :func:`explain` gives it, or ``None`` for anything else.
"""

from __future__ import annotations

import errno
import os
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from quilltap_tui.errors import QuilltapError

# SQLite's words -> what the user is told (``{path}`` is the database file).
_SQLITE = (
    (("database is locked", "database is busy", "database table is locked"),
     "The database {path} is locked by another process (another quilltap-tui writing?); nothing was "
     "changed, so try again once it has finished."),
    (("readonly database", "read-only database"),
     "The database {path} cannot be written (a read-only file or file system); commands that only "
     "read still work."),
    (("database or disk is full", "disk is full"),
     "The disk holding the database {path} is full; nothing was saved."),
    (("malformed", "file is not a database", "not a database"),
     "The database {path} is corrupt; run `quilltap-tui doctor` and move the file aside or restore a backup."),
    (("unable to open database file",),
     "The database {path} cannot be opened (its directory is missing or not writable)."),
)
_OS = {
    errno.EROFS: "the file system is read-only",
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
}


class StorageError(QuilltapError):
    """A file or the database could not be used; the message names it. Exit 1: not a usage error."""


def explain(exc: BaseException, database: str) -> StorageError | None:
    """The one-sentence error for a storage failure anywhere in ``exc``'s chain, else ``None``."""
    for link in _chain(exc):
        if isinstance(link, sqlite3.Error):
            text = str(link).lower()
            for words, message in _SQLITE:
                if any(word in text for word in words):
                    return StorageError(message.format(path=database))
        if isinstance(link, OSError) and link.errno in _OS:
            where = os.fsdecode(link.filename) if link.filename else "a file under the data directory"
            return StorageError(f"Cannot write {where}: {_OS[link.errno]}; nothing was saved.")
    return None


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        orig = getattr(current, "orig", None)  # SQLAlchemy's DBAPIError wraps the driver's error here
        current = orig if isinstance(orig, BaseException) else current.__cause__ or current.__context__
    return seen


class WaitNote:
    """Says once on stderr when a statement has waited over ``after`` seconds (another process's lock).

    SQLite waits up to its busy timeout for a lock without a word; a command line that seems to hang is
    worse than one that says why. One watcher thread for the process; statements only stamp a time.
    """

    def __init__(self, emit: Callable[[str], None], after: float = 1.0) -> None:
        self._emit, self._after = emit, after
        self._started: float | None = None
        self._said = False
        self._lock = threading.Lock()

    def install(self) -> None:
        """Listen to every engine (once per process: later calls only change where the note goes)."""
        global _installed
        if _installed is not None:
            _installed._emit, _installed._said = self._emit, False
            return
        _installed = self
        if "sqlalchemy" in sys.modules:  # else the engine calls listen_to_engines when it is created
            listen_to_engines()
        threading.Thread(target=self._watch, name="db-wait-note", daemon=True).start()

    @contextmanager
    def timing(self) -> Iterator[None]:
        """Time a statement run outside SQLAlchemy (the plain ``sqlite3`` listings)."""
        self._before()
        try:
            yield
        finally:
            self._started = None

    def _before(self, *args: object) -> None:
        self._started = time.monotonic()

    def _after_execute(self, *args: object) -> None:
        self._started = None

    def _on_error(self, *args: object) -> None:
        self._started = None

    def _watch(self) -> None:
        while True:
            time.sleep(self._after / 4)
            started = self._started
            if not self._said and started is not None and time.monotonic() - started > self._after:
                self._said = True
                self._emit("waiting for the database: another process is using it…")


_installed: WaitNote | None = None
_listening = False


def listen_to_engines() -> None:
    """Let the installed note time every SQLAlchemy statement; called once SQLAlchemy is in use.

    Not at install time: a command that reads with plain ``sqlite3`` must not import SQLAlchemy for it.
    """
    global _listening
    if _installed is None or _listening:
        return
    _listening = True
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    note = _installed  # later installs only change where its note goes, so these stay right
    event.listen(Engine, "before_cursor_execute", note._before)
    event.listen(Engine, "after_cursor_execute", note._after_execute)
    event.listen(Engine, "handle_error", note._on_error)


@contextmanager
def timed_statement() -> Iterator[None]:
    """Plain ``sqlite3`` work timed by the installed note, if any."""
    if _installed is None:
        yield
        return
    with _installed.timing():
        yield
