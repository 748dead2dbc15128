"""``intake export``: one workbook per department to fill in, from the records.

Each workbook has an instructions sheet (안내), one sheet per pledge of the
department as of the period, and a very hidden sheet (``_reportgen``) with the
city, the term, the period and each pledge's sheet and digest, which import
checks. The sheets are protected (no password: it keeps the form's structure
from being changed by accident, not by intent); the cells to fill are unlocked
and tinted, with dropdowns for status, item level and funding source from the
city's configuration.

Every row carries a tag in the hidden column A (``#block`` on a block's
heading, ``block:key`` on its rows): import reads the cells by these tags, so
it can tell a row moved out of its block. Written with XlsxWriter's public
API; the same records give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from ..errors import ReportgenError, quote
from ..i18n import tr
from ..records.asof import department_of, pledge_as_of
from ..records.load import RecordSet
from ..records.model import MAX_ITEM_CHARS, ReportSettings
from ..records.periods import Period, ReportWindows
from ..records.rawjson import parse
from ..records.validate import check
from .common import (
    FORMAT,
    GUIDE_SHEET,
    INDICATOR_KINDS,
    LEVEL_CHOICES,
    META_SHEET,
    NOTE,
    Statement,
    opened,
    section_digest,
    statement,
)

SPARE_ITEM_ROWS = 10  # empty rows under each list of items
SPARE_BUDGET_ROWS = 3  # rows for a new sub-project, per table
SPARE_INDICATOR_ROWS = 2  # rows for a new 성과지표
_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\']")
_BAD_FILE_CHARS = re.compile(r'[\x00-\x1f/\\:*?"<>|]')

BUDGET_TABLES = (("plan", "투자계획"), ("secured", "확보액"), ("executed", "집행액"))


def sheet_name(pledge_id: str, taken: set[str]) -> str:
    base = _BAD_SHEET_CHARS.sub("_", pledge_id)[:28] or "공약"
    name, n = base, 2
    while name.casefold() in taken or name in (GUIDE_SHEET, META_SHEET):
        name, n = f"{base}~{n}", n + 1
    taken.add(name.casefold())
    return name


def file_name(period: Period, department: str, taken: set[str]) -> str:
    base = f"{period}_{_BAD_FILE_CHARS.sub('_', department).strip('. ') or '부서'}"
    name, n = f"{base}.xlsx", 2
    while name.casefold() in taken:
        name, n = f"{base}_{n}.xlsx", n + 1
    taken.add(name.casefold())
    return name


def _list_ok(values: Sequence[str]) -> bool:
    return sum(len(v) + 1 for v in values) <= 250 and not any(c in v for v in values for c in ',"')


class _Formats:
    def __init__(self, wb: Workbook) -> None:
        base = {"font_name": "맑은 고딕", "font_size": 10, "valign": "top"}
        self.title = wb.add_format({**base, "bold": True, "font_size": 14})
        self.head = wb.add_format(
            {**base, "bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True}
        )
        self.label = wb.add_format({**base, "bold": True, "border": 1, "text_wrap": True})
        self.fixed = wb.add_format({**base, "border": 1, "text_wrap": True})
        self.ref = wb.add_format(
            {**base, "border": 1, "text_wrap": True, "bg_color": "#EDEDED", "font_color": "#595959"}
        )
        fill = {**base, "border": 1, "locked": False, "bg_color": "#FFF2CC"}
        # Text cells are formatted as text (@): Excel keeps "22.3.5" or
        # "8075-3700" as typed instead of turning it into a date.
        self.fill = wb.add_format({**fill, "text_wrap": True, "num_format": "@"})
        self.fill_level = wb.add_format({**fill, "align": "center", "num_format": "@"})
        self.fill_num = wb.add_format({**fill, "num_format": "#,##0.###"})
        self.sum = wb.add_format(
            {**base, "border": 1, "bold": True, "bg_color": "#E2EFDA", "num_format": "#,##0.###"}
        )
        self.sum_label = wb.add_format(
            {**base, "border": 1, "bold": True, "bg_color": "#E2EFDA", "text_wrap": True}
        )
        self.ref_level = wb.add_format(
            {**base, "border": 1, "align": "center", "bg_color": "#EDEDED", "font_color": "#595959"}
        )
        self.copy_note = wb.add_format(
            {**base, "italic": True, "font_color": "#C65911", "text_wrap": True}
        )
        self.note = wb.add_format(
            {**base, "italic": True, "font_color": "#595959", "text_wrap": True}
        )
        self.tag = wb.add_format({**base, "font_color": "#808080"})
        self.guide = wb.add_format({**base, "text_wrap": True})
        self.guide_head = wb.add_format({**base, "bold": True, "font_size": 12})


class _Sheet:
    """Writes one pledge's sheet row by row, each row tagged in column A."""

    def __init__(
        self,
        ws: Worksheet,
        f: _Formats,
        lists: dict[str, str | list[str]],
    ) -> None:
        self.ws, self.f, self.lists, self.row = ws, f, lists, 0
        self.budget_keys: list[str] = []
        self.widths: dict[int, float] = {}

    def line(
        self, tag: str, cells: Sequence[tuple[Any, Format | None]], height: float | None = None
    ) -> int:
        r = self.row
        if tag:
            self.ws.write_string(r, 0, tag, self.f.tag)
        for col, (value, fmt) in enumerate(cells, start=1):
            if value is None:
                if fmt is not None:
                    self.ws.write_blank(r, col, None, fmt)
            elif isinstance(value, str):
                self.ws.write_string(r, col, value, fmt)
            else:
                self.ws.write_number(r, col, value, fmt)
        if height is None:
            height = max(
                (
                    _height(value, self.widths[col])
                    for col, (value, fmt) in enumerate(cells, start=1)
                    if isinstance(value, str) and col in self.widths
                ),
                default=0,
            )
        if height:
            self.ws.set_row(r, height)
        self.row += 1
        return r

    def width(
        self, first: int, last: int, width: float, options: dict[str, Any] | None = None
    ) -> None:
        self.ws.set_column(first, last, width, None, options or {})
        for col in range(first, last + 1):
            self.widths[col] = width

    def gap(self) -> None:
        self.row += 1

    def choose(self, r: int, c: int, kind: str, last_row: int | None = None) -> None:
        source = self.lists[kind]
        self.ws.data_validation(
            r,
            c,
            r if last_row is None else last_row,
            c,
            {
                "validate": "list",
                "source": source,
                "error_title": "목록에서 고르십시오",
                "error_message": "목록에 있는 값만 입력할 수 있습니다.",
            },
        )

    def number(
        self,
        r: int,
        c: int,
        last_row: int,
        last_col: int,
        *,
        whole: bool,
        top: int | None = None,
        prompt: tuple[str, str] | None = None,
    ) -> None:
        options: dict[str, Any] = {
            "validate": "integer" if whole else "decimal",
            "criteria": ">=" if top is None else "between",
            "error_title": "숫자만 입력",
            "error_message": "숫자만 입력합니다 (쉼표·단위 없이, 예: 1234)."
            if whole
            else "숫자만 입력합니다 (쉼표·단위 없이, 예: 1234 또는 12.5).",
        }
        if prompt is not None:  # shown beside the cell when it is selected
            options["input_title"], options["input_message"] = prompt
        if top is None:
            options["value"] = 0
        else:
            options["minimum"], options["maximum"] = 0, top
        self.ws.data_validation(r, c, last_row, last_col, options)


