"""Every finished table of the view, taken out of every format, cell by cell (issue 23).

For each configuration (Goyang, the 군, the 구, and a 군 turned into one
department with a cumulative 성과지표 and a pledge without a status) a real
build writes DOCX, HWPX, XLSX and the website; each table of the view
(:mod:`reportgen.report.tables`, found by type on the view, so a table the view gains
is checked without this file changing) is then read back:

- DOCX with python-docx (a merged cell repeats its text in each place it covers),
- HWPX with lxml (cell addresses and spans of ``hp:tc``),
- XLSX with openpyxl (the cells under the table's heading row; a pledge's
  tables as its rows of the sheet that lists every pledge's; a figure by its
  value, never by its text),
- HTML with lxml (``rowspan``/``colspan``),

and must equal the view's table place by place (:func:`reportgen.report.tables.texts`).
A table the view leaves out (one department: no 부서별 table) must be absent
from every format.

The money tables (each pledge's 투자계획 and 확보(집행)액, ``MoneyTable.table``)
and the 목차 (``contents_table``) are tables of the view like the others: the
search for tables walks into what the view holds, so a table nested anywhere
in it is found. Where a format does not print a table, :data:`NOT_PRINTED`
says so and why; every other table must be in every format. The 목차's page
column holds what the writer stored: the estimate of
:func:`reportgen.formats.pagination.estimate` in a build without PDFs.
"""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import zipfile
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import lxml.html
import openpyxl
import pytest
from click.testing import CliRunner
from lxml import etree

from reportgen.cli import main
from reportgen.formats.pagination import estimate
from reportgen.formats.site import pledge_paths
from reportgen.formats.writers import booklet_name, pledge_file, workbook_name
from reportgen.formats.xlsx import sheet_names
from reportgen.records.load import load_records
from reportgen.report.tables import Table, TableCell, TableRow, texts
from reportgen.report.view import MoneyTable, PledgeView, ReportView, report_view

from .conftest import RECORDS, REPO

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
Grid = list[list[str]]


