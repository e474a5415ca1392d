"""Fitting a table's one free-text column (a chat title, a prompt) to the width there is.

Textual's DataTable sizes every column to its longest cell; one long prompt pushed the other columns
off screen behind a horizontal scrollbar. The free column is clipped instead, with an ellipsis.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

CELL_PADDING = 2  # DataTable pads each cell by one column on both sides
SCROLLBAR = 2
MIN_FREE = 12
WANTED_FREE = 20  # a title this wide reads as a title; narrower, other columns make room (see fit_columns)


def clip(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal cells, ending in an ellipsis when it was cut."""
    if cell_len(text) <= width:
        return text
    return set_cell_size(text, max(1, width - 1)).rstrip() + "…"


def free_width(total: int, headers: Sequence[str], rows: Sequence[Sequence[str]], free: int) -> int:
    """Cells left for column ``free`` in a table ``total`` cells wide, the other columns as wide as needed."""
    return max(MIN_FREE, _room(total, headers, rows, free))


def fit_columns(total: int, headers: Sequence[str], rows: Sequence[Sequence[str]], free: int,
                drop_order: Sequence[int], wanted_free: int = WANTED_FREE) -> list[int]:
    """The columns to show in a table ``total`` cells wide: all of them, or without the first of ``drop_order``
    (then the next...) while column ``free`` would get fewer cells than it needs (up to ``wanted_free``).
    A narrow terminal loses the least needed columns instead of scrolling sideways or cutting titles to stubs.
    """
    wanted = min(wanted_free, max([cell_len(headers[free]), *(cell_len(row[free]) for row in rows)]))
    kept = list(range(len(headers)))
    for column in drop_order:
        picked_free = kept.index(free)
        if _room(total, [headers[i] for i in kept], [[row[i] for i in kept] for row in rows], picked_free) >= wanted:
            break
        kept.remove(column)
    return kept


def _room(total: int, headers: Sequence[str], rows: Sequence[Sequence[str]], free: int) -> int:
    used = SCROLLBAR
    for index, header in enumerate(headers):
        if index == free:
            used += CELL_PADDING
            continue
        used += max([cell_len(header), *(cell_len(row[index]) for row in rows)]) + CELL_PADDING
    return total - used


def fit_rows(total: int, headers: Sequence[str], rows: Sequence[Sequence[str]], free: int) -> list[tuple[str, ...]]:
    """``rows`` with column ``free`` clipped so the table needs no horizontal scrolling."""
    width = free_width(total, headers, rows, free)
    return [tuple(clip(cell, width) if i == free else cell for i, cell in enumerate(row)) for row in rows]
