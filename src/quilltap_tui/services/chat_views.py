"""What the chats service returns: a frozen view per chat, read by attribute, with the command line's JSON.

``as_json()`` keeps the document ``chats list --json`` has always printed (CONTRACT.md's scripts read it):
the keys below in this order, timestamps as ISO 8601 text. Imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatView:
    """One chat's summary: its profiles by name, its tags and how much it holds."""

    id: str
    title: str
    chat_profile: str | None
    image_profile: str | None
    images_enabled: bool  # an image profile is set and the image tools are on
    show_images: bool  # images the tools made go back to the chat model
    tags: tuple[str, ...]
    messages: int
    tool_calls: int
    images: int
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The ``chats list --json`` item (``chats rename/rm/set-image-profile --json`` print one)."""
        return {
            "id": self.id,
            "title": self.title,
            "chat_profile": self.chat_profile,
            "image_profile": self.image_profile,
            "images_enabled": self.images_enabled,
            "show_images": self.show_images,
            "tags": list(self.tags),
            "messages": self.messages,
            "tool_calls": self.tool_calls,
            "images": self.images,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
        }
