"""``doctor``'s database line: where the database is, its schema version, and whether it is usable.

A corrupt, locked or unreadable database is reported, never raised: doctor is what a user runs when
something is wrong. The URL is shown with any password hidden.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import make_url

from quilltap_tui.db.engine import Database
from quilltap_tui.db.migrations import schema_version
from quilltap_tui.errors import QuilltapError
from quilltap_tui.services.context import AppContext


def describe(ctx: AppContext) -> dict[str, Any]:
    """``{"url", "schema_version", "status"}`` as ``doctor --json`` prints them."""
    try:
        db = ctx.db
    except QuilltapError as exc:  # corrupt, not a database, unreadable: doctor says so and goes on
        target = ctx.settings.database_url or f"sqlite:///{ctx.paths.database}"
        return {"url": make_url(target).render_as_string(hide_password=True), "schema_version": None,
                "status": f"unusable: {exc}"}
    url = make_url(db.url).render_as_string(hide_password=True)
    try:
        version: Any = schema_version(db.engine)
        status = _integrity(db)
    except Exception as exc:  # doctor reports problems, it does not stop on them
        version, status = f"unreadable ({type(exc).__name__})", f"unusable: {exc}"
    return {"url": url, "schema_version": version, "status": status}


def _integrity(db: Database) -> str:
    """``ok``, or what SQLite's quick check found (other databases check themselves)."""
    if not db.is_sqlite:
        return "ok"
    with db.engine.connect() as conn:
        rows = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
    return "ok" if rows == ["ok"] else f"corrupt: {'; '.join(rows[:3])}"
