"""Stage 2: the rules beyond the schema, applied to typed records.

Each rule adds :class:`~reportgen.errors.Problem` values (file, JSON path,
what is wrong, what would be right); nothing raises until every rule has run.
Errors stop a build; warnings are printed and the build goes on.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import itertools
import os
import pickle
import re
import signal
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Protocol

from ..bulk import bulk_allocation
from ..errors import PeriodError, Problem, RecordsInvalid, Severity, quote
from ..forked import can_fork, fork_worker
from ..i18n import english, tr
from . import numbering
from .asof import pledge_as_of, pledge_coverage
from .budget import printed_total_drift
from .load import SETTINGS_FILE, Reading, RecordSet, Synopsis, promote_to_old, read_records
from .model import (
    Budget,
    Indicator,
    Item,
    PlannedSubproject,
    Pledge,
    ReportSettings,
    SecuredAmount,
    SecuredSubproject,
)
from .periods import FiscalColumn, Period, ReportWindows, Term, ascii_digits, column_years
from .text import blankless


class _Form:
    """What every pledge is checked against, derived from report.json once, not per pledge.

    Lazily: a value is made only when a pledge needs it, as the rules made it
    before (the money columns only for a pledge with a budget).
    """

    def __init__(self, settings: ReportSettings) -> None:
        self.settings = settings

    @functools.cached_property
    def term(self) -> Term:
        return self.settings.term.to_term()

    @functools.cached_property
    def statuses(self) -> dict[str, str]:
        return {blankless(s): s for s in self.settings.statuses}

    @functools.cached_property
    def columns(self) -> list[FiscalColumn]:
        return self.settings.money_columns()

    @functools.cached_property
    def keys(self) -> list[str]:
        return [k for c in self.columns for k in c.keys]

    @functools.cached_property
    def key_set(self) -> frozenset[str]:
        return frozenset(self.keys)


class _Sink:
    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file, self.problems = file, problems

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message, Severity.ERROR))

    def warn(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message, Severity.WARNING))


def _not_a_status(status: str) -> str:
    return tr(
        f"{quote(status)}: statuses에 없는 추진상황입니다. statuses에 있는 이름을 쓰십시오.",
        f"{quote(status)} is not in 'statuses'",
    )


def _twice(what: str) -> str:
    return tr(f"{what}: 두 번 있습니다. 하나만 남기십시오.", f"{what} is listed twice")


def _check_settings(settings: ReportSettings, out: _Sink) -> None:
    for i, status in enumerate(settings.done_statuses):
        if status not in settings.statuses:
            out.error(f"$.done_statuses[{i}]", _not_a_status(status))
    if len(set(settings.statuses)) != len(settings.statuses):
        out.error(
            "$.statuses",
            tr("같은 추진상황이 두 번 있습니다. 하나만 남기십시오.", "a status is listed twice"),
        )
    if len(set(settings.funding_sources)) != len(settings.funding_sources):
        out.error(
            "$.funding_sources",
            tr(
                "같은 재원이 두 번 있습니다. 하나만 남기십시오.", "a funding source is listed twice"
            ),
        )
    for i, source in enumerate(settings.funding_sources):
        if source in ("계", "소계"):
            out.error(
                f"$.funding_sources[{i}]",
                tr(
                    f"{quote(source)}: 합계 행이지 재원이 아닙니다. 재원의 이름만 쓰십시오.",
                    f"{quote(source)} is a total row, not a source",
                ),
            )
    _check_columns(settings, out)
    for name, values in (
        ("excluded_statuses", settings.excluded_statuses),
        ("weights", list(settings.weights)),
    ):
        for i, status in enumerate(values):
            if status not in settings.statuses:
                where = f"$.{name}[{i}]" if name != "weights" else f"$.weights.{status}"
                out.error(where, _not_a_status(status))
    for i, status in enumerate(settings.done_statuses):
        if status in settings.excluded_statuses:
            out.error(
                f"$.done_statuses[{i}]",
                tr(
                    f"{quote(status)}: 비율의 기준에서 빠지는 추진상황(excluded_statuses)이라 "
                    "달성으로 셀 수 없습니다. 둘 중 한 곳에서 빼십시오.",
                    f"{quote(status)} is left out of the base (excluded_statuses): it cannot count as done",
                ),
            )
    if settings.numbering is not None:
        wrong = numbering.problem(settings.numbering)
        if wrong:
            out.error(
                "$.numbering",
                tr(
                    f"{quote(settings.numbering)}: 공약 번호가 아닙니다. {wrong}",
                    f"{quote(settings.numbering)} is not a pledge number: {wrong}",
                ),
            )
    for name, roles in (
        ("contact_roles", settings.contact_roles),
        ("participation", settings.participation),
    ):
        keys = [r.key for r in roles]
        for i, key in enumerate(keys):
            if keys.index(key) != i:
                out.error(f"$.{name}[{i}].key", _twice(quote(key)))
    keys = [g.key for g in settings.groups]
    for i, group in enumerate(settings.groups):
        if keys.index(group.key) != i:
            out.error(
                f"$.groups[{i}].key",
                tr(
                    f"분야 {quote(group.key)}: 두 번 있습니다. 하나만 남기십시오.",
                    f"group {quote(group.key)} is listed twice",
                ),
            )
    for i, kind in enumerate(settings.withdrawn_kinds):
        if kind not in settings.adjustment_kinds:
            out.error(
                f"$.withdrawn_kinds[{i}]",
                tr(
                    f"{quote(kind)}: adjustment_kinds에 없는 조정 구분입니다.",
                    f"{quote(kind)} is not in 'adjustment_kinds'",
                ),
            )


def _check_columns(settings: ReportSettings, out: _Sink) -> None:
    """The city's own money columns: known words or years of the term, each year once."""
    if settings.columns is None:
        return
    term = settings.term.to_term()
    seen: dict[int, str] = {}
    specials: set[str] = set()
    for i, column in enumerate(settings.columns):
        where = f"$.columns[{i}].years"
        span = column_years(column.years)
        if span is None:
            if column.years in specials:
                out.error(where, _twice(column.years))
            specials.add(column.years)
            continue
        first, last = span
        if last < first:
            out.error(
                where,
                tr(
                    f"{column.years}: 거꾸로 되어 있습니다. {last}~{first}로 쓰십시오.",
                    f"{column.years} runs backwards; write {last}~{first}",
                ),
            )
            continue
        for year in range(first, last + 1):
            if not term.start.year <= year <= term.end.year:
                out.error(
                    where,
                    tr(
                        f"{year}: {term.name}({term.start.year}–{term.end.year}) 밖의 해입니다. "
                        "임기 전후의 금액은 기투자나 임기후에 넣으십시오.",
                        f"{year} is outside {term.name} ({term.start.year}–{term.end.year}); "
                        "money before or after the term goes under 기투자 or 임기후",
                    ),
                )
                break
            if year in seen:
                out.error(
                    where,
                    tr(
                        f"{year}: 이미 {seen[year]!r} 열에 들어 있습니다.",
                        f"{year} is already in the column {seen[year]!r}",
                    ),
                )
                break
            seen[year] = column.years
    # Years before the first column are 기투자's where the city has that column.
    held = {int(k) for c in settings.money_columns() if c.key == "기투자" for k in c.years}
    missing = [
        y for y in range(term.start.year, term.end.year + 1) if y not in seen and y not in held
    ]
    if missing and not any(p for p in out.problems if p.path.startswith("$.columns")):
        out.warn(
            "$.columns",
            tr(
                "어느 열에도 들지 않은 해가 있습니다: "
                + ", ".join(str(y) for y in missing)
                + ". 그 해의 금액은 기록할 수 없습니다.",
                "no column holds "
                + ", ".join(str(y) for y in missing)
                + ": amounts of those years cannot be recorded",
            ),
        )


