"""The gallery's table shows whole cells whenever the screen paints (a first-run walk in tmux once showed
``2026  art  gpt-i  1024  a red`` under full-width headers and stayed that way).

Textual's DataTable widens auto-width columns only when the table next goes idle, and caches every cell it
draws without the width it drew it at. A table of fixed height (the gallery's is ``1fr``) is not resized
when a row arrives, so nothing clears that cache: a paint that lands between the page's rows and the
table's idle (the screen's refresh timer, on a busy machine) kept the header-wide cells for good.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.geometry import Region

from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.services import image_store
from quilltap_tui.ui.screens.gallery import GalleryScreen
from tests.fakes.image_servers import make_image
from tests.ui.conftest import SIZE, drain, until


def _save(ctx: Any, prompt: str, size: int = 1024) -> None:
    image = GeneratedImage(data=make_image(64, 64, seed=prompt), mime_type="image/png", width=size, height=size)
    origin = image_store.ImageOrigin(prompt=prompt, provider="openai", model="gpt-image-1", profile_name="art")
    image_store.save_batch(ctx, [image], origin)


def _painted(table: Any) -> str:
    """The table's lines as a repaint draws them now (from its caches, as the screen does)."""
    width, height = table.size
    return "\n".join(strip.text for strip in table.render_lines(Region(0, 0, width, height)))


@pytest.fixture
def paint_on_arrival(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each page the gallery adds is painted at once, before the table has had an idle moment: the order
    of events a loaded machine produced, made deterministic. Returns what each early paint showed."""
    early: list[str] = []
    add_page = GalleryScreen.add_page

    def add_then_paint(self: GalleryScreen, page: list[Any]) -> None:
        add_page(self, page)
        early.append(_painted(self.query_one("#gallery-table")))

    monkeypatch.setattr(GalleryScreen, "add_page", add_then_paint)
    return early


async def test_rows_painted_before_the_table_is_idle_show_whole_cells(make_app: Any, ctx: Any,
                                                                      paint_on_arrival: list[str]) -> None:
    _save(ctx, "a red kite")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await drain(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: bool(paint_on_arrival), "the gallery's first page")
        await drain(pilot)
        table = app.screen.query_one("#gallery-table")
        painted = _painted(table)
        assert "gpt-image-1  1024x1024  a red kite" in painted, painted
        assert "1024x1024  a red kite" in paint_on_arrival[0], paint_on_arrival[0]


async def test_a_longer_row_on_a_later_reload_widens_its_column(make_app: Any, ctx: Any,
                                                                 paint_on_arrival: list[str]) -> None:
    """Columns follow the rows on screen now, also when a reload brings a wider cell than before."""
    _save(ctx, "a red kite", size=64)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await drain(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: bool(paint_on_arrival), "the gallery's first page")
        await drain(pilot)
        _save(ctx, "a blue heron", size=1024)
        await pilot.press("ctrl+r")
        await until(pilot, lambda: len(paint_on_arrival) == 2, "the reloaded page")
        await drain(pilot)
        painted = _painted(app.screen.query_one("#gallery-table"))
        assert "1024x1024  a blue heron" in painted and "64x64      a red kite" in painted, painted


async def test_at_80_columns_the_table_drops_columns_instead_of_scrolling(make_app: Any, ctx: Any) -> None:
    """At 80x24 the table had a third of the screen and scrolled sideways: the size and the start of the
    prompt were off its edge. The least needed columns go instead (the side panel still names them all)."""
    _save(ctx, "a lighthouse on a cliff at dusk")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await drain(pilot)
        await pilot.press("f5")
        await until(pilot, lambda: type(app.screen) is GalleryScreen and app.screen.items, "the gallery's page")
        await drain(pilot)
        table = app.screen.query_one("#gallery-table")
        assert table.max_scroll_x == 0  # nothing off to the side
        assert [str(column.label) for column in table.ordered_columns] == ["Made", "Model", "Prompt"]
        painted = _painted(table)
        assert "gpt-image-1  a lighthous" in painted, painted
        await pilot.resize_terminal(160, 48)  # room again: every column comes back
        await until(pilot, lambda: len(table.ordered_columns) == 5, "the table at 160 columns")
        assert "art      gpt-image-1  1024x1024  a lighthouse on a cliff at dusk" in _painted(table)
