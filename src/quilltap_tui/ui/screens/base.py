"""The common frame of a full screen: header, body, footer, ``esc`` to go back."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Header

from quilltap_tui.ui.tasks import ServiceCalls
from quilltap_tui.ui.widgets.footer import Footer


class BaseScreen(ServiceCalls, Screen[Any]):
    """A top-level screen. Subclasses implement :meth:`compose_body` and may define ``show_snapshot``."""

    BINDINGS = [Binding("escape", "back", "Back", id="back")]
    HELP = ""

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        snapshot = getattr(self.app, "snapshot", None)
        show = getattr(self, "show_snapshot", None)
        if snapshot is not None and show is not None:
            show(snapshot)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


class BaseModal(ServiceCalls, ModalScreen[Any]):
    """A dialog: ``esc`` cancels (dismisses with None)."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)
