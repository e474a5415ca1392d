"""A streamed append costs the chat screen one layout pass, and every pass shows the reply as it will stay.

Each append used to cost two or three layout passes of the whole screen: the pass that placed the grown
paragraph, then one more because every widget it had resized (the paragraph, its Markdown chunk, the
message, the conversation) asked for a layout when told its new size, and on most appends one more for
the new last block's trimmed margin, set after that block had been drawn with its margin (a blank line
under the reply for one frame). Each test records what every layout pass left on the screen.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.screen import Screen

from quilltap_tui.ui.widgets.conversation import Conversation
from quilltap_tui.ui.widgets.message import MessageView, TimedMarkdown
from tests.ui.columns import Columns, cells
from tests.ui.conftest import flushed, markdown_drawn, quiet, until


def settled(app: App[None], reply: MessageView) -> bool:
    """The reply has handed all its text to its Markdown, which has appended it; no message waits anywhere."""
    stream = reply._stream
    if not flushed(reply) or (stream is not None and (stream._pending or stream._new_markup.is_set())):
        return False
    return not any(pump._message_queue.qsize() for pump in (app, *app.screen.walk_children(with_self=True)))


async def drawn(pilot: Any, app: App[None], reply: MessageView, what: str) -> None:
    await until(pilot, partial(settled, app, reply), what)
    await pilot.pause()
    await until(pilot, partial(settled, app, reply), what)  # what the frame started (a mount, a margin)
    await pilot.pause()


class Chat(App[None]):
    CSS = "Conversation { height: 20; }"

    def compose(self) -> ComposeResult:
        yield Conversation()


def record_passes(monkeypatch: pytest.MonkeyPatch, app: App[None], reply: MessageView) -> list[dict[str, Any]]:
    """What each full layout pass (not a scroll-only one) left: the view's scroll, the bottom margin of the
    reply's last block (1 is a blank line under the reply)."""
    passes: list[dict[str, Any]] = []
    original = Screen._refresh_layout

    def recorded(self: Screen[Any], size: Any = None, scroll: bool = False) -> None:
        full = not (scroll and not self._layout_widgets)
        original(self, size, scroll)
        if full:
            view = app.query_one(Conversation)
            blocks = [block for chunk in reply.query(TimedMarkdown) for block in chunk.children]
            passes.append({"scroll": (view.scroll_y, view.max_scroll_y),
                           "last_margin": blocks[-1].styles.margin.bottom if blocks else 0})

    monkeypatch.setattr(Screen, "_refresh_layout", recorded)
    return passes


async def test_each_streamed_append_is_laid_out_in_one_pass_showing_the_end(monkeypatch: pytest.MonkeyPatch,
                                                                            instant_pacing: None) -> None:
    app = Chat()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Conversation)
        await view.mount(MessageView("user", "\n".join(f"line {n} of the question" for n in range(30))))
        reply = MessageView("assistant", live=True)
        await view.mount(reply)
        reply.add_text("The first paragraph of the reply, long enough to wrap " * 3)
        await drawn(pilot, app, reply, "the first paragraph drawn")
        assert view.max_scroll_y > 0  # the conversation scrolls (its scrollbar is there) before the recording
        passes = record_passes(monkeypatch, app, reply)
        growing, starting = [], []  # passes per append that grows the open paragraph / starts a new one
        for n in range(12):
            # As a model streams: the open paragraph grows, and every other append starts a new one.
            starts = n % 2 == 1
            reply.add_text(f" more words for paragraph part {n}" * 4 + ("\n\nNext" if starts else ""))
            await drawn(pilot, app, reply, f"append {n} drawn")
            (starting if starts else growing).append(len(passes))
            assert all(p["last_margin"] == 0 for p in passes), passes  # never a blank line under the reply
            assert all(p["scroll"][0] == p["scroll"][1] for p in passes), passes  # at the end
            passes.clear()
        assert growing == [1] * 6, growing
        # A new block: its text and its mounting may reach the screen one pass apart (two message queues).
        assert all(count <= 2 for count in starting), starting
        assert view.region.y <= reply.region.bottom - 1 < view.region.bottom  # its newest line is on screen


