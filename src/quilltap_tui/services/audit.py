"""The generation audit log: one row per attempt, whatever its outcome. Never a secret.

Provider messages can echo part of a key back (xAI does); every stored message is redacted against
the key that was used before it is written.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, insert, update
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from quilltap_tui.db.models import AuditEntry, utcnow
from quilltap_tui.errors import LimitExceeded, MalformedResponse, QuilltapError, Timeout
from quilltap_tui.imagegen.options import RECORDED
from quilltap_tui.imagegen.spec import ImageRequest, UsedParams
from quilltap_tui.secrets import redact
from quilltap_tui.services.audit_view import AuditView
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation_profile import PENDING_TTL, ResolvedProfile


@dataclass
class Attempt:
    """What is known about an attempt when it starts; the clock starts here.

    ``audit_id``: the attempt's own audit row, written ``pending`` when its images were reserved
    (:func:`~quilltap_tui.services.generation_profile.reserve`) and given its outcome at the end.
    """

    profile: ResolvedProfile
    request: ImageRequest
    source: str = "cli"
    chat_id: str | None = None
    started: float = field(default_factory=time.monotonic)
    audit_id: int | None = None
    action: str = "generate"  # or "edit"

    def base_values(self) -> dict[str, Any]:
        """The audit row's columns known at the start (no outcome yet)."""
        return {
            "action": self.action,
            "source": self.source,
            "image_profile_id": self.profile.id,
            "profile_name": self.profile.name,
            "provider": self.profile.provider,
            "model": self.profile.model,
            "prompt": self.request.prompt,
            "parameters": _requested(self.request),
            "image_ids": [],
            "chat_id": self.chat_id,
        }

    def latency_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)


def finish_ok(
    conn: Connection, attempt: Attempt, used: UsedParams, image_ids: list[str], billed: int = 0
) -> None:
    """Mark the attempt's pending row ``ok``; the caller commits it with the image rows.

    ``billed``: images asked for in requests that reached the provider but failed (they count too).
    """
    values = {
        "parameters": {"requested": _requested(attempt.request), "used": used.as_dict()},
        "image_ids": image_ids,
        "image_count": len(image_ids) + billed,
        "outcome": "ok",
        "latency_ms": attempt.latency_ms(),
    }
    if attempt.audit_id is None:  # never reserved (a caller outside the service): a row of its own
        conn.execute(_INSERT, {**attempt.base_values(), **values, "created_at": utcnow()})
    elif conn.execute(_FINISH_OK, {"row_id": attempt.audit_id, **values}).rowcount == 0:
        # The attempt was cancelled while its images were being written: the first outcome stands, and
        # raising here rolls the image rows back and removes their files.
        raise AttemptCancelled(_CANCELLED)


class AttemptCancelled(QuilltapError):
    """The attempt's row already says ``cancelled`` when its images would be committed."""


def record_failure(ctx: AppContext, attempt: Attempt, error: BaseException) -> None:
    """The attempt failed, was cancelled or was refused by a limit: its row says how (message redacted)."""
    values = {
        "outcome": _outcome(error),
        "error_class": type(error).__name__,
        "error_message": redact(str(error) or _CANCELLED, [attempt.profile.secret or ""]),
        "latency_ms": attempt.latency_ms(),
        "image_count": attempt.request.count if reached_provider(error) else 0,
    }
    with ctx.db.engine.begin() as conn:
        if attempt.audit_id is None:
            conn.execute(_INSERT, {**attempt.base_values(), **values, "created_at": utcnow()})
        else:
            # Never over an ``ok``: a cancellation that arrives once the images are committed changes nothing.
            conn.execute(_RECORD_FAILURE, {"row_id": attempt.audit_id, **values})


def reached_provider(error: BaseException) -> bool:
    """Whether a failed request got as far as the provider doing (and billing) the work.

    A 200 with unusable data, a body cut off or over a cap, a deadline hit while the answer came: the
    provider took the job, so the images asked for count against the limits as if they were made.
    Refusals (auth, content policy, bad request, 429) and connections that never succeeded do not.
    """
    return isinstance(error, MalformedResponse | Timeout)


_CANCELLED = "The generation was stopped before its images were saved."


def _outcome(error: BaseException) -> str:
    if isinstance(error, LimitExceeded):
        return "limited"
    if isinstance(error, asyncio.CancelledError | KeyboardInterrupt):
        return "cancelled"
    return "error"


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


def _requested(request: ImageRequest) -> dict[str, Any]:
    """What was asked for: the recorded options that were given, then the extras (an option outside
    ``used``, such as ``resolution``, is kept with them: it reaches the provider the way they do)."""
    given = request.given()
    values = {name: given[name] for name in RECORDED if name in given}
    extras = {**request.extras, **{k: v for k, v in given.items() if k not in values}}
    if extras:
        values["extras"] = extras
    return values
