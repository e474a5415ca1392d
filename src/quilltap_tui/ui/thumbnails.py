"""Decoding and shrinking images for previews, off the UI thread, with a small in-memory cache.

Called from thread workers only: Pillow decoding a 4K PNG takes tens of milliseconds, which would
stall the UI. Small thumbnails are cached (keyed by path, modification time and box) so moving
through the gallery does not decode the same file twice.

Half-cell previews are also drawn here, as Textual strips: textual-image draws them in the widget's
``render``, on the UI thread, and a 48x18-cell picture cost 8-35 ms there (a resize and 864 styled
cells) - more than a frame. The strips are the same blocks and colours textual-image draws.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

CELL_PX = (10, 20)  # a typical terminal cell; textual-image fits the picture to the widget anyway
CACHE_ENTRIES = 96
CACHE_MAX_SIDE = 800  # only thumbnails are cached; full-screen images are decoded on demand

_cache: OrderedDict[tuple[str, int, tuple[int, int]], Any] = OrderedDict()
_lock = threading.Lock()


def box_for_cells(columns: int, rows: int) -> tuple[int, int]:
    """Pixel box for a preview of ``columns`` x ``rows`` cells."""
    return max(1, columns) * CELL_PX[0], max(1, rows) * CELL_PX[1]


def load(path: Path, box: tuple[int, int]) -> Any:
    """A decoded RGB(A) PIL image of ``path`` that fits in ``box`` pixels (cached when small)."""
    stamp = path.stat().st_mtime_ns
    key = (str(path), stamp, box)
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    image = _decode(path, box)
    if max(box) <= CACHE_MAX_SIDE:
        with _lock:
            _cache[key] = image
            while len(_cache) > CACHE_ENTRIES:
                _cache.popitem(last=False)
    return image


def load_bytes(data: bytes, box: tuple[int, int]) -> Any:
    """A decoded image of ``data`` (bytes never saved: a partial image) that fits in ``box``; not cached."""
    import io

    return _decode(io.BytesIO(data), box)


def _decode(path: Path | Any, box: tuple[int, int]) -> Any:
    from PIL import Image

    from quilltap_tui.imagegen.sniff import open_capped

    with open_capped(path) as source:  # refuses an image past the pixel budget before decoding it
        source.draft("RGB", box)  # JPEG: decode at a reduced scale directly, much cheaper
        mode = "RGBA" if "A" in source.getbands() else "RGB"
        image = source.convert(mode)
    image.thumbnail(box, Image.Resampling.BILINEAR)
    image.load()
    return image


def halfcell_width(size: tuple[int, int], rows: int, cell: tuple[int, int]) -> int:
    """Width in cells of a picture ``rows`` cells high, as textual-image sizes it (``width: auto``)."""
    width, height = size
    if not width or not height:
        return 0
    # textual-image's ImageSize rule for width "auto" with a fixed height: keep the pixel aspect ratio.
    return round(rows * cell[1] * (width / height) / cell[0])


def halfcell_strips(image: Any, columns: int, rows: int) -> list[Any]:
    """``rows`` Textual strips of ``columns`` half-cell blocks ("▀": upper pixel on lower pixel)."""
    from rich.color import Color
    from rich.color_triplet import ColorTriplet
    from rich.segment import Segment
    from rich.style import Style
    from textual.strip import Strip

    if columns <= 0 or rows <= 0:
        return []
    # As textual-image does it: RGB, then Pillow's default resampling to two pixels per cell row.
    data = image.convert("RGB").resize((columns, rows * 2)).tobytes()
    colors: dict[bytes, Color] = {}

    def color(offset: int) -> Color:
        value = data[offset:offset + 3]
        found = colors.get(value)
        if found is None:
            found = colors[value] = Color.from_triplet(ColorTriplet(*value))
        return found

    strips = []
    stride = columns * 3  # bytes per pixel row
    for row in range(rows):
        top = 2 * row * stride
        segments = [Segment("▀", Style(color=color(top + x), bgcolor=color(top + stride + x)))
                    for x in range(0, stride, 3)]
        strips.append(Strip(segments, columns))
    return strips


def clear_cache() -> None:
    with _lock:
        _cache.clear()
