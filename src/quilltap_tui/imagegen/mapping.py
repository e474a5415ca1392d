"""Map an :class:`ImageRequest` (any vocabulary) onto a model's :class:`ModelSpec`.

The result is a :class:`Plan`: the wire calls to make (every value valid for the model as-is), what was
actually used (the contract's ``used``) and one plain-words warning per adjustment. Unsupported cosmetic
options become warnings; requests that cannot mean anything (an empty prompt, size ``abc``, count 0)
raise :class:`Invalid` naming the field.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.capabilities import EXTRA_RANGES, EXTRA_VALUES, PROVIDER_TITLES, ModelSpec
from quilltap_tui.imagegen.spec import ImageRequest, ProviderCall, UsedParams


@dataclass(frozen=True)
class Plan:
    """The wire calls for one request, what was used, and what was adjusted."""

    calls: list[ProviderCall]
    used: UsedParams
    warnings: list[str]


@dataclass
class _Draft:
    """Values being worked out for one plan; every step appends at most one warning per adjustment."""

    spec: ModelSpec
    model: str
    warnings: list[str] = field(default_factory=list)
    size: str | None = None
    aspect_ratio: str | None = None
    resolution: str | None = None
    quality: str | None = None
    style: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    def warn(self, text: str) -> None:
        self.warnings.append(text)


def plan(spec: ModelSpec, request: ImageRequest) -> Plan:
    """Map ``request`` onto ``spec``. Raises :class:`Invalid` (naming the field) for meaningless input."""
    model = request.model
    prompt = _check_prompt(spec, model, request.prompt)
    count = _check_count(request.count)
    seed = _check_seed(request.seed)
    draft = _Draft(spec, model)
    _lifecycle_warning(draft)
    extras = _collect_extras(request)
    _map_geometry(draft, request.size, request.aspect_ratio, extras.pop("resolution", None))
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
            extras=dict(draft.extras),
        )
        for n in _split(draft, count)
    ]
    used = UsedParams(
        size=draft.size, aspect_ratio=draft.aspect_ratio, quality=draft.quality, style=draft.style,
        count=count, negative_prompt=negative, seed=seed,
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


def _lifecycle_warning(d: _Draft) -> None:
    title = PROVIDER_TITLES.get(d.spec.provider, d.spec.provider)
    if d.spec.retired:
        note = f" ({d.spec.retired_note})" if d.spec.retired_note else ""
        d.warn(f"{d.model} is retired by {title}{note}; sent anyway because compatible servers may "
               "still serve it.")
    elif d.spec.retired_note:
        d.warn(f"{d.model} is deprecated by {title} and {d.spec.retired_note}.")


def _collect_extras(request: ImageRequest) -> dict[str, Any]:
    extras = {str(k).strip().lower(): v for k, v in dict(request.extras).items() if v is not None}
    # Typed fields of ImageRequest that only some models take travel as extras.
    if request.guidance_scale is not None:
        extras.setdefault("guidance_scale", request.guidance_scale)
    if request.steps is not None:
        extras.setdefault("steps", request.steps)
    return extras


def _map_quality(d: _Draft, word: str | None) -> None:
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
        d.warn(f"quality {word} is not known for {model} (it takes {', '.join(spec.qualities)}); dropped.")
    else:
        d.warn(f"quality {word} is not a setting on {model}; dropped.")


def _map_style(d: _Draft, word: str | None) -> None:
    if word is None:
        return
    if word in d.spec.styles:
        d.style = word
    elif d.spec.styles:
        d.warn(f"style {word} is not known for {d.model} (it takes {', '.join(d.spec.styles)}); dropped.")
    else:
        d.warn(f"style {word} is not a setting on {d.model}; dropped.")


def _map_negative(d: _Draft, prompt: str, negative: str | None) -> str:
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


def _split(d: _Draft, count: int) -> list[int]:
    max_n = max(1, d.spec.max_n)
    chunks = [max_n] * (count // max_n) + ([count % max_n] if count % max_n else [])
    if len(chunks) > 1:
        per = "1 image per request" if max_n == 1 else f"at most {max_n} images per request"
        d.warn(f"count {count} split into {len(chunks)} requests ({d.model} makes {per}).")
    return chunks


def _map_extras(d: _Draft, extras: dict[str, Any]) -> None:
    for key, value in extras.items():
        if key not in d.spec.extras:
            d.warn(f"option {key} is not a setting on {d.model}; dropped.")
            continue
        checked = _check_extra(d, key, value)
        if checked is not None:
            d.extras[key] = checked
    _reconcile_formats(d)


def _check_extra(d: _Draft, key: str, value: Any) -> Any:
    if key in EXTRA_RANGES:
        low, high, whole = EXTRA_RANGES[key]
        ok_type = int if whole else (int, float)
        if isinstance(value, bool) or not isinstance(value, ok_type) or not low <= value <= high:
            kind = "a whole number" if whole else "a number"
            raise Invalid(key, f"{key} must be {kind} from {low:g} to {high:g}, not {value!r}.")
        return value
    if key in EXTRA_VALUES:
        word = value.strip().lower() if isinstance(value, str) else None
        if word not in EXTRA_VALUES[key]:
            d.warn(f"option {key}={value!r} is not allowed (use {', '.join(EXTRA_VALUES[key])}); dropped.")
            return None
        return word
    if not isinstance(value, str | int | float | bool):
        raise Invalid(key, f"{key} must be a plain value, not {type(value).__name__}.")
    return value


def _reconcile_formats(d: _Draft) -> None:
    fmt = d.extras.get("output_format")
    if d.extras.get("background") == "transparent" and fmt == "jpeg":
        d.extras["output_format"] = "png"
        d.warn("background transparent needs png or webp; output_format changed from jpeg to png.")
        fmt = "png"
    if "output_compression" in d.extras and fmt not in ("jpeg", "webp"):
        del d.extras["output_compression"]
        d.warn("output_compression only applies to output_format jpeg or webp; dropped.")


# --- size, aspect ratio and resolution tier -------------------------------------------------------

_SIZE_RE = re.compile(r"^(\d{1,6})\s*[x*\u00d7]\s*(\d{1,6})$")
_RATIO_RE = re.compile(r"^(\d{1,4}(?:\.\d{1,4})?)\s*:\s*(\d{1,4}(?:\.\d{1,4})?)$")
ASPECT_WORDS = {"square": "1:1", "landscape": "3:2", "portrait": "2:3", "wide": "16:9", "tall": "9:16"}
_BOX = (1536, 1024)  # GPT-image's own long/short sides: an aspect ratio on gpt-image-2 fits this box


def _parse_size(value: object) -> tuple[int, int] | str | None:
    """``'WxH'`` -> (w, h); ``'auto'`` -> 'auto'; empty -> None. Raises Invalid('size')."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip().lower() if isinstance(value, str) else ""
    if text == "auto":
        return "auto"
    match = _SIZE_RE.match(text)
    if not match or int(match[1]) == 0 or int(match[2]) == 0:
        raise Invalid("size", f"size {value!r} is not WIDTHxHEIGHT in pixels (e.g. 1024x1024) or auto.")
    return int(match[1]), int(match[2])


