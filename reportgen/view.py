"""Stage 4: the format-neutral view of a report, computed once for every writer.

Period labels, item lines with their level symbols, budget rows flattened with
merge marks, derived totals and formatted figures all live here, so the DOCX,
XLSX (and later HWPX or HTML) writers only lay them out and never recompute.
Every value is plain data (str, int, Decimal, tuples, frozen dataclasses): safe
to hand to a sandboxed template and to another process.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from .asof import (
    DatedItem,
    PledgeAsOf,
    budget_of,
    contacts_of,
    department_of,
    participation_of,
    pledge_as_of,
    problems_of,
    title_of,
)
from .budget import (
    BudgetRow,
    BudgetTable,
    Figure,
    execution_basis,
    execution_rate_of,
    plan_table,
    printed_total_drifts,
    secured_table,
)
from .model import FUNDING_SOURCES, Item, Pledge, ReportSettings
from .periods import FiscalColumn, Period, RowLabel, Term, heading_for
from .text import blankless

# How each level of 개조식 text is printed (FORM.md §2, §9).
SYMBOLS = ("□", "○", "-", "·")
NOTE_SYMBOL = "※"
MAX_LEVEL = len(SYMBOLS) - 1


def format_amount(value: Decimal | None) -> str:
    """``1578`` -> ``1,578``; decimals only where the figure has them; blank for none."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return f"{int(value):,}"
    # Not normalize(): it rounds to 28 digits. Drop trailing zeros as text.
    return f"{value:,f}".rstrip("0").rstrip(".")


def format_figure(figure: Figure, with_executed: bool) -> str:
    """``279 (278)`` in the secured table; ``1,578`` in the plan table."""
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
    if whole == 0:
        return "-"
    return f"{Decimal(part * 100) / Decimal(whole):.1f}%"


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
    # execution is recorded (:func:`reportgen.budget.execution_rate_of`).
    rate: Decimal | None = None
    rate_text: str = ""
    rate_basis: Decimal | None = None  # secured in the columns where execution is recorded


def format_rate(rate: Decimal | None) -> str:
    """``0.999`` -> ``99.9%``; blank for none."""
    return "" if rate is None else f"{rate * 100:.1f}%"


@dataclass(frozen=True)
class MoneyTable:
    title: str
    unit: str
    kind: Literal["plan", "secured"]
    column_labels: tuple[str, ...]  # fiscal columns only: 기투자 '18.7. '19 … 임기후
    column_keys: tuple[str, ...]
    rows: tuple[MoneyRow, ...]
    grand_total: MoneyRow
    non_budget: bool
    recorded: bool  # False: nothing recorded for this period (the frame says so)
    # ※ lines under the table: where an old page printed totals that did not
    # add up, this page prints the right ones and says so.
    notes: tuple[str, ...] = ()


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
class PledgeView:
    """Everything printed on one pledge's pages for one report period."""

    id: str
    title: str
    anchor: str  # bookmark name for the booklet's table of contents
    period: str
    period_words: str
    status: str
    department: str
    contacts: tuple[ContactRow, ...]
    progress: tuple[ProgressRow, ...]
    participation: tuple[ParticipationCell, ...] | None
    plan_table: MoneyTable
    secured_table: MoneyTable
    problems: ProblemsView
    non_budget: bool
    drafts: tuple[str, ...]


PARTICIPATION_HEADINGS = (
    ("meetings", "공약 관련 회의"),
    ("briefings", "설명회, 민생탐방"),
    ("advisory", "전문가 자문"),
    ("media", "언론/방송 보도"),
    ("other", "기 타"),
)

NOT_RECORDED = "(기록 없음)"


def _lines(items: tuple[DatedItem, ...] | list[Item], level: int) -> list[Line]:
    out: list[Line] = []
    for item in items:
        shown = min(level, MAX_LEVEL)
        out.append(
            Line(shown, NOTE_SYMBOL if item.note else SYMBOLS[shown], item.text, note=item.note)
        )
        out.extend(_lines(item.children, level + 1))  # type: ignore[arg-type]
    return out


def _placeholder(what: str) -> Line:
    return Line(1, "", f"{NOT_RECORDED} {what}", placeholder=True)


