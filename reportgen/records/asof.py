"""A pledge as it stood for the report of one period (the as-of rule).

The report of period P reads only what was recorded for periods up to P:

- achievements dated up to two half-years before P form 그동안 추진실적,
  those dated to the half-year before P form the previous half's row, and the
  plan recorded for P is 향후 추진계획 (:class:`~reportgen.records.periods.ReportWindows`);
- every other section (status, contacts, participation, problems, budget) is
  taken from the latest report at or before P that recorded it, so a value
  carries forward until it is revised.

Nothing here formats anything: :mod:`reportgen.report.view` does that once for all
writers, and :mod:`reportgen.report.diff` compares two of these.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from typing import Any, Generic, TypeVar

from ..bulk import built, made_on_first_use, unmade
from .model import (
    Adjustment,
    Budget,
    Contacts,
    Indicator,
    Item,
    ItemGroup,
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
    # 연차별 목표 of the report's year, where the pledge sets one, and its result so far.
    year: int | None = None
    year_target: Decimal | None = None
    year_result: Decimal | None = None


def _year_result(indicator: Indicator, period: Period) -> Decimal | None:
    """The result of ``period``'s year to date: as recorded, or its halves added up."""
    mine = sorted(
        (p, v) for p, v in indicator.yearly_results.items() if p <= period and p.year == period.year
    )
    if mine:
        return mine[-1][1]
    if indicator.cumulative:  # each half-year's result is its own: the year's add up
        halves = [v for p, v in indicator.results.items() if p <= period and p.year == period.year]
        return sum(halves, Decimal(0)) if halves else None
    return None


def indicator_as_of(indicator: Indicator, period: Period) -> IndicatorAsOf:
    year_target = indicator.yearly_targets.get(str(period.year))
    year = period.year if year_target is not None else None
    year_result = _year_result(indicator, period) if year_target is not None else None
    shown = sorted((p, v) for p, v in indicator.results.items() if p <= period)
    result, recorded = None, None
    if shown:
        recorded = shown[-1][0]
        result = sum((v for _p, v in shown), Decimal(0)) if indicator.cumulative else shown[-1][1]
    return IndicatorAsOf(indicator, result, recorded, year, year_target, year_result)


def _cumulative(asof: PledgeAsOf) -> tuple[tuple[Period, tuple[DatedItem, ...]], ...]:
    return _dated_items(asof)[0]


def _previous(asof: PledgeAsOf) -> tuple[DatedItem, ...]:
    return _dated_items(asof)[1]


def _plan(asof: PledgeAsOf) -> tuple[DatedItem, ...]:
    return _dated_items(asof)[2]


@dataclass(frozen=True)
class PledgeAsOf:
    """Everything the report of ``period`` shows for one pledge, before formatting.

    The rows' items (``cumulative``, ``previous``, ``plan``) are made when
    first read (:func:`~reportgen.bulk.made_on_first_use`): the report's
    totals read every pledge's status and figures, and only a pledge whose
    pages are laid out reads its items.
    """

    pledge: Pledge
    windows: ReportWindows
    _: dataclasses.KW_ONLY
    # by group period
    cumulative: tuple[tuple[Period, tuple[DatedItem, ...]], ...] = made_on_first_use(_cumulative)
    previous: tuple[DatedItem, ...] = made_on_first_use(_previous)
    plan: tuple[DatedItem, ...] = made_on_first_use(_plan)
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

    def __post_init__(self) -> None:
        unmade(self, ("cumulative", "previous", "plan"))

    @property
    def period(self) -> Period:
        return self.windows.period


# What a window keeps of a group: its rows' items (_filter) or whether it has any (_reaches).
_Kept = TypeVar("_Kept")


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
            # built(): DatedItem(…) without a setattr per field (a view makes ~30,000).
            out.append(
                built(DatedItem, text=item.text, note=item.note, period=period, children=children)
            )
    return tuple(out)


def _reaches(entries: Iterable[Item], _inherited: Period, ordinal: int, lo: int, hi: int) -> bool:
    """Whether :func:`_filter` would keep anything, without building it."""
    for item in entries:
        at = ordinal if item.period is None else item.period.ordinal
        if lo <= at <= hi or (
            item.children and _reaches(item.children, item.period or _inherited, at, lo, hi)
        ):
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


@dataclass
class _Dated(Generic[_Kept]):
    """The dated sections of one report: what each row keeps, and the drafts that feed it."""

    cumulative: dict[Period, list[_Kept]]  # by group period
    previous: list[_Kept]
    plan: list[_Kept]
    drafts: list[str]


