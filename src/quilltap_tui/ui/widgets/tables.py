"""Refilling a DataTable without losing the reader's place.

Screens rebuild their tables when the shared snapshot changes (after validating a key, saving a
profile, ...). ``DataTable.clear()`` puts the cursor back on the first row, so the next enter opened
the wrong row; :func:`refill` puts it back on the row with the same key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist


def current_key(table: DataTable[object]) -> str | None:
    """The key of the row under the cursor, or None (empty table)."""
    try:
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
    except CellDoesNotExist:
        return None
    return None if row_key.value is None else str(row_key.value)


def refill(table: DataTable[object], rows: Iterable[tuple[str, Sequence[object]]], select: str | None = None) -> None:
    """Replace the rows (``(key, cells)`` pairs); the cursor stays on ``select`` or the row it was on."""
    wanted = select or current_key(table)
    table.clear()
    for key, cells in rows:
        table.add_row(*cells, key=key)
    if wanted is not None and wanted in table.rows:
        table.move_cursor(row=table.get_row_index(wanted), animate=False)
