"""The port the turn loop stores a chat through; ``services/`` implements it over the database.

The chat core decides what is stored and when (:mod:`.loop`) and how stored messages become a
conversation (:mod:`.history`); a :class:`TurnStore` only keeps and returns records. Every method is
blocking (one short transaction in the database implementation); the loop calls them in threads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from quilltap_tui.tools.call import ToolCallRequest


@dataclass(frozen=True)
class NewMessage:
    """A message to append at the end of a chat."""

    role: str  # user | assistant | system
    content: str = ""
    status: str = "complete"  # complete | streaming | cancelled | error
    error: str | None = None
    model: str | None = None
    provider_data: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StoredMessage:
    """A stored message, as the conversation is rebuilt from it."""

    id: str
    role: str
    content: str
    status: str = "complete"
    provider_data: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class StoredCall:
    """A stored tool call and its result. ``raw_arguments`` is kept only when they were not valid JSON."""

    id: str
    message_id: str
    call_id: str
    name: str
    arguments: Mapping[str, Any] = field(default_factory=dict)
    raw_arguments: str | None = None
    status: str = "pending"  # pending | running | ok | error | cancelled
    result: Mapping[str, Any] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class Conversation:
    """A chat's messages in order, and its tool calls in the order they were stored."""

    messages: Sequence[StoredMessage]
    calls: Sequence[StoredCall]


class TurnStore(Protocol):
    """Where a turn's messages and tool calls are kept (blocking calls)."""

    def add_message(self, chat_id: str, message: NewMessage) -> str:
        """Append ``message``; returns its id. The first user message names a chat still called "New chat".

        Raises :class:`~quilltap_tui.errors.NotFound` when the chat does not exist.
        """
        ...

    def add_tool_call(self, chat_id: str, message_id: str, call: ToolCallRequest, raw_arguments: str | None) -> str:
        """Record a ``pending`` call of the assistant message ``message_id``; returns the row id."""
        ...

    def set_call_status(self, row_id: str, status: str) -> None:
        """Move a call to a state without a result (``running``)."""
        ...

    def finish_call(self, row_id: str, status: str, result: Mapping[str, Any], error: str | None) -> None:
        """Store a call's final state, the result the model gets, and the error text of a failure."""
        ...

    def close_open_calls(self, message_id: str, states: Sequence[str], status: str, reason: str) -> None:
        """Give every call of ``message_id`` still in one of ``states`` the final ``status`` and ``reason``."""
        ...

    def set_message_status(self, message_id: str, status: str) -> None:
        """Change a message's status only."""
        ...

    def finish_message(
        self, message_id: str, content: str, status: str, error: str | None, provider_data: Mapping[str, Any]
    ) -> None:
        """Store what a reply stream delivered."""
        ...

    def conversation(self, chat_id: str) -> Conversation:
        """Everything stored for ``chat_id``."""
        ...
