"""Derived money tables: every 계 and 소계 is computed here, never stored.

□ 연도별 투자계획(사업비) and □ 연도별 확보(집행)액 share one frame (FORM.md
§4-5): a grand-total row, then per sub-project (공약사업) one row per funding
source (국비/도비/시비/기타) and a 소계 where the block has more than one
source with figures. Across, 계 = 기투자 + each year of the term + 임기후.
The secured table carries a second figure per cell, the amount executed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .. import josa
from ..bulk import built
from ..i18n import tr
from .model import FUNDING_SOURCES, Budget, PlannedSubproject, SecuredSubproject
from .periods import FiscalColumn

ZERO = Decimal(0)

RowKind = Literal["total", "source", "subtotal"]
TableKind = Literal["plan", "secured"]


@dataclass(frozen=True)
class Figure:
    """One cell: an amount (백만원) and, in the secured table, the amount executed."""

    amount: Decimal | None
    executed: Decimal | None = None

    @property
    def empty(self) -> bool:
        return self.amount is None and self.executed is None


EMPTY = Figure(None)

_new = object.__new__


def _figure(amount: Decimal | None, executed: Decimal | None = None) -> Figure:
    """``Figure(amount, executed)`` without a setattr per field: a table makes one per cell."""
    figure: Figure = _new(Figure)
    fields = figure.__dict__  # in the fields' order, as the constructor fills them
    fields["amount"] = amount
    fields["executed"] = executed
    return figure


@dataclass(frozen=True)
class BudgetRow:
    label: str  # 계 / 국비 / 도비 / 시비 / 기타 / 소계
    kind: RowKind
    total: Figure  # the 계 column
    cells: tuple[Figure, ...]  # one per fiscal column


@dataclass(frozen=True)
class BudgetBlock:
    name: str  # 공약사업명
    rows: tuple[BudgetRow, ...]


@dataclass(frozen=True)
class BudgetTable:
    kind: TableKind
    columns: tuple[FiscalColumn, ...]
    grand_total: BudgetRow
    blocks: tuple[BudgetBlock, ...]


def _sum(figures: Iterable[Figure], *, zero: bool, executed: bool) -> Figure:
    """Add figures; ``zero`` gives 0 rather than a blank when nothing contributes."""
    if not executed:  # the plan: amounts only (every table is added up, so this is hot)
        amounts = [f.amount for f in figures if f.amount is not None]
        return _figure(sum(amounts, ZERO) if amounts or zero else None)
    figures = tuple(figures)
    amounts = [f.amount for f in figures if f.amount is not None]
    done = [f.executed for f in figures if f.executed is not None]
    amount = sum(amounts, ZERO) if amounts or zero else None
    # Executed amounts are printed only where some were recorded: a year still
    # in progress shows "312", not "312 (0)".
    exe = sum(done, ZERO) if done else None
    return _figure(amount, exe)


def _row(
    label: str, kind: RowKind, cells: Sequence[Figure], *, zero: bool, executed: bool
) -> BudgetRow:
    # built(): BudgetRow(…) without a setattr per field (a diff of 300 pledges makes ~10,000).
    return built(
        BudgetRow,
        label=label,
        kind=kind,
        total=_sum(cells, zero=zero, executed=executed),
        cells=tuple(cells),
    )


def _column_sums(rows: Sequence[BudgetRow], n: int, *, executed: bool) -> list[Figure]:
    # In the plan a column's 0 is a statement (nothing planned there), as the
    # filed pages print it. In 확보(집행)액 a column where no row has a figure
    # stays blank: a 0 under '22.6. would read as "nothing secured for 2022"
    # against a plan for it, when it is only not known yet.
    if not rows:
        return [_sum((), zero=not executed, executed=executed) for _ in range(n)]
    return [
        _sum(column, zero=not executed, executed=executed)
        for column in zip(*(r.cells for r in rows), strict=True)
    ]


Cells = dict[str, dict[str, Figure]]  # source -> column key -> figure


def _plan_cells(sub: PlannedSubproject) -> Cells:
    return {src: {col: _figure(v) for col, v in cols.items()} for src, cols in sub.sources.items()}


def _secured_cells(sub: SecuredSubproject) -> Cells:
    return {
        src: {col: _figure(v.secured, v.executed) for col, v in cols.items()}
        for src, cols in sub.sources.items()
    }


def _column_figure(by_col: dict[str, Figure], column: FiscalColumn, executed: bool) -> Figure:
    """A column's figure: a merged column (2022~2023) adds the years recorded in it."""
    if not column.years:
        return by_col.get(column.key, EMPTY)
    found = [by_col[k] for k in column.keys if k in by_col]
    if len(found) == 1:
        return found[0]
    return _sum(found, zero=False, executed=executed) if found else EMPTY


