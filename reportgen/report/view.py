"""Stage 4: the format-neutral view of a report, computed once for every writer.

Period labels, item lines with their level symbols, budget rows flattened with
merge marks, derived totals and formatted figures all live here, so the DOCX,
XLSX (and later HWPX or HTML) writers only lay them out and never recompute.
Every value is plain data (str, int, Decimal, tuples, frozen dataclasses): safe
to hand to a sandboxed template and to another process.

What the report's totals read of every pledge is made with the view; a
pledge's own parts (:class:`PledgeView`'s contacts, progress, problems and
indicator tables, :class:`MoneyTable`'s rows, widths, weights and table) are
made once, when first read (:func:`~reportgen.bulk.made_on_first_use`): a
rebuild reads them only for the pledges it lays out again, and a forked
worker makes them for the pledges it lays out. Reading is all a writer does:
each part is made the same way whoever reads it first.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Literal

from .. import josa
from ..bulk import built, made_from, made_on_first_use, unmade
from ..records import numbering
from ..records.asof import (
    DatedItem,
    IndicatorAsOf,
    KeptRows,
    PledgeAsOf,
    budget_of,
    contacts_of,
    department_of,
    participation_of,
    pledge_as_of,
    problems_of,
    progress_rate_of,
    rows_kept,
    rows_of,
    title_of,
    year_in_previous,
)
from ..records.budget import (
    EMPTY,
    BudgetRow,
    BudgetSums,
    BudgetTable,
    Figure,
    execution_basis,
    execution_rate,
    plan_table,
    printed_total_drifts,
    secured_table,
    table_sums,
)
from ..records.model import FUNDING_SOURCES, Adjustment, Budget, Item, Pledge, ReportSettings
from ..records.periods import FiscalColumn, Period, ReportWindows, RowLabel, Term, heading_for
from ..records.text import blankless
from .tables import (
    Column,
    ContentsEntry,
    Rate,
    StatusCount,
    Table,
    TableCell,
    TableRow,
    Tally,
    contents_table,
    share,
    status_table,
    tally_table,
)
from .widths import as_weights, fit, lines_cm, longest_word_cm

__all__ = ["Rate", "StatusCount", "Table", "Tally"]  # the table types, re-exported

_new = object.__new__

# How each level of 개조식 text is printed (FORM.md §2, §9).
SYMBOLS = ("□", "○", "-", "·")
NOTE_SYMBOL = "※"
MAX_LEVEL = len(SYMBOLS) - 1


@functools.lru_cache(maxsize=8192)
def format_amount(value: Decimal | None) -> str:
    """``1578`` -> ``1,578``; decimals only where the figure has them; blank for none.

    A function of the figure's value alone (1E+3 and 1000, 12.50 and 12.5 print
    alike): kept for the values seen last, as a report's tables and a diff's
    differences print the same figures many times over.
    """
    if value is None:
        return ""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    # Not normalize(): it rounds to 28 digits. Drop trailing zeros as text.
    return f"{value:,f}".rstrip("0").rstrip(".")


def format_figure(figure: Figure, with_executed: bool) -> str:
    """``279 (278)`` in the secured table; ``1,578`` in the plan table."""
    if figure.amount is None and figure.executed is None:
        return ""  # most cells of a money table
    text = format_amount(figure.amount)
    if with_executed and figure.executed is not None:
        text = (
            f"{text} ({format_amount(figure.executed)})"
            if text
            else f"({format_amount(figure.executed)})"
        )
    return text


def format_share(part: int, whole: int) -> str:
    """Share to one decimal, as cities print 달성률: ``37.5%``."""
    return share(part, whole).text


@dataclass(frozen=True)
class Line:
    """One printed line of 개조식 text: ``level`` picks the symbol and the hanging indent."""

    level: int  # 0 □, 1 ○, 2 -, 3 ·
    symbol: str
    text: str
    note: bool = False
    placeholder: bool = False  # "nothing recorded" message, printed plainly


@dataclass(frozen=True)
class ProgressRow:
    """One row of □ 추진실적 및 향후 추진계획."""

    title: str
    note: str
    lines: tuple[Line, ...]


@dataclass(frozen=True)
class MoneyCell:
    amount: Decimal | None
    executed: Decimal | None
    text: str  # formatted for print: "1,578" or "279 (278)"


@dataclass(frozen=True)
class MoneyRow:
    """One printed row of a money table, flattened for writers.

    ``name`` is the sub-project name, set on every row of its block; ``merge``
    says how the name cell joins the rows around it: "restart" on the first
    row of a block, "continue" below it, "" for the grand-total row.
    ``block_rows`` is the block's height, for writers that merge ranges.
    """

    name: str
    merge: Literal["restart", "continue", ""]
    block_rows: int
    label: str  # 계 / 국비 / 도비 / 시비 / 기타 / 소계
    kind: Literal["total", "source", "subtotal"]
    total: MoneyCell
    cells: tuple[MoneyCell, ...]
    # 확보(집행)액 only: 집행률 like with like, over the columns where
    # execution is recorded (:func:`reportgen.records.budget.execution_rate_of`).
    rate: Decimal | None = None
    rate_text: str = ""
    rate_basis: Decimal | None = None  # secured in the columns where execution is recorded


def format_rate(rate: Decimal | None) -> str:
    """``0.999`` -> ``99.9%``; blank for none."""
    return "" if rate is None else f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class _MoneyFigures:
    """What a money table's rows are made from, kept beside its fields (see :func:`~reportgen.bulk.made_on_first_use`).

    The budget table itself (``figures``), or the budget it is made from
    when the rows are first read (``budget``); neither: 비예산, or nothing
    recorded (the frame is printed).
    """

    figures: BudgetTable | None
    budget: Budget | None
    columns: tuple[FiscalColumn, ...]
    sources: tuple[str, ...]  # the city's funding sources, in its order
    pledge_title: str  # down a 비예산 frame's name cells
    height: int  # how many rows the table has below its 계 row

    def table(self, kind: Literal["plan", "secured"]) -> BudgetTable | None:
        if self.figures is not None or self.budget is None:
            return self.figures
        made = plan_table if kind == "plan" else secured_table
        return made(self.budget, self.columns, self.sources)


def _money_rows(table: MoneyTable) -> tuple[MoneyRow, ...]:
    made: _MoneyFigures = made_from(table, "_figures")
    return money_rows(
        made.table(table.kind),
        len(table.column_keys),
        executed=table.kind == "secured",
        non_budget=table.non_budget,
        pledge_title=made.pledge_title,
        sources=made.sources,
    )


def _money_widths(table: MoneyTable) -> tuple[float, ...]:
    return money_widths(table.column_keys, table.column_labels, table.rows, table.grand_total)


def _money_weights(table: MoneyTable) -> tuple[int, ...]:
    return as_weights(table.widths)


def _money_form(table: MoneyTable) -> Table | None:
    # A 비예산 frame's rows carry the pledge's name down their name cells
    # (the city has at least one funding source, so one row at least).
    pledge_title = table.rows[0].name if table.non_budget and table.rows else ""
    return money_form(
        table.kind,
        table.title,
        table.column_labels,
        table.rows,
        table.grand_total,
        non_budget=table.non_budget,
        pledge_title=pledge_title,
        notes=table.notes,
        weights=table.weights,
    )


@dataclass(frozen=True)
class MoneyTable:
    """□ 연도별 투자계획(사업비) or □ 연도별 확보(집행)액 of one pledge, as printed.

    The 계 row (``grand_total``) and what the report's totals read are made
    with the view; ``rows``, ``widths``, ``weights`` and ``table`` when first
    read (:func:`~reportgen.bulk.made_on_first_use`), since a rebuild reuses most pledges' pages unread.
    """

    title: str
    unit: str
    kind: Literal["plan", "secured"]
    column_labels: tuple[str, ...]  # fiscal columns only: 기투자 '18.7. '19 … 임기후
    column_keys: tuple[str, ...]
    _: dataclasses.KW_ONLY
    rows: tuple[MoneyRow, ...] = made_on_first_use(_money_rows)
    grand_total: MoneyRow
    non_budget: bool
    recorded: bool  # False: nothing recorded for this period (the frame says so)
    # ※ lines under the table: where an old page printed totals that did not
    # add up, this page prints the right ones and says so.
    notes: tuple[str, ...] = ()
    # Every column's width in cm (공약사업명, 구분, 계, then the city's columns),
    # fitted so that no figure or word breaks inside ("(20,609" / ")"):
    # the DOCX and the HWPX lay the table out with these.
    widths: tuple[float, ...] = made_on_first_use(_money_widths)
    # The same widths as whole weights, for {% colwidth %}.
    weights: tuple[int, ...] = made_on_first_use(_money_weights)
    # The table as printed, finished (reportgen.report.tables): every row and
    # cell, the name merged down its block, the 비예산 frame; the rows above
    # keep the figures a spreadsheet's formulas are made from.
    table: Table | None = made_on_first_use(_money_form)

    def __post_init__(self) -> None:
        unmade(self, ("rows", "widths", "weights", "table"))

    @property
    def blank(self) -> bool:
        """Whether no cell prints a figure: the frame (nothing recorded, or 비예산).

        Answered without making the rows where they are the frame's.
        """
        grand = self.grand_total
        if grand.total.text or any(c.text for c in grand.cells):
            return False
        made = self.__dict__.get("_figures")
        if "rows" not in self.__dict__ and made is not None:
            if made.figures is None and made.budget is None:
                return True  # the frame's rows: every cell blank (money_rows)
        return not any(r.total.text or any(c.text for c in r.cells) for r in self.rows)

    @property
    def height(self) -> int:
        """How many rows ``rows`` holds, counted without making them.

        A rebuild's workbook places a reused sheet's tables by their heights
        (its summary sheets refer to their cells) and reads nothing else of them.
        """
        if "rows" in self.__dict__:
            return len(self.rows)
        made: _MoneyFigures = made_from(self, "_figures")
        return made.height


@dataclass(frozen=True)
class ContactRow:
    role: str  # 과장 / 팀장 / 담당자
    name: str
    phone: str


@dataclass(frozen=True)
class ParticipationCell:
    heading: str
    count: int | None
    text: str  # "42회" or ""


@dataclass(frozen=True)
class ProblemsView:
    """□ 문제점 및 개선대책: headed lists (○ 문제점, ○ 개선대책) or one list."""

    sections: tuple[tuple[str, tuple[Line, ...]], ...]  # (heading or "", lines)
    recorded: bool


@dataclass(frozen=True)
class GroupLabel:
    """A 분야 / 전략 above the pledge: ``분야``, ``1``, ``일자리 경제``."""

    level: str
    key: str
    name: str


@dataclass(frozen=True)
class IndicatorRow:
    """One 성과지표: 일자리 창출 | 개 | 목표 1,000 | 실적 640 | 64.0%."""

    name: str
    unit: str
    target: Decimal
    target_text: str  # "1,000"
    result: Decimal | None
    result_text: str  # "640", blank when nothing is recorded yet
    rate: Decimal | None  # result ÷ target
    rate_text: str  # "64.0%"
    as_of: str  # the report period of the result: "2024H1", or "" (a key, never printed)
    cumulative: bool  # the result is a running total of half-years (실적 누계)
    result_label: str = ""  # 실적 as printed: "215 (누계)" for a running total, else result_text
    # The report of the result as the city says it: "2024년 상반기", "… (누계)".
    as_of_label: str = ""
    # 연차별 목표: the report's year's target and result so far, where one is set.
    year_label: str = ""  # "2024년", "" without a yearly target
    year_target: Decimal | None = None
    year_target_text: str = ""
    year_result: Decimal | None = None
    year_result_text: str = ""
    year_rate: Decimal | None = None
    year_rate_text: str = ""


@dataclass(frozen=True)
class AdjustmentView:
    """공약 조정 in force: 폐기 (2024. 3. 15., 공약이행평가단 심의) and its reason."""

    kind: str
    date: str  # "2024. 3. 15."
    period: str
    heading: str  # "폐기 (2024. 3. 15., 공약이행평가단 심의)"
    reason: str
    before: str
    after: str
    merged_into: str
    lines: tuple[Line, ...]  # the adjustment as 개조식 lines: ○ 사유 … ○ 변경 전 … ○ 변경 후 …
    decided_by: str = ""  # 결정 기관: "공약이행평가단 심의", or "" where none is recorded


@dataclass(frozen=True)
class SourceMoney:
    """재원별: one funding source's money over a pledge's sub-projects (or the whole report)."""

    source: str
    planned: Decimal | None  # None: nothing recorded (or the plan of a withdrawn pledge)
    secured: Decimal | None
    executed: Decimal | None


@dataclass(frozen=True)
class MoneyTotals:
    """Money of every budgeted pledge added up: the workbook's 합계 rows.

    ``planned`` leaves out withdrawn pledges (their plan is no longer planned
    money); 집행률 is like with like, executed ÷ ``basis`` (what was secured in
    the columns whose execution is recorded), as on each pledge's table.
    """

    columns: tuple[Decimal | None, ...]  # planned, per money column
    planned: Decimal | None
    secured: Decimal | None
    executed: Decimal | None
    basis: Decimal | None
    rate: Decimal | None
    rate_text: str
    by_source: tuple[SourceMoney, ...]


def _add(values: Iterable[Decimal | None]) -> Decimal | None:
    """A sum over figures; None when none of them is a figure (blank, not 0)."""
    found = [v for v in values if v is not None]
    return sum(found, Decimal(0)) if found else None


def _pledge_asof(view: PledgeView) -> PledgeAsOf:
    asof: PledgeAsOf = made_from(view, "_asof")
    return asof


def _made_contacts(view: PledgeView) -> tuple[ContactRow, ...]:
    settings: ReportSettings = made_from(view, "_settings")
    return contact_rows(_pledge_asof(view), settings)


def _made_progress(view: PledgeView) -> tuple[ProgressRow, ...]:
    return _progress(_pledge_asof(view), view.withdrawn)


def _made_problems(view: PledgeView) -> ProblemsView:
    return problems_view(_pledge_asof(view))


def _made_indicator_table(view: PledgeView) -> Table | None:
    return indicator_table(view.indicators)


def _made_indicator_year_table(view: PledgeView) -> Table | None:
    return indicator_year_table(view.indicators)


@dataclass(frozen=True)
class PledgeView:
    """Everything printed on one pledge's pages for one report period.

    What the report's totals read (status, 추진율, the money tables' 계 rows,
    재원별, 성과지표 …) is made with the view; the pages' own parts (contacts,
    the progress lines, 문제점 및 개선대책, the indicator tables, and the
    money tables' rows and finished tables) when first read
    (:func:`~reportgen.bulk.made_on_first_use`): a rebuild reads them only
    for the pledges it lays out again.
    """

    id: str
    title: str
    anchor: str  # bookmark name for the booklet's table of contents
    period: str
    period_words: str
    status: str
    department: str
    _: dataclasses.KW_ONLY
    contacts: tuple[ContactRow, ...] = made_on_first_use(_made_contacts)
    progress: tuple[ProgressRow, ...] = made_on_first_use(_made_progress)
    participation: tuple[ParticipationCell, ...] | None
    plan_table: MoneyTable
    secured_table: MoneyTable
    problems: ProblemsView = made_on_first_use(_made_problems)
    non_budget: bool
    drafts: tuple[str, ...]
    # The city's form beyond Goyang's (each empty where the city has none).
    groups: tuple[GroupLabel, ...] = ()  # outermost first
    progress_rate: Decimal | None = None  # 추진율(%)
    progress_rate_text: str = ""  # "88%"
    indicators: tuple[IndicatorRow, ...] = ()  # 성과지표
    adjustments: tuple[AdjustmentView, ...] = ()  # 공약 조정, oldest first
    withdrawn: bool = False  # 폐기/통폐합: no plan row and no 투자계획 table
    money_tables: tuple[MoneyTable, ...] = ()  # the tables to print, in order
    by_source: tuple[SourceMoney, ...] = ()  # 재원별 (the workbook's sheet of that name)
    lists_contacts: bool = True  # False where the city lists no contact roles (소관부서 only)
    # □ 성과지표, finished (None: no indicators)
    indicator_table: Table | None = made_on_first_use(_made_indicator_table)
    # □ 성과지표 연차별 목표 (None: no yearly targets)
    indicator_year_table: Table | None = made_on_first_use(_made_indicator_year_table)
    # The 분야 / 전략 above the pledge as printed: "분야 1 일자리 경제  ›  전략 1-1 …".
    group_line: str = ""
    # "초안 …" where an unconfirmed draft feeds these pages (or in a preview): every
    # writer prints it on every page (a header line, a banner), "" otherwise.
    draft_mark: str = ""
    # The document's title (문서 정보, a PDF's title): "1-4-5 공약명 (2022년 상반기)".
    document_title: str = ""

    def __post_init__(self) -> None:
        unmade(
            self, ("contacts", "progress", "problems", "indicator_table", "indicator_year_table")
        )


NOT_RECORDED = "(기록 없음)"
GROUP_SEPARATOR = "  ›  "  # between a pledge's 분야 and 전략 above its pages
CUMULATIVE = "(누계)"  # beside a 성과지표 result that is a running total of half-years

#: Printed on every page that an unconfirmed draft feeds, so a draft never passes as the report.
DRAFT_MARK = "초안 — 확정되지 않은 내용이 있습니다 (제출·공개용 아님)"
#: Printed on every page of ``publish --preview``: an internal preview, drafts or not.
PREVIEW_MARK = "초안 — 내부 검토용 미리보기 (공개하지 마십시오)"


def _lines(items: tuple[DatedItem, ...] | list[Item], level: int) -> list[Line]:
    out: list[Line] = []
    shown = min(level, MAX_LEVEL)
    symbol = SYMBOLS[shown]
    for item in items:
        # built(): Line(shown, …) without a setattr per field (a view makes ~30,000).
        out.append(
            built(
                Line,
                level=shown,
                symbol=NOTE_SYMBOL if item.note else symbol,
                text=item.text,
                note=item.note,
                placeholder=False,
            )
        )
        if item.children:  # most items have none: no call, no list
            out.extend(_lines(item.children, level + 1))  # type: ignore[arg-type]
    return out


def _placeholder(what: str) -> Line:
    return Line(1, "", f"{NOT_RECORDED} {what}", placeholder=True)


def _achieved_lines(items: tuple[DatedItem, ...], achieved: Period) -> list[Line]:
    """The previous half's items; material recorded only by year goes under its year.

    A year (2019) counts as reported with its second half, so its items reach
    the row of 2019H2. Printed bare there they would claim to be 7.~12.'s:
    under "□ 2019년 추진실적" they say what they are (FORM.md §2, as the seed
    does in the cumulative row).
    """
    if not any(i.period.is_year for i in items):
        return _lines(items, 1)
    lines: list[Line] = []
    for is_year in (True, False):
        shown = tuple(i for i in items if i.period.is_year == is_year)
        if shown:
            when = Period(achieved.year) if is_year else achieved
            lines.append(Line(0, SYMBOLS[0], heading_for(when)))
            lines.extend(_lines(shown, 1))
    return lines


# How each level's line is printed: (level shown, symbol), by depth (1: a group's entries).
_LEVEL_SHOWN = tuple((min(level, MAX_LEVEL), SYMBOLS[min(level, MAX_LEVEL)]) for level in range(8))


def _item_line(item: Item, level: int) -> Line:
    """The printed line of ``item`` at ``level`` (as :func:`_lines` prints it)."""
    shown, symbol = _LEVEL_SHOWN[level] if level < 8 else _LEVEL_SHOWN[-1]
    # Line(…) without a setattr per field (see built()): a view makes ~30,000.
    line: Line = _new(Line)
    fields = line.__dict__  # in the fields' order, as the constructor fills them
    fields["level"] = shown
    fields["symbol"] = NOTE_SYMBOL if item.note else symbol
    fields["text"] = item.text
    fields["note"] = item.note
    fields["placeholder"] = False
    return line


def _progress(
    asof: PledgeAsOf, withdrawn: bool, kept: KeptRows[Line] | None = None
) -> tuple[ProgressRow, ...]:
    """□ 추진실적 및 향후 추진계획's rows; ``kept``: their lines as :func:`rows_kept` made them."""
    w = asof.windows
    rows: list[ProgressRow] = []

    def row(label: RowLabel, lines: list[Line], what: str) -> None:
        rows.append(ProgressRow(label.title, label.note, tuple(lines or [_placeholder(what)])))

    state = asof.__dict__
    if "cumulative" in state and "previous" in state and "plan" in state:
        # Made already (a check read them): printed from them.
        made = rows_of(asof)
        cumulative = [(p, [_lines(items, 1)]) for p, items in made[0]]
        previous = _achieved_lines(made[1], w.previous) if w.has_previous else []
        plan = _lines(made[2], 1)
    else:
        # The lines straight from the record's items (not kept by the as-of).
        kept_cumulative, kept_previous, kept_plan = kept or rows_kept([asof], _item_line)[0]
        cumulative = kept_cumulative
        if w.has_previous and year_in_previous(asof):
            # Rare: material recorded by year goes under its year's heading.
            previous = _achieved_lines(rows_of(asof)[1], w.previous)
        else:
            previous = [line for group in kept_previous for line in group]
        plan = [line for group in kept_plan for line in group]

    if w.has_cumulative:
        lines: list[Line] = []
        heading = ""
        for recorded, groups in cumulative:
            if asof.pledge.year_headings:
                # A year the row covers to its end prints as one group, its
                # halves together (□ 2019년 추진실적), as the filed pages do;
                # a year still running prints its half (□ 2021년 상반기 추진실적).
                whole = Period(recorded.year)
                shown = whole if w.shows_in_cumulative(whole) else recorded
                if heading_for(shown) != heading:
                    heading = heading_for(shown)
                    lines.append(Line(0, SYMBOLS[0], heading))
            for group_lines in groups:
                lines.extend(group_lines)
        row(w.cumulative_label(), lines, "이 기간에 기록된 추진실적이 없습니다.")
    if w.has_previous:
        row(
            w.previous_label(),
            previous,
            f"{w.previous.in_words}에 기록된 추진실적이 없습니다.",
        )
    if not withdrawn:  # a 폐기 pledge has no plan: its adjustment says why
        row(
            w.plan_label(),
            plan,
            f"{w.plan_period.in_words} 추진계획이 기록되지 않았습니다.",
        )
    return tuple(rows)


