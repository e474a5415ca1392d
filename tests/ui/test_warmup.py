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
    # The generation service's rows go through the ORM's store in the TUI: imported at the first tool call else.
    assert "quilltap_tui.services.sql_generation_store" in both
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


_FIRST_GENERATION = """
import asyncio, json, sys
from quilltap_tui.ui import warmup
from quilltap_tui.services.context import AppContext
from quilltap_tui.services.generation import GenerationService
warmup.warm(warmup.TURN_MODULES)
ctx = AppContext()
ctx.db, ctx.vault  # the app has both open before its first turn
before = set(sys.modules)

async def main():
    service = GenerationService(ctx, inline=True)
    try:
        await service.generate("a lighthouse", source="tool")
    finally:
        await service.aclose()

asyncio.run(main())
print(json.dumps(sorted(m for m in set(sys.modules) - before if m.startswith("quilltap_tui.services"))))
"""


def test_the_first_image_of_a_warmed_app_imports_no_service(tmp_path: Any) -> None:
    """What the warm-up loaded covers the generation service's first call (its store included): else those
    imports sit between the tool call and its image request."""
    import json
    import os
    import subprocess

    from tests.chat_support import add_image_profile, make_ctx
    from tests.fakes.image_servers import FakeOpenAIImages
    from tests.support import base_env

    home = tmp_path / "home"
    with FakeOpenAIImages() as images:
        ctx = make_ctx(home)
        add_image_profile(ctx, images)
        ctx.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("QUILLTAP_")} | base_env(home)
        proc = subprocess.run([sys.executable, "-c", _FIRST_GENERATION], capture_output=True, text=True, env=env,
                              timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout.strip().splitlines()[-1]) == []
