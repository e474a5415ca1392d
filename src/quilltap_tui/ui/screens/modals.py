"""Small shared dialogs and helpers for showing field errors beside form fields."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.visual import VisualType
from textual.widgets import Button, Input, Label, Static

from quilltap_tui.textsafe import literal
from quilltap_tui.ui.screens.base import BaseModal


class ErrorLine(Static):
    """A field's error line: takes no room until it has something to say."""

    DEFAULT_CLASSES = "field-error"

    def __init__(self, *, id: str) -> None:
        super().__init__("", id=id, markup=False)
        self.display = False

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        # Errors quote provider text and user input: drawn literally, escapes inert, keys redacted.
        super().update(literal(content) if isinstance(content, str) else content, layout=layout)
        self.display = bool(str(content))


class FormDialog(BaseModal):
    """The dialogs' one skeleton: a title, the fields, the form's error line, then [submit] [Cancel].

    A subclass sets ``SUBMIT`` (button label and id; or :meth:`submit_button` when it varies) and ``WIDE``,
    yields its fields from :meth:`compose_fields`, names the field focused first in ``FOCUS`` and does its
    work in :meth:`submit` (enter in a one-line field submits too). Cancel and esc dismiss with None. A
    dialog that cannot work yet (nothing to pick from) says so from :meth:`compose_fields` and returns
    False from :meth:`ready`: it then shows only [Close].
    """

    SUBMIT: ClassVar[tuple[str, str]] = ("OK", "ok")
    WIDE: ClassVar[bool] = False
    FOCUS: ClassVar[str | None] = None

    def dialog_title(self) -> str | Text:
        return ""

    def submit_button(self) -> tuple[str, str]:
        """The primary button's label and id."""
        return self.SUBMIT

    def ready(self) -> bool:
        """False when the dialog has nothing to submit yet (its fields explain why)."""
        return True

    def compose_fields(self) -> ComposeResult:
        yield from ()

    def submit(self) -> None:
        """The primary button or enter: check, then dismiss with the result (or start the work)."""

    def compose(self) -> ComposeResult:
        label, button_id = self.submit_button()
        with Vertical(classes="dialog wide" if self.WIDE else "dialog"):
            yield Label(self.dialog_title(), classes="dialog-title")
            yield from self.compose_fields()
            if not self.ready():
                yield Button("Close", id="cancel")
                return
            yield ErrorLine(id="err-form")
            with Horizontal(classes="buttons"):
                yield Button(label, id=button_id, variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        if self.FOCUS is not None and self.ready():
            self.query_one(self.FOCUS).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == self.submit_button()[1]:
            self.submit()
        elif event.button.id == "cancel":
            self.dismiss(None)


class ConfirmModal(BaseModal):
    """Ask before something that cannot be undone. Dismisses with True or None."""

    def __init__(self, title: str, body: str, confirm: str = "Delete") -> None:
        super().__init__()
        self._title, self._body, self._confirm = title, body, confirm

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(literal(self._title), classes="dialog-title")
            yield Static(literal(self._body), id="confirm-body")
            with Horizontal(classes="buttons"):
                yield Button(self._confirm, id="confirm", variant="error")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#cancel", Button).focus()  # the safe choice has the focus

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(True if event.button.id == "confirm" else None)


def clear_errors(screen: Screen[object]) -> None:
    """Empty every field-error line of ``screen``."""
    for widget in screen.query(".field-error"):
        if isinstance(widget, Static):
            widget.update("")


def show_field_error(screen: Screen[object], field: str, message: str) -> str:
    """Put ``message`` beside ``field`` (a ``#err-<field>`` Static); fall back to ``#err-form``.

    Returns the id of the line used so callers can focus the field.
    """
    message = in_form_words(field, message)
    for target in (f"err-{field}", "err-form"):
        try:
            screen.query_one(f"#{target}", Static).update(message)
        except NoMatches:
            continue
        return target
    screen.notify(message, severity="error", markup=False)
    return ""


# The services word their errors for the command line (``base_url must ...``, "paste or pipe"); in a form the
# field has a label, and that is the name the user knows.
FIELD_WORDS = {
    "base_url": "Base URL", "max_images_per_call": "Images per call", "max_images_per_minute": "Images per minute",
    "max_images_per_day": "Images per day", "model": "Model", "name": "Name", "tag": "Tag", "label": "Label",
    "system_prompt": "System prompt", "parameters": "Parameters",
}
CLI_PHRASES = (("paste or pipe the API key", "paste the API key"),)


def in_form_words(field: str, message: str) -> str:
    """``message`` with the internal name of ``field`` (at its start) replaced by the form's label."""
    words = FIELD_WORDS.get(field)
    if words and message.startswith(field + " "):
        message = words + message[len(field):]
    for cli, form in CLI_PHRASES:
        message = message.replace(cli, form)
    return message
