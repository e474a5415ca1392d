"""``doctor``'s database line: where the database is, its schema version, and whether it is usable.

A corrupt, locked or unreadable database is reported, never raised: doctor is what a user runs when
something is wrong. The URL is shown with any password hidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import make_url

from quilltap_tui.db.engine import Database
from quilltap_tui.db.migrations import schema_version
from quilltap_tui.errors import QuilltapError
from quilltap_tui.services.context import AppContext


@dataclass(frozen=True, slots=True)
class DatabaseStatus:
    """Where the database is (password hidden), its schema version, and whether it is usable."""

    url: str
    schema_version: int | str | None  # the version; words when it cannot be read; None when unopened
    status: str  # ``ok``, or ``unusable: ...`` / ``corrupt: ...``

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def as_json(self) -> dict[str, Any]:
        """``doctor --json``'s ``database`` object."""
        return {"url": self.url, "schema_version": self.schema_version, "status": self.status}


def describe(ctx: AppContext) -> DatabaseStatus:
    """The database's line in ``doctor``."""
    try:
        db = ctx.db
    except QuilltapError as exc:  # corrupt, not a database, unreadable: doctor says so and goes on
        target = ctx.settings.database_url or f"sqlite:///{ctx.paths.database}"
        return DatabaseStatus(make_url(target).render_as_string(hide_password=True), None, f"unusable: {exc}")
    url = make_url(db.url).render_as_string(hide_password=True)
    try:
        version: int | str | None = schema_version(db.engine)
        status = _integrity(db)
    except Exception as exc:  # doctor reports problems, it does not stop on them
        version, status = f"unreadable ({type(exc).__name__})", f"unusable: {exc}"
    return DatabaseStatus(url, version, status)


def _integrity(db: Database) -> str:
    """``ok``, or what SQLite's quick check found (other databases check themselves)."""
    if not db.is_sqlite:
        return "ok"
    with db.engine.connect() as conn:
        rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
    return "ok" if rows == ["ok"] else f"corrupt: {'; '.join(rows[:3])}"
