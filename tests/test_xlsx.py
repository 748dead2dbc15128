"""The budget workbook: figures, live totals with stored values, layout, styles, determinism.

The workbook is read back with openpyxl twice: once for formulas, once with
``data_only=True`` for the values stored beside them (what pandas, previews
and openpyxl see). Every formula is evaluated here against the stored values
of the cells it names, and, when LibreOffice is installed, recalculated by
LibreOffice and compared with the stored values.
"""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import gc
import importlib.util
import io
import json
import re
import shutil
import subprocess
import time
import zipfile
import zlib
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.utility import quote_sheetname, xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from reportgen.errors import TemplateError
from reportgen.formats import ooxml, xlsx, xlsxsheet
from reportgen.formats.ooxml import read_package
from reportgen.formats.xlsx import (
    ROLES,
    SOURCES_SHEET,
    SUMMARY_SHEET,
    blank_zero,
    render_workbook,
    sheet_names,
    with_decimals,
)
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import ReportView, report_view

from .conftest import audit
from .synthetic import write_synthetic_records

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "workbook.xlsx"
PLAN_TITLE = "□ 연도별 투자계획(사업비)"
SECURED_TITLE = "□ 연도별 확보(집행)액"
SOURCES = ("국비", "도비", "시비", "기타")


# ---------------------------------------------------------------------------
# Fixtures and readers


def _report(records: Path = ROOT / "records", period: str = "2022H1") -> ReportView:
    rs = load_records(records)
    assert rs.settings is not None
    return report_view(rs.pledges, Period.parse(period), rs.settings)


@pytest.fixture(scope="module")
def report() -> ReportView:
    return _report()


@pytest.fixture(scope="module")
def data(report: ReportView) -> bytes:
    return render_workbook(report, TEMPLATE)


@pytest.fixture(scope="module")
def formulas(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def values(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data), data_only=True)


def _find_row(ws: Any, text: str, col: int = 1) -> int:
    for row in ws.iter_rows(min_col=col, max_col=col):
        if row[0].value == text:
            return row[0].row
    raise AssertionError(f"{text!r} not found in column {col} of {ws.title}")


Table = dict[tuple[str, str], dict[str, Any]]


def _plan_table(ws: Any) -> Table:
    """(sub-project, 구분) -> {column header: cell}; the grand total is ("", "계")."""
    top = _find_row(ws, PLAN_TITLE)
    head = top + 1
    headers = {c.column: c.value for c in ws[head] if c.value}
    return _rows(ws, head + 1, {col: (h, "") for col, h in headers.items() if col > 2})


def _secured_table(ws: Any) -> Table:
    """Like the plan table; keys are "'19 확보" / "'19 집행" / "계 확보" / "집행률"."""
    top = _find_row(ws, SECURED_TITLE)
    head, sub = top + 1, top + 2
    columns: dict[int, tuple[str, str]] = {}
    group = ""
    for cell in ws[head]:
        if cell.column <= 2:
            continue
        if cell.value:
            group = cell.value
        below = ws.cell(sub, cell.column).value
        if group == "집행률" or (cell.value and not below):  # one column, two rows high
            columns[cell.column] = (group, "")
        elif below:
            columns[cell.column] = (group, below)
    return _rows(ws, sub + 1, columns)


def _rows(ws: Any, first: int, columns: dict[int, tuple[str, str]]) -> Table:
    out: Table = {}
    name = ""
    r = first
    while ws.cell(r, 1).value is not None or ws.cell(r, 2).value is not None:
        a, b = ws.cell(r, 1).value, ws.cell(r, 2).value
        if r == first:
            assert a is None, (ws.title, r)  # the grand-total row: no name,
            key = ("", b)  # 계 under 구분 as every format prints it
        else:
            if a is not None:
                name = a
            key = (name, b)
        out[key] = {(f"{h} {s}".strip()): ws.cell(r, col) for col, (h, s) in columns.items()} | {
            "_row": r
        }
        r += 1
    return out


def _merged_name(ws: Any, row: int) -> str | None:
    """The value shown in column A at ``row`` (the top cell of its merged range)."""
    for rng in ws.merged_cells.ranges:
        if rng.min_col == 1 and rng.min_row <= row <= rng.max_row:
            return ws.cell(rng.min_row, 1).value
    return ws.cell(row, 1).value


# ---------------------------------------------------------------------------
# A small evaluator for the formulas the writer emits (SUM, SUMIF, COUNTIF, IF, refs)

_REF = r"(?:'((?:[^']|'')+)'!)?\$?([A-Z]+)\$?(\d+)"
_RANGE = re.compile(rf"^{_REF}(?::\$?([A-Z]+)\$?(\d+))?$")


