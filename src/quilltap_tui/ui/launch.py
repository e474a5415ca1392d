"""Start the full-screen app: set up logging, probe the terminal's graphics, then hand it to Textual.

The probe (textual-image's Sixel/Kitty queries and cell size) writes to the terminal and reads the
answer, so it runs once here, before Textual takes the terminal. ``QUILLTAP_IMAGES`` overrides it.
"""

from __future__ import annotations

import logging
import os


def launch(*, mouse: bool = True) -> int:
    """Run the TUI; returns the process exit code."""
    from quilltap_tui import config, paths, termgraphics
    from quilltap_tui.ui.logsetup import setup_logging

    # Settings are cheap (one small TOML file); the database and vault open later, in workers.
    resolved = paths.resolve().ensure()
    setup_logging(resolved.log_file)
    settings = config.load(resolved)
    protocol = termgraphics.detect(settings.images)
    from quilltap_tui.ui import terminal

    terminal.prepare(protocol)
    logging.getLogger(__name__).info("Starting the TUI (image previews: %s, mouse: %s)", protocol, mouse)

    from quilltap_tui.ui.app import QuilltapApp

    app = QuilltapApp(image_protocol=protocol)
    app.run(mouse=mouse and settings.mouse)
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover - convenience for `python -m quilltap_tui.ui.launch`
    raise SystemExit(launch(mouse=os.environ.get("QUILLTAP_NO_MOUSE") != "1"))
