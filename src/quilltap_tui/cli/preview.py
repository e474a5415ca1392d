"""In-terminal previews for ``generate``: textual-image's Rich renderables (Sixel, Kitty, half-cell)."""

from __future__ import annotations

import shutil
import sys
from typing import Any

# The largest picture a 60 x 20 cell preview can show, with room for Sixel's finer cells.
_BOX = (1200, 800)


def print_preview(path: str, mode: str) -> None:
    """Draw ``path`` below the printed path, at most 60 columns wide and 20 rows high."""
    from rich.console import Console

    from quilltap_tui import termgraphics

    protocol = termgraphics.detect(mode)
    if protocol == "off":
        return
    try:
        picture = _thumbnail(path)
    except (OSError, ValueError) as exc:  # past the pixel budget, or unreadable: the path is printed already
        print(f"quilltap-tui: no preview of {path}: {str(exc).rstrip('.')}.", file=sys.stderr)
        return
    renderable = _renderable_class(protocol)
    columns = min(60, max(20, shutil.get_terminal_size((80, 24)).columns - 2))
    Console().print(renderable(picture, width=columns, height=20))


def _thumbnail(path: str) -> Any:
    """The picture decoded within the pixel budget and scaled down to the preview box.

    textual-image would otherwise decode the whole file itself, whatever size its header claims.
    """
    from PIL import Image

    from quilltap_tui.imagegen.sniff import open_capped

    with open_capped(path) as source:
        source.draft("RGB", _BOX)
        picture = source.convert("RGBA" if "A" in source.getbands() else "RGB")
    picture.thumbnail(_BOX, Image.Resampling.BILINEAR)
    return picture


def _renderable_class(protocol: str) -> type:
    from textual_image import renderable

    classes: dict[str, type] = {
        "tgp": renderable.TGPImage,
        "sixel": renderable.SixelImage,
        "halfcell": renderable.HalfcellImage,
    }
    return classes.get(protocol, renderable.HalfcellImage)