def _progress(asof: PledgeAsOf) -> tuple[ProgressRow, ...]:
    w = asof.windows
    rows: list[ProgressRow] = []

    def row(label: RowLabel, lines: list[Line], what: str) -> None:
        rows.append(ProgressRow(label.title, label.note, tuple(lines or [_placeholder(what)])))

    if w.has_cumulative:
        lines: list[Line] = []
        for recorded, items in asof.cumulative:
            if asof.pledge.year_headings:
                lines.append(Line(0, SYMBOLS[0], heading_for(recorded)))
            lines.extend(_lines(items, 1))
        row(w.cumulative_label(), lines, "이 기간에 기록된 추진실적이 없습니다.")
    if w.has_previous:
        row(
            w.previous_label(),
            _lines(asof.previous, 1),
            f"{w.previous.in_words}에 기록된 추진실적이 없습니다.",
        )
    row(
        w.plan_label(), _lines(asof.plan, 1), f"{w.period.in_words} 추진계획이 기록되지 않았습니다."
    )
    return tuple(rows)


def _cell(figure: Figure, with_executed: bool) -> MoneyCell:
    return MoneyCell(figure.amount, figure.executed, format_figure(figure, with_executed))


def _money_row(row: BudgetRow, name: str, merge: str, height: int, with_executed: bool) -> MoneyRow:
    basis = execution_basis(row.cells).amount if with_executed else None
    rate = execution_rate_of(row.cells) if with_executed else None
    return MoneyRow(
        name=name,
        merge=merge,  # type: ignore[arg-type]
        block_rows=height,
        label=row.label,
        kind=row.kind,
        total=_cell(row.total, with_executed),
        cells=tuple(_cell(c, with_executed) for c in row.cells),
        rate=rate,
        rate_text=format_rate(rate),
        rate_basis=basis,
    )


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
    kind: Literal["plan", "secured"] = "secured" if "확보" in title else "plan"
    executed = kind == "secured"
    rows: list[MoneyRow] = []
    if table is not None:
        grand = _money_row(table.grand_total, "", "", 1, executed)
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
        blank = tuple(empty for _ in columns)
        grand = MoneyRow("", "", 1, "계", "total", empty, blank)
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
    return MoneyTable(
        title=title,
        unit="(단위 : 백만원)",
        kind=kind,
        column_labels=tuple(c.label for c in columns),
        column_keys=tuple(c.key for c in columns),
        rows=tuple(rows),
        grand_total=grand,
        non_budget=non_budget,
        recorded=table is not None or non_budget,
        notes=notes,
    )


def canonical_status(status: str, settings: ReportSettings) -> str:
    """A listed status typed with other blanks (이행 후 계속추진) counts as the listed one."""
    listed = {blankless(s): s for s in settings.statuses}
    return listed.get(blankless(status), status)


def pledge_view(pledge: Pledge, period: Period, settings: ReportSettings) -> PledgeView:
    term: Term = settings.term.to_term()
    asof = pledge_as_of(pledge, period, term)
    columns = term.fiscal_columns

    contacts = contacts_of(asof)
    contact_rows: tuple[ContactRow, ...] = ()
    if contacts is not None:
        contact_rows = (
            ContactRow("과장", contacts.manager.name, contacts.manager.phone),
            ContactRow("팀장", contacts.team_leader.name, contacts.team_leader.phone),
            ContactRow("담당자", contacts.officer.name, contacts.officer.phone),
        )

    part = participation_of(asof)
    participation = None
    if part is not None:
        participation = tuple(
            ParticipationCell(
                heading,
                getattr(part, key),
                "" if getattr(part, key) is None else f"{getattr(part, key):,}회",
            )
            for key, heading in PARTICIPATION_HEADINGS
        )

    budget = None if pledge.non_budget else budget_of(asof)
    sources = settings.funding_sources
    drifts = printed_total_drifts(budget, columns, sources) if budget else []
    plan = money_table(
        plan_table(budget, columns, sources) if budget else None,
        "연도별 투자계획(사업비)",
        columns,
        non_budget=pledge.non_budget,
        pledge_title=title_of(asof),
        notes=tuple(d.note for d in drifts if d.table == "plan"),
        sources=sources,
    )
    secured = money_table(
        secured_table(budget, columns, sources) if budget else None,
        "연도별 확보(집행)액",
        columns,
        non_budget=pledge.non_budget,
        pledge_title=title_of(asof),
        notes=tuple(d.note for d in drifts if d.table == "secured"),
        sources=sources,
    )

    pm = problems_of(asof)
    if pm is None:
        problems = ProblemsView(
            ((("", (_placeholder("문제점 및 개선대책이 기록되지 않았습니다."),)),)), False
        )
    elif pm.general:
        problems = ProblemsView((("", tuple(_lines(pm.general, 2))),), True)
    else:
        sections = []
        if pm.problems:
            sections.append(("문제점", tuple(_lines(pm.problems, 2))))
        if pm.measures:
            sections.append(("개선대책", tuple(_lines(pm.measures, 2))))
        problems = ProblemsView(tuple(sections), True)

    return PledgeView(
        id=pledge.id,
        title=title_of(asof),
        anchor="pledge_" + pledge.id.replace("-", "_"),
        period=str(period),
        period_words=period.in_words,
        status=canonical_status(asof.status.value, settings) if asof.status else "",
        department=department_of(asof),
        contacts=contact_rows,
        progress=_progress(asof),
        participation=participation,
        plan_table=plan,
        secured_table=secured,
        problems=problems,
        non_budget=pledge.non_budget,
        drafts=asof.draft_sources,
    )


