"""Loading an image profile for generation and reserving its images, through the ORM.

The rules (what a resolved profile is, what counts against a limit) are :mod:`services.image_limits`',
shared with the plain ``sqlite3`` store (:mod:`services.plain_generation_store`).

Limits hold across processes: :func:`reserve` checks the per-minute and per-day counts and records the
attempt as a ``pending`` audit row in one transaction taken under a lock every process honours
(SQLite's write lock, taken up front with ``BEGIN IMMEDIATE``; a transaction-scoped advisory lock on
PostgreSQL). Two ``quilltap-tui generate`` runs, or the TUI and a script, therefore see each other's
reservations before either has made an image, and together cannot exceed a limit.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

from sqlalchemy import Connection, and_, bindparam, case, func, insert, or_, select, text
from sqlalchemy.sql import Select

from quilltap_tui.db.models import ApiKey, AuditEntry, ImageProfile, utcnow
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.image_limits import PENDING as PENDING  # its callers import these from here
from quilltap_tui.services.image_limits import PENDING_TTL as PENDING_TTL
from quilltap_tui.services.image_limits import ProfileRow, check_windows, not_found, windows
from quilltap_tui.services.image_limits import ResolvedProfile as ResolvedProfile
from quilltap_tui.services.image_limits import check_per_call as check_per_call
from quilltap_tui.services.image_limits import resolved as resolved_from
from quilltap_tui.services.key_rules import env_secret as env_secret

# In-process callers (an LLM's parallel tool calls) queue here rather than in SQLite's busy handler,
# whose sleeps (up to 100 ms each) would add latency for no gain.
_RESERVE_LOCK = threading.Lock()


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
    if row is None:
        raise not_found(name)
    return resolved_from(ctx, ProfileRow(**row._asdict()))


def reserve(ctx: AppContext, profile: ResolvedProfile, count: int, row: dict[str, Any]) -> int:
    """Check every limit and record the attempt as a pending audit row, atomically across processes.

    ``row``: the audit row's columns (action, source, profile, prompt, ...). Returns its id; the caller
    turns it into the outcome later. Raises :class:`LimitExceeded` (recording nothing) over a limit.
    """
    check_per_call(profile, count)
    with _RESERVE_LOCK, ctx.db.engine.connect() as conn:
        _lock_profile(conn, profile.id)
        now = utcnow()
        minute, day = conn.execute(_RECENT, windows(profile.id, now)).one()
        check_windows(profile, int(minute), int(day), count)
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

