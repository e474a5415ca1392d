"""The chat list on the home screen (its dialogs are in ``chat_dialogs``).

``ctrl+n`` new (chat profile, image profile, tags; the defaults preselected, and the image profile
follows the tags typed until the user picks one), ``enter`` opens, ``r`` renames, ``d`` deletes after
a confirmation, ``/`` filters by title, profile, tag or message text. Titles, profiles and tags are
matched at once on the rows in memory; the message text is searched by the database (ids only, read
in a worker, 0.25 s after typing stops), and those chats join the rows shown when the answer comes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import DataTable, Input, Static

from quilltap_tui.lazy_imports import import_once
from quilltap_tui.services.chat_views import ChatView
from quilltap_tui.textsafe import cells, inert
from quilltap_tui.ui.screens.chat_dialogs import NewChatModal, RenameModal
from quilltap_tui.ui.tasks import CORE_MODULES, START_MODULES, blocking_work
from quilltap_tui.ui.widgets.fit import fit_columns, fit_rows
from quilltap_tui.ui.widgets.tables import refill

COLUMNS = ("Title", "Chat profile", "Images", "Msgs", "Updated (UTC)")
DROP_ORDER = (4, 3, 2, 1)  # on a narrow terminal: the date goes first, the chat profile last
TEXT_SEARCH_DELAY = 0.25  # seconds after the last key before the messages are searched

if TYPE_CHECKING:
    from quilltap_tui.ui.app import QuilltapApp


class ChatsRead(Message, bubble=False):
    def __init__(self, ticket: int, chats: list[ChatView]) -> None:
        super().__init__()
        self.ticket = ticket
        self.chats = chats


class TextMatches(Message, bubble=False):
    """The ids of the chats with ``needle`` in a message."""

    def __init__(self, needle: str, ids: list[str]) -> None:
        super().__init__()
        self.needle = needle
        self.ids = ids


class ChatChanged(Message, bubble=False):
    """A chat was renamed or deleted (``verb``): say so and read the list again."""

    def __init__(self, verb: str, chat: ChatView) -> None:
        super().__init__()
        self.verb = verb
        self.chat = chat


class ChatList(Vertical):
    """Every chat, most recent first. The home screen's keys call its ``action_*`` methods."""

    if TYPE_CHECKING:  # Textual's typed app property: `self.app.ctx` and the app's actions are checked
        app = getters.app(QuilltapApp)

    DEFAULT_CSS = """
    ChatList { height: 1fr; }
    ChatList > .list-title { text-style: bold; height: auto; }
    ChatList > #chat-filter { margin: 0; }
    ChatList > #chat-table { height: 1fr; }
    ChatList > #chats-empty { color: $text-muted; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__(id="chats", classes="panel")
        self.chats: list[ChatView] = []
        self.shown: list[ChatView] = []
        self._reloads = 0
        self._new_when_loaded = False
        self._text_matches: tuple[str, set[str]] = ("", set())  # (needle, ids of chats whose messages have it)
        self._text_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static("Chats   ctrl+n new · enter open · r rename · d delete · / filter", classes="list-title")
        yield Input(placeholder="filter by title, profile, tag or message text (esc clears)", id="chat-filter")
        yield Static("Loading chats…", id="chats-empty", markup=False)
        yield DataTable(id="chat-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#chat-filter").display = False
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.reload()

    def reload(self) -> None:
        """Read the chats again (in a thread)."""
        self._reloads += 1
        self.read_chats(self._reloads)

    @blocking_work(group="chats", preload=START_MODULES)
    def read_chats(self, ticket: int) -> ChatsRead:
        # Plain sqlite3 when the database allows it: the list shows without waiting for the ORM's import
        # (the warm-up loads it after); the services pull in SQLAlchemy, which would delay the first paint.
        from quilltap_tui.services import plain_reads

        rows = plain_reads.list_chats(self.app.ctx)
        if rows is None:  # a fresh home, an older schema or PostgreSQL: the ORM creates or migrates
            import_once(*CORE_MODULES)  # under the one import lock, as every other worker's imports
            from quilltap_tui.services import chats

            rows = chats.list_chats(self.app.ctx)
        return ChatsRead(ticket, rows)

    @on(ChatsRead)
    def _chats_read(self, message: ChatsRead) -> None:
        rows = message.chats
        if message.ticket != self._reloads:
            return  # an older read finished after a newer one started (e.g. just before a delete)
        self.chats = rows
        self.render_rows()
        if self.query_one("#chat-filter", Input).value.strip():
            self._search_text()  # a new or renamed chat may match by its messages too

    def render_rows(self) -> None:
        needle = self.query_one("#chat-filter", Input).value.strip().lower()
        in_text = self._text_matches[1] if self._text_matches[0] == needle else set()
        self.shown = [c for c in self.chats if not needle or needle in _haystack(c) or c.id in in_text]
        table = self.query_one(DataTable)
        selected = self.selected()
        rows = [
            (inert(chat.title, keep_newlines=False), chat.chat_profile or "(none)",
             chat.image_profile if chat.images_enabled and chat.image_profile else "off", str(chat.messages),
             chat.updated_at.isoformat()[:16].replace("T", " "))
            for chat in self.shown
        ]
        width = table.size.width or self.content_size.width
        kept = fit_columns(width, COLUMNS, rows, free=0, drop_order=DROP_ORDER)
        headers = tuple(COLUMNS[i] for i in kept)
        fitted = fit_rows(width, headers, [tuple(row[i] for i in kept) for row in rows], free=0)
        # Columns sized to these cells before anything is drawn (widgets/tables.py says why).
        refill(table, ((chat.id, cells(*row)) for chat, row in zip(self.shown, fitted, strict=True)),
               select=selected.id if selected is not None else None, headers=headers)
        searching = bool(needle) and self._text_matches[0] != needle  # the messages' answer is still to come
        empty = "No chats yet: ctrl+n starts one." if not self.chats else (
            "" if self.shown else "Searching the messages…" if searching else "Nothing matches the filter.")
        hint = self.query_one("#chats-empty", Static)
        hint.update(empty)
        hint.display = bool(empty)

    def on_resize(self) -> None:
        if self.chats:
            self.render_rows()  # titles are clipped to the width there is

    def selected(self) -> ChatView | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row is None or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    @on(Input.Changed, "#chat-filter")
    def _filter_changed(self) -> None:
        self.render_rows()
        if self._text_timer is not None:
            self._text_timer.stop()
        self._text_timer = self.set_timer(TEXT_SEARCH_DELAY, self._search_text)

    def _search_text(self) -> None:
        """Ask the database which chats have the filter's text in a message (in a worker)."""
        self._text_timer = None
        needle = self.query_one("#chat-filter", Input).value.strip().lower()
        if not needle:
            return
        self.search_text(needle)

    @blocking_work(group="text_matches")
    def search_text(self, needle: str) -> TextMatches:
        from quilltap_tui.services import chats

        return TextMatches(needle, chats.chats_with_text(self.app.ctx, needle))

    @on(TextMatches)
    def _text_matched(self, message: TextMatches) -> None:
        needle, ids = message.needle, message.ids
        if needle != self.query_one("#chat-filter", Input).value.strip().lower():
            return  # the filter changed while the database searched: a newer search is on its way
        self._text_matches = (needle, set(ids))
        self.render_rows()

    @on(Input.Submitted, "#chat-filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    @on(DataTable.RowSelected, "#chat-table")
    def _row_chosen(self) -> None:
        self.open_selected()

    def filter(self) -> None:
        field = self.query_one("#chat-filter", Input)
        field.display = True
        field.focus()

    def clear_filter(self) -> bool:
        """Esc on the list: clear and hide the filter; False when there was none."""
        field = self.query_one("#chat-filter", Input)
        if not field.display:
            return False
        field.value = ""
        field.display = False
        self.query_one(DataTable).focus()
        return True

    def open_selected(self) -> None:
        chat = self.selected()
        if chat is not None:
            self.open_chat(chat.id)

    def open_chat(self, chat_id: str) -> None:
        from quilltap_tui.ui.screens.chat import ChatScreen

        self.app.push_screen(ChatScreen(chat_id))

    def new_chat(self) -> None:
        snapshot = self.app.snapshot
        if snapshot is None:  # profiles still loading (the vault can take a moment): open when they land
            self._new_when_loaded = True
            self.app.hold_keys_until_loaded()  # what is typed next is for the dialog
            self.notify("Loading your profiles…", timeout=2)
            return
        self._new_when_loaded = False

        def created(chat: ChatView | None) -> None:
            if chat:
                self.created(chat)

        self.app.push_screen(NewChatModal(snapshot), created)

    def snapshot_arrived(self) -> None:
        """The profiles loaded: open the new-chat dialog if ctrl+n was pressed before they did."""
        if self._new_when_loaded:
            self.new_chat()

    def created(self, chat: ChatView) -> None:
        self.reload()
        self.open_chat(chat.id)

    def rename(self) -> None:
        chat = self.selected()
        if chat is None:
            return

        def renamed(title: str | None) -> None:
            if title:
                self.change_chat("Renamed to", chat.id, title)

        self.app.push_screen(RenameModal(chat.title), renamed)

    @blocking_work(group="chat_change")
    def change_chat(self, verb: str, chat_id: str, title: str | None = None) -> ChatChanged:
        """Rename the chat (a ``title``) or delete it (none)."""
        from quilltap_tui.services import chats

        if title is None:
            return ChatChanged(verb, chats.delete_chat(self.app.ctx, chat_id))
        return ChatChanged(verb, chats.rename_chat(self.app.ctx, chat_id, title))

    @on(ChatChanged)
    def _chat_changed(self, message: ChatChanged) -> None:
        text = f"{message.verb} {message.chat.title}."
        self.notify(inert(text, keep_newlines=False), timeout=3, markup=False)
        self.reload()

    def delete(self) -> None:
        chat = self.selected()
        if chat is None:
            return
        from quilltap_tui.ui.screens.modals import ConfirmModal

        body = inert(f"Delete the chat {chat.title!r} and its {chat.messages} messages? "
                     "Images it made stay in the gallery.", keep_newlines=False)

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.change_chat("Deleted", chat.id)

        self.app.push_screen(ConfirmModal("Delete chat", body), confirmed)


def _haystack(chat: ChatView) -> str:
    return " ".join([chat.title, chat.chat_profile or "", chat.image_profile or "", *chat.tags]).lower()
