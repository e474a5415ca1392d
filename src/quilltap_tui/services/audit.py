"""The generation audit log: one row per attempt, whatever its outcome. Never a secret.

Provider messages can echo part of a key back (xAI does); every stored message is redacted against
the key that was used before it is written.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import col, select

from quilltap_tui.db.models import AuditEntry, GeneratedImageRecord
from quilltap_tui.errors import LimitExceeded, QuilltapError
from quilltap_tui.imagegen.spec import ImageRequest, UsedParams
from quilltap_tui.secrets import redact
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation_profile import ResolvedProfile


@dataclass
class Attempt:
    """What is known about an attempt when it starts; the clock starts here."""

    profile: ResolvedProfile
    request: ImageRequest
    source: str = "cli"
    chat_id: str | None = None
    started: float = field(default_factory=time.monotonic)

    def base_row(self) -> AuditEntry:
        return AuditEntry(
            action="generate",
            source=self.source,
            image_profile_id=self.profile.id,
            profile_name=self.profile.name,
            provider=self.profile.provider,
            model=self.profile.model,
            prompt=self.request.prompt,
            parameters=_requested(self.request),
            outcome="ok",
            latency_ms=int((time.monotonic() - self.started) * 1000),
            chat_id=self.chat_id,
        )


def success_row(attempt: Attempt, used: UsedParams, records: list[GeneratedImageRecord]) -> AuditEntry:
    """The audit row of a successful attempt; the caller commits it with the image rows."""
    row = attempt.base_row()
    row.parameters = {"requested": row.parameters, "used": used.as_dict()}
    row.image_ids = [r.id for r in records]
    row.image_count = len(records)
    return row


def record_failure(ctx: AppContext, attempt: Attempt, error: QuilltapError) -> None:
    row = attempt.base_row()
    row.outcome = "limited" if isinstance(error, LimitExceeded) else "error"
    row.error_class = type(error).__name__
    row.error_message = redact(str(error), [attempt.profile.secret or ""])
    _write(ctx, row)


def list_entries(ctx: AppContext, *, limit: int = 50, profile: str | None = None) -> list[dict[str, Any]]:
    with ctx.db.session() as session:
        stmt = select(AuditEntry)
        if profile:
            stmt = stmt.where(AuditEntry.profile_name == profile)
        rows = session.exec(stmt.order_by(col(AuditEntry.id).desc()).limit(limit)).all()
        return [entry_json(r) for r in rows]


def entry_json(row: AuditEntry) -> dict[str, Any]:
    return {
        "id": row.id,
        "time": row.created_at.isoformat(),
        "action": row.action,
        "source": row.source,
        "profile": row.profile_name,
        "provider": row.provider,
        "model": row.model,
        "prompt": row.prompt,
        "parameters": row.parameters,
        "outcome": row.outcome,
        "error_class": row.error_class,
        "error": row.error_message,
        "latency_ms": row.latency_ms,
        "image_ids": row.image_ids,
        "chat_id": row.chat_id,
    }


def _write(ctx: AppContext, row: AuditEntry) -> None:
    with ctx.db.session() as session:
        session.add(row)
        session.commit()


def _requested(request: ImageRequest) -> dict[str, Any]:
    fields = ("size", "aspect_ratio", "quality", "style", "count", "negative_prompt", "seed")
    values = {name: getattr(request, name) for name in fields if getattr(request, name) is not None}
    if request.extras:
        values["extras"] = dict(request.extras)
    return values