def _col_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _cells(wb: openpyxl.Workbook, sheet: str, text: str) -> list[Any]:
    m = _RANGE.match(text.strip())
    assert m, f"unexpected reference {text!r}"
    name = m.group(1).replace("''", "'") if m.group(1) else sheet
    ws = wb[name]
    c1, r1 = _col_index(m.group(2)), int(m.group(3))
    c2, r2 = (_col_index(m.group(4)), int(m.group(5))) if m.group(4) else (c1, r1)
    return [ws.cell(r, c).value for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0


def _split_args(text: str) -> list[str]:
    out, depth, quoted, cur = [], 0, False, ""
    for ch in text:
        if ch == '"':
            quoted = not quoted
        if not quoted and ch == "(":
            depth += 1
        if not quoted and ch == ")":
            depth -= 1
        if ch == "," and depth == 0 and not quoted:
            out.append(cur)
            cur = ""
        else:
            cur += ch
    out.append(cur)
    return out


def evaluate(wb: openpyxl.Workbook, sheet: str, formula: str) -> Any:
    """Value of one of the writer's formulas, from the stored values of the cells it names."""
    body = formula[1:]
    if re.fullmatch(r"-?\d+(\.\d+)?", body):
        return float(body)
    m = re.fullmatch(r"SUM\((.*)\)", body)
    if m:
        return sum(_num(v) for arg in _split_args(m.group(1)) for v in _cells(wb, sheet, arg))
    m = re.fullmatch(r"SUMIF\((.*)\)", body)
    if m:
        labels, crit, sums = _split_args(m.group(1))
        crit = crit.strip('"')
        pairs = zip(_cells(wb, sheet, labels), _cells(wb, sheet, sums), strict=True)
        if crit.startswith("<>"):
            return sum(_num(v) for k, v in pairs if k != crit[2:])
        return sum(_num(v) for k, v in pairs if k == crit)
    m = re.fullmatch(r"COUNTIF\((.*)\)", body)
    if m:
        rng, crit = _split_args(m.group(1))
        want = crit.strip('"').removeprefix("=")
        return float(sum(1 for v in _cells(wb, sheet, rng) if v == want))
    m = re.fullmatch(r'IF\(([^=,]+)=0,"",ROUND\(([^/]+)/([^,]+),3\)\)', body)
    if m:  # a share to one decimal of a percent, as the view prints it
        test = _num(_cells(wb, sheet, m.group(1))[0])
        if test == 0:
            return None
        ratio = _num(_cells(wb, sheet, m.group(2))[0]) / _num(_cells(wb, sheet, m.group(3))[0])
        return float(Decimal(repr(ratio)).quantize(Decimal("0.001"), ROUND_HALF_UP))
    m = re.fullmatch(r'IF\(OR\(([^=]+)="",([^=]+)=0\),"",([^/]+)/(.+)\)', body)
    if m:  # 달성률 of an indicator: blank without a result or a target
        result, target = _cells(wb, sheet, m.group(1))[0], _num(_cells(wb, sheet, m.group(2))[0])
        if result in (None, "") or target == 0:
            return None
        return _num(_cells(wb, sheet, m.group(3))[0]) / _num(_cells(wb, sheet, m.group(4))[0])
    m = re.fullmatch(r'IF\((.+)=0,"",(.+)/(.+)\)', body)
    if m:
        test = _num(_cells(wb, sheet, m.group(1))[0])
        if test == 0:
            return None
        return _num(_cells(wb, sheet, m.group(2))[0]) / _num(_cells(wb, sheet, m.group(3))[0])
    terms = re.findall(r'\(([^()]+)<>""\)\*([^+]+)', body)
    if terms and "+".join(f'({a}<>"")*{b}' for a, b in terms) == body:
        # 확보 where 집행 is recorded: an empty executed cell leaves its secured out.
        return sum(
            _num(_cells(wb, sheet, b)[0])
            for a, b in terms
            if _cells(wb, sheet, a)[0] not in (None, "")
        )
    if _RANGE.match(body):
        value = _cells(wb, sheet, body)[0]
        # A reference to a formula that gave "" (read back as None) gives "" too.
        return None if value in ("", None) else _num(value)
    raise AssertionError(f"unexpected formula {formula!r} on {sheet}")


def _formula_cells(formulas: openpyxl.Workbook) -> list[tuple[str, str, str]]:
    return [
        (ws.title, cell.coordinate, cell.value)
        for ws in formulas
        for row in ws.iter_rows()
        for cell in row
        if isinstance(cell.value, str) and cell.data_type == "f"
    ]


def assert_formulas_match_stored_values(data: bytes) -> int:
    formulas = openpyxl.load_workbook(io.BytesIO(data))
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    checked = 0
    for sheet, coord, formula in _formula_cells(formulas):
        stored = values[sheet][coord].value
        got = evaluate(values, sheet, formula)
        if got is None:
            assert stored in (None, ""), (sheet, coord, formula, stored)
        else:
            assert isinstance(stored, int | float), (sheet, coord, formula, stored)
            assert stored == pytest.approx(got, abs=1e-9), (sheet, coord, formula, stored, got)
        checked += 1
    return checked


# ---------------------------------------------------------------------------
# The seed pledge 1-4-5


def test_plan_figures_of_1_4_5(values):
    t = _plan_table(values["1-4-5"])
    big = "「고양시통합일자리센터」 운영 및 계층별 일자리사업 추진"
    assert t[("민선7기 일자리종합계획 수립", "시비")]["'18.7."].value == 20
    assert t[("통합일자리정보 시스템 구축", "시비")]["'18.7."].value == 22
    years = ("'18.7.", "'19", "'20", "'21", "'22.6.")
    assert [t[(big, "도비")][y].value for y in years] == [279, 317, 312, 327, 343]
    assert [t[(big, "시비")][y].value for y in years] == [788, 1418, 1417, 1487, 1561]
    # The form's checks (FORM.md §4): 8,291 = 20 + 22 + 1,578 + 6,671; '19 1,735 = 317 + 1,418.
    assert t[("", "계")]["계"].value == 8291
    assert t[(big, "도비")]["계"].value == 1578
    assert t[(big, "시비")]["계"].value == 6671
    assert t[("", "계")]["'19"].value == 1735
    assert t[(big, "국비")]["'19"].value is None  # empty cells stay empty


def test_totals_are_sum_formulas(formulas):
    t = _plan_table(formulas["1-4-5"])
    big = "「고양시통합일자리센터」 운영 및 계층별 일자리사업 추진"
    for key in (("", "계"), (big, "도비"), (big, "시비"), (big, "소계")):
        assert t[key]["계"].value.startswith("=SUM("), key
    assert t[("", "계")]["'19"].value.startswith("=SUM(")
    assert t[(big, "소계")]["'19"].value.startswith("=SUM(")
    assert t[(big, "시비")]["'19"].value == 1418  # a figure, not a formula


def test_secured_and_executed_are_separate_numbers(values, formulas):
    t = _secured_table(values["1-4-5"])
    big = "「고양시통합일자리센터」 운영 및 계층별 일자리사업 추진"
    assert (t[(big, "도비")]["'18.7. 확보"].value, t[(big, "도비")]["'18.7. 집행"].value) == (
        279,
        278,
    )
    assert (t[(big, "시비")]["'18.7. 확보"].value, t[(big, "시비")]["'18.7. 집행"].value) == (
        1499,
        1323,
    )
    assert t[(big, "도비")]["'21 확보"].value == 312
    assert t[(big, "도비")]["'21 집행"].value is None  # not executed yet: empty, not 0
    assert t[("통합일자리정보 시스템 구축", "시비")]["'18.7. 확보"].value == 12
    assert t[("통합일자리정보 시스템 구축", "시비")]["'18.7. 집행"].value == 10
    grand = t[("", "계")]
    assert (grand["계 확보"].value, grand["계 집행"].value) == (6981, 4782)
    # 집행률 like with like: of the 5,278 secured in the years with execution recorded.
    basis = next(k for k in grand if k.startswith("확보") and "집행 기재분" in k)
    assert grand[basis].value == 1810 + 1736 + 1732
    assert grand["집행률"].value == pytest.approx(4782 / 5278)
    assert t[(big, "도비")]["집행률"].value == pytest.approx(907 / 908)  # not 907 / 1,220
    f = _secured_table(formulas["1-4-5"])
    assert f[("", "계")]["계 확보"].value.startswith("=SUM(")
    assert f[("", "계")]["집행률"].value.startswith("=IF(")
    row_basis = f[(big, "도비")][basis].value
    assert row_basis.startswith("=(") and '<>"")*' in row_basis


def test_name_cells_merge_down_their_blocks(formulas):
    ws = formulas["1-4-5"]
    for title in (PLAN_TITLE, SECURED_TITLE):
        top = _find_row(ws, title)
        first = top + (3 if title == PLAN_TITLE else 4)  # below the 계 row
        last = first + 12  # 4 + 4 + 5 rows
        spans = sorted(
            (r.min_row, r.max_row)
            for r in ws.merged_cells.ranges
            if r.min_col == r.max_col == 1 and r.min_row >= first and r.max_row <= last
        )
        assert [b - a + 1 for a, b in spans] == [4, 4, 5], title
        assert (
            _merged_name(ws, spans[2][1])
            == "「고양시통합일자리센터」 운영 및 계층별 일자리사업 추진"
        )


def test_headers_follow_the_term(values, report):
    ws = values["1-4-5"]
    head = _find_row(ws, PLAN_TITLE) + 1
    labels = [c.value for c in ws[head]][:10]
    assert labels == ["공약사업명", "구분", "계", *report.column_labels]
    assert labels[3:] == ["기투자", "'18.7.", "'19", "'20", "'21", "'22.6.", "임기후"]
    unit_row = _find_row(ws, PLAN_TITLE)
    assert ws.cell(unit_row, 10).value == "(단위 : 백만원)"
    assert ws.cell(unit_row, 10).alignment.horizontal == "right"


# ---------------------------------------------------------------------------
# Every total against the records themselves


def _expected_from_records(pledge_id: str, period: str = "2022H1") -> dict[str, Any]:
    raw = json.loads((ROOT / "records" / f"{pledge_id}.json").read_text(encoding="utf-8"))
    budget = raw["reports"][period]["budget"]
    plan_rows: dict[tuple[str, str], dict[str, Decimal]] = {}
    for sub in budget["plan"]:
        for source, cols in sub["sources"].items():
            plan_rows[(sub["name"], source)] = {k: Decimal(str(v)) for k, v in cols.items()}
    sec_rows: dict[tuple[str, str], dict[str, tuple[Decimal, Decimal]]] = {}
    for sub in budget["secured"]:
        for source, cols in sub["sources"].items():
            sec_rows[(sub["name"], source)] = {
                k: (Decimal(str(v["secured"])), Decimal(str(v.get("executed", 0))))
                for k, v in cols.items()
            }
    return {"plan": plan_rows, "secured": sec_rows}


def test_every_total_agrees_with_the_records(values, report):
    expected = _expected_from_records("1-4-5")
    label = dict(zip(report.column_keys, report.column_labels, strict=True))
    plan = _plan_table(values["1-4-5"])
    # Source rows: 계 = the row's figures; blocks: 소계 = its rows; top: 계 = everything.
    for (name, source), cols in expected["plan"].items():
        assert plan[(name, source)]["계"].value == sum(cols.values())
    names = {n for n, _ in expected["plan"]}
    for name in names:
        rows = {s: c for (n, s), c in expected["plan"].items() if n == name}
        if len(rows) > 1:
            for key, lab in label.items():
                want = sum(c.get(key, 0) for c in rows.values())
                assert plan[(name, "소계")][lab].value == want
    for key, lab in label.items():
        want = sum(c.get(key, 0) for c in expected["plan"].values())
        assert plan[("", "계")][lab].value == want, lab
    assert plan[("", "계")]["계"].value == sum(
        v for c in expected["plan"].values() for v in c.values()
    )

    sec = _secured_table(values["1-4-5"])
    for (name, source), cols in expected["secured"].items():
        row = sec[(name, source)]
        assert row["계 확보"].value == sum(s for s, _ in cols.values())
        assert row["계 집행"].value == sum(e for _, e in cols.values())
    for key, lab in label.items():
        got = sum(c[key][0] for c in expected["secured"].values() if key in c)
        exe = sum(c[key][1] for c in expected["secured"].values() if key in c)
        assert sec[("", "계")][f"{lab} 확보"].value == got, lab
        assert (sec[("", "계")][f"{lab} 집행"].value or 0) == exe, lab

    # The summary sheets carry the same totals.
    summary = values[SUMMARY_SHEET]
    r = _find_row(summary, "1-4-5")
    assert [summary.cell(r, c).value for c in (4, 5, 6)] == [8291, 6981, 4782]
    by_source = values[SOURCES_SHEET]
    r = _find_row(by_source, "1-4-5")
    row = [by_source.cell(r, c).value for c in range(3, 18)]
    plan_by = {
        s: sum(v for (_, src), c in expected["plan"].items() if src == s for v in c.values())
        for s in SOURCES
    }
    sec_by = {
        s: (
            sum(
                a for (_, src), c in expected["secured"].items() if src == s for a, _ in c.values()
            ),
            sum(
                e for (_, src), c in expected["secured"].items() if src == s for _, e in c.values()
            ),
        )
        for s in SOURCES
    }
    for g, s in enumerate(SOURCES):
        assert row[3 * g : 3 * g + 3] == [plan_by[s], *sec_by[s]], s
    assert row[12:15] == [8291, 6981, 4782]


def test_every_formula_gives_its_stored_value(data):
    assert assert_formulas_match_stored_values(data) > 100


def test_synthetic_report_formulas_and_totals(tmp_path):
    records = tmp_path / "records"
    write_synthetic_records(records, 12)
    report = _report(records)
    data = render_workbook(report, TEMPLATE)
    assert assert_formulas_match_stored_values(data) > 1000
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    summary = values[SUMMARY_SHEET]
    total_row = _find_row(summary, "합계")
    first = _find_row(summary, report.pledges[0].id)
    for col in range(4, 4 + 3 + 1 + len(report.column_labels)):
        if col == 7:
            continue  # 집행률 is a ratio, not a sum
        column = [summary.cell(r, col).value or 0 for r in range(first, total_row)]
        assert summary.cell(total_row, col).value == sum(column)


def test_decimal_figures_keep_their_decimals(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    budget = pledge["reports"]["2022H1"]["budget"]
    budget["plan"][0]["sources"]["시비"] = {"2018": 10.5, "2019": 20.25}
    records = write_records(tmp_path, {"1-1-1": pledge})
    data = render_workbook(_report(records), TEMPLATE)
    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    t = _plan_table(wb["1-1-1"])
    cell = t[("사업", "시비")]["'18.7."]
    assert cell.value == 10.5 and cell.number_format == "#,##0.0#"
    assert t[("사업", "시비")]["계"].value == 30.75
    assert t[("사업", "시비")]["계"].number_format == "#,##0.0#"
    assert t[("", "계")]["'19"].value == 20.25
    assert assert_formulas_match_stored_values(data) > 10


# ---------------------------------------------------------------------------
# Numbers, formats, sheets


def test_every_figure_is_a_number(values):
    looks_numeric = re.compile(r"^\s*-?\(?[\d,]+(\.\d+)?\)?%?\s*$")
    for ws in values:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str):
                    assert not looks_numeric.match(cell.value), (ws.title, cell.coordinate)


def test_number_formats(formulas):
    ws = formulas["1-4-5"]
    plan = _plan_table(ws)
    assert plan[("", "계")]["계"].number_format == "#,##0"
    assert plan[("", "계")]["'19"].number_format == "#,##0"
    big = "「고양시통합일자리센터」 운영 및 계층별 일자리사업 추진"
    assert plan[(big, "시비")]["'19"].number_format == "#,##0"
    # A row the form leaves blank keeps its live total but prints nothing for 0.
    assert plan[(big, "국비")]["계"].number_format == '#,##0;-#,##0;""'
    sec = _secured_table(ws)
    assert sec[("", "계")]["집행률"].number_format == "0.0%"
    summary = formulas[SUMMARY_SHEET]
    r = _find_row(summary, "1-4-5")
    assert summary.cell(r, 7).number_format == "0.0%"
    assert summary.cell(r, 4).number_format == "#,##0"


def test_format_helpers():
    assert with_decimals("#,##0") == "#,##0.0#"
    assert with_decimals('#,##0;-#,##0;""') == '#,##0.0#;-#,##0.0#;""'
    assert with_decimals('#,##0"0원"') == '#,##0.0#"0원"'
    assert with_decimals("#,##0.00") == "#,##0.00"
    assert blank_zero("#,##0") == '#,##0;-#,##0;""'
    assert blank_zero("#,##0;(#,##0)") == "#,##0;(#,##0)"


def test_sheets_are_named_after_pledges_in_order(formulas, report):
    budgeted = [v.id for v in report.pledges if not v.non_budget]
    assert formulas.sheetnames == [SUMMARY_SHEET, SOURCES_SHEET, *budgeted]
    assert "1-4-3" not in formulas.sheetnames  # 비예산: no sheet


def test_sheet_names_are_valid_and_unique():
    ids = [
        "1-4-5",
        "a/b",
        "x:y*z?",
        "[1]",
        "'quoted'",
        "총괄",
        "A" * 40,
        "A" * 40,
        "a/b",
        "history",
    ]
    names = sheet_names(ids)
    assert len(names) == len(set(n.casefold() for n in names)) == len(ids)
    assert not {n.casefold() for n in names} & {"총괄", "재원별", "styles", "history"}
    for name in names:
        assert 0 < len(name) <= 31
        assert not re.search(r"[\[\]:*?/\\]", name)
        assert not name.startswith("'") and not name.endswith("'")
    assert names[0] == "1-4-5"
    # Excel itself (via XlsxWriter's checks) accepts them all.
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    for name in names:
        wb.add_worksheet(name)
    wb.close()


def test_summary_links_to_each_pledge_sheet(tmp_path, write_records, make_pledge):
    ids = ["1-1-1", "1-1-2"]
    records = write_records(tmp_path, {i: make_pledge(i) for i in ids})
    data = render_workbook(_report(records), TEMPLATE)
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames[2:] == ids
    summary = wb[SUMMARY_SHEET]
    r = _find_row(summary, "1-1-1")
    assert summary.cell(r, 1).hyperlink.location == "'1-1-1'!A1"
    assert summary.cell(r + 1, 1).hyperlink.location == "'1-1-2'!A1"


def test_non_budget_pledge_is_listed_as_such(values):
    for sheet in (SUMMARY_SHEET, SOURCES_SHEET):
        ws = values[sheet]
        r = _find_row(ws, "1-4-3")
        row = [c.value for c in ws[r]]
        assert row[1] == "고양시 고용할당제 도입"
        assert "비예산" in row
        assert not any(isinstance(v, int | float) for v in row), row
    ws = values[SUMMARY_SHEET]
    r = _find_row(ws, "1-4-3")
    assert ws.cell(r, 3).value == "미기재"  # no status recorded for 2022H1


def test_summary_counts_by_status(values, formulas, report):
    ws = values[SUMMARY_SHEET]
    for count in report.summary:
        r = _find_row(ws, count.status, col=2)
        assert ws.cell(r, 3).value == count.count
        share = ws.cell(r, 4).value
        assert f"{share * 100:.1f}%" == count.share
        assert formulas[SUMMARY_SHEET].cell(r, 3).value.startswith("=COUNTIF(")
    r = _find_row(ws, "계", col=2)
    # The base of the shares: 1-4-3 has no status and is counted apart.
    assert ws.cell(r, 3).value == report.base == 1
    apart = _find_row(ws, "추진상황 미기재 (비율 제외)", col=2)
    assert ws.cell(apart, 3).value == report.unrecorded == 1
    assert formulas[SUMMARY_SHEET].cell(apart, 3).value.startswith("=COUNTIF(")
    # The rows are the view's 총괄표, in its order: 달성률 is in the ○ lines below.
    block = [ws.cell(r, 2).value for r in range(_find_row(ws, "추진상황", col=2) + 1, apart + 2)]
    assert block == [r.cells[0].text for r in report.status_table.rows]


def test_record_text_is_data_not_formula(tmp_path, write_records, make_pledge):
    pledge = make_pledge(title='=HYPERLINK("http://x",1)')
    records = write_records(tmp_path, {"1-1-1": pledge})
    data = render_workbook(_report(records), TEMPLATE)
    ws = openpyxl.load_workbook(io.BytesIO(data))[SUMMARY_SHEET]
    r = _find_row(ws, "1-1-1")
    assert ws.cell(r, 2).data_type == "s"
    assert ws.cell(r, 2).value == pledge["title"]


def test_budgeted_pledge_without_figures_gets_an_empty_frame(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    del pledge["reports"]["2022H1"]["budget"]
    records = write_records(tmp_path, {"1-1-1": pledge})
    data = render_workbook(_report(records), TEMPLATE)
    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    t = _plan_table(wb["1-1-1"])
    assert {label for _, label in t} == {"계", *SOURCES}
    assert assert_formulas_match_stored_values(data) > 10


# ---------------------------------------------------------------------------
# Determinism, freeze panes, printing


def test_rendering_is_deterministic(report, data):
    again = render_workbook(report, TEMPLATE)
    assert again == data
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        core = zf.read("docProps/core.xml").decode()
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
    assert "2022-01-01T00:00:00Z" in core  # the period's start, not the clock
    assert "xl/workbook.xml" in read_package(data)  # within the project's own package limits


def test_freeze_panes_and_print_setup(formulas):
    expected_freeze = {SUMMARY_SHEET: "C6", SOURCES_SHEET: "C6", "1-4-5": "C3"}
    for ws in formulas:
        assert ws.freeze_panes == expected_freeze[ws.title], ws.title
        assert ws.page_setup.orientation == "landscape"
        assert int(ws.page_setup.paperSize) == 9  # A4
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        assert int(ws.page_setup.fitToWidth or 1) == 1  # 1 is the default, left out
        assert int(ws.page_setup.fitToHeight) == 0  # as many pages down as needed
        assert ws.print_title_rows, ws.title
    assert formulas[SUMMARY_SHEET].print_title_rows == "$1:$5"
    assert formulas["1-4-5"].print_title_rows == "$1:$2"


# ---------------------------------------------------------------------------
# The style template


def _template_tool() -> Any:
    spec = importlib.util.spec_from_file_location(
        "make_workbook_template", ROOT / "tools" / "make_workbook_template.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_template_tool_is_deterministic_and_names_every_role(tmp_path):
    tool = _template_tool()
    first, second = tool.build(), tool.build()
    assert first == second
    ws = openpyxl.load_workbook(io.BytesIO(first))["styles"]
    roles = {row[0].value for row in ws.iter_rows(min_col=1, max_col=1)}
    assert set(ROLES) <= roles
    for row in ws.iter_rows(min_row=3, min_col=1, max_col=2):
        if row[0].value in ROLES:
            assert row[1].font.name == "맑은 고딕"


def _restyled(tmp_path: Path, change: Callable[[Any], None]) -> Path:
    wb = openpyxl.load_workbook(TEMPLATE)
    change(wb)
    path = tmp_path / "workbook.xlsx"
    wb.save(path)
    return path


def test_template_styles_reach_the_workbook(tmp_path, report):
    def change(wb: Any) -> None:
        ws = wb["styles"]
        r = _find_row(ws, "figure")
        cell = ws.cell(r, 2)
        cell.font = openpyxl.styles.Font(name="바탕", size=12, bold=True, color="FFC00000")
        cell.fill = openpyxl.styles.PatternFill("solid", fgColor="FFFFFF00")
        r = _find_row(ws, "total")
        ws.cell(r, 2).font = openpyxl.styles.Font(
            name="돋움", color=openpyxl.styles.colors.Color(theme=4)
        )
        r = _find_row(ws, "default")
        ws.cell(r, 2).font = openpyxl.styles.Font(name="굴림", size=9)

    data = render_workbook(report, _restyled(tmp_path, change))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    big = "「고양시통합일자리센터」 운영 및 계층별 일자리사업 추진"
    cell = _plan_table(wb["1-4-5"])[(big, "시비")]["'19"]
    assert (cell.font.name, cell.font.sz, cell.font.b) == ("바탕", 12, True)
    assert cell.font.color.rgb.endswith("C00000")
    assert cell.fill.fgColor.rgb.endswith("FFFF00")
    assert cell.number_format == "#,##0"
    total = _plan_table(wb["1-4-5"])[("", "계")]["계"]
    assert total.font.name == "돋움"
    # Theme colours resolve against the template's own theme (openpyxl's: accent 1 4F81BD).
    assert total.font.color.rgb.endswith("4F81BD")
    assert wb._fonts[0].name == "굴림"  # the workbook's default font


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda p: None, "template not found"),
        (lambda p: p.write_bytes(b"not a zip"), "not a readable XLSX"),
        (lambda p: p.write_bytes(b"PK\x03\x04broken"), "not a readable XLSX"),
    ],
)
def test_missing_or_broken_template(tmp_path, report, setup, message):
    path = tmp_path / "workbook.xlsx"
    setup(path)
    with pytest.raises(TemplateError) as err:
        render_workbook(report, path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_template_without_styles_sheet_or_role(tmp_path, report):
    def rename(wb: Any) -> None:
        wb["styles"].title = "서식"

    with pytest.raises(TemplateError, match='no sheet "styles"'):
        render_workbook(report, _restyled(tmp_path, rename))

    def drop_rate(wb: Any) -> None:
        ws = wb["styles"]
        ws.cell(_find_row(ws, "rate"), 1).value = "ratio"

    with pytest.raises(TemplateError, match="lacks the role\\(s\\) rate"):
        render_workbook(report, _restyled(tmp_path, drop_rate))


# ---------------------------------------------------------------------------
# XlsxWriter through its public API only; speed relative to plain XlsxWriter


def test_xlsxwriter_is_used_through_its_public_api_only():
    """No subclass of XlsxWriter's classes, no private attribute of theirs, no worksheet_class.

    Overriding internals pinned XlsxWriter to one minor version (issue 13);
    this fails if any comes back.
    """
    tree = ast.parse((ROOT / "reportgen" / "formats" / "xlsx.py").read_text(encoding="utf-8"))
    theirs = (Workbook, Worksheet, Format, Packager)
    private = {
        name
        for cls in theirs
        for klass in cls.__mro__
        if klass.__module__.startswith("xlsxwriter")
        for name in vars(klass)
        if name.startswith("_") and not name.startswith("__")
    }
    imported = {
        alias.asname or alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("xlsxwriter")
        for alias in node.names
    }
    public = {"Format", "Workbook", "Worksheet", "quote_sheetname", "xl_col_to_name"}
    assert imported <= public, imported
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = {b.id for b in node.bases if isinstance(b, ast.Name)}
            assert not bases & imported, f"class {node.name} subclasses {bases & imported}"
        if isinstance(node, ast.Attribute):
            assert node.attr not in private, f"line {node.lineno}: XlsxWriter's {node.attr}"
        if isinstance(node, ast.keyword):
            assert node.arg != "worksheet_class", f"line {node.lineno}"
    assert 'xlsxwriter>=3.3"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_column_names_are_xlsxwriters():
    """Every column of a worksheet is named as XlsxWriter names it (A … XFD)."""
    from reportgen.formats.xlsxsheet import MAX_COLS, column_name

    assert [column_name(c) for c in range(MAX_COLS)] == [xl_col_to_name(c) for c in range(MAX_COLS)]
    assert column_name(MAX_COLS - 1) == "XFD"


def test_the_workbook_modules_do_not_load_xlsxwriter():
    """Only a workbook whose frame or styles are made anew needs XlsxWriter (a ~12 ms import)."""
    import sys

    code = (
        "import sys\n"
        "import reportgen.formats.xlsx, reportgen.formats.xlsxsheet\n"
        "print('xlsxwriter' in sys.modules)\n"
    )
    found = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert found.stdout.strip() == "False"


def _sheet_cells(data: bytes) -> tuple[int, int]:
    """(cells, formulas) over the worksheets."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
    return sum(p.count(b"<c ") for p in parts), sum(p.count(b"<f>") for p in parts)


def _baseline(cells: int, formulas: int) -> float:
    """CPU of plain XlsxWriter writing as many bordered cells, as many of them formulas."""
    start = time.process_time()
    wb = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    fmt = wb.add_format({"border": 1, "num_format": "#,##0"})
    per_sheet = 500
    for s in range(cells // per_sheet + 1):
        ws = wb.add_worksheet()
        for i in range(min(per_sheet, cells - s * per_sheet)):
            k = s * per_sheet + i
            if k < formulas:
                ws.write_formula(i // 20, i % 20, f"=SUM(A{i // 20 + 1}:B{i // 20 + 1})", fmt, i)
            else:
                ws.write_number(i // 20, i % 20, i, fmt)
    wb.close()
    return time.process_time() - start


def test_300_pledges_render_far_faster_than_plain_xlsxwriter(tmp_path):
    """The sheets are serialized from the view (xlsxsheet), not cell by cell through XlsxWriter.

    Measured against plain XlsxWriter writing as many cells and formulas, in
    CPU time (not a wall-clock bound): about a sixth of it on the 2-core
    machine (0.38 s against 2.4 s); XlsxWriter itself took 1.1-1.3× its baseline.
    """
    records = tmp_path / "records"
    write_synthetic_records(records, 300)
    report = _report(records)
    runs, base = [], []
    data = b""
    for _ in range(2):  # best of two each: timing on shared machines is noisy
        start = time.process_time()
        data = render_workbook(report, TEMPLATE)
        runs.append(time.process_time() - start)
        base.append(_baseline(*_sheet_cells(data)))
    ratio = min(runs) / min(base)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheets = [n for n in zf.namelist() if n.startswith("xl/worksheets/sheet")]
    assert len(sheets) == 302
    assert ratio < 0.4, f"render {min(runs):.2f}s vs baseline {min(base):.2f}s"


@pytest.mark.parametrize("enabled", [True, False])
def test_render_leaves_the_garbage_collector_as_it_was(report, enabled, monkeypatch):
    was = gc.isenabled()
    try:
        gc.enable() if enabled else gc.disable()
        render_workbook(report, TEMPLATE)
        assert gc.isenabled() is enabled

        def fail(self: Any, *_args: Any) -> bytes:
            raise RuntimeError("boom")

        monkeypatch.setattr(xlsx._Writer, "render", fail)
        with pytest.raises(RuntimeError):
            render_workbook(report, TEMPLATE)
        assert gc.isenabled() is enabled
    finally:
        gc.enable() if was else gc.disable()


# ---------------------------------------------------------------------------
# External checkers: LibreOffice recalculation, openxml-audit

# Recalculate formulas on load: LibreOffice's default for XLSX is "never" (it
# trusts the stored values), which would make the comparison below vacuous.
RECALC_XCU = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load">
<prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
"""


def libreoffice_recalculated(tmp_path: Path, data: bytes) -> openpyxl.Workbook:
    """``data`` opened, recalculated and saved by LibreOffice, read back with its values."""
    src = tmp_path / "src"
    out = tmp_path / "out"
    src.mkdir()
    (src / "report.xlsx").write_bytes(data)
    # A sentinel whose stored value is wrong proves LibreOffice really recalculates.
    wb = xlsxwriter.Workbook(str(src / "sentinel.xlsx"))
    wb.add_worksheet().write_formula("A1", "=1+1", None, 5)
    wb.close()
    profile = tmp_path / "lo-profile"
    (profile / "user").mkdir(parents=True)
    (profile / "user" / "registrymodifications.xcu").write_text(RECALC_XCU, encoding="utf-8")
    proc = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(out),
            str(src / "report.xlsx"),
            str(src / "sentinel.xlsx"),
        ],
        capture_output=True,
        stdin=subprocess.DEVNULL,
        timeout=240,
    )
    assert (out / "report.xlsx").is_file(), proc.stdout + proc.stderr
    sentinel = openpyxl.load_workbook(out / "sentinel.xlsx", data_only=True).active
    assert sentinel["A1"].value == 2, "LibreOffice did not recalculate"
    return openpyxl.load_workbook(out / "report.xlsx", data_only=True)


