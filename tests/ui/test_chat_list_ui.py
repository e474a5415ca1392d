"""The home screen's chat list: ``/`` filters by title, profile, tag, and by what was said in the chats."""

from __future__ import annotations

from typing import Any

from quilltap_tui.chat.history import add_message
from quilltap_tui.services import chats
from quilltap_tui.services.chat_turn_store import SqlTurnStore
from tests.fakes.chat_servers import FakeChatServer
from tests.ui.chat_waits import chat_server, chat_with_profile, until
from tests.ui.conftest import SIZE, settle

__all__ = ["chat_server"]


async def test_the_filter_matches_message_text_as_well_as_titles(make_app: Any, ctx: Any,
                                                                chat_server: FakeChatServer) -> None:
    talk = chat_with_profile(ctx, chat_server, title="Weekend plans")
    zoo = chats.create_chat(ctx, chat_profile="main", title="Zebra sketches").id
    quiet = chats.create_chat(ctx, chat_profile="main", title="Nothing here").id
    store = SqlTurnStore(ctx.db)
    add_message(store, talk, "user", "Let us see the ZEBRAS at the zoo")
    add_message(store, talk, "assistant", "Saturday then.")
    add_message(store, quiet, "user", "hello")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        listing = app.screen.query_one("ChatList")
        await until(pilot, lambda: len(listing.shown) == 3, "the chats")
        await pilot.press("slash", *"zebra")
        assert [c.id for c in listing.shown] == [zoo]  # the title matches at once
        # ...and the chat where zebras were talked about joins when the database has answered.
        await until(pilot, lambda: len(listing.shown) == 2, "the message-text matches")
        assert {c.id for c in listing.shown} == {zoo, talk}
        await pilot.press(*"s at")
        await until(pilot, lambda: [c.id for c in listing.shown] == [talk], "the narrower text match")
        for _ in "zebras at":
            await pilot.press("backspace")
        await pilot.press(*"saturday")
        await until(pilot, lambda: [c.id for c in listing.shown] == [talk], "a match in the reply")
        await pilot.press("enter", "enter")  # enter leaves the filter for the list; enter opens the row
        await until(pilot, lambda: type(app.screen).__name__ == "ChatScreen", "the chat to open")
        assert app.screen.chat_id == talk
