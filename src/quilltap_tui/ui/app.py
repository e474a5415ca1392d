"""The Textual application shell.

The first screen is drawn before any database or keyring work: counts are loaded by a thread worker
that posts its result back as a message.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Footer, Header, Static


@dataclass
class Summary:
    data_dir: str
    keys: int
    image_profiles: int
    chat_profiles: int


class SummaryLoaded(Message):
    def __init__(self, summary: Summary | None, error: str | None) -> None:
        super().__init__()
        self.summary = summary
        self.error = error


class QuilltapApp(App[int]):
    """quilltap-tui."""

    TITLE = "quilltap-tui"
    BINDINGS = [Binding("ctrl+q", "quit", "Quit", id="quit")]
    CSS = """
    #welcome { padding: 1 2; }
    #summary { padding: 1 2; color: $text-muted; }
    """

    def __init__(self, *, image_protocol: str = "off") -> None:
        super().__init__()
        self.image_protocol = image_protocol

    def compose(self) -> ComposeResult:
        yield Header()
        with Vertical():
            yield Static(
                "Welcome to quilltap-tui.\n\n"
                "Set up keys and profiles from the command line for now:\n"
                "  quilltap-tui keys add --provider openai --label work\n"
                "  quilltap-tui image-profiles add --name art --provider openai --model gpt-image-1 --key work\n"
                "  quilltap-tui chat-profiles add --name main --provider openai --model gpt-4.1 --key work",
                id="welcome",
            )
            yield Static("Loading…", id="summary")
        yield Footer()

    def on_mount(self) -> None:
        self.load_summary()

    @work(thread=True, exclusive=True, group="summary")
    def load_summary(self) -> None:
        try:
            from quilltap_tui.services import profiles
            from quilltap_tui.services import keys as key_service
            from quilltap_tui.services.context import AppContext

            ctx = AppContext()
            summary = Summary(
                data_dir=str(ctx.paths.data),
                keys=len(key_service.list_keys(ctx)),
                image_profiles=len(profiles.list_profiles(ctx, profiles.IMAGE)),
                chat_profiles=len(profiles.list_profiles(ctx, profiles.CHAT)),
            )
            self.post_message(SummaryLoaded(summary, None))
        except Exception as exc:
            self.post_message(SummaryLoaded(None, f"{type(exc).__name__}: {exc}"))

    def on_summary_loaded(self, message: SummaryLoaded) -> None:
        widget = self.query_one("#summary", Static)
        if message.summary is None:
            widget.update(f"Could not read your data: {message.error}")
            return
        s = message.summary
        widget.update(
            f"Data: {s.data_dir}\nKeys: {s.keys} · image profiles: {s.image_profiles} · "
            f"chat profiles: {s.chat_profiles} · image previews: {self.image_protocol}"
        )