LINE_HEIGHT = 14.5  # points per line of 10-point 맑은 고딕 (NanumGothic in LibreOffice)


def _height(text: str, width: float) -> float:
    """The row height that shows ``text`` wrapped in a column ``width`` characters wide, 0 for one line.

    LibreOffice keeps a row's stored height when it opens a workbook, so a
    wrapped cell needs its height written; Excel's default row shows one line.
    Hangul and other wide characters take about one and a half digit widths
    (measured on LibreOffice's pages with NanumGothic; a little more is safer
    than a line cut off).
    """
    usable = max(width - 1.0, 1.0)
    lines = 0
    for paragraph in text.split("\n"):
        units = sum(1.45 if unicodedata.east_asian_width(ch) in "WF" else 0.9 for ch in paragraph)
        lines += max(1, math.ceil(units / usable))
    return 0 if lines <= 1 else round(lines * LINE_HEIGHT + 3, 1)


def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


def _cell_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _copy_note(sheet: _Sheet, text: str) -> None:
    """A line under a block's heading saying its values are copies (import skips "note" rows)."""
    sheet.line("note", [(None, None), (text, sheet.f.copy_note)])


def _items(
    sheet: _Sheet,
    block: str,
    title: str,
    rows: list[list[str]],
    *,
    copied: str | None = None,
    offered: tuple[str, list[list[str]]] | None = None,
) -> None:
    f = sheet.f
    sheet.line(f"#{block}", [("수준", f.head), (title, f.head)])
    if copied:
        _copy_note(sheet, copied)
    if offered and offered[1]:
        # Offered in grey, locked and never read back: a department copies what
        # it did into the yellow rows, so an untouched file reports nothing.
        _copy_note(sheet, offered[0])
        for symbol, text in offered[1]:
            sheet.line(f"{block}:ref", [(symbol, f.ref_level), (text, f.ref)])
    first = sheet.row
    for symbol, text in rows:
        sheet.line(f"{block}:item", [(symbol, f.fill_level), (text, f.fill)])
    for _ in range(SPARE_ITEM_ROWS):
        sheet.line(f"{block}:item", [(None, f.fill_level), (None, f.fill)])
    last = sheet.row - 1
    sheet.choose(first, 1, "levels", last)
    sheet.ws.data_validation(
        first,
        2,
        last,
        2,
        {
            "validate": "length",
            "criteria": "<=",
            "value": MAX_ITEM_CHARS,
            "error_title": "너무 긴 글",
            "error_message": f"한 항목은 {MAX_ITEM_CHARS}자까지입니다. 항목을 나누십시오.",
        },
    )
    sheet.gap()


