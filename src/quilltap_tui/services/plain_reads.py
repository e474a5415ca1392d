"""Read-only listings straight from the SQLite file with the standard library's ``sqlite3``.

``keys list`` spent about 95% of a cold run importing SQLAlchemy, sqlmodel and the models to run two
small queries; ``images list``, ``audit``, ``chats list`` and ``chats show`` likewise (about 90%). This path
is taken only when it reads exactly what the ORM path would: the database is the default SQLite file, it
exists, and it is at the schema version this program writes. Anything else (PostgreSQL through
``QUILLTAP_DATABASE_URL``, a fresh home to create, an older schema to migrate) returns ``None`` and the
caller takes the ORM path, which creates or migrates. ``images list`` sweeps leftovers of killed runs first;
it reads here only when that sweep would do nothing (the common case), else the ORM path sweeps and lists.
Each listing's documents equal the ORM path's (tests/services/test_plain_reads.py compares them;
tests/cli/test_chats_show.py for ``chats show``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from quilltap_tui.db.failures import timed_statement
from quilltap_tui.errors import Invalid, NotFound
from quilltap_tui.services.context import AppContext

if TYPE_CHECKING:  # each listing imports its own view: `ask` reads here too and lists nothing
    from quilltap_tui.services.audit_view import AuditView
    from quilltap_tui.services.chat_views import ChatView
    from quilltap_tui.services.gallery_view import GalleryImage
    from quilltap_tui.services.key_view import KeyView
    from quilltap_tui.services.message_views import StoredMessage

# Must equal db.migrations.CURRENT_VERSION (a test holds them together; importing it costs SQLAlchemy).
SCHEMA_VERSION = 3
MIN_ID_PREFIX = 6  # as services.chats.MIN_ID_PREFIX
# Must equal image_sweep's JOURNAL_DIR, MARKER and FULL_SWEEP_INTERVAL_S (held together by the same test).
JOURNAL_DIR = "pending-images"
MARKER = "last-full-sweep"
FULL_SWEEP_INTERVAL_S = 3600.0
_BUSY_TIMEOUT_S = 5.0  # as db.engine's busy timeout; the wait note speaks after a second


def connect(ctx: AppContext, *, threads: bool = False, write: bool = False) -> sqlite3.Connection | None:
    """A connection to the SQLite file at the current schema, or None when the ORM path must run.

    ``threads``: the connection is used from several threads (its user serialises them). ``write``: a
    read-write connection, for a path that writes; every look that may be followed by the ORM path in
    this process is read-only. Closing the last read-write connection to the file checkpoints and deletes
    its ``-wal`` and ``-shm`` files, and a process that then opened the ORM engine made another process's
    reader miss its later writes (seen in tests/hostile/test_settle_after_kill.py); a read-only
    connection never deletes them.
    """
    if ctx.settings.database_url:
        return None
    database = ctx.paths.database
    if not database.is_file():
        return None
    if not write:
        from urllib.parse import quote

        conn = sqlite3.connect(f"file:{quote(str(database))}?mode=ro", uri=True, timeout=_BUSY_TIMEOUT_S,
                               check_same_thread=not threads)
    else:
        conn = sqlite3.connect(str(database), timeout=_BUSY_TIMEOUT_S, check_same_thread=not threads)
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
    from quilltap_tui.services.key_view import KeyView

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


def list_images(
    ctx: AppContext, *, limit: int = 50, offset: int = 0, chat_id: str | None = None
) -> list[GalleryImage] | None:
    """``gallery.page`` without the ORM; None when the ORM path must run: the database is not the plain
    case, or the sweep of killed runs' leftovers has work."""
    conn = connect(ctx)
    if conn is None:
        return None
    with closing(conn), timed_statement():
        if not nothing_to_sweep(ctx, conn):
            return None
        rows = conn.execute(
            "SELECT id, file_path, mime_type, width, height, bytes, sha256, revised_prompt, seed, prompt,"
            " negative_prompt, provider, model, profile_name, used_params, chat_id, message_id, created_at"
            " FROM generated_image WHERE (:chat IS NULL OR chat_id = :chat)"
            " ORDER BY created_at DESC, id LIMIT :limit OFFSET :offset",
            {"chat": chat_id, "limit": limit, "offset": offset},
        ).fetchall()
        parents = _parents(conn, [row[0] for row in rows])
    return [_image_view(ctx, row, parents.get(row[0], [])) for row in rows]


@dataclass(frozen=True)
class KeyReference:
    """Where a stored key's secret is (never the secret): what ``keys.secret_for`` reads before the vault."""

    label: str
    provider: str
    backend: str
    env_var: str | None


def key_reference(ctx: AppContext, key_id: str) -> KeyReference | None:
    """The vault reference of key ``key_id``; None when the ORM path must run (see the module doc).

    Raises :class:`NotFound` for a key that does not exist, as ``keys.secret_for`` does.
    """
    conn = connect(ctx)
    if conn is None:
        return None
    with closing(conn), timed_statement():
        row = conn.execute("SELECT label, provider, backend, env_var FROM api_key WHERE id = ?", (key_id,)).fetchone()
    if row is None:
        raise NotFound("key", key_id)
    return KeyReference(*row)


