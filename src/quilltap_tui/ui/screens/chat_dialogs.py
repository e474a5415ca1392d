"""The dialogs the chat list opens: a new chat (created here, so a refused field shows beside it) and
rename."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from quilltap_tui.services.chat_views import ChatView
from quilltap_tui.textsafe import inert, literal
from quilltap_tui.ui.chat_data import NO_IMAGES, NO_IMAGES_LABEL, best_image_profile, split_tags, tag_ranked
from quilltap_tui.ui.screens.modals import ErrorLine, FormDialog, clear_errors, show_field_error
from quilltap_tui.ui.tasks import Failed, blocking_work


class ChatCreated(Message, bubble=False):
    def __init__(self, chat: ChatView) -> None:
        super().__init__()
        self.chat = chat


class CreateFailed(Failed):
    pass


class NewChatModal(FormDialog):
    """Dismisses with the new chat's :class:`ChatView`, or None."""

    BINDINGS = [*FormDialog.BINDINGS, Binding("ctrl+s", "create", "Create", id="save")]
    HOLD_KEYS_ON_SUBMIT = True  # enter in a field creates the chat: the app keeps what follows for its screen
    SUBMIT, WIDE, FOCUS = ("Create", "create"), True, "#tags"  # enter creates with the preselected defaults

    def __init__(self, snapshot: Any) -> None:
        super().__init__()
        self.snapshot = snapshot
        # The image profile follows the tags typed, until the user picks another one than offered.
        self._auto = self._auto_image([])
        self._creating = False

    def dialog_title(self) -> str:
        return "New chat"

    def ready(self) -> bool:
        return bool(self.snapshot.chat_profiles)

    def compose_fields(self) -> ComposeResult:
        snap = self.snapshot
        if not snap.chat_profiles:
            yield Static("There is no chat profile yet: create one first (F4, then ctrl+n).")
            return
        yield Label("Chat profile")
        yield Select([(literal(p.name), p.name) for p in snap.chat_profiles], allow_blank=False,
                     value=snap.default_chat or snap.chat_profiles[0].name, id="chat-profile")
        yield Label("Tags (comma-separated; image profiles sharing a tag are offered first)")
        yield Input(placeholder="e.g. art, wide", id="tags")
        yield ErrorLine(id="err-tag")
        yield Label("Image profile")
        yield Select(self._image_options([]), allow_blank=False, value=self._auto, id="image-profile")
        yield Label("Title (optional; the first message names the chat otherwise)")
        yield Input(placeholder="New chat", id="title")
        yield ErrorLine(id="err-title")

    def _image_options(self, tags: list[str]) -> list[tuple[str | Text, str]]:
        ranked = tag_ranked(self.snapshot.image_profiles, tags)
        return [(literal(p.name), p.name) for p in ranked] + [(NO_IMAGES_LABEL, NO_IMAGES)]

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

    def action_create(self) -> None:
        """ctrl+s: as the Create button."""
        self.submit()

    def submit(self) -> None:
        """Create the chat here, so a refused field is shown beside it and nothing typed is lost."""
        if self._creating:
            return
        if not self.snapshot.chat_profiles:
            self.app.end_key_hold()  # nothing opens: keys stay with the form
            return
        self.app.hold_keys_until_next_screen()  # what is typed now is for the chat
        image = self.query_one("#image-profile", Select).value
        chat_profile = self.query_one("#chat-profile", Select).value
        title = self.query_one("#title", Input).value.strip()
        clear_errors(self)
        self._creating = True
        self.create(
            chat_profile=chat_profile if isinstance(chat_profile, str) else None,
            image_profile=image if isinstance(image, str) and image != NO_IMAGES else None,
            no_images=image == NO_IMAGES,
            tags=split_tags(self.query_one("#tags", Input).value),
            title=title or None,
        )

    @blocking_work(group="create", failure=CreateFailed)
    def create(self, *, chat_profile: str | None, image_profile: str | None, no_images: bool, tags: list[str],
               title: str | None) -> ChatCreated:
        from quilltap_tui.services import chats

        return ChatCreated(chats.create_chat(self.app.ctx, chat_profile=chat_profile, image_profile=image_profile,
                                             no_images=no_images, tags=tags, title=title))

    @on(ChatCreated)
    def _created(self, message: ChatCreated) -> None:
        self.dismiss(message.chat)

    @on(CreateFailed)
    def _create_failed(self, message: CreateFailed) -> None:
        from quilltap_tui.errors import Invalid, QuilltapError

        message.stop()
        error = message.error
        self._creating = False
        self.app.end_key_hold()  # the form stays: keys typed meanwhile go to it
        if isinstance(error, Invalid):
            show_field_error(self, error.field or "form", error.message)
        else:
            reason = error.message if isinstance(error, QuilltapError) else f"{type(error).__name__}: {error}"
            show_field_error(self, "form", inert(reason))


class RenameModal(FormDialog):
    """Dismisses with the new title, or None."""

    SUBMIT, FOCUS = ("Rename", "rename"), "#new-title"

    def __init__(self, title: str) -> None:
        super().__init__()
        self._title = title

    def dialog_title(self) -> str:
        return "Rename chat"

    def compose_fields(self) -> ComposeResult:
        yield Input(value=self._title, id="new-title")

    def submit(self) -> None:
        title = self.query_one("#new-title", Input).value.strip()
        self.dismiss(title or None)
