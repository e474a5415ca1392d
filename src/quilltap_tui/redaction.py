"""The one redactor: every text the app stores, logs, prints, shows or gives to the LLM passes through it.

Providers echo keys back in error bodies, whole or in part ("Incorrect API key provided: sk-...",
the key minus its last four characters, a slice from its sixth character) and proxies echo headers
(``Authorization: Basic base64(user:key)``). So every key this process has read (from the vault, the
environment, stdin or a form) is :func:`register`-ed, and :func:`redact` replaces, for each of them:

- any run of :data:`MIN_RUN` (12) or more consecutive characters of the key, wherever it starts;
- any such run of the key's base64 forms (standard and URL-safe, at each of the three byte
  alignments, so ``base64(key)``, ``base64(":" + key)`` and ``base64(user + ":" + key)`` all match);
- a whole key shorter than 12 characters.

Each removed run becomes the documented masked form ``…abcd`` (an ellipsis and the key's last four,
which the app shows anyway; just ``…`` for a key under eight characters).

Finding runs: a run of 12 or more characters always contains one of the text's 6-character windows
that start at a multiple of 6, so only those windows are looked up in an index of the key's
6-character slices, and each hit is grown left and right while it still matches the key. That keeps
the cost near one dictionary lookup per six characters of text.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterable
from typing import Any, NamedTuple

ELLIPSIS = "\u2026"
MIN_RUN = 12  # shorter runs of a random key are too short to identify it, and too common by chance
MIN_SECRET = 4  # an explicitly named secret shorter than this is not worth masking
MIN_REGISTERED = 8  # keys read by the process shorter than this are test placeholders, not keys
MIN_REVEAL_LENGTH = 8  # below this, the last four characters would reveal half the secret
_GRAM = MIN_RUN // 2


def last4(secret: str) -> str:
    """The last four characters of ``secret``, or ``""`` when it is shorter than eight characters."""
    return secret[-4:] if len(secret) >= MIN_REVEAL_LENGTH else ""


def mask(secret: str) -> str:
    """``secret`` as shown to a user: ``'…'`` plus its last four characters (``'…'`` alone when short)."""
    return ELLIPSIS + last4(secret)


class _Form(NamedTuple):
    """One string to hunt for (a key or one of its base64 forms) and what replaces it."""

    text: str
    replacement: str


class _Index(NamedTuple):
    short: tuple[_Form, ...]  # forms under MIN_RUN characters: replaced only whole
    grams: dict[str, tuple[tuple[_Form, int], ...]]  # 6-character slice -> (form, offset) pairs


_lock = threading.Lock()
_known: set[str] = set()
_index: _Index | None = None
_EMPTY = _Index((), {})


def register(secret: str | None) -> None:
    """Remember a key this process has read, so that every later :func:`redact` removes it."""
    global _index
    value = (secret or "").strip()
    if len(value) < MIN_REGISTERED or value in _known:
        return
    with _lock:
        _known.add(value)
        _index = None


def known_count() -> int:
    """How many keys are registered (for tests and ``doctor``-style diagnostics)."""
    return len(_known)


def redact(text: str, secrets: Iterable[str | None] = ()) -> str:
    """``text`` without any registered key or any of ``secrets`` (see the module docstring)."""
    if not text:
        return text
    extra = {s for s in secrets if s and len(s) >= MIN_SECRET and s not in _known}
    index = _build(extra) if extra else _current()
    if not index.grams and not index.short:
        return text
    if index.grams:  # long keys first: a short secret inside a long key must not split it into pieces
        text = _remove_runs(text, index.grams)
    for form in index.short:
        text = text.replace(form.text, form.replacement)
    return text


def redact_data(value: Any, secrets: Iterable[str | None] = ()) -> Any:
    """A copy of JSON-like ``value`` with every string (keys of mappings included) redacted."""
    given = tuple(secrets)
    if isinstance(value, str):
        return redact(value, given)
    if isinstance(value, dict):
        return {redact_data(k, given): redact_data(v, given) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_data(v, given) for v in value]
    return value


def _current() -> _Index:
    global _index
    index = _index
    if index is None:
        with _lock:
            index = _index = _build(set())
    return index


def _build(extra: set[str]) -> _Index:
    short: list[_Form] = []
    grams: dict[str, list[tuple[_Form, int]]] = {}
    for secret in sorted(_known | extra, key=len, reverse=True):
        for form in _forms(secret):
            if len(form.text) < MIN_RUN:
                short.append(form)
                continue
            for offset in range(len(form.text) - _GRAM + 1):
                grams.setdefault(form.text[offset : offset + _GRAM], []).append((form, offset))
    return _Index(tuple(short), {g: tuple(hits) for g, hits in grams.items()})


def _forms(secret: str) -> list[_Form]:
    """The key itself and the parts of its base64 encodings that depend only on the key's bytes."""
    replacement = mask(secret)
    forms = [_Form(secret, replacement)]
    if len(secret) < MIN_RUN:
        return forms
    raw = secret.encode()
    for skip in range(3):  # the key may start at any byte offset modulo 3 of the encoded input
        tail = raw[skip:]
        whole_groups = 4 * (len(tail) // 3)  # the last, partial group also depends on what follows
        for encoded in (base64.b64encode(tail), base64.urlsafe_b64encode(tail)):
            core = encoded[:whole_groups].decode()
            if len(core) >= MIN_RUN and core not in (f.text for f in forms):
                forms.append(_Form(core, replacement))
    return forms


def _remove_runs(text: str, grams: dict[str, tuple[tuple[_Form, int], ...]]) -> str:
    spans: list[tuple[int, int, int, str]] = []
    covered = 0
    for start in range(0, len(text) - _GRAM + 1, _GRAM):
        if start + _GRAM <= covered:
            continue
        hits = grams.get(text[start : start + _GRAM])
        if not hits:
            continue
        for form, offset in hits:
            left, right = _grow(text, start, form.text, offset)
            if right - left >= MIN_RUN:
                whole = 0 if right - left == len(form.text) else 1  # a whole key names itself best
                spans.append((left, -right, whole, form.replacement))
                covered = max(covered, right)
    return _splice(text, spans) if spans else text


def _grow(text: str, start: int, form: str, offset: int) -> tuple[int, int]:
    """The widest run around ``text[start:start+6] == form[offset:offset+6]`` where both still agree."""
    left, at = start, offset
    while left > 0 and at > 0 and text[left - 1] == form[at - 1]:
        left, at = left - 1, at - 1
    right, at = start + _GRAM, offset + _GRAM
    while right < len(text) and at < len(form) and text[right] == form[at]:
        right, at = right + 1, at + 1
    return left, right


def _splice(text: str, spans: list[tuple[int, int, int, str]]) -> str:
    """``text`` with the spans replaced; overlapping or touching spans merge into one replacement."""
    merged: list[list[Any]] = []
    for left, neg_right, _whole, replacement in sorted(spans):
        right = -neg_right
        if merged and left <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right, replacement])
    parts: list[str] = []
    pos = 0
    for left, right, replacement in merged:
        parts += [text[pos:left], replacement]
        pos = right
    parts.append(text[pos:])
    return "".join(parts)
