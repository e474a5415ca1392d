"""Tell what image some bytes are, from the bytes alone.

A provider's ``mime_type`` or ``output_format`` field is never trusted for the file type (see
CONTRACT.md): the magic bytes decide. Obviously truncated files are refused too, because a cut-off
download otherwise lands in the gallery as a half-grey picture.

Every image is then decoded in full before it is saved, but only within the pixel budget
(``max_image_pixels``): a header claiming 13000x13000 would otherwise make the decoder (and every
preview) allocate gigabytes, and one claiming 8000x8000 over 1 KB of data is not a picture at all.
:func:`open_capped` is the one way previews open a file, with Pillow's own bomb limit set to the budget.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from typing import Any

from PIL import Image, UnidentifiedImageError

from quilltap_tui import caps
from quilltap_tui.errors import MalformedResponse
from quilltap_tui.imagegen.svg import SVG_MIME, looks_like_svg, svg_size

# Pillow warns past MAX_IMAGE_PIXELS and fails only past twice that; past our budget is an error, for
# every opener in the process (textual-image opens files itself).
warnings.simplefilter("error", Image.DecompressionBombWarning)

_PNG = b"\x89PNG\r\n\x1a\n"
_PIL_FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp", "GIF": "image/gif"}
# JPEG writers may append a little padding or a trailer after the end marker; allow that much.
_JPEG_TAIL = 4096


def sniff_mime(data: bytes) -> str | None:
    """The MIME type named by the magic bytes, or None when they name no supported image type."""
    if data.startswith(_PNG):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if looks_like_svg(data):  # gpt-image-2.6 output_format=svg
        return SVG_MIME
    return None


def _truncation(mime: str, data: bytes) -> str | None:
    """Why the file is obviously cut off, or None when its end looks whole."""
    if mime == "image/png":
        # The last chunk is IEND: zero length, the type, then a 4-byte CRC that must be all there.
        end = data.rfind(b"IEND", max(0, len(data) - 32))
        return None if end >= 8 and len(data) - end >= 8 else "the PNG has no IEND chunk"
    if mime == "image/jpeg":
        end = data.rfind(b"\xff\xd9")
        return None if end >= 2 and len(data) - end <= _JPEG_TAIL else "the JPEG has no end marker"
    if mime == "image/webp":
        (riff_size,) = struct.unpack("<I", data[4:8])
        return None if riff_size + 8 <= len(data) else "the WebP is shorter than its RIFF header says"
    # GIF: the stream ends with the trailer byte 0x3B.
    return None if data.rstrip(b"\x00").endswith(b";") else "the GIF has no trailer"


def inspect_image(data: bytes) -> tuple[str, int, int]:
    """Return ``(mime_type, width, height)`` for PNG/JPEG/WebP/GIF bytes.

    Raises :class:`MalformedResponse` when the bytes are not one of those images or are truncated.
    """
    mime = sniff_mime(data)
    if mime is None:
        raise MalformedResponse(
            f"The returned data is not an image: {len(data)} bytes with no PNG, JPEG, WebP or GIF signature."
        )
    if mime == SVG_MIME:  # text, not pixels: its size comes from the root tag
        return _inspect_svg(data)
    reason = _truncation(mime, data)
    if reason is not None:
        raise MalformedResponse(f"The returned data is not an image: {reason} (the file is truncated).")
    try:
        image = open_capped(io.BytesIO(data))
    except OverBudget as exc:
        raise MalformedResponse(str(exc)) from None
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError) as exc:
        raise MalformedResponse(f"The returned data is not an image: its {mime} header is unreadable.") from exc
    with image:
        found = _PIL_FORMATS.get(image.format or "")
        width, height = image.size
        if found != mime or width < 1 or height < 1:
            raise MalformedResponse(f"The returned data is not an image: its {mime} header is inconsistent.")
        _decode_all(image, mime)
    return mime, width, height


def _inspect_svg(data: bytes) -> tuple[str, int, int]:
    size = svg_size(data)
    if isinstance(size, str):
        raise MalformedResponse(f"The returned data is not a usable image: {size}.")
    try:
        check_pixels(*size)
    except OverBudget as exc:
        raise MalformedResponse(str(exc)) from None
    return SVG_MIME, size[0], size[1]


def _decode_all(image: Image.Image, mime: str) -> None:
    """Decode every pixel, so a header over too little (or broken) data is caught before saving."""
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise MalformedResponse(
            f"The returned data is not a usable image: its {mime} pixel data is unreadable or incomplete."
        ) from exc


class OverBudget(ValueError):
    """An image whose declared size is past the pixel budget; its text is one sentence."""


def check_pixels(width: int, height: int) -> None:
    """Raise :class:`OverBudget` when ``width`` x ``height`` is past ``max_image_pixels``."""
    budget = caps.current().max_image_pixels
    if width * height > budget:
        raise OverBudget(f"it declares {width * height:,} pixels, more than the budget of {budget:,} "
                         "(setting max_image_pixels).")


def open_capped(source: Any) -> Image.Image:
    """``Image.open`` (headers only) refusing, before any pixel is decoded, an image past the budget.

    Pillow's own decompression-bomb check is set to the same budget, for code that decodes later.
    """
    budget = caps.current().max_image_pixels
    Image.MAX_IMAGE_PIXELS = budget
    try:
        image = Image.open(source)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow refused before we saw the size; its message carries the pixel count.
        found = re.search(r"\((\d+) pixels\)", str(exc))
        declared = f"{int(found.group(1)):,} pixels" if found else "more pixels than that"
        raise OverBudget(f"it declares {declared}, more than the budget of {budget:,} "
                         "(setting max_image_pixels).") from None
    try:
        check_pixels(*image.size)
    except OverBudget:
        image.close()
        raise
    return image
