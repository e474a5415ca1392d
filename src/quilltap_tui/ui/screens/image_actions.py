"""Copy path, open with the system viewer, edit, delete: shared by the gallery and the image viewer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.message import Message

from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.modals import ConfirmModal
from quilltap_tui.ui.tasks import blocking_work

if TYPE_CHECKING:
    from quilltap_tui.ui.gallery_data import ImageItem


class ImageActions(BaseScreen):
    """Base of screens with a ``current()`` image item and an ``image_deleted(id)`` hook."""

    def current(self) -> ImageItem | None:
        """The image the actions apply to; screens override this."""
        return None

    def image_deleted(self, image_id: str) -> None:
        """Called after the file and the row are gone."""

    def action_copy_path(self) -> None:
        item = self.current()
        if item is not None:
            self.app.copy_to_clipboard(str(item.path))
            self.notify(f"Copied {item.path}", timeout=3, markup=False)

    def action_system_open(self) -> None:
        from quilltap_tui.ui.clipboard import open_with_system

        item = self.current()
        if item is None:
            return
        problem = open_with_system(str(item.path))
        if problem:
            self.notify(problem, severity="warning", timeout=5)

    def action_edit_this(self) -> None:
        """Ask what to change, then edit the image with a profile that can edit."""
        item = self.current()
        if item is not None:
            self.app.action_edit_image(item.id)

    def action_delete_image(self) -> None:
        item = self.current()
        if item is None:
            return
        body = f"Delete this image? The file and its gallery entry both go.\n{item.path}"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_image(item.id)

        self.app.push_screen(ConfirmModal("Delete image", body), confirmed)

    class ImageDeleted(Message, bubble=False):
        def __init__(self, image_id: str) -> None:
            super().__init__()
            self.image_id = image_id

    @blocking_work(group="delete_image")
    def delete_image(self, image_id: str) -> ImageDeleted:
        from quilltap_tui.ui.gallery_data import delete

        delete(self.app.ctx, image_id)
        return self.ImageDeleted(image_id)

    @on(ImageDeleted)
    def _image_deleted(self, message: ImageDeleted) -> None:
        self.notify("Image deleted.", timeout=3)
        self.image_deleted(message.image_id)
