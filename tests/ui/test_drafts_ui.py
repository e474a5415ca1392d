"""Drafts in the chat screen: typed words saved after a pause, kept while a sent message is unstored,
gone once the chat has it, restored when the chat reopens; deleting the chat deletes its draft."""

from __future__ import annotations

import asyncio
from typing import Any

from quilltap_tui.services import chats, drafts
from tests.fakes.chat_servers import FakeChatServer, Text
from tests.ui.conftest import SIZE
from tests.ui.test_chat_ui import _enter, _type, settle


async def _wait(predicate: Any, seconds: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, "condition never became true"
        await asyncio.sleep(0.05)


async def test_the_prompt_is_a_draft_until_the_chat_stores_the_message(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.services import profiles

    with FakeChatServer("openai") as chat:
        profiles.create(ctx, profiles.CHAT, name="main", provider="openai-compatible", model="fake-chat-1",
                        base_url=chat.base_url, default=True)
        chat.enqueue(Text("Hello back."))
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+n")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            chat_id = str(chats.list_chats(ctx)[0]["id"])
            path = drafts.draft_path(ctx, chat_id)
            await _type(pilot, "half a thought")
            await _wait(lambda: path.exists() and path.read_text() == "half a thought")
            await _type(pilot, " and more")
            await _enter(pilot)
            await settle(pilot)
            await _wait(lambda: not path.exists())  # stored: the draft is the (empty) prompt again
            messages = chats.get_messages(ctx, chat_id)
            assert messages[0]["content"] == "half a thought and more"
            await _type(pilot, "next words")
            await _wait(lambda: path.exists())
        chats.delete_chat(ctx, chat_id)
        assert not path.exists()


async def test_a_draft_comes_back_when_the_chat_opens(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.services import profiles

    profiles.create(ctx, profiles.CHAT, name="main", provider="ollama", model="m",
                    base_url="http://127.0.0.1:9/v1", default=True)
    chat_id = chats.create_chat(ctx, chat_profile="main")["id"]
    drafts.save(ctx, chat_id, "left here before the crash", 0)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        from quilltap_tui.ui.widgets.prompt import PromptArea

        prompt = app.screen.query_one(PromptArea)
        await _wait(lambda: prompt.text == "left here before the crash")
