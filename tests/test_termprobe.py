"""The terminal probe keeps what the user types while it listens for the terminal's answers (termprobe).

Each test plays the terminal on a pty: keys typed before the questions, between the answers and after
them, and the answers a given terminal sends (xterm with Sixel, kitty, tmux with or without passthrough).
"""

from __future__ import annotations

import fcntl
import os
import struct
import termios
import threading
from collections.abc import Callable, Iterator

import pytest

from quilltap_tui import termprobe
from quilltap_tui.termgraphics import Tmux, tmux_wrap

XTERM_DA = b"\x1b[?63;1;2;4;6;9;15;22c"  # xterm -ti vt340: 4 is Sixel
KITTY_DA = b"\x1b[?62;c"
KITTY_OK = b"\x1b_Gi=31;OK\x1b\\"


class Terminal:
    """The far end of a pty: reads what the program writes, answers when a question has fully arrived."""

    def __init__(self, pixels: tuple[int, int] = (0, 0)) -> None:
        self.main, self.tty = os.openpty()
        fcntl.ioctl(self.tty, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, *pixels))
        mode = termios.tcgetattr(self.tty)  # as launch leaves it: bytes through unedited, no echo
        mode[0] &= ~termios.ICRNL
        mode[3] &= ~(termios.ICANON | termios.ECHO)
        termios.tcsetattr(self.tty, termios.TCSANOW, mode)
        self.written = b""  # everything the program wrote

    def type(self, keys: bytes) -> None:
        os.write(self.main, keys)

    def answer(self, *steps: tuple[bytes, bytes]) -> threading.Thread:
        """For each (question, reply): once ``question`` has been written (again), write ``reply``."""

        def run() -> None:
            seen = 0
            for question, reply in steps:
                while question not in self.written[seen:]:
                    self.written += os.read(self.main, 4096)
                seen = self.written.index(question, seen) + len(question)
                os.write(self.main, reply)

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def close(self) -> None:
        os.close(self.main)
        os.close(self.tty)


@pytest.fixture
def terminal() -> Iterator[Callable[..., Terminal]]:
    made: list[Terminal] = []

    def make(pixels: tuple[int, int] = (0, 0)) -> Terminal:
        made.append(Terminal(pixels))
        return made[-1]

    yield make
    for term in made:
        term.close()


def test_xterm_keys_typed_around_and_between_the_answers_are_kept_in_order(terminal: Callable[..., Terminal]) -> None:
    """Bug: textual-image's probe read the answers byte by byte and dropped the first key typed (it did not
    look like the reply); the reply it then gave up on reached the app as typed text."""
    term = terminal()
    term.type(b"\x0e\r")  # ctrl+n, Enter: typed before the questions went out
    # xterm ignores the Kitty query; the user goes on typing (an arrow key among the letters) while it answers.
    talk = term.answer((termprobe.DA_QUERY.encode(), b"hel" + b"\x1b[6;20;10t" + b"lo\x1b[D" + XTERM_DA + b" wo"))
    answers = termprobe.probe(term.tty, term.tty, protocol=True, timeout=30)
    talk.join(30)
    assert answers.protocol == "sixel"
    assert answers.cell == (10, 20)  # width x height, from ESC [ 6 ; height ; width t
    # What came after DA1's answer in the same read is kept too; if the read stopped at the answer, the rest
    # waits in the terminal for Textual, still after what the probe kept.
    assert answers.typed + termprobe.read_pending(term.tty) == b"\x0e\rhello\x1b[D wo"
    # One batch: the Kitty query, the cell size (the ioctl has no pixels), DA1 last.
    assert term.written.endswith((termprobe.TGP_QUERY + termprobe.CELL_QUERY + termprobe.DA_QUERY).encode())


def test_kitty_is_found_and_the_ioctl_cell_size_saves_a_question(terminal: Callable[..., Terminal]) -> None:
    term = terminal(pixels=(1600, 960))  # 160x48 cells: 10x20 pixels each
    talk = term.answer((termprobe.DA_QUERY.encode(), b"a" + KITTY_OK + b"b" + KITTY_DA + b"c"))
    answers = termprobe.probe(term.tty, term.tty, protocol=True, timeout=30)
    talk.join(30)
    assert (answers.protocol, answers.cell) == ("tgp", (10, 20))
    assert answers.typed + termprobe.read_pending(term.tty) == b"abc"
    assert term.written == (termprobe.TGP_QUERY + termprobe.DA_QUERY).encode()


