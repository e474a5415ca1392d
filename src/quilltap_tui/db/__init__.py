"""Storage: the engine (SQLite with WAL and foreign keys, or any SQLAlchemy URL), models and migrations.

Importing this package stays cheap: its names load SQLAlchemy only when first used (``db.failures``,
imported by every command, and the plain-``sqlite3`` listings need none of it), and alembic is loaded
only when a schema actually has to change.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from quilltap_tui.db.engine import Database, open_database, sqlite_url
    from quilltap_tui.db.migrations import CURRENT_VERSION, migrate, schema_version

__all__ = ["CURRENT_VERSION", "Database", "migrate", "open_database", "schema_version", "sqlite_url"]
_WHERE = {"Database": "engine", "open_database": "engine", "sqlite_url": "engine",
          "CURRENT_VERSION": "migrations", "migrate": "migrations", "schema_version": "migrations"}


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"quilltap_tui.db.{_WHERE[name]}"), name)
