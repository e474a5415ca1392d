"""Finding image files that have no row: the pending journal, and a throttled scan of the whole gallery.

A run that saves images first writes their paths to a small journal entry (``pending-images/*.json``
in the data directory), then the files, then the rows; the entry goes once the rows are committed or
the files removed. A run killed part-way leaves its entry behind, so a later start finds exactly the
files it may have left by reading a handful of entries -- it never has to list the whole gallery.

The full scan (every file under ``images/`` against every row) still runs, but at most once per
:data:`FULL_SWEEP_INTERVAL_S`, remembered by the mtime of a marker file. It catches what no entry names:
leftovers of versions without the journal, files dropped in by hand, and a power cut that lost an
entry (entries are not fsynced: a killed process's writes survive in the page cache; only a power cut
can lose one, and that is what the periodic scan is for).

Only files older than the minimum age go: another process may be between its write and its commit.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import time
from pathlib import Path

from sqlalchemy import bindparam, select, update

from quilltap_tui.db.models import AuditEntry, GeneratedImageRecord, utcnow
from quilltap_tui.paths import FILE_MODE, ensure_dir
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.image_files import FULL_SWEEP_INTERVAL_S as FULL_SWEEP_INTERVAL_S  # known from here
from quilltap_tui.services.image_files import JOURNAL_DIR as JOURNAL_DIR
from quilltap_tui.services.image_files import MARKER as MARKER
from quilltap_tui.services.image_files import journal_add as journal_add
from quilltap_tui.services.image_files import journal_done as journal_done
from quilltap_tui.services.image_limits import PENDING, PENDING_TTL

MIN_AGE_S = 600.0
# What a journal entry may name; anything else in one is ignored, never deleted.
_IMAGE_PATH = re.compile(r"images/\d{4}/\d{2}/[0-9a-f]{32}\.[a-z]{3,4}")


def sweep_orphans(ctx: AppContext, *, min_age_s: float = MIN_AGE_S, full: bool | None = None) -> list[Path]:
    """Remove image files without a row left by killed runs; returns what was removed.

    Reads the pending journal (cheap: only runs that did not finish have entries). The full scan of
    the gallery runs when ``full`` is true, or when ``full`` is ``None`` and the last one is older than
    :data:`FULL_SWEEP_INTERVAL_S` (or never happened).
    """
    from quilltap_tui.db.engine import is_read_only
    from quilltap_tui.services.settle import settle_leftovers

    if ctx.db.is_sqlite and is_read_only(ctx.db.engine):
        return []  # a read-only home: nothing can be removed or settled, and reading must still work
    settle_leftovers(ctx)  # replies and reservations a killed run left open, when no other run is alive
    removed = _sweep_journal(ctx, min_age_s)
    if full or (full is None and _full_sweep_due(ctx)):
        removed += _sweep_everything(ctx, min_age_s)
    return removed


def _sweep_journal(ctx: AppContext, min_age_s: float) -> list[Path]:
    try:
        entries = [Path(e.path) for e in os.scandir(ctx.paths.data / JOURNAL_DIR) if e.name.endswith(".json")]
    except FileNotFoundError:
        return []
    if not entries:
        return []
    cutoff = time.time() - min_age_s
    listed = {entry: _read_entry(entry) for entry in entries}
    known = _rows_among(ctx, {rel for paths in listed.values() for rel in paths})
    removed: list[Path] = []
    for entry, paths in listed.items():
        left = False
        for rel in paths:
            path = ctx.paths.data / rel
            if rel in known or not path.exists():
                continue
            if path.stat().st_mtime <= cutoff:
                path.unlink(missing_ok=True)
                removed.append(path)
            else:
                left = True  # fresh: its run may be about to commit it
        if not left and (_mtime(entry) <= cutoff or (paths and paths <= known)):
            entry.unlink(missing_ok=True)
    return removed


def _read_entry(entry: Path) -> set[str]:
    # An entry cut short by a kill while it was written names nothing: its run wrote no image yet.
    try:
        paths = json.loads(entry.read_bytes())
    except (OSError, ValueError):
        return set()
    if not isinstance(paths, list):
        return set()
    return {p for p in paths if isinstance(p, str) and _IMAGE_PATH.fullmatch(p)}


def _rows_among(ctx: AppContext, paths: set[str]) -> set[str]:
    if not paths:
        return set()
    column = GeneratedImageRecord.__table__.c.file_path  # type: ignore[attr-defined]
    stmt = select(column).where(column.in_(bindparam("paths", expanding=True)))
    with ctx.db.engine.connect() as conn:
        return {str(p) for p in conn.execute(stmt, {"paths": sorted(paths)}).scalars()}


def _full_sweep_due(ctx: AppContext) -> bool:
    marker = ctx.paths.data / JOURNAL_DIR / MARKER
    return time.time() - _mtime(marker) >= FULL_SWEEP_INTERVAL_S


def _sweep_everything(ctx: AppContext, min_age_s: float) -> list[Path]:
    """Every file under ``images/`` against every row; stale reservations in the audit log are closed."""
    root = ctx.paths.images
    cutoff = time.time() - min_age_s
    _touch(ensure_dir(ctx.paths.data / JOURNAL_DIR) / MARKER)  # first: a concurrent start skips the scan
    _close_stale_reservations(ctx)
    if not root.exists():
        return []
    with ctx.db.engine.connect() as conn:
        known = set(conn.execute(select(GeneratedImageRecord.__table__.c.file_path)).scalars())  # type: ignore[attr-defined]
    removed: list[Path] = []
    for path in root.rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(ctx.paths.data).as_posix()
        if rel not in known and path.stat().st_mtime <= cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed


def _close_stale_reservations(ctx: AppContext) -> None:
    """A ``pending`` audit row older than the reservation lifetime belongs to a run that died."""
    audit = AuditEntry.__table__.c  # type: ignore[attr-defined]
    stmt = (
        update(AuditEntry)
        .where(audit.outcome == PENDING, audit.created_at < bindparam("stale"))
        .values(outcome="interrupted", image_count=0,
                error_message="The run stopped before it finished (killed or crashed).")
    )
    with ctx.db.engine.begin() as conn:
        conn.execute(stmt, {"stale": utcnow() - PENDING_TTL})


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def _touch(path: Path) -> None:
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, FILE_MODE))
    os.utime(path)