def assert_recalculation_matches(data: bytes, theirs: openpyxl.Workbook) -> int:
    """Every stored value equals LibreOffice's; returns how many numbers were compared."""
    ours = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    assert ours.sheetnames == theirs.sheetnames
    compared = 0
    for ws in ours:
        other = theirs[ws.title]
        for row in ws.iter_rows():
            for cell in row:
                got = other[cell.coordinate].value
                want = cell.value
                if isinstance(want, int | float):
                    assert got == pytest.approx(want), (ws.title, cell.coordinate, got, want)
                    compared += 1
                else:
                    assert (got or None) == (want or None), (ws.title, cell.coordinate)
    return compared


needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed"
)


@needs_libreoffice
def test_libreoffice_recalculation_matches_stored_values(tmp_path, data):
    assert assert_recalculation_matches(data, libreoffice_recalculated(tmp_path, data)) > 150


def openxml_findings(tmp_path: Path, data: bytes) -> dict[str, Any]:
    path = tmp_path / "report.xlsx"
    path.write_bytes(data)
    return audit(path, timeout=120)[0]


def test_openxml_audit_finds_nothing(tmp_path, data):
    result = openxml_findings(tmp_path, data)
    assert result["valid"], result
    assert result["error_count"] == 0 and result["warning_count"] == 0, result


