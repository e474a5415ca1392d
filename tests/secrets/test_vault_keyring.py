"""The OS keyring path of the vault, with in-memory fake keyrings injected through keyring.get_keyring."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail
from keyring.backends.chainer import ChainerBackend
from keyring.errors import KeyringLocked, PasswordDeleteError

from quilltap_tui.config import Settings
from quilltap_tui.errors import VaultLocked, VaultUnavailable
from quilltap_tui.paths import Paths
from quilltap_tui.secrets import Vault

SECRET = "sk-keyring-canary-5e6f"
PASSPHRASE = "file vault passphrase"


class MemoryKeyring(KeyringBackend):
    """A secure-looking keyring that keeps entries in a dict."""

    priority = 1

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.entries.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


class PlaintextKeyring(MemoryKeyring):
    """Named like keyrings.alt's plaintext file backend, which stores secrets unencrypted."""


class ZeroPriorityKeyring(MemoryKeyring):
    priority = 0


class LockedKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringLocked("collection is locked")


class HangingKeyring(MemoryKeyring):
    """Never answers until released, like a Secret Service stuck on D-Bus."""

    release = threading.Event()

    def get_password(self, service: str, username: str) -> str | None:
        self.release.wait()
        return None


class FakeChainer(ChainerBackend):
    backends: list[Any] = []


# Defining a backend subclass registers it with keyring globally; unregister the fakes so that
# keyring's own backend discovery elsewhere in the test session never picks one of them.
_FAKES = (MemoryKeyring, PlaintextKeyring, ZeroPriorityKeyring, LockedKeyring, HangingKeyring, FakeChainer)
for _fake in _FAKES:
    KeyringBackend._classes.discard(_fake)  # type: ignore[attr-defined]


@pytest.fixture(autouse=True)
def _release_hanging_threads() -> Iterator[None]:
    HangingKeyring.release.clear()
    yield
    HangingKeyring.release.set()  # let abandoned worker threads finish


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    return Paths(data=tmp_path, config=tmp_path, state=tmp_path)


UseKeyring = Callable[[Any], list[int]]


@pytest.fixture
def use_keyring(monkeypatch: pytest.MonkeyPatch) -> UseKeyring:
    """Make ``keyring.get_keyring()`` return ``backend``; returns a list counting the calls."""

    def install(backend: Any) -> list[int]:
        calls: list[int] = []

        def get_keyring() -> Any:
            calls.append(1)
            return backend

        monkeypatch.setattr(keyring, "get_keyring", get_keyring)
        return calls

    return install


HUNG = 0.3  # seconds: how long a keyring that never answers is given (the tests wait that long)
ANSWERS = 10.0  # one that answers at once: the bound only turns a hang into a failure, never a loaded machine's pause


def make_vault(paths: Paths, mode: str = "auto", timeout: float = ANSWERS) -> Vault:
    return Vault(
        paths,
        Settings(vault=mode, keyring_timeout=timeout),
        environ={"QUILLTAP_VAULT_PASSPHRASE": PASSPHRASE},
        _scrypt_n=2**10,
    )


def test_keyring_round_trip(paths: Paths, use_keyring: UseKeyring) -> None:
    backend = MemoryKeyring()
    use_keyring(backend)
    vault = make_vault(paths)
    assert vault.put("key-1", SECRET) == "keyring"
    assert backend.entries == {("quilltap-tui", "key-1"): SECRET}
    assert vault.get("key-1", "keyring") == SECRET
    vault.delete("key-1", "keyring")
    vault.delete("key-1", "keyring")  # already gone: not an error
    assert backend.entries == {}
    assert not paths.vault_file.exists()


def test_keyring_mode_uses_the_keyring_and_reports_it(paths: Paths, use_keyring: UseKeyring) -> None:
    use_keyring(MemoryKeyring())
    vault = make_vault(paths, "keyring")
    assert vault.put("key-1", SECRET) == "keyring"
    status = vault.status()
    assert status.backend == "keyring"
    assert status.keyring_usable is True
    assert status.keyring_name is not None and status.keyring_name.endswith("MemoryKeyring")


def test_keyring_is_probed_once(paths: Paths, use_keyring: UseKeyring) -> None:
    calls = use_keyring(MemoryKeyring())
    vault = make_vault(paths)
    for i in range(3):
        vault.put(f"key-{i}", SECRET)
    vault.status()
    assert len(calls) == 1