def progress_together(views: Sequence[PledgeView]) -> None:
    """Make the progress rows of ``views``, reports of one record, in one walk of its items.

    The diff reads both periods' rows of each pledge: the record's items are
    then walked and each printed line made once for both (:func:`rows_kept`),
    not once per report and row. Each view's rows are the ones it would make
    alone (:func:`_made_progress`); a view whose rows are made, or that is
    not of the same record as the first, is left as it is.
    """
    waiting = [v for v in views if "progress" not in v.__dict__]
    if len(waiting) < 2:
        return
    asofs = [_pledge_asof(v) for v in waiting]
    walked = [
        i
        for i, asof in enumerate(asofs)
        if asof.pledge is asofs[0].pledge
        # An as-of whose items are made already (a check read them) prints from them.
        and not {"cumulative", "previous", "plan"} <= asof.__dict__.keys()
    ]
    if len(walked) < 2:
        return
    kept = rows_kept([asofs[i] for i in walked], _item_line)
    for i, rows in zip(walked, kept, strict=True):
        view = waiting[i]
        view.__dict__["progress"] = _progress(asofs[i], view.withdrawn, rows)


# Most cells of a money table are blank: one immutable cell stands for them all.
_BLANK_CELL = MoneyCell(None, None, "")


def _cell(figure: Figure, with_executed: bool) -> MoneyCell:
    if figure.amount is None and figure.executed is None:
        return _BLANK_CELL
    return built(
        MoneyCell,
        amount=figure.amount,
        executed=figure.executed,
        text=format_figure(figure, with_executed),
    )


