"""The gallery: every generated image, newest first, a page at a time, with a preview and metadata.

Two views of the same list, ``g`` switches: a table (one row an image) and a grid of thumbnails. Both share
one cursor, so the actions (enter, e, d, c, o) apply to the same image whichever is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Static

from quilltap_tui.textsafe import cells, inert, literal
from quilltap_tui.ui.gallery_data import PAGE_SIZE, ImageItem
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.image_actions import ImageActions
from quilltap_tui.ui.tasks import blocking_work
from quilltap_tui.ui.widgets.fit import MIN_FREE, fit_columns, fit_rows
from quilltap_tui.ui.widgets.preview import ImagePreview
from quilltap_tui.ui.widgets.tables import refill
from quilltap_tui.ui.widgets.thumbgrid import ThumbGrid

if TYPE_CHECKING:
    from quilltap_tui.ui.screens.viewer import ViewerScreen

COLUMNS = ("Made", "Profile", "Model", "Size", "Prompt")
PROMPT = 4
DROP_ORDER = (1, 3, 2, 0)  # on a narrow terminal: the profile goes first, the date last (the side panel has all)


class GalleryScreen(ImageActions):
    """Browse images; enter opens the viewer, c copies the path, o opens it locally, d deletes, g shows a grid."""

    TITLE = "Gallery"
    HELP = ("Every generated image. More pages load when you reach the end of the list. "
            "g switches between the table and a grid of pictures.")
    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("enter", "view", "View", id="open"),
        Binding("g", "toggle_view", "Grid/table", id="gallery_grid"),
        Binding("c", "copy_path", "Copy path", id="copy"),
        Binding("o", "system_open", "Open", id="system_open"),
        Binding("e", "edit_this", "Edit this", id="edit_image"),
        Binding("delete,d", "delete_image", "Delete", id="delete"),
        Binding("n", "more", "More", id="next_page", show=False),
        Binding("ctrl+r", "reload", "Reload", id="refresh", show=False),
    ]

    _viewer: ViewerScreen | None = None  # the viewer opened from here, while it is open

    def __init__(self, select_id: str | None = None) -> None:
        super().__init__()
        self.items: list[ImageItem] = []
        self._select_id = select_id
        self._exhausted = False
        self.grid = False  # set on mount from the app's remembered view

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="gallery"):
            yield DataTable(id="gallery-table", cursor_type="row", zebra_stripes=True)
            yield ThumbGrid(id="gallery-grid")
            with VerticalScroll(id="gallery-side"):
                yield ImagePreview(id="gallery-preview", columns=48, rows=16)
                yield Static("Loading images…", id="gallery-meta", markup=False)

    def on_mount(self) -> None:
        self.grid = self.app.gallery_grid
        self.query_one(DataTable).add_columns(*COLUMNS)
        self._apply_view()
        self.action_reload()

    def _apply_view(self) -> None:
        """Show the table or the grid (and the side preview only with the table: the grid is pictures)."""
        table, grid = self.query_one(DataTable), self.query_one(ThumbGrid)
        table.display, grid.display = not self.grid, self.grid
        self.query_one("#gallery-preview", ImagePreview).display = not self.grid
        self.set_class(self.grid, "-grid")
        (grid if self.grid else table).focus()

    async def action_toggle_view(self) -> None:
        """Table <-> grid, on the same image."""
        index = self._index()
        self.grid = self.app.gallery_grid = not self.grid
        self._apply_view()
        if self.grid:
            await self.query_one(ThumbGrid).show_items(self.items, index)
        elif self.items:
            self.query_one(DataTable).move_cursor(row=index)
        self._show_current()

    def _index(self) -> int:
        if self.grid:
            return self.query_one(ThumbGrid).index
        return self.query_one(DataTable).cursor_row or 0

    def action_reload(self) -> None:
        self.items, self._exhausted = [], False
        self.query_one(DataTable).clear()
        self.query_one(ThumbGrid).items = []
        self.load_page(0)

    def action_more(self) -> None:
        if not self._exhausted:
            self.load_page(len(self.items))

    class PageLoaded(Message, bubble=False):
        def __init__(self, page: list[ImageItem]) -> None:
            super().__init__()
            self.page = page

    @blocking_work(group="page")
    def load_page(self, offset: int) -> PageLoaded:
        from quilltap_tui.ui.gallery_data import load_page

        return self.PageLoaded(load_page(self.app.ctx, offset, PAGE_SIZE))

    @on(PageLoaded)
    def _page_loaded(self, message: PageLoaded) -> None:
        self.add_page(message.page)

    def add_page(self, page: list[ImageItem]) -> None:
        self._exhausted = len(page) < PAGE_SIZE
        table = self.query_one(DataTable)
        self.items.extend(page)
        if page:
            self._fill_table()
        viewer = getattr(self, "_viewer", None)
        if viewer is not None and viewer.is_attached:
            viewer.page_loaded(len(page))  # it stepped past the last loaded image
        if not self.items:
            self.query_one("#gallery-meta", Static).update(
                "No images yet. Generate one with ctrl+g, or from a shell: quilltap-tui generate \"…\"")
            self.query_one("#gallery-preview", ImagePreview).show(None)
            self.call_next(self.query_one(ThumbGrid).show_items, [], 0)
            return
        index = self._index()
        if self._select_id is not None:
            index = next((i for i, it in enumerate(self.items) if it.id == self._select_id), 0)
            self._select_id = None
            table.move_cursor(row=index)
        if self.grid:
            self.call_next(self._fill_grid, index)
        else:
            self._show_current()

    async def _fill_grid(self, index: int) -> None:
        await self.query_one(ThumbGrid).show_items(self.items, index)
        self._show_current()

    def _fill_table(self) -> None:
        """Every loaded image's row again (a new page may widen a column; the prompt's room follows the
        others), columns sized to their cells; the cursor stays on its image."""
        rows = [(it.local_time, it.profile or "-", it.model, f"{it.width}x{it.height}", _one_line(it.prompt))
                for it in self.items]
        table = self.query_one(DataTable)
        # Before the first layout the table has no width yet: the screen less the side panel is close.
        width = table.size.width or self.size.width - self.query_one("#gallery-side").outer_size.width
        # Columns go only when the prompt would be cut below MIN_FREE (the table would scroll sideways): a
        # prompt is also read in full in the side panel, so a few more of its cells are not worth a column.
        kept = fit_columns(width, COLUMNS, rows, free=PROMPT, drop_order=DROP_ORDER, wanted_free=MIN_FREE)
        headers = tuple(COLUMNS[i] for i in kept)
        fitted = fit_rows(width, headers, [tuple(row[i] for i in kept) for row in rows], free=kept.index(PROMPT))
        refill(table, ((item.id, cells(*row)) for item, row in zip(self.items, fitted, strict=True)),
               headers=headers)

    def on_resize(self) -> None:
        """Prompts are clipped to the table's width: draw the rows again at the new one."""
        if self.items:
            self._fill_table()

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_current()
        if event.cursor_row >= len(self.items) - 1 and not self._exhausted:
            self.action_more()  # reaching the end loads the next page

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_view()

    def on_thumb_grid_highlighted(self, event: ThumbGrid.Highlighted) -> None:
        self._show_current()
        if event.index >= len(self.items) - 1 and not self._exhausted:
            self.action_more()

    def on_thumb_grid_selected(self, event: ThumbGrid.Selected) -> None:
        self.action_view()

    def current(self) -> ImageItem | None:
        row = self._index()
        return self.items[row] if self.items and 0 <= row < len(self.items) else None

    def _show_current(self) -> None:
        item = self.current()
        if item is None:
            return
        self.query_one("#gallery-meta", Static).update(literal(item.details()))
        if not self.grid:  # the grid shows the pictures itself; no second decode for the side panel
            self.query_one("#gallery-preview", ImagePreview).show(item.path, item.size_text)

    def action_view(self) -> None:
        from quilltap_tui.ui.screens.viewer import ViewerScreen

        item = self.current()
        if item is not None:
            self._viewer = ViewerScreen(item, sequence=self.items, index=self._index(), more=self._more_for_viewer)
            self.app.push_screen(self._viewer, self._viewer_closed)

    def _more_for_viewer(self) -> bool:
        """The viewer reached the last loaded image: load the next page (False when there is none)."""
        if self._exhausted:
            return False
        self.action_more()
        return True

    def on_screen_resume(self) -> None:
        """Back from the viewer (esc pops it, no callback): the cursor goes to the image it showed last."""
        viewer, self._viewer = getattr(self, "_viewer", None), None
        if viewer is not None and viewer.sequence is self.items and 0 <= viewer.index < len(self.items):
            self._move_to(viewer.index)

    def _viewer_closed(self, deleted_id: str | None) -> None:
        if deleted_id:
            self.image_deleted(deleted_id)

    def _move_to(self, index: int) -> None:
        if self.grid:
            self.query_one(ThumbGrid).index = index
        else:
            self.query_one(DataTable).move_cursor(row=index)
        self._show_current()

    def image_deleted(self, image_id: str) -> None:
        index = next((i for i, it in enumerate(self.items) if it.id == image_id), None)
        if index is None:
            return
        self.items.pop(index)
        self.query_one(DataTable).remove_row(image_id)
        self.call_next(self.query_one(ThumbGrid).remove_item, image_id)
        if not self.items:
            self.add_page([])
        else:
            self._show_current()


def _one_line(text: str, width: int = 200) -> str:
    flat = inert(" ".join(text.split()), keep_newlines=False)
    return flat if len(flat) <= width else flat[: width - 1] + "…"
