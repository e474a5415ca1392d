"""A chat's stored messages: writing a turn as it happens, and rebuilding the conversation from it.

Every function here writes or reads through a :class:`~quilltap_tui.chat.store.TurnStore` and is
blocking (the store's calls are); the turn loop calls them through ``asyncio.to_thread``. The store is
the single source of truth: each request of a turn is built from what is stored, so what the model
sees is exactly what the user can read back.

Layout: a ``user`` message; per model request an ``assistant`` message (``status`` streaming ->
complete | cancelled | error, ``error`` holding the reason) whose tool calls are stored calls
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

from quilltap_tui.caps import clip, current
from quilltap_tui.chat.spec import ChatMessage, ImageBlock, ToolCallRequest, TurnBuilder
from quilltap_tui.chat.store import NewMessage, StoredCall, StoredMessage, TurnStore
from quilltap_tui.tools.call import ToolResult
from quilltap_tui.tools.catalogue import EDIT_IMAGE

NOTE_KEY = "note"
TITLE_CHARS = 60
OPEN_CALL_STATES = ("pending", "running")
INTERRUPTED = "The tool call did not finish: it was interrupted."


def add_message(store: TurnStore, chat_id: str, role: str, content: str, **fields: Any) -> str:
    """Append a message at the end of the chat; returns its id. The first user message names the chat."""
    return store.add_message(chat_id, NewMessage(role, content, **fields))


def add_note(store: TurnStore, chat_id: str, text: str) -> str:
    """A note for the user (shown in the chat, never sent to the model)."""
    return add_message(store, chat_id, "system", text, provider_data={NOTE_KEY: True})


def add_tool_call(store: TurnStore, chat_id: str, message_id: str, call: ToolCallRequest) -> str:
    """Record a call as soon as the model has sent it whole; returns the row id."""
    # Unreadable arguments are kept for the record, but never more of them than the cap allows.
    raw = clip(call.raw_arguments, current().max_tool_argument_bytes) if call.parse_error is not None else None
    return store.add_tool_call(chat_id, message_id, call, raw)


def set_call_status(store: TurnStore, row_id: str, status: str) -> None:
    """Move a call to ``running`` (or another state without a result)."""
    store.set_call_status(row_id, status)


def finish_call(store: TurnStore, row_id: str, result: ToolResult) -> None:
    """Store a call's result: what went back to the model, and the error text for a failure."""
    store.finish_call(row_id, "ok" if result.ok else "error", dict(result.for_model), result.error)


def close_open_calls(store: TurnStore, message_id: str, status: str, reason: str) -> None:
    """Give every unfinished call of a message a final state (on cancel or error)."""
    store.close_open_calls(message_id, OPEN_CALL_STATES, status, reason)


def set_message_status(store: TurnStore, message_id: str, status: str) -> None:
    """Change a message's status only (its text is already stored)."""
    store.set_message_status(message_id, status)


def finish_assistant(
    store: TurnStore,
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
    store.finish_message(message_id, "".join(builder.text), status, error, data)


# Given the tool call row ids of a conversation, the images each call made, ready to show the model.
ImageLoader = Callable[[Sequence[str]], dict[str, list[ImageBlock]]]
# Given gallery image ids (a user's attachments), each image ready to show the model.
AttachmentLoader = Callable[[Sequence[str]], dict[str, ImageBlock]]
ATTACHMENTS_KEY = "attachments"


def load_conversation(
    store: TurnStore, chat_id: str, images: ImageLoader | None = None, attached: AttachmentLoader | None = None
) -> list[ChatMessage]:
    """The chat as provider-neutral messages: every call followed by its result, notes left out.

    ``images`` (when the chat shows images to the model) puts the images each successful call made on
    its result message; ``attached`` puts a user's attached images on their message, whose text also
    names their ids (for ``edit_image``). Both run here, in the caller's thread, never on a UI thread.
    """
    stored = store.conversation(chat_id)
    messages = stored.messages
    calls: dict[str, list[StoredCall]] = {}
    for call in stored.calls:
        calls.setdefault(call.message_id, []).append(call)
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


def _user(message: StoredMessage, pictures: dict[str, ImageBlock]) -> ChatMessage:
    ids = list((message.provider_data or {}).get(ATTACHMENTS_KEY, []))
    if not ids:
        return ChatMessage.user(message.content)
    note = f"[Attached images, ids for {EDIT_IMAGE}: {', '.join(ids)}]"
    text = f"{message.content}\n\n{note}" if message.content else note
    return replace(ChatMessage.user(text), images=tuple(pictures[i] for i in ids if i in pictures))


def _assistant(
    message: StoredMessage, rows: list[StoredCall], shown: dict[str, list[ImageBlock]] | None = None
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


def result_text(row: StoredCall) -> tuple[str, bool]:
    """``(text sent to the model, is_error)`` for a stored call, the same every time it is replayed."""
    if row.status == "ok":
        return json.dumps(dict(row.result), ensure_ascii=False), False
    if row.status in OPEN_CALL_STATES:
        return json.dumps({"error": INTERRUPTED}), True
    return json.dumps(dict(row.result) or {"error": row.error or "The tool failed."}, ensure_ascii=False), True


def title_from(text: str) -> str:
    """A chat's title from its first user message: one line, at most ``TITLE_CHARS`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= TITLE_CHARS else flat[: TITLE_CHARS - 1] + "…"
