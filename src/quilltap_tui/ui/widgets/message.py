"""MessageView: one user or assistant message (or a note, or an error) rendered as Markdown.

Streaming goes through Textual's ``Markdown.get_stream()``: deltas are gathered in a buffer and
handed to the stream in batches, at most every ``interval`` seconds; the interval grows with what
an append costs (ten times its CPU on the UI thread; the last block is re-parsed on every append, so a
long paragraph costs more each time), which keeps the work per second bounded and the total roughly
linear in the reply's length. When the message ends, ONE ``update()`` renders the final text.
Re-rendering the whole message per token would be quadratic.

A long reply streams into a new Markdown widget every ``CHUNK_BLOCKS`` paragraphs. Each append to
one Markdown widget costs in proportion to the blocks it already holds (Textual re-measures every
block whose container grew, and re-splits the whole source), so frames grew with the reply; a
finished chunk keeps its size and its blocks are not measured again. The final render replaces the
chunks with one widget, so the finished message is exactly what one ``update()`` of its text draws.

Text from the LLM or a provider is made inert first (control characters become visible symbols):
Markdown is rendered, but no terminal escape sequence reaches the terminal, and the Markdown
widget never interprets Rich markup.
"""

from __future__ import annotations

import asyncio
import re
import time
from typing import TYPE_CHECKING, Any, Self

from markdown_it import MarkdownIt
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.containers import Vertical
from textual.content import Content, Span
from textual.geometry import Region, Size
from textual.style import Style
from textual.timer import Timer
from textual.widget import AwaitMount, Widget
from textual.widgets import Markdown, Static
from textual.widgets.markdown import MarkdownBlock, MarkdownStream

from quilltap_tui.textsafe import inert
from quilltap_tui.ui.chat_data import STATUS_WORDS, InlineText, parse_text

MIN_INTERVAL = 0.15  # at most about 7 appends a second: reads as live, and each append lays out and redraws the view
# Wait at least this many times the last append's cost (UI-thread CPU through the frames it caused) before the
# next one: appends take at most a tenth of the UI thread. An append and its frames cost 15-25 ms on a 2-core
# machine (the layout pass, a redraw of the whole view: it scrolls), so about 5 appends a second there, and
# fewer where frames cost more; 4 (at most 7 a second, the floor above) cost more CPU than the plain-text peers.
COST_FACTOR = 10.0
# Each append re-renders the block still being written (a paragraph), so appends to a long block are
# spaced out in proportion to its length: the work per second stays flat and the total linear.
BLOCK_CHARS_PER_SECOND = 50_000
CHUNK_BLOCKS = 20  # paragraph breaks a streaming Markdown widget takes before the next one starts
FENCE_LINE = re.compile(r"^ {0,3}(?:```|~~~)", re.MULTILINE)
UNDERLINE = re.compile(r" {0,3}[=\-|: ]+$")  # a setext heading's underline or a table's delimiter row
ROLE_LABELS = {"user": "You", "assistant": "Assistant", "system": "Note", "error": "Error"}


if TYPE_CHECKING:
    _WidgetBase = Widget
else:
    _WidgetBase = object  # a plain mixin: Textual takes a widget's CSS type and rules from its first widget base


class SettledSize(_WidgetBase):
    """Mixin (put first): a new size found by a layout pass does not ask for another layout pass.

    Textual stores a widget's new virtual size through a reactive that asks for a layout, so every
    widget a layout pass resized (the growing paragraph, its Markdown chunk, the message, the
    conversation) scheduled a second, identical pass: each streamed append cost two frames of the chat
    screen, the second re-arranging and re-drawing everything to change nothing. The size is final when
    this runs (the pass has placed every widget); Textual itself takes this path for a scroll-only pass.
    """

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class KeepsDrawnLines(_WidgetBase):
    """Mixin (put first) for a container that only grows downward while a reply streams: growing taller keeps
    the lines of itself it has drawn.

    Textual forgets every drawn line of a widget whose size changed. The streaming message and its live Markdown
    chunk grow on every append, and each lies under the whole view: every frame drew their lines (the bar at the
    message's left edge, blank background) again, the view's height of them, to draw the same. Their lines
    depend on their width only (no top or bottom border or padding), so a new height keeps them; a new width,
    a new class or style, or a refresh still redraws all.
    """

    def _size_updated(self, size: Size, virtual_size: Size, container_size: Size, layout: bool = True) -> bool:
        old = self._size  # as the layout pass gives it: the outer size
        if not (old.height and size.width == old.width and size.height > old.height):
            return super()._size_updated(size, virtual_size, container_size, layout=layout)
        cache = self._styles_cache
        lines, dirty = dict(cache._cache), set(cache._dirty_lines)
        resized = super()._size_updated(size, virtual_size, container_size, layout=layout)
        cache._cache.update(lines)
        cache._dirty_lines = dirty
        return resized


