"""Chats as plain data for the chat list and the chat screen, read in thread workers (no Textual here).

Also the small pure helpers both screens share: ordering profiles so that those whose tags match
the chat's come first, and the words shown for a message's or a tool call's state; and the parsing of
a page's Markdown, done in the loading worker so the UI thread only builds widgets.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from quilltap_tui.services.chat_views import ChatView
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.message_views import MessageImage, StoredMessage
from quilltap_tui.services.profile_views import ProfileView
from quilltap_tui.textsafe import inert

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.token import Token

PAGE = 16  # messages mounted when a chat opens (a 48-row screen shows fewer), and per "load earlier" step
NO_IMAGES = "\x00no-images"  # the image picker's "no image generation" value (no profile can have this name)
NO_IMAGES_LABEL = "No image generation"
P = TypeVar("P", bound=ProfileView)


@dataclass(frozen=True)
class InlineText:
    """Paragraph-only Markdown flattened to one text with styled spans, as Textual's paragraphs show it.

    ``spans`` are ``(start, end, kind, href)``; ``kind`` is a Markdown component class (``em``, ``strong``,
    ``s``, ``code_inline``) or ``link``. Paragraphs are separated by a blank line, as their margins do.
    """

    text: str
    spans: tuple[tuple[int, int, str, str], ...]


@dataclass(frozen=True)
class ParsedText:
    """A message's text parsed once, off the UI thread: its Markdown tokens, and ``inline`` when it has
    nothing but paragraphs (then it needs no Markdown block widgets at all)."""

    tokens: list[Token]
    inline: InlineText | None


@dataclass(frozen=True)
class ChatPage:
    """A chat's summary and one page of its messages (oldest first)."""

    chat: ChatView
    messages: list[StoredMessage]
    parsed: dict[str, ParsedText] = field(default_factory=dict)  # message id -> its (inert) text, parsed

    @property
    def has_earlier(self) -> bool:
        """True when older messages exist before this page (sequence numbers start at 1)."""
        return bool(self.messages) and self.messages[0].seq > 1

    @property
    def first_seq(self) -> int | None:
        return self.messages[0].seq if self.messages else None


@dataclass(frozen=True)
class ShownImage:
    """An image shown under a tool call: one a stored message holds, or one a finished call's result lists."""

    id: str | None
    path: str
    width: int | None = None
    height: int | None = None
    revised_prompt: str | None = None

    @classmethod
    def of_stored(cls, image: MessageImage) -> ShownImage:
        return cls(image.id, str(image.path), image.width, image.height)

    @classmethod
    def of_result(cls, item: Mapping[str, Any]) -> ShownImage:
        """One ``images`` item of a tool's result (the JSON the tool answered: ``generate --json``'s items)."""
        def number(key: str) -> int | None:
            value = item.get(key)
            return value if isinstance(value, int) else None

        found = item.get("id")
        revised = item.get("revised_prompt")
        return cls(str(found) if found else None, str(item["path"]), number("width"), number("height"),
                   str(revised) if revised else None)


def load_chat(ctx: AppContext, chat_id: str, limit: int = PAGE) -> ChatPage:
    """The chat and its newest ``limit`` messages."""
    from quilltap_tui.services import chats

    chat = chats.get_chat(ctx, chat_id)
    return _page(chat, chats.get_messages(ctx, chat.id, last=limit))


def load_earlier(ctx: AppContext, chat_id: str, before_seq: int, limit: int = PAGE) -> ChatPage:
    """The ``limit`` messages before ``before_seq`` (the chat summary is re-read too)."""
    from quilltap_tui.services import chats

    chat = chats.get_chat(ctx, chat_id)
    return _page(chat, chats.get_messages(ctx, chat_id, last=limit, before_seq=before_seq))


def _page(chat: ChatView, messages: list[StoredMessage]) -> ChatPage:
    # Parsing here, in the loading worker, keeps Markdown parsing off the UI thread.
    return ChatPage(chat, messages, {m.id: parse_text(inert(m.content)) for m in messages})


def parse_text(text: str) -> ParsedText:
    """``text`` parsed, and flattened when it is paragraphs only."""
    tokens = parse_markdown(text)
    return ParsedText(tokens, inline_text(tokens))


_parsers = threading.local()  # a parser per thread: the loading and "load earlier" workers can overlap


def parse_markdown(text: str) -> list[Token]:
    """``text`` parsed the way Textual's Markdown widget parses it (markdown-it, "gfm-like")."""
    parser: MarkdownIt | None = getattr(_parsers, "parser", None)
    if parser is None:
        from markdown_it import MarkdownIt

        parser = _parsers.parser = MarkdownIt("gfm-like")
    return parser.parse(text)


