"""The common frame of a full screen (header, body, footer, ``esc`` to go back) and of a dialog."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import getters
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.widgets import Header

from quilltap_tui.ui.widgets.footer import Footer

if TYPE_CHECKING:
    from quilltap_tui.ui.app import QuilltapApp
    from quilltap_tui.ui.state import Snapshot


class BaseScreen(Screen[Any]):
    """A top-level screen. Subclasses implement :meth:`compose_body` and may override ``show_snapshot``."""

    if TYPE_CHECKING:  # Textual's typed app property: `self.app.ctx` and the app's actions are checked
        app = getters.app(QuilltapApp)

    BINDINGS = [Binding("escape", "back", "Back", id="back")]
    HELP = ""
    open_name: str | None = None  # its row in the screen table, when opened from there (F2 to F6, the palette)

    def compose(self) -> ComposeResult:
        yield Header()
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        snapshot = self.app.snapshot
        if snapshot is not None:
            self.show_snapshot(snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        """Called with the shared state on mount and whenever it is reloaded; most screens ignore it."""

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()


class BaseModal(ModalScreen[Any]):
    """A dialog: ``esc`` cancels (dismisses with None)."""

    if TYPE_CHECKING:  # Textual's typed app property: `self.app.ctx` and the app's actions are checked
        app = getters.app(QuilltapApp)

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="cancel")]

    def action_cancel(self) -> None:
        self.dismiss(None)
