"""Chat UI test helpers: a chat profile on a fake server, opening a chat and typing into it, each wait on the
state a user would see (``until`` from the UI conftest), never on a guessed delay."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from quilltap_tui.services import chats, keys, profiles
from tests.fakes.chat_servers import FakeChatServer
from tests.ui.conftest import until

__all__ = ["chat_server", "until"]

CHAT_KEY = "sk-chat-test-0123456789abcdefSECRET"


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    with FakeChatServer("openai") as server:
        yield server


def chat_with_profile(ctx: Any, server: FakeChatServer, **options: Any) -> str:
    """A key, a chat profile pointed at ``server`` and a chat using it; returns the chat's id."""
    keys.add_key(ctx, provider="openai", label="chat", secret=CHAT_KEY)
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="fake-chat-1", key="chat",
                    base_url=server.base_url, default=True)
    return str(chats.create_chat(ctx, chat_profile="main", **options).id)


async def open_chat(pilot: Any, chat_id: str) -> Any:
    """Open the chat from the home screen and wait until its history is on screen; returns the screen."""
    app = pilot.app
    await until(pilot, lambda: app.screen.query("ChatList"), "the home screen")
    app.screen.query_one("ChatList").open_chat(chat_id)
    await until(pilot, lambda: type(app.screen).__name__ == "ChatScreen" and app.screen.chat is not None,
                "the chat to open")
    return app.screen


async def type_text(pilot: Any, text: str) -> None:
    await pilot.press(*[" " if c == " " else c for c in text])


def press_enter(pilot: Any) -> None:
    """Enter in the focused prompt, posted without Pilot's wait for every widget (a turn that starts replaces
    widgets, and Pilot would wait for the replaced ones)."""
    from textual import events

    pilot.app.focused.post_message(events.Key("enter", "\r"))
