"""Focus is plainly visible in every built-in theme: the focused input, table, text area, switch, checkbox
and button each draw a border (or outline) unlike their unfocused look, from the theme's own variables."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widget import Widget
from textual.widgets import Button, Checkbox, DataTable, Input, Switch, TextArea

from quilltap_tui.ui.app import QuilltapApp
from quilltap_tui.ui.themes import load_themes

THEMES = sorted(load_themes())
KINDS: list[type[Widget]] = [Input, DataTable, Switch, TextArea, Button, Checkbox]


class _Host(App[None]):
    CSS_PATH = str(Path(inspect.getfile(QuilltapApp)).with_name("app.tcss"))

    def __init__(self, theme: str) -> None:
        super().__init__()
        for found in load_themes().values():
            self.register_theme(found)
        self.theme = theme

    def compose(self) -> ComposeResult:
        yield Input(id="w0")
        table: DataTable[str] = DataTable(id="w1")
        table.add_columns("a")
        table.add_row("x")
        yield table
        yield Switch(id="w2")
        yield TextArea("text", id="w3")
        yield Button("Save", id="w4")
        yield Checkbox("Default", id="w5")
        yield Input(id="spare")


def _look(widget: Widget) -> tuple[Any, ...]:
    styles = widget.styles
    return (styles.border_top, styles.border_left, styles.outline_top, styles.outline_left)


def test_every_built_in_theme_is_tested() -> None:
    assert {"quilltap-dark", "quilltap-light", "quilltap-mono"} <= set(THEMES)


@pytest.mark.parametrize("theme", THEMES)
async def test_the_focused_widget_looks_unlike_the_unfocused_one(theme: str) -> None:
    app = _Host(theme)
    async with app.run_test(size=(80, 60)) as pilot:
        for index, kind in enumerate(KINDS):
            widget = app.query_one(f"#w{index}", kind)
            app.query_one("#spare").focus()
            await pilot.pause()
            blurred = _look(widget)
            widget.focus()
            await pilot.pause()
            assert app.focused is widget
            focused = _look(widget)
            assert focused != blurred, f"{kind.__name__} in {theme}: focus changes nothing"
            # Plainly visible: a real edge, in a colour unlike the background's.
            background = app.screen.styles.background.rgb
            changed = [new for new, old in zip(focused, blurred, strict=True) if new != old]
            assert any(kind_ not in ("", "none", "hidden", "blank") and colour.rgb != background
                       for kind_, colour in changed), f"{kind.__name__} in {theme}: no edge unlike the screen"
