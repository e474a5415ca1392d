"""Pieces of the UI that need no running app: parameter fields, themes, logging, thumbnails, layering."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.spec import ModelInfo
from quilltap_tui.ui import params
from quilltap_tui.ui.logsetup import setup_logging, tail
from quilltap_tui.ui.themes import load_themes, read_theme
from tests.fakes.image_servers import make_image

CORE = ("db", "secrets", "imagegen", "chat", "tools", "services", "errors", "paths", "config")


def test_image_fields_follow_the_model_spec() -> None:
    dalle = {f.name: f for f in params.image_fields("openai", "dall-e-3")}
    assert dalle["style"].options == ("vivid", "natural")
    assert dalle["quality"].options == ("standard", "hd")
    assert "aspect_ratio" not in dalle and "negative_prompt" not in dalle
    grok = {f.name for f in params.image_fields("grok", "grok-imagine-image")}
    assert "aspect_ratio" in grok and "size" not in grok
    gpt2 = {f.name: f for f in params.image_fields("openai", "gpt-image-2")}
    assert gpt2["size"].kind == "text"  # free sizes: any WxH, typed
    assert gpt2["background"].options == ("auto", "transparent", "opaque")


def test_parse_value_names_the_field() -> None:
    count = next(f for f in params.image_fields("openai", "gpt-image-1") if f.name == "count")
    assert params.parse_value(count, " 3 ") == 3
    assert params.parse_value(count, "") is None
    with pytest.raises(Invalid) as caught:
        params.parse_value(count, "lots")
    assert caught.value.field == "count"
    temperature = params.chat_fields()[0]
    with pytest.raises(Invalid, match="between 0 and 2"):
        params.parse_value(temperature, "3.5")


def test_model_labels_say_where_a_model_came_from() -> None:
    assert params.model_label(ModelInfo("dall-e-3", ("live", "built-in"), True, {})) == \
        "dall-e-3  (live, built-in, retired)"
    assert params.model_label(ModelInfo("gpt-image-2", (), False, {})) == "gpt-image-2"


def test_themes_load_from_the_repository_folder(tmp_path: Path) -> None:
    themes = load_themes(tmp_path)
    assert {"quilltap-dark", "quilltap-light", "quilltap-mono"} <= set(themes)
    (tmp_path / "themes").mkdir()
    (tmp_path / "themes" / "mine.toml").write_text('primary = "#123456"\n')
    (tmp_path / "themes" / "broken.toml").write_text("primary = \n")
    themes = load_themes(tmp_path)
    assert themes["mine"].primary == "#123456" and "broken" not in themes
    assert read_theme(tmp_path / "themes" / "broken.toml") is None


def test_log_file_is_private_and_tailable(tmp_path: Path) -> None:
    import logging

    log_file = tmp_path / "logs" / "quilltap.log"
    root = logging.getLogger()
    before = list(root.handlers)
    try:
        setup_logging(log_file)
        logging.getLogger("quilltap_tui.test").warning("hello from the test")
        for handler in root.handlers:
            handler.flush()
        assert os.stat(log_file).st_mode & 0o777 == 0o600
        assert tail(log_file)[-1].endswith("hello from the test")
    finally:
        for handler in list(root.handlers):
            if handler not in before:
                root.removeHandler(handler)
                handler.close()


def test_thumbnails_fit_the_box_and_are_cached(tmp_path: Path) -> None:
    from quilltap_tui.ui import thumbnails

    path = tmp_path / "big.png"
    path.write_bytes(make_image(1600, 900, seed="x"))
    first = thumbnails.load(path, (200, 200))
    assert first.size[0] == 200 and 112 <= first.size[1] <= 113  # 16:9 kept, Pillow rounds
    assert thumbnails.load(path, (200, 200)) is first


def test_core_packages_never_import_textual() -> None:
    modules = [f"quilltap_tui.{name}" for name in CORE]
    code = (
        "import importlib, pkgutil, sys\n"
        f"for name in {modules!r}:\n"
        "    mod = importlib.import_module(name)\n"
        "    for info in pkgutil.walk_packages(getattr(mod, '__path__', []), name + '.'):\n"
        "        importlib.import_module(info.name)\n"
        "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith(('textual.', 'textual_image')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_core_sources_do_not_mention_textual_imports() -> None:
    root = Path(__file__).resolve().parents[2] / "src" / "quilltap_tui"
    offenders = []
    for name in CORE:
        target = root / name
        files = list(target.rglob("*.py")) if target.is_dir() else [target.with_suffix(".py")]
        for file in files:
            text = file.read_text()
            if "import textual" in text or "from textual" in text:
                offenders.append(str(file))
    assert offenders == []
