"""Showing the images tools made to the chat model: read from the gallery, downscaled, base64-encoded.

Used when a chat shows images (``ask --show-images``, the TUI's per-chat switch). Each image is
scaled to at most :data:`MAX_SIDE` pixels on its long side and re-encoded (JPEG, or PNG when it has
transparency), so a 4K picture costs the model about as much as a 1024 px one. Only the most recent
:data:`MAX_SHOWN` images of a conversation are shown: every request replays the conversation, and each
image costs input tokens on every request. Blocking (files, Pillow): the turn loop runs it in a thread.
"""

from __future__ import annotations

import base64
import io
import logging
from collections.abc import Sequence
from functools import lru_cache

from PIL import Image
from sqlmodel import col, select

from quilltap_tui.chat.history import AttachmentLoader, ImageLoader
from quilltap_tui.chat.spec import ImageBlock
from quilltap_tui.db.models import GeneratedImageRecord
from quilltap_tui.services.context import AppContext

MAX_SIDE = 1024
MAX_SHOWN = 4
JPEG_QUALITY = 85
log = logging.getLogger(__name__)


def loader(ctx: AppContext) -> ImageLoader:
    """The :data:`~quilltap_tui.chat.history.ImageLoader` reading ``ctx``'s gallery."""

    def load(call_row_ids: Sequence[str]) -> dict[str, list[ImageBlock]]:
        return images_for_calls(ctx, call_row_ids)

    return load


def attachment_loader(ctx: AppContext) -> AttachmentLoader:
    """Reads a user's attached gallery images, downscaled like the tools' images."""

    def load(image_ids: Sequence[str]) -> dict[str, ImageBlock]:
        with ctx.db.session() as session:
            stmt = select(GeneratedImageRecord).where(col(GeneratedImageRecord.id).in_(list(image_ids)))
            records = list(session.exec(stmt).all())
        found: dict[str, ImageBlock] = {}
        for record in records:
            block = _read(ctx, record)
            if block is not None:
                found[record.id] = block
        return found

    return load


def _read(ctx: AppContext, record: GeneratedImageRecord) -> ImageBlock | None:
    path = ctx.paths.data / record.file_path
    try:
        return downscale(str(path), path.stat().st_mtime_ns)
    except (OSError, ValueError, Image.DecompressionBombError):
        log.warning("image %s could not be read to show the model", record.id)
        return None


def images_for_calls(ctx: AppContext, call_row_ids: Sequence[str]) -> dict[str, list[ImageBlock]]:
    """Per tool call row id, the downscaled images it saved (only the newest :data:`MAX_SHOWN` overall)."""
    if not call_row_ids:
        return {}
    with ctx.db.session() as session:
        stmt = (
            select(GeneratedImageRecord)
            .where(col(GeneratedImageRecord.tool_call_id).in_(list(call_row_ids)))
            .order_by(col(GeneratedImageRecord.created_at).desc(), col(GeneratedImageRecord.id))
            .limit(MAX_SHOWN)
        )
        records = list(reversed(session.exec(stmt).all()))
    found: dict[str, list[ImageBlock]] = {}
    for record in records:
        block = _read(ctx, record)
        if block is not None:
            found.setdefault(str(record.tool_call_id), []).append(block)
    return found


@lru_cache(maxsize=32)
def downscale(path: str, mtime_ns: int) -> ImageBlock:
    """The image at ``path``, at most :data:`MAX_SIDE` px on its long side, as base64 (cached per file)."""
    with Image.open(path) as image:
        image.thumbnail((MAX_SIDE, MAX_SIDE))
        alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
        buffer = io.BytesIO()
        if alpha:
            image.save(buffer, "PNG", optimize=False)
            mime = "image/png"
        else:
            image.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY)
            mime = "image/jpeg"
    return ImageBlock(mime_type=mime, data=base64.b64encode(buffer.getvalue()).decode())
