"""Yardsticks timed in the same run as the figures they sit beside, and the ratio lines the benchmarks print.

Absolute times on a shared 2-core machine do not hold (issue 17: a busy machine made every row 1.5-3.9x
worse); a figure divided by a yardstick measured in the same run, interleaved with it, mostly does. The
yardsticks here are the least a Textual app can do for the same screen:

* ``python -m bench.yardstick plain-app``: a minimal Textual app (header, one line, footer), whose first
  paint in tmux stands beside the TUI's first interactive screen;
* :class:`PlainRows`: a plain Textual app pushing a screen with a ``DataTable`` of the same rows, beside
  the gallery's first page;
* :class:`PlainMarkdown`: a plain Textual app pushing a screen with the same messages as ``Markdown``
  widgets, scrolled to the end, beside opening a long chat.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from typing import Any

from textual.app import App, ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Header, Markdown, Static

PLAIN_READY = "plain app ready"


def load() -> float:
    """The 1-minute load average (what else the machine was doing), printed beside every figure."""
    return os.getloadavg()[0]


def ratio_line(figure: str, value: float, yardstick: str, base: float, *, unit: str = "ms",
               target: str | None = None) -> str:
    """``figure value / yardstick value = ratio`` as the benchmarks print it (ratio first)."""
    scale, fmt = (1000.0, ".1f") if unit == "ms" else (1.0, ".3f")
    ratio = value / base if base else float("inf")
    goal = f" (target {target})" if target else ""
    return (f"  {ratio:5.2f}x{goal}  {figure} {value * scale:{fmt}} {unit} / {yardstick} "
            f"{base * scale:{fmt}} {unit}")


def interleaved(measures: dict[str, Callable[[], float]], runs: int) -> dict[str, float]:
    """Median of ``runs`` rounds, each running every measure once in turn (a load change hits all alike)."""
    samples: dict[str, list[float]] = {name: [] for name in measures}
    for _ in range(runs):
        for name, measure in measures.items():
            samples[name].append(measure())
    return {name: statistics.median(values) for name, values in samples.items()}


class PlainApp(App[None]):
    """The least a Textual app paints: a header, one line, a footer."""

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(PLAIN_READY)
        yield Footer()


class _Rows(Screen[None]):
    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        super().__init__()
        self.columns, self.rows = columns, rows

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*self.columns)
        table.add_rows(self.rows)


class _Messages(Screen[None]):
    def __init__(self, texts: Sequence[str]) -> None:
        super().__init__()
        self.texts = texts

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield from (Markdown(text) for text in self.texts)

    def on_mount(self) -> None:
        self.query_one(VerticalScroll).scroll_end(animate=False)


class _Timed(App[None]):
    """A plain app that pushes ``make()``'s screen and times it until ``ready(screen)`` (median of ``runs``)."""

    def __init__(self, make: Callable[[], Screen[None]], ready: Callable[[Screen[Any]], bool]) -> None:
        super().__init__()
        self.make, self.ready = make, ready

    async def time_opens(self, runs: int) -> list[float]:
        samples = []
        async with self.run_test(size=(160, 48)) as pilot:
            await pilot.pause()
            for _ in range(runs):
                started = time.perf_counter()
                await self.push_screen(self.make())
                while not self.ready(self.screen):
                    await pilot.pause(0.001)
                await pilot.pause()  # drawn once
                samples.append(time.perf_counter() - started)
                self.pop_screen()
                await pilot.pause(0.05)
        return samples


def plain_rows_open(columns: Sequence[str], rows: Sequence[Sequence[str]], runs: int = 5) -> float:
    """Seconds a plain Textual app takes to push a screen with ``rows`` in a DataTable (median)."""
    app = _Timed(lambda: _Rows(columns, rows), lambda screen: bool(screen.query(DataTable))
                 and screen.query_one(DataTable).row_count == len(rows))
    return statistics.median(asyncio.run(app.time_opens(runs)))


def plain_markdown_open(texts: Sequence[str], runs: int = 5) -> float:
    """Seconds a plain Textual app takes to push a screen with ``texts`` as Markdown widgets (median)."""
    app = _Timed(lambda: _Messages(texts), lambda screen: len(screen.query(Markdown)) == len(texts)
                 and all(md.children or not md.source for md in screen.query(Markdown)))
    return statistics.median(asyncio.run(app.time_opens(runs)))


if __name__ == "__main__":
    if sys.argv[1:2] == ["plain-app"]:
        PlainApp().run()
    else:
        raise SystemExit("usage: python -m bench.yardstick plain-app")
