"""Finished messages from a chat's history, built for opening a long chat fast.

A ``MessageView`` made for a stored message renders its text the way a streamed reply ends: the
``Markdown`` widget mounts empty, then parses the text (a new parser per message, in an executor)
and mounts its blocks in a second pass; every message is five or more widgets. Here the text is
parsed in the loading worker (``chat_data.parse_text``) and:

* ``InlineMessageView``: a message that is paragraphs only (most chat turns) is ONE widget that draws
  its header, text and error line itself, with the same styles the Markdown paragraphs would use;
* ``TreeMessageView``: any other message gets the same widget tree a streamed message ends with, its
  Markdown blocks built from the worker's tokens and mounted together with the message (one pass).

Both are ``MessageView`` subclasses (queries, ``role``, ``text``, ``status`` work as for any message)
and look exactly like a finished streamed message (a test compares the rendered cells).
"""

from __future__ import annotations

from collections.abc import Sequence

from markdown_it.token import Token
from textual import events
from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Static

from quilltap_tui.services.message_views import StoredMessage
from quilltap_tui.textsafe import inert
from quilltap_tui.ui.chat_data import InlineText, ParsedText, parse_text
from quilltap_tui.ui.widgets.message import INLINE_STYLES_CSS, MessageView, TimedMarkdown, styled_inline


def history_message(message: StoredMessage, role: str, parsed: ParsedText | None = None) -> MessageView:
    """The view of one stored message (from ``services.chats.get_messages``).

    ``parsed``: its inert text already parsed by the loading worker; parsed here when not given.
    """
    status, error, message_id, text = message.status, message.error, message.id, message.content
    if role == "user":  # what the user typed, as typed: line breaks kept, no Markdown
        plain = InlineText(inert(text), ())
        return InlineMessageView(role, text, inline=plain, status=status, error=error, message_id=message_id)
    parsed = parsed if parsed is not None else parse_text(inert(text))
    if parsed.inline is not None:
        return InlineMessageView(role, text, inline=parsed.inline, status=status, error=error, message_id=message_id)
    return TreeMessageView(role, text, tokens=parsed.tokens, status=status, error=error, message_id=message_id)


class PrebuiltMarkdown(TimedMarkdown):
    """A Markdown widget whose blocks come from tokens parsed beforehand (no parse at mount)."""

    def __init__(self, text: str, tokens: Sequence[Token]) -> None:
        super().__init__(text or None)
        self._tokens = list(tokens)

    def compose(self) -> ComposeResult:
        # What ``Markdown.update`` records, so a later ``update``/``append`` continues from here.
        self._markdown = self._initial_markdown or ""
        self._initial_markdown = None
        lines = self._markdown.splitlines()
        self._last_parsed_line = len(lines) - (1 if lines and lines[-1] else 0)
        self._theme = self.app.theme
        tokens, self._tokens = self._tokens, []
        yield from self._parse_markdown(tokens)

    async def _on_mount(self, event: events.Mount) -> None:  # type: ignore[override]  # Widget's is sync, Markdown's async
        # Markdown's own mount handler would parse the text again and replace the blocks composed above.
        event.prevent_default()
        self._trim_last_margin()  # as a finished streamed message: no blank line under its last block


class TreeMessageView(MessageView):
    """A stored message with block Markdown (lists, code, tables…): the usual tree, mounted in one pass."""

    def __init__(self, role: str, text: str = "", *, tokens: Sequence[Token], status: str = "complete",
                 error: str | None = None, message_id: str | None = None) -> None:
        super().__init__(role, text, status=status, error=error, message_id=message_id)
        self._tokens = list(tokens)

    def compose(self) -> ComposeResult:
        yield Static(self._head(), classes="message-head", markup=False)
        yield PrebuiltMarkdown(self.text, self._tokens)
        error = Static(self._error_text(), classes="message-error", markup=False)
        error.display = bool(self.error)
        yield error


class InlineMessageView(MessageView):
    """A stored message of plain paragraphs, drawn by this one widget (no children).

    The header and error line use the ``message-head`` / ``message-error`` styles of ``MessageView``'s
    CSS (as component classes), the text the inline styles of Textual's Markdown paragraphs.
    """

    COMPONENT_CLASSES = {"message-head", "message-error", "em", "strong", "s", "code_inline"}
    DEFAULT_CSS = """
    InlineMessageView {
    """ + INLINE_STYLES_CSS + """
    }
    """

    def __init__(self, role: str, text: str = "", *, inline: InlineText, status: str = "complete",
                 error: str | None = None, message_id: str | None = None) -> None:
        super().__init__(role, text, status=status, error=error, message_id=message_id)
        self.inline = inline

    @property
    def is_container(self) -> bool:
        return False  # it draws itself: its height is that of its render, not of a (vertical) layout

    def compose(self) -> ComposeResult:
        yield from ()

    def _on_mount(self, event: events.Mount) -> None:
        # MessageView's mount handler sets up child widgets this view does not have.
        event.prevent_default()

    def render(self) -> Content:
        # Full (not partial) styles: ``$text-muted`` is an "auto" colour, which needs the background under it.
        parts = [Content.styled(self._head(), self.get_visual_style("message-head"))]
        if self.inline.text:
            parts.append(styled_inline(self.inline))
        if self.error:
            parts.append(Content.styled(self._error_text(), self.get_visual_style("message-error")))
        return Content("\n").join(parts)

    def set_status(self, status: str, error: str | None = None) -> None:
        """Show a new state (and error text) in the header."""
        self.status = status
        if error is not None:
            self.error = inert(error)
        self.refresh(layout=True)

    async def action_link(self, href: str) -> None:
        """A link in the text was clicked: open it, as the Markdown widget does."""
        self.app.open_url(href)

