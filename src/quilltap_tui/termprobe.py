"""Ask the terminal what it can draw, and keep every key the user types meanwhile.

The full-screen app asks before Textual reads the terminal (``ui/launch.py``), in one batch: the Kitty
graphics query, the cell size in pixels when the terminal's size ioctl does not say it, then primary
device attributes (DA1, ``ESC [ c``). Every terminal answers DA1 and answers in the order asked, so its
reply ends the probe (the Kitty protocol's own documented way to detect it). Everything read until then is
either one of those replies or what the user typed (at start-up people type ahead): the replies are taken
out, the typed bytes are kept in order and handed to the app, which reads them before the terminal.

textual-image's own probe is not used by the TUI: it reads the answers byte by byte and drops a byte that
does not fit the reply it waits for (a key typed at start-up), and a reply it gave up on reached the app
as typed text (``?`` opened the help, the rest went into the prompt). ``terminal.prepare`` gives it these
answers instead. The command line's ``generate`` preview (nothing typed there) still lets it ask.
"""

from __future__ import annotations

import os
import re
import select
import time
from dataclasses import dataclass

from quilltap_tui.termgraphics import Tmux, parse_answer, tmux_wrap

TGP_QUERY = "\x1b_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\x1b\\"
CELL_QUERY = "\x1b[16t"  # answered as ESC [ 6 ; height ; width t
DA_QUERY = "\x1b[c"
# No key sends any of these (no key starts with ESC [ ? or ESC _ G), so they are found anywhere in what was read.
_REPLY = re.compile(rb"\x1b\[\?[0-9;]*c|\x1b_G[^\x1b]*\x1b\\|\x1b\[6;[0-9]+;[0-9]+t")
_DA_REPLY = re.compile(rb"\x1b\[\?[0-9;]*c")
# The start of a reply still on its way (the rest in the next read), at the end of what was read.
_REPLY_START = re.compile(rb"\x1b(\[(\?[0-9;]*|6(;[0-9]*){0,2})?|_(G[^\x1b]*\x1b?)?)?\Z")
_CELL_REPLY = re.compile(rb"\x1b\[6;([0-9]+);([0-9]+)t")
# Long enough for a terminal at the other end of an SSH link; a terminal answers DA1 in well under that, so
# the wait ends as soon as it does. It overlaps the Textual import (about half a second), not the first paint.
TIMEOUT = 0.5


@dataclass(frozen=True)
class Answers:
    """What the probe learnt, and what the user typed while it listened."""

    protocol: str | None  # tgp, sixel or halfcell; None when it was not asked (or nothing answered)
    cell: tuple[int, int] | None  # (width, height) of a cell in pixels, when known
    typed: bytes  # keys typed meanwhile, as the terminal sent them, in order
    unanswered: int = 0  # DA1 questions whose answer had not come when the probe stopped waiting


def split(data: bytes) -> tuple[bytes, bytes]:
    """(the terminal's replies, the rest: what the user typed), each in the order it came."""
    return b"".join(m.group() for m in _REPLY.finditer(data)), _REPLY.sub(b"", data)


def split_stream(data: bytes) -> tuple[bytes, bytes, bytes]:
    """As :func:`split`, for a stream read piece by piece: (replies, typed, an unfinished reply at the end,
    to be completed by the next read, or else typed after all)."""
    tail = _REPLY_START.search(data)
    cut = tail.start() if tail else len(data)
    return (*split(data[:cut]), data[cut:])


def count_attributes(replies: bytes) -> int:
    """How many DA1 answers ``replies`` holds."""
    return len(_DA_REPLY.findall(replies))


def read_pending(fd: int) -> bytes:
    """Everything readable on ``fd`` now, without waiting."""
    data = b""
    while select.select([fd], [], [], 0)[0]:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        data += chunk
    return data


def pixel_cell(fd: int) -> tuple[int, int] | None:
    """The cell size in pixels from the terminal's size ioctl, when it fills in the pixel fields."""
    import fcntl
    import struct
    import termios

    try:
        rows, columns, width, height = struct.unpack("HHHH", fcntl.ioctl(fd, termios.TIOCGWINSZ, b"\0" * 8))
    except OSError:
        return None
    if not (rows and columns and width and height):
        return None
    return width // columns, height // rows


def ask(fd_in: int, fd_out: int, queries: str, timeout: float = TIMEOUT) -> tuple[bytes, bool]:
    """Write ``queries`` (DA1 last) and read until DA1's reply or ``timeout``: (all read, whether it came).

    The terminal must already pass bytes through unedited (non-canonical, no echo): ``launch`` sets that.
    """
    os.write(fd_out, queries.encode())
    data = b""
    deadline = time.monotonic() + timeout
    while not _DA_REPLY.search(data):
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd_in], [], [], left)[0]:
            return data, False
        chunk = os.read(fd_in, 4096)
        if not chunk:
            return data, False
        data += chunk
    return data, True


def probe(fd_in: int, fd_out: int, *, protocol: bool, tmux: Tmux | None = None,
          timeout: float = TIMEOUT) -> Answers:
    """Ask for the graphics protocol (if ``protocol``) and the cell size (if the ioctl does not say it).

    Inside tmux with passthrough on, the questions go to the terminal outside tmux, wrapped; when nothing
    comes back (a tmux that does not hand the answers back, or no client attached) tmux itself is asked.
    """
    cell = pixel_cell(fd_out) or (tmux.cell if tmux is not None else None)
    if not protocol and cell is not None:
        return Answers(None, cell, b"")
    batch = (TGP_QUERY if protocol else "") + ("" if cell else CELL_QUERY) + DA_QUERY
    outer = tmux is not None and tmux.passthrough
    data, answered = ask(fd_in, fd_out, tmux_wrap(batch) if outer else batch, timeout)
    unanswered = 0 if answered else 1
    if outer and not answered:
        more, answered = ask(fd_in, fd_out, batch, timeout)
        data += more
        unanswered += 0 if answered else 1
    replies, typed = split(data)
    cell = cell or cell_of(replies)
    chosen = parse_answer(replies.decode("latin-1")) if protocol and answered else None
    return Answers(chosen, cell, typed, unanswered)


def cell_of(replies: bytes) -> tuple[int, int] | None:
    """The cell size in a cell-size reply among ``replies``, as (width, height)."""
    found = _CELL_REPLY.search(replies)
    if found and int(found.group(1)) and int(found.group(2)):
        return int(found.group(2)), int(found.group(1))
    return None