_SETTLED_BLOCKS: dict[type[MarkdownBlock], type[MarkdownBlock]] = {}


def settled_block(block: type[MarkdownBlock]) -> type[MarkdownBlock]:
    """``block`` with :class:`SettledSize` (same name, so every CSS rule for it still applies)."""
    settled = _SETTLED_BLOCKS.get(block)
    if settled is None:
        settled = _SETTLED_BLOCKS[block] = type(block.__name__, (SettledSize, block), {"__module__": __name__})
    return settled


class TimedMarkdown(KeepsDrawnLines, SettledSize, Markdown):
    """A Markdown widget that remembers what its last ``append`` cost the UI thread (to pace the stream), and
    drops the bottom margin of its last block so a message does not end in a blank line.

    That margin was a ``MarkdownBlock:last-child`` CSS rule, but any order pseudo-class makes Textual
    restyle every block of the message on each mount: a streamed reply became quadratic in its number of
    paragraphs (bench/tui.py render cost). One inline style on the current last block does the same.
    """

    last_append_cost = 0.0
    keep_last_margin = False  # a finished chunk of a longer stream: its last block is not the message's last
    streaming = False  # a stream writes to it (see ``refresh``)
    _trimmed: Widget | None = None

    def __init__(self, markdown: str | None = None, **kwargs: Any) -> None:
        # One parser per widget: Textual builds a new one for every append by default, which cost three
        # times the parse of the open block itself. Its parses run one at a time (under the widget's lock).
        parser = MarkdownIt("gfm-like")
        super().__init__(markdown, parser_factory=lambda: parser, **kwargs)

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False, recompose: bool = False) -> Self:
        # While a stream writes to it, blocks are mounted into it on most appends, and each mount asked it for a
        # layout and a repaint of its own lines: blank lines as wide as it is, the view's height of them, drawn
        # again each frame to look the same. The layout pass redraws whatever moved or grew (see KeepsDrawnLines).
        if self.streaming and layout and not regions and not recompose:
            repaint = False
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def get_block_class(self, block_name: str) -> type[MarkdownBlock]:
        return settled_block(super().get_block_class(block_name))

    def mount(self, *widgets: Widget, before: int | str | Widget | None = None,
              after: int | str | Widget | None = None) -> AwaitMount:
        for widget in widgets:
            # Built off-screen, a block asked for a layout when its text was set; it would send that once
            # mounted, after the layout that mounting it causes had placed it: one more frame per new block.
            widget._layout_required = False
        mounted = super().mount(*widgets, before=before, after=after)
        # The new last block has its CSS now (mounting applies it at once): trim its margin here, inside the
        # append's batch, so its first layout already has it. Trimmed after the mount completed, it asked
        # for one more layout and frame of the whole screen on most appends (each append starts a paragraph).
        if widgets and before is None and after is None:
            self._trim_last_margin()
        return mounted

    def append(self, markdown: str) -> AwaitComplete:
        inner = super().append(markdown)

        async def timed() -> None:
            started = time.thread_time()
            await inner
            self._trim_last_margin()
            # The append is the small part: the layout and render it causes come in the next frames (a
            # grown block changes its parent's size, which asks for a second layout). Measure through both,
            # in CPU time of this (the UI) thread, so the pacing follows what the screen really costs.
            self.call_after_refresh(self.call_after_refresh, self._measured, started)

        return AwaitComplete(timed())

    def _measured(self, started: float) -> None:
        self.last_append_cost = time.thread_time() - started

    def update(self, markdown: str) -> AwaitComplete:
        inner = super().update(markdown)

        async def trimmed() -> None:
            await inner
            self._trim_last_margin()

        return AwaitComplete(trimmed())

    def _trim_last_margin(self) -> None:
        if self.keep_last_margin:
            if self._trimmed is not None and self._trimmed.is_attached:
                self._trimmed.styles.clear_rule("margin")
            self._trimmed = None
            return
        last = self.children[-1] if self.children else None
        if last is self._trimmed:
            return
        if self._trimmed is not None and self._trimmed.is_attached:
            self._trimmed.styles.clear_rule("margin")  # no longer last: its CSS margin again
        if last is not None:
            top, right, _bottom, left = last.styles.margin
            last.styles.margin = (top, right, 0, left)
        self._trimmed = last


