"""Make untrusted text (LLM replies, provider messages, stored names) inert before it reaches a terminal.

Two attacks, one rule: text from users, providers and the LLM is *data* and is never executed.

- Terminal escapes: a reply that contains ``ESC ] 52`` could write the user's clipboard, ``ESC ] 0``
  the window title, ``ESC ] 8`` hide a link, a DCS string talk to tmux, 8-bit C1 controls do the same
  in one byte, and bidi overrides reorder what the user reads. Every control character is replaced by
  a visible stand-in (ESC becomes ``␛``, C0 its Unicode "control picture", C1 and bidi ``�``), so
  the sequences are shown, not obeyed.
- Rich markup: Textual parses ``[...]`` in strings it is handed, so ``[@click=app.quit]`` would run
  an action, ``[bold red]`` restyle a list and ``[/INST]`` crash the app with MarkupError. Data is
  handed to widgets as :class:`rich.text.Text` made by :func:`literal` (never parsed) or, where a
  widget only takes markup, through :func:`markup_escape`.

Both functions also run the text through the redactor, so no known key is ever drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from quilltap_tui.redaction import redact

if TYPE_CHECKING:
    from rich.text import Text

_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_TABLE: dict[int, str] = {code: pic for code, pic in _C0_PICTURES.items() if code not in (0x09, 0x0A)}
_TABLE[0x7F] = "\u2421"  # DEL
_TABLE.update({code: "\ufffd" for code in range(0x80, 0xA0)})  # C1 controls, incl. 8-bit CSI/OSC/DCS
# Bidirectional overrides, embeddings, isolates and marks can reorder what the user sees; the line and
# paragraph separators break lines where the terminal does not expect it.
BIDI = (0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)
_TABLE.update({code: "\ufffd" for code in (*BIDI, 0x2028, 0x2029)})
_NEWLINE_PICTURE = "\u2424"


def inert(text: str, *, keep_newlines: bool = True) -> str:
    """``text`` with every terminal control character replaced by a visible stand-in, and redacted."""
    cleaned = redact(str(text)).translate(_TABLE)
    if not keep_newlines:
        cleaned = cleaned.replace("\n", _NEWLINE_PICTURE)
    return cleaned


def literal(text: object, *, keep_newlines: bool = True, style: str = "") -> Text:
    """``text`` as a Rich :class:`~rich.text.Text` that no widget parses as markup: the one safe form
    for any user, provider or LLM string that a widget draws (labels, cells, options, titles)."""
    from rich.text import Text

    return Text(inert("" if text is None else str(text), keep_newlines=keep_newlines), style=style)


def markup_escape(text: object, *, keep_newlines: bool = True) -> str:
    """``text`` made inert and escaped, for the few places that build a markup string around data."""
    from rich.markup import escape

    return escape(inert("" if text is None else str(text), keep_newlines=keep_newlines))


def has_controls(text: str) -> bool:
    """Whether ``text`` holds a character :func:`inert` would replace (tab and newline included)."""
    return any(ord(ch) in _TABLE or ch in "\t\n" for ch in text)


def cells(*values: object) -> tuple[str, ...]:
    """DataTable cells: each value inert, on one line and escaped (a table parses ``str`` cells as markup;
    escaped strings keep rows comparable as plain strings)."""
    return tuple(markup_escape("" if v is None else str(v), keep_newlines=False) for v in values)
