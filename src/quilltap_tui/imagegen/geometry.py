"""Size, aspect ratio and resolution tier: the geometry part of mapping a request onto a model.

A size on a model that takes sizes snaps to the nearest supported one (free-size models are fitted to
their limits); a size on an aspect-ratio model becomes the nearest ratio (and may pick a resolution
tier), and an aspect ratio on a size model picks the size of nearest ratio. Each adjustment is one
warning on the :class:`~quilltap_tui.imagegen.mapping.Draft`.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.capabilities import ModelSpec

if TYPE_CHECKING:
    from quilltap_tui.imagegen.mapping import Draft

_SIZE_RE = re.compile(r"^(\d{1,6})\s*[x*\u00d7]\s*(\d{1,6})$")
_RATIO_RE = re.compile(r"^(\d{1,4}(?:\.\d{1,4})?)\s*:\s*(\d{1,4}(?:\.\d{1,4})?)$")
ASPECT_WORDS = {"square": "1:1", "landscape": "3:2", "portrait": "2:3", "wide": "16:9", "tall": "9:16"}


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


def map_geometry(d: Draft, size: object, aspect: object, resolution: object) -> None:
    """Set the draft's size, aspect ratio and resolution tier from what was asked, warning on each change."""
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


def _set_resolution(d: Draft, value: object) -> None:
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


def _size_on_size_model(d: Draft, wh: tuple[int, int] | str) -> None:
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


def _aspect_on_size_model(d: Draft, ratio: str) -> None:
    spec = d.spec
    if ratio == "auto":
        if "auto" in spec.sizes:
            d.size = "auto"
        else:
            d.warn(f"aspect ratio auto is not available on {d.model}; left to the model's default.")
        return
    target = _ratio(ratio)
    if spec.free_size is not None:
        # The model's own box (gpt-image: 1536x1024) holds the size an aspect ratio becomes.
        box_long, box_short = spec.free_size.aspect_box
        long_side = min(box_long, box_short * max(target, 1 / target))
        w, h = (long_side, long_side / target) if target >= 1 else (long_side * target, long_side)
        d.size = "{}x{}".format(*_fit_free(round(w), round(h), spec))
    else:
        d.size = _nearest(target, 1024 * 1024, _fixed_options(spec))
    d.warn(f"aspect ratio {ratio} was sent as size {d.size} ({d.model} takes a size, not an aspect ratio).")


def _aspect_on_aspect_model(d: Draft, ratio: str) -> None:
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


def _size_on_aspect_model(d: Draft, wh: tuple[int, int] | str) -> None:
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
