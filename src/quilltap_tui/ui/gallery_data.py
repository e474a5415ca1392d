"""Gallery pages as plain data, read in a thread worker (no Textual here)."""

from __future__ import annotations

from dataclasses import dataclass

from quilltap_tui.services.context import AppContext
from quilltap_tui.services.gallery_view import GalleryImage
from quilltap_tui.textsafe import inert

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class ImageItem(GalleryImage):
    """What the gallery shows about one saved image: the service's view, with its words for the screen."""

    @property
    def size_text(self) -> str:
        return f"{self.width}x{self.height}, {human_bytes(self.bytes)}"

    @property
    def local_time(self) -> str:
        return self.created_at.astimezone().strftime("%Y-%m-%d %H:%M")

    def details(self) -> str:
        """Every fact about the image, one per line, for the metadata panel and the viewer."""
        lines = [
            f"Prompt: {self.prompt}",
            f"Revised prompt: {self.revised_prompt or '-'}",
        ]
        if self.negative_prompt:
            lines.append(f"Negative prompt: {self.negative_prompt}")
        lines += [
            f"Model: {self.model} ({self.provider})",
            f"Profile: {self.profile or '-'}",
            f"Size: {self.size_text}, {self.mime_type}",
            f"Made: {self.local_time}{' over MCP' if self.source == 'mcp' else ''}",
            f"Chat: {self.chat_title or self.chat_id or '-'}",
            f"Path: {self.path}",
        ]
        if self.parents:
            lines.append(f"Made from: {', '.join(i[:8] for i in self.parents)} (m opens it)")
        if self.children:
            lines.append(f"Edited into: {', '.join(i[:8] for i in self.children)} (i opens it)")
        # Prompts come from users and LLMs: never let their escape sequences reach the terminal.
        return inert("\n".join(lines))


def human_bytes(count: int) -> str:
    size = float(count)
    for unit in ("B", "KB", "MB"):
        if size < 1024 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} MB"


def load_page(ctx: AppContext, offset: int = 0, limit: int = PAGE_SIZE) -> list[ImageItem]:
    """One page of images, newest first."""
    from quilltap_tui.services import gallery

    return gallery.page_as(ImageItem, ctx, limit=limit, offset=offset, details=True)


def load_item(ctx: AppContext, image_id: str) -> ImageItem | None:
    """One image by id (walking lineage in the viewer), or None when it is gone."""
    from quilltap_tui.services import gallery

    return gallery.get_as(ImageItem, ctx, image_id)


def delete(ctx: AppContext, image_id: str) -> bool:
    """Delete the row and the file together; False when it was already gone."""
    from quilltap_tui.services import image_store

    return image_store.delete_image(ctx, image_id) is not None