def _budget(
    sheet: _Sheet, st: Statement, settings: ReportSettings, period: Period, copied: str | None
) -> None:
    f = sheet.f
    keys, labels = st.budget_keys, st.budget_labels
    sheet.budget_keys = keys
    n = len(keys)
    current = st.sections["budget"]
    before = st.reference["budget"] or {"plan": [], "secured": []}
    head: list[tuple[Any, Format | None]] = [
        ("표", f.head),
        ("공약사업명", f.head),
        ("재원", f.head),
    ]
    head += [(f"{label}", f.head) for label in labels]
    head += [("계", f.head), (None, None)]
    head += [(f"지난 보고 {label}", f.head) for label in labels]
    sheet.line("#budget", head, height=30)
    sheet.line(
        "note",
        [
            (
                f"(단위 : 백만원) 숫자만 입력합니다 (쉼표·'원' 없이: 1,234백만원 → 1234). "
                f"빈 칸은 '기록 없음'이고 0과 다릅니다. 확보액의 집행액은 바로 아래 집행액 행에 씁니다. "
                f"새 공약사업은 이름이 빈 행에 사업명·재원과 함께 씁니다. 오른쪽 회색 칸은 "
                f"{period.previous} 보고의 값입니다.",
                f.note,
            )
        ],
        height=45,
    )
    sheet.ws.merge_range(sheet.row - 1, 1, sheet.row - 1, 3 + n, None)
    if copied:
        _copy_note(sheet, copied)

    def lookup(table: list[list[Any]], name: str, source: str, kind: str) -> dict[str, Any]:
        for sub_name, sources in table:
            if sub_name == name:
                cols = sources.get(source, {})
                if kind == "plan":
                    return dict(cols)
                slot = 0 if kind == "secured" else 1
                return {k: v[slot] for k, v in cols.items() if v[slot] is not None}
        return {}

    def row(kind: str, label: str, name: str | None, source: str | None) -> None:
        table = "plan" if kind == "plan" else "secured"
        now = lookup(current[table], name, source, kind) if name and source else {}
        then = lookup(before[table], name, source, kind) if name and source else {}
        spare = name is None
        cells: list[tuple[Any, Format | None]] = [
            (label, f.fixed),
            (name, f.fill if spare else f.fixed),
            (source, f.fill if spare else f.fixed),
        ]
        figures = [_number(now.get(k)) for k in keys]
        cells += [(_cell_number(v), f.fill_num) for v in figures]
        cells += [(None, None), (None, None)]
        cells += [(_cell_number(_number(then.get(k))), f.ref) for k in keys]
        r = sheet.line(f"budget:{kind}", cells)
        _sum(sheet, r, r, [figures], f.sum)  # 계 of the row, live while typing
        if spare:
            sheet.choose(r, 3, "sources")
        rows.append(figures)

    first = sheet.row
    sources = settings.funding_sources
    for kind, label in BUDGET_TABLES:
        table = "plan" if kind == "plan" else "secured"
        top = sheet.row
        table_rows: list[list[Decimal | None]] = []
        for name, _sources in current[table]:
            rows: list[list[Decimal | None]] = []
            start = sheet.row
            for source in sources:
                row(kind, label, name, source)
            _totals(sheet, start, f"budget:{kind}", rows, (label, f"{name} 소계", ""))
            table_rows += rows
        rows = []
        for _ in range(SPARE_BUDGET_ROWS):
            row(kind, label, None, None)
        table_rows += rows
        _totals(sheet, top, f"budget:{kind}", table_rows, (label, "계", ""), total=True)
    sheet.number(first, 4, sheet.row - 1, 3 + n, whole=False)
    sheet.gap()


def _formula_value(figures: list[Decimal | None]) -> tuple[int | float | str, bool]:
    """The cached value of a live 계 (blank when nothing is recorded: blank is not zero)."""
    known = [v for v in figures if v is not None]
    if not known:
        return "", False
    total = _cell_number(sum(known, Decimal(0)))
    return (0 if total is None else total), True


