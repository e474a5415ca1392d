"""Pictures inside tmux (issue 12): with allow-passthrough on, Sixel pictures and (on textual-image 0.12) Kitty
graphics commands go out wrapped in tmux's passthrough, the Sixel placed in the outer terminal's coordinates."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator

import pytest
from PIL import Image
from textual.app import App, ComposeResult

from quilltap_tui import termgraphics
from quilltap_tui.ui import terminal
from tests.ui.conftest import until


@pytest.fixture
def in_tmux(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The pane starts at column 81, row 1 of the outer terminal (a split, status line on top)."""
    terminal.image_widget_class.cache_clear()
    monkeypatch.setattr(terminal, "_tmux", termgraphics.Tmux(True, (81, 1), (10, 20)))
    monkeypatch.setattr(terminal, "_tmux_read_at", float("inf"))  # no refresh from a real tmux
    yield
    terminal.image_widget_class.cache_clear()


def test_outside_tmux_the_library_classes_are_used_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    from textual_image import widget

    terminal.image_widget_class.cache_clear()
    monkeypatch.setattr(terminal, "_tmux", None)
    try:
        assert terminal.image_widget_class("sixel") is widget.SixelImage
    finally:
        terminal.image_widget_class.cache_clear()


async def test_a_sixel_picture_goes_out_wrapped_at_its_place_on_the_outer_terminal(in_tmux: None) -> None:
    widget_class = terminal.image_widget_class("sixel")
    picture = Image.new("RGB", (40, 40), (200, 30, 30))

    class Host(App[None]):
        def compose(self) -> ComposeResult:
            yield widget_class(picture, id="pic")

    app = Host()
    async with app.run_test(size=(60, 20)) as pilot:
        pic = app.query_one("#pic")
        await until(pilot, lambda: pic.children and pic.children[0].size.width, "the picture laid out")
        impl = pic.children[0]
        region = app.screen.find_widget(impl).visible_region
        sixel = "\x1bP0;0;0q#0~\x1b\\"
        texts = [segment.text for segment in impl._get_sixel_segments(sixel)]
        assert sixel not in texts  # never bare: tmux 3.3 would print it as text
        [wrapped] = [t for t in texts if "\x1bPtmux;" in t]
        # tmux writes the frame's held text first (the scroll-region reset), then the picture at the pane's
        # origin plus the widget's place, every ESC inside doubled.
        place = f"\x1b[{1 + region.y + 1};{81 + region.x + 1}H"
        assert wrapped == "\x1b[r" + termgraphics.tmux_wrap(place + sixel)
        lines = impl.render_lines(region.reset_offset)  # textual-image's own encoder, our wrapping
        assert any("\x1bPtmux;" in seg.text for line in lines for seg in line)


def test_kitty_graphics_commands_are_wrapped_on_textual_image_0_12(in_tmux: None,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from textual_image.renderable import tgp

    if importlib.util.find_spec("textual_image._tmux") is not None:
        pytest.skip("textual-image 0.13+ wraps Kitty graphics itself")
    monkeypatch.setattr(tgp, "_send_tgp_message", tgp._send_tgp_message)  # undone after the test
    out = io.StringIO()
    monkeypatch.setattr(sys, "__stdout__", out)
    terminal.image_widget_class("tgp")
    tgp._send_tgp_message(a="d", I=7)
    assert out.getvalue() == termgraphics.tmux_wrap("\x1b_Ga=d,I=7\x1b\\")


_PREPARE = """
import os, select, sys, termios, tty
tty.setcbreak(0, termios.TCSANOW)  # as launch leaves the terminal: keys readable at once
from quilltap_tui.ui import terminal
terminal.prepare(sys.argv[1], None, (9, 18))
from textual_image import widget
from textual_image.renderable import sixel, tgp
print(widget.get_cell_size(), "asked again:", sixel.query_terminal_support(), tgp.query_terminal_support(), flush=True)
pending = os.read(0, 100) if select.select([0], [], [], 0)[0] else b""
print("left", pending, flush=True)
"""


@pytest.mark.parametrize("protocol", ["sixel", "halfcell"])
def test_prepare_gives_textual_image_the_answers_so_it_never_asks_the_terminal(protocol: str) -> None:
    """Bug: importing textual-image wrote its graphics and cell-size queries and read stdin for the answers,
    dropping keys typed at start-up. After prepare it asks nothing and reads nothing: the keys stay."""
    import os
    import subprocess

    main, child = os.openpty()
    os.write(main, b"typed")
    proc = subprocess.run([sys.executable, "-c", _PREPARE, protocol], stdin=child, stdout=child, stderr=child,
                          timeout=60, check=False)
    os.close(child)
    out = b""
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # every writer has closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    assert proc.returncode == 0, out
    assert b"CellSize(width=9, height=18)" in out
    # Asked again later (Textual reading the terminal by then), it refuses (0.12, 0.13: "no") or answers from
    # what it was given (0.14+): either way without a question to the terminal (checked below).
    assert b"asked again: " in out
    assert b"left b'typed'" in out  # nothing of what was typed was read
    for query in (b"\x1b[c", b"\x1b_G", b"\x1b[16t"):  # and no question went to the terminal
        assert query not in out, out
