"""What the chats service returns about a chat's messages: frozen views read by attribute.

``as_json()`` keeps the ``messages`` items ``chats show --json`` has always printed (keys in this order,
timestamps as ISO 8601 text). A tool call's ``arguments`` and ``result`` stay JSON objects: they are what
the model sent and what the tool answered, stored and replayed as such. Imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredToolCall:
    """A tool call the model made on an assistant message, and how it ended."""

    id: str
    call_id: str  # the provider's id (call_..., toolu_...)
    name: str
    arguments: Mapping[str, Any]
    status: str  # pending | running | ok | error | cancelled
    result: Mapping[str, Any]
    error: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "call_id": self.call_id, "name": self.name, "arguments": dict(self.arguments),
                "status": self.status, "result": dict(self.result), "error": self.error}


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageImage:
    """An image a tool call of the message made."""

    id: str
    path: Path  # absolute
    width: int
    height: int
    mime_type: str
    tool_call_id: str | None

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "path": str(self.path), "width": self.width, "height": self.height,
                "mime_type": self.mime_type, "tool_call_id": self.tool_call_id}


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMessage:
    """One message of a chat, with its tool calls and the images they made."""

    id: str
    seq: int
    role: str  # user | assistant | tool | system
    content: str
    status: str  # complete | streaming | cancelled | error
    error: str | None
    note: bool  # an app note shown in the chat (an image profile switched...), never sent to the model
    model: str | None
    created_at: datetime
    tool_calls: tuple[StoredToolCall, ...] = ()
    images: tuple[MessageImage, ...] = ()

    def as_json(self) -> dict[str, Any]:
        """One ``messages`` item of ``chats show --json``."""
        return {
            "id": self.id,
            "seq": self.seq,
            "role": self.role,
            "content": self.content,
            "status": self.status,
            "error": self.error,
            "note": self.note,
            "model": self.model,
            "created_at": self.created_at.isoformat(),
            "tool_calls": [call.as_json() for call in self.tool_calls],
            "images": [image.as_json() for image in self.images],
        }
