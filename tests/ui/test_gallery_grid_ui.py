"""The gallery as pictures (issue 12): a grid of thumbnails beside the table with the same actions, and a
viewer that steps through the gallery with next and previous."""

from __future__ import annotations

from typing import Any

import pytest

from quilltap_tui.imagegen.spec import GeneratedImage
from quilltap_tui.services import image_store
from quilltap_tui.ui.widgets.preview import ImagePreview
from tests.fakes.image_servers import make_image
from tests.ui.conftest import SIZE, screen_text, settle


def _save(ctx: Any, count: int) -> list[str]:
    """``count`` images, saved oldest first; returns their ids newest first (the gallery's order)."""
    ids = []
    for n in range(count):
        image = GeneratedImage(data=make_image(64 + n, 48, seed=f"g{n}"), mime_type="image/png", width=64 + n,
                               height=48)
        origin = image_store.ImageOrigin(prompt=f"picture number {n}", provider="openai", model="gpt-image-1")
        ids.append(image_store.save_batch(ctx, [image], origin)[0].id)
    return ids[::-1]


async def test_g_shows_a_grid_of_thumbnails_with_the_same_cursor_and_actions(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.ui.widgets.thumbgrid import ThumbGrid, Tile

    newest_first = _save(ctx, 5)
    app = make_app(image_protocol="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        gallery = app.screen
        await pilot.press("down")  # the table's cursor on the second image
        await pilot.press("g")
        await settle(pilot)
        grid = gallery.query_one(ThumbGrid)
        assert grid.display and grid.has_focus and not gallery.query_one("#gallery-table").display
        tiles = list(grid.query(Tile))
        assert [t.item.id for t in tiles] == newest_first
        assert all(len(t.query_one(ImagePreview).query(".preview-image")) == 1 for t in tiles)  # pictures
        assert grid.index == 1 and tiles[1].has_class("-cursor") and gallery.current().id == newest_first[1]
        assert grid.styles.grid_size_columns >= 2  # side by side at 120 columns
        await pilot.press("right")
        assert gallery.current().id == newest_first[2]
        assert "picture number 2" in screen_text(app)  # the details panel follows the cursor
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ViewerScreen" and app.screen.item.id == newest_first[2]
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("d")  # delete from the grid: confirm, then the tile goes
        await settle(pilot)
        await pilot.click("#confirm")
        await settle(pilot)
        assert [t.item.id for t in grid.query(Tile)] == newest_first[:2] + newest_first[3:]
        with ctx.db.session() as session:
            assert [r.id for r in image_store.list_images(session, limit=10)] == [
                *newest_first[:2], *newest_first[3:]]
        await pilot.press("g")  # back to the table, on the same image
        await settle(pilot)
        table = gallery.query_one("#gallery-table")
        assert table.display and table.has_focus and gallery.current().id == newest_first[3]


async def test_the_grid_is_remembered_for_the_next_gallery(make_app: Any, ctx: Any) -> None:
    _save(ctx, 1)
    app = make_app(image_protocol="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("g")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert app.screen.grid and app.screen.query_one("#gallery-grid").display
    fresh = make_app(image_protocol="halfcell")  # the choice lives with the app, not in the process
    async with fresh.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert not fresh.screen.grid


async def test_viewer_steps_next_and_previous_and_the_gallery_follows(make_app: Any, ctx: Any) -> None:
    newest_first = _save(ctx, 3)
    app = make_app(image_protocol="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        viewer = app.screen
        assert viewer.item.id == newest_first[0] and "Image 1 of 3" in screen_text(app)
        await pilot.press("right")
        await settle(pilot)
        assert viewer.item.id == newest_first[1] and "Image 2 of 3" in screen_text(app)
        preview = viewer.query_one("#viewer-image", ImagePreview)
        assert preview.path == viewer.item.path and len(preview.query(".preview-image")) == 1
        await pilot.press("n")
        await settle(pilot)
        assert viewer.item.id == newest_first[2]
        await pilot.press("n")  # the last: stays, says so
        await settle(pilot)
        assert viewer.item.id == newest_first[2]
        await pilot.press("left")
        await settle(pilot)
        assert viewer.item.id == newest_first[1]
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "GalleryScreen" and app.screen.current().id == newest_first[1]


async def test_viewer_next_past_the_loaded_page_loads_the_next(make_app: Any, ctx: Any,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from quilltap_tui.ui.screens import gallery

    monkeypatch.setattr(gallery, "PAGE_SIZE", 2)
    newest_first = _save(ctx, 3)
    app = make_app(image_protocol="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        assert len(app.screen.items) == 2
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("right")
        await settle(pilot)
        await pilot.press("right")  # past the loaded page: the gallery loads the next, the viewer steps on
        await settle(pilot)
        assert app.screen.item.id == newest_first[2] and "Image 3 of 3" in screen_text(app)


async def test_a_click_picks_a_picture_and_a_second_click_opens_it(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.ui.widgets.thumbgrid import ThumbGrid, Tile

    newest_first = _save(ctx, 3)
    app = make_app(image_protocol="halfcell")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("f5")
        await settle(pilot)
        await pilot.press("g")
        await settle(pilot)
        third = list(app.screen.query(Tile))[2]
        await pilot.click(third)
        assert app.screen.query_one(ThumbGrid).index == 2 and app.screen.current().id == newest_first[2]
        await pilot.click(third)
        await settle(pilot)
        assert type(app.screen).__name__ == "ViewerScreen" and app.screen.item.id == newest_first[2]
