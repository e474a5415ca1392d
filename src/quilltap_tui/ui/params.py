"""The parameter fields of a profile form, derived from data (never hard-coded per screen).

Image profiles: from ``spec_for(provider, model).describe()`` -- only the options that model takes,
with its allowed values. Chat profiles: the sampling parameters every chat provider accepts. This
module does not import Textual, so it is tested on its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.options import OPTIONS, ImageOption

if TYPE_CHECKING:
    from quilltap_tui.imagegen.spec import ModelInfo


@dataclass(frozen=True)
class ParamField:
    """One form field: ``kind`` is select, int, float or text; ``options`` for selects."""

    name: str
    label: str
    kind: str
    options: tuple[str, ...] = ()
    hint: str = ""
    minimum: float | None = None
    maximum: float | None = None
    extra: bool = field(default=False, compare=False)


def image_fields(provider: str, model: str) -> list[ParamField]:
    """The fields the model behind ``provider``/``model`` takes, from its capability spec."""
    from quilltap_tui.imagegen.capabilities import EXTRA_RANGES, EXTRA_VALUES, spec_for
    from quilltap_tui.providers.registry import catalogue_id

    spec = spec_for(catalogue_id(provider), model or "").describe()
    found = [f for option in OPTIONS if (f := _option_field(option, spec)) is not None]
    # output_format's words are the model's own formats (gif and svg only where the model makes them).
    values = {**EXTRA_VALUES, "output_format": tuple(spec["output_formats"])}
    for extra in spec["extras"]:
        found.append(_extra_field(extra, values, dict(EXTRA_RANGES)))
    return found


def _option_field(option: ImageOption, spec: dict[str, Any]) -> ParamField | None:
    """One vocabulary option's field, when the model itself takes the option (its ``describe()`` facts)."""
    info = option.info
    if info.choices is not None:
        values = spec[info.choices]
        if not values:
            return None
        free = option.name == "size" and spec["free_size"]  # any WxH: typed, with the listed ones as a hint
        hint = f"or any WxH, multiples of {spec['free_size']['multiple_of']}" if free else ""
        return ParamField(option.name, info.label, "text" if free else "select", tuple(values), hint)
    if info.requires is not None and not spec[info.requires]:
        return None
    low, high = info.form_range or (None, None)
    hint = info.hint.format(max_images_per_request=spec["max_images_per_request"])
    return ParamField(option.name, info.label, "int" if info.kind == "int" else "text", hint=hint, minimum=low,
                      maximum=high)


def _extra_field(name: str, values: dict[str, tuple[str, ...]], ranges: dict[str, Any]) -> ParamField:
    label = name.replace("_", " ").capitalize()
    if name in values:
        return ParamField(name, label, "select", values[name], extra=True)
    if name in ranges:
        low, high, integer = ranges[name]
        return ParamField(name, label, "int" if integer else "float", hint=f"{low} to {high}",
                          minimum=low, maximum=high, extra=True)
    return ParamField(name, label, "text", extra=True)


CHAT_FIELDS = (
    ParamField("temperature", "Temperature", "float", hint="0 to 2; lower is steadier", minimum=0, maximum=2),
    ParamField("max_tokens", "Max tokens", "int", hint="longest reply", minimum=1, maximum=1_000_000),
    ParamField("top_p", "Top p", "float", hint="0 to 1", minimum=0, maximum=1),
)


def chat_fields() -> list[ParamField]:
    """Sampling parameters shared by every chat provider."""
    return list(CHAT_FIELDS)


def parse_value(spec: ParamField, raw: str) -> Any:
    """The typed value of one field's text, or None when empty. Raises Invalid naming the field."""
    text = raw.strip()
    if not text:
        return None
    if spec.kind in ("select", "text"):
        return text
    try:
        number: float = int(text) if spec.kind == "int" else float(text)
    except ValueError as exc:
        kind = "a whole number" if spec.kind == "int" else "a number"
        raise Invalid(spec.name, f"{spec.label} must be {kind}.") from exc
    if (spec.minimum is not None and number < spec.minimum) or (spec.maximum is not None and number > spec.maximum):
        raise Invalid(spec.name, f"{spec.label} must be between {spec.minimum:g} and {spec.maximum:g}.")
    return number


def display_value(value: Any) -> str:
    """A stored parameter value as the text a field shows."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value)


def model_hint(kind: str, provider: str) -> str:
    """The model field's placeholder: the catalogue's current suggestion for an image provider."""
    if kind == "image":
        from quilltap_tui.imagegen.capabilities import suggested_model

        suggested = suggested_model(provider)
        if suggested:
            return f"e.g. {suggested} (any model id)"
    return "model id (free text)"


def model_label(model: ModelInfo) -> str:
    """``gpt-image-2  (built-in, live)`` / ``dall-e-3  (built-in, retired)``: where a model id came from."""
    tags = [*model.source, *(["retired"] if model.retired else [])]
    return f"{model.id}  ({', '.join(tags)})" if tags else model.id