# The component classes ``styled_inline`` marks, styled as Textual's Markdown paragraphs draw them; nested
# inside the rule of each widget that renders such text.
INLINE_STYLES_CSS = """
        & > .em { text-style: italic; }
        & > .strong { text-style: bold; }
        & > .s { text-style: strike; }
        &:dark > .code_inline { background: $warning 10%; color: $text-warning 95%; }
        &:light > .code_inline { background: $error 5%; color: $text-error 95%; }
        &:ansi > .code_inline { background: ansi_default !important; }
"""


def styled_inline(inline: InlineText) -> Content:
    """Paragraph-only Markdown flattened by ``chat_data.inline_text``, styled as Textual's paragraphs draw it
    (with the ``em``/``strong``/``s``/``code_inline`` component classes of the widget that renders it)."""
    spans = [Span(start, end, Style.from_meta({"@click": f"link({href!r})"}) if kind == "link" else f".{kind}")
             for start, end, kind, href in inline.spans]
    return Content(inline.text, spans=spans)


class FrozenChunk(Widget):
    """A finished chunk of a streaming reply that holds only paragraphs, drawn by this one widget.

    Every layout pass of the chat screen arranges every widget of the conversation, off-screen ones too:
    a finished chunk of twenty paragraphs was twenty-one widgets placed again on each append, so frames
    grew with the reply. Frozen, it is one widget measured once, drawn as its Markdown was (the paragraph
    styles of ``InlineMessageView``; the gap to the next chunk is its bottom margin, as its last
    paragraph's was).
    """

    COMPONENT_CLASSES = {"em", "strong", "s", "code_inline"}
    DEFAULT_CSS = """
    FrozenChunk {
        height: auto; margin: 0 0 1 0; color: $foreground;
    """ + INLINE_STYLES_CSS + """
    }
    """

    def __init__(self, source: str, inline: InlineText) -> None:
        super().__init__()
        self.source = source  # the chunk's Markdown, as the stream handed it over
        self.inline = inline

    def render(self) -> Content:
        return styled_inline(self.inline)

    async def action_link(self, href: str) -> None:
        """A link in the text was clicked: open it, as the Markdown widget does."""
        self.app.open_url(href)


def code_blocks(text: str) -> list[tuple[str, str]]:
    """The fenced and indented code blocks of Markdown ``text``: (language, code) in order."""
    from markdown_it import MarkdownIt

    tokens = MarkdownIt("commonmark").parse(text)
    return [(token.info.strip().split(" ")[0], token.content) for token in tokens
            if token.type in ("fence", "code_block")]


def chunk_boundary(text: str, start: int, fresh: int, blocks: int = CHUNK_BLOCKS) -> int | None:
    """Where a new Markdown widget may take over a stream whose live widget shows ``text[start:]``, or None.

    Only once the live part holds ``blocks`` paragraph breaks, only in the text not yet handed to the
    widget (from ``fresh``), only outside a fenced code block, and only before a plain paragraph: its
    top margin is 0, so the gap to the chunk above is that block's bottom margin, as in one widget
    (vertical margins do not collapse across widgets: a code block or heading starting a chunk would
    sit one line lower). A wrong guess would only show for a moment: the final render redraws the
    whole text as one document.
    """
    if text.count("\n\n", start) < blocks:
        return None
    end = len(text)
    while True:
        found = text.rfind("\n\n", start, end)
        if found < 0:
            return None
        begin = found + 2
        while begin < len(text) and text[begin] == "\n":
            begin += 1
        if begin < fresh:
            return None  # every break left is already in the live widget
        if _starts_paragraph(text, begin) and len(FENCE_LINE.findall(text, start, begin)) % 2 == 0:
            return begin
        end = found + 1  # look further back (the next search must not find this break again)


