"""Dialogs of the key vault: add a key, rotate a key, import keys from environment variables.

A secret is typed or pasted into a password input, handed to the keys service in a thread worker,
and the input is cleared at once. It is never shown, logged or put in a toast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.widgets import Checkbox, Input, Label, Select, Static

from quilltap_tui import provider_ids
from quilltap_tui.textsafe import literal
from quilltap_tui.ui.screens.modals import ErrorLine, FormDialog, clear_errors, show_field_error
from quilltap_tui.ui.tasks import Failed, blocking_work
from quilltap_tui.ui.widgets.secret_input import SecretInput

if TYPE_CHECKING:
    from quilltap_tui.services.keys import KeyView


class KeyStored(Message, bubble=False):
    def __init__(self, view: KeyView) -> None:
        super().__init__()
        self.view = view


class StoreFailed(Failed):
    pass


class Imported(Message, bubble=False):
    def __init__(self, added: list[str], problems: list[str]) -> None:
        super().__init__()
        self.added = added
        self.problems = problems


class AddKeyModal(FormDialog):
    """Provider, label and the secret. Dismisses with the new key's view, or None."""

    SUBMIT, WIDE, FOCUS = ("Add", "add"), True, "#label"

    def __init__(self, provider: str = "openai") -> None:
        super().__init__()
        self._provider = provider

    def dialog_title(self) -> str:
        return "Add an API key"

    def compose_fields(self) -> ComposeResult:
        options = [(provider_ids.title(p), p) for p in provider_ids.key_ids()]
        yield Label("Provider")
        yield Select(options, value=self._provider, allow_blank=False, id="provider")
        yield ErrorLine(id="err-provider")
        yield Label("Label (how profiles refer to it)")
        yield Input(placeholder="e.g. work", id="label")
        yield ErrorLine(id="err-label")
        yield Label("Key (pasted here; it is never shown again)")
        yield SecretInput(placeholder="sk-…", id="secret")
        yield ErrorLine(id="err-secret")

    def submit(self) -> None:
        self._submit()

    def _submit(self) -> None:
        clear_errors(self)
        # The pasted key stays (masked) in its input until it is stored: a refused label must not make the
        # user paste it again. The modal, and with it the value, goes away on success.
        secret = self.query_one("#secret", Input).value
        provider = self.query_one("#provider", Select).value
        label = self.query_one("#label", Input).value
        self.query_one("#err-form", Static).update("Storing…")
        self.store(str(provider), label, secret)

    @blocking_work(group="add", failure=StoreFailed)
    def store(self, provider: str, label: str, secret: str) -> KeyStored:
        from quilltap_tui.services import keys

        return KeyStored(keys.add_key(self.app.ctx, provider=provider, label=label, secret=secret))

    @on(KeyStored)
    def _stored(self, message: KeyStored) -> None:
        view = message.view
        self.app.notify(f"Key {view.label} stored ({view.provider}, {view.masked}) in the {view.backend} backend.")
        self.dismiss(view)

    @on(StoreFailed)
    def _store_failed(self, message: StoreFailed) -> None:
        from quilltap_tui.errors import Invalid, VaultLocked

        message.stop()
        error = message.error
        self.query_one("#err-form", Static).update("")
        if isinstance(error, Invalid):
            show_field_error(self, error.field, error.message)
        elif isinstance(error, VaultLocked):
            # First key (the vault is created now) or a locked vault: ask for the passphrase, then store the key
            # still waiting in this dialog, so nothing has to be typed or pressed again.
            self.query_one("#err-form", Static).update("The key is stored once the vault is unlocked.")
            self.app.request_unlock(then=self._submit)
        else:
            self.app.report_error(error)


