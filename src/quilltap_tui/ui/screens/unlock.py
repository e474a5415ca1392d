"""The file vault's passphrase dialog. A wrong passphrase is an error line in the dialog, never a crash."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Input, Static

from quilltap_tui.ui.screens.modals import ErrorLine, FormDialog
from quilltap_tui.ui.tasks import Failed, blocking_work
from quilltap_tui.ui.widgets.secret_input import SecretInput


class UnlockModal(FormDialog):
    """Asks for the passphrase and calls ``Vault.unlock`` in a thread. Dismisses True when unlocked."""

    SUBMIT, FOCUS = ("Unlock", "unlock"), "#passphrase"

    def _vault_file(self) -> Path:
        return Path(self.app.ctx.paths.vault_file)

    def dialog_title(self) -> str:
        return "Unlock the key vault" if self._vault_file().exists() else "Choose the key vault's passphrase"

    def compose_fields(self) -> ComposeResult:
        vault_file = self._vault_file()
        creating = not vault_file.exists()
        hint = ("Choose a passphrase for the new encrypted file vault; you will need it every session."
                if creating else f"Enter the passphrase of the file vault {vault_file}.")
        yield Static(hint, markup=False)
        yield SecretInput(placeholder="passphrase", id="passphrase")
        if creating:  # a typo here would make a vault nobody can open: ask twice
            yield SecretInput(placeholder="repeat the passphrase", id="repeat")
        yield ErrorLine(id="err-passphrase")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        event.prevent_default()  # instead of FormDialog's (enter submits): enter in the first field goes on
        repeat = self.query("#repeat")
        if event.input.id == "passphrase" and repeat:
            repeat.first(Input).focus()
            return
        self.submit()

    def submit(self) -> None:
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