def _sum(
    sheet: _Sheet, first: int, last: int, figures: list[list[Decimal | None]], fmt: Format
) -> None:
    """The 계 column of rows ``first``..``last``: a formula Excel and LibreOffice keep live."""
    n = len(figures[0]) if figures else 0
    start = xl_rowcol_to_cell(first, 4)
    end = xl_rowcol_to_cell(last, 3 + n)
    value, _ = _formula_value([v for row in figures for v in row])
    sheet.ws.write_formula(
        first, 4 + n, f'=IF(COUNT({start}:{end})=0,"",SUM({start}:{end}))', fmt, value
    )


def _totals(
    sheet: _Sheet,
    first: int,
    tag: str,
    rows: list[list[Decimal | None]],
    labels: tuple[str, str, str],
    *,
    total: bool = False,
) -> None:
    """A 소계 (one sub-project) or 계 (the table) row of live column sums over the rows ``tag``."""
    f = sheet.f
    last = sheet.row - 1
    r = sheet.line(
        "budget:total" if total else "budget:subtotal",
        [(text, f.sum_label) for text in labels],
    )
    n = len(rows[0]) if rows else len(sheet.budget_keys)
    tags = f"{xl_rowcol_to_cell(first, 0, True, True)}:{xl_rowcol_to_cell(last, 0, True, True)}"
    for i in range(n + 1):  # every column and the 계 column
        col = 4 + i
        cells = f"{xl_rowcol_to_cell(first, col)}:{xl_rowcol_to_cell(last, col)}"
        figures = [row[i] for row in rows] if i < n else [v for row in rows for v in row]
        value, _ = _formula_value(figures)
        # SUMIF over the rows' tags: a 소계 row inside the table is not counted twice.
        formula = f'=IF(COUNT({cells})=0,"",SUMIF({tags},"{tag}",{cells}))'
        sheet.ws.write_formula(r, col, formula, f.sum, value)


def _new_indicators(sheet: _Sheet, period: Period) -> None:
    """Spare rows for a 성과지표 the department adds (read back by import as a new indicator)."""
    f = sheet.f
    sheet.line(
        "note",
        [
            (None, None),
            (
                tr(
                    "새 성과지표가 있으면 아래 빈 행에 씁니다: 지표명, 실적, 단위, 목표, 실적 "
                    f"방식(누계 = 임기 시작부터 {period}까지 전체 / 이번 반기 = 이 반기 실적만).",
                    "A new 성과지표 goes in an empty row below: name, result, unit, target, and "
                    f"how results are kept (누계 = total to {period} / 이번 반기 = this half only).",
                ),
                f.note,
            ),
        ],
    )
    sheet.line(
        "indicators:newhead",
        [
            ("새 지표명", f.head),
            (f"{period} 실적", f.head),
            ("단위", f.head),
            ("목표 (임기 내)", f.head),
            ("실적 방식", f.head),
        ],
    )
    first = sheet.row
    for _ in range(SPARE_INDICATOR_ROWS):
        sheet.line(
            "indicators:new",
            [
                (None, f.fill),
                (None, f.fill_num),
                (None, f.fill),
                (None, f.fill_num),
                (None, f.fill),
            ],
        )
    last = sheet.row - 1
    sheet.number(first, 2, last, 2, whole=False)
    sheet.number(first, 4, last, 4, whole=False)
    sheet.ws.data_validation(
        first,
        5,
        last,
        5,
        {
            "validate": "list",
            "source": list(INDICATOR_KINDS),
            "error_title": "목록에서 고르십시오",
            "error_message": "누계 또는 이번 반기를 고릅니다.",
        },
    )
    sheet.ws.data_validation(
        first,
        3,
        last,
        3,
        {
            "validate": "length",
            "criteria": "<=",
            "value": 20,
            "error_title": "단위",
            "error_message": "단위는 20자까지입니다 (예: 개, 명, %).",
        },
    )


