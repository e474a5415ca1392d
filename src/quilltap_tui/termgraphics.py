"""Which terminal graphics protocol to use for image previews, honouring ``QUILLTAP_IMAGES``.

``auto`` asks textual-image, which probes the terminal once (Sixel, then the Kitty graphics protocol,
else half-cell blocks). The probe writes a query to the terminal and reads the answer, so it must run
before a full-screen app takes over the terminal, and only when stdout is a terminal. The TUI asks
through ``termprobe`` instead (one batch, keeping the keys typed meanwhile); ``generate`` and ``doctor``
use :func:`detect`.

Inside tmux, tmux itself answers those queries (never with Sixel, nor Kitty graphics), so with
``allow-passthrough on`` the queries go to the terminal outside tmux wrapped in tmux's passthrough
(``ESC P tmux; ... ESC backslash``), which tmux 3.3+ forwards and whose answers it hands back. The pictures are
wrapped the same way when drawn (``ui/terminal.py``): textual-image 0.12, the last release for Python
3.11, has no tmux support at all, and 0.13+ wraps only Kitty graphics, so the app does it itself on
every supported Python.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

PROTOCOLS = ("tgp", "sixel", "halfcell", "off")
# textual-image's chosen class, by the name it exports it under: every one of its classes is called
# ``Image`` (in modules tgp, sixel, halfcell, unicode), so the class name itself says nothing.
_EXPORTS = (("TGPImage", "tgp"), ("SixelImage", "sixel"), ("HalfcellImage", "halfcell"))


# tmux's view of the pane: whether passthrough is allowed, where the pane sits on the outer terminal, and
# the outer terminal's cell size in pixels (tmux 3.3+ knows it; the pane's own ioctl may say 0).
_TMUX_FORMAT = ("#{allow-passthrough}|#{pane_left}|#{pane_top}|#{status}|#{status-position}|"
                "#{client_cell_width}|#{client_cell_height}")
_TGP_QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
_DA_REPLY = re.compile(r"\x1b\[\?([0-9;]*)c")
_TGP_REPLY = re.compile(r"\x1b_G[^\x1b]*;OK\x1b\\")


@dataclass(frozen=True)
class Tmux:
    """What tmux says about the pane the app runs in."""

    passthrough: bool  # allow-passthrough is on (or all)
    origin: tuple[int, int] = (0, 0)  # (column, row) of the pane's top-left cell on the outer terminal
    cell: tuple[int, int] | None = None  # the outer terminal's cell in pixels, when tmux knows it


def tmux_wrap(sequence: str) -> str:
    """Wrap ``sequence`` in tmux's passthrough: DCS tmux; ... ST, with every ESC inside doubled."""
    return "\x1bPtmux;" + sequence.replace("\x1b", "\x1b\x1b") + "\x1b\\"


def parse_tmux(line: str) -> Tmux:
    """Read ``tmux display -p`` of :data:`_TMUX_FORMAT`; anything unexpected means no passthrough."""
    parts = line.strip().split("|")
    if len(parts) != 7 or not all(p.isdigit() for p in parts[1:3]):
        return Tmux(False)
    allowed, left, top, status, position, cell_width, cell_height = parts
    status_rows = {"off": 0, "on": 1}.get(status, int(status) if status.isdigit() else 1)
    row = int(top) + (status_rows if position == "top" else 0)  # a status line on top pushes the panes down
    cell = (int(cell_width), int(cell_height)) if cell_width.isdigit() and cell_height.isdigit() else None
    return Tmux(allowed in ("1", "on", "all"), (int(left), row), cell if cell and all(cell) else None)


def tmux_state(environ: Mapping[str, str] | None = None,
               run: Callable[..., subprocess.CompletedProcess[str]] = subprocess.run) -> Tmux | None:
    """tmux's answer for this pane, or None outside tmux. Blocking (one ``tmux display`` call)."""
    env = os.environ if environ is None else environ
    if not env.get("TMUX"):
        return None
    try:
        result = run(["tmux", "display-message", "-p", _TMUX_FORMAT], capture_output=True, text=True,
                     timeout=3, check=False)
    except (OSError, subprocess.SubprocessError):
        return Tmux(False)
    return parse_tmux(result.stdout) if result.returncode == 0 else Tmux(False)


