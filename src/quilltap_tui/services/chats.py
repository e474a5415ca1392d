"""Chats: create (picking an image profile by tags), rename, delete, list, read, switch profiles.

Also the seed's migration step: an image profile made from a chat profile whose provider can make
images (OpenAI, xAI, Google), reusing its key, base URL and tags.

A chat offers the image tools of the tool catalogue when it has an image profile and they are enabled;
"no image generation" clears both. Profile switches are stored at once and so take effect on the
next turn (a running turn keeps the tools it started with).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from quilltap_tui import provider_ids
from quilltap_tui.db.models import (
    ApiKey,
    Chat,
    ChatProfile,
    ChatTag,
    GeneratedImageRecord,
    ImageProfile,
    Message,
    Tag,
    ToolCall,
    utcnow,
)
from quilltap_tui.errors import Invalid, NotFound
from quilltap_tui.services import drafts, image_store, profiles, validation
from quilltap_tui.services.chat_views import ChatView
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.message_views import MessageImage, StoredMessage, StoredToolCall
from quilltap_tui.services.profile_views import ImageProfileView
from quilltap_tui.tools import catalogue

MIN_ID_PREFIX = 6


def image_capable() -> dict[str, tuple[str, str]]:
    """Chat provider -> (image provider, the current model suggested for it), from the model catalogue.

    Other chat providers make no images. The catalogue test fails the build if a suggestion is retired.
    """
    from quilltap_tui.imagegen.capabilities import suggested_models

    return {s["chat_provider"]: (s["image_provider"], s["model"]) for s in suggested_models()}


def create_chat(
    ctx: AppContext,
    *,
    chat_profile: str | None = None,
    image_profile: str | None = None,
    no_images: bool = False,
    tags: Iterable[str] | None = None,
    title: str | None = None,
) -> ChatView:
    """A new chat. Without ``image_profile``, the image profile whose tags best match ``tags`` is used,
    else the default one; ``no_images`` turns image generation off. Omitted chat profile: the default."""
    tag_names = validation.tags(tags)
    with ctx.db.session() as session:
        chat_row = _chat_profile(session, chat_profile)
        image_row = None if no_images else _pick_image_profile(session, image_profile, tag_names)
        chat = Chat(
            title=validation.name(title, "title") if title else "New chat",
            chat_profile_id=chat_row.id,
            image_profile_id=image_row.id if image_row else None,
            enabled_tools=catalogue.default_ids(images=not no_images),
        )
        session.add(chat)
        session.flush()
        for tag in profiles.ensure_tags(session, tag_names):
            session.add(ChatTag(chat_id=chat.id, tag_id=tag.id))
        session.commit()
        return _view(session, chat)


def get_chat(ctx: AppContext, chat_id: str) -> ChatView:
    """One chat's summary (an unambiguous id prefix of at least six characters works too)."""
    with ctx.db.session() as session:
        return _view(session, find(session, chat_id))


def list_chats(ctx: AppContext) -> list[ChatView]:
    """Every chat, most recently active first, with message, tool call and image counts.

    One query joins the chats with their profiles' names and counts (correlated counts, each served by
    its table's ``chat_id`` index); one more reads every chat's tags.
    """
    with ctx.db.session() as session:
        return _views(session)


def chats_with_text(ctx: AppContext, text: str, limit: int = 1000) -> list[str]:
    """Ids of the chats whose user or assistant messages contain ``text``, at most ``limit``.

    Case-insensitive (on SQLite for ASCII letters only: its ``lower()`` folds nothing else).

    One query that returns ids only: the database scans the text, no message is read into memory.
    ``%`` and ``_`` in ``text`` are literal characters, not wildcards.
    """
    needle = text.strip()
    if not needle:
        return []
    pattern = "%" + needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (select(Message.chat_id).distinct()
            .where(col(Message.role).in_(("user", "assistant")), col(Message.content).ilike(pattern, escape="\\"))
            .limit(limit))
    with ctx.db.session() as session:
        return [str(chat_id) for chat_id in session.exec(stmt).all()]


def rename_chat(ctx: AppContext, chat_id: str, title: str) -> ChatView:
    """Give a chat a new title."""
    with ctx.db.session() as session:
        chat = find(session, chat_id)
        chat.title = validation.name(title, "title")
        return _save(session, chat)


def delete_chat(ctx: AppContext, chat_id: str) -> ChatView:
    """Delete a chat with its messages and tool calls; its images stay in the gallery."""
    with ctx.db.session() as session:
        chat = find(session, chat_id)
        view = _view(session, chat)
        session.delete(chat)
        session.commit()
    drafts.draft_path(ctx, chat_id).unlink(missing_ok=True)  # the words typed in it go with it
    return view