@functools.cache
def _blank_cells(width: int) -> tuple[MoneyCell, ...]:
    return (_BLANK_CELL,) * width


def _money_row(row: BudgetRow, name: str, merge: str, height: int, with_executed: bool) -> MoneyRow:
    figures = row.cells
    if row.total is EMPTY and figures.count(EMPTY) == len(figures):
        # Most of a table's rows: a source with nothing recorded (budget._table).
        # Its cells are all blank and it has no 집행률, as the general way finds.
        return built(
            MoneyRow,
            name=name,
            merge=merge,
            block_rows=height,
            label=row.label,
            kind=row.kind,
            total=_BLANK_CELL,
            cells=_blank_cells(len(figures)),
            rate=None,
            rate_text="",
            rate_basis=None,
        )
    # execution_rate_of(cells) is execution_rate(execution_basis(cells)): the basis once.
    executed = execution_basis(figures) if with_executed else None
    basis = executed.amount if executed is not None else None
    rate = execution_rate(executed) if executed is not None else None
    total, cells = _row_cells(row, with_executed)
    return built(
        MoneyRow,
        name=name,
        merge=merge,
        block_rows=height,
        label=row.label,
        kind=row.kind,
        total=total,
        cells=cells,
        rate=rate,
        rate_text=format_rate(rate),
        rate_basis=basis,
    )


