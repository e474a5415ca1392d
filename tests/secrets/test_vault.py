"""The encrypted file vault, the env backend and the Vault front door (keyring tests live elsewhere)."""

from __future__ import annotations

import base64
import json
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from quilltap_tui.config import Settings
from quilltap_tui.errors import Invalid, VaultError, VaultLocked, VaultUnavailable
from quilltap_tui.paths import Paths
from quilltap_tui.secrets import LOCKED_MESSAGE, EnvKey, PassphraseProvider, Vault

PASSPHRASE = "correct horse battery staple"
CANARY = "sk-CANARY-7f3a9b2e4d1c0de"
FAST_N = 2**10


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    # A home that does not exist yet, so the vault has to create its directory itself.
    root = tmp_path / "home"
    return Paths(data=root, config=root, state=root)


MakeVault = Callable[..., Vault]


@pytest.fixture
def make_vault(paths: Paths) -> MakeVault:
    def make(
        mode: str = "file",
        *,
        passphrase: str | None = PASSPHRASE,
        provider: PassphraseProvider | None = None,
        environ: dict[str, str] | None = None,
    ) -> Vault:
        env = dict(environ or {})
        if passphrase is not None:
            env["QUILLTAP_VAULT_PASSPHRASE"] = passphrase
        return Vault(paths, Settings(vault=mode), passphrase_provider=provider, environ=env, _scrypt_n=FAST_N)

    return make


def vault_json(paths: Paths) -> dict[str, Any]:
    data = json.loads(paths.vault_file.read_bytes())
    assert isinstance(data, dict)
    return data


def test_file_round_trip_survives_a_new_session(make_vault: MakeVault) -> None:
    assert make_vault().put("key-1", CANARY) == "file"
    assert make_vault().get("key-1", "file") == CANARY


def test_secret_and_passphrase_never_reach_the_file(make_vault: MakeVault, paths: Paths) -> None:
    make_vault().put("key-1", CANARY)
    raw = paths.vault_file.read_bytes()
    assert CANARY.encode() not in raw
    assert CANARY[-12:].encode() not in raw
    assert PASSPHRASE.encode() not in raw
    data = vault_json(paths)
    assert data["format"] == "quilltap-vault"
    assert data["version"] == 1
    assert set(data["entries"]) == {"key-1"}