def parse_answer(answer: str) -> str | None:
    """The protocol the outer terminal's answers offer (Sixel first, as textual-image orders them)."""
    reply = _DA_REPLY.search(answer)
    if reply is None:
        return None
    if "4" in reply.group(1).split(";"):
        return "sixel"
    return "tgp" if _TGP_REPLY.search(answer) else "halfcell"


def probe_through_tmux(timeout: float = 0.6) -> str | None:
    """Ask the terminal outside tmux, through passthrough, for Sixel (primary DA) and Kitty graphics.

    The DA query goes last: every terminal answers it, after the Kitty answer if there is one. None when
    nothing comes back in ``timeout`` seconds (a tmux that does not hand the answers back).
    """
    import select
    import termios
    import tty

    stdin, stdout = sys.__stdin__, sys.__stdout__
    if stdin is None or stdout is None or not stdin.isatty():
        return None
    fd = stdin.fileno()
    saved = termios.tcgetattr(fd)
    tty.setcbreak(fd, termios.TCSANOW)
    answer = b""
    try:
        os.write(stdout.fileno(), (tmux_wrap(_TGP_QUERY) + tmux_wrap("\x1b[c")).encode())
        deadline = time.monotonic() + timeout
        while not _DA_REPLY.search(answer.decode("latin-1")):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return None
            answer += os.read(fd, 1024)
    finally:
        termios.tcsetattr(fd, termios.TCSANOW, saved)
    return parse_answer(answer.decode("latin-1"))


def detect(mode: str = "auto", tmux: Tmux | None = None) -> str:
    """Return ``tgp``, ``sixel``, ``halfcell`` or ``off``. ``tmux``: the pane's state, when known already."""
    if mode != "auto":
        return mode
    stdout = sys.__stdout__
    if stdout is None or not stdout.isatty():
        return "off"
    tmux = tmux or tmux_state()
    if tmux is not None and tmux.passthrough:
        try:
            found = probe_through_tmux()
        except (OSError, ValueError):  # termios on an odd terminal: fall back to textual-image's probe
            found = None
        if found is not None:
            return found
    try:
        from textual_image import renderable
    except Exception:  # a broken terminal answer must never stop the app from starting
        return "halfcell"
    return protocol_of(renderable)


def protocol_of(renderable: object) -> str:
    """The protocol of the class textual-image picked as ``renderable.Image`` (half-cell if unknown)."""
    chosen = getattr(renderable, "Image", None)
    return next((name for export, name in _EXPORTS if getattr(renderable, export, None) is chosen), "halfcell")


def environment_notes(environ: Mapping[str, str] | None = None, tmux: Tmux | None = None) -> list[str]:
    """Plain-words hints for ``doctor``: tmux passthrough, SSH, terminals known to lack graphics."""
    env = os.environ if environ is None else environ
    notes: list[str] = []
    if env.get("TMUX"):
        if tmux is not None and tmux.passthrough:
            notes.append(
                "Inside tmux with allow-passthrough on: Sixel and Kitty graphics are sent through to the "
                "terminal outside tmux (on every supported Python); a tmux redraw (switching windows) clears "
                "a picture until the app draws it again."
            )
        else:
            notes.append(
                "Inside tmux without passthrough: previews use half-cell blocks. For Sixel or Kitty graphics "
                "run `tmux set -g allow-passthrough on` (tmux 3.3+; add it to ~/.tmux.conf)."
            )
    if env.get("SSH_CONNECTION") or env.get("SSH_TTY"):
        notes.append(
            "Over SSH: previews are drawn by your local terminal; Sixel (xterm -ti vt340, foot, WezTerm, "
            "iTerm2) or Kitty graphics work, and the full images stay on the remote host."
        )
    if env.get("TERM", "").startswith("screen"):
        notes.append("TERM is screen*: set TERM=tmux-256color or xterm-256color for colours and graphics.")
    return notes
