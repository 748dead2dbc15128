"""The view's parts made on first use, made the quick way: the same values as the general way."""

from __future__ import annotations

from pathlib import Path

from reportgen.records.budget import EMPTY, BudgetRow, Figure
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report import view
from reportgen.report.view import report_view

ROOT = Path(__file__).resolve().parent.parent


def test_blank_money_rows_made_quickly_are_the_general_ways() -> None:
    """A source row with nothing recorded skips the cell-by-cell making: the same row."""
    quick = general = 0
    for directory in (ROOT / "records", *sorted((ROOT / "examples").glob("*/"))):
        if not (directory / "report.json").is_file():
            continue
        records = load_records(directory)
        assert records.settings
        for period in records.settings.term.to_term().report_periods:
            for pledge in report_view(records.pledges, period, records.settings).pledges:
                for table in pledge.money_tables:
                    made = table.__dict__["_figures"]
                    budget_table = made.table(table.kind)
                    if budget_table is None:
                        continue
                    executed = table.kind == "secured"
                    for block in budget_table.blocks:
                        for row in block.rows:
                            fast = view._money_row(row, block.name, "continue", 3, executed)
                            # The same figures, not the shared blank ones: the general way.
                            copy = BudgetRow(
                                row.label,
                                row.kind,
                                Figure(row.total.amount, row.total.executed),
                                tuple(Figure(c.amount, c.executed) for c in row.cells),
                            )
                            slow = view._money_row(copy, block.name, "continue", 3, executed)
                            assert fast == slow and vars(fast) == vars(slow)
                            if row.total is EMPTY:
                                quick += 1
                            else:
                                general += 1
    assert quick and general


def test_a_view_of_no_budget_prints_the_frame() -> None:
    records = load_records(ROOT / "records")
    assert records.settings
    # 2021H2: the shipped records report no budget then.
    for pledge in report_view(records.pledges, Period.parse("2021H2"), records.settings).pledges:
        for table in pledge.money_tables:
            assert table.blank
            assert all(not c.text for r in table.rows for c in (r.total, *r.cells))


def test_printed_rows_are_the_rows_without_making_them() -> None:
    """printed_rows gives each row's cells as the MoneyRow holds them, the table's rows unmade."""

    directories = [ROOT / "records", *sorted((ROOT / "examples").glob("*/"))]
    seen = 0
    for directory in directories:
        if not (directory / "report.json").is_file():
            continue
        records = load_records(directory)
        assert records.settings
        for period in records.settings.term.to_term().report_periods:
            fresh = report_view(records.pledges, period, records.settings)
            made = report_view(records.pledges, period, records.settings)
            for a, b in zip(fresh.pledges, made.pledges, strict=True):
                for quick, table in zip(a.money_tables, b.money_tables, strict=True):
                    rows = [
                        (r.name, r.merge, r.label, r.kind, r.total, r.cells) for r in table.rows
                    ]
                    frame = vars(quick)["_figures"].table(quick.kind) is None
                    assert list(view.printed_rows(quick)) == rows
                    assert ("rows" in vars(quick)) == frame  # a frame's rows are read as made
                    assert list(view.printed_rows(table)) == rows  # made: read as made
                    seen += len(rows)
    assert seen
