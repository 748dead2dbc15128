"""The returns log (부서 회신 기록): which department returned its workbook for a period.

``intake import`` records every department's returned workbook here, whether
it changed anything or not, so that the compiling office can tell a
department that sent its file back unchanged (회신, 변경 없음) from one that has
not sent it at all (미회신), and see per pledge which sections are still the
untouched copies the export offered (지난 보고에서 옮겨 온 값 그대로).

The log of period P is ``records/intake/<P>.json``: a sub-folder, because the
loader reads only the top-level ``*.json`` of the records as pledges. It is
written atomically with the records an import changes
(:func:`reportgen.records.rollforward.write_all`), so a failed import leaves both as
they were. ``status`` and ``confirm`` read it (:func:`load_returns`).
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import stat
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ..errors import ReportgenError
from ..i18n import os_reason, tr
from ..records.load import json_syntax
from ..records.model import Record
from ..records.periods import Period
from ..records.rawjson import file_bytes
from ..records.rollforward import remove_leftovers, write_all

LOG_FOLDER = "intake"
LOG_FORMAT = "reportgen-returns/1"
# A log holds a line per department; a few hundred kilobytes is a very large city.
MAX_LOG_BYTES = 16 * 1024 * 1024


class ReturnsLogError(ReportgenError):
    """The returns log of a period cannot be read: damaged or edited by hand."""


class DepartmentReturn(Record):
    """부서 회신: one department's workbook as imported for a period.

    ``pledges`` are the pledges its workbook holds; ``changed`` those whose
    sheet the department edited (it differs from what was exported);
    ``unchanged`` those returned exactly as exported (회신, 변경 없음);
    ``untouched`` names per pledge the sections that are still the copies the
    export offered from the last report (지난 보고 값 그대로: 추진상황 carried
    forward …), in the order of :data:`reportgen.intake.common.SECTIONS`.
    시민참여 and 추진실적 are offered only in grey beside blank cells: named
    here, they were left blank, and the import cleared the draft copies, so the
    report of the period shows no counts and no achievements rather than the
    last half's counts and the plan.
    """

    department: str
    file: str
    sha256: str
    imported_at: datetime.datetime
    pledges: list[str]
    changed: list[str]
    unchanged: list[str]
    untouched: dict[str, list[str]] = {}

    @property
    def returned_unchanged(self) -> bool:
        """True when the department sent its workbook back without changing anything."""
        return not self.changed


class ReturnsLog(Record):
    """The returns of one period, by department (회신 기록)."""

    format: str = LOG_FORMAT
    period: str
    returns: dict[str, DepartmentReturn] = {}


def log_path(records_dir: Path, period: Period) -> Path:
    """``records/intake/<P>.json``."""
    return Path(records_dir) / LOG_FOLDER / f"{period}.json"


def _read(path: Path) -> bytes | None:
    """The log's bytes, or None when there is none yet (bounded; a FIFO or device is refused)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ReturnsLogError(
            tr(
                f"{path}: 회신 기록을 열 수 없습니다 ({os_reason(exc)}). "
                "파일이 일반 파일인지, 읽을 수 있는지 확인하십시오.",
                f"{path}: cannot open the returns log ({os_reason(exc)}); "
                "make it a readable plain file",
            )
        ) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_LOG_BYTES:
            raise ReturnsLogError(
                tr(
                    f"{path}: 회신 기록이 아닙니다 (일반 파일이 아니거나 "
                    f"{MAX_LOG_BYTES:,}바이트를 넘습니다). 지우면 다음 가져오기가 새로 씁니다.",
                    f"{path}: not a returns log (not a plain file, or over {MAX_LOG_BYTES:,} "
                    "bytes); remove it and the next import writes it anew",
                )
            )
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read(MAX_LOG_BYTES + 1)
    finally:
        os.close(fd)


