"""The foundation journey, headless, exactly as a user (or a script over SSH) would drive it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.support import Cli, all_bytes_under, run_subprocess

CANARY = "sk-CANARY-4f2a9d7e1b3c5a6f8e0d2c4b6a8f0e1dQZ9X"


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


def add_key(cli: Cli, label: str = "work", secret: str = CANARY, provider: str = "openai") -> None:
    result = cli("keys", "add", "--provider", provider, "--label", label, stdin=secret + "\n")
    assert result.code == 0, result.err


def test_version_prints_and_exits_zero(cli: Cli) -> None:
    result = cli("--version")
    assert result.code == 0
    assert result.out.startswith("quilltap-tui 0.")


def test_full_headless_journey(cli: Cli) -> None:
    add_key(cli)
    assert cli("image-profiles", "add", "--name", "art", "--provider", "OPENAI", "--model", "gpt-image-1",
               "--key", "work", "--param", "quality=high", "--param", "count=2", "--tag", " Fantasy ",
               "--tag", "fantasy", "--tag", "sketch", "--default").code == 0
    # The key is OpenAI's, so the chat profile is too: a key belongs to its provider.
    assert cli("chat-profiles", "add", "--name", "main", "--provider", "openai", "--model",
               "gpt-5-mini", "--key", "work", "--tag", "fantasy").code == 0

    images = cli("image-profiles", "list", "--json").json()
    assert [(p["name"], p["provider"], p["key"], p["default"]) for p in images] == [
        ("art", "openai", "work", True)
    ]
    assert images[0]["parameters"] == {"quality": "high", "count": 2}
    assert images[0]["tags"] == ["Fantasy", "sketch"]
    keys = cli("keys", "list", "--json").json()
    assert keys[0]["last4"] == "…" + CANARY[-4:]
    assert keys[0]["used_by"] == ["art", "main"]

    removed = cli("keys", "rm", "work")
    assert removed.code == 0 and "art" in removed.out and "main" in removed.out
    assert cli("image-profiles", "show", "art", "--json").json()["key"] is None
    assert cli("chat-profiles", "show", "main", "--json").json()["key"] is None


def test_second_default_replaces_first(cli: Cli) -> None:
    for name in ("a", "b"):
        assert cli("image-profiles", "add", "--name", name, "--provider", "google", "--model",
                   "gemini-2.5-flash-image", "--default").code == 0
    rows = {p["name"]: p["default"] for p in cli("image-profiles", "list", "--json").json()}
    assert rows == {"a": False, "b": True}
    assert cli("image-profiles", "set-default", "a").code == 0
    rows = {p["name"]: p["default"] for p in cli("image-profiles", "list", "--json").json()}
    assert rows == {"a": True, "b": False}


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--name", "dup", "--provider", "openai", "--model", "gpt-image-1"], "An image profile named 'dup'"),
        (["--name", "x", "--provider", "midjourney", "--model", "m"], "provider"),
        (["--name", "x", "--provider", "openai", "--model", "m", "--base-url", "ftp://h/v1"], "base_url"),
        (["--name", "x", "--provider", "openai", "--model", ""], "model"),
        (["--name", "  ", "--provider", "openai", "--model", "m"], "name"),
        (["--name", "x", "--provider", "openai", "--model", "m", "--key", "nope"], "key"),
        (["--name", "x", "--provider", "openai", "--model", "m", "--max-per-call", "0"], "max_images_per_call"),
    ],
)
def test_invalid_input_exits_2_naming_the_field(cli: Cli, args: list[str], field: str) -> None:
    assert cli("image-profiles", "add", "--name", "dup", "--provider", "openai", "--model", "gpt-image-1").code == 0
    result = cli("image-profiles", "add", *args)
    assert result.code == 2
    assert field in result.last_err_line
    assert "Traceback" not in result.err
    # Nothing half-written: still exactly one profile.
    assert len(cli("image-profiles", "list", "--json").json()) == 1


def test_unknown_profile_exits_3(cli: Cli) -> None:
    for args in (["image-profiles", "show", "ghost"], ["chat-profiles", "rm", "ghost"], ["keys", "rm", "ghost"]):
        result = cli(*args)
        assert result.code == 3, args
        assert "ghost" in result.last_err_line


def test_wrong_vault_passphrase_exits_6_and_keeps_keys(cli: Cli) -> None:
    add_key(cli)
    result = cli("keys", "add", "--provider", "openai", "--label", "other", stdin="sk-other-123456\n",
                 env={"QUILLTAP_VAULT_PASSPHRASE": "wrong passphrase"})
    assert result.code == 6
    assert "passphrase" in result.last_err_line.lower()
    assert [k["label"] for k in cli("keys", "list", "--json").json()] == ["work"]


def test_duplicate_key_label_exits_2_and_stores_nothing(cli: Cli) -> None:
    add_key(cli)
    result = cli("keys", "add", "--provider", "openai", "--label", "work", stdin="sk-second-key-9999\n")
    assert result.code == 2 and "label" in result.last_err_line
    assert len(cli("keys", "list", "--json").json()) == 1


def test_key_from_env_and_empty_stdin(cli: Cli) -> None:
    result = cli("keys", "add", "--provider", "grok", "--label", "x", "--from-env", "MY_XAI_KEY",
                 env={"MY_XAI_KEY": "xai-abcdefgh12345678"})
    assert result.code == 0
    assert cli("keys", "list", "--json").json()[0]["last4"] == "…5678"
    empty = cli("keys", "add", "--provider", "openai", "--label", "y", stdin="")
    assert empty.code == 2 and "empty" in empty.last_err_line


def test_canary_secret_never_lands_anywhere(cli: Cli) -> None:
    outputs = []
    add_key(cli)
    for args in (
        ["keys", "list"], ["keys", "list", "--json"],
        ["image-profiles", "add", "--name", "art", "--provider", "openai", "--model", "gpt-image-1", "--key", "work"],
        ["image-profiles", "show", "art", "--json"], ["image-profiles", "list"], ["doctor"], ["doctor", "--json"],
        ["keys", "rm", "work"],
    ):
        result = cli(*args)
        outputs += [result.out, result.err]
    assert not any(CANARY in text or CANARY[-12:] in text for text in outputs)
    files = all_bytes_under(cli.home)
    assert files, "expected a database and a vault file"
    for path, data in files:
        assert CANARY.encode() not in data, path
        assert CANARY[4:20].encode() not in data, path


def test_secret_is_absent_from_the_database_but_readable_through_the_vault(cli: Cli) -> None:
    add_key(cli)
    con = sqlite3.connect(cli.home / "quilltap.db")
    dump = "\n".join(con.iterdump())
    con.close()
    assert CANARY not in dump
    assert CANARY[-4:] in dump  # only the last four are kept
    from quilltap_tui.services import keys as key_service
    from quilltap_tui.services.context import AppContext

    ctx = AppContext()
    view = key_service.list_keys(ctx)[0]
    assert key_service.secret_for(ctx, view.id) == CANARY


def test_file_and_directory_modes(cli: Cli) -> None:
    add_key(cli)
    for path in [cli.home, *cli.home.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))


def test_real_program_as_subprocess(tmp_path: Path) -> None:
    home = tmp_path / "home"
    added = run_subprocess(["keys", "add", "--provider", "openai", "--label", "ci"], home=home,
                           stdin=CANARY + "\n")
    assert added.code == 0, added.err
    listed = run_subprocess(["keys", "list", "--json"], home=home)
    assert listed.code == 0 and listed.json()[0]["label"] == "ci"
    assert CANARY not in listed.out + added.out + added.err
    locked = run_subprocess(["keys", "list"], home=home, env={"QUILLTAP_VAULT_PASSPHRASE": ""})
    # Listing needs only metadata: it works without unlocking the vault.
    assert locked.code == 0


def test_bad_usage_exits_2(cli: Cli) -> None:
    result = cli("image-profiles", "frobnicate")
    assert result.code == 2


def test_doctor_reports_paths_schema_and_vault(cli: Cli) -> None:
    report = cli("doctor", "--json").json()
    assert report["paths"]["data"] == str(cli.home.resolve())
    assert isinstance(report["database"]["schema_version"], int)
    assert report["vault"]["backend"] == "file"
    assert report["images"]["detected"] == "off"
