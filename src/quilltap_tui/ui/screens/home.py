"""The home screen: the chat list, the setup checklist and the ways to every other screen."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from quilltap_tui.textsafe import markup_escape
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.chat_list import ChatList

# Besides the screen table's rows: the app-wide keys a new user needs, by binding id (remappable too).
GLOBAL_KEYS = (("generate", "generate an image"), ("command_palette", "command palette"), ("help", "help"),
               ("quit", "quit"))


def navigation_text(key_for: Callable[[str], str | None]) -> str:
    """The "Go to" panel: every screen of the table and the app-wide keys, each with its key as remapped
    (``key_for``: binding id -> key). One column: two wrapped in the side panel below about 130 terminal
    columns, the label of one key landing under the key of another; a row whose key was unbound is left out."""
    from quilltap_tui.ui.screens.registry import SCREENS

    items = [(key_for(entry.binding_id), entry.title) for entry in SCREENS if entry.key]
    items += [(key_for(binding_id), what) for binding_id, what in GLOBAL_KEYS]
    rows = [f"  {_key_label(key):<7} {what}" for key, what in items if key]
    return "[b]Go to[/b]\n\n" + markup_escape("\n".join(rows))


def _key_label(key: str | None) -> str:
    """F-keys as printed on the keyboard (F2), the rest as typed (ctrl+g)."""
    key = key or ""
    return key.upper() if key[:1] == "f" and key[1:].isdigit() else key


class HomeScreen(BaseScreen):
    """First screen: drawn at once, filled in when the snapshot arrives."""

    HELP = "The start screen: your chats, setup status and where to go next."
    # Below 110 columns the side panels take a fixed, slimmer width, so the chat list keeps the rest; below 30
    # rows the "Go to" panel (the footer, F1 and ctrl+p say the same) makes way for the setup checklist.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]
    BINDINGS = [
        Binding("escape", "back", "Clear filter", id="back", show=False),
        Binding("ctrl+n", "new_chat", "New chat", id="new_chat"),
        Binding("r", "rename_chat", "Rename", id="rename_chat"),
        Binding("delete,d", "delete_chat", "Delete", id="delete_chat"),
        Binding("slash", "filter_chats", "Filter", id="filter_chats"),
    ]

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="home"):
            yield ChatList()
            with Vertical(id="home-side"):
                yield Static("[b]Setup[/b]\n\nLoading…", id="setup", classes="panel")
                yield Static(navigation_text(self.app.key_for), id="navigation", classes="panel")

    @property
    def chat_list(self) -> ChatList:
        return self.query_one(ChatList)

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#chat-table").focus()

    def on_screen_resume(self) -> None:
        """Back from a chat: its title or message count may have changed; the header shows defaults again."""
        if self.is_mounted and self.query(ChatList):
            self.chat_list.reload()
        update = getattr(self.app, "update_header", None)
        if update is not None:
            update()

    def action_new_chat(self) -> None:
        self.chat_list.new_chat()

    def action_rename_chat(self) -> None:
        self.chat_list.rename()

    def action_delete_chat(self) -> None:
        self.chat_list.delete()

    def action_filter_chats(self) -> None:
        self.chat_list.filter()

    def action_back(self) -> None:
        """Nothing is under the home screen: esc only clears the chat filter."""
        self.chat_list.clear_filter()

    def show_snapshot(self, snapshot: Any) -> None:
        self.query_one("#setup", Static).update(setup_text(snapshot))
        self.chat_list.snapshot_arrived()


def setup_text(snapshot: Any) -> str:
    """The checklist a new user walks down: key, image profile, chat profile."""
    if snapshot.error:
        return f"[b]Setup[/b]\n\nCould not read your data: {_plain(str(snapshot.error))}"

    def line(done: bool, text: str, default: str | None = None) -> str:
        mark = f"  {'[green]✓[/]' if done else '[yellow]·[/]'} {text}"
        # The default goes on a line of its own, under the text: on one line the pair wrapped in the side
        # panel at 80 and 120 columns, its second half starting at the panel's edge ("default:" / "x (F3)").
        return mark if default is None else f"{mark}\n    {default}"

    def count(n: int, noun: str) -> str:
        return f"{n} {noun}{'' if n == 1 else 's'}"

    lines = [
        "[b]Setup[/b]",
        "",
        line(bool(snapshot.keys), f"{count(len(snapshot.keys), 'API key')} (F2)"),
        line(bool(snapshot.image_profiles), count(len(snapshot.image_profiles), "image profile"),
             f"default: {_plain(snapshot.default_image or 'none')} (F3)"),
        line(bool(snapshot.chat_profiles), count(len(snapshot.chat_profiles), "chat profile"),
             f"default: {_plain(snapshot.default_chat or 'none')} (F4)"),
        "",
        _plain(snapshot.backend_sentence()),  # a paragraph, not a list item: its wrapped lines stay aligned
    ]
    return "\n".join(lines)


def _plain(text: str) -> str:
    """User-named things (profile names, paths) shown as typed: no Rich markup, no terminal escapes."""
    return markup_escape(text)