def _table(
    kind: TableKind,
    columns: Sequence[FiscalColumn],
    subprojects: Sequence[tuple[str, Cells]],
    sources: Sequence[str],
) -> BudgetTable:
    executed = kind == "secured"
    n = len(columns)
    # Most cities print a column per year: a column's figure is then the one
    # recorded under its key (a merged column adds its years: _column_figure).
    keys = [c.key for c in columns] if not any(c.years for c in columns) else None
    blank = (EMPTY,) * n
    blocks: list[BudgetBlock] = []
    source_rows: list[BudgetRow] = []
    for name, cells in subprojects:
        rows = []
        for source in sources:
            by_col = cells.get(source)
            if not by_col:  # most of a block's sources: nothing recorded, a blank row
                rows.append(built(BudgetRow, label=source, kind="source", total=EMPTY, cells=blank))
                continue
            if keys is not None:
                figures = [by_col.get(key, EMPTY) for key in keys]
            else:
                figures = [_column_figure(by_col, c, executed) for c in columns]
            rows.append(_row(source, "source", figures, zero=False, executed=executed))
        with_figures = sum(1 for r in rows if not r.total.empty)
        source_rows.extend(rows)
        if with_figures > 1:
            subtotal = _column_sums(rows, n, executed=executed)
            rows.append(_row("소계", "subtotal", subtotal, zero=True, executed=executed))
        blocks.append(BudgetBlock(name, tuple(rows)))
    # A table with no sub-project (nothing secured yet) has nothing to add up:
    # its 계 stays blank, as a blank cell does, rather than claiming "0".
    grand = _row(
        "계",
        "total",
        _column_sums(source_rows, n, executed=executed),
        zero=bool(blocks),
        executed=executed,
    )
    return BudgetTable(kind, tuple(columns), grand, tuple(blocks))


@dataclass(frozen=True)
class BudgetSums:
    """What a report's totals read of a budget table, made without its rows.

    ``grand_total`` is the table's 계 row; ``by_source`` each funding source's
    rows' 계, block by block (blank rows left out); ``height`` how many rows
    the table's blocks hold (소계 rows included). The same values as the
    table's (:func:`table_sums` adds up what :func:`_table` does).
    """

    grand_total: BudgetRow
    by_source: dict[str, list[Figure]]
    height: int


