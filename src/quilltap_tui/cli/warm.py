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
import sys
import threading
from collections.abc import Mapping
from contextlib import closing

from quilltap_tui.lazy_imports import import_once, pause_collections, resume_collections

# Imported by every turn whatever the provider: the turn loop, the provider registry and the HTTP stack
# under them, down to what the first request loads on first use (httpx2 imports its connection pool and
# anyio its asyncio backend only then). Which turn service (services.plain_chat on the SQLite file at the
# current schema, else services.chat_turn with the ORM) is the main thread's choice: warming the ORM here
# would cost a plain run a third of its time.
TURN_MODULES = ("quilltap_tui.chat.loop", "quilltap_tui.chat.registry", "httpx2", "httpcore2",
                "anyio._backends._asyncio")
# What an SDK imports only when its first chat request is made (openai loads its chat resources then).
SDK_FIRST_REQUEST = {"openai": ("openai.resources.chat.completions.completions",)}


def start_ask_warmup(ns: argparse.Namespace, environ: Mapping[str, str]) -> threading.Thread:
    """Start warming ``ask``'s imports in a daemon thread; the command never waits for it.

    In a cold process the garbage collector rests until these imports are done (see
    :func:`~quilltap_tui.lazy_imports.pause_collections`): the main thread's imports meanwhile are spared
    it too. A process that already ran a turn (tests run the CLI in-process) has nothing left to import.
    """
    cold = "quilltap_tui.chat.loop" not in sys.modules
    if cold:
        pause_collections()
    thread = threading.Thread(target=_warm, args=(ns, dict(environ), cold), name="ask-warmup", daemon=True)
    try:
        thread.start()
    except BaseException:
        if cold:
            resume_collections()
        raise
    return thread


def _warm(ns: argparse.Namespace, environ: dict[str, str], cold: bool = False) -> None:
    try:
        provider = peek_chat_provider(ns, environ)
        sdk = _sdk_module(provider) if provider else None
        sdk_modules = (sdk, *SDK_FIRST_REQUEST.get(sdk, ())) if sdk else ()
        import_once(*sdk_modules, *TURN_MODULES)  # the SDK first: it is the biggest
    finally:
        if cold:
            resume_collections()


def peek_chat_provider(ns: argparse.Namespace, environ: Mapping[str, str]) -> str | None:
    """The chat provider ``ask`` will talk to, read from the SQLite file; None when unsure."""
    row = _peek(environ, *_profile_query(ns, chat=True))
    return str(row[0]) if row else None


def start_vault_key(ns: argparse.Namespace, environ: Mapping[str, str], *, chat: bool) -> threading.Thread | None:
    """Start deriving the file vault's key in a thread when the command's profile keeps its key there.

    ``chat``: the profile is ``ask``'s chat profile, else ``generate``/``edit``'s image profile. Only with
    the passphrase in the environment (else the vault asks for it later, when the key is read).
    """
    from quilltap_tui.secrets.file_vault import PASSPHRASE_ENV

    passphrase = environ.get(PASSPHRASE_ENV)
    if not passphrase or peek_key_backend(ns, environ, chat=chat) != "file":
        return None
    from quilltap_tui import paths
    from quilltap_tui.secrets.file_format import derive_ahead

    return derive_ahead(paths.resolve(dict(environ)).vault_file, passphrase)


def peek_key_backend(ns: argparse.Namespace, environ: Mapping[str, str], *, chat: bool) -> str | None:
    """Where the key of the profile the command will use is kept (``file``, ``keyring``, ``env``); None
    when unsure or when the profile has no key."""
    row = _peek(environ, *_profile_query(ns, chat=chat))
    return str(row[1]) if row and row[1] is not None else None


def _peek(environ: Mapping[str, str], sql: str, args: tuple[str, ...]) -> tuple[object, ...] | None:
    """The first row of a read-only query on the SQLite file; None when unsure."""
    if environ.get("QUILLTAP_DATABASE_URL"):
        return None
    from quilltap_tui import paths

    try:
        database = paths.resolve(dict(environ)).database
        if not database.exists():
            return None
        with _read_only(str(database)) as conn:
            row = conn.execute(sql, args).fetchone()
    except (OSError, sqlite3.Error):  # locked, missing table, unreadable: the command says why, not us
        return None
    return tuple(row) if row else None


# The profile's provider and its key's backend (NULL without a key).
_CHAT_PROFILE = ("SELECT p.provider, k.backend FROM chat_profile p LEFT JOIN api_key k ON k.id = p.api_key_id"
                 " WHERE ")
_IMAGE_PROFILE = ("SELECT p.provider, k.backend FROM image_profile p LEFT JOIN api_key k ON k.id = p.api_key_id"
                  " WHERE ")


def _profile_query(ns: argparse.Namespace, *, chat: bool) -> tuple[str, tuple[str, ...]]:
    if not chat:
        if ns.profile:
            return _IMAGE_PROFILE + "p.name = ?", (ns.profile,)
        return _IMAGE_PROFILE + "p.is_default = 1", ()
    if ns.chat_profile:
        return _CHAT_PROFILE + "p.name = ?", (ns.chat_profile,)
    if ns.chat:
        return ("SELECT p.provider, k.backend FROM chat c JOIN chat_profile p ON p.id = c.chat_profile_id"
                " LEFT JOIN api_key k ON k.id = p.api_key_id WHERE c.id LIKE ? ESCAPE '\\' LIMIT 2",
                (_prefix(ns.chat),))
    return _CHAT_PROFILE + "p.is_default = 1", ()


def _prefix(chat: str) -> str:
    return chat.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _read_only(path: str) -> closing[sqlite3.Connection]:
    from urllib.parse import quote

    return closing(sqlite3.connect(f"file:{quote(path)}?mode=ro", uri=True, timeout=0.2))


def _sdk_module(provider: str) -> str | None:
    from quilltap_tui.errors import Invalid
    from quilltap_tui.providers.registry import chat_unit

    try:
        unit = chat_unit(provider)
    except Invalid:  # a removed plug-in's: the command says so
        return None
    return unit.chat.sdk_module if unit.chat is not None else None