def set_chat_profile(ctx: AppContext, chat_id: str, name: str) -> ChatView:
    """Talk to another chat profile from the next turn on."""
    with ctx.db.session() as session:
        chat = find(session, chat_id)
        chat.chat_profile_id = _chat_profile(session, name).id
        return _save(session, chat)


def set_image_profile(ctx: AppContext, chat_id: str, name: str | None) -> ChatView:
    """Use image profile ``name`` from the next turn on; ``None`` means no image generation."""
    with ctx.db.session() as session:
        chat = find(session, chat_id)
        if name is None:
            chat.image_profile_id = None
            chat.enabled_tools = [t for t in chat.enabled_tools if t not in catalogue.image_tool_ids()]
        else:
            chat.image_profile_id = profiles.find(session, profiles.IMAGE, name).id
            images = catalogue.image_tool_ids()
            chat.enabled_tools = [*[t for t in chat.enabled_tools if t not in images], *images]
        return _save(session, chat)


def set_show_images(ctx: AppContext, chat_id: str, on: bool) -> ChatView:
    """Give (or stop giving) the images tools made back to the chat model, from the next request on."""
    with ctx.db.session() as session:
        chat = find(session, chat_id)
        chat.show_images = on
        return _save(session, chat)


def get_messages(
    ctx: AppContext, chat_id: str, *, last: int | None = None, before_seq: int | None = None
) -> list[StoredMessage]:
    """A chat's messages in order, each with its tool calls and the images they made.

    ``last`` keeps only the newest ``last`` messages (before ``before_seq`` when given), so a long
    chat can be shown a page at a time instead of read whole.
    """
    with ctx.db.session() as session:
        chat = find(session, chat_id)
        if last is None and before_seq is None:
            stmt = select(Message).where(Message.chat_id == chat.id).order_by(col(Message.seq))
            messages = list(session.exec(stmt).all())
            calls = session.exec(
                select(ToolCall).where(ToolCall.chat_id == chat.id).order_by(col(ToolCall.created_at), col(ToolCall.id))
            ).all()
            images = image_store.list_images(session, limit=100_000, chat_id=chat.id)
            return [_message_view(ctx, m, calls, images) for m in messages]
        return _message_page(ctx, session, chat.id, last, before_seq)


def _message_page(
    ctx: AppContext, session: Session, chat_id: str, last: int | None, before_seq: int | None
) -> list[StoredMessage]:
    stmt = select(Message).where(Message.chat_id == chat_id)
    if before_seq is not None:
        stmt = stmt.where(col(Message.seq) < before_seq)
    stmt = stmt.order_by(col(Message.seq).desc())
    messages = list(reversed(session.exec(stmt.limit(last) if last is not None else stmt).all()))
    ids = [m.id for m in messages]
    calls = session.exec(
        select(ToolCall).where(col(ToolCall.message_id).in_(ids)).order_by(col(ToolCall.created_at), col(ToolCall.id))
    ).all()
    # By chat first: generated_image.message_id has no index, and a page should not scan the whole gallery.
    images = session.exec(
        select(GeneratedImageRecord)
        .where(GeneratedImageRecord.chat_id == chat_id, col(GeneratedImageRecord.message_id).in_(ids))
        .order_by(col(GeneratedImageRecord.created_at), col(GeneratedImageRecord.id))
    ).all()
    return [_message_view(ctx, m, calls, images) for m in messages]


def image_profile_from_chat_profile(
    ctx: AppContext,
    chat_profile: str,
    *,
    name: str | None = None,
    model: str | None = None,
    default: bool = False,
) -> ImageProfileView:
    """Create an image profile from a chat profile of an image-capable provider, reusing its key."""
    with ctx.db.session() as session:
        source = profiles.find(session, profiles.CHAT, chat_profile)
        capable_by_provider = image_capable()
        capable = capable_by_provider.get(source.provider)
        if capable is None:
            able = ", ".join(capable_by_provider)
            raise Invalid(
                "chat_profile",
                f"Chat profile {source.name} uses {source.provider}, which makes no images; only {able} do.",
            )
        key = session.get(ApiKey, source.api_key_id) if source.api_key_id else None
        tag_names = profiles.tag_names(session, profiles.CHAT, source.id)
    base_url = source.base_url.removesuffix("/openai") if source.base_url else None
    return profiles.create(
        ctx,
        profiles.IMAGE,
        name=name or f"{source.name} images",
        provider=capable[0],
        model=model or capable[1],
        key=key.label if key else None,
        base_url=base_url,
        tags=tag_names,
        default=default,
    )


