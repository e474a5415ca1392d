"""A :class:`~quilltap_tui.chat.store.TurnStore` kept in dicts: the turn loop runs on it with no database."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from quilltap_tui.chat.history import title_from
from quilltap_tui.chat.store import Conversation, NewMessage, StoredCall, StoredMessage
from quilltap_tui.errors import NotFound
from quilltap_tui.tools.call import ToolCallRequest


@dataclass
class MemoryTurnStore:
    """Chats by id (their titles), messages and calls in the order they were added."""

    titles: dict[str, str] = field(default_factory=dict)
    messages: dict[str, tuple[str, StoredMessage]] = field(default_factory=dict)  # id -> (chat id, message)
    calls: dict[str, tuple[str, StoredCall]] = field(default_factory=dict)  # id -> (chat id, call)
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def new_chat(self, chat_id: str = "chat-1") -> str:
        self.titles[chat_id] = "New chat"
        return chat_id

    def add_message(self, chat_id: str, message: NewMessage) -> str:
        if chat_id not in self.titles:
            raise NotFound("chat", chat_id)
        row_id = f"m{next(self._ids)}"
        self.messages[row_id] = (chat_id, StoredMessage(row_id, message.role, message.content, message.status,
                                                         dict(message.provider_data), message.error))
        if message.role == "user" and self.titles[chat_id] == "New chat" and message.content.strip():
            self.titles[chat_id] = title_from(message.content)
        return row_id

    def add_tool_call(self, chat_id: str, message_id: str, call: ToolCallRequest, raw_arguments: str | None) -> str:
        row_id = f"c{next(self._ids)}"
        self.calls[row_id] = (chat_id, StoredCall(row_id, message_id, call.id, call.name, dict(call.arguments),
                                                  raw_arguments))
        return row_id

    def set_call_status(self, row_id: str, status: str) -> None:
        self._call(row_id, status=status)

    def finish_call(self, row_id: str, status: str, result: Mapping[str, Any], error: str | None) -> None:
        self._call(row_id, status=status, result=dict(result), error=error)

    def close_open_calls(self, message_id: str, states: Sequence[str], status: str, reason: str) -> None:
        for row_id, (_, call) in list(self.calls.items()):
            if call.message_id == message_id and call.status in states:
                self._call(row_id, status=status, result={"error": reason}, error=reason)

    def set_message_status(self, message_id: str, status: str) -> None:
        chat_id, message = self.messages[message_id]
        self.messages[message_id] = (chat_id, replace(message, status=status))

    def finish_message(
        self, message_id: str, content: str, status: str, error: str | None, provider_data: Mapping[str, Any]
    ) -> None:
        chat_id, message = self.messages[message_id]
        self.messages[message_id] = (chat_id, replace(message, content=content, status=status, error=error,
                                                      provider_data=dict(provider_data)))

    def conversation(self, chat_id: str) -> Conversation:
        return Conversation([m for c, m in self.messages.values() if c == chat_id],
                            [k for c, k in self.calls.values() if c == chat_id])

    def _call(self, row_id: str, **changes: Any) -> None:
        chat_id, call = self.calls[row_id]
        self.calls[row_id] = (chat_id, replace(call, **changes))
