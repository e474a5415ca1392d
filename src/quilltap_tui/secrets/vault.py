"""The key vault: one front door to the OS keyring, the encrypted file vault and the environment.

``settings.vault`` (``QUILLTAP_VAULT``) picks where new keys are written: ``auto`` uses the OS keyring
when a secure backend answers and the file vault otherwise, ``keyring`` and ``file`` insist on one,
``env`` is read-only. Reads go to whichever backend the key's database row names, whatever the mode,
so changing the mode never strands keys stored earlier.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from quilltap_tui.config import Settings
from quilltap_tui.errors import Invalid, VaultError, VaultUnavailable
from quilltap_tui.paths import Paths
from quilltap_tui.redaction import register
from quilltap_tui.secrets import file_format
from quilltap_tui.secrets.env_keys import EnvKey, find_env_keys, read_env_key
from quilltap_tui.secrets.file_vault import FileVault, PassphraseProvider
from quilltap_tui.secrets.keyring_store import KeyringStore

BACKENDS = ("keyring", "file", "env")


@dataclass(frozen=True)
class VaultStatus:
    """What ``doctor`` and the key-vault screen show. Never holds a secret."""

    mode: str
    backend: str  # where new keys go: 'keyring' or 'file', or 'env' (read-only mode)
    keyring_name: str | None
    keyring_usable: bool | None  # None: not probed (asked without the probe, in the file or env mode)
    file_path: str
    file_exists: bool
    unlocked: bool


class Vault:
    """Store, read and delete API keys by key id. Safe to share between threads."""

    def __init__(
        self,
        paths: Paths,
        settings: Settings,
        *,
        passphrase_provider: PassphraseProvider | None = None,
        environ: Mapping[str, str] | None = None,
        _scrypt_n: int = file_format.DEFAULT_SCRYPT_N,
    ) -> None:
        # ``_scrypt_n`` exists so tests can create vaults quickly; readers always use the file's own n.
        self._settings = settings
        self._environ: Mapping[str, str] = os.environ if environ is None else environ
        self._keyring = KeyringStore(settings.keyring_timeout)
        self._file = FileVault(
            paths.vault_file,
            environ=self._environ,
            passphrase_provider=passphrase_provider,
            scrypt_n=_scrypt_n,
        )

    @property
    def mode(self) -> str:
        """The configured mode: auto, keyring, file or env."""
        return self._settings.vault

    def write_backend(self) -> str:
        """Where :meth:`put` writes: 'keyring' or 'file'. Probes the keyring once (cached)."""
        if self.mode == "env":
            raise VaultUnavailable(
                "The vault is in env mode (QUILLTAP_VAULT=env), which is read-only: set the provider's "
                "environment variable instead, or choose another vault mode to store keys."
            )
        if self.mode == "file":
            return "file"
        probe = self._keyring.probe()
        if probe.usable:
            return "keyring"
        if self.mode == "keyring":
            raise VaultUnavailable(f"{probe.reason} Use QUILLTAP_VAULT=file or auto to use the file vault.")
        return "file"

    def put(self, key_id: str, secret: str) -> str:
        """Store ``secret`` under ``key_id`` in :meth:`write_backend` and return that backend's name."""
        _check_key_id(key_id)
        if not secret:
            raise Invalid("secret", "The key is empty.")
        register(secret)
        backend = self.write_backend()
        if backend == "keyring":
            self._keyring.set(key_id, secret)
        else:
            self._file.put(key_id, secret)
        return backend

    def get(self, key_id: str, backend: str, env_var: str | None = None) -> str:
        """The secret for ``key_id`` from ``backend`` ('env' reads ``environ[env_var]``)."""
        _check_backend(backend)
        if backend == "env":
            return read_env_key(self._environ, env_var)  # registers the key it reads
        _check_key_id(key_id)
        if backend == "keyring":
            secret = self._keyring.get(key_id)
            where = "the OS keyring"
        else:
            secret = self._file.get(key_id)
            where = f"the file vault {self._file.path}"
        if secret is None:
            raise VaultError(f"No secret for key {key_id!r} is stored in {where}; add the key again.")
        register(secret)  # from now on every text this process writes is redacted against it
        return secret

    def delete(self, key_id: str, backend: str) -> None:
        """Remove the secret; no error when it is already gone. 'env' is a no-op (read-only)."""
        _check_backend(backend)
        if backend == "keyring":
            self._keyring.delete(key_id)
        elif backend == "file":
            self._file.delete(key_id)

    def env_keys(self) -> list[EnvKey]:
        """Provider keys found in environment variables (name and last four only)."""
        return find_env_keys(self._environ)

    def status(self, *, probe_keyring: bool = True) -> VaultStatus:
        """A summary for ``doctor``; probes the keyring (bounded by the timeout) but never prompts.

        ``probe_keyring=False``: in the file and env modes, where new keys never go to the keyring, skip
        the probe (importing keyring and its backends cost the TUI's start 0.3 s); auto mode still probes.
        """
        probe = self._keyring.probe() if probe_keyring or self.mode == "auto" else None
        if self.mode == "env":
            backend = "env"
        elif self.mode == "auto":
            backend = "keyring" if probe is not None and probe.usable else "file"
        else:
            backend = self.mode
        return VaultStatus(
            mode=self.mode,
            backend=backend,
            keyring_name=probe.name if probe is not None else None,
            keyring_usable=probe.usable if probe is not None else None,
            file_path=str(self._file.path),
            file_exists=self._file.exists(),
            unlocked=self._file.is_unlocked(),
        )

    def unlock(self, passphrase: str) -> None:
        """Verify ``passphrase`` against the file vault and keep the key for this session."""
        self._file.unlock(passphrase)

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-encrypt every file-vault entry under ``new``; the file is replaced atomically."""
        self._file.change_passphrase(old, new)


def _check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise Invalid("backend", f"Unknown key backend {backend!r}: use one of {', '.join(BACKENDS)}.")


def _check_key_id(key_id: str) -> None:
    if not key_id or not key_id.strip():
        raise Invalid("key_id", "A key id must not be empty.")
