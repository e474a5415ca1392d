"""The turn loop's store (:class:`~quilltap_tui.chat.store.TurnStore`) over the SQLite file with plain ``sqlite3``.

``ask`` spent about a third of a cold run importing SQLAlchemy, sqlmodel and the models to write a
handful of rows. When the database is the SQLite file at the current schema (see
:func:`quilltap_tui.services.plain_reads.connect`), this store writes the same rows as
:class:`~quilltap_tui.services.chat_turn_store.SqlTurnStore` without them: the same columns, the
same JSON text (``json.dumps``, as SQLAlchemy's JSON type writes it), the same timestamps (UTC,
``YYYY-MM-DD HH:MM:SS.ffffff`` as its SQLite ``DATETIME`` stores them), every written string through
the redactor (as :mod:`quilltap_tui.db.scrub` does for the engine), and the engine's pragmas.
tests/services/test_plain_turn.py holds both stores' rows equal.

One short transaction per call, taken with ``BEGIN IMMEDIATE`` (the write lock up front: a deferred
transaction that reads and then writes fails instead of waiting when another process wrote between).
The turn loop calls the store from several threads; one lock serialises them on the one connection.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from quilltap_tui.chat.history import title_from
from quilltap_tui.chat.store import Conversation, NewMessage, StoredCall, StoredMessage
from quilltap_tui.db.failures import timed_statement
from quilltap_tui.errors import NotFound
from quilltap_tui.services.plain_sqlite import as_json, immediate, new_id, scrubbed, stamp, writable
from quilltap_tui.tools.call import ToolCallRequest

__all__ = ["PlainTurnStore", "as_json", "immediate", "new_id", "stamp"]  # plain_chat imports these from here


class PlainTurnStore:
    """Stores a chat's turns in the ``message`` and ``tool_call`` tables of the SQLite file.

    ``conn`` comes from :func:`quilltap_tui.services.plain_reads.connect` (the file at the current schema);
    it is opened for use from several threads and this store owns it from then on.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = writable(conn)
        self._lock = threading.Lock()

    def close(self) -> None:
        with self._lock:
            self.conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock, immediate(self.conn) as conn:
            yield conn

    def _run(self, conn: sqlite3.Connection, sql: str, values: Sequence[Any]) -> sqlite3.Cursor:
        return conn.execute(sql, scrubbed(values))

    def add_message(self, chat_id: str, message: NewMessage) -> str:
        row_id, now = new_id(), stamp()
        with self._write() as conn:
            chat = conn.execute("SELECT title FROM chat WHERE id = ?", (chat_id,)).fetchone()
            if chat is None:
                raise NotFound("chat", chat_id)
            (seq,) = conn.execute("SELECT coalesce(max(seq), 0) FROM message WHERE chat_id = ?", (chat_id,)).fetchone()
            self._run(conn, "INSERT INTO message (id, chat_id, seq, role, content, status, error, model,"
                      " provider_data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (row_id, chat_id, int(seq) + 1, message.role, message.content, message.status, message.error,
                       message.model, as_json(dict(message.provider_data)), now))
            title = chat[0]
            if message.role == "user" and title == "New chat" and message.content.strip():
                title = title_from(message.content)
            self._run(conn, "UPDATE chat SET title = ?, updated_at = ? WHERE id = ?", (title, stamp(), chat_id))
        return row_id

    def add_tool_call(self, chat_id: str, message_id: str, call: ToolCallRequest, raw_arguments: str | None) -> str:
        row_id, now = new_id(), stamp()
        with self._write() as conn:
            self._run(conn, "INSERT INTO tool_call (id, chat_id, message_id, call_id, name, arguments, raw_arguments,"
                      " status, result, error, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                      (row_id, chat_id, message_id, call.id, call.name, as_json(dict(call.arguments)), raw_arguments,
                       "pending", as_json({}), None, now, None))
        return row_id

    def set_call_status(self, row_id: str, status: str) -> None:
        with self._write() as conn:
            self._run(conn, "UPDATE tool_call SET status = ? WHERE id = ?", (status, row_id))

    def finish_call(self, row_id: str, status: str, result: Mapping[str, Any], error: str | None) -> None:
        with self._write() as conn:
            self._run(conn, "UPDATE tool_call SET status = ?, result = ?, error = ?, finished_at = ? WHERE id = ?",
                      (status, as_json(dict(result)), error, stamp(), row_id))

    def close_open_calls(self, message_id: str, states: Sequence[str], status: str, reason: str) -> None:
        with self._write() as conn:
            self._run(conn, "UPDATE tool_call SET status = ?, error = ?, finished_at = ?, result = ?"
                      " WHERE message_id = ? AND status IN (SELECT value FROM json_each(?))",
                      (status, reason, stamp(), as_json({"error": reason}), message_id, json.dumps(list(states))))

    def set_message_status(self, message_id: str, status: str) -> None:
        with self._write() as conn:
            self._run(conn, "UPDATE message SET status = ? WHERE id = ?", (status, message_id))

    def finish_message(
        self, message_id: str, content: str, status: str, error: str | None, provider_data: Mapping[str, Any]
    ) -> None:
        with self._write() as conn:
            self._run(conn, "UPDATE message SET content = ?, status = ?, error = ?, provider_data = ? WHERE id = ?",
                      (content, status, error, as_json(dict(provider_data)), message_id))

    def conversation(self, chat_id: str) -> Conversation:
        with self._lock, timed_statement():
            messages = self.conn.execute(
                "SELECT id, role, content, status, provider_data, error FROM message WHERE chat_id = ? ORDER BY seq",
                (chat_id,)).fetchall()
            calls = self.conn.execute(
                "SELECT id, message_id, call_id, name, arguments, raw_arguments, status, result, error FROM tool_call"
                " WHERE chat_id = ? ORDER BY created_at, id", (chat_id,)).fetchall()
        return Conversation(
            [StoredMessage(m_id, role, content, status, _object(data), error)
             for m_id, role, content, status, data, error in messages],
            [StoredCall(c_id, message_id, call_id, name, _object(arguments), raw, status, _object(result), error)
             for c_id, message_id, call_id, name, arguments, raw, status, result, error in calls],
        )


def _object(stored: str | None) -> dict[str, Any]:
    value = json.loads(stored) if stored else None
    return dict(value or {})
