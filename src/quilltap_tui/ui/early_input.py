"""The terminal driver's input thread starts here: keys typed before Textual read the terminal go first, and
answers of the start-up probe that came too late never reach the app as typed text.

``launch`` reads the terminal before Textual does (keys typed in line mode, and what the graphics probe read,
``termprobe``): those keys are posted first, parsed by Textual's own parser. When the probe stopped waiting
before the terminal answered (a slow SSH link, a loaded machine), its answers are still on their way; the
input thread, the terminal's only reader from now on, then reads it itself for a while, posts every key the
moment it comes and takes the answers out (read as keys they opened the help with "?" and put digits into
the prompt). A late answer also brings the graphics the terminal offers: previews switch to it.
"""

from __future__ import annotations

import codecs
import os
import select
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from quilltap_tui import termprobe
from quilltap_tui.termgraphics import parse_answer

# How long the input thread looks out for late answers (they come within a round trip of the link), and how
# long it holds what may be the start of one before taking it as keys (an Escape key looks like one).
LATE_WAIT, HOLD = 3.0, 0.1


@dataclass(frozen=True)
class EarlyInput:
    """What ``launch`` hands the app's terminal driver."""

    typed: str = ""  # keys read before the driver started, in order
    late: int = 0  # DA1 answers of the probe still due
    # Gets what the late answers say: (protocol, cell); protocol None when they hold no device attributes.
    found: Callable[[str | None, tuple[int, int] | None], None] | None = None


def hand_on(driver: Any, early: EarlyInput, fd: int) -> None:
    """Post ``early.typed``; with answers still due, read the terminal (``fd``, the driver's) until they
    came or for :data:`LATE_WAIT` seconds, keys posted the moment they come, answers taken out."""
    from textual._xterm_parser import XTermParser

    typed, late = early.typed, early.late

    parser = XTermParser()  # Textual's own: the same keys, escape sequences and pastes as its loop makes
    post = driver.process_message
    for event in parser.feed(typed) if typed else ():  # feed("") would end the parser
        post(event)
    if late <= 0:
        for event in parser.feed(""):  # the end: a last lone ESC is the Escape key
            post(event)
        return
    decode = codecs.getincrementaldecoder("utf-8")("replace").decode
    pending, replies = b"", b""
    last_read = time.monotonic()
    deadline = last_read + LATE_WAIT
    while late > 0 and time.monotonic() < deadline and not driver.exit_event.is_set():
        if select.select([fd], [], [], HOLD)[0]:
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            pending, last_read = pending + chunk, time.monotonic()
        answers, keys, rest = termprobe.split_stream(pending)
        if rest and time.monotonic() - last_read >= HOLD:  # no answer goes on after a pause: keys after all
            keys, rest = keys + rest, b""
        pending, replies = rest, replies + answers
        late -= termprobe.count_attributes(answers)
        text = decode(keys)
        for event in [*(parser.feed(text) if text else ()), *parser.tick()]:
            post(event)
    text = decode(pending, True)
    for event in [*(parser.feed(text) if text else ()), *parser.feed("")]:
        post(event)
    if early.found is not None and replies:
        early.found(parse_answer(replies.decode("latin-1")), termprobe.cell_of(replies))
