"""A long streamed reply goes into a new Markdown widget every few paragraphs, and nobody can tell.

One Markdown widget re-measures all its blocks on every append, which made a long stream quadratic
(bench/tui.py, render cost). The chunks must look exactly like one widget while the reply streams, never
split a code block, and end as one widget holding the whole text.
"""

from __future__ import annotations

import asyncio
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.strip import Strip

from quilltap_tui.ui.widgets.message import CHUNK_BLOCKS, FENCE_LINE, MessageView, TimedMarkdown, chunk_boundary

PARAS = "".join(f"Paragraph {n} says *something* about **lighthouses**.\n\n" for n in range(CHUNK_BLOCKS + 2))


def test_a_chunk_starts_only_after_enough_paragraphs_and_only_in_new_text() -> None:
    short = "".join(f"p{n}\n\n" for n in range(CHUNK_BLOCKS - 1)) + "next"
    assert chunk_boundary(short, 0, 0) is None  # not enough paragraphs yet
    text = PARAS + "The next one."
    assert chunk_boundary(text, 0, 0) == len(PARAS)  # the newest break, before the block that starts it
    assert chunk_boundary(text, 0, len(PARAS) + 1) is None  # that break was already handed to the widget
    assert chunk_boundary(text, len(PARAS), len(PARAS)) is None  # counted from the live chunk's start
    assert chunk_boundary(PARAS, 0, 0) == PARAS.rindex("Paragraph")  # nothing after the last break yet


def test_a_chunk_never_starts_inside_a_code_block_or_before_an_indented_line() -> None:
    fenced = "```python\n" + "".join(f"x = {n}\n\n" for n in range(CHUNK_BLOCKS + 2)) + "still code"
    assert chunk_boundary(fenced, 0, 0) is None
    closed = fenced + "\n```\n\nAfter the code."
    assert closed[chunk_boundary(closed, 0, 0) or 0:] == "After the code."
    items = "".join(f"- item {n}\n\n    more of item {n}\n\n" for n in range(CHUNK_BLOCKS))
    cut = chunk_boundary(items + "    still item", 0, 0)
    assert cut is not None and (items + "    still item")[cut:].startswith("- item")  # never before "    more"


class Pair(App[None]):
    """The streamed message on the left, one plain widget with the same text on the right."""

    CSS = "Horizontal > VerticalScroll { width: 70; height: 1fr; }"

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield VerticalScroll(id="left")
            yield VerticalScroll(id="right")


def _rows(app: Any, widget: Any) -> list[list[tuple[str, Any]]]:
    """The widget's rendered cells (characters and styles, without mouse metadata), row by row."""
    region = widget.region
    strips: list[Strip] = app.screen._compositor.render_strips()
    return [[(char, seg.style.clear_meta_and_links() if seg.style else None)
             for seg in strip.crop(region.x, region.right) for char in seg.text]
            for strip in strips[region.y:region.bottom]]


async def _settle(pilot: Any) -> None:
    for _ in range(8):  # Markdown parses in an executor, then mounts its blocks
        await asyncio.sleep(0.05)
        await pilot.pause()


async def test_a_long_stream_is_drawn_in_chunks_exactly_like_one_widget_and_ends_as_one() -> None:
    code = "```python\n" + "".join(f"print({n})\n\n" for n in range(6)) + "```\n\n"
    reply = PARAS + code + PARAS.replace("Paragraph", "Section") + "- one\n- two\n\nThe end."
    app = Pair()
    async with app.run_test(size=(150, 200)) as pilot:
        left = MessageView("assistant", live=True)
        await app.query_one("#left").mount(left)
        for start in range(0, len(reply), 40):
            left.add_text(reply[start:start + 40])
            await pilot.pause(0.01)
        await _settle(pilot)
        await pilot.pause(0.3)  # the last batch is handed over
        await _settle(pilot)
        chunks = list(left.query(TimedMarkdown))
        assert len(chunks) >= 2, "a reply this long streams into more than one widget"
        assert "".join(chunk.source for chunk in chunks) == reply
        assert all(len(FENCE_LINE.findall(chunk.source)) % 2 == 0 for chunk in chunks)  # code stays whole
        right = MessageView("assistant", reply, live=True)  # the same text in one widget, still "replying"
        await app.query_one("#right").mount(right)
        await _settle(pilot)
        assert left.size == right.size
        assert _rows(app, left) == _rows(app, right)  # the chunks cannot be told from one widget

        left.finish()
        await app.workers.wait_for_complete()
        await _settle(pilot)
        assert [chunk.source for chunk in left.query(TimedMarkdown)] == [reply]
        right.finish()
        await _settle(pilot)
        assert _rows(app, left) == _rows(app, right)
