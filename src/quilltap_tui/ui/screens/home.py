"""The home screen: where chats will live, the setup checklist and the ways to every other screen.

The chat screen itself is built on the chat engine and will take the left column; until then the
column says how to chat from the command line, rather than pretending.
"""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Static

from quilltap_tui.ui.screens.base import BaseScreen

CHAT_PLACEHOLDER = (
    "[b]Chats[/b]\n\n"
    "The chat screen arrives with the chat engine. Until then, chat from a shell:\n\n"
    "  quilltap-tui ask --chat-profile NAME \"draw me a lighthouse\"\n\n"
    "Images the model makes land in the gallery (F5)."
)
NAVIGATION = (
    "[b]Go to[/b]\n\n"
    "  F2  key vault          F5  gallery\n"
    "  F3  image profiles     F6  log viewer\n"
    "  F4  chat profiles      ctrl+g  generate an image\n"
    "  ctrl+p  command palette   F1  help   ctrl+q  quit"
)


class HomeScreen(BaseScreen):
    """First screen: drawn at once, filled in when the snapshot arrives."""

    HELP = "The start screen: setup status and where to go next."

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="home"):
            yield Static(CHAT_PLACEHOLDER, id="chats", classes="panel")
            with Vertical(id="home-side"):
                yield Static("[b]Setup[/b]\n\nLoading…", id="setup", classes="panel")
                yield Static(NAVIGATION, id="navigation", classes="panel")

    def action_back(self) -> None:
        """Nothing is under the home screen; esc does nothing here."""

    def show_snapshot(self, snapshot: Any) -> None:
        self.query_one("#setup", Static).update(setup_text(snapshot))


def setup_text(snapshot: Any) -> str:
    """The checklist a new user walks down: key, image profile, chat profile."""
    if snapshot.error:
        return f"[b]Setup[/b]\n\nCould not read your data: {snapshot.error}"

    def line(done: bool, text: str) -> str:
        return f"  {'[green]✓[/]' if done else '[yellow]·[/]'} {text}"

    keys = len(snapshot.keys)
    lines = [
        "[b]Setup[/b]",
        "",
        line(keys > 0, f"{keys} API key{'s' if keys != 1 else ''} (F2)"),
        line(bool(snapshot.image_profiles),
             f"{len(snapshot.image_profiles)} image profiles, default: {snapshot.default_image or 'none'} (F3)"),
        line(bool(snapshot.chat_profiles),
             f"{len(snapshot.chat_profiles)} chat profiles, default: {snapshot.default_chat or 'none'} (F4)"),
        "",
        f"  {snapshot.backend_sentence()}",
    ]
    return "\n".join(lines)
