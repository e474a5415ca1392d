"""Waiting in chat UI tests on the app's own progress (workers, handled messages), never on a clock.

A reply's events reach the widgets through the screen's inbox; each wait below hands the event loop
back to the app (its message queues, timers and workers) until what a user would see is there.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from textual._wait import wait_for_idle

from quilltap_tui.services import chats, keys, profiles
from tests.fakes.chat_servers import FakeChatServer

CHAT_KEY = "sk-chat-test-0123456789abcdefSECRET"
LIMIT = 20.0  # seconds: only a hang ever reaches it


async def until(pilot: Any, condition: Callable[[], Any], what: str = "the condition") -> None:
    """Let the app run until ``condition()`` holds; fail after ``LIMIT`` seconds.

    Each round waits for the app to go idle (what ``Pilot.pause`` does, without its wait for every widget to
    answer a callback: a Markdown block replaced while a reply streams never answers). Not for all workers:
    a reply held back by the test is a worker that must stay running.
    """
    deadline = time.monotonic() + LIMIT
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await wait_for_idle(0)


@pytest.fixture
def chat_server() -> Iterator[FakeChatServer]:
    with FakeChatServer("openai") as server:
        yield server


def chat_with_profile(ctx: Any, server: FakeChatServer, **options: Any) -> str:
    """A key, a chat profile pointed at ``server`` and a chat using it; returns the chat's id."""
    keys.add_key(ctx, provider="openai", label="chat", secret=CHAT_KEY)
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="fake-chat-1", key="chat",
                    base_url=server.base_url, default=True)
    return str(chats.create_chat(ctx, chat_profile="main", **options)["id"])


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
