"""Stage 2: the rules beyond the schema, applied to typed records.

Each rule adds :class:`~reportgen.errors.Problem` values (file, JSON path,
what is wrong, what would be right); nothing raises until every rule has run.
Errors stop a build; warnings are printed and the build goes on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

from .asof import pledge_as_of
from .budget import printed_total_drift
from .errors import PeriodError, Problem, RecordsInvalid, Severity, quote
from .load import RecordSet, load_records
from .model import (
    Budget,
    Item,
    PlannedSubproject,
    Pledge,
    ReportSettings,
    SecuredAmount,
    SecuredSubproject,
)
from .periods import Period, Term, ascii_digits
from .text import blankless


class _Sink:
    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file, self.problems = file, problems

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message, Severity.ERROR))

    def warn(self, path: str, message: str) -> None:
        self.problems.append(Problem(self.file, path, message, Severity.WARNING))


def _check_settings(settings: ReportSettings, out: _Sink) -> None:
    for i, status in enumerate(settings.done_statuses):
        if status not in settings.statuses:
            out.error(f"$.done_statuses[{i}]", f"{quote(status)} is not in 'statuses'")
    if len(set(settings.statuses)) != len(settings.statuses):
        out.error("$.statuses", "a status is listed twice")
    if len(set(settings.funding_sources)) != len(settings.funding_sources):
        out.error("$.funding_sources", "a funding source is listed twice")
    for i, source in enumerate(settings.funding_sources):
        if source in ("계", "소계"):
            out.error(f"$.funding_sources[{i}]", f"{quote(source)} is a total row, not a source")
    years = settings.term.end.year - settings.term.start.year + 1
    if years != 5:
        # The DOCX template has one column per year of a standard 4-year term
        # that starts in July (민선 terms do): '18.7. '19 '20 '21 '22.6.
        out.error(
            "$.term",
            f"the term spans {years} calendar years; a 민선 term spans 5 (e.g. 2018H2-2022H1)",
        )


def _check_items(
    items: Iterable[Item], group_period: Period, path: str, term: Term, out: _Sink
) -> None:
    previous_text = None
    for i, item in enumerate(items):
        here = f"{path}[{i}]"
        if item.period is not None:
            if item.period < group_period:
                out.error(
                    f"{here}.period",
                    f"{item.period} is earlier than its group's period {group_period}; "
                    "date the group by its earliest item",
                )
            if not term.contains(item.period):
                out.error(
                    f"{here}.period", f"{item.period} is outside the term ({term.span_label})"
                )
        if item.text == previous_text:
            out.warn(f"{here}.text", "the same text as the item before it (typed twice?)")
        previous_text = item.text
        _check_items(item.children, item.period or group_period, f"{here}.children", term, out)


def _not_a_column(key: str, keys: list[str], use: str) -> str:
    """``'2030' is not a column; use …``, or the fix when ``２０１９`` means 2019."""
    fixed = ascii_digits(key) if not key.isascii() else key
    if fixed != key and fixed in keys:
        return f"{quote(key)} is not a column: write ASCII digits: {fixed!r}"
    return f"{quote(key)} is not a column{use}"


def _names(names: Iterable[str], *, sort: bool = True, most: int = 10) -> str:
    """Names for a message: each one cut short, at most ``most`` of them."""
    shown = sorted(names) if sort else list(names)
    out = ", ".join(quote(n) if len(n) > 40 else n for n in shown[:most])
    return out + (f" and {len(shown) - most} more" if len(shown) > most else "")


def _check_budget(
    budget: Budget, term: Term, sources: Sequence[str], path: str, out: _Sink
) -> None:
    columns = term.fiscal_columns
    keys = [c.key for c in columns]
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
                    f"{path}.{tname}[{i}].name", f"sub-project {quote(sub.name)} appears twice"
                )
            printed = sub.printed_totals.keys()
            for key in (*sub.sources.keys(), *printed):
                if key not in sources:
                    bad_columns = True
                    where = "sources" if key in sub.sources else "printed_totals"
                    out.error(
                        f"{path}.{tname}[{i}].{where}.{key}",
                        f"{quote(key)} is not a funding source of this report; write "
                        + ", ".join(sources)
                        + " (report.json's funding_sources)",
                    )
            for source, cols in sub.sources.items():
                for key, value in cols.items():
                    where = f"{path}.{tname}[{i}].sources.{source}.{key}"
                    if key not in keys:
                        bad_columns = True
                        out.error(
                            where,
                            _not_a_column(key, keys, f" of {term.name}; use one of {allowed}"),
                        )
                    if isinstance(value, SecuredAmount):
                        if value.executed is not None and value.executed > value.secured:
                            out.error(
                                where,
                                f"executed {value.executed:,} exceeds secured {value.secured:,}; "
                                "집행액 cannot exceed 확보액",
                            )
    plan_names = {s.name for s in budget.plan}
    for i, sub in enumerate(budget.secured):
        if plan_names and sub.name not in plan_names:
            out.warn(
                f"{path}.secured[{i}].name",
                f"{quote(sub.name)} is not a sub-project of the plan ({_names(plan_names)})",
            )
    for key in budget.printed_grand_total:
        if key != "계" and key not in keys:
            out.error(
                f"{path}.printed_grand_total.{key}",
                _not_a_column(key, keys, f"; use 계 or {allowed}"),
            )
    if not bad_columns:
        for where, message in printed_total_drift(budget, columns, sources):
            out.warn(
                f"{path}.{where}",
                message + " (legacy figures drift; the report prints the computed total)",
            )


def _check_pledge(pledge: Pledge, file: Path, settings: ReportSettings | None, out: _Sink) -> None:
    if file.name != f"{pledge.id}.json":
        out.error("$.id", f"the file of pledge {pledge.id} must be named {pledge.id}.json")
    if settings is None:
        return
    term = settings.term.to_term()
    statuses = {blankless(s): s for s in settings.statuses}
    for kind, groups in (("achievements", pledge.achievements), ("plans", pledge.plans)):
        for i, group in enumerate(groups):
            path = f"$.{kind}[{i}]"
            if not term.contains(group.period):
                out.error(
                    f"{path}.period", f"{group.period} is outside the term ({term.span_label})"
                )
            if kind == "plans" and group.period.is_year:
                out.error(
                    f"{path}.period",
                    f"a plan is for a half-year: write {group.period}H1 or {group.period}H2",
                )
            if group.draft:
                out.warn(f"{path}.draft", 'unconfirmed draft: check it, then remove "draft"')
            _check_items(group.entries, group.period, f"{path}.entries", term, out)
    for period, report in sorted(pledge.reports.items()):
        path = f"$.reports.{period}"
        if period.is_year:
            out.error(path, f"reports are kept per half-year: write {period}H1 or {period}H2")
        elif not term.contains(period):
            out.error(path, f"{period} is outside the term ({term.span_label})")
        if report.draft:
            out.warn(f"{path}.draft", 'unconfirmed draft: check it, then remove "draft"')
        if report.status is not None and report.status not in settings.statuses:
            canonical = statuses.get(blankless(report.status))
            if canonical:
                out.warn(f"{path}.status", f"write the status as listed: {quote(canonical)}")
            else:
                out.error(
                    f"{path}.status",
                    f"{quote(report.status)} is not a status; use one of "
                    + _names(settings.statuses, sort=False),
                )
        if report.budget is not None:
            if pledge.non_budget:
                out.error(
                    f"{path}.budget", "a 비예산 pledge (non_budget: true) has no budget tables"
                )
            else:
                sources = settings.funding_sources
                _check_budget(report.budget, term, sources, f"{path}.budget", out)


def check_period_sections(records: RecordSet, period: Period) -> list[Problem]:
    """Warn about sections that print 'nothing recorded' in the report of ``period``."""
    problems: list[Problem] = []
    if records.settings is None:
        return problems
    term = records.settings.term.to_term()
    for pledge, file in records.origins:
        out = _Sink(file.name, problems)
        asof = pledge_as_of(pledge, period, term)
        where = f"$ (report {period})"
        missing = []
        if asof.status is None:
            missing.append("status (추진상황)")
        if asof.contacts is None:
            missing.append("contacts (담당)")
        if asof.windows.has_cumulative and not asof.cumulative:
            missing.append("그동안 추진실적")
        if asof.windows.has_previous and not asof.previous:
            missing.append(f"{asof.windows.previous.in_words} 추진실적")
        if not asof.plan:
            missing.append(f"{period.in_words} 추진계획")
        if not pledge.non_budget and asof.budget is None:
            missing.append("budget tables (투자계획/확보액)")
        if asof.problems is None:
            missing.append("문제점 및 개선대책")
        if missing:
            out.warn(where, "nothing recorded for " + ", ".join(missing))
        for source in asof.draft_sources:
            out.warn(f"$.{source}", f"the report of {period} uses an unconfirmed draft")
    return problems


def latest_period(records: RecordSet) -> Period | None:
    """The newest half-year anything was recorded for: the report in progress."""
    found: list[Period] = []
    for pledge in records.pledges:
        found.extend(p for p in pledge.reports if not p.is_year)
        found.extend(g.period for g in pledge.plans if not g.period.is_year)
    return max(found) if found else None


def validate_records(records: RecordSet) -> list[Problem]:
    """Every problem in ``records`` beyond those found while reading them."""
    problems: list[Problem] = []
    if records.settings is not None:
        _check_settings(records.settings, _Sink("report.json", problems))
    seen: dict[str, list[str]] = defaultdict(list)
    for pledge, file in records.origins:
        seen[pledge.id].append(file.name)
        _check_pledge(pledge, file, records.settings, _Sink(file.name, problems))
    for pledge_id, files in seen.items():
        if len(files) > 1:
            for name in files:
                others = ", ".join(f for f in files if f != name)
                problems.append(
                    Problem(name, "$.id", f"pledge id {pledge_id} is also used by {others}")
                )
    return problems


def check(directory: Path, period: Period | None = None) -> tuple[RecordSet, list[Problem]]:
    """Load and validate; raise :class:`RecordsInvalid` if any problem is an error.

    Returns the records and every warning (to print) when there are no errors.
    """
    records = load_records(directory)
    if period is not None and records.settings is not None:
        term = records.settings.term.to_term()
        if not term.contains(period):
            raise PeriodError(f"{period} is outside the term {term.name} ({term.span_label})")
    problems = list(records.problems) + validate_records(records)
    if not any(p.severity is Severity.ERROR for p in problems):
        when = period or latest_period(records)
        if when is not None:
            problems += check_period_sections(records, when)
    if any(p.severity is Severity.ERROR for p in problems):
        raise RecordsInvalid(problems)
    return records, sorted(problems)
