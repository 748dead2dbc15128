"""``intake import``: the departments' workbooks back into the records.

Each workbook is read whole first; every problem becomes one line naming the
file, the sheet and cell, what is wrong and what would be right. Nothing is
written unless every file is sound; then the records are written all together
(:func:`reportgen.records.rollforward.write_all`), in the files' own key order.

What is written: for each pledge, only the sections whose values in the sheet
differ from the records as they stand (status, 추진율, contacts, 시민참여,
성과지표 results, the achievements of the half the report shows, the plan,
문제점 및 개선대책, budget). A pledge not yet opened for the period is opened as
``new-period`` opens it. Everything an import writes is marked
``"draft": true`` (the pledge's ``reports.<P>``, and each achievements or plan
group it writes), so ``validate`` lists it and ``build --strict`` refuses it
until the compiling office has checked it and removed the flag. Importing the
same file again changes nothing.

Every workbook read is also a department's return (부서 회신), recorded in
``records/intake/<P>.json`` (:mod:`reportgen.intake.returns`) with the records, in
the same all-or-nothing write: which pledges the department edited, which it
sent back exactly as exported, and which sections are still the copies of the
last report the export offered (a section's digest as exported travels in the
workbook's hidden sheet). A section left blank because the export offered the
last report's value only in grey (시민참여, 추진실적) clears the draft copy
new-period made, so the report shows no counts and no achievements rather
than the last half's counts and the plan; the log names the section.

Files: a folder stands for every ``*.xlsx`` in it; Excel's owner files
(``~$name.xlsx``) are skipped with a note (:func:`workbook_files`). Opening a
file is one step (:func:`_open`), where :mod:`reportgen.intake.workbook_guard` bounds
what a hostile file can cost.

Refusals (each lifted by ``force``):

- the report of P is confirmed (:func:`~reportgen.intake.common.period_confirmed`:
  some pledge has ``reports.<P>`` and none is a draft) and the import would
  change it;
- the workbook is for a period earlier than the newest one recorded;
- a pledge's records changed after the workbook was exported (its digest
  differs) and the sheet's values differ from the records: the department
  filled in an old copy.
"""

from __future__ import annotations

import copy
import datetime
import hashlib
import io
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..errors import PeriodError, Problem, ReportgenError, Severity, problems_message, quote
from ..i18n import os_reason, tr
from ..records.load import RecordFile, RecordSet, type_record
from ..records.model import (
    MAX_ITEM_CHARS,
    Indicator,
    Pledge,
    ReportSettings,
    _amount,
    _figure,
    _percent,
)
from ..records.periods import Period, ReportWindows
from ..records.rawjson import GROUP_KEYS, PLEDGE_KEYS, REPORT_KEYS, file_bytes, parse, put_key
from ..records.text import BULLETS, blankless, clean_text
from ..records.validate import check, latest_period, validate_records
from .common import (
    BLANK_WHEN_COPIED,
    BUDGET_KINDS,
    FORMAT,
    INDICATOR_KINDS,
    LEVEL_CHOICES,
    LEVELS,
    LOOKALIKES,
    META_SHEET,
    PROBLEM_LISTS,
    SECTIONS,
    achieved_groups,
    canonical,
    level_of,
    num,
    opened,
    period_confirmed,
    plan_groups,
    section_digest,
    statement,
)
from .returns import DepartmentReturn, with_returns, write_with_logs
from .workbook_guard import (
    MAX_FILE_BYTES,
    WorkbookRefused,
    check_loaded,
    check_package,
    read_untrusted,
)

MAX_WORKBOOK_BYTES = MAX_FILE_BYTES
_SECTION_NAMES = {
    "status": "추진상황",
    "progress_rate": "추진율",
    "contacts": "담당",
    "participation": "시민참여",
    "indicators": "성과지표",
    "achieved": "추진실적",
    "plan": "추진계획",
    "problems": "문제점 및 개선대책",
    "budget": "예산",
}
_BLOCK_NAMES = {
    "head": "공약 머리",
    "status": "추진상황",
    "contacts": "담당",
    "participation": "시민참여",
    "indicators": "성과지표",
    "achieved": "추진실적",
    "plan": "추진계획",
    "problems": "문제점",
    "measures": "개선대책",
    "general": "문제점 및 개선대책(한 목록)",
    "budget": "예산",
    "end": "끝",
}
_ITEM_BLOCKS = ("achieved", "plan", *PROBLEM_LISTS)


