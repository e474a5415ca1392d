"""Make untrusted text (LLM replies, provider messages, stored names) inert before it reaches a terminal.

A reply that contains ``ESC ] 52`` could write the user's clipboard, ``ESC ] 8`` could hide a link and a
DCS string could confuse tmux. Control characters are replaced by their visible Unicode "control
pictures" (ESC becomes ``␛``), so the text stays readable and nothing is executed.
"""

from __future__ import annotations

_C0_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_TABLE: dict[int, str] = {code: pic for code, pic in _C0_PICTURES.items() if code not in (0x09, 0x0A)}
_TABLE[0x7F] = "\u2421"  # DEL
_TABLE.update({code: "\ufffd" for code in range(0x80, 0xA0)})  # C1 controls, incl. 8-bit CSI/OSC/DCS
# Bidirectional overrides can reorder what the user sees; show them as replacement characters.
_TABLE.update({code: "\ufffd" for code in (0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069)})


def inert(text: str, *, keep_newlines: bool = True) -> str:
    """Return ``text`` with every terminal control character replaced by a visible stand-in."""
    cleaned = text.translate(_TABLE)
    if not keep_newlines:
        cleaned = cleaned.replace("\n", "\u2424")
    return cleaned
