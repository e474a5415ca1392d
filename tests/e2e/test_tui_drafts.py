"""Item 14: words in the prompt survive kill -9 of the TUI as a draft, restored when the chat reopens."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.tmux import TmuxSession
from tests.support import base_env, run_subprocess

pytestmark = pytest.mark.e2e


def _kill_9(term: TmuxSession) -> None:
    pid = int(term._tmux("list-panes", "-F", "#{pane_pid}").split()[0])
    os.kill(pid, signal.SIGKILL)


def _draft_is(drafts: Path, text: str) -> bool:
    try:
        return any(path.read_text() == text for path in drafts.iterdir())
    except OSError:  # not there yet, or replaced while read
        return False


def test_a_draft_survives_kill_9_and_comes_back_when_the_chat_opens(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert run_subprocess(["chat-profiles", "add", "--name", "main", "--provider", "ollama", "--model", "m",
                           "--base-url", "http://127.0.0.1:9/v1", "--default"], home=home).code == 0
    env = {**base_env(home), "PYTHONPATH": str(Path.cwd() / "src")}
    command = [sys.executable, "-m", "quilltap_tui"]
    with TmuxSession(command, env=env) as term:
        term.wait_for("No chats yet")
        term.send("C-n")
        term.wait_for("Tags (comma-separated")
        term.send("Enter")
        term.wait_for("Type a message")
        term.type("words typed just before the crash")
        drafts = home / "drafts"
        deadline = time.monotonic() + 30
        # Until the draft holds every word: a loaded machine may save it once midway through the typing.
        while not _draft_is(drafts, "words typed just before the crash") and time.monotonic() < deadline:
            time.sleep(0.05)
        _kill_9(term)
    (draft,) = list((home / "drafts").iterdir())
    assert draft.read_text() == "words typed just before the crash"
    with TmuxSession(command, env=env) as term:
        term.wait_for("New chat")
        deadline = time.monotonic() + 30  # a loaded machine takes seconds to list the chats
        while True:  # enter opens the chat once the list has loaded it (in a worker); before, it does nothing
            term.send("Enter")
            try:
                term.wait_for("esc Back", timeout=1.0)
                break
            except AssertionError:
                if time.monotonic() > deadline:
                    raise
        screen = term.wait_for("words typed just before the crash", timeout=10)
        assert "Not sent" not in screen
        term.send("C-q")
