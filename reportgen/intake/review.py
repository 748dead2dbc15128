"""Review and confirm a half-year (검토와 확정): ``reportgen status`` and ``reportgen confirm``.

The compiling office (총괄부서) sees, department by department, whether the
workbook came back (the returns log of :mod:`reportgen.intake.returns`), which
pledges still show untouched copies of the last report, and what validation
still finds; then it confirms what it has checked. A department is

- 미회신 (not returned): nothing imported for the period;
- 검토 대기 (awaiting review): imported, and some draft still feeds its pledges;
- 확정 (confirmed): every pledge of it has its report of the period and no draft.

``confirm`` removes the draft marks that feed the period's report of the
chosen pledges, and records in ``reports.<P>.confirmed`` when, by whom, and
which marks it removed, so that ``confirm --undo`` puts exactly those back.
Every file is written together or not at all.
"""

from __future__ import annotations

import copy
import datetime
import getpass
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ReportgenError
from ..i18n import tr
from ..records.asof import PledgeAsOf, department_of, pledge_as_of
from ..records.load import RecordSet
from ..records.model import Pledge
from ..records.periods import Period
from ..records.rawjson import (
    GROUP_KEYS,
    PLEDGE_KEYS,
    REPORT_KEYS,
    file_bytes,
    insert_key,
    parse,
    put_key,
)
from ..records.rollforward import write_all
from ..records.validate import check
from .returns import DepartmentReturn, load_returns

NOT_RETURNED = "미회신"
AWAITING = "검토 대기"
CONFIRMED = "확정"
#: States for scripts (``status --json``): stable ASCII beside the Korean label.
STATE_KEYS = {NOT_RETURNED: "not_returned", AWAITING: "awaiting_review", CONFIRMED: "confirmed"}

#: The sections of a department's sheet (intake_common.SECTIONS) as the office reads them.
SECTION_LABELS = {
    "status": "추진상황",
    "progress_rate": "추진율",
    "contacts": "담당",
    "participation": "시민참여",
    "indicators": "성과지표",
    "achieved": "추진실적",
    "plan": "추진계획",
    "problems": "문제점",
    "budget": "사업비",
}


class ConfirmError(ReportgenError):
    """확정할 수 없습니다: nothing to confirm, no terminal to ask, or nothing to undo."""


# ---------------------------------------------------------------------------
# Drafts feeding a report


def draft_marks(pledge: Pledge, period: Period, asof: PledgeAsOf) -> list[str]:
    """The draft marks that feed ``pledge``'s report of ``period``, as confirm names them.

    ``asof`` is the pledge as that report shows it (:func:`reportgen.records.asof.pledge_as_of`).
    ``reports.<Q>`` for a draft report whose sections this report shows (or the
    period's own report), ``achievements[i] (P)`` and ``plans[i] (P)`` for draft groups.
    """
    marks: list[str] = []
    own = pledge.reports.get(period)
    if own is not None and own.draft:
        marks.append(f"reports.{period}")
    for source in asof.draft_sources:
        # reports.2026H2.status -> reports.2026H2: the draft mark is the report's.
        mark = ".".join(source.split(".")[:2]) if source.startswith("reports.") else source
        if mark not in marks:
            marks.append(mark)
    return marks


#: A report's sections as the office reads them (PeriodReport's fields).
REPORT_LABELS = {
    "title": "공약명",
    "department": "소관부서",
    "status": "추진상황",
    "progress_rate": "추진율",
    "contacts": "담당",
    "participation": "시민참여",
    "problems": "문제점 및 개선대책",
    "budget": "사업비",
}


def describe_mark(pledge: Pledge, mark: str) -> str:
    """What a draft mark holds, in the form's words: ``2026H2 보고 (추진상황, 담당, 사업비)``."""
    if mark.startswith("reports."):
        key = mark.split(".", 1)[1]
        report = next((r for p, r in pledge.reports.items() if str(p) == key), None)
        held = [
            label
            for name, label in REPORT_LABELS.items()
            if report is not None and getattr(report, name) is not None
        ]
        shown = f" ({', '.join(held)})" if held else tr(" (비어 있음)", " (empty)")
        return tr(f"{key} 보고{shown}", f"report {key}{shown}")
    name, _, rest = mark.partition("[")
    period = rest.partition("]")[2].strip(" ()")
    if name == "achievements":
        return tr(f"{period} 추진실적", f"achievements {period}")
    if name == "plans":
        return tr(f"{period} 추진계획", f"plan for {period}")
    return mark