def _row_cells(row: BudgetRow, with_executed: bool) -> tuple[MoneyCell, tuple[MoneyCell, ...]]:
    """A row's 계 cell and its columns' cells, as printed."""
    figures = row.cells
    if row.total is EMPTY and figures.count(EMPTY) == len(figures):
        return _BLANK_CELL, _blank_cells(len(figures))  # a source with nothing recorded
    cells = tuple(
        [
            _BLANK_CELL
            if c.amount is None and c.executed is None  # _cell's blank, without the call
            else _cell(c, with_executed)
            for c in figures
        ]
    )
    return _cell(row.total, with_executed), cells


#: A printed row of a money table as :func:`printed_rows` gives it:
#: (name, merge, label, kind, 계 cell, the columns' cells), as in its MoneyRow.
PrintedRow = tuple[str, str, str, str, MoneyCell, tuple[MoneyCell, ...]]


def printed_rows(table: MoneyTable) -> Iterator[PrintedRow]:
    """``table.rows`` below the 계 row as :data:`PrintedRow`, without making the MoneyRows.

    A reader of the cells alone (the diff) is spared each row's object and
    its 집행률; the rows are not kept. Where they are made already, or the
    table is the frame, they are read as made.
    """
    made = table.__dict__.get("_figures")
    figures = (
        made.table(table.kind)
        if "rows" not in table.__dict__ and isinstance(made, _MoneyFigures)
        else None
    )
    if figures is None:
        for r in table.rows:
            yield r.name, r.merge, r.label, r.kind, r.total, r.cells
        return
    executed = table.kind == "secured"
    for block in figures.blocks:
        for i, brow in enumerate(block.rows):
            total, cells = _row_cells(brow, executed)
            yield (
                block.name,
                "restart" if i == 0 else "continue",
                brow.label,
                brow.kind,
                total,
                cells,
            )


def money_rows(
    table: BudgetTable | None,
    width: int,
    *,
    executed: bool,
    non_budget: bool,
    pledge_title: str,
    sources: Sequence[str],
) -> tuple[MoneyRow, ...]:
    """A money table's printed rows below its 계 row; the frame's where nothing is recorded."""
    rows: list[MoneyRow] = []
    if table is not None:
        for block in table.blocks:
            for i, brow in enumerate(block.rows):
                rows.append(
                    _money_row(
                        brow,
                        block.name,
                        "restart" if i == 0 else "continue",
                        len(block.rows),
                        executed,
                    )
                )
    else:
        # 비예산, or nothing recorded: print the frame (계 and the city's sources).
        empty = MoneyCell(None, None, "")
        blank = tuple(empty for _ in range(width))
        labels = tuple(sources)
        for i, label in enumerate(labels):
            rows.append(
                MoneyRow(
                    pledge_title if non_budget else "",
                    "restart" if i == 0 else "continue",
                    len(labels),
                    label,
                    "source",
                    empty,
                    blank,
                )
            )
    return tuple(rows)


def money_table(
    table: BudgetTable | None,
    title: str,
    columns: list[FiscalColumn],
    *,
    non_budget: bool,
    pledge_title: str,
    notes: tuple[str, ...] = (),
    sources: Sequence[str] = FUNDING_SOURCES,
) -> MoneyTable:
    """The table with its 계 row; its other rows, widths and finished table made when first read."""
    # The frame has a row for each source.
    height = len(sources) if table is None else sum(len(block.rows) for block in table.blocks)
    made = _MoneyFigures(table, None, tuple(columns), tuple(sources), pledge_title, height)
    grand = table.grand_total if table is not None else None
    return _money_table(grand, made, title, non_budget=non_budget, notes=notes)


def _money_table(
    grand_total: BudgetRow | None,
    made: _MoneyFigures,
    title: str,
    *,
    non_budget: bool,
    notes: tuple[str, ...],
) -> MoneyTable:
    """A money table of its 계 row (None: the frame's), the rest made from ``made`` when read."""
    kind: Literal["plan", "secured"] = "secured" if "확보" in title else "plan"
    columns = made.columns
    if grand_total is not None:
        grand = _money_row(grand_total, "", "", 1, kind == "secured")
    else:
        empty = MoneyCell(None, None, "")
        grand = MoneyRow("", "", 1, "계", "total", empty, tuple(empty for _ in columns))
    table = MoneyTable(
        title=title,
        unit=MONEY_UNIT,
        kind=kind,
        column_labels=tuple(c.label for c in columns),
        column_keys=tuple(c.key for c in columns),
        grand_total=grand,
        non_budget=non_budget,
        recorded=grand_total is not None or non_budget,
        notes=notes,
    )
    # Beside the fields, not one of them: what the rows are made from.
    table.__dict__["_figures"] = made
    return table


#: Across a 비예산 pledge's figures, as the form prints it (letters spread over the cell).
NON_BUDGET = "비          예          산"
MONEY_UNIT = "(단위 : 백만원)"


# The blank cells' one figure cell (a TableCell is immutable), as _BLANK_CELL is theirs.
_BLANK_FIGURE = TableCell("", "figure", None)


def _figure(cell: MoneyCell) -> TableCell:
    if cell is _BLANK_CELL:
        return _BLANK_FIGURE
    return built(
        TableCell, text=cell.text, kind="figure", value=cell.amount, col_span=1, row_span=1
    )


def money_form(
    kind: Literal["plan", "secured"],
    title: str,
    column_labels: tuple[str, ...],
    rows: Sequence[MoneyRow],
    grand: MoneyRow,
    *,
    non_budget: bool,
    pledge_title: str,
    notes: tuple[str, ...],
    weights: tuple[int, ...],
) -> Table:
    """A money table as every format prints it: 공약사업명 | 구분 | 계 | the city's columns.

    The 계 row first (its name cell empty), then each 공약사업's rows under its
    name, merged down the block. A 비예산 pledge prints the frame: its title
    down the rows, 계 and the city's sources, and "비 예 산" across the figures.
    """
    n = len(column_labels)
    head = TableRow(
        tuple(TableCell(h, "head") for h in ("공약사업명", "구분", "계", *column_labels)), "head"
    )
    body: list[TableRow] = []
    if non_budget:
        height = 1 + len(rows)
        body.append(
            TableRow(
                (
                    TableCell(pledge_title, row_span=height),
                    TableCell(grand.label),
                    TableCell(NON_BUDGET, "head", col_span=1 + n, row_span=height),
                ),
                "body",  # the frame's first line: no figure is summed here
                grand.label,
            )
        )
        body.extend(TableRow((TableCell(r.label),), "body", r.label) for r in rows)
    else:
        body.append(
            TableRow(
                (
                    TableCell(""),
                    TableCell(grand.label, "head"),
                    _figure(grand.total),
                    *(_figure(c) for c in grand.cells),
                ),
                "total",
                grand.label,
            )
        )
        for r in rows:
            name = (
                ()
                if r.merge == "continue"
                else (TableCell(r.name, row_span=r.block_rows if r.merge else 1),)
            )
            body.append(
                TableRow(
                    (*name, TableCell(r.label), _figure(r.total), *(_figure(c) for c in r.cells)),
                    "total" if r.kind == "subtotal" else "body",
                    r.label,
                )
            )
    return Table(
        name=kind,
        title=f"□ {title}",
        unit=MONEY_UNIT,
        columns=(Column("name"), Column("text"), *(Column("figure") for _ in range(1 + n))),
        head=(head,),
        rows=tuple(body),
        notes=notes,
        weights=weights,
    )


# The money tables' preferred widths in cm on the 17 cm page: 공약사업명, 구분,
# 계, then the city's columns sharing the rest (기투자 and 임기후 narrower,
# merged years wide enough for "2022~2023").
MONEY_FIXED = (3.89, 1.0, 1.6)
PAGE_WIDTH = 17.0


