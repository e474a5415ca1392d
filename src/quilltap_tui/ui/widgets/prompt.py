"""PromptArea: the chat's multi-line prompt. ``enter`` sends; ``ctrl+j`` / ``alt+enter`` add a newline.

Terminals without an extended keyboard protocol send ``alt+enter`` as a plain ``enter`` (the escape
prefix is dropped), so ``ctrl+j`` is the newline key that works everywhere, tmux included.
"""

from __future__ import annotations

from textual import events
from textual.message import Message
from textual.widgets import TextArea

NEWLINE_KEYS = ("ctrl+j", "alt+enter", "shift+enter", "newline")


class PromptArea(TextArea):
    """A TextArea whose ``enter`` posts :class:`PromptArea.Submitted` with the text."""

    DEFAULT_CSS = """
    PromptArea { height: auto; min-height: 3; max-height: 10; border-top: hkey $primary 50%; padding: 0 1; }
    """

    class Submitted(Message):
        """The user pressed enter; ``text`` is what they typed (not yet cleared)."""

        def __init__(self, prompt: PromptArea, text: str) -> None:
            super().__init__()
            self.prompt = prompt
            self.text = text

        @property
        def control(self) -> PromptArea:
            return self.prompt

    def __init__(self, *, placeholder: str = "", id: str | None = None) -> None:
        super().__init__(id=id, soft_wrap=True, show_line_numbers=False, tab_behavior="focus",
                         placeholder=placeholder, compact=True)

    async def _on_key(self, event: events.Key) -> None:
        if event.key == "enter":
            event.stop()
            event.prevent_default()
            self.post_message(self.Submitted(self, self.text))
            return
        if event.key in NEWLINE_KEYS:
            event.stop()
            event.prevent_default()
            start, end = self.selection
            self._replace_via_keyboard("\n", start, end)
            return
        await super()._on_key(event)
