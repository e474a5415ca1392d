"""Keys reach the screen they were typed for, in order: typed at start-up, right after ctrl+n, across the
new-chat transition, in one burst (ui/key_order.py)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Input

from quilltap_tui.services import keys, profiles
from tests.ui.conftest import SIZE, settle, until


async def test_keys_typed_right_after_ctrl_n_reach_the_dialog(make_app: Any, ctx: Any) -> None:
    """Bug: keys typed right after ctrl+n went to the list underneath; the dialog opened empty."""
    from textual import events

    keys.add_key(ctx, provider="openai", label="k", secret="sk-aaaaaaaaaaaaaaaaaaaaaaaa1234")
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="m", key="k", default=True)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for key, char in (("ctrl+n", None), ("a", "a"), ("r", "r"), ("t", "t")):
            app.post_message(events.Key(key, char))  # all at once, as a fast typist or a paste does
        await settle(pilot)
        assert type(app.screen).__name__ == "NewChatModal"
        assert app.screen.query_one("#tags", Input).value == "art"


async def test_keys_typed_at_start_before_the_profiles_load_reach_the_new_chat_dialog(
    make_app: Any, ctx: Any, monkeypatch: Any
) -> None:
    """Start-up: ctrl+n and the tags typed before the profiles have loaded all land in the dialog."""
    import threading

    from textual import events

    from quilltap_tui.ui import state

    keys.add_key(ctx, provider="openai", label="k", secret="sk-aaaaaaaaaaaaaaaaaaaaaaaa1234")
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="m", key="k", default=True)
    loaded = threading.Event()
    real = state.load_snapshot

    def slow_load(c: Any) -> Any:  # the vault or a busy disk: the profiles land after the typing
        loaded.wait(10)
        return real(c)

    monkeypatch.setattr(state, "load_snapshot", slow_load)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.snapshot is None
        for key, char in (("ctrl+n", None), ("a", "a"), ("r", "r"), ("t", "t")):
            app.post_message(events.Key(key, char))
        await pilot.pause()
        loaded.set()
        await settle(pilot)
        assert type(app.screen).__name__ == "NewChatModal"
        assert app.screen.query_one("#tags", Input).value == "art"


async def test_a_prompt_typed_during_start_up_and_the_new_chat_transition_lands_in_the_chat(
    make_app: Any, ctx: Any, monkeypatch: Any
) -> None:
    """ctrl+n, enter and a prompt typed before the profiles load, and more typed while the chat is being
    created: nothing goes into the form's fields, everything reaches the new chat's prompt, in order."""
    import threading

    from textual import events

    from quilltap_tui.services import chats
    from quilltap_tui.ui import state
    from quilltap_tui.ui.widgets.prompt import PromptArea

    keys.add_key(ctx, provider="openai", label="k", secret="sk-aaaaaaaaaaaaaaaaaaaaaaaa1234")
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="m", key="k", default=True)
    loaded, creating, created = threading.Event(), threading.Event(), threading.Event()
    real_load, real_create = state.load_snapshot, chats.create_chat

    def slow_load(c: Any) -> Any:  # the vault or a busy disk: the profiles land after the typing
        loaded.wait(10)
        return real_load(c)

    def slow_create(*args: Any, **kwargs: Any) -> Any:  # a busy disk: the chat is stored after more typing
        creating.set()
        created.wait(10)
        return real_create(*args, **kwargs)

    monkeypatch.setattr(state, "load_snapshot", slow_load)
    monkeypatch.setattr(chats, "create_chat", slow_create)
    app = make_app()

    def type_(*typed: str) -> None:
        for key in typed:  # all at once, as a fast typist, a paste or a script does
            app.post_message(events.Key(key, key if len(key) == 1 else None))

    async with app.run_test(size=SIZE) as pilot:
        type_("ctrl+n", "enter", "h", "e")
        await pilot.pause()
        assert app.snapshot is None
        loaded.set()
        await until(pilot, creating.is_set, "the new chat to be created")
        type_("l", "l", "o")
        await pilot.pause()
        created.set()
        await until(pilot, lambda: type(app.screen).__name__ == "ChatScreen" and app.screen.chat is not None,
                    "the new chat's screen")
        await settle(pilot)
        assert app.screen.query_one(PromptArea).text == "hello"
    (chat,) = chats.list_chats(ctx)
    assert chat.tags == () and chat.messages == 0


@pytest.mark.parametrize("moment", ["at once", "as the form is pushed", "as the form has mounted"])
async def test_ctrl_n_enter_and_a_prompt_typed_as_the_profiles_land_reach_the_chat(
    make_app: Any, ctx: Any, moment: str
) -> None:
    """ctrl+n, enter and a prompt typed in one burst right after the profiles show (a script, a fast typist):
    the form opens, enter creates the chat with its defaults, and the whole prompt lands in the chat's prompt.
    Bug: a key handed to the chat list before ctrl+n's binding had opened the form came back after the keys
    typed behind it, and a form just mounted still had its first picker focused (its own focus is set a
    moment later): the enter or the prompt went into the form's tags, 3 of 7 peer-harness launches."""
    from textual import events

    from quilltap_tui.services import chats
    from quilltap_tui.ui.widgets.prompt import PromptArea
    from tests.ui.conftest import until

    keys.add_key(ctx, provider="openai", label="k", secret="sk-aaaaaaaaaaaaaaaaaaaaaaaa1234")
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="m", key="k", default=True)
    app = make_app()

    def type_(*typed: str) -> None:
        for key in typed:  # all at once, as a fast typist, a paste or a script does
            app.post_message(events.Key(key, key if len(key) == 1 else "\r" if key == "enter" else None))

    def form(mounted: bool) -> bool:
        return type(app.screen).__name__ == "NewChatModal" and (app.screen.is_mounted or not mounted)

    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.snapshot is not None, "the profiles to load")
        if moment == "at once":
            type_("ctrl+n", "enter", *"hello")
        else:
            type_("ctrl+n")
            await until(pilot, lambda: form(mounted=moment == "as the form has mounted"), "the form")
            type_("enter", *"hello")
        await until(pilot, lambda: type(app.screen).__name__ == "ChatScreen" and app.screen.chat is not None,
                    "the new chat's screen")
        await settle(pilot)
        assert app.screen.query_one(PromptArea).text == "hello"
    (chat,) = chats.list_chats(ctx)
    assert chat.tags == () and chat.messages == 0
