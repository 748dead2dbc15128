"""reportgen.report.tables.grid: a table's rows place by place, merges covering places."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reportgen.report.tables import TableCell, TableRow, grid, texts


def _cell(text: str, cols: int = 1, rows: int = 1) -> TableCell:
    return TableCell(text, col_span=cols, row_span=rows)


def _reference(rows: list[TableRow], width: int) -> list[list[TableCell | None]]:
    """The rule written plainly: every place a cell covers is marked, its own first place too."""
    out: list[list[TableCell | None]] = [[None] * width for _ in rows]
    covered: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        c = 0
        for cell in row.cells:
            while (r, c) in covered:
                c += 1
            if c >= width:
                raise ValueError("too many cells")
            out[r][c] = cell
            for dr in range(cell.row_span):
                for dc in range(cell.col_span):
                    covered.add((r + dr, c + dc))
            c += cell.col_span
    return out


def test_single_cells_stand_where_they_are() -> None:
    a, b, c, d = (_cell(t) for t in "abcd")
    assert grid([TableRow((a, b)), TableRow((c, d))], 2) == [[a, b], [c, d]]


def test_a_merge_covers_its_places_and_the_next_cells_go_round_it() -> None:
    # 공약사업명 down two rows, 비예산 across two columns: the cells after them move on.
    name = _cell("공약사업명", rows=2)
    wide = _cell("비 예 산", cols=2)
    x, y, z = _cell("x"), _cell("y"), _cell("z")
    rows = [TableRow((name, wide)), TableRow((x, y)), TableRow((z,))]
    assert grid(rows, 3) == [[name, wide, None], [None, x, y], [z, None, None]]
    assert texts(rows, 3) == [
        ["공약사업명", "비 예 산", "비 예 산"],
        ["공약사업명", "x", "y"],
        ["z", "", ""],
    ]


def test_a_row_with_more_cells_than_columns_is_refused() -> None:
    with pytest.raises(ValueError, match="more cells"):
        grid([TableRow((_cell("a"), _cell("b"), _cell("c")))], 2)
    with pytest.raises(ValueError, match="more cells"):  # pushed out by a merge from above
        grid([TableRow((_cell("a", rows=2), _cell("b"))), TableRow((_cell("c"), _cell("d")))], 2)


_spans = st.integers(min_value=1, max_value=3)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.tuples(_spans, _spans), min_size=1, max_size=5), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=8),
)
def test_the_same_as_marking_every_place(shape: list[list[tuple[int, int]]], width: int) -> None:
    rows = [
        TableRow(tuple(_cell(f"{r}.{i}", cols, rows_) for i, (cols, rows_) in enumerate(line)))
        for r, line in enumerate(shape)
    ]
    try:
        expected = _reference(rows, width)
    except ValueError:
        with pytest.raises(ValueError):
            grid(rows, width)
        return
    assert grid(rows, width) == expected