# A tally table (분야별, 부서별): the name column 2.4 cm, the others sharing the
# rest, a share wider than a count and a status wide enough for its name.
TALLY_NAME = 2.4
TALLY_WEIGHTS = {"rate": 6, "status": 5, "count": 4}


def fitted_tally(table: Table) -> Table:
    """The table with widths fitted to its cells: a status heading never breaks
    inside ("정상추/진"), a 분야 name takes at most about three lines."""
    columns = range(len(table.columns))
    texts = [[c.text for r in table.all_rows for c in r.cells[i : i + 1]] for i in columns]
    kinds = [TALLY_WEIGHTS.get(c.kind, 4) for c in table.columns[1:]]
    free = PAGE_WIDTH - TALLY_NAME
    preferred = [TALLY_NAME, *(free * k / sum(kinds) for k in kinds)]
    needed = [lines_cm(texts[0], 3), *(longest_word_cm(t) for t in texts[1:])]
    return replace(table, weights=as_weights(fit(preferred, needed, PAGE_WIDTH)))


def fiscal_weight(key: str) -> int:
    if key in ("기투자", "임기후"):
        return 130
    return 200 if "~" in key else 158


def money_widths(
    keys: Sequence[str], labels: Sequence[str], rows: Sequence[MoneyRow], grand: MoneyRow
) -> tuple[float, ...]:
    """Each column's width: its preferred share, widened to its longest figure or word.

    ``keys`` and ``labels`` are the city's fiscal columns' (기투자 … 임기후).
    """
    weights = [fiscal_weight(key) for key in keys]
    free = PAGE_WIDTH - sum(MONEY_FIXED)
    preferred = [*MONEY_FIXED, *(free * w / sum(weights) for w in weights)]
    every = (grand, *rows)
    texts: list[list[str]] = [
        ["공약사업명"],  # a long name may wrap between its words: it takes its share
        ["구분", *(r.label for r in every)],
        ["계", *(r.total.text for r in every)],
        *(
            [label, *(r.cells[i].text for r in every if i < len(r.cells))]
            for i, label in enumerate(labels)
        ),
    ]
    return fit(preferred, [_longest_word_cm(t) for t in texts], PAGE_WIDTH)


@functools.lru_cache(maxsize=8192)
def _word_need(text: str) -> float:
    return longest_word_cm((text,))


def _longest_word_cm(texts: Iterable[str]) -> float:
    """:func:`longest_word_cm` of ``texts``, each distinct text measured once.

    The same: the padding is added to the widest word, and adding it to each
    text's widest word instead keeps their order (rounding is monotonic).
    A money column repeats its blanks and figures across 300 pledges.
    """
    return max(map(_word_need, set(texts)), default=longest_word_cm(()))


def canonical_status(status: str, settings: ReportSettings) -> str:
    """A listed status typed with other blanks (이행 후 계속추진) counts as the listed one."""
    listed = {blankless(s): s for s in settings.statuses}
    return listed.get(blankless(status), status)


def format_number(value: Decimal | None) -> str:
    """A count or a figure as printed: ``1,000``, ``12.5``; blank for none."""
    return format_amount(value)


def format_date(iso: str | None) -> str:
    """``2024-03-15`` -> ``2024. 3. 15.``, ``2023-12`` -> ``2023. 12.``, unknown -> "".

    As Korean official documents write dates, and no more than is known:
    a decision dated to the month never gets an invented day.
    """
    if not iso:
        return ""
    return " ".join(f"{int(part)}." for part in iso.split("-"))


def _indicator(ind: IndicatorAsOf) -> IndicatorRow:
    spec = ind.indicator
    rate = None
    if ind.result is not None and spec.target:
        rate = ind.result / spec.target
    year_rate = None
    if ind.year_result is not None and ind.year_target:
        year_rate = ind.year_result / ind.year_target
    return IndicatorRow(
        name=spec.name,
        unit=spec.unit,
        target=spec.target,
        target_text=format_number(spec.target),
        result=ind.result,
        result_text=format_number(ind.result),
        rate=rate,
        rate_text=format_rate(rate),
        as_of=str(ind.recorded) if ind.recorded else "",
        cumulative=spec.cumulative,
        # "(누계)" is written here only: every format prints these labels.
        result_label=(
            f"{format_number(ind.result)} {CUMULATIVE}"
            if spec.cumulative and ind.result is not None
            else format_number(ind.result)
        ),
        as_of_label=(
            f"{ind.recorded.in_words} {CUMULATIVE}" if spec.cumulative else ind.recorded.in_words
        )
        if ind.recorded
        else "",
        year_label=f"{ind.year}년" if ind.year is not None else "",
        year_target=ind.year_target,
        year_target_text=format_number(ind.year_target),
        year_result=ind.year_result,
        year_result_text=format_number(ind.year_result),
        year_rate=year_rate,
        year_rate_text=format_rate(year_rate),
    )


# 지표명 | 단위 | 목표 | 실적 | 달성률: the term's table and the year's share this shape.
_INDICATOR_COLUMNS = (
    Column("name"),
    Column("text"),
    Column("figure"),
    Column("figure"),
    Column("rate"),
)


def _indicator_shaped(
    name: str, title: str, head: Sequence[str], rows: Iterable[tuple[TableCell, ...]]
) -> Table:
    return Table(
        name=name,
        title=title,
        unit="",
        columns=_INDICATOR_COLUMNS,
        head=(TableRow(tuple(TableCell(h, "head") for h in head), "head"),),
        rows=tuple(TableRow(cells) for cells in rows),
    )


def indicator_table(rows: Sequence[IndicatorRow]) -> Table | None:
    """□ 성과지표: 지표명 | 단위 | 목표 | 실적 | 달성률, one row per indicator."""
    if not rows:
        return None
    return _indicator_shaped(
        "indicators",
        "□ 성과지표",
        ("지표명", "단위", "목표", "실적", "달성률"),
        (
            (
                TableCell(r.name),
                TableCell(r.unit),
                TableCell(r.target_text, "figure", r.target),
                TableCell(r.result_label, "figure", r.result),
                TableCell(r.rate_text, "rate", r.rate),
            )
            for r in rows
        ),
    )


def indicator_year_table(rows: Sequence[IndicatorRow]) -> Table | None:
    """□ 성과지표 연차별 목표: the report's year's 목표 | 실적 | 달성률, beside the term's.

    The Manifesto evaluation grades each year's target against its result; a
    pledge that sets 연차별 목표 prints them here, one row per indicator that has
    one, in the shape of the term's table (지표명 | 단위 | 목표 | 실적 | 달성률).
    """
    yearly = [r for r in rows if r.year_label]
    if not yearly:
        return None
    year = yearly[0].year_label
    return _indicator_shaped(
        "indicator_years",
        f"□ 성과지표 연차별 목표 ({year})",
        ("지표명", "단위", f"{year} 목표", f"{year} 실적", "달성률"),
        (
            (
                TableCell(r.name),
                TableCell(r.unit),
                TableCell(r.year_target_text, "figure", r.year_target),
                TableCell(r.year_result_text, "figure", r.year_result),
                TableCell(r.year_rate_text, "rate", r.year_rate),
            )
            for r in yearly
        ),
    )


def indicator_totals_table(totals: Sequence[IndicatorTotal]) -> Table | None:
    """□ 성과지표 집계: the indicators several pledges share, added up."""
    if not totals:
        return None
    head = ("지표명", "단위", "공약 수", "목표", "실적", "달성률")
    return Table(
        name="indicator_totals",
        title="□ 성과지표 집계 (여러 공약의 같은 지표)",
        unit="",
        columns=(
            Column("name"),
            Column("text"),
            Column("count"),
            Column("figure"),
            Column("figure"),
            Column("rate"),
        ),
        head=(TableRow(tuple(TableCell(h, "head") for h in head), "head"),),
        rows=tuple(
            TableRow(
                (
                    TableCell(t.name),
                    TableCell(t.unit),
                    TableCell(str(t.pledges), "count", t.pledges),
                    TableCell(t.target_text, "figure", t.target),
                    TableCell(t.result_text, "figure", t.result),
                    TableCell(t.rate_text, "rate", t.rate),
                )
            )
            for t in totals
        ),
    )


