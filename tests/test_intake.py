"""Issue 15: departments fill in a workbook; import brings it back into the records.

Round trips (no edit: the records stay byte for byte), edits made with
openpyxl and through LibreOffice (UNO), one line per bad cell, and the rules
that keep an import safe: all or nothing, idempotent, a confirmed report or a
stale workbook refused without force.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet

from reportgen.errors import ReportgenError
from reportgen.formats.pdf import find_soffice, find_uno_python
from reportgen.intake import IntakeInvalid, export_workbooks, import_workbooks
from reportgen.intake.common import META_SHEET
from reportgen.intake.returns import load_returns
from reportgen.records.periods import Period
from reportgen.records.rollforward import roll_forward
from reportgen.records.validate import check

from .conftest import GUN_SETTINGS, audit

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

GUN: dict[str, Any] = {
    **GUN_SETTINGS,
    "columns": [
        {"years": "기투자"},
        {"years": "2022~2023", "label": "'22~'23"},
        {"years": "2024"},
        {"years": "2025"},
        {"years": "2026"},
        {"years": "임기후"},
    ],
}
del GUN["excluded_statuses"]  # here 폐기 stays in the base


def _gun_pledge(number: str, department: str) -> dict[str, Any]:
    return {
        "id": number,
        "title": f"공약 {number}",
        "department": department,
        "achievements": [
            {"period": "2023H2", "entries": [{"text": "하반기 실적"}]},
            {
                "period": "2024H1",
                "draft": True,
                "entries": [
                    {
                        "text": "청년 채용 장려금 지원",
                        "children": [
                            {"text": "48개사 120명", "children": [{"text": "2차 지원"}]},
                            {"text": "예산 조기 집행", "note": True},
                        ],
                    },
                    {"text": "채용 설명회 2회", "period": "2024H1"},
                ],
            },
        ],
        "plans": [
            {"period": "2024H1", "entries": [{"text": "상반기 계획"}]},
            {"period": "2024H2", "entries": [{"text": "청년 일자리 박람회 개최"}]},
        ],
        "indicators": [
            {"name": "청년 일자리", "unit": "개", "target": 1000, "results": {"2023H2": 420}},
            {
                "name": "설명회",
                "unit": "회",
                "target": 8,
                "cumulative": True,
                "results": {"2023H2": 2, "2024H1": 3},
            },
        ],
        "reports": {
            "2023H2": {
                "status": "정상추진",
                "progress_rate": 30,
                "contacts": {"officer": {"name": "서가온", "phone": "930-2141"}},
                "participation": {"hearings": 1},
                "problems": {"general": [{"text": "구인난 지속"}]},
                "budget": {
                    "plan": [{"name": "장려금", "sources": {"군비": {"2023": 100, "2024": 150}}}],
                    "secured": [
                        {"name": "장려금", "sources": {"군비": {"2023": {"secured": 100}}}}
                    ],
                },
            },
            "2024H1": {
                "draft": True,
                "status": "정상추진",
                "progress_rate": 50.5,
                "contacts": {"officer": {"name": "서가온", "phone": "930-2141"}},
                "participation": {"hearings": 2, "advisory": 1},
                "problems": {
                    "problems": [{"text": "구인난 지속"}],
                    "measures": [{"text": "지역기업 연계 강화"}],
                },
                "budget": {
                    "plan": [
                        {
                            "name": "장려금",
                            "sources": {
                                "도비": {"2024": 20},
                                "군비": {"2023": 100, "2024": 150.25},
                            },
                        }
                    ],
                    "secured": [
                        {
                            "name": "장려금",
                            "sources": {
                                "군비": {
                                    "2023": {"secured": 100, "executed": 98},
                                    "2024": {"secured": 150},
                                }
                            },
                        }
                    ],
                },
            },
        },
    }


@pytest.fixture
def gun(tmp_path: Path, write_records: Callable[..., Path]) -> Path:
    """An invented 군 with another form: 군비, one contact role, 6월말 기준, 추진율, 성과지표."""
    return write_records(
        tmp_path,
        {
            "1-1": _gun_pledge("1-1", "일자리경제과"),
            "2-1": _gun_pledge("2-1", "복지정책과"),
        },
        settings=GUN,
    )


def _snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.glob("*.json"))}


def _save(out: dict[str, bytes], where: Path) -> list[Path]:
    where.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, data in out.items():
        (where / name).write_bytes(data)
        paths.append(where / name)
    return paths


def _row(ws: Worksheet, tag: str, text: str | None = None) -> int:
    for r in range(1, ws.max_row + 1):
        if ws.cell(r, 1).value == tag and (text is None or ws.cell(r, 3).value == text):
            return r
    raise AssertionError(f"no row {tag} {text!r}")


def _budget_cell(ws: Worksheet, kind: str, name: str, source: str, label: str) -> str:
    head = _row(ws, "#budget")
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(head, c).value == label)
    for r in range(head, ws.max_row + 1):
        if ws.cell(r, 1).value == f"budget:{kind}" and ws.cell(r, 3).value == name:
            if ws.cell(r, 4).value == source:
                return ws.cell(r, col).coordinate
    raise AssertionError((kind, name, source))


def _problem_lines(exc: pytest.ExceptionInfo[IntakeInvalid]) -> list[str]:
    return [str(p) for p in exc.value.problems]


# ---------------------------------------------------------------------------
# Round trips


def test_round_trip_of_the_shipped_records_changes_nothing(
    copied_records: Path, tmp_path: Path
) -> None:
    before = _snapshot(copied_records)
    out = export_workbooks(copied_records, "2022H1")
    assert list(out) == ["2022H1_일자리정책과.xlsx"]
    files = _save(out, tmp_path / "out")
    result = import_workbooks(copied_records, files)
    assert [p.pledge_id for p in result.pledges] == ["1-4-3", "1-4-5"]
    assert not result.changed and result.written == []
    assert _snapshot(copied_records) == before

    wb = openpyxl.load_workbook(files[0])
    assert wb.sheetnames == ["안내", "1-4-3", "1-4-5", META_SHEET]
    assert wb[META_SHEET].sheet_state == "veryHidden"
    meta = json.loads(wb[META_SHEET]["A2"].value)
    assert (meta["city"], meta["period"]) == ("고양시", "2022H1")
    ws = wb["1-4-5"]
    assert ws.protection.sheet
    # Goyang's cut-off: the report of 2022H1 shows 2021H2's achievements and the plan for 2022H1.
    assert "2021년도 하반기 추진실적" in ws.cell(_row(ws, "#achieved"), 3).value
    assert "2022년도 상반기 추진계획" in ws.cell(_row(ws, "#plan"), 3).value
    status = ws.cell(_row(ws, "status:status"), 3)
    assert status.value == "이행후계속추진" and not status.protection.locked
    assert ws.cell(_row(ws, "head:title"), 3).protection.locked
    lists = {
        tuple(dv.sqref.ranges)[0].coord: dv.formula1 for dv in ws.data_validations.dataValidation
    }
    assert lists[status.coordinate] == '"완료,이행후계속추진,정상추진,일부추진,보류,폐기,기타"'
    formulas = set(lists.values())
    assert '"국비,도비,시비,기타"' in formulas and '"○,-,·,··,※,-※,·※"' in formulas
    # The secured table's figures of the last report, beside this one's.
    assert (
        ws[_budget_cell(ws, "secured", "통합일자리정보 시스템 구축", "시비", "'18.7.")].value == 12
    )


def test_round_trip_of_another_citys_form(gun: Path, tmp_path: Path) -> None:
    before = _snapshot(gun)
    out = export_workbooks(gun, Period.parse("2024H1"))
    assert sorted(out) == ["2024H1_복지정책과.xlsx", "2024H1_일자리경제과.xlsx"]
    files = _save(out, tmp_path / "out")
    result = import_workbooks(gun, files)
    assert not result.changed
    assert _snapshot(gun) == before

    ws = openpyxl.load_workbook(tmp_path / "out" / "2024H1_일자리경제과.xlsx")["1-1"]
    tags = [ws.cell(r, 1).value for r in range(1, ws.max_row + 1)]
    assert "contacts:officer" in tags and "contacts:manager" not in tags
    assert "status:progress_rate" in tags and "indicators:1" in tags
    assert ws.cell(_row(ws, "status:progress_rate"), 3).value == 50.5
    # "6월말 기준": the half's own achievements and the plan for the next half.
    assert "2024년도 상반기 추진실적" in ws.cell(_row(ws, "#achieved"), 3).value
    assert "2024년도 하반기 추진계획" in ws.cell(_row(ws, "#plan"), 3).value
    levels = [
        (ws.cell(r, 2).value, ws.cell(r, 3).value)
        for r in range(1, ws.max_row + 1)
        if ws.cell(r, 1).value == "achieved:item" and ws.cell(r, 3).value
    ]
    assert levels == [
        ("○", "청년 채용 장려금 지원"),
        ("-", "48개사 120명"),
        ("·", "2차 지원"),
        ("-※", "예산 조기 집행"),
        ("○", "채용 설명회 2회"),
    ]
    # A merged column, and the year it holds where amounts are recorded by year.
    assert ws[_budget_cell(ws, "plan", "장려금", "군비", "'22~'23")].value is None
    assert ws[_budget_cell(ws, "plan", "장려금", "군비", "2023년분")].value == 100
    assert ws[_budget_cell(ws, "plan", "장려금", "군비", "2024")].value == 150.25
    assert ws[_budget_cell(ws, "executed", "장려금", "군비", "2023년분")].value == 98

    one = export_workbooks(gun, "2024H1", dept="복지정책과")
    assert list(one) == ["2024H1_복지정책과.xlsx"]
    with pytest.raises(ReportgenError, match="일자리경제과"):
        export_workbooks(gun, "2024H1", dept="없는과")


def _edit(path: Path, edits: Callable[[openpyxl.Workbook], None], target: Path) -> Path:
    wb = openpyxl.load_workbook(path)
    edits(wb)
    wb.save(target)
    return target


def test_an_edit_changes_exactly_what_was_edited(gun: Path, tmp_path: Path) -> None:
    files = _save(export_workbooks(gun, "2024H1"), tmp_path / "out")
    book = next(f for f in files if "일자리경제과" in f.name)
    original = json.loads((gun / "1-1.json").read_text(encoding="utf-8"))
    other = (gun / "2-1.json").read_bytes()

    def edits(wb: openpyxl.Workbook) -> None:
        ws = wb["1-1"]
        ws.cell(_row(ws, "status:status"), 3).value = "완료"
        ws.cell(_row(ws, "achieved:item", "48개사 120명"), 3).value = "52개사 131명"
        ws[_budget_cell(ws, "plan", "장려금", "군비", "2024")] = 160

    edited = _edit(book, edits, tmp_path / "edited.xlsx")
    result = import_workbooks(gun, [edited])
    assert [(p.pledge_id, p.sections) for p in result.changed] == [
        ("1-1", ["status", "achieved", "budget"])
    ]
    expected = copy.deepcopy(original)
    report = expected["reports"]["2024H1"]
    report["status"] = "완료"
    expected["achievements"][1]["entries"][0]["children"][0]["text"] = "52개사 131명"
    report["budget"]["plan"][0]["sources"]["군비"]["2024"] = 160
    assert json.loads((gun / "1-1.json").read_text(encoding="utf-8")) == expected
    assert (gun / "2-1.json").read_bytes() == other

    # The same file again changes nothing; validate lists the drafts.
    after = _snapshot(gun)
    assert not import_workbooks(gun, [edited]).changed
    assert _snapshot(gun) == after
    _records, warnings = check(gun)
    drafts = [str(w) for w in warnings if "unconfirmed draft" in w.message]
    assert any("1-1.json: $.reports.2024H1.draft" in d for d in drafts), drafts


def test_an_unopened_period_is_opened_as_new_period_opens_it(gun: Path, tmp_path: Path) -> None:
    twin = tmp_path / "twin"
    shutil.copytree(gun, twin)
    # The compiling office confirms 2024H1, then exports 2024H2 before new-period.
    for directory in (gun, twin):
        for path in directory.glob("*-1.json"):
            raw = json.loads(path.read_text(encoding="utf-8"))
            del raw["reports"]["2024H1"]["draft"]
            del raw["achievements"][1]["draft"]
            path.write_text(json.dumps(raw, ensure_ascii=False, indent=2), encoding="utf-8")
    files = _save(export_workbooks(gun, "2024H2"), tmp_path / "out")
    book = next(f for f in files if "일자리경제과" in f.name)
    ws = openpyxl.load_workbook(book)["1-1"]
    # The plan for 2024H2 is offered in grey beside its 추진실적, not pasted in as the result.
    assert ws.cell(_row(ws, "achieved:ref"), 3).value == "청년 일자리 박람회 개최"
    assert ws.cell(_row(ws, "achieved:ref"), 3).fill.fgColor.rgb.endswith("EDEDED")
    assert ws.cell(_row(ws, "achieved:ref"), 3).protection.locked
    assert ws.cell(_row(ws, "achieved:item"), 3).value is None
    result = import_workbooks(gun, files)
    assert all(p.opened for p in result.pledges)
    roll_forward(twin, Period.parse("2024H2"))
    # Opened as new-period opens it, except what the department left blank of
    # what was offered only in grey: no counts and no achievements for 2024H2
    # (last half's counts and the plan are not this half's results).
    for pledge_id in ("1-1", "2-1"):
        rolled = json.loads((twin / f"{pledge_id}.json").read_text(encoding="utf-8"))
        rolled["reports"]["2024H2"]["participation"] = {}
        rolled["achievements"] = [g for g in rolled["achievements"] if g["period"] != "2024H2"]
        imported = json.loads((gun / f"{pledge_id}.json").read_text(encoding="utf-8"))
        assert imported == rolled
    assert all(p.cleared == ["participation", "achieved"] for p in result.pledges)
    # Sent back untouched: returned unchanged, every copy named as still a copy.
    returns = load_returns(gun, Period.parse("2024H2"))
    assert sorted(returns) == ["복지정책과", "일자리경제과"]
    ret = returns["일자리경제과"]
    assert ret.returned_unchanged and ret.unchanged == ["1-1"] and ret.file == book.name
    assert ret.untouched == {
        "1-1": [
            "status",
            "progress_rate",
            "contacts",
            "participation",
            "achieved",
            "problems",
            "budget",
        ]
    }
    assert any("returned unchanged" in line for line in result.describe())


# ---------------------------------------------------------------------------
# LibreOffice


UNO_EDIT = r"""
import json, subprocess, sys, time
import uno
from com.sun.star.beans import PropertyValue

