"""A corpus of terminal escape sequences and Rich markup that untrusted text may carry."""

from __future__ import annotations

ESC = "\x1b"
CORPUS = {
    "csi-clear": f"{ESC}[2J{ESC}[H",
    "csi-cursor": f"{ESC}[10;10H{ESC}[1A{ESC}[K",
    "csi-colour": f"{ESC}[31;1mred{ESC}[0m",
    "osc52-clipboard": f"{ESC}]52;c;cm0gLXJmIH4=\x07",
    "osc8-link": f"{ESC}]8;;https://evil.example/{ESC}\\click{ESC}]8;;{ESC}\\",
    "osc-title": f"{ESC}]0;pwned\x07",
    "dcs-tmux": f"{ESC}Ptmux;{ESC}{ESC}]52;c;eA==\x07{ESC}\\",
    "c1-csi": "\x9b2J",
    "c1-osc": "\x9d52;c;eA==\x9c",
    "bidi": "abc\u202edcba",
    "bell-backspace": "\x07\x08\x08",
}
MARKUP = ("[bold red]loud[/bold red]", "[link=https://evil.example]click[/link]")
PAYLOAD = "".join(CORPUS.values()) + " " + " ".join(MARKUP)


def raw_controls(text: str) -> list[str]:
    """Characters a terminal would act on: C0 (except tab and newline), DEL, C1, bidi overrides."""
    bad = {chr(c) for c in range(0x20) if c not in (0x09, 0x0A)} | {"\x7f"} | {chr(c) for c in range(0x80, 0xA0)}
    bad |= {"\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"}
    return sorted({repr(ch) for ch in text if ch in bad})
