"""How big a chat's image previews are, and ImageRow: the images of one tool call side by side.

The height is the ``preview_rows`` setting (``settings.toml`` or ``QUILLTAP_PREVIEW_ROWS``); the width
follows at about 8/3 columns a row, the shape of a square picture in cells twice as tall as wide, so a
preview's box does not change its shape with its size. A row holds as many previews as its width
allows (at least one); a narrow terminal stacks them, a wide one puts two or three side by side.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.containers import Container
from textual.widget import Widget

DEFAULT_ROWS = 18
CELL_PADDING = 2  # an image block's caption padding and the gutter between blocks


def preview_box(app: Any) -> tuple[int, int]:
    """(columns, rows) of one chat preview for ``app``'s settings."""
    ctx = getattr(app, "ctx", None)
    rows = int(getattr(getattr(ctx, "settings", None), "preview_rows", DEFAULT_ROWS))
    return max(8, round(rows * 8 / 3)), rows


class ImageRow(Container):
    """A grid of image blocks, as many columns as fit the width (recomputed when the width changes).

    The space between blocks is the grid's gutter, not their margins: an auto-height grid row is as tall
    as its block's content, and a bottom margin cut the block's last line (a revised prompt) instead.
    """

    DEFAULT_CSS = """
    ImageRow { layout: grid; grid-size: 1; grid-rows: auto; grid-gutter: 1 1; height: auto; margin: 0 0 1 2; }
    ImageRow > .image-block { margin: 0; }
    """

    def __init__(self, *blocks: Widget) -> None:
        super().__init__(*blocks, classes="image-row")

    @property
    def columns(self) -> int:
        """How many previews fit side by side at the current width."""
        count = len(self.children)
        if not count or not self.size.width:
            return 1
        cell = preview_box(self.app)[0] + CELL_PADDING
        return max(1, min(count, (self.size.width + 1) // (cell + 1)))

    def on_resize(self, event: events.Resize) -> None:
        columns = self.columns
        if self.styles.grid_size_columns != columns:
            self.styles.grid_size_columns = columns
