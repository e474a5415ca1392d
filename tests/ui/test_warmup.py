"""Start-up warm-up and the idle-time garbage collection policy."""

from __future__ import annotations

import gc
import sys
from typing import Any

import pytest

from quilltap_tui.services import profiles
from quilltap_tui.ui import warmup
from tests.ui.conftest import SIZE, settle, until


def test_modules_follow_the_chat_providers_in_use_and_the_preview_setting() -> None:
    both = warmup.modules_for(["openai", "anthropic"], previews=True)
    assert {"openai", "anthropic", "textual_image.renderable", "quilltap_tui.services.chat_turn"} <= set(both)
    # What PIL's first Image.open imports (the first tool turn's image, between saved and the follow-up request)
    assert {"PIL.PngImagePlugin", "PIL.JpegImagePlugin", "PIL.BmpImagePlugin", "PIL.GifImagePlugin",
            "PIL.PpmImagePlugin"} <= set(both)
    # What the first turn imports between Enter and its first request (the turn's own modules, the SDK's chat
    # resources, loaded by openai on first use)
    assert {"quilltap_tui.ui.generation", "quilltap_tui.services.chat_turn_thread", "quilltap_tui.tools.edit_image",
            "openai.resources.chat.completions.completions"} <= set(both)
    only_claude = warmup.modules_for(["anthropic"], previews=False)
    assert "anthropic" in only_claude and not any(m.startswith("openai") for m in only_claude)
    assert "textual_image.renderable" not in only_claude


def test_full_collections_wait_for_an_idle_user_and_idle_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(warmup.time, "monotonic", lambda: clock[0])
    collected: list[int] = []
    monkeypatch.setattr(warmup.gc, "collect", lambda *args: collected.append(1) or 0)
    monkeypatch.setattr(warmup.gc, "set_threshold", lambda *args: None)
    collector = warmup.IdleCollector()
    collector.enable()
    clock[0] += warmup.FULL_EVERY + 1
    collector.touch()  # the user is typing
    assert not collector.tick(busy=False)
    clock[0] += warmup.IDLE_SECONDS + 0.1
    assert not collector.tick(busy=True)  # a reply is streaming
    assert collector.tick(busy=False) and collected == [1]
    clock[0] += 1
    assert not collector.tick(busy=False)  # not again so soon
    assert collected == [1]


async def test_app_warms_up_freezes_and_gives_the_collector_back_on_exit(make_app: Any, ctx: Any) -> None:
    profiles.create(ctx, profiles.CHAT, name="main", provider="ollama", model="llama3.2", default=True)
    before = gc.get_threshold()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await until(pilot, lambda: app.collector.enabled, "the warm-up to hand the collector over")
        assert app.collector.enabled and gc.get_freeze_count() > 0
        assert gc.get_threshold()[2] > before[2]  # no automatic full collections while the app runs
        assert "openai" in sys.modules and "quilltap_tui.services.chat_turn" in sys.modules
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
