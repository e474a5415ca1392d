"""Loading an image profile for generation: its key, its base URL, and its limits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from quilltap_tui import provider_ids
from quilltap_tui.db.models import ApiKey, AuditEntry, ImageProfile, utcnow
from quilltap_tui.errors import LimitExceeded, NotFound
from quilltap_tui.services import profiles
from quilltap_tui.services.context import AppContext


@dataclass(frozen=True)
class ResolvedProfile:
    """An image profile ready to call: never printed, because it carries the secret."""

    id: str
    name: str
    provider: str
    model: str
    base_url: str
    parameters: dict[str, Any]
    max_images_per_call: int
    max_images_per_minute: int
    max_images_per_day: int
    secret: str | None

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return f"ResolvedProfile(name={self.name!r}, provider={self.provider!r}, model={self.model!r})"


def resolve_profile(ctx: AppContext, name: str | None) -> ResolvedProfile:
    """The named profile (or the default) with its secret: the profile's key, else the provider's env var."""
    with ctx.db.session() as session:
        row = _find(session, name)
        key = session.get(ApiKey, row.api_key_id) if row.api_key_id else None
        secret = ctx.vault.get(key.id, key.backend, key.env_var) if key else env_secret(ctx, row.provider)
        return ResolvedProfile(
            id=row.id,
            name=row.name,
            provider=row.provider,
            model=row.model,
            base_url=provider_ids.base_url_for(row.provider, row.base_url),
            parameters=dict(row.parameters),
            max_images_per_call=row.max_images_per_call,
            max_images_per_minute=row.max_images_per_minute,
            max_images_per_day=row.max_images_per_day,
            secret=secret,
        )


def env_secret(ctx: AppContext, provider: str) -> str | None:
    """A provider environment variable (OPENAI_API_KEY, ...) as a read-only fallback key."""
    for var in provider_ids.PROVIDERS[provider].env_vars:
        value = ctx.environ.get(var, "").strip()
        if value:
            return value
    return None


def check_limits(ctx: AppContext, profile: ResolvedProfile, count: int, *, pending: int = 0) -> None:
    """Refuse a request over the profile's per-call, per-minute or per-day image limits.

    ``pending``: images of this profile already allowed but not yet recorded (calls still running).
    """
    if count > profile.max_images_per_call:
        raise LimitExceeded(
            "count",
            f"Image profile {profile.name} allows at most {profile.max_images_per_call} images per call; "
            f"{count} were asked for.",
        )
    with ctx.db.session() as session:
        for window, limit, label in (
            (timedelta(minutes=1), profile.max_images_per_minute, "minute"),
            (timedelta(days=1), profile.max_images_per_day, "day"),
        ):
            made = images_made_since(session, profile.id, window) + pending
            if made + count > limit:
                raise LimitExceeded(
                    f"max_images_per_{label}",
                    f"Image profile {profile.name} allows {limit} images per {label}; {made} were made "
                    f"in the last {label}, so {count} more would exceed it.",
                )


def images_made_since(session: Session, profile_id: str, window: timedelta) -> int:
    since = utcnow() - window
    stmt = select(func.coalesce(func.sum(AuditEntry.image_count), 0)).where(
        AuditEntry.image_profile_id == profile_id,
        AuditEntry.outcome == "ok",
        col(AuditEntry.created_at) >= since,
    )
    return int(session.exec(stmt).one())


def _find(session: Session, name: str | None) -> ImageProfile:
    if name:
        row: ImageProfile = profiles.find(session, profiles.IMAGE, name)
        return row
    default: ImageProfile | None = profiles.find_default(session, profiles.IMAGE)
    if default is None:
        raise NotFound(
            "image profile",
            "(default)",
            "No default image profile: pass --profile NAME or run `quilltap-tui image-profiles set-default NAME`.",
        )
    return default
