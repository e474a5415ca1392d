"""Writing the SQLite file with plain ``sqlite3`` exactly as the engine writes it (no ORM imported).

Shared by the plain stores (:mod:`services.plain_turn_store` for ``ask``'s turn,
:mod:`services.plain_generation_store` for ``generate`` and ``edit``): the same ids, the same JSON text
(``json.dumps``, as SQLAlchemy's JSON type writes it), the same timestamps (UTC,
``YYYY-MM-DD HH:MM:SS.ffffff`` as its SQLite ``DATETIME`` stores them), every written string through the
redactor (as :mod:`quilltap_tui.db.scrub` does for the engine), and the engine's pragmas.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from typing import Any

from quilltap_tui.db.failures import timed_statement
from quilltap_tui.redaction import known_count, redact
from quilltap_tui.services import plain_reads, settle
from quilltap_tui.services.context import AppContext

# As db.engine.SQLITE_PRAGMAS for a connection that writes (the journal mode is the file's, already WAL).
_PRAGMAS = ("PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL")


def open_for_run(ctx: AppContext) -> sqlite3.Connection | None:
    """A read-write connection (for several threads) for a run that opens rows, or None when the ORM path must
    run: the database is not the SQLite file at the current schema, or the sweep of killed runs' leftovers
    has work (:func:`plain_reads.nothing_to_sweep`), which only the ORM path does.

    The look is read-only (see :func:`plain_reads.connect`). The run holds the shared lock every run holds
    (services/settle.py) from here: a process starting meanwhile must not settle its open rows (a streaming
    reply, a pending reservation) as a killed run's leftovers.
    """
    look = plain_reads.connect(ctx)
    if look is None:
        return None
    with closing(look):
        if not plain_reads.nothing_to_sweep(ctx, look):
            return None
    conn = plain_reads.connect(ctx, threads=True, write=True)
    if conn is None:
        return None
    settle.hold_run_lock(ctx)
    return conn


def new_id() -> str:
    """A row id as ``db.models.new_id`` makes them."""
    return uuid.uuid4().hex


def stamp(when: datetime | None = None) -> str:
    """``when`` (now by default) as SQLAlchemy's SQLite ``DATETIME`` stores a ``UTCDateTime``."""
    value = (when or datetime.now(UTC)).astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M:%S.") + f"{value.microsecond:06d}"


def as_json(value: Any) -> str:
    """A JSON column's text, as SQLAlchemy's JSON type serialises it."""
    return json.dumps(value)


def writable(conn: sqlite3.Connection) -> sqlite3.Connection:
    """Prepare a connection from :func:`plain_reads.connect` for writing: explicit transactions, the pragmas."""
    conn.isolation_level = None  # transactions begin where this module says, never implicitly
    for pragma in _PRAGMAS:
        conn.execute(pragma)
    return conn


@contextmanager
def immediate(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """One write transaction: committed when the block ends, rolled back (nothing half-written) on any error.

    ``BEGIN IMMEDIATE`` takes the write lock up front: a deferred transaction that reads and then writes
    fails instead of waiting when another process wrote between.
    """
    with timed_statement():
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def scrubbed(values: Sequence[Any]) -> tuple[Any, ...]:
    """Every string of a write's parameters through the process's redactor (``db.scrub``'s rule)."""
    if not known_count():
        return tuple(values)
    return tuple(redact(v) if isinstance(v, str) else v for v in values)
