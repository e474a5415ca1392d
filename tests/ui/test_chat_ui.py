"""Chat journeys in the TUI: new chat, streamed reply, tool call and image, esc to cancel, profile switches
mid-chat, inert LLM text, errors, long chats. Each test checks the widgets, the database and the files.

The chat model is the in-process scripted provider (``tests/ui/scripted.py``) and the pacing is off, so
every wait is on the app's state; the image provider is still the loopback fake (its wire is part of
what a chat turn does). The provider error test keeps the HTTP chat fake: the key must not come back
from a real error body."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select

from quilltap_tui.errors import BadRequest
from quilltap_tui.services import chats, keys, profiles
from quilltap_tui.ui.chat_data import NO_IMAGES
from quilltap_tui.ui.widgets.message import MessageView
from quilltap_tui.ui.widgets.preview import ImagePreview
from quilltap_tui.ui.widgets.tool_call import ToolCallView
from tests.chat_support import is_file
from tests.fakes.chat_servers import FakeChatServer, HttpError
from tests.fakes.image_servers import TEST_KEYS, FakeOpenAIImages
from tests.ui.conftest import SIZE, drain, until
from tests.ui.scripted import Fail, Say, ScriptedChat, tool_then_text

CHAT_KEY = "sk-chat-test-0123456789abcdefSECRET"


@pytest.fixture
def fakes(scripted_chat: ScriptedChat, instant_pacing: None) -> Iterator[tuple[ScriptedChat, FakeOpenAIImages]]:
    with FakeOpenAIImages() as images:
        yield scripted_chat, images


def _setup(ctx: Any, chat: ScriptedChat | FakeChatServer, images: FakeOpenAIImages) -> None:
    keys.add_key(ctx, provider="openai", label="img", secret=TEST_KEYS["openai"])
    profiles.create(ctx, profiles.IMAGE, name="art", provider="openai", model="gpt-image-1", key="img",
                    base_url=images.base_url, default=True, tags=["art"])
    profiles.create(ctx, profiles.IMAGE, name="wide", provider="openai", model="dall-e-3", key="img",
                    base_url=images.base_url, tags=["wide"])
    if isinstance(chat, ScriptedChat):
        profiles.create(ctx, profiles.CHAT, name="main", provider="scripted", model="scripted-1", default=True)
        return
    keys.add_key(ctx, provider="openai", label="chat", secret=CHAT_KEY)
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="fake-chat-1", key="chat",
                    base_url=chat.base_url, default=True)


async def settle(pilot: Any) -> None:
    """Until the app is quiet: no worker, no waiting message, every reply drawn (see conftest.quiet).

    Pilot's own wait is not used: it asks every widget to run a callback, and a Markdown block replaced
    while a reply streams never does (a 30 s hang)."""
    await drain(pilot)


async def _type(pilot: Any, text: str) -> None:
    await pilot.press(*[" " if c == " " else c for c in text])


async def _enter(pilot: Any) -> None:
    """Press enter in the prompt without Pilot's wait for every widget: a turn that starts then may
    replace widgets (Markdown blocks, previews), and Pilot would wait for the replaced ones forever."""
    from textual import events

    pilot.app.focused.post_message(events.Key("enter", "\r"))


async def _send(pilot: Any, text: str) -> None:
    await _type(pilot, text)
    await _enter(pilot)
    await settle(pilot)


def _views(app: Any, kind: type) -> list[Any]:
    return list(app.screen.query(kind))


def _chat_id(ctx: Any) -> str:
    return str(chats.list_chats(ctx)[0].id)


async def test_new_chat_send_stream_tool_call_and_image(make_app: Any, ctx: Any, fakes: Any) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    chat.decider = tool_then_text(final_text="Here is **your** fox.")
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert type(app.screen).__name__ == "NewChatModal"
        assert app.screen.query_one("#image-profile", Select).value == "art"  # the default, preselected
        await pilot.press("enter")  # the tags field has the focus: enter creates with the defaults
        await settle(pilot)
        assert type(app.screen).__name__ == "ChatScreen"
        await _send(pilot, "a fox in the snow")
        texts = [(v.role, v.text, v.status) for v in _views(app, MessageView)]
        assert texts == [("user", "a fox in the snow", "complete"), ("assistant", "Here is **your** fox.", "complete")]
        assert _views(app, MessageView)[1].body.source == "Here is **your** fox."
        (call,) = _views(app, ToolCallView)
        assert call.status == "ok" and call.arguments == {"prompt": "a fox in the snow"}
        (preview,) = _views(app, ImagePreview)
        shown = str(preview.query_one(".preview-text").render())
        path = Path(call.images[0].path)
        assert str(path) in shown and "Previews are off" in shown
        assert "fox" in app.screen.title and "chat: main" in app.sub_title
        assert not app.screen.query_one("#chat-status").display  # the status line is gone when done
    assert is_file(path) and len(images.requests_to("/images/generations")) == 1
    messages = chats.get_messages(ctx, _chat_id(ctx))
    assert [(m.role, m.status) for m in messages] == [("user", "complete"), ("assistant", "complete"),
                                                              ("assistant", "complete")]
    assert messages[1].tool_calls[0].status == "ok" and messages[1].images[0].path == path
    assert messages[2].content == "Here is **your** fox."


async def test_esc_cancels_a_reply_and_keeps_what_arrived(make_app: Any, ctx: Any, fakes: Any) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    chat.enqueue(Say(tokens=[f"tok{i} " for i in range(400)], hold_after=3))  # three tokens, then it waits
    chat_id = chats.create_chat(ctx, chat_profile="main").id
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        await _type(pilot, "count slowly")
        await _enter(pilot)
        await until(pilot, chat.holding.is_set, "the model to send three tokens")
        await until(pilot, lambda: len(_views(app, MessageView)) == 2 and _views(app, MessageView)[1].text.count(
            "tok") == 3, "the three tokens on screen")
        assert "esc to cancel" in app.screen.status.text()
        await pilot.press("escape")
        await settle(pilot)
        reply = _views(app, MessageView)[1]
        assert reply.status == "cancelled" and "cancelled" in str(reply.query_one(".message-head").render())
        partial = reply.text
        assert partial == "tok0 tok1 tok2 "  # what arrived, and nothing after the esc
        assert type(app.screen).__name__ == "ChatScreen"  # the first esc cancels, it does not leave
        assert not app.screen.status.display
    stored = chats.get_messages(ctx, chat_id)[-1]
    assert stored.status == "cancelled" and stored.content.startswith("tok0 tok1 tok2")
    assert partial.startswith(stored.content) or stored.content.startswith(partial)


async def test_switch_image_profile_mid_chat_changes_the_next_turn(make_app: Any, ctx: Any, fakes: Any) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    chat.decider = tool_then_text(final_text="Done.")
    chat_id = chats.create_chat(ctx, chat_profile="main", tags=["wide"]).id  # tags pick "wide"
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        picker = app.screen.query_one("#pick-image", Select)
        assert picker.value == "wide"
        labels = [str(label) for label, _ in picker._options]
        assert labels[0] == "No image generation" and labels[1].startswith("wide")  # tag matches first
        picker.value = "art"
        await settle(pilot)
        assert chats.get_chat(ctx, chat_id).image_profile == "art"
        assert "image: art" in app.sub_title
        await _send(pilot, "a lighthouse")
        body = images.requests_to("/images/generations")[-1].json
        assert body["model"] == "gpt-image-1"
        picker.value = NO_IMAGES
        await settle(pilot)
        assert chats.get_chat(ctx, chat_id).images_enabled is False
        chat.decider = None
        chat.enqueue(Say("No pictures now."))
        await _send(pilot, "just talk")
        assert _views(app, MessageView)[-1].text == "No pictures now."
    assert chat.requests[0].tool_names[0] == "generate_image"
    assert chat.requests[-1].tools == ()
    assert len(images.requests_to("/images/generations")) == 1


async def test_llm_text_is_inert_and_markup_is_not_interpreted(make_app: Any, ctx: Any, fakes: Any) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    evil = "Hi \x1b]52;c;ZXZpbA==\x07 [b]bold?[/b] [link=http://x]y[/link]"
    chat.enqueue(Say(tokens=[evil[:9], evil[9:]]))
    chat_id = chats.create_chat(ctx, chat_profile="main").id
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        await _send(pilot, "hello")
        reply = _views(app, MessageView)[-1]
        assert "\x1b" not in reply.body.source and "\x07" not in reply.body.source
        assert "␛]52;c;ZXZpbA==␇" in reply.text
        rendered = "".join(str(block.render()) for block in reply.body.query("MarkdownBlock"))
        assert "[b]bold?[/b]" in rendered and "[link=http://x]y[/link]" in rendered


async def test_provider_error_is_shown_in_the_chat_without_the_key(make_app: Any, ctx: Any,
                                                                   instant_pacing: None) -> None:
    with FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        await _provider_error_without_the_key(make_app, ctx, chat, images)


async def _provider_error_without_the_key(make_app: Any, ctx: Any, chat: FakeChatServer,
                                          images: FakeOpenAIImages) -> None:
    _setup(ctx, chat, images)
    chat.enqueue(HttpError(401))
    chat_id = chats.create_chat(ctx, chat_profile="main").id
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        await _send(pilot, "hello")
        errors = [v for v in _views(app, MessageView) if v.role == "error"]
        assert errors and "key" in errors[0].text.lower()
        assert all(CHAT_KEY not in v.text and CHAT_KEY[-8:] not in v.text for v in _views(app, MessageView))
        assert type(app.screen).__name__ == "ChatScreen" and app.screen.turn_worker is None
    assert chats.get_messages(ctx, chat_id)[-1].status == "error"


async def test_rename_filter_and_delete_from_the_list(make_app: Any, ctx: Any, fakes: Any) -> None:
    chat, images = fakes
    _setup(ctx, chat, images)
    first = chats.create_chat(ctx, chat_profile="main", title="Foxes").id
    chats.create_chat(ctx, chat_profile="main", title="Lighthouses", tags=["sea"])
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        listing = app.screen.query_one("ChatList")
        assert [c.title for c in listing.shown] == ["Lighthouses", "Foxes"]
        await pilot.press("slash", "s", "e", "a")
        await until(pilot, lambda: [c.title for c in listing.shown] == ["Lighthouses"], "the list filtered")
        await pilot.press("escape")
        await pilot.press("down")
        assert listing.selected().id == first
        await pilot.press("r")
        await settle(pilot)
        app.screen.query_one("#new-title").value = "Red foxes"
        await pilot.press("enter")
        await settle(pilot)
        assert chats.get_chat(ctx, first).title == "Red foxes"
        row = next(i for i, c in enumerate(listing.shown) if c.id == first)
        listing.query_one("#chat-table").move_cursor(row=row)
        await pilot.press("d")
        await settle(pilot)
        assert "Red foxes" in str(app.screen.query_one("#confirm-body").render())
        await pilot.click("#confirm")
        await settle(pilot)
        assert [c.title for c in listing.shown] == ["Lighthouses"]
    assert [c.title for c in chats.list_chats(ctx)] == ["Lighthouses"]


async def test_long_chat_opens_on_its_last_page_and_loads_earlier(make_app: Any, ctx: Any, fakes: Any) -> None:
    from quilltap_tui.db.models import Message
    from quilltap_tui.ui.chat_data import PAGE

    chat, images = fakes
    _setup(ctx, chat, images)
    chat_id = chats.create_chat(ctx, chat_profile="main", title="Long").id
    with ctx.db.session() as session:
        for seq in range(1, 5001):
            session.add(Message(chat_id=chat_id, seq=seq, role="user" if seq % 2 else "assistant",
                                content=f"message {seq}"))
        session.commit()
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        views = _views(app, MessageView)
        assert len(views) == PAGE and views[-1].text == "message 5000" and views[0].text == f"message {5001 - PAGE}"
        assert app.screen.query_one("#load-earlier").display
        app.screen.conversation.scroll_home(animate=False)
        # Until the page is on screen, not a fixed number of settles (a loaded machine took more).
        await until(pilot, lambda: len(_views(app, MessageView)) == 2 * PAGE, "the earlier page")
        views = _views(app, MessageView)
        assert len(views) == 2 * PAGE and views[0].text == f"message {5001 - 2 * PAGE}"


async def test_message_sent_before_the_history_arrives_stays_below_it(make_app: Any, ctx: Any, fakes: Any,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A fast typist can send while the chat's first page is still being read: the history goes above."""
    from quilltap_tui.chat.history import add_message
    from quilltap_tui.services.chat_turn_store import SqlTurnStore
    from quilltap_tui.ui.screens import chat as chat_screen

    chat, images = fakes
    _setup(ctx, chat, images)
    chat.decider = lambda _request: Say("second answer")
    chat_id = chats.create_chat(ctx, chat_profile="main", title="Slow").id
    add_message(SqlTurnStore(ctx.db), chat_id, "user", "first question")
    add_message(SqlTurnStore(ctx.db), chat_id, "assistant", "first answer")
    real_load = chat_screen._load_chat
    disk = threading.Event()  # a slow disk or a remote PostgreSQL: the read ends when the test says so

    def slow_load(*args: Any) -> Any:
        assert disk.wait(30)
        return real_load(*args)

    monkeypatch.setattr(chat_screen, "_load_chat", slow_load)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await until(pilot, lambda: type(app.screen).__name__ == "ChatScreen", "the chat screen")
        await until(pilot, lambda: app.screen.query("#prompt"), "the prompt")
        assert not _views(app, MessageView)  # still loading
        await _type(pilot, "second question")
        await _enter(pilot)
        await until(pilot, lambda: [v.text for v in _views(app, MessageView)] == ["second question"],
                    "the message shown before the history came")
        disk.set()
        await settle(pilot)
        texts = [v.text for v in _views(app, MessageView)]
        assert texts == ["first question", "first answer", "second question", "second answer"]
    assert [m.content for m in chats.get_messages(ctx, chat_id)] == [
        "first question", "first answer", "second question", "second answer"]


