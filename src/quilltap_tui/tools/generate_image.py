"""The ``generate_image`` tool: a schema built from the chat's image profile, input checks, and a handler.

The schema offers only what the profile's model takes (a size list, or aspect ratios and resolution
tiers; its quality words; ``style`` only where the model has styles; ``seed`` only where it is
honoured), with the profile's own parameters as defaults and ``count`` capped by the profile's
per-call limit. Input is read leniently, as the contract asks: the seed's vocabulary (``1792x1024``,
``standard|hd``, ``vivid|natural``, a quoted ``"2"``) is accepted and mapped by the generation
service, which reports every adjustment as a warning. The handler always uses the chat's image
profile: the LLM can name neither a profile nor a key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.capabilities import ModelSpec, spec_for
from quilltap_tui.imagegen.options import NAMES, OPTIONS, GenerateOptions, ImageOption, allowed_values, coerce_int
from quilltap_tui.providers.registry import catalogue_id, image_unit
from quilltap_tui.tools import catalogue
from quilltap_tui.tools.call import ToolContext
from quilltap_tui.tools.image_tool import ImageTool
from quilltap_tui.tools.ports import ImageGenerator, ImageOutcome
from quilltap_tui.tools.ports import ImageToolProfile as ImageToolProfile  # declared with the ports
from quilltap_tui.tools.spec import ToolSpec

TOOL_NAME = catalogue.GENERATE_IMAGE
# The schema's count maximum never exceeds this, whatever the profile allows: a model that sees
# "up to 10" tends to ask for 10. A larger count is still passed on, and the profile's limit decides.
COUNT_CAP = 4
ACCEPTED_FIELDS = frozenset({"prompt", *NAMES})


def build_spec(profile: ImageToolProfile) -> ToolSpec:
    """The ``generate_image`` declaration for ``profile``."""
    return ToolSpec(TOOL_NAME, describe(profile), input_schema(profile))


def describe(profile: ImageToolProfile) -> str:
    """The tool description: what the profile is, and that the user sees the images without help."""
    title = image_unit(profile.provider).sentence_name
    return (
        f'Generate images with the image profile "{profile.name}" ({title} {profile.model}). '
        "The images are saved and shown to the user automatically: do not repeat file paths or "
        "explain how to open them. Write a complete, specific prompt. The result lists the saved "
        "images, the settings actually used and any adjustments made."
    )


def input_schema(profile: ImageToolProfile) -> dict[str, Any]:
    """The JSON Schema of the tool input for ``profile``'s model: each vocabulary option the model takes."""
    spec = spec_for(catalogue_id(profile.provider), profile.model)
    props: dict[str, Any] = {"prompt": _prompt(spec)}
    for option in OPTIONS:
        schema = _option_schema(option, spec, profile)
        if schema is not None:
            props[option.name] = schema
    return {"type": "object", "properties": props, "required": ["prompt"], "additionalProperties": False}


def _option_schema(option: ImageOption, spec: ModelSpec, profile: ImageToolProfile) -> dict[str, Any] | None:
    """One option's schema from its declaration, or None when the model cannot use it at all."""
    info, defaults = option.info, profile.parameters
    if option.name == "size" and spec.free_size is not None:
        return _free_size(spec, defaults)
    if option.name == "count":
        return _count(profile)
    if info.choices is not None:
        values = _allowed(getattr(spec, info.choices), defaults, option.name)
        return _enum(values, info.description, defaults.get(option.name)) if values else None
    if info.requires is not None and not getattr(spec, info.requires):
        if not info.fallback:
            return None
        return {"type": _JSON_TYPES[info.kind], "description": info.description + info.fallback}
    return {"type": _JSON_TYPES[info.kind], "description": info.description}


_JSON_TYPES = {"word": "string", "text": "string", "int": "integer"}


def _prompt(spec: ModelSpec) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "description": "A detailed description of the image to make."}
    if spec.max_prompt_chars:
        schema["maxLength"] = spec.max_prompt_chars
    return schema


