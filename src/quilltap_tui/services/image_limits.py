"""An image profile ready to call, and the rules of its limits; imports nothing of the ORM.

Both generation stores (:mod:`services.sql_generation_store` and :mod:`services.plain_generation_store`)
read a profile and reserve its images by these rules, so ``generate`` on the SQLite file needs neither
SQLAlchemy nor the models (see :mod:`services.generation_store`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from quilltap_tui import provider_ids
from quilltap_tui.errors import LimitExceeded, NotFound
from quilltap_tui.services import key_rules

if TYPE_CHECKING:
    from quilltap_tui.services.context import AppContext

PENDING = "pending"
# A reservation older than this stops counting: its run died (killed, crashed) without finishing. The
# longest live run (every retry of a slow provider: 3 x 120 s plus 60 s of waits) ends well before.
PENDING_TTL = timedelta(minutes=15)


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


@dataclass(frozen=True)
class ProfileRow:
    """An image profile's row joined to its key's vault reference (never the secret), as a store read it."""

    id: str
    name: str
    provider: str
    model: str
    base_url: str | None
    parameters: Mapping[str, Any] | None
    max_images_per_call: int
    max_images_per_minute: int
    max_images_per_day: int
    key_id: str | None
    backend: str | None
    env_var: str | None
    key_label: str | None
    key_provider: str | None


def not_found(name: str | None) -> NotFound:
    """The error for a profile that is not there: the named one, or no default at all."""
    if name:
        return NotFound("image profile", name)
    return NotFound(
        "image profile",
        "(default)",
        "No default image profile: pass --profile NAME or run `quilltap-tui image-profiles set-default NAME`.",
    )


def resolved(ctx: AppContext, row: ProfileRow) -> ResolvedProfile:
    """The profile with its secret: the profile's key, else the provider's env var."""
    provider_ids.require_installed(row.provider, "image", row.name)
    secret: str | None
    if row.key_id:  # a profile saved before keys were bound to providers may hold another provider's key
        key_rules.check_key_fits(row.provider, row.key_label or "", row.key_provider or "", what="an image profile")
        secret = ctx.vault.get(row.key_id, row.backend or "", row.env_var)
    else:
        secret = key_rules.env_secret(ctx, row.provider)
    return ResolvedProfile(
        id=row.id,
        name=row.name,
        provider=row.provider,
        model=row.model,
        base_url=provider_ids.base_url_for(row.provider, row.base_url),
        parameters=dict(row.parameters or {}),
        max_images_per_call=row.max_images_per_call,
        max_images_per_minute=row.max_images_per_minute,
        max_images_per_day=row.max_images_per_day,
        secret=secret,
    )


def check_per_call(profile: ResolvedProfile, count: int) -> None:
    """Refuse a request for more images than the profile allows in one call."""
    if count > profile.max_images_per_call:
        raise LimitExceeded(
            "count",
            f"Image profile {profile.name} allows at most {profile.max_images_per_call} images per call; "
            f"{count} were asked for.",
        )


def check_windows(profile: ResolvedProfile, minute: int, day: int, count: int) -> None:
    """Refuse ``count`` more images when the last minute's or day's counted images leave no room."""
    _check_window(profile, "minute", profile.max_images_per_minute, minute, count)
    _check_window(profile, "day", profile.max_images_per_day, day, count)


def _check_window(profile: ResolvedProfile, label: str, limit: int, made: int, count: int) -> None:
    if made + count > limit:
        raise LimitExceeded(
            f"max_images_per_{label}",
            f"Image profile {profile.name} allows {limit} images per {label}; {made} were made "
            f"in the last {label}, so {count} more would exceed it.",
        )


def windows(profile_id: str, now: datetime) -> dict[str, Any]:
    """The bounds the counting query takes: what counts is ``ok`` and ``error`` rows of the last day, and
    ``pending`` ones younger than :data:`PENDING_TTL`; ``minute`` splits off the last minute's."""
    return {"profile_id": profile_id, "minute": now - timedelta(minutes=1), "day": now - timedelta(days=1),
            "stale": now - PENDING_TTL}
