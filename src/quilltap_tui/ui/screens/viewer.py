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

    def image_deleted(self, image_id: str) -> None:
        self.dismiss(image_id)