def _one_department(tmp: Path) -> Path:
    """The 군 as one department, 1-1's indicator a running total, 2-3 without a status."""
    records = tmp / "one-department"
    shutil.copytree(REPO / "examples" / "gun", records)

    def same_department(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "department":
                    node[key] = "기획예산과"
                else:
                    same_department(value)
        elif isinstance(node, list):
            for value in node:
                same_department(value)

    for path in records.glob("*.json"):
        if path.name == "report.json":
            continue
        raw = json.loads(path.read_text(encoding="utf-8"))
        same_department(raw)
        if raw["id"] == "1-1":
            raw["indicators"][0]["cumulative"] = True
        if raw["id"] == "2-3":
            for report in raw["reports"].values():
                report.pop("status", None)
        path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")
    return records


CONFIGS = {
    "goyang": lambda tmp: RECORDS,  # a pledge without a status; one table of each kind
    "gun": lambda tmp: REPO / "examples" / "gun",  # 분야, 폐기 excluded, 추진율, 성과지표
    "gu": lambda tmp: REPO / "examples" / "gu",  # 분야 with 전략, 통폐합, weights, 2022~2023
    "one-department": _one_department,
}


@dataclasses.dataclass
class Built:
    report: ReportView
    files: dict[str, bytes]


@pytest.fixture(scope="module", params=list(CONFIGS))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Built:
    tmp = tmp_path_factory.mktemp(request.param)
    records_dir = CONFIGS[request.param](tmp)
    records = load_records(records_dir)
    assert records.settings is not None
    period = max(p for pledge in records.pledges for p in pledge.reports if not p.is_year)
    report = report_view(records.pledges, period, records.settings)
    out = tmp / "out"
    result = CliRunner().invoke(
        main,
        ["build", str(period), "--records", str(records_dir), "--out", str(out)]
        + ["--hwpx", "--site", "-q"],
    )
    assert result.exit_code == 0, result.output
    files = {str(p.relative_to(out)): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    return Built(report, files)


# What the view holds that is not its own page's: a report's pledges and
# sections are checked pledge by pledge; a pledge's plan_table/secured_table
# are the tables of money_tables by kind (a withdrawn pledge prints no plan,
# test_money_tables_are_the_printed_ones).
_ELSEWHERE = {"pledges", "sections", "plan_table", "secured_table"}

# Tables a format does not print, and why (every other table is in every format).
NOT_PRINTED = {
    # The website and the workbook are not paged: no 목차 (the site lists the
    # pledges on its own index, the workbook has a sheet per pledge).
    ("contents", "html"): "not paged",
    ("contents", "xlsx"): "not paged",
}


def tables_of(view: object, path: str = "") -> Iterator[tuple[str, Table]]:
    """Every finished table a view holds, found by type wherever it is nested:
    a new one is checked too."""
    for field in dataclasses.fields(view):  # type: ignore[arg-type]
        if field.name in _ELSEWHERE:
            continue
        value = getattr(view, field.name)
        values = value if isinstance(value, tuple) else (value,)
        for i, item in enumerate(values):
            where = f"{path}{field.name}" + (f"[{i}]" if isinstance(value, tuple) else "")
            if isinstance(item, Table):
                yield where, item
            elif dataclasses.is_dataclass(item) and not isinstance(item, type):
                yield from tables_of(item, f"{where}.")


def absent_tables(view: object) -> list[str]:
    """The table fields a view leaves empty (None) for this report."""
    return [
        f.name
        for f in dataclasses.fields(view)  # type: ignore[arg-type]
        if "Table" in str(f.type) and "MoneyTable" not in str(f.type)
        if getattr(view, f.name) is None
    ]


def want(table: Table, pages: dict[str, int] | None = None) -> Grid:
    """The view's table place by place; a page cell as the writer stored it (``pages``)."""
    rows = table.all_rows
    if any(c.kind == "page" for r in rows for c in r.cells):
        assert pages is not None, table.name
        rows = tuple(
            TableRow(
                tuple(
                    dataclasses.replace(c, text=str(pages[r.key])) if c.kind == "page" else c
                    for c in r.cells
                ),
                r.kind,
                r.key,
            )
            for r in rows
        )
    return texts(rows, len(table.columns))


# -- reading each format -------------------------------------------------------


def docx_grids(data: bytes) -> list[Grid]:
    document = docx.Document(io.BytesIO(data))
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


def hwpx_grids(data: bytes) -> list[Grid]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        section = etree.fromstring(z.read("Contents/section0.xml"))
    grids = []
    for tbl in section.iter(f"{HP}tbl"):
        rows, cols = int(tbl.get("rowCnt", "0")), int(tbl.get("colCnt", "0"))
        grid = [[""] * cols for _ in range(rows)]
        for tc in tbl.xpath("./hp:tr/hp:tc", namespaces={"hp": HP[1:-1]}):
            address, span = tc.find(f"{HP}cellAddr"), tc.find(f"{HP}cellSpan")
            r0, c0 = int(address.get("rowAddr")), int(address.get("colAddr"))
            text = "\n".join(
                "".join("".join(t.itertext()) for t in p.iter(f"{HP}t"))
                for p in tc.find(f"{HP}subList").findall(f"{HP}p")
            )
            for r in range(r0, r0 + int(span.get("rowSpan", "1"))):
                for c in range(c0, c0 + int(span.get("colSpan", "1"))):
                    grid[r][c] = text
        grids.append(grid)
    return grids


def html_grids(data: bytes) -> list[Grid]:
    tree = lxml.html.fromstring(data.decode("utf-8"))
    grids = []
    for table in tree.xpath("//table"):
        rows = table.xpath("./thead/tr|./tbody/tr|./tfoot/tr|./tr")
        placed: dict[tuple[int, int], str] = {}
        for r, row in enumerate(rows):
            c = 0
            for cell in row.xpath("./th|./td"):
                while (r, c) in placed:
                    c += 1
                text = cell.text_content().strip()
                for dr in range(int(cell.get("rowspan", 1))):
                    for dc in range(int(cell.get("colspan", 1))):
                        placed[(r + dr, c + dc)] = text
                c += int(cell.get("colspan", 1))
        width = 1 + max((c for _, c in placed), default=-1)
        grids.append([[placed.get((r, c), "") for c in range(width)] for r in range(len(rows))])
    return grids


def _same(cell: TableCell, value: Any) -> bool:
    """An XLSX cell against the view's: words by text, figures and rates by value."""
    if cell.kind in ("text", "head"):
        return (value or "") == cell.text
    if cell.value is None:
        return (value or "") == cell.text  # blank, or the "-" the view prints
    if not isinstance(value, int | float):
        return False
    if cell.kind == "rate":  # stored as a share; a formula's ROUND keeps 3 places
        return abs(Decimal(str(value)) - Decimal(cell.value)) < Decimal("0.0005")
    return Decimal(str(value)) == Decimal(cell.value)


def _row_at(ws: Any, r: int, c: int, cells: tuple[TableCell, ...]) -> bool:
    return all(_same(cell, ws.cell(r, c + k).value) for k, cell in enumerate(cells))


def xlsx_has(data: bytes, table: Table) -> bool:
    """The table's heading row in some sheet, and its rows right below it."""
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    head = table.head[0].cells
    for ws in book.worksheets:
        for row in ws.iter_rows():
            for start in row:
                if start.value != head[0].text:
                    continue
                r, c = start.row, start.column
                if _row_at(ws, r, c, head) and all(
                    _row_at(ws, r + 1 + i, c, x.cells) for i, x in enumerate(table.rows)
                ):
                    return True
    return False


def _in_order(cells: tuple[TableCell, ...], values: list[Any]) -> bool:
    """Each cell's value among ``values``, left to right (other columns between them)."""
    at = 0
    for cell in cells:
        while at < len(values) and not _same(cell, values[at]):
            at += 1
        if at == len(values):
            return False
        at += 1
    return True


def xlsx_pledge_rows(data: bytes, table: Table, pledge: str) -> bool:
    """A pledge's table in the workbook's list of every pledge's (one row per line,
    starting with its number, the list's own heading row above them all): each of
    the view's rows, in order, is a row of the pledge's, its cells in order."""
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    for ws in book.worksheets:
        mine = [
            [c.value for c in row]
            for row in ws.iter_rows()
            if row and row[0].value == pledge  # the list's 공약번호 column
        ]
        if len(mine) == len(table.rows) and all(
            _in_order(line.cells, values) for line, values in zip(table.rows, mine, strict=True)
        ):
            return True
    return False


# -- the tests -----------------------------------------------------------------


def test_configurations_cover_what_issue_23_names(built: Built) -> None:
    """Each configuration holds what it is here for (so none passes by being empty)."""
    report = built.report
    assert report.status_table is not None
    name = report.city
    if name == "고양시":
        assert report.unrecorded and report.department_table is None
    elif report.group_level and any(len(v.groups) > 1 for v in report.pledges):  # the 구
        assert report.excluded and report.weighted_rate is not None
        assert any("~" in key for key in report.column_keys)
    elif len({v.department for v in report.pledges}) == 1:  # one department
        assert report.department_table is None and report.group_table is not None
        assert report.unrecorded and report.excluded
        assert any(i.cumulative for v in report.pledges for i in v.indicators)
    else:  # the 군
        assert report.group_table and report.department_table
        assert any(v.indicator_table for v in report.pledges)
        assert report.excluded and report.average_rate is not None


def printed(table: Table, kind: str) -> bool:
    return (table.name, kind) not in NOT_PRINTED


def collapsed(grid: Grid) -> Grid:
    """As a browser shows HTML: every run of blanks one space."""
    return [[" ".join(text.split()) for text in row] for row in grid]


def test_every_report_table_is_in_every_format(built: Built) -> None:
    report, files = built.report, built.files
    booklet_docx = docx_grids(files[booklet_name(report, "docx")])
    booklet_hwpx = hwpx_grids(files[booklet_name(report, "hwpx")])
    index = [collapsed(g) for g in html_grids(files["index.html"])]
    workbook = files[workbook_name(report)]
    pages = estimate(report)  # the 목차's pages as a build without PDFs stores them
    found = list(tables_of(report))
    assert {"status_table", "contents_table"} <= {name for name, _ in found}
    for name, table in found:
        grid = want(table, pages)
        assert grid in booklet_docx, ("DOCX", report.city, name, grid)
        assert grid in booklet_hwpx, ("HWPX", report.city, name, grid)
        if printed(table, "html"):
            assert collapsed(grid) in index, ("HTML", report.city, name, grid)
        if printed(table, "xlsx"):
            assert xlsx_has(workbook, table), ("XLSX", report.city, name)


def xlsx_money(data: bytes, table: Table, sheet: str) -> bool:
    """A money table on its pledge's sheet: below its title, the heading row, then
    (after the 확보 | 집행 row of a 확보(집행)액) each of the view's rows, its
    cells in order, figures by value (a 확보(집행)액's 집행, its base and 집행률
    stand in columns of their own between them)."""
    ws = openpyxl.load_workbook(io.BytesIO(data), data_only=True)[sheet]
    lines = [[c.value for c in row] for row in ws.iter_rows()]
    for r, line in enumerate(lines):
        if not line or line[0] != table.title or r + 1 >= len(lines):
            continue
        if not _in_order(table.head[0].cells, lines[r + 1]):
            return False
        for extra in (0, 1):  # the 확보 | 집행 heading row
            body = lines[r + 2 + extra : r + 2 + extra + len(table.rows)]
            if len(body) == len(table.rows) and all(
                _in_order(row.cells, values) for row, values in zip(table.rows, body, strict=True)
            ):
                return True
        return False
    return False


def test_money_tables_are_the_printed_ones(built: Built) -> None:
    """plan_table and secured_table are money_tables by kind; only a withdrawn
    pledge's plan is left unprinted (so the tables checked are the ones printed)."""
    for view in built.report.pledges:
        printed_kinds = [t.kind for t in view.money_tables]
        assert printed_kinds == (["secured"] if view.withdrawn else ["plan", "secured"])
        assert view.secured_table in view.money_tables
        assert all(t.table is not None for t in view.money_tables)


def _money_kinds(view: PledgeView) -> dict[str, MoneyTable]:
    return {t.table.name: t for t in view.money_tables if t.table is not None}


def test_every_pledge_table_is_in_every_format(built: Built) -> None:
    report, files = built.report, built.files
    booklet_docx = docx_grids(files[booklet_name(report, "docx")])
    booklet_hwpx = hwpx_grids(files[booklet_name(report, "hwpx")])
    workbook = files[workbook_name(report)]
    pages = pledge_paths(v.id for v in report.pledges)
    sheets = dict(
        zip(
            (v.id for v in report.pledges if not v.non_budget),
            sheet_names([v.id for v in report.pledges if not v.non_budget]),
            strict=True,
        )
    )
    checked: dict[str, int] = {}
    for view in report.pledges:
        money = _money_kinds(view)
        for name, table in tables_of(view):
            grid = want(table)
            assert grid in docx_grids(files[pledge_file(view, "docx")]), ("DOCX", view.id, name)
            assert grid in booklet_docx, ("booklet DOCX", view.id, name)
            assert grid in hwpx_grids(files[pledge_file(view, "hwpx")]), ("HWPX", view.id, name)
            assert grid in booklet_hwpx, ("booklet HWPX", view.id, name)
            html = [collapsed(g) for g in html_grids(files[pages[view.id]])]
            assert collapsed(grid) in html, ("HTML", view.id, name, grid)
            if table.name in money:
                # The workbook sums budgets: a 비예산 pledge has no sheet (its
                # 총괄 line says 비예산), every other pledge's tables are on its own.
                if view.non_budget:
                    assert view.id not in sheets
                else:
                    assert xlsx_money(workbook, table, sheets[view.id]), ("XLSX", view.id, name)
            else:
                assert xlsx_pledge_rows(workbook, table, view.id), ("XLSX", view.id, name)
            checked[table.name] = checked.get(table.name, 0) + 1
    assert checked.get("plan") and checked.get("secured")
    if any(v.indicators for v in report.pledges):
        assert checked.get("indicators")


def _heads(grids: list[Grid]) -> list[list[str]]:
    return [g[0][:2] for g in grids if g]


def test_a_table_the_view_leaves_out_is_in_no_format(built: Built) -> None:
    report, files = built.report, built.files
    if "department_table" not in absent_tables(report):
        return
    # The 부서별 table begins 부서 | 공약 수 wherever it is printed.
    for grids in (
        docx_grids(files[booklet_name(report, "docx")]),
        hwpx_grids(files[booklet_name(report, "hwpx")]),
        html_grids(files["index.html"]),
    ):
        assert ["부서", "공약 수"] not in _heads(grids)
    book = openpyxl.load_workbook(io.BytesIO(files[workbook_name(report)]), data_only=True)
    for ws in book.worksheets:
        for row in ws.iter_rows(max_col=2):
            assert [c.value for c in row] != ["부서", "공약 수"], ws.title


def test_the_status_table_adds_up_in_every_format(built: Built) -> None:
    """The issue's first defect: rows that add up to more than their 계."""
    table = built.report.status_table
    assert table is not None
    counts = {row.key: row.cells[1].value for row in table.rows}
    body = sum(row.cells[1].value or 0 for row in table.body)
    assert counts["base"] == body
    if "all" in counts:
        apart = sum(row.cells[1].value or 0 for row in table.rows if row.kind == "apart")
        assert counts["all"] == body + apart == built.report.total
        labels = [row.cells[0].text for row in table.rows if row.kind == "apart"]
        assert labels and all(label.endswith("(비율 제외)") for label in labels)