def list_audit(ctx: AppContext, *, limit: int = 50, profile: str | None = None) -> list[AuditView] | None:
    """``audit.list_entries`` without the ORM; None when the ORM path must run (see the module doc)."""
    from quilltap_tui.services.audit_view import AuditView

    conn = connect(ctx)
    if conn is None:
        return None
    with closing(conn), timed_statement():
        rows = conn.execute(
            "SELECT id, created_at, action, source, profile_name, provider, model, prompt, parameters, outcome,"
            " error_class, error_message, latency_ms, image_ids, chat_id FROM audit_log"
            " WHERE (:profile IS NULL OR profile_name = :profile) ORDER BY id DESC LIMIT :limit",
            {"profile": profile or None, "limit": limit},
        ).fetchall()
    return [
        AuditView(id=row_id, time=_utc(created_at) or datetime.now(UTC), action=action, source=source,
                  profile=profile_name, provider=provider, model=model, prompt=prompt,
                  parameters=_json(parameters) or {}, outcome=outcome, error_class=error_class, error=error,
                  latency_ms=latency_ms, image_ids=tuple(_json(image_ids) or ()), chat_id=chat)
        for (row_id, created_at, action, source, profile_name, provider, model, prompt, parameters, outcome,
             error_class, error, latency_ms, image_ids, chat) in rows
    ]


def list_chats(ctx: AppContext) -> list[ChatView] | None:
    """``chats.list_chats`` without the ORM (one query for the rows and counts, one for the tags); None
    when the ORM path must run (see the module doc)."""
    conn = connect(ctx)
    if conn is None:
        return None
    with closing(conn), timed_statement():
        return _chat_views(conn)


def show_chat(ctx: AppContext, chat_id: str) -> tuple[ChatView, list[StoredMessage]] | None:
    """``chats.get_chat`` and ``chats.get_messages`` (the whole chat) without the ORM, for ``chats show``;
    None when the ORM path must run. A chat that is not there raises as ``chats.find`` does."""
    from quilltap_tui.services.message_views import MessageImage, StoredMessage, StoredToolCall

    conn = connect(ctx)
    if conn is None:
        return None
    with closing(conn), timed_statement():
        found = find_chat(conn, chat_id)
        (view,) = _chat_views(conn, found)
        messages = conn.execute(
            "SELECT id, seq, role, content, status, error, provider_data, model, created_at FROM message"
            " WHERE chat_id = ? ORDER BY seq", (found,)).fetchall()
        calls = conn.execute(
            "SELECT message_id, id, call_id, name, arguments, status, result, error FROM tool_call WHERE chat_id = ?"
            " ORDER BY created_at, id", (found,)).fetchall()
        images = conn.execute(  # image_store.list_images' order
            "SELECT message_id, id, file_path, width, height, mime_type, tool_call_id FROM generated_image"
            " WHERE chat_id = ? ORDER BY created_at DESC, id", (found,)).fetchall()
    calls_of: dict[str, list[StoredToolCall]] = {}
    for message_id, call_row_id, call_id, name, arguments, status, result, error in calls:
        calls_of.setdefault(message_id, []).append(StoredToolCall(
            id=call_row_id, call_id=call_id, name=name, arguments=_json(arguments), status=status,
            result=_json(result), error=error))
    images_of: dict[str, list[MessageImage]] = {}
    for message_id, image_id, file_path, width, height, mime_type, tool_call_id in images:
        images_of.setdefault(message_id, []).append(MessageImage(
            id=image_id, path=ctx.paths.data / file_path, width=width, height=height, mime_type=mime_type,
            tool_call_id=tool_call_id))
    return view, [
        StoredMessage(id=m_id, seq=seq, role=role, content=content, status=status, error=error,
                      note=bool((_json(data) or {}).get("note")), model=model,
                      created_at=_utc(created_at) or datetime.now(UTC),
                      tool_calls=tuple(calls_of.get(m_id, ())), images=tuple(images_of.get(m_id, ())))
        for m_id, seq, role, content, status, error, data, model, created_at in messages
    ]


def find_chat(conn: sqlite3.Connection, chat_id: str) -> str:
    """As ``chats.find``: a chat's id by id or by an unambiguous id prefix of at least six characters."""
    text = (chat_id or "").strip()
    if text and conn.execute("SELECT 1 FROM chat WHERE id = ?", (text,)).fetchone():
        return text
    if len(text) >= MIN_ID_PREFIX:
        # The ORM's startswith: LIKE (case-insensitive for ASCII in SQLite), the text not escaped.
        matches = conn.execute("SELECT id FROM chat WHERE id LIKE ? || '%' LIMIT 2", (text,)).fetchall()
        if len(matches) == 1:
            return str(matches[0][0])
        if matches:
            raise Invalid("chat", f"Chat id {text!r} matches more than one chat; give more characters.")
    raise NotFound("chat", text, f"No chat with id {text!r}; `quilltap-tui chats list` shows them.")


