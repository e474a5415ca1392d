"""The running reply on the chat screen: the turn's events reach the widgets from here.

The turn's worker only appends its events to an inbox; a timer drains it on the UI side, merging the
text deltas that arrived since the last drain, and drives the message, tool-call and image widgets.
One message per token would keep the screen's queue so busy that it never found time to lay out.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.css.query import NoMatches

from quilltap_tui.chat import events as ev
from quilltap_tui.chat.events import TextEvent  # stdlib-only: cheap to import with the chat screen
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.widgets.message import MessageView
from quilltap_tui.ui.widgets.status import STREAMING_TICK
from quilltap_tui.ui.widgets.tool_call import ToolCallView

if TYPE_CHECKING:
    from textual.timer import Timer
    from textual.widget import Widget
    from textual.worker import Worker

    from quilltap_tui.ui.widgets.conversation import Conversation
    from quilltap_tui.ui.widgets.status import StatusLine

TEXT_BATCH = 0.05  # seconds: reply text is handed to the message widget at most this often
KEPT_NOTE = "Your message is kept in this chat: send it again once this is fixed."


class LiveReply(BaseScreen):
    """Base of :class:`~quilltap_tui.ui.screens.chat.ChatScreen`: the inbox and the live widgets."""

    _inbox: list[tuple[int, Any]]
    _turn: int
    _cancelled_turn: int
    _drain_timer: Timer | None
    _live: MessageView | None
    _reply_id: str | None
    _calls: dict[str, ToolCallView]
    turn_worker: Worker[None] | None

    if TYPE_CHECKING:  # the chat screen's

        @property
        def conversation(self) -> Conversation: ...

        @property
        def status(self) -> StatusLine: ...

        def _turn_over(self, status: str = "complete") -> None: ...

        async def mount_live(self, widget: Widget) -> None: ...

        def draft_stored(self) -> None: ...

        async def show_sent(self) -> None: ...

    def _receive(self, turn: int, event: Any) -> None:
        """The turn's event sink: queue the event; text waits for the next batch, the rest goes at once."""
        self._inbox.append((turn, event))
        urgent = not isinstance(event, TextEvent)
        if self._drain_timer is None or urgent:
            if self._drain_timer is not None:
                self._drain_timer.stop()
            self._drain_timer = self.set_timer(0.001 if urgent else TEXT_BATCH, self._drain)

    async def _drain(self) -> None:
        self._drain_timer = None
        batch, self._inbox = self._inbox, []
        text: list[str] = []
        for turn, event in batch:
            if not self._drawable():
                return  # the app is closing (ctrl+q while a reply streams): nothing left to draw into
            if turn != self._turn or self.turn_worker is None:
                if turn == self._turn == self._cancelled_turn:
                    await self._held_at_cancel(event)
                continue  # what a cancelled turn still had in flight
            await self.show_sent()  # the turn's first event: its request is out (chat/loop.py holds it till then)
            if isinstance(event, TextEvent):
                text.append(event.delta)
                continue
            if text:
                await self._text("".join(text))
                text.clear()
            await self._handle(event)
        if text and self._drawable():
            await self._text("".join(text))

    async def _held_at_cancel(self, event: Any) -> None:
        """A step the turn held until its next request and handed on as esc ended it (chat/loop.py): a tool call
        (shown cancelled, as the turn stored it) and a result stored before the cancel (its image is kept)."""
        if isinstance(event, ev.ToolCallStarted) and event.id not in self._calls:
            view = ToolCallView(event.name, dict(event.arguments), call_id=event.id, status="cancelled",
                                error=ev.CANCELLED)
            self._calls[event.id] = view
            await self.mount_live(view)
        elif isinstance(event, ev.ToolResultEvent) and (done := self._calls.get(event.id)) is not None:
            done.set_result(event.ok, event.result)

    def _drawable(self) -> bool:
        """The conversation is still on screen (not so while the app closes: detached, or already removed)."""
        try:
            return self.conversation.is_attached
        except NoMatches:
            return False

    async def _handle(self, event: Any) -> None:
        if isinstance(event, ev.MessageStarted) and event.role == "user":
            self.draft_stored()  # the sent words are in the chat now
        if isinstance(event, ev.MessageStarted) and event.role == "assistant":
            await self._end_live()
            self._reply_id = event.message_id  # its view is mounted with the first text (none for a bare tool call)
        elif isinstance(event, ev.ToolCallStarted):
            await self._tool_started(event)
        elif isinstance(event, ev.ToolResultEvent):
            view = self._calls.get(event.id)
            if view is not None:
                view.set_result(event.ok, event.result)
            if all(v.status not in ("pending", "running") for v in self._calls.values()):
                self.status.set_label("Waiting for the model…")
        elif isinstance(event, ev.PartialImageEvent):
            partial_view = self._calls.get(event.call_id)
            if partial_view is not None:
                partial_view.show_partial(event.data)
        elif isinstance(event, ev.ProgressEvent):  # a queueing provider's position or progress
            progress_view = self._calls.get(event.call_id)
            if progress_view is not None:
                progress_view.set_progress(event.note)
        elif isinstance(event, ev.RetryEvent):
            view = self._calls.get(event.call_id) if event.call_id else None
            if view is not None:
                view.set_note(event.note)
            self.status.set_label(event.note[0].upper() + event.note[1:] + "…")
        elif isinstance(event, ev.ErrorEvent):
            # As the command line says: the chat keeps the user's message (it is stored before the call).
            await self.mount_live(MessageView("error", f"{event.message} {KEPT_NOTE}"))
        elif isinstance(event, ev.DoneEvent):
            await self._end_live("error" if event.status == "error" else "complete")
            self._turn_over(event.status)

    async def _text(self, delta: str) -> None:
        if self._live is None:
            self._live = MessageView("assistant", status="streaming", message_id=self._reply_id, live=True)
            await self.mount_live(self._live)
        self._live.add_text(delta)
        self.status.set_label("Replying…", tick=STREAMING_TICK)  # the streaming text shows progress

    async def _tool_started(self, event: Any) -> None:
        await self._end_live()
        view = ToolCallView(event.name, dict(event.arguments), call_id=event.id, status="running")
        self._calls[event.id] = view
        await self.mount_live(view)
        label = "Making an image…" if view.makes_images else f"Running {view.call_name}…"
        self.status.set_label(label)

    async def _end_live(self, status: str = "complete", error: str | None = None) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.finish(status, error)

