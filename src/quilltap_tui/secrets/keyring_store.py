"""The OS keyring backend, guarded by a timeout.

Every call into ``keyring`` (including choosing the backend, which may talk to D-Bus) runs in a
daemon thread and is abandoned after ``timeout`` seconds: a hung Secret Service must not hang the app,
nor keep the process alive at exit, which is why this does not use a ThreadPoolExecutor (its workers
are joined at interpreter exit). Only a secure backend counts: the fail and null backends, plaintext
files and chainers without a secure member are treated as "no keyring".
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from typing import Any, TypeVar

from quilltap_tui.errors import VaultError, VaultLocked, VaultUnavailable

SERVICE = "quilltap-tui"
# Looked up once to prove the backend answers; never written.
PROBE_USERNAME = "__quilltap_probe__"
# Backends that store secrets unencrypted, or that would prompt on the terminal through getpass.
_INSECURE_NAMES = ("plaintext", "uncrypted")
_INSECURE_MODULES = ("keyring.backends.fail", "keyring.backends.null", "keyrings.alt.file")

T = TypeVar("T")


@dataclass(frozen=True)
class KeyringProbe:
    """What the keyring looked like when first probed."""

    name: str | None  # the backend's dotted class name, None when it could not even be chosen
    usable: bool
    reason: str  # one sentence: why it is not usable (empty when usable)
    backend: Any = None  # the secure backend to call (a chainer is narrowed to its best secure member)


def _class_name(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _priority(backend: Any) -> float:
    # A backend whose environment is missing raises from ``priority``: that means unusable.
    try:
        return float(backend.priority)
    except Exception:
        return 0.0


def is_secure(backend: Any) -> bool:
    """True for a backend that encrypts at rest without prompting on the terminal."""
    cls = type(backend)
    module = cls.__module__
    if any(module == m or module.startswith(m + ".") for m in _INSECURE_MODULES):
        return False
    if any(word in cls.__name__.lower() for word in _INSECURE_NAMES):
        return False
    return _priority(backend) > 0


def choose_secure(backend: Any) -> Any | None:
    """The backend to use, or None. A chainer yields its highest-priority secure member, so a write
    can never land in an insecure backend that happens to come first in the chain."""
    from keyring.backends.chainer import ChainerBackend

    if isinstance(backend, ChainerBackend):
        members = sorted((b for b in backend.backends if is_secure(b)), key=_priority, reverse=True)
        return members[0] if members else None
    return backend if is_secure(backend) else None


class KeyringStore:
    """Get, set and delete secrets in the OS keyring, each call bounded by ``timeout`` seconds."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._lock = threading.Lock()
        self._probe: KeyringProbe | None = None

    def probe(self) -> KeyringProbe:
        """Choose and test the keyring once; the answer is cached for the life of this store."""
        with self._lock:
            if self._probe is None:
                self._probe = self._run_probe()
            return self._probe

    def get(self, key_id: str) -> str | None:
        backend = self._usable_backend()
        value = self._call(backend.get_password, SERVICE, key_id)
        return None if value is None else str(value)

    def set(self, key_id: str, secret: str) -> None:
        backend = self._usable_backend()
        self._call(backend.set_password, SERVICE, key_id, secret)

    def delete(self, key_id: str) -> None:
        """Remove the entry; an entry that is already gone is not an error."""
        from keyring.errors import PasswordDeleteError

        backend = self._usable_backend()
        with contextlib.suppress(PasswordDeleteError):
            self._call(backend.delete_password, SERVICE, key_id, passthrough=(PasswordDeleteError,))

    def _usable_backend(self) -> Any:
        probe = self.probe()
        if not probe.usable:
            raise VaultUnavailable(probe.reason)
        return probe.backend

    def _run_probe(self) -> KeyringProbe:
        import keyring

        try:
            current = self._call(keyring.get_keyring)
        except VaultError as exc:
            return KeyringProbe(None, False, exc.message)
        name = _class_name(current)
        chosen = choose_secure(current)
        if chosen is None:
            return KeyringProbe(name, False, f"No secure OS keyring is available (the backend is {name}).")
        try:
            self._call(chosen.get_password, SERVICE, PROBE_USERNAME)
        except VaultError as exc:
            return KeyringProbe(name, False, exc.message)
        return KeyringProbe(name, True, "", chosen)

    def _call(self, fn: Callable[..., T], *args: Any, passthrough: tuple[type[BaseException], ...] = ()) -> T:
        """Run ``fn(*args)`` in a daemon thread; translate a timeout or keyring failure to a VaultError."""
        future: Future[T] = Future()

        def work() -> None:
            try:
                future.set_result(fn(*args))
            except BaseException as exc:  # handed to the caller's thread, never lost
                future.set_exception(exc)

        threading.Thread(target=work, name="quilltap-keyring", daemon=True).start()
        try:
            return future.result(timeout=self.timeout)
        except FutureTimeout:
            raise VaultUnavailable(
                f"The OS keyring did not answer within {self.timeout:g} seconds."
            ) from None
        except passthrough:
            raise
        except Exception as exc:
            raise _translate(exc) from None


def _translate(exc: Exception) -> VaultError:
    # Only the exception's type is reported: a backend's message could in theory echo its arguments.
    from keyring.errors import KeyringLocked

    if isinstance(exc, KeyringLocked):
        return VaultLocked("The OS keyring is locked: unlock it and try again.")
    return VaultUnavailable(f"The OS keyring failed ({type(exc).__name__}).")
