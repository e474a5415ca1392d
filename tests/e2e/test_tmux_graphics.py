"""The real app in tmux with allow-passthrough on (issue 12): Sixel pictures reach the terminal outside tmux
wrapped in tmux's passthrough, on every supported Python (textual-image 0.12 on 3.11 has no tmux support)."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.tmux import TmuxSession
from tests.fakes.image_servers import make_image
from tests.support import base_env

pytestmark = pytest.mark.e2e


def _seed(home: Path) -> None:
    from quilltap_tui.imagegen.spec import GeneratedImage
    from quilltap_tui.services import image_store
    from tests.ui.conftest import make_ctx

    ctx = make_ctx(base_env(home))
    try:
        image = GeneratedImage(data=make_image(256, 256, seed="tmux"), mime_type="image/png", width=256,
                               height=256)
        image_store.save_batch(ctx, [image], image_store.ImageOrigin(prompt="a kite", provider="openai",
                                                                     model="gpt-image-1"))
    finally:
        ctx.close()


def test_sixel_previews_are_wrapped_for_tmux(tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "pane-output"
    _seed(home)
    env = {**base_env(home), "QUILLTAP_IMAGES": "sixel", "PYTHONPATH": str(Path.cwd() / "src")}
    with TmuxSession([sys.executable, "-m", "quilltap_tui"], env=env, passthrough=True) as term:
        term.wait_for("f5 Gallery")
        term.record_output(str(out))
        term.send("F5")
        term.wait_for("a kite")
        deadline = time.monotonic() + 20
        while b"\x1bPtmux;" not in (out.read_bytes() if out.exists() else b"") and time.monotonic() < deadline:
            time.sleep(0.1)
        term.send("C-q")
    written = out.read_bytes()
    wrapped = re.search(rb"\x1bPtmux;\x1b\x1b\[(\d+);(\d+)H\x1b\x1bP0;0;0q", written)
    assert wrapped, written[-2000:]
    # Every Sixel picture is inside a passthrough (its ESC doubled): none goes out bare for tmux to print.
    assert len(re.findall(rb"(?<!\x1b)\x1bP0;0;0q", written)) == 0
