"""Start the full-screen app: probe the terminal's graphics first, then hand the terminal to Textual."""

from __future__ import annotations

import os


def launch(*, mouse: bool = True) -> int:
    from quilltap_tui import config, paths, termgraphics

    # Settings are cheap (one small TOML file); the database and vault open later, in workers.
    resolved = paths.resolve().ensure()
    settings = config.load(resolved)
    protocol = termgraphics.detect(settings.images)

    from quilltap_tui.ui.app import QuilltapApp

    app = QuilltapApp(image_protocol=protocol)
    app.run(mouse=mouse)
    return int(app.return_code or 0)


if __name__ == "__main__":  # pragma: no cover - convenience for `python -m quilltap_tui.ui.launch`
    raise SystemExit(launch(mouse=os.environ.get("QUILLTAP_NO_MOUSE") != "1"))
