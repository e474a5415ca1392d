"""Two columns of the same width, to compare how two widgets render, cell for cell."""

from __future__ import annotations

from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.strip import Strip


class Columns(App[None]):
    """``#left`` and ``#right``, each a 60-column scroll view."""

    CSS = "Horizontal > VerticalScroll { width: 60; height: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield VerticalScroll(id="left")
            yield VerticalScroll(id="right")


def cells(app: Any, widget: Any) -> list[list[tuple[str, Any]]]:
    """The widget's rows as (character, style) cells, cut from the whole screen's render (without the
    mouse metadata: offsets inside a widget differ between one widget and several)."""
    region = widget.region
    strips: list[Strip] = app.screen._compositor.render_strips()
    return [[(char, seg.style.clear_meta_and_links() if seg.style else None)
             for seg in strip.crop(region.x, region.right) for char in seg.text]
            for strip in strips[region.y:region.bottom]]
