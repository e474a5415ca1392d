"""Clipboard by OSC 52, which works over SSH; wrapped in tmux's DCS passthrough inside tmux.

tmux handles a bare OSC 52 itself only with ``set -g set-clipboard on``; the DCS-wrapped copy reaches
the outer terminal when ``allow-passthrough`` is on. Sending both covers either configuration.
"""

from __future__ import annotations

import base64
import os
import shutil
import subprocess
from collections.abc import Mapping

ESC = "\x1b"


def osc52(text: str) -> str:
    """The OSC 52 sequence that puts ``text`` on the system clipboard."""
    payload = base64.b64encode(text.encode("utf-8")).decode("ascii")
    return f"{ESC}]52;c;{payload}\a"


def tmux_wrap(sequence: str) -> str:
    """Wrap ``sequence`` for tmux passthrough: DCS tmux; ... ST, with every ESC doubled."""
    return f"{ESC}Ptmux;{sequence.replace(ESC, ESC + ESC)}{ESC}\\"


def sequences(text: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """What to write to the terminal to copy ``text``: the bare sequence, plus the wrapped one in tmux."""
    env = os.environ if environ is None else environ
    bare = osc52(text)
    return [bare, tmux_wrap(bare)] if env.get("TMUX") else [bare]


def is_remote(environ: Mapping[str, str] | None = None) -> bool:
    """True over SSH: a local viewer would open on the wrong machine."""
    env = os.environ if environ is None else environ
    return bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))


def system_opener() -> list[str] | None:
    """The command that opens a file with the desktop's default viewer, or None when there is none."""
    for candidate in ("xdg-open", "open"):
        found = shutil.which(candidate)
        if found:
            return [found]
    return None


def open_with_system(path: str) -> str | None:
    """Open ``path`` locally. Returns None on success or one sentence saying why it was not opened."""
    if is_remote():
        return "Over SSH the system viewer would open on the remote machine; copy the path instead."
    opener = system_opener()
    if opener is None:
        return "No system viewer found (xdg-open or open); copy the path instead."
    subprocess.Popen(  # detached: the viewer outlives nothing of ours and must not block the UI
        [*opener, path], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL, start_new_session=True,
    )
    return None