def _dated(
    pledge: Pledge,
    bounds: _Bounds,
    keep: Callable[[Iterable[Item], Period, int, int, int], _Kept],
    drafts_only: bool = False,
) -> _Dated[_Kept]:
    """The as-of rule for achievements and plans, written once.

    ``keep`` is :func:`_filter` for a report (the rows' items) or
    :func:`_reaches` for a check that only asks whether a row has anything
    (:func:`pledge_coverage`); a falsy answer means the row keeps nothing of
    that group. A draft group is named when either of its windows keeps an item.
    ``drafts_only``: walk only the draft groups (the drafts are the answer).
    """
    out: _Dated[_Kept] = _Dated({}, [], [], [])
    for index, group in enumerate(pledge.achievements):
        if drafts_only and not group.draft:
            continue
        at = group.period.ordinal
        cum = (
            keep(group.entries, group.period, at, *bounds.cumulative) if bounds.cumulative else None
        )
        last = keep(group.entries, group.period, at, *bounds.previous) if bounds.previous else None
        if cum:
            out.cumulative.setdefault(group.period, []).append(cum)
        if last:
            out.previous.append(last)
        if group.draft and (cum or last):
            out.drafts.append(f"achievements[{index}] ({group.period})")
    for index, group in enumerate(pledge.plans):
        if drafts_only and not group.draft:
            continue
        if group.period == bounds.plan_period:
            kept = keep(group.entries, group.period, group.period.ordinal, *_EVER)
            if kept:
                out.plan.append(kept)
            if group.draft:
                out.drafts.append(f"plans[{index}] ({group.period})")
    return out


