"""Terminal input and output helpers for the command line: JSON, tables, secrets, passphrases.

Secrets are read from stdin when it is not a terminal, else from a hidden prompt; the file vault's
passphrase is asked on the controlling terminal (``/dev/tty``) so it never mixes with piped stdin.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from quilltap_tui.errors import Invalid, VaultLocked
from quilltap_tui.services.context import AppContext
from quilltap_tui.textsafe import inert

# json.dumps escapes C0 controls but, with ensure_ascii=False, writes DEL, the 8-bit C1 controls (a raw
# CSI or OSC to some terminals) and bidi overrides as they are. They can only occur inside JSON strings,
# so escaping them as backslash-u escapes keeps the document's meaning and keeps a terminal showing it safe.
_JSON_UNSAFE = re.compile("[\u007f-\u009f\u202a-\u202e\u2066-\u2069]")


def emit_json(document: Any) -> None:
    text = json.dumps(document, ensure_ascii=False, default=str)
    print(_JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text))


def emit_table(rows: Sequence[Sequence[Any]], headers: Sequence[str]) -> None:
    """A plain aligned table; every cell is made inert (no escape sequences from stored text)."""
    cells = [[inert("" if v is None else str(v)) for v in row] for row in rows]
    widths = [max([len(h), *(len(r[i]) for r in cells)]) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def emit_fields(pairs: Iterable[tuple[str, Any]]) -> None:
    items = list(pairs)
    width = max((len(k) for k, _ in items), default=0)
    for key, value in items:
        if isinstance(value, (list, tuple)):
            value = ", ".join(str(v) for v in value) or "-"
        elif isinstance(value, dict):
            value = json.dumps(value, ensure_ascii=False) if value else "-"
        elif value is None:
            value = "-"
        print(f"{key.ljust(width)}  {inert(str(value))}")


def read_secret(prompt: str = "API key: ") -> str:
    """The secret from piped stdin, or a hidden prompt when stdin is a terminal."""
    if sys.stdin is None:
        raise Invalid("secret", "No key given: pipe it on stdin, use --from-env VAR, or run in a terminal.")
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    data = sys.stdin.read()
    lines = [line.strip() for line in data.splitlines() if line.strip()]
    if len(lines) > 1:
        raise Invalid("secret", "stdin holds more than one line; pipe only the API key.")
    return lines[0] if lines else ""


def tty_passphrase(creating: bool) -> str | None:
    """Ask the file vault's passphrase on the controlling terminal, or return None when there is none."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return None
    os.close(fd)
    first = getpass.getpass("New vault passphrase: " if creating else "Vault passphrase: ")
    if creating:
        again = getpass.getpass("Repeat the passphrase: ")
        if again != first:
            raise VaultLocked("The two passphrases differ; nothing was stored.")
    return first


def context() -> AppContext:
    return AppContext(passphrase_provider=tty_passphrase)
