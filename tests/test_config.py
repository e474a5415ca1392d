"""Settings: the file, the defaults, and the ``QUILLTAP_*`` environment overrides users and scripts set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quilltap_tui import config
from quilltap_tui.errors import Invalid
from quilltap_tui.mcp_server.transports import http_options
from quilltap_tui.paths import resolve
from quilltap_tui.secrets.file_vault import FileVault

# Every settings variable the contract (CONTRACT.md) and the README name, with a value and what it reads as.
DOCUMENTED = [
    ("QUILLTAP_VAULT", "vault", " File ", "file"),
    ("QUILLTAP_DATABASE_URL", "database_url", "postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("QUILLTAP_IMAGES", "images", "SIXEL", "sixel"),
    ("QUILLTAP_THEME", "theme", "gruvbox", "gruvbox"),
    ("QUILLTAP_MAX_TOOL_ROUNDS", "max_tool_rounds", "7", 7),
    ("QUILLTAP_HTTP_TIMEOUT", "http_timeout", "2.5", 2.5),
    ("QUILLTAP_MAX_RETRIES", "max_retries", "0", 0),
    ("QUILLTAP_REQUEST_DEADLINE", "request_deadline", "30", 30.0),
    ("QUILLTAP_MAX_RESPONSE_MB", "max_response_mb", "0.5", 0.5),
    ("QUILLTAP_MAX_TOOL_ARGUMENT_KB", "max_tool_argument_kb", "16", 16),
    ("QUILLTAP_MAX_IMAGE_PIXELS", "max_image_pixels", "1000", 1000),
    # Settings that had no variable until the names were derived from the fields.
    ("QUILLTAP_KEYRING_TIMEOUT", "keyring_timeout", "0.5", 0.5),
    ("QUILLTAP_MOUSE", "mouse", "off", False),
    ("QUILLTAP_SHOW_IMAGES_TO_MODEL", "show_images_to_model", "yes", True),
    ("QUILLTAP_PREVIEW_ROWS", "preview_rows", "10", 10),
]


def load(tmp_path: Path, **env: str) -> config.Settings:
    return config.load(resolve({"QUILLTAP_HOME": str(tmp_path)}), {"QUILLTAP_HOME": str(tmp_path), **env})


@pytest.mark.parametrize(("var", "name", "raw", "expected"), DOCUMENTED)
def test_each_documented_variable_is_read(tmp_path: Path, var: str, name: str, raw: str, expected: Any) -> None:
    assert getattr(load(tmp_path), name) != expected
    assert getattr(load(tmp_path, **{var: raw}), name) == expected


def test_environment_beats_the_file_and_the_file_beats_defaults(tmp_path: Path) -> None:
    paths = resolve({"QUILLTAP_HOME": str(tmp_path)})
    config.save(paths, config.Settings(), max_retries=5, theme="nord")
    settings = load(tmp_path, QUILLTAP_MAX_RETRIES="1")
    assert (settings.max_retries, settings.theme, settings.http_timeout) == (1, "nord", 120.0)


def test_an_empty_variable_is_unset(tmp_path: Path) -> None:
    assert load(tmp_path, QUILLTAP_VAULT="", QUILLTAP_MAX_RETRIES="").vault == "auto"


@pytest.mark.parametrize(("var", "raw", "field"), [
    ("QUILLTAP_VAULT", "safe", "vault"),
    ("QUILLTAP_MAX_RETRIES", "many", "max_retries"),
    ("QUILLTAP_MAX_TOOL_ROUNDS", "0", "max_tool_rounds"),
    ("QUILLTAP_HTTP_TIMEOUT", "-1", "http_timeout"),
    ("QUILLTAP_PREVIEW_ROWS", "2", "preview_rows"),
    ("QUILLTAP_PREVIEW_ROWS", "61", "preview_rows"),
])
def test_a_bad_value_names_the_setting(tmp_path: Path, var: str, raw: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        load(tmp_path, **{var: raw})
    assert caught.value.field == field and field in str(caught.value)


def _other_value(name: str) -> tuple[str, object]:
    """A valid value for setting ``name`` that is not its default: the text to set, and what it reads as."""
    default = getattr(config.Settings(), name)
    kind = config.TYPES[name]
    choices = config.CHOICES.get(name)
    if choices:
        other = next(c for c in choices if c != default)
        return other.upper(), other
    if kind is bool:
        return ("0", False) if default else ("1", True)
    if kind is int:
        return str(default + 1), default + 1
    if kind is float:
        return str(default * 2), default * 2
    return "other", "other"


@pytest.mark.parametrize("name", [f.name for f in config.fields(config.Settings)])
def test_every_setting_is_read_from_its_variable(tmp_path: Path, name: str) -> None:
    var = "QUILLTAP_" + name.upper()
    assert config.ENV_OVERRIDES[var] == name
    raw, expected = _other_value(name)
    assert getattr(load(tmp_path, **{var: raw}), name) == expected


def test_the_documented_table_names_every_setting() -> None:
    assert {name for _, name, _, _ in DOCUMENTED} == set(config.TYPES)


# The environment the contract (CONTRACT.md) names, each with a probe that it is read.
def _home(tmp_path: Path, value: str) -> bool:
    paths = resolve({"QUILLTAP_HOME": value})
    return paths.database == Path(value).resolve() / "quilltap.db" and paths.settings_file.parent == Path(value)


def _passphrase(tmp_path: Path, value: str) -> bool:
    creator = FileVault(tmp_path / "vault.json", environ={"QUILLTAP_VAULT_PASSPHRASE": value}, scrypt_n=2**10)
    creator.put("k", "s3cret")
    reader = FileVault(tmp_path / "vault.json", environ={"QUILLTAP_VAULT_PASSPHRASE": value}, scrypt_n=2**10)
    return reader.get("k") == "s3cret"


def _mcp_token(tmp_path: Path, value: str) -> bool:
    return http_options("0.0.0.0", None, {"QUILLTAP_MCP_TOKEN": value}).token == value


CONTRACT_ENV = {
    "QUILLTAP_HOME": _home,
    "QUILLTAP_DATABASE_URL": lambda tmp_path, value: load(tmp_path, QUILLTAP_DATABASE_URL=value).database_url == value,
    "QUILLTAP_VAULT": lambda tmp_path, value: load(tmp_path, QUILLTAP_VAULT=value).vault == value,
    "QUILLTAP_VAULT_PASSPHRASE": _passphrase,
    "QUILLTAP_MCP_TOKEN": _mcp_token,
}
VALUES = {"QUILLTAP_HOME": "home", "QUILLTAP_DATABASE_URL": "sqlite:///x.db", "QUILLTAP_VAULT": "env",
          "QUILLTAP_VAULT_PASSPHRASE": "correct horse", "QUILLTAP_MCP_TOKEN": "t0ken"}


@pytest.mark.parametrize("var", sorted(CONTRACT_ENV))
def test_every_variable_the_contract_names_is_read(tmp_path: Path, var: str) -> None:
    value = str(tmp_path / VALUES[var]) if var == "QUILLTAP_HOME" else VALUES[var]
    assert CONTRACT_ENV[var](tmp_path, value)