def _pledge_sheet(
    ws: Worksheet,
    f: _Formats,
    lists: dict[str, str | list[str]],
    st: Statement,
    settings: ReportSettings,
    period: Period,
    indicators_in_form: bool = False,
) -> None:
    sheet = _Sheet(ws, f, lists)
    windows = ReportWindows(period, settings.term.to_term(), settings.cutoff)
    before = period.previous
    n = len(st.budget_keys)
    sheet.width(0, 0, 14, {"hidden": True})
    sheet.width(1, 1, 16)
    sheet.width(2, 2, 64)
    sheet.width(3, 3, 16)
    sheet.width(4, 4 + 2 * max(n, 2) + 2, 11)

    sheet.line(
        f"#head:{st.pledge_id}",
        [(f"{settings.city} {period.in_words} 공약 추진실적 입력 ({period})", f.title)],
        height=22,
    )
    sheet.line("head:id", [("공약번호", f.label), (st.pledge_id, f.fixed)])
    sheet.line("head:title", [("공약명", f.label), (st.title, f.fixed)])
    sheet.line("head:department", [("소관부서", f.label), (st.department, f.fixed)])
    sheet.line(
        "note",
        [
            (
                "노란 칸만 입력합니다. 회색 칸은 지난 보고("
                + f"{before}"
                + ")의 값으로 참고용입니다. "
                "행을 옮기거나 시트 이름을 바꾸지 마십시오. 자세한 내용은 '안내' 시트.",
                f.note,
            )
        ],
        height=30,
    )
    ws.merge_range(sheet.row - 1, 1, sheet.row - 1, 3, None)
    sheet.gap()

    # 추진상황 (and 추진율)
    sec, ref = st.sections, st.reference
    copied = tr(
        f"※ 지난 보고({before})의 값을 옮겨 둔 것입니다. 확인하고, 달라진 것은 고치십시오.",
        f"※ Copied from the last report ({before}): check it and correct what changed.",
    )
    sheet.line(
        "#status",
        [("□ 추진상황", f.head), ("이번 보고 (입력)", f.head), (f"지난 보고 {before}", f.head)],
    )
    if {"status", "progress_rate"} & set(st.copies):
        _copy_note(sheet, copied)
    r = sheet.line(
        "status:status", [("추진상황", f.label), (sec["status"], f.fill), (ref["status"], f.ref)]
    )
    sheet.choose(r, 2, "statuses")
    if settings.progress_rate:
        r = sheet.line(
            "status:progress_rate",
            [
                ("추진율(%)", f.label),
                (_cell_number(_number(sec["progress_rate"])), f.fill_num),
                (_cell_number(_number(ref["progress_rate"])), f.ref),
            ],
        )
        sheet.number(r, 2, r, 2, whole=False, top=100)
    sheet.gap()

    # 담당
    sheet.line(
        "#contacts",
        [
            ("□ 담당", f.head),
            ("성명", f.head),
            ("연락처", f.head),
            ("지난 보고 성명", f.head),
            ("지난 보고 연락처", f.head),
        ],
    )
    if "contacts" in st.copies:
        _copy_note(sheet, copied)
    now = sec["contacts"] or {}
    then = ref["contacts"] or {}
    for role in settings.contact_roles:
        name, phone = now.get(role.key, [None, None])
        old_name, old_phone = then.get(role.key, [None, None])
        sheet.line(
            f"contacts:{role.key}",
            [
                (role.label, f.label),
                (name, f.fill),
                (phone, f.fill),
                (old_name, f.ref),
                (old_phone, f.ref),
            ],
        )
    sheet.gap()

    # 시민참여
    if settings.participation:
        sheet.line(
            "#participation",
            [
                ("□ 시민참여(소통) 실적 (단위 : 회)", f.head),
                ("이번 보고 (입력)", f.head),
                (f"지난 보고 {before}", f.head),
            ],
            height=30,
        )
        if "participation" in st.copies:
            _copy_note(
                sheet,
                tr(
                    f"※ 이번 반기의 횟수를 씁니다 (없으면 0). 지난 보고({before})의 횟수는 "
                    "오른쪽 회색 칸에 있으며 옮겨 두지 않았습니다.",
                    f"※ Write this half-year's counts (0 for none). The last report's ({before}) "
                    "are in grey on the right and were not copied.",
                ),
            )
        counts, old_counts = sec["participation"] or {}, ref["participation"] or {}
        first = sheet.row
        for category in settings.participation:
            sheet.line(
                f"participation:{category.key}",
                [
                    (category.label, f.label),
                    (counts.get(category.key), f.fill_num),
                    (old_counts.get(category.key), f.ref),
                ],
            )
        sheet.number(
            first,
            2,
            sheet.row - 1,
            2,
            whole=True,
            prompt=(
                tr("이번 반기 횟수", "This half-year's count"),
                tr(
                    f"{period} 반기 동안의 횟수만 씁니다 (없으면 0). 지난 보고의 횟수는 "
                    "오른쪽 회색 칸에 있습니다.",
                    f"Only the count of {period} (0 for none); the last report's is in grey "
                    "on the right.",
                ),
            ),
        )
        sheet.gap()

    # 성과지표
    if st.indicator_labels or indicators_in_form:
        sheet.line(
            "#indicators",
            [
                ("□ 성과지표", f.head),
                (f"{period} 실적 (입력: 위 ▼ 줄의 설명대로)", f.head),
                (f"{before}까지 누계 (참고)", f.head),
            ],
            height=30,
        )
        for i, label in enumerate(st.indicator_labels):
            per_half = st.indicator_per_half[i]
            # What the input wants, on its own line above the row (import skips notes).
            sheet.line("note", [(None, None), (f"▼ {label}: {st.indicator_inputs[i]}", f.note)])
            r = sheet.line(
                f"indicators:{i}",
                [
                    (label, f.label),
                    (_cell_number(_number(sec["indicators"][i])), f.fill_num),
                    (_cell_number(_number(ref["indicators"][i])), f.ref),
                ],
            )
            sheet.number(
                r,
                2,
                r,
                2,
                whole=False,
                prompt=(
                    tr("이번 반기 실적", "This half-year")
                    if per_half
                    else tr("누계 (지금까지 전체)", "Total to date"),
                    tr(
                        f"{period} 반기 동안의 실적만 씁니다. 누계는 보고서가 더합니다.",
                        f"Only the result of {period}; the report adds the running total.",
                    )
                    if per_half
                    else tr(
                        f"임기 시작부터 {period}까지의 전체 실적(누계)을 씁니다. 이번 반기 "
                        "실적만 쓰지 마십시오.",
                        f"The total from the start of the term to {period}, not this "
                        "half-year's only.",
                    ),
                ),
            )
        _new_indicators(sheet, period)
        sheet.gap()

    achieved = windows.previous_label()
    _items(
        sheet,
        "achieved",
        f"□ {achieved.title} {achieved.note}",
        sec["achieved"],
        offered=(
            tr(
                "※ 참고: 이 반기의 추진계획 (회색, 보고에 들어가지 않음). 실제로 한 일을 아래 "
                "노란 칸에 쓰십시오. 계획 그대로라면 회색 칸을 복사해 붙여 넣고 고칩니다.",
                "※ For reference: the plan for this half-year (grey, not reported). Write what "
                "was done in the yellow rows below; copy the grey rows there and edit them if "
                "it went as planned.",
            ),
            ref["planned"],
        ),
    )
    plan = windows.plan_label()
    _items(sheet, "plan", f"□ {plan.title} {plan.note}", sec["plan"])
    problems = sec["problems"] or {}
    _items(
        sheet,
        "problems",
        "□ 문제점 및 개선대책 — ○ 문제점",
        problems.get("problems", []),
        copied=copied if "problems" in st.copies else None,
    )
    _items(sheet, "measures", "□ 문제점 및 개선대책 — ○ 개선대책", problems.get("measures", []))
    _items(
        sheet,
        "general",
        "□ 문제점 및 개선대책 — 구분 없이 한 목록 (문제점·개선대책 대신 쓸 때)",
        problems.get("general", []),
    )

    if st.non_budget:
        sheet.line("#budget", [("□ 예산", f.head), ("비예산 공약: 예산 표가 없습니다.", f.head)])
    else:
        _budget(sheet, st, settings, period, copied if "budget" in st.copies else None)
    sheet.line("#end", [])
    ws.protect(
        "",
        {
            "select_locked_cells": True,
            "select_unlocked_cells": True,
            "format_columns": True,
            "format_rows": True,
            "insert_rows": True,
        },
    )
    # Printed for checking: A4 landscape, as wide as the page, the pledge's
    # heading on every page; the grey last-report budget columns on the right
    # are left out of the print (they are reference only).
    ws.set_paper(9)
    ws.set_landscape()
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0, 3)
    ws.print_area(0, 1, sheet.row - 1, 5 if st.non_budget else max(5, 4 + n))
    ws.freeze_panes(4, 2)
    ws.set_footer("&C&P / &N")


