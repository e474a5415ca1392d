"""Start the full-screen app: set up logging, probe the terminal's graphics, then hand it to Textual.

The probe (Sixel/Kitty queries and cell size, ``termprobe``) writes to the terminal and reads the answers,
so it runs once here, before Textual takes the terminal. ``QUILLTAP_IMAGES`` overrides it. Whatever the user
types from the moment this runs until Textual reads the terminal (the probe reads it, or it waited in the
terminal's line buffer) is kept and given to the app first, in order.
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
    from quilltap_tui.termgraphics import Tmux


class _Probe(threading.Thread):
    """Detect the graphics protocol and the cell size, in the background; keep the keys typed meanwhile."""

    def __init__(self, mode: str, terminal_set: bool) -> None:
        super().__init__(name="terminal-probe", daemon=True)
        self.mode = mode
        self.terminal_set = terminal_set  # the terminal passes bytes through unedited (_EarlyTerminal.take)
        self.protocol = "off"
        self.typed = b""  # what the user typed while the probe read the terminal's answers
        self.cell: tuple[int, int] | None = None  # the cell in pixels, as the terminal said
        self.unanswered = 0  # DA1 answers still due when the probe stopped waiting
        self.tmux: Tmux | None = None  # tmux's state for this pane (None outside tmux)

    def run(self) -> None:
        from quilltap_tui import termgraphics, termprobe
        from quilltap_tui.ui import terminal

        try:
            if self.mode == "off":
                return
            stdin, stdout = sys.__stdin__, sys.__stdout__
            if stdout is None or not stdout.isatty():  # output piped: nothing to ask, nothing to draw on
                self.protocol = "off" if self.mode == "auto" else self.mode
            elif stdin is None or not self.terminal_set:  # a terminal that cannot be asked without losing keys
                self.protocol = "halfcell" if self.mode == "auto" else self.mode
            else:
                tmux = termgraphics.tmux_state()  # inside tmux: passthrough allowed? (then pictures are wrapped)
                answers = termprobe.probe(stdin.fileno(), stdout.fileno(), protocol=self.mode == "auto", tmux=tmux)
                self.typed, self.cell, self.unanswered, self.tmux = (answers.typed, answers.cell,
                                                                     answers.unanswered, tmux)
                self.protocol = (answers.protocol or "halfcell") if self.mode == "auto" else self.mode
                terminal.prepare(self.protocol, tmux, answers.cell)
                return
            terminal.prepare(self.protocol, None, None)
        except Exception:  # a terminal that answers oddly must never stop the app: no previews then
            logging.getLogger(__name__).warning("Terminal graphics probe failed", exc_info=True)
            self.protocol = "off"


def _check_vault(ctx: AppContext) -> None:
    try:
        ctx.vault.status(probe_keyring=False)  # derives and keeps the file vault's key when it can
    except Exception:  # the snapshot asks again and reports what is wrong; nothing to say twice
        logging.getLogger(__name__).debug("Early vault check failed", exc_info=True)


class _EarlyTerminal:
    """The terminal from launch until Textual reads it: keys pass through as typed, and are kept."""

    def __init__(self) -> None:
        self.ready = False  # the terminal passes bytes through unedited (non-canonical, no echo)
        self.typed = b""  # keys typed so far that this process has read (Textual gets them first)
        self._restore: Callable[[], None] = lambda: None

    def take(self) -> None:
        """Keys typed before Textual reads the terminal (imports take a moment) wait in the terminal's input
        queue. In its usual line mode Enter is stored as a newline, which Textual reads as ctrl+j, not
        enter: ctrl+n, Enter and a prompt typed at once put the prompt into the new-chat form's tags. From
        here the terminal passes keys through as typed (no line editing, no echo, Enter kept as Enter) until
        Textual takes it over; what was typed before now is read at once, its newlines made Enter again."""
        stdin = sys.__stdin__
        if stdin is None or not stdin.isatty():
            return
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
            return

        def restore() -> None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(fd, termios.TCSANOW, saved)

        self._restore, self.ready = restore, True
        from quilltap_tui.termprobe import read_pending

        # Typed in line mode, before the switch: the terminal turned each Enter into a newline on the way in
        # (ICRNL), and the line's bytes become readable now. A real ctrl+j typed that early reads as Enter.
        self.typed = read_pending(fd).replace(b"\n", b"\r")

    def restore(self) -> None:
        """The user's own terminal mode, back once the app has ended."""
        self._restore()


def launch(*, mouse: bool = True) -> int:
    """Run the TUI; returns the process exit code."""
    early = _EarlyTerminal()
    early.take()
    try:
        return _launch(early, mouse=mouse)
    finally:
        early.restore()  # Textual restores the mode it found (ours); this is the user's own


def _launch(early: _EarlyTerminal, *, mouse: bool) -> int:
    from quilltap_tui import config, paths
    from quilltap_tui.ui.logsetup import setup_logging

    # Settings are cheap (one small TOML file); the database and vault open later, in workers.
    resolved = paths.resolve().ensure()
    setup_logging(resolved.log_file)
    settings = config.load(resolved)
    # The probe mostly waits for the terminal's answers; Textual's import is CPU work. Overlapping the
    # two saves a few hundred milliseconds before the first screen. Textual starts only after the join.
    probe = _Probe(settings.images, early.ready)
    probe.start()
    from quilltap_tui.services.context import AppContext

    ctx = AppContext(environ=dict(os.environ))
    # The file vault's check (scrypt, about 0.25 s, free of the interpreter lock) starts now, beside the
    # Textual import and the first paint; the profiles' snapshot then finds the key derived.
    threading.Thread(target=_check_vault, args=(ctx,), name="vault-check", daemon=True).start()
    from quilltap_tui.ui.app import QuilltapApp

    probe.join()
    logging.getLogger(__name__).info("Starting the TUI (image previews: %s, cell: %s, mouse: %s)", probe.protocol,
                                     "x".join(map(str, probe.cell)) if probe.cell else "-", mouse)
    from quilltap_tui.ui.early_input import EarlyInput

    def late_answer(protocol: str | None, cell: tuple[int, int] | None) -> None:
        """The terminal answered after the probe stopped waiting: previews opened from now on use what it
        offers (the probe had settled for half-cell blocks). Runs in the driver's input thread."""
        if settings.images != "auto" or protocol is None or protocol == app.image_protocol:
            return
        from quilltap_tui.ui import terminal

        terminal.prepare(protocol, probe.tmux, cell or probe.cell)
        app.image_protocol = protocol
        logging.getLogger(__name__).info("Late terminal answer: image previews now %s", protocol)

    # Keys this process read before Textual (typed in line mode, or while the probe listened) come first.
    typed = (early.typed + probe.typed).decode("utf-8", "replace")
    app = QuilltapApp(ctx, image_protocol=probe.protocol,
                      early_input=EarlyInput(typed, probe.unanswered, late_answer))
    app.run(mouse=mouse and settings.mouse)
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover - convenience for `python -m quilltap_tui.ui.launch`
    raise SystemExit(launch(mouse=os.environ.get("QUILLTAP_NO_MOUSE") != "1"))
