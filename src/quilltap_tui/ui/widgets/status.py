"""StatusLine: a spinner, what is happening, the elapsed time and "esc to cancel", while work runs.

It redraws a single line a few times a second and nothing else; it takes no room when idle. While reply
text streams (``set_label(..., tick=STREAMING_TICK)``) it ticks 4 times a second instead of 10: each tick
is a frame of its own (about 1.5-2 ms of the screen's time: Textual walks every widget of the screen for
a one-line paint), 80 of them for a 4000-token reply, and the reply itself shows that work goes on.
"""

from __future__ import annotations

import time

from textual.timer import Timer
from textual.widgets import Static

SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
TICK = 0.1
STREAMING_TICK = 0.25  # while reply text streams: the clock still moves, each tick costs a frame


class StatusLine(Static):
    """``start(label)`` shows it, ``set_label`` changes the words, ``stop()`` hides it."""

    DEFAULT_CSS = """
    StatusLine { height: 1; padding: 0 1; color: $text-muted; background: $boost; }
    """

    def __init__(self, *, hint: str = "esc to cancel", id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.hint = hint
        self.label = ""
        self.started: float | None = None
        self._frame = 0
        self._timer: Timer | None = None
        self._every = TICK
        self.display = False

    @property
    def running(self) -> bool:
        return self.started is not None

    def start(self, label: str) -> None:
        """Begin (or restart) timing ``label``."""
        self.label = label
        self.started = time.monotonic()
        self.display = True
        self._run_every(TICK, restart=self._timer is None)
        self._tick()

    def set_label(self, label: str, tick: float = TICK) -> None:
        """Say what is happening now; the clock keeps running, redrawn every ``tick`` seconds from now on."""
        if label != self.label:
            self.label = label
            self._tick()
        if self._timer is not None:
            self._run_every(tick)

    def _run_every(self, tick: float, restart: bool = False) -> None:
        """The clock's timer at ``tick`` seconds (a new one only when that changes, or ``restart``)."""
        if tick == self._every and not restart:
            return
        self._every = tick
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_interval(tick, self._tick)

    def stop(self) -> None:
        """Hide the line and stop its timer."""
        self.started = None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        self.display = False

    def elapsed(self) -> float:
        return 0.0 if self.started is None else time.monotonic() - self.started

    def text(self) -> str:
        """The line as shown, e.g. ``⠙ Replying…  3.4 s  ·  esc to cancel``."""
        spin = SPINNER[self._frame % len(SPINNER)]
        hint = f"  ·  {self.hint}" if self.hint else ""
        return f"{spin} {self.label}  {self.elapsed():.1f} s{hint}"

    def _tick(self) -> None:
        self._frame += 1
        self.update(self.text(), layout=False)  # one fixed line: no need to lay out the screen again
