"""The turn loop's store (:class:`~quilltap_tui.chat.store.TurnStore`) over the app's database.

One short transaction per call; the loop runs each in a thread. Messages get the next ``seq`` of
their chat, and the chat's ``updated_at`` moves with every new message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select

from quilltap_tui.chat.history import title_from
from quilltap_tui.chat.store import Conversation, NewMessage, StoredCall, StoredMessage
from quilltap_tui.db.engine import Database
from quilltap_tui.db.models import Chat, Message, ToolCall, utcnow
from quilltap_tui.errors import NotFound
from quilltap_tui.tools.call import ToolCallRequest


class SqlTurnStore:
    """Stores a chat's turns in ``db``'s ``message`` and ``tool_call`` tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add_message(self, chat_id: str, message: NewMessage) -> str:
        with self.db.session() as session:
            chat = session.get(Chat, chat_id)
            if chat is None:
                raise NotFound("chat", chat_id)
            seq = session.exec(
                select(func.coalesce(func.max(Message.seq), 0)).where(Message.chat_id == chat_id)
            ).one()
            row = Message(chat_id=chat_id, seq=int(seq) + 1, role=message.role, content=message.content,
                          status=message.status, error=message.error, model=message.model,
                          provider_data=dict(message.provider_data))
            session.add(row)
            if message.role == "user" and chat.title == "New chat" and message.content.strip():
                chat.title = title_from(message.content)
            chat.updated_at = utcnow()
            session.add(chat)
            session.commit()
            return row.id

    def add_tool_call(self, chat_id: str, message_id: str, call: ToolCallRequest, raw_arguments: str | None) -> str:
        row = ToolCall(chat_id=chat_id, message_id=message_id, call_id=call.id, name=call.name,
                       arguments=dict(call.arguments), raw_arguments=raw_arguments, status="pending")
        with self.db.session() as session:
            session.add(row)
            session.commit()
            return row.id

    def set_call_status(self, row_id: str, status: str) -> None:
        with self.db.session() as session:
            row = session.get(ToolCall, row_id)
            if row is not None:
                row.status = status
                session.add(row)
                session.commit()

    def finish_call(self, row_id: str, status: str, result: Mapping[str, Any], error: str | None) -> None:
        with self.db.session() as session:
            row = session.get(ToolCall, row_id)
            if row is None:
                return
            row.status, row.result, row.error, row.finished_at = status, dict(result), error, utcnow()
            session.add(row)
            session.commit()

    def close_open_calls(self, message_id: str, states: Sequence[str], status: str, reason: str) -> None:
        with self.db.session() as session:
            stmt = select(ToolCall).where(ToolCall.message_id == message_id, col(ToolCall.status).in_(states))
            for row in session.exec(stmt).all():
                row.status, row.error, row.finished_at = status, reason, utcnow()
                row.result = {"error": reason}
                session.add(row)
            session.commit()

    def set_message_status(self, message_id: str, status: str) -> None:
        with self.db.session() as session:
            row = session.get(Message, message_id)
            if row is not None:
                row.status = status
                session.add(row)
                session.commit()

    def finish_message(
        self, message_id: str, content: str, status: str, error: str | None, provider_data: Mapping[str, Any]
    ) -> None:
        with self.db.session() as session:
            row = session.get(Message, message_id)
            if row is None:
                return
            row.content, row.status, row.error, row.provider_data = content, status, error, dict(provider_data)
            session.add(row)
            session.commit()

    def conversation(self, chat_id: str) -> Conversation:
        with self.db.session() as session:
            messages = session.exec(select(Message).where(Message.chat_id == chat_id).order_by(col(Message.seq))).all()
            calls = session.exec(
                select(ToolCall).where(ToolCall.chat_id == chat_id).order_by(col(ToolCall.created_at), col(ToolCall.id))
            ).all()
            return Conversation(
                [StoredMessage(m.id, m.role, m.content, m.status, dict(m.provider_data or {}), m.error)
                 for m in messages],
                [StoredCall(c.id, c.message_id, c.call_id, c.name, dict(c.arguments), c.raw_arguments, c.status,
                            dict(c.result or {}), c.error) for c in calls],
            )
