"""The encrypted vault file: its JSON layout, key derivation and per-entry encryption.

Layout (version 1)::

    {"format": "quilltap-vault", "version": 1,
     "kdf": {"name": "scrypt", "salt": b64, "n": 32768, "r": 8, "p": 1},
     "check": {"nonce": b64, "ciphertext": b64},
     "entries": {key_id: {"nonce": b64, "ciphertext": b64}}}

Each entry is AES-256-GCM with its own random 12-byte nonce (a fresh one on every write) and the
key id as associated data, so an entry moved under another id fails to decrypt. ``check`` encrypts a
constant, so a wrong passphrase is detected before anything is decrypted or written.

Cost: scrypt with n=2**15, r=8, p=1 takes 32 MiB of memory and roughly 0.1 s per derivation on a
laptop; the derived key is cached in memory for the session, so this is paid once per process.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from quilltap_tui.errors import VaultError

FORMAT = "quilltap-vault"
VERSION = 1
DEFAULT_SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
# Upper bounds on parameters read from a file, so a hostile file cannot make us allocate gigabytes.
_MAX_N, _MAX_R, _MAX_P = 2**20, 32, 16
SALT_BYTES = 16
NONCE_BYTES = 12
KEY_BYTES = 32
_CHECK_PLAINTEXT = b"quilltap-vault-check-v1"
_CHECK_AAD = b"quilltap-vault/v1/check"
_ENTRY_AAD = b"quilltap-vault/v1/entry/"


@dataclass(frozen=True)
class Sealed:
    """One AES-GCM ciphertext and the nonce it was sealed with."""

    nonce: bytes
    ciphertext: bytes


@dataclass(frozen=True)
class KdfParams:
    """scrypt parameters; ``salt`` identifies the passphrase generation of a vault file."""

    salt: bytes
    n: int = DEFAULT_SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P


@dataclass
class VaultDocument:
    """A parsed vault file. Entries stay sealed until asked for."""

    kdf: KdfParams
    check: Sealed
    entries: dict[str, Sealed] = field(default_factory=dict)


# Derived keys of this process, by scrypt parameters and a keyed digest of the passphrase (the
# passphrase itself is never kept): one derivation per process, whichever vault object or thread asks.
_PEPPER = os.urandom(32)
_derived: dict[tuple[KdfParams, bytes], bytes] = {}
_deriving: dict[tuple[KdfParams, bytes], threading.Event] = {}
_guard = threading.Lock()


def derive_key(passphrase: str, kdf: KdfParams) -> bytes:
    """The 256-bit AES key for ``passphrase`` under ``kdf``; derived once per process (a caller that
    asks while another thread derives the same key waits for that one, see :func:`derive_ahead`)."""
    slot = (kdf, hmac.digest(_PEPPER, passphrase.encode("utf-8"), "sha256"))
    while True:
        with _guard:
            if slot in _derived:
                return _derived[slot]
            running = _deriving.get(slot)
            mine = running is None
            if running is None:
                running = _deriving[slot] = threading.Event()
        if not mine:
            running.wait()  # then the key is cached, or that derivation failed and this one tries
            continue
        try:
            key = _scrypt(passphrase, kdf)
            with _guard:
                _derived[slot] = key
            return key
        finally:
            with _guard:
                _deriving.pop(slot, None)
            running.set()


def derive_ahead(path: Path, passphrase: str) -> threading.Thread | None:
    """Start deriving the key of the vault file at ``path`` in a thread; None when there is no file.

    scrypt runs without the interpreter lock, so on a second core it overlaps a command's imports
    (about 0.1 s a process on a quiet machine). A wrong passphrase only warms a key nobody uses.
    """
    try:
        doc = loads(path.read_bytes(), path)
    except (OSError, VaultError):
        return None

    def derive() -> None:
        with contextlib.suppress(Exception):  # the vault's own derivation later says what went wrong
            derive_key(passphrase, doc.kdf)

    thread = threading.Thread(target=derive, name="vault-key", daemon=True)
    thread.start()
    return thread


def _scrypt(passphrase: str, kdf: KdfParams) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=kdf.salt, length=KEY_BYTES, n=kdf.n, r=kdf.r, p=kdf.p).derive(
        passphrase.encode("utf-8")
    )


def seal(key: bytes, plaintext: bytes, aad: bytes) -> Sealed:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    return Sealed(nonce, AESGCM(key).encrypt(nonce, plaintext, aad))


def unseal(key: bytes, sealed: Sealed, aad: bytes) -> bytes | None:
    """The plaintext, or None when the key is wrong or the ciphertext was altered."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        return AESGCM(key).decrypt(sealed.nonce, sealed.ciphertext, aad)
    except InvalidTag:
        return None


