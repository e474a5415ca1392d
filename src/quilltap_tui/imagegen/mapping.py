"""Map an :class:`ImageRequest` (any vocabulary) onto a model's :class:`ModelSpec`.

The result is a :class:`Plan`: the wire calls to make (every value valid for the model as-is), what was
actually used (the contract's ``used``) and one plain-words warning per adjustment. Unsupported cosmetic
options become warnings; requests that cannot mean anything (an empty prompt, size ``abc``, count 0)
raise :class:`Invalid` naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from quilltap_tui.errors import BadRequest, Invalid
from quilltap_tui.imagegen.capabilities import EXTRA_RANGES, ModelSpec, extra_choices, provider_name
from quilltap_tui.imagegen.geometry import map_geometry
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall, UsedParams


@dataclass(frozen=True)
class Plan:
    """The wire calls for one request, what was used, and what was adjusted."""

    calls: list[ProviderCall]
    used: UsedParams
    warnings: list[str]


@dataclass
class Draft:
    """Values being worked out for one plan; every step appends at most one warning per adjustment."""

    spec: ModelSpec
    model: str
    warnings: list[str] = field(default_factory=list)
    # Strict (checking a profile's saved parameters): an option the model cannot take, or a word it does
    # not know, is an error instead of a dropped option. Both modes follow the same rules otherwise.
    strict: bool = False
    size: str | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    quality: str | None = None
    style: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def warn(self, text: str) -> None:
        self.warnings.append(text)

    def refuse(self, name: str, text: str) -> None:
        """An option that cannot mean anything on this model: an error when strict, else dropped."""
        if self.strict:
            raise Invalid(name, text.replace("; dropped.", "."))
        self.warn(text)


def plan(spec: ModelSpec, request: ImageRequest, *, strict: bool = False) -> Plan:
    """Map ``request`` onto ``spec``. Raises :class:`Invalid` (naming the field) for meaningless input.

    ``strict`` also refuses options the model cannot take (a profile being saved) instead of dropping them.
    """
    model = request.model
    prompt = _check_prompt(spec, model, request.prompt)
    count = _check_count(request.count)
    seed = _check_seed(request.seed)
    draft = Draft(spec, model, strict=strict)
    _lifecycle_warning(draft)
    extras = _collect_extras(request)
    # A resolution given as an extra (a plug-in's request, an older caller) counts as the option itself.
    resolution = extras.pop("resolution", None) if request.resolution is None else request.resolution
    extras.pop("resolution", None)
    map_geometry(draft, request.size, request.aspect_ratio, resolution)
    _map_quality(draft, _word(request.quality, "quality"))
    _map_style(draft, _word(request.style, "style"))
    negative = _text(request.negative_prompt, "negative_prompt")
    prompt = _map_negative(draft, prompt, negative)
    if seed is not None and not spec.seed:
        draft.warn(f"seed is not a setting on {model}; dropped.")
        seed = None
    _map_extras(draft, extras)
    calls = [
        ProviderCall(
            model=model, prompt=prompt, n=n, size=draft.size, aspect_ratio=draft.aspect_ratio,
            resolution=draft.resolution, quality=draft.quality, style=draft.style,
            negative_prompt=negative if spec.negative_prompt else None, seed=seed,
            extras=dict(draft.extras), spec=spec,
        )
        for n in _split(draft, count)
    ]
    used = UsedParams(
        size=draft.size, aspect_ratio=draft.aspect_ratio, resolution=draft.resolution, quality=draft.quality,
        style=draft.style, count=count, negative_prompt=negative, seed=seed,
    )
    return Plan(calls=calls, used=used, warnings=draft.warnings)


def _check_prompt(spec: ModelSpec, model: str, prompt: str) -> str:
    if not isinstance(prompt, str) or not prompt.strip():
        raise Invalid("prompt", "The prompt is empty: describe the image to make.")
    limit = spec.max_prompt_chars
    if limit is not None and len(prompt) > limit:
        raise Invalid(
            "prompt", f"The prompt is {len(prompt)} characters long; {model} accepts at most {limit}."
        )
    return prompt


def _check_count(count: object) -> int:
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise Invalid("count", f"count must be a whole number of at least 1, not {count!r}.")
    return count


def _check_seed(seed: object) -> int | None:
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise Invalid("seed", f"seed must be a whole number, not {seed!r}.")
    return seed


def _text(value: object, name: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise Invalid(name, f"{name} must be text, not {value!r}.")
    return (value or "").strip() or None


def _word(value: object, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise Invalid(name, f"{name} must be a word, not {value!r}.")
    return value.strip().lower() or None


def lifecycle_warning(spec: ModelSpec, model: str) -> str | None:
    """The plain-words warning for a retired or deprecated model, naming its replacement; else None."""
    title = provider_name(spec.provider)
    when = f" on {spec.shutdown_date}" if spec.shutdown_date else ""
    use = f" Use {spec.replacement} instead." if spec.replacement else ""
    if spec.retired and spec.redirect:
        return (f"{model} was retired by {title}{when}; {title} now serves {spec.redirect} in its place."
                f"{use}")
    if spec.retired:
        return (f"{model} was retired by {title}{when}; sent anyway because compatible servers may still "
                f"serve it.{use}")
    if spec.deprecated:
        shuts = f" and shuts down on {spec.shutdown_date}" if spec.shutdown_date else ""
        return f"{model} is deprecated by {title}{shuts}.{use}"
    return None


def explain_gone_model(error: BaseException, spec: ModelSpec | None, model: str) -> BaseException:
    """A "model not found" answer for a model the catalogue knows is retired (or deprecated), said so.

    Anything else is returned unchanged. The vendor's own words stay at the end of the sentence.
    """
    if spec is None or not (spec.retired or spec.deprecated) or not _model_not_found(error):
        return error
    title = provider_name(spec.provider)
    when = f" on {spec.shutdown_date}" if spec.shutdown_date else ""
    state = f"was retired by {title}{when}" if spec.retired else f"is deprecated by {title}"
    use = f"; use {spec.replacement} instead" if spec.replacement else ""
    said = str(error).rstrip(". ")
    assert isinstance(error, BadRequest)
    return BadRequest(f"{model} {state} and is no longer served there{use} ({said}).",
                      provider=error.provider, status=error.status, field="model")


def _model_not_found(error: BaseException) -> bool:
    if not isinstance(error, BadRequest):
        return False
    text = str(error).lower()
    named = error.field == "model" or "model" in text
    return error.status == 404 or (named and ("not found" in text or "does not exist" in text))


def _lifecycle_warning(d: Draft) -> None:
    text = lifecycle_warning(d.spec, d.model)
    if text is not None:
        d.warn(text)


def _collect_extras(request: ImageRequest) -> dict[str, Any]:
    extras = {str(k).strip().lower(): v for k, v in dict(request.extras).items() if v is not None}
    # Typed fields of ImageRequest that only some models take travel as extras.
    if request.guidance_scale is not None:
        extras.setdefault("guidance_scale", request.guidance_scale)
    if request.steps is not None:
        extras.setdefault("steps", request.steps)
    return extras


def _map_quality(d: Draft, word: str | None) -> None:
    spec, model = d.spec, d.model
    if word is None:
        return
    if word in spec.qualities:
        d.quality = word
    elif word in spec.quality_map:
        d.quality = spec.quality_map[word]
        d.warn(f"quality {word} was translated to {d.quality} for {model}.")
    elif word in spec.quality_resolution and d.resolution is None:
        d.resolution = spec.quality_resolution[word]
        d.warn(f"quality {word} is not a setting on {model}; used resolution {d.resolution} instead.")
    elif word in spec.quality_resolution:
        d.warn(f"quality {word} is not a setting on {model}; dropped (resolution {d.resolution} "
               "was already chosen).")
    elif spec.qualities:
        d.refuse("quality", f"quality {word} is not known for {model} (it takes {', '.join(spec.qualities)}); "
                 "dropped.")
    else:
        d.warn(f"quality {word} is not a setting on {model}; dropped.")


def _map_style(d: Draft, word: str | None) -> None:
    if word is None:
        return
    if word in d.spec.styles:
        d.style = word
    elif d.spec.styles:
        d.refuse("style", f"style {word} is not known for {d.model} (it takes {', '.join(d.spec.styles)}); "
                 "dropped.")
    else:
        d.warn(f"style {word} is not a setting on {d.model}; dropped.")


def _map_negative(d: Draft, prompt: str, negative: str | None) -> str:
    if negative is None or d.spec.negative_prompt:
        return prompt
    # No wire field: fold it into the prompt. ``used.negative_prompt`` keeps the text because it was
    # used (through the prompt); the warning says how.
    folded = f"{prompt}\n\nAvoid: {negative}"
    limit = d.spec.max_prompt_chars
    if limit is not None and len(folded) > limit:
        raise Invalid(
            "negative_prompt",
            f"The prompt with the negative prompt added is {len(folded)} characters long; "
            f"{d.model} accepts at most {limit}.",
        )
    d.warn(f"negative prompt is not a setting on {d.model}; added to the prompt as an \"Avoid:\" line.")
    return folded


def _split(d: Draft, count: int) -> list[int]:
    max_n = max(1, d.spec.max_n)
    if d.extras.get("output_format") in d.spec.single_image_formats:
        max_n = 1  # e.g. SVG output: one image per request
    chunks = [max_n] * (count // max_n) + ([count % max_n] if count % max_n else [])
    if len(chunks) > 1:
        per = "1 image per request" if max_n == 1 else f"at most {max_n} images per request"
        d.warn(f"count {count} split into {len(chunks)} requests ({d.model} makes {per}).")
    return chunks


def _map_extras(d: Draft, extras: dict[str, Any]) -> None:
    for key, value in extras.items():
        if key not in d.spec.extras:
            d.refuse(key, f"option {key} is not a setting on {d.model}; dropped.")
            continue
        checked = _check_extra(d, key, value)
        if checked is not None:
            d.extras[key] = checked
    _reconcile_formats(d)


def _check_extra(d: Draft, key: str, value: Any) -> Any:
    if key in EXTRA_RANGES:
        low, high, whole = EXTRA_RANGES[key]
        ok_type = int if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type) or not low <= value <= high:
            kind = "a whole number" if whole else "a number"
            raise Invalid(key, f"{key} must be {kind} from {low:g} to {high:g}, not {value!r}.")
        return value
    choices = extra_choices(d.spec, key)
    if choices is not None:
        word = value.strip().lower() if isinstance(value, str) else None
        if word not in choices:
            d.refuse(key, f"option {key}={value!r} is not allowed on {d.model} (use {', '.join(choices)}); "
                     "dropped.")
            return None
        return word
    if not isinstance(value, str | int | float | bool):
        raise Invalid(key, f"{key} must be a plain value, not {type(value).__name__}.")
    return value


def _reconcile_formats(d: Draft) -> None:
    fmt = d.extras.get("output_format")
    if d.extras.get("background") == "transparent" and fmt == "jpeg":
        d.extras["output_format"] = "png"
        d.warn("background transparent needs png or webp; output_format changed from jpeg to png.")
        fmt = "png"
    if "output_compression" in d.extras and fmt not in ("jpeg", "webp"):
        del d.extras["output_compression"]
        d.warn("output_compression only applies to output_format jpeg or webp; dropped.")
    for name in ("frame_count", "frame_duration_ms"):  # animation settings mean nothing on a still image
        if name in d.extras and fmt != "gif":
            del d.extras[name]
            d.warn(f"{name} only applies to output_format gif; dropped.")
