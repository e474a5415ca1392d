"""What the app says about the user's ``models.toml``, for the command line and the TUI alike.

A malformed file never stops the app: every command but ``models`` goes on with the built-in table and
says so in one line (``models`` itself exits 2 naming the file, line and field).
"""

from __future__ import annotations

import os
from pathlib import Path


def catalogue_warning() -> str | None:
    """One sentence when ``models.toml`` is malformed (naming the file, line and field), else None."""
    # No file, nothing to say: the catalogue (and the model facts it imports) loads only when there is a
    # file to check, or when a command uses it (`ask --no-images` never does).
    try:
        user_file().stat()
    except OSError:  # as the catalogue's own look: an unreadable place counts as no file
        return None
    from quilltap_tui.imagegen.catalogue import user_file_problem

    problem = user_file_problem()
    if problem is None:
        return None
    return f"{problem.rstrip('.')}; using the built-in model table."


def user_file() -> Path:
    """``imagegen.catalogue.user_file()`` without importing the catalogue (a test holds the two together)."""
    from quilltap_tui.paths import resolve

    home = os.environ.get("QUILLTAP_HOME", "")
    return resolve({"QUILLTAP_HOME": home} if home else {}).config / "models.toml"