# ---------------------------------------------------------------------------
# The workbook by part (issue 26)


class _Recorded(xlsxsheet.SheetPart):
    """A sheet part that keeps every call made on it, to replay them on XlsxWriter."""

    made: list[_Recorded] = []

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.calls: list[tuple[str, tuple[Any, ...]]] = []
        _Recorded.made.append(self)

    def __getattribute__(self, attr: str) -> Any:
        found = super().__getattribute__(attr)
        if attr in _REPLAYED:
            calls = super().__getattribute__("calls")

            def record(*args: Any) -> Any:
                calls.append((attr, args))
                return found(*args)

            return record
        return found


_REPLAYED = {
    "write_string",
    "write_number",
    "write_blank",
    "write_formula",
    "merge_range",
    "write_url",
    "set_row",
    "set_column",
    "freeze_panes",
    "activate",
    "print_setup",
}


def _xlsxwriter_part(sheet: _Recorded, styles: dict[str, dict[str, Any]]) -> bytes:
    """The part XlsxWriter itself writes for the calls made on ``sheet``, its text inline."""
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    wb = xlsxwriter.Workbook(buffer, options)
    scratch = wb.add_worksheet("scratch")
    formats: dict[int, Any] = {}
    index = xlsx._styles(styles).index
    for c, key in enumerate(xlsx.CATALOGUE):
        fmt = wb.add_format(xlsx._format_properties(styles, *key))
        scratch.write_blank(0, c, None, fmt)
        formats.setdefault(index[key], fmt)
    ws = wb.add_worksheet(sheet.name)
    for name, args in sheet.calls:
        if name == "print_setup":
            footer, header = args
            ws.set_paper(9)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
            ws.center_horizontally()
            ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
            ws.set_footer(footer)
            if header:
                ws.set_header(header)
        elif name in ("set_row", "set_column", "freeze_panes", "activate"):
            getattr(ws, name)(*args)
        elif name == "merge_range":
            *where, text, xf = args
            ws.merge_range(*where, text, formats[xf])
        elif name == "write_url":
            r, c, url, xf, text, tip = args
            ws.write_url(r, c, url, formats[xf], text, tip)
        else:
            r, c, value, xf, *rest = args
            getattr(ws, name)(r, c, value, formats[xf], *rest)
    wb.close()
    parts = read_package(buffer.getvalue())
    strings = re.findall(rb"<si>(.*?)</si>", parts.get("xl/sharedStrings.xml", b""), re.S)
    return re.sub(
        rb't="s"><v>([0-9]+)</v></c>',
        lambda m: b't="inlineStr"><is>%s</is></c>' % strings[int(m[1])],
        parts["xl/worksheets/sheet2.xml"],
    )


