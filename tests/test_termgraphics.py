"""Which preview protocol ``auto`` picks: the class textual-image chose, recognised by identity."""

from __future__ import annotations

import types

import pytest

from quilltap_tui import termgraphics


class _Named:
    """Stands for textual-image's classes: every one of them is called ``Image``."""


def _renderable(chosen: str) -> types.SimpleNamespace:
    classes = {name: type("Image", (_Named,), {}) for name in ("TGPImage", "SixelImage", "HalfcellImage",
                                                               "UnicodeImage")}
    return types.SimpleNamespace(Image=classes[chosen], **classes)


@pytest.mark.parametrize(("chosen", "protocol"), [("SixelImage", "sixel"), ("TGPImage", "tgp"),
                                                   ("HalfcellImage", "halfcell"), ("UnicodeImage", "halfcell")])
def test_auto_maps_the_chosen_class_to_its_protocol(chosen: str, protocol: str) -> None:
    assert termgraphics.protocol_of(_renderable(chosen)) == protocol


def test_the_real_library_exports_are_recognised() -> None:
    from textual_image import renderable

    assert termgraphics.protocol_of(types.SimpleNamespace(**{**vars(renderable), "Image": renderable.SixelImage})) \
        == "sixel"
    assert termgraphics.protocol_of(types.SimpleNamespace(**{**vars(renderable), "Image": renderable.TGPImage})) \
        == "tgp"


def test_explicit_modes_are_kept_and_no_terminal_means_off(monkeypatch: pytest.MonkeyPatch) -> None:
    assert termgraphics.detect("sixel") == "sixel"
    monkeypatch.setattr(termgraphics.sys, "__stdout__", None)
    assert termgraphics.detect("auto") == "off"


# Inside tmux (issue 12): tmux answers the graphics queries itself, so with allow-passthrough on they go to the
# terminal outside, wrapped; what tmux says about the pane decides the wrapping and where pictures go.

def test_tmux_display_is_read_into_passthrough_origin_and_cell() -> None:
    assert termgraphics.parse_tmux("1|0|0|on|bottom|9|18\n") == termgraphics.Tmux(True, (0, 0), (9, 18))
    # tmux 3.4 prints the option's value; a status line on top pushes the pane down by its height
    assert termgraphics.parse_tmux("all|81|3|2|top|10|20") == termgraphics.Tmux(True, (81, 5), (10, 20))
    # no client attached yet: no cell size; passthrough off
    assert termgraphics.parse_tmux("0|0|0|off|bottom||") == termgraphics.Tmux(False, (0, 0), None)
    assert termgraphics.parse_tmux("usage: display-message ...") == termgraphics.Tmux(False)


def test_tmux_state_asks_tmux_only_inside_tmux() -> None:
    calls: list[list[str]] = []

    def run(args: list[str], **kwargs: object) -> object:
        calls.append(args)
        return types.SimpleNamespace(returncode=0, stdout="on|0|0|on|bottom|8|16\n")

    assert termgraphics.tmux_state({}, run=run) is None and calls == []
    state = termgraphics.tmux_state({"TMUX": "/tmp/tmux-0/default,1,0"}, run=run)
    assert state == termgraphics.Tmux(True, (0, 0), (8, 16))
    assert calls[0][:3] == ["tmux", "display-message", "-p"] and "#{allow-passthrough}" in calls[0][3]


def test_the_outer_terminals_answers_choose_the_protocol() -> None:
    xterm = "\x1b[?63;1;2;4;6;9;15;16;22;28c"  # a VT340-mode xterm, as it answered through tmux 3.3a
    kitty = "\x1b_Gi=31;OK\x1b\\\x1b[?62;c"
    assert termgraphics.parse_answer(xterm) == "sixel"
    assert termgraphics.parse_answer(kitty) == "tgp"
    assert termgraphics.parse_answer("\x1b[?1;2c") == "halfcell"
    assert termgraphics.parse_answer("") is None  # nothing came back: textual-image's probe decides


def test_passthrough_wraps_with_every_escape_doubled() -> None:
    assert termgraphics.tmux_wrap("\x1bPq#0~\x1b\\") == "\x1bPtmux;\x1b\x1bPq#0~\x1b\x1b\\\x1b\\"


def test_auto_inside_tmux_with_passthrough_asks_the_outer_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(termgraphics.sys, "__stdout__", types.SimpleNamespace(isatty=lambda: True))
    monkeypatch.setattr(termgraphics, "probe_through_tmux", lambda: "sixel")
    assert termgraphics.detect("auto", termgraphics.Tmux(True)) == "sixel"
    monkeypatch.setattr(termgraphics, "probe_through_tmux", lambda: None)  # no answer: textual-image decides
    import textual_image

    fallback = _renderable("TGPImage")
    monkeypatch.setitem(__import__("sys").modules, "textual_image.renderable", fallback)
    monkeypatch.setattr(textual_image, "renderable", fallback, raising=False)
    assert termgraphics.detect("auto", termgraphics.Tmux(True)) == "tgp"


def test_doctor_notes_say_what_tmux_gets() -> None:
    on = termgraphics.environment_notes({"TMUX": "x"}, termgraphics.Tmux(True))
    off = termgraphics.environment_notes({"TMUX": "x"}, termgraphics.Tmux(False))
    assert "Sixel and Kitty graphics are sent through" in on[0] and "every supported Python" in on[0]
    assert "half-cell" in off[0] and "allow-passthrough on" in off[0]
