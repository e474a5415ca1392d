"""A chat's stored messages: writing a turn as it happens, and rebuilding the conversation from it.

Every function here is blocking (one short transaction each); the turn loop calls them through
``asyncio.to_thread``. The database is the single source of truth: each request of a turn is built
from what is stored, so what the model sees is exactly what the user can read back.

Layout: a ``user`` message; per model request an ``assistant`` message (``status`` streaming ->
complete | cancelled | error, ``error`` holding the reason) whose tool calls are ``tool_call`` rows
carrying their result; and ``system`` notes for the user (the round limit) that are never sent to
the model. The assistant message's ``provider_data`` keeps what must be replayed: ``replay`` (e.g.
Anthropic thinking blocks), ``calls`` (per call id, e.g. Gemini thought signatures) and
``call_order`` (tool call row ids, in the order the model sent them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from quilltap_tui.caps import clip, current
from quilltap_tui.chat.spec import ChatMessage, ImageBlock, ToolCallRequest, TurnBuilder
from quilltap_tui.db.engine import Database
from quilltap_tui.db.models import Chat, Message, ToolCall, utcnow
from quilltap_tui.errors import NotFound
from quilltap_tui.tools.registry import ToolResult

NOTE_KEY = "note"
TITLE_CHARS = 60
OPEN_CALL_STATES = ("pending", "running")
INTERRUPTED = "The tool call did not finish: it was interrupted."


def add_message(db: Database, chat_id: str, role: str, content: str, **fields: Any) -> str:
    """Append a message at the end of the chat; returns its id. The first user message names the chat."""
    with db.session() as session:
        chat = session.get(Chat, chat_id)
        if chat is None:
            raise NotFound("chat", chat_id)
        seq = session.exec(select(func.coalesce(func.max(Message.seq), 0)).where(Message.chat_id == chat_id)).one()
        row = Message(chat_id=chat_id, seq=int(seq) + 1, role=role, content=content, **fields)
        session.add(row)
        if role == "user" and chat.title == "New chat" and content.strip():
            chat.title = _title(content)
        chat.updated_at = utcnow()
        session.add(chat)
        session.commit()
        return row.id


def add_note(db: Database, chat_id: str, text: str) -> str:
    """A note for the user (shown in the chat, never sent to the model)."""
    return add_message(db, chat_id, "system", text, provider_data={NOTE_KEY: True})


def add_tool_call(db: Database, chat_id: str, message_id: str, call: ToolCallRequest) -> str:
    """Record a call as soon as the model has sent it whole; returns the row id."""
    row = ToolCall(
        chat_id=chat_id,
        message_id=message_id,
        call_id=call.id,
        name=call.name,
        arguments=dict(call.arguments),
        # Unreadable arguments are kept for the record, but never more of them than the cap allows.
        raw_arguments=clip(call.raw_arguments, current().max_tool_argument_bytes)
        if call.parse_error is not None else None,
        status="pending",
    )
    with db.session() as session:
        session.add(row)
        session.commit()
        return row.id


def set_call_status(db: Database, row_id: str, status: str) -> None:
    """Move a call to ``running`` (or another state without a result)."""
    with db.session() as session:
        row = session.get(ToolCall, row_id)
        if row is not None:
            row.status = status
            session.add(row)
            session.commit()


def finish_call(db: Database, row_id: str, result: ToolResult) -> None:
    """Store a call's result: what went back to the model, and the error text for a failure."""
    with db.session() as session:
        row = session.get(ToolCall, row_id)
        if row is None:
            return
        row.status = "ok" if result.ok else "error"
        row.result = dict(result.for_model)
        row.error = result.error
        row.finished_at = utcnow()
        session.add(row)
        session.commit()


def close_open_calls(db: Database, message_id: str, status: str, reason: str) -> None:
    """Give every unfinished call of a message a final state (on cancel or error)."""
    with db.session() as session:
        stmt = select(ToolCall).where(ToolCall.message_id == message_id, col(ToolCall.status).in_(OPEN_CALL_STATES))
        for row in session.exec(stmt).all():
            row.status, row.error, row.finished_at = status, reason, utcnow()
            row.result = {"error": reason}
            session.add(row)
        session.commit()


def set_message_status(db: Database, message_id: str, status: str) -> None:
    """Change a message's status only (its text is already stored)."""
    with db.session() as session:
        row = session.get(Message, message_id)
        if row is not None:
            row.status = status
            session.add(row)
            session.commit()


