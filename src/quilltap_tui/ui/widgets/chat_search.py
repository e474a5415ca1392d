"""ChatSearch: the chat's search field (``ctrl+f``), above the prompt.

Typing selects the newest message that contains the text (any case) in the conversation: highlighted
and scrolled to, through the conversation's message cursor, so ``c`` / ``b`` copy it after ``esc``.
``enter`` or ``↑`` goes to the next match up (older), ``↓`` back down (newer). Past the oldest match of
a long chat, ``enter`` reads the pages of messages before it (the chat asks for them), one after the
other until one has a match or the chat's first message is on screen.
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Input, Static

from quilltap_tui.ui.widgets.conversation import Conversation
from quilltap_tui.ui.widgets.message import MessageView


class ChatSearch(Horizontal):
    """A one-line search field with a match count; hidden until opened."""

    BINDINGS = [
        Binding("up", "step(1)", "Older match", id="search_older", show=False),
        Binding("down", "step(-1)", "Newer match", id="search_newer", show=False),
        Binding("escape", "close", "Close search", id="search_close"),
    ]
    DEFAULT_CSS = """
    ChatSearch { height: auto; display: none; }
    ChatSearch.-open { display: block; }
    ChatSearch > Input { width: 1fr; }
    ChatSearch > #search-count { width: auto; min-width: 14; height: 3; content-align: left middle;
                                 color: $text-muted; padding: 0 1; }
    """

    class WantsEarlier(Message):
        """Past the oldest match shown: the chat should read the page of messages before it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.matches: list[MessageView] = []  # newest first
        self.index = 0
        self._older_wanted = False  # a page was asked for by stepping past the oldest match

    def compose(self) -> ComposeResult:
        yield Input(placeholder="search this chat · enter/↑ older · ↓ newer · esc closes", id="search-input")
        yield Static("", id="search-count", markup=False)

    @property
    def conversation(self) -> Conversation:
        return self.screen.query_one(Conversation)

    @property
    def needle(self) -> str:
        return self.query_one(Input).value.strip().lower()

    def open(self) -> None:
        self.add_class("-open")
        field = self.query_one(Input)
        field.focus()
        field.select_all()

    def action_close(self) -> None:
        """Hide the field; the match stays selected, and the conversation has the focus (``c`` copies it)."""
        self.remove_class("-open")
        self.conversation.focus()

    @on(Input.Changed)
    def _changed(self) -> None:
        self._find(keep=None)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_step(1)

    def action_step(self, step: int) -> None:
        """Go ``step`` matches older (negative: newer)."""
        if not self.matches:
            return
        wanted = self.index + step
        if wanted >= len(self.matches) and getattr(self.screen, "has_earlier", False):
            self._older_wanted = True
            self._show_count("searching earlier messages…")
            self.post_message(self.WantsEarlier())
            return
        self.index = wanted % len(self.matches)
        self._select()

    @property
    def wants_older(self) -> bool:
        """A step past the oldest match asked for the page being read (the view goes to the next match)."""
        return self._older_wanted

    def page_loaded(self) -> None:
        """An earlier page is on screen: count again; after a step past the oldest, go to the next older."""
        if not self.has_class("-open") or not self.needle:
            return
        oldest = self.matches[-1] if self.matches else None
        self._find(keep=oldest)
        if not self._older_wanted:
            return
        if oldest is not None and self.matches[-1] is not oldest:
            self._older_wanted = False
            self.action_step(1)
        elif getattr(self.screen, "has_earlier", False):
            self.post_message(self.WantsEarlier())  # no match in that page: read the one before it
        else:
            self._older_wanted = False
            self._show_count(f"{self.index + 1} of {len(self.matches)} · the oldest")

    def _find(self, keep: MessageView | None) -> None:
        needle = self.needle
        views = self.conversation.messages()
        self.matches = [view for view in reversed(views) if needle and needle in view.text.lower()]
        self.index = self.matches.index(keep) if keep in self.matches else 0
        if self.matches:
            self._select()
        else:
            self.conversation.select(None)
            self._show_count("no match" if needle else "")

    def _select(self) -> None:
        self.conversation.select(self.matches[self.index])
        self._show_count()

    def _show_count(self, text: str | None = None) -> None:
        if text is None:
            text = f"{self.index + 1} of {len(self.matches)}"
        self.query_one("#search-count", Static).update(text)
