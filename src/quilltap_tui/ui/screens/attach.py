"""The "attach an image" dialog: a gallery id or a file path, with the path completed as you type."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.suggester import Suggester
from textual.widgets import Button, Input, Label, Static

from quilltap_tui.ui.screens.base import BaseModal
from quilltap_tui.ui.screens.modals import ErrorLine

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


def complete_path(value: str) -> str | None:
    """The first directory or image file that ``value`` starts (``~`` expanded), or None. Blocking."""
    if not value or not value.startswith(("/", "~", ".")):
        return None  # a gallery id, not a path
    expanded = os.path.expanduser(value)
    folder, prefix = os.path.split(expanded)
    try:
        names = sorted(os.listdir(folder or "."))
    except OSError:
        return None
    for name in names:
        full = os.path.join(folder, name)
        if not name.startswith(prefix) or (name.startswith(".") and not prefix.startswith(".")):
            continue
        if os.path.isdir(full) or name.lower().endswith(IMAGE_SUFFIXES):
            rest = name[len(prefix):] + ("/" if os.path.isdir(full) else "")
            return value + rest if rest else None
    return None


class PathSuggester(Suggester):
    """Completes file paths (directories and images); the listing runs in a thread."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        return await asyncio.to_thread(complete_path, value)


class AttachModal(BaseModal):
    """Dismisses with the reference typed (a gallery id or a path), or None."""

    def __init__(self, attached: int = 0) -> None:
        super().__init__()
        self._attached = attached

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog wide"):
            yield Label("Attach an image", classes="dialog-title")
            yield Static("A gallery image id (6+ characters, as the gallery shows) or an image file "
                         "(PNG, JPEG, WebP; → completes the path). A file is copied into the gallery.",
                         markup=False)
            yield Input(placeholder="~/Pictures/fox.png or 3f9c1a…", id="ref", suggester=PathSuggester())
            yield ErrorLine(id="err-ref")
            with Horizontal(classes="buttons"):
                yield Button("Attach", id="attach", variant="primary")
                if self._attached:
                    yield Button(f"Remove {self._attached} attached", id="clear")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#ref", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "attach":
            self._submit()
        elif event.button.id == "clear":
            self.dismiss("")
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        ref = self.query_one("#ref", Input).value.strip()
        if not ref:
            self.query_one("#err-ref", Static).update("Type a gallery id or a file path first.")
            return
        self.dismiss(str(Path(ref).expanduser()) if ref.startswith("~") else ref)
