"""Copy path, open with the system viewer, edit, delete: shared by the gallery and the image viewer."""

from __future__ import annotations

from typing import Any

from quilltap_tui.ui.screens.modals import ConfirmModal


class ImageActions:
    """Mixin for screens with a ``current()`` image item and an ``image_deleted(id)`` hook."""

    def current(self) -> Any:
        """The image the actions apply to; screens override this."""
        return None

    def image_deleted(self, image_id: str) -> None:
        """Called after the file and the row are gone."""

    def action_copy_path(self) -> None:
        item = self.current()
        if item is not None:
            self.app.copy_to_clipboard(str(item.path))  # type: ignore[attr-defined]
            self.notify(f"Copied {item.path}", timeout=3, markup=False)  # type: ignore[attr-defined]

    def action_system_open(self) -> None:
        from quilltap_tui.ui.clipboard import open_with_system

        item = self.current()
        if item is None:
            return
        problem = open_with_system(str(item.path))
        if problem:
            self.notify(problem, severity="warning", timeout=5)  # type: ignore[attr-defined]

    def action_edit_this(self) -> None:
        """Ask what to change, then edit the image with a profile that can edit."""
        item = self.current()
        if item is not None:
            self.app.action_edit_image(item.id)  # type: ignore[attr-defined]

    def action_delete_image(self) -> None:
        item = self.current()
        if item is None:
            return
        from quilltap_tui.ui.gallery_data import delete

        body = f"Delete this image? The file and its gallery entry both go.\n{item.path}"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._deleting = item.id
                self.call_blocking("delete_image", delete, self.app.ctx, item.id)  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmModal("Delete image", body), confirmed)  # type: ignore[attr-defined]

    def done_delete_image(self, _found: bool) -> None:
        image_id = getattr(self, "_deleting", None)
        if image_id:
            self.notify("Image deleted.", timeout=3)  # type: ignore[attr-defined]
            self.image_deleted(image_id)