def props(**values):
    out = []
    for name, value in values.items():
        p = PropertyValue(); p.Name = name; p.Value = value; out.append(p)
    return tuple(out)

job = json.loads(sys.argv[1])
connect = "pipe,name=%s;urp;StarOffice.ComponentContext" % job["pipe"]
office = subprocess.Popen([job["soffice"], "-env:UserInstallation=" + job["profile"], "--headless",
    "--invisible", "--nologo", "--nodefault", "--norestore", "--nolockcheck", "--accept=" + connect],
    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
    deadline = time.monotonic() + 60
    while True:
        try:
            context = resolver.resolve("uno:" + connect); break
        except Exception:
            if time.monotonic() > deadline or office.poll() is not None: raise
            time.sleep(0.1)
    desktop = context.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", context)
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(job["src"]), "_blank", 0, props(Hidden=True))
    for sheet, cell, value in job["edits"]:
        target = doc.Sheets.getByName(sheet).getCellRangeByName(cell)
        if isinstance(value, str):
            target.setString(value)
        else:
            target.setValue(value)
    doc.storeToURL(uno.systemPathToFileUrl(job["dst"]), props(FilterName="Calc MS Excel 2007 XML"))
    doc.close(True)
    try:
        desktop.terminate()
    except Exception:
        pass