def table_sums(
    kind: TableKind,
    budget: Budget,
    columns: Sequence[FiscalColumn],
    sources: Sequence[str] = FUNDING_SOURCES,
) -> BudgetSums:
    """:func:`plan_table`'s or :func:`secured_table`'s 계 row, sources' totals and height.

    A report reads these of every pledge, and the rows only of the pledges it
    lays out: the rows' figures are added up here as :func:`_table` adds
    them, without making a row, a block or a 소계.
    """
    executed = kind == "secured"
    subprojects = (
        [_secured_cells(s) for s in budget.secured]
        if executed
        else [_plan_cells(s) for s in budget.plan]
    )
    n = len(columns)
    keys = [c.key for c in columns] if not any(c.years for c in columns) else None
    # Running sums, each from ZERO in the rows' order: the very additions
    # _sum's sum(…, ZERO) makes, so the same Decimals (exponents included).
    amounts, done = [ZERO] * n, [ZERO] * n
    has_amount, has_done = [False] * n, [False] * n
    by_source: dict[str, list[Figure]] = {}
    height = 0
    for cells in subprojects:
        with_figures = 0
        for source in sources:
            by_col = cells.get(source)
            if not by_col:
                continue  # a blank row: adds nothing, and its 계 is blank
            if keys is not None:
                figures = [by_col.get(key, EMPTY) for key in keys]
            else:
                figures = [_column_figure(by_col, c, executed) for c in columns]
            row_amount = row_done = ZERO
            row_has_amount = row_has_done = False
            for i, figure in enumerate(figures):
                if figure.amount is not None:
                    row_amount += figure.amount
                    amounts[i] += figure.amount
                    row_has_amount = has_amount[i] = True
                if executed and figure.executed is not None:
                    row_done += figure.executed
                    done[i] += figure.executed
                    row_has_done = has_done[i] = True
            total = Figure(
                row_amount if row_has_amount else None, row_done if row_has_done else None
            )
            by_source.setdefault(source, []).append(total)
            if row_has_amount or row_has_done:
                with_figures += 1
        height += len(sources) + (1 if with_figures > 1 else 0)
    # As _table's 계: each column added up (a plan's blank column is 0, a
    # secured one's blank), and the row's 계 blank where there is no sub-project.
    grand_cells = [
        Figure(
            amounts[i] if has_amount[i] or not executed else None,
            done[i] if has_done[i] else None,
        )
        for i in range(n)
    ]
    grand = _row("계", "total", grand_cells, zero=bool(subprojects), executed=executed)
    return BudgetSums(grand, by_source, height)


def plan_table(
    budget: Budget, columns: Sequence[FiscalColumn], sources: Sequence[str] = FUNDING_SOURCES
) -> BudgetTable:
    """□ 연도별 투자계획(사업비); a row per funding source of the city, in its order."""
    return _table("plan", columns, [(s.name, _plan_cells(s)) for s in budget.plan], sources)


def secured_table(
    budget: Budget, columns: Sequence[FiscalColumn], sources: Sequence[str] = FUNDING_SOURCES
) -> BudgetTable:
    """□ 연도별 확보(집행)액."""
    return _table(
        "secured", columns, [(s.name, _secured_cells(s)) for s in budget.secured], sources
    )


def execution_rate(figure: Figure) -> Decimal | None:
    """집행률 = executed ÷ secured, as a fraction (None when nothing was secured)."""
    if not figure.amount or figure.executed is None:
        return None
    return figure.executed / figure.amount


def execution_rate_of(cells: Sequence[Figure]) -> Decimal | None:
    """집행률 of a row, like with like: executed ÷ secured *in the columns where
    execution is recorded*.

    Execution is reported a year behind: secured '21 is known while its
    execution is not. Dividing everything executed by everything secured
    would count '21 as unspent (도비 74.3% where '18–'20 execution was 99.9%).
    """
    return execution_rate(execution_basis(cells))


def execution_basis(cells: Sequence[Figure]) -> Figure:
    """(secured, executed) summed over the cells where execution is recorded."""
    pairs = [(c.amount or ZERO, c.executed) for c in cells if c.executed is not None]
    if not pairs:
        return Figure(None)
    return Figure(sum((a for a, _ in pairs), ZERO), sum((e for _, e in pairs if e), ZERO))


@dataclass(frozen=True)
class Drift:
    """A total typed on an old page that its figures do not add up to."""

    path: str  # JSON path below ``budget``
    table: TableKind
    where: str  # "「…」 운영 도비" or "계 '19"
    printed: str  # as the page printed it: "908 (595)"
    computed: str  # what the figures add up to: "1,220 (907)"
    row_total: bool = True  # a row's 계 (not a cell of the 계 row)

    @property
    def message(self) -> str:
        what = f"계 {self.printed}" if self.row_total else self.printed
        return tr(
            f"옛 쪽에는 {josa.attach(what, '으로')} 인쇄되었지만 수치를 더하면 "
            f"{self.computed}입니다",
            f"the page printed {what} but the figures add up to {self.computed}",
        )

    @property
    def note(self) -> str:
        """The ※ line printed under the table, so a reader comparing with the filed page knows."""
        # Written as an official types it: the bracket hugs its figure and
        # each particle is the one the figure takes read aloud (908 팔 -> 을).
        printed = self.printed.replace(" (", "(")
        computed = self.computed.replace(" (", "(")
        return (
            f"{self.where} 계: 연도별 금액의 합과 달라 당초 보고서의 "
            f"{josa.attach(printed, '을')} {josa.attach(computed, '으로')} 바로잡음"
        )