def _check_items(
    items: Iterable[Item], group_period: Period, path: str, term: Term, out: _Sink
) -> None:
    # Each field read once: 112 items a synthetic pledge, 1.1 million in 10,000.
    previous_text = None
    for i, item in enumerate(items):
        dated, text, children = item.period, item.text, item.children
        if dated is not None:
            here = f"{path}[{i}]"
            if dated < group_period:
                out.error(
                    f"{here}.period",
                    tr(
                        f"{dated}: 묶음의 반기 {group_period}보다 앞섭니다. 묶음의 반기를 "
                        "가장 이른 항목에 맞추십시오.",
                        f"{dated} is earlier than its group's period {group_period}; "
                        "date the group by its earliest item",
                    ),
                )
            if not term.contains(dated):
                out.error(f"{here}.period", _outside(dated, term))
        if text == previous_text:
            out.warn(
                f"{path}[{i}].text",
                tr(
                    "바로 앞 항목과 같은 글입니다. 두 번 적지 않았는지 보십시오.",
                    "the same text as the item before it (typed twice?)",
                ),
            )
        previous_text = text
        if children:  # 10,000 pledges: most items have none, so no path is made
            _check_items(children, dated or group_period, f"{path}[{i}].children", term, out)


def _outside(period: object, term: Term) -> str:
    return tr(
        f"{period}: 임기({term.span_label}) 밖입니다.",
        f"{period} is outside the term ({term.span_label})",
    )


def _not_a_column(key: str, keys: list[str], use: str) -> str:
    """``'2030' is not a column; use …``, or the fix when ``２０１９`` means 2019."""
    fixed = ascii_digits(key) if not key.isascii() else key
    if fixed != key and fixed in keys:
        return tr(
            f"{quote(key)}: 열이 아닙니다. 반각 숫자(ASCII)로 쓰십시오: {fixed!r}",
            f"{quote(key)} is not a column: write ASCII digits: {fixed!r}",
        )
    return tr(f"{quote(key)}: 열이 아닙니다. {use}", f"{quote(key)} is not a column{use}")


def _names(names: Iterable[str], *, sort: bool = True, most: int = 10) -> str:
    """Names for a message: each one cut short, at most ``most`` of them."""
    shown = sorted(names) if sort else list(names)
    out = ", ".join(quote(n) if len(n) > 40 else n for n in shown[:most])
    more = len(shown) - most
    return out + (tr(f" 외 {more}개", f" and {more} more") if more > 0 else "")


