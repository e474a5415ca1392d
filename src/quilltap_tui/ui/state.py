"""What every screen shows about keys, profiles and the vault, loaded in one blocking call.

This module does not import Textual: :func:`load_snapshot` runs in a thread worker and its result is
handed to the screens as plain data.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quilltap_tui.lazy_imports import import_once
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.profile_views import ChatProfileView, ImageProfileView

if TYPE_CHECKING:
    from quilltap_tui.secrets.vault import VaultStatus


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
    """Blocking: probe the vault (bounded by the keyring timeout) and read keys and profiles.

    The home screen is usable once this returns, so it is kept short: the vault check (the file vault's
    scrypt, which runs without the interpreter lock) runs in a thread of its own while the keys and
    profiles are read, with plain ``sqlite3`` when the database allows it (no ORM import before the
    first ctrl+n; the ORM loads in the warm-up after).
    """
    checked: list[VaultStatus] = []
    failed: list[BaseException] = []

    def check() -> None:
        try:
            checked.append(ctx.vault.status(probe_keyring=False))
        except BaseException as exc:  # handed to the caller's thread below, as if raised there
            failed.append(exc)

    vault_check = threading.Thread(target=check, name="vault-status", daemon=True)
    vault_check.start()
    keys, image_profiles, chat_profiles = _read_keys_and_profiles(ctx)
    vault_check.join()
    if failed:
        raise failed[0]
    status = checked[0]
    locked = status.backend == "file" and status.file_exists and not status.unlocked
    return Snapshot(
        vault_mode=status.mode,
        vault_backend=status.backend,
        vault_file=status.file_path,
        vault_locked=locked,
        keyring_name=status.keyring_name,
        keys=keys,
        image_profiles=image_profiles,
        chat_profiles=chat_profiles,
        env_keys=ctx.vault.env_keys(),
    )


def _read_keys_and_profiles(ctx: AppContext) -> tuple[list[Any], list[ImageProfileView], list[ChatProfileView]]:
    """Keys, image and chat profiles: the plain reads when they can answer, else the ORM (fresh home, older
    schema, PostgreSQL), which creates or migrates."""
    from quilltap_tui.services import plain_profiles, plain_reads

    keys = plain_reads.list_keys(ctx)
    image_profiles = plain_profiles.list_profiles(ctx, "image") if keys is not None else None
    chat_profiles = plain_profiles.list_profiles(ctx, "chat") if image_profiles is not None else None
    if keys is None or image_profiles is None or chat_profiles is None:
        # Under the one import lock: a worker preloading the same modules in another thread would otherwise
        # let this one see them half initialised.
        import_once("quilltap_tui.services.keys", "quilltap_tui.services.profiles")
        from quilltap_tui.services import keys as key_service
        from quilltap_tui.services import profiles

        return (key_service.list_keys(ctx), profiles.list_profiles(ctx, profiles.IMAGE),
                profiles.list_profiles(ctx, profiles.CHAT))
    return keys, image_profiles, chat_profiles
