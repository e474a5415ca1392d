"""Previews decode within the pixel budget: the CLI preview and the TUI thumbnail refuse a bomb unread."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from quilltap_tui import caps
from quilltap_tui.cli.preview import print_preview
from quilltap_tui.imagegen.sniff import OverBudget
from quilltap_tui.ui import thumbnails
from tests.hostile.server import png_bomb


@pytest.fixture
def small_budget() -> object:
    caps.configure(caps.Caps(max_image_pixels=1_000_000))
    yield
    caps.configure(caps.Caps())


def test_the_cli_preview_of_a_bomb_is_one_line_and_decodes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bomb.png"
    path.write_bytes(png_bomb(13000))  # 169 Mpx: 507 MB once decoded
    print_preview(str(path), "halfcell")
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.strip() == (f"quilltap-tui: no preview of {path}: it declares 169,000,000 pixels, "
                                    "more than the budget of 36,000,000 (setting max_image_pixels).")


def test_the_cli_preview_draws_an_image_within_the_budget(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "ok.png"
    Image.new("RGB", (300, 200), "red").save(path)
    print_preview(str(path), "halfcell")
    assert "▀" in capsys.readouterr().out


@pytest.mark.usefixtures("small_budget")
def test_the_tui_thumbnail_refuses_an_image_past_the_budget(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1000), "blue").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue())
    with pytest.raises(OverBudget, match="1,200,000 pixels, more than the budget of 1,000,000"):
        thumbnails.load(path, (200, 200))
