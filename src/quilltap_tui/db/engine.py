"""Opening the database: SQLite by default (WAL, foreign keys, busy timeout), any SQLAlchemy URL otherwise.

The SQLite file lives at ``Paths.database``; its directory is 0700 and the file (and its ``-wal`` and
``-shm`` companions) 0600, because it holds chat history. ``QUILLTAP_DATABASE_URL``
(``Settings.database_url``) names another database, PostgreSQL in particular. Opening migrates the
schema to the current version unless told not to.
"""

from __future__ import annotations

import os
import sqlite3
import weakref
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import StaticPool
from sqlmodel import Session

from quilltap_tui.config import Settings
from quilltap_tui.db import failures, scrub
from quilltap_tui.errors import Invalid, QuilltapError
from quilltap_tui.paths import FILE_MODE, Paths, ensure_dir

BUSY_TIMEOUT_MS = 5000
# Pragmas applied to every new SQLite connection. busy_timeout comes first so that even switching the
# journal mode waits for another process instead of failing with "database is locked".
SQLITE_PRAGMAS = (
    f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}",
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
)
_SQLITE_COMPANIONS = ("-wal", "-shm")
_READ_ONLY: weakref.WeakSet[Engine] = weakref.WeakSet()  # engines opened read-only


class Database:
    """An open database: its URL (password hidden), the SQLAlchemy engine and a session factory."""

    def __init__(self, url: str, engine: Engine) -> None:
        self.url = url
        self.engine = engine

    @property
    def is_sqlite(self) -> bool:
        """True for SQLite, whose locking and file permissions differ from a server database."""
        return self.engine.dialect.name == "sqlite"

    def session(self) -> Session:
        """A new session. Objects stay readable after commit, so callers may return them to the UI."""
        return Session(self.engine, expire_on_commit=False)

    def dispose(self) -> None:
        """Close every pooled connection (the WAL is checkpointed when the last one closes)."""
        self.engine.dispose()

    def __enter__(self) -> Database:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.dispose()

    def __repr__(self) -> str:
        return f"Database({self.url!r})"


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of the SQLite file at ``path`` (made absolute)."""
    return URL.create("sqlite", database=str(path.expanduser().absolute())).render_as_string()


def open_database(paths: Paths, settings: Settings, *, migrate: bool = True) -> Database:
    """Open (creating if needed) the database named by ``settings``, migrated to the current schema.

    Raises :class:`Invalid` (field ``database_url``) for a URL that cannot be used, and
    :class:`QuilltapError` when the database cannot be reached or its schema is newer than this program.
    """
    if settings.database_url:
        url = _parse_url(settings.database_url)
    else:
        url = URL.create("sqlite", database=str(paths.database))
    engine = _create_engine(url)
    db = Database(url.render_as_string(hide_password=True), engine)
    try:
        if migrate and not is_read_only(engine):
            from quilltap_tui.db.migrations import migrate as run_migrations

            run_migrations(engine)
        else:
            _check_connection(engine)
    except SQLAlchemyError as exc:
        db.dispose()
        raise QuilltapError(f"Cannot open the database {db.url}: {_first_line(exc)}") from exc
    except BaseException:
        db.dispose()
        raise
    if db.is_sqlite and not is_read_only(engine):
        _tighten_sqlite_files(url)
    return db


def is_read_only(engine: Engine) -> bool:
    """True when the database was opened read-only (see :func:`read_only_file`)."""
    return engine in _READ_ONLY


def _parse_url(raw: str) -> URL:
    try:
        return make_url(raw)
    except ArgumentError as exc:
        # The URL itself may carry a password, so it is not echoed back.
        raise Invalid(
            "database_url",
            "The database URL is not a valid SQLAlchemy URL (for example postgresql+psycopg://user@host/db).",
        ) from exc


def _create_engine(url: URL) -> Engine:
    try:
        # pre_ping replaces connections a server dropped while the app sat idle.
        sqlite = url.get_backend_name() == "sqlite"
        engine = _sqlite_engine(url) if sqlite else create_engine(url, pool_pre_ping=True)
        scrub.install(engine)  # no key reaches a stored row, whichever code path wrote it
        failures.listen_to_engines()  # the "waiting for the database" note, when a command installed it
        return engine
    except (NoSuchModuleError, ModuleNotFoundError) as exc:
        raise Invalid(
            "database_url",
            f"No database driver for {url.drivername!r} is installed "
            "(for PostgreSQL: pip install 'quilltap-tui[postgres]' and use postgresql+psycopg://).",
        ) from exc
    except ArgumentError as exc:
        raise Invalid("database_url", f"The database URL cannot be used: {_first_line(exc)}") from exc


def _sqlite_engine(url: URL) -> Engine:
    in_memory = url.database in (None, "", ":memory:")
    options: dict[str, Any] = {
        # Workers use the database from their own threads; the pool hands each one its own connection.
        "connect_args": {"check_same_thread": False, "timeout": BUSY_TIMEOUT_MS / 1000},
    }
    if in_memory:
        # One shared connection, otherwise every thread would see its own empty database.
        options["poolclass"] = StaticPool
    elif read_only_file(Path(str(url.database))):
        return _read_only_engine(Path(str(url.database)), options)
    else:
        _create_sqlite_file(Path(str(url.database)))
    engine = create_engine(url, **options)
    event.listen(engine, "connect", _apply_sqlite_pragmas)
    return engine


def read_only_file(path: Path) -> bool:
    """True for an existing database this process may read but not write (a read-only home or file)."""
    return path.exists() and not (os.access(path, os.W_OK) and os.access(path.parent, os.W_OK))


def _read_only_engine(path: Path, options: dict[str, Any]) -> Engine:
    """Open the file read-only and immutable: nothing can write it here, so no lock or -shm file is needed.

    Commands that only read (``images list``, ``keys list``, ``chats list``, ``audit``, ``doctor``) work;
    a write fails with SQLite's "readonly database", which the command line says in one sentence.
    """
    uri = f"file:{quote(str(path.absolute()))}?mode=ro&immutable=1"
    engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True, check_same_thread=False),
                           **{k: v for k, v in options.items() if k != "connect_args"})
    _READ_ONLY.add(engine)
    return engine


def _apply_sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    try:
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
    finally:
        cursor.close()


def _create_sqlite_file(path: Path) -> None:
    # Created here with 0600 before SQLite opens it: SQLite creates its -wal and -shm files with the
    # main file's permissions, so the companions start private too.
    ensure_dir(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_RDWR, FILE_MODE)
    os.close(fd)
    _chmod_private(path)


def _tighten_sqlite_files(url: URL) -> None:
    if url.database in (None, "", ":memory:"):
        return
    main = Path(str(url.database))
    for candidate in (main, *(Path(f"{main}{suffix}") for suffix in _SQLITE_COMPANIONS)):
        _chmod_private(candidate)


def _chmod_private(path: Path) -> None:
    try:
        if path.stat().st_mode & 0o777 != FILE_MODE:
            path.chmod(FILE_MODE)
    except FileNotFoundError:  # a companion file only exists while connections are open
        pass
    except PermissionError:  # a file we do not own (shared install): leave it alone
        pass


def _check_connection(engine: Engine) -> None:
    with engine.connect():
        pass


def _first_line(exc: BaseException) -> str:
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__
