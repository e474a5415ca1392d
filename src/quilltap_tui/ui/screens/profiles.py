"""Image profiles and chat profiles: a filterable list, opening the edit form."""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import DataTable, Input, Static

from quilltap_tui.provider_ids import badge
from quilltap_tui.services.profile_views import ProfileView
from quilltap_tui.textsafe import cells
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.modals import ConfirmModal
from quilltap_tui.ui.tasks import blocking_work
from quilltap_tui.ui.widgets.tables import refill

COLUMNS = ("", "Name", "Provider", "Model", "Key", "Tags")


class ProfilesScreen(BaseScreen):
    """The list of image (``kind="image"``) or chat (``kind="chat"``) profiles."""

    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("ctrl+n", "new", "New", id="new"),
        Binding("enter", "edit", "Edit", id="open", show=True),
        Binding("delete,d", "delete", "Delete", id="delete"),
        Binding("s", "set_default", "Set default", id="set_default"),
        Binding("slash", "filter", "Filter", id="filter"),
        Binding("i", "image_profile", "Make image profile", id="image_from_chat"),
    ]
    HELP = "Profiles: ★ marks the default. Enter edits, ctrl+n adds, / filters."

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self.title = "Image profiles" if kind == "image" else "Chat profiles"
        self._all: list[ProfileView] = []
        self._shown: list[ProfileView] = []
        self._select: str | None = None  # a profile just saved: the cursor goes there when the list is refilled

    def compose_body(self) -> ComposeResult:
        with Vertical(id="profiles-body"):
            yield Input(placeholder="filter by name, provider, model or tag (esc clears)", id="filter")
            yield DataTable(id="profiles-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="profiles-empty", classes="hint")

    def on_mount(self) -> None:
        self.query_one(DataTable).add_columns(*COLUMNS)
        self.query_one("#filter").display = False
        super().on_mount()
        self.query_one(DataTable).focus()

    def show_snapshot(self, snapshot: Any) -> None:
        self._all = list(snapshot.image_profiles if self.kind == "image" else snapshot.chat_profiles)
        self._render_rows()

    def _render_rows(self) -> None:
        needle = self.query_one("#filter", Input).value.strip().lower()
        self._shown = [p for p in self._all if not needle or needle in _haystack(p)]
        refill(self.query_one(DataTable), ((p.name, cells("★" if p.default else "", p.name,
                                                         badge(p.provider), p.model, p.key or "no key",
                                                         ", ".join(p.tags)))
                                            for p in self._shown), select=self._select)
        self._select = None
        noun = "image" if self.kind == "image" else "chat"
        empty = f"No {noun} profiles yet: ctrl+n creates one." if not self._all else (
            "Nothing matches the filter." if not self._shown else "")
        self.query_one("#profiles-empty", Static).update(empty)

    @on(Input.Changed, "#filter")
    def _filter_changed(self) -> None:
        self._render_rows()

    @on(Input.Submitted, "#filter")
    def _filter_done(self) -> None:
        self.query_one(DataTable).focus()

    def action_filter(self) -> None:
        field = self.query_one("#filter", Input)
        field.display = True
        field.focus()

    def action_back(self) -> None:
        field = self.query_one("#filter", Input)
        if field.display and (field.value or field.has_focus):
            field.value = ""
            field.display = False
            self.query_one(DataTable).focus()
            return
        super().action_back()

    def _selected(self) -> ProfileView | None:
        table = self.query_one(DataTable)
        if not self._shown or table.cursor_row is None or table.cursor_row >= len(self._shown):
            return None
        return self._shown[table.cursor_row]

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        self.action_edit()

    def action_new(self) -> None:
        from quilltap_tui.ui.screens.profile_form import ProfileFormScreen

        self.app.push_screen(ProfileFormScreen(self.kind, None), self._changed)

    def action_edit(self) -> None:
        from quilltap_tui.ui.screens.profile_form import ProfileFormScreen

        profile = self._selected()
        if profile is not None:
            self.app.push_screen(ProfileFormScreen(self.kind, profile), self._changed)

    def action_set_default(self) -> None:
        profile = self._selected()
        if profile is not None:
            self.app.set_default_profile(self.kind, profile.name)

    def action_delete(self) -> None:
        profile = self._selected()
        if profile is None:
            return
        from quilltap_tui.services import profiles

        kind = profiles.IMAGE if self.kind == "image" else profiles.CHAT
        body = f"Delete the {kind.label} {profile.name}? Chats using it keep their history, with no profile."

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_profile(profile.name)

        self.app.push_screen(ConfirmModal("Delete profile", body), confirmed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # "Make image profile" only makes sense on the chat profiles list.
        return self.kind == "chat" if action == "image_profile" else True

    def action_image_profile(self) -> None:
        """Create an image profile from the highlighted chat profile (same key, base URL and tags)."""
        profile = self._selected()
        if profile is None:
            return
        self.make_image_profile(profile.name)

    class Deleted(Message, bubble=False):
        def __init__(self, view: ProfileView) -> None:
            super().__init__()
            self.view = view

    class ImageProfileMade(Message, bubble=False):
        def __init__(self, view: ProfileView) -> None:
            super().__init__()
            self.view = view

    @blocking_work(group="delete")
    def delete_profile(self, name: str) -> Deleted:
        from quilltap_tui.services import profiles

        kind = profiles.IMAGE if self.kind == "image" else profiles.CHAT
        return self.Deleted(profiles.remove(self.app.ctx, kind, name))

    @blocking_work(group="image_profile")
    def make_image_profile(self, chat_profile: str) -> ImageProfileMade:
        from quilltap_tui.services import chats

        return self.ImageProfileMade(chats.image_profile_from_chat_profile(self.app.ctx, chat_profile))

    @on(ImageProfileMade)
    def _image_profile_made(self, message: ImageProfileMade) -> None:
        view = message.view
        key = f"key {view.key}" if view.key else "no key"
        self.notify(f"Created image profile {view.name} ({view.provider} {view.model}, {key}); F3 lists it.",
                    timeout=5, markup=False)
        self.app.refresh_snapshot()

    @on(Deleted)
    def _deleted(self, message: Deleted) -> None:
        self.notify(f"Deleted {message.view.name}.", timeout=3)
        self.app.refresh_snapshot()

    def _changed(self, result: Any) -> None:
        if result:
            self._select = result.name if isinstance(result, ProfileView) else None
            self.app.refresh_snapshot()


def _haystack(profile: ProfileView) -> str:
    return " ".join([profile.name, profile.provider, profile.model, *profile.tags]).lower()
