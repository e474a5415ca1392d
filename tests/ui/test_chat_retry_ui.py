"""Retries made visible in the TUI: the chat request's and the image tool call's, through the one retry loop.

The chat fake answers the first request with 429 (retry after 2 s), the image fake its first request with
429 (retry after 1.5 s). The status line says "Retrying in 2.0 s (429 rate limited)…" and then the image's
wait; the tool-call widget keeps the image's note. The loop's sleep is replaced, so nothing really waits.
"""

from __future__ import annotations

from typing import Any

import pytest
from textual.widgets import Static

from quilltap_tui.providers import retry
from quilltap_tui.ui.widgets.status import StatusLine
from quilltap_tui.ui.widgets.tool_call import ToolCallView
from tests.fakes.chat_servers import FakeChatServer, rate_limited, tool_then_text
from tests.fakes.image_servers import FakeOpenAIImages, openai_error
from tests.fakes.server import RecordingSleep
from tests.ui.conftest import SIZE
from tests.ui.test_chat_ui import _send, _setup, settle


async def test_the_status_line_and_the_tool_call_say_what_is_retried(
    make_app: Any, ctx: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    sleeps = RecordingSleep()
    monkeypatch.setattr(retry, "SLEEP", sleeps)
    labels: list[str] = []
    original = StatusLine.set_label

    def record(self: StatusLine, label: str, **options: Any) -> None:
        labels.append(label)
        original(self, label, **options)

    monkeypatch.setattr(StatusLine, "set_label", record)
    with FakeChatServer("openai") as chat, FakeOpenAIImages() as images:
        _setup(ctx, chat, images)
        chat.enqueue(rate_limited(2))
        chat.decider = tool_then_text(final_text="Done.")
        images.script(openai_error(429, "Rate limit reached for images.", code="rate_limit_exceeded",
                                   headers={"retry-after-ms": "1500"}))
        app = make_app()
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("ctrl+n")
            await settle(pilot)
            await pilot.press("enter")
            await settle(pilot)
            await _send(pilot, "a fox in the snow")
            (call,) = app.screen.query(ToolCallView)
            assert call.status == "ok"
            assert call.note == "retrying in 1.5 s (429 rate limited)"
            # Once the call is over, the retry is still said, under the call, in words.
            notes = call.query_one(".call-notes", Static)
            assert notes.display and "↻ retrying in 1.5 s (429 rate limited)" in str(notes.render())
    assert "Retrying in 2.0 s (429 rate limited)…" in labels
    assert "Retrying in 1.5 s (429 rate limited)…" in labels
    assert sleeps.waits == [2.0, 1.5]
    assert len(images.requests_to("/images/generations")) == 2