class RotateKeyModal(FormDialog):
    """Replace the secret behind a label; profiles keep using it. Dismisses with the new view."""

    SUBMIT, WIDE, FOCUS = ("Rotate", "rotate"), True, "#secret"

    def __init__(self, label: str) -> None:
        super().__init__()
        self._label = label

    def dialog_title(self) -> Text:
        return literal(f"Rotate key {self._label}")

    def compose_fields(self) -> ComposeResult:
        yield Static("Paste the new key. Profiles using this label keep working with it.")
        yield SecretInput(placeholder="new key", id="secret")
        yield ErrorLine(id="err-secret")

    def submit(self) -> None:
        clear_errors(self)
        secret = self.query_one("#secret", Input).value  # kept (masked) until stored, as in AddKeyModal
        self.rotate(secret)

    @blocking_work(group="rotate", failure=StoreFailed)
    def rotate(self, secret: str) -> KeyStored:
        from quilltap_tui.services import keys

        return KeyStored(keys.rotate_key(self.app.ctx, self._label, secret))

    @on(KeyStored)
    def _rotated(self, message: KeyStored) -> None:
        view = message.view
        self.app.notify(f"Key {view.label} now ends in {view.masked}; validate it with v.")
        self.dismiss(view)

    @on(StoreFailed)
    def _rotate_failed(self, message: StoreFailed) -> None:
        from quilltap_tui.errors import Invalid

        message.stop()
        error = message.error
        if isinstance(error, Invalid):
            show_field_error(self, error.field, error.message)
        else:
            self.app.report_error(error)


class BaseUrlModal(FormDialog):
    """Ask where to validate a key (as the command line's ``keys validate --base-url``). Dismisses with the
    URL typed ("" for the provider's own API), or None when cancelled."""

    SUBMIT, WIDE, FOCUS = ("Validate", "validate"), True, "#base_url"

    def __init__(self, label: str, provider: str, suggested: str | None) -> None:
        super().__init__()
        self._label, self._provider, self._suggested = label, provider, suggested

    def dialog_title(self) -> Text:
        return literal(f"Validate key {self._label} at…")

    def compose_fields(self) -> ComposeResult:
        default = provider_ids.info(self._provider).default_base_url
        yield Static(f"A compatible server's base URL; empty checks with the provider ({default}).",
                     markup=False)
        yield Input(self._suggested or "", placeholder=default, id="base_url")
        yield ErrorLine(id="err-base_url")

    def submit(self) -> None:
        from quilltap_tui.errors import Invalid
        from quilltap_tui.services.validation import base_url

        clear_errors(self)
        try:
            url = base_url(self.query_one("#base_url", Input).value)
        except Invalid as exc:
            show_field_error(self, exc.field, exc.message)
            return
        self.dismiss(url or "")


class EnvImportModal(FormDialog):
    """Tick provider variables (OPENAI_API_KEY, ...) to store them as keys. Dismisses with the count."""

    SUBMIT, WIDE = ("Import", "import"), True

    def __init__(self, env_keys: list[Any]) -> None:
        super().__init__()
        self._env_keys = env_keys

    def dialog_title(self) -> str:
        return "Import keys from environment variables"

    def compose_fields(self) -> ComposeResult:
        for index, key in enumerate(self._env_keys):
            yield Checkbox(f"{key.env_var} ({key.provider}, …{key.last4}) as {_label_for(key)}",
                           value=True, id=f"env-{index}")

    def submit(self) -> None:
        chosen = [k for i, k in enumerate(self._env_keys) if self.query_one(f"#env-{i}", Checkbox).value]
        self.import_keys(chosen)

    @blocking_work(group="import")
    def import_keys(self, chosen: list[Any]) -> Imported:
        return Imported(*import_env_keys(self.app.ctx, chosen))

    @on(Imported)
    def _imported(self, message: Imported) -> None:
        added, problems = message.added, message.problems
        if problems:
            self.query_one("#err-form", Static).update(literal("\n".join(problems)))
        if added:
            self.app.notify(f"Imported {', '.join(added)}.")
        if not problems:
            self.dismiss(len(added))


def _label_for(key: Any) -> str:
    return f"{key.provider}-env"


def import_env_keys(ctx: Any, chosen: list[Any]) -> tuple[list[str], list[str]]:
    """Blocking: store each chosen variable's key (or reference it, in env mode). Returns (added, problems)."""
    from quilltap_tui.errors import QuilltapError
    from quilltap_tui.services import keys

    added: list[str] = []
    problems: list[str] = []
    for key in chosen:
        try:
            view = keys.add_key_from_env(ctx, provider=key.provider, label=_label_for(key), env_var=key.env_var)
        except QuilltapError as exc:
            problems.append(f"{key.env_var}: {exc.message}")
        else:
            added.append(view.label)
    return added, problems
