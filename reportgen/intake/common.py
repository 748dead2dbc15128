"""What a department's intake sheet holds for one pledge, shared by export and import.

A pledge's sheet is a *statement*: the values of the report of period P that a
department fills in (status, 추진율, contacts, 시민참여, 성과지표 results, the
achievements of the half the report shows, the plan, 문제점 및 개선대책, the
budget tables), each section in a canonical, JSON-able form. Export writes a
statement into a sheet; import reads one back and compares it, section by
section, with the statement of the records as they stand: only the sections
that differ are written. The digest of the exported statement travels in the
workbook, so import can tell when the records changed after the export.

A pledge not yet opened for P (no ``reports.<P>``) is first opened the way
``new-period`` opens it (:func:`opened`): the sheet offers those drafts, and an
import records them, as ``new-period`` would, with the department's edits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import Problem
from ..i18n import tr
from ..records import rollforward
from ..records.asof import (
    budget_of,
    contacts_of,
    department_of,
    participation_of,
    pledge_as_of,
    problems_of,
    progress_rate_of,
    title_of,
)
from ..records.load import type_record
from ..records.model import Budget, Indicator, Item, Pledge, ReportSettings
from ..records.periods import Period, ReportWindows
from ..report.view import format_number

FORMAT = "reportgen-intake/1"
META_SHEET = "_reportgen"
GUIDE_SHEET = "안내"

# Item levels as the department sees them: the depth below the row label
# (○ is the first level under a row of 추진실적). A ※ note is marked with the
# level it stands at: ※ at ○'s, -※ at -'s, ·※ at ·'s.
LEVELS = ("○", "-", "·", "··", "···")
NOTE = "※"
LEVEL_CHOICES = (*LEVELS[:4], NOTE, f"-{NOTE}", f"·{NOTE}")
# Look-alikes typed by hand (FORM.md §9) are read as the symbol they imitate.
LOOKALIKES = {
    "ㅇ": "○",
    "❍": "○",
    "◦": "○",
    "∘": "○",
    "●": "○",
    "◯": "○",
    "―": "-",
    "–": "-",
    "—": "-",
    "ㆍ": "·",
    "˙": "·",
    "•": "·",
    "‧": "·",
}

# Sections in sheet order; each is compared and written on its own.
SECTIONS = (
    "status",
    "progress_rate",
    "contacts",
    "participation",
    "indicators",
    "achieved",
    "plan",
    "problems",
    "budget",
)
PROBLEM_LISTS = ("problems", "measures", "general")
# How a new 성과지표's results are kept: the total to date, or each half's own
# (the record's ``cumulative``: the page prints their running total).
INDICATOR_KINDS = ("누계", "이번 반기")
BUDGET_KINDS = ("plan", "secured", "executed")


def num(value: Decimal | int | float) -> str:
    """A figure in canonical text: 20 and 20.0 are both ``"20"``."""
    d = value if isinstance(value, Decimal) else Decimal(str(value))
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def digest(sections: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(sections).encode("utf-8")).hexdigest()


def section_digest(value: Any) -> str:
    """The digest of one section's value, as exported (import tells an edit from a copy by it)."""
    return hashlib.sha256(canonical(value).encode("utf-8")).hexdigest()[:32]


# ---------------------------------------------------------------------------
# Items as rows (level symbol, text)

Row = tuple[str, str]


def item_rows(entries: Iterable[Item], depth: int = 0) -> list[Row]:
    out: list[Row] = []
    for item in entries:
        level = LEVELS[min(depth, len(LEVELS) - 1)]
        symbol = (level.removeprefix("○") + NOTE) if item.note else level
        out.append((symbol, item.text))
        out.extend(item_rows(item.children, depth + 1))
    return out


def level_of(symbol: str) -> tuple[int, bool] | None:
    """(depth, note) of a level symbol (○ -> (0, False), -※ -> (1, True)), None if it is none."""
    note = symbol.endswith(NOTE)
    base = symbol[: -len(NOTE)] if note else symbol
    base = base or LEVELS[0]
    return (LEVELS.index(base), note) if base in LEVELS else None


# ---------------------------------------------------------------------------
# Opening a pledge for P (as new-period does)


def opened(
    pledge: Pledge, raw: dict[str, Any], path: Path, period: Period, settings: ReportSettings
) -> tuple[Pledge, dict[str, Any], bool]:
    """The pledge (typed and raw) opened for ``period``: unchanged when ``reports.<P>`` exists.

    Returns (pledge, raw, opened now). Opening is exactly new-period's drafting
    of one pledge: ``reports.<P>`` marked draft with every section carried
    forward, and the achievements of the half the report shows drafted from
    its plan.
    """
    if period in pledge.reports:
        return pledge, raw, False
    term = settings.term.to_term()
    _action, new_raw = rollforward._roll_pledge(pledge, raw, path, period, term, settings.cutoff)
    if new_raw is None:  # pragma: no cover - _roll_pledge skips only an opened pledge
        return pledge, raw, False
    problems: list[Problem] = []
    typed = type_record(Pledge, new_raw, path.name, problems)
    if typed is None:  # pragma: no cover - a valid record stays valid when opened
        raise ValueError("; ".join(str(p) for p in problems))
    return typed, new_raw, True


