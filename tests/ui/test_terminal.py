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
