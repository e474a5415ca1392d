"""The profile listings the TUI's first screen needs, read with plain ``sqlite3`` (no ORM import).

The home screen is usable (profiles listed, ctrl+n opens the new-chat form) once the keys and profiles
are read. Through the ORM that read first imported SQLAlchemy, sqlmodel and the models: about 0.7 CPU-s
between the first paint and a working ctrl+n. Like ``plain_reads``, this path reads only the default
SQLite file at the current schema and returns ``None`` otherwise (the caller then takes the ORM path,
which creates or migrates). ``tests/services/test_plain_profiles.py`` holds its views equal to
``profiles.list_profiles``'.
"""

from __future__ import annotations

from contextlib import closing
from datetime import UTC, datetime
from typing import Any, Literal, overload

from quilltap_tui import provider_ids
from quilltap_tui.db.failures import timed_statement
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.plain_reads import _json, _utc, connect
from quilltap_tui.services.profile_views import ChatProfileView, ImageProfileView, ProfileView

Kind = Literal["image", "chat"]
# The columns each kind adds to the common ones, as the ORM's ProfileKind.extra_fields names them.
_EXTRA: dict[Kind, tuple[str, ...]] = {
    "image": ("max_images_per_call", "max_images_per_minute", "max_images_per_day"),
    "chat": ("system_prompt",),
}
_VIEW: dict[Kind, type[ProfileView]] = {"image": ImageProfileView, "chat": ChatProfileView}


@overload
def list_profiles(ctx: AppContext, kind: Literal["image"]) -> list[ImageProfileView] | None: ...


@overload
def list_profiles(ctx: AppContext, kind: Literal["chat"]) -> list[ChatProfileView] | None: ...


def list_profiles(ctx: AppContext, kind: Kind) -> list[ImageProfileView] | list[ChatProfileView] | None:
    """``profiles.list_profiles`` for ``kind`` without the ORM; None when the ORM path must run."""
    conn = connect(ctx)
    if conn is None:
        return None
    table, extra = f"{kind}_profile", _EXTRA[kind]
    columns = ", ".join(f"p.{name}" for name in
                        ("id", "name", "provider", "model", "base_url", "parameters", "is_default", "created_at",
                         "updated_at", *extra))
    with closing(conn), timed_statement():
        rows = conn.execute(
            f"SELECT {columns}, k.label, k.last4 FROM {table} p"  # noqa: S608 - table and columns are ours
            " LEFT OUTER JOIN api_key k ON k.id = p.api_key_id ORDER BY p.name"
        ).fetchall()
        tags: dict[str, list[str]] = {}
        for profile_id, tag in conn.execute(
            f"SELECT l.{table}_id, t.name FROM {table}_tag l JOIN tag t ON l.tag_id = t.id"  # noqa: S608
        ):
            tags.setdefault(profile_id, []).append(tag)
    views: list[Any] = []
    for row in rows:
        profile_id, name, provider, model, base_url, parameters, is_default, created_at, updated_at = row[:9]
        own = dict(zip(extra, row[9:9 + len(extra)], strict=True))
        label, last4 = row[9 + len(extra):]
        views.append(_VIEW[kind](
            id=profile_id, name=name, provider=provider, model=model, base_url=base_url,
            effective_base_url=provider_ids.base_url_for(provider, base_url),
            available=provider_ids.installed(provider, kind),
            key=label, key_last4=f"…{last4}" if label is not None else None,
            parameters=dict(_json(parameters) or {}),
            tags=tuple(sorted(tags.get(profile_id, []), key=str.lower)),
            default=bool(is_default), created_at=_utc(created_at) or datetime.now(UTC),
            updated_at=_utc(updated_at) or datetime.now(UTC),
            **own,
        ))
    return views
