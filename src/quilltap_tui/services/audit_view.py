"""What the audit service returns about one audit row; imports nothing heavy (``audit``'s plain sqlite3
path makes these too). ``AuditView.as_json()`` is the ``audit --json`` item, keys in this order."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class AuditView:
    """One audit row as ``audit`` shows it: what was asked, of which profile, and how it ended."""

    id: int
    time: datetime
    action: str  # generate | edit | validate_key
    source: str  # cli | tool | tui | mcp
    profile: str | None
    provider: str
    model: str | None
    prompt: str | None
    parameters: Mapping[str, Any]  # {"requested": {...}, "used": {...}}
    outcome: str  # ok | error | limited (and pending while it runs)
    error_class: str | None
    error: str | None
    latency_ms: int | None
    image_ids: tuple[str, ...]
    chat_id: str | None

    def as_json(self) -> dict[str, Any]:
        """The ``audit --json`` item."""
        return {
            "id": self.id,
            "time": self.time.isoformat(),
            "action": self.action,
            "source": self.source,
            "profile": self.profile,
            "provider": self.provider,
            "model": self.model,
            "prompt": self.prompt,
            "parameters": dict(self.parameters),
            "outcome": self.outcome,
            "error_class": self.error_class,
            "error": self.error,
            "latency_ms": self.latency_ms,
            "image_ids": list(self.image_ids),
            "chat_id": self.chat_id,
        }
