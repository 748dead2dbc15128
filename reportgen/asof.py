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

import sys
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any

from .model import (
    Adjustment,
    Budget,
    Contacts,
    Indicator,
    Item,
    Participation,
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


# Window bounds on half-year ordinals (Period.ordinal): lo <= ordinal <= hi.
_EVER = (-sys.maxsize, sys.maxsize)


@dataclass(frozen=True)
class _Bounds:
    """A report's windows as plain numbers: worked out once, not per group and item."""

    cumulative: tuple[int, int] | None  # None: the report has no cumulative row
    previous: tuple[int, int] | None  # None: no previous half in the term
    plan_period: Period


@lru_cache(maxsize=64)
def _bounds(windows: ReportWindows) -> _Bounds:
    return _Bounds(
        cumulative=(-sys.maxsize, windows.cumulative_end.ordinal)
        if windows.has_cumulative
        else None,
        previous=(windows.previous.ordinal,) * 2 if windows.has_previous else None,
        plan_period=windows.plan_period,
    )


def _filter(
    entries: Iterable[Item], inherited: Period, ordinal: int, lo: int, hi: int
) -> tuple[DatedItem, ...]:
    """Keep items whose period, or some descendant's, falls in the window ``lo``..``hi``.

    An ancestor outside the window stays as context for a descendant inside it
    (a later 쿠팡 박람회 under an earlier ○ 업무협력 group), as staff write it.
    ``ordinal`` is ``inherited.ordinal``, computed once per dated item.
    """
    out = []
    for item in entries:
        if item.period is None:
            period, at = inherited, ordinal
        else:
            period, at = item.period, item.period.ordinal
        children = _filter(item.children, period, at, lo, hi) if item.children else ()
        if lo <= at <= hi or children:
            out.append(DatedItem(item.text, item.note, period, children))
    return tuple(out)


def _reaches(entries: Iterable[Item], ordinal: int, lo: int, hi: int) -> bool:
    """Whether :func:`_filter` would keep anything, without building it."""
    for item in entries:
        at = ordinal if item.period is None else item.period.ordinal
        if lo <= at <= hi or (item.children and _reaches(item.children, at, lo, hi)):
            return True
    return False


def _order(period: Period) -> tuple[int, bool]:
    """``period``'s place in the order of :class:`Period` (``<``), as a plain tuple."""
    return period.ordinal, period.half is None


def _carried(pledge: Pledge, period: Period, names: Iterable[str]) -> dict[str, Carried | None]:
    """Each section of ``names`` from the latest report at or before ``period`` that recorded it."""
    until = _order(period)
    shown = sorted(
        (
            (recorded, report)
            for recorded, report in pledge.reports.items()
            if _order(recorded) <= until
        ),
        key=lambda entry: _order(entry[0]),
        reverse=True,
    )
    out: dict[str, Carried | None] = {}
    for name in names:
        out[name] = None
        for recorded, report in shown:
            value = getattr(report, name)
            if value is not None:
                out[name] = Carried(value, recorded, report.draft)
                break
    return out


SECTIONS = ("status", "progress_rate", "contacts", "participation", "problems", "budget")
# A rename or a reorganisation: recorded once, in force from that report on
# (new-period does not copy them; they carry forward by themselves).
NAMES = ("title", "department")


def _adjustments(pledge: Pledge, period: Period) -> tuple[Adjustment, ...]:
    """공약 조정 decided up to the report of ``period``, oldest first; a later one never leaks back."""
    until = _order(period)
    return tuple(
        sorted(
            (a for a in pledge.adjustments if _order(a.period) <= until),
            key=lambda a: (_order(a.period), a.sort_date, a.kind),
        )
    )


def _carried_drafts(carried: dict[str, Carried | None]) -> list[str]:
    return [
        f"reports.{value.recorded}.{name}"
        for name, value in carried.items()
        if value is not None and value.draft
    ]


def pledge_as_of(
    pledge: Pledge, period: Period, term: Term, cutoff: str = "previous-half"
) -> PledgeAsOf:
    windows = ReportWindows(period, term, cutoff)
    drafts: list[str] = []

    # Windows on half-year ordinals, computed once, not Period objects per item.
    bounds = _bounds(windows)
    cumulative: dict[Period, list[DatedItem]] = {}
    previous: list[DatedItem] = []
    for index, group in enumerate(pledge.achievements):
        at = group.period.ordinal
        cum = (
            _filter(group.entries, group.period, at, *bounds.cumulative)
            if bounds.cumulative
            else ()
        )
        last = _filter(group.entries, group.period, at, *bounds.previous) if bounds.previous else ()
        if cum:
            cumulative.setdefault(group.period, []).extend(cum)
        previous.extend(last)
        if group.draft and (cum or last):
            drafts.append(f"achievements[{index}] ({group.period})")

    plan: list[DatedItem] = []
    for index, group in enumerate(pledge.plans):
        if group.period == bounds.plan_period:
            plan.extend(_filter(group.entries, group.period, group.period.ordinal, *_EVER))
            if group.draft:
                drafts.append(f"plans[{index}] ({group.period})")

    carried = _carried(pledge, period, (*NAMES, *SECTIONS))
    drafts.extend(_carried_drafts(carried))

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
        adjustments=_adjustments(pledge, period),
        indicators=tuple(indicator_as_of(i, period) for i in pledge.indicators),
        draft_sources=tuple(drafts),
    )


