"""What the services return about a saved image; imports nothing heavy (the TUI's gallery item
subclasses it at import time, before any database work).

``SavedImage.as_json()`` is one ``images`` item of ``generate --json`` (what a generation, an edit or an
attached file saved).

``GalleryImage.as_json()`` is the ``images list --json`` item CONTRACT.md describes: ``generate --json``'s
image fields, then how and where the image was made, and ``inputs`` (the gallery ids it was made from).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class SavedImage:
    """An image just saved to the gallery: its file and the facts ``generate --json`` prints."""

    id: str
    path: Path  # absolute
    mime_type: str
    width: int
    height: int
    bytes: int
    sha256: str
    revised_prompt: str | None
    seed: int | None

    def as_json(self) -> dict[str, Any]:
        """One ``images`` item of ``generate --json``."""
        return {
            "id": self.id,
            "path": str(self.path),
            "mime_type": self.mime_type,
            "width": self.width,
            "height": self.height,
            "bytes": self.bytes,
            "sha256": self.sha256,
            "revised_prompt": self.revised_prompt,
            "seed": self.seed,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class InputRef:
    """An image an edit was made from: its gallery id (None for a file from outside the gallery)."""

    id: str | None
    path: str  # absolute
    sha256: str

    def as_json(self) -> dict[str, Any]:
        """One ``inputs`` item of ``edit --json``."""
        return {"id": self.id, "path": self.path, "sha256": self.sha256}


@dataclass(frozen=True, slots=True, kw_only=True)
class GalleryImage(SavedImage):
    """One saved image: its file and facts, how it was made, and its lineage."""

    prompt: str
    negative_prompt: str | None
    provider: str
    model: str
    profile: str | None
    used: Mapping[str, Any]
    chat_id: str | None
    message_id: str | None
    created_at: datetime
    parents: tuple[str, ...] = ()  # the gallery images it was made from, in the order sent
    # Read with details=True only:
    chat_title: str | None = None
    source: str | None = None  # how it was asked for: cli, tool, tui or mcp (from the audit log)
    children: tuple[str, ...] = ()  # the gallery images made from it, oldest first

    def as_json(self) -> dict[str, Any]:
        """The ``images list --json`` item: ``generate --json``'s image fields first."""
        return {
            **SavedImage.as_json(self),
            "prompt": self.prompt,
            "negative_prompt": self.negative_prompt,
            "provider": self.provider,
            "model": self.model,
            "profile": self.profile,
            "used": dict(self.used),
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "created_at": self.created_at.isoformat(),
            "inputs": list(self.parents),
        }
