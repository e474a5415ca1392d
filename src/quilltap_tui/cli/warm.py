"""``ask`` starts importing its chat stack and the provider's SDK at once, in a thread.

Measured cold, ``ask`` spent most of its time importing: the database stack first, then (only when
the request was about to leave) the provider SDK, one after the other on the critical path. The
thread below starts the SDK import while the main thread opens the database. Which SDK is read
from the SQLite file with the standard library (a read-only peek, no ORM); with
``QUILLTAP_DATABASE_URL`` or any doubt only the provider-independent part is warmed. The import
lock in :mod:`quilltap_tui.lazy_imports` keeps the two threads from seeing a half-imported module.
"""

from __future__ import annotations

import argparse
import sqlite3
import threading
from collections.abc import Mapping
from contextlib import closing

from quilltap_tui.lazy_imports import import_once

# Imported by every turn whatever the provider: the turn service and the HTTP stack under it.
TURN_MODULES = ("quilltap_tui.services.chat_turn", "quilltap_tui.chat.registry", "httpx2")


def start_ask_warmup(ns: argparse.Namespace, environ: Mapping[str, str]) -> threading.Thread:
    """Start warming ``ask``'s imports in a daemon thread; the command never waits for it."""
    thread = threading.Thread(target=_warm, args=(ns, dict(environ)), name="ask-warmup", daemon=True)
    thread.start()
    return thread


def _warm(ns: argparse.Namespace, environ: dict[str, str]) -> None:
    provider = peek_chat_provider(ns, environ)
    sdk = _sdk_module(provider) if provider else None
    import_once(*([sdk] if sdk else []), *TURN_MODULES)  # the SDK first: it is the biggest


def peek_chat_provider(ns: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """The chat provider ``ask`` will talk to, read from the SQLite file; None when unsure."""
    if environ.get("QUILLTAP_DATABASE_URL"):
        return None
    from quilltap_tui import paths

    try:
        database = paths.resolve(dict(environ)).database
        if not database.exists():
            return None
        with _read_only(str(database)) as conn:
            row = conn.execute(*_provider_query(ns)).fetchone()
    except (OSError, sqlite3.Error):  # locked, missing table, unreadable: the command says why, not us
        return None
    return str(row[0]) if row else None


def _provider_query(ns: argparse.Namespace) -> tuple[str, tuple[str, ...]]:
    if ns.chat_profile:
        return "SELECT provider FROM chat_profile WHERE name = ?", (ns.chat_profile,)
    if ns.chat:
        return ("SELECT p.provider FROM chat c JOIN chat_profile p ON p.id = c.chat_profile_id "
                "WHERE c.id LIKE ? ESCAPE '\\' LIMIT 2", (_prefix(ns.chat),))
    return "SELECT provider FROM chat_profile WHERE is_default = 1", ()


def _prefix(chat: str) -> str:
    return chat.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _read_only(path: str) -> closing[sqlite3.Connection]:
    from urllib.parse import quote

    return closing(sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=0.2))


def _sdk_module(provider: str) -> str | None:
    from quilltap_tui.providers.registry import registry

    unit = registry().units["chat"].get(provider)
    return unit.chat.sdk_module if unit is not None and unit.chat is not None else None