async def test_new_chat_refused_tag_is_shown_beside_it_and_nothing_typed_is_lost(make_app: Any, ctx: Any,
                                                                                  fakes: Any) -> None:
    from textual.widgets import Input, Static

    chat, images = fakes
    _setup(ctx, chat, images)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        long_tag = "x" * 60
        app.screen.query_one("#tags", Input).value = f"art, {long_tag}"
        app.screen.query_one("#title", Input).value = "Fox studies"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "NewChatModal"  # still open, with everything typed
        assert "longer than 50" in str(app.screen.query_one("#err-tag", Static).render())
        assert app.screen.query_one("#title", Input).value == "Fox studies"
        app.screen.query_one("#tags", Input).value = "art"
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen).__name__ == "ChatScreen"
    [made] = chats.list_chats(ctx)
    assert made.title == "Fox studies" and made.tags == ("art",)


async def test_profiles_reloaded_inside_a_chat_keep_its_image_profile(make_app: Any, ctx: Any, fakes: Any) -> None:
    """Bug: unlocking the vault inside a chat (which reloads the profiles) turned image generation off."""
    chat, images = fakes
    _setup(ctx, chat, images)
    chat_id = chats.create_chat(ctx, chat_profile="main").id
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        assert app.screen.query_one("#pick-image", Select).value == "art"
        app.refresh_snapshot()  # what "Unlock the file vault" does once the passphrase is right
        await settle(pilot)
        assert app.screen.query_one("#pick-image", Select).value == "art"
        assert "image: art" in app.sub_title
        assert not any("no image generation" in str(n.message) for n in app._notifications)
    stored = chats.get_chat(ctx, chat_id)
    assert stored.images_enabled is True and stored.image_profile == "art"


