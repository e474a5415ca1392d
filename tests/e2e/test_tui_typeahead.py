"""Type-ahead at launch with image previews on (issue 17): the real ``quilltap-tui`` on a pty whose far end
this test plays, as a terminal with graphics would. The user types ctrl+n and Enter before the program runs
(the terminal is still in line mode), goes on typing while the program asks the terminal about graphics (the
keys come between the terminal's answers), and ends with Enter: the chat must receive exactly that prompt,
and the previews must use what the terminal said it can draw."""

from __future__ import annotations

import fcntl
import os
import re
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path

import pytest

from tests.fakes.chat_servers import FakeChatServer, Recorded, Text, last_user_text
from tests.support import base_env, run_subprocess

pytestmark = pytest.mark.e2e

DA_QUERY = b"\x1b[c"  # the question every probe asks last (or alone), whose answer ends it
CELL_REPLY = b"\x1b[6;20;10t"  # 20 pixels high, 10 wide
TERMINALS = {  # the replies before the cell size's, the device attributes (DA1), the protocol to find
    # xterm -ti vt340: Sixel in its device attributes (4); it ignores the Kitty graphics query
    "xterm": ([], b"\x1b[?63;1;2;4;6;9;15;22c", "sixel"),
    # kitty: answers the Kitty graphics query OK, no Sixel
    "kitty": ([b"\x1b_Gi=31;OK\x1b\\"], b"\x1b[?62;c", "tgp"),
}
PROMPT = b"hello world"


class FarEnd(threading.Thread):
    """Reads everything the program writes (so it never blocks on output); when its graphics question comes,
    answers it with the user's keys typed before, between and after the terminal's own replies."""

    def __init__(self, main: int, first: list[bytes], attributes: bytes, *, late: bool = False) -> None:
        """``late``: answer only once the program has stopped waiting and Textual has taken the terminal
        (its alternate screen), as over a slow link."""
        super().__init__(daemon=True)
        self.main, self.first, self.attributes, self.written = main, first, attributes, b""
        self.cue = b"\x1b[?1049h" if late else DA_QUERY

    def run(self) -> None:
        answered = False
        while True:
            try:
                chunk = os.read(self.main, 65536)
            except OSError:  # the program has ended and closed the terminal
                return
            if not chunk:
                return
            self.written += chunk
            if not answered and DA_QUERY in self.written and self.cue in self.written:
                answered = True
                # The replies come in the order asked (the cell size only if asked); the prompt's letters come
                # before, between and after them, the way a user types on while the terminal answers.
                replies = [*self.first, *([CELL_REPLY] if b"\x1b[16t" in self.written else []), self.attributes]
                cut = len(PROMPT) // (len(replies) + 1)
                pieces = [PROMPT[i * cut:(i + 1) * cut] for i in range(len(replies))]
                os.write(self.main, b"".join(p + r for p, r in zip(pieces, replies, strict=True)))
                os.write(self.main, PROMPT[len(replies) * cut:] + b"\r")  # the rest, and Enter, a moment later


def _run(tmp_path: Path, name: str, *, late: bool = False) -> str:
    """Type the prompt through the probe as terminal ``name`` answers it; return the program's log."""
    first, attributes, _protocol = TERMINALS[name]
    home = tmp_path / "home"
    asked = threading.Event()
    with FakeChatServer("openai") as chat:

        def reply(request: Recorded) -> Text:
            asked.set()
            return Text("Hello from the fake server.")

        chat.decider = reply
        key = "sk-typeahead-00000000000000001234"
        for args, stdin in ((["keys", "add", "--provider", "openai", "--label", "k"], key),
                            (["chat-profiles", "add", "--name", "main", "--provider", "openai", "--model", "m",
                              "--key", "k", "--base-url", chat.base_url, "--default"], "")):
            result = run_subprocess(args, home=home, stdin=stdin)
            assert result.code == 0, result.err
        main, tty = os.openpty()
        fcntl.ioctl(tty, termios.TIOCSWINSZ, struct.pack("HHHH", 48, 160, 0, 0))  # no pixel size: asked
        env = {**base_env(home), "PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8",
               "TERM": "xterm-256color", "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src")}
        del env["QUILLTAP_IMAGES"]  # previews on: auto, as users run it
        os.write(main, b"\x0e\r")  # ctrl+n, Enter: typed before the program runs, in the terminal's line mode
        proc = subprocess.Popen([sys.executable, "-m", "quilltap_tui"], stdin=tty, stdout=tty, stderr=tty,
                                env=env, start_new_session=True)
        far = FarEnd(main, first, attributes, late=late)
        far.start()
        try:
            assert asked.wait(90), far.written[-3000:]  # bounds a hang; the request comes when the keys land
            assert last_user_text(chat.chat_requests[0].body) == PROMPT.decode()
            os.write(main, b"\x11")  # ctrl+q
            assert proc.wait(60) == 0
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(tty)
            far.join(10)
            os.close(main)
    return (home / "logs" / "quilltap.log").read_text()


@pytest.mark.parametrize("name", sorted(TERMINALS))
def test_keys_typed_while_the_terminal_is_asked_about_graphics_reach_the_chat_in_order(
    tmp_path: Path, name: str
) -> None:
    log = _run(tmp_path, name)
    protocol = TERMINALS[name][2]
    # Found by the probe; on a machine so loaded that this test's answer came after the probe's half second,
    # by the input thread's look-out for late answers (the keys went the same way, in order, checked above).
    assert (re.search(rf"image previews: {protocol}, cell: 10x20\b", log)
            or f"Late terminal answer: image previews now {protocol}" in log), log[-2000:]


def test_answers_that_come_after_the_probe_gave_up_are_not_typed_into_the_app(tmp_path: Path) -> None:
    """A slow link: the terminal answers once the app has started. Bug: the late answer reached the app as
    keys ("?" opened the help, the digits went into the prompt). Now the prompt is exactly what was typed,
    and previews switch to the Sixel the late answer offers."""
    log = _run(tmp_path, "xterm", late=True)
    assert "image previews: halfcell, cell: -" in log, log[-2000:]  # what the probe settled for meanwhile
    assert "Late terminal answer: image previews now sixel" in log, log[-2000:]
