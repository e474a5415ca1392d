"""The images attached to the next message, shown as small previews above the prompt."""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from quilltap_tui.services.gallery_view import SavedImage
from quilltap_tui.ui.widgets.preview import ImagePreview


class AttachmentStrip(Horizontal):
    """Small previews with their ids; hidden while empty. ``ids`` go with the next message."""

    DEFAULT_CSS = """
    AttachmentStrip { height: auto; max-height: 8; padding: 0 1; }
    AttachmentStrip > Vertical { width: 24; height: auto; max-height: 8; }
    AttachmentStrip .attachment-id { color: $text-muted; }
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.images: list[SavedImage] = []

    @property
    def ids(self) -> list[str]:
        return [image.id for image in self.images]

    def on_mount(self) -> None:
        self.display = False

    async def add(self, image: SavedImage) -> None:
        """Show one more attached image."""
        if image.id in self.ids:
            return
        self.images.append(image)
        # The label first: with previews off the preview box holds the (long) path instead of a picture.
        box = Vertical(Static(f"{image.id[:8]} {image.width}x{image.height}", markup=False, classes="attachment-id"),
                       ImagePreview(image.path, columns=22, rows=5))
        await self.mount(box)
        self.display = True

    async def clear(self) -> None:
        """Forget every attachment (after a send, or when the user removes them)."""
        self.images = []
        await self.remove_children()
        self.display = False
