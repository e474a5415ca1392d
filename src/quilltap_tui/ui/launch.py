"""Start the full-screen app: set up logging, probe the terminal's graphics, then hand it to Textual.

The probe (textual-image's Sixel/Kitty queries and cell size) writes to the terminal and reads the
answer, so it runs once here, before Textual takes the terminal. ``QUILLTAP_IMAGES`` overrides it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from quilltap_tui.services.context import AppContext


class _Probe(threading.Thread):
    """Detect the graphics protocol and let textual-image measure the cell size, in the background."""

    def __init__(self, mode: str) -> None:
        super().__init__(name="terminal-probe", daemon=True)
        self.mode = mode
        self.protocol = "off"

    def run(self) -> None:
        from quilltap_tui import termgraphics
        from quilltap_tui.ui import terminal

        try:
            tmux = termgraphics.tmux_state()  # inside tmux: passthrough allowed? (then pictures are wrapped)
            self.protocol = termgraphics.detect(self.mode, tmux)
            terminal.prepare(self.protocol, tmux)
        except Exception:  # a terminal that answers oddly must never stop the app: no previews then
            logging.getLogger(__name__).warning("Terminal graphics probe failed", exc_info=True)
            self.protocol = "off"


def _check_vault(ctx: AppContext) -> None:
    try:
        ctx.vault.status(probe_keyring=False)  # derives and keeps the file vault's key when it can
    except Exception:  # the snapshot asks again and reports what is wrong; nothing to say twice
        logging.getLogger(__name__).debug("Early vault check failed", exc_info=True)


def _keep_early_keys() -> Callable[[], None]:
    """Keys typed before Textual reads the terminal (imports take a moment) wait in the terminal's input
    queue. In its usual line mode Enter is stored as a newline, which Textual reads as ctrl+j, not enter:
    ctrl+n, Enter and a prompt typed at once put the prompt into the new-chat form's tags. From here the
    terminal passes keys through as typed (no line editing, no echo, Enter kept as Enter) until Textual
    takes it over; the returned function puts the original mode back once the app has ended."""
    stdin = sys.__stdin__
    if stdin is None or not stdin.isatty():
        return lambda: None
    import termios

    fd = stdin.fileno()
    try:
        saved = termios.tcgetattr(fd)
        mode = termios.tcgetattr(fd)
        mode[0] &= ~(termios.ICRNL | termios.INLCR | termios.IGNCR)  # input: Enter stays a carriage return
        mode[3] &= ~(termios.ICANON | termios.ECHO)  # local: each key readable at once, not echoed
        mode[6][termios.VMIN], mode[6][termios.VTIME] = 1, 0
        termios.tcsetattr(fd, termios.TCSANOW, mode)
    except termios.error:  # an odd terminal: start as before
        return lambda: None

    def restore() -> None:
        with contextlib.suppress(termios.error):
            termios.tcsetattr(fd, termios.TCSANOW, saved)

    return restore


def launch(*, mouse: bool = True) -> int:
    """Run the TUI; returns the process exit code."""
    restore_terminal = _keep_early_keys()
    try:
        return _launch(mouse=mouse)
    finally:
        restore_terminal()  # Textual restores the mode it found (ours); this is the user's own


def _launch(*, mouse: bool) -> int:
    from quilltap_tui import config, paths
    from quilltap_tui.ui.logsetup import setup_logging

    # Settings are cheap (one small TOML file); the database and vault open later, in workers.
    resolved = paths.resolve().ensure()
    setup_logging(resolved.log_file)
    settings = config.load(resolved)
    # The probe mostly waits for the terminal's answers; Textual's import is CPU work. Overlapping the
    # two saves a few hundred milliseconds before the first screen. Textual starts only after the join.
    probe = _Probe(settings.images)
    probe.start()
    from quilltap_tui.services.context import AppContext

    ctx = AppContext(environ=dict(os.environ))
    # The file vault's check (scrypt, about 0.25 s, free of the interpreter lock) starts now, beside the
    # Textual import and the first paint; the profiles' snapshot then finds the key derived.
    threading.Thread(target=_check_vault, args=(ctx,), name="vault-check", daemon=True).start()
    from quilltap_tui.ui.app import QuilltapApp

    probe.join()
    logging.getLogger(__name__).info("Starting the TUI (image previews: %s, mouse: %s)", probe.protocol, mouse)
    app = QuilltapApp(ctx, image_protocol=probe.protocol)
    app.run(mouse=mouse and settings.mouse)
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover - convenience for `python -m quilltap_tui.ui.launch`
    raise SystemExit(launch(mouse=os.environ.get("QUILLTAP_NO_MOUSE") != "1"))