# ---------------------------------------------------------------------------
# status


@dataclass
class DepartmentStatus:
    """부서별 현황: one department's state for the period."""

    department: str
    pledges: list[str]
    drafts: dict[str, list[str]]  # pledge -> draft marks still feeding the report
    untouched: dict[str, list[str]]  # pledge -> sections still the copies the export offered
    problems: list[str]  # validation warnings on its pledges
    returned: DepartmentReturn | None = None
    unreported: list[str] = field(default_factory=list)  # pledges without reports.<P> yet

    @property
    def state(self) -> str:
        """확정 when every pledge has its report and no draft; else 검토 대기 once returned, or 미회신."""
        if not self.unreported and all(not self.drafts[p] for p in self.pledges):
            return CONFIRMED
        return AWAITING if self.returned is not None else NOT_RETURNED

    def line(self) -> str:
        parts = [
            f"{self.department}  {self.state}",
            tr(
                f"공약 {len(self.pledges)}개 ({', '.join(self.pledges)})",
                f"{len(self.pledges)} pledge(s) ({', '.join(self.pledges)})",
            ),
        ]
        if self.returned is not None:
            ret = self.returned
            if ret.returned_unchanged:
                parts.append(tr(f"회신 {ret.file}: 변경 없음", f"returned {ret.file}: unchanged"))
            else:
                parts.append(
                    tr(
                        f"회신 {ret.file}: 변경 {len(ret.changed)}개, 그대로 {len(ret.unchanged)}개",
                        f"returned {ret.file}: {len(ret.changed)} changed, "
                        f"{len(ret.unchanged)} unchanged",
                    )
                )
        if self.untouched:
            named = "; ".join(
                f"{p} {'·'.join(SECTION_LABELS.get(s, s) for s in sections)}"
                for p, sections in self.untouched.items()
            )
            parts.append(tr(f"옮겨 온 값 그대로: {named}", f"untouched copies: {named}"))
        count = sum(1 for marks in self.drafts.values() if marks)
        if count:
            parts.append(tr(f"초안 공약 {count}개", f"{count} pledge(s) with drafts"))
        if self.unreported:
            parts.append(
                tr(
                    f"보고 미작성 {', '.join(self.unreported)}",
                    f"no report yet: {', '.join(self.unreported)}",
                )
            )
        if self.problems:
            parts.append(
                tr(f"점검 문제 {len(self.problems)}건", f"{len(self.problems)} problem(s)")
            )
        return "  ".join(parts[:1]) + "  " + " · ".join(parts[1:])

    def to_dict(self) -> dict[str, Any]:
        ret = self.returned
        return {
            "department": self.department,
            "state": STATE_KEYS[self.state],
            "state_label": self.state,
            "pledges": self.pledges,
            "returned": None
            if ret is None
            else {
                "file": ret.file,
                "sha256": ret.sha256,
                "imported_at": ret.imported_at.isoformat(),
                "changed": ret.changed,
                "unchanged": ret.unchanged,
            },
            "untouched": self.untouched,
            "drafts": {p: marks for p, marks in self.drafts.items() if marks},
            "unreported": self.unreported,
            "problems": self.problems,
        }


