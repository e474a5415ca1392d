"""The chat list on the home screen, and the dialogs it opens: new chat and rename.

``ctrl+n`` new (chat profile, image profile, tags; the defaults preselected, and the image profile
follows the tags typed until the user picks one), ``enter`` opens, ``r`` renames, ``d`` deletes after
a confirmation, ``/`` filters by title, profile or tag.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, DataTable, Input, Label, Select, Static

from quilltap_tui.textsafe import inert
from quilltap_tui.ui.chat_data import NO_IMAGES, NO_IMAGES_LABEL, best_image_profile, split_tags, tag_ranked
from quilltap_tui.ui.screens.base import BaseModal
from quilltap_tui.ui.screens.modals import ErrorLine, clear_errors, show_field_error
from quilltap_tui.ui.tasks import ServiceCalls
from quilltap_tui.ui.widgets.fit import fit_rows

COLUMNS = ("Title", "Chat profile", "Images", "Msgs", "Updated (UTC)")


class ChatList(ServiceCalls, Vertical):
    """Every chat, most recent first. The home screen's keys call its ``action_*`` methods."""

    DEFAULT_CSS = """
    ChatList { height: 1fr; }
    ChatList > .list-title { text-style: bold; height: 1; }
    ChatList > #chat-filter { margin: 0; }
    ChatList > #chat-table { height: 1fr; }
    ChatList > #chats-empty { color: $text-muted; height: auto; }
    """

    def __init__(self) -> None:
        super().__init__(id="chats", classes="panel")
        self.chats: list[dict[str, Any]] = []
        self.shown: list[dict[str, Any]] = []
        self._reloads = 0
        self._new_when_loaded = False

    def compose(self) -> ComposeResult:
        yield Static("Chats   ctrl+n new · enter open · r rename · d delete · / filter", classes="list-title")
        yield Input(placeholder="filter by title, profile or tag (esc clears)", id="chat-filter")
        yield Static("Loading chats…", id="chats-empty", markup=False)
        yield DataTable(id="chat-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#chat-filter").display = False
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.reload()

    def reload(self) -> None:
        """Read the chats again (in a thread)."""
        self._reloads += 1
        ticket, ctx = self._reloads, self.app.ctx  # type: ignore[attr-defined]

        def load() -> tuple[int, list[dict[str, Any]]]:
            # Imported in the worker: the services pull in SQLAlchemy, which would delay the first paint.
            from quilltap_tui.services import chats

            return ticket, chats.list_chats(ctx)

        self.call_blocking("chats", load)

    def done_chats(self, result: tuple[int, list[dict[str, Any]]]) -> None:
        ticket, rows = result
        if ticket != self._reloads:
            return  # an older read finished after a newer one started (e.g. just before a delete)
        self.chats = rows
        self.render_rows()

    def render_rows(self) -> None:
        needle = self.query_one("#chat-filter", Input).value.strip().lower()
        self.shown = [c for c in self.chats if not needle or needle in _haystack(c)]
        table = self.query_one(DataTable)
        selected = self.selected()
        table.clear()
        rows = [
            (inert(chat["title"], keep_newlines=False), chat["chat_profile"] or "(none)",
             chat["image_profile"] if chat["images_enabled"] else "off", str(chat["messages"]),
             chat["updated_at"][:16].replace("T", " "))
            for chat in self.shown
        ]
        fitted = fit_rows(table.size.width or self.content_size.width, COLUMNS, rows, free=0)
        for chat, row in zip(self.shown, fitted, strict=True):
            table.add_row(*row, key=chat["id"])
        if selected is not None and any(c["id"] == selected["id"] for c in self.shown):
            table.move_cursor(row=table.get_row_index(selected["id"]))
        empty = "No chats yet: ctrl+n starts one." if not self.chats else (
            "Nothing matches the filter." if not self.shown else "")
        hint = self.query_one("#chats-empty", Static)
        hint.update(empty)
        hint.display = bool(empty)

    def on_resize(self) -> None:
        if self.chats:
            self.render_rows()  # titles are clipped to the width there is

    def selected(self) -> dict[str, Any] | None:
        table = self.query_one(DataTable)
        if not self.shown or table.cursor_row is None or not 0 <= table.cursor_row < len(self.shown):
            return None
        return self.shown[table.cursor_row]

    @on(Input.Changed, "#chat-filter")
    def _filter_changed(self) -> None:
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
            self.open_chat(chat["id"])

    def open_chat(self, chat_id: str) -> None:
        from quilltap_tui.ui.screens.chat import ChatScreen

        self.app.push_screen(ChatScreen(chat_id))

    def new_chat(self) -> None:
        snapshot = getattr(self.app, "snapshot", None)
        if snapshot is None:  # profiles still loading (the vault can take a moment): open when they land
            self._new_when_loaded = True
            self.notify("Loading your profiles…", timeout=2)
            return
        self._new_when_loaded = False

        def created(chat: dict[str, Any] | None) -> None:
            if chat:
                self.done_created(chat)

        self.app.push_screen(NewChatModal(snapshot), created)

    def snapshot_arrived(self) -> None:
        """The profiles loaded: open the new-chat dialog if ctrl+n was pressed before they did."""
        if self._new_when_loaded:
            self.new_chat()

    def done_created(self, chat: dict[str, Any]) -> None:
        self.reload()
        self.open_chat(chat["id"])

    def rename(self) -> None:
        chat = self.selected()
        if chat is None:
            return

        def renamed(title: str | None) -> None:
            if title:
                from quilltap_tui.services import chats

                self.call_blocking("renamed", chats.rename_chat, self.app.ctx, chat["id"], title)  # type: ignore[attr-defined]

        self.app.push_screen(RenameModal(chat["title"]), renamed)

    def done_renamed(self, chat: dict[str, Any]) -> None:
        self.notify(inert(f"Renamed to {chat['title']}.", keep_newlines=False), timeout=3, markup=False)
        self.reload()

    def delete(self) -> None:
        chat = self.selected()
        if chat is None:
            return
        from quilltap_tui.ui.screens.modals import ConfirmModal

        body = inert(f"Delete the chat {chat['title']!r} and its {chat['messages']} messages? "
                     "Images it made stay in the gallery.", keep_newlines=False)

        def confirmed(yes: bool | None) -> None:
            if yes:
                from quilltap_tui.services import chats

                self.call_blocking("deleted", chats.delete_chat, self.app.ctx, chat["id"])  # type: ignore[attr-defined]

        self.app.push_screen(ConfirmModal("Delete chat", body), confirmed)

    def done_deleted(self, chat: dict[str, Any]) -> None:
        self.notify(inert(f"Deleted {chat['title']}.", keep_newlines=False), timeout=3, markup=False)
        self.reload()


