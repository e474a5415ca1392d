"""The generation audit log through the ORM: one row per attempt, whatever its outcome. Never a secret.

What the rows say (and the redaction of a stored failure message) is :mod:`services.audit_attempt`'s,
shared with the plain ``sqlite3`` store (:mod:`services.plain_generation_store`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from quilltap_tui.db.models import AuditEntry, utcnow
from quilltap_tui.imagegen.spec import UsedParams
from quilltap_tui.services.audit_attempt import CANCELLED, failure_values, ok_values
from quilltap_tui.services.audit_attempt import Attempt as Attempt  # its callers import these from here
from quilltap_tui.services.audit_attempt import AttemptCancelled as AttemptCancelled
from quilltap_tui.services.audit_attempt import reached_provider as reached_provider
from quilltap_tui.services.audit_view import AuditView
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.image_limits import PENDING_TTL


def finish_ok(
    conn: Connection, attempt: Attempt, used: UsedParams, image_ids: list[str], billed: int = 0
) -> None:
    """Mark the attempt's pending row ``ok``; the caller commits it with the image rows.

    ``billed``: images asked for in requests that reached the provider but failed (they count too).
    """
    values = ok_values(attempt, used, image_ids, billed)
    if attempt.audit_id is None:  # never reserved (a caller outside the service): a row of its own
        conn.execute(_INSERT, {**attempt.base_values(), **values, "created_at": utcnow()})
    elif conn.execute(_FINISH_OK, {"row_id": attempt.audit_id, **values}).rowcount == 0:
        # The attempt was cancelled while its images were being written: the first outcome stands, and
        # raising here rolls the image rows back and removes their files.
        raise AttemptCancelled(CANCELLED)


def record_failure(ctx: AppContext, attempt: Attempt, error: BaseException) -> None:
    """The attempt failed, was cancelled or was refused by a limit: its row says how (message redacted)."""
    values = failure_values(attempt, error)
    with ctx.db.engine.begin() as conn:
        if attempt.audit_id is None:
            conn.execute(_INSERT, {**attempt.base_values(), **values, "created_at": utcnow()})
        else:
            # Never over an ``ok``: a cancellation that arrives once the images are committed changes nothing.
            conn.execute(_RECORD_FAILURE, {"row_id": attempt.audit_id, **values})


# Built once (SQLAlchemy caches their compiled forms); the values come as parameters at execution.
_TABLE = AuditEntry.__table__  # type: ignore[attr-defined]
_INSERT = insert(_TABLE)
# Whichever outcome is written first stands: an ``ok`` is never turned into a failure, and a cancelled
# attempt's images are never committed (a cancel can land while the save runs in its thread).
_FINISH_OK = update(_TABLE).where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.outcome != "cancelled")
_RECORD_FAILURE = update(_TABLE).where(_TABLE.c.id == bindparam("row_id"), _TABLE.c.outcome != "ok")


def image_sources(ctx: AppContext, images: Sequence[tuple[str, datetime]]) -> dict[str, str]:
    """How each image was asked for (``cli``, ``tool``, ``tui``, ``mcp``), from the ``ok`` row that saved it.

    ``images``: ``(id, created_at)`` pairs. An attempt's row is written when it starts and its images
    when it ends, at most :data:`PENDING_TTL` later, which bounds the rows read.
    """
    if not images:
        return {}
    wanted = {image_id for image_id, _ in images}
    times = [created for _, created in images]
    a = _TABLE.c
    stmt = sa_select(a.source, a.image_ids).where(
        a.outcome == "ok", a.created_at >= min(times) - PENDING_TTL, a.created_at <= max(times)
    )
    with ctx.db.engine.connect() as conn:
        rows = conn.execute(stmt).all()
    return {image_id: row.source for row in rows for image_id in (row.image_ids or []) if image_id in wanted}


def list_entries(ctx: AppContext, *, limit: int = 50, profile: str | None = None) -> list[AuditView]:
    """The newest ``limit`` audit rows (only ``profile``'s when given), newest first."""
    with ctx.db.session() as session:
        stmt = select(AuditEntry)
        if profile:
            stmt = stmt.where(AuditEntry.profile_name == profile)
        rows = session.exec(stmt.order_by(col(AuditEntry.id).desc()).limit(limit)).all()
        return [_view(r) for r in rows]


def _view(row: AuditEntry) -> AuditView:
    return AuditView(
        id=int(row.id or 0), time=row.created_at, action=row.action, source=row.source, profile=row.profile_name,
        provider=row.provider, model=row.model, prompt=row.prompt, parameters=dict(row.parameters),
        outcome=row.outcome, error_class=row.error_class, error=row.error_message, latency_ms=row.latency_ms,
        image_ids=tuple(row.image_ids), chat_id=row.chat_id,
    )
