"""F1: every key binding that works on the screen below, with its id (for the [keys] table)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Static

from quilltap_tui.textsafe import inert
from quilltap_tui.ui.screens.base import BaseScreen

if TYPE_CHECKING:
    from quilltap_tui.ui.app import QuilltapApp

REMAP_HINT = (
    "Remap any key in settings.toml, by binding id:\n"
    "  [keys]\n  open_gallery = \"f9\"\n  quit = \"ctrl+q,ctrl+c\""
)


class HelpScreen(BaseScreen):
    """Key bindings of the screen it was opened from, then the app-wide ones."""

    TITLE = "Help"
    BINDINGS = [Binding("escape,f1", "back", "Close", id="back")]

    def __init__(self, under: Screen[Any]) -> None:
        super().__init__()
        self.under = under

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            about = getattr(self.under, "HELP", "") or ""
            title = escape(inert(self.under.title or self.app.title))  # a chat's title is user text
            yield Static(f"[b]{title}[/b]  {about}", id="help-about")
            yield DataTable(id="help-table", cursor_type="row", zebra_stripes=True)
            yield Static(screens_text(self.app.key_for), id="help-screens", markup=False)
            yield Static(REMAP_HINT, id="help-remap", markup=False)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Key", "Does", "Where", "Binding id")
        for key, description, where, binding_id in binding_rows(self.app, self.under):
            table.add_row(key, description, where, binding_id)
        table.focus()


def screens_text(key_for: Callable[[str], str | None]) -> str:
    """Every screen of the screen table: its key (as remapped), title and what it is for."""
    from quilltap_tui.ui.screens.registry import SCREENS

    lines = ["Screens (also in the command palette, ctrl+p):"]
    for entry in SCREENS:
        key = key_for(entry.binding_id) if entry.key else None
        lines.append(f"  {key or '':<7} {entry.title:<15} {entry.help}")
    return "\n".join(lines)


def binding_rows(app: QuilltapApp, screen: Screen[Any]) -> list[tuple[str, str, str, str]]:
    """(key, description, where, id) for the screen's bindings, then the app's, with the keymap applied."""
    keymap = app.key_overrides
    rows: list[tuple[str, str, str, str]] = []
    for where, owner in (("this screen", screen), ("everywhere", app)):
        for binding in type(owner).BINDINGS:
            if not isinstance(binding, Binding) or not binding.description:
                continue
            keys = keymap.get(binding.id, binding.key) if binding.id else binding.key
            rows.append((app.get_key_display(Binding(keys.split(",")[0], "")) if keys else "", binding.description,
                         where, binding.id or "-"))
    return rows