def _parse_aspect(value: object) -> str | None:
    """``'16:9'``, ``'wide'`` or ``'auto'`` -> canonical text; empty -> None. Raises Invalid."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = value.strip().lower() if isinstance(value, str) else ""
    text = ASPECT_WORDS.get(text, text)
    if text == "auto":
        return text
    match = _RATIO_RE.match(text)
    if not match or float(match[1]) == 0 or float(match[2]) == 0:
        raise Invalid("aspect_ratio", f"aspect ratio {value!r} is not WIDTH:HEIGHT (e.g. 16:9) or auto.")
    return f"{float(match[1]):g}:{float(match[2]):g}"


def _ratio(text: str) -> float:
    width, height = text.split(":")
    return float(width) / float(height)


def _nearest(target: float, area: float, options: list[tuple[str, float, float]]) -> str:
    """The option nearest ``target`` by aspect ratio, then by area (both on a log scale)."""
    return min(
        options,
        key=lambda o: (round(abs(math.log(o[1] / target)), 9), abs(math.log(o[2] / area))),
    )[0]


def _fixed_options(spec: ModelSpec) -> list[tuple[str, float, float]]:
    out = []
    for size in spec.sizes:
        if size != "auto":
            w, h = (int(x) for x in size.split("x"))
            out.append((size, w / h, float(w * h)))
    return out


def _tier_pixels(tier: str) -> float:
    return float(tier) if tier.isdigit() else float(tier[:-1]) * 1024


def _map_geometry(d: _Draft, size: object, aspect: object, resolution: object) -> None:
    wh, ratio = _parse_size(size), _parse_aspect(aspect)
    _set_resolution(d, resolution)
    spec, model = d.spec, d.model
    size_text = wh if isinstance(wh, str) or wh is None else f"{wh[0]}x{wh[1]}"
    if spec.takes_size and wh is not None:
        if ratio is not None:
            d.warn(f"aspect ratio {ratio} was ignored: size {size_text} was given and {model} takes a size.")
        _size_on_size_model(d, wh)
    elif spec.takes_size and ratio is not None:
        _aspect_on_size_model(d, ratio)
    elif spec.takes_aspect_ratio and ratio is not None:
        if wh is not None:
            d.warn(f"size {size_text} was ignored: aspect ratio {ratio} was given and {model} takes an "
                   "aspect ratio.")
        _aspect_on_aspect_model(d, ratio)
    elif spec.takes_aspect_ratio and wh is not None:
        _size_on_aspect_model(d, wh)
    else:
        for name, given in (("size", size_text), ("aspect ratio", ratio)):
            if given is not None:
                d.warn(f"{name} {given} is not a setting on {model}; dropped.")


def _set_resolution(d: _Draft, value: object) -> None:
    if value is None:
        return
    by_word = {tier.lower(): tier for tier in d.spec.resolutions}
    word = str(value).strip().lower()
    if not d.spec.resolutions:
        d.warn(f"option resolution is not a setting on {d.model}; dropped.")
    elif word in by_word:
        d.resolution = by_word[word]
    else:
        allowed = ", ".join(d.spec.resolutions)
        d.warn(f"resolution {value} is not available on {d.model} (it takes {allowed}); dropped.")


def _size_on_size_model(d: _Draft, wh: tuple[int, int] | str) -> None:
    spec = d.spec
    if isinstance(wh, str):  # 'auto'
        if "auto" in spec.sizes:
            d.size = "auto"
        else:
            d.warn(f"size auto is not available on {d.model}; left to the model's default.")
        return
    asked = f"{wh[0]}x{wh[1]}"
    if asked in spec.sizes:
        d.size = asked
        return
    if spec.free_size is not None:
        d.size = "{}x{}".format(*_fit_free(wh[0], wh[1], spec))
        if d.size != asked:
            d.warn(f"size {asked} is not available on {d.model}; used {d.size} (nearest it allows).")
        return
    d.size = _nearest(wh[0] / wh[1], wh[0] * wh[1], _fixed_options(spec))
    d.warn(f"size {asked} is not available on {d.model}; used {d.size} (nearest).")


def _aspect_on_size_model(d: _Draft, ratio: str) -> None:
    spec = d.spec
    if ratio == "auto":
        if "auto" in spec.sizes:
            d.size = "auto"
        else:
            d.warn(f"aspect ratio auto is not available on {d.model}; left to the model's default.")
        return
    target = _ratio(ratio)
    if spec.free_size is not None:
        long_side = min(_BOX[0], _BOX[1] * max(target, 1 / target))
        w, h = (long_side, long_side / target) if target >= 1 else (long_side * target, long_side)
        d.size = "{}x{}".format(*_fit_free(round(w), round(h), spec))
    else:
        d.size = _nearest(target, 1024 * 1024, _fixed_options(spec))
    d.warn(f"aspect ratio {ratio} was sent as size {d.size} ({d.model} takes a size, not an aspect ratio).")


def _aspect_on_aspect_model(d: _Draft, ratio: str) -> None:
    spec = d.spec
    if ratio in spec.aspect_ratios:
        d.aspect_ratio = ratio
        return
    if ratio == "auto":
        d.warn(f"aspect ratio auto is not available on {d.model}; left to the model's default.")
        return
    options = [(a, _ratio(a), 1.0) for a in spec.aspect_ratios if a != "auto"]
    d.aspect_ratio = _nearest(_ratio(ratio), 1.0, options)
    d.warn(f"aspect ratio {ratio} is not available on {d.model}; used {d.aspect_ratio} (nearest).")


def _size_on_aspect_model(d: _Draft, wh: tuple[int, int] | str) -> None:
    if isinstance(wh, str):
        d.warn(f"size auto is not a setting on {d.model}; left to the model's default.")
        return
    w, h = wh
    options = [(a, _ratio(a), 1.0) for a in d.spec.aspect_ratios if a != "auto"]
    d.aspect_ratio = _nearest(w / h, 1.0, options)
    at = ""
    if d.spec.resolutions and d.resolution is None:
        # The tier whose nominal long side is nearest the asked one: 2048x1152 -> 2K, 1024x1024 -> 1K.
        tiers = [(t, _tier_pixels(t), 1.0) for t in d.spec.resolutions]
        d.resolution = _nearest(float(max(w, h)), 1.0, tiers)
        at = f" at resolution {d.resolution}"
    d.warn(f"size {w}x{h} was sent as aspect ratio {d.aspect_ratio}{at} ({d.model} takes an aspect "
           "ratio, not a size).")


def _fit_free(w: int, h: int, spec: ModelSpec) -> tuple[int, int]:
    """Nearest WxH a free-size model allows: ratio clamped, pixels capped, sides multiples of m."""
    fs = spec.free_size
    assert fs is not None  # only called for free-size specs
    ratio = min(max(w / h, fs.min_ratio), fs.max_ratio)
    # Keep the long side; a clamped ratio widens the short one (1:8 in a 1536 box -> 512x1536).
    wf, hf = (float(w), w / ratio) if w >= h else (h * ratio, float(h))
    scale = min(1.0, math.sqrt(fs.max_pixels / (wf * hf)), fs.max_side / max(wf, hf))
    if wf * hf < fs.min_pixels:
        scale = math.sqrt(fs.min_pixels / (wf * hf))
    m = fs.multiple_of
    w2, h2 = (max(m, int(v * scale / m + 0.5) * m) for v in (wf, hf))
    # Rounding can step just past a limit; walk back one multiple at a time.
    while w2 * h2 > fs.max_pixels or max(w2, h2) > fs.max_side:
        w2, h2 = (w2 - m, h2) if w2 >= h2 else (w2, h2 - m)
    while w2 / h2 > fs.max_ratio:
        w2 -= m
    while w2 / h2 < fs.min_ratio:
        h2 -= m
    while w2 * h2 < fs.min_pixels:
        w2, h2 = (w2 + m, h2) if w2 <= h2 else (w2, h2 + m)
    return w2, h2
