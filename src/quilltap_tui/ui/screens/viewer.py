"""Full-screen view of one image with its caption. Dismisses with the id of a deleted image."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Static

from quilltap_tui.ui.gallery_data import ImageItem
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.image_actions import ImageActions
from quilltap_tui.ui.widgets.preview import ImagePreview


class ViewerScreen(ImageActions, BaseScreen):
    """The picture as large as the terminal allows; esc goes back to the gallery."""

    TITLE = "Image"
    HELP = "One image, full screen."
    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("c", "copy_path", "Copy path", id="copy"),
        Binding("o", "system_open", "Open", id="system_open"),
        Binding("e", "edit_this", "Edit this", id="edit_image"),
        Binding("m", "made_from", "Made from", id="made_from"),
        Binding("i", "edited_into", "Edited into", id="edited_into"),
        Binding("delete,d", "delete_image", "Delete", id="delete"),
    ]

    def __init__(self, item: ImageItem) -> None:
        super().__init__()
        self.item = item

    def compose_body(self) -> ComposeResult:
        columns, rows = self.app.size.width - 2, max(8, self.app.size.height - 12)
        with Vertical(id="viewer"):
            yield ImagePreview(self.item.path, columns=columns, rows=rows, info=self.item.size_text,
                               id="viewer-image")
            yield Static(self.item.details(), id="viewer-caption", markup=False)

    def current(self) -> ImageItem:
        return self.item

    def action_made_from(self) -> None:
        """Open the image this one was made from (the first reference); esc walks back."""
        self._walk(self.item.parents, "This image was not made from a gallery image.")

    def action_edited_into(self) -> None:
        """Open the first image made from this one; esc walks back."""
        self._walk(self.item.children, "No image was made from this one yet.")

    def _walk(self, ids: tuple[str, ...], none: str) -> None:
        from quilltap_tui.ui.gallery_data import load_item

        if not ids:
            self.notify(none, timeout=3)
            return
        self.call_blocking("walk", load_item, self.app.ctx, ids[0])  # type: ignore[attr-defined]

    def done_walk(self, item: ImageItem | None) -> None:
        if item is None:
            self.notify("That image is no longer in the gallery.", severity="warning", timeout=4)
            return
        self.app.push_screen(ViewerScreen(item))

    def image_deleted(self, image_id: str) -> None:
        self.dismiss(image_id)
