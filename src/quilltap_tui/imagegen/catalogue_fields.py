"""Checking one catalogue entry field by field; the same rules for the shipped file and ``models.toml``.

Each problem is an :class:`EntryError` naming the field, so the loader can point at its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any

from quilltap_tui.errors import Invalid
from quilltap_tui.imagegen.spec_model import FreeSize, frozen

# The wire shapes the providers implement (code, not model facts: a new shape needs a new provider).
API_KINDS = ("openai-images", "xai-images", "gemini-generate-content", "imagen-predict", "openrouter-images",
             "openrouter-chat", "comfyui-workflow",
             "fal-queue", "bfl-async", "a1111-sdapi",
             "ollama-generate", "together-images",
             "stability-v2beta", "replicate-predictions")
_SIZE = re.compile(r"^(\d{1,5}x\d{1,5}|auto)$")
_RATIO = re.compile(r"^(\d{1,3}(\.\d{1,3})?:\d{1,3}(\.\d{1,3})?|auto)$")
_FREE_KEYS = {"multiple_of": int, "min_ratio": float, "max_ratio": float, "max_pixels": int, "max_side": int,
              "min_pixels": int}


class EntryError(Exception):
    """One bad field of one entry (``field`` None: the entry as a whole)."""

    def __init__(self, field: str | None, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


def _words(pattern: re.Pattern[str] | None = None, example: str = "") -> Callable[[str, Any], tuple[str, ...]]:
    def check(name: str, value: Any) -> tuple[str, ...]:
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise EntryError(name, "must be a list of words, e.g. [\"low\", \"high\"].")
        for item in value:
            if pattern is not None and not pattern.match(item):
                raise EntryError(name, f"{item!r} is not {example}.")
        return tuple(v.strip() for v in value)
    return check


def _word_map(name: str, value: Any) -> Any:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise EntryError(name, "must be a table of words, e.g. { draft = \"low\" }.")
    return frozen({str(k).lower(): v for k, v in value.items()})


def _count(minimum: int) -> Callable[[str, Any], int]:
    def check(name: str, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise EntryError(name, f"must be a whole number of at least {minimum}.")
        return value
    return check


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise EntryError(name, "must be true or false.")
    return value


def _text(name: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise EntryError(name, "must be non-empty text.")
    return value.strip()


def _day(name: str, value: Any) -> str:
    text = value.isoformat() if isinstance(value, date) else value
    try:
        return date.fromisoformat(text).isoformat() if isinstance(text, str) and len(text) == 10 else _bad_day(name)
    except ValueError:
        return _bad_day(name)


def _bad_day(name: str) -> str:
    raise EntryError(name, "must be a date written YYYY-MM-DD.")


def _api(name: str, value: Any) -> str:
    if value not in API_KINDS:
        raise EntryError(name, f"must be one of {', '.join(API_KINDS)}.")
    return str(value)


def _provider(name: str, value: Any) -> str:
    from quilltap_tui.provider_ids import normalize_image

    try:
        return normalize_image(_text(name, value))
    except Invalid as exc:
        raise EntryError(name, str(exc)) from exc


def _model_id(name: str, value: Any) -> str:
    text = _text(name, value)
    if any(ch.isspace() for ch in text) or len(text) > 200:
        raise EntryError(name, f"{text[:40]!r} is not a model id (no spaces, at most 200 characters).")
    return text.lower()


def _free_size(name: str, value: Any) -> FreeSize | None:
    if value is False:
        return None
    if not isinstance(value, dict) or set(value) - {*_FREE_KEYS, "aspect_box"}:
        raise EntryError(name, f"must be false or a table with {', '.join(_FREE_KEYS)}, aspect_box.")
    out: dict[str, Any] = {}
    box = value.get("aspect_box")
    if box is not None:
        found = re.fullmatch(r"(\d{2,5})x(\d{2,5})", str(box))
        if not found:
            raise EntryError(name, "aspect_box must be LONGxSHORT in pixels, e.g. \"1536x1024\".")
        long_side, short_side = int(found[1]), int(found[2])
        out["aspect_box"] = (max(long_side, short_side), min(long_side, short_side))
    for key, kind in _FREE_KEYS.items():
        if key in value:
            number = value[key]
            if kind is float and isinstance(number, str) and _RATIO.match(number) and number != "auto":
                width, height = number.split(":")  # "1:3" is exact where 0.3333 is not
                number = float(width) / float(height)
            if isinstance(number, bool) or not isinstance(number, int | float) or number < 0:
                raise EntryError(name, f"{key} must be a positive number (ratios may be written \"1:3\").")
            out[key] = kind(number)
    return FreeSize(**out)


def _patterns(name: str, value: Any) -> tuple[str, ...]:
    items = _words()(name, value)
    for item in items:
        try:
            re.compile(item)
        except re.error as exc:
            raise EntryError(name, f"{item!r} is not a regular expression: {exc}.") from exc
    return items


FIELDS: dict[str, Callable[[str, Any], Any]] = {
    "provider": _provider, "id": _model_id, "family": _model_id, "api": _api,
    "sizes": _words(_SIZE, "WIDTHxHEIGHT or auto"), "free_size": _free_size,
    "aspect_ratios": _words(_RATIO, "WIDTH:HEIGHT or auto"), "resolutions": _words(),
    "qualities": _words(), "quality_aliases": _word_map, "quality_resolution": _word_map, "styles": _words(),
    "max_images_per_request": _count(1), "negative_prompt": _flag, "seed": _flag,
    "output_formats": _words(), "single_image_formats": _words(), "extras": _words(),
    "max_prompt_chars": _count(1), "max_input_images": _count(0), "mask": _flag, "markup": _flag,
    "partial_images": _count(0),
    "response_format": _text,
    "retired": _flag, "deprecated": _flag, "shutdown_date": _day, "replacement": _model_id, "redirect": _text,
    "note": _text, "source": _text, "checked": _day,
}
_FAMILY_ONLY = {"patterns": _patterns, "default": _flag}


def parse_entry(raw: Any, *, family: bool) -> dict[str, Any]:
    """Checked, normalised values of one ``[[image_models]]`` (or ``[[image_families]]``) entry."""
    if not isinstance(raw, dict):
        raise EntryError(None, "each entry must be a table.")
    allowed = {**FIELDS, **_FAMILY_ONLY} if family else FIELDS
    for required in ("provider", "id"):
        if required not in raw:
            raise EntryError(None, f"the entry has no {required}.")
    out: dict[str, Any] = {}
    for name, value in raw.items():
        check = allowed.get(name)
        if check is None:
            raise EntryError(name, f"unknown field {name!r}; the fields are those of `models --json` "
                                   "capabilities (see docs/image-generation.md).")
        out[name] = check(name, value)
    if family:
        out["id"] = str(raw["id"]).strip()
    return out
