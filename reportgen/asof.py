"""A pledge as it stood for the report of one period (the as-of rule).

The report of period P reads only what was recorded for periods up to P:

- achievements dated up to two half-years before P form 그동안 추진실적,
  those dated to the half-year before P form the previous half's row, and the
  plan recorded for P is 향후 추진계획 (:class:`~reportgen.periods.ReportWindows`);
- every other section (status, contacts, participation, problems, budget) is
  taken from the latest report at or before P that recorded it, so a value
  carries forward until it is revised.

Nothing here formats anything: :mod:`reportgen.view` does that once for all
writers, and :mod:`reportgen.diff` compares two of these.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from .model import (
    Adjustment,
    Budget,
    Contacts,
    Indicator,
    Item,
    Participation,
    PeriodReport,
    Pledge,
    ProblemsAndMeasures,
)
from .periods import Period, ReportWindows, Term


@dataclass(frozen=True)
class DatedItem:
    """An item kept for one row, with its children filtered by the same window."""

    text: str
    note: bool
    period: Period
    children: tuple[DatedItem, ...]


@dataclass(frozen=True)
class Carried:
    """A section's value and the report period it was recorded for."""

    value: Any
    recorded: Period
    draft: bool


@dataclass(frozen=True)
class IndicatorAsOf:
    """성과지표 as the report of P shows it: the target and the result to date."""

    indicator: Indicator
    result: Decimal | None  # latest recorded at or before P, or the running total
    recorded: Period | None  # the report period the result was recorded for


def indicator_as_of(indicator: Indicator, period: Period) -> IndicatorAsOf:
    shown = sorted((p, v) for p, v in indicator.results.items() if p <= period)
    if not shown:
        return IndicatorAsOf(indicator, None, None)
    if indicator.cumulative:
        return IndicatorAsOf(indicator, sum((v for _p, v in shown), Decimal(0)), shown[-1][0])
    return IndicatorAsOf(indicator, shown[-1][1], shown[-1][0])


@dataclass(frozen=True)
class PledgeAsOf:
    """Everything the report of ``period`` shows for one pledge, before formatting."""

    pledge: Pledge
    windows: ReportWindows
    cumulative: tuple[tuple[Period, tuple[DatedItem, ...]], ...]  # by group period
    previous: tuple[DatedItem, ...]
    plan: tuple[DatedItem, ...]
    title: Carried | None  # a rename recorded in reports.<P>.title, P <= the report's period
    department: Carried | None
    status: Carried | None
    contacts: Carried | None
    participation: Carried | None
    problems: Carried | None
    budget: Carried | None
    progress_rate: Carried | None  # 추진율(%) as last recorded
    adjustments: tuple[Adjustment, ...]  # 공약 조정 in force, oldest first
    indicators: tuple[IndicatorAsOf, ...]
    draft_sources: tuple[str, ...]  # where an unconfirmed draft feeds this report

    @property
    def period(self) -> Period:
        return self.windows.period


def _filter(
    entries: Iterable[Item], inherited: Period, keep: Callable[[Period], bool]
) -> tuple[DatedItem, ...]:
    """Keep items whose period, or some descendant's, falls in the window.

    An ancestor outside the window stays as context for a descendant inside it
    (a later 쿠팡 박람회 under an earlier ○ 업무협력 group), as staff write it.
    """
    out = []
    for item in entries:
        period = item.period or inherited
        children = _filter(item.children, period, keep)
        if keep(period) or children:
            out.append(DatedItem(item.text, item.note, period, children))
    return tuple(out)


def _carry(pledge: Pledge, period: Period, name: str) -> Carried | None:
    best: tuple[Period, PeriodReport] | None = None
    for recorded, report in pledge.reports.items():
        if (
            recorded <= period
            and getattr(report, name) is not None
            and (best is None or recorded > best[0])
        ):
            best = (recorded, report)
    if best is None:
        return None
    return Carried(getattr(best[1], name), best[0], best[1].draft)


SECTIONS = ("status", "progress_rate", "contacts", "participation", "problems", "budget")
# A rename or a reorganisation: recorded once, in force from that report on
# (new-period does not copy them; they carry forward by themselves).
NAMES = ("title", "department")


def pledge_as_of(
    pledge: Pledge, period: Period, term: Term, cutoff: str = "previous-half"
) -> PledgeAsOf:
    windows = ReportWindows(period, term, cutoff)
    drafts: list[str] = []

    # Compare half-year ordinals computed once, not Period objects per item.
    cum_end = windows.cumulative_end.ordinal
    prev = windows.previous.ordinal

    def in_cumulative(p: Period) -> bool:
        return p.ordinal <= cum_end

    def in_previous(p: Period) -> bool:
        return p.ordinal == prev

    cumulative: dict[Period, list[DatedItem]] = {}
    previous: list[DatedItem] = []
    for index, group in enumerate(pledge.achievements):
        cum = _filter(group.entries, group.period, in_cumulative) if windows.has_cumulative else ()
        last = _filter(group.entries, group.period, in_previous) if windows.has_previous else ()
        if cum:
            cumulative.setdefault(group.period, []).extend(cum)
        previous.extend(last)
        if group.draft and (cum or last):
            drafts.append(f"achievements[{index}] ({group.period})")

    plan: list[DatedItem] = []
    for index, group in enumerate(pledge.plans):
        if group.period == windows.plan_period:
            plan.extend(_filter(group.entries, group.period, lambda _p: True))
            if group.draft:
                drafts.append(f"plans[{index}] ({group.period})")

    carried = {name: _carry(pledge, period, name) for name in (*NAMES, *SECTIONS)}
    # 공약 조정 decided up to this report, oldest first; a later one never leaks back.
    adjustments = tuple(
        sorted(
            (a for a in pledge.adjustments if a.period <= period), key=lambda a: (a.date, a.kind)
        )
    )
    for name, value in carried.items():
        if value is not None and value.draft:
            drafts.append(f"reports.{value.recorded}.{name}")

    return PledgeAsOf(
        pledge=pledge,
        windows=windows,
        cumulative=tuple((p, tuple(cumulative[p])) for p in sorted(cumulative)),
        previous=tuple(previous),
        plan=tuple(plan),
        title=carried["title"],
        department=carried["department"],
        status=carried["status"],
        contacts=carried["contacts"],
        participation=carried["participation"],
        problems=carried["problems"],
        budget=carried["budget"],
        progress_rate=carried["progress_rate"],
        adjustments=adjustments,
        indicators=tuple(indicator_as_of(i, period) for i in pledge.indicators),
        draft_sources=tuple(drafts),
    )


# Typed accessors keep the writers free of ``Any``.
def title_of(asof: PledgeAsOf) -> str:
    """공약명 as it stood in this report: a later rename never leaks into an earlier report."""
    return str(asof.title.value) if asof.title else asof.pledge.title


def department_of(asof: PledgeAsOf) -> str:
    """소관부서 as it stood in this report."""
    return str(asof.department.value) if asof.department else asof.pledge.department


def contacts_of(asof: PledgeAsOf) -> Contacts | None:
    return asof.contacts.value if asof.contacts else None


def participation_of(asof: PledgeAsOf) -> Participation | None:
    return asof.participation.value if asof.participation else None


def problems_of(asof: PledgeAsOf) -> ProblemsAndMeasures | None:
    return asof.problems.value if asof.problems else None


def budget_of(asof: PledgeAsOf) -> Budget | None:
    return asof.budget.value if asof.budget else None


def progress_rate_of(asof: PledgeAsOf) -> Decimal | None:
    """추진율(%) as last recorded at or before the report."""
    return asof.progress_rate.value if asof.progress_rate else None
