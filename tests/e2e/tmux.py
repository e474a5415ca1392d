"""Drive a real program in a detached tmux session: type keys, read the screen.

Each session runs on its own tmux server socket (``-L``) so tests never touch the user's tmux and can
run in parallel.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import time
import uuid
from collections.abc import Mapping

import pytest


def require_tmux() -> None:
    if shutil.which("tmux") is None:
        pytest.skip("tmux is not installed (CI installs it in .ci/run)")


class TmuxSession:
    """One tmux pane of a fixed size running ``command`` with exactly ``env`` (plus TERM/LANG)."""

    def __init__(self, command: list[str], *, env: Mapping[str, str], cols: int = 160, rows: int = 48,
                 passthrough: bool = False) -> None:
        """``passthrough``: the program sees it runs in tmux (``TMUX``) with ``allow-passthrough on``."""
        require_tmux()
        self.socket = f"qt-{uuid.uuid4().hex[:10]}"
        full_env = {"TERM": "xterm-256color", "LANG": "C.UTF-8", **env}
        exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in full_env.items())
        shell = f"exec env -i {exports} {shlex.join(command)}"
        if passthrough:  # set from inside the pane, before the program starts (it reads it once)
            shell = ('tmux set-option -g allow-passthrough on && exec env -i TMUX="$TMUX" TMUX_PANE="$TMUX_PANE" '
                     f"{exports} {shlex.join(command)}")
        self._tmux("new-session", "-d", "-x", str(cols), "-y", str(rows), "sh", "-c", shell)
        self._tmux("set-option", "-g", "remain-on-exit", "on")

    def _tmux(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=False)
        return result.stdout

    def send(self, *keys: str) -> None:
        self._tmux("send-keys", *keys)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-l", text)

    def record_output(self, path: str) -> None:
        """Append everything the program writes from now on (escape sequences included) to ``path``."""
        self._tmux("pipe-pane", "-o", f"cat >> {shlex.quote(path)}")

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-J")

    def wait_for(self, text: str, *more: str, timeout: float = 30.0) -> str:
        """Poll the screen until ``text`` (and each of ``more``) shows at once; fail with the last screen when
        it never does. Wait for words only the expected screen shows: a text the previous screen also had
        returns at once, before the app has handled the key just sent. ``timeout`` only bounds a hang (a
        loaded machine takes seconds per screen), so it is generous."""
        wanted = (text, *more)
        deadline = time.monotonic() + timeout
        screen = ""
        while time.monotonic() < deadline:
            screen = self.screen()
            if all(part in screen for part in wanted):
                return screen
            time.sleep(0.05)
        raise AssertionError(f"{wanted!r} never all appeared on screen; last screen:\n{screen}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, check=False)

    def __enter__(self) -> TmuxSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
