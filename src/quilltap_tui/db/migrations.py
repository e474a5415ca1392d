"""Versioned schema migrations that work on SQLite and PostgreSQL.

The ``schema_version`` table holds one row with the version a database is at. A fresh database is
created from the models (``SQLModel.metadata.create_all``) and stamped :data:`CURRENT_VERSION`; an
older one runs each step of :data:`STEPS` in order inside one transaction, then is stamped. A step is
a function taking an alembic ``Operations`` object (alembic is used standalone: no alembic.ini, no
env.py) and uses ``batch_alter_table`` so the same code works on SQLite, which cannot ALTER much.

Version history:
  1. first schema.
  2. image-profile limits (``max_images_per_call/minute/day``) and ``audit_log.image_count``.
  3. lineage (``image_input``: the reference images an edit was made from) and ``chat.show_images``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlmodel import SQLModel

from quilltap_tui.db import models
from quilltap_tui.errors import QuilltapError

if TYPE_CHECKING:
    from alembic.operations import Operations

CURRENT_VERSION = 3
# Any constant works; it only has to be the same for every quilltap-tui process on the server.
_PG_LOCK_KEY = 0x5175696C6C746170  # "Quilltap"

Step = Callable[["Operations"], None]
_VERSION_TABLE = models.SchemaVersion.__tablename__


def _v1_to_v2(op: Operations) -> None:
    """Add the image-profile limits and the audit log's image count, with defaults for existing rows."""
    with op.batch_alter_table("image_profile") as batch:
        # String defaults (not text()) let SQLite add the columns in place instead of copying the table.
        batch.add_column(sa.Column("max_images_per_call", sa.Integer(), nullable=False, server_default="4"))
        batch.add_column(
            sa.Column("max_images_per_minute", sa.Integer(), nullable=False, server_default="10")
        )
        batch.add_column(sa.Column("max_images_per_day", sa.Integer(), nullable=False, server_default="200"))
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("image_count", sa.Integer(), nullable=False, server_default="0"))


def _v2_to_v3(op: Operations) -> None:
    """Add the lineage table and the per-chat show-images switch (off for existing chats)."""
    op.create_table(
        "image_input",
        sa.Column("image_id", sa.String(), sa.ForeignKey("generated_image.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("position", sa.Integer(), primary_key=True),
        sa.Column("input_image_id", sa.String(), sa.ForeignKey("generated_image.id", ondelete="SET NULL"),
                  nullable=True),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
    )
    op.create_index("ix_image_input_input_image_id", "image_input", ["input_image_id"])
    with op.batch_alter_table("chat") as batch:
        batch.add_column(sa.Column("show_images", sa.Boolean(), nullable=False, server_default=sa.false()))


# STEPS[n] upgrades a database from version n to version n + 1.
STEPS: dict[int, Step] = {1: _v1_to_v2, 2: _v2_to_v3}


def schema_version(engine_or_connection: Engine | Connection) -> int | None:
    """The version recorded in the database, or None when it has no ``schema_version`` table yet."""
    if isinstance(engine_or_connection, Engine):
        with engine_or_connection.connect() as conn:
            return _read_version(conn)
    return _read_version(engine_or_connection)


def migrate(engine: Engine) -> int | None:
    """Bring the database to :data:`CURRENT_VERSION`; return the version it was at (None when new).

    Raises :class:`QuilltapError` for a database newer than this program or one that has this
    program's tables but no version. A failed step rolls everything back.
    """
    found = schema_version(engine)
    if found == CURRENT_VERSION:
        return found  # the common start-up path: no lock, no write
    with _exclusive_transaction(engine) as conn:
        # Read again under the lock: another process may have migrated meanwhile.
        found = _read_version(conn)
        if found is None:
            _create_fresh(conn)
        elif found != CURRENT_VERSION:
            _upgrade(conn, found)
    return found


def _read_version(conn: Connection) -> int | None:
    if not sa.inspect(conn).has_table(_VERSION_TABLE):
        return None
    table = _version_table()
    value = conn.execute(sa.select(table.c.version).where(table.c.id == 1)).scalar()
    if value is None:
        raise QuilltapError("The database has a schema_version table without a version; it is damaged.")
    return int(value)


def _version_table() -> sa.Table:
    return SQLModel.metadata.tables[_VERSION_TABLE]


def _create_fresh(conn: Connection) -> None:
    existing = set(sa.inspect(conn).get_table_names()) & set(SQLModel.metadata.tables)
    if existing:
        raise QuilltapError(
            f"The database has quilltap-tui tables ({', '.join(sorted(existing))}) but no schema "
            "version, so it cannot be upgraded safely; use a new database."
        )
    SQLModel.metadata.create_all(conn)
    conn.execute(_version_table().insert().values(id=1, version=CURRENT_VERSION))


def _upgrade(conn: Connection, found: int) -> None:
    if found > CURRENT_VERSION:
        raise QuilltapError(
            f"database schema version {found} is newer than this quilltap-tui supports "
            f"({CURRENT_VERSION}); upgrade quilltap-tui"
        )
    if found < min(STEPS):
        raise QuilltapError(f"database schema version {found} is not one quilltap-tui ever used.")
    operations = _operations(conn)
    for version in range(found, CURRENT_VERSION):
        STEPS[version](operations)
    table = _version_table()
    conn.execute(table.update().where(table.c.id == 1).values(version=CURRENT_VERSION))


def _operations(conn: Connection) -> Operations:
    # Imported here: alembic costs start-up time and is needed only when a schema actually changes.
    from alembic.migration import MigrationContext
    from alembic.operations import Operations

    return Operations(MigrationContext.configure(conn))


@contextmanager
def _exclusive_transaction(engine: Engine) -> Iterator[Connection]:
    """One transaction that holds the schema lock, committed on success and rolled back on error."""
    with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            with _sqlite_exclusive(conn):
                yield conn
            return
        with conn.begin():
            if conn.dialect.name == "postgresql":
                # Two processes opening a new database at once must not both create the tables.
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
            yield conn


@contextmanager
def _sqlite_exclusive(conn: Connection) -> Iterator[None]:
    # pysqlite runs DDL outside any transaction unless one is opened explicitly, and a table rebuild
    # (batch mode) must be all-or-nothing. BEGIN IMMEDIATE takes the write lock up front so a second
    # process waits (busy_timeout) instead of migrating too. Foreign keys are switched off while tables
    # are rebuilt, because dropping the old copy would otherwise fire ON DELETE actions on its children;
    # the pragma only takes effect outside a transaction, hence before BEGIN.
    conn.exec_driver_sql("PRAGMA foreign_keys = OFF")
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise QuilltapError(f"The schema migration left {len(broken)} broken references; undone.")
        except BaseException:
            conn.rollback()
            raise
        conn.commit()
    finally:
        conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        conn.commit()