def tag_ranked(profiles: Sequence[P], tags: Iterable[str]) -> list[P]:
    """Profiles whose tags match ``tags`` first (most shared tags first), then the rest; by name within."""
    wanted = {t.strip().lower() for t in tags if t.strip()}

    def key(profile: ProfileView) -> tuple[int, bool, str]:
        shared = len(wanted & {t.lower() for t in profile.tags})
        return (-shared, not profile.default, profile.name.lower())

    return sorted(profiles, key=key)


def best_image_profile(profiles: Sequence[ProfileView], tags: Iterable[str]) -> str | None:
    """The image profile a new chat with ``tags`` gets: the best tag match, else the default."""
    wanted = {t.strip().lower() for t in tags if t.strip()}
    ranked = tag_ranked(profiles, wanted)
    if ranked and wanted & {t.lower() for t in ranked[0].tags}:
        return ranked[0].name
    return next((p.name for p in profiles if p.default), None)


def split_tags(text: str) -> list[str]:
    """``"art, wide"`` -> ``["art", "wide"]`` (empty pieces dropped)."""
    return [piece.strip() for piece in text.split(",") if piece.strip()]


def picker_label(profile: ProfileView, tags: Iterable[str]) -> str:
    """How a profile reads in a picker: name, model, and the tags it shares with the chat."""
    wanted = {t.lower() for t in tags}
    shared = [t for t in profile.tags if t.lower() in wanted]
    suffix = f"  #{' #'.join(shared)}" if shared else ""
    star = " ★" if profile.default else ""
    return f"{profile.name}{star} ({profile.model}){suffix}"


STATUS_WORDS = {
    "streaming": "interrupted",  # a stored message still "streaming" was cut off (the app stopped)
    "cancelled": "cancelled",
    "error": "failed",
    "complete": "",
}
CALL_WORDS = {"pending": "waiting", "running": "running", "ok": "done", "error": "error", "cancelled": "cancelled"}


def image_size(image: ShownImage) -> str:
    """``1024x768``; ``?`` for a dimension the result did not give."""
    return f"{'?' if image.width is None else image.width}x{'?' if image.height is None else image.height}"


def image_caption(image: ShownImage, revised_prompt: str | None, *, with_path: bool = True) -> str:
    """The line(s) under an image: path, dimensions, and the provider's revised prompt when there is one."""
    size = image_size(image)
    lines = [f"{image.path}  ·  {size}" if with_path else size]
    if revised_prompt:
        lines.append(f"Revised prompt: {revised_prompt}")
    return "\n".join(lines)


_PARAGRAPH = ("paragraph_open", "inline", "paragraph_close")
_STYLED = {"em_open": "em", "strong_open": "strong", "s_open": "s", "link_open": "link"}
_PLAIN = {"text", "softbreak", "hardbreak", "code_inline", *_STYLED, "em_close", "strong_close", "s_close",
          "link_close"}


def inline_text(tokens: Sequence[Token]) -> InlineText | None:
    """The paragraphs of ``tokens`` as one :class:`InlineText`; None when there is any other block
    (heading, list, code, table, quote, rule, HTML) or inline element (image, inline HTML)."""
    types = [t.type for t in tokens]
    if types != list(_PARAGRAPH * (len(tokens) // 3)) or any(t.level for t in tokens[::3]):
        return None
    pieces: list[str] = []
    spans: list[tuple[int, int, str, str]] = []
    for inline in tokens[1::3]:
        if pieces:
            pieces.append("\n\n")
        if not _flatten(inline.children or [], pieces, spans):
            return None
    return InlineText("".join(pieces), tuple(spans))


def _flatten(children: Sequence[Token], pieces: list[str], spans: list[tuple[int, int, str, str]]) -> bool:
    # Mirrors MarkdownBlock._token_to_content (Textual 8): the same text, the same spans in the same order.
    position = sum(len(p) for p in pieces)
    stack: list[tuple[str, str, int]] = []
    for child in children:
        kind = child.type
        if kind not in _PLAIN:
            return False
        if kind in _STYLED:
            stack.append((_STYLED[kind], str(child.attrs.get("href", "")), position))
        elif kind.endswith("_close"):
            style, href, start = stack.pop()
            spans.append((start, position, style, href))
        text = _text_of(child)
        if kind == "code_inline":
            spans.append((position, position + len(text), "code_inline", ""))
        pieces.append(text)
        position += len(text)
    return True


def _text_of(child: Token) -> str:
    if child.type == "text":
        return re.sub(r"\s+", " ", child.content)  # as in Textual: a run of white space reads as one space
    return {"softbreak": " ", "hardbreak": "\n", "code_inline": child.content}.get(child.type, "")
