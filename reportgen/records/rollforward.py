"""``new-period``: prepare the records for the next half-year, as drafts, never overwriting.

For the report of half-year P, each pledge gets

- ``reports[P]``, marked ``"draft": true``, holding every revisable section
  (status, contacts, participation, problems, budget) carried forward from the
  latest report at or before P-1 that recorded it (the as-of rule of
  :mod:`reportgen.records.asof`), each section from its own latest report;
- a draft of what was achieved in P-1 (the row "P-1 추진실적" of P's report):
  a new ``achievements`` group ``{"period": "P-1", "draft": true, "entries": …}``
  holding a copy of the plan recorded for P-1, offered only when no achievement
  group for P-1 exists yet (a year group for P-1's year counts, since it fills
  the same row);
- no plan for P: staff write it, and the result lists it as a to-do.

Why participation and problems are carried too: the report of P would show them
anyway (a section a report leaves out carries forward from an earlier one), but
silently, as if confirmed. Copied into the draft report they print the same and
count as *unconfirmed*: ``validate`` warns about them and ``build --strict``
refuses them until a person has checked the counts (시민참여 실적) and the
문제점 및 개선대책 and removed ``"draft"``. Nothing is carried without that flag.

Never overwriting: a pledge that already has ``reports[P]`` is skipped whole
("skipped: already recorded"). ``reports[P]`` is the mark that a pledge has
been opened for P (by this command or by hand), so a re-run changes nothing and
does not bring back a draft group a person deleted on purpose (e.g. when
nothing was achieved). Existing groups and items are never modified; only new
keys and new groups are inserted, at their place in period order.

Which P is accepted: a half-year inside the term and not earlier than the
newest period recorded anywhere (:func:`reportgen.records.validate.latest_period`);
normally the half-year right after it. P *equal* to the newest recorded period
is accepted on purpose: that is a re-run (the first run itself records
``reports[P]``), and it fills in only pledges not yet opened for P, e.g. a
pledge file added later. A P that skips half-years is accepted with a note.

Term boundary: a 민선 term's last report is its end half-year (민선7기:
2022H1). The half-year after it belongs to the next term (민선8기 from 2022H2):
a new mayor, new pledges, a new numbering and new budget columns. Nothing of
one term's records carries into the next, so ``new-period`` refuses any P after
the term's end and says so: a new term is a **new records directory** with its
own ``report.json`` (the new term) and new pledge files; this directory stays
as the record of the old term.

Files are rewritten only where something is added, as UTF-8 (no BOM), two-space
indented JSON with the file's own key order, numbers as written (amounts are
parsed as :class:`~decimal.Decimal` and written back as the same numerals). All
new contents are written to temporary files in the records directory first;
only when every one is written (and no record changed on disk meanwhile) are
they renamed over the records. If anything fails, the temporary files are
removed and the records are left as they were.
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import os
import re
import stat
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import OutputError, PeriodError, ReportgenError
from ..i18n import os_reason, tr
from ..josa import attach
from .asof import SECTIONS, pledge_as_of
from .model import Pledge
from .periods import Period, ReportWindows, Term
from .rawjson import PLEDGE_KEYS, file_bytes, insert_key, parse
from .text import clean_text, clean_tree
from .validate import check, latest_period

# ---------------------------------------------------------------------------
# The result


@dataclass
class PledgeRollForward:
    """What ``new-period`` did for one pledge."""

    pledge_id: str
    file: Path
    skipped: bool = False  # reports[P] already existed: nothing was touched
    report_drafted: bool = False
    carried: dict[str, Period] = field(default_factory=dict)  # section -> report it came from
    carried_from_draft: list[str] = field(default_factory=list)  # sections whose source is a draft
    achievements_drafted: int = 0  # top-level items copied from the plan of P-1
    achieved: Period | None = None  # the half whose achievements were drafted (P-1, or P)
    achievements_note: str = ""
    todo: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return self.report_drafted or self.achievements_drafted > 0

    def describe(self, period: Period) -> list[str]:
        head = f"{self.file.name} ({self.pledge_id}): "
        if self.skipped:
            return [
                head
                + tr(
                    f"건너뜀: 이미 기록되어 있습니다(reports.{period}이 있음)",
                    f"skipped: already recorded (reports.{period} exists)",
                )
            ]
        done = []
        if self.report_drafted:
            if self.carried:
                by_source: dict[Period, list[str]] = {}
                for name, source in self.carried.items():
                    by_source.setdefault(source, []).append(name)
                parts = "; ".join(
                    tr(f"{source}에서 {', '.join(names)}", f"{', '.join(names)} from {source}")
                    for source, names in sorted(by_source.items())
                )
                done.append(
                    tr(
                        f"reports.{period} 초안 작성({parts})",
                        f"drafted reports.{period} ({parts})",
                    )
                )
            else:
                done.append(
                    tr(
                        f"reports.{period} 초안 작성(비어 있음: 가져올 이전 보고가 없음)",
                        f"drafted reports.{period} (empty: no earlier report to carry from)",
                    )
                )
            if self.carried_from_draft:
                done.append(
                    tr(
                        "참고: "
                        + ", ".join(self.carried_from_draft)
                        + "은(는) 확인하지 않은 초안에서 가져왔습니다",
                        "note: "
                        + ", ".join(self.carried_from_draft)
                        + " came from an unconfirmed draft",
                    )
                )
        if self.achievements_drafted:
            when = self.achieved or period.previous
            done.append(
                tr(
                    f"{when} 계획에서 {when} 추진실적 초안 작성(항목 {self.achievements_drafted}개)",
                    f"drafted achievements {when} from the plan for {when} "
                    f"({self.achievements_drafted} item(s))",
                )
            )
        elif self.achievements_note:
            done.append(self.achievements_note)
        lines = [head + "; ".join(done)]
        lines += [tr(f"    할 일: {item}", f"    to do: {item}") for item in self.todo]
        return lines


@dataclass
class RollForwardResult:
    """Per-pledge actions of one ``new-period`` run, and the files it rewrote."""

    period: Period
    term: Term
    pledges: list[PledgeRollForward]
    written: list[Path]
    notes: list[str] = field(default_factory=list)

    @property
    def drafted(self) -> list[PledgeRollForward]:
        return [p for p in self.pledges if p.changed]

    @property
    def skipped(self) -> list[PledgeRollForward]:
        return [p for p in self.pledges if p.skipped]

    def lines(self) -> list[str]:
        out = [f"new-period {self.period} ({self.term.name}, {self.period.in_words}):"]
        out += [f"  {note}" for note in self.notes]
        for pledge in self.pledges:
            out += [f"  {line}" for line in pledge.describe(self.period)]
        if self.drafted:
            out.append(
                tr(
                    '초안에는 "draft": true 표시가 붙습니다. 사람이 확인하고 확정할 때까지 '
                    "reportgen validate가 초안마다 경고하고 reportgen build --strict와 "
                    "publish는 만들지 않습니다(확정: reportgen confirm).",
                    'Drafts are marked "draft": true. `reportgen validate` warns about each one '
                    "and `reportgen build --strict` refuses them until a person has checked it "
                    "and confirmed it (reportgen confirm).",
                )
            )
        out.append(
            tr(
                f"파일 {len(self.written)}개를 썼고, 이미 기록된 공약 {len(self.skipped)}개는 "
                "건너뛰었습니다.",
                f"{len(self.written)} file(s) written, {len(self.skipped)} pledge(s) skipped "
                "(already recorded).",
            )
        )
        return out


# ---------------------------------------------------------------------------
# Which period may be opened


def _next_term_name(term: Term) -> str:
    m = re.search(r"([0-9]+)([^0-9]*)$", term.name)
    if not m:
        return tr("다음 임기", "the next term")
    return term.name[: m.start(1)] + str(int(m.group(1)) + 1) + m.group(2)


def _refuse_year(period: Period) -> None:
    if period.is_year:
        raise PeriodError(
            tr(
                f"{period}: 연도입니다. 보고는 {period}H1이나 {period}H2처럼 반기마다 합니다.",
                f"{period} is a year; a report is for a half-year such as {period}H1 or {period}H2",
            )
        )


def _refuse_period(period: Period, term: Term, latest: Period | None, directory: Path) -> None:
    _refuse_year(period)
    if period > term.end:
        nxt = term.end.next
        raise PeriodError(
            tr(
                f"{period}: {attach(f'{term.name}({term.span_label})', '이')} 끝난 뒤입니다. 이 임기의 마지막 "
                f"보고는 {term.end}입니다. {nxt}부터는 새 임기({_next_term_name(term)})로, 단체장과 "
                "공약과 번호가 새로 정해집니다. 임기를 넘어 가져가는 것은 없습니다: 새 기록 "
                f"폴더를 시작하십시오(reportgen init 새폴더 --start {nxt} --pledges 공약목록.xlsx, "
                f'또는 report.json의 임기 "{nxt}"~"{nxt.shift(7)}"). {directory} 폴더는 '
                f"{term.name}의 기록으로 그대로 남습니다.",
                f"{period} is after the end of {term.name} ({term.span_label}); its last report "
                f"is {term.end}. From {nxt} the city has a new term ({_next_term_name(term)}): a "
                "new mayor, new pledges, a new numbering. Nothing carries across a term: start a "
                "new records directory with its own report.json (the new term, start "
                f'"{nxt}", end "{nxt.shift(7)}") and new pledge files; the directory {directory} '
                f"stays as the record of {term.name}.",
            )
        )
    if period < term.start:
        raise PeriodError(
            tr(
                f"{period}: {attach(f'{term.name}({term.span_label})', '이')} 시작하기 전입니다. 첫 보고는 "
                f"{term.start}입니다.",
                f"{period} is before the start of {term.name} ({term.span_label}); its first "
                f"report is {term.start}",
            )
        )
    if latest is not None and period < latest:
        following = latest.next
        hint = (
            tr(f"다음 보고는 {following}입니다", f"the next report is {following}")
            if term.contains(following)
            else tr(
                f"{latest}이(가) {term.name}의 마지막 보고입니다. 새 임기에는 새 기록 폴더가 "
                "필요합니다",
                f"{latest} is the last report of {term.name}; a new term needs a new records "
                "directory",
            )
        )
        raise PeriodError(
            tr(
                f"{period}: {directory}에 기록된 가장 최근 반기 {latest}보다 앞섭니다. "
                f"new-period는 그다음 보고만 엽니다({hint}).",
                f"{period} is earlier than {latest}, the newest period recorded in {directory}: "
                f"new-period only opens the report after it ({hint})",
            )
        )


# ---------------------------------------------------------------------------
# JSON in, JSON out


def _noop(_where: str, _message: str) -> None:
    pass


def _period_key(key: str) -> Period:
    return Period.parse(clean_text(key, "", _noop))


# ---------------------------------------------------------------------------
# One pledge


def without_printed_totals(budget: Any) -> Any:
    """A raw budget without the totals an old filed page printed (they belong to that page only)."""
    if not isinstance(budget, dict):
        return budget
    out = {k: v for k, v in budget.items() if k != "printed_grand_total"}
    for table in ("plan", "secured"):
        if isinstance(out.get(table), list):
            out[table] = [
                {k: v for k, v in sub.items() if k != "printed_totals"}
                if isinstance(sub, dict)
                else sub
                for sub in out[table]
            ]
    return out


def _plan_entries(pledge: Pledge, raw: dict[str, Any], period: Period) -> list[Any]:
    entries: list[Any] = []
    raw_plans = raw.get("plans") or []
    for index, group in enumerate(pledge.plans):
        if group.period == period:
            entries.extend(raw_plans[index]["entries"])
    # A copy, cleaned as load cleans it: a new draft should not repeat paste damage.
    return clean_tree(copy.deepcopy(entries), _noop, _noop)


def _roll_pledge(
    pledge: Pledge, raw: dict[str, Any], file: Path, period: Period, term: Term, cutoff: str
) -> tuple[PledgeRollForward, dict[str, Any] | None]:
    """Decide what one pledge needs; return the action and the new raw JSON (None: unchanged)."""
    action = PledgeRollForward(pledge.id, file)
    if period in pledge.reports:
        action.skipped = True
        return action, None

    previous = period.previous
    windows = ReportWindows(period, term, cutoff)
    achieved = windows.achieved
    action.achieved = achieved
    raw_reports: dict[str, Any] = raw.get("reports") or {}
    raw_key = {_period_key(k): k for k in raw_reports}

    # reports[P]: every section from the latest report <= P-1 that has it (asof's carry).
    asof = pledge_as_of(pledge, previous, term)
    report: dict[str, Any] = {"draft": True}
    for name in SECTIONS:
        carried = getattr(asof, name)
        if carried is None:
            continue
        source = raw_reports[raw_key[carried.recorded]][name]
        if name == "budget":
            source = without_printed_totals(source)
        report[name] = clean_tree(copy.deepcopy(source), _noop, _noop)
        action.carried[name] = carried.recorded
        if carried.draft:
            action.carried_from_draft.append(f"reports.{carried.recorded}.{name}")
    action.report_drafted = True

    new_reports: dict[str, Any] = {}
    placed = False
    for key, value in raw_reports.items():
        if not placed and _period_key(key) > period:
            new_reports[str(period)] = report
            placed = True
        new_reports[key] = value
    if not placed:
        new_reports[str(period)] = report
    new_raw = dict(raw)
    if "reports" in new_raw:
        new_raw["reports"] = new_reports
    else:
        new_raw = insert_key(new_raw, "reports", new_reports, PLEDGE_KEYS)

    # The achievements the report shows for its own row (P-1, or P itself "6월말 기준"), offered from the plan for it.
    existing = [g for g in pledge.achievements if g.period.ordinal == achieved.ordinal]
    has_plan = any(g.period == achieved for g in pledge.plans)
    if existing:
        action.achievements_note = tr(
            f"{achieved} 추진실적: 이미 기록되어 그대로 둡니다",
            f"achievements {achieved}: already recorded, left as they are",
        )
    elif not has_plan:
        if term.contains(achieved):
            action.achievements_note = tr(
                f"{achieved} 추진실적: 초안으로 옮길 {achieved} 계획이 없습니다",
                f"achievements {achieved}: no plan for {achieved} to draft from",
            )
            action.todo.append(
                tr(f"{achieved} 추진실적 쓰기", f"write the achievements of {achieved} (추진실적)")
            )
    else:
        entries = _plan_entries(pledge, raw, achieved)
        group = {"period": str(achieved), "draft": True, "entries": entries}
        groups = list(raw.get("achievements") or [])
        at = next(
            (i for i, g in enumerate(pledge.achievements) if g.period > achieved), len(groups)
        )
        groups.insert(at, group)
        if "achievements" in new_raw:
            new_raw["achievements"] = groups
        else:
            new_raw = insert_key(new_raw, "achievements", groups, PLEDGE_KEYS)
        action.achievements_drafted = len(entries)
        action.todo.append(
            tr(
                f"{achieved} 추진실적 초안(계획을 옮긴 것)을 실제 한 일과 맞춰 보고 확정하기",
                f"check the drafted achievements of {achieved} against what was done "
                '(a copy of the plan), then confirm them (remove "draft")',
            )
        )

    if action.carried:
        action.todo.append(
            tr(
                f"reports.{period}({', '.join(action.carried)})을(를) 확인하고 확정하기",
                f"check reports.{period} ({', '.join(action.carried)}), then confirm it "
                '(remove "draft")',
            )
        )
    else:
        action.todo.append(
            tr(
                f"reports.{period}(추진상황, 담당 …) 쓰기: 가져올 이전 보고가 없습니다",
                f"write reports.{period} (status, contacts, …): nothing earlier to carry forward",
            )
        )
    if not any(g.period == windows.plan_period for g in pledge.plans):
        action.todo.append(
            tr(
                f"{windows.plan_period} 추진계획(plans) 쓰기",
                f"write the plan for {windows.plan_period} (plans, 추진계획)",
            )
        )
    return action, new_raw


# ---------------------------------------------------------------------------
# Writing all files or none


TEMP_PREFIX = ".reportgen-tmp-"


def _write_temp(target: Path, data: bytes, locks: list[int]) -> Path:
    """Write ``data`` to a new temporary file beside ``target``, with ``target``'s mode.

    The temporary file stays locked (its fd in ``locks``) until new-period
    ends, so a later run can tell a dead run's leftover from a live one's.
    """
    fd, name = tempfile.mkstemp(
        dir=target.parent, prefix=f"{TEMP_PREFIX}{target.name}.", suffix=".tmp"
    )
    temp = Path(name)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        locks.append(os.dup(fd))
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            if target.exists():
                os.chmod(temp, stat.S_IMODE(target.stat().st_mode))
            else:  # a new file is as readable as its folder (mkstemp makes it owner-only)
                os.chmod(temp, stat.S_IMODE(target.parent.stat().st_mode) & 0o666)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def remove_leftovers(directory: Path) -> None:
    """Remove temporary files a killed new-period left in ``directory`` (unlocked ones only)."""
    for leftover in directory.glob(f"{TEMP_PREFIX}*.tmp"):
        try:
            fd = os.open(leftover, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if stat.S_ISREG(os.fstat(fd).st_mode):
                leftover.unlink(missing_ok=True)
        except OSError:
            pass  # a run still writing it
        finally:
            os.close(fd)


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(OSError):
            path.unlink(missing_ok=True)


def write_all(files: Sequence[tuple[Path, bytes | None, bytes]]) -> None:
    """Replace each ``(path, bytes as read, new bytes)`` all together, or change nothing.

    ``None`` as the bytes read means the file did not exist (it is created, and
    refused if someone made it meanwhile).

    Every new content goes to a temporary file first; a failure there removes
    the temporaries and leaves every record as it was. A record that changed on
    disk since it was read is not overwritten (someone saved it meanwhile).
    Should a rename itself fail, the files already replaced get their old
    content back. A record that is a symbolic link stays one: its target is
    replaced.
    """
    locks: list[int] = []
    try:
        _write_all([(Path(os.path.realpath(p)), old, new) for p, old, new in files], locks)
    finally:
        for fd in locks:
            os.close(fd)


def _on_disk(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _write_all(files: list[tuple[Path, bytes | None, bytes]], locks: list[int]) -> None:
    temps: list[tuple[Path, Path, bytes | None]] = []
    try:
        for path, old, new in files:
            temps.append((path, _write_temp(path, new, locks), old))
        for path, _temp, old in temps:
            if _on_disk(path) != old:
                raise OutputError(
                    tr(
                        f"{path}: 실행하는 동안 바뀌었습니다(편집기에서 저장했나요?). "
                        "아무것도 쓰지 않았습니다. 같은 명령을 다시 실행하십시오.",
                        f"{path} changed on disk while this command ran (saved in an editor?); "
                        "nothing was written: run it again",
                    )
                )
    except OSError as exc:
        _remove(t for _, t, _ in temps)
        raise OutputError(
            tr(
                f"{exc.filename or '기록'}에 쓸 수 없습니다({os_reason(exc)}). 아무것도 "
                "쓰지 않았습니다.",
                f"cannot write {exc.filename or 'the records'}: {os_reason(exc)}; "
                "nothing was written",
            )
        ) from exc
    except BaseException:
        _remove(t for _, t, _ in temps)
        raise

    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, temp, old in temps:
            os.replace(temp, path)
            done.append((path, old))
    except BaseException as exc:
        for path, old in done:
            if old is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(old)
        _remove(t for _, t, _ in temps)
        if isinstance(exc, OSError):
            raise OutputError(
                tr(
                    f"{exc.filename or '기록'}을(를) 바꿀 수 없습니다({os_reason(exc)}). "
                    "기록은 그대로 두었습니다.",
                    f"cannot replace {exc.filename or 'a record'}: {os_reason(exc)}; "
                    "the records were left as they were",
                )
            ) from exc
        raise
    _sync_directory({path.parent for path, _, _ in files})


def _sync_directory(directories: Iterable[Path]) -> None:
    for directory in directories:
        try:
            fd = os.open(directory, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.fsync(fd)
        except OSError:
            pass
        finally:
            os.close(fd)


# ---------------------------------------------------------------------------
# The command


def roll_forward(records_dir: Path, period: Period) -> RollForwardResult:
    """Open the report of ``period`` in ``records_dir``: drafts carried forward, nothing overwritten.

    Raises :class:`~reportgen.errors.RecordsInvalid` if the records have errors,
    :class:`~reportgen.errors.PeriodError` for a period that cannot be opened
    (a year, before the newest recorded period, outside the term), and
    :class:`~reportgen.errors.OutputError` if the files cannot be written.
    """
    _refuse_year(period)
    if records_dir.is_dir():
        remove_leftovers(records_dir)
    records, _warnings = check(records_dir)
    if records.settings is None:  # check() reports a missing report.json as an error
        raise ReportgenError(
            tr(f"{records_dir}: report.json이 없습니다.", f"{records_dir}: report.json is missing")
        )
    term = records.settings.term.to_term()
    latest = latest_period(records)
    _refuse_period(period, term, latest, records_dir)

    notes: list[str] = []
    if latest == period:
        notes.append(
            tr(
                f"{period}: 이미 기록된 가장 최근 반기입니다. reports.{period}이 없는 공약만 "
                "초안을 쓰고, 나머지는 그대로 둡니다.",
                f"{period} is already the newest period recorded: only pledges without "
                f"reports.{period} are drafted, the others are left as they are",
            )
        )
    elif latest is not None and latest < period.previous:
        gap = latest.next if latest.next == period.previous else f"{latest.next}–{period.previous}"
        notes.append(
            tr(
                f"{gap}에는 기록된 것이 없습니다. 초안은 그 전의 가장 최근 보고에서 가져오고, "
                "앞 반기의 추진실적을 옮겨 올 계획은 없습니다.",
                f"nothing is recorded for {gap}: drafts carry forward from the newest earlier "
                "reports, and there is no plan to draft the previous half's achievements from",
            )
        )

    actions: list[PledgeRollForward] = []
    files: list[tuple[Path, bytes, bytes]] = []
    for pledge, path in records.origins:
        old = records.sources[path.name]
        raw = parse(old)
        action, new_raw = _roll_pledge(pledge, raw, path, period, term, records.settings.cutoff)
        actions.append(action)
        if new_raw is not None:
            files.append((path, old, file_bytes(new_raw)))

    write_all(files)
    return RollForwardResult(period, term, actions, [path for path, _, _ in files], notes)
