"""A tool result in words, for the tool-call widget: chosen by the result's shape, never the tool's name.

``generate_image`` and ``edit_image`` return the same shape (``images`` with sizes and ids), so both read
"2 images · 1024x1024 · image/png · ids 3f2a91c0, 77b0e1d2"; an error is its one sentence; anything else
is a compact ``key: value`` list. Pure text (no Textual); the widget makes it inert before drawing it.
"""

from __future__ import annotations

from typing import Any

ID_PREFIX = 8  # enough to tell images apart and to find one with `show`
MAX_VALUE_CHARS = 120  # one value of an unknown result, on one line
MAX_WARNING_CHARS = 600  # a warning wraps rather than losing its advice ("use gpt-image-2")
MAX_LINES = 12  # an unknown result's lines before "… (n more)"
SKIPPED = ("raw", "shown_to_user", "warnings")  # the raw answer is debugging; warnings are shown on their own


def summarize(result: dict[str, Any], *, ok: bool = True) -> list[str]:
    """The result as short lines of plain words."""
    if not ok or ("error" in result and not result.get("images")):
        return [one_line(result.get("error") or "The tool failed.")]
    images = result.get("images")
    if isinstance(images, list) and all(isinstance(i, dict) for i in images):
        return _images(result, images)
    return _key_values(result)


def warnings_of(result: dict[str, Any]) -> list[str]:
    """The plain-words warnings a result carries (mapping adjustments, retired models)."""
    found = result.get("warnings")
    if not isinstance(found, list):
        return []
    return [one_line(w, MAX_WARNING_CHARS) for w in found if str(w).strip()]  # whole: they name the fix


def one_line(value: object, limit: int = MAX_VALUE_CHARS) -> str:
    text = " ".join(str(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _images(result: dict[str, Any], images: list[dict[str, Any]]) -> list[str]:
    count = len(images)
    parts = [f"{count} image{'s' if count != 1 else ''}"]
    sizes = _distinct(f"{i.get('width', '?')}x{i.get('height', '?')}" for i in images)
    mimes = _distinct(str(i["mime_type"]) for i in images if i.get("mime_type"))
    ids = [str(i["id"])[:ID_PREFIX] for i in images if i.get("id")]
    if sizes:
        parts.append(", ".join(sizes))
    if mimes:
        parts.append(", ".join(mimes))
    if ids:
        parts.append(f"id{'s' if len(ids) != 1 else ''} {', '.join(ids)}")
    lines = [" · ".join(parts)]
    made_by = " / ".join(str(result[k]) for k in ("profile", "model") if result.get(k))
    if made_by:
        lines.append(f"made by {made_by}")
    sources = result.get("made_from")
    if isinstance(sources, list) and sources:
        lines.append("made from " + ", ".join(str(s)[:ID_PREFIX] for s in sources))
    # The model's short result has it on top; the full document (what the UI gets) on each image.
    revised = result.get("revised_prompt") or next(
        (i["revised_prompt"] for i in images if i.get("revised_prompt")), None)
    if revised:
        lines.append(f"revised prompt: {one_line(revised, 300)}")
    return lines


def _key_values(result: dict[str, Any]) -> list[str]:
    lines = [f"{key}: {_value(value)}" for key, value in result.items() if key not in SKIPPED]
    if len(lines) > MAX_LINES:
        lines = [*lines[:MAX_LINES], f"… ({len(lines) - MAX_LINES} more)"]
    return lines or ["(empty)"]


def _value(value: object) -> str:
    if isinstance(value, dict):
        return one_line(", ".join(f"{k}={_scalar(v)}" for k, v in value.items() if v is not None) or "-")
    if isinstance(value, list):
        return one_line(", ".join(_scalar(v) for v in value) or "-")
    return one_line(_scalar(value))


def _scalar(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}={v}" for k, v in value.items()) + "}"
    return "-" if value is None else str(value)


def _distinct(values: Any) -> list[str]:
    return list(dict.fromkeys(values))