def _adjustment(adj: Adjustment) -> AdjustmentView:
    date = format_date(adj.date)
    known = ", ".join(x for x in (date, adj.decided_by or "") if x)
    heading = f"{adj.kind} ({known})" if known else adj.kind
    lines = [Line(1, SYMBOLS[1], f"사유: {adj.reason}")]
    if adj.before:
        lines.append(Line(1, SYMBOLS[1], f"변경 전: {adj.before}"))
    if adj.after:
        lines.append(Line(1, SYMBOLS[1], f"변경 후: {adj.after}"))
    if adj.merged_into:
        lines.append(Line(1, SYMBOLS[1], f"통합 공약: {adj.merged_into}"))
    return AdjustmentView(
        kind=adj.kind,
        date=date,
        period=str(adj.period),
        heading=heading,
        reason=adj.reason,
        before=adj.before or "",
        after=adj.after or "",
        merged_into=adj.merged_into or "",
        lines=tuple(lines),
        decided_by=adj.decided_by or "",
    )


def pledge_groups(pledge: Pledge, settings: ReportSettings) -> tuple[GroupLabel, ...]:
    """The 분야 / 전략 a pledge falls under, outermost first (its ``group``, or its number)."""
    if not settings.groups:
        return ()
    by_key = {g.key: g for g in settings.groups}
    keys = list(by_key)
    found = numbering.group_keys(pledge.group or pledge.id, keys)
    if pledge.group in by_key:
        found = [*found, pledge.group]
    return tuple(GroupLabel(by_key[k].level, k, by_key[k].name) for k in found)


def contact_rows(asof: PledgeAsOf, settings: ReportSettings) -> tuple[ContactRow, ...]:
    """담당: the city's contact roles, in its order, where recorded."""
    contacts = contacts_of(asof) or {}
    return tuple(
        ContactRow(role.label, contacts[role.key].name, contacts[role.key].phone)
        for role in settings.contact_roles
        if role.key in contacts
    )


def problems_view(asof: PledgeAsOf) -> ProblemsView:
    """□ 문제점 및 개선대책 as recorded (carried forward), or its placeholder."""
    pm = problems_of(asof)
    if pm is None:
        return ProblemsView(
            ((("", (_placeholder("문제점 및 개선대책이 기록되지 않았습니다."),)),)), False
        )
    if pm.general:
        return ProblemsView((("", tuple(_lines(pm.general, 2))),), True)
    sections = []
    if pm.problems:
        sections.append(("문제점", tuple(_lines(pm.problems, 2))))
    if pm.measures:
        sections.append(("개선대책", tuple(_lines(pm.measures, 2))))
    return ProblemsView(tuple(sections), True)


def _by_source(
    sums: BudgetSums | None,
) -> tuple[dict[str, list[Decimal]], dict[str, list[Decimal]]]:
    """The figures of each funding source's rows' 계, amounts and executed, in the table's order."""
    amounts: dict[str, list[Decimal]] = {}
    executed: dict[str, list[Decimal]] = {}
    if sums is None:
        return amounts, executed  # the frame's rows are blank
    for source, totals in sums.by_source.items():
        amounts[source] = [t.amount for t in totals if t.amount is not None]
        executed[source] = [t.executed for t in totals if t.executed is not None]
    return amounts, executed


def _total(figures: list[Decimal] | None) -> Decimal | None:
    """:func:`_add` of figures already picked: None when there are none (blank, not 0)."""
    return sum(figures, Decimal(0)) if figures else None


def pledge_view(
    pledge: Pledge,
    period: Period,
    settings: ReportSettings,
    shared: tuple[Term, list[FiscalColumn]] | None = None,
) -> PledgeView:
    """One pledge's pages in the report of ``period``.

    ``shared``: the term and the money columns, worked out from ``settings``
    once for every pledge of a report (:func:`report_view`).
    """
    term, columns = shared or (settings.term.to_term(), settings.money_columns())
    asof = pledge_as_of(pledge, period, term, settings.cutoff)

    part = participation_of(asof)
    participation = None
    if part is not None and settings.participation:
        participation = tuple(
            ParticipationCell(
                cat.label,
                part.get(cat.key),
                "" if part.get(cat.key) is None else f"{part[cat.key]:,}회",
            )
            for cat in settings.participation
        )

    adjustments = tuple(_adjustment(a) for a in asof.adjustments)
    withdrawn = any(a.kind in settings.withdrawn_kinds for a in asof.adjustments)

    budget = None if pledge.non_budget else budget_of(asof)
    sources = settings.funding_sources
    # The report's totals read each table's 계 row and 재원별: added up here,
    # the tables' rows made from the budget when a writer reads them.
    plan_sums = table_sums("plan", budget, columns, sources) if budget else None
    secured_sums = table_sums("secured", budget, columns, sources) if budget else None
    # Totals printed on a filed page belong to that page: a report that carries
    # the tables forward from an earlier one (or revises them) is another page.
    own_page = asof.budget is not None and asof.budget.recorded == asof.windows.period
    drifts = printed_total_drifts(budget, columns, sources) if budget and own_page else []
    title = title_of(asof)

    def money(sums: BudgetSums | None, heading: str, kind: str) -> MoneyTable:
        height = sums.height if sums is not None else len(sources)
        made = _MoneyFigures(None, budget, tuple(columns), tuple(sources), title, height)
        return _money_table(
            sums.grand_total if sums is not None else None,
            made,
            heading,
            non_budget=pledge.non_budget,
            notes=tuple(d.note for d in drifts if d.table == kind),
        )

    plan = money(plan_sums, "연도별 투자계획(사업비)", "plan")
    secured = money(secured_sums, "연도별 확보(집행)액", "secured")

    # 재원별 is added up from the figures the tables' rows print (their source
    # rows' 계), not from the rows: the report's totals read it from every
    # pledge, and the rows are made only when a writer reads them.
    planned, _ = _by_source(plan_sums)
    secured_by, executed_by = _by_source(secured_sums)
    by_source = tuple(
        SourceMoney(
            source,
            None if withdrawn else _total(planned.get(source)),
            _total(secured_by.get(source)),
            _total(executed_by.get(source)),
        )
        for source in sources
    )
    # A withdrawn pledge has no progress left to rate: a carried 추진율 would mislead.
    rate = progress_rate_of(asof) if settings.progress_rate and not withdrawn else None
    indicators = tuple(_indicator(i) for i in asof.indicators)
    groups = pledge_groups(pledge, settings)
    view = PledgeView(
        id=pledge.id,
        title=title_of(asof),
        anchor=numbering.anchor(pledge.id),
        period=str(period),
        period_words=period.in_words,
        status=canonical_status(asof.status.value, settings) if asof.status else "",
        department=department_of(asof),
        participation=participation,
        plan_table=plan,
        secured_table=secured,
        non_budget=pledge.non_budget,
        drafts=asof.draft_sources,
        groups=groups,
        document_title=f"{pledge.id} {title_of(asof)} ({period.in_words})",
        group_line=GROUP_SEPARATOR.join(f"{g.level} {g.key} {g.name}" for g in groups),
        progress_rate=rate,
        progress_rate_text="" if rate is None else f"{format_amount(rate)}%",
        indicators=indicators,
        adjustments=adjustments,
        withdrawn=withdrawn,
        # A withdrawn pledge's plan is stale: what was secured and spent stays.
        money_tables=(secured,) if withdrawn else (plan, secured),
        by_source=by_source,
        lists_contacts=bool(settings.contact_roles),
        draft_mark=DRAFT_MARK if asof.draft_sources else "",
    )
    # Beside the fields, not among them: what the pages' own parts are made from.
    view.__dict__["_asof"] = asof
    view.__dict__["_settings"] = settings
    return view


# ---------------------------------------------------------------------------
# The whole report: cover, summary (총괄표), table of contents


@dataclass(frozen=True)
class PledgeMoney:
    """One pledge's line in the workbook summary (planned / secured / executed)."""

    id: str
    title: str
    status: str
    non_budget: bool
    planned: MoneyRow | None  # grand-total row of 투자계획
    secured: MoneyRow | None  # grand-total row of 확보(집행)액
    execution_rate: Decimal | None


