"""The log viewer: the tail of the application's log file, reloaded with r."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.widgets import Log, Static

from quilltap_tui.textsafe import inert
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.tasks import blocking_work


class LogScreen(BaseScreen):
    """Shows the last lines of ``paths.log_file``; reading happens in a thread."""

    TITLE = "Log"
    HELP = "The application log (never holds a key). r reloads."
    BINDINGS = [*BaseScreen.BINDINGS, Binding("r", "reload", "Reload", id="refresh")]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="log-path", markup=False)
        yield Log(id="log", highlight=False)

    def on_mount(self) -> None:
        log_file = self.app.ctx.paths.log_file
        self.query_one("#log-path", Static).update(str(log_file))
        self.action_reload()

    class Tail(Message, bubble=False):
        def __init__(self, lines: list[str]) -> None:
            super().__init__()
            self.lines = lines

    def action_reload(self) -> None:
        self.read_tail()

    @blocking_work(group="tail")
    def read_tail(self) -> Tail:
        from quilltap_tui.ui.logsetup import tail

        return self.Tail(tail(self.app.ctx.paths.log_file))

    @on(Tail)
    def show_tail(self, message: Tail) -> None:
        lines = message.lines
        log = self.query_one(Log)
        log.clear()
        # Log lines quote provider and LLM text: shown inert (the Log widget draws what it is given raw).
        log.write_lines([inert(line, keep_newlines=False) for line in lines] or ["(the log is empty)"])
        log.focus()
