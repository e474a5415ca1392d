"""The log viewer: the tail of the application's log file, reloaded with r."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Log, Static

from quilltap_tui.textsafe import inert
from quilltap_tui.ui.screens.base import BaseScreen


class LogScreen(BaseScreen):
    """Shows the last lines of ``paths.log_file``; reading happens in a thread."""

    TITLE = "Log"
    HELP = "The application log (never holds a key). r reloads."
    BINDINGS = [*BaseScreen.BINDINGS, Binding("r", "reload", "Reload", id="refresh")]

    def compose_body(self) -> ComposeResult:
        yield Static("", id="log-path", markup=False)
        yield Log(id="log", highlight=False)

    def on_mount(self) -> None:
        log_file = self.app.ctx.paths.log_file  # type: ignore[attr-defined]
        self.query_one("#log-path", Static).update(str(log_file))
        self.action_reload()

    def action_reload(self) -> None:
        from quilltap_tui.ui.logsetup import tail

        self.call_blocking("tail", tail, self.app.ctx.paths.log_file)  # type: ignore[attr-defined]

    def done_tail(self, lines: list[str]) -> None:
        log = self.query_one(Log)
        log.clear()
        # Log lines quote provider and LLM text: shown inert (the Log widget draws what it is given raw).
        log.write_lines([inert(line, keep_newlines=False) for line in lines] or ["(the log is empty)"])
        log.focus()