@dataclass(frozen=True)
class ReportInfo:
    """What one pledge's pages may show of the report: nothing about other pledges.

    It depends only on the report settings and the period, so a pledge's
    rendered pages can be cached on what its own record holds.
    """

    city: str
    title: str
    term_name: str
    term_span: str
    period: str
    period_words: str
    column_labels: tuple[str, ...]
    as_of_text: str = ""  # "2024. 6. 30. 기준" / "6월말 기준" where the city prints it


def report_info(period: Period, settings: ReportSettings) -> ReportInfo:
    term = settings.term.to_term()
    windows = ReportWindows(period, term, settings.cutoff)
    return ReportInfo(
        city=settings.city,
        title=settings.report_title,
        term_name=term.name,
        term_span=term.span_label,
        period=str(period),
        period_words=period.in_words,
        column_labels=tuple(c.label for c in settings.money_columns()),
        as_of_text=windows.as_of_label(settings.as_of),
    )


@dataclass(frozen=True)
class Section:
    """A heading of the booklet (a 분야) and its pledges, for the 목차 and the pages."""

    heading: str  # "1. 일자리 경제" or "" (no groups)
    pledges: tuple[PledgeView, ...]


@dataclass(frozen=True)
class IndicatorTotal:
    """성과지표 that several pledges share (same name and unit), added up."""

    name: str
    unit: str
    pledges: int
    target_text: str
    result_text: str
    rate_text: str
    target: Decimal = Decimal(0)
    result: Decimal | None = None
    rate: Decimal | None = None  # result ÷ target


@dataclass(frozen=True)
class ReportView:
    city: str
    title: str
    term_name: str
    term_span: str
    period: str
    period_words: str
    pledges: tuple[PledgeView, ...]
    summary: tuple[StatusCount, ...]  # the listed statuses, shares of ``base``
    total: int  # every pledge of the report
    base: int  # pledges with a status not excluded: the base of every rate
    unrecorded: int  # pledges without a status (추진상황 미기재): listed apart, in no rate
    done: int
    done_share: str
    done_statuses: tuple[str, ...]
    summary_lines: tuple[str, ...]  # the 총괄's ○ lines, generated from the rules
    column_labels: tuple[str, ...]
    column_keys: tuple[str, ...]
    funding_sources: tuple[str, ...] = FUNDING_SOURCES  # the city's 재원, in its order
    excluded: int = 0  # pledges whose status is left out of the base
    excluded_statuses: tuple[str, ...] = ()
    weighted_share: str = ""  # 이행률
    average_progress: str = ""  # 평균진행률
    by_group: tuple[Tally, ...] = ()  # one per top-level 분야, in the city's order
    by_department: tuple[Tally, ...] = ()  # one per 부서, in order of first appearance
    sections: tuple[Section, ...] = ()  # the booklet's parts: by 분야, or one without heading
    group_level: str = ""  # "분야" where the city groups its pledges
    indicator_totals: tuple[IndicatorTotal, ...] = ()
    # What counts as done, as the 총괄 says it: "완료(이행후계속추진 포함)".
    done_label: str = "완료"
    money_totals: MoneyTotals | None = None  # every budgeted pledge's money added up
    # The finished tables of the 총괄 (reportgen.report.tables): every writer lays these out.
    status_table: Table | None = None  # 총괄표
    contents_table: Table | None = None  # 목차: the booklet's pledges by 분야, pages by bookmark
    group_table: Table | None = None  # □ 분야별 추진상황, where the city groups its pledges
    department_table: Table | None = None  # □ 부서별 추진상황, where there are two or more 부서
    indicator_totals_table: Table | None = None  # □ 성과지표 집계
    # The 총괄's rates as values (the *_share fields are their printed texts).
    done_rate: Rate = Rate(None, "-")
    weighted_rate: Rate | None = None
    average_rate: Rate | None = None
    # "초안 …" when any pledge of the report carries a draft (or in a preview), else "".
    draft_mark: str = ""
    # The cut-off where the city's form prints it ("2024. 6. 30. 기준", "6월말 기준"),
    # and the two lines that carry it: the cover's and the 총괄's unit line.
    as_of_text: str = ""
    cover_line: str = ""  # "2024년 상반기 추진실적 (6월말 기준)"
    # The booklet's title (문서 정보, a PDF's title): "고양시 … 보고서 (2022년 상반기)".
    document_title: str = ""
    summary_unit: str = "(단위 : 개, %)"  # "(2024. 6. 30. 기준, 단위 : 개, %)"


def report_view(pledges: list[Pledge], period: Period, settings: ReportSettings) -> ReportView:
    shared = (settings.term.to_term(), settings.money_columns())
    views = tuple(pledge_view(p, period, settings, shared) for p in pledges)
    return assemble_report(views, period, settings)


def tally(name: str, views: Sequence[PledgeView], settings: ReportSettings) -> Tally:
    """Count statuses by the city's rules: excluded statuses and 미기재 stay out of the base."""
    counts = {s: 0 for s in settings.statuses}
    unrecorded = 0
    for v in views:
        if v.status in counts:
            counts[v.status] += 1
        else:
            unrecorded += 1  # validate refuses unlisted statuses: this is "none recorded"
    excluded_statuses = set(settings.excluded_statuses)
    excluded = sum(n for s, n in counts.items() if s in excluded_statuses)
    # An unknown status is not a status, and an excluded one (통폐합) is not a
    # pledge in progress: both are counted apart, out of the base of every share.
    base = len(views) - unrecorded - excluded
    dash = Rate(None, "-")
    statuses = []
    for s, n in counts.items():
        rate = dash if s in excluded_statuses else share(n, base)
        statuses.append(StatusCount(s, n, rate.text, rate))
    done = sum(counts.get(s, 0) for s in settings.done_statuses if s not in excluded_statuses)
    weighted = None
    if settings.weights:
        points = sum(
            (
                Decimal(n) * settings.weights.get(s, Decimal(0))
                for s, n in counts.items()
                if s not in excluded_statuses
            ),
            Decimal(0),
        )
        weighted = share(points / 100, base)
    average = None
    if settings.progress_rate:
        rates = [
            v.progress_rate
            for v in views
            if v.progress_rate is not None
            and v.status in counts
            and v.status not in excluded_statuses
        ]
        average = share(sum(rates, Decimal(0)) / 100, len(rates)) if rates else dash
    done_rate = share(done, base)
    return Tally(
        name=name,
        total=len(views),
        base=base,
        unrecorded=unrecorded,
        excluded=excluded,
        statuses=tuple(statuses),
        done=done,
        done_share=done_rate.text,
        weighted_share=weighted.text if weighted else "",
        average_progress=average.text if average else "",
        done_rate=done_rate,
        weighted_rate=weighted,
        average_rate=average,
    )


def _indicator_totals(views: Sequence[PledgeView]) -> tuple[IndicatorTotal, ...]:
    """Indicators shared by two or more pledges (same name and unit) are summed."""
    found: dict[tuple[str, str], list[IndicatorRow]] = {}
    for v in views:
        for row in v.indicators:
            found.setdefault((row.name, row.unit), []).append(row)
    out = []
    for (name, unit), rows in found.items():
        if len(rows) < 2:
            continue
        target = sum((r.target for r in rows), Decimal(0))
        results = [r.result for r in rows if r.result is not None]
        result = sum(results, Decimal(0)) if results else None
        rate = result / target if result is not None and target else None
        out.append(
            IndicatorTotal(
                name,
                unit,
                len(rows),
                format_number(target),
                format_number(result),
                format_rate(rate),
                target,
                result,
                rate,
            )
        )
    return tuple(out)


def money_totals(views: Sequence[PledgeView], sources: Sequence[str]) -> MoneyTotals:
    """The 합계 of every budgeted pledge with recorded tables (withdrawn plans left out)."""
    budgeted = [v for v in views if not v.non_budget and v.plan_table.recorded]
    planning = [v for v in budgeted if not v.withdrawn]
    n = len(views[0].plan_table.column_labels) if views else 0
    columns = tuple(
        _add(v.plan_table.grand_total.cells[i].amount for v in planning) for i in range(n)
    )
    secured = [v.secured_table.grand_total for v in budgeted]
    executed = _add(g.total.executed for g in secured)
    basis = _add(g.rate_basis for g in secured)
    rate = execution_rate(Figure(basis, executed))
    return MoneyTotals(
        columns=columns,
        planned=_add(v.plan_table.grand_total.total.amount for v in planning),
        secured=_add(g.total.amount for g in secured),
        executed=executed,
        basis=basis,
        rate=rate,
        rate_text=format_rate(rate),
        by_source=tuple(
            SourceMoney(
                source,
                _add(m.planned for v in budgeted for m in v.by_source if m.source == source),
                _add(m.secured for v in budgeted for m in v.by_source if m.source == source),
                _add(m.executed for v in budgeted for m in v.by_source if m.source == source),
            )
            for source in sources
        ),
    )