def _check_budget(budget: Budget, form: _Form, path: str, out: _Sink) -> None:
    settings, term = form.settings, form.term
    sources = settings.funding_sources
    columns = form.columns
    keys, key_set = form.keys, form.key_set
    allowed = ", ".join(keys)
    bad_columns = False
    tables: tuple[tuple[str, Sequence[PlannedSubproject | SecuredSubproject]], ...] = (
        ("plan", budget.plan),
        ("secured", budget.secured),
    )
    for tname, subs in tables:
        names = [s.name for s in subs]
        for i, sub in enumerate(subs):
            if names.count(sub.name) > 1:
                out.error(
                    f"{path}.{tname}[{i}].name",
                    tr(
                        f"세부사업 {quote(sub.name)}: 두 번 나옵니다. 하나로 합치십시오.",
                        f"sub-project {quote(sub.name)} appears twice",
                    ),
                )
            printed = sub.printed_totals.keys()
            for key in (*sub.sources.keys(), *printed):
                if key not in sources:
                    bad_columns = True
                    where = "sources" if key in sub.sources else "printed_totals"
                    out.error(
                        f"{path}.{tname}[{i}].{where}.{key}",
                        tr(
                            f"{quote(key)}: 이 보고서의 재원이 아닙니다. 다음 중 하나를 "
                            "쓰십시오(report.json의 funding_sources): " + ", ".join(sources),
                            f"{quote(key)} is not a funding source of this report; write "
                            + ", ".join(sources)
                            + " (report.json's funding_sources)",
                        ),
                    )
            for source, cols in sub.sources.items():
                for key, value in cols.items():
                    # The path is made only for a cell with a problem (most have none).
                    if key in key_set and (
                        not isinstance(value, SecuredAmount)
                        or value.executed is None
                        or value.executed <= value.secured
                    ):
                        continue
                    where = f"{path}.{tname}[{i}].sources.{source}.{key}"
                    if key not in key_set:
                        bad_columns = True
                        out.error(
                            where,
                            _not_a_column(
                                key,
                                keys,
                                tr(
                                    f"{term.name}의 열 중 하나를 쓰십시오: {allowed}",
                                    f" of {term.name}; use one of {allowed}",
                                ),
                            ),
                        )
                    if isinstance(value, SecuredAmount):
                        if value.executed is not None and value.executed > value.secured:
                            out.error(
                                where,
                                tr(
                                    f"집행액 {value.executed:,}이(가) 확보액 {value.secured:,}보다 "
                                    "큽니다. 집행액은 확보액을 넘을 수 없습니다.",
                                    f"executed {value.executed:,} exceeds secured "
                                    f"{value.secured:,}; 집행액 cannot exceed 확보액",
                                ),
                            )
    plan_names = {s.name for s in budget.plan}
    for i, sub in enumerate(budget.secured):
        if plan_names and sub.name not in plan_names:
            out.warn(
                f"{path}.secured[{i}].name",
                tr(
                    f"{quote(sub.name)}: 투자계획에 없는 세부사업입니다(투자계획의 세부사업: "
                    f"{_names(plan_names)}).",
                    f"{quote(sub.name)} is not a sub-project of the plan ({_names(plan_names)})",
                ),
            )
    for key in budget.printed_grand_total:
        if key != "계" and key not in keys:
            out.error(
                f"{path}.printed_grand_total.{key}",
                _not_a_column(
                    key,
                    keys,
                    tr(f"계나 다음 중 하나를 쓰십시오: {allowed}", f"; use 계 or {allowed}"),
                ),
            )
    if not bad_columns:
        for where, message in printed_total_drift(budget, columns, sources):
            out.warn(
                f"{path}.{where}",
                message
                + tr(
                    " (옛 쪽의 수치가 맞지 않습니다. 보고서에는 계산한 합계를 싣습니다)",
                    " (legacy figures drift; the report prints the computed total)",
                ),
            )


_MONTH = re.compile(r"(?<![0-9])(?:[0-9]{4}\.\s*)?(1[0-2]|0?[1-9])\.\s*(?:[0-9]{1,2}\.)?")


def _month_dated(items: Iterable[Item], most: int = 3) -> list[str]:
    """The first ``most`` dates (``2019. 3.``, ``5.16.``) that items of a whole-year group mention."""
    found: list[str] = []
    for item in items:
        if len(found) >= most:
            break
        m = _MONTH.search(item.text)
        if m:
            found.append(m.group(0).strip())
        found.extend(_month_dated(item.children, most - len(found)))
    return found[:most]


