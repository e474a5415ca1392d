"""Which terminal graphics protocol to use for image previews, honouring ``QUILLTAP_IMAGES``.

``auto`` asks textual-image, which probes the terminal once (Sixel, then the Kitty graphics protocol,
else half-cell blocks). The probe writes a query to the terminal and reads the answer, so it must run
before a full-screen app takes over the terminal, and only when stdout is a terminal.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

PROTOCOLS = ("tgp", "sixel", "halfcell", "off")
# textual-image's chosen class, by the name it exports it under: every one of its classes is called
# ``Image`` (in modules tgp, sixel, halfcell, unicode), so the class name itself says nothing.
_EXPORTS = (("TGPImage", "tgp"), ("SixelImage", "sixel"), ("HalfcellImage", "halfcell"))


def detect(mode: str = "auto") -> str:
    """Return ``tgp``, ``sixel``, ``halfcell`` or ``off``."""
    if mode != "auto":
        return mode
    stdout = sys.__stdout__
    if stdout is None or not stdout.isatty():
        return "off"
    try:
        from textual_image import renderable
    except Exception:  # a broken terminal answer must never stop the app from starting
        return "halfcell"
    return protocol_of(renderable)


def protocol_of(renderable: object) -> str:
    """The protocol of the class textual-image picked as ``renderable.Image`` (half-cell if unknown)."""
    chosen = getattr(renderable, "Image", None)
    return next((name for export, name in _EXPORTS if getattr(renderable, export, None) is chosen), "halfcell")


def environment_notes(environ: Mapping[str, str] | None = None) -> list[str]:
    """Plain-words hints for ``doctor``: tmux passthrough, SSH, terminals known to lack graphics."""
    env = os.environ if environ is None else environ
    notes: list[str] = []
    if env.get("TMUX"):
        notes.append(
            "Inside tmux: graphics need `set -g allow-passthrough on` (tmux 3.3+) for the Kitty protocol, "
            "or a tmux built with Sixel support (3.4+); otherwise previews use half-cell blocks."
        )
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        notes.append(
            "Over SSH: previews are drawn by your local terminal; Sixel (xterm -ti vt340, foot, WezTerm, "
            "iTerm2) or Kitty graphics work, and the full images stay on the remote host."
        )
    if env.get("TERM", "").startswith("screen"):
        notes.append("TERM is screen*: set TERM=tmux-256color or xterm-256color for colours and graphics.")
    return notes
