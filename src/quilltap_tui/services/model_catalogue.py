"""What the app says about the user's ``models.toml``, for the command line and the TUI alike.

A malformed file never stops the app: every command but ``models`` goes on with the built-in table and
says so in one line (``models`` itself exits 2 naming the file, line and field).
"""

from __future__ import annotations


def catalogue_warning() -> str | None:
    """One sentence when ``models.toml`` is malformed (naming the file, line and field), else None."""
    from quilltap_tui.imagegen.catalogue import user_file_problem

    problem = user_file_problem()
    if problem is None:
        return None
    return f"{problem.rstrip('.')}; using the built-in model table."
