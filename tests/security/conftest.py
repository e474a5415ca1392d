"""The TUI test fixtures (isolated home, shared context, app factory), reused for the TUI security checks."""

from tests.ui.conftest import ctx, make_app, ui_env

__all__ = ["ctx", "make_app", "ui_env"]