def _chat_views(conn: sqlite3.Connection, chat_id: str | None = None) -> list[ChatView]:
    """The chats' views (one chat's when ``chat_id`` is given), as ``chats`` makes them."""
    from quilltap_tui.services.chat_views import ChatView
    from quilltap_tui.tools.catalogue import image_tool_ids

    rows = conn.execute(
        "SELECT c.id, c.title, cp.name, ip.name, c.enabled_tools, c.show_images, c.created_at, c.updated_at,"
        " (SELECT COUNT(*) FROM message m WHERE m.chat_id = c.id),"
        " (SELECT COUNT(*) FROM tool_call t WHERE t.chat_id = c.id),"
        " (SELECT COUNT(*) FROM generated_image g WHERE g.chat_id = c.id)"
        " FROM chat c LEFT JOIN chat_profile cp ON cp.id = c.chat_profile_id"
        " LEFT JOIN image_profile ip ON ip.id = c.image_profile_id WHERE :chat IS NULL OR c.id = :chat"
        " ORDER BY c.updated_at DESC, c.id",
        {"chat": chat_id},
    ).fetchall()
    tags: dict[str, list[str]] = {}
    for tagged, name in conn.execute(
        "SELECT ct.chat_id, t.name FROM chat_tag ct JOIN tag t ON t.id = ct.tag_id"
        " WHERE :chat IS NULL OR ct.chat_id = :chat",
        {"chat": chat_id},
    ):
        tags.setdefault(tagged, []).append(name)
    image_tools = set(image_tool_ids())
    return [
        ChatView(id=row_id, title=title, chat_profile=chat_profile, image_profile=image_profile,
                 images_enabled=image_profile is not None and bool(image_tools & set(_json(enabled) or [])),
                 show_images=bool(show_images), tags=tuple(sorted(tags.get(row_id, []), key=str.lower)),
                 messages=messages, tool_calls=tool_calls, images=images,
                 created_at=_utc(created_at) or datetime.now(UTC), updated_at=_utc(updated_at) or datetime.now(UTC))
        for (row_id, title, chat_profile, image_profile, enabled, show_images, created_at, updated_at, messages,
             tool_calls, images) in rows
    ]


def nothing_to_sweep(ctx: AppContext, conn: sqlite3.Connection) -> bool:
    """Whether ``image_store.sweep_orphans`` would change nothing: no pending-journal entry, the hourly
    full scan not due, and no row a killed run left open (what ``settle_leftovers`` would settle)."""
    journal = ctx.paths.data / JOURNAL_DIR
    try:
        if any(entry.name.endswith(".json") for entry in os.scandir(journal)):
            return False
        if time.time() - (journal / MARKER).stat().st_mtime >= FULL_SWEEP_INTERVAL_S:
            return False
    except FileNotFoundError:  # no journal directory or marker yet: the full scan has never run
        return False
    open_row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM message WHERE status = 'streaming')"
        " OR EXISTS (SELECT 1 FROM tool_call WHERE status IN ('pending', 'running'))"
        " OR EXISTS (SELECT 1 FROM audit_log WHERE outcome = 'pending')"
    ).fetchone()
    return not open_row[0]


def _parents(conn: sqlite3.Connection, image_ids: list[str]) -> dict[str, list[str]]:
    """As ``image_store.parents_of``: per image, the gallery ids of its reference images, in order."""
    if not image_ids:
        return {}
    found: dict[str, list[str]] = {}
    for image_id, parent in conn.execute(
        "SELECT image_id, input_image_id FROM image_input WHERE image_id IN (SELECT value FROM json_each(?))"
        " AND role = 'image' AND input_image_id IS NOT NULL ORDER BY image_id, position",
        (json.dumps(image_ids),),
    ):
        found.setdefault(image_id, []).append(str(parent))
    return found


def _image_view(ctx: AppContext, row: tuple[Any, ...], inputs: list[str]) -> GalleryImage:
    from quilltap_tui.services.gallery_view import GalleryImage

    (image_id, file_path, mime_type, width, height, size, sha256, revised_prompt, seed, prompt, negative_prompt,
     provider, model, profile_name, used_params, chat_id, message_id, created_at) = row
    return GalleryImage(
        id=image_id, path=ctx.paths.data / file_path, mime_type=mime_type, width=width, height=height,
        bytes=size, sha256=sha256, revised_prompt=revised_prompt, seed=seed, prompt=prompt,
        negative_prompt=negative_prompt, provider=provider, model=model, profile=profile_name,
        used=_json(used_params) or {}, chat_id=chat_id, message_id=message_id,
        created_at=_utc(created_at) or datetime.now(UTC), parents=tuple(inputs),
    )


def _json(stored: str | None) -> Any:
    return None if stored is None else json.loads(stored)


def _utc(stored: str | None) -> datetime | None:
    """A timestamp as ``UTCDateTime`` reads it back: stored naive in UTC, returned aware."""
    if stored is None:
        return None
    value = datetime.fromisoformat(stored)
    return value if value.tzinfo else value.replace(tzinfo=UTC)
