"""History messages (the light views a chat opens with) look exactly like finished streamed messages.

Each case mounts a ``MessageView`` (the widget a streamed reply ends as) next to the view
``history_message`` builds for the same stored message, at the same width, and compares the rendered
cells (characters and styles) row by row, in a dark and a light theme.
"""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import Any

import pytest
from textual.screen import Screen

from quilltap_tui.services.message_views import StoredMessage
from quilltap_tui.ui.chat_data import parse_text
from quilltap_tui.ui.widgets.history import InlineMessageView, TreeMessageView, history_message
from quilltap_tui.ui.widgets.message import MessageView
from tests.ui.columns import Columns, cells
from tests.ui.conftest import drain, markdown_drawn, until

LONG = " ".join(f"word{i}" for i in range(40))
CASES: list[tuple[str, str, str, str | None, type]] = [
    ("user", "Draw a lighthouse at dusk, please.", "complete", None, InlineMessageView),
    ("assistant", f"Some *em*, **strong**, ~~gone~~ and `code` with [a link](https://example.com).\n\n{LONG}",
     "complete", None, InlineMessageView),
    ("assistant", "line one\nsoft break  and   spaces\\\nhard break https://example.org/x", "cancelled", None,
     InlineMessageView),
    ("assistant", "", "error", "The provider refused the key (401).", InlineMessageView),
    ("system", "Image profile switched to **art**.", "complete", None, InlineMessageView),
    ("assistant", "Here it is:\n\n- **tall** tower\n- warm `light`\n\n[b]not markup[/b]", "complete", None,
     TreeMessageView),
    ("assistant", "# Title\n\n```python\nprint('hi')\n```\n\n> quoted", "streaming", None, TreeMessageView),
    ("user", "an \x1b]52;c;ZXZpbA==\x07 escape", "complete", None, InlineMessageView),
    ("user", "first line\nsecond *line*\n\n- not a list", "complete", None, InlineMessageView),
]


def _stored(role: str, text: str, status: str = "complete", error: str | None = None) -> StoredMessage:
    return StoredMessage(id="m", seq=1, role=role, content=text, status=status, error=error, note=False, model=None,
                         created_at=datetime.now(UTC))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
async def test_history_views_render_like_finished_messages(theme: str) -> None:
    app = Columns()
    async with app.run_test(size=(130, 60)) as pilot:
        app.theme = theme
        for role, text, status, error, kind in CASES:
            stored = _stored(role, text, status, error)
            left = MessageView(role, text, status=status, error=error)
            right = history_message(stored, role, parse_text(MessageView(role, text).text))
            assert type(right) is kind
            await app.query_one("#left").remove_children()
            await app.query_one("#right").remove_children()
            await app.query_one("#left").mount(left)
            await app.query_one("#right").mount(right)
            # The streamed-style Markdown parses in an executor, then mounts its blocks; then a layout.
            await until(pilot, partial(markdown_drawn, left, right), "both messages drawn")
            await pilot.pause()
            assert right.size == left.size, text
            assert cells(app, right) == cells(app, left), text
            assert isinstance(right, MessageView) and right.text == left.text and right.role == role


async def test_a_multi_line_user_message_keeps_its_lines() -> None:
    """Bug: a message typed with ctrl+j went through Markdown and showed on one line."""
    text = "first line\nsecond *line*\n  - not a list"
    app = Columns()
    async with app.run_test(size=(130, 20)) as pilot:
        live = MessageView("user", text)
        stored = history_message(_stored("user", text), "user")
        await app.query_one("#left").mount(live)
        await app.query_one("#right").mount(stored)
        await pilot.pause()
        for view in (live, stored):
            rows = ["".join(ch for ch, _style in row)[2:].rstrip() for row in cells(app, view)]  # after the bar
            assert rows[1:4] == ["first line", "second *line*", "  - not a list"], rows


