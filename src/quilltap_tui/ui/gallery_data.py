"""Gallery pages as plain data, read in a thread worker (no Textual here)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from quilltap_tui.services.context import AppContext
from quilltap_tui.textsafe import inert

PAGE_SIZE = 50


@dataclass(frozen=True)
class ImageItem:
    """What the gallery shows about one saved image."""

    id: str
    path: Path
    prompt: str
    revised_prompt: str | None
    negative_prompt: str | None
    provider: str
    model: str
    profile: str | None
    width: int
    height: int
    bytes: int
    mime_type: str
    created_at: datetime
    chat_id: str | None
    chat_title: str | None = None
    source: str | None = None  # how it was asked for: cli, tool, tui or mcp (from the audit log)
    parents: tuple[str, ...] = ()  # lineage: the gallery images it was made from, in order
    children: tuple[str, ...] = ()  # the gallery images made from it, oldest first

    @property
    def size_text(self) -> str:
        return f"{self.width}x{self.height}, {human_bytes(self.bytes)}"

    @property
    def local_time(self) -> str:
        return self.created_at.astimezone().strftime("%Y-%m-%d %H:%M")

    def details(self) -> str:
        """Every fact about the image, one per line, for the metadata panel and the viewer."""
        lines = [
            f"Prompt: {self.prompt}",
            f"Revised prompt: {self.revised_prompt or '-'}",
        ]
        if self.negative_prompt:
            lines.append(f"Negative prompt: {self.negative_prompt}")
        lines += [
            f"Model: {self.model} ({self.provider})",
            f"Profile: {self.profile or '-'}",
            f"Size: {self.size_text}, {self.mime_type}",
            f"Made: {self.local_time}{' over MCP' if self.source == 'mcp' else ''}",
            f"Chat: {self.chat_title or self.chat_id or '-'}",
            f"Path: {self.path}",
        ]
        if self.parents:
            lines.append(f"Made from: {', '.join(i[:8] for i in self.parents)} (m opens it)")
        if self.children:
            lines.append(f"Edited into: {', '.join(i[:8] for i in self.children)} (i opens it)")
        # Prompts come from users and LLMs: never let their escape sequences reach the terminal.
        return inert("\n".join(lines))


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"


def load_page(ctx: AppContext, offset: int = 0, limit: int = PAGE_SIZE) -> list[ImageItem]:
    """One page of images, newest first."""
    from quilltap_tui.services import image_store

    with ctx.db.session() as session:
        return _items(ctx, session, image_store.list_images(session, limit=limit, offset=offset))


def load_item(ctx: AppContext, image_id: str) -> ImageItem | None:
    """One image by id (walking lineage in the viewer), or None when it is gone."""
    from quilltap_tui.db.models import GeneratedImageRecord

    with ctx.db.session() as session:
        record = session.get(GeneratedImageRecord, image_id)
        return _items(ctx, session, [record])[0] if record is not None else None


def _items(ctx: AppContext, session: Any, records: list[Any]) -> list[ImageItem]:
    from sqlmodel import col, select

    from quilltap_tui.db.models import Chat
    from quilltap_tui.services import audit, image_store

    chat_ids = {r.chat_id for r in records if r.chat_id}
    titles = dict(session.exec(select(Chat.id, Chat.title).where(col(Chat.id).in_(chat_ids))).all()) \
        if chat_ids else {}
    sources = audit.image_sources(ctx, [(r.id, r.created_at) for r in records])
    parents = image_store.parents_of(session, [r.id for r in records])
    children = image_store.children_of(session, [r.id for r in records])
    return [
        ImageItem(
            id=r.id, path=image_store.absolute_path(ctx, r), prompt=r.prompt, revised_prompt=r.revised_prompt,
            negative_prompt=r.negative_prompt, provider=r.provider, model=r.model, profile=r.profile_name,
            width=r.width, height=r.height, bytes=r.bytes, mime_type=r.mime_type, created_at=r.created_at,
            chat_id=r.chat_id, chat_title=titles.get(r.chat_id) if r.chat_id else None, source=sources.get(r.id),
            parents=tuple(parents.get(r.id, ())), children=tuple(children.get(r.id, ())),
        )
        for r in records
    ]


def delete(ctx: AppContext, image_id: str) -> bool:
    """Delete the row and the file together; False when it was already gone."""
    from quilltap_tui.services import image_store

    return image_store.delete_image(ctx, image_id) is not None
