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
        early = launch._EarlyTerminal()
        early.take()
        assert early.ready and early.typed == b""
        os.write(main, b"\x0e\rhello")  # ctrl+n, Enter, then the prompt, with no newline after it
        assert _read_all(child) == b"\x0e\rhello"  # readable at once, Enter still a carriage return
        assert _read_all(main) == b""  # nothing echoed onto the screen Textual is about to draw
        early.restore()
        assert termios.tcgetattr(child) == before  # the user's own terminal mode is back after the app
    finally:
        tty.close()
        os.close(main)


def test_keys_typed_before_the_program_ran_are_kept_with_their_enter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Typed before launch, in the terminal's line mode (the shell had just started the program): the line is
    read at once and its Enter, stored as a newline by the terminal, is Enter again (not ctrl+j)."""
    main, child = os.openpty()
    tty: Any = os.fdopen(child, "rb", buffering=0)
    monkeypatch.setattr(launch.sys, "__stdin__", tty)
    try:
        os.write(main, b"\x0e\rhello")  # in line mode: no line end after "hello", and Enter arrives as \n
        early = launch._EarlyTerminal()
        early.take()
        assert early.typed == b"\x0e\rhello"
        assert _read_all(child) == b""  # all of it taken: the app gets it first, before what Textual reads
        early.restore()
    finally:
        tty.close()
        os.close(main)


def test_not_a_terminal_changes_nothing(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    with open(tmp_path / "in", "wb+") as plain:
        monkeypatch.setattr(launch.sys, "__stdin__", plain)
        early = launch._EarlyTerminal()
        early.take()  # no terminal: nothing to set, nothing to read, nothing to restore
        assert not early.ready and early.typed == b""
        early.restore()