async def test_a_link_in_a_history_message_opens_like_in_markdown(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    app = Columns()
    async with app.run_test(size=(130, 20)) as pilot:
        monkeypatch.setattr(app, "open_url", lambda url, **_kw: opened.append(url))
        view = history_message(_stored("assistant", "see [docs](https://example.com/d)"), "assistant")
        await app.query_one("#right").mount(view)
        await pilot.pause()
        await pilot.click(view, offset=(2 + len("see "), 1))  # border + padding, then the link's first cell
        await pilot.pause()
    assert opened == ["https://example.com/d"]


async def test_a_chat_opens_on_its_newest_page_of_light_views_and_loads_earlier(make_app: Any, ctx: Any) -> None:
    from quilltap_tui.chat.history import add_message
    from quilltap_tui.services import chats, keys, profiles
    from quilltap_tui.services.chat_turn_store import SqlTurnStore
    from quilltap_tui.ui.chat_data import PAGE
    from quilltap_tui.ui.widgets.prompt import PromptArea
    from tests.ui.conftest import SIZE, settle

    keys.add_key(ctx, provider="openai", label="chat", secret="sk-chat-test-0123456789abcdef")
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="m", key="chat",
                    base_url="http://127.0.0.1:9/v1", default=True)
    chat_id = chats.create_chat(ctx, title="Mixed").id
    for n in range(1, 41):
        text = f"- item {n}\n- more" if n == 38 else f"message {n} with **bold**"
        add_message(SqlTurnStore(ctx.db), chat_id, "user" if n % 2 else "assistant", text)

    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await until(pilot, lambda: app.screen.query(MessageView) and app.screen.conversation.max_scroll_y > 0
                    and app.screen.conversation.scroll_y == app.screen.conversation.max_scroll_y,
                    "the chat shown at its end")
        screen = app.screen
        # Before the reader scrolls: the chat done opening (its workers, the list's Markdown parsed in an
        # executor, a last layout), so nothing moves the view under the page about to come above.
        await drain(pilot)
        await until(pilot, partial(markdown_drawn, screen.conversation), "every message drawn")
        await drain(pilot)
        views = list(screen.query(MessageView))
        assert [v.text for v in views] == [
            f"- item {n}\n- more" if n == 38 else f"message {n} with **bold**" for n in range(41 - PAGE, 41)]
        assert {type(v) for v in views} == {InlineMessageView, TreeMessageView}
        assert type(views[-3]) is TreeMessageView  # the list keeps its Markdown blocks
        assert screen.conversation.scroll_y == screen.conversation.max_scroll_y > 0  # opened at the end
        assert isinstance(app.focused, PromptArea)
        newest_top = views[0]
        screen.conversation.scroll_home(animate=False)  # reading up to the top loads the page before
        await until(pilot, lambda: len(screen.query(MessageView)) == 2 * PAGE
                    and abs(screen.conversation.scroll_y - newest_top.virtual_region.y) <= 2,
                    "the earlier page above, the reader's place kept")
        await drain(pilot)  # read the places below from the settled layout, not the last frame's map
        views = list(screen.query(MessageView))
        assert len(views) == 2 * PAGE and views[0].text == f"message {41 - 2 * PAGE} with **bold**"
        assert {type(v) for v in views[:PAGE]} == {InlineMessageView}
        # The message that was at the top is still at the top: the view moved down by what came above it.
        assert abs(screen.conversation.scroll_y - newest_top.virtual_region.y) <= 2


@pytest.mark.parametrize("late_frame", [False, True])
async def test_reading_up_while_the_chat_still_opens_keeps_the_readers_place(make_app: Any, ctx: Any,
                                                                            monkeypatch: pytest.MonkeyPatch,
                                                                            late_frame: bool) -> None:
    """The reader reaches the top before the chat is done opening (its workers, the list's Markdown, a last
    layout): the earlier page lands above and the message that was at the top keeps its row on screen.

    ``late_frame``: the frame that lays the page out comes 30 ticks of the screen's update timer late, after
    everything else is done, as on a loaded machine (a full two-worker run read the view before that frame
    placed it: scroll_y 0): what the test reads must wait for it."""
    from quilltap_tui.chat.history import add_message
    from quilltap_tui.services import chats, keys, profiles
    from quilltap_tui.services.chat_turn_store import SqlTurnStore
    from quilltap_tui.ui.chat_data import PAGE
    from tests.ui.conftest import SIZE, settle

    keys.add_key(ctx, provider="openai", label="chat", secret="sk-chat-test-0123456789abcdef")
    profiles.create(ctx, profiles.CHAT, name="main", provider="openai", model="m", key="chat",
                    base_url="http://127.0.0.1:9/v1", default=True)
    chat_id = chats.create_chat(ctx, title="Long").id
    for n in range(1, 41):
        text = f"- item {n}\n- more" if n == 38 else f"message {n} with **bold**"
        add_message(SqlTurnStore(ctx.db), chat_id, "user" if n % 2 else "assistant", text)

    skipped = 0  # frames still to skip
    frame = Screen._on_timer_update

    def late(screen: Screen[Any]) -> None:
        nonlocal skipped
        if skipped:
            skipped -= 1
        else:
            frame(screen)

    monkeypatch.setattr(Screen, "_on_timer_update", late)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("ChatList").open_chat(chat_id)
        await until(pilot, lambda: app.screen.query(MessageView) and app.screen.conversation.max_scroll_y > 0
                    and app.screen.conversation.scroll_y == app.screen.conversation.max_scroll_y,
                    "the chat shown at its end")
        screen, conversation = app.screen, app.screen.conversation
        old_top = screen.query(MessageView).first()
        button = screen.query_one("#load-earlier")
        mount_all = conversation.mount_all

        def mount_page(*widgets: Any, **where: Any) -> Any:
            nonlocal skipped
            skipped = 30 if late_frame else 0
            return mount_all(*widgets, **where)

        monkeypatch.setattr(conversation, "mount_all", mount_page)
        conversation.scroll_home(animate=False)  # at once: the chat has not finished opening
        await until(pilot, lambda: len(screen.query(MessageView)) == 2 * PAGE, "the earlier page mounted")
        await drain(pilot)
        await until(pilot, partial(markdown_drawn, conversation), "every message drawn")
        await drain(pilot)
        assert screen.query(MessageView).first().text == f"message {41 - 2 * PAGE} with **bold**"
        # At the top the old top message was right below the "load earlier" button; it still is on that row
        # (the view moved down by the page that came above it), not pushed down the screen by it.
        assert button.display and conversation.scroll_y > 0
        assert old_top.region.y == conversation.region.y + button.outer_size.height
        assert old_top.virtual_region.y - conversation.scroll_y == button.outer_size.height
