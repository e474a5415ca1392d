"""Drafts in the chat screen: typed words saved after a pause, kept while a sent message is unstored,
gone once the chat has it, restored when the chat reopens; deleting the chat deletes its draft."""

from __future__ import annotations

from typing import Any

from quilltap_tui.services import chats, drafts
from tests.ui.conftest import SIZE, until
from tests.ui.scripted import Say, ScriptedChat
from tests.ui.test_chat_ui import _enter, _type, settle


async def test_the_prompt_is_a_draft_until_the_chat_stores_the_message(make_app: Any, ctx: Any,
                                                                       scripted_chat: ScriptedChat) -> None:
    from quilltap_tui.services import profiles

    profiles.create(ctx, profiles.CHAT, name="main", provider="scripted", model="scripted-1", default=True)
    scripted_chat.enqueue(Say("Hello back."))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        chat_id = str(chats.list_chats(ctx)[0].id)
        path = drafts.draft_path(ctx, chat_id)
        await _type(pilot, "half a thought")
        await until(pilot, lambda: path.exists() and path.read_text() == "half a thought", "the draft saved")
        await _type(pilot, " and more")
        await _enter(pilot)
        await settle(pilot)
        await until(pilot, lambda: not path.exists(), "the draft gone")  # stored: the prompt is empty again
        messages = chats.get_messages(ctx, chat_id)
        assert messages[0].content == "half a thought and more"
        await _type(pilot, "next words")
        await until(pilot, path.exists, "a new draft saved")
    chats.delete_chat(ctx, chat_id)
    assert not path.exists()


async def test_a_draft_comes_back_when_the_chat_opens(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.services import profiles

    profiles.create(ctx, profiles.CHAT, name="main", provider="ollama", model="m",
                    base_url="http://127.0.0.1:9/v1", default=True)
    chat_id = chats.create_chat(ctx, chat_profile="main").id
    drafts.save(ctx, chat_id, "left here before the crash", 0)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        from quilltap_tui.ui.widgets.prompt import PromptArea

        prompt = app.screen.query_one(PromptArea)
        await until(pilot, lambda: prompt.text == "left here before the crash", "the draft back in the prompt")
