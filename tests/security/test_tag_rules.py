"""Tags follow the same control-character rules as names: a tag holding OSC 0, OSC 52, CSI, DCS, an 8-bit
C1 control or a bidi override is refused with exit 2 naming the field (issue 16 item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.escapes import CORPUS
from tests.support import Cli

HOSTILE = [CORPUS["osc-title"], CORPUS["osc52-clipboard"], CORPUS["csi-clear"], CORPUS["dcs-tmux"],
           CORPUS["c1-csi"], CORPUS["bidi"], "tab\there"]


@pytest.mark.parametrize("command", ["image-profiles", "chat-profiles"])
@pytest.mark.parametrize("tag", HOSTILE, ids=["osc0", "osc52", "csi", "dcs", "c1", "bidi", "tab"])
def test_a_tag_with_control_characters_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   command: str, tag: str) -> None:
    cli = Cli(tmp_path / "home", monkeypatch)
    provider = "openai" if command == "image-profiles" else "ollama"
    result = cli(command, "add", "--name", "p", "--provider", provider, "--model", "gpt-image-1",
                 "--tag", "fine", "--tag", f"x{tag}y")
    assert result.code == 2, result
    assert result.last_err_line.startswith("quilltap-tui: tag must not contain control characters")
    assert "\x1b" not in result.err and "\x9b" not in result.err
    assert cli(command, "list", "--json").json() == []  # nothing half-written


def test_names_refuse_c1_and_bidi_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cli = Cli(tmp_path / "home", monkeypatch)
    for name in ("a\x9b2Jb", "abc\u202edcba"):
        result = cli("image-profiles", "add", "--name", name, "--provider", "openai", "--model", "gpt-image-1")
        assert result.code == 2 and "name must not contain control characters" in result.last_err_line
