"""Messages sent while a reply streams (or while the chat is still opening) wait in a queue.

A mixin for :class:`~quilltap_tui.ui.screens.chat.ChatScreen`. Each queued message is shown in the
conversation at once, marked "queued", below the reply that is still coming (the reply's later widgets
are mounted above the first queued message). When a reply ends complete, the oldest queued message
is sent as its own turn; nothing is merged. ``ctrl+r`` takes the newest queued message back into the
prompt. When a reply is cancelled (esc) or fails, the queued messages are not sent behind the user's
back: they go back into the prompt, oldest first, for the user to send again or edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.widgets.message import MessageView
from quilltap_tui.ui.widgets.prompt import PromptArea

if TYPE_CHECKING:
    from textual.widget import Widget

    from quilltap_tui.ui.widgets.conversation import Conversation

UNQUEUE_KEY = "ctrl+r"


@dataclass
class QueuedSend:
    """One message waiting for its turn: what was typed, the images attached to it, and its view."""

    text: str
    attached: tuple[str, ...]
    view: MessageView


class SendQueue(BaseScreen):
    """The chat's queue of messages waiting for the running reply (or the chat's history) to end."""

    _queue: list[QueuedSend]

    if TYPE_CHECKING:  # the chat screen's

        @property
        def conversation(self) -> Conversation: ...

    @property
    def queued(self) -> list[str]:
        """The texts waiting to be sent, oldest first."""
        return [item.text for item in self._queue]

    async def enqueue(self, text: str, attached: tuple[str, ...], shown: str) -> None:
        """Show ``shown`` in the conversation as queued; ``text`` goes once the running reply ends."""
        view = MessageView("user", shown, status="queued")
        self._queue.append(QueuedSend(text, attached, view))
        await self.conversation.mount(view)
        self.refresh_bindings()  # the un-queue key shows in the footer now

    async def mount_live(self, widget: Widget) -> None:
        """Mount a widget of the running reply: above the queued messages, which come after it."""
        first = self._queue[0].view if self._queue else None
        if first is not None and first.is_attached:
            await self.conversation.mount(widget, before=first)
        else:
            await self.conversation.mount(widget)

    def next_queued(self) -> QueuedSend | None:
        """Take the oldest queued message to send now (its view stops saying "queued")."""
        if not self._queue:
            return None
        item = self._queue.pop(0)
        item.view.set_status("complete")
        self.refresh_bindings()
        return item

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "unqueue":
            return bool(self._queue)  # the key is in the footer only while something waits
        return super().check_action(action, parameters)

    async def action_unqueue(self) -> None:
        """Take the newest queued message back into the prompt (it will not be sent)."""
        if not self._queue:
            return
        item = self._queue.pop()
        await item.view.remove()
        self._give_back([item.text])
        self.refresh_bindings()
        self.notify("Taken out of the queue: it is back in the prompt.", timeout=3)

    async def unqueue_all(self, why: str) -> None:
        """The reply was cancelled or failed: every queued message goes back into the prompt, unsent."""
        if not self._queue:
            return
        items, self._queue = self._queue, []
        for item in items:
            await item.view.remove()
        self._give_back([item.text for item in items])
        self.refresh_bindings()
        count = "message is" if len(items) == 1 else f"{len(items)} messages are"
        self.notify(f"{why}: your queued {count} back in the prompt, not sent.", timeout=4)

    def _give_back(self, texts: list[str]) -> None:
        prompt: PromptArea = self.query_one(PromptArea)
        parts = [*texts, prompt.text] if prompt.text.strip() else texts
        prompt.text = "\n\n".join(parts)
        prompt.move_cursor(prompt.document.end)
        prompt.focus()
