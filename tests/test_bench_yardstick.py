"""The benchmarks' yardsticks run and their ratio lines read ratio first (no timing is asserted here)."""

from __future__ import annotations

from bench import yardstick


def test_ratio_line_puts_the_ratio_first_then_both_figures() -> None:
    line = yardstick.ratio_line("gallery page", 0.120, "plain table", 0.040, target="2x")
    assert line.split()[:3] == ["3.00x", "(target", "2x)"]
    assert "gallery page 120.0 ms / plain table 40.0 ms" in line
    assert yardstick.ratio_line("start", 1.5, "plain app", 0.5, unit="s").strip().startswith("3.00x  start 1.500 s")


def test_interleaved_takes_each_measure_in_turn() -> None:
    calls: list[str] = []

    def measure(name: str, value: float) -> float:
        calls.append(name)
        return value

    medians = yardstick.interleaved({"a": lambda: measure("a", 1.0), "b": lambda: measure("b", 2.0)}, runs=3)
    assert calls == ["a", "b"] * 3 and medians == {"a": 1.0, "b": 2.0}


def test_the_plain_textual_yardsticks_open_their_screens() -> None:
    assert yardstick.plain_rows_open(("A", "B"), [("1", "x"), ("2", "y")], runs=1) > 0
    assert yardstick.plain_markdown_open(["# one", "two **bold**"], runs=1) > 0
