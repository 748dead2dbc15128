"""reportgen.records.budget: every 계 and 소계 is derived, across and down."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportgen.records.budget import (
    EMPTY,
    BudgetTable,
    Figure,
    execution_rate,
    plan_table,
    printed_total_drift,
    secured_table,
)
from reportgen.records.model import FUNDING_SOURCES, Budget
from reportgen.records.periods import Period, Term

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

TERM = Term("민선7기", Period(2018, 2), Period(2022, 1))
COLUMNS = TERM.fiscal_columns
KEYS = [c.key for c in COLUMNS]
D = Decimal


def _budget(raw: dict[str, Any]) -> Budget:
    return Budget.model_validate(raw)


def _block(table: BudgetTable, name: str) -> dict[str, Any]:
    [block] = [b for b in table.blocks if b.name == name]
    return {r.label: r for r in block.rows}


def test_row_total_is_the_sum_across() -> None:
    table = plan_table(
        _budget(
            {
                "plan": [
                    {
                        "name": "a",
                        "sources": {"시비": {"기투자": 5, "2018": 20, "2019": 7, "임기후": 3}},
                    }
                ]
            }
        ),
        COLUMNS,
    )
    row = _block(table, "a")["시비"]
    assert row.total.amount == 35
    assert [c.amount for c in row.cells] == [5, 20, 7, None, None, None, 3]


def test_grand_total_is_the_sum_down() -> None:
    budget = _budget(
        {
            "plan": [
                {"name": "a", "sources": {"시비": {"2018": 20}}},
                {
                    "name": "b",
                    "sources": {"국비": {"2019": 1}, "도비": {"2019": 2}, "기타": {"2022": 4}},
                },
            ]
        }
    )
    table = plan_table(budget, COLUMNS)
    # The plan's 계 row prints 0 where nothing is planned, as the filed pages do.
    assert [c.amount for c in table.grand_total.cells] == [0, 20, 3, 0, 0, 4, 0]
    assert table.grand_total.total.amount == 27
    assert table.grand_total.label == "계" and table.grand_total.kind == "total"


def test_subtotal_only_for_blocks_with_more_than_one_source() -> None:
    budget = _budget(
        {
            "plan": [
                {"name": "one", "sources": {"시비": {"2018": 20}}},
                {"name": "two", "sources": {"도비": {"2018": 1}, "시비": {"2019": 2}}},
                {"name": "empty-source", "sources": {"국비": {}, "시비": {"2018": 5}}},
            ]
        }
    )
    table = plan_table(budget, COLUMNS)
    one, two, third = (_block(table, n) for n in ("one", "two", "empty-source"))
    assert "소계" not in one and "소계" not in third
    assert list(two) == ["국비", "도비", "시비", "기타", "소계"]
    subtotal = two["소계"]
    assert subtotal.kind == "subtotal"
    assert subtotal.total.amount == 3
    assert [c.amount for c in subtotal.cells][1:3] == [1, 2]


def test_subtotal_is_not_counted_twice_in_the_grand_total() -> None:
    budget = _budget(
        {"plan": [{"name": "two", "sources": {"도비": {"2018": 1}, "시비": {"2018": 2}}}]}
    )
    assert plan_table(budget, COLUMNS).grand_total.total.amount == 3


def test_every_block_prints_the_four_sources_in_form_order() -> None:
    table = plan_table(
        _budget({"plan": [{"name": "a", "sources": {"기타": {"2018": 1}}}]}), COLUMNS
    )
    rows = table.blocks[0].rows
    assert [r.label for r in rows] == list(FUNDING_SOURCES)
    assert [r.total.amount for r in rows] == [None, None, None, 1]
    assert all(r.kind == "source" for r in rows)


def test_empty_budget_gives_zero_grand_total_and_no_blocks() -> None:
    table = plan_table(Budget(), COLUMNS)
    assert table.blocks == ()
    assert table.grand_total.total.amount == 0
    assert all(c.amount == 0 for c in table.grand_total.cells)
    secured = secured_table(Budget(), COLUMNS)
    assert all(c.amount is None for c in secured.grand_total.cells)  # not known: blank


def test_decimals_add_exactly() -> None:
    budget = _budget(
        {"plan": [{"name": "a", "sources": {"시비": {"2018": D("0.1"), "2019": D("0.2")}}}]}
    )
    assert plan_table(budget, COLUMNS).grand_total.total.amount == D("0.3")


# ---------------------------------------------------------------------------
# Secured (executed)


SECURED = {
    "secured": [
        {
            "name": "a",
            "sources": {
                "도비": {"2018": {"secured": 279, "executed": 278}, "2021": {"secured": 312}},
                "시비": {"2018": {"secured": 20, "executed": 20}},
            },
        }
    ]
}


def test_executed_sums_only_what_was_recorded() -> None:
    table = secured_table(_budget(SECURED), COLUMNS)
    dobi = _block(table, "a")["도비"]
    assert (dobi.total.amount, dobi.total.executed) == (591, 278)
    i21 = KEYS.index("2021")
    assert (dobi.cells[i21].amount, dobi.cells[i21].executed) == (312, None)
    subtotal = _block(table, "a")["소계"]
    assert (subtotal.total.amount, subtotal.total.executed) == (611, 298)
    assert (table.grand_total.total.amount, table.grand_total.total.executed) == (611, 298)
    assert table.grand_total.cells[i21].executed is None
    assert table.kind == "secured"


def test_plan_table_has_no_executed() -> None:
    table = plan_table(
        _budget({"plan": [{"name": "a", "sources": {"시비": {"2018": 2}}}]}), COLUMNS
    )
    assert table.kind == "plan"
    assert table.grand_total.total.executed is None


def test_execution_rate() -> None:
    assert execution_rate(Figure(D(200), D(50))) == D("0.25")
    assert execution_rate(Figure(D(0), D(0))) is None
    assert execution_rate(Figure(D(10))) is None
    assert execution_rate(EMPTY) is None
    assert EMPTY.empty and not Figure(D(0)).empty


# ---------------------------------------------------------------------------
# Printed totals of legacy pages


def test_drift_paths_and_messages() -> None:
    budget = _budget(
        {
            "plan": [
                {"name": "a", "sources": {"시비": {"2018": 20}}, "printed_totals": {"시비": 21}}
            ],
            "secured": [
                {
                    "name": "a",
                    "sources": {"시비": {"2018": {"secured": 10, "executed": 5}}},
                    "printed_totals": {"시비": {"secured": 10, "executed": 6}},
                }
            ],
            "printed_grand_total": {"계": 20, "2018": 19, "2019": 0},
        }
    )
    assert printed_total_drift(budget, COLUMNS) == [
        ("plan[0].printed_totals.시비", "the page printed 계 21 but the figures add up to 20"),
        (
            "secured[0].printed_totals.시비",
            "the page printed 계 10 (6) but the figures add up to 10 (5)",
        ),
        ("printed_grand_total.2018", "the page printed 19 but the figures add up to 20"),
    ]


def test_secured_printed_total_without_executed_checks_the_amount_only() -> None:
    budget = _budget(
        {
            "secured": [
                {
                    "name": "a",
                    "sources": {"시비": {"2018": {"secured": 10, "executed": 5}}},
                    "printed_totals": {"시비": {"secured": 10}},
                }
            ]
        }
    )
    assert printed_total_drift(budget, COLUMNS) == []


# ---------------------------------------------------------------------------
# Properties over random budgets

amounts = st.integers(0, 10_000).map(D) | st.decimals(0, 10_000, places=1, allow_nan=False)
cells = st.dictionaries(st.sampled_from(KEYS), amounts, max_size=len(KEYS))
sources = st.dictionaries(st.sampled_from(FUNDING_SOURCES), cells, max_size=4)
plans = st.lists(sources, max_size=4).map(
    lambda blocks: Budget.model_validate(
        {"plan": [{"name": f"사업{i}", "sources": s} for i, s in enumerate(blocks)]}
    )
)


@given(plans)
def test_totals_add_up_across_and_down(budget: Budget) -> None:
    table = plan_table(budget, COLUMNS)
    everything = D(0)
    for sub, block in zip(budget.plan, table.blocks, strict=True):
        for row in block.rows:
            figures = [c.amount for c in row.cells if c.amount is not None]
            if row.total.amount is not None:
                assert row.total.amount == sum(figures, D(0))
            else:
                assert figures == []
        for cols in sub.sources.values():
            everything += sum(cols.values(), D(0))
        with_figures = [r for r in block.rows if r.kind == "source" and r.total.amount is not None]
        assert ("소계" in [r.label for r in block.rows]) is (len(with_figures) > 1)
    assert table.grand_total.total.amount == everything
    for i in range(len(COLUMNS)):
        down = sum(
            (r.cells[i].amount or D(0) for b in table.blocks for r in b.rows if r.kind == "source"),
            D(0),
        )
        assert table.grand_total.cells[i].amount == down
    total = sum((c.amount or D(0) for c in table.grand_total.cells), D(0))
    assert total == table.grand_total.total.amount
    assert printed_total_drift(budget, COLUMNS) == []


@pytest.mark.parametrize("kind", ["plan", "secured"])
def test_tables_are_immutable_values(kind: str) -> None:
    build = plan_table if kind == "plan" else secured_table
    a = build(_budget(SECURED), COLUMNS)
    b = build(_budget(SECURED), COLUMNS)
    assert a == b and hash(a) == hash(b)


@pytest.mark.parametrize("where", ["records", "examples/goyang", "examples/gu", "examples/gun"])
def test_table_sums_are_the_tables_own(where: str) -> None:
    """table_sums adds up what plan_table / secured_table add up: 계 row, sources' 계, height."""
    from pathlib import Path

    from reportgen.records.asof import budget_of, pledge_as_of
    from reportgen.records.budget import plan_table, secured_table, table_sums
    from reportgen.records.validate import check

    records, _warnings = check(Path(__file__).resolve().parent.parent / where)
    assert records.settings is not None
    settings = records.settings
    term, columns = settings.term.to_term(), settings.money_columns()
    compared = 0
    for period in term.report_periods:
        for pledge in records.pledges:
            budget = budget_of(pledge_as_of(pledge, period, term))
            if budget is None:
                continue
            kinds: tuple[tuple[Literal["plan", "secured"], Any], ...] = (
                ("plan", plan_table),
                ("secured", secured_table),
            )
            for kind, make in kinds:
                table = make(budget, columns, settings.funding_sources)
                sums = table_sums(kind, budget, columns, settings.funding_sources)
                assert sums.grand_total == table.grand_total
                assert sums.height == sum(len(block.rows) for block in table.blocks)
                rows = [r for b in table.blocks for r in b.rows if r.kind == "source"]
                shown = {s: [t for t in ts if not t.empty] for s, ts in sums.by_source.items()}
                assert {s: ts for s, ts in shown.items() if ts} == {
                    s: [r.total for r in rows if r.label == s and not r.total.empty]
                    for s in {r.label for r in rows if not r.total.empty}
                }
                compared += 1
    assert compared
