"""Input validation shared by every service. Each failure is an :class:`Invalid` naming its field."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit

from quilltap_tui.errors import Invalid

# Moved below services (the chat tools use them too); kept importable from here.
from quilltap_tui.imagegen.options import RESTRICTION_KEYS as RESTRICTION_KEYS
from quilltap_tui.imagegen.options import coerce_int as coerce_int
from quilltap_tui.textsafe import has_controls

MAX_NAME = 100
MAX_TAG = 50


def name(value: str | None, field: str = "name") -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid(field, f"{field} is required.")
    if len(text) > MAX_NAME:
        raise Invalid(field, f"{field} is longer than {MAX_NAME} characters.")
    if has_controls(text):
        raise Invalid(field, f"{field} must not contain control characters or bidirectional overrides.")
    return text


def model(value: str | None) -> str:
    text = (value or "").strip()
    if not text:
        raise Invalid("model", "model is required.")
    if len(text) > 200 or any(ch.isspace() or ord(ch) < 32 for ch in text):
        raise Invalid("model", f"model {text[:40]!r} is not a valid model id (no spaces, at most 200 characters).")
    return text


def base_url(value: str | None) -> str | None:
    """Only http and https, with a host; trailing slashes dropped. Empty means the provider default."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise Invalid("base_url", f"base_url {text!r} is not a valid URL.") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise Invalid("base_url", f"base_url must start with http:// or https:// (got {parts.scheme or 'no'} scheme).")
    if not parts.hostname:
        raise Invalid("base_url", f"base_url {text!r} has no host.")
    if parts.username or parts.password:
        raise Invalid("base_url", "base_url must not contain a user name or password; store keys in the vault.")
    if parts.query or parts.fragment:
        raise Invalid("base_url", "base_url must not contain a query string or fragment.")
    return text.rstrip("/")


def parameters(value: Mapping[str, Any] | None) -> dict[str, Any]:
    """Parameters must survive a JSON round trip unchanged (finite numbers, string keys)."""
    params = dict(value or {})
    for key in params:
        if not isinstance(key, str) or not key.strip():
            raise Invalid("parameters", "parameter names must be non-empty strings.")
    try:
        encoded = json.dumps(params, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise Invalid("parameters", f"parameters must be JSON values: {exc}.") from exc
    result: dict[str, Any] = json.loads(encoded)
    return result


def tags(values: Iterable[str] | None) -> list[str]:
    """Trim, drop empties and duplicates (case-insensitive), keep the first spelling and order."""
    seen: dict[str, str] = {}
    for raw in values or ():
        text = (raw or "").strip()
        if not text:
            continue
        if len(text) > MAX_TAG:
            raise Invalid("tag", f"tag {text[:20]!r}... is longer than {MAX_TAG} characters.")
        if has_controls(text):  # the same rule as names: a tag is drawn in lists and pickers
            raise Invalid("tag", "tag must not contain control characters or bidirectional overrides.")
        seen.setdefault(text.lower(), text)
    return list(seen.values())


def positive_int(value: Any, field: str, *, maximum: int) -> int:
    if isinstance(value, bool):
        raise Invalid(field, f"{field} must be a whole number.")
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise Invalid(field, f"{field} must be a whole number.") from exc
    if isinstance(value, float) and (not math.isfinite(value) or value != number):
        raise Invalid(field, f"{field} must be a whole number.")
    if not 1 <= number <= maximum:
        raise Invalid(field, f"{field} must be between 1 and {maximum}.")
    return number


def parse_param(text: str) -> tuple[str, Any]:
    """Parse one ``K=V`` command-line parameter: V as JSON when it parses, else kept as a string."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key:
        raise Invalid("param", f"--param {text!r} must look like KEY=VALUE.")
    try:
        value: Any = json.loads(raw)
    except ValueError:
        value = raw
    if isinstance(value, float) and not math.isfinite(value):
        value = raw
    return key, value


def restrictions(params: dict[str, Any]) -> dict[str, Any]:
    """``allowed_*`` parameters must be non-empty JSON lists of strings."""
    for key in RESTRICTION_KEYS:
        if key not in params:
            continue
        value = params[key]
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            raise Invalid(
                "param",
                f"{key} must be a non-empty JSON list of strings, e.g. --param '{key}=[\"1024x1024\"]'.",
            )
    return params