@dataclass(frozen=True)
class Coverage:
    """Which sections the report of ``windows.period`` prints for one pledge, without its rows.

    The same answers as :func:`pledge_as_of` gives (``has_cumulative`` is
    ``bool(asof.cumulative)`` and so on; the carried sections, adjustments and
    draft sources are equal), for checks that only ask whether something is
    there: no item is copied, and a window's search stops at its first item.
    """

    pledge: Pledge
    windows: ReportWindows
    has_cumulative: bool  # 그동안 추진실적 has an item
    has_previous: bool  # the previous half's row has an item
    has_plan: bool  # 향후 추진계획 has an item
    carried: dict[str, Carried | None]  # every name of NAMES and SECTIONS
    adjustments: tuple[Adjustment, ...]
    draft_sources: tuple[str, ...]


def pledge_coverage(pledge: Pledge, windows: ReportWindows) -> Coverage:
    """:func:`pledge_as_of` reduced to what is there (``windows`` is shared by every pledge)."""
    period = windows.period
    drafts: list[str] = []
    bounds = _bounds(windows)
    groups = pledge.achievements
    # A draft group is named if either of its windows keeps an item (as in pledge_as_of).
    for index, group in enumerate(groups):
        if group.draft and (
            (
                bounds.cumulative
                and _reaches(group.entries, group.period.ordinal, *bounds.cumulative)
            )
            or (bounds.previous and _reaches(group.entries, group.period.ordinal, *bounds.previous))
        ):
            drafts.append(f"achievements[{index}] ({group.period})")
    # Whether a row has anything: the first group that has an item answers, and
    # the group recorded for the row's own half-year is asked first.
    has_cumulative = bounds.cumulative is not None and any(
        _reaches(g.entries, g.period.ordinal, *bounds.cumulative) for g in groups
    )
    has_previous = False
    if bounds.previous is not None:
        previous = bounds.previous[0]
        likely = sorted(groups, key=lambda g: g.period.ordinal != previous)  # stable
        has_previous = any(_reaches(g.entries, g.period.ordinal, *bounds.previous) for g in likely)

    has_plan = False
    for index, group in enumerate(pledge.plans):
        if group.period == bounds.plan_period:
            has_plan = has_plan or _reaches(group.entries, group.period.ordinal, *_EVER)
            if group.draft:
                drafts.append(f"plans[{index}] ({group.period})")

    carried = _carried(pledge, period, (*NAMES, *SECTIONS))
    drafts.extend(_carried_drafts(carried))
    return Coverage(
        pledge=pledge,
        windows=windows,
        has_cumulative=has_cumulative,
        has_previous=has_previous,
        has_plan=has_plan,
        carried=carried,
        adjustments=_adjustments(pledge, period),
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
