"""The chat's prompt kept as a draft on disk (``services.drafts``): typed words survive a kill -9.

A mixin for :class:`~quilltap_tui.ui.screens.chat.ChatScreen`. The prompt is saved 0.4 s after typing
stops, in a worker thread; a sent message stays the draft until the chat has stored it (the turn's
``MessageStarted`` for the user), so one killed between enter and the database is back in the prompt
at the next start. The draft comes back when the chat opens, unless it is the message stored last.
"""

from __future__ import annotations

from textual import on
from textual.message import Message
from textual.timer import Timer
from textual.widgets import TextArea

from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.tasks import Failed, blocking_work
from quilltap_tui.ui.widgets.prompt import PromptArea

DEBOUNCE = 0.4


class DraftLoaded(Message, bubble=False):
    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text


class DraftLoadFailed(Failed):
    pass


class DraftSaveFailed(Failed):
    pass


class DraftKeeper(BaseScreen):
    """Keeps ``#prompt``'s text as the chat's draft (a base of the chat screen, which sets ``chat_id``)."""

    chat_id: str
    _draft_seq = 0
    _draft_timer: Timer | None = None
    _unstored: str | None = None  # sent, not yet stored by the chat: it stays the draft meanwhile
    _last_user_text: str | None = None
    _draft_ready = False

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        if event.text_area.id != "prompt" or not self._draft_ready:
            return  # not before the stored draft is back: an empty prompt at start-up would delete it
        if not event.text_area.text.strip() and self._unstored is not None:
            return  # the prompt was cleared by sending: the sent text stays the draft until it is stored
        self._unstored = None  # new words (or words given back after a failure) are the draft now
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(DEBOUNCE, self._save_draft)

    def _save_draft(self, text: str | None = None) -> None:
        self._draft_timer = None
        self._draft_seq += 1
        if text is None:
            text = self.query_one(PromptArea).text
        self.write_draft(text, self._draft_seq)

    @blocking_work(group="draft", failure=DraftSaveFailed)
    def write_draft(self, text: str, seq: int) -> None:
        from quilltap_tui.services import drafts

        drafts.save(self.app.ctx, self.chat_id, text, seq)
        return None

    def draft_sent(self, text: str) -> None:
        """``text`` left the prompt: it is the draft until the chat stores it (at once, not debounced)."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._unstored = text
        self._save_draft(text)

    def draft_stored(self) -> None:
        """The chat stored the sent message: the draft is whatever the prompt holds now."""
        if self._unstored is not None:
            self._unstored = None
            self._save_draft()

    def restore_draft(self, last_user_text: str | None) -> None:
        """Put the chat's draft back in the prompt (read in a worker), unless it was stored already."""
        self._last_user_text = last_user_text
        self.read_draft()

    @blocking_work(group="draft_load", failure=DraftLoadFailed)
    def read_draft(self) -> DraftLoaded:
        from quilltap_tui.services import drafts

        return DraftLoaded(drafts.load(self.app.ctx, self.chat_id))

    @on(DraftLoaded)
    def _draft_loaded(self, message: DraftLoaded) -> None:
        text = message.text
        self._draft_ready = True
        prompt = self.query_one(PromptArea)
        restorable = text and not prompt.text and self._unstored is None  # not a message being sent now
        if restorable and text.strip() != (self._last_user_text or "").strip():
            prompt.text = text
            prompt.move_cursor(prompt.document.end)
        elif prompt.text or text:
            self._save_draft()  # words typed while it loaded, or a draft that was stored already

    @on(DraftLoadFailed)
    def _draft_load_failed(self, message: DraftLoadFailed) -> None:
        message.stop()
        self._draft_ready = True

    @on(DraftSaveFailed)
    def _draft_save_failed(self, message: DraftSaveFailed) -> None:
        """A draft that cannot be written (a full disk) must not interrupt typing: the log has it."""
        message.stop()
