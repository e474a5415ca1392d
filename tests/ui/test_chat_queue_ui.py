"""A queueing image provider in a chat: the image tool call's placeholder shows where the job is (fal.ai's
queue position, then "running"), and esc cancels the job at the provider; nothing is saved."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from quilltap_tui.services import chats, keys, profiles
from quilltap_tui.ui.widgets.tool_call import ToolCallView
from tests.fakes.fal_queue import FAL_KEY, FakeFalQueue
from tests.ui.conftest import SIZE, until
from tests.ui.scripted import ScriptedChat, tool_then_text
from tests.ui.test_chat_ui import _enter, _type, _views, settle


def _setup(ctx: Any, fal: FakeFalQueue) -> str:
    keys.add_key(ctx, provider="fal", label="fal", secret=FAL_KEY)
    profiles.create(ctx, profiles.IMAGE, name="queue", provider="fal", model="fal-ai/flux/dev", key="fal",
                    base_url=fal.base_url, default=True)
    profiles.create(ctx, profiles.CHAT, name="main", provider="scripted", model="scripted-1", default=True)
    return str(chats.create_chat(ctx, chat_profile="main").id)


def _reported(text: str) -> bool:
    """The position shown is one the fake reported: 997 at the first status poll, one less at each later one
    (a loaded machine may draw a later poll first)."""
    found = re.search(r"queue position (\d+)", text)
    return found is not None and 990 <= int(found.group(1)) <= 997


async def _placeholder_says(pilot: Any, words: str) -> str:
    """The placeholder's text once it contains ``words`` (it changes with its own 0.25 s tick)."""

    seen: list[str] = []

    def says() -> bool:
        # The call's view may be in the conversation before its own children are (its mount still under way).
        placeholders = [p for v in _views(pilot.app, ToolCallView) for p in v.query(".image-placeholder")]
        seen.append(str(placeholders[0].render()) if placeholders else "")
        return words in seen[-1]

    await until(pilot, says, f"the placeholder to say {words!r}")
    return seen[-1]


async def test_placeholder_shows_the_queue_position_and_esc_cancels_at_fal(make_app: Any, ctx: Any,
                                                                          scripted_chat: ScriptedChat) -> None:
    with FakeFalQueue(polls=1000, ahead=5) as fal:
        chat_id = _setup(ctx, fal)
        scripted_chat.decider = tool_then_text(final_text="Here it is.")
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.screen.query_one("ChatList").open_chat(chat_id)
            await settle(pilot)
            await _type(pilot, "a fox")
            await _enter(pilot)
            shown = await _placeholder_says(pilot, "queue position")
            assert shown.startswith("🖼  ") and re.search(r" s · fal\.ai: queue position (\d+)", shown)
            assert _reported(shown)
            await pilot.press("escape")
            await settle(pilot)
            (call,) = _views(app, ToolCallView)
            assert call.status == "cancelled"
            assert not call.query_one(".image-placeholder").display
        [job] = fal.jobs
        assert fal.cancelled == [job]  # the job was cancelled at fal (PUT cancel_url with the key)
        (put,) = [r for r in fal.requests if r.method == "PUT"]
        assert put.path == f"/fal-ai/flux/requests/{job}/cancel" and put.headers["authorization"] == f"Key {FAL_KEY}"
        assert not fal.requests_to(f"/requests/{job}") or all(
            r.path.endswith(("/status", "/cancel")) for r in fal.requests_to(f"/requests/{job}"))  # no result fetched
    assert _saved(Path(ctx.paths.images)) == []
    stored = chats.get_messages(ctx, chat_id)
    assert stored[1].tool_calls[0].status == "cancelled" and not stored[1].images


def _saved(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


async def test_direct_generation_dialog_shows_the_queue_and_esc_cancels_at_fal(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.ui.widgets.status import StatusLine

    with FakeFalQueue(polls=1000, ahead=5) as fal:
        keys.add_key(ctx, provider="fal", label="fal", secret=FAL_KEY)
        profiles.create(ctx, profiles.IMAGE, name="queue", provider="fal", model="fal-ai/flux/dev", key="fal",
                        base_url=fal.base_url, default=True)
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+g")
            await settle(pilot)
            await pilot.press(*"a red kite")
            await pilot.press("enter")
            shown: list[str] = []

            def queue_shown() -> bool:
                modal = type(app.screen).__name__ == "GeneratingModal"
                lines = app.screen.query(StatusLine) if modal else []  # none until the pushed dialog composed
                shown.append(lines[0].text() if lines else "")
                return "queue position" in shown[-1]

            await until(pilot, queue_shown, "the queue position in the dialog")
            assert "Generating with queue… fal.ai: queue position " in shown[-1] and _reported(shown[-1])
            await pilot.press("escape")
            await settle(pilot)
            assert app.generation is None
        [job] = fal.jobs
        assert fal.cancelled == [job]
    assert _saved(Path(ctx.paths.images)) == []