def test_a_forced_protocol_with_the_cell_size_known_asks_nothing(terminal: Callable[..., Terminal]) -> None:
    term = terminal(pixels=(1600, 960))
    term.type(b"hi")
    answers = termprobe.probe(term.tty, term.tty, protocol=False, timeout=30)
    assert (answers.protocol, answers.cell, answers.typed) == (None, (10, 20), b"")
    assert termprobe.read_pending(term.tty) == b"hi"  # left for Textual to read


def test_a_terminal_that_never_answers_keeps_the_keys_and_says_nothing(terminal: Callable[..., Terminal]) -> None:
    term = terminal()
    term.type(b"typed\r")
    answers = termprobe.probe(term.tty, term.tty, protocol=True, timeout=0.05)  # the wait ends unanswered
    assert (answers.protocol, answers.cell, answers.typed) == (None, None, b"typed\r")


def test_inside_tmux_with_passthrough_the_outer_terminal_is_asked(terminal: Callable[..., Terminal]) -> None:
    term = terminal()
    batch = tmux_wrap(termprobe.TGP_QUERY + termprobe.DA_QUERY).encode()
    talk = term.answer((batch, b"x" + KITTY_OK + KITTY_DA))  # tmux hands the outer answers back unwrapped
    answers = termprobe.probe(term.tty, term.tty, protocol=True, tmux=Tmux(True, cell=(9, 18)), timeout=30)
    talk.join(30)
    assert (answers.protocol, answers.cell, answers.typed) == ("tgp", (9, 18), b"x")  # tmux knew the cell size
    assert term.written == batch


def test_inside_tmux_when_no_outer_answer_comes_tmux_itself_is_asked(terminal: Callable[..., Terminal]) -> None:
    """No client attached, or a tmux that does not hand answers back: the wrapped questions go unanswered."""
    term = terminal()
    term.type(b"k")
    talk = term.answer((termprobe.CELL_QUERY.encode() + termprobe.DA_QUERY.encode(), b"\x1b[?1;2c"))
    # The first round's wait runs out unanswered (so it is short); the second gets the same time to be answered.
    answers = termprobe.probe(term.tty, term.tty, protocol=True, tmux=Tmux(True), timeout=1.0)
    talk.join(30)
    assert (answers.protocol, answers.typed) == ("halfcell", b"k")


def test_split_keeps_every_key_sequence_and_takes_out_only_replies() -> None:
    keys = b"\x1b[A\x1bb\x1b[1;5C\x1b_x\xc3\xa9"  # arrow, alt+b, ctrl+right, alt+_ then x, an e-acute
    replies, typed = termprobe.split(keys[:6] + XTERM_DA + keys[6:] + KITTY_OK)
    assert (replies, typed) == (XTERM_DA + KITTY_OK, keys)


def test_split_stream_holds_back_an_answer_cut_between_two_reads() -> None:
    """Read piece by piece (after the probe gave up, answers come in with the keys): the start of an answer
    waits for the rest, and a key that only looks like one (Escape) is the caller's to let go after a pause."""
    assert termprobe.split_stream(b"ab\x1b[?6") == (b"", b"ab", b"\x1b[?6")
    assert termprobe.split_stream(b"\x1b[?63;4c" + b"cd") == (b"\x1b[?63;4c", b"cd", b"")
    assert termprobe.split_stream(b"x\x1b_Gi=31;OK\x1b") == (b"", b"x", b"\x1b_Gi=31;OK\x1b")
    assert termprobe.split_stream(b"x\x1b") == (b"", b"x", b"\x1b")
    assert termprobe.split_stream(b"x\x1b[A\x1b[1;5C") == (b"", b"x\x1b[A\x1b[1;5C", b"")  # keys pass at once
    assert termprobe.count_attributes(b"\x1b[?1;2c" + KITTY_OK + b"\x1b[?62;c") == 2