@dataclass
class PeriodStatus:
    """반기 현황: every department of the period, and the totals."""

    period: Period
    departments: list[DepartmentStatus]

    def count(self, state: str) -> int:
        return sum(1 for d in self.departments if d.state == state)

    def summary(self) -> str:
        pledges = sum(len(d.pledges) for d in self.departments)
        done = sum(
            1
            for d in self.departments
            for p in d.pledges
            if not d.drafts.get(p) and p not in d.unreported
        )
        return tr(
            f"{self.period}: 부서 {len(self.departments)}곳 — 확정 {self.count(CONFIRMED)}, "
            f"검토 대기 {self.count(AWAITING)}, 미회신 {self.count(NOT_RETURNED)}; "
            f"공약 {pledges}개 중 확정된 공약 {done}개",
            f"{self.period}: {len(self.departments)} department(s) — "
            f"{self.count(CONFIRMED)} confirmed, {self.count(AWAITING)} awaiting review, "
            f"{self.count(NOT_RETURNED)} not returned; {done} of {pledges} pledge(s) "
            "confirmed",
        )

    def to_json(self) -> str:
        data = {
            "period": str(self.period),
            "departments": [d.to_dict() for d in self.departments],
            "summary": {
                "departments": len(self.departments),
                "confirmed": self.count(CONFIRMED),
                "awaiting_review": self.count(AWAITING),
                "not_returned": self.count(NOT_RETURNED),
                "pledges": sum(len(d.pledges) for d in self.departments),
            },
        }
        return json.dumps(data, ensure_ascii=False, indent=2)


def period_status(records_dir: Path, period: Period) -> PeriodStatus:
    """Each department's state for ``period`` from the records and the returns log."""
    records, warnings = check(records_dir, period)
    assert records.settings is not None
    term = records.settings.term.to_term()
    returns = load_returns(records_dir, period)
    by_file: dict[str, list[str]] = {}
    for problem in warnings:
        by_file.setdefault(problem.file, []).append(str(problem))
    departments: dict[str, DepartmentStatus] = {}
    for pledge, path in records.origins:
        asof = pledge_as_of(pledge, period, term, records.settings.cutoff)
        name = department_of(asof)
        dept = departments.get(name)
        if dept is None:
            dept = departments[name] = DepartmentStatus(name, [], {}, {}, [])
            dept.returned = returns.get(name)
        dept.pledges.append(pledge.id)
        dept.drafts[pledge.id] = draft_marks(pledge, period, asof)
        if period not in pledge.reports:
            dept.unreported.append(pledge.id)
        dept.problems.extend(
            p for p in by_file.get(path.name, []) if "draft" not in p and "초안" not in p
        )
        if dept.returned is not None and pledge.id in dept.returned.untouched:
            sections = dept.returned.untouched[pledge.id]
            if sections and dept.drafts[pledge.id]:
                dept.untouched[pledge.id] = list(sections)
    return PeriodStatus(period, sorted(departments.values(), key=lambda d: d.department))


# ---------------------------------------------------------------------------
# confirm


