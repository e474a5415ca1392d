"""What may be shown about a stored key (never the secret); imports nothing heavy, for `keys list`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True)
class KeyView:
    """What may be shown about a key: never the secret."""

    id: str
    label: str
    provider: str
    masked: str
    backend: str
    env_var: str | None
    valid: bool | None
    validated_at: datetime | None
    created_at: datetime
    used_by: tuple[str, ...] = ()  # profile names, sorted

    def as_json(self) -> dict[str, Any]:
        """The `keys list --json` item (`keys add/rm --json` print one)."""
        return {
            "id": self.id,
            "label": self.label,
            "provider": self.provider,
            "last4": self.masked,
            "backend": self.backend,
            "env_var": self.env_var,
            "valid": self.valid,
            "validated_at": self.validated_at.isoformat() if self.validated_at else None,
            "created_at": self.created_at.isoformat(),
            "used_by": list(self.used_by),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class KeyCheck:
    """A key that its provider (or the compatible server at ``base_url``) accepted."""

    label: str
    provider: str
    base_url: str  # the API root it was checked against
    valid: bool
    message: str  # one sentence for the user

    def as_json(self) -> dict[str, Any]:
        """The ``keys validate --json`` document."""
        return {"label": self.label, "provider": self.provider, "base_url": self.base_url, "valid": self.valid,
                "message": self.message}
