"""In-terminal previews for ``generate``: textual-image's Rich renderables (Sixel, Kitty, half-cell)."""

from __future__ import annotations

import shutil


def print_preview(path: str, mode: str) -> None:
    """Draw ``path`` below the printed path, at most 60 columns wide and 20 rows high."""
    from rich.console import Console

    from quilltap_tui import termgraphics

    protocol = termgraphics.detect(mode)
    if protocol == "off":
        return
    renderable = _renderable_class(protocol)
    columns = min(60, max(20, shutil.get_terminal_size((80, 24)).columns - 2))
    Console().print(renderable(path, width=columns, height=20))


def _renderable_class(protocol: str) -> type:
    from textual_image import renderable

    classes: dict[str, type] = {
        "tgp": renderable.TGPImage,
        "sixel": renderable.SixelImage,
        "halfcell": renderable.HalfcellImage,
    }
    return classes.get(protocol, renderable.HalfcellImage)
