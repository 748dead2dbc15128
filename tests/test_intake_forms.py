"""Issue 22: what a department's workbook offers and what an import makes of it.

A copy of the last report stays visibly a copy; a budget a department revises
is not legacy drift; 성과지표 ask for 누계 or 이번 반기 as the city defines them.
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reportgen.errors import ReportgenError
from reportgen.formats.pdf import find_soffice
from reportgen.intake import IntakeInvalid, export_workbooks, import_workbooks
from reportgen.intake.returns import load_returns
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.records.rollforward import roll_forward
from reportgen.records.validate import check
from reportgen.report.view import pledge_view

from .test_intake import _budget_cell, _edit, _row, _save, gun  # noqa: F401 - gun is a fixture

H2 = Period.half_year("2024H2")
pytestmark = pytest.mark.usefixtures("korean_messages")  # asserts on the Korean sentences


def _jobs_book(records: Path, folder: Path) -> Path:
    """일자리경제과's workbook of 2024H1 (pledge 1-1 is on it), exported into ``folder``."""
    files = _save(export_workbooks(records, "2024H1"), folder)
    return next(f for f in files if "일자리경제과" in f.name)


def _rewrite(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    raw = json.loads(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")


def _confirm_2024h1(records: Path) -> None:
    def confirm(raw: dict[str, Any]) -> None:
        raw["reports"]["2024H1"].pop("draft", None)
        for group in raw["achievements"]:
            group.pop("draft", None)

    for path in records.glob("*-1.json"):
        _rewrite(path, confirm)


def _printed(raw: dict[str, Any], total: float) -> None:
    raw["reports"]["2024H1"]["budget"]["plan"][0]["printed_totals"] = {"군비": total}


# ---------------------------------------------------------------------------
# printed_totals belong to the filed page they were printed on


def test_a_revised_budget_is_not_legacy_drift(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    _confirm_2024h1(gun)
    # The filed page of 2024H1 printed its 군비 total, correctly (100 + 150.25).
    _rewrite(gun / "1-1.json", lambda raw: _printed(raw, 250.25))
    files = _save(export_workbooks(gun, H2), tmp_path / "out")
    book = next(f for f in files if "일자리경제과" in f.name)

    def edits(wb: openpyxl.Workbook) -> None:
        ws = wb["1-1"]
        ws[_budget_cell(ws, "plan", "장려금", "군비", "2024")] = 170

    import_workbooks(gun, [_edit(book, edits, tmp_path / "edited.xlsx")])
    raw = json.loads((gun / "1-1.json").read_text(encoding="utf-8"))
    assert raw["reports"]["2024H2"]["budget"]["plan"][0]["sources"]["군비"]["2024"] == 170
    assert "printed_totals" not in raw["reports"]["2024H2"]["budget"]["plan"][0]
    assert raw["reports"]["2024H1"]["budget"]["plan"][0]["printed_totals"] == {"군비": 250.25}
    _records, warnings = check(gun)
    assert not [w for w in warnings if "printed_totals" in w.path], warnings


def test_new_period_leaves_a_filed_pages_totals_on_that_page(gun: Path) -> None:  # noqa: F811
    _confirm_2024h1(gun)
    _rewrite(gun / "1-1.json", lambda raw: _printed(raw, 999))  # a drifted legacy total
    roll_forward(gun, H2)
    raw = json.loads((gun / "1-1.json").read_text(encoding="utf-8"))
    assert "printed_totals" not in raw["reports"]["2024H2"]["budget"]["plan"][0]
    _records, warnings = check(gun)
    drift = [w.path for w in warnings if "printed_totals" in w.path]
    assert drift == ["$.reports.2024H1.budget.plan[0].printed_totals.군비"]


def test_the_note_of_a_drifted_total_prints_on_its_own_page_only(gun: Path) -> None:  # noqa: F811
    _confirm_2024h1(gun)

    def drifted_and_carried(raw: dict[str, Any]) -> None:
        _printed(raw, 999)
        raw["reports"]["2024H2"] = {"status": "정상추진"}  # the budget carries forward

    _rewrite(gun / "1-1.json", drifted_and_carried)
    records = load_records(gun)
    assert records.settings is not None
    pledge = next(p for p in records.pledges if p.id == "1-1")
    own = pledge_view(pledge, Period.half_year("2024H1"), records.settings)
    later = pledge_view(pledge, H2, records.settings)
    assert any("999" in note for note in own.plan_table.notes)
    assert not later.plan_table.notes


@pytest.fixture
def untouched_return(gun: Path, tmp_path: Path) -> tuple[Path, Path]:  # noqa: F811
    _confirm_2024h1(gun)
    roll_forward(gun, H2)  # drafts carried forward, the plan drafted as 추진실적
    files = _save(export_workbooks(gun, H2), tmp_path / "out")
    return gun, next(f for f in files if "일자리경제과" in f.name)


def test_per_half_counts_are_not_prefilled(untouched_return: tuple[Path, Path]) -> None:
    records, book = untouched_return
    ws = openpyxl.load_workbook(book)["1-1"]
    hearings = _row(ws, "participation:hearings")
    assert ws.cell(hearings, 3).value is None  # this half's count: blank
    assert ws.cell(hearings, 4).value == 2  # last report's, in grey beside
    notes = [ws.cell(r, 3).value for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "note"]
    assert any("오른쪽 회색 칸" in (n or "") for n in notes)
    assert any("옮겨 둔 것입니다" in (n or "") for n in notes)  # states copied, marked
    prompts = {str(dv.sqref): dv.promptTitle for dv in ws.data_validations.dataValidation}
    assert any(
        ws.cell(hearings, 3).coordinate in ref and title == "이번 반기 횟수"
        for ref, title in prompts.items()
    )


def test_an_untouched_return_reports_nothing_as_this_halfs(
    untouched_return: tuple[Path, Path],
) -> None:
    records, book = untouched_return
    result = import_workbooks(records, [book])
    (ret,) = result.returns
    assert ret.returned_unchanged
    assert "participation" in ret.untouched["1-1"] and "achieved" in ret.untouched["1-1"]
    # Left blank, not filled from the copies new-period drafted: the report of
    # 2024H2 shows no counts and no achievements rather than last half's.
    (action,) = result.changed
    assert action.cleared == ["participation", "achieved"] and not action.sections
    raw = json.loads((records / "1-1.json").read_text(encoding="utf-8"))
    assert raw["reports"]["2024H2"]["participation"] == {}
    assert not [g for g in raw["achievements"] if g["period"] == "2024H2"]
    loaded = load_records(records)
    assert loaded.settings is not None
    pledge = next(p for p in loaded.pledges if p.id == "1-1")
    view = pledge_view(pledge, H2, loaded.settings)
    assert view.participation is not None
    assert all(cell.text == "" for cell in view.participation)
    assert "청년 일자리 박람회 개최" not in str(view.progress)  # the plan, not a result
    # The states copied stay drafts: validate lists them until confirmed.
    _records, warnings = check(records)
    assert any(w.path == "$.reports.2024H2.draft" for w in warnings if w.file == "1-1.json")
    # The same file again changes nothing.
    after = {p.name: p.read_bytes() for p in records.glob("*.json")}
    assert not import_workbooks(records, [book]).changed
    assert {p.name: p.read_bytes() for p in records.glob("*.json")} == after


def test_a_count_typed_is_no_longer_a_copy(
    untouched_return: tuple[Path, Path], tmp_path: Path
) -> None:
    records, book = untouched_return

    def edits(wb: openpyxl.Workbook) -> None:
        ws = wb["1-1"]
        ws.cell(_row(ws, "participation:hearings"), 3).value = 0
        ws.cell(_row(ws, "achieved:item"), 2).value = "○"
        ws.cell(_row(ws, "achieved:item"), 3).value = "박람회 1회 개최 (1,200명 참석)"

    result = import_workbooks(records, [_edit(book, edits, tmp_path / "filled.xlsx")])
    (ret,) = result.returns
    assert ret.changed == ["1-1"]
    assert "participation" not in ret.untouched["1-1"]
    assert "achieved" not in ret.untouched["1-1"]
    raw = json.loads((records / "1-1.json").read_text(encoding="utf-8"))
    assert raw["reports"]["2024H2"]["participation"] == {"hearings": 0}
    group = next(g for g in raw["achievements"] if g["period"] == "2024H2")
    assert [e["text"] for e in group["entries"]] == ["박람회 1회 개최 (1,200명 참석)"]


# ---------------------------------------------------------------------------
# 성과지표: 누계 or 이번 반기, as the city's form defines the indicator


def test_the_indicator_cell_says_what_it_wants(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    wb = openpyxl.load_workbook(_jobs_book(gun, tmp_path / "out"))
    ws = wb["1-1"]
    total, per_half = _row(ws, "indicators:0"), _row(ws, "indicators:1")
    assert "누계 입력" in ws.cell(total - 1, 3).value  # 청년 일자리: the result to date
    assert "이번 반기 실적만" in ws.cell(per_half - 1, 3).value  # 설명회: cumulative in the record
    prompts = {
        str(dv.sqref): dv.promptTitle for dv in ws.data_validations.dataValidation if dv.prompt
    }
    assert prompts[ws.cell(total, 3).coordinate] == "누계 (지금까지 전체)"
    assert prompts[ws.cell(per_half, 3).coordinate] == "이번 반기 실적"


def test_a_running_total_that_falls_is_warned_about(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    def results(raw: dict[str, Any]) -> None:
        raw["indicators"][0]["results"] = {"2023H2": 640, "2024H1": 180}  # this half's, by mistake
        raw["indicators"][1]["results"] = {"2023H2": 5, "2024H1": 2}  # per half: may fall

    _rewrite(gun / "1-1.json", results)
    _records, warnings = check(gun)
    falling = [w for w in warnings if "indicators" in w.path]
    assert [(w.file, w.path) for w in falling] == [("1-1.json", "$.indicators[0].results.2024H1")]
    assert "누계" in falling[0].message and "640" in falling[0].message


# ---------------------------------------------------------------------------
# Import: folders, Excel's owner files, dates, every problem at once


def test_a_folder_imports_every_workbook_and_skips_owner_files(
    gun: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    folder = tmp_path / "returned"
    files = _save(export_workbooks(gun, "2024H1"), folder)
    (folder / f"~${files[0].name}").write_bytes(b"\x00owner")  # Excel's lock while open
    (folder / "검토메모.txt").write_text("메모", encoding="utf-8")
    result = import_workbooks(gun, [folder])
    assert sorted(r.department for r in result.returns) == ["복지정책과", "일자리경제과"]
    assert any("~$" in n and "건너뜁니다" in n for n in result.notes)
    assert any("검토메모.txt" in n for n in result.notes)
    # The same file named twice (folder and file) is imported once.
    again = import_workbooks(gun, [folder, files[0]])
    assert len(again.returns) == 2


def test_an_empty_folder_is_refused(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportgenError, match="통합 문서\\(.xlsx\\)가 없습니다"):
        import_workbooks(gun, [tmp_path / "empty"])


def test_text_cells_are_formatted_as_text(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    ws = openpyxl.load_workbook(_jobs_book(gun, tmp_path / "out"))["1-1"]
    for tag, col in (("status:status", 3), ("contacts:officer", 4), ("achieved:item", 3)):
        assert ws.cell(_row(ws, tag), col).number_format == "@", tag
    assert ws.cell(_row(ws, "achieved:item"), 2).number_format == "@"


def test_a_date_that_got_in_is_explained(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    book = _jobs_book(gun, tmp_path / "out")

    def edits(wb: openpyxl.Workbook) -> None:
        ws = wb["1-1"]
        cell = ws.cell(_row(ws, "contacts:officer"), 4)
        cell.value, cell.number_format = datetime.datetime(2022, 3, 5), "yyyy-mm-dd"
        ws[_budget_cell(ws, "plan", "장려금", "군비", "2024")] = datetime.datetime(2024, 1, 2)

    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(gun, [_edit(book, edits, tmp_path / "dated.xlsx")])
    lines = [str(p) for p in exc.value.problems]
    contact = next(line for line in lines if "연락처" in line)
    assert "2022-03-05" in contact and "'22.3.5" in contact and "텍스트" in contact
    assert any("숫자 칸에 날짜(2024-01-02)" in line for line in lines)


def test_every_problem_of_every_file_in_one_run(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    files = _save(export_workbooks(gun, "2024H1"), tmp_path / "out")

    def bad(wb: openpyxl.Workbook) -> None:
        ws = wb[wb.sheetnames[1]]
        ws.cell(_row(ws, "status:status"), 3).value = "잘 되고 있음"
        ws.cell(_row(ws, "achieved:item"), 3).value = "○ 기호를 글에 씀"

    edited = [_edit(f, bad, tmp_path / f"bad-{i}.xlsx") for i, f in enumerate(files)]
    before = {p.name: p.read_bytes() for p in gun.glob("*.json")}
    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(gun, edited)
    by_file = {(p.file, "추진상황" in p.message) for p in exc.value.problems}
    # In Korean, saying what to write instead.
    assert any("추진상황이 아닙니다" in p.message for p in exc.value.problems)
    assert any("수준은 B열" in p.message for p in exc.value.problems)
    assert "통합문서에 오류가 4개 있습니다. 아무것도 쓰지 않았습니다." in exc.value.message
    assert by_file == {(f.name, flag) for f in edited for flag in (True, False)}
    assert {p.name: p.read_bytes() for p in gun.glob("*.json")} == before
    assert not (gun / "intake").exists()


# ---------------------------------------------------------------------------
# A department adds a sub-project, an item and a 성과지표 where the form has them


def _spare(ws: Any, tag: str, col: int = 3) -> int:
    return next(
        r
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value == tag and ws.cell(r, col).value is None
    )


def test_a_department_adds_a_subproject_an_item_and_an_indicator(
    gun: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    book = _jobs_book(gun, tmp_path / "out")

    def edits(wb: openpyxl.Workbook) -> None:
        ws = wb["1-1"]
        r = _spare(ws, "budget:plan")
        ws.cell(r, 3).value, ws.cell(r, 4).value = "청년 창업공간", "군비"
        head = _row(ws, "#budget")
        col = next(c for c in range(1, ws.max_column + 1) if ws.cell(head, c).value == "2025")
        ws.cell(r, col).value = 300
        r = _spare(ws, "plan:item")
        ws.cell(r, 2).value, ws.cell(r, 3).value = "○", "창업공간 설계"
        r = _spare(ws, "indicators:new", 2)
        for c, value in enumerate(("창업 기업", 4, "개", 20, "이번 반기"), start=2):
            ws.cell(r, c).value = value

    edited = _edit(book, edits, tmp_path / "added.xlsx")
    result = import_workbooks(gun, [edited])
    assert [(p.pledge_id, p.sections) for p in result.changed] == [
        ("1-1", ["indicators", "plan", "budget"])
    ]
    raw = json.loads((gun / "1-1.json").read_text(encoding="utf-8"))
    assert raw["indicators"][-1] == {
        "name": "창업 기업",
        "unit": "개",
        "target": 20,
        "cumulative": True,
        "results": {"2024H1": 4},
    }
    plan = raw["reports"]["2024H1"]["budget"]["plan"]
    assert plan[-1] == {"name": "청년 창업공간", "sources": {"군비": {"2025": 300}}}
    h2 = next(g for g in raw["plans"] if g["period"] == "2024H2")
    assert [e["text"] for e in h2["entries"]][-1] == "창업공간 설계"
    # The same file again changes nothing (the indicator is not added twice).
    after = {p.name: p.read_bytes() for p in gun.glob("*.json")}
    assert not import_workbooks(gun, [edited]).changed
    assert {p.name: p.read_bytes() for p in gun.glob("*.json")} == after
    # The next export shows it as one of the pledge's indicators.
    ws = openpyxl.load_workbook(_jobs_book(gun, tmp_path / "again"))["1-1"]
    assert ws.cell(_row(ws, "indicators:2"), 2).value == "창업 기업 (목표 20개)"


def test_a_new_indicator_needs_its_unit_target_and_kind(
    gun: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    book = _jobs_book(gun, tmp_path / "out")

    def edits(wb: openpyxl.Workbook) -> None:
        ws = wb["1-1"]
        first = _spare(ws, "indicators:new", 2)
        ws.cell(first, 2).value, ws.cell(first, 3).value = "창업 기업", 4
        ws.cell(first + 1, 2).value = "청년 일자리"  # already an indicator
        for c, value in enumerate((5, "개", 10, "누계"), start=3):
            ws.cell(first + 1, c).value = value

    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(gun, [_edit(book, edits, tmp_path / "bad.xlsx")])
    lines = [str(p) for p in exc.value.problems]
    assert any("단위를 쓰십시오" in line for line in lines)
    assert any("목표를 숫자로" in line for line in lines)
    assert any("실적 방식은 누계 또는 이번 반기" in line for line in lines)
    assert any("이미 있는 지표" in line for line in lines)


# ---------------------------------------------------------------------------
# The workbook prints readably and adds up while typing


def test_the_workbook_prints_readably(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    wb = openpyxl.load_workbook(_jobs_book(gun, tmp_path / "out"))
    guide = wb["안내"]
    # fitToWidth left out is 1, OOXML's default (ECMA-376 Part 1, 18.3.1.64).
    assert guide.page_setup.fitToWidth in (None, 1) and guide.page_setup.fitToHeight == 0
    assert guide.sheet_properties.pageSetUpPr.fitToPage
    assert guide.page_setup.orientation == "portrait"
    ws = wb["1-1"]
    assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.print_title_rows == "$1:$4"
    assert ws.freeze_panes == "C5"
    # A wrapped note has a height that shows it (LibreOffice keeps stored heights).
    note = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "note")
    assert ws.row_dimensions[note].height and ws.row_dimensions[note].height >= 29


def test_totals_are_live_formulas(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    path = _jobs_book(gun, tmp_path / "out")
    formulas = openpyxl.load_workbook(path)["1-1"]
    values = openpyxl.load_workbook(path, data_only=True)["1-1"]
    head = _row(formulas, "#budget")
    total_col = next(
        c for c in range(1, formulas.max_column + 1) if formulas.cell(head, c).value == "계"
    )
    subtotal = _row(formulas, "budget:subtotal")
    assert formulas.cell(subtotal, 3).value == "장려금 소계"
    assert str(formulas.cell(subtotal, 5).value).startswith("=IF(COUNT(")
    assert "SUMIF(" in str(formulas.cell(subtotal, 5).value)
    # Cached values for readers that do not calculate: 도비 20 + 군비 150.25 in 2024.
    col_2024 = next(
        c for c in range(1, formulas.max_column + 1) if formulas.cell(head, c).value == "2024"
    )
    assert values.cell(subtotal, col_2024).value == 170.25
    assert values.cell(subtotal, total_col).value == 270.25  # + 군비 100 in '22~'23
    row_군비 = _row(formulas, "budget:plan", "장려금")
    assert str(formulas.cell(row_군비, total_col).value).startswith("=IF(COUNT(")


def test_a_stale_sheet_is_reported_beside_another_files_bad_cell(
    gun: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    files = _save(export_workbooks(gun, "2024H1"), tmp_path / "out")
    jobs = next(f for f in files if "일자리경제과" in f.name)
    welfare = next(f for f in files if "복지정책과" in f.name)

    def status(value: str, sheet: str) -> Callable[[openpyxl.Workbook], None]:
        def edit(wb: openpyxl.Workbook) -> None:
            ws = wb[sheet]
            ws.cell(_row(ws, "status:status"), 3).value = value

        return edit

    stale = _edit(jobs, status("완료", "1-1"), tmp_path / "stale.xlsx")
    bad = _edit(welfare, status("잘 되고 있음", "2-1"), tmp_path / "bad.xlsx")
    path = gun / "1-1.json"  # meanwhile the office corrected a contact in the records
    path.write_text(
        path.read_text(encoding="utf-8").replace("930-2141", "930-2142"), encoding="utf-8"
    )
    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(gun, [stale, bad])
    found = {(p.file, "기록이 바뀌었고" in p.message) for p in exc.value.problems}
    assert found == {("stale.xlsx", True), ("bad.xlsx", False)}


def test_the_same_records_export_the_same_bytes(gun: Path) -> None:  # noqa: F811
    # Formulas carry cached values computed from the records, not from a clock.
    assert export_workbooks(gun, "2024H2") == export_workbooks(gun, "2024H2")


def test_libreoffice_prints_the_guide_on_one_page_width(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    """Rendered by LibreOffice, the 안내 sheet is one page whose lines are whole."""
    soffice = find_soffice()
    pdftotext = shutil.which("pdftotext")
    if soffice is None or pdftotext is None:
        message = "LibreOffice (soffice) and poppler-utils (pdftotext) are needed"
        if os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    files = _save(export_workbooks(gun, "2024H2"), tmp_path / "out")
    book = next(f for f in files if "일자리경제과" in f.name)
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path / "pdf"),
            str(book),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    pdf = tmp_path / "pdf" / f"{book.stem}.pdf"

    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    guide, *pages = [p for p in text.split("\f") if p.strip()]
    # The headings (column A) and the sentences beside them (column B) on one page,
    # and the last sentence of a wrapped paragraph is there too (the row is tall enough).
    assert "무엇을 씁니까" in guide and "이 파일의 공약" in guide
    assert "노란 칸에 씁니다" in guide and "1-1" in guide
    assert "고치십시오." in guide.replace("\n", " ")
    # The pledge's sheet follows and repeats its heading on every page.
    sheet_pages = [p for p in pages if "공약번호" in p]
    assert len(sheet_pages) >= 2
    assert all("청년 일자리 1,000개 창출" in p or "공약 1-1" in p for p in sheet_pages)


def test_the_command_imports_a_folder_in_korean(gun: Path, tmp_path: Path) -> None:  # noqa: F811
    """reportgen intake import FOLDER: every workbook, the owner file noted, one line per return."""
    from click.testing import CliRunner

    from reportgen.cli import main

    runner = CliRunner()
    out = tmp_path / "intake"
    exported = runner.invoke(
        main, ["intake", "export", "2024H1", "--records", str(gun), "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    books = sorted(out.glob("*.xlsx"))
    (out / f"~${books[0].name}").write_bytes(b"owner")
    imported = runner.invoke(main, ["intake", "import", str(out), "--records", str(gun)])
    assert imported.exit_code == 0, imported.output
    assert "임시 파일(~$…)이라 건너뜁니다" in imported.output
    for book in books:
        assert f"({book.name}): 회신, 변경 없음" in imported.output
    assert "Traceback" not in imported.output
    # The log the status command reads.
    assert sorted(load_returns(gun, Period.half_year("2024H1"))) == ["복지정책과", "일자리경제과"]