@pytest.mark.parametrize("period", ["2021H2", "2022H1", "synthetic", "draft"])
def test_sheet_parts_are_what_xlsxwriter_writes(tmp_path, monkeypatch, period):
    """Every sheet is serialized by xlsxsheet exactly as XlsxWriter writes the same calls.

    The examples of both periods, synthetic pledges, and a draft (its header
    line): each sheet's calls are replayed on an XlsxWriter worksheet and the
    two parts compared byte for byte.
    """
    if period == "synthetic":
        write_synthetic_records(tmp_path / "records", 12)
        report = _report(tmp_path / "records")
    elif period == "draft":
        report = dataclasses.replace(_report(), draft_mark="초안 & 검토 중")
    else:
        report = _report(period=period)
    _Recorded.made = []
    monkeypatch.setattr(xlsx, "SheetPart", _Recorded)
    render_workbook(report, TEMPLATE)
    styles = xlsx.load_styles(TEMPLATE)
    assert len(_Recorded.made) >= 3
    for sheet in _Recorded.made:
        assert sheet.part() == _xlsxwriter_part(sheet, styles), sheet.name


@pytest.mark.parametrize(
    "names",
    [
        ["총괄", "재원별", "1-4-5"],
        ["총괄", "분야·부서별", "재원별", "성과지표", "공약 조정", "1-1-1", "1-1-10", "1-1-2"],
        ["총괄", "A1", "R1C1", "XFD1048576", "a b", "it's", "x&y<z>", ".dot", "가_1", "1-1(2)"],
    ],
)
def test_the_frame_is_what_xlsxwriter_writes(names):
    """The parts around the sheets, serialized by hand, are XlsxWriter's byte for byte.

    Sheet names that need quoting in a reference (a digit first, a space, an
    apostrophe, a name that reads as a cell) and text that needs escaping.
    """
    rows = [5 if i < 2 else 2 for i in range(len(names))]
    properties = {"title": "고양시 & <제목>", "subject": "민선7기 보고서", "author": "고양시"}
    created = dt.datetime(2022, 7, 1)
    buffer = io.BytesIO()
    wb = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, repeat in zip(names, rows, strict=True):
        ws = wb.add_worksheet(name)
        ws.repeat_rows(0, repeat - 1)
        if name == names[0]:
            ws.activate()
            ws.write_string(0, 0, name)  # so the package has a shared-string table
    wb.set_properties({**properties, "created": created})
    wb.close()
    theirs = read_package(buffer.getvalue())
    ours = xlsxsheet.frame_parts(
        list(zip(names, rows, strict=True)), properties, created, quote_sheetname
    )
    assert set(ours) | {"xl/theme/theme1.xml"} == set(xlsx.FRAME_PARTS)
    for part, data in ours.items():
        assert data == theirs[part], part
    styles = xlsx._styles(xlsx.load_styles(TEMPLATE))
    assert styles.theme == theirs["xl/theme/theme1.xml"]


