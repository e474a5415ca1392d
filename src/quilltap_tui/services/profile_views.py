"""What the profiles service returns and takes: frozen views and typed edits, one pair per kind.

A view is read by attribute (the UI, the MCP catalogue); ``as_json()`` is the command line's document,
whose keys and their order CONTRACT.md's users rely on: the fields shared by both kinds first, then the
kind's own (the image limits, or the chat system prompt). This module imports nothing heavy.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileView:
    """One stored profile as it may be shown; ``key`` is the key's label, never a secret."""

    id: str
    name: str
    provider: str
    model: str
    base_url: str | None
    effective_base_url: str | None
    available: bool  # False when the provider is no longer installed (a removed plug-in): listed, not usable
    key: str | None
    key_last4: str | None  # "…1234"
    parameters: Mapping[str, Any]
    tags: tuple[str, ...]
    default: bool
    created_at: datetime
    updated_at: datetime

    def as_json(self) -> dict[str, Any]:
        """The ``show --json`` document (``list --json`` prints an array of them)."""
        return {
            "id": self.id,
            "name": self.name,
            "provider": self.provider,
            "model": self.model,
            "base_url": self.base_url,
            "effective_base_url": self.effective_base_url,
            "available": self.available,
            "key": self.key,
            "key_last4": self.key_last4,
            "parameters": dict(self.parameters),
            "tags": list(self.tags),
            "default": self.default,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            **self._own_json(),
        }

    def _own_json(self) -> dict[str, Any]:
        return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageProfileView(ProfileView):
    """An image profile: the shared fields and its generation limits."""

    max_images_per_call: int
    max_images_per_minute: int
    max_images_per_day: int

    def _own_json(self) -> dict[str, Any]:
        return {
            "max_images_per_call": self.max_images_per_call,
            "max_images_per_minute": self.max_images_per_minute,
            "max_images_per_day": self.max_images_per_day,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatProfileView(ProfileView):
    """A chat (connection) profile: the shared fields and its system prompt."""

    system_prompt: str | None

    def _own_json(self) -> dict[str, Any]:
        return {"system_prompt": self.system_prompt}


@dataclass(frozen=True, slots=True, kw_only=True)
class ProfileEdit:
    """What to change in a profile; a field left ``None`` is left alone.

    ``key=""`` removes the key and ``base_url=""`` clears the base URL; ``parameters`` are merged into the
    stored ones, where a ``None`` value removes that parameter; ``tags`` replace the stored tags.
    """

    new_name: str | None = None
    provider: str | None = None
    model: str | None = None
    key: str | None = None
    base_url: str | None = None
    parameters: Mapping[str, Any] | None = None
    tags: Sequence[str] | None = None
    default: bool | None = None

    def own_fields(self) -> dict[str, Any]:
        """The kind's own fields (limits, system prompt) by name, ``None`` for those left alone."""
        return {}


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageProfileEdit(ProfileEdit):
    """An image profile's edit: the shared fields and its limits (whole numbers, or their text from a form)."""

    max_images_per_call: int | str | None = None
    max_images_per_minute: int | str | None = None
    max_images_per_day: int | str | None = None

    def own_fields(self) -> dict[str, Any]:
        return {
            "max_images_per_call": self.max_images_per_call,
            "max_images_per_minute": self.max_images_per_minute,
            "max_images_per_day": self.max_images_per_day,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class ChatProfileEdit(ProfileEdit):
    """A chat profile's edit: the shared fields and its system prompt ("" removes it)."""

    system_prompt: str | None = None

    def own_fields(self) -> dict[str, Any]:
        return {"system_prompt": self.system_prompt}