def pledge_as_of(
    pledge: Pledge, period: Period, term: Term, cutoff: str = "previous-half"
) -> PledgeAsOf:
    windows = ReportWindows(period, term, cutoff)
    # The rows' items are made when read (_dated_items); which draft groups
    # feed the rows is known now, by walking those groups alone.
    drafts = _dated(pledge, _bounds(windows), _reaches, drafts_only=True).drafts

    carried = _carried(pledge, period, (*NAMES, *SECTIONS))
    drafts.extend(_carried_drafts(carried))

    return PledgeAsOf(
        pledge=pledge,
        windows=windows,
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


Rows = tuple[
    tuple[tuple[Period, tuple[DatedItem, ...]], ...], tuple[DatedItem, ...], tuple[DatedItem, ...]
]


def _walk_rows(asof: PledgeAsOf) -> Rows:
    dated = _dated(asof.pledge, _bounds(asof.windows), _filter)
    cumulative = {p: [i for kept in groups for i in kept] for p, groups in dated.cumulative.items()}
    return (
        tuple((p, tuple(cumulative[p])) for p in sorted(cumulative)),
        tuple(i for kept in dated.previous for i in kept),
        tuple(i for kept in dated.plan for i in kept),
    )


def _dated_items(asof: PledgeAsOf) -> Rows:
    """The rows' items of ``asof`` (cumulative by group period, previous, plan), made together."""
    cumulative, previous, plan = _walk_rows(asof)
    state = asof.__dict__  # the three are made by one walk: keep them all (not one given)
    state.setdefault("cumulative", cumulative)
    state.setdefault("previous", previous)
    state.setdefault("plan", plan)
    return state["cumulative"], state["previous"], state["plan"]


# A group's items in the order they print, each as a reader made it, with the
# ordinals (Period.ordinal: its own period's, or the one it inherits) that it
# and its descendants carry: (made, least, greatest, every one where there are
# more than two, else None). A window keeps an item when one of them falls in
# it, as _filter keeps it: made once, the items of a group are kept by every
# window of every report that reads them, without walking them again.
Spread = list[tuple[_Kept, int, int, frozenset[int] | None]]


def _spread_into(
    entries: Iterable[Item],
    ordinal: int,
    level: int,
    make: Callable[[Item, int], _Kept],
    out: list[Any],
    seen: set[int] | None,
) -> None:
    """Add ``entries``' items to ``out`` in order (see :data:`Spread`); their ordinals to ``seen``."""
    for item in entries:
        at = ordinal if item.period is None else item.period.ordinal
        if item.children:
            # Its place is before its children's; their ordinals are known after them.
            index = len(out)
            out.append(None)
            mine = {at}
            _spread_into(item.children, at, level + 1, make, out, mine)
            if seen is not None:
                seen |= mine
            out[index] = (
                make(item, level),
                min(mine),
                max(mine),
                frozenset(mine) if len(mine) > 2 else None,
            )
        else:
            if seen is not None:
                seen.add(at)
            out.append((make(item, level), at, at, None))


def spread(group: ItemGroup, make: Callable[[Item, int], _Kept]) -> Spread[_Kept]:
    """The items of ``group`` as :data:`Spread`, ``make(item, level)`` called once for each
    (level 1 for the group's entries, 2 for their children …)."""
    out: list[Any] = []
    _spread_into(group.entries, group.period.ordinal, 1, make, out, None)
    return out


def within(items: Spread[_Kept], lo: int, hi: int) -> list[_Kept]:
    """What the window ``lo``..``hi`` keeps of a group's items, in order (as :func:`_filter`)."""
    if lo == hi:  # one half-year (the previous half's row): is it among the ordinals?
        return [
            made
            for made, least, greatest, every in items
            if least == lo or greatest == lo or (every is not None and lo in every)
        ]
    if lo == _EVER[0]:  # everything up to hi (the cumulative row): the least decides
        return [made for made, least, _greatest, _every in items if least <= hi]
    return [
        made
        for made, least, greatest, every in items
        if lo <= least <= hi
        or lo <= greatest <= hi
        or (every is not None and any(lo <= at <= hi for at in every))
    ]


KeptRows = tuple[list[tuple[Period, list[list[_Kept]]]], list[list[_Kept]], list[list[_Kept]]]


def rows_kept(
    asofs: Sequence[PledgeAsOf], make: Callable[[Item, int], _Kept]
) -> list[KeptRows[_Kept]]:
    """The rows of each of ``asofs`` (reports of one pledge) as :func:`rows_of` walks them.

    Each item is made once, ``make(item, level)``, however many rows and
    reports keep it: the diff's two reports of one pledge share the walk of
    its items. Each row holds, group by group, the items it keeps of the
    group (a group it keeps nothing of adds nothing): the cumulative row by
    group period in order, the previous half's and the plan's in the
    record's order. A reader that makes something else of the items (the
    view's printed lines) makes it here, without the :class:`DatedItem` copies.
    """
    pledge = asofs[0].pledge
    bounds = [_bounds(asof.windows) for asof in asofs]
    rows: list[tuple[dict[Period, list[list[_Kept]]], list[list[_Kept]], list[list[_Kept]]]] = [
        ({}, [], []) for _ in asofs
    ]
    for group in pledge.achievements:
        items: Spread[_Kept] | None = None
        for (cumulative, previous, _plan), b in zip(rows, bounds, strict=True):
            if b.cumulative is not None:
                items = items if items is not None else spread(group, make)
                kept = within(items, *b.cumulative)
                if kept:
                    cumulative.setdefault(group.period, []).append(kept)
            if b.previous is not None:
                items = items if items is not None else spread(group, make)
                kept = within(items, *b.previous)
                if kept:
                    previous.append(kept)
    for group in pledge.plans:
        for (_cumulative, _previous, plan), b in zip(rows, bounds, strict=True):
            if group.period == b.plan_period:
                plan.append([made for made, *_ in spread(group, make)])
    return [
        ([(p, cumulative[p]) for p in sorted(cumulative)], previous, plan)
        for cumulative, previous, plan in rows
    ]


def year_in_previous(asof: PledgeAsOf) -> bool:
    """Whether the previous half's row holds an item dated by year only (2019, not 2019H2).

    The same answer as ``any(i.period.is_year for i in rows_of(asof)[1])``,
    without making the row: only items of a year are looked at.
    """
    bounds = _bounds(asof.windows)
    if bounds.previous is None:
        return False
    lo, hi = bounds.previous
    for group in asof.pledge.achievements:
        for item in group.entries:
            period = item.period or group.period
            if period.is_year:
                at = period.ordinal
                if lo <= at <= hi or (
                    item.children and _reaches(item.children, period, at, lo, hi)
                ):
                    return True
    return False


def rows_of(asof: PledgeAsOf) -> Rows:
    """``(asof.cumulative, asof.previous, asof.plan)``, made for this reader alone if not made yet.

    The view turns them into its printed lines once and keeps those: kept here
    too, every pledge's items would stay in memory as long as its view.
    """
    state = asof.__dict__
    if "cumulative" in state and "previous" in state and "plan" in state:
        return state["cumulative"], state["previous"], state["plan"]
    return _walk_rows(asof)


@dataclass(frozen=True)
class Coverage:
    """Which sections the report of ``windows.period`` prints for one pledge, without its rows.

    The same answers as :func:`pledge_as_of` gives, by the same walk
    (:func:`_dated`): ``has_cumulative`` is ``bool(asof.cumulative)`` and so
    on; the carried sections, adjustments and draft sources are equal. For
    checks that only ask whether something is there: no item is copied, and a
    group's search stops at its first item.
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
    dated = _dated(pledge, _bounds(windows), _reaches)
    drafts = dated.drafts
    has_cumulative = bool(dated.cumulative)
    has_previous = bool(dated.previous)
    has_plan = bool(dated.plan)

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