finally:
    try:
        office.wait(timeout=30)
    except subprocess.TimeoutExpired:
        office.kill()
"""


def _libreoffice_edit(
    src: Path, dst: Path, edits: list[tuple[str, str, Any]], scratch: Path
) -> None:
    soffice = find_soffice()
    python = find_uno_python(soffice) if soffice else None
    if soffice is None or python is None:
        # Skipped with the reason on a machine without it; CI requires it (never skips).
        message = "LibreOffice with python3-uno is needed (apt-get install libreoffice-calc-nogui python3-uno)"
        if os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    script = scratch / "uno_edit.py"
    script.write_text(UNO_EDIT, encoding="utf-8")
    job = {
        "soffice": soffice,
        "profile": (scratch / "profile").as_uri(),
        "pipe": f"reportgen-intake-{scratch.name}",
        "src": str(src),
        "dst": str(dst),
        "edits": edits,
    }
    run = subprocess.run(
        [python, str(script), json.dumps(job)], capture_output=True, text=True, timeout=180
    )
    assert run.returncode == 0 and dst.exists(), run.stderr[-2000:]


def test_a_workbook_edited_and_saved_in_libreoffice_imports(gun: Path, tmp_path: Path) -> None:
    files = _save(export_workbooks(gun, "2024H1"), tmp_path / "out")
    book = next(f for f in files if "일자리경제과" in f.name)
    original = json.loads((gun / "1-1.json").read_text(encoding="utf-8"))
    ws = openpyxl.load_workbook(book)["1-1"]
    status = ws.cell(_row(ws, "status:status"), 3).coordinate
    item = ws.cell(_row(ws, "plan:item", "청년 일자리 박람회 개최"), 3).coordinate
    figure = _budget_cell(ws, "secured", "장려금", "군비", "2024")
    saved = tmp_path / "saved.xlsx"
    _libreoffice_edit(
        book,
        saved,
        [
            ("1-1", status, "장기추진"),
            ("1-1", item, "청년 일자리 박람회 개최(10월)"),
            ("1-1", figure, 175),
        ],
        tmp_path,
    )
    result = import_workbooks(gun, [saved])
    assert [(p.pledge_id, p.sections) for p in result.changed] == [
        ("1-1", ["status", "plan", "budget"])
    ]
    expected = copy.deepcopy(original)
    expected["reports"]["2024H1"]["status"] = "장기추진"
    expected["plans"][1]["entries"][0]["text"] = "청년 일자리 박람회 개최(10월)"
    expected["plans"][1] = {
        "period": "2024H2",
        "draft": True,
        "entries": expected["plans"][1]["entries"],
    }
    expected["reports"]["2024H1"]["budget"]["secured"][0]["sources"]["군비"]["2024"]["secured"] = (
        175
    )
    assert json.loads((gun / "1-1.json").read_text(encoding="utf-8")) == expected


def test_a_workbook_saved_by_libreoffice_unedited_changes_nothing(
    copied_records: Path, tmp_path: Path
) -> None:
    before = _snapshot(copied_records)
    (book,) = _save(export_workbooks(copied_records, "2022H1"), tmp_path / "out")
    saved = tmp_path / "saved.xlsx"
    _libreoffice_edit(book, saved, [], tmp_path)
    assert not import_workbooks(copied_records, [saved]).changed
    assert _snapshot(copied_records) == before


def test_openxml_audit_finds_nothing_in_an_exported_workbook(gun: Path, tmp_path: Path) -> None:
    # 2024H1 revises a draft (copies marked); 2024H2 opens the period (plan offered in grey).
    files = _save(export_workbooks(gun, "2024H1"), tmp_path / "out")
    files += _save(export_workbooks(gun, "2024H2"), tmp_path / "out")
    found = audit(tmp_path / "out")
    assert len(found) == len(files) == 4
    assert all(f["error_count"] == 0 and f["warning_count"] == 0 for f in found), found


# ---------------------------------------------------------------------------
# One line per bad cell


def _status_cell(wb: openpyxl.Workbook, value: Any, sheet: str = "1-4-5") -> None:
    ws = wb[sheet]
    ws.cell(_row(ws, "status:status"), 3).value = value


def _figure(value: Any) -> Callable[[openpyxl.Workbook], None]:
    def edit(wb: openpyxl.Workbook) -> None:
        ws = wb["1-4-5"]
        ws[_budget_cell(ws, "plan", "통합일자리정보 시스템 구축", "시비", "'19")] = value

    return edit


def _symbol_in_text(wb: openpyxl.Workbook) -> None:
    ws = wb["1-4-5"]
    r = _row(ws, "plan:item")
    ws.cell(r, 3).value = "○ " + ws.cell(r, 3).value


def _moved_row(wb: openpyxl.Workbook) -> None:
    ws = wb["1-4-5"]
    source = _row(ws, "plan:item")
    spare = max(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "achieved:item")
    ws.move_range(f"A{source}:C{source}", rows=spare - source)


def _renamed(wb: openpyxl.Workbook) -> None:
    wb["1-4-3"].title = "고용할당제"


def _deleted(wb: openpyxl.Workbook) -> None:
    del wb["1-4-3"]


def _other_city(wb: openpyxl.Workbook) -> None:
    meta = json.loads(wb[META_SHEET]["A2"].value)
    meta["city"] = "가람군"
    wb[META_SHEET]["A2"] = json.dumps(meta, ensure_ascii=False)


BAD_CELLS = [
    (
        "long text in the status cell",
        lambda wb: _status_cell(wb, "가" * 200),
        [r"'1-4-5'!C\d+", "is not a status", "200 characters", "정상추진"],
    ),
    (
        "a status not in the list",
        lambda wb: _status_cell(wb, "진행중"),
        [r"'1-4-5'!C\d+", "'진행중' is not a status; choose one of 완료"],
    ),
    (
        "a figure with 원",
        _figure("1,234원"),
        [r"'1-4-5'!G\d+", "is text, not a number", "write it as the number 1234"],
    ),
    (
        "a figure with a dot for thousands",
        _figure("1.234"),
        [r"'1-4-5'!G\d+", "write 1234 if you mean 1,234"],
    ),
    (
        "a level symbol typed into the text",
        _symbol_in_text,
        [r"'1-4-5'!C\d+", "starts with the symbol '○'", "column B"],
    ),
    (
        "a row moved out of its block",
        _moved_row,
        [r"'1-4-5'!B\d+", "belongs to the block 추진계획 but sits in 추진실적"],
    ),
    ("a sheet renamed", _renamed, [r"sheet '고용할당제'", "renamed: rename it back to '1-4-3'"]),
    ("a sheet deleted", _deleted, [r"the sheet '1-4-3' \(pledge 1-4-3\) is missing \(deleted\?\)"]),
    (
        "a workbook of another city",
        _other_city,
        ["this workbook is 가람군's", "these records are 고양시's"],
    ),
]


@pytest.mark.parametrize(
    ("edit", "expected"), [c[1:] for c in BAD_CELLS], ids=[c[0] for c in BAD_CELLS]
)
def test_each_bad_cell_gives_one_line(
    copied_records: Path,
    tmp_path: Path,
    edit: Callable[[openpyxl.Workbook], None],
    expected: list[str],
) -> None:
    before = _snapshot(copied_records)
    (book,) = _save(export_workbooks(copied_records, "2022H1"), tmp_path / "out")
    bad = _edit(book, edit, tmp_path / "부서.xlsx")
    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(copied_records, [bad], force=True)
    lines = _problem_lines(exc)
    assert len(lines) == 1, lines
    assert lines[0].startswith("부서.xlsx: ") and ": error: " in lines[0]
    for pattern in expected:
        assert re.search(pattern, lines[0]), (pattern, lines[0])
    assert "nothing was written" in str(exc.value)
    assert _snapshot(copied_records) == before


def test_a_workbook_of_another_period_is_refused(copied_records: Path, tmp_path: Path) -> None:
    (book,) = _save(export_workbooks(copied_records, "2021H2"), tmp_path / "out")
    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(copied_records, [book])
    (line,) = _problem_lines(exc)
    assert "this workbook is for 2021H2, but the records are at 2022H1" in line


def test_a_workbook_of_another_city_is_refused(
    gun: Path, records_dir: Path, tmp_path: Path
) -> None:
    goyang = tmp_path / "goyang"
    shutil.copytree(records_dir, goyang)
    files = _save(export_workbooks(gun, "2024H1"), tmp_path / "out")
    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(goyang, files[:1])
    (line,) = _problem_lines(exc)
    assert "가람군's (민선8기); these records are 고양시's (민선7기)" in line


def test_a_file_that_is_no_export_is_refused(copied_records: Path, tmp_path: Path) -> None:
    stray = tmp_path / "메모.xlsx"
    openpyxl.Workbook().save(stray)
    text = tmp_path / "보고.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(copied_records, [stray, text])
    lines = _problem_lines(exc)
    assert len(lines) == 2
    assert "made by 'reportgen intake export'" in lines[0] or "made by" in lines[1]
    assert any(line.startswith("보고.xlsx: error: not an XLSX workbook") for line in lines)


# ---------------------------------------------------------------------------
# Safety rules


def test_nothing_is_written_unless_every_file_is_sound(gun: Path, tmp_path: Path) -> None:
    before = _snapshot(gun)
    files = _save(export_workbooks(gun, "2024H1"), tmp_path / "out")
    good = next(f for f in files if "일자리경제과" in f.name)
    bad = next(f for f in files if "복지정책과" in f.name)

    def fine(wb: openpyxl.Workbook) -> None:
        _status_cell(wb, "완료", "1-1")

    def broken(wb: openpyxl.Workbook) -> None:
        ws = wb["2-1"]
        ws.cell(_row(ws, "participation:hearings"), 3).value = 2.5

    edited = [_edit(good, fine, tmp_path / "a.xlsx"), _edit(bad, broken, tmp_path / "b.xlsx")]
    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(gun, edited)
    (line,) = _problem_lines(exc)
    assert line.startswith("b.xlsx: '2-1'!C") and "2.5 is not a whole number" in line
    assert _snapshot(gun) == before


def test_a_confirmed_report_needs_force(copied_records: Path, tmp_path: Path) -> None:
    before = _snapshot(copied_records)
    (book,) = _save(export_workbooks(copied_records, "2022H1"), tmp_path / "out")
    edited = _edit(book, lambda wb: _status_cell(wb, "정상추진"), tmp_path / "e.xlsx")
    with pytest.raises(ReportgenError, match="the report of 2022H1 is confirmed"):
        import_workbooks(copied_records, [edited])
    assert _snapshot(copied_records) == before
    result = import_workbooks(copied_records, [edited], force=True)
    assert [(p.pledge_id, p.sections) for p in result.changed] == [("1-4-5", ["status"])]
    report = json.loads((copied_records / "1-4-5.json").read_text(encoding="utf-8"))["reports"]
    assert list(report["2022H1"])[:2] == ["draft", "status"]
    assert report["2022H1"]["draft"] is True and report["2022H1"]["status"] == "정상추진"


def test_a_stale_workbook_is_refused(gun: Path, tmp_path: Path) -> None:
    files = _save(export_workbooks(gun, "2024H1"), tmp_path / "out")
    book = next(f for f in files if "일자리경제과" in f.name)
    edited = _edit(book, lambda wb: _status_cell(wb, "완료", "1-1"), tmp_path / "e.xlsx")
    # Meanwhile the compiling office corrected the contact in the records.
    path = gun / "1-1.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace("930-2141", "930-2142"), encoding="utf-8"
    )
    before = _snapshot(gun)
    with pytest.raises(IntakeInvalid) as exc:
        import_workbooks(gun, [edited])
    (line,) = _problem_lines(exc)
    assert "changed after this workbook was exported" in line and "contacts" in line
    assert _snapshot(gun) == before


def test_the_command_line_exports_and_imports(gun: Path, tmp_path: Path) -> None:
    """reportgen intake export / import: files in a folder of reportgen's, records unchanged."""
    from click.testing import CliRunner

    from reportgen.cli import main

    out = tmp_path / "intake"
    before = _snapshot(gun)
    runner = CliRunner()
    exported = runner.invoke(
        main, ["intake", "export", "2024H1", "--records", str(gun), "--out", str(out)]
    )
    assert exported.exit_code == 0, exported.output
    books = sorted(out.glob("*.xlsx"))
    assert books and all(f"wrote {b}" in exported.output for b in books)
    imported = runner.invoke(main, ["intake", "import", *map(str, books), "--records", str(gun)])
    assert imported.exit_code == 0, imported.output
    assert "nothing to change" in imported.output
    assert _snapshot(gun) == before
    # A department's returned file is never overwritten by a second export.
    books[0].write_bytes(books[0].read_bytes() + b"\0")
    again = runner.invoke(
        main, ["intake", "export", "2024H1", "--records", str(gun), "--out", str(out)]
    )
    assert again.exit_code == 1 and "Traceback" not in again.output, again.output
