"""What every screen shows about keys, profiles and the vault, loaded in one blocking call.

This module does not import Textual: :func:`load_snapshot` runs in a thread worker and its result is
handed to the screens as plain data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quilltap_tui.services.context import AppContext
from quilltap_tui.services.profile_views import ChatProfileView, ImageProfileView


@dataclass(frozen=True)
class Snapshot:
    """Keys, profiles and vault status at one moment. Never holds a secret."""

    vault_mode: str
    vault_backend: str
    vault_file: str
    vault_locked: bool
    keyring_name: str | None
    keys: list[Any] = field(default_factory=list)  # services.keys.KeyView
    image_profiles: list[ImageProfileView] = field(default_factory=list)
    chat_profiles: list[ChatProfileView] = field(default_factory=list)
    env_keys: list[Any] = field(default_factory=list)  # secrets.EnvKey (variable name and last four)
    error: str | None = None

    @property
    def default_image(self) -> str | None:
        return next((p.name for p in self.image_profiles if p.default), None)

    @property
    def default_chat(self) -> str | None:
        return next((p.name for p in self.chat_profiles if p.default), None)

    @property
    def image_profile_names(self) -> list[str]:
        return [p.name for p in self.image_profiles]

    @property
    def chat_profile_names(self) -> list[str]:
        return [p.name for p in self.chat_profiles]

    @property
    def key_labels(self) -> list[str]:
        return [k.label for k in self.keys]

    @property
    def is_first_run(self) -> bool:
        """Nothing set up yet: no key and no profile of either kind."""
        return not (self.keys or self.image_profiles or self.chat_profiles) and self.error is None

    def backend_sentence(self) -> str:
        """One line for the key-vault banner: where new keys go."""
        if self.vault_backend == "keyring":
            return f"New keys go to the OS keyring ({self.keyring_name or 'system keyring'})."
        if self.vault_backend == "env":
            return "Env mode (QUILLTAP_VAULT=env): keys are read from environment variables only."
        state = "locked" if self.vault_locked else "unlocked"
        return f"New keys go to the encrypted file vault {self.vault_file} ({state})."


def load_snapshot(ctx: AppContext) -> Snapshot:
    """Blocking: probe the vault (bounded by the keyring timeout) and read keys and profiles."""
    from quilltap_tui.services import keys, profiles

    status = ctx.vault.status()
    locked = status.backend == "file" and status.file_exists and not status.unlocked
    return Snapshot(
        vault_mode=status.mode,
        vault_backend=status.backend,
        vault_file=status.file_path,
        vault_locked=locked,
        keyring_name=status.keyring_name,
        keys=keys.list_keys(ctx),
        image_profiles=profiles.list_profiles(ctx, profiles.IMAGE),
        chat_profiles=profiles.list_profiles(ctx, profiles.CHAT),
        env_keys=ctx.vault.env_keys(),
    )