def _did_you_mean(key: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(key, choices, n=1)
    if not close:
        return ""
    return tr(f" (비슷한 키: {close[0]!r})", f" (did you mean {close[0]!r}?)")


_SETTING_OF = {"contact roles": "contact_roles", "categories": "participation"}
_WHAT_KO = {"contact roles": "담당 역할", "categories": "시민참여 구분"}


def _known_keys(record: Iterable[str], known: list[str], path: str, what: str, out: _Sink) -> None:
    """Keys of a record keyed by the city's list (roles, categories): each must be on it."""
    for key in record:
        if key not in known:
            listed = (
                _names(known, sort=False) if known else tr("없음", "none (the city counts none)")
            )
            out.error(
                f"{path}.{key}",
                tr(
                    f"알 수 없는 키입니다: {quote(key)}{_did_you_mean(key, known)}. 이 보고서의 "
                    f"{_WHAT_KO[what]}은(는) {listed}입니다(report.json의 {_SETTING_OF[what]}).",
                    f"unknown key {quote(key)}{_did_you_mean(key, known)}: the {what} of this "
                    f"report are {listed} (report.json's {_SETTING_OF[what]})",
                ),
            )


def _check_pledge_form(pledge: Pledge, form: _Form, out: _Sink) -> None:
    """What the city's form says a pledge may record: its group, roles, categories, …"""
    settings, term = form.settings, form.term
    groups = [g.key for g in settings.groups]
    if pledge.group is not None and pledge.group not in groups:
        out.error(
            "$.group",
            tr(
                f"{quote(pledge.group)}: report.json의 분야가 아닙니다. "
                + (
                    "다음 중 하나를 쓰십시오: " + _names(groups, sort=False)
                    if groups
                    else "report.json에 groups를 더하십시오."
                ),
                f"{quote(pledge.group)} is not a group of report.json; use one of "
                + (_names(groups, sort=False) if groups else "(none listed: add 'groups')"),
            ),
        )
    roles = [r.key for r in settings.contact_roles]
    categories = [c.key for c in settings.participation]
    for period, report in sorted(pledge.reports.items()):
        path = f"$.reports.{period}"
        _known_keys(report.contacts or {}, roles, f"{path}.contacts", "contact roles", out)
        _known_keys(
            report.participation or {}, categories, f"{path}.participation", "categories", out
        )
        if report.progress_rate is not None and not settings.progress_rate:
            out.warn(
                f"{path}.progress_rate",
                tr(
                    '추진율은 인쇄되지 않습니다. 인쇄하려면 report.json에 "progress_rate": '
                    "true를 쓰십시오.",
                    '추진율 is not printed: set "progress_rate": true in report.json to print it',
                ),
            )
    for i, adj in enumerate(pledge.adjustments):
        path = f"$.adjustments[{i}]"
        if adj.kind not in settings.adjustment_kinds:
            out.error(
                f"{path}.kind",
                tr(
                    f"{quote(adj.kind)}: 이 보고서의 조정 구분이 아닙니다. 다음 중 하나를 "
                    "쓰십시오: " + _names(settings.adjustment_kinds, sort=False),
                    f"{quote(adj.kind)} is not an adjustment of this report; use "
                    + _names(settings.adjustment_kinds, sort=False),
                ),
            )
        if adj.period.is_year or not term.contains(adj.period):
            out.error(
                f"{path}.period",
                tr(
                    f"{adj.period}: 임기({term.span_label})의 반기가 아닙니다.",
                    f"{adj.period} is not a half-year of the term ({term.span_label})",
                ),
            )
        if adj.kind == "변경" and not (adj.before and adj.after):
            out.warn(
                path,
                tr(
                    "변경에는 무엇이 바뀌었는지 before와 after를 기록하십시오.",
                    "a 변경 records 'before' and 'after': what changed",
                ),
            )
        if adj.date and not (term.start.year <= int(adj.date[:4]) <= term.end.year + 1):
            out.warn(f"{path}.date", _outside(adj.date, term))
    for i, ind in enumerate(pledge.indicators):
        for period in ind.results:
            if period.is_year or not term.contains(period):
                out.error(
                    f"$.indicators[{i}].results.{period}",
                    tr(
                        f"실적은 임기({term.span_label})의 보고 반기마다 기록합니다.",
                        f"results are kept per report half-year of the term ({term.span_label})",
                    ),
                )
        for period in ind.yearly_results:
            if period.is_year or not term.contains(period):
                out.error(
                    f"$.indicators[{i}].yearly_results.{period}",
                    tr(
                        f"연차별 실적은 임기({term.span_label})의 보고 반기마다 기록합니다.",
                        f"yearly results are kept per report half-year of the term "
                        f"({term.span_label})",
                    ),
                )
        for year in ind.yearly_targets:
            if not term.start.year <= int(year) <= term.end.year:
                out.error(
                    f"$.indicators[{i}].yearly_targets.{year}",
                    tr(
                        f"{year}년은 임기({term.span_label})의 해가 아닙니다.",
                        f"{year} is not a year of the term ({term.span_label})",
                    ),
                )
        if not ind.cumulative:
            _check_running_total(ind, i, out)


def _check_running_total(ind: Indicator, index: int, out: _Sink) -> None:
    """A 누계 (the result to date) that falls between reports was most likely one half's figure."""
    ordered = sorted(ind.results.items(), key=lambda kv: kv[0].ordinal)
    for (before, then), (period, now) in itertools.pairwise(ordered):
        if now < then:
            out.warn(
                f"$.indicators[{index}].results.{period}",
                tr(
                    f"성과지표 {quote(ind.name)}: {period} 실적({now}{ind.unit})이 "
                    f"{before} 실적({then}{ind.unit})보다 작습니다. 이 지표의 실적은 누계(지금까지의 "
                    "전체)입니다: 이번 반기만 적었다면 누계로 고치고, 실제로 줄었다면 그대로 "
                    "두십시오.",
                    f"indicator {quote(ind.name)}: the result of {period}, {now}{ind.unit}, is "
                    f"less than {before}'s {then}{ind.unit}. Its results are running totals "
                    "(누계): if this half's figure was written, write the total to date; if it "
                    "really fell, leave it.",
                ),
            )


def _draft() -> str:
    return tr(
        "확인하지 않은 초안입니다. 확인한 뒤 reportgen confirm으로 확정하십시오.",
        'unconfirmed draft: check it, then confirm it (reportgen confirm) or remove "draft"',
    )


def _check_pledge(pledge: Pledge, file: Path, form: _Form | None, out: _Sink) -> None:
    if file.name != f"{pledge.id}.json":
        out.error(
            "$.id",
            tr(
                f"공약 {pledge.id}의 파일 이름은 {pledge.id}.json이어야 합니다.",
                f"the file of pledge {pledge.id} must be named {pledge.id}.json",
            ),
        )
    if form is None:
        return
    settings, term = form.settings, form.term
    if settings.numbering is not None:
        wrong = numbering.problem(pledge.id, settings.numbering)
        if wrong:
            out.error("$.id", wrong)
    _check_pledge_form(pledge, form, out)
    # "6월말 기준": the last report of the term shows the plan for the half after it.
    last_plan = term.end.next if settings.cutoff == "report-half" else term.end
    for kind, groups in (("achievements", pledge.achievements), ("plans", pledge.plans)):
        for i, group in enumerate(groups):
            path = f"$.{kind}[{i}]"
            if kind == "plans" and group.period == last_plan:
                pass
            elif not term.contains(group.period):
                out.error(f"{path}.period", _outside(group.period, term))
            if kind == "plans" and group.period.is_year:
                out.error(
                    f"{path}.period",
                    tr(
                        f"계획은 반기마다 씁니다. {group.period}H1이나 {group.period}H2로 "
                        "쓰십시오.",
                        f"a plan is for a half-year: write {group.period}H1 or {group.period}H2",
                    ),
                )
            if group.draft:
                out.warn(f"{path}.draft", _draft())
            # Only a year the term holds both halves of can be split: 2018's first
            # half is before 민선7기 (2018.7.), so its items stay under □ 2018년.
            if (
                kind == "achievements"
                and group.period.is_year
                and term.contains(group.period)
                and term.contains(Period(group.period.year, 1))
            ):
                dated = _month_dated(group.entries)
                if dated:
                    out.warn(
                        f"{path}.period",
                        tr(
                            f"{group.period}년 한 해로 기록했는데 항목에 달이 있습니다"
                            f"({_names(dated, sort=False)}). 보고서에는 □ {group.period}년 "
                            f"추진실적 아래에 실립니다. 반기별로 보이려면 {group.period}H1과 "
                            f"{group.period}H2로 나누어 기록하십시오.",
                            f"recorded for the whole year {group.period}, yet its items give "
                            f"months ({_names(dated, sort=False)}): reports print it under "
                            f"□ {group.period}년 추진실적; record them under {group.period}H1 "
                            f"and {group.period}H2 to show them by half-year",
                        ),
                    )
            _check_items(group.entries, group.period, f"{path}.entries", term, out)
    for period, report in sorted(pledge.reports.items()):
        path = f"$.reports.{period}"
        if period.is_year:
            out.error(
                path,
                tr(
                    f"보고는 반기마다 기록합니다. {period}H1이나 {period}H2로 쓰십시오.",
                    f"reports are kept per half-year: write {period}H1 or {period}H2",
                ),
            )
        elif not term.contains(period):
            out.error(path, _outside(period, term))
        if report.draft:
            out.warn(f"{path}.draft", _draft())
        if report.status is not None and report.status not in settings.statuses:
            canonical = form.statuses.get(blankless(report.status))
            if canonical:
                out.warn(
                    f"{path}.status",
                    tr(
                        f"추진상황을 statuses에 있는 그대로 쓰십시오: {quote(canonical)}",
                        f"write the status as listed: {quote(canonical)}",
                    ),
                )
            else:
                out.error(
                    f"{path}.status",
                    tr(
                        f"{quote(report.status)}: 추진상황이 아닙니다. 다음 중 하나를 쓰십시오: "
                        + _names(settings.statuses, sort=False),
                        f"{quote(report.status)} is not a status; use one of "
                        + _names(settings.statuses, sort=False),
                    ),
                )
        if report.budget is not None:
            if pledge.non_budget:
                out.error(
                    f"{path}.budget",
                    tr(
                        "비예산 공약(non_budget: true)에는 예산 표가 없습니다. budget을 빼거나 "
                        "non_budget을 지우십시오.",
                        "a 비예산 pledge (non_budget: true) has no budget tables",
                    ),
                )
            else:
                _check_budget(report.budget, form, f"{path}.budget", out)


def check_period_sections(
    records: RecordSet,
    period: Period,
    elsewhere: Collection[str] = (),
    fetch: Callable[[], Mapping[str, list[Problem]] | None] | None = None,
    used: dict[str, list[Problem]] | None = None,
) -> list[Problem]:
    """Warn about sections that print 'nothing recorded' in the report of ``period``.

    The warnings of the pledges whose files are named in ``elsewhere`` may
    come from ``fetch`` (a worker's or an earlier check's, for this same
    ``period``), called once every other pledge is done; a pledge it does not
    answer for is done here. ``used``, if given, receives each pledge's
    warnings by file name.
    """
    problems: list[Problem] = []
    if records.settings is None:
        return problems
    sections = _Sections(records.settings, period)
    mine = {
        f.path.name: sections.of(f.pledge, f.path)
        for f in records.files
        if f.path.name not in elsewhere
    }
    theirs = (fetch() if fetch is not None and elsewhere else None) or {}
    for f in records.files:
        file = f.path
        found = mine.get(file.name)
        if found is None:
            found = theirs.get(file.name)
        if found is None:
            found = sections.of(f.pledge, file)
        problems.extend(found)
        if used is not None:
            used[file.name] = found
    return problems


class _Sections:
    """The warnings of one report's sections, pledge by pledge."""

    def __init__(self, settings: ReportSettings, period: Period) -> None:
        self.settings, self.period = settings, period
        self.term = term = settings.term.to_term()
        self.windows = ReportWindows(period, term, settings.cutoff)

    def of(self, pledge: Pledge, file: Path) -> list[Problem]:
        problems: list[Problem] = []
        self._check(pledge, file, problems)
        return problems

    def _check(self, pledge: Pledge, file: Path, problems: list[Problem]) -> None:
        # Most pledges have nothing to warn about, and their coverage (which
        # sections are there, without building any row) shows it; the others are
        # worded from pledge_as_of, which gives the same answers.
        settings, period, term, windows = self.settings, self.period, self.term, self.windows
        seen = pledge_coverage(pledge, windows)
        status = seen.carried["status"]
        last = seen.adjustments[-1] if seen.adjustments else None
        if (
            status is not None
            and (seen.carried["contacts"] is not None or not settings.contact_roles)
            and (seen.has_cumulative or not windows.has_cumulative)
            and (seen.has_previous or not windows.has_previous)
            and seen.has_plan
            and (pledge.non_budget or seen.carried["budget"] is not None)
            and seen.carried["problems"] is not None
            and not seen.draft_sources
            and (last is None or last.kind not in settings.statuses or status.value == last.kind)
        ):
            return  # nothing missing, no draft, no adjustment at odds with the status
        out = _Sink(file.name, problems)
        asof = pledge_as_of(pledge, period, term, settings.cutoff)
        where = tr(f"$ ({period} 보고)", f"$ (report {period})")
        withdrawn = [a for a in asof.adjustments if a.kind in settings.withdrawn_kinds]
        missing = []
        if asof.status is None:
            missing.append(tr("추진상황", "status (추진상황)"))
        if asof.contacts is None and settings.contact_roles:
            missing.append(tr("담당", "contacts (담당)"))
        if asof.windows.has_cumulative and not asof.cumulative:
            missing.append("그동안 추진실적")
        if asof.windows.has_previous and not asof.previous:
            missing.append(f"{asof.windows.previous.in_words} 추진실적")
        if not asof.plan and not withdrawn:  # a 폐기 pledge prints no plan
            missing.append(f"{asof.windows.plan_period.in_words} 추진계획")
        if not pledge.non_budget and asof.budget is None:
            missing.append(tr("예산 표(투자계획/확보액)", "budget tables (투자계획/확보액)"))
        if asof.problems is None:
            missing.append("문제점 및 개선대책")
        if missing:
            out.warn(
                where,
                tr(
                    "기록된 것이 없습니다: " + ", ".join(missing),
                    "nothing recorded for " + ", ".join(missing),
                ),
            )
        for source in asof.draft_sources:
            out.warn(
                f"$.{source}",
                tr(
                    f"{period} 보고가 확인하지 않은 초안을 씁니다.",
                    f"the report of {period} uses an unconfirmed draft",
                ),
            )
        # An adjustment that is also a status (폐기, 보류 …) and the status should agree.
        last = asof.adjustments[-1] if asof.adjustments else None
        if (
            last is not None
            and last.kind in settings.statuses
            and asof.status is not None
            and asof.status.value != last.kind
        ):
            out.warn(
                f"$.reports.{asof.status.recorded}.status",
                tr(
                    f"공약이 조정되었는데({', '.join(x for x in (last.kind, last.date) if x)}) "
                    f"{period} 보고의 추진상황은 {quote(asof.status.value)}입니다. 추진상황을 "
                    f"{last.kind!r}(으)로 기록하십시오.",
                    f"the pledge was adjusted ({', '.join(x for x in (last.kind, last.date) if x)}) "
                    f"but the report of {period} prints the status {quote(asof.status.value)}; "
                    f"record the status {last.kind!r}",
                ),
            )


def latest_period(records: RecordSet) -> Period | None:
    """The newest half-year anything was recorded for: the report in progress."""
    found: list[Period] = []
    for f in records.files:
        if f.synopsis is None:
            latest = _latest([f.pledge], records.settings)
            if latest is not None:
                found.append(latest)
        elif f.synopsis.latest is not None:
            found.append(Period.parse(f.synopsis.latest))
    return max(found, default=None)


def _latest(pledges: Iterable[Pledge], settings: ReportSettings | None) -> Period | None:
    found: list[Period] = []
    # "6월말 기준": the report of P carries the plan for the half after P.
    shift = -1 if settings and settings.cutoff == "report-half" else 0
    for pledge in pledges:
        found.extend(p for p in pledge.reports if not p.is_year)
        found.extend(g.period.shift(shift) for g in pledge.plans if not g.period.is_year)
    return max(found) if found else None


def validate_records(
    records: RecordSet,
    checked: Mapping[str, list[Problem]] | None = None,
    used: dict[str, list[Problem]] | None = None,
) -> list[Problem]:
    """Every problem in ``records`` beyond those found while reading them.

    ``checked`` holds, by file name, what was found checking a pledge alone
    (:func:`_check_pledge`, in a worker or an earlier check) for the same
    settings; those pledges are not checked again. ``used``, if given,
    receives each pledge's problems of that check, by file name.
    """
    checked = checked or {}
    problems: list[Problem] = []
    if records.settings is not None:
        _check_settings(records.settings, _Sink("report.json", problems))
    seen: dict[str, list[str]] = defaultdict(list)
    form = _Form(records.settings) if records.settings is not None else None
    for f in records.files:
        file = f.path
        seen[f.id].append(file.name)
        found = checked.get(file.name)
        if found is None:
            found = []
            _check_pledge(f.pledge, file, form, _Sink(file.name, found))
        problems.extend(found)
        if used is not None:
            used[file.name] = found
    for f in records.files:
        for i, merged_into in f.merged_into():
            if merged_into not in seen:
                problems.append(
                    Problem(
                        f.path.name,
                        f"$.adjustments[{i}].merged_into",
                        tr(
                            f"{quote(merged_into)}: 이 기록에 없는 공약입니다. 통합된 공약의 "
                            "번호를 쓰십시오.",
                            f"{quote(merged_into)} is not a pledge of these records; "
                            "write the number of the pledge it was merged into",
                        ),
                        Severity.WARNING,
                    )
                )
    for pledge_id, files in seen.items():
        if len(files) > 1:
            for name in files:
                others = ", ".join(f for f in files if f != name)
                problems.append(
                    Problem(
                        name,
                        "$.id",
                        tr(
                            f"공약 번호 {pledge_id}: {others}도 같은 번호를 씁니다. 번호는 "
                            "공약마다 달라야 합니다.",
                            f"pledge id {pledge_id} is also used by {others}",
                        ),
                    )
                )
    return problems


def check(
    directory: Path,
    period: Period | None = None,
    workers: int | None = None,
    memo: Memo | None = None,
    unread: Mapping[str, str] | None = None,
) -> tuple[RecordSet, list[Problem]]:
    """Load and validate; raise :class:`RecordsInvalid` if any problem is an error.

    Returns the records and every warning (to print) when there are no errors.
    A large record set is validated on two cores (:class:`_Worker`) unless
    ``workers`` is 1. With a ``memo`` (:mod:`reportgen.formats.codecache`), a
    pledge file whose name and bytes an earlier check found plain, with the
    same report.json and code, is only parsed and typed: its problems of the
    rules are that check's (:class:`_Known`). The problems are the same, in
    the same order, either way.

    ``unread``: pledge files (by name, with their SHA-256) that the caller
    proved unchanged since the run that recorded them (the build, by stat:
    :class:`reportgen.workspace.output.InputsSeen`). With a memo that knows
    them, they are not even read (:class:`reportgen.records.load.Sources`).
    """
    worker: _Worker | None = None
    try:
        with bulk_allocation():
            reading = read_records(directory, unread if memo is not None else None)
            form = _Form(reading.settings) if reading.settings is not None else None
            known = _Known(memo, reading) if memo is not None and form is not None else None
            count = len(reading.files)
            hits = [known.get(i) if known else None for i in range(count)]
            misses = [i for i in range(count) if hits[i] is None]
            for i in misses:
                reading.data(i)  # read before any worker forks: both see these bytes
            split = count
            if len(misses) >= PARALLEL_FILES and can_fork(workers):
                tail = misses[len(misses) - round(len(misses) * WORKER_SHARE) :]
                worker = _Worker.start(reading, tail, form, period)
                if worker is not None:
                    split = tail[0]
            answers = worker.answers() if worker is not None else iter(())
            pledges: list[Pledge | Synopsis | None] = []
            checked: dict[str, list[Problem]] = {}
            proven: set[int] = set()  # plain files typed from a proof made elsewhere
            for i in range(count):
                hit = hits[i]
                found: list[Problem] | None = None
                if hit is not None:
                    # Typed only if something reads its model (RecordFile.pledge):
                    # the rules across pledges read the synopsis.
                    pledges.append(hit.synopsis)
                    checked[reading.files[i].path.name] = hit.rules
                    proven.add(i)
                    continue
                if i < split:
                    pledges.append(reading.pledge(i))
                    continue
                else:
                    index, found = next(answers)
                    assert index == i
                if found is None:  # not plain, or the worker failed: the full way here
                    pledges.append(reading.pledge(i))
                else:
                    pledges.append(reading.proven_pledge(i))
                    checked[reading.files[i].path.name] = found
                    proven.add(i)
            records = reading.records(pledges)
            promote_to_old()
        if period is not None and records.settings is not None:
            term = records.settings.term.to_term()
            if not term.contains(period):
                raise PeriodError(
                    tr(
                        f"{period}: {term.name}({term.span_label}) 밖의 반기입니다.",
                        f"{period} is outside the term {term.name} ({term.span_label})",
                    )
                )
        rules: dict[str, list[Problem]] = {}
        problems = list(records.problems) + validate_records(records, checked, rules)
        sections: dict[str, list[Problem]] = {}
        when = None
        if not any(p.severity is Severity.ERROR for p in problems):
            when = period or latest_period(records)
            if when is not None:
                given = known.sections(hits, when) if known is not None else {}
                theirs = None if worker is None else functools.partial(worker.sections, when)

                def fetch() -> Mapping[str, list[Problem]]:
                    return {**given, **((theirs() if theirs else None) or {})}

                problems += check_period_sections(records, when, checked, fetch, sections)
        if known is not None:
            known.save(
                _synopses(pledges, hits, proven | reading.plain, records.settings),
                rules,
                when,
                sections,
            )
    finally:
        if worker is not None:
            worker.close()
    if any(p.severity is Severity.ERROR for p in problems):
        raise RecordsInvalid(problems)
    return records, sorted(problems)


class Memo(Protocol):
    """Where results are kept between runs, by key; :mod:`reportgen.formats.codecache` is one.

    Only where this user alone can write: what it returns is trusted.
    """

    def key(self, kind: str, data: bytes, *options: str) -> str: ...

    def load(self, entry: str) -> Any | None: ...

    def store(self, entry: str, value: Any) -> None: ...


def _synopses(
    pledges: Sequence[Pledge | Synopsis | None],
    hits: Sequence[_Hit | None],
    plain: Iterable[int],
    settings: ReportSettings | None,
) -> dict[int, Synopsis]:
    """The synopsis of each plain file, by index: an earlier check's, or made from its pledge."""
    out = {}
    for i in plain:
        hit, pledge = hits[i], pledges[i]
        if hit is not None:
            out[i] = hit.synopsis
        elif isinstance(pledge, Pledge):
            out[i] = Synopsis.of(pledge, _latest([pledge], settings))
    return out


@dataclass(frozen=True)
class _Hit:
    """What an earlier check found for one plain pledge file with these very name and bytes."""

    rules: list[Problem]  # of _check_pledge
    period: str | None  # the report whose section warnings follow (None: none made)
    sections: list[Problem]
    synopsis: Synopsis  # what the rules across pledges read of it


class _Known:
    """What earlier checks found for the plain pledge files, kept in a :class:`Memo`.

    One entry per records directory, report.json's bytes, the interface's
    language and the code (the memo's key covers that): for each plain file,
    by its name and the SHA-256 of its bytes, the problems of the rules and
    the section warnings of the last report checked. Only files that were
    plain (nothing to report, nothing to clean, typed without a problem) are
    kept, so a hit only saves the proof and the rules: the file is still
    parsed and typed, and the checks across pledges (numbers used twice,
    merged_into) always run. A damaged entry is no entry.
    """

    def __init__(self, memo: Memo, reading: Reading) -> None:
        self.memo, self.reading = memo, reading
        settings = reading.sources.get(SETTINGS_FILE, b"")
        language = "en" if english() else "ko"
        self.entry = memo.key(_MEMO_KIND, settings, os.path.abspath(reading.directory), language)
        stored = memo.load(self.entry)
        self.before: dict[Any, Any] = stored if isinstance(stored, dict) else {}

    def _key(self, index: int) -> tuple[str, str] | None:
        file = self.reading.files[index]
        if isinstance(file.data, str):
            return None
        return (file.path.name, self.reading.digest(file.path.name))

    def get(self, index: int) -> _Hit | None:
        key = self._key(index)
        value = self.before.get(key) if key is not None else None
        if not (isinstance(value, tuple) and len(value) == 4):
            return None
        name = self.reading.files[index].path.name
        rules, sections = _decoded(name, value[0]), _decoded(name, value[2])
        synopsis = _synopsis(value[3])
        if (
            rules is None
            or sections is None
            or synopsis is None
            or not isinstance(value[1], (str, type(None)))
        ):
            return None
        return _Hit(rules, value[1], sections, synopsis)

    def sections(self, hits: Sequence[_Hit | None], period: Period) -> dict[str, list[Problem]]:
        """The section warnings of the hits that were made for the report of ``period``."""
        return {
            self.reading.files[i].path.name: hit.sections
            for i, hit in enumerate(hits)
            if hit is not None and hit.period == str(period)
        }

    def save(
        self,
        plain: Mapping[int, Synopsis],
        rules: Mapping[str, list[Problem]],
        period: Period | None,
        sections: Mapping[str, list[Problem]],
    ) -> None:
        """Keep what this check found for the ``plain`` files (the entry holds no others)."""
        after: dict[tuple[str, str], tuple[Any, str | None, Any, Any]] = {}
        for index, synopsis in plain.items():
            key = self._key(index)
            found = rules.get(self.reading.files[index].path.name)
            if key is None or found is None:
                continue
            warned = sections.get(key[0])
            when = str(period) if period is not None and warned is not None else None
            after[key] = (
                _encoded(found),
                when,
                _encoded(warned or []),
                (synopsis.id, synopsis.merged_into, synopsis.latest),
            )
        if after != self.before:
            self.memo.store(self.entry, after)


_MEMO_KIND = "checked-pledges"


def _encoded(problems: list[Problem]) -> tuple[tuple[str, str, str], ...]:
    return tuple((p.path, p.message, p.severity.value) for p in problems)


def _synopsis(raw: Any) -> Synopsis | None:
    """The :class:`Synopsis` kept as ``(id, ((index, id), …), latest or None)``; None if damaged."""
    if not (isinstance(raw, tuple) and len(raw) == 3 and isinstance(raw[0], str)):
        return None
    merged, latest = raw[1], raw[2]
    if not (
        isinstance(merged, tuple)
        and all(
            isinstance(m, tuple) and len(m) == 2 and isinstance(m[0], int) and isinstance(m[1], str)
            for m in merged
        )
    ):
        return None
    if latest is not None and not (isinstance(latest, str) and _is_period(latest)):
        return None
    return Synopsis(raw[0], merged, latest)


@functools.lru_cache(maxsize=64)
def _is_period(text: str) -> bool:
    """Whether ``text`` is a period as a synopsis keeps it (most pledges keep the same few)."""
    try:
        Period.parse(text)
    except PeriodError:
        return False
    return True


def _decoded(file: str, raw: Any) -> list[Problem] | None:
    if not isinstance(raw, tuple):
        return None
    out = []
    for item in raw:
        if not (
            isinstance(item, tuple)
            and len(item) == 3
            and all(isinstance(x, str) for x in item)
            and item[2] in (Severity.ERROR.value, Severity.WARNING.value)
        ):
            return None
        out.append(Problem(file, item[0], item[1], Severity(item[2])))
    return out


# From this many pledge files on (a province's cities, a benchmark), a worker
# pays: at 10,000 this process spends 30% less CPU (5.7 s -> 4.05 s, a fresh
# process) while the worker spends 3.9 s on the other core. Below, the saving is
# tens of milliseconds, and a busy machine (a build's other work, other users)
# would make the two processes wait for each other: a build of hundreds of
# pledges validates in one process.
PARALLEL_FILES = 1000
# The worker's share of the files, the last ones by name. It proves and checks
# each one (about 0.5 ms a pledge) while this process types the others the
# full way (the same) and then parses the worker's files again without the
# proof (about 0.2-0.3 ms): with 68% in the worker both end about together
# (measured at 10,000: 62% left this process 4.27 s of CPU and the worker 3.65 s;
# 68%, 4.02-4.07 s and 3.85-3.94 s).
WORKER_SHARE = 0.68
# Files a worker answers for in one message: this process takes them as they come.
CHUNK = 128


class _Worker:
    """A forked process that validates the last pledge files while this one types the first.

    It inherits the files' bytes (read before the fork, so both processes
    see the same bytes), and for each of its files answers, in order: None if
    the file is not plain (:meth:`Reading.plain_pledge`: this process then
    reads it the full way, with every problem), or the problems of
    :func:`_check_pledge`, so this process only parses and types it. Last it
    sends the section warnings of its pledges for the period it guessed (the
    one given, or the latest of its own pledges). Only these answers travel,
    pickled: a typed pledge costs more to receive than to make. If the worker
    fails, this process does the rest itself: the problems never depend on it.
    """

    def __init__(self, pid: int, pipe: IO[bytes], indices: Sequence[int]) -> None:
        self.pid, self.pipe, self.indices = pid, pipe, indices
        self.failed = False

    @classmethod
    def start(
        cls, reading: Reading, indices: Sequence[int], form: _Form | None, period: Period | None
    ) -> _Worker | None:
        started = fork_worker(functools.partial(_work, reading, indices, form, period))
        return None if started is None else cls(*started, indices)

    def _receive(self) -> Any:
        try:
            return pickle.load(self.pipe)
        except Exception:  # EOF, a message cut short: the worker died
            self.failed = True
            return None

    def answers(self) -> Iterator[tuple[int, list[Problem] | None]]:
        """``(index, problems or None)`` for each of the worker's files, in order."""
        done = 0
        while not self.failed and done < len(self.indices):
            message = self._receive()
            if not isinstance(message, list):
                self.failed = True
                break
            for index, found in message:
                if done >= len(self.indices) or index != self.indices[done]:
                    self.failed = True
                    break
                yield index, found
                done += 1
        for index in self.indices[done:]:
            yield index, None

    def sections(self, period: Period) -> Mapping[str, list[Problem]] | None:
        """The worker's section warnings by file name, if it made them for ``period``."""
        if self.failed:
            return None
        message = self._receive()
        if not isinstance(message, tuple) or message[0] != period:
            return None
        return message[1]  # type: ignore[no-any-return]

    def close(self) -> None:
        self.pipe.close()
        with contextlib.suppress(OSError):  # it has ended unless this process failed
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


def _work(
    reading: Reading,
    indices: Sequence[int],
    form: _Form | None,
    period: Period | None,
    out: IO[bytes],
) -> None:
    """The worker's part of :func:`check`: see :class:`_Worker`."""
    settings = reading.settings
    pledges: list[tuple[Pledge, Path]] = []
    error = False
    answers: list[tuple[int, list[Problem] | None]] = []
    for index in indices:
        pledge = reading.plain_pledge(index)
        found: list[Problem] | None = None
        if pledge is not None:
            file = reading.files[index].path
            found = []
            _check_pledge(pledge, file, form, _Sink(file.name, found))
            error = error or any(p.severity is Severity.ERROR for p in found)
            pledges.append((pledge, file))
        answers.append((index, found))
        if len(answers) == CHUNK or index == indices[-1]:
            pickle.dump(answers, out, pickle.HIGHEST_PROTOCOL)
            out.flush()
            answers = []
    # Wasted if any pledge has an error, or the latest period is another's.
    when = period or _latest((p for p, _ in pledges), settings)
    if settings is None or when is None or error:
        return
    sections = _Sections(settings, when)
    found_by_file = {file.name: sections.of(pledge, file) for pledge, file in pledges}
    pickle.dump((when, found_by_file), out, pickle.HIGHEST_PROTOCOL)
