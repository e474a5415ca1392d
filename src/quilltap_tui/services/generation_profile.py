"""Loading an image profile for generation (its key, its base URL, its limits) and reserving its images.

Limits hold across processes: :func:`reserve` checks the per-minute and per-day counts and records the
attempt as a ``pending`` audit row in one transaction taken under a lock every process honours
(SQLite's write lock, taken up front with ``BEGIN IMMEDIATE``; a transaction-scoped advisory lock on
PostgreSQL). Two ``quilltap-tui generate`` runs, or the TUI and a script, therefore see each other's
reservations before either has made an image, and together cannot exceed a limit.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, insert, or_, select, text
from sqlalchemy.sql import Select

from quilltap_tui import provider_ids
from quilltap_tui.db.models import ApiKey, AuditEntry, ImageProfile, utcnow
from quilltap_tui.errors import LimitExceeded, NotFound
from quilltap_tui.services import key_rules
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.key_rules import env_secret as env_secret  # its callers import it from here

PENDING = "pending"
# A reservation older than this stops counting: its run died (killed, crashed) without finishing. The
# longest live run (every retry of a slow provider: 3 x 120 s plus 60 s of waits) ends well before.
PENDING_TTL = timedelta(minutes=15)
# In-process callers (an LLM's parallel tool calls) queue here rather than in SQLite's busy handler,
# whose sleeps (up to 100 ms each) would add latency for no gain.
_RESERVE_LOCK = threading.Lock()


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


def _profile_query() -> Select[Any]:
    # One statement (profile joined to its key's vault reference), built once: SQLAlchemy then reuses
    # its compiled form, and no ORM objects are built for a row that is only read.
    p, k = ImageProfile.__table__.c, ApiKey.__table__.c  # type: ignore[attr-defined]
    return select(
        p.id, p.name, p.provider, p.model, p.base_url, p.parameters, p.max_images_per_call,
        p.max_images_per_minute, p.max_images_per_day, k.id.label("key_id"), k.backend, k.env_var,
        k.label.label("key_label"), k.provider.label("key_provider"),
    ).select_from(ImageProfile.__table__.outerjoin(ApiKey.__table__, p.api_key_id == k.id))  # type: ignore[attr-defined]


_BY_NAME = _profile_query().where(ImageProfile.__table__.c.name == bindparam("name"))  # type: ignore[attr-defined]
_DEFAULT = _profile_query().where(ImageProfile.__table__.c.is_default.is_(True))  # type: ignore[attr-defined]


def resolve_profile(ctx: AppContext, name: str | None) -> ResolvedProfile:
    """The named profile (or the default) with its secret: the profile's key, else the provider's env var."""
    wanted = (name or "").strip()
    with ctx.db.engine.connect() as conn:
        row = conn.execute(_BY_NAME, {"name": wanted}).first() if name else conn.execute(_DEFAULT).first()
    if row is None and name:
        raise NotFound("image profile", name)
    if row is None:
        raise NotFound(
            "image profile",
            "(default)",
            "No default image profile: pass --profile NAME or run `quilltap-tui image-profiles set-default NAME`.",
        )
    provider_ids.require_installed(row.provider, "image", row.name)
    if row.key_id:  # a profile saved before keys were bound to providers may hold another provider's key
        key_rules.check_key_fits(row.provider, row.key_label, row.key_provider, what="an image profile")
    secret = ctx.vault.get(row.key_id, row.backend, row.env_var) if row.key_id else env_secret(ctx, row.provider)
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


def reserve(ctx: AppContext, profile: ResolvedProfile, count: int, row: dict[str, Any]) -> int:
    """Check every limit and record the attempt as a pending audit row, atomically across processes.

    ``row``: the audit row's columns (action, source, profile, prompt, ...). Returns its id; the caller
    turns it into the outcome later. Raises :class:`LimitExceeded` (recording nothing) over a limit.
    """
    check_per_call(profile, count)
    with _RESERVE_LOCK, ctx.db.engine.connect() as conn:
        _lock_profile(conn, profile.id)
        now = utcnow()
        minute, day = conn.execute(_RECENT, _windows(profile.id, now)).one()
        _check_window(profile, "minute", profile.max_images_per_minute, int(minute), count)
        _check_window(profile, "day", profile.max_images_per_day, int(day), count)
        values = {**row, "created_at": now, "outcome": PENDING, "image_count": count}
        row_id = conn.execute(_INSERT_PENDING, values).scalar_one()
        conn.commit()
    return int(row_id)


def _lock_profile(conn: Connection, profile_id: str) -> None:
    """Start the transaction holding a lock that other processes' reservations for this profile wait on."""
    dialect = conn.dialect.name
    if dialect == "sqlite":
        # The write lock up front: a deferred transaction would read, then fail (not wait) to write.
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    elif dialect == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key(profile_id)})
    else:
        p = ImageProfile.__table__.c  # type: ignore[attr-defined]
        conn.execute(select(p.id).where(p.id == profile_id).with_for_update())


def lock_key(profile_id: str) -> int:
    """A stable signed 64-bit advisory-lock key for one image profile's limits."""
    digest = hashlib.sha256(f"quilltap-tui/limits/{profile_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _check_window(profile: ResolvedProfile, label: str, limit: int, made: int, count: int) -> None:
    if made + count > limit:
        raise LimitExceeded(
            f"max_images_per_{label}",
            f"Image profile {profile.name} allows {limit} images per {label}; {made} were made "
            f"in the last {label}, so {count} more would exceed it.",
        )


def _recent_counts() -> Select[Any]:
    """Images per minute and per day that count against the limits (see the ``where`` below)."""
    a = AuditEntry.__table__.c  # type: ignore[attr-defined]
    in_minute = case((a.created_at >= bindparam("minute"), a.image_count), else_=0)
    return select(func.coalesce(func.sum(in_minute), 0), func.coalesce(func.sum(a.image_count), 0)).where(
        a.image_profile_id == bindparam("profile_id"),
        a.created_at >= bindparam("day"),
        # Made (``ok``), failed after the provider took the job (``error`` rows keep a count then), or
        # reserved by a run still going (fresh ``pending``).
        or_(a.outcome.in_(("ok", "error")), and_(a.outcome == PENDING, a.created_at >= bindparam("stale"))),
    )


_RECENT = _recent_counts()
# Built once; the values come as parameters (a statement rebuilt per call costs more than the insert).
_INSERT_PENDING = insert(AuditEntry.__table__).returning(AuditEntry.__table__.c.id)  # type: ignore[attr-defined]


def _windows(profile_id: str, now: datetime) -> dict[str, Any]:
    return {"profile_id": profile_id, "minute": now - timedelta(minutes=1), "day": now - timedelta(days=1),
            "stale": now - PENDING_TTL}