def _starts_paragraph(text: str, begin: int) -> bool:
    """Does a plain paragraph start at ``begin`` (known from its first two lines)?"""
    line_end = text.find("\n", begin)
    if line_end < 0:
        return False  # its first line is still coming
    first = text[begin:line_end]
    if not first[:1].isalpha() or "|" in first:
        return False  # a list, quote, heading, fence, HTML or table, or indented: not a paragraph
    next_end = text.find("\n", line_end + 1)
    if next_end < 0:
        return False  # the next line is still coming: "===", "---" or a table's "|---|" would change the block
    second = text[line_end + 1:next_end]
    return not (second.strip() and UNDERLINE.match(second))


class MessageView(KeepsDrawnLines, SettledSize, Vertical):
    """A message: a one-line header (who, state) and its Markdown body."""

    DEFAULT_CSS = """
    MessageView { height: auto; margin: 0 0 1 0; padding: 0 1; }
    MessageView.user { border-left: thick $primary; background: $boost; }
    MessageView.assistant { border-left: thick $accent 60%; }
    MessageView.system { border-left: thick $warning 60%; }
    MessageView.error { border-left: thick $error; }
    MessageView.-queued { border-left: thick $primary 40%; background: $boost 50%; }
    MessageView > .message-head { color: $text-muted; height: 1; }
    MessageView.error > .message-head { color: $error; }
    MessageView > Markdown { margin: 0; padding: 0; }
    MessageView > Markdown > MarkdownParagraph { margin: 0 0 1 0; }
    MessageView > Markdown > .chunk-end { height: 0; }
    MessageView > .message-error { color: $error; height: auto; }
    MessageView > .message-plain { height: auto; }
    """

    def __init__(self, role: str, text: str = "", *, status: str = "complete", error: str | None = None,
                 message_id: str | None = None, live: bool = False) -> None:
        super().__init__(classes=role)
        self.set_class(status == "queued", "-queued")  # from the start: no frame shows it unmarked
        self.role = role
        self.live = live  # True while this reply is being received
        self.message_id = message_id
        self.status = status
        self.error = inert(error) if error else error  # provider text: no escape sequence reaches the terminal
        self.text = inert(text)
        self._pending: list[str] = []
        self._stream: MarkdownStream | None = None
        # Held while a batch goes to the stream and while the stream is closed: a chunk switch awaits several
        # mounts, and a reply that ended meanwhile closed the old stream under it (the app failed on the
        # stream it had just stopped, or the last text went to a stopped stream).
        self._writing = asyncio.Lock()
        self._flush_timer: Timer | None = None
        self._last_flush = 0.0
        self._live: TimedMarkdown | None = None  # the chunk the stream writes to
        self._chunk_start = 0  # where in ``text`` the live chunk begins

    def compose(self) -> ComposeResult:
        yield Static(self._head(), classes="message-head", markup=False)
        if self.role == "user":  # shown as typed: Markdown would join the lines of a ctrl+j message
            yield Static(self.text, classes="message-plain", markup=False)
        else:
            yield TimedMarkdown(self.text or None)
        yield Static(self._error_text(), classes="message-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(".message-error").display = bool(self.error)

    @property
    def body(self) -> TimedMarkdown:
        return self.query_one(TimedMarkdown)

    # -- streaming ---------------------------------------------------------------------------

    def add_text(self, delta: str) -> None:
        """Queue a piece of reply text; it reaches the screen with the next batch."""
        if not delta:
            return
        clean = inert(delta)
        self.text += clean
        self._pending.append(clean)
        if self._stream is None:
            self._live = self.body
            self._live.streaming = True
            self._stream = Markdown.get_stream(self._live)
        if self._flush_timer is None:
            open_block = len(self.text) - self.text.rfind("\n\n")
            cost = self._live.last_append_cost if self._live is not None else 0.0
            wait = max(MIN_INTERVAL, COST_FACTOR * cost, open_block / BLOCK_CHARS_PER_SECOND)
            due = max(0.001, self._last_flush + wait - time.monotonic())  # a 0 s timer divides by zero
            self._flush_timer = self.set_timer(due, self._flush)

    async def _flush(self) -> None:
        self._flush_timer = None
        async with self._writing:
            await self._write_pending()

    async def _write_pending(self) -> None:
        if not self._pending or self._stream is None:
            return
        chunk = "".join(self._pending)
        self._pending.clear()
        self._last_flush = time.monotonic()
        fresh = len(self.text) - len(chunk)
        split = chunk_boundary(self.text, self._chunk_start, fresh)
        if split is None:
            await self._stream.write(chunk)
        else:
            await self._next_chunk(chunk[:split - fresh], chunk[split - fresh:], split)

    async def _next_chunk(self, head: str, tail: str, split: int) -> None:
        """End the live chunk with ``head`` and stream ``tail`` (from ``text[split]`` on) into a new one."""
        assert self._stream is not None and self._live is not None
        done = self._live
        done.keep_last_margin = True  # the paragraph gap to the next chunk stays (restored on each append)
        done._trim_last_margin()
        # Textual measures a container whose children all have a dynamic height at its parent's height,
        # which grows with every append: every block of every finished chunk was measured again in each
        # frame. One fixed-height, empty child puts the chunk on the other path, measured at its width only.
        # Mounted before the last text: an append still in flight after the stream stops (the stream
        # shields it) may mount its blocks after this child, which changes nothing on screen.
        await done.mount(Widget(classes="chunk-end"))
        if head:
            await self._stream.write(head)
        await self._stream.stop()
        done.streaming = False
        parsed = parse_text(done.source)
        self._live = TimedMarkdown()
        self._live.streaming = True
        with self.app.batch_update():  # no frame shows the chunk twice or not at all
            if parsed.inline is not None:  # paragraphs only: one widget from now on (see FrozenChunk)
                await self.mount(FrozenChunk(done.source, parsed.inline), before=done)
                await done.remove()
            await self.mount(self._live, before=self.query_one(".message-error"))
        self._chunk_start = split
        self._stream = Markdown.get_stream(self._live)
        await self._stream.write(tail)

    def finish(self, status: str = "complete", error: str | None = None) -> None:
        """End streaming: show the final state now; stop the stream and render the final text once.

        The stream is stopped in a worker of this widget: its last append mounts Markdown blocks, and
        awaiting that from the chat screen's own message handler could wait on that very handler.
        """
        if self._flush_timer is not None:
            self._flush_timer.stop()
            self._flush_timer = None
        self.live = False
        self.set_status(status, error)
        if self._stream is not None:
            self.run_worker(self._close(), group="finish", exit_on_error=False)
        elif self.body.source != self.text:
            self.body.update(self.text)

    async def _close(self) -> None:
        async with self._writing:  # after a batch or chunk switch still under way
            await self._write_pending()
            stream, self._stream = self._stream, None
            if stream is None:
                return
            await stream.stop()
        if self._live is not None:
            self._live.streaming = False
        self._live, self._chunk_start = None, 0
        first, *rest = self.query(TimedMarkdown)
        rest = [*self.query(FrozenChunk), *rest]
        if rest:
            # The chunks already show the whole text: let a frame draw its end before the final render, which
            # re-parses and re-mounts the whole message and holds the screen meanwhile (the reply's end
            # appeared only after it: 0.3-0.7 s after the last token on a busy machine).
            drawn: asyncio.Future[None] = asyncio.get_running_loop().create_future()

            def shown() -> None:
                if not drawn.done():
                    drawn.set_result(None)

            # Two refreshes: the stream's last append asked for its layout through its blocks' message queues,
            # which may reach the screen only after the screen's next idle moment (the final render then ran
            # first and the end showed only after it: 0.25 s later here).
            self.call_after_refresh(self.call_after_refresh, shown)
            await drawn
            # The whole text goes into the first Markdown chunk and the other chunks (frozen ones too) leave,
            # within one batch: no frame shows the text twice.
            with self.app.batch_update():
                first.keep_last_margin = False
                await first.update(self.text)  # the one final render of the whole message
                await self.remove_children(rest)
        elif first.source != self.text:
            await first.update(self.text)  # the one final render of the whole message

    def set_status(self, status: str, error: str | None = None) -> None:
        """Show a new state (and error text) in the header."""
        self.status = status
        self.set_class(status == "queued", "-queued")
        if error is not None:
            self.error = inert(error)
        self.query_one(".message-head", Static).update(self._head())
        line = self.query_one(".message-error", Static)
        line.update(self._error_text())
        line.display = bool(self.error)

    # -- text --------------------------------------------------------------------------------

    def _head(self) -> str:
        label = ROLE_LABELS.get(self.role, self.role.title())
        word = "replying…" if self.live else STATUS_WORDS.get(self.status, "")
        if self.status == "queued":  # sent while a reply streams: it goes when that reply ends
            word = "queued · ctrl+r takes it back"
        return f"{label}  ·  {word}" if word else label

    def _error_text(self) -> str:
        return f"⚠ {self.error}" if self.error else ""