def test_pledge_sheets_hold_their_text_inline(tmp_path):
    """A pledge sheet's text is inline (it is reused alone); the summary sheets share one table."""
    write_synthetic_records(tmp_path / "records", 9)
    whole = render_workbook(_report(tmp_path / "records"), TEMPLATE)
    parts = read_package(whole)
    sheets = sorted(n for n in parts if n.startswith("xl/worksheets/sheet"))
    inline = [n for n in sheets if b't="inlineStr"' in parts[n]]
    assert len(inline) == 9 and not any(b' t="s"' in parts[n] for n in inline)
    assert b"<si>" in parts["xl/sharedStrings.xml"]


def test_one_changed_pledge_reuses_every_other_part_still_deflated(tmp_path, monkeypatch):
    """A figure changed: its sheet and the summary sheets are written, the rest taken deflated.

    The frame around the sheets (sheet list, print titles, properties) is
    reused too while the sheet list stands, and the workbook is the one a
    build from scratch makes, byte for byte.
    """
    write_synthetic_records(tmp_path / "records", 6)
    report = _report(tmp_path / "records")
    keys = {view.id: f"key-{view.id}" for view in report.pledges}
    first, part_keys = xlsx.build_workbook(report, TEMPLATE, keys, None, "frame")
    assert first == render_workbook(report, TEMPLATE)
    assert set(xlsx.FRAME_PARTS) <= set(part_keys)
    stored = read_package(first)
    deflated = ooxml.deflated_parts(first)
    assert {n: zlib.decompress(d.packed, -15) for n, d in deflated.items()} == stored
    by_key = {key: deflated[part] for part, key in part_keys.items()}
    changed = report.pledges[2].id
    keys[changed] = "key-changed"
    written: list[str] = []
    real_sheet, real_skeleton = xlsx._Writer.pledge_sheet, xlsx._Writer._skeleton

    def sheet(self: Any, view: Any, name: str) -> Any:
        written.append(view.id)
        return real_sheet(self, view, name)

    def skeleton(self: Any, order: Any) -> Any:
        written.append("(frame)")
        return real_skeleton(self, order)

    monkeypatch.setattr(xlsx._Writer, "pledge_sheet", sheet)
    monkeypatch.setattr(xlsx._Writer, "_skeleton", skeleton)
    again, again_keys = xlsx.build_workbook(report, TEMPLATE, keys, by_key.get, "frame")
    assert written == [changed]
    assert again == first
    assert len(set(again_keys.values()) - set(part_keys.values())) == 1
    # Another frame (code or template changed): the frame is written again.
    written.clear()
    assert xlsx.build_workbook(report, TEMPLATE, keys, by_key.get, "other")[0] == first
    assert written == [changed, "(frame)"]  # (the changed sheet was never stored)