# ---------------------------------------------------------------------------
# The statement of one pledge


@dataclass
class Statement:
    """One pledge's sheet: what the department fills in, and what it sees for reference."""

    pledge_id: str
    title: str
    department: str
    non_budget: bool
    sections: dict[str, Any]  # canonical values, compared and digested
    reference: dict[str, Any]  # the previous report's values, shown beside (never read back)
    budget_keys: list[str] = field(default_factory=list)  # money columns in the sheet
    budget_labels: list[str] = field(default_factory=list)
    indicator_labels: list[str] = field(default_factory=list)
    # Per 성과지표: True when the city's form records each half-year's own
    # result (``cumulative``: the page prints their running total), False
    # when the result is the total to date (누계).
    indicator_per_half: list[bool] = field(default_factory=list)
    indicator_inputs: list[str] = field(default_factory=list)  # what each input cell asks for
    withdrawn: bool = False
    # Sections whose value for P is still a copy of the last report (carried
    # forward into a draft, or the plan drafted as 추진실적), in SECTIONS order.
    # 시민참여 and 추진실적 among them are not filled in (``sections`` holds
    # them blank): they are offered in grey beside the input cells instead.
    copies: list[str] = field(default_factory=list)

    @property
    def digest(self) -> str:
        return digest(self.sections)


def achieved_groups(pledge: Pledge, windows: ReportWindows) -> list[int]:
    """Indexes of the achievement groups that fill the row of the half the report shows."""
    ordinal = windows.achieved.ordinal
    return [i for i, g in enumerate(pledge.achievements) if g.period.ordinal == ordinal]


def plan_groups(pledge: Pledge, windows: ReportWindows) -> list[int]:
    return [i for i, g in enumerate(pledge.plans) if g.period == windows.plan_period]


def canonical_budget(budget: Budget | None) -> dict[str, Any]:
    if budget is None:
        return {"plan": [], "secured": []}
    plan = [
        [
            s.name,
            {src: {k: num(v) for k, v in cols.items()} for src, cols in s.sources.items() if cols},
        ]
        for s in budget.plan
    ]
    secured = [
        [
            s.name,
            {
                src: {
                    k: [num(a.secured), None if a.executed is None else num(a.executed)]
                    for k, a in cols.items()
                }
                for src, cols in s.sources.items()
                if cols
            },
        ]
        for s in budget.secured
    ]
    return {"plan": plan, "secured": secured}


def budget_columns(
    settings: ReportSettings, budgets: Sequence[Budget | None]
) -> tuple[list[str], list[str]]:
    """The money columns of the sheet: the city's, and a year a merged column holds where used."""
    used: set[str] = set()
    for budget in budgets:
        if budget is None:
            continue
        for plan in budget.plan:
            for amounts in plan.sources.values():
                used.update(amounts)
        for secured in budget.secured:
            for cells in secured.sources.values():
                used.update(cells)
    keys: list[str] = []
    labels: list[str] = []
    for column in settings.money_columns():
        keys.append(column.key)
        labels.append(column.label)
        for year in column.years:
            if year in used:
                keys.append(year)
                labels.append(f"{year}년분")
    return keys, labels


def _contacts(value: Any, settings: ReportSettings) -> dict[str, list[str]] | None:
    if value is None:
        return None
    out = {
        role.key: [value[role.key].name, value[role.key].phone]
        for role in settings.contact_roles
        if role.key in value
    }
    return out or None


def _participation(value: Any, settings: ReportSettings) -> dict[str, int] | None:
    if not settings.participation or value is None:
        return None
    out = {c.key: value[c.key] for c in settings.participation if value.get(c.key) is not None}
    return out or None


# Sections that report a state (추진상황, 담당, 예산 …): a copy of the last report
# is offered filled in, marked as a copy. Counts of one half (시민참여) are not:
# a department that sends its file back untouched must not report last half's
# numbers as this half's.
STATE_SECTIONS = ("status", "progress_rate", "contacts", "problems", "budget")
BLANK_WHEN_COPIED = ("participation", "achieved")


def _revisable(asof: Any, pledge: Pledge, settings: ReportSettings) -> dict[str, Any]:
    """The sections a report revises (asof's carry), in the sheet's canonical form."""
    problems = problems_of(asof)
    rate = progress_rate_of(asof) if settings.progress_rate else None
    return {
        "status": asof.status.value if asof.status else None,
        "progress_rate": None if rate is None else num(rate),
        "contacts": _contacts(contacts_of(asof), settings),
        "participation": _participation(participation_of(asof), settings),
        "problems": None
        if problems is None
        else {
            name: [list(r) for r in item_rows(getattr(problems, name))] for name in PROBLEM_LISTS
        },
        "budget": None if pledge.non_budget else canonical_budget(budget_of(asof)),
    }


