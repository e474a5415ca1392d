"""Storage: the engine (SQLite with WAL and foreign keys, or any SQLAlchemy URL), models and migrations.

Importing this package stays cheap: alembic is loaded only when a schema actually has to change.
"""

from quilltap_tui.db.engine import Database, open_database, sqlite_url
from quilltap_tui.db.migrations import CURRENT_VERSION, migrate, schema_version

__all__ = ["CURRENT_VERSION", "Database", "migrate", "open_database", "schema_version", "sqlite_url"]