def finish_assistant(
    db: Database,
    message_id: str,
    builder: TurnBuilder,
    call_rows: Sequence[str],
    *,
    status: str,
    error: str | None = None,
) -> None:
    """Store what a reply stream delivered (all of it, also when it was cut short)."""
    data: dict[str, Any] = {"call_order": list(call_rows)}
    if builder.done is not None and builder.done.provider_data:
        data["replay"] = dict(builder.done.provider_data)
    calls = {c.id: dict(c.provider_data) for c in builder.tool_calls if c.provider_data}
    if calls:
        data["calls"] = calls
    if builder.usage is not None:
        data["usage"] = {"input_tokens": builder.usage.input_tokens, "output_tokens": builder.usage.output_tokens}
    with db.session() as session:
        row = session.get(Message, message_id)
        if row is None:
            return
        row.content, row.status, row.error, row.provider_data = "".join(builder.text), status, error, data
        session.add(row)
        session.commit()


# Given the tool call row ids of a conversation, the images each call made, ready to show the model.
ImageLoader = Callable[[Sequence[str]], dict[str, list[ImageBlock]]]
# Given gallery image ids (a user's attachments), each image ready to show the model.
AttachmentLoader = Callable[[Sequence[str]], dict[str, ImageBlock]]
ATTACHMENTS_KEY = "attachments"


def load_conversation(
    db: Database, chat_id: str, images: ImageLoader | None = None, attached: AttachmentLoader | None = None
) -> list[ChatMessage]:
    """The chat as provider-neutral messages: every call followed by its result, notes left out.

    ``images`` (when the chat shows images to the model) puts the images each successful call made on
    its result message; ``attached`` puts a user's attached images on their message, whose text also
    names their ids (for ``edit_image``). Both run here, in the caller's thread, never on a UI thread.
    """
    with db.session() as session:
        messages = session.exec(
            select(Message).where(Message.chat_id == chat_id).order_by(col(Message.seq))
        ).all()
        calls = _calls_by_message(session, chat_id)
    shown = images([r.id for rows in calls.values() for r in rows if r.status == "ok"]) if images else {}
    ids = [i for m in messages for i in (m.provider_data or {}).get(ATTACHMENTS_KEY, [])]
    pictures = attached(ids) if attached and ids else {}
    out: list[ChatMessage] = []
    for message in messages:
        if message.role == "user":
            out.append(_user(message, pictures))
        elif message.role == "assistant":
            out.extend(_assistant(message, calls.get(message.id, []), shown))
    return out


def _user(message: Message, pictures: dict[str, ImageBlock]) -> ChatMessage:
    ids = list((message.provider_data or {}).get(ATTACHMENTS_KEY, []))
    if not ids:
        return ChatMessage.user(message.content)
    note = f"[Attached images, ids for edit_image: {', '.join(ids)}]"
    text = f"{message.content}\n\n{note}" if message.content else note
    return replace(ChatMessage.user(text), images=tuple(pictures[i] for i in ids if i in pictures))


def _calls_by_message(session: Session, chat_id: str) -> dict[str, list[ToolCall]]:
    rows = session.exec(
        select(ToolCall).where(ToolCall.chat_id == chat_id).order_by(col(ToolCall.created_at), col(ToolCall.id))
    ).all()
    grouped: dict[str, list[ToolCall]] = {}
    for row in rows:
        grouped.setdefault(row.message_id, []).append(row)
    return grouped


def _assistant(
    message: Message, rows: list[ToolCall], shown: dict[str, list[ImageBlock]] | None = None
) -> list[ChatMessage]:
    order = {row_id: n for n, row_id in enumerate(message.provider_data.get("call_order", []))}
    rows = sorted(rows, key=lambda r: order.get(r.id, len(order)))
    if not message.content and not rows:
        return []  # an error before any output: nothing the model said
    per_call = message.provider_data.get("calls", {})
    requests = [
        ToolCallRequest(
            id=row.call_id,
            name=row.name,
            arguments=dict(row.arguments),
            raw_arguments=row.raw_arguments or "",
            parse_error="The arguments were not valid JSON." if row.raw_arguments is not None else None,
            provider_data=dict(per_call.get(row.call_id, {})),
        )
        for row in rows
    ]
    replay = dict(message.provider_data.get("replay", {}))
    out = [ChatMessage(role="assistant", content=message.content, tool_calls=requests, provider_data=replay)]
    for row, request in zip(rows, requests, strict=True):
        text, failed = result_text(row)
        result = ChatMessage.tool_result(request, text, is_error=failed)
        pictures = (shown or {}).get(row.id)
        out.append(replace(result, images=tuple(pictures)) if pictures else result)
    return out


def result_text(row: ToolCall) -> tuple[str, bool]:
    """``(text sent to the model, is_error)`` for a stored call, the same every time it is replayed."""
    if row.status == "ok":
        return json.dumps(row.result, ensure_ascii=False), False
    if row.status in OPEN_CALL_STATES:
        return json.dumps({"error": INTERRUPTED}), True
    return json.dumps(row.result or {"error": row.error or "The tool failed."}, ensure_ascii=False), True


def _title(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= TITLE_CHARS else flat[: TITLE_CHARS - 1] + "…"
