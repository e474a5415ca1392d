"""Half-cell previews drawn in the worker look exactly like textual-image's, and stale decodes are dropped."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.geometry import Region

from quilltap_tui.ui import terminal, thumbnails
from quilltap_tui.ui.widgets.preview import HalfcellPicture, ImagePreview
from tests.fakes.image_servers import make_image
from tests.ui.conftest import until

CSS = "Vertical { height: auto; width: 1fr; } .preview-image { width: auto; height: auto; max-width: 100%; }"


class _Side(App[None]):
    """Two columns: textual-image's HalfcellImage and ours, for the same thumbnail."""

    CSS = CSS + " #left, #right { width: 80; }"

    def __init__(self, image: Any, rows: int) -> None:
        super().__init__()
        self.image, self.rows = image, rows

    def compose(self) -> ComposeResult:
        from textual.containers import Horizontal

        width = thumbnails.halfcell_width(self.image.size, self.rows, terminal.cell_size())
        with Horizontal():
            with Vertical(id="left"):
                old = terminal.image_widget_class("halfcell")(self.image, classes="preview-image")
                old.styles.height = self.rows
                yield old
            with Vertical(id="right"):
                new = HalfcellPicture(self.image, thumbnails.halfcell_strips(self.image, width, self.rows),
                                      classes="preview-image")
                new.styles.height = self.rows
                yield new


def _cells(widget: Any) -> list[list[tuple[str, Any, Any]]]:
    size = widget.content_size
    lines = widget.render_lines(Region(0, 0, size.width, size.height))
    return [[(seg.text, seg.style.color, seg.style.bgcolor) for seg in line if seg.text] for line in lines]


async def _compare(tmp_path: Path, width: int, height: int) -> None:
    path = tmp_path / f"{width}x{height}.png"
    path.write_bytes(make_image(width, height, seed=f"{width}"))
    image = thumbnails.load(path, thumbnails.box_for_cells(48, 18))
    app = _Side(image, 18)
    async with app.run_test(size=(160, 48)) as pilot:
        old, new = app.query_one("#left > *"), app.query_one(HalfcellPicture)
        await until(pilot, lambda: old.size.height and new.size.height, "both pictures laid out")
        assert new.size == old.size and new.size.height == 18
        assert _cells(new) == _cells(old)
        assert {text for line in _cells(new) for text, _, _ in line} == {"▀"}


async def test_worker_drawn_halfcell_matches_textual_image(tmp_path: Path) -> None:
    for width, height in ((1024, 1024), (1792, 1024), (1024, 1792), (320, 200)):
        await _compare(tmp_path, width, height)


async def test_narrow_container_redraws_at_its_width(tmp_path: Path) -> None:
    path = tmp_path / "wide.png"
    path.write_bytes(make_image(1792, 1024, seed="w"))
    image = thumbnails.load(path, thumbnails.box_for_cells(48, 18))

    class Narrow(App[None]):
        CSS = CSS + " Vertical { width: 30; }"

        def compose(self) -> ComposeResult:
            with Vertical():
                old = terminal.image_widget_class("halfcell")(image, classes="preview-image")
                old.styles.height = 18
                yield old
            with Vertical():
                width = thumbnails.halfcell_width(image.size, 18, terminal.cell_size())
                new = HalfcellPicture(image, thumbnails.halfcell_strips(image, width, 18), classes="preview-image")
                new.styles.height = 18
                yield new

    app = Narrow()
    async with app.run_test(size=(100, 48)) as pilot:
        old, new = app.query("Vertical > *")
        await until(pilot, lambda: old.size.width and new.size.width, "both pictures laid out")
        assert new.size.width == 30 == old.size.width
        assert _cells(new) == _cells(old)


class _One(App[None]):
    def __init__(self, preview: ImagePreview) -> None:
        super().__init__()
        self.preview = preview
        self.image_protocol = "halfcell"

    def compose(self) -> ComposeResult:
        yield self.preview


async def test_fast_moves_decode_at_most_one_stale_image_and_show_the_last(tmp_path: Path) -> None:
    paths = []
    for index in range(30):
        path = tmp_path / f"{index}.png"
        path.write_bytes(make_image(640, 480, seed=str(index)))
        paths.append(path)
    decoded: list[Path] = []
    original = thumbnails.load

    def counting(path: Path, box: tuple[int, int]) -> Any:
        decoded.append(path)
        return original(path, box)

    thumbnails.load = counting  # type: ignore[assignment]
    try:
        preview = ImagePreview(columns=48, rows=16)
        app = _One(preview)
        async with app.run_test(size=(120, 40)) as pilot:
            for path in paths:  # thirty rows in one burst, as a held-down arrow key does
                preview.show(path, "640x480")
            await until(pilot, lambda: preview.query(".preview-image"), "a picture in the preview")
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert decoded[-1] == paths[-1] and len(decoded) <= 2  # the first (already running) and the last
            (picture,) = preview.query(".preview-image")
            assert preview.path == paths[-1]
            assert picture.image.size == original(paths[-1], thumbnails.box_for_cells(48, 16)).size
    finally:
        thumbnails.load = original  # type: ignore[assignment]


async def test_a_removed_picture_lets_go_of_its_rendered_lines(tmp_path: Path) -> None:
    """Browsing the gallery removes a picture per row: its strips and rendered lines must not wait for a
    full garbage collection (widgets hold reference cycles)."""
    path = tmp_path / "gone.png"
    path.write_bytes(make_image(640, 480, seed="gone"))
    image = thumbnails.load(path, thumbnails.box_for_cells(48, 18))
    width = thumbnails.halfcell_width(image.size, 18, terminal.cell_size())
    picture = HalfcellPicture(image, thumbnails.halfcell_strips(image, width, 18))

    class Holder(App[None]):
        def compose(self) -> ComposeResult:
            yield picture

    app = Holder()
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert picture._styles_cache._cache  # drawn: Textual caches each rendered line
        await picture.remove()
        assert not picture._strips and not picture._styles_cache._cache



async def test_the_next_partial_image_replaces_the_picture_in_place() -> None:
    """A generation's partial images are the same size: the next one repaints the picture's cells. Swapping
    the widget out and in laid out the whole chat each time, while the turn was saving the image (issue 17)."""
    preview = ImagePreview(columns=48, rows=16)
    app = _One(preview)
    async with app.run_test(size=(120, 40)) as pilot:
        preview.show_data(make_image(64, 64, seed="partial 1"))
        await until(pilot, lambda: preview.query(".preview-image"), "the first partial image")
        (picture,) = preview.query(HalfcellPicture)
        first = picture._strips[picture.natural_width]
        preview.show_data(make_image(64, 64, seed="partial 2"))
        await until(pilot, lambda: picture._strips.get(picture.natural_width) is not first, "the second partial")
        assert list(preview.query(".preview-image")) == [picture]  # the same widget: nothing removed or mounted
        second = picture._strips[picture.natural_width]
        assert [strip.text for strip in second] == [strip.text for strip in first]  # same cells...
        assert [list(strip) for strip in second] != [list(strip) for strip in first]  # ...another picture
        preview.show(None)  # a file or nothing afterwards still replaces the picture as before
        await until(pilot, lambda: not preview.query(".preview-image"), "the picture cleared")
