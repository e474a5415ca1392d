"""The image widget class for the protocol chosen before the app started (``termgraphics.detect``).

textual-image asks the terminal (graphics support, cell size) when ``textual_image.widget`` is first
imported, reading the answers from stdin and dropping keys typed meanwhile. ``launch`` has asked already
(``termprobe``, keeping the keys): :func:`prepare` hands textual-image those answers and stops it asking.
Versions 0.12 (Python 3.11) and 0.13+ share these class names; 0.13 adds an ``on_error`` callback,
passed only when the installed version takes it.

Inside tmux with ``allow-passthrough on`` the pictures are wrapped in tmux's passthrough here, on every
textual-image version: Sixel (no version wraps it) goes out with an absolute cursor move in the outer
terminal's coordinates (tmux does not place passthrough output itself), and Kitty graphics on 0.12
(0.13+ wraps those itself). Everything else about drawing stays textual-image's.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import sys
import threading
import time
from functools import cache
from typing import Any

from quilltap_tui import termgraphics

# tmux's state for this pane, read in prepare() (None outside tmux). The pane's place on the outer terminal
# changes when panes are split or resized: it is read again in a thread, at most every few seconds.
_tmux: termgraphics.Tmux | None = None
_tmux_read_at = 0.0
_tmux_refreshing = threading.Lock()
_TMUX_TTL = 3.0


def prepare(protocol: str, tmux: termgraphics.Tmux | None = None, cell: tuple[int, int] | None = None) -> None:
    """Import textual-image's widgets with the terminal's answers given, so it never reads the terminal.

    ``cell``: the cell size in pixels as the probe found it; None for textual-image's own fallback
    (``TEXTUAL_CELL_WIDTH``/``TEXTUAL_CELL_HEIGHT``, else a VT340's 10x20), found without asking.
    """
    global _tmux, _tmux_read_at
    _tmux, _tmux_read_at = tmux, time.monotonic()
    if protocol == "off":
        return
    from textual_image import _terminal

    size = _terminal.CellSize(*(cell or _fallback_cell()))
    found: dict[str, Any] = vars(_terminal)  # what this textual-image version has (0.12 to 0.14 differ)
    if "probe_terminal" in found:  # 0.14+: one cached probe answers every question
        found["probe_terminal"]._result = found["TerminalCapabilities"](
            size, sixel=protocol == "sixel", tgp=protocol == "tgp")
    else:  # 0.12, 0.13: the cell size is cached; the support queries run when textual_image.renderable loads
        found["get_cell_size"]._result = size
    # Any query left would read stdin, while Textual reads it too: refused (textual-image then assumes "no").
    for name in ("capture_terminal_response", "capture_until_primary_da"):
        if name in found:
            setattr(_terminal, name, _NoQueries)
    import textual_image.widget  # noqa: F401


def _fallback_cell() -> tuple[int, int]:
    """textual-image's cell size when the terminal does not tell: its environment variables, else 10x20."""
    width, height = os.environ.get("TEXTUAL_CELL_WIDTH", ""), os.environ.get("TEXTUAL_CELL_HEIGHT", "")
    if width.isdigit() and height.isdigit() and int(width) and int(height):
        return int(width), int(height)
    return 10, 20


class _NoQueries:
    """Stands in for textual-image's query context managers: refuses on entry, before the query is written."""

    def __init__(self, *_args: object, **_kwargs: object) -> None:
        pass

    def __enter__(self) -> None:
        from textual_image._terminal import TerminalError

        raise TerminalError("the terminal was asked before the app started (quilltap_tui.termprobe)")

    def __exit__(self, *_exc: object) -> None:
        return None


def passthrough() -> bool:
    """True when pictures must be wrapped for tmux."""
    return _tmux is not None and _tmux.passthrough


def tmux_origin() -> tuple[int, int]:
    """Where the pane starts on the outer terminal (column, row); refreshed in a thread when old."""
    global _tmux_read_at
    if _tmux is None:
        return (0, 0)
    if time.monotonic() - _tmux_read_at > _TMUX_TTL and _tmux_refreshing.acquire(blocking=False):
        _tmux_read_at = time.monotonic()

        def refresh() -> None:
            global _tmux
            try:
                fresh = termgraphics.tmux_state()
                if fresh is not None and fresh.passthrough:
                    _tmux = fresh
            finally:
                _tmux_refreshing.release()

        threading.Thread(target=refresh, name="tmux-origin", daemon=True).start()
    return _tmux.origin


def wrap_for_tmux(sequence: str, column: int | None = None, row: int | None = None) -> str:
    """``sequence`` in one tmux passthrough, after a move to (``column``, ``row``) of the pane if given.

    One piece, never several: after each passthrough tmux resets the outer terminal's attributes and cursor,
    which would land inside a Sixel picture split across pieces and end it there.
    """
    if column is None or row is None:
        return termgraphics.tmux_wrap(sequence)
    left, top = tmux_origin()
    # tmux holds back the text of a frame and writes it when the frame's output has been read, while a
    # passthrough goes out at once: the frame's text would land after the picture and erase it. Resetting the
    # scroll region (the whole screen already: nothing changes) makes tmux write the held text first.
    return "\x1b[r" + termgraphics.tmux_wrap(f"\x1b[{top + row + 1};{left + column + 1}H" + sequence)


@cache
def image_widget_class(protocol: str) -> Any | None:
    """The textual-image widget class for ``tgp``, ``sixel`` or ``halfcell``; None for ``off``."""
    if protocol == "off":
        return None
    from textual_image import widget

    if passthrough() and protocol == "sixel":
        return _tmux_sixel_class()
    if passthrough() and protocol == "tgp":
        _wrap_tgp_for_tmux()
    classes = {"tgp": widget.TGPImage, "sixel": widget.SixelImage, "halfcell": widget.HalfcellImage}
    return classes.get(protocol, widget.HalfcellImage)


def _tmux_sixel_class() -> Any:
    """textual-image's Sixel widget whose picture goes out wrapped for tmux, placed in outer coordinates."""
    from rich.segment import Segment
    from textual_image.widget import sixel

    class TmuxSixelImpl(sixel._ImageSixelImpl, inherit_css=False):
        _wrapped: tuple[str, tuple[int, int], tuple[int, int], str] | None = None

        def _get_sixel_segments(self, sixel_data: str) -> list[Any]:
            segments = list(super()._get_sixel_segments(sixel_data))
            region = self.screen.find_widget(self).visible_region
            key = (sixel_data, (region.x, region.y), tmux_origin())
            if self._wrapped is None or self._wrapped[:3] != key:  # wrapping 100s of KB: once per picture
                self._wrapped = (*key, wrap_for_tmux(sixel_data, region.x, region.y))
            wrapped = self._wrapped[3]
            return [Segment(wrapped, s.style, s.control) if s.text == sixel_data else s for s in segments]

    class TmuxSixelImage(sixel.Image, Renderable=sixel.Image._Renderable):
        def compose(self) -> Any:
            yield TmuxSixelImpl(self.image, self._sixel_options)

    return TmuxSixelImage


def _wrap_tgp_for_tmux() -> None:
    """textual-image 0.12 writes Kitty graphics commands bare; inside tmux they must be wrapped.

    0.13+ wraps them itself (its ``_tmux`` module) and is left alone. 0.12 is the last release for Python
    3.11 and will not change, so replacing its one sending function is safe.
    """
    if importlib.util.find_spec("textual_image._tmux") is not None:
        return
    from textual_image._terminal import TerminalError
    from textual_image.renderable import tgp

    def send(*, payload: str | None = None, **kwargs: int | str | None) -> None:
        stdout = sys.__stdout__
        if stdout is None:
            raise TerminalError("sys.__stdout__ is None")
        keys = ",".join(f"{k}={v}" for k, v in kwargs.items() if v is not None)
        stdout.write(wrap_for_tmux(f"{tgp._TGP_MESSAGE_START}{keys}{';' + payload if payload else ''}"
                                   f"{tgp._TGP_MESSAGE_END}"))
        stdout.flush()

    tgp._send_tgp_message = send


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