def test_missing_keyring_entry_is_a_clear_error(paths: Paths, use_keyring: UseKeyring) -> None:
    use_keyring(MemoryKeyring())
    with pytest.raises(Exception, match="No secret for key 'ghost' is stored in the OS keyring"):
        make_vault(paths).get("ghost", "keyring")


UNUSABLE = {
    "fail backend": lambda: fail.Keyring(),
    "plaintext backend": lambda: PlaintextKeyring(),
    "priority zero": lambda: ZeroPriorityKeyring(),
    "hanging backend": lambda: HangingKeyring(),
    "chainer of insecure backends": lambda: _chainer(PlaintextKeyring(), fail.Keyring()),
}


def _bound(backend: Any) -> float:
    return HUNG if isinstance(backend, HangingKeyring) else ANSWERS


def _chainer(*members: Any) -> FakeChainer:
    chainer = FakeChainer()
    FakeChainer.backends = list(members)
    return chainer


@pytest.mark.parametrize("factory", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_auto_falls_back_to_the_file_vault(
    paths: Paths, use_keyring: UseKeyring, factory: Callable[[], Any]
) -> None:
    backend = factory()
    use_keyring(backend)
    vault = make_vault(paths, timeout=_bound(backend))
    assert vault.put("key-1", SECRET) == "file"
    assert make_vault(paths, "file").get("key-1", "file") == SECRET
    assert vault.status().backend == "file"
    assert vault.status().keyring_usable is False
    assert getattr(backend, "entries", {}) == {}


@pytest.mark.parametrize("factory", UNUSABLE.values(), ids=UNUSABLE.keys())
def test_keyring_mode_without_a_secure_keyring_is_an_error(
    paths: Paths, use_keyring: UseKeyring, factory: Callable[[], Any]
) -> None:
    backend = factory()
    use_keyring(backend)
    vault = make_vault(paths, "keyring", timeout=_bound(backend))
    with pytest.raises(VaultUnavailable) as info:
        vault.put("key-1", SECRET)
    assert info.value.exit_code == 6
    assert "QUILLTAP_VAULT=file" in info.value.message
    assert SECRET not in info.value.message
    assert not paths.vault_file.exists()
    with pytest.raises(VaultUnavailable):
        vault.get("key-1", "keyring")


def test_hung_keyring_says_it_did_not_answer(paths: Paths, use_keyring: UseKeyring) -> None:
    use_keyring(HangingKeyring())
    with pytest.raises(VaultUnavailable, match=r"did not answer within 0\.3 seconds"):
        make_vault(paths, "keyring", timeout=HUNG).write_backend()


def test_hung_keyring_lookup_itself_falls_back(paths: Paths, monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck() -> Any:
        HangingKeyring.release.wait()
        return MemoryKeyring()

    monkeypatch.setattr(keyring, "get_keyring", stuck)
    vault = make_vault(paths, timeout=HUNG)
    assert vault.put("key-1", SECRET) == "file"
    assert vault.status().keyring_name is None


def test_chainer_writes_only_to_its_secure_member(paths: Paths, use_keyring: UseKeyring) -> None:
    insecure, secure = PlaintextKeyring(), MemoryKeyring()
    insecure.priority = 5  # first in the chain, yet never used
    use_keyring(_chainer(insecure, secure))
    assert make_vault(paths).put("key-1", SECRET) == "keyring"
    assert secure.entries == {("quilltap-tui", "key-1"): SECRET}
    assert insecure.entries == {}


def test_locked_keyring_is_vault_locked(paths: Paths, use_keyring: UseKeyring) -> None:
    use_keyring(LockedKeyring())
    with pytest.raises(VaultLocked, match="OS keyring is locked"):
        make_vault(paths).put("key-1", SECRET)
    assert not paths.vault_file.exists()  # no silent fallback once the keyring was chosen


@pytest.mark.skipif(
    not isinstance(keyring.get_keyring(), fail.Keyring), reason="this machine has a real keyring backend"
)
def test_real_fail_backend_means_file(paths: Paths) -> None:
    # Nothing injected: the real keyring module, as it resolves on a machine without a keyring daemon.
    vault = make_vault(paths)
    assert vault.write_backend() == "file"
    assert vault.status().keyring_name == "keyring.backends.fail.Keyring"