async def test_a_failed_first_turn_keeps_the_new_chat_and_says_so(make_app: Any, ctx: Any, fakes: Any) -> None:
    """As the command line: a failed reply keeps the chat with the user's message, and the screen says so."""
    chat, images = fakes
    _setup(ctx, chat, images)
    chat.enqueue(Fail(BadRequest("The model refused the request.", provider="scripted", status=400)))
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        await _send(pilot, "hello there")
        errors = [v for v in _views(app, MessageView) if v.role == "error"]
        assert errors and "Your message is kept in this chat" in errors[0].text
    (kept,) = chats.list_chats(ctx)
    assert [m.content for m in chats.get_messages(ctx, kept.id) if m.role == "user"] == ["hello there"]


async def test_esc_from_a_screen_opened_in_a_chat_returns_to_the_chat(make_app: Any, ctx: Any, fakes: Any) -> None:
    """F3 from a chat, then esc: the same chat, its draft and scroll as they were (a screen stack)."""
    from quilltap_tui.ui.widgets.prompt import PromptArea

    chat, images = fakes
    _setup(ctx, chat, images)
    chat_id = chats.create_chat(ctx, chat_profile="main").id
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        chat_screen = app.screen
        await _type(pilot, "a draft")
        await pilot.press("f3")
        await settle(pilot)
        assert type(app.screen).__name__ == "ProfilesScreen"
        await pilot.press("f5", "f3")  # going on to another screen and back does not stack F3 twice
        await settle(pilot)
        assert [type(s).__name__ for s in app.screen_stack] == ["HomeScreen", "ChatScreen", "ProfilesScreen"]
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is chat_screen
        assert chat_screen.query_one(PromptArea).text == "a draft"
        assert "chat: main" in app.sub_title


async def test_tab_from_the_prompt_does_not_walk_past_tool_calls(make_app: Any, ctx: Any, fakes: Any) -> None:
    """The conversation is one tab stop; t there opens or closes every tool call's details."""
    from textual.widgets import Collapsible

    chat, images = fakes
    _setup(ctx, chat, images)
    chat.decider = tool_then_text(final_text="Done.")
    chat_id = chats.create_chat(ctx, chat_profile="main").id
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await settle(pilot)
        for prompt in ("one", "two", "three"):
            await _send(pilot, prompt)
        assert len(_views(app, ToolCallView)) == 3
        stops = []
        for _ in range(6):
            await pilot.press("tab")
            stops.append(app.focused.id if app.focused else None)
            if app.focused is not None and app.focused.id == "prompt":
                break
        assert stops[-1] == "prompt" and len(stops) <= 4, stops  # pickers, conversation, prompt
        app.screen.query_one("#conversation").focus()
        await pilot.press("t")
        assert not any(c.collapsed for c in app.screen.query(Collapsible))
        await pilot.press("t")
        assert all(c.collapsed for c in app.screen.query(Collapsible))
