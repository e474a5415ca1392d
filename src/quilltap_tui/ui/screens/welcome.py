"""First run: from no keys to a key, an image profile and a chat profile, one step at a time."""

from __future__ import annotations

from typing import Any

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Button, Static

from quilltap_tui.textsafe import inert
from quilltap_tui.ui.screens.base import BaseScreen

INTRO = (
    "[b]Welcome to quilltap-tui[/b]\n\n"
    "Chat with any tool-capable model, and let it make pictures with an image profile you choose.\n"
    "Three steps get you there; each can be changed later. Esc leaves this guide at any time."
)


class WelcomeScreen(BaseScreen):
    """The guided first run. Each step's button opens the same dialog or form used later."""

    HELP = "First-run guide: add a key, then an image profile, then a chat profile."

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="welcome"):
            yield Static(INTRO, id="welcome-intro")
            with Vertical(classes="step"):
                yield Static("1. An API key", id="step-key", classes="step-title")
                yield Button("Add a key", id="add-key", variant="primary")
                yield Button("Import keys from environment variables", id="import-env")
            with Vertical(classes="step"):
                yield Static("2. An image profile", id="step-image", classes="step-title")
                yield Button("Create an image profile", id="new-image")
            with Vertical(classes="step"):
                yield Static("3. A chat profile", id="step-chat", classes="step-title")
                yield Button("Create a chat profile", id="new-chat")
            yield Button("Done", id="done", variant="success")

    def show_snapshot(self, snapshot: Any) -> None:
        keys = len(snapshot.keys)
        marks = {
            "#step-key": (bool(keys), "1. An API key", f"{keys} stored" if keys else "none yet", "#add-key"),
            "#step-image": (bool(snapshot.image_profiles), "2. An image profile",
                            f"default: {snapshot.default_image}" if snapshot.default_image else "none yet",
                            "#new-image"),
            "#step-chat": (bool(snapshot.chat_profiles), "3. A chat profile",
                           f"default: {snapshot.default_chat}" if snapshot.default_chat else "none yet", "#new-chat"),
        }
        next_button = "#done"
        for selector, (done, title, detail, button) in marks.items():
            mark = "[green]✓[/]" if done else "[yellow]·[/]"
            self.query_one(selector, Static).update(f"{mark} [b]{title}[/b] [dim]— {escape(inert(detail))}[/]")
            if not done and next_button == "#done":
                next_button = button
        env_button = self.query_one("#import-env", Button)
        env_button.display = bool(snapshot.env_keys)
        env_button.label = f"Import {len(snapshot.env_keys)} key(s) from environment variables"
        # Enter always does the next thing to do: a new user can walk through with the keyboard alone.
        if self.app.screen is self:
            self.query_one(next_button, Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        from quilltap_tui.ui.screens import keys, profile_form

        button = event.button.id
        snapshot = self.app.snapshot
        if button == "add-key":
            self.app.push_screen(keys.AddKeyModal(), self._changed)
        elif button == "import-env" and snapshot is not None:
            self.app.push_screen(keys.EnvImportModal(snapshot.env_keys), self._changed)
        elif button in ("new-image", "new-chat"):
            kind = "image" if button == "new-image" else "chat"
            self.app.push_screen(profile_form.ProfileFormScreen(kind, None, first=True), self._changed)
        elif button == "done":
            self.app.pop_screen()

    def _changed(self, result: Any) -> None:
        if result:
            self.app.refresh_snapshot()
