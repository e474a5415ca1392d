"""The gallery: saved images as frozen views (:class:`GalleryImage`), a page at a time, for ``images list``
and the TUI's gallery.

With ``details=True`` a page also carries what only the TUI shows: the chat's title, how the image was
asked for (from the audit log) and the images later made from it. Each is one query per page, never one
per image.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

from sqlmodel import Session, col, select

from quilltap_tui.db.models import Chat, GeneratedImageRecord
from quilltap_tui.services import audit, image_store
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.gallery_view import GalleryImage

G = TypeVar("G", bound=GalleryImage)


def page(
    ctx: AppContext, *, limit: int = 50, offset: int = 0, chat_id: str | None = None, details: bool = False
) -> list[GalleryImage]:
    """One page of images, newest first (only ``chat_id``'s when given)."""
    return page_as(GalleryImage, ctx, limit=limit, offset=offset, chat_id=chat_id, details=details)


def page_as(
    view: type[G], ctx: AppContext, *, limit: int = 50, offset: int = 0, chat_id: str | None = None,
    details: bool = False,
) -> list[G]:
    """:func:`page` made as ``view``, a subclass that adds presentation (the TUI's gallery item)."""
    with ctx.db.session() as session:
        records = image_store.list_images(session, limit=limit, offset=offset, chat_id=chat_id)
        return _views(ctx, session, records, details, view)


def get(ctx: AppContext, image_id: str, *, details: bool = False) -> GalleryImage | None:
    """One image by id, or None when there is none."""
    return get_as(GalleryImage, ctx, image_id, details=details)


def get_as(view: type[G], ctx: AppContext, image_id: str, *, details: bool = True) -> G | None:
    """:func:`get` made as ``view``, with its details by default (walking lineage in the viewer)."""
    with ctx.db.session() as session:
        record = session.get(GeneratedImageRecord, image_id)
        return _views(ctx, session, [record], details, view)[0] if record is not None else None


def _views(
    ctx: AppContext, session: Session, records: Sequence[GeneratedImageRecord], details: bool, view: type[G]
) -> list[G]:
    ids = [r.id for r in records]
    parents = image_store.parents_of(session, ids)
    titles: dict[str, str] = {}
    sources: dict[str, str] = {}
    children: dict[str, list[str]] = {}
    if details:
        titles = _chat_titles(session, {r.chat_id for r in records if r.chat_id})
        sources = audit.image_sources(ctx, [(r.id, r.created_at) for r in records])
        children = image_store.children_of(session, ids)
    return [
        view(
            id=r.id, path=image_store.absolute_path(ctx, r), mime_type=r.mime_type, width=r.width,
            height=r.height, bytes=r.bytes, sha256=r.sha256, revised_prompt=r.revised_prompt, seed=r.seed,
            prompt=r.prompt, negative_prompt=r.negative_prompt, provider=r.provider, model=r.model,
            profile=r.profile_name, used=dict(r.used_params), chat_id=r.chat_id, message_id=r.message_id,
            created_at=r.created_at, parents=tuple(parents.get(r.id, ())),
            chat_title=titles.get(r.chat_id) if r.chat_id else None, source=sources.get(r.id),
            children=tuple(children.get(r.id, ())),
        )
        for r in records
    ]


def _chat_titles(session: Session, chat_ids: set[str]) -> dict[str, str]:
    if not chat_ids:
        return {}
    return {chat_id: title for chat_id, title in session.exec(
        select(Chat.id, Chat.title).where(col(Chat.id).in_(chat_ids))).all()}