def _guide(
    ws: Worksheet,
    f: _Formats,
    settings: ReportSettings,
    period: Period,
    department: str,
    sheets: list[tuple[str, Statement]],
) -> None:
    windows = ReportWindows(period, settings.term.to_term(), settings.cutoff)
    before = period.previous
    widths = {0: 14.0, 1: 80.0}
    for col, width in widths.items():
        ws.set_column(col, col, width)
    achieved, plan = windows.previous_label().title, windows.plan_label().title
    lines = [
        ("title", f"{settings.city} {period.in_words} 공약 추진실적 입력 — {department}"),
        ("", ""),
        ("head", "무엇을 씁니까"),
        ("", f"공약마다 시트가 하나 있습니다. 이번 보고({period})의 값을 노란 칸에 씁니다."),
        (
            "",
            f"□ {achieved}: 그 반기에 실제로 한 일. 그 반기의 추진계획은 위쪽 회색 행에 "
            "참고로 보여 줄 뿐 보고에 들어가지 않습니다. 계획대로 했다면 회색 행을 노란 "
            "행에 복사해 붙여 넣고 고치십시오.",
        ),
        ("", f"□ {plan}: 다음에 할 일."),
        (
            "",
            f"주황색 ※ 줄이 붙은 칸은 지난 보고({before})의 값을 옮겨 둔 것입니다. 확인하고 "
            "달라진 것만 고치십시오. 그대로 돌려보내면 '변경 없음'으로 기록되고, 총괄부서가 "
            "옮겨 둔 값 그대로인 항목을 확인합니다.",
        ),
        (
            "",
            "시민참여 횟수는 이번 반기의 횟수입니다. 지난 보고의 횟수는 회색 칸에 있고 옮겨 "
            "두지 않았습니다. 없으면 0을 씁니다.",
        ),
        (
            "",
            "성과지표는 줄마다 '누계'(임기 시작부터 지금까지 전체)인지 '이번 반기 실적만'인지 "
            "적혀 있습니다. 그대로 따르십시오.",
        ),
        (
            "",
            "추진상황·재원·수준은 칸의 목록(▼)에서 고릅니다. 회색 칸은 지난 보고의 값(참고)이며 "
            "초록 칸(계·소계)은 입력하는 대로 계산됩니다.",
        ),
        ("", ""),
        ("head", "항목 (개조식)"),
        (
            "",
            f"수준 칸에 {' '.join(LEVEL_CHOICES)} 중 하나를 고르고, 내용 칸에는 글만 씁니다 "
            "(기호를 글 앞에 치지 마십시오).",
        ),
        (
            "",
            f"○ 큰 항목, - 그 아래, · 그 아래. 참고(※)는 놓일 수준과 함께 고릅니다: {NOTE} "
            f"(○ 수준), -{NOTE} (- 수준), ·{NOTE} (· 수준). 빈 행에 이어 쓰면 되고, 모자라면 "
            "목록 안에 행을 삽입하십시오.",
        ),
        ("", ""),
        ("head", "새로 추가하기"),
        (
            "",
            "새 공약사업은 예산 표의 이름이 빈 노란 행에 사업명·재원과 함께 씁니다. 새 "
            "성과지표는 성과지표 아래 빈 행에 지표명·단위·목표·실적을 씁니다.",
        ),
        ("", ""),
        ("head", "숫자와 날짜"),
        (
            "",
            "금액은 백만원 단위 숫자만 씁니다: 1,234백만원 → 1234, 12.5백만원 → 12.5. "
            "'원'·쉼표·공백을 넣지 마십시오.",
        ),
        ("", "빈 칸은 '기록 없음'이고 0과 다릅니다. 시민참여는 횟수(정수)입니다."),
        (
            "",
            "글 칸은 '텍스트' 서식이라 22.3.5처럼 써도 날짜로 바뀌지 않습니다. 다른 곳에서 "
            "붙여 넣어 날짜로 바뀌었다면 작은따옴표를 앞에 붙여 '22.3.5 로 다시 쓰십시오.",
        ),
        ("", ""),
        ("head", "하지 말 것"),
        (
            "",
            "시트 이름을 바꾸거나 시트를 지우지 마십시오. 행을 다른 칸으로 옮기지 마십시오 "
            "(숨은 A열이 행의 자리를 표시합니다).",
        ),
        (
            "",
            "다른 시기·다른 시·군·구의 파일에 옮겨 적지 마십시오. 파일을 받은 그대로 채워 "
            "총괄부서에 보냅니다.",
        ),
        (
            "",
            "파일은 Excel, 한셀, LibreOffice Calc 어느 것으로 저장해도 됩니다 (xlsx 형식 그대로).",
        ),
        ("", ""),
        ("head", "이 파일의 공약"),
    ]
    r = 0
    for kind, text in lines:
        if kind == "title":
            ws.merge_range(r, 0, r, 1, text, f.title)
            ws.set_row(r, 24)
        elif text:
            ws.write_string(r, 0 if kind else 1, text, f.guide_head if kind else f.guide)
            height = 0 if kind else _height(text, widths[1])
            if height:
                ws.set_row(r, height)
        r += 1
    for name, st in sheets:
        ws.write_string(r, 0, name, f.guide)
        ws.write_string(r, 1, st.title, f.guide)
        height = _height(st.title, widths[1])
        if height:
            ws.set_row(r, height)
        r += 1
    # Printed on one page width, portrait, as a sheet of instructions is.
    ws.set_paper(9)
    ws.set_portrait()
    ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    ws.fit_to_pages(1, 0)
    ws.print_area(0, 0, r - 1, 1)
    ws.protect(
        "", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True}
    )


