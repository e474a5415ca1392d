"""A long streamed reply goes into a new Markdown widget every few paragraphs, and nobody can tell.

One Markdown widget re-measures all its blocks on every append, which made a long stream quadratic
(bench/tui.py, render cost). The chunks must look exactly like one widget while the reply streams, never
split a code block, and end as one widget holding the whole text.
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import Any

from quilltap_tui.ui.widgets.message import (
    CHUNK_BLOCKS,
    FENCE_LINE,
    FrozenChunk,
    MessageView,
    TimedMarkdown,
    chunk_boundary,
)
from tests.ui.columns import Columns, cells
from tests.ui.conftest import flushed, markdown_drawn, until

PARAS = "".join(f"Paragraph {n} says *something* about **lighthouses**.\n\n" for n in range(CHUNK_BLOCKS + 2))


def test_a_chunk_starts_only_after_enough_paragraphs_and_only_in_new_text() -> None:
    short = "".join(f"p{n}\n\n" for n in range(CHUNK_BLOCKS - 2)) + "next\n\n"  # one break short
    assert chunk_boundary(short, 0, 0) is None  # not enough paragraphs yet
    text = PARAS + "The next one.\n\n"
    assert chunk_boundary(text, 0, 0) == len(PARAS)  # the newest break, before the block that starts it
    assert chunk_boundary(text, 0, len(PARAS) + 1) is None  # that break was already handed to the widget
    assert chunk_boundary(text, len(PARAS), len(PARAS)) is None  # counted from the live chunk's start
    # Until its first two lines are in, a block is not known to be a paragraph: the break before it waits.
    assert chunk_boundary(PARAS + "The next", 0, 0) == PARAS.rindex("Paragraph")
    assert chunk_boundary(PARAS + "The next\n", 0, 0) == PARAS.rindex("Paragraph")


def test_a_chunk_starts_only_before_a_plain_paragraph_outside_code() -> None:
    fenced = "```python\n" + "".join(f"x = {n}\n\n" for n in range(CHUNK_BLOCKS + 2)) + "still code\n\n"
    assert chunk_boundary(fenced, 0, 0) is None
    closed = fenced + "```\n\nAfter the code.\n\n"
    assert closed[chunk_boundary(closed, 0, 0) or 0:] == "After the code.\n\n"
    # Blocks with a top margin, or that a second line may turn into one: the break before them is skipped.
    for block in ("```\ncode\n```\n", "# Heading\n", "- item\n", "> quote\n", "    indented\n", "1. first\n",
                  "Title\n=====\n", "Title\n---\n", "Name | Age\n--- | ---\n", "a | b\n"):
        text = PARAS + block + "\n"
        assert chunk_boundary(text, 0, len(PARAS)) is None, block
    assert chunk_boundary(PARAS + "Two lines\nof a paragraph\n", 0, len(PARAS)) == len(PARAS)


async def _drawn(pilot: Any, view: MessageView) -> None:
    """Markdown parses in an executor, then mounts its blocks; then a layout pass."""
    await until(pilot, partial(markdown_drawn, view), "the message's Markdown drawn")
    await pilot.pause()


async def test_a_long_stream_is_drawn_in_chunks_exactly_like_one_widget_and_ends_as_one(
        instant_pacing: None) -> None:
    code = "```python\n" + "".join(f"print({n})\n\n" for n in range(6)) + "```\n\n"
    reply = PARAS + code + PARAS.replace("Paragraph", "Section") + "- one\n- two\n\nThe end."
    app = Columns()
    async with app.run_test(size=(150, 200)) as pilot:
        left = MessageView("assistant", live=True)
        await app.query_one("#left").mount(left)
        for start in range(0, len(reply), 40):  # ten pieces arrive between two appends, as the pacing batches
            left.add_text(reply[start:start + 40])
            if start % 400 == 360:
                await until(pilot, partial(flushed, left), "the batch handed over")

        def chunks() -> list[TimedMarkdown | FrozenChunk]:
            return [child for child in left.children if isinstance(child, (TimedMarkdown, FrozenChunk))]

        def handed_over() -> str:
            return "".join(chunk.source for chunk in chunks())

        await until(pilot, lambda: handed_over() == reply, "the whole reply handed over")
        await _drawn(pilot, left)
        streamed = chunks()
        assert len(streamed) >= 2, "a reply this long streams into more than one widget"
        assert "".join(chunk.source for chunk in streamed) == reply
        assert all(len(FENCE_LINE.findall(chunk.source)) % 2 == 0 for chunk in streamed)  # code stays whole
        # A finished chunk of paragraphs only is frozen into one widget; one holding code stays a Markdown tree.
        assert any(isinstance(chunk, FrozenChunk) for chunk in streamed[:-1])
        right = MessageView("assistant", reply, live=True)  # the same text in one widget, still "replying"
        await app.query_one("#right").mount(right)
        await _drawn(pilot, right)
        await until(pilot, lambda: left.size == right.size, "both laid out")
        assert cells(app, left) == cells(app, right)  # the chunks cannot be told from one widget

        left.finish()
        await app.workers.wait_for_complete()
        await _drawn(pilot, left)
        assert [chunk.source for chunk in chunks()] == [reply]
        right.finish()
        await app.workers.wait_for_complete()
        await _drawn(pilot, right)
        await until(pilot, lambda: cells(app, left) == cells(app, right), "both finished alike")


async def test_a_reply_that_ends_while_a_new_chunk_starts_ends_whole(instant_pacing: None) -> None:
    """The end of the turn can come while the widget is between two chunks (a switch awaits several mounts)."""
    reply = PARAS + "The last paragraph."
    app = Columns()
    async with app.run_test(size=(150, 200)) as pilot:
        view = MessageView("assistant", live=True)
        await app.query_one("#left").mount(view)
        view.add_text(reply[:40])
        await until(pilot, partial(flushed, view), "the first piece handed over")
        view.add_text(reply[40:])  # enough paragraphs: this batch starts a new chunk
        assert view._flush_timer is not None
        view._flush_timer.stop()
        view._flush_timer = None
        switching = asyncio.create_task(view._flush())
        await until(pilot, lambda: bool(view.query(".chunk-end")), "the chunk switch under way")
        view.finish()  # the turn ends now
        await switching
        await app.workers.wait_for_complete()
        await until(pilot, partial(markdown_drawn, view), "the final render")
        assert [chunk.source for chunk in view.query(TimedMarkdown)] == [reply]
        assert not view.query(FrozenChunk)