@dataclass
class Selection:
    """The pledges a confirm (or its undo) acts on, with what it will change."""

    period: Period
    records: RecordSet
    pledges: list[tuple[Pledge, Path, list[str]]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # nothing to do for these


def select(
    records_dir: Path, period: Period, dept: str | None, ids: Iterable[str], undo: bool = False
) -> Selection:
    """The pledges of ``dept`` (or the named ones, or all) with drafts to confirm (or undo)."""
    records, _warnings = check(records_dir, period)
    assert records.settings is not None
    term = records.settings.term.to_term()
    wanted = list(ids)
    known = {p.id for p in records.pledges}
    unknown = [i for i in wanted if i not in known]
    if unknown:
        raise ConfirmError(
            tr(
                f"{records_dir}에 없는 공약입니다: {', '.join(unknown)}",
                f"no such pledge in {records_dir}: {', '.join(unknown)}",
            )
        )
    departments = set()
    chosen = Selection(period, records)
    for pledge, path in records.origins:
        asof = pledge_as_of(pledge, period, term, records.settings.cutoff)
        name = department_of(asof)
        departments.add(name)
        if dept is not None and name != dept:
            continue
        if wanted and pledge.id not in wanted:
            continue
        if undo:
            own = pledge.reports.get(period)
            if own is None or own.confirmed is None:
                chosen.skipped.append(pledge.id)
                continue
            chosen.pledges.append((pledge, path, list(own.confirmed.removed)))
            continue
        marks = draft_marks(pledge, period, asof)
        if marks:
            chosen.pledges.append((pledge, path, marks))
        else:
            chosen.skipped.append(pledge.id)
    if dept is not None and dept not in departments:
        raise ConfirmError(
            tr(
                f"{period} 보고에 '{dept}' 부서가 없습니다 (부서: {', '.join(sorted(departments))})",
                f"no department '{dept}' in the report of {period} "
                f"(departments: {', '.join(sorted(departments))})",
            )
        )
    return chosen


def _mark_target(raw: dict[str, Any], mark: str) -> tuple[str, int | str] | None:
    """Where a mark lives in the raw JSON: ("reports", "2026H2"), ("achievements", 3)."""
    if mark.startswith("reports."):
        key = mark.split(".", 1)[1]
        return ("reports", key) if key in (raw.get("reports") or {}) else None
    name, _, rest = mark.partition("[")
    if name not in ("achievements", "plans"):
        return None
    index_text, _, period_text = rest.partition("]")
    groups = raw.get(name) or []
    index = int(index_text)
    want = period_text.strip(" ()")
    # The group may have moved since (a group inserted before it): find it by its period.
    if 0 <= index < len(groups) and groups[index].get("period") == want:
        return (name, index)
    for i, group in enumerate(groups):
        if group.get("period") == want:
            return (name, i)
    return None


def _set_draft(raw: dict[str, Any], mark: str, draft: bool) -> bool:
    target = _mark_target(raw, mark)
    if target is None:
        return False
    name, key = target
    if name == "reports":
        container: Any = raw["reports"]
        order = REPORT_KEYS
    else:
        container = raw[name]
        order = GROUP_KEYS
    obj = dict(container[key])
    if draft:
        obj = put_key(obj, "draft", True, order)
    else:
        obj.pop("draft", None)
    container[key] = obj
    return True


def confirmed_raw(
    raw: dict[str, Any], period: Period, marks: list[str], by: str, at: str
) -> dict[str, Any]:
    """``raw`` without the draft marks, with ``reports.<P>.confirmed`` saying who and when."""
    out = copy.deepcopy(raw)
    removed = [m for m in marks if _set_draft(out, m, False)]
    reports = out.get("reports")
    if reports is None:
        out = insert_key(out, "reports", {}, PLEDGE_KEYS)
        reports = out["reports"]
    own = dict(reports.get(str(period)) or {})
    record = {"at": at, "by": by, "removed": removed}
    own = put_key(own, "confirmed", record, REPORT_KEYS)
    reports[str(period)] = own
    return out


def undone_raw(raw: dict[str, Any], period: Period) -> dict[str, Any]:
    """``raw`` with the marks its confirmation of ``period`` removed put back, and no record of it."""
    out = copy.deepcopy(raw)
    own = dict(out["reports"][str(period)])
    record = own.pop("confirmed", None) or {}
    out["reports"][str(period)] = own
    for mark in record.get("removed", []):
        _set_draft(out, mark, True)
    if not out["reports"][str(period)]:
        # The confirmation made this report only to hold its record: it goes with it.
        del out["reports"][str(period)]
        if not out["reports"]:
            del out["reports"]
    return out


def default_user() -> str:
    """Who confirms, when --by is not given: the OS user."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no user name in a container
        return os.environ.get("USER") or "unknown"


def now() -> str:
    """The local time to the second, with its offset (2027-01-20T14:05:00+09:00)."""
    return datetime.datetime.now(datetime.UTC).astimezone().isoformat(timespec="seconds")


def _rewrite(
    chosen: Selection, change: Callable[[dict[str, Any], list[str]], dict[str, Any]]
) -> list[Path]:
    """Each chosen pledge's file as ``change(raw, marks)`` makes it, all written or none."""
    files = []
    for _pledge, path, marks in chosen.pledges:
        old = chosen.records.sources[path.name]
        new_raw = change(parse(old), marks)
        Pledge.model_validate(new_raw)  # what is written must load
        files.append((path, old, file_bytes(new_raw)))
    write_all(files)
    return [path for path, _, _ in files]


def write_confirmation(chosen: Selection, by: str, at: str | None = None) -> list[Path]:
    """Remove the drafts of the chosen pledges and record the confirmation, all or nothing."""
    when = at or now()
    return _rewrite(chosen, lambda raw, marks: confirmed_raw(raw, chosen.period, marks, by, when))


def write_undo(chosen: Selection) -> list[Path]:
    """Take the confirmations of the chosen pledges back, all or nothing."""
    return _rewrite(chosen, lambda raw, _marks: undone_raw(raw, chosen.period))
