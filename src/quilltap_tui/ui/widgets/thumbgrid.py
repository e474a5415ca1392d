"""The gallery as pictures: a grid of small previews with a cursor, beside (instead of) the table.

People would rather look than read: each tile is an :class:`ImagePreview` (decoded in a worker, like
every preview) with the date and the start of the prompt under it. The arrow keys move the cursor
(up and down by a row of tiles); the screen owns the actions (enter, e, d, ...) and reads ``index``.
Tiles are mounted only while the grid is shown, so browsing the table decodes no thumbnails.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import ScrollableContainer, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Static

from quilltap_tui.textsafe import inert
from quilltap_tui.ui.gallery_data import ImageItem
from quilltap_tui.ui.widgets.preview import ImagePreview

TILE_WIDTH = 28  # cells, border included
PICTURE_ROWS = 9


class Tile(Vertical):
    """One picture and its caption; a click moves the grid's cursor here, a click on the cursor opens it."""

    DEFAULT_CSS = f"""
    Tile {{ height: {PICTURE_ROWS + 4}; border: round $panel; padding: 0; align-horizontal: center; }}
    Tile.-cursor {{ border: round $accent; background: $boost; }}
    Tile > ImagePreview {{ height: {PICTURE_ROWS}; overflow: hidden; align-horizontal: center; }}
    Tile > .tile-caption {{ height: 2; color: $text-muted; padding: 0 1; overflow: hidden; }}
    """

    def __init__(self, item: ImageItem) -> None:
        super().__init__()
        self.item = item

    def compose(self) -> ComposeResult:
        item = self.item
        yield ImagePreview(item.path, columns=TILE_WIDTH - 4, rows=PICTURE_ROWS, info=item.size_text)
        yield Static(caption(item, TILE_WIDTH - 4), classes="tile-caption", markup=False)

    def on_click(self, event: events.Click) -> None:
        grid = self.parent
        if isinstance(grid, ThumbGrid):
            grid.clicked(self)


def caption(item: ImageItem, width: int) -> str:
    """Two lines: when and how big, then the prompt's start (one line, cut with an ellipsis)."""
    prompt = inert(" ".join(item.prompt.split()), keep_newlines=False)
    if len(prompt) > width:
        prompt = prompt[: width - 1] + "…"
    return f"{item.local_time[5:]} {item.width}x{item.height}\n{prompt}"


class ThumbGrid(ScrollableContainer, can_focus=True):
    """Tiles in as many columns as fit; ``index`` is the cursor (the image the screen's actions apply to)."""

    DEFAULT_CSS = """
    ThumbGrid { layout: grid; grid-size: 4; grid-gutter: 0 1; grid-rows: auto; height: 1fr; }
    """
    BINDINGS = [
        Binding("left", "move(-1)", "Left", show=False),
        Binding("right", "move(1)", "Right", show=False),
        Binding("up", "move_rows(-1)", "Up", show=False),
        Binding("down", "move_rows(1)", "Down", show=False),
        Binding("pageup", "move_rows(-3)", "Page up", show=False),
        Binding("pagedown", "move_rows(3)", "Page down", show=False),
        Binding("home", "go(0)", "First", show=False),
        Binding("end", "go(-1)", "Last", show=False),
    ]

    index: reactive[int] = reactive(0, init=False)

    class Highlighted(Message):
        """The cursor moved to ``index``."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Selected(Message):
        """The tile at ``index`` was clicked while under the cursor: open it."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: list[ImageItem] = []

    @property
    def columns(self) -> int:
        width = self.scrollable_content_region.width or self.size.width
        return max(1, (width + 1) // (TILE_WIDTH + 1))  # +1: the gutter between tiles

    def on_resize(self) -> None:
        self.styles.grid_size_columns = self.columns

    async def show_items(self, items: Sequence[ImageItem], index: int) -> None:
        """Show exactly ``items`` (new ones are added, gone ones removed) with the cursor on ``index``."""
        tiles = list(self.query(Tile))
        keep = len(tiles)
        if [t.item.id for t in tiles] != [it.id for it in items[: len(tiles)]]:
            await self.remove_children()
            keep = 0
        if keep < len(items):
            await self.mount_all([Tile(item) for item in items[keep:]])
        self.items = list(items)
        self.styles.grid_size_columns = self.columns
        self.index = min(max(0, index), max(0, len(items) - 1))
        self._mark(self.index)

    async def remove_item(self, image_id: str) -> None:
        for tile in self.query(Tile):
            if tile.item.id == image_id:
                await tile.remove()
        self.items = [it for it in self.items if it.id != image_id]
        if self.items:
            self.index = min(self.index, len(self.items) - 1)
            self._mark(self.index)

    def watch_index(self, old: int, new: int) -> None:
        self._mark(new)
        self.post_message(self.Highlighted(new))

    def _mark(self, index: int) -> None:
        for position, tile in enumerate(self.query(Tile)):
            tile.set_class(position == index, "-cursor")
            if position == index:
                self.scroll_to_widget(tile, animate=False)

    def action_move(self, step: int) -> None:
        if self.items:
            self.index = min(max(0, self.index + step), len(self.items) - 1)

    def action_move_rows(self, rows: int) -> None:
        self.action_move(rows * self.columns)

    def action_go(self, position: int) -> None:
        if self.items:
            self.index = position % len(self.items)

    def clicked(self, tile: Tile) -> None:
        tiles = list(self.query(Tile))
        if tile not in tiles:
            return
        position = tiles.index(tile)
        self.focus()
        if position == self.index:
            self.post_message(self.Selected(position))
        else:
            self.index = position
