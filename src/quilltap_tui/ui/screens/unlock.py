"""The file vault's passphrase dialog. A wrong passphrase is an error line in the dialog, never a crash."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static

from quilltap_tui.ui.screens.base import BaseModal
from quilltap_tui.ui.screens.modals import ErrorLine
from quilltap_tui.ui.tasks import Failed, blocking_work
from quilltap_tui.ui.widgets.secret_input import SecretInput


class UnlockModal(BaseModal):
    """Asks for the passphrase and calls ``Vault.unlock`` in a thread. Dismisses True when unlocked."""

    def compose(self) -> ComposeResult:
        vault_file = Path(self.app.ctx.paths.vault_file)
        creating = not vault_file.exists()
        hint = ("Choose a passphrase for the new encrypted file vault; you will need it every session."
                if creating else f"Enter the passphrase of the file vault {vault_file}.")
        with Vertical(classes="dialog"):
            yield Label("Choose the key vault's passphrase" if creating else "Unlock the key vault",
                        classes="dialog-title")
            yield Static(hint, markup=False)
            yield SecretInput(placeholder="passphrase", id="passphrase")
            if creating:  # a typo here would make a vault nobody can open: ask twice
                yield SecretInput(placeholder="repeat the passphrase", id="repeat")
            yield ErrorLine(id="err-passphrase")
            with Horizontal(classes="buttons"):
                yield Button("Unlock", id="unlock", variant="primary")
                yield Button("Cancel", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        repeat = self.query("#repeat")
        if event.input.id == "passphrase" and repeat:
            repeat.first(Input).focus()
            return
        self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "unlock":
            self._submit()
        else:
            self.dismiss(None)

    def _submit(self) -> None:
        field = self.query_one("#passphrase", Input)
        passphrase = field.value
        repeats = list(self.query("#repeat").results(Input))
        repeated = repeats[0].value if repeats else passphrase
        for widget in (field, *repeats):
            widget.value = ""  # do not keep the passphrase in a widget longer than needed
        error = ("Type the passphrase first." if not passphrase else
                 "The two passphrases differ; type them again." if repeated != passphrase else "")
        if error:
            self.query_one("#err-passphrase", Static).update(error)
            field.focus()
            return
        self.query_one("#err-passphrase", Static).update("Checking…")
        self.unlock(passphrase)

    class Unlocked(Message, bubble=False):
        pass

    class UnlockFailed(Failed):
        pass

    @blocking_work(group="unlock", failure=UnlockFailed)
    def unlock(self, passphrase: str) -> Unlocked:
        self.app.ctx.vault.unlock(passphrase)
        return self.Unlocked()

    @on(Unlocked)
    def _unlocked(self) -> None:
        self.dismiss(True)

    @on(UnlockFailed)
    def _unlock_failed(self, message: UnlockFailed) -> None:
        message.stop()
        self.query_one("#err-passphrase", Static).update(str(message.error))
        self.query_one("#passphrase", Input).focus()
