"""Issue 22 "Done when": a 군 runs its first half-year without writing JSON, end to end.

An invented 군 (누리군) of 40 pledges in 9 departments starts 민선9기 from its
pledge list: ``init --pledges`` → ``intake export`` → the departments fill in
their workbooks (eight with openpyxl, one in LibreOffice, one returned
untouched) → ``intake import`` → ``status`` → ``confirm --yes`` → ``build`` →
``publish``. The list is generated here, not stored.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from .conftest import audit, run
from .test_intake import _libreoffice_edit

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"

FIELDS = ["일자리 경제", "안전 복지", "교육 문화", "농업 환경"]
DEPARTMENTS = [
    "기획예산과",
    "일자리경제과",
    "주민복지과",
    "안전건설과",
    "교육체육과",
    "문화관광과",
    "농업정책과",
    "환경위생과",
    "보건소",
]
UNTOUCHED = "보건소"  # sends its workbook back as it came
BY_LIBREOFFICE = "문화관광과"  # fills it in with LibreOffice Calc


def pledge_list(path: Path) -> list[list[Any]]:
    """40 pledges, 10 per 분야, over 9 departments; money and 성과지표 on some."""
    head = ["연번", "공약번호", "분야", "공약명", "소관부서", "군비 2027", "국비 2028"]
    head += ["지표", "단위", "목표", "비고"]
    rows: list[list[Any]] = [["누리군 민선9기 공약 실천계획서"], head]
    n = 0
    for f, field in enumerate(FIELDS, start=1):
        for i in range(1, 11):
            n += 1
            department = DEPARTMENTS[(n - 1) % len(DEPARTMENTS)]
            money = [n * 10, None] if n % 3 else [None, n * 5]
            indicator = [f"지표 {n}", "개", n * 100] if n % 4 == 0 else [None, None, None]
            rows.append(
                [n, f"{f}-{i}", field if i == 1 else None, f"{field} 공약 {i}", department]
                + money
                + indicator
                + [None]
            )
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    for f in range(len(FIELDS)):  # the 분야 cell spans its ten rows, as printed
        sheet.merge_cells(start_row=3 + f * 10, start_column=3, end_row=12 + f * 10, end_column=3)
    book.save(path)
    return rows


def row_of(ws: Worksheet, tag: str) -> int:
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == tag:
            return r
    raise AssertionError(f"no row {tag}")


def fill(ws: Worksheet, number: str) -> list[tuple[str, str, Any]]:
    """What a department writes for one pledge, as (cell, value) edits."""
    edits = [
        (ws.cell(row_of(ws, "status:status"), 3).coordinate, "정상추진"),
        (ws.cell(row_of(ws, "contacts:officer"), 3).coordinate, f"담당 {number}"),
        (ws.cell(row_of(ws, "contacts:officer"), 4).coordinate, "540-1234"),
        (ws.cell(row_of(ws, "achieved:item"), 2).coordinate, "○"),
        (ws.cell(row_of(ws, "achieved:item"), 3).coordinate, f"{number} 기본계획 수립"),
        (ws.cell(row_of(ws, "plan:item"), 2).coordinate, "○"),
        (ws.cell(row_of(ws, "plan:item"), 3).coordinate, f"{number} 실시설계 착수"),
        (ws.cell(row_of(ws, "general:item"), 2).coordinate, "○"),
        (ws.cell(row_of(ws, "general:item"), 3).coordinate, "예산 확보 지연 우려: 국비 공모 신청"),
    ]
    return [(ws.title, cell, value) for cell, value in edits]


def test_a_gun_runs_its_first_half_year_end_to_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    rows = pledge_list(tmp_path / "실천계획서.xlsx")
    records = tmp_path / "records"

    # 1. The term from its pledge list.
    started = run(
        "init", records, "--pledges", "실천계획서.xlsx",
        "--city", "누리군", "--kind", "군", "--start", "2026H2",
    )  # fmt: skip
    assert started.exit_code == 0, started.output
    assert "공약 40개를 기록했습니다" in started.output
    assert len(list(records.glob("*-*.json"))) == 40
    settings = json.loads((records / "report.json").read_text(encoding="utf-8"))
    assert [g["name"] for g in settings["groups"]] == FIELDS
    assert json.loads((records / "4-10.json").read_text("utf-8"))["title"] == "농업 환경 공약 10"

    # 2. One workbook per department.
    books = tmp_path / "intake-2026H2"
    exported = run("intake", "export", "2026H2", "--records", records, "--out", books)
    assert exported.exit_code == 0, exported.output
    workbooks = sorted(books.glob("*.xlsx"))
    assert len(workbooks) == 9
    assert all(r["valid"] and r["error_count"] == 0 for r in audit(books)), audit(books)

    # 3. The departments fill them in.
    returned = tmp_path / "returned"
    returned.mkdir()
    for book in workbooks:
        department = next(d for d in DEPARTMENTS if d in book.name)
        target = returned / book.name
        if department == UNTOUCHED:
            target.write_bytes(book.read_bytes())
            continue
        wb = openpyxl.load_workbook(book)
        numbers = [name for name in wb.sheetnames if name[0].isdigit()]
        edits = [e for number in numbers for e in fill(wb[number], number)]
        if department == BY_LIBREOFFICE:
            _libreoffice_edit(book, target, edits, tmp_path)
            continue
        for sheet, cell, value in edits:
            wb[sheet][cell] = value
        wb.save(target)

    # 4. Back into the records, every workbook at once (a folder).
    imported = run("intake", "import", returned, "--records", records)
    assert imported.exit_code == 0, imported.output

    # 5. Who has returned what.
    status = run("status", "2026H2", "--records", records)
    assert status.exit_code == 0, status.output
    lines = status.output.strip().splitlines()
    assert len(lines) == 10
    assert all("  검토 대기  " in line for line in lines[:9]), status.output
    health = next(line for line in lines if line.startswith(UNTOUCHED))
    assert "변경 없음" in health
    assert lines[-1].startswith("2026H2: 부서 9곳 — 확정 0, 검토 대기 9, 미회신 0")
    data = json.loads(run("status", "2026H2", "--records", records, "--json").output)
    assert sum(len(d["pledges"]) for d in data["departments"]) == 40

    # Publishing before the review is refused, and leaves nothing.
    refused = run("publish", "2026H2", "--records", records, "--templates", TEMPLATES)
    assert refused.exit_code == 1 and "확정되지 않은 초안" in refused.output
    assert not (tmp_path / "public").exists()

    # 6. The compiling office confirms.
    confirmed = run("confirm", "2026H2", "--records", records, "--yes", "--by", "기획예산과 공약팀")
    assert confirmed.exit_code == 0, confirmed.output
    assert "공약 40개를 확정했습니다" in confirmed.output
    after = json.loads(run("status", "2026H2", "--records", records, "--json").output)
    assert after["summary"]["confirmed"] == 9

    # 7. The report, and 8. the website.
    out = tmp_path / "output"
    built = run("build", "2026H2", "--records", records, "--out", out, "--templates", TEMPLATES)
    assert built.exit_code == 0, built.output
    assert "초안" not in built.output
    assert len(list((out / "공약별").glob("*.docx"))) == 40
    published = run("publish", "2026H2", "--records", records, "--templates", TEMPLATES)
    assert published.exit_code == 0, published.output
    index = (tmp_path / "public" / "2026H2" / "index.html").read_text(encoding="utf-8")
    assert "draft-mark" not in index and "누리군" in index

    # What the departments wrote is what the records hold; the untouched return is no result.
    first_filled = json.loads((records / "1-2.json").read_text(encoding="utf-8"))
    assert first_filled["reports"]["2026H2"]["status"] == "정상추진"
    assert first_filled["reports"]["2026H2"]["confirmed"]["by"] == "기획예산과 공약팀"
    libre = DEPARTMENTS.index(BY_LIBREOFFICE) + 1  # pledge n goes to department (n-1) % 9
    by_calc = json.loads((records / f"1-{libre}.json").read_text(encoding="utf-8"))
    assert by_calc["reports"]["2026H2"]["status"] == "정상추진"
    untouched = DEPARTMENTS.index(UNTOUCHED) + 1
    health_record = json.loads((records / f"1-{untouched}.json").read_text(encoding="utf-8"))
    assert "status" not in health_record["reports"]["2026H2"]
    assert rows[2][3] == "일자리 경제 공약 1"
