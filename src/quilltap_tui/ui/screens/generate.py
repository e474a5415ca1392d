"""The "generate an image" dialog: a prompt and an image profile. The app runs the generation."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from quilltap_tui.textsafe import literal
from quilltap_tui.ui.screens.base import BaseModal
from quilltap_tui.ui.screens.modals import ErrorLine, FormDialog


class GenerateModal(FormDialog):
    """Dismisses with ``(prompt, profile name or None)`` or None when cancelled.

    Also the "edit this" dialog (``title``, ``verb``, ``placeholder`` and ``empty`` say so).
    """

    WIDE, FOCUS = True, "#prompt"

    def __init__(self, profiles: list[str], chosen: str | None, *, title: str = "Generate an image",
                 verb: str = "Generate", placeholder: str = "Describe the image…",
                 empty: str = "There is no image profile yet: create one first (F3, then ctrl+n).") -> None:
        super().__init__()
        self._profiles = profiles
        self._chosen = chosen if chosen in profiles else (profiles[0] if profiles else None)
        self._title, self._verb, self._placeholder, self._empty = title, verb, placeholder, empty

    def dialog_title(self) -> str:
        return self._title

    def submit_button(self) -> tuple[str, str]:
        return self._verb, "generate"

    def ready(self) -> bool:
        return bool(self._profiles)

    def compose_fields(self) -> ComposeResult:
        if not self._profiles:
            yield Static(self._empty)
            return
        yield Select([(literal(name), name) for name in self._profiles], value=self._chosen or Select.NULL,
                     allow_blank=False, id="profile")
        yield Input(placeholder=self._placeholder, id="prompt")
        yield ErrorLine(id="err-prompt")

    def submit(self) -> None:
        prompt = self.query_one("#prompt", Input).value.strip()
        if not prompt:
            self.query_one("#err-prompt", Static).update("Describe the image first.")
            return
        profile = self.query_one("#profile", Select).value
        self.dismiss((prompt, profile if isinstance(profile, str) else None))


class GeneratingModal(BaseModal):
    """Shown while a direct generation runs: spinner, elapsed time, ``esc`` cancels, "hide" keeps it going."""

    def __init__(self, profile: str | None, prompt: str, *, title: str = "Generating an image",
                 verb: str = "Generating") -> None:
        super().__init__()
        self._profile, self._prompt = profile, prompt
        self._title, self._verb = title, verb
        self._note = ""  # a queueing provider's latest note ("fal.ai: queue position 2")

    def compose(self) -> ComposeResult:
        from quilltap_tui.textsafe import inert
        from quilltap_tui.ui.widgets.status import StatusLine

        with Vertical(classes="dialog wide"):
            yield Label(self._title, classes="dialog-title")
            yield Static(inert(self._prompt), markup=False, id="generating-prompt")
            yield StatusLine(id="generating-status")
            with Horizontal(classes="buttons"):
                yield Button("Cancel (esc)", id="cancel", variant="error")
                yield Button("Hide (keep going)", id="hide")

    def on_mount(self) -> None:
        from quilltap_tui.ui.widgets.status import StatusLine

        self.query_one(StatusLine).start(self._label())

    def show_progress(self, note: str) -> None:
        """A queueing provider says where the job is: the status line says it after what runs."""
        from quilltap_tui.textsafe import inert
        from quilltap_tui.ui.widgets.status import StatusLine

        self._note = inert(note, keep_newlines=False)
        if self.is_mounted:  # a note before the dialog is up is shown when it mounts
            self.query_one(StatusLine).set_label(self._label())

    def _label(self) -> str:
        base = f"{self._verb} with {self._profile or 'the default profile'}…"
        return f"{base} {self._note}" if self._note else base

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "hide":
            self.dismiss(None)
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        cancel = getattr(self.app, "cancel_generation", None)
        if cancel is not None:
            cancel()
        self.dismiss(None)
