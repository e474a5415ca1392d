"""The chat screen: the conversation, the profile pickers, a status line and the prompt.

A turn runs ``services.chat_turn.ask`` in an async worker. Its events only go into an inbox (the
worker never touches a widget); a timer drains the inbox on the UI side, merging the text deltas that
arrived since the last drain, and drives the message, tool-call and image widgets. One message per
token would keep the screen's queue so busy that it never found time to lay out and refresh.
``esc`` cancels the worker: the turn loop stores what arrived, marked cancelled,
and the screen shows it so at once. A long chat opens on its newest messages; older ones are read a
page at a time when the view reaches the top (or "load earlier" is pressed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Button

from quilltap_tui.services.chat_views import ChatView
from quilltap_tui.textsafe import inert
from quilltap_tui.ui.chat_data import PAGE, ChatPage, ParsedText, ShownImage
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.chat_draft import DraftKeeper
from quilltap_tui.ui.screens.chat_live import LiveReply
from quilltap_tui.ui.screens.chat_pickers import ProfilePickers
from quilltap_tui.ui.screens.chat_queue import UNQUEUE_KEY, SendQueue
from quilltap_tui.ui.tasks import Failed, async_work, blocking_work
from quilltap_tui.ui.widgets.attachments import AttachmentStrip
from quilltap_tui.ui.widgets.chat_search import ChatSearch
from quilltap_tui.ui.widgets.conversation import Conversation
from quilltap_tui.ui.widgets.history import history_message
from quilltap_tui.ui.widgets.message import MessageView
from quilltap_tui.ui.widgets.prompt import PromptArea
from quilltap_tui.ui.widgets.status import StatusLine
from quilltap_tui.ui.widgets.tool_call import ToolCallView

if TYPE_CHECKING:
    from textual.worker import Worker

    from quilltap_tui.services.context import AppContext
    from quilltap_tui.services.gallery_view import SavedImage
    from quilltap_tui.services.message_views import StoredMessage
    from quilltap_tui.ui.state import Snapshot


# Seconds: the message just sent is drawn once its first request is out, or by then at the latest.
SHOW_SENT_WITHIN = 0.25


def history_widgets(message: StoredMessage, parsed: ParsedText | None = None) -> list[Widget]:
    """The widgets of one stored message: its text (when it has any) and its tool calls with images.

    ``parsed``: the message's text already parsed by the loading worker (the UI thread only builds).
    """
    role = "system" if message.note else message.role
    calls = message.tool_calls
    widgets: list[Widget] = []
    if role != "assistant" or message.content or message.error or not calls:
        widgets.append(history_message(message, role, parsed))
    for call in calls:
        images = [ShownImage.of_stored(i) for i in message.images if i.tool_call_id == call.id]
        widgets.append(ToolCallView(call.name, dict(call.arguments), call_id=call.call_id, status=call.status,
                                    result=dict(call.result), error=call.error, images=images))
    return widgets




class Loaded(Message, bubble=False):
    """The chat and its newest page of messages were read."""

    def __init__(self, page: ChatPage) -> None:
        super().__init__()
        self.page = page


class EarlierLoaded(Message, bubble=False):
    """An earlier page, read when the view reached the top."""

    def __init__(self, page: ChatPage) -> None:
        super().__init__()
        self.page = page


class LoadFailed(Failed):
    pass


class EarlierFailed(Failed):
    pass


class TurnFailed(Failed):
    pass


class Attached(Message, bubble=False):
    def __init__(self, image: SavedImage) -> None:
        super().__init__()
        self.image = image


class Refreshed(Message, bubble=False):
    def __init__(self, chat: ChatView) -> None:
        super().__init__()
        self.chat = chat


class ChatScreen(SendQueue, DraftKeeper, LiveReply, BaseScreen):
    """One chat. ``enter`` sends, ``ctrl+j`` adds a newline, ``esc`` cancels a reply (else goes back)."""

    BINDINGS = [
        Binding("escape", "back", "Back / cancel reply", id="back"),
        Binding("ctrl+l", "focus_prompt", "Prompt", id="focus_prompt"),
        # Before the image keys: the footer is read left to right and cut at the width (80 columns).
        Binding(UNQUEUE_KEY, "unqueue", "Un-queue", id="unqueue"),
        Binding("ctrl+f", "search", "Search", id="search_chat"),
        Binding("ctrl+o", "attach", "Attach image", id="attach_image"),
        Binding("f8", "edit_last_image", "Edit last image", id="edit_last_image"),
    ]
    HELP = ("A chat: enter sends, ctrl+j (or alt+enter) adds a newline, esc cancels a reply. A message sent "
            "while a reply is coming waits in the conversation, marked queued, and goes when the reply ends; "
            "ctrl+r takes the newest queued message back into the prompt. ctrl+f searches the chat; in "
            "the conversation (tab) [ and ] pick a message, c copies it, b its code blocks. Switch the chat "
            "or image profile in the bar at the top; it applies from the next message.")
    # Focused as the screen is composed: focusing it later in on_mount was a second focus change, and each
    # one re-renders the footer's keys (twice) while the chat opens.
    AUTO_FOCUS = "#prompt"

    def __init__(self, chat_id: str) -> None:
        super().__init__()
        self.chat_id = chat_id
        self.chat: ChatView | None = None
        self.first_seq: int | None = None
        self.has_earlier = False
        self.turn_worker: Worker[None] | None = None
        self._turn = 0
        self._cancelled_turn = 0  # the turn esc cancelled last: its held steps still arrive (chat_live._drain)
        self._live: MessageView | None = None
        self._reply_id: str | None = None
        self._calls: dict[str, ToolCallView] = {}
        self._loading_earlier = False
        self._inbox: list[tuple[int, Any]] = []
        self._drain_timer: Timer | None = None
        # Messages sent while a reply streams, or before the history was on screen: each goes in turn.
        self._queue = []
        self._unshown: MessageView | None = None  # the message just sent, until its request is out (show_sent)

    def compose_body(self) -> ComposeResult:
        yield ProfilePickers(self.chat_id)
        with Conversation(id="conversation"):
            yield Button("↑ Load earlier messages", id="load-earlier", compact=True)
        yield ChatSearch(id="chat-search")
        yield StatusLine(id="chat-status")
        yield AttachmentStrip(id="attachments")
        yield PromptArea(placeholder="Type a message (enter sends, ctrl+j adds a newline)", id="prompt")

    def on_mount(self) -> None:
        self.query_one("#load-earlier").display = False
        self.load_chat()
        self.watch(self.conversation, "scroll_y", self._scrolled, init=False)
        super().on_mount()

    @property
    def conversation(self) -> Conversation:
        return self.query_one("#conversation", Conversation)

    @property
    def status(self) -> StatusLine:
        return self.query_one("#chat-status", StatusLine)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.query_one(ProfilePickers).show(self.chat, snapshot)

    def on_screen_resume(self) -> None:
        """Back from a screen opened over the chat (F3, F5…): the header shows this chat's profiles again."""
        if self.chat is not None:
            self._set_chat(self.chat)

    def action_focus_prompt(self) -> None:
        self.query_one(PromptArea).focus()

    def action_search(self) -> None:
        """Open the search field (the text found is highlighted and scrolled to)."""
        self.query_one(ChatSearch).open()

    @on(ChatSearch.WantsEarlier)
    def _search_earlier(self) -> None:
        if self._loading_earlier or not self.has_earlier:
            self.query_one(ChatSearch).page_loaded()
            return
        self.load_earlier()

    # -- loading -------------------------------------------------------------------------------

    @blocking_work(group="load", failure=LoadFailed)
    def load_chat(self) -> Loaded:
        return Loaded(_load_chat(self.app.ctx, self.chat_id))

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.call_later(self._show_loaded, message.page)  # mounting is awaited, after this handler

    async def _show_loaded(self, page: ChatPage) -> None:
        self._set_chat(page.chat)
        self.query_one(ProfilePickers).show(page.chat, self.app.snapshot)
        widgets = _page_widgets(page)
        if widgets:
            # Right after the "load earlier" button: a message sent before the page arrived stays below it.
            await self.conversation.mount_all(widgets, after=self.query_one("#load-earlier"))
        self._set_earlier(page)
        self.follow_end()
        users = [m for m in page.messages if m.role == "user"]
        self.restore_draft(users[-1].content if users else None)
        if not self._queue:
            return
        if page.chat.chat_profile:
            self._send_next()
        else:
            self.status.stop()
            await self.unqueue_all("This chat has no chat profile: pick one in the bar at the top")

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        message.stop()
        self.app.report_error(message.error)
        if self._queue:
            self.status.stop()
            self.call_later(self.unqueue_all, "The chat could not be opened")

    def _set_chat(self, chat: ChatView) -> None:
        self.chat = chat
        self.title = inert(chat.title, keep_newlines=False)
        image = chat.image_profile if chat.images_enabled else "off"
        self.app.update_header(chat.chat_profile or "none", image)

    def _set_earlier(self, page: ChatPage) -> None:
        if page.first_seq is not None:
            self.first_seq = page.first_seq
        self.has_earlier = page.has_earlier
        self.query_one("#load-earlier").display = self.has_earlier

    def follow_end(self) -> None:
        """Follow the newest line again (the chat opened, or the reader sent a message while scrolled up).

        The conversation scrolls there itself, in its next layout pass (see :class:`Conversation`), as it
        does for every growth while it follows. Not ``scroll_end``: that scrolls after the next refresh,
        and a page up pressed in between was undone by it.
        """
        conversation = self.conversation
        conversation.keep_place(None)  # the end, not an older message, is where the view goes
        conversation.following = True
        conversation.refresh(layout=True)

    def _scrolled(self, scroll_y: float) -> None:
        if scroll_y <= 0 and self.has_earlier and self.conversation.max_scroll_y > 0:
            self.load_earlier()

    @on(Button.Pressed, "#load-earlier")
    def load_earlier(self) -> None:
        """Read the page of messages before the oldest one shown."""
        if self._loading_earlier or not self.has_earlier or self.first_seq is None:
            return
        self._loading_earlier = True
        self.read_earlier(self.first_seq)

    @blocking_work(group="earlier", failure=EarlierFailed)
    def read_earlier(self, first_seq: int) -> EarlierLoaded:
        from quilltap_tui.ui.chat_data import load_earlier

        return EarlierLoaded(load_earlier(self.app.ctx, self.chat_id, first_seq, PAGE))

    @on(EarlierLoaded)
    def _earlier_loaded(self, message: EarlierLoaded) -> None:
        self.call_later(self._show_earlier, message.page)

    async def _show_earlier(self, page: ChatPage) -> None:
        self._loading_earlier = False
        widgets = _page_widgets(page)
        shown = self.conversation.children
        anchor = shown[1] if len(shown) > 1 else None  # the oldest message shown so far (after the button)
        searching = self.query_one(ChatSearch).wants_older  # the search scrolls to its match instead
        if widgets and anchor is not None and not searching:
            self.conversation.keep_place(anchor)  # the reader's place, held in the layout pass that moves it
        if widgets:
            await self.conversation.mount_all(widgets, after=self.query_one("#load-earlier"))
        self._set_earlier(page)
        self.query_one(ChatSearch).page_loaded()  # a search going back in time goes on in this page

    @on(EarlierFailed)
    def _earlier_failed(self, message: EarlierFailed) -> None:
        message.stop()
        self._loading_earlier = False
        self.app.report_error(message.error)

    # -- sending and the running turn ----------------------------------------------------------

    @on(PromptArea.Submitted)
    async def send(self, event: PromptArea.Submitted) -> None:
        """Start a turn with the prompt's text."""
        text = event.text.strip()
        if not text:
            return
        if self.chat is not None and not self.chat.chat_profile:
            self.notify("This chat has no chat profile: pick one in the bar at the top.", severity="warning")
            return
        strip = self.query_one(AttachmentStrip)
        attached = tuple(strip.ids)
        shown = text + (f"\n\n[{len(attached)} image(s) attached]" if attached else "")
        # A reply is still coming (it would be merged into this turn), or the history is still being read
        # (starting now would save the message before the page is read and show it twice): it waits, shown
        # as queued, and goes when the reply ends or the page is on screen.
        waits = self.chat is None or self.turn_worker is not None or bool(self._queue)
        if not waits:
            # The turn first, the screen after: drawn now, the message and the status line took the interpreter
            # lock from the turn's thread while it stored the message and built the request (Enter -> request
            # 77 ms in the peer harness, shell-gpt's 11 ms). The message shows once its request is out.
            self._start_turn(text, attached, shown)
        self.draft_sent(event.text)  # kept on disk until the chat has stored it: a kill loses no words
        event.prompt.clear()
        if attached:
            await strip.clear()
        if waits:
            self.follow_end()
            await self.enqueue(text, attached, shown)
            if self.chat is None:
                self.status.start("Opening the chat…")

    def _send_next(self) -> None:
        """Send the oldest queued message as its own turn."""
        item = self.next_queued()
        if item is not None:
            self.follow_end()
            self._start_turn(item.text, item.attached)

    def _start_turn(self, text: str, attached: tuple[str, ...] = (), shown: str | None = None) -> None:
        """Start a turn; ``shown``: the message's text as the conversation shows it, mounted by :meth:`show_sent`
        (once the turn's first request is out, or the turn ended without one) with the status line."""
        self._turn += 1
        self._calls.clear()
        if shown is None:
            self.status.start("Waiting for the model…")
        else:
            self._unshown = MessageView("user", shown)
            # Shown by then in any case: a turn that slow (a database another process holds) has nothing to lose.
            self.set_timer(SHOW_SENT_WITHIN, self.show_sent)
        self.turn_worker = self.run_turn(self._turn, text, attached)

    async def show_sent(self) -> None:
        """Show the message whose turn started (see :meth:`_start_turn`), and the status line if it still runs."""
        view, self._unshown = self._unshown, None
        if view is None:
            return
        self.follow_end()
        if self.turn_worker is not None:
            self.status.start("Waiting for the model…")
        await self.mount_live(view)

    @async_work(group="turn", failure=TurnFailed)
    async def run_turn(self, turn: int, text: str, attached: tuple[str, ...]) -> None:
        """One turn; its events reach the screen through the inbox (``_receive``), its end as a DoneEvent."""
        from quilltap_tui.ui.generation import ask

        await ask(self.app.ctx, self.chat_id, text, lambda event: self._receive(turn, event), attached)

    # -- attachments and "edit this" ---------------------------------------------------------------

    def action_attach(self) -> None:
        """Attach an image (a gallery id or a file) to the next message."""
        from quilltap_tui.ui.screens.attach import AttachModal

        self.app.push_screen(AttachModal(len(self.query_one(AttachmentStrip).ids)), self._attach_ref)

    def _attach_ref(self, ref: str | None) -> None:
        if ref is None:
            return
        if ref == "":
            self.call_later(self.query_one(AttachmentStrip).clear)
            return
        self.attach(ref)

    @blocking_work(group="attach")
    def attach(self, ref: str) -> Attached:
        from quilltap_tui.services.attachments import attach

        return Attached(attach(self.app.ctx, ref))

    @on(Attached)
    def _attached_image(self, message: Attached) -> None:
        self.call_later(self.query_one(AttachmentStrip).add, message.image)
        self.query_one(PromptArea).focus()

    def action_edit_last_image(self) -> None:
        """"Edit this" on the newest image of the chat: a prompt dialog, then the edit runs."""
        ids = [image.id for view in self.query(ToolCallView) for image in view.images if image.id]
        if not ids:
            self.notify("No image in this chat yet.", timeout=3)
            return
        self.app.action_edit_image(ids[-1])

    def _turn_over(self, status: str = "complete") -> None:
        self.turn_worker = None
        self.status.stop()
        self.refresh_chat()
        if status != "error":  # complete, or stopped at the tool-round limit: the reply is over
            self._send_next()
        elif self._queue:
            self.call_later(self.unqueue_all, "The reply failed")

    @blocking_work(group="refresh")
    def refresh_chat(self) -> Refreshed:
        from quilltap_tui.services import chats

        return Refreshed(chats.get_chat(self.app.ctx, self.chat_id))

    @on(TurnFailed)
    def _turn_failed(self, message: TurnFailed) -> None:
        message.stop()
        self.call_later(self._show_failure, message.error)

    async def _show_failure(self, error: BaseException) -> None:
        from quilltap_tui.errors import QuilltapError, VaultLocked

        await self.show_sent()
        await self._end_live("error")
        from quilltap_tui.ui.app import is_plain_lock

        reason = error.message if isinstance(error, QuilltapError) else (
            f"The reply failed unexpectedly ({type(error).__name__}); details are in the log (F6).")
        if is_plain_lock(error):  # not the command line's advice: the unlock dialog opens below
            reason = "The key vault is locked; unlock it, then send again."
        await self.mount_live(MessageView("error", f"Not sent: {reason}"))
        self._turn_over("error")
        if isinstance(error, VaultLocked):
            self.app.report_error(error)

    @on(Refreshed)
    def _refreshed(self, message: Refreshed) -> None:
        chat = message.chat
        self._set_chat(chat)
        self.query_one(ProfilePickers).chat = chat

    def cancel_reply(self) -> None:
        """Stop the running turn; what arrived stays on screen (and in the database), marked cancelled."""
        worker, self.turn_worker = self.turn_worker, None
        if worker is None:
            if self._queue:  # not started yet: nothing reached the model or the database
                self.status.stop()
                self.call_later(self.unqueue_all, "Cancelled before it was sent")
            return
        worker.cancel()
        self._cancelled_turn = self._turn
        for view in self._calls.values():
            view.set_cancelled()
        self.call_later(self.show_sent)  # sent before esc: it is in the chat (stored first), and shown
        self.call_later(self._end_live, "cancelled")
        self.status.stop()
        if self._queue:
            self.call_later(self.unqueue_all, "Reply cancelled; what arrived is kept")
        else:
            self.notify("Reply cancelled; what arrived is kept.", timeout=3)

    def action_back(self) -> None:
        if self.turn_worker is not None or self._queue:
            self.cancel_reply()
            return
        self.app.update_header()
        super().action_back()

    @on(ProfilePickers.Switched)
    def _switched(self, message: ProfilePickers.Switched) -> None:
        self._set_chat(message.chat)

    def on_unmount(self) -> None:
        if self.turn_worker is not None:  # leaving the chat cancels its reply (the loop saves what arrived)
            self.turn_worker.cancel()
            self.app.notify("You left the chat: its reply was cancelled, what arrived is kept.", timeout=4)
        if self._queue:  # never sent behind the user's back once they have left
            count = "message was" if len(self._queue) == 1 else f"{len(self._queue)} messages were"
            self.app.notify(f"You left the chat: your queued {count} not sent.", severity="warning", timeout=5)


def _page_widgets(page: ChatPage) -> list[Widget]:
    return [w for m in page.messages for w in history_widgets(m, page.parsed.get(m.id))]



def _load_chat(ctx: AppContext, chat_id: str) -> ChatPage:
    from quilltap_tui.ui.chat_data import load_chat

    return load_chat(ctx, chat_id)
