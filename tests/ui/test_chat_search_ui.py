"""Searching a chat: ``ctrl+f`` opens a field; the newest match is highlighted and scrolled to, enter / ↑ go
to older matches (reading earlier pages of a long chat), ↓ to newer; esc leaves the match picked."""

from __future__ import annotations

from typing import Any

from quilltap_tui.chat.history import add_message
from quilltap_tui.services.chat_turn_store import SqlTurnStore
from quilltap_tui.ui.chat_data import PAGE
from quilltap_tui.ui.widgets.conversation import Conversation
from tests.fakes.chat_servers import FakeChatServer
from tests.ui.chat_waits import chat_server, chat_with_profile, open_chat, until
from tests.ui.conftest import SIZE

__all__ = ["chat_server"]

MATCHES = (3, 45, 48)  # message 3 is two pages before the one a chat opens on (PAGE is 16)


def _text(n: int) -> str:
    return f"message {n} about the Lighthouse" if n in MATCHES else f"message {n}"


def _in_view(conversation: Conversation) -> bool:
    picked = conversation.selected
    if picked is None:
        return False
    top, bottom = conversation.scroll_y, conversation.scroll_y + conversation.scrollable_content_region.height
    return top <= picked.virtual_region.y and picked.virtual_region.bottom <= bottom


async def test_search_highlights_and_scrolls_to_each_match_older_pages_included(
        make_app: Any, ctx: Any, chat_server: FakeChatServer) -> None:
    chat_id = chat_with_profile(ctx, chat_server)
    store = SqlTurnStore(ctx.db)
    for n in range(1, 51):
        add_message(store, chat_id, "user" if n % 2 else "assistant", _text(n))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_chat(pilot, chat_id)
        conversation = screen.conversation
        await until(pilot, lambda: len(conversation.messages()) == PAGE, "the newest page")
        await pilot.press("ctrl+f")
        count = screen.query_one("#search-count")
        await pilot.press(*"lighthouse")
        await until(pilot, lambda: conversation.selected is not None and _in_view(conversation), "the first match")
        assert conversation.selected.text == _text(48) and conversation.selected.has_class("-selected")
        assert str(count.render()) == "1 of 2"
        await pilot.press("enter")
        await until(pilot, lambda: conversation.selected.text == _text(45) and _in_view(conversation), "an older one")
        assert str(count.render()) == "2 of 2"
        conversation.scroll_end(animate=False)  # even from the end of the chat, the next match is brought into view
        await pilot.press("enter")  # past the oldest match shown: the page before it is read
        await until(pilot, lambda: conversation.selected.text == _text(3) and _in_view(conversation),
                    "the match in the earlier page")
        assert len(conversation.messages()) >= 3 * PAGE  # pages were read until one had a match
        assert str(count.render()) == "3 of 3"
        assert len(screen.query(".-selected")) == 1  # one highlight at a time
        await pilot.press("down")
        await until(pilot, lambda: conversation.selected.text == _text(45) and _in_view(conversation), "a newer one")
        await pilot.press("escape")  # closes the search (it does not leave the chat); the match stays picked
        assert type(app.screen).__name__ == "ChatScreen" and app.focused is conversation
        assert not screen.query_one("#chat-search").display
        await pilot.press("c")
        assert app.clipboard == _text(45)
        await pilot.press("ctrl+f", *"no such words")
        await until(pilot, lambda: str(count.render()) == "no match", "no match")
        assert conversation.selected is None and not screen.query(".-selected")
