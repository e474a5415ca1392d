"""Read-only listings straight from the SQLite file with the standard library's ``sqlite3``.

``keys list`` spent about 95% of a cold run importing SQLAlchemy, sqlmodel and the models to run two
small queries. This path is taken only when it reads exactly what the ORM path would: the database
is the default SQLite file, it exists, and it is at the schema version this program writes. Anything
else (PostgreSQL through ``QUILLTAP_DATABASE_URL``, a fresh home to create, an older schema to
migrate) returns ``None`` and the caller takes the ORM path, which creates or migrates.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime

from quilltap_tui.db.failures import timed_statement
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.key_view import KeyView

# Must equal db.migrations.CURRENT_VERSION (a test holds them together; importing it costs SQLAlchemy).
SCHEMA_VERSION = 3
_BUSY_TIMEOUT_S = 5.0  # as db.engine's busy timeout; the wait note speaks after a second


def connect(ctx: AppContext) -> sqlite3.Connection | None:
    """A connection to the SQLite file at the current schema, or None when the ORM path must run."""
    if ctx.settings.database_url:
        return None
    database = ctx.paths.database
    if not database.is_file():
        return None
    conn = sqlite3.connect(str(database), timeout=_BUSY_TIMEOUT_S)
    try:
        with timed_statement():
            row = conn.execute("SELECT version FROM schema_version WHERE id = 1").fetchone()
    except sqlite3.Error:  # no schema table yet: let the ORM path create it
        row = None
    if row is None or row[0] != SCHEMA_VERSION:
        conn.close()
        return None
    return conn


def list_keys(ctx: AppContext) -> list[KeyView] | None:
    """``keys.list_keys`` without the ORM; None when the ORM path must run (see the module doc)."""
    conn = connect(ctx)
    if conn is None:
        return None
    with closing(conn), timed_statement():
        users: dict[str, list[str]] = {}
        for key_id, name in conn.execute(
            "SELECT api_key_id, name FROM image_profile WHERE api_key_id IS NOT NULL"
            " UNION ALL SELECT api_key_id, name FROM chat_profile WHERE api_key_id IS NOT NULL"
        ):
            users.setdefault(key_id, []).append(name)
        rows = conn.execute(
            "SELECT id, label, provider, last4, backend, env_var, valid, validated_at, created_at"
            " FROM api_key ORDER BY label"
        ).fetchall()
    return [
        KeyView(id=key_id, label=label, provider=provider, masked=f"…{last4}", backend=backend, env_var=env_var,
                valid=None if valid is None else bool(valid), validated_at=_utc(validated_at),
                created_at=_utc(created_at) or datetime.now(UTC), used_by=tuple(sorted(users.get(key_id, []))))
        for key_id, label, provider, last4, backend, env_var, valid, validated_at, created_at in rows
    ]


def _utc(stored: str | None) -> datetime | None:
    """A timestamp as ``UTCDateTime`` reads it back: stored naive in UTC, returned aware."""
    if stored is None:
        return None
    value = datetime.fromisoformat(stored)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