def group_heading(key: str, name: str) -> str:
    """``1. 일자리 경제``, ``Ⅰ. 안전``; a key that is its own mark prints bare: ``① 생활 …``."""
    last = numbering.parts(key)[-1] if key else None
    dotted = last is not None and last.kind in ("number", "roman", "letter")
    return f"{key}. {name}" if dotted else f"{key} {name}"


def assemble_report(
    views: tuple[PledgeView, ...], period: Period, settings: ReportSettings
) -> ReportView:
    whole = tally("", views, settings)
    info = report_info(period, settings)  # the fields every page shares, computed once

    top = [
        g
        for g in settings.groups
        if not any(g.key != o.key and numbering.group_keys(g.key, [o.key]) for o in settings.groups)
    ]
    by_group: list[Tally] = []
    sections: list[Section] = []
    if top:
        members: dict[str, list[PledgeView]] = {g.key: [] for g in top}
        loose: list[PledgeView] = []
        for v in views:
            outer = v.groups[0].key if v.groups else None
            members.get(outer or "", loose).append(v)
        for g in top:
            heading = group_heading(g.key, g.name)
            if members[g.key]:
                by_group.append(tally(heading, members[g.key], settings))
                sections.append(Section(heading, tuple(members[g.key])))
        if loose:
            by_group.append(tally("그 밖의 공약", loose, settings))
            sections.append(Section("그 밖의 공약", tuple(loose)))
    else:
        sections.append(Section("", views))
    departments: dict[str, list[PledgeView]] = {}
    for v in views:
        departments.setdefault(v.department, []).append(v)
    # One department's table would only repeat the 총괄: a report of one prints none.
    by_department = (
        tuple(tally(d, vs, settings) for d, vs in departments.items())
        if len(departments) > 1
        else ()
    )

    level = top[0].level if top else ""
    # The 총괄's unit line carries the cut-off where the city prints one.
    summary_unit = f"({info.as_of_text}, 단위 : 개, %)" if info.as_of_text else "(단위 : 개, %)"
    indicator_totals = _indicator_totals(views)
    return ReportView(
        city=info.city,
        title=info.title,
        term_name=info.term_name,
        term_span=info.term_span,
        period=info.period,
        period_words=info.period_words,
        document_title=f"{info.city} {info.title} ({info.period_words})",
        pledges=views,
        summary=whole.statuses,
        total=whole.total,
        base=whole.base,
        unrecorded=whole.unrecorded,
        done=whole.done,
        done_share=whole.done_share,
        done_statuses=tuple(settings.done_statuses),
        summary_lines=summary_lines(whole, settings, groups=len(by_group) if top else 0),
        column_labels=info.column_labels,
        column_keys=tuple(c.key for c in settings.money_columns()),
        funding_sources=tuple(settings.funding_sources),
        excluded=whole.excluded,
        excluded_statuses=tuple(settings.excluded_statuses),
        weighted_share=whole.weighted_share,
        average_progress=whole.average_progress,
        by_group=tuple(by_group),
        by_department=by_department,
        sections=tuple(sections),
        group_level=level,
        indicator_totals=indicator_totals,
        indicator_totals_table=indicator_totals_table(indicator_totals),
        done_label=done_label(settings),
        money_totals=money_totals(views, settings.funding_sources),
        done_rate=whole.done_rate,
        draft_mark=DRAFT_MARK if any(v.draft_mark for v in views) else "",
        weighted_rate=whole.weighted_rate,
        average_rate=whole.average_rate,
        status_table=status_table(whole, settings.excluded_statuses, unit=summary_unit),
        contents_table=contents_table(
            [
                (s.heading, [ContentsEntry(v.id, v.title, v.anchor) for v in s.pledges])
                for s in sections
            ]
        ),
        group_table=(
            fitted_tally(tally_table("by_group", f"□ {level}별 추진상황", level, by_group, whole))
            if by_group
            else None
        ),
        department_table=(
            fitted_tally(
                tally_table("by_department", "□ 부서별 추진상황", "부서", by_department, whole)
            )
            if by_department
            else None
        ),
        as_of_text=info.as_of_text,
        cover_line=f"{info.period_words} 추진실적"
        + (f" ({info.as_of_text})" if info.as_of_text else ""),
        summary_unit=summary_unit,
    )


def done_label(settings: ReportSettings) -> str:
    """``완료(이행후계속추진 포함)``: the statuses counted as done, and nothing they do not."""
    done = [s for s in settings.done_statuses if s not in settings.excluded_statuses]
    first, *others = done or ["완료"]
    return f"{first}({', '.join(others)} 포함)" if others else first


def summary_lines(whole: Tally, settings: ReportSettings, groups: int = 0) -> tuple[str, ...]:
    """The 총괄's ○ lines, worded from the city's rules and nothing else.

    "(… 포함)" names exactly the other statuses counted as done, and nothing
    when there are none; 이행률 and 평균진행률 appear only where the city
    weights statuses or records 추진율; what is left out of the base says so.
    """
    level = settings.groups[0].level if settings.groups else "분야"
    target = (
        f"○ 대상: {groups}개 {level} 공약 {whole.total}개"
        if groups
        else f"○ 대상: 공약 {whole.total}개"
    )
    apart = []
    counts = {c.status: c.count for c in whole.statuses}
    for status in settings.excluded_statuses:
        if counts.get(status):
            apart.append(f"{status} {counts[status]}개")
    if whole.unrecorded:
        apart.append(f"추진상황 미기재 {whole.unrecorded}개")
    if apart:
        target += f" ({josa.attach(', '.join(apart), '은')} 비율 산정에서 제외)"
    label = done_label(settings)
    # Every rate says its base beside the figure: a reader of one line alone
    # sees what it is a share of (#22).
    if not whole.base:
        base = f"비율 대상 없음, {', '.join(apart)} 제외" if apart else "비율 대상 없음"
    elif apart:
        base = f"{whole.total}개 중 {whole.base}개 기준, {', '.join(apart)} 제외"
    else:
        base = f"{whole.base}개 기준"
    lines = [target, f"○ {label} {whole.done}개, 달성률 {whole.done_share} ({base})"]
    if settings.weights:
        weights = ", ".join(f"{s} {format_amount(w)}%" for s, w in settings.weights.items())
        lines.append(f"○ 이행률 {whole.weighted_share} ({base}; 가중치: {weights})")
    if settings.progress_rate:
        lines.append(f"○ 평균진행률 {whole.average_progress} (공약별 추진율의 평균)")
    return tuple(lines)


def pledge_money(view: PledgeView) -> PledgeMoney:
    if view.non_budget or not view.plan_table.recorded:
        return PledgeMoney(view.id, view.title, view.status, view.non_budget, None, None, None)
    secured = view.secured_table.grand_total
    rate = secured.rate
    return PledgeMoney(
        view.id, view.title, view.status, False, view.plan_table.grand_total, secured, rate
    )


def _marked(view: PledgeView, mark: str) -> PledgeView:
    """``dataclasses.replace(view, draft_mark=mark)``, leaving what is not made yet unmade.

    replace() reads every field, so it would make every pledge's pages at
    once; a copy keeps the view's fields, made or not, and what they are made
    from (none of which reads ``draft_mark``), and takes the new mark.
    """
    copied = copy.copy(view)
    object.__setattr__(copied, "draft_mark", mark)  # a frozen field, set on the new copy only
    return copied


def as_preview(report: ReportView) -> ReportView:
    """The report with the preview's mark on every page (``publish --preview``)."""
    marked = {v.id: _marked(v, PREVIEW_MARK) for v in report.pledges}
    sections = tuple(
        dataclasses.replace(s, pledges=tuple(marked[v.id] for v in s.pledges))
        for s in report.sections
    )
    return dataclasses.replace(
        report,
        pledges=tuple(marked[v.id] for v in report.pledges),
        sections=sections,
        draft_mark=PREVIEW_MARK,
    )
