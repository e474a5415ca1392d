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