def test_file_and_directory_permissions(make_vault: MakeVault, paths: Paths) -> None:
    make_vault().put("key-1", CANARY)
    assert stat.S_IMODE(paths.vault_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(paths.vault_file.parent.stat().st_mode) == 0o700
    lock = paths.vault_file.with_name("vault.json.lock")
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600


def test_default_scrypt_cost_is_recorded_in_the_file(paths: Paths) -> None:
    vault = Vault(paths, Settings(vault="file"), environ={"QUILLTAP_VAULT_PASSPHRASE": PASSPHRASE})
    vault.put("key-1", CANARY)
    kdf = vault_json(paths)["kdf"]
    assert kdf == {"name": "scrypt", "salt": kdf["salt"], "n": 2**15, "r": 8, "p": 1}


def test_wrong_passphrase_is_vault_locked_and_changes_nothing(make_vault: MakeVault, paths: Paths) -> None:
    make_vault().put("key-1", CANARY)
    before = paths.vault_file.read_bytes()
    wrong = make_vault(passphrase="not the passphrase")
    for action in (lambda: wrong.get("key-1", "file"), lambda: wrong.put("key-2", "sk-other-secret-1")):
        with pytest.raises(VaultLocked) as info:
            action()
        assert info.value.exit_code == 6
        assert "QUILLTAP_VAULT_PASSPHRASE" in info.value.message
        assert "not the passphrase" not in info.value.message
    with pytest.raises(VaultLocked, match="Wrong passphrase"):
        make_vault(passphrase=None).unlock("not the passphrase")
    assert paths.vault_file.read_bytes() == before
    assert make_vault().get("key-1", "file") == CANARY


def test_no_passphrase_anywhere_is_the_contract_sentence(make_vault: MakeVault, paths: Paths) -> None:
    with pytest.raises(VaultLocked) as info:
        make_vault(passphrase=None).put("key-1", CANARY)
    assert info.value.message == LOCKED_MESSAGE
    assert not paths.vault_file.exists()
    make_vault().put("key-1", CANARY)
    with pytest.raises(VaultLocked, match="is locked"):
        make_vault(passphrase=None, provider=lambda creating: None).get("key-1", "file")


def test_prompt_is_told_whether_the_vault_is_being_created(make_vault: MakeVault) -> None:
    calls: list[bool] = []

    def prompt(creating: bool) -> str:
        calls.append(creating)
        return PASSPHRASE

    make_vault(passphrase=None, provider=prompt).put("key-1", CANARY)
    reader = make_vault(passphrase=None, provider=prompt)
    assert reader.get("key-1", "file") == CANARY
    assert reader.get("key-1", "file") == CANARY  # the key is cached: no second prompt
    assert calls == [True, False]


def test_wrong_answer_from_the_prompt_is_vault_locked(make_vault: MakeVault) -> None:
    make_vault().put("key-1", CANARY)
    with pytest.raises(VaultLocked, match="Wrong passphrase"):
        make_vault(passphrase=None, provider=lambda creating: "guess").get("key-1", "file")


def test_empty_passphrase_is_refused_when_creating(make_vault: MakeVault, paths: Paths) -> None:
    with pytest.raises(Invalid) as info:
        make_vault(passphrase=None, provider=lambda creating: "").put("key-1", CANARY)
    assert info.value.field == "passphrase"
    with pytest.raises(Invalid):
        make_vault(passphrase=None).unlock("")
    assert not paths.vault_file.exists()


def test_unlock_creates_and_comes_before_the_environment(make_vault: MakeVault) -> None:
    first = make_vault(passphrase=None)
    assert not first.status().unlocked
    first.unlock(PASSPHRASE)
    assert first.status().unlocked
    first.put("key-1", CANARY)
    modal_user = make_vault(passphrase="stale value in the environment")
    modal_user.unlock(PASSPHRASE)
    assert modal_user.get("key-1", "file") == CANARY


def test_tampered_ciphertext_is_a_vault_error(make_vault: MakeVault, paths: Paths) -> None:
    vault = make_vault()
    vault.put("key-1", CANARY)
    vault.put("key-2", "sk-second-secret-0000")
    data = vault_json(paths)
    entry = data["entries"]["key-1"]
    raw = bytearray(base64.b64decode(entry["ciphertext"]))
    raw[0] ^= 0x01  # one flipped bit in the ciphertext
    entry["ciphertext"] = base64.b64encode(bytes(raw)).decode()
    paths.vault_file.write_text(json.dumps(data))
    with pytest.raises(VaultError, match="integrity") as info:
        make_vault().get("key-1", "file")
    assert not isinstance(info.value, VaultLocked)
    assert make_vault().get("key-2", "file") == "sk-second-secret-0000"


def test_entries_cannot_be_swapped_between_key_ids(make_vault: MakeVault, paths: Paths) -> None:
    vault = make_vault()
    vault.put("cheap", "sk-cheap-key-11111")
    vault.put("admin", "sk-admin-key-22222")
    data = vault_json(paths)
    entries = data["entries"]
    entries["cheap"], entries["admin"] = entries["admin"], entries["cheap"]
    paths.vault_file.write_text(json.dumps(data))
    with pytest.raises(VaultError, match="integrity"):
        make_vault().get("cheap", "file")


def test_unknown_version_is_named_and_the_file_kept(make_vault: MakeVault, paths: Paths) -> None:
    make_vault().put("key-1", CANARY)
    data = vault_json(paths)
    data["version"] = 7
    paths.vault_file.write_text(json.dumps(data))
    before = paths.vault_file.read_bytes()
    with pytest.raises(VaultError, match="version 7"):
        make_vault().get("key-1", "file")
    with pytest.raises(VaultError, match="version 7"):
        make_vault().put("key-2", "sk-other-secret-1")
    assert paths.vault_file.read_bytes() == before


@pytest.mark.parametrize("content", [b"{not json", b"[]", b'{"format": "quilltap-vault", "version": 1}'])
def test_corrupt_file_is_reported_and_never_overwritten(
    make_vault: MakeVault, paths: Paths, content: bytes
) -> None:
    paths.vault_file.parent.mkdir(parents=True)
    paths.vault_file.write_bytes(content)
    with pytest.raises(VaultError, match="corrupt"):
        make_vault().put("key-1", CANARY)
    with pytest.raises(VaultError, match="corrupt"):
        make_vault().delete("key-1", "file")
    assert paths.vault_file.read_bytes() == content
    assert make_vault().status().unlocked is False


def test_every_write_uses_a_fresh_nonce(make_vault: MakeVault, paths: Paths) -> None:
    vault = make_vault()
    vault.put("key-1", CANARY)
    vault.put("key-2", CANARY)
    first = vault_json(paths)["entries"]
    vault.put("key-1", CANARY)
    second = vault_json(paths)["entries"]
    nonces = {first["key-1"]["nonce"], first["key-2"]["nonce"], second["key-1"]["nonce"]}
    assert len(nonces) == 3
    assert first["key-1"]["ciphertext"] != first["key-2"]["ciphertext"]


def test_change_passphrase_keeps_every_entry(make_vault: MakeVault, paths: Paths) -> None:
    vault = make_vault()
    secrets = {f"key-{i}": f"sk-secret-number-{i:04d}" for i in range(5)}
    for key_id, secret in secrets.items():
        vault.put(key_id, secret)
    old_salt = vault_json(paths)["kdf"]["salt"]
    before = paths.vault_file.read_bytes()
    with pytest.raises(VaultLocked):
        vault.change_passphrase("wrong old passphrase", "new passphrase 2")
    assert paths.vault_file.read_bytes() == before
    with pytest.raises(Invalid):
        vault.change_passphrase(PASSPHRASE, "")
    assert paths.vault_file.read_bytes() == before
    vault.change_passphrase(PASSPHRASE, "new passphrase 2")
    assert vault_json(paths)["kdf"]["salt"] != old_salt
    fresh = make_vault(passphrase="new passphrase 2")
    assert {k: fresh.get(k, "file") for k in secrets} == secrets
    assert vault.get("key-3", "file") == secrets["key-3"]  # the changing session stays unlocked
    with pytest.raises(VaultLocked):
        make_vault().get("key-0", "file")


def test_delete_is_idempotent_and_needs_no_passphrase(make_vault: MakeVault, paths: Paths) -> None:
    vault = make_vault()
    vault.put("key-1", CANARY)
    vault.put("key-2", "sk-second-secret-0000")
    locked = make_vault(passphrase=None)
    locked.delete("key-1", "file")
    locked.delete("key-1", "file")
    locked.delete("never-existed", "env")
    assert set(vault_json(paths)["entries"]) == {"key-2"}
    with pytest.raises(VaultError, match="No secret for key 'key-1'"):
        vault.get("key-1", "file")


def test_delete_before_any_vault_exists_touches_nothing(make_vault: MakeVault, paths: Paths) -> None:
    make_vault(passphrase=None).delete("key-1", "file")
    assert not paths.vault_file.parent.exists()


def test_missing_secret_is_a_clear_vault_error(make_vault: MakeVault) -> None:
    with pytest.raises(VaultError, match=r"No secret for key 'ghost' is stored in the file vault"):
        make_vault().get("ghost", "file")


def test_threads_adding_keys_at_once_keep_all(make_vault: MakeVault) -> None:
    vault = make_vault()
    vault.put("seed", "sk-seed-secret-0000")
    errors: list[BaseException] = []

    def add(i: int) -> None:
        try:
            vault.put(f"key-{i}", f"sk-thread-secret-{i:04d}")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    reader = make_vault()
    expected = [f"sk-thread-secret-{i:04d}" for i in range(8)]
    assert [reader.get(f"key-{i}", "file") for i in range(8)] == expected


def test_env_backend_reads_and_lists_without_revealing(make_vault: MakeVault) -> None:
    environ = {
        "OPENAI_API_KEY": "sk-openai-env-key-9a8b",
        "GROK_API_KEY": "xai-env-grok-1234",
        "XAI_API_KEY": "",
    }
    vault = make_vault("env", environ=environ)
    assert vault.get("any", "env", "OPENAI_API_KEY") == "sk-openai-env-key-9a8b"
    assert vault.env_keys() == [
        EnvKey("openai", "OPENAI_API_KEY", "9a8b"),
        EnvKey("grok", "GROK_API_KEY", "1234"),
    ]
    with pytest.raises(VaultError, match="ANTHROPIC_API_KEY is not set"):
        vault.get("any", "env", "ANTHROPIC_API_KEY")
    with pytest.raises(VaultError, match="XAI_API_KEY is not set"):
        vault.get("any", "env", "XAI_API_KEY")


def test_env_mode_is_read_only(make_vault: MakeVault, paths: Paths) -> None:
    vault = make_vault("env")
    with pytest.raises(VaultUnavailable, match="read-only") as info:
        vault.put("key-1", CANARY)
    assert info.value.exit_code == 6
    with pytest.raises(VaultUnavailable):
        vault.write_backend()
    assert vault.status().backend == "env"
    assert not paths.vault_file.exists()


def test_status_reports_the_file_vault(make_vault: MakeVault, paths: Paths) -> None:
    status = make_vault().status()
    assert (status.mode, status.backend, status.file_exists) == ("file", "file", False)
    assert status.file_path == str(paths.vault_file)
    make_vault().put("key-1", CANARY)
    assert make_vault().status().unlocked is True  # the environment's passphrase opens it
    assert make_vault(passphrase="wrong passphrase").status().unlocked is False
    assert make_vault(passphrase=None).status().file_exists is True


def test_bad_arguments_are_invalid(make_vault: MakeVault) -> None:
    vault = make_vault()
    with pytest.raises(Invalid) as info:
        vault.get("key-1", "vault")
    assert info.value.field == "backend"
    with pytest.raises(Invalid):
        vault.put("", CANARY)
    with pytest.raises(Invalid):
        vault.put("key-1", "")


def test_the_vault_key_is_derived_once_per_process(make_vault: MakeVault, paths: Paths,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A second vault object (another service's context) and a head start begun at start-up share one
    scrypt run; a wrong passphrase is still refused."""
    from quilltap_tui.secrets import file_format

    make_vault().put("key-1", CANARY)
    runs: list[bytes] = []
    started, release = threading.Event(), threading.Event()
    real = file_format._scrypt

    def counted(passphrase: str, kdf: Any) -> bytes:
        runs.append(kdf.salt)
        started.set()
        release.wait(10)  # the command asks for the key while the head start is still deriving it
        return real(passphrase, kdf)

    monkeypatch.setattr(file_format, "_scrypt", counted)
    monkeypatch.setattr(file_format, "_derived", {})  # a new process: the key that put() derived is gone
    ahead = file_format.derive_ahead(paths.vault_file, PASSPHRASE)
    assert ahead is not None and started.wait(10)
    got: list[str | None] = []
    reader = threading.Thread(target=lambda: got.append(make_vault().get("key-1", "file")))
    reader.start()
    release.set()
    reader.join(10)
    ahead.join(10)
    assert got == [CANARY] and make_vault().get("key-1", "file") == CANARY
    assert len(runs) == 1
    with pytest.raises(VaultLocked):
        make_vault(passphrase="not the passphrase").get("key-1", "file")
    assert len(runs) == 2  # another passphrase is another derivation, never the cached key


def test_no_head_start_without_a_vault_file(paths: Paths) -> None:
    from quilltap_tui.secrets import file_format

    assert file_format.derive_ahead(paths.vault_file, PASSPHRASE) is None
