"""Refilling a DataTable without losing the reader's place, its columns sized before anything is drawn.

Screens rebuild their tables when the shared snapshot changes (after validating a key, saving a
profile, ...). ``DataTable.clear()`` puts the cursor back on the first row, so the next enter opened
the wrong row; :func:`refill` puts it back on the row with the same key.

Columns get explicit widths here, measured from the cells being put in. Textual's auto-width columns
widen only on the table's next idle, and it caches each drawn cell without the width it was drawn at; in a
table whose height does not change when rows arrive (``height: 1fr``) nothing clears that cache, so a paint
that landed before the idle (the screen's refresh timer on a busy machine) kept cells cut to their
header's width for good (``2026  art  gpt-i  1024  a red`` under full-width headers in the gallery).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len
from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist


def current_key(table: DataTable[object]) -> str | None:
    """The key of the row under the cursor, or None (empty table)."""
    try:
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    except CellDoesNotExist:
        return None
    return None if row_key.value is None else str(row_key.value)


def refill(table: DataTable[object], rows: Iterable[tuple[str, Sequence[object]]], select: str | None = None,
           headers: Sequence[str] | None = None) -> None:
    """Replace the rows (``(key, cells)`` pairs), each column as wide as its header or widest cell; the cursor
    stays on ``select`` or the row it was on. ``headers``: new column labels (default: the table's own)."""
    rows = list(rows)
    wanted = select or current_key(table)
    labels = [str(column.label) for column in table.ordered_columns] if headers is None else list(headers)
    widths = [max([cell_len(label), *(_drawn_width(cells[index]) for _, cells in rows)])
              for index, label in enumerate(labels)]
    table.clear(columns=True)
    for label, width in zip(labels, widths, strict=True):
        table.add_column(label, width=width)
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if wanted is not None and wanted in table.rows:
        table.move_cursor(row=table.get_row_index(wanted), animate=False)


def _drawn_width(cell: object) -> int:
    """Cells wide as the table draws it: a ``str`` cell is markup (``cells()`` escapes it), as DataTable reads it."""
    if isinstance(cell, Text):
        return cell.cell_len
    return Text.from_markup(cell).cell_len if isinstance(cell, str) else cell_len(str(cell))
