"""Full-screen view of one image with its caption. Dismisses with the id of a deleted image.

Opened from the gallery it steps through the gallery's list (→/n next, ←/p previous, loading the next
page at the end); m and i walk the lineage ("made from", "edited into") in screens of their own.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static

from quilltap_tui.ui.gallery_data import ImageItem
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.image_actions import ImageActions
from quilltap_tui.ui.tasks import blocking_work
from quilltap_tui.ui.widgets.preview import ImagePreview


class ViewerScreen(ImageActions):
    """The picture as large as the terminal allows; esc goes back to the gallery."""

    TITLE = "Image"
    HELP = "One image, full screen."
    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("c", "copy_path", "Copy path", id="copy"),
        Binding("o", "system_open", "Open", id="system_open"),
        Binding("e", "edit_this", "Edit this", id="edit_image"),
        Binding("right,n", "step(1)", "Next", id="next_image"),
        Binding("left,p", "step(-1)", "Previous", id="previous_image"),
        Binding("m", "made_from", "Made from", id="made_from"),
        Binding("i", "edited_into", "Edited into", id="edited_into"),
        Binding("delete,d", "delete_image", "Delete", id="delete"),
    ]

    def __init__(self, item: ImageItem, *, sequence: list[ImageItem] | None = None, index: int = 0,
                 more: Callable[[], bool] | None = None) -> None:
        """``sequence``: the gallery's list (shared, so pages it loads show up here); ``more`` asks the gallery
        for its next page and says whether there is one."""
        super().__init__()
        self.item = item
        self.sequence = sequence if sequence is not None else [item]
        self.index = index if sequence is not None else 0
        self._more = more
        self._waiting_for_more = False

    def compose_body(self) -> ComposeResult:
        columns, rows = self.app.size.width - 2, max(8, self.app.size.height - 12)
        with Vertical(id="viewer"):
            yield ImagePreview(self.item.path, columns=columns, rows=rows, info=self.item.size_text,
                               id="viewer-image")
            yield Static(self._caption(), id="viewer-caption", markup=False)

    def _caption(self) -> str:
        where = f"Image {self.index + 1} of {len(self.sequence)}\n" if len(self.sequence) > 1 else ""
        return where + self.item.details()

    def current(self) -> ImageItem:
        return self.item

    def action_step(self, step: int) -> None:
        """The next or previous image of the gallery's list; at the end, its next page if there is one."""
        target = self.index + step
        if 0 <= target < len(self.sequence):
            self._show(target)
        elif step > 0 and self._more is not None and not self._waiting_for_more and self._more():
            self._waiting_for_more = True  # the gallery loads its next page and calls page_loaded()
        elif not self._waiting_for_more:
            self.notify("That is the last image." if step > 0 else "That is the first image.", timeout=2)

    def page_loaded(self, count: int) -> None:
        """The gallery appended ``count`` images to the shared list: step onto the first if we asked for it."""
        if self._waiting_for_more:
            self._waiting_for_more = False
            if count:
                self._show(len(self.sequence) - count)
            else:
                self.notify("That is the last image.", timeout=2)

    def _show(self, index: int) -> None:
        self.index, self.item = index, self.sequence[index]
        self.query_one("#viewer-image", ImagePreview).show(self.item.path, self.item.size_text)
        self.query_one("#viewer-caption", Static).update(self._caption())

    def action_made_from(self) -> None:
        """Open the image this one was made from (the first reference); esc walks back."""
        self._walk(self.item.parents, "This image was not made from a gallery image.")

    def action_edited_into(self) -> None:
        """Open the first image made from this one; esc walks back."""
        self._walk(self.item.children, "No image was made from this one yet.")

    def _walk(self, ids: tuple[str, ...], none: str) -> None:
        if not ids:
            self.notify(none, timeout=3)
            return
        self.load_walk(ids[0])

    class Walked(Message, bubble=False):
        def __init__(self, item: ImageItem | None) -> None:
            super().__init__()
            self.item = item

    @blocking_work(group="walk")
    def load_walk(self, image_id: str) -> Walked:
        from quilltap_tui.ui.gallery_data import load_item

        return self.Walked(load_item(self.app.ctx, image_id))

    @on(Walked)
    def walked(self, message: Walked) -> None:
        item = message.item
        if item is None:
            self.notify("That image is no longer in the gallery.", severity="warning", timeout=4)
            return
        self.app.push_screen(ViewerScreen(item))

    def image_deleted(self, image_id: str) -> None:
        self.dismiss(image_id)