def test_a_summary_sheet_that_comes_out_as_before_is_not_deflated_again(tmp_path, monkeypatch):
    """The summary sheets are written each time; one whose bytes are the previous build's is taken.

    Only where its size, CRC and inflated bytes are the very bytes written
    now (a lying entry is deflated anew); the workbook is byte for byte the
    one a build from scratch makes. 총괄 and 재원별, whose pledge rows are
    taken back from the part found by their layout key, are compared with
    that part; the others (and these, where no row is kept) with the
    previous build's part of the same name (``earlier``).
    """
    write_synthetic_records(tmp_path / "records", 6)
    report = _report(tmp_path / "records")
    keys = {view.id: f"key-{view.id}" for view in report.pledges}
    first, part_keys = xlsx.build_workbook(report, TEMPLATE, keys, None, "frame")
    assert first == render_workbook(report, TEMPLATE)
    before = ooxml.deflated_parts(first)
    by_key = {key: before[part] for part, key in part_keys.items()}
    deflated: list[int] = []
    real = ooxml._deflate

    def counting(data: bytes, cache: bool) -> tuple[int, bytes]:
        deflated.append(len(data))
        return real(data, cache)

    monkeypatch.setattr(ooxml, "_deflate", counting)
    quickly = xlsx._quickly

    def counting_quickly(data: bytes | ooxml.Deflated) -> ooxml.Deflated:
        if isinstance(data, bytes):  # 총괄 and 재원별, deflated at their own level
            deflated.append(len(data))
        return quickly(data)

    monkeypatch.setattr(xlsx, "_quickly", counting_quickly)
    asked: list[str] = []

    def earlier(part: str) -> ooxml.Deflated | None:
        asked.append(part)
        return before.get(part)

    again, _keys = xlsx.build_workbook(report, TEMPLATE, keys, by_key.get, "frame", earlier)
    assert again == first
    assert "xl/sharedStrings.xml" in asked
    assert deflated == []  # pledge sheets and frame reused by key, the rest as before
    # Where no row is taken back (the layout keys not found), 총괄 is compared with earlier's.
    listed = read_package(first)["xl/workbook.xml"].decode("utf-8")
    names = re.findall(r'<sheet name="([^"]*)"', listed)
    row_parts = {
        f"xl/worksheets/sheet{i}.xml" for i, n in enumerate(names, 1) if n in xlsx.ROW_SHEETS
    }
    assert len(row_parts) == len(xlsx.ROW_SHEETS)
    row_parts.add("xl/sharedStrings.xml")
    by_key = {key: before[part] for part, key in part_keys.items() if part not in row_parts}
    asked.clear()
    again, _keys = xlsx.build_workbook(report, TEMPLATE, keys, by_key.get, "frame", earlier)
    assert again == first and deflated == []
    assert "xl/worksheets/sheet1.xml" in asked and "xl/sharedStrings.xml" in asked
    # An earlier part that does not hold these bytes (same size and CRC claimed,
    # other content) is not taken: the part is deflated anew.
    summary = before["xl/worksheets/sheet1.xml"]
    other = zlib.compressobj(6, zlib.DEFLATED, -15)
    lying = ooxml.Deflated(
        summary.crc, summary.size, other.compress(b"x" * summary.size) + other.flush()
    )
    again, _keys = xlsx.build_workbook(
        report,
        TEMPLATE,
        keys,
        by_key.get,
        "frame",
        lambda part: lying if part == "xl/worksheets/sheet1.xml" else before.get(part),
    )
    assert again == first and deflated == [summary.size]
    # A figure changed: the summary sheet that shows it is written and deflated.
    deflated.clear()
    view = report.pledges[1]
    g = view.secured_table.grand_total
    changed = dataclasses.replace(
        report,
        pledges=[
            *report.pledges[:1],
            dataclasses.replace(
                view,
                secured_table=dataclasses.replace(
                    view.secured_table,
                    grand_total=dataclasses.replace(
                        g, total=dataclasses.replace(g.total, executed=Decimal("123.5"))
                    ),
                ),
            ),
            *report.pledges[2:],
        ],
    )
    keys[view.id] = "key-changed"  # its inputs changed: its sheet's key too
    again, _keys = xlsx.build_workbook(changed, TEMPLATE, keys, by_key.get, "frame", before.get)
    assert again == render_workbook(changed, TEMPLATE) != first
    summary_now = read_package(again)["xl/worksheets/sheet1.xml"]
    assert summary_now != read_package(first)["xl/worksheets/sheet1.xml"]
    assert len(summary_now) in deflated  # the 총괄 sheet shows it: deflated anew


def test_a_reused_sheet_part_is_taken_as_it_is(tmp_path):
    """build_workbook asks for each pledge sheet by key and puts a found part in unchanged."""
    from .synthetic import write_synthetic_records

    write_synthetic_records(tmp_path / "records", 5)
    report = _report(tmp_path / "records")
    keys = {view.id: f"key-{view.id}" for view in report.pledges}
    first, part_keys = xlsx.build_workbook(report, TEMPLATE, keys)
    parts = read_package(first)
    by_key = {key: parts[part] for part, key in part_keys.items()}
    asked: list[str] = []

    def reuse(key: str) -> bytes | None:
        asked.append(key)
        return by_key[key]

    again, again_keys = xlsx.build_workbook(report, TEMPLATE, keys, reuse)
    assert again == first and again_keys == part_keys
    assert sorted(asked) == sorted(part_keys.values())
