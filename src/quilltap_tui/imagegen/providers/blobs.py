"""Parsing image responses without long pauses: big base64 strings are lifted out before ``json.loads``.

An answer with four 4 MiB images is a 22 MB JSON document. ``json.loads`` on it is one C call that
holds the GIL for about 100 ms, so every other thread (the TUI's event loop included) stops for that
long, and it builds a 5.5 MB ``str`` per image on top of the raw bytes. Instead, each string value of
at least :data:`BLOB_MIN` bytes without escapes is cut out (a handful of ``bytes.find`` calls, each
short), the small rest is parsed normally, and the cut-outs come back as :class:`Blob` views into the
raw bytes that decode in 1 MiB pieces. Every step is a short C call, so the GIL changes hands often.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from typing import Any

BLOB_MIN = 64 * 1024
DECODE_CHUNK = 1 << 20  # a multiple of 4, so base64 pieces decode independently
_MARK = "\x00blob:"
_DATA_URI = re.compile(rb"^data:[^,]{0,100};base64,", re.IGNORECASE)
_BACKSLASH = 0x5C


@dataclass(frozen=True, eq=False)
class Blob:
    """A large JSON string value (base64 text), kept as a view of the response bytes."""

    view: memoryview

    def __len__(self) -> int:
        return len(self.view)

    def __bool__(self) -> bool:
        return len(self.view) > 0

    def decode(self) -> bytes:
        """Strict base64 decoding in pieces; a ``data:...;base64,`` prefix is tolerated.

        Raises :class:`binascii.Error` when the text is not base64.
        """
        view = self.view
        prefix = _DATA_URI.match(bytes(view[:120]))
        if prefix:
            view = view[prefix.end():]
        out = bytearray()
        try:
            for start in range(0, len(view), DECODE_CHUNK):
                out += base64.b64decode(view[start:start + DECODE_CHUNK], validate=True)
        except binascii.Error:
            # Line-wrapped base64 (allowed by some servers): drop the whitespace and try once more.
            return base64.b64decode(b"".join(bytes(view).split()), validate=True)
        return bytes(out)


def loads(content: bytes) -> Any:
    """``json.loads`` for provider answers, with large string values returned as :class:`Blob`.

    Raises :class:`ValueError` for invalid JSON, like ``json.loads``.
    """
    parts: list[bytes] = []
    blobs: list[Blob] = []
    whole = memoryview(content)
    kept_from = 0
    cursor = content.find(b'"')
    while cursor >= 0:
        end = _string_end(content, cursor)
        if end < 0:
            break  # unterminated string: json.loads below reports it
        if end - cursor - 1 >= BLOB_MIN and content.find(b"\\", cursor + 1, end) < 0:
            parts += [content[kept_from:cursor], json.dumps(f"{_MARK}{len(blobs)}").encode()]
            blobs.append(Blob(whole[cursor + 1:end]))
            kept_from = end + 1
        cursor = content.find(b'"', end + 1)
    if not blobs:
        return json.loads(content)
    parts.append(content[kept_from:])
    return _restore(json.loads(b"".join(parts)), blobs)


def _string_end(content: bytes, start: int) -> int:
    """Index of the quote closing the JSON string that opens at ``start`` (-1 when none)."""
    search = start + 1
    while True:
        quote = content.find(b'"', search)
        if quote < 0:
            return -1
        backslashes = 0
        while content[quote - 1 - backslashes] == _BACKSLASH:
            backslashes += 1
        if backslashes % 2 == 0:
            return quote
        search = quote + 1


def _restore(value: Any, blobs: list[Blob]) -> Any:
    if isinstance(value, str) and value.startswith(_MARK):
        return blobs[int(value[len(_MARK):])]
    if isinstance(value, dict):
        return {key: _restore(item, blobs) for key, item in value.items()}
    if isinstance(value, list):
        return [_restore(item, blobs) for item in value]
    return value