def _fmt(amount: Decimal | None, executed: Decimal | None = None, *, pair: bool = False) -> str:
    text = f"{amount or ZERO:,}"
    return f"{text} ({executed or ZERO:,})" if pair else text


def printed_total_drifts(
    budget: Budget,
    columns: Sequence[FiscalColumn],
    sources: Sequence[str] = FUNDING_SOURCES,
    *,
    tables: tuple[BudgetTable, BudgetTable] | None = None,
) -> list[Drift]:
    """Where totals typed on an old page disagree with the figures beside them.

    Legacy pages drift (FORM.md §5): ``validate`` warns about each, and the
    regenerated page prints the right total with a ※ line saying so.
    ``tables`` are the plan and secured tables when the caller has made them.
    """
    out: list[Drift] = []
    if (
        not budget.printed_grand_total
        and not any(sub.printed_totals for sub in budget.plan)
        and not any(sub.printed_totals for sub in budget.secured)
    ):
        return out  # records written for reportgen type no totals: nothing to check
    plan = tables[0] if tables else plan_table(budget, columns, sources)
    for i, (sub, block) in enumerate(zip(budget.plan, plan.blocks, strict=True)):
        for source, printed in sub.printed_totals.items():
            row = next((r for r in block.rows if r.label == source), None)
            if row is not None and (row.total.amount or ZERO) != printed:
                out.append(
                    Drift(
                        f"plan[{i}].printed_totals.{source}",
                        "plan",
                        f"{sub.name} {source}",
                        _fmt(printed),
                        _fmt(row.total.amount),
                    )
                )
    secured = tables[1] if tables else secured_table(budget, columns, sources)
    for i, (ssub, block) in enumerate(zip(budget.secured, secured.blocks, strict=True)):
        for source, sprinted in ssub.printed_totals.items():
            row = next((r for r in block.rows if r.label == source), None)
            if row is None:
                continue  # not a source of the city: validate says so
            got, exe = row.total.amount or ZERO, row.total.executed or ZERO
            if got != sprinted.secured or (
                sprinted.executed is not None and exe != sprinted.executed
            ):
                pair = sprinted.executed is not None
                out.append(
                    Drift(
                        f"secured[{i}].printed_totals.{source}",
                        "secured",
                        f"{ssub.name} {source}",
                        _fmt(sprinted.secured, sprinted.executed, pair=pair),
                        _fmt(got, exe, pair=pair),
                    )
                )
    by_key = {c.key: (c, plan.grand_total.cells[i]) for i, c in enumerate(columns)}
    for key, printed in budget.printed_grand_total.items():
        found = (None, plan.grand_total.total) if key == "계" else by_key.get(key)
        if found is None:
            continue
        column, fig = found
        if (fig.amount or ZERO) != printed:
            out.append(
                Drift(
                    f"printed_grand_total.{key}",
                    "plan",
                    "전체" if column is None else f"전체 {column.label}",
                    _fmt(printed),
                    _fmt(fig.amount),
                    row_total=False,
                )
            )
    return out


def printed_total_drift(
    budget: Budget, columns: Sequence[FiscalColumn], sources: Sequence[str] = FUNDING_SOURCES
) -> list[tuple[str, str]]:
    """(JSON path below ``budget``, message) for each :func:`printed_total_drifts`."""
    return [(d.path, d.message) for d in printed_total_drifts(budget, columns, sources)]
