"""Chats as plain data for the chat list and the chat screen, read in thread workers (no Textual here).

Also the small pure helpers both screens share: ordering profiles so that those whose tags match
the chat's come first, and the words shown for a message's or a tool call's state.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from quilltap_tui.services.context import AppContext

PAGE = 16  # messages mounted when a chat opens (a 48-row screen shows fewer), and per "load earlier" step
NO_IMAGES = "\x00no-images"  # the image picker's "no image generation" value (no profile can have this name)
NO_IMAGES_LABEL = "No image generation"


@dataclass(frozen=True)
class ChatPage:
    """A chat's summary and one page of its messages (oldest first)."""

    chat: dict[str, Any]
    messages: list[dict[str, Any]]

    @property
    def has_earlier(self) -> bool:
        """True when older messages exist before this page (sequence numbers start at 1)."""
        return bool(self.messages) and int(self.messages[0]["seq"]) > 1

    @property
    def first_seq(self) -> int | None:
        return int(self.messages[0]["seq"]) if self.messages else None


def load_chat(ctx: AppContext, chat_id: str, limit: int = PAGE) -> ChatPage:
    """The chat and its newest ``limit`` messages."""
    from quilltap_tui.services import chats

    chat = chats.get_chat(ctx, chat_id)
    return ChatPage(chat, chats.get_messages(ctx, chat["id"], last=limit))


def load_earlier(ctx: AppContext, chat_id: str, before_seq: int, limit: int = PAGE) -> ChatPage:
    """The ``limit`` messages before ``before_seq`` (the chat summary is re-read too)."""
    from quilltap_tui.services import chats

    chat = chats.get_chat(ctx, chat_id)
    return ChatPage(chat, chats.get_messages(ctx, chat_id, last=limit, before_seq=before_seq))


def tag_ranked(profiles: Sequence[dict[str, Any]], tags: Iterable[str]) -> list[dict[str, Any]]:
    """Profiles whose tags match ``tags`` first (most shared tags first), then the rest; by name within."""
    wanted = {t.strip().lower() for t in tags if t.strip()}

    def key(profile: dict[str, Any]) -> tuple[int, bool, str]:
        shared = len(wanted & {str(t).lower() for t in profile.get("tags", [])})
        return (-shared, not profile.get("default", False), str(profile["name"]).lower())

    return sorted(profiles, key=key)


def best_image_profile(profiles: Sequence[dict[str, Any]], tags: Iterable[str]) -> str | None:
    """The image profile a new chat with ``tags`` gets: the best tag match, else the default."""
    wanted = {t.strip().lower() for t in tags if t.strip()}
    ranked = tag_ranked(profiles, wanted)
    if ranked and wanted & {str(t).lower() for t in ranked[0].get("tags", [])}:
        return str(ranked[0]["name"])
    return next((str(p["name"]) for p in profiles if p.get("default")), None)


def split_tags(text: str) -> list[str]:
    """``"art, wide"`` -> ``["art", "wide"]`` (empty pieces dropped)."""
    return [piece.strip() for piece in text.split(",") if piece.strip()]


def picker_label(profile: dict[str, Any], tags: Iterable[str]) -> str:
    """How a profile reads in a picker: name, model, and the tags it shares with the chat."""
    wanted = {t.lower() for t in tags}
    shared = [t for t in profile.get("tags", []) if str(t).lower() in wanted]
    suffix = f"  #{' #'.join(shared)}" if shared else ""
    star = " ★" if profile.get("default") else ""
    return f"{profile['name']}{star} ({profile['model']}){suffix}"


STATUS_WORDS = {
    "streaming": "interrupted",  # a stored message still "streaming" was cut off (the app stopped)
    "cancelled": "cancelled",
    "error": "failed",
    "complete": "",
}
CALL_WORDS = {"pending": "waiting", "running": "running", "ok": "done", "error": "error", "cancelled": "cancelled"}


def image_caption(image: dict[str, Any], revised_prompt: str | None, *, with_path: bool = True) -> str:
    """The line(s) under an image: path, dimensions, and the provider's revised prompt when there is one."""
    size = f"{image.get('width', '?')}x{image.get('height', '?')}"
    lines = [f"{image['path']}  ·  {size}" if with_path else size]
    if revised_prompt:
        lines.append(f"Revised prompt: {revised_prompt}")
    return "\n".join(lines)
