"""Settings: the file, the defaults, and the ``QUILLTAP_*`` environment overrides users and scripts set."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from quilltap_tui import config
from quilltap_tui.errors import Invalid
from quilltap_tui.paths import resolve

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
])
def test_a_bad_value_names_the_setting(tmp_path: Path, var: str, raw: str, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        load(tmp_path, **{var: raw})
    assert caught.value.field == field and field in str(caught.value)