def find(session: Session, chat_id: str) -> Chat:
    """A chat by id or by an unambiguous id prefix."""
    text = (chat_id or "").strip()
    chat = session.get(Chat, text) if text else None
    if chat is not None:
        return chat
    if len(text) >= MIN_ID_PREFIX:
        matches = session.exec(select(Chat).where(col(Chat.id).startswith(text)).limit(2)).all()
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise Invalid("chat", f"Chat id {text!r} matches more than one chat; give more characters.")
    raise NotFound("chat", text, f"No chat with id {text!r}; `quilltap-tui chats list` shows them.")


def _chat_profile(session: Session, name: str | None) -> ChatProfile:
    if name:
        row: ChatProfile = profiles.find(session, profiles.CHAT, name)
    else:
        default: ChatProfile | None = profiles.find_default(session, profiles.CHAT)
        if default is None:
            raise Invalid("chat_profile", "No chat profile given and none is the default: pass --chat-profile NAME.")
        row = default
    provider_ids.require_installed(row.provider, "chat", row.name)
    return row


def _pick_image_profile(session: Session, name: str | None, tags: list[str]) -> ImageProfile | None:
    if name:
        found: ImageProfile = profiles.find(session, profiles.IMAGE, name)
        return found
    wanted = {t.lower() for t in tags}
    ranked: list[tuple[int, bool, str, ImageProfile]] = []
    for row in session.exec(select(ImageProfile)).all():
        shared = len(wanted & {t.lower() for t in profiles.tag_names(session, profiles.IMAGE, row.id)})
        if shared:
            # Most shared tags first; between equals the default, then the first name.
            ranked.append((-shared, not row.is_default, row.name, row))
    if ranked:
        return min(ranked, key=lambda item: item[:3])[3]
    default: ImageProfile | None = profiles.find_default(session, profiles.IMAGE)
    return default


def _save(session: Session, chat: Chat) -> ChatView:
    chat.updated_at = utcnow()
    session.add(chat)
    session.commit()
    return _view(session, chat)


def _counted(model: Any) -> Any:
    """``model``'s rows of the chat in the outer query, as a column of that query."""
    return select(func.count()).select_from(model).where(model.chat_id == col(Chat.id)).scalar_subquery()


def _views(session: Session, chat_id: str | None = None) -> list[ChatView]:
    """Chat views, newest activity first (only ``chat_id``'s when given), in two statements."""
    stmt = (
        select(Chat, ChatProfile.name, ImageProfile.name,
               _counted(Message), _counted(ToolCall), _counted(GeneratedImageRecord))  # type: ignore[call-overload]
        .outerjoin(ChatProfile, col(ChatProfile.id) == col(Chat.chat_profile_id))
        .outerjoin(ImageProfile, col(ImageProfile.id) == col(Chat.image_profile_id))
        .order_by(col(Chat.updated_at).desc(), col(Chat.id))
    )
    tag_stmt = select(ChatTag.chat_id, Tag.name).join(Tag, col(ChatTag.tag_id) == col(Tag.id))
    if chat_id is not None:
        stmt = stmt.where(col(Chat.id) == chat_id)
        tag_stmt = tag_stmt.where(ChatTag.chat_id == chat_id)
    tags: dict[str, list[str]] = {}
    for owner, tag in session.exec(tag_stmt).all():
        tags.setdefault(owner, []).append(tag)
    image_tools = set(catalogue.image_tool_ids())
    return [
        ChatView(
            id=chat.id,
            title=chat.title,
            chat_profile=chat_profile,
            image_profile=image_profile,
            images_enabled=image_profile is not None and bool(image_tools & set(chat.enabled_tools)),
            show_images=bool(chat.show_images),
            tags=tuple(sorted(tags.get(chat.id, []), key=str.lower)),
            messages=int(messages),
            tool_calls=int(calls),
            images=int(images),
            created_at=chat.created_at,
            updated_at=chat.updated_at,
        )
        for chat, chat_profile, image_profile, messages, calls, images in session.exec(stmt).all()
    ]


def _view(session: Session, chat: Chat) -> ChatView:
    return _views(session, chat.id)[0]


def _message_view(
    ctx: AppContext, message: Message, calls: Iterable[ToolCall], images: Iterable[GeneratedImageRecord]
) -> StoredMessage:
    return StoredMessage(
        id=message.id,
        seq=message.seq,
        role=message.role,
        content=message.content,
        status=message.status,
        error=message.error,
        note=bool(message.provider_data.get("note")),
        model=message.model,
        created_at=message.created_at,
        tool_calls=tuple(
            StoredToolCall(id=c.id, call_id=c.call_id, name=c.name, arguments=c.arguments, status=c.status,
                           result=c.result, error=c.error)
            for c in calls if c.message_id == message.id
        ),
        images=tuple(
            MessageImage(id=i.id, path=image_store.absolute_path(ctx, i), width=i.width, height=i.height,
                         mime_type=i.mime_type, tool_call_id=i.tool_call_id)
            for i in images if i.message_id == message.id
        ),
    )
