"""Decoding and shrinking images for previews, off the UI thread, with a small in-memory cache.

Called from thread workers only: Pillow decoding a 4K PNG takes tens of milliseconds, which would
stall the UI. Small thumbnails are cached (keyed by path, modification time and box) so moving
through the gallery does not decode the same file twice.
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


def _decode(path: Path, box: tuple[int, int]) -> Any:
    from PIL import Image

    with Image.open(path) as source:
        source.draft("RGB", box)  # JPEG: decode at a reduced scale directly, much cheaper
        mode = "RGBA" if "A" in source.getbands() else "RGB"
        image = source.convert(mode)
    image.thumbnail(box, Image.Resampling.BILINEAR)
    image.load()
    return image


def clear_cache() -> None:
    with _lock:
        _cache.clear()
