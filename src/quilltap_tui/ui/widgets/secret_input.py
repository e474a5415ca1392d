"""An input for API keys and passphrases whose value never reaches a log line.

Textual logs every message it dispatches (to ``TEXTUAL_LOG`` and the devtools console) with the
message's repr, and :class:`~textual.widgets.Input`'s messages are dataclasses whose repr holds
``value='sk-...'``: one line per keystroke, ending with the whole key. A half-typed key is not yet
known to the redactor, so these messages must not carry it at all: their repr says ``<hidden>``.
They keep Input's handler names (``on_input_changed``...) and match ``@on(Input.Changed)``.
"""

from __future__ import annotations

from typing import Any

import rich.repr
from textual.widgets import Input

HIDDEN = "<hidden>"


def _repr(message: Any) -> str:
    return f"{type(message).__qualname__}(input={message.input!r}, value={HIDDEN!r})"


def _rich_repr(message: Any) -> rich.repr.Result:
    yield "input", message.input
    yield "value", HIDDEN


class SecretInput(Input):
    """A password input (dots on screen) whose Changed/Submitted/Blurred messages hide the value."""

    class Changed(Input.Changed, namespace="input"):
        """:class:`Input.Changed` without the value in its repr."""

        __repr__ = _repr
        __rich_repr__ = _rich_repr

    class Submitted(Input.Submitted, namespace="input"):
        """:class:`Input.Submitted` without the value in its repr."""

        __repr__ = _repr
        __rich_repr__ = _rich_repr

    class Blurred(Input.Blurred, namespace="input"):
        """:class:`Input.Blurred` without the value in its repr."""

        __repr__ = _repr
        __rich_repr__ = _rich_repr

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("password", True)
        super().__init__(*args, **kwargs)
