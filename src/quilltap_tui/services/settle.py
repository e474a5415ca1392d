"""Settling what a killed run left open: assistant replies still ``streaming``, audit rows still ``pending``.

A run writes those rows before it calls a provider and finishes them afterwards; SIGKILL in between
leaves them open for good. A row cannot say whether its process still runs, so every process that may
open such rows holds a shared lock on ``running.lock`` for its lifetime. At start-up a process that can
take that lock *exclusively* knows no other run is alive: every open row is then a leftover, settled
at once (replies become ``error`` with what had arrived kept, reservations ``interrupted``). When other
runs are alive nothing is touched; the reservation lifetime settles their leftovers later.

Only for SQLite: a server database may be shared with other machines, whose runs no local lock sees.
"""

from __future__ import annotations

import os
import threading
from datetime import UTC, datetime

from quilltap_tui.paths import FILE_MODE
from quilltap_tui.services.context import AppContext

LOCK_NAME = "running.lock"
REPLY_NOTE = "The app stopped before this reply finished (killed or crashed); what arrived is kept."
RESERVATION_NOTE = "The run stopped before it finished (killed or crashed)."
_held: dict[str, int] = {}  # lock path -> the descriptor this process keeps open (and locked) for its life
_guard = threading.Lock()


def settle_leftovers(ctx: AppContext) -> int:
    """Take this process's shared lock; first, if no other run is alive, settle every open row.

    Returns how many rows were settled.
    """
    try:
        import fcntl
    except ImportError:  # no flock (Windows): leftovers wait for the reservation lifetime
        return 0
    if not ctx.db.is_sqlite:
        return 0
    path = str(ctx.paths.data / LOCK_NAME)
    with _guard:
        if path in _held:
            return 0  # this process is already a run: others may be alive as well, so settle nothing
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            alone = False
        else:
            alone = True
        settled = _settle(ctx) if alone else 0
        fcntl.flock(fd, fcntl.LOCK_SH)  # from exclusive to shared: others may start now
        for old in _held.values():  # a process serves one data directory (tests run many in turn)
            os.close(old)
        _held.clear()
        _held[path] = fd
    return settled


def hold_run_lock(ctx: AppContext) -> None:
    """Hold this process's shared lock (it is a run that opens rows) without settling anything.

    For the plain ``sqlite3`` paths (services/plain_chat.py), which take it after checking that no row is
    open; a start-up holding the exclusive lock for its settling is waited for.
    """
    try:
        import fcntl
    except ImportError:
        return
    path = str(ctx.paths.data / LOCK_NAME)
    with _guard:
        if path in _held:
            return
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
        fcntl.flock(fd, fcntl.LOCK_SH)
        for old in _held.values():
            os.close(old)
        _held.clear()
        _held[path] = fd


def _settle(ctx: AppContext) -> int:
    from sqlalchemy import update  # here: hold_run_lock is used by paths that never load the ORM

    from quilltap_tui.db.models import AuditEntry, Message, ToolCall

    before = datetime.fromtimestamp(ctx.started_at, UTC)
    messages = Message.__table__.c  # type: ignore[attr-defined]
    audit = AuditEntry.__table__.c  # type: ignore[attr-defined]
    calls = ToolCall.__table__.c  # type: ignore[attr-defined]
    with ctx.db.engine.begin() as conn:
        replies = conn.execute(update(Message).where(messages.status == "streaming", messages.created_at < before)
                               .values(status="error", error=REPLY_NOTE)).rowcount
        conn.execute(update(ToolCall).where(calls.status.in_(("pending", "running")), calls.created_at < before)
                     .values(status="error", error=REPLY_NOTE))
        pending = conn.execute(update(AuditEntry).where(audit.outcome == "pending", audit.created_at < before)
                               .values(outcome="interrupted", image_count=0,
                                       error_message=RESERVATION_NOTE)).rowcount
    return int(replies or 0) + int(pending or 0)
