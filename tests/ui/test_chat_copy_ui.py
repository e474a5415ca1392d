"""Copying from a chat: ``c`` copies a message and ``b`` its code blocks, one per press, by OSC 52 (inside tmux
also wrapped in tmux's DCS passthrough); ``[`` / ``]`` pick the message."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from quilltap_tui.chat.history import add_message
from quilltap_tui.services.chat_turn_store import SqlTurnStore
from quilltap_tui.ui.clipboard import osc52, tmux_wrap
from tests.fakes.chat_servers import FakeChatServer
from tests.ui.chat_waits import chat_server, chat_with_profile, open_chat, until
from tests.ui.conftest import SIZE

__all__ = ["chat_server"]

CODE_REPLY = "Two ways:\n\n```python\nprint('hi')\n```\n\nor in a shell:\n\n```sh\nls -l | head\n```\n"


async def test_copy_a_message_and_its_code_blocks_with_osc52_wrapped_for_tmux(
        make_app: Any, ctx: Any, chat_server: FakeChatServer, ui_env: dict[str, str]) -> None:
    chat_id = chat_with_profile(ctx, chat_server)
    store = SqlTurnStore(ctx.db)
    for role, text in (("user", "show me code"), ("assistant", CODE_REPLY), ("user", "thanks\na lot"),
                       ("assistant", "You're welcome.")):
        add_message(store, chat_id, role, text)
    app = make_app(environ={**ui_env, "TMUX": "/tmp/tmux-1000/default,42,0"})
    async with app.run_test(size=SIZE) as pilot:
        written: list[str] = []
        # The terminal the app writes its tmux-wrapped copy to (Textual's copy_to_clipboard writes the bare
        # OSC 52 to its own driver and keeps the text as ``app.clipboard``).
        app.terminal = SimpleNamespace(write=written.append)
        screen = await open_chat(pilot, chat_id)
        conversation = screen.conversation
        await until(pilot, lambda: len(conversation.messages()) == 4, "the history")
        conversation.focus()
        await pilot.press("c")  # nothing picked: the newest reply
        assert app.clipboard == "You're welcome."
        assert written == [tmux_wrap(osc52("You're welcome."))]  # inside tmux: the DCS-wrapped copy too
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert conversation.selected is conversation.messages()[2] and conversation.selected.has_class("-selected")
        await pilot.press("c")
        assert app.clipboard == "thanks\na lot"  # your own message, as typed
        await pilot.press("left_square_bracket")
        picked = conversation.messages()[1]
        assert conversation.selected is picked and not conversation.messages()[2].has_class("-selected")
        await pilot.press("b")
        assert app.clipboard == "print('hi')\n"
        await pilot.press("b")
        assert app.clipboard == "ls -l | head\n"
        assert any("code block 2 of 2 (sh)" in str(n.message) for n in app._notifications)
        assert written[-1] == tmux_wrap(osc52("ls -l | head\n"))
        await pilot.press("c")
        assert app.clipboard == CODE_REPLY  # the whole reply, as Markdown
        await pilot.press("right_square_bracket", "right_square_bracket", "b")
        assert conversation.selected is conversation.messages()[3]
        assert any("No code block in this message." in str(n.message) for n in app._notifications)
        assert app.clipboard == CODE_REPLY
