"""The image widget class for the protocol chosen before the app started (``termgraphics.detect``).

textual-image measures the terminal's cell size when ``textual_image.widget`` is first imported,
which must happen before Textual takes the terminal: :func:`prepare` is called by ``launch``.
Versions 0.12 (Python 3.11) and 0.13+ share these class names; 0.13 adds an ``on_error`` callback,
passed only when the installed version takes it.
"""

from __future__ import annotations

import inspect
from functools import cache
from typing import Any


def prepare(protocol: str) -> None:
    """Import textual-image's widgets (terminal queries included) while the terminal is still ours."""
    if protocol != "off":
        import textual_image.widget  # noqa: F401


@cache
def image_widget_class(protocol: str) -> Any | None:
    """The textual-image widget class for ``tgp``, ``sixel`` or ``halfcell``; None for ``off``."""
    if protocol == "off":
        return None
    from textual_image import widget

    classes = {"tgp": widget.TGPImage, "sixel": widget.SixelImage, "halfcell": widget.HalfcellImage}
    return classes.get(protocol, widget.HalfcellImage)


def cell_size() -> tuple[int, int]:
    """The terminal cell in pixels (width, height) as textual-image measured it in :func:`prepare`."""
    from textual_image import widget

    measured = widget.get_cell_size()  # type: ignore[attr-defined]  # cached after textual-image's first query
    return int(measured.width) or 10, int(measured.height) or 20


@cache
def takes_on_error(widget_class: Any) -> bool:
    """True for textual-image 0.13+, whose widgets accept ``on_error``."""
    try:
        return "on_error" in inspect.signature(widget_class.__init__).parameters
    except (TypeError, ValueError):
        return False
