"""Keys typed while the TUI is still starting (before Textual reads the terminal) reach it as typed."""

from __future__ import annotations

import os
import select
import termios
from typing import Any

import pytest

from quilltap_tui.ui import launch


def _read_all(fd: int) -> bytes:
    data = b""
    while select.select([fd], [], [], 0.5)[0]:  # bounds a read that would block (a hang), not a pace
        chunk = os.read(fd, 1024)
        if not chunk:
            break
        data += chunk
    return data


def test_keys_typed_during_start_up_keep_their_enter_and_are_not_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    """Bug: in the terminal's line mode Enter was stored as a newline (read by Textual as ctrl+j), so
    ctrl+n, Enter and a prompt typed at start-up left the new-chat form open with the prompt in its tags."""
    main, child = os.openpty()
    tty: Any = os.fdopen(child, "rb", buffering=0)
    monkeypatch.setattr(launch.sys, "__stdin__", tty)
    before = termios.tcgetattr(child)
    try:
        restore = launch._keep_early_keys()
        os.write(main, b"\x0e\rhello")  # ctrl+n, Enter, then the prompt, with no newline after it
        assert _read_all(child) == b"\x0e\rhello"  # readable at once, Enter still a carriage return
        assert _read_all(main) == b""  # nothing echoed onto the screen Textual is about to draw
        restore()
        assert termios.tcgetattr(child) == before  # the user's own terminal mode is back after the app
    finally:
        tty.close()
        os.close(main)


def test_not_a_terminal_changes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    with open(tmp_path / "in", "wb+") as plain:
        monkeypatch.setattr(launch.sys, "__stdin__", plain)
        launch._keep_early_keys()()  # no terminal: nothing to set, nothing to restore