def statement(pledge: Pledge, settings: ReportSettings, period: Period) -> Statement:
    """The sheet of ``pledge`` (already opened for ``period``) for the report of ``period``.

    A section of a draft ``reports.<P>`` whose value is still the last report's
    is a *copy*: it is listed in ``copies``; a state is offered filled in, a
    half-year's count (시민참여) and the plan drafted as 추진실적 are left blank
    and shown in grey beside (see :data:`BLANK_WHEN_COPIED`).
    """
    term = settings.term.to_term()
    asof = pledge_as_of(pledge, period, term, settings.cutoff)
    before = pledge_as_of(pledge, period.previous, term, settings.cutoff)
    windows = asof.windows
    now = _revisable(asof, pledge, settings)
    sections: dict[str, Any] = {
        "status": now["status"],
        "progress_rate": now["progress_rate"],
        "contacts": now["contacts"],
        "participation": now["participation"],
        "indicators": [
            None if period not in i.results else num(i.results[period]) for i in pledge.indicators
        ],
        "achieved": [
            list(r)
            for i in achieved_groups(pledge, windows)
            for r in item_rows(pledge.achievements[i].entries)
        ],
        "plan": [
            list(r)
            for i in plan_groups(pledge, windows)
            for r in item_rows(pledge.plans[i].entries)
        ],
        "problems": now["problems"],
        "budget": now["budget"],
    }
    previous = _revisable(before, pledge, settings)
    report = pledge.reports.get(period)
    copies: list[str] = []
    if report is not None and report.draft:
        copies = [
            name
            for name in (*STATE_SECTIONS, "participation")
            if sections[name] is not None and canonical(sections[name]) == canonical(previous[name])
        ]
    # The plan for the half the report shows: offered in grey beside its 추진실적.
    planned = [
        list(r)
        for i, g in enumerate(pledge.plans)
        if g.period == windows.achieved
        for r in item_rows(pledge.plans[i].entries)
    ]
    drafted = achieved_groups(pledge, windows)
    if (
        drafted
        and all(pledge.achievements[i].draft for i in drafted)
        and sections["achieved"] == planned
    ):
        copies.append("achieved")
    for name in BLANK_WHEN_COPIED:
        if name in copies:
            sections[name] = [] if name == "achieved" else None
    copies.sort(key=SECTIONS.index)
    prev_rate = progress_rate_of(before)
    reference = {
        "status": before.status.value if before.status else None,
        "progress_rate": None if prev_rate is None else num(prev_rate),
        "contacts": _contacts(contacts_of(before), settings) or {},
        "participation": _participation(participation_of(before), settings) or {},
        "indicators": [None if r.result is None else num(r.result) for r in before.indicators],
        "budget": None if pledge.non_budget else canonical_budget(budget_of(before)),
        "planned": planned,
    }
    keys, labels = budget_columns(settings, [budget_of(asof), budget_of(before)])
    withdrawn = any(a.kind in settings.withdrawn_kinds for a in asof.adjustments)
    return Statement(
        pledge_id=pledge.id,
        title=title_of(asof),
        department=department_of(asof),
        non_budget=pledge.non_budget,
        sections=sections,
        reference=reference,
        budget_keys=keys,
        budget_labels=labels,
        # The target as the page prints it (1,000), so the department recognises it.
        indicator_labels=[
            f"{i.name} (목표 {format_number(i.target)}{i.unit})" for i in pledge.indicators
        ],
        indicator_per_half=[i.cumulative for i in pledge.indicators],
        indicator_inputs=[indicator_input(i) for i in pledge.indicators],
        withdrawn=withdrawn,
        copies=copies,
    )


def indicator_input(indicator: Indicator) -> str:
    """What the 성과지표 input cell asks for, as the city's form defines the indicator."""
    if indicator.cumulative:
        return tr(
            "이번 반기 실적만 입력 (보고서에는 반기 실적을 더한 누계가 인쇄됨)",
            "this half-year's result only (the report prints the running total)",
        )
    return tr(
        "누계 입력 (임기 시작부터 지금까지의 전체 실적, 이번 반기만이 아님)",
        "the total to date (since the term began, not this half-year's only)",
    )


def period_confirmed(pledges: Iterable[Pledge], period: Period) -> bool:
    """The rule for a confirmed report: some pledge has ``reports.<P>``, and none of them is a draft.

    new-period and every import mark ``reports.<P>`` ``"draft": true``; the
    compiling office confirms a pledge by removing the flag. Once no draft is
    left the report of P counts as confirmed, and an import into it needs
    ``--force`` (which marks what it changes as a draft again).
    """
    reports = [p.reports[period] for p in pledges if period in p.reports]
    return bool(reports) and not any(r.draft for r in reports)