async def test_a_reply_streamed_in_small_pieces_ends_exactly_as_a_one_shot_render(instant_pacing: None) -> None:
    reply = ("# Plan\n\nSome *intro* text that wraps over more than one line of this narrow column, "
             "with `code` in it.\n\n"
             "1. first step\n2. second step\n   - a nested point\n\n"
             "```python\ndef hello():\n    return 'world'\n```\n\n"
             "> a quoted line\n\n"
             "| name | size |\n|------|------|\n| fox | small |\n| owl | tiny |\n")
    app = Columns()
    async with app.run_test(size=(130, 80)) as pilot:
        left = MessageView("assistant", live=True)
        await app.query_one("#left").mount(left)
        for start in range(0, len(reply), 7):
            left.add_text(reply[start:start + 7])
            await until(pilot, partial(flushed, left), "the piece handed over")
        left.finish()
        right = MessageView("assistant", reply)  # the same text rendered in one go
        await app.query_one("#right").mount(right)
        await app.workers.wait_for_complete()
        await until(pilot, partial(markdown_drawn, left, right), "both rendered")
        await until(pilot, lambda: quiet(app) and left.size == right.size, "both laid out")
        assert "small" in "".join(char for row in cells(app, left) for char, _style in row)  # the table's last row
        assert cells(app, left) == cells(app, right)



async def test_a_growing_reply_keeps_its_drawn_lines_and_looks_like_one_drawn_afresh(instant_pacing: None) -> None:
    """Every append grows the streaming message and its live Markdown chunk, each as tall as the view: their own
    lines (the bar at the left, blank background) were all drawn again each frame. They are kept now, and what
    the screen shows is still exactly a message drawn in one go."""
    paragraph = "A paragraph of the reply that is long enough to wrap over two lines of this column. "
    app = Columns()
    async with app.run_test(size=(130, 60)) as pilot:
        left = MessageView("assistant", live=True)
        await app.query_one("#left").mount(left)
        left.add_text(paragraph * 3)
        await drawn(pilot, app, left, "the first paragraph drawn")
        (chunk,) = left.query(TimedMarkdown)
        kept = {"message": left._styles_cache._cache.get(0), "chunk": chunk._styles_cache._cache.get(0)}
        assert None not in kept.values()
        before = left.size.height
        left.add_text("\n\n" + paragraph * 2 + "\n\n" + paragraph)  # new paragraphs mounted, the reply taller
        await drawn(pilot, app, left, "the next paragraphs drawn")
        assert left.size.height > before + 2
        assert left._styles_cache._cache.get(0) is kept["message"]  # its first line was not drawn again
        assert chunk._styles_cache._cache.get(0) is kept["chunk"]
        right = MessageView("assistant", left.text, live=True)  # the same text drawn in one go, still replying
        await app.query_one("#right").mount(right)
        await until(pilot, partial(markdown_drawn, right), "the one-shot message rendered")
        await until(pilot, lambda: left.size == right.size, "both laid out")
        await pilot.pause()
        assert cells(app, left) == cells(app, right)


