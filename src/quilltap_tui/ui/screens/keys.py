"""The key vault screen: masked keys, where they live, whether they work and who uses them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import DataTable, LoadingIndicator, Static

from quilltap_tui import provider_ids
from quilltap_tui.textsafe import cells, literal
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.key_dialogs import AddKeyModal, BaseUrlModal, EnvImportModal, RotateKeyModal
from quilltap_tui.ui.screens.modals import ConfirmModal
from quilltap_tui.ui.tasks import Failed, async_work, blocking_work
from quilltap_tui.ui.widgets.tables import refill

if TYPE_CHECKING:
    from quilltap_tui.services.key_view import KeyCheck
    from quilltap_tui.services.keys import KeyView
    from quilltap_tui.ui.state import Snapshot

__all__ = ["AddKeyModal", "EnvImportModal", "KeysScreen", "RotateKeyModal"]
COLUMNS = ("Label", "Provider", "Key", "Backend", "Valid", "Used by")


class KeyDeleted(Message, bubble=False):
    def __init__(self, view: KeyView) -> None:
        super().__init__()
        self.view = view


class Validated(Message, bubble=False):
    def __init__(self, result: KeyCheck) -> None:
        super().__init__()
        self.result = result


class ValidateFailed(Failed):
    pass


class KeysScreen(BaseScreen):
    """List keys; add, validate, rotate, delete; import from the environment; unlock the file vault."""

    TITLE = "Key vault"
    HELP = "API keys. The database holds only labels and last four characters; secrets stay in the vault."
    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("ctrl+n", "add", "Add", id="new"),
        Binding("v", "validate", "Validate", id="validate"),
        Binding("b", "validate_at", "Validate at URL", id="validate_at"),
        Binding("r", "rotate", "Rotate", id="rotate"),
        Binding("delete,d", "delete", "Delete", id="delete"),
        Binding("i", "import_env", "Import env", id="import_env"),
        Binding("u", "unlock", "Unlock", id="unlock"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._keys: list[Any] = []
        self._select: str | None = None  # a key just added: the cursor goes there when the list is refilled

    def compose_body(self) -> ComposeResult:
        with Vertical(id="keys-body"):
            yield Static("Checking where keys are kept…", id="vault-banner", classes="banner")
            yield DataTable(id="keys-table", cursor_type="row", zebra_stripes=True)
            with Horizontal(id="keys-status", classes="status-line"):
                yield LoadingIndicator(id="keys-busy")
                yield Static("", id="keys-progress")
            yield Static("", id="keys-empty", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self.query_one("#keys-busy").display = False
        super().on_mount()
        table.focus()

    def show_snapshot(self, snapshot: Any) -> None:
        self.query_one("#vault-banner", Static).update(literal(snapshot.backend_sentence()))
        self._keys = list(snapshot.keys)
        rows = ((key.label, cells(key.label, provider_ids.badge(key.provider), key.masked, _backend(key),
                                  _validity(key), ", ".join(key.used_by) or "-")) for key in self._keys)
        refill(self.query_one(DataTable), rows, select=self._select)
        self._select = None
        hint = "" if self._keys else "No keys yet: ctrl+n adds one" + (
            f", i imports {len(snapshot.env_keys)} from environment variables." if snapshot.env_keys else ".")
        self.query_one("#keys-empty", Static).update(hint)

    def _selected(self) -> Any | None:
        table = self.query_one(DataTable)
        if not self._keys or table.cursor_row is None or table.cursor_row >= len(self._keys):
            self.notify("Select a key first.", severity="warning", timeout=3)
            return None
        return self._keys[table.cursor_row]

    def action_add(self) -> None:
        self.app.push_screen(AddKeyModal(), self._changed)

    def action_rotate(self) -> None:
        key = self._selected()
        if key is not None:
            self.app.push_screen(RotateKeyModal(key.label), self._changed)

    def action_import_env(self) -> None:
        snapshot = self.app.snapshot
        if snapshot is None or not snapshot.env_keys:
            self.notify("No provider key variables (OPENAI_API_KEY, …) are set.", timeout=4)
            return
        self.app.push_screen(EnvImportModal(snapshot.env_keys), self._changed)

    def action_unlock(self) -> None:
        self.app.request_unlock()

    def action_delete(self) -> None:
        key = self._selected()
        if key is None:
            return
        losing = ", ".join(key.used_by) if key.used_by else "no profile"
        body = (f"Delete key {key.label} ({key.provider}, {key.masked})?\n"
                f"Profiles losing their key (they stay, with no key): {losing}.")

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.delete_key(key.label)

        self.app.push_screen(ConfirmModal("Delete key", body), confirmed)

    @blocking_work(group="delete")
    def delete_key(self, label: str) -> KeyDeleted:
        from quilltap_tui.services import keys

        return KeyDeleted(keys.remove_key(self.app.ctx, label))

    @on(KeyDeleted)
    def _key_deleted(self, message: KeyDeleted) -> None:
        self.notify(f"Key {message.view.label} deleted.")
        self.app.refresh_snapshot()

    def action_validate(self) -> None:
        key = self._selected()
        if key is None:
            return
        base_url = server_for(self.app.snapshot, key.label)
        where = f" at {base_url}" if base_url else ""
        self._busy(f"Validating {key.label} with {key.provider}{where}…")
        self.validate(key.label, base_url)

    @async_work(group="validate", failure=ValidateFailed)
    async def validate(self, label: str, base_url: str | None) -> Validated:
        from quilltap_tui.ui.generation import validate_key

        return Validated(await validate_key(self.app.ctx, label, base_url))

    def action_validate_at(self) -> None:
        """Validate against a base URL typed now (a compatible server), as ``keys validate --base-url``."""
        key = self._selected()
        if key is None:
            return
        suggested = server_for(self.app.snapshot, key.label)

        def chosen(url: str | None) -> None:
            if url is None:
                return
            where = f" at {url}" if url else ""
            self._busy(f"Validating {key.label} with {key.provider}{where}…")
            self.validate(key.label, url or None)

        self.app.push_screen(BaseUrlModal(key.label, key.provider, suggested), chosen)

    @on(Validated)
    def _validated(self, message: Validated) -> None:
        self._busy("")
        self.notify(message.result.message, title="Key works", markup=False)
        self.app.refresh_snapshot()

    @on(ValidateFailed)
    def _validate_failed(self, message: ValidateFailed) -> None:
        message.stop()
        self._busy("")
        self.app.report_error(message.error)
        self.app.refresh_snapshot()

    def _busy(self, text: str) -> None:
        self.query_one("#keys-busy").display = bool(text)
        self.query_one("#keys-progress", Static).update(literal(text))

    def _changed(self, result: Any) -> None:
        if result:
            self._select = getattr(result, "label", None)
            self.app.refresh_snapshot()


def server_for(snapshot: Snapshot | None, label: str) -> str | None:
    """The custom base URL of a profile using the key, if any: check the key where it is really used."""
    if snapshot is None:
        return None
    for profile in [*snapshot.image_profiles, *snapshot.chat_profiles]:
        if profile.key == label and profile.base_url:
            return profile.base_url
    return None


def _backend(key: Any) -> str:
    return f"env ${key.env_var}" if key.backend == "env" and key.env_var else key.backend


def _validity(key: Any) -> str:
    if key.valid is None:
        return "not checked"
    when = key.validated_at.strftime("%Y-%m-%d") if key.validated_at else ""
    return f"{'valid' if key.valid else 'refused'} {when}".strip()