class IntakeInvalid(ReportgenError):
    """Workbooks with problems: every one listed, nothing written."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(problems_message(self.problems, "통합문서", "the workbooks"))


@dataclass
class PledgeImport:
    """What one import did (or would do) to one pledge."""

    pledge_id: str
    record: Path
    workbook: str
    sections: list[str] = field(default_factory=list)  # changed sections
    opened: bool = False  # reports.<P> created as new-period would
    # 시민참여/추진실적 the export offered only in grey as copies of the last
    # report, returned blank: the draft copies are cleared, so last half's
    # counts and the plan are not reported as this half's.
    cleared: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.sections) or self.opened or bool(self.cleared)


@dataclass
class ImportResult:
    period: Period | None
    pledges: list[PledgeImport]
    written: list[Path]
    notes: list[str] = field(default_factory=list)
    returns: list[DepartmentReturn] = field(default_factory=list)  # 부서 회신, one per workbook

    @property
    def changed(self) -> list[PledgeImport]:
        return [p for p in self.pledges if p.changed]

    def describe(self) -> list[str]:
        lines = []
        for p in self.pledges:
            head = f"{p.record.name} ({p.pledge_id}) ← {p.workbook}: "
            if not p.changed:
                lines.append(head + tr("바뀐 것 없음", "unchanged"))
                continue
            parts = []
            if p.opened:
                parts.append(
                    tr(
                        f"{self.period} 보고를 new-period처럼 열었음",
                        f"opened {self.period} as new-period does",
                    )
                )
            if p.sections:
                names = ", ".join(f"{s} ({_SECTION_NAMES[s]})" for s in p.sections)
                parts.append(tr(f"가져옴: {names}", f"imported {names}"))
            if p.cleared:
                names = "·".join(_SECTION_NAMES[s] for s in p.cleared)
                parts.append(
                    tr(
                        f"부서가 쓰지 않은 {names}: 지난 보고에서 옮겨 둔 값을 비움",
                        f"{names} left blank by the department: the copies of the last report "
                        "were cleared",
                    )
                )
            lines.append(
                head
                + "; ".join(parts)
                + tr(
                    ' — 초안("draft")으로 표시함: 확인한 뒤 확정하십시오',
                    ' — marked "draft": check, then remove "draft"',
                )
            )
        for ret in self.returns:
            lines.append(_return_line(ret))
        lines += [tr(f"참고: {n}", f"note: {n}") for n in self.notes]
        return lines


def _return_line(ret: DepartmentReturn) -> str:
    """One line per department: returned with changes, or returned unchanged (회신, 변경 없음)."""
    names = {s: _SECTION_NAMES[s] for s in SECTIONS}
    if ret.returned_unchanged:
        head = tr(
            f"{ret.department} ({ret.file}): 회신, 변경 없음 — 받은 그대로 돌려보냈습니다",
            f"{ret.department} ({ret.file}): returned unchanged — sent back as exported",
        )
    else:
        head = tr(
            f"{ret.department} ({ret.file}): 회신, 공약 {len(ret.pledges)}개 중 "
            f"{len(ret.changed)}개 수정",
            f"{ret.department} ({ret.file}): returned, {len(ret.changed)} of "
            f"{len(ret.pledges)} pledge(s) edited",
        )
    if not ret.untouched:
        return head
    copies = "; ".join(
        f"{pledge} " + "·".join(names[s] for s in sections)
        for pledge, sections in ret.untouched.items()
    )
    return head + tr(
        f". 지난 보고 값을 옮겨 둔 그대로인 항목: {copies}",
        f". still the copies of the last report: {copies}",
    )


# ---------------------------------------------------------------------------
# Reading cells


class _Cells:
    """Problems of one workbook, each at a sheet and cell."""

    def __init__(self, file: str, problems: list[Problem]) -> None:
        self.file, self.problems = file, problems

    def error(self, sheet: str | None, cell: str, message: str) -> None:
        where = (
            ""
            if sheet is None
            else f"'{sheet}'!{cell}"
            if cell
            else tr(f"시트 '{sheet}'", f"sheet '{sheet}'")
        )
        self.problems.append(Problem(self.file, where, message))


_NUMBERISH = re.compile(r"[0-9][0-9,.\s]*")


def _number_hint(text: str, whole: bool) -> str:
    """What to type instead of a figure written as text ("1,234원", "1.234", "12 명")."""
    stripped = text.strip()
    core = re.sub(r"(백만원|천원|만원|원|회|건|명|개|%|\s)", "", stripped)
    if re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", core) or re.fullmatch(r"[0-9]+", core):
        digits = core.replace(",", "")
        return tr(
            f"숫자 {digits}(으)로 쓰십시오 (숫자만, 쉼표·단위 없이)",
            f"write it as the number {digits} (digits only, no commas or units)",
        )
    if re.fullmatch(r"[0-9]{1,3}(\.[0-9]{3})+", core):
        as_thousands = core.replace(".", "")
        if whole:
            return tr(
                f"{as_thousands}(으)로 쓰십시오 (숫자만): 횟수에는 소수점이 없습니다",
                f"write {as_thousands} (digits only): a count has no decimal point",
            )
        return tr(
            f"{int(as_thousands):,}이라는 뜻이면 {as_thousands}(으)로 쓰고, {core}백만원이라는 "
            f"뜻이면 글이 아닌 숫자로 {core}을(를) 입력하십시오",
            f"write {as_thousands} if you mean {int(as_thousands):,}, or the number {core} "
            "typed as a number (not as text) if you mean that many 백만원",
        )
    if re.fullmatch(r"[0-9]+\.[0-9]+", core):
        return tr(
            f"글이 아닌 숫자로 입력하십시오 ({core})", f"type it as a number ({core}), not as text"
        )
    return tr(
        "숫자만 쓰십시오. 예: 1234" + ("" if whole else " 또는 12.5"),
        "write digits only, e.g. 1234" + ("" if whole else " or 12.5"),
    )


def _date_hint(what: str, value: datetime.date | datetime.time, *, text: bool) -> str:
    """Why a cell holds a date, and how to get back what was typed ("22.3.5" became 2022-03-05)."""
    if isinstance(value, datetime.time):
        shown, typed = value.isoformat(timespec="minutes"), f"{value.hour}:{value.minute:02d}"
    else:
        day = value.date() if isinstance(value, datetime.datetime) else value
        shown, typed = day.isoformat(), f"{day.year % 100:02d}.{day.month}.{day.day}"
    if text:
        return tr(
            f"{what}: 스프레드시트가 입력을 날짜({shown})로 바꾸었습니다 ({typed!r} 등을 입력하면 "
            f"그렇게 됩니다). 칸의 표시 형식을 '텍스트'로 바꾼 뒤 다시 입력하거나, 맨 앞에 "
            f"작은따옴표를 붙여 '{typed} 처럼 입력하십시오.",
            f"{what}: the spreadsheet turned what was typed into a date ({shown}; typing "
            f"{typed!r} does that). Set the cell's format to Text and type it again, or type "
            f"an apostrophe first: '{typed}",
        )
    return tr(
        f"{what}: 숫자 칸에 날짜({shown})가 들어 있습니다. 숫자만 입력하십시오 "
        "(예: 1234 또는 12.5). 날짜로 보이면 칸의 표시 형식을 '일반'으로 바꾸십시오.",
        f"{what}: a number cell holds a date ({shown}). Write digits only (e.g. 1234 or "
        "12.5); if it still shows a date, set the cell's format to General.",
    )


class _Reader:
    def __init__(self, ws: Worksheet, sheet: str, out: _Cells) -> None:
        self.ws, self.sheet, self.out = ws, sheet, out

    def at(self, row: int, col: int) -> str:
        return f"{get_column_letter(col)}{row}"

    def raw(self, row: int, col: int) -> Any:
        value = self.ws.cell(row=row, column=col).value
        if isinstance(value, str) and not value.strip():
            return None
        return value

    def error(self, row: int, col: int, message: str) -> None:
        self.out.error(self.sheet, self.at(row, col), message)

    def text(self, row: int, col: int, what: str, limit: int = 500) -> str | None:
        value = self.raw(row, col)
        if value is None:
            return None
        if isinstance(value, bool):
            self.error(
                row,
                col,
                tr(
                    f"{what}: 글이어야 하는데 {value}입니다",
                    f"{what}: expected text, found {value}",
                ),
            )
            return None
        if isinstance(value, (int, float, Decimal)):
            value = num(Decimal(str(value)))
        if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            self.error(row, col, _date_hint(what, value, text=True))
            return None
        if not isinstance(value, str):
            shown = quote(str(value))
            self.error(
                row,
                col,
                tr(
                    f"{what}: 글이어야 하는데 {shown}입니다",
                    f"{what}: expected text, found {shown}",
                ),
            )
            return None
        text = clean_text(value, "", lambda _w, _m: None)
        if len(text) > limit:
            self.error(
                row,
                col,
                tr(
                    f"{what}: {len(text):,}자로, {limit:,}자까지입니다: {quote(text)} — 줄이십시오 "
                    "(긴 항목은 여러 행으로 나눕니다)",
                    f"{what}: {len(text):,} characters, at most {limit:,}: "
                    f"{quote(text)} — shorten it (split a long item into several rows)",
                ),
            )
            return None
        return text or None

    def figure(
        self,
        row: int,
        col: int,
        what: str,
        check: Callable[[Any], Decimal],
        *,
        whole: bool = False,
    ) -> Decimal | None:
        value = self.raw(row, col)
        if value is None:
            return None
        if isinstance(value, str):
            self.error(
                row,
                col,
                tr(
                    f"{what}: {quote(value)}은(는) 숫자가 아니라 글입니다. {_number_hint(value, whole)}",
                    f"{what}: {quote(value)} is text, not a number; {_number_hint(value, whole)}",
                ),
            )
            return None
        if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            self.error(row, col, _date_hint(what, value, text=False))
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
            shown = quote(str(value))
            self.error(
                row,
                col,
                tr(f"{what}: {shown}은(는) 숫자가 아닙니다", f"{what}: {shown} is not a number"),
            )
            return None
        try:
            figure = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
            figure = check(figure)
        except (ValueError, InvalidOperation) as exc:
            self.error(row, col, f"{what}: {exc}")
            return None
        if whole and figure != figure.to_integral_value():
            self.error(
                row,
                col,
                tr(
                    f"{what}: {num(figure)}은(는) 정수가 아닙니다. 횟수는 0, 1, 2 … 입니다",
                    f"{what}: {num(figure)} is not a whole number; a count is 0, 1, 2 …",
                ),
            )
            return None
        return figure


# ---------------------------------------------------------------------------
# One pledge's sheet


@dataclass
class _Layout:
    blocks: dict[str, int]  # block -> heading row
    rows: dict[str, list[int]]  # "block:key" -> rows (items: every row of the block)
    moved: set[str] = field(default_factory=set)  # blocks a row was moved out of or into


def _layout(reader: _Reader, pledge_id: str, width: int) -> _Layout | None:
    ws = reader.ws
    blocks: dict[str, int] = {}
    rows: dict[str, list[int]] = {}
    moved: set[str] = set()
    current: str | None = None
    for r in range(1, ws.max_row + 1):
        tag = reader.raw(r, 1)
        tag = tag.strip() if isinstance(tag, str) else None
        if tag == "note":
            continue
        if tag and tag.startswith("#"):
            name, _, rest = tag[1:].partition(":")
            if name == "head" and rest != pledge_id:
                reader.error(
                    r,
                    2,
                    tr(
                        f"이 시트는 {pledge_id}이(가) 아니라 공약 {quote(rest)}의 시트입니다: 시트 "
                        "이름을 바꾸었거나 서로 덮어 복사했습니다. 내보낸 통합문서를 그대로 쓰십시오.",
                        f"this sheet holds pledge {quote(rest)}, not {pledge_id}: the sheets were "
                        "renamed or copied over each other; use the workbook as exported",
                    ),
                )
                return None
            if name in blocks:
                reader.error(
                    r,
                    2,
                    tr(
                        f"{_BLOCK_NAMES.get(name, name)} 블록이 두 번 있습니다 (복사했습니까?)",
                        f"the block {_BLOCK_NAMES.get(name, name)} appears twice (copied?)",
                    ),
                )
            blocks[name] = r
            current = name
            continue
        if tag and ":" in tag:
            block, _, _key = tag.partition(":")
            if block != current:
                here = _BLOCK_NAMES.get(current or "", tr("시트 맨 위", "the top of the sheet"))
                reader.error(
                    r,
                    2,
                    tr(
                        f"이 행은 {_BLOCK_NAMES.get(block, block)} 블록의 행인데 {here}에 있습니다: "
                        "제자리로 옮기십시오 (옮기기를 취소하십시오. 행은 블록 안에 더할 수는 있어도 "
                        "블록 사이로 옮길 수는 없습니다)",
                        f"this row belongs to the block {_BLOCK_NAMES.get(block, block)} but sits in "
                        f"{here}: move it back (undo the move; rows may be added inside a block, not "
                        "moved between blocks)",
                    ),
                )
                moved.update((block, current or ""))
                continue
            rows.setdefault(tag, []).append(r)
            continue
        filled = [c for c in range(2, width + 1) if reader.raw(r, c) is not None]
        if not filled:
            continue
        if current in _ITEM_BLOCKS:  # a row inserted inside a list of items
            rows.setdefault(f"{current}:item", []).append(r)
        elif tag:
            reader.error(
                r,
                1,
                tr(
                    f"알 수 없는 행 표시 {quote(tag)}: 내보낸 통합문서를 그대로 쓰십시오",
                    f"unknown row mark {quote(tag)}: use the workbook as exported",
                ),
            )
        else:
            reader.error(
                r,
                filled[0],
                tr(
                    "이 행은 서식에 없는 행이라 가져오면 사라집니다: 내용을 블록의 칸에 쓰십시오 "
                    "(행은 항목 목록 안에만 더할 수 있습니다)",
                    "this row is not part of the form and would be lost: write its content in the "
                    "cells of a block (rows may be added only inside a list of items)",
                ),
            )
    return _Layout(blocks, rows, moved)


def _items(
    reader: _Reader, rows: Sequence[int], what: str, check_levels: bool = True
) -> list[list[str]] | None:
    out: list[list[str]] = []
    ok = True
    depth = len(LEVELS) if not check_levels else -1  # depth of the row above
    choices = " ".join(LEVEL_CHOICES)
    for r in rows:
        symbol_cell = reader.raw(r, 2)
        if symbol_cell is None and reader.raw(r, 3) is None:
            continue
        symbol = str(symbol_cell).strip() if symbol_cell is not None else ""
        symbol = "".join(LOOKALIKES.get(c, c) for c in symbol)
        level = level_of(symbol) if symbol else None
        text = reader.text(r, 3, what, MAX_ITEM_CHARS)
        if text is None and reader.raw(r, 3) is not None:
            ok = False  # reported by text()
        elif text is None:
            reader.error(
                r,
                3,
                tr(
                    f"{what}: 수준 {quote(symbol)}만 있고 글이 없습니다: 글을 쓰거나 수준을 지우십시오",
                    f"{what}: a level {quote(symbol)} without text: write the text or clear the level",
                ),
            )
            ok = False
        elif text[0] in BULLETS:
            m = re.match(f"[{re.escape(BULLETS)}]+\\s*", text)
            rest = text[m.end() :] if m else text[1:]
            reader.error(
                r,
                3,
                tr(
                    f"{what}: 글이 기호 {quote(text[0])}(으)로 시작합니다: 수준은 B열(수준: "
                    f"{choices})에서 고르고 여기에는 글만 쓰십시오: {quote(rest)}",
                    f"{what}: the text starts with the symbol {quote(text[0])}: choose the level in "
                    f"column B (수준: {choices}) and write only the words here: {quote(rest)}",
                ),
            )
            ok = False
        elif not symbol:
            reader.error(
                r,
                2,
                tr(
                    f"{what}: 이 행의 수준을 고르십시오 ({choices})",
                    f"{what}: choose the level of this row ({choices})",
                ),
            )
            ok = False
        elif level is None:
            reader.error(
                r,
                2,
                tr(
                    f"{what}: {quote(symbol)}은(는) 수준이 아닙니다. {choices} 중에서 고르십시오",
                    f"{what}: {quote(symbol)} is not a level; choose one of {choices}",
                ),
            )
            ok = False
        elif level[0] > depth + 1:
            above = LEVELS[level[0] - 1]
            reader.error(
                r,
                2,
                tr(
                    f"{what}: {quote(symbol)} 행 위에는 {quote(above)} 행이 있어야 합니다. "
                    f"{quote(LEVELS[max(depth + 1, 0)])}(으)로 바꾸거나 {quote(above)} 행을 더하십시오",
                    f"{what}: a {quote(symbol)} row needs a {quote(above)} row above it; "
                    f"make it {quote(LEVELS[max(depth + 1, 0)])} or add the {quote(above)} row",
                ),
            )
            ok = False
        else:
            out.append([symbol, text])
        # After a bad row, the next one is not blamed for it.
        depth = level[0] if level is not None and ok else len(LEVELS)
    return out if ok else None


def _status(reader: _Reader, r: int, settings: ReportSettings) -> Any:
    value = reader.raw(r, 3)
    if value is None:
        return None
    text = str(value).strip()
    listed = {blankless(s): s for s in settings.statuses}
    found = listed.get(blankless(text))
    if found is None:
        reader.error(
            r,
            3,
            tr(
                f"추진상황: {quote(text)}은(는) 추진상황이 아닙니다. 목록에서 "
                f"{', '.join(settings.statuses)} 중 하나를 고르십시오 (설명은 추진실적에 씁니다)",
                f"추진상황: {quote(text)} is not a status; choose one of "
                f"{', '.join(settings.statuses)} from the list (write any explanation in 추진실적)",
            ),
        )
        return _BAD
    return found


_BAD = object()  # a cell with a problem (already reported)


def _budget(reader: _Reader, layout: _Layout, settings: ReportSettings, keys: list[str]) -> Any:
    plan: dict[str, dict[str, dict[str, str]]] = {}
    secured: dict[str, dict[str, dict[str, list[str | None]]]] = {}
    ok = True
    executed_at: list[tuple[int, int, str, str, str, str]] = []
    for kind in BUDGET_KINDS:
        for r in layout.rows.get(f"budget:{kind}", []):
            name = reader.text(r, 3, "공약사업명")
            source_cell = reader.raw(r, 4)
            source = None if source_cell is None else str(source_cell).strip()
            figures: dict[str, str] = {}
            for i, key in enumerate(keys):
                figure = reader.figure(r, 5 + i, f"{kind_label(kind)} {key}", _amount)
                if figure is not None:
                    figures[key] = num(figure)
                elif reader.raw(r, 5 + i) is not None:
                    ok = False
            if name is None and source is None and not figures:
                continue
            if name is None:
                reader.error(
                    r,
                    3,
                    tr(
                        f"{kind_label(kind)}: 공약사업명 없이 금액만 있습니다: 사업명을 쓰십시오",
                        f"{kind_label(kind)}: figures without a 공약사업명: write the sub-project's name",
                    ),
                )
                ok = False
                continue
            if source not in settings.funding_sources:
                reader.error(
                    r,
                    4,
                    tr(
                        f"{kind_label(kind)}: {quote(source or '')}은(는) 재원이 아닙니다. "
                        f"{', '.join(settings.funding_sources)} 중에서 고르십시오",
                        f"{kind_label(kind)}: {quote(source or '')} is not a funding source; "
                        f"choose one of {', '.join(settings.funding_sources)}",
                    ),
                )
                ok = False
                continue
            if kind == "plan":
                cols = plan.setdefault(name, {}).setdefault(source, {})
                cols.update(figures)
                continue
            sub = secured.setdefault(name, {}).setdefault(source, {})
            for key, value in figures.items():
                cell = sub.setdefault(key, [None, None])
                cell[0 if kind == "secured" else 1] = value
                if kind == "executed":
                    executed_at.append((r, 5 + keys.index(key), name, source, key, value))
    for r, c, name, source, key, value in executed_at:
        sec = secured[name][source][key][0]
        if sec is None:
            reader.error(
                r,
                c,
                tr(
                    f"집행액 {key}: 바로 위 확보액 행에 확보액 없이 {value}을(를) 집행했습니다: "
                    "확보액을 쓰십시오",
                    f"집행액 {key}: {value} executed with no 확보액 in the row above; write the 확보액",
                ),
            )
            ok = False
        elif Decimal(value) > Decimal(sec):
            reader.error(
                r,
                c,
                tr(
                    f"집행액 {key}: {value}이(가) 확보액 {sec}보다 큽니다. 집행액은 확보액을 넘을 수 "
                    "없습니다",
                    f"집행액 {key}: {value} exceeds 확보액 {sec}; 집행액 cannot exceed 확보액",
                ),
            )
            ok = False
    if not ok:
        return _BAD
    return {
        "plan": [[n, {s: c for s, c in srcs.items() if c}] for n, srcs in plan.items()],
        "secured": [[n, {s: c for s, c in srcs.items() if c}] for n, srcs in secured.items()],
    }


def _definition(indicator: Indicator) -> list[Any]:
    return [indicator.name, indicator.unit, num(indicator.target), indicator.cumulative]


def _new_indicators(reader: _Reader, layout: _Layout) -> list[tuple[list[Any], int]]:
    """성과지표 added in the spare rows: ([name, unit, target, per half, result], row)."""
    out: list[tuple[list[Any], int]] = []
    what = tr("새 성과지표", "new indicator")
    for r in layout.rows.get("indicators:new", []):
        if all(reader.raw(r, c) is None for c in range(2, 7)):
            continue
        before = len(reader.out.problems)
        name = reader.text(r, 2, f"{what} 지표명")
        result = reader.figure(r, 3, f"{what} 실적", _figure)
        unit = reader.text(r, 4, f"{what} 단위", 20)
        target = reader.figure(r, 5, f"{what} 목표", _figure)
        kind_cell = reader.raw(r, 6)
        kind = None if kind_cell is None else str(kind_cell).strip()
        if len(reader.out.problems) > before:
            continue
        if name is None:
            reader.error(r, 2, tr(f"{what}: 지표명을 쓰십시오", f"{what}: write its name"))
        if unit is None:
            reader.error(
                r, 4, tr(f"{what}: 단위를 쓰십시오 (예: 개, 명, %)", f"{what}: write its unit")
            )
        if target is None:
            reader.error(r, 5, tr(f"{what}: 목표를 숫자로 쓰십시오", f"{what}: write its target"))
        if kind not in INDICATOR_KINDS:
            reader.error(
                r,
                6,
                tr(
                    f"{what}: 실적 방식은 {' 또는 '.join(INDICATOR_KINDS)} 중에서 고릅니다",
                    f"{what}: choose how results are kept: {' or '.join(INDICATOR_KINDS)}",
                ),
            )
        if len(reader.out.problems) > before or name is None or unit is None or target is None:
            continue
        entry = [name, unit, num(target), kind == INDICATOR_KINDS[1]]
        out.append(([*entry, None if result is None else num(result)], r))
    return out


def kind_label(kind: str) -> str:
    return {"plan": "투자계획", "secured": "확보액", "executed": "집행액"}[kind]


def _read_sheet(
    reader: _Reader,
    pledge: Pledge,
    settings: ReportSettings,
    keys: list[str],
) -> dict[str, Any] | None:
    """The statement a sheet holds, or None when it has problems (reported)."""
    width = 4 + max(len(keys), 2) * 2 + 2
    layout = _layout(reader, pledge.id, width)
    if layout is None:
        return None
    problems_before = len(reader.out.problems)
    needed = ["head", "status", "contacts", *_ITEM_BLOCKS, "budget"]
    if settings.participation:
        needed.append("participation")
    if pledge.indicators:
        needed.append("indicators")
    for block in needed:
        if block not in layout.blocks:
            reader.out.error(
                reader.sheet,
                "",
                tr(
                    f"{_BLOCK_NAMES[block]} 블록이 없습니다 (행을 지웠습니까?): 내보낸 통합문서를 "
                    "그대로 쓰십시오",
                    f"the block {_BLOCK_NAMES[block]} is missing (rows deleted?): use the workbook "
                    "as exported",
                ),
            )

    def row(tag: str, what: str) -> int | None:
        found = layout.rows.get(tag, [])
        if not found:
            reader.out.error(
                reader.sheet,
                "",
                tr(
                    f"{what} 행이 없습니다 (지웠습니까?)",
                    f"the row of {what} is missing (deleted?)",
                ),
            )
            return None
        return found[0]

    sections: dict[str, Any] = {name: None for name in SECTIONS}
    r = row("status:status", "추진상황")
    if r is not None:
        sections["status"] = _status(reader, r, settings)
    if settings.progress_rate:
        r = row("status:progress_rate", "추진율(%)")
        if r is not None:
            rate = reader.figure(r, 3, "추진율(%)", _percent)
            sections["progress_rate"] = None if rate is None else num(rate)
    contacts: dict[str, list[str]] = {}
    for role in settings.contact_roles:
        r = row(f"contacts:{role.key}", f"담당 {role.label}")
        if r is None:
            continue
        name = reader.text(r, 3, f"{role.label} 성명")
        phone = reader.text(r, 4, f"{role.label} 연락처")
        if (name is None) != (phone is None):
            reader.error(
                r,
                3 if name is None else 4,
                tr(
                    f"{role.label}: 성명과 연락처를 둘 다 쓰거나 둘 다 비우십시오",
                    f"{role.label}: write both 성명 and 연락처, or neither",
                ),
            )
        elif name is not None and phone is not None:
            contacts[role.key] = [name, phone]
    sections["contacts"] = contacts or None
    if settings.participation:
        counts: dict[str, int] = {}
        for category in settings.participation:
            r = row(f"participation:{category.key}", f"시민참여 {category.label}")
            if r is None:
                continue
            count = reader.figure(r, 3, category.label, _figure, whole=True)
            if count is not None:
                counts[category.key] = int(count)
        sections["participation"] = counts or None
    results: list[Any] = []
    added = _new_indicators(reader, layout)
    for i, indicator in enumerate(pledge.indicators):
        if f"indicators:{i}" not in layout.rows:
            # Added from this very sheet by an earlier import of it: the same row again.
            same = next((a for a in added if a[0][:4] == _definition(indicator)), None)
            if same is not None:
                added.remove(same)
                results.append(same[0][4])
                continue
        r = row(f"indicators:{i}", f"성과지표 {indicator.name}")
        value = None if r is None else reader.figure(r, 3, indicator.name, _figure)
        results.append(None if value is None else num(value))
    names = {i.name for i in pledge.indicators}
    for entry, r in added:
        if entry[0] in names:
            reader.error(
                r,
                2,
                tr(
                    f"새 성과지표: {quote(entry[0])}은(는) 이미 있는 지표입니다. 실적은 위의 그 "
                    "지표 행에 쓰십시오.",
                    f"new indicator: {quote(entry[0])} is already an indicator; write its result "
                    "in its row above",
                ),
            )
        names.add(entry[0])
        results.append(entry)
    sections["indicators"] = results
    lists: dict[str, list[list[str]]] = {}
    for block in _ITEM_BLOCKS:
        got = _items(
            reader,
            layout.rows.get(f"{block}:item", []),
            _BLOCK_NAMES[block],
            check_levels=block not in layout.moved,
        )
        lists[block] = got or []
    sections["achieved"], sections["plan"] = lists["achieved"], lists["plan"]
    if any(lists[name] for name in PROBLEM_LISTS):
        if lists["general"] and (lists["problems"] or lists["measures"]):
            r = layout.blocks.get("general", 1)
            reader.error(
                r,
                3,
                tr(
                    "문제점 및 개선대책: 문제점·개선대책 또는 그 아래의 한 목록 중 하나만 쓰십시오",
                    "문제점 및 개선대책: write either 문제점/개선대책 or the one list below them, "
                    "not both",
                ),
            )
        sections["problems"] = {name: lists[name] for name in PROBLEM_LISTS}
    if not pledge.non_budget:
        budget = _budget(reader, layout, settings, keys)
        sections["budget"] = budget
    if len(reader.out.problems) > problems_before or any(v is _BAD for v in sections.values()):
        return None
    return sections


# ---------------------------------------------------------------------------
# Writing a statement into a record


def _raw_items(entries: Iterable[Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for item in entries:
        if isinstance(item, dict):
            out.append(item)
            out.extend(_raw_items(item.get("children") or []))
    return out


def _tree(rows: list[list[str]], old: Iterable[Any]) -> list[dict[str, Any]]:
    """Items from (level, text) rows; an item whose text was there before keeps its other keys."""
    spare: dict[str, list[dict[str, Any]]] = {}
    for known in _raw_items(old):
        spare.setdefault(str(known.get("text")), []).append(known)
    top: list[dict[str, Any]] = []
    stack: list[tuple[int, dict[str, Any]]] = []  # (depth, item) of the ordinary rows above
    for symbol, text in rows:
        item: dict[str, Any] = {"text": text}
        depth, note = level_of(symbol) or (0, False)
        if note:
            item["note"] = True
        before = spare.get(text)
        if before:
            match = before.pop(0)
            for key, value in match.items():
                if key not in ("text", "note", "children"):
                    item[key] = copy.deepcopy(value)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            stack[-1][1].setdefault("children", []).append(item)
        else:
            top.append(item)
        stack.append((depth, item))
    return top


def _number(text: str, old: Any = None) -> Any:
    """A figure for the JSON: the old numeral when it has the same value, else as typed."""
    value = Decimal(text)
    if (
        isinstance(old, (int, float, Decimal))
        and not isinstance(old, bool)
        and Decimal(str(old)) == value
    ):
        return old
    return int(value) if value == value.to_integral_value() else value


def _budget_raw(budget: dict[str, Any], old: dict[str, Any] | None) -> dict[str, Any]:
    old = old or {}
    out: dict[str, Any] = {}
    old_plan = {s.get("name"): s for s in old.get("plan") or [] if isinstance(s, dict)}
    old_secured = {s.get("name"): s for s in old.get("secured") or [] if isinstance(s, dict)}
    plan = []
    for name, sources in budget["plan"]:
        before = old_plan.get(name, {})
        raw_sources = {
            src: {
                k: _number(v, ((before.get("sources") or {}).get(src) or {}).get(k))
                for k, v in cols.items()
            }
            for src, cols in sources.items()
        }
        sub: dict[str, Any] = {"name": name, "sources": raw_sources}
        # A filed page's printed totals describe its figures as filed: once a
        # department revises them they are this report's, not a legacy drift.
        if before.get("printed_totals") and raw_sources == before.get("sources"):
            sub["printed_totals"] = before["printed_totals"]
        plan.append(sub)
    secured = []
    for name, sources in budget["secured"]:
        before = old_secured.get(name, {})
        raw_sources = {}
        for src, cols in sources.items():
            old_cols = (before.get("sources") or {}).get(src) or {}
            cells = {}
            for k, (sec, exe) in cols.items():
                old_cell = old_cols.get(k) or {}
                cell = {"secured": _number(sec, old_cell.get("secured"))}
                if exe is not None:
                    cell["executed"] = _number(exe, old_cell.get("executed"))
                cells[k] = cell
            raw_sources[src] = cells
        sub = {"name": name, "sources": raw_sources}
        if before.get("printed_totals") and raw_sources == before.get("sources"):
            sub["printed_totals"] = before["printed_totals"]
        secured.append(sub)
    if plan or "plan" in old:
        out["plan"] = plan
    if secured or "secured" in old:
        out["secured"] = secured
    if old.get("printed_grand_total") and [s.get("sources") for s in plan] == [
        s.get("sources") for s in old.get("plan") or [] if isinstance(s, dict)
    ]:
        out["printed_grand_total"] = old["printed_grand_total"]
    return out


def _report_key(raw: dict[str, Any], period: Period) -> str:
    for key in raw.get("reports") or {}:
        try:
            if Period.parse(key) == period:
                return str(key)
        except PeriodError:
            continue
    raise KeyError(str(period))  # pragma: no cover - opened() made it


def _groups(
    raw: dict[str, Any],
    name: str,
    indexes: list[int],
    period: Period,
    rows: list[list[str]],
    periods: list[Period],
) -> dict[str, Any]:
    groups = list(raw.get(name) or [])
    old_entries = [e for i in indexes for e in groups[i].get("entries") or []]
    if rows:
        entries = _tree(rows, old_entries)
        if indexes:
            target = next((i for i in indexes if periods[i] == period), indexes[0])
            group = put_key(dict(groups[target]), "draft", True, GROUP_KEYS)
            group["entries"] = entries
            groups[target] = group
            drop = [i for i in indexes if i != target]
        else:
            at = next((i for i, p in enumerate(periods) if p > period), len(groups))
            groups.insert(at, {"period": str(period), "draft": True, "entries": entries})
            drop = []
    else:
        drop = list(indexes)
    for i in sorted(drop, reverse=True):
        del groups[i]
    return put_key(raw, name, groups, PLEDGE_KEYS)


def _apply(
    raw: dict[str, Any],
    pledge: Pledge,
    settings: ReportSettings,
    period: Period,
    changes: dict[str, Any],
) -> dict[str, Any]:
    """``raw`` (opened for ``period``) with the changed sections written, marked draft."""
    out = copy.deepcopy(raw)
    windows = ReportWindows(period, settings.term.to_term(), settings.cutoff)
    key = _report_key(out, period)
    report = put_key(dict(out["reports"][key]), "draft", True, REPORT_KEYS)
    for name, value in changes.items():
        if name == "status":
            report = put_key(report, "status", value, REPORT_KEYS)
        elif name == "progress_rate":
            report = put_key(
                report, "progress_rate", _number(value, report.get("progress_rate")), REPORT_KEYS
            )
        elif name == "contacts":
            people = {
                role: {"name": person[0], "phone": person[1]}
                for role, person in (value or {}).items()
            }
            report = put_key(report, "contacts", people, REPORT_KEYS)
        elif name == "participation":
            report = put_key(report, "participation", dict(value or {}), REPORT_KEYS)
        elif name == "problems":
            old = report.get("problems") or {}
            lists = {
                n: _tree(value[n], old.get(n) or []) for n in PROBLEM_LISTS if value and value[n]
            }
            report = put_key(report, "problems", lists, REPORT_KEYS)
        elif name == "budget":
            report = put_key(
                report, "budget", _budget_raw(value, report.get("budget")), REPORT_KEYS
            )
        elif name == "indicators":
            indicators = list(out.get("indicators") or [])
            known = len(pledge.indicators)
            for new_name, unit, target, per_half, result in value[known:]:
                added: dict[str, Any] = {"name": new_name, "unit": unit, "target": _number(target)}
                if per_half:
                    added["cumulative"] = True
                if result is not None:
                    added["results"] = {str(period): _number(result)}
                indicators.append(added)
            for i, result in enumerate(value[:known]):
                results = dict(indicators[i].get("results") or {})
                existing = next((k for k in results if Period.parse(k) == period), None)
                if result is None:
                    if existing is not None:
                        del results[existing]
                elif existing is not None:
                    results[existing] = _number(result, results[existing])
                else:
                    results[str(period)] = _number(result)
                    results = dict(sorted(results.items(), key=lambda kv: Period.parse(kv[0])))
                indicators[i] = put_key(
                    dict(indicators[i]),
                    "results",
                    results,
                    ["name", "unit", "target", "cumulative", "results"],
                )
            out = put_key(out, "indicators", indicators, PLEDGE_KEYS)
        elif name == "achieved":
            out = _groups(
                out,
                "achievements",
                achieved_groups(pledge, windows),
                windows.achieved,
                value,
                [g.period for g in pledge.achievements],
            )
        elif name == "plan":
            out = _groups(
                out,
                "plans",
                plan_groups(pledge, windows),
                windows.plan_period,
                value,
                [g.period for g in pledge.plans],
            )
    out["reports"] = dict(out["reports"])
    out["reports"][key] = report
    return out


# ---------------------------------------------------------------------------
# One workbook


@dataclass
class _Sheetful:
    pledge_id: str
    sheet: str
    digest: str
    sections: dict[str, Any]
    # Per section the digest of what was exported, and the sections the export
    # offered as copies of the last report (absent in workbooks of before 2026H2).
    exported: dict[str, str] | None = None
    copies: list[str] = field(default_factory=list)


@dataclass
class _Workbook:
    name: str
    period: Period
    sheets: list[_Sheetful]
    department: str = ""
    sha256: str = ""


@dataclass
class _Opened:
    """A workbook as read from disk: the parsed workbook and the digest of its bytes."""

    workbook: Any
    sha256: str


def _open(file: Path, out: _Cells) -> _Opened | None:
    """Read and parse one workbook; the only place import touches a department's file.

    The file is hostile input until proven otherwise: it is read, checked and
    loaded within bounds (:mod:`reportgen.intake.workbook_guard`).
    """
    try:
        data = read_untrusted(file, MAX_WORKBOOK_BYTES)
        check_package(data)
    except WorkbookRefused as exc:
        out.error(None, "", exc.reason)
        return None
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
        check_loaded(workbook)
        return _Opened(workbook, hashlib.sha256(data).hexdigest())
    except WorkbookRefused as exc:
        out.error(None, "", exc.reason)
        return None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError, SyntaxError) as exc:
        # SyntaxError: xml.etree's ParseError, lxml's XMLSyntaxError.
        out.error(
            None,
            "",
            tr(
                f"XLSX 통합문서가 아닙니다 ({type(exc).__name__}): Excel 통합 문서(*.xlsx)로 "
                "저장해 그 파일을 가져오십시오",
                f"not an XLSX workbook ({type(exc).__name__}): save it as Excel 통합 문서 (*.xlsx) "
                "and import that file",
            ),
        )
        return None


def _read_workbook(
    file: Path, records: RecordSet, settings: ReportSettings, problems: list[Problem]
) -> _Workbook | None:
    out = _Cells(file.name, problems)
    got_file = _open(file, out)
    if got_file is None:
        return None
    wb = got_file.workbook
    not_ours = tr(
        "'reportgen intake export'로 만든 통합문서가 아닙니다 (숨은 시트가 없거나 바뀌었습니다): "
        "부서에 보낸 통합문서에 입력하십시오",
        "not a workbook made by 'reportgen intake export' (its hidden sheet is missing or "
        "changed): fill in the workbook exported for your department",
    )
    if META_SHEET not in wb.sheetnames:
        out.error(None, "", not_ours)
        return None
    meta_ws = wb[META_SHEET]
    try:
        if meta_ws["A1"].value != FORMAT:
            raise ValueError
        meta = json.loads(str(meta_ws["A2"].value))
        period = Period.half_year(meta["period"])
        entries = [
            (str(p["id"]), str(p["sheet"]), str(p["digest"]), [str(k) for k in p["budget_columns"]])
            for p in meta["pledges"]
        ]
        exported = {
            str(p["id"]): (
                {str(k): str(v) for k, v in p["sections"].items()} if "sections" in p else None,
                [str(c) for c in p.get("copies", [])],
            )
            for p in meta["pledges"]
        }
        city, term = str(meta["city"]), str(meta["term"])
        department = str(meta["department"])
    except (ValueError, KeyError, TypeError, PeriodError):
        out.error(None, "", not_ours)
        return None
    if city != settings.city or term != settings.term.name:
        out.error(
            None,
            "",
            tr(
                f"이 통합문서는 {city}({term})의 것이고 이 기록은 {settings.city}"
                f"({settings.term.name})의 것입니다: {city}의 기록으로 가져오십시오",
                f"this workbook is {city}'s ({term}); these records are {settings.city}'s "
                f"({settings.term.name}): import it into {city}'s records",
            ),
        )
        return None
    if not settings.term.to_term().contains(period):
        out.error(
            None,
            "",
            tr(
                f"이 통합문서는 {period} 것으로, {settings.term.name} 임기 밖입니다",
                f"this workbook is for {period}, outside {settings.term.name}",
            ),
        )
        return None
    pledges = {p.id: p for p in records.pledges}
    known = {sheet for _id, sheet, _d, _k in entries}
    heads: dict[str, str] = {}
    for ws in wb.worksheets:
        tag = ws["A1"].value
        if isinstance(tag, str) and tag.startswith("#head:"):
            heads.setdefault(tag[len("#head:") :], ws.title)
    sheets: list[_Sheetful] = []
    ok = True
    for pledge_id, sheet, digest_, keys in entries:
        if sheet not in wb.sheetnames:
            moved = heads.get(pledge_id)
            if moved is not None and moved not in known:
                out.error(
                    moved,
                    "",
                    tr(
                        f"이름이 바뀐 공약 {pledge_id}의 시트입니다: 이름을 {quote(sheet)}(으)로 "
                        "되돌리십시오",
                        f"this is the sheet of pledge {pledge_id}, renamed: rename it back to "
                        f"{quote(sheet)}",
                    ),
                )
            else:
                out.error(
                    None,
                    "",
                    tr(
                        f"시트 {quote(sheet)}(공약 {pledge_id})이(가) 없습니다 (지웠습니까?): 내보낸 "
                        "통합문서를 그대로 쓰거나 다시 내보내십시오",
                        f"the sheet {quote(sheet)} (pledge {pledge_id}) is missing (deleted?): "
                        "use the workbook as exported, or export it again",
                    ),
                )
            ok = False
            continue
        pledge = pledges.get(pledge_id)
        if pledge is None:
            out.error(
                sheet,
                "",
                tr(
                    f"공약 {pledge_id}이(가) 기록에 없습니다 (지웠거나 번호가 바뀌었습니까?)",
                    f"pledge {pledge_id} is not in the records (removed or renumbered?)",
                ),
            )
            ok = False
            continue
        values = _read_sheet(_Reader(wb[sheet], sheet, out), pledge, settings, keys)
        if values is None:
            ok = False
            continue
        sections, copies = exported[pledge_id]
        sheets.append(_Sheetful(pledge_id, sheet, digest_, values, sections, copies))
    return _Workbook(file.name, period, sheets, department, got_file.sha256) if ok else None


# ---------------------------------------------------------------------------
# The command


def import_workbooks(records_dir: Path, files: Sequence[Path], force: bool = False) -> ImportResult:
    """Read the departments' workbooks into the records: everything or nothing.

    ``files`` are workbooks or folders of them. Raises :class:`IntakeInvalid` listing every problem of every file (and
    writes nothing), :class:`~reportgen.errors.RecordsInvalid` when the records
    themselves have errors, :class:`~reportgen.errors.ReportgenError` when
    the import is refused (see the module's docstring), and
    :class:`~reportgen.errors.OutputError` when the records cannot be written.
    """
    records, _warnings = check(records_dir)
    settings = records.settings
    if settings is None:  # pragma: no cover - check() reports a missing report.json
        raise ReportgenError(
            tr(f"{records_dir}: report.json이 없습니다.", f"{records_dir}: report.json is missing")
        )
    problems: list[Problem] = []
    files, skipped = workbook_files(files)
    problems.extend(skipped)
    books = [_read_workbook(Path(f), records, settings, problems) for f in files]
    read = [b for b in books if b is not None]
    periods = sorted({b.period for b in read})
    if len(periods) > 1:
        for b in read:
            problems.append(
                Problem(
                    b.name,
                    "",
                    tr(
                        f"이 통합문서는 {b.period} 것입니다. 한 번에 한 반기만 가져오십시오 "
                        f"(주어진 반기: {', '.join(map(str, periods))})",
                        f"this workbook is for {b.period}; import one period at a time "
                        f"({', '.join(map(str, periods))} given)",
                    ),
                )
            )
    latest = latest_period(records)
    if not force and latest is not None:
        for b in read:
            if b.period < latest:
                problems.append(
                    Problem(
                        b.name,
                        "",
                        tr(
                            f"이 통합문서는 {b.period} 것인데 기록은 {latest}까지 있습니다: "
                            f"{latest} 통합문서를 내보내 입력하십시오 ({b.period} 보고를 고치려면 "
                            "--force로 가져옵니다)",
                            f"this workbook is for {b.period}, but the records are at {latest}: "
                            f"export the workbook of {latest} and fill that in (or import with "
                            f"--force to correct the report of {b.period})",
                        ),
                    )
                )
    # Sound workbooks are still compared with the records when another file has
    # problems, so one run reports every problem of every file (a stale sheet
    # too); only several periods at once leave nothing to compare with.
    if not read or len(periods) > 1:
        if not _errors(problems):
            raise ReportgenError(
                "\n".join(
                    [str(p) for p in problems]
                    + [
                        tr(
                            "가져올 통합 문서가 없습니다. 아무것도 쓰지 않았습니다.",
                            "no workbook to import; nothing was written",
                        )
                    ]
                )
            )
        raise IntakeInvalid(problems)
    period = periods[0]

    by_id = {p.id: (p, path) for p, path in records.origins}
    seen: dict[str, tuple[str, dict[str, Any]]] = {}
    actions: list[PledgeImport] = []
    new_raw: dict[str, tuple[Pledge, Path, dict[str, Any]]] = {}
    edits: dict[str, dict[str, list[str]]] = {}  # book -> pledge -> sections the department edited
    comparable = [b for b in read if force or latest is None or not b.period < latest]
    for book in comparable:
        for sheet in book.sheets:
            pledge, path = by_id[sheet.pledge_id]
            if sheet.exported is not None:
                edits.setdefault(book.name, {})[sheet.pledge_id] = [
                    name
                    for name in SECTIONS
                    if section_digest(sheet.sections[name]) != sheet.exported.get(name)
                ]
            if sheet.pledge_id in seen:
                other, sections = seen[sheet.pledge_id]
                if canonical(sections) != canonical(sheet.sections):
                    problems.append(
                        Problem(
                            book.name,
                            tr(f"시트 '{sheet.sheet}'", f"sheet '{sheet.sheet}'"),
                            tr(
                                f"공약 {sheet.pledge_id}이(가) {other}에도 다른 값으로 있습니다: "
                                "둘 중 하나만 가져오십시오",
                                f"pledge {sheet.pledge_id} is also in {other}, with other values: "
                                "import one of them",
                            ),
                        )
                    )
                continue
            seen[sheet.pledge_id] = (book.name, sheet.sections)
            raw = parse(records.sources[path.name])
            typed, opened_raw, just_opened = opened(pledge, raw, path, period, settings)
            now = statement(typed, settings, period)
            changed = [
                name
                for name in SECTIONS
                if canonical(now.sections[name]) != canonical(sheet.sections[name])
            ]
            # A workbook exported before the export recorded its sections: what
            # differs from the records is what the department edited.
            edits.setdefault(book.name, {}).setdefault(sheet.pledge_id, changed)
            if changed and now.digest != sheet.digest and not force:
                problems.append(
                    Problem(
                        book.name,
                        tr(f"시트 '{sheet.sheet}'", f"sheet '{sheet.sheet}'"),
                        tr(
                            f"이 통합문서를 내보낸 뒤 공약 {sheet.pledge_id}의 기록이 바뀌었고, 시트가 "
                            f"기록과 {', '.join(changed)}에서 다릅니다: 새로 내보낸 통합문서에 "
                            "입력하거나, 이 시트의 값을 쓰려면 --force로 가져오십시오",
                            f"the records of pledge {sheet.pledge_id} changed after this workbook "
                            f"was exported, and the sheet differs from them in {', '.join(changed)}: "
                            "export a new workbook and fill that in, or import with --force to "
                            "take this sheet's values",
                        ),
                    )
                )
                continue
            for name in changed:
                if (
                    sheet.sections[name] is None
                    and now.sections[name] is not None
                    and name
                    in (
                        "status",
                        "progress_rate",
                        "contacts",
                        "problems",
                    )
                ):
                    problems.append(
                        Problem(
                            book.name,
                            tr(f"시트 '{sheet.sheet}'", f"sheet '{sheet.sheet}'"),
                            tr(
                                f"{_SECTION_NAMES[name]}이(가) 비어 있지만 {period} 보고에는 "
                                "있습니다 (항목은 지울 수 없고 고칠 수만 있습니다): 다시 채우십시오",
                                f"{_SECTION_NAMES[name]} is empty, but the report of {period} has "
                                "it (a section cannot be removed, only changed): fill it in again",
                            ),
                        )
                    )
            cleared = [
                name for name in BLANK_WHEN_COPIED if name in now.copies and name not in changed
            ]
            action = PledgeImport(sheet.pledge_id, path, book.name, changed, just_opened, cleared)
            actions.append(action)
            if action.changed:
                changes = {name: sheet.sections[name] for name in [*changed, *cleared]}
                new_raw[sheet.pledge_id] = (
                    typed,
                    path,
                    _apply(opened_raw, typed, settings, period, changes),
                )
    if _errors(problems):
        raise IntakeInvalid(problems)

    # The records as they would be: typed and checked before anything is written.
    origins = []
    writes: list[tuple[Path, bytes, bytes]] = []
    for pledge, path in records.origins:
        if pledge.id not in new_raw:
            origins.append((pledge, path))
            continue
        raw = new_raw[pledge.id][2]
        checked: list[Problem] = []
        typed_new = type_record(Pledge, raw, path.name, checked)
        problems.extend(checked)
        if typed_new is not None:
            origins.append((typed_new, path))
        old = records.sources[path.name]
        data = file_bytes(raw)
        if data != old:
            writes.append((path, old, data))
    if not _errors(problems):
        as_typed = [RecordFile(path, pledge) for pledge, path in origins]
        after = RecordSet(records.directory, settings, as_typed, [], records.sources)
        problems.extend(p for p in validate_records(after) if p.severity is Severity.ERROR)
    if _errors(problems):
        raise IntakeInvalid(problems)

    returned = [_return(book, edits.get(book.name, {})) for book in read]
    log = with_returns(records_dir, period, returned)
    if writes and period_confirmed(records.pledges, period) and not force:
        names = ", ".join(a.pledge_id for a in actions if a.changed)
        raise ReportgenError(
            tr(
                f'{period} 보고는 확정되었습니다 (reports.{period}에 "draft" 표시가 남은 공약이 '
                f"없음): 이 가져오기는 {names}을(를) 바꿉니다. 아무것도 쓰지 않았습니다. 그래도 "
                "부서의 값을 쓰려면 --force로 가져오십시오 (다시 초안으로 표시됩니다)",
                f"the report of {period} is confirmed (no pledge's reports.{period} is marked "
                f'"draft"): this import would change {names}. Nothing was written; import with '
                "--force to take the departments' values anyway (they are marked draft again)",
            )
        )
    write_with_logs([*writes, *([log] if log is not None else [])])
    notes = [p.message if not p.file else f"{p.file}: {p.message}" for p in skipped]
    if latest is not None and period < latest:
        notes.append(
            tr(
                f"{period}은(는) {latest}보다 이전입니다: 나중 보고는 스스로 기록하지 않은 것을 "
                "이어받습니다",
                f"{period} is earlier than {latest}: later reports carry forward what they do not "
                "record themselves",
            )
        )
    return ImportResult(period, actions, [p for p, _o, _n in writes], notes, returned)


def _errors(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


# A folder holds a department's files and whatever else was saved there; more
# workbooks than this is not one half-year's returns.
MAX_WORKBOOKS = 2000


def workbook_files(paths: Sequence[Path]) -> tuple[list[Path], list[Problem]]:
    """The workbooks to import: the files given and the ``*.xlsx`` of each folder given.

    Excel's owner files (``~$name.xlsx``, made while a workbook is open) are
    skipped with a note, as are other files in a folder; each file once.
    """
    out: list[Path] = []
    notes: list[Problem] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            try:
                entries = sorted(
                    (e for e in path.iterdir() if not e.name.startswith(".")),
                    key=lambda e: e.name,
                )
            except OSError as exc:
                notes.append(
                    Problem(
                        str(path),
                        "",
                        tr(
                            f"폴더를 읽을 수 없습니다 ({os_reason(exc)})",
                            f"cannot read the folder ({os_reason(exc)})",
                        ),
                    )
                )
                continue
            found = [e for e in entries if e.suffix.lower() == ".xlsx" and e.is_file()]
            others = [e.name for e in entries if e not in found]
            if others:
                shown = ", ".join(others[:5]) + (
                    f" 외 {len(others) - 5}개" if len(others) > 5 else ""
                )
                notes.append(
                    Problem(
                        str(path),
                        "",
                        tr(
                            f"통합 문서(.xlsx)가 아닌 것은 건너뜁니다: {shown}",
                            f"skipped what is not a workbook (.xlsx): {shown}",
                        ),
                        Severity.WARNING,
                    )
                )
            if not found:
                notes.append(
                    Problem(
                        str(path),
                        "",
                        tr(
                            "이 폴더에 통합 문서(.xlsx)가 없습니다: 부서가 보낸 파일을 넣거나 "
                            "파일을 직접 지정하십시오.",
                            "no workbook (.xlsx) in this folder: put the departments' files "
                            "there or name the files",
                        ),
                    )
                )
            candidates = found
        else:
            candidates = [path]
        for file in candidates:
            if file.name.startswith("~$"):
                notes.append(
                    Problem(
                        str(file),
                        "",
                        tr(
                            "Excel이 파일을 여는 동안 만드는 임시 파일(~$…)이라 건너뜁니다.",
                            "skipped: Excel's owner file (~$…), made while a workbook is open",
                        ),
                        Severity.WARNING,
                    )
                )
                continue
            key = Path(os.path.realpath(file))
            if key in seen:
                continue
            seen.add(key)
            out.append(file)
    if len(out) > MAX_WORKBOOKS:
        notes.append(
            Problem(
                tr("가져오기", "import"),
                "",
                tr(
                    f"통합 문서가 {len(out):,}개입니다 (최대 {MAX_WORKBOOKS:,}개). 한 반기에 "
                    "부서가 보낸 파일만 가져오십시오.",
                    f"{len(out):,} workbooks (at most {MAX_WORKBOOKS:,}): import one half-year's "
                    "returns only",
                ),
            )
        )
        out = []
    return out, notes


def _return(book: _Workbook, edited: dict[str, list[str]]) -> DepartmentReturn:
    """The department's return (부서 회신) that ``book`` is, for the returns log."""
    pledges = [sheet.pledge_id for sheet in book.sheets]
    changed = [p for p in pledges if edited.get(p)]
    untouched = {}
    for sheet in book.sheets:
        left = [s for s in sheet.copies if s not in edited.get(sheet.pledge_id, [])]
        if left:
            untouched[sheet.pledge_id] = left
    return DepartmentReturn(
        department=book.department,
        file=book.name,
        sha256=book.sha256,
        imported_at=datetime.datetime.now(datetime.UTC).replace(microsecond=0),
        pledges=pledges,
        changed=changed,
        unchanged=[p for p in pledges if p not in changed],
        untouched=untouched,
    )
