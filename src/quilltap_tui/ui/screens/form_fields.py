"""Building and reading profile-form fields: one row per field, with its error line under it."""

from __future__ import annotations

from typing import Any

from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, Label, Select, Static, Switch, TextArea

from quilltap_tui.errors import Invalid
from quilltap_tui.textsafe import literal
from quilltap_tui.ui import params as P
from quilltap_tui.ui.screens.modals import ErrorLine


def field_row(label: str, widget: Widget, field: str, hint: str = "") -> Vertical:
    """Label, input (compact, one line) and hint on one line; under them the error line (``#err-<field>``)
    that service errors naming ``field`` fill."""
    if isinstance(widget, Input | Select):
        widget.compact = True
    line: list[Widget] = [Label(label, classes="field-label"), widget]
    if hint:
        line.append(Static(hint, classes="field-hint", markup=False))
    return Vertical(Horizontal(*line, classes="field-line"), ErrorLine(id=f"err-{field}"), classes="field")


def param_widgets(fields: list[P.ParamField], values: dict[str, str]) -> list[Widget]:
    """One row per parameter: a Select for enumerations, an Input otherwise."""
    rows: list[Widget] = []
    for spec in fields:
        value = values.get(spec.name, "")
        widget: Widget
        if spec.kind == "select":
            options = [(literal(option), option) for option in spec.options]
            widget = Select(options, value=value if value in spec.options else Select.NULL,
                            prompt="model default", id=f"param-{spec.name}")
        else:
            widget = Input(value, id=f"param-{spec.name}", placeholder="model default",
                           type="integer" if spec.kind == "int" else "text")
        rows.append(field_row(spec.label, widget, spec.name, spec.hint))
    return rows


def read_params(screen: Screen[Any], fields: list[P.ParamField]) -> dict[str, Any]:
    """Typed values of the parameter fields; an empty field is None (the model's default)."""
    result: dict[str, Any] = {}
    for spec in fields:
        widget = screen.query_one(f"#param-{spec.name}")
        if isinstance(widget, Select):
            result[spec.name] = widget.value if isinstance(widget.value, str) else None
        elif isinstance(widget, Input):
            result[spec.name] = P.parse_value(spec, widget.value)
    return result


def collect(form: Any) -> dict[str, Any]:
    """Everything the profiles service takes, from the form. Raises Invalid naming a field."""
    parameters = read_params(form, form.fields)
    values: dict[str, Any] = {
        "name": form.value_of("#name"),
        "provider": form.value_of("#provider"),
        "model": form.value_of("#model"),
        "key": form.value_of("#key"),
        "base_url": form.value_of("#base_url"),
        "tags": [t.strip() for t in form.value_of("#tags").split(",") if t.strip()],
        "default": form.query_one("#default", Switch).value,
    }
    if form.profile is None:  # create: leave out what is unset
        values["parameters"] = {k: v for k, v in parameters.items() if v is not None}
        values["key"] = values["key"] or None
        values["base_url"] = values["base_url"] or None
    else:  # edit: None removes a parameter; "" clears the key and base URL
        values["parameters"] = parameters
    if form.kind == "chat":
        values["system_prompt"] = form.query_one("#system_prompt", TextArea).text
    else:
        for name in ("max_images_per_call", "max_images_per_minute", "max_images_per_day"):
            raw = form.value_of(f"#{name}").strip()
            if raw:  # an empty limit keeps the stored (or default) value
                values[name] = raw
    _check_required(values)
    return values


def _check_required(values: dict[str, Any]) -> None:
    if not str(values["name"]).strip():
        raise Invalid("name", "Name is required.")
    if not str(values["model"]).strip():
        raise Invalid("model", "Model is required: type a model id or pick one from the discovered list.")


def check_all(form: Any) -> list[Invalid]:
    """Every field's problem at once (each checked on its own), so one save shows them all beside their fields.

    The same rules the services apply; what only the service can know (a name already taken) still comes
    back from the save.
    """
    from quilltap_tui.services import validation as V

    checks: list[tuple[Any, tuple[Any, ...]]] = [
        (_required, ("name", form.value_of("#name"), "Name is required.")),
        (_required, ("model", form.value_of("#model"),
                     "Model is required: type a model id or pick one from the discovered list.")),
        (V.name, (form.value_of("#name"),)),
        (V.base_url, (form.value_of("#base_url"),)),
        (V.tags, ([t.strip() for t in form.value_of("#tags").split(",") if t.strip()],)),
    ]
    if form.value_of("#model").strip():
        checks.append((V.model, (form.value_of("#model"),)))
    for spec in form.fields:
        checks.append((_check_param, (form, spec)))
    if form.kind == "image":
        for name in ("max_images_per_call", "max_images_per_minute", "max_images_per_day"):
            raw = form.value_of(f"#{name}").strip()
            if raw:
                checks.append((V.coerce_int, (raw, name)))
    problems: dict[str, Invalid] = {}
    for check, args in checks:
        try:
            check(*args)
        except Invalid as exc:
            problems.setdefault(exc.field, exc)  # the first (most basic) problem of each field
    return list(problems.values())


def _required(field: str, value: str, message: str) -> None:
    if not value.strip():
        raise Invalid(field, message)


def _check_param(form: Any, spec: P.ParamField) -> None:
    widget = form.query_one(f"#param-{spec.name}")
    if isinstance(widget, Input):
        P.parse_value(spec, widget.value)


NOT_SETTINGS = ("test-prompt", "model-choices")  # inputs that are not part of the profile


def form_values(form: Any) -> dict[str, str]:
    """What the form's fields hold (empty ones left out, so parameter fields coming and going with the model
    do not count as a change): compared with the values as opened to tell unsaved changes."""
    values: dict[str, str] = {}
    for widget in form.query("Input, Select, Switch, TextArea"):
        if widget.id is None or widget.id in NOT_SETTINGS:
            continue
        value = widget.text if isinstance(widget, TextArea) else widget.value
        if isinstance(value, bool) or (isinstance(value, str) and value.strip()):
            values[widget.id] = str(value)
    return values
