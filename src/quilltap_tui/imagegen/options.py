"""The image-option vocabulary, declared once: :class:`GenerateOptions` and the metadata of each field.

Every place that speaks about image options derives from this declaration instead of listing them:
the ``generate``/``edit`` flags, the ``generate_image``/``edit_image`` JSON schema and argument parser,
the merge of a profile's defaults under a call's options, ``used`` and the audit block, the image
profile form's parameter fields, and the ``allowed_*`` restrictions a profile may set. Adding an option
means one field here (and teaching the mapping what to do with it).

It lives below ``services/`` because the chat tools (``tools/``) parse the LLM's arguments into
:class:`GenerateOptions` and build their schemas from it, and ``tools/`` must not depend on services.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, Literal

from quilltap_tui.errors import Invalid

Kind = Literal["word", "text", "int"]


@dataclass(frozen=True)
class OptionInfo:
    """What each consumer needs to know about one option.

    ``kind``: ``word`` (a short value a model lists, such as ``hd`` or ``16:9``), ``text`` (free text)
    or ``int`` (a whole number; quoted numbers are accepted from an LLM).
    """

    label: str  # the image-profile form's label
    description: str  # the tool schema's description
    kind: Kind
    # The ModelSpec attribute listing the model's values (``sizes``, ``qualities``...): the schema's enum
    # and the form's select; the option is offered only when the model lists some.
    choices: str | None = None
    # The ModelSpec flag saying the model has the option on the wire (``seed``): offered only then...
    requires: str | None = None
    # ...unless it still works without (the negative prompt is folded into the prompt): the tool offers it
    # with this note. The form offers only what the model itself takes.
    fallback: str = ""
    flag: bool = True  # a ``generate``/``edit`` flag (``--aspect-ratio``); otherwise given with ``--param``
    metavar: str | None = None
    flag_range: tuple[int, int] | None = None  # an int flag's bounds (argparse refuses others, exit 2)
    used: bool = True  # recorded in ``used`` (and at the top of the audit's ``requested``, else in its extras)
    restrictable: bool = False  # a profile may restrict it with ``allowed_<choices>``
    hint: str = ""  # the form's hint; ``{max_images_per_request}`` is filled from the model's facts
    form_range: tuple[int, int] | None = None  # an int field's bounds in the form


def _option(info: OptionInfo) -> Any:
    return field(default=None, metadata={"option": info})


@dataclass(frozen=True)
class GenerateOptions:
    """What the caller asked for on top of the profile's defaults. ``None`` means "not given".

    The field order is the order everywhere (flags, schema, form, ``used``).
    """

    size: str | None = _option(OptionInfo(
        "Size", "Image size in pixels (WIDTHxHEIGHT).", "word", choices="sizes", metavar="WxH", restrictable=True))
    aspect_ratio: str | None = _option(OptionInfo(
        "Aspect ratio", "Aspect ratio (WIDTH:HEIGHT).", "word", choices="aspect_ratios", metavar="A:B",
        restrictable=True))
    # A tier some models take (xAI 1k|2k, Gemini 1K|2K|4K); not in ``used``, which the contract fixes.
    resolution: str | None = _option(OptionInfo(
        "Resolution", "Resolution tier.", "word", choices="resolutions", flag=False, used=False))
    quality: str | None = _option(OptionInfo(
        "Quality", "Rendering quality.", "word", choices="qualities", restrictable=True))
    style: str | None = _option(OptionInfo("Style", "Visual style.", "word", choices="styles", restrictable=True))
    count: int | None = _option(OptionInfo(
        "Images per generation", "How many images.", "int", flag_range=(0, 1_000_000_000),
        hint="{max_images_per_request} per request; more are split into several requests", form_range=(1, 10)))
    negative_prompt: str | None = _option(OptionInfo(
        "Negative prompt", "What the image must not show.", "text", requires="negative_prompt",
        fallback=" Added to the prompt as an 'Avoid:' line.", hint="what to keep out of the image"))
    seed: int | None = _option(OptionInfo(
        "Seed", "Seed for reproducible results.", "int", requires="seed", flag_range=(-(2**63), 2**64 - 1),
        hint="same seed, same picture (where supported)"))
    # Provider-specific options (output_format, background...), passed through when the model takes them.
    extras: Mapping[str, Any] = field(default_factory=dict)

    def given(self) -> dict[str, Any]:
        """The options that were given (not ``None``), in vocabulary order; extras not included."""
        return {o.name: v for o in OPTIONS if (v := getattr(self, o.name)) is not None}

    def recorded(self) -> dict[str, Any]:
        """The contract's ``used`` shape: every recorded option, ``None`` included."""
        return {name: getattr(self, name) for name in RECORDED}


@dataclass(frozen=True)
class ImageOption:
    """One option of the vocabulary: its name (snake_case everywhere) and what is known about it."""

    name: str
    info: OptionInfo

    @property
    def flag(self) -> str:
        """The command-line flag: ``--aspect-ratio`` for ``aspect_ratio``."""
        return "--" + self.name.replace("_", "-")

    @property
    def restriction(self) -> str | None:
        """The profile parameter that restricts it (``allowed_sizes``), if it can be restricted."""
        return f"allowed_{self.info.choices}" if self.info.restrictable else None


OPTIONS: tuple[ImageOption, ...] = tuple(
    ImageOption(f.name, f.metadata["option"]) for f in fields(GenerateOptions) if "option" in f.metadata
)
NAMES = frozenset(o.name for o in OPTIONS)
RECORDED = tuple(o.name for o in OPTIONS if o.info.used)
FLAGGED = tuple(o for o in OPTIONS if o.info.flag)

# Image-profile parameters that restrict what may be asked (checked after mapping; see services/generation.py).
RESTRICTIONS = {o.restriction: o.name for o in OPTIONS if o.restriction is not None}
RESTRICTION_KEYS = tuple(RESTRICTIONS)


def allowed_values(parameters: Mapping[str, Any], option: str) -> list[str] | None:
    """The profile's allowed values for ``option`` (size, aspect_ratio, quality, style), if it restricts it."""
    for key, name in RESTRICTIONS.items():
        if name == option and isinstance(parameters.get(key), list):
            return [str(v) for v in parameters[key]]
    return None


def coerce_int(value: Any, field: str) -> int:
    """A whole number from an int or a quoted int (LLMs often send ``"2"``); anything else is Invalid."""
    if isinstance(value, bool):
        raise Invalid(field, f"{field} must be a whole number, not {value!r}.")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value == int(value):
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            pass
    raise Invalid(field, f"{field} must be a whole number, not {value!r}.")
