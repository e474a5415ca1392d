"""Item 13: bad command-line input is exit 2 with one sentence naming the argument or the problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.support import one_sentence
from tests.support import Cli


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    return Cli(tmp_path / "home", monkeypatch)


@pytest.mark.parametrize(("args", "named"), [
    (["image-profiles", "add", "--name", "a\udcff\udcfe", "--provider", "openai", "--model", "m"],
     "the value of --name"),
    (["generate", "\udcff"], "argument 2"),
    (["ask", "--chat-profile", "x", "hi\udc80"], "argument 4"),
])
def test_invalid_utf8_in_argv_is_exit_2_naming_the_argument(cli: Cli, args: list[str], named: str) -> None:
    result = cli(*args)
    assert result.code == 2
    assert result.last_err_line == f"quilltap-tui: error: {named} is not valid UTF-8 text."


@pytest.mark.parametrize("args", [
    ["images", "list", "--offset", "1" * 27],
    ["images", "list", "--limit", "-1"],
    ["audit", "--limit", "9" * 5000],
    ["generate", "--count", "99999999999999999999", "x"],
    ["generate", "--seed", "1" * 40, "x"],
])
def test_out_of_range_numbers_are_exit_2_naming_the_option(cli: Cli, args: list[str]) -> None:
    result = cli(*args)
    assert result.code == 2
    option = next(a for a in args if a.startswith("--"))
    assert f"argument {option}: must be a whole number from" in result.last_err_line


@pytest.mark.parametrize(("secret", "what"), [
    ("sk-abc\u200bdef1234567890", "an invisible or control character (U+200B ZERO WIDTH SPACE) at character 7"),
    ("sk-abc\u00a0def1234567890", "a space (U+00A0 NO-BREAK SPACE) at character 7"),
    ("sk-abc\u202edef1234567890", "an invisible or control character (U+202E RIGHT-TO-LEFT OVERRIDE)"),
    ("sk-abc\x1b[2Jdef1234567890", "an invisible or control character (U+001B)"),
    ("sk-abcédef1234567890", "a non-ASCII character (U+00E9"),
])
def test_a_key_with_an_invisible_or_foreign_character_is_refused(cli: Cli, secret: str, what: str) -> None:
    result = cli("keys", "add", "--provider", "openai", "--label", "k", stdin=secret + "\n")
    assert result.code == 2
    assert what in one_sentence(result)
    assert secret not in result.err
    assert cli("keys", "list", "--json").json() == []
