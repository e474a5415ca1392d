"""Image profiles and chat (connection) profiles: one implementation, two kinds.

Both kinds share the seed's rules: unique names, a known provider, an http(s) base URL, a model, JSON
parameters, tags, and at most one default (also enforced by a partial unique index in the database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from quilltap_tui import provider_ids
from quilltap_tui.db.models import (
    ApiKey,
    ChatProfile,
    ChatProfileTag,
    ImageProfile,
    ImageProfileTag,
    Tag,
    utcnow,
)
from quilltap_tui.errors import Invalid, NotFound
from quilltap_tui.services import key_rules, validation
from quilltap_tui.services import keys as key_service
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.image_params import check_image_parameters
from quilltap_tui.services.profile_views import (
    ChatProfileEdit,
    ChatProfileView,
    ImageProfileEdit,
    ImageProfileView,
    ProfileEdit,
    ProfileView,
)

Profile = ImageProfile | ChatProfile
V = TypeVar("V", bound=ProfileView, covariant=True)
E = TypeVar("E", bound=ProfileEdit, covariant=True)
# Covariant so that either kind is a ProfileKind[ProfileView, ProfileEdit] where code (the command line,
# the form) picks the kind at run time; the edit it passes is made by that same kind's ``edit`` type.
LIMIT_FIELDS = {
    "max_images_per_call": 10,
    "max_images_per_minute": 1000,
    "max_images_per_day": 100000,
}


@dataclass(frozen=True)
class ProfileKind(Generic[V, E]):
    """How one kind of profile is stored and named, and the view it returns and the edit it takes."""

    label: str  # "image profile" / "chat profile"
    model: type[ImageProfile] | type[ChatProfile]
    link: type[ImageProfileTag] | type[ChatProfileTag]
    link_fk: str
    normalize_provider: Callable[[str], str]
    extra_fields: tuple[str, ...]
    new_link: Callable[[str, str], ImageProfileTag | ChatProfileTag]  # (profile id, tag id) -> link row
    view: type[V]
    edit: type[E]
    provider_kind: Literal["image", "chat"]  # which provider registry the profile's provider is in


IMAGE: ProfileKind[ImageProfileView, ImageProfileEdit] = ProfileKind(
    "image profile", ImageProfile, ImageProfileTag, "image_profile_id",
    provider_ids.normalize_image, tuple(LIMIT_FIELDS),
    lambda profile_id, tag_id: ImageProfileTag(image_profile_id=profile_id, tag_id=tag_id),
    ImageProfileView, ImageProfileEdit, "image",
)
CHAT: ProfileKind[ChatProfileView, ChatProfileEdit] = ProfileKind(
    "chat profile", ChatProfile, ChatProfileTag, "chat_profile_id",
    provider_ids.normalize_chat, ("system_prompt",),
    lambda profile_id, tag_id: ChatProfileTag(chat_profile_id=profile_id, tag_id=tag_id),
    ChatProfileView, ChatProfileEdit, "chat",
)


def create(
    ctx: AppContext,
    kind: ProfileKind[V, E],
    *,
    name: str,
    provider: str,
    model: str,
    key: str | None = None,
    base_url: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    tags: Iterable[str] | None = None,
    default: bool = False,
    system_prompt: str | None = None,
    max_images_per_call: int | str | None = None,
    max_images_per_minute: int | str | None = None,
    max_images_per_day: int | str | None = None,
) -> V:
    """Create a profile; every problem is an :class:`Invalid` naming the field.

    ``system_prompt`` is a chat profile's, the limits an image profile's; giving one to the other kind
    is an :class:`Invalid` naming it.
    """
    own = {
        "system_prompt": system_prompt,
        "max_images_per_call": max_images_per_call,
        "max_images_per_minute": max_images_per_minute,
        "max_images_per_day": max_images_per_day,
    }
    values = {
        "name": validation.name(name),
        "provider": kind.normalize_provider(provider),
        "model": validation.model(model),
        "base_url": validation.base_url(base_url),
        "parameters": _checked_parameters(kind, parameters),
        **_extras(kind, {k: v for k, v in own.items() if v is not None}),
    }
    if kind is IMAGE:
        check_image_parameters(values["provider"], values["model"], values["base_url"], values["parameters"])
    tag_names = validation.tags(tags)
    with ctx.db.session() as session:
        _ensure_name_free(session, kind, values["name"])
        values["api_key_id"] = _key_id(session, key)
        row = kind.model(**values)
        _check_key(session, kind, row)
        session.add(row)
        _set_tags(session, kind, row.id, tag_names)
        if default:
            _clear_default(session, kind)
            row.is_default = True
        _commit(session, kind, values["name"])
        return _view(session, kind, row)


def edit(ctx: AppContext, kind: ProfileKind[V, E], name: str, changes: ProfileEdit) -> V:
    """Change only the fields ``changes`` gives (see :class:`ProfileEdit`; make it with ``kind.edit(...)``:
    a field of the other kind, such as a chat profile's system prompt, is an :class:`Invalid` naming it)."""
    with ctx.db.session() as session:
        row = find(session, kind, name)
        if changes.new_name is not None and validation.name(changes.new_name) != row.name:
            _ensure_name_free(session, kind, validation.name(changes.new_name))
            row.name = validation.name(changes.new_name)
        _apply_changes(session, kind, row, changes)
        _check_key(session, kind, row)  # a new key, or a new provider for the old key
        if kind is IMAGE:  # the result as a whole: a new model may not take the old parameters
            check_image_parameters(row.provider, row.model, row.base_url, row.parameters)
        if changes.tags is not None:
            _set_tags(session, kind, row.id, validation.tags(changes.tags))
        if changes.default is True and not row.is_default:
            _clear_default(session, kind)
            row.is_default = True
        elif changes.default is False:
            row.is_default = False
        row.updated_at = utcnow()
        session.add(row)
        _commit(session, kind, row.name)
        return _view(session, kind, row)


def list_profiles(ctx: AppContext, kind: ProfileKind[V, E]) -> list[V]:
    """Every profile of a kind by name: one joined query for the profiles and their keys, one for the tags."""
    with ctx.db.session() as session:
        stmt = (
            select(kind.model, ApiKey)
            .outerjoin(ApiKey, col(ApiKey.id) == col(kind.model.api_key_id))
            .order_by(col(kind.model.name))
        )
        rows: list[tuple[Any, ApiKey | None]] = [(row, key) for row, key in session.exec(stmt).all()]
        tags = _tags_by_profile(session, kind)
        return [_make_view(kind, row, key, tags.get(row.id, [])) for row, key in rows]


def show(ctx: AppContext, kind: ProfileKind[V, E], name: str) -> V:
    with ctx.db.session() as session:
        return _view(session, kind, find(session, kind, name))


def remove(ctx: AppContext, kind: ProfileKind[V, E], name: str) -> V:
    """Delete a profile; its tag links go with it and chats using it are set to none."""
    with ctx.db.session() as session:
        row = find(session, kind, name)
        view = _view(session, kind, row)
        session.delete(row)
        session.commit()
        return view


def set_default(ctx: AppContext, kind: ProfileKind[V, E], name: str) -> V:
    with ctx.db.session() as session:
        row = find(session, kind, name)
        _clear_default(session, kind, keep=row.id)
        row.is_default = True
        session.add(row)
        _commit(session, kind, row.name)
        return _view(session, kind, row)


def find(session: Session, kind: ProfileKind[V, E], name: str) -> Any:
    row = session.exec(select(kind.model).where(kind.model.name == (name or "").strip())).first()
    if row is None:
        raise NotFound(kind.label, name)
    return row


def find_default(session: Session, kind: ProfileKind[V, E]) -> Any:
    return session.exec(select(kind.model).where(col(kind.model.is_default).is_(True))).first()


def tag_names(session: Session, kind: ProfileKind[V, E], profile_id: str) -> list[str]:
    link_fk = getattr(kind.link, kind.link_fk)
    stmt = select(Tag.name).join(kind.link, col(kind.link.tag_id) == col(Tag.id)).where(link_fk == profile_id)
    return sorted(session.exec(stmt).all(), key=str.lower)


def _apply_changes(session: Session, kind: ProfileKind[V, E], row: Any, changes: ProfileEdit) -> None:
    if changes.provider is not None:
        row.provider = kind.normalize_provider(changes.provider)
    if changes.model is not None:
        row.model = validation.model(changes.model)
    if changes.base_url is not None:
        row.base_url = validation.base_url(changes.base_url)
    if changes.key is not None:
        row.api_key_id = _key_id(session, changes.key or None)
    if changes.parameters is not None:
        merged = {**row.parameters, **changes.parameters}
        row.parameters = _checked_parameters(kind, {k: v for k, v in merged.items() if v is not None})
    own = {k: v for k, v in changes.own_fields().items() if v is not None}
    for field_name, value in _extras(kind, own).items():
        setattr(row, field_name, value)


def _checked_parameters(kind: ProfileKind[V, E], parameters: Mapping[str, Any] | None) -> dict[str, Any]:
    params = validation.parameters(parameters)
    return validation.restrictions(params) if kind.label == "image profile" else params


def _extras(kind: ProfileKind[V, E], extra: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(extra) - set(kind.extra_fields)
    if unknown:
        field_name = sorted(unknown)[0]
        raise Invalid(field_name, f"{field_name} does not apply to {_article(kind.label)} {kind.label}.")
    values: dict[str, Any] = {}
    for field_name, value in extra.items():
        if value is None:
            continue
        if field_name in LIMIT_FIELDS:
            values[field_name] = validation.positive_int(value, field_name, maximum=LIMIT_FIELDS[field_name])
        else:
            values[field_name] = str(value).strip() or None
    return values


def _key_id(session: Session, label: str | None) -> str | None:
    if not label:
        return None
    try:
        return key_service.find(session, label).id
    except NotFound as exc:
        raise Invalid("key", f"No key labelled {label!r}; add it with `quilltap-tui keys add`.") from exc


def _check_key(session: Session, kind: ProfileKind[V, E], row: Any) -> None:
    """A key belongs to its provider (:mod:`quilltap_tui.services.key_rules`)."""
    key = session.get(ApiKey, row.api_key_id) if row.api_key_id else None
    if key is not None:
        article = "an" if kind.label[0] in "aeiou" else "a"
        key_rules.check_key_fits(row.provider, key.label, key.provider, what=f"{article} {kind.label}")


def _ensure_name_free(session: Session, kind: ProfileKind[V, E], name: str) -> None:
    if session.exec(select(kind.model).where(kind.model.name == name)).first() is not None:
        raise Invalid("name", _taken(kind.label, name))


def _clear_default(session: Session, kind: ProfileKind[V, E], keep: str | None = None) -> None:
    defaults: list[Any] = list(session.exec(select(kind.model).where(col(kind.model.is_default).is_(True))).all())
    for other in defaults:
        if other.id != keep:
            other.is_default = False
            session.add(other)
    session.flush()


def _set_tags(session: Session, kind: ProfileKind[V, E], profile_id: str, names: list[str]) -> None:
    link_fk = getattr(kind.link, kind.link_fk)
    for link in session.exec(select(kind.link).where(link_fk == profile_id)).all():
        session.delete(link)
    session.flush()
    for tag in ensure_tags(session, names):
        session.add(kind.new_link(profile_id, tag.id))


def ensure_tags(session: Session, names: list[str]) -> list[Tag]:
    """Get or create tags by name (case-insensitive match, first spelling kept)."""
    tags: list[Tag] = []
    existing = {t.name.lower(): t for t in session.exec(select(Tag)).all()}
    for name in names:
        tag = existing.get(name.lower())
        if tag is None:
            tag = Tag(name=name)
            session.add(tag)
            existing[name.lower()] = tag
        tags.append(tag)
    session.flush()
    return tags


def _commit(session: Session, kind: ProfileKind[V, E], name: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        message = str(exc.orig).lower()
        if "default" in message:
            raise Invalid("default", f"Another {kind.label} became the default at the same time; retry.") from exc
        raise Invalid("name", _taken(kind.label, name)) from exc


def _view(session: Session, kind: ProfileKind[V, E], row: Any) -> V:
    key = session.get(ApiKey, row.api_key_id) if row.api_key_id else None
    return _make_view(kind, row, key, tag_names(session, kind, row.id))


def _tags_by_profile(session: Session, kind: ProfileKind[V, E]) -> dict[str, list[str]]:
    """Every profile's tag names (sorted as :func:`tag_names` sorts them), in one query."""
    link_fk = getattr(kind.link, kind.link_fk)
    stmt = select(link_fk, Tag.name).join(kind.link, col(kind.link.tag_id) == col(Tag.id))
    found: dict[str, list[str]] = {}
    for profile_id, tag in session.exec(stmt).all():
        found.setdefault(profile_id, []).append(tag)
    return {profile_id: sorted(names, key=str.lower) for profile_id, names in found.items()}


def _make_view(kind: ProfileKind[V, E], row: Any, key: ApiKey | None, tags: list[str]) -> V:
    own = {field_name: getattr(row, field_name) for field_name in kind.extra_fields}
    return kind.view(
        id=row.id,
        name=row.name,
        provider=row.provider,
        model=row.model,
        base_url=row.base_url,
        effective_base_url=provider_ids.base_url_for(row.provider, row.base_url),
        available=provider_ids.installed(row.provider, kind.provider_kind),
        key=key.label if key else None,
        key_last4=f"…{key.last4}" if key else None,
        parameters=dict(row.parameters),
        tags=tuple(tags),
        default=bool(row.is_default),
        created_at=row.created_at,
        updated_at=row.updated_at,
        **own,
    )


def _taken(noun: str, name: str) -> str:
    return f"{_article(noun).title()} {noun} named {name!r} already exists; choose another name."


def _article(noun: str) -> str:
    """ "an" before "image profile", "a" before "chat profile" (messages read "An image profile named ...")."""
    return "an" if noun[:1].lower() in "aeiou" else "a"