def _haystack(chat: dict[str, Any]) -> str:
    return " ".join([chat["title"], chat["chat_profile"] or "", chat["image_profile"] or "", *chat["tags"]]).lower()


class NewChatModal(BaseModal):
    """Dismisses with the keyword arguments of ``services.chats.create_chat``, or None."""

    BINDINGS = [*BaseModal.BINDINGS, Binding("ctrl+s", "create", "Create", id="save")]

    def __init__(self, snapshot: Any) -> None:
        super().__init__()
        self.snapshot = snapshot
        # The image profile follows the tags typed, until the user picks another one than offered.
        self._auto = self._auto_image([])
        self._creating = False

    def compose(self) -> ComposeResult:
        snap = self.snapshot
        with Vertical(classes="dialog wide"):
            yield Label("New chat", classes="dialog-title")
            if not snap.chat_profiles:
                yield Static("There is no chat profile yet: create one first (F4, then ctrl+n).")
                yield Button("Close", id="cancel")
                return
            yield Label("Chat profile")
            yield Select([(p["name"], p["name"]) for p in snap.chat_profiles], allow_blank=False,
                         value=snap.default_chat or snap.chat_profiles[0]["name"], id="chat-profile")
            yield Label("Tags (comma-separated; image profiles sharing a tag are offered first)")
            yield Input(placeholder="e.g. art, wide", id="tags")
            yield ErrorLine(id="err-tag")
            yield Label("Image profile")
            yield Select(self._image_options([]), allow_blank=False, value=self._auto, id="image-profile")
            yield Label("Title (optional; the first message names the chat otherwise)")
            yield Input(placeholder="New chat", id="title")
            yield ErrorLine(id="err-title")
            yield ErrorLine(id="err-form")
            with Horizontal(classes="buttons"):
                yield Button("Create", id="create", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.snapshot.chat_profiles:
            self.query_one("#tags", Input).focus()  # enter creates with the preselected defaults

    def _image_options(self, tags: list[str]) -> list[tuple[str, str]]:
        ranked = tag_ranked(self.snapshot.image_profiles, tags)
        return [(inert(p["name"]), p["name"]) for p in ranked] + [(NO_IMAGES_LABEL, NO_IMAGES)]

    def _auto_image(self, tags: list[str]) -> str:
        return best_image_profile(self.snapshot.image_profiles, tags) or NO_IMAGES

    @on(Input.Changed, "#tags")
    def _tags_changed(self, event: Input.Changed) -> None:
        tags = split_tags(event.value)
        picker = self.query_one("#image-profile", Select)
        current = picker.value
        following = current == self._auto
        self._auto = self._auto_image(tags)
        picker.set_options(self._image_options(tags))
        picker.value = self._auto if following or current == Select.BLANK else current

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_create()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "create":
            self.action_create()
        else:
            self.dismiss(None)

    def action_create(self) -> None:
        """Create the chat here, so a refused field is shown beside it and nothing typed is lost."""
        if not self.snapshot.chat_profiles or self._creating:
            return
        from quilltap_tui.services import chats

        image = self.query_one("#image-profile", Select).value
        title = self.query_one("#title", Input).value.strip()
        clear_errors(self)
        self._creating = True
        self.call_blocking(
            "create", chats.create_chat, self.app.ctx,  # type: ignore[attr-defined]
            chat_profile=self.query_one("#chat-profile", Select).value,
            image_profile=image if isinstance(image, str) and image != NO_IMAGES else None,
            no_images=image == NO_IMAGES,
            tags=split_tags(self.query_one("#tags", Input).value),
            title=title or None,
        )

    def done_create(self, chat: dict[str, Any]) -> None:
        self.dismiss(chat)

    def failed_create(self, error: BaseException) -> None:
        from quilltap_tui.errors import Invalid, QuilltapError

        self._creating = False
        if isinstance(error, Invalid):
            show_field_error(self, error.field or "form", error.message)
        else:
            reason = error.message if isinstance(error, QuilltapError) else f"{type(error).__name__}: {error}"
            show_field_error(self, "form", inert(reason))


class RenameModal(BaseModal):
    """Dismisses with the new title, or None."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Rename chat", classes="dialog-title")
            yield Input(value=self._title, id="new-title")
            with Horizontal(classes="buttons"):
                yield Button("Rename", id="rename", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#new-title", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "rename":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        title = self.query_one("#new-title", Input).value.strip()
        self.dismiss(title or None)