def _parse(path: Path, data: bytes, period: Period) -> ReturnsLog:
    def damaged(what_ko: str, what_en: str) -> ReturnsLogError:
        return ReturnsLogError(
            tr(
                f"{path}: 회신 기록이 손상되었습니다 ({what_ko}). 손으로 고치지 말고, 지운 뒤 "
                "부서 파일을 다시 가져오십시오 (reportgen intake import).",
                f"{path}: the returns log is damaged ({what_en}); do not edit it by hand: "
                "remove it and import the departments' workbooks again (reportgen intake import)",
            )
        )

    try:
        raw: Any = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        said = json_syntax(exc) if isinstance(exc, json.JSONDecodeError) else "UTF-8이 아님"
        raise damaged(f"JSON이 아님: {said}", f"not JSON: {exc}") from None
    try:
        log = ReturnsLog.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "$"
        raise damaged(f"{where}: {first['msg']}", f"{where}: {first['msg']}") from None
    if log.format != LOG_FORMAT or log.period != str(period):
        raise damaged(
            f"형식 {log.format!r}, 기간 {log.period!r}; {LOG_FORMAT!r}, {str(period)!r}이어야 함",
            f"format {log.format!r}, period {log.period!r}; expected {LOG_FORMAT!r}, "
            f"{str(period)!r}",
        )
    for key, ret in log.returns.items():
        if key != ret.department:
            raise damaged(
                f"{key!r} 아래의 회신이 {ret.department!r}의 것",
                f"the return under {key!r} is {ret.department!r}'s",
            )
    return log


def load_returns(records_dir: Path, period: Period) -> dict[str, DepartmentReturn]:
    """The departments' returns recorded for ``period``, by department (empty when none).

    Raises :class:`ReturnsLogError` when the log exists but cannot be read.
    """
    path = log_path(records_dir, period)
    data = _read(path)
    if data is None:
        return {}
    return dict(_parse(path, data, period).returns)


def log_bytes(log: dict[str, DepartmentReturn], period: Period) -> bytes:
    """The log file's content: departments in name order, two-space JSON, UTF-8."""
    document = ReturnsLog(period=str(period), returns=dict(sorted(log.items())))
    return file_bytes(document.model_dump(mode="json"))


def with_returns(
    records_dir: Path, period: Period, returns: list[DepartmentReturn]
) -> tuple[Path, bytes | None, bytes] | None:
    """The write that records ``returns`` for ``period``: ``(path, bytes as read, new bytes)``.

    For :func:`reportgen.records.rollforward.write_all`, so an import writes its log
    together with the records it changes. A department's new return replaces
    its earlier one, except that the same file imported again (same sha256)
    keeps the earlier entry, so importing a file twice changes nothing. None
    when the log would not change.
    """
    path = log_path(records_dir, period)
    old = _read(path)
    log = {} if old is None else dict(_parse(path, old, period).returns)
    for ret in returns:
        earlier = log.get(ret.department)
        if (
            earlier is not None
            and earlier.sha256 == ret.sha256
            and earlier.model_dump(exclude={"imported_at"})
            == ret.model_dump(exclude={"imported_at"})
        ):
            continue
        log[ret.department] = ret
    new = log_bytes(log, period)
    return None if new == old else (path, old, new)


def record_return(records_dir: Path, period: Period, ret: DepartmentReturn) -> None:
    """Record one department's return for ``period`` in ``records/intake/<P>.json``, atomically."""
    write = with_returns(records_dir, period, [ret])
    if write is not None:
        write_with_logs([write])


def write_with_logs(writes: list[tuple[Path, bytes | None, bytes]]) -> None:
    """``write_all`` for writes that may include a log not yet on disk (its folder is made)."""
    made: list[Path] = []
    for path, _old, _new in writes:
        folder = path.parent
        if folder.is_dir():
            remove_leftovers(folder)  # what a killed import left there
        else:
            try:
                folder.mkdir()
            except OSError as exc:
                raise ReturnsLogError(
                    tr(
                        f"{folder}: 회신 기록 폴더를 만들 수 없습니다 ({os_reason(exc)}); "
                        "아무것도 쓰지 않았습니다.",
                        f"{folder}: cannot make the returns log folder ({os_reason(exc)}); "
                        "nothing was written",
                    )
                ) from None
            made.append(folder)
    try:
        write_all(writes)
    except BaseException:
        for folder in made:  # a failed run leaves no empty folder behind
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
