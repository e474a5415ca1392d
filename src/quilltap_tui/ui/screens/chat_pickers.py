"""The chat screen's header bar: pickers for the chat profile and the image profile.

Profiles whose tags match the chat's tags are listed first; "No image generation" is a choice. A
switch is saved at once (through ``services.chats``) and so takes effect from the next message; a
reply already running keeps the profile it started with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import getters, on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label, Select, Static

from quilltap_tui.services.chat_views import ChatView
from quilltap_tui.textsafe import inert, literal
from quilltap_tui.ui.chat_data import NO_IMAGES, NO_IMAGES_LABEL, picker_label, tag_ranked
from quilltap_tui.ui.tasks import Failed, blocking_work

if TYPE_CHECKING:
    from quilltap_tui.ui.app import QuilltapApp


class SwitchSaved(Message, bubble=False):
    def __init__(self, chat: ChatView) -> None:
        super().__init__()
        self.chat = chat


class SwitchFailed(Failed):
    pass


class ProfilePickers(Horizontal):
    """Two Selects bound to one chat. ``show(chat, snapshot)`` fills them; changes are saved."""

    if TYPE_CHECKING:  # Textual's typed app property: `self.app.ctx` and the app's actions are checked
        app = getters.app(QuilltapApp)


    DEFAULT_CSS = """
    ProfilePickers { height: 1; padding: 0 1; margin-bottom: 1; }
    ProfilePickers > Label { padding: 0 1 0 0; color: $text-muted; }
    ProfilePickers > Select { width: 1fr; max-width: 56; margin-right: 2; }
    ProfilePickers > #chat-tags { color: $text-muted; width: auto; }
    """

    def __init__(self, chat_id: str) -> None:
        super().__init__(id="chat-bar")
        self.chat_id = chat_id
        self.chat: ChatView | None = None

    def compose(self) -> ComposeResult:
        yield Label("Chat profile")
        yield Select[str]([], prompt="pick a chat profile", id="pick-chat", compact=True)
        yield Label("Images")
        yield Select[str]([(NO_IMAGES_LABEL, NO_IMAGES)], id="pick-image", allow_blank=False, compact=True)
        yield Static("", id="chat-tags", markup=False)

    def show(self, chat: ChatView | None, snapshot: Any) -> None:
        """Fill both pickers for ``chat`` from the profiles in ``snapshot``."""
        if chat is not None:
            self.chat = chat
        if self.chat is None or snapshot is None:
            return
        # Filling a picker posts Changed for each intermediate value (set_options selects the first option,
        # "No image generation"); handled later, that looked like a user's choice and switched images off.
        with self.prevent(Select.Changed):
            self._fill(self.chat, snapshot)

    def _fill(self, chat: ChatView, snapshot: Any) -> None:
        tags = list(chat.tags)
        chat_picker = self.query_one("#pick-chat", Select)
        chat_picker.set_options([(literal(picker_label(p, tags)), p.name)
                                 for p in tag_ranked(snapshot.chat_profiles, tags)])
        if chat.chat_profile in snapshot.chat_profile_names:
            chat_picker.value = chat.chat_profile
        image_picker = self.query_one("#pick-image", Select)
        image_picker.set_options([(NO_IMAGES_LABEL, NO_IMAGES), *[
            (literal(picker_label(p, tags)), p.name) for p in tag_ranked(snapshot.image_profiles, tags)]])
        image_picker.value = self.image_value(chat)
        shown = "  #" + " #".join(tags) if tags else ""
        self.query_one("#chat-tags", Static).update(literal(shown))

    @staticmethod
    def image_value(chat: ChatView) -> str:
        """The image picker's value for a chat: its profile, or "no image generation"."""
        return chat.image_profile if chat.images_enabled and chat.image_profile else NO_IMAGES

    @on(Select.Changed, "#pick-chat")
    def _chat_changed(self, event: Select.Changed) -> None:
        value = event.value
        if self.chat is None or not isinstance(value, str) or value == self.chat.chat_profile:
            return  # filled in by show(), not chosen by the user
        self.switch("chat", value)

    @on(Select.Changed, "#pick-image")
    def _image_changed(self, event: Select.Changed) -> None:
        value = event.value
        if self.chat is None or not isinstance(value, str) or value == self.image_value(self.chat):
            return
        self.switch("image", None if value == NO_IMAGES else value)

    @blocking_work(group="switch", failure=SwitchFailed)
    def switch(self, kind: str, name: str | None) -> SwitchSaved:
        """Store the chat's new chat profile (``kind`` "chat") or image profile (None: no images)."""
        from quilltap_tui.services import chats

        if kind == "chat":
            assert name is not None  # the chat picker has no blank choice
            return SwitchSaved(chats.set_chat_profile(self.app.ctx, self.chat_id, name))
        return SwitchSaved(chats.set_image_profile(self.app.ctx, self.chat_id, name))

    @on(SwitchSaved)
    def _switch_saved(self, message: SwitchSaved) -> None:
        chat = message.chat
        self.chat = chat
        what = f"image profile {chat.image_profile}" if chat.images_enabled else "no image generation"
        self.notify(inert(f"From the next message: chat profile {chat.chat_profile}, {what}."),
                    timeout=4, markup=False)
        self.post_message(self.Switched(chat))

    @on(SwitchFailed)
    def _switch_failed(self, message: SwitchFailed) -> None:
        message.stop()
        self.app.report_error(message.error)
        self.show(None, self.app.snapshot)  # put the pickers back to what is stored

    class Switched(Message):
        """The chat's profiles changed (the screen updates the app header)."""

        def __init__(self, chat: ChatView) -> None:
            super().__init__()
            self.chat = chat
