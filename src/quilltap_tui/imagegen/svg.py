"""Recognising an SVG answer (gpt-image-2.6 ``output_format=svg``) from its bytes, without parsing XML.

Only the root ``<svg ...>`` start tag is read, with a regular expression: no XML parser ever sees the
document, so entities, DTDs and external references cannot do anything here. The file is kept byte for
byte like any other image; the app never renders it (previews say they cannot show it).
"""

from __future__ import annotations

import re

SVG_MIME = "image/svg+xml"
_HEAD = 4096  # the root tag must start within this many bytes
_START = re.compile(rb"<svg\b([^>]{0,2000})>", re.IGNORECASE)
_ATTR = re.compile(rb"""\b(width|height|viewBox)\s*=\s*["']([^"']{1,200})["']""", re.IGNORECASE)
_LENGTH = re.compile(rb"^\s*(\d{1,6}(?:\.\d{1,4})?)\s*(?:px)?\s*$")


def looks_like_svg(data: bytes) -> bool:
    """True when the bytes open an SVG document (optionally after a BOM, an XML declaration, comments)."""
    head = data[:_HEAD].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<svg", b"<?xml", b"<!--")) and _START.search(head) is not None


def svg_size(data: bytes) -> tuple[int, int] | str:
    """``(width, height)`` in pixels from the root tag (``width``/``height``, else ``viewBox``), or why not."""
    if not data.rstrip().endswith(b"</svg>"):
        return "the SVG has no closing </svg> tag"
    found = _START.search(data[:_HEAD])
    if found is None:
        return "the SVG has no <svg> start tag"
    attrs = {name.lower(): value for name, value in _ATTR.findall(found.group(1))}
    width, height = _length(attrs.get(b"width")), _length(attrs.get(b"height"))
    if (width is None or height is None) and b"viewbox" in attrs:
        parts = attrs[b"viewbox"].replace(b",", b" ").split()
        if len(parts) == 4:
            width, height = _length(parts[2]), _length(parts[3])
    if not width or not height:
        return "the SVG states no usable width and height"
    return width, height


def _length(value: bytes | None) -> int | None:
    found = _LENGTH.match(value) if value is not None else None
    return round(float(found.group(1))) if found else None