def _workbook(
    records: RecordSet,
    settings: ReportSettings,
    period: Period,
    department: str,
    statements: list[Statement],
) -> bytes:
    buffer = io.BytesIO()
    wb = Workbook(
        buffer,
        {
            "in_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    f = _Formats(wb)
    # Spare 성과지표 rows only where the city's pledges have indicators at all.
    indicators_in_form = any(p.indicators for p in records.pledges)
    guide = wb.add_worksheet(GUIDE_SHEET)
    taken: set[str] = set()
    named = [(sheet_name(st.pledge_id, taken), st) for st in statements]
    sheets = [(name, wb.add_worksheet(name), st) for name, st in named]
    meta = wb.add_worksheet(META_SHEET)

    # Dropdown lists: inline when short, else a range on the metadata sheet.
    lists: dict[str, str | list[str]] = {}
    for col, (kind, values) in enumerate(
        (
            ("statuses", list(settings.statuses)),
            ("sources", list(settings.funding_sources)),
            ("levels", list(LEVEL_CHOICES)),
        ),
        start=2,
    ):
        for r, value in enumerate(values):
            meta.write_string(r, col, value)
        if _list_ok(values):
            lists[kind] = values
        else:
            start = xl_rowcol_to_cell(0, col, row_abs=True, col_abs=True)
            end = xl_rowcol_to_cell(len(values) - 1, col, row_abs=True, col_abs=True)
            lists[kind] = f"='{META_SHEET}'!{start}:{end}"

    for _name, ws, st in sheets:
        _pledge_sheet(ws, f, lists, st, settings, period, indicators_in_form)
    _guide(guide, f, settings, period, department, named)

    info = {
        "format": FORMAT,
        "city": settings.city,
        "term": settings.term.name,
        "period": str(period),
        "department": department,
        "pledges": [
            {
                "id": st.pledge_id,
                "sheet": name,
                "digest": st.digest,
                "budget_columns": st.budget_keys,
                "sections": {name: section_digest(value) for name, value in st.sections.items()},
                "copies": st.copies,
            }
            for name, st in named
        ],
    }
    meta.write_string(0, 0, FORMAT)
    meta.write_string(1, 0, json.dumps(info, ensure_ascii=False, sort_keys=True))
    meta.very_hidden()
    guide.activate()
    wb.set_properties(
        {
            "title": f"{settings.city} {period.in_words} 공약 추진실적 입력 ({department})",
            "author": settings.city,
            "created": dt.datetime(period.year, 1 if period.half == 1 else 7, 1),
        }
    )
    wb.close()
    return buffer.getvalue()


def _period(period: Period | str) -> Period:
    return period if isinstance(period, Period) else Period.half_year(period)


def export_workbooks(
    records_dir: Path,
    period: Period | str,
    dept: str | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, bytes]:
    """One XLSX per department (file name → bytes) for the report of ``period``.

    The pledges of a department are those whose 소관부서 is that department
    as of ``period``. ``dept`` keeps one department only. Raises
    :class:`~reportgen.errors.RecordsInvalid` when the records have errors and
    :class:`~reportgen.errors.PeriodError` for a period outside the term.
    Writes nothing: the caller saves the files. ``progress(done, total)`` is
    called as each department's workbook is made.
    """
    when = _period(period)
    records, _warnings = check(records_dir)
    settings = records.settings
    if settings is None:  # pragma: no cover - check() reports a missing report.json
        raise ReportgenError(
            tr(f"{records_dir}: report.json이 없습니다.", f"{records_dir}: report.json is missing")
        )
    term = settings.term.to_term()
    term.require(when)
    by_department: dict[str, list[Statement]] = {}
    for pledge, path in records.origins:
        raw = parse(records.sources[path.name])
        typed, _raw, _new = opened(pledge, raw, path, when, settings)
        department = department_of(pledge_as_of(typed, when, term, settings.cutoff))
        by_department.setdefault(department, []).append(statement(typed, settings, when))
    if dept is not None and dept not in by_department:
        known = ", ".join(sorted(by_department))
        raise ReportgenError(
            tr(
                f"{when} 보고에 {quote(dept)} 소관 공약이 없습니다. 부서: {known}",
                f"no pledge of {quote(dept)} in the report of {when}; the departments are: {known}",
            )
        )
    out: dict[str, bytes] = {}
    taken: set[str] = set()
    wanted = [d for d in sorted(by_department) if dept is None or d == dept]
    for department in wanted:
        name = file_name(when, department, taken)
        out[name] = _workbook(records, settings, when, department, by_department[department])
        if progress is not None:
            progress(len(out), len(wanted))
    return out
