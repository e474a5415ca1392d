"""`generate` in a real terminal (tmux): the path is printed and a half-cell preview is drawn below it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.e2e.tmux import TmuxSession
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.support import base_env, run_subprocess

pytestmark = pytest.mark.e2e


def test_generate_prints_path_and_preview_in_a_terminal(tmp_path: Path) -> None:
    home = tmp_path / "home"
    with FakeOpenAIImages() as fake:
        assert run_subprocess(["keys", "add", "--provider", "openai", "--label", "k"], home=home,
                              stdin=TEST_KEYS["openai"]).code == 0
        assert run_subprocess(["image-profiles", "add", "--name", "art", "--provider", "openai", "--model",
                               "gpt-image-1", "--key", "k", "--base-url", fake.base_url, "--default"],
                              home=home).code == 0
        env = {**base_env(home), "QUILLTAP_IMAGES": "halfcell", "PYTHONPATH": str(Path.cwd() / "src")}
        command = [sys.executable, "-m", "quilltap_tui", "generate", "a", "red", "square"]
        with TmuxSession(command, env=env, cols=160, rows=48) as term:
            term.wait_for(".png")
            screen = term.wait_for("▀" * 20)  # half-cell blocks: the preview was drawn
        path_line = next(line for line in screen.splitlines() if line.strip().endswith(".png"))
        assert Path(path_line.strip()).exists()
        with TmuxSession([*command[:-3], "--no-preview", "blue"], env=env, cols=160, rows=48) as term:
            screen = term.wait_for(".png")
        assert "▄" not in screen and "▀" not in screen