# ---------------------------------------------------------------------------
# The whole report: cover, summary (총괄표), table of contents


@dataclass(frozen=True)
class StatusCount:
    status: str
    count: int
    share: str


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


def report_info(period: Period, settings: ReportSettings) -> ReportInfo:
    term = settings.term.to_term()
    return ReportInfo(
        city=settings.city,
        title=settings.report_title,
        term_name=term.name,
        term_span=term.span_label,
        period=str(period),
        period_words=period.in_words,
        column_labels=tuple(c.label for c in term.fiscal_columns),
    )


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
    base: int  # pledges with a status: the base of every rate
    unrecorded: int  # pledges without a status (추진상황 미기재): listed apart, in no rate
    done: int
    done_share: str
    done_statuses: tuple[str, ...]
    summary_lines: tuple[str, ...]  # the 총괄's ○ lines, generated from the rules
    column_labels: tuple[str, ...]
    column_keys: tuple[str, ...]
    funding_sources: tuple[str, ...] = FUNDING_SOURCES  # the city's 재원, in its order


def report_view(pledges: list[Pledge], period: Period, settings: ReportSettings) -> ReportView:
    views = tuple(pledge_view(p, period, settings) for p in pledges)
    return assemble_report(views, period, settings)


def assemble_report(
    views: tuple[PledgeView, ...], period: Period, settings: ReportSettings
) -> ReportView:
    term = settings.term.to_term()
    total = len(views)
    counts = {s: 0 for s in settings.statuses}
    unrecorded = 0
    for v in views:
        if v.status in counts:
            counts[v.status] += 1
        else:
            unrecorded += 1  # validate refuses unlisted statuses: this is "none recorded"
    # An unknown status is not a status: it is counted apart and left out of
    # the base of every share, so it neither lowers nor raises 달성률.
    base = total - unrecorded
    summary = [StatusCount(s, n, format_share(n, base)) for s, n in counts.items()]
    done = sum(counts.get(s, 0) for s in settings.done_statuses)
    done_share = format_share(done, base)
    info = report_info(period, settings)  # the fields every page shares, computed once
    return ReportView(
        city=info.city,
        title=info.title,
        term_name=info.term_name,
        term_span=info.term_span,
        period=info.period,
        period_words=info.period_words,
        pledges=views,
        summary=tuple(summary),
        total=total,
        base=base,
        unrecorded=unrecorded,
        done=done,
        done_share=done_share,
        done_statuses=tuple(settings.done_statuses),
        summary_lines=summary_lines(total, unrecorded, done, done_share, settings.done_statuses),
        column_labels=info.column_labels,
        column_keys=tuple(c.key for c in term.fiscal_columns),
        funding_sources=tuple(settings.funding_sources),
    )


def summary_lines(
    total: int, unrecorded: int, done: int, done_share: str, done_statuses: list[str]
) -> tuple[str, ...]:
    """The 총괄's ○ lines. The wording follows the rule: "(… 포함)" names exactly
    the other statuses counted as done, and nothing when there are none."""
    target = f"○ 대상: 공약 {total}개"
    if unrecorded:
        target += f" (추진상황 미기재 {unrecorded}개는 비율 산정에서 제외)"
    first, *others = done_statuses or ["완료"]
    label = f"{first}({', '.join(others)} 포함)" if others else first
    return (target, f"○ {label} {done}개, 달성률 {done_share}")


def pledge_money(view: PledgeView) -> PledgeMoney:
    if view.non_budget or not view.plan_table.recorded:
        return PledgeMoney(view.id, view.title, view.status, view.non_budget, None, None, None)
    secured = view.secured_table.grand_total
    rate = secured.rate
    return PledgeMoney(
        view.id, view.title, view.status, False, view.plan_table.grand_total, secured, rate
    )