def entry_aad(key_id: str) -> bytes:
    return _ENTRY_AAD + key_id.encode("utf-8")


def new_document(key: bytes, kdf: KdfParams) -> VaultDocument:
    return VaultDocument(kdf=kdf, check=seal(key, _CHECK_PLAINTEXT, _CHECK_AAD))


def key_matches(doc: VaultDocument, key: bytes) -> bool:
    return unseal(key, doc.check, _CHECK_AAD) == _CHECK_PLAINTEXT


def dumps(doc: VaultDocument) -> bytes:
    data = {
        "format": FORMAT,
        "version": VERSION,
        "kdf": {"name": "scrypt", "salt": _b64(doc.kdf.salt), "n": doc.kdf.n, "r": doc.kdf.r, "p": doc.kdf.p},
        "check": _sealed_json(doc.check),
        "entries": {key_id: _sealed_json(s) for key_id, s in sorted(doc.entries.items())},
    }
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def loads(raw: bytes, path: Path) -> VaultDocument:
    """Parse a vault file; anything unexpected is a VaultError that names the file and the problem."""
    try:
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise _Corrupt("it is not a quilltap vault")
        version = data.get("version")
        if version != VERSION:
            raise VaultError(
                f"The vault file {path} has format version {version!r}, which this version of "
                f"quilltap-tui cannot read (it reads version {VERSION}); upgrade quilltap-tui."
            )
        entries = _mapping(data.get("entries"), "entries")
        return VaultDocument(
            kdf=_kdf(_mapping(data.get("kdf"), "kdf")),
            check=_sealed(data.get("check"), "check"),
            entries={str(k): _sealed(v, f"entry {k!r}") for k, v in entries.items()},
        )
    except (_Corrupt, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise VaultError(f"The vault file {path} is corrupt ({exc}); it was left untouched.") from None


class _Corrupt(ValueError):
    """A structural problem in the vault file; the message says which."""


def _mapping(value: Any, name: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _Corrupt(f"'{name}' is missing or not an object")
    return value


def _int_in(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _Corrupt(f"kdf '{name}' is out of range")
    return value


def _kdf(data: dict[str, Any]) -> KdfParams:
    if data.get("name") != "scrypt":
        raise _Corrupt("the key derivation is not scrypt")
    n = _int_in(data.get("n"), "n", 2, _MAX_N)
    if n & (n - 1):
        raise _Corrupt("kdf 'n' is not a power of two")
    salt = _unb64(data.get("salt"), "kdf salt")
    if len(salt) < SALT_BYTES:
        raise _Corrupt("the kdf salt is too short")
    return KdfParams(salt, n, _int_in(data.get("r"), "r", 1, _MAX_R), _int_in(data.get("p"), "p", 1, _MAX_P))


def _sealed(value: Any, name: str) -> Sealed:
    data = _mapping(value, name)
    nonce = _unb64(data.get("nonce"), f"{name} nonce")
    if len(nonce) != NONCE_BYTES:
        raise _Corrupt(f"the {name} nonce has the wrong length")
    return Sealed(nonce, _unb64(data.get("ciphertext"), f"{name} ciphertext"))


def _sealed_json(sealed: Sealed) -> dict[str, str]:
    return {"nonce": _b64(sealed.nonce), "ciphertext": _b64(sealed.ciphertext)}


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def _unb64(value: Any, name: str) -> bytes:
    if not isinstance(value, str):
        raise _Corrupt(f"the {name} is missing")
    try:
        return base64.b64decode(value.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise _Corrupt(f"the {name} is not valid base64") from None