def _free_size(spec: ModelSpec, defaults: Mapping[str, Any]) -> dict[str, Any]:
    """A model that takes any WxH within limits: a pattern, unless the profile lists the sizes allowed."""
    if allowed_values(defaults, "size") is not None:  # the profile's list replaces the free form
        return _enum(_allowed(spec.sizes, defaults, "size", free=True), "Image size in pixels.", defaults.get("size"))
    assert spec.free_size is not None
    fs = spec.free_size
    schema: dict[str, Any] = {
        "type": "string",
        "description": f"Image size: {', '.join(spec.sizes)}, or any WIDTHxHEIGHT with sides that are multiples "
        f"of {fs.multiple_of}, at most {fs.max_side} pixels per side.",
        "pattern": r"^(auto|[0-9]{2,4}x[0-9]{2,4})$",
    }
    if isinstance(defaults.get("size"), str):
        schema["default"] = defaults["size"]
    return schema


def _allowed(
    values: tuple[str, ...], defaults: Mapping[str, Any], option: str, *, free: bool = False
) -> tuple[str, ...]:
    """The model's values narrowed by the profile's ``allowed_*`` list (free-size models take the list as is)."""
    allowed = allowed_values(defaults, option)
    if allowed is None:
        return values
    return tuple(allowed) if free else tuple(v for v in values if v in allowed)


def _enum(values: tuple[str, ...], description: str, default: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "enum": list(values), "description": description}
    if default in values:
        schema["default"] = default
    return schema


def _count(profile: ImageToolProfile) -> dict[str, Any]:
    top = max(1, min(profile.max_images_per_call, COUNT_CAP))
    schema: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": top, "description": "How many images."}
    default = profile.parameters.get("count")
    if isinstance(default, int) and not isinstance(default, bool) and 1 <= default <= top:
        schema["default"] = default
    return schema


def parse_input(arguments: Mapping[str, Any]) -> tuple[str, GenerateOptions]:
    """``(prompt, options)`` from the LLM's arguments; :class:`Invalid` names the first bad field."""
    unknown = sorted(str(k) for k in arguments if k not in ACCEPTED_FIELDS)
    if unknown:
        raise Invalid(
            unknown[0],
            f"Unknown field{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}: {TOOL_NAME} takes "
            f"{', '.join(sorted(ACCEPTED_FIELDS))}.",
        )
    prompt = _text(arguments, "prompt")
    values: dict[str, Any] = {
        o.name: _int(arguments, o.name) if o.info.kind == "int" else _text(arguments, o.name) for o in OPTIONS
    }
    if prompt is None:
        raise Invalid("prompt", "prompt is required: describe the image to make.")
    options = GenerateOptions(**values)
    if options.count is not None and options.count < 1:
        raise Invalid("count", f"count must be at least 1, not {options.count}.")
    return prompt, options


def _text(arguments: Mapping[str, Any], name: str) -> str | None:
    """A string argument, trimmed; blank is not given. Anything but a string is Invalid."""
    value = arguments.get(name)
    if value is not None and not isinstance(value, str):
        raise Invalid(name, f"{name} must be a string, not {type(value).__name__} {value!r}.")
    return value.strip() if isinstance(value, str) and value.strip() else None


def _int(arguments: Mapping[str, Any], name: str) -> int | None:
    """A whole-number argument; a quoted number is accepted (LLMs often send ``"2"``)."""
    value = arguments.get(name)
    return None if value is None else coerce_int(value, name)


def model_result(outcome: ImageOutcome) -> dict[str, Any]:
    """The short result for the LLM: ids, paths, dimensions, what was used and adjusted. No image data."""
    images = [{"id": i.id, "path": str(i.path), "width": i.width, "height": i.height, "mime_type": i.mime_type}
              for i in outcome.images]
    revised = next((i.revised_prompt for i in outcome.images if i.revised_prompt), None)
    return {
        "images": images,
        "used": outcome.used.as_dict(),
        "warnings": list(outcome.warnings),
        "revised_prompt": revised,
        "shown_to_user": True,
    }


class GenerateImageTool(ImageTool):
    """The tool bound to one image profile; images are made through an :class:`ImageGenerator` port."""

    def __init__(self, images: ImageGenerator, profile: ImageToolProfile) -> None:
        self.images = images
        super().__init__(profile)

    build_spec = staticmethod(build_spec)
    model_result = staticmethod(model_result)

    async def make(self, arguments: Mapping[str, Any], context: ToolContext) -> ImageOutcome:
        prompt, options = parse_input(arguments)
        return await self.images.generate(prompt, options, context)