async def test_an_append_that_scrolls_the_view_is_painted_in_one_frame_with_its_scrollbar(
        monkeypatch: pytest.MonkeyPatch, instant_pacing: None) -> None:
    """The layout pass of an append moves the scrollbar's thumb and paints the view's whole column, scrollbar
    included; the scrollbar's own repaint request used to come after, as one more frame per append drawing
    that column again. What the screen shows of the scrollbar is still exactly a scrollbar drawn afresh."""
    from textual._compositor import Compositor

    app = Chat()
    async with app.run_test(size=(80, 24)) as pilot:
        view = app.query_one(Conversation)
        await view.mount(MessageView("user", "\n".join(f"line {n} of the question" for n in range(30))))
        reply = MessageView("assistant", live=True)
        await view.mount(reply)
        reply.add_text("The first paragraph of the reply, long enough to wrap " * 3)
        await drawn(pilot, app, reply, "the first paragraph drawn")
        bar = view.vertical_scrollbar
        assert view.max_scroll_y > 0 and bar.display

        def done() -> bool:  # no frame left to come; the scrollbar's own requests too (it is no child of the view)
            screen = app.screen
            return (settled(app, reply) and not bar._repaint_required and not bar._message_queue.qsize()
                    and not (screen._layout_required or screen._repaint_required or screen._dirty_widgets
                             or screen._callbacks))

        await until(pilot, done, "the first paragraph's frames")
        paints: list[Any] = []
        original = Compositor.render_update

        def painted(self: Compositor, *args: Any, **kwargs: Any) -> Any:
            regions = sorted(self._dirty_regions)
            update = original(self, *args, **kwargs)
            if update is not None:
                paints.append(regions)
            return update

        monkeypatch.setattr(Compositor, "render_update", painted)
        for n in range(6):
            reply.add_text(f" more words for paragraph part {n}" * 6)
            await drawn(pilot, app, reply, f"append {n} drawn")
            await until(pilot, done, f"append {n}'s frames")
            await pilot.pause()
            assert len(paints) == 1, (n, paints)
            paints.clear()
            assert view.scroll_y == view.max_scroll_y  # following the end
            assert scrollbar_as_drawn_afresh(app, bar), n
        # The reader scrolled up: growth below the view moves the thumb, and no paint of the view covers it.
        view.scroll_to(y=0, animate=False)
        await until(pilot, done, "the view scrolled up")
        assert scrollbar_as_drawn_afresh(app, bar)
        for n in range(3):
            reply.add_text(f" words below the view {n}" * 6)
            await drawn(pilot, app, reply, f"append {n} below the view drawn")
            await until(pilot, done, f"append {n}'s frames")
            await pilot.pause()
            assert view.scroll_y == 0 and paints
            paints.clear()
            assert scrollbar_as_drawn_afresh(app, bar), n


def scrollbar_as_drawn_afresh(app: App[None], bar: Any) -> bool:
    """The scrollbar's cells on screen (as last painted) are those of the scrollbar drawn again now."""
    from textual.geometry import Region

    shown = cells(app, bar)
    bar._styles_cache.clear()
    bar._set_dirty()  # its content rendered again (not a repaint request: that would paint a frame)
    fresh = [[(char, seg.style.clear_meta_and_links() if seg.style else None) for seg in strip for char in seg.text]
             for strip in bar.render_lines(Region(0, 0, *bar.size))]
    return shown == fresh


async def test_the_next_append_waits_ten_times_what_the_last_one_cost_the_ui_thread() -> None:
    """An append and the frames it causes took 15-25 ms of the UI thread on a 2-core machine: the next one comes
    ten times that later at the soonest (so appends take at most a tenth of the UI thread), never sooner than
    MIN_INTERVAL."""
    from quilltap_tui.ui.widgets import message

    app = Chat()
    async with app.run_test(size=(80, 24)) as pilot:
        reply = MessageView("assistant", live=True)
        await app.query_one(Conversation).mount(reply)
        reply.add_text("The first words")
        await until(pilot, partial(flushed, reply), "the first words handed over")
        for cost, soonest in ((0.025, 0.25), (0.002, message.MIN_INTERVAL)):
            assert reply._live is not None
            reply._live.last_append_cost = cost  # as measured after the last append's frames
            asked = time.monotonic()
            reply.add_text(" and more")
            timer = reply._flush_timer
            assert timer is not None
            assert asked - reply._last_flush + timer._interval == pytest.approx(soonest, abs=0.005)
            await until(pilot, partial(flushed, reply), "the words handed over")
