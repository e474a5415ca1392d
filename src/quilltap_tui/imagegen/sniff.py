"""Tell what image some bytes are, from the bytes alone.

A provider's ``mime_type`` or ``output_format`` field is never trusted for the file type (see
CONTRACT.md): the magic bytes decide. Obviously truncated files are refused too, because a cut-off
download otherwise lands in the gallery as a half-grey picture. Only headers are read, so this stays
fast for multi-megabyte images.
"""

from __future__ import annotations

import io
import struct

from PIL import Image, UnidentifiedImageError

from quilltap_tui.errors import MalformedResponse

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
    reason = _truncation(mime, data)
    if reason is not None:
        raise MalformedResponse(f"The returned data is not an image: {reason} (the file is truncated).")
    try:
        # Image.open parses the header only; the pixels are never decoded here.
        with Image.open(io.BytesIO(data)) as image:
            found = _PIL_FORMATS.get(image.format or "")
            width, height = image.size
    except (OSError, SyntaxError, ValueError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
        message = f"The returned data is not an image: its {mime} header is unreadable."
        raise MalformedResponse(message) from exc
    if found != mime or width < 1 or height < 1:
        raise MalformedResponse(f"The returned data is not an image: its {mime} header is inconsistent.")
    return mime, width, height
