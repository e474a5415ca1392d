"""The encrypted file vault: one JSON file of AES-GCM entries under a scrypt-derived key.

Writers take an exclusive lock on a sibling lock file and re-read the vault inside it, so two
processes adding keys at once both keep theirs; the file itself is replaced atomically, so readers
need no lock. A file that cannot be parsed, or whose version is unknown, is reported and never
overwritten. The passphrase is never stored: only the derived key is cached in memory, per salt.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from quilltap_tui.errors import Invalid, VaultError, VaultLocked
from quilltap_tui.paths import FILE_MODE, atomic_write, ensure_dir
from quilltap_tui.secrets import file_format as ff

PassphraseProvider = Callable[[bool], str | None]
PASSPHRASE_ENV = "QUILLTAP_VAULT_PASSPHRASE"  # noqa: S105 - the variable's name, not a secret
LOCKED_MESSAGE = (
    "The file vault is locked: set QUILLTAP_VAULT_PASSPHRASE or run quilltap-tui in a terminal "
    "to enter the passphrase."
)


class FileVault:
    """Secrets kept in ``path``, unlocked by a passphrase from unlock(), the environment or a prompt."""

    def __init__(
        self,
        path: Path,
        *,
        environ: Mapping[str, str],
        passphrase_provider: PassphraseProvider | None = None,
        scrypt_n: int = ff.DEFAULT_SCRYPT_N,
    ) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")
        self._environ = environ
        self._provider = passphrase_provider
        self._scrypt_n = scrypt_n
        self._mutex = threading.RLock()  # one prompt at a time, and a consistent key cache
        self._keys: dict[ff.KdfParams, bytes] = {}
        self._pending: str | None = None  # given to unlock() before the vault file exists

    def exists(self) -> bool:
        return self.path.exists()

    def is_unlocked(self) -> bool:
        """True when the vault can be opened without asking anyone (the environment may be tried)."""
        with self._mutex:
            try:
                doc = self._read()
            except VaultError:
                return False
            env = self._environ.get(PASSPHRASE_ENV) or ""
            if doc is None:  # nothing to open yet: "unlocked" means it can be created unattended
                return self._pending is not None or bool(env)
            if doc.kdf in self._keys:
                return True
            return bool(env) and self._try(doc, env) is not None

    def unlock(self, passphrase: str) -> None:
        """Verify ``passphrase`` and remember the key (or, before the file exists, the passphrase)."""
        with self._mutex:
            doc = self._read()
            if doc is None:
                self._pending = _non_empty(passphrase)
            elif self._try(doc, passphrase) is None:
                raise VaultLocked(f"Wrong passphrase for the file vault {self.path}.")

    def get(self, key_id: str) -> str | None:
        """The secret stored under ``key_id``, or None when there is none."""
        with self._mutex:
            doc = self._read()
            if doc is None or key_id not in doc.entries:
                return None
            return self._open_entry(doc, self._key_for(doc), key_id)

    def put(self, key_id: str, secret: str) -> None:
        """Store ``secret`` under ``key_id`` with a fresh nonce, creating the vault if needed."""
        with self._mutex:
            before = self._read()
            # Ask before taking the file lock: a prompt may take a while and other writers wait on it.
            created = self._creation_passphrase() if before is None else None
            if before is not None:
                self._key_for(before)  # cached per salt, so the call under the lock is free
            with self._file_lock():
                doc = self._read()  # again: another process may have written since
                if doc is None:
                    doc, key = self._create((created or self._creation_passphrase())[1])
                else:
                    key = self._key_for(doc, hint=created)
                doc.entries[key_id] = ff.seal(key, secret.encode("utf-8"), ff.entry_aad(key_id))
                self._write(doc)

    def delete(self, key_id: str) -> None:
        """Remove ``key_id``. Needs no passphrase: removing a sealed entry reveals nothing."""
        if not self.path.exists():  # nothing to remove; do not create the directory or lock file
            return
        with self._mutex, self._file_lock():
            doc = self._read()
            if doc is not None and doc.entries.pop(key_id, None) is not None:
                self._write(doc)

    def change_passphrase(self, old: str, new: str) -> None:
        """Re-encrypt every entry under ``new`` (new salt, new nonces) in one atomic replace."""
        with self._mutex, self._file_lock():
            doc = self._read()
            if doc is None:
                raise VaultError(
                    f"There is no file vault at {self.path} yet; it is created with the first key."
                )
            old_key = self._try(doc, old)
            if old_key is None:
                raise VaultLocked(f"Wrong passphrase for the file vault {self.path}.")
            secrets = {kid: self._open_entry(doc, old_key, kid) for kid in doc.entries}
            fresh, key = self._create(_non_empty(new))
            for kid, secret in secrets.items():
                fresh.entries[kid] = ff.seal(key, secret.encode("utf-8"), ff.entry_aad(kid))
            self._write(fresh)
            self._keys = {fresh.kdf: key}

    # -- passphrases and keys -------------------------------------------------------------------

    def _sources(self, creating: bool) -> Iterator[tuple[str, str]]:
        """Passphrase candidates in contract order, each produced only when the previous one failed."""
        if self._pending is not None:
            yield "unlock", self._pending
        env = self._environ.get(PASSPHRASE_ENV) or ""
        if env:
            yield "env", env
        if self._provider is not None:
            answer = self._provider(creating)
            if answer is not None:
                yield "prompt", answer

    def _creation_passphrase(self) -> tuple[str, str]:
        for origin, passphrase in self._sources(creating=True):
            return origin, _non_empty(passphrase)
        raise VaultLocked(LOCKED_MESSAGE)

    def _key_for(self, doc: ff.VaultDocument, hint: tuple[str, str] | None = None) -> bytes:
        cached = self._keys.get(doc.kdf)
        if cached is not None:
            return cached
        candidates = [hint] if hint is not None else self._sources(creating=False)
        for origin, passphrase in candidates:
            key = self._try(doc, passphrase)
            if key is not None:
                return key
            if origin == "unlock":  # stale: the vault was created elsewhere meanwhile
                self._pending = None
                continue
            raise VaultLocked(_wrong_message(origin, self.path))
        raise VaultLocked(LOCKED_MESSAGE)

    def _try(self, doc: ff.VaultDocument, passphrase: str) -> bytes | None:
        key = ff.derive_key(passphrase, doc.kdf)
        if not ff.key_matches(doc, key):
            return None
        self._keys[doc.kdf] = key
        self._pending = None
        return key

    def _create(self, passphrase: str) -> tuple[ff.VaultDocument, bytes]:
        kdf = ff.KdfParams(os.urandom(ff.SALT_BYTES), n=self._scrypt_n)
        key = ff.derive_key(passphrase, kdf)
        self._keys[kdf] = key
        self._pending = None
        return ff.new_document(key, kdf), key

    def _open_entry(self, doc: ff.VaultDocument, key: bytes, key_id: str) -> str:
        plain = ff.unseal(key, doc.entries[key_id], ff.entry_aad(key_id))
        if plain is None:
            raise VaultError(
                f"The vault entry for key {key_id!r} in {self.path} failed its integrity check "
                "(the file was damaged or altered)."
            )
        return plain.decode("utf-8")

    # -- the file ----------------------------------------------------------------------------------

    def _read(self) -> ff.VaultDocument | None:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise VaultError(f"The vault file {self.path} cannot be read ({exc.strerror}).") from None
        return ff.loads(raw, self.path)

    def _write(self, doc: ff.VaultDocument) -> None:
        atomic_write(self.path, ff.dumps(doc))

    @contextlib.contextmanager
    def _file_lock(self) -> Iterator[None]:
        ensure_dir(self.path.parent)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, FILE_MODE)
        try:
            _lock_fd(fd)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the lock


if sys.platform == "win32":
    import msvcrt

    def _lock_fd(fd: int) -> None:
        msvcrt.locking(fd, msvcrt.LK_LOCK, 1)

else:
    import fcntl

    def _lock_fd(fd: int) -> None:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _non_empty(passphrase: str) -> str:
    if not passphrase:
        raise Invalid("passphrase", "The vault passphrase must not be empty.")
    return passphrase


def _wrong_message(origin: str, path: Path) -> str:
    if origin == "env":
        return f"The passphrase in {PASSPHRASE_ENV} does not unlock the file vault {path}."
    return f"Wrong passphrase for the file vault {path}."
