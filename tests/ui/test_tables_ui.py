"""refill (ui/widgets/tables.py): the table the key vault, the profile lists, the chat list and the gallery
fill. A refilled row is drawn whole even when the screen paints it before the table's first idle moment
(Textual widens auto-width columns only then and keeps what it drew; see the gallery's table test)."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widgets import DataTable

from quilltap_tui.textsafe import cells
from quilltap_tui.ui.widgets.tables import refill
from tests.ui.conftest import drain


class _Tables(App[None]):
    CSS = "DataTable { height: 1fr; }"  # as the key vault and profile lists: rows never change its size

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns("Label", "Provider", "Valid")


def _painted(table: DataTable[object]) -> str:
    width, height = table.size
    return "\n".join(strip.text for strip in table.render_lines(Region(0, 0, width, height)))


async def test_a_wider_refill_painted_at_once_shows_whole_cells_and_keeps_the_cursor() -> None:
    app = _Tables()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(DataTable)
        refill(table, [("a", cells("a", "openai", "-")), ("b", cells("b", "xai", "-"))])
        await drain(pilot)
        table.move_cursor(row=1)
        refill(table, [("a", cells("a", "openai", "-")),
                       ("b", cells("b", "xai", "valid 2026-12-02 [checked]"))])
        early = _painted(table)  # the screen's refresh timer got here before the table's idle
        await drain(pilot)
        assert "xai       valid 2026-12-02 [checked]" in early, early
        assert "xai       valid 2026-12-02 [checked]" in _painted(table)
        assert table.cursor_row == 1  # still on "b"


async def test_new_headers_replace_the_columns() -> None:
    app = _Tables()
    async with app.run_test(size=(80, 10)) as pilot:
        table = app.query_one(DataTable)
        refill(table, [("a", cells("a title", "main"))], headers=("Title", "Chat profile"))
        await drain(pilot)
        assert [str(c.label) for c in table.ordered_columns] == ["Title", "Chat profile"]
        assert "a title  main" in _painted(table)
