"""The profile edit form, for image and chat profiles alike.

The parameter fields come from data (``ui/params.py``: the model's capability spec for images), and
are rebuilt when the provider or model changes. Every service error names a field; it is shown on
the line under that field. ``ctrl+s`` saves; "validate key" and "test generate" run in workers with
a progress line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Button, Input, Label, LoadingIndicator, Select, Static, Switch, TextArea

from quilltap_tui import provider_ids
from quilltap_tui.services.profile_views import ChatProfileView, ImageProfileView, ProfileView
from quilltap_tui.textsafe import inert, literal
from quilltap_tui.ui import params as P
from quilltap_tui.ui.screens.base import BaseScreen
from quilltap_tui.ui.screens.form_fields import check_all, collect, field_row, form_values, param_widgets
from quilltap_tui.ui.screens.modals import ErrorLine, clear_errors, show_field_error
from quilltap_tui.ui.tasks import Failed, async_work, blocking_work

if TYPE_CHECKING:
    from quilltap_tui.errors import QuilltapError
    from quilltap_tui.imagegen.spec import ModelInfo
    from quilltap_tui.services.generation import GenerationOutcome
    from quilltap_tui.services.key_view import KeyCheck

LIMITS = (("max_images_per_call", "Images per call (limit)"), ("max_images_per_minute", "Images per minute"),
          ("max_images_per_day", "Images per day"))
TEST_PROMPT = "a small test picture: a lighthouse on a cliff at dusk"


class ModelsListed(Message, bubble=False):
    """The models to offer, and why the live list failed (then the built-in ones are offered)."""

    def __init__(self, models: list[ModelInfo], error: QuilltapError | None) -> None:
        super().__init__()
        self.models = models
        self.error = error


class Saved(Message, bubble=False):
    def __init__(self, view: ProfileView) -> None:
        super().__init__()
        self.view = view


class Validated(Message, bubble=False):
    def __init__(self, result: KeyCheck) -> None:
        super().__init__()
        self.result = result


class TestMade(Message, bubble=False):
    def __init__(self, outcome: GenerationOutcome) -> None:
        super().__init__()
        self.outcome = outcome


class ListFailed(Failed):
    pass


class SaveFailed(Failed):
    pass


class ValidateFailed(Failed):
    pass


class TestFailed(Failed):
    pass


class ProfileFormScreen(BaseScreen):
    """Create (``profile=None``) or edit an image or chat profile. Dismisses with the saved view."""

    BINDINGS = [
        *BaseScreen.BINDINGS,
        Binding("ctrl+s", "save", "Save", id="save", priority=True),
        # Priority: a text field's own ctrl+k (delete to the end) would otherwise take it, and hide it from the footer.
        Binding("ctrl+k", "validate_key", "Validate key", id="validate_key", priority=True),
        Binding("ctrl+t", "test_generate", "Test generate", id="test_generate"),
    ]
    HELP = "Edit a profile. Parameters shown are the ones the chosen model takes."

    def __init__(self, kind: str, profile: ProfileView | None, *, first: bool = False) -> None:
        super().__init__()
        self.kind = kind
        self.profile = profile
        self.first = first
        self.fields: list[P.ParamField] = []
        self._ready = False
        self._baseline: dict[str, str] = {}  # the fields as opened (or last saved): esc asks when they differ
        self._after_save: str | None = None
        self._rebuild_timer: Any = None
        self._built_for: tuple[str, str] | None = None  # provider and model the parameter fields are for
        self._discovered_for: tuple[str, str | None, str | None] | None = None
        noun = "image profile" if kind == "image" else "chat profile"
        self.title = inert(f"Edit {noun} {profile.name}", keep_newlines=False) if profile else f"New {noun}"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Chat profiles have no test generation: keep it out of the footer and the key map.
        return self.kind == "image" if action == "test_generate" else True

    # -- layout --------------------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        p = self.profile
        providers = provider_ids.image_ids() if self.kind == "image" else provider_ids.chat_ids()
        provider = p.provider if p else providers[0]
        with VerticalScroll(id="form"):  # stored values are shown inert: an input draws its value raw
            yield ErrorLine(id="err-form")
            yield Label("Profile", classes="section first")
            yield field_row("Name", Input(_shown(p.name if p else None), id="name", placeholder="e.g. art"), "name")
            yield field_row("Provider", Select([(provider_ids.title(x), x) for x in providers],
                                               value=provider, allow_blank=False, id="provider"), "provider")
            yield Label("Connection", classes="section")
            key = (p.key or "") if p else self._key_for(provider)
            yield field_row("Key", Select(self._key_options(provider), value=key, allow_blank=False, id="key"), "key")
            yield field_row("Base URL", Input(_shown(p.base_url if p else None), id="base_url",
                                              placeholder=provider_ids.info(provider).default_base_url),
                            "base_url")
            yield Label("Model", classes="section")
            hint = P.model_hint(self.kind, provider)
            yield field_row("Model", Input(_shown(p.model if p else None), id="model", placeholder=hint), "model")
            yield field_row("", Select([], prompt="discovered models: pick one to fill in the model",
                                       id="model-choices"), "model-choices")
            yield Label("Parameters", classes="section")
            yield ErrorLine(id="err-parameters")
            yield Vertical(id="params")
            yield from self._compose_extras(p)
            yield Label("Tags and default", classes="section")
            yield field_row("Tags", Input(_shown(", ".join(p.tags if p else ())), id="tags",
                                          placeholder="comma separated, e.g. art, fast"), "tag")
            with Horizontal(classes="field-line switch-row"):
                yield Label("Default profile", classes="field-label")
                yield Switch(p.default if p else self.first or self._first_of_kind(), id="default")
            yield ErrorLine(id="err-default")
            if self.kind == "image":
                yield Label("Test", classes="section")
                yield field_row("Test prompt", Input(TEST_PROMPT, id="test-prompt"), "test-prompt")
        # Outside the scrolling form: the progress line and Save / Cancel stay in view however long the form is.
        with Vertical(id="form-actions"):
            with Horizontal(classes="status-line"):
                yield LoadingIndicator(id="form-busy")
                yield Static("", id="form-status")
            yield from self._compose_buttons()

    def _compose_extras(self, p: ProfileView | None) -> ComposeResult:
        if self.kind == "chat":
            yield Label("System prompt", classes="section")
            prompt = p.system_prompt if isinstance(p, ChatProfileView) else None
            yield TextArea(inert(prompt or ""), id="system_prompt")
            yield ErrorLine(id="err-system_prompt")
            return
        yield Label("Limits", classes="section")
        for name, label in LIMITS:
            limit = getattr(p, name) if isinstance(p, ImageProfileView) else None
            yield field_row(label, Input(str(limit) if limit else "", id=name, placeholder="default"), name)

    def _compose_buttons(self) -> ComposeResult:
        # One row each (compact), so at 80x24 the form keeps room for its fields; their keys are in the footer.
        with Horizontal(classes="buttons"):
            yield Button("Save", id="save", variant="primary", compact=True)
            yield Button("Validate key", id="validate", compact=True)
            if self.kind == "image":
                yield Button("Test generate", id="test", compact=True)
            yield Button("Cancel", id="cancel", compact=True)

    def _keys(self) -> list[Any]:
        snapshot = self.app.snapshot
        return list(snapshot.keys) if snapshot else []

    def _key_options(self, provider: str) -> list[tuple[str | Text, str]]:
        """The keys this provider may use (a key belongs to its provider; openai-compatible takes any)."""
        from quilltap_tui.services.key_rules import key_fits

        held = self.profile.key if self.profile else None  # a profile saved before the rule keeps showing its key
        fitting = [k for k in self._keys() if key_fits(provider, k.provider) or k.label == held]
        return [("no key", "")] + [(literal(f"{k.label} ({k.provider}, {k.masked})"), k.label) for k in fitting]

    def _first_of_kind(self) -> bool:
        """No profile of this kind yet: the new one starts as the default (chats use it without asking)."""
        snapshot = self.app.snapshot
        if snapshot is None:
            return False
        return not (snapshot.image_profiles if self.kind == "image" else snapshot.chat_profiles)

    def _key_for(self, provider: str) -> str:
        """The first stored key for ``provider`` ("" for none): what a new user just added, preselected."""
        return next((k.label for k in self._keys() if k.provider == provider), "")

    @on(events.Mount)
    async def _prepare(self) -> None:
        self.query_one("#form-busy").display = False
        self.query_one("#name", Input).focus()  # before the parameter fields: what is typed at once lands here
        await self.rebuild_params()
        self._ready = True
        self._baseline = form_values(self)
        self.discover_models()

    def action_back(self) -> None:
        """esc: leave, but ask first when something was changed and not saved."""
        if not self._ready or form_values(self) == self._baseline:
            super().action_back()
            return
        from quilltap_tui.ui.screens.modals import ConfirmModal

        def answered(discard: bool | None) -> None:
            if discard:
                super(ProfileFormScreen, self).action_back()

        self.app.push_screen(ConfirmModal("Unsaved changes", "Leave the form without saving? Your changes are lost.",
                                          confirm="Discard"), answered)

    # -- parameters and models -----------------------------------------------------------------

    def value_of(self, selector: str) -> str:
        widget = self.query_one(selector)
        value = widget.value if isinstance(widget, Input | Select) else ""
        return value if isinstance(value, str) else ""

    async def rebuild_params(self) -> None:
        """Replace the parameter fields with the ones the current provider and model take."""
        container = self.query_one("#params", Vertical)
        current = {f.name: self._raw_param(f) for f in self.fields}
        stored = {k: P.display_value(v) for k, v in (self.profile.parameters if self.profile else {}).items()}
        provider, model = self.value_of("#provider"), self.value_of("#model")
        fields = P.image_fields(provider, model) if self.kind == "image" else P.chat_fields()
        values = {f.name: current.get(f.name) or stored.get(f.name, "") for f in fields}
        self.fields = []  # while the widgets are swapped, nothing may read the old ones
        self._built_for = (provider, model)
        focused = self.focused
        # A user who tabbed into a parameter field before the fields followed the model goes on typing:
        # the new field of the same name takes the focus, or the keys would land on whatever came next.
        refocus = focused.id if focused is not None and focused.id and container in focused.ancestors else None
        await container.remove_children()
        await container.mount_all(param_widgets(fields, values))
        self.fields = fields
        if refocus and (same := self.query(f"#{refocus}")):
            widget = same.first()
            if isinstance(widget, Input):  # carry on where the typing was, not over a selection of it
                widget.select_on_focus = False
                widget.cursor_position = len(widget.value)
            widget.focus()

    def _fields_current(self) -> bool:
        return self._built_for == (self.value_of("#provider"), self.value_of("#model"))

    def _raw_param(self, spec: P.ParamField) -> str:
        widget = self.query_one(f"#param-{spec.name}")
        value = widget.value if isinstance(widget, Input | Select) else ""
        return value if isinstance(value, str) else ""

    def discover_models(self) -> None:
        """List the provider's models for the current provider, key and base URL (once per combination)."""
        where = (self.value_of("#provider"), self.value_of("#key") or None, self.value_of("#base_url") or None)
        if where == self._discovered_for:
            return
        self._discovered_for = where
        self._status("Listing models…", busy=True)
        self.list_models(*where)

    @async_work(group="models", failure=ListFailed)
    async def list_models(self, provider: str, key: str | None, base_url: str | None) -> ModelsListed:
        from quilltap_tui.ui.generation import list_models

        return ModelsListed(*await list_models(self.app.ctx, provider, key, base_url, self.kind == "chat"))

    @on(ModelsListed)
    def _models_listed(self, message: ModelsListed) -> None:
        from quilltap_tui.errors import Invalid

        models, error = message.models, message.error
        if isinstance(error, Invalid) and self.query(f"#err-{error.field}"):
            # A field's own problem (a bad base URL) goes beside that field, where it is fixed (the same
            # value is not asked about again: _discovered_for stays).
            show_field_error(self, error.field, error.message)
            self._status("The built-in models are listed; any model id may be typed.")
        elif error is not None:
            self._discovered_for = None  # let the next change try again
            self._status(f"Could not list models: {error.message.rstrip('.')}. The built-in models are listed; "
                         "any model id may be typed.")
        else:
            self._status(f"{len(models)} models found; any model id may be typed." if models
                         else "No models listed.")
        choices = self.query_one("#model-choices", Select)
        choices.set_options([(literal(P.model_label(m), keep_newlines=False), m.id) for m in models])

    @on(ListFailed)
    def _list_failed(self, message: ListFailed) -> None:
        message.stop()
        self._discovered_for = None  # let the next change try again
        self._status(f"Could not list models: {str(message.error).rstrip('.')}. Type the model id instead.")

    @on(Select.Changed, "#model-choices")
    def _model_picked(self, event: Select.Changed) -> None:
        if isinstance(event.value, str):
            self.query_one("#model", Input).value = event.value

    @on(Select.Changed, "#provider")
    async def _provider_changed(self, event: Select.Changed) -> None:
        if not self._ready or not isinstance(event.value, str):
            return
        self.query_one("#base_url", Input).placeholder = provider_ids.info(event.value).default_base_url
        self.query_one("#model", Input).placeholder = P.model_hint(self.kind, event.value)
        key = self.query_one("#key", Select)
        chosen = key.value
        options = self._key_options(event.value)
        key.set_options(options)  # only the keys of the new provider
        fits = any(label == chosen for _, label in options)
        key.value = chosen if fits and chosen else self._key_for(event.value)
        await self.rebuild_params()
        self.discover_models()

    @on(Select.Changed, "#key")
    def _key_changed(self) -> None:
        if self._ready:
            self.discover_models()

    @on(Input.Changed, "#model")
    def _model_typed(self) -> None:
        if self._ready and self.kind == "image":
            if self._rebuild_timer is not None:
                self._rebuild_timer.stop()
            self._rebuild_timer = self.set_timer(0.3, self._rebuild_now, name="rebuild-params")

    async def _rebuild_now(self) -> None:
        self._rebuild_timer = None
        if not self._fields_current():  # a save may have rebuilt them already: swapping again loses input
            await self.rebuild_params()

    @on(Input.Submitted, "#base_url")
    @on(Input.Blurred, "#base_url")
    def _base_url_done(self) -> None:
        if self._ready:
            self.discover_models()

    # -- actions -------------------------------------------------------------------------------

    async def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id
        if button == "save":
            await self.action_save()
        elif button == "test":
            await self.action_test_generate()
        elif button == "validate":
            self.action_validate_key()
        elif button == "cancel":
            self.action_back()

    async def action_save(self) -> None:
        from quilltap_tui.errors import Invalid

        if self._rebuild_timer is not None or not self._fields_current():
            # The model was just typed (its change may not even be handled yet): show and read its fields first.
            if self._rebuild_timer is not None:
                self._rebuild_timer.stop()
            await self._rebuild_now()
        clear_errors(self)
        problems = check_all(self)
        for problem in reversed(problems):  # the focus ends on the first field to fix
            self._field_error(problem.field, problem.message)
        if len(problems) > 1:
            self._status(f"Not saved: {len(problems)} fields need a change (see beside each).")
        if problems:
            return
        try:
            values = collect(self)
        except Invalid as exc:
            self._field_error(exc.field, exc.message)
            return
        self._status("Saving…", busy=True)
        self.save(self.profile.name if self.profile else None, values)

    @blocking_work(group="save", failure=SaveFailed)
    def save(self, editing: str | None, values: dict[str, Any]) -> Saved:
        """Create the profile (``editing`` None) or change the one named ``editing``."""
        from quilltap_tui.services import profiles

        kind = profiles.IMAGE if self.kind == "image" else profiles.CHAT
        if editing is None:
            return Saved(profiles.create(self.app.ctx, kind, **values))
        values = {**values, "new_name": values["name"]}
        del values["name"]
        return Saved(profiles.edit(self.app.ctx, kind, editing, kind.edit(**values)))

    @on(Saved)
    def _saved(self, message: Saved) -> None:
        view = message.view
        self.profile = view
        self._baseline = form_values(self)  # saved: nothing to lose any more
        self.app.refresh_snapshot()
        if self._after_save == "test":
            self._after_save = None
            self._run_test(view.name)
            return
        self.app.notify(f"Saved {view.name}.", timeout=3)
        self.dismiss(view)

    @on(SaveFailed)
    def _save_failed(self, message: SaveFailed) -> None:
        from quilltap_tui.errors import Invalid

        message.stop()
        error = message.error
        self._after_save = None
        self._status("")
        if isinstance(error, Invalid):
            self._field_error(error.field, error.message)
        else:
            self.app.report_error(error)

    def _field_error(self, field: str, message: str) -> None:
        target = show_field_error(self, field, message)
        self._status("Not saved: see the message beside the field.")
        widget_id = target.removeprefix("err-")
        for selector in (f"#{widget_id}", f"#param-{widget_id}"):
            found = self.query(selector)
            if found and isinstance(found.first(), Widget):
                found.first().focus()
                break

    def action_validate_key(self) -> None:
        label = self.value_of("#key")
        if not label:
            show_field_error(self, "key", "Choose a key to validate (or add one with F2).")
            return
        self._status(f"Validating {label}…", busy=True)
        self.validate(label, self.value_of("#base_url") or None)

    @async_work(group="validate", failure=ValidateFailed)
    async def validate(self, label: str, base_url: str | None) -> Validated:
        from quilltap_tui.ui.generation import validate_key

        return Validated(await validate_key(self.app.ctx, label, base_url))

    @on(Validated)
    def _validated(self, message: Validated) -> None:
        result = message.result
        self._status(result.message)
        self.app.notify(result.message, title="Key works", markup=False)
        self.app.refresh_snapshot()

    @on(ValidateFailed)
    def _validate_failed(self, message: ValidateFailed) -> None:
        message.stop()
        self._status(f"Key check failed: {message.error}")
        self.app.report_error(message.error)

    async def action_test_generate(self) -> None:
        if self.kind != "image":
            return
        self._after_save = "test"
        await self.action_save()  # generation reads the saved profile, so save what is on screen first

    def _run_test(self, name: str) -> None:
        prompt = self.value_of("#test-prompt") or TEST_PROMPT
        self._status(f"Generating with {name}…", busy=True)
        self.test_generate(prompt, name)

    @async_work(group="test", failure=TestFailed)
    async def test_generate(self, prompt: str, name: str) -> TestMade:
        from quilltap_tui.ui.generation import generate

        return TestMade(await generate(self.app.ctx, prompt, name))

    @on(TestMade)
    def _test_made(self, message: TestMade) -> None:
        outcome = message.outcome
        paths = ", ".join(str(image.path) for image in outcome.images)
        self._status(f"Test image saved: {paths} (see the gallery, F5)")
        self.app.notify(f"Test generate made {len(outcome.images)} image(s) with {outcome.profile}.")

    @on(TestFailed)
    def _test_failed(self, message: TestFailed) -> None:
        message.stop()
        self._status(f"Test generate failed: {message.error}")
        self.app.report_error(message.error)

    def _status(self, text: str, *, busy: bool = False) -> None:
        self.query_one("#form-busy").display = busy
        self.query_one("#form-status", Static).update(literal(text))


def _shown(value: object) -> str:
    """A stored value as an input shows it: on one line, control characters made visible."""
    return inert(str(value or ""), keep_newlines=False)
