"""Start the full-screen app: set up logging, probe the terminal's graphics, then hand it to Textual.

The probe (textual-image's Sixel/Kitty queries and cell size) writes to the terminal and reads the
answer, so it runs once here, before Textual takes the terminal. ``QUILLTAP_IMAGES`` overrides it.
"""

from __future__ import annotations

import logging
import os
import threading
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


def launch(*, mouse: bool = True) -> int:
    """Run the TUI; returns the process exit code."""
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
