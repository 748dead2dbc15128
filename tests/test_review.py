"""``reportgen status`` and ``reportgen confirm``: who returned, what is left, confirm and undo."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from .conftest import init_city, run

LIST = """공약번호,분야,공약명,소관부서,군비 2027
1-1,경제,청년 창업,일자리정책과,100
1-2,경제,시장 주차장,경제과,
1-3,경제,상가 활성화,경제과,30
2-1,복지,어르신 급식,복지정책과,50
"""


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """A 군 started from its list, its workbooks exported, 경제과's returned unchanged."""
    records = init_city(tmp_path, LIST)
    books = tmp_path / "books"
    exported = run("intake", "export", "2026H2", "--records", records, "--out", books)
    assert exported.exit_code == 0, exported.output
    imported = run("intake", "import", books / "2026H2_경제과.xlsx", "--records", records)
    assert imported.exit_code == 0, imported.output
    return records


def status(records: Path) -> dict[str, Any]:
    result = run("status", "2026H2", "--records", records, "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.output)
    return data


def test_status_names_each_department_and_its_state(city: Path) -> None:
    result = run("status", "2026H2", "--records", city)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("경제과  검토 대기  공약 2개 (1-2, 1-3)")
    assert "회신 2026H2_경제과.xlsx: 변경 없음" in lines[0]
    assert lines[1].startswith("복지정책과  미회신  공약 1개 (2-1)")
    assert lines[2].startswith("일자리정책과  미회신")
    assert lines[3] == (
        "2026H2: 부서 3곳 — 확정 0, 검토 대기 1, 미회신 2; 공약 4개 중 확정된 공약 0개"
    )
    data = status(city)
    states = {d["department"]: d["state"] for d in data["departments"]}
    assert states == {
        "경제과": "awaiting_review",
        "복지정책과": "not_returned",
        "일자리정책과": "not_returned",
    }
    economy = data["departments"][0]
    assert economy["returned"]["unchanged"] == ["1-2", "1-3"]
    assert set(economy["drafts"]) == {"1-2", "1-3"}
    assert data["summary"] == {
        "departments": 3,
        "confirmed": 0,
        "awaiting_review": 1,
        "not_returned": 2,
        "pledges": 4,
    }


def test_confirm_refuses_without_a_terminal_unless_yes(city: Path) -> None:
    before = {p.name: p.read_bytes() for p in city.glob("*.json")}
    result = run("confirm", "2026H2", "--records", city, "--dept", "경제과")
    assert result.exit_code == 1
    assert "--yes" in result.output and "아무것도 바꾸지 않았습니다" in result.output
    assert {p.name: p.read_bytes() for p in city.glob("*.json")} == before


def test_confirm_then_undo_restores_every_byte(city: Path) -> None:
    before = {p.name: p.read_bytes() for p in city.glob("*.json")}
    result = run(
        "confirm", "2026H2", "--records", city, "--dept", "경제과", "--yes", "--by", "김담당"
    )
    assert result.exit_code == 0, result.output
    assert "1-2 시장 주차장: 초안 — 2026H2 보고 (" in result.output
    assert "공약 2개를 확정했습니다" in result.output
    record = json.loads((city / "1-3.json").read_text(encoding="utf-8"))
    report = record["reports"]["2026H2"]
    assert "draft" not in report
    assert report["confirmed"]["by"] == "김담당"
    assert report["confirmed"]["removed"] == ["reports.2026H2"]
    assert report["confirmed"]["at"].startswith("20")
    # Other departments' records are untouched; 경제과 is now 확정.
    assert (city / "2-1.json").read_bytes() == before["2-1.json"]
    assert status(city)["departments"][0]["state"] == "confirmed"
    assert run("validate", "--records", city).exit_code == 0
    # Nothing left to confirm: said, nothing written.
    again = run("confirm", "2026H2", "--records", city, "--dept", "경제과", "--yes")
    assert again.exit_code == 0 and "확정할 초안이 없습니다" in again.output

    undone = run("confirm", "2026H2", "--undo", "--records", city, "--yes", "1-2", "1-3")
    assert undone.exit_code == 0, undone.output
    assert {p.name: p.read_bytes() for p in city.glob("*.json")} == before
    assert status(city)["departments"][0]["state"] == "awaiting_review"


def test_confirm_one_pledge_asks_on_a_terminal(city: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("reportgen.cli._interactive", lambda: True)
    declined = run("confirm", "2026H2", "1-2", "--records", city, input="n\n")
    assert declined.exit_code == 1 and "확정할까요?" in declined.output
    assert "draft" in (city / "1-2.json").read_text(encoding="utf-8")
    accepted = run("confirm", "2026H2", "1-2", "--records", city, input="y\n")
    assert accepted.exit_code == 0, accepted.output
    assert "draft" not in (city / "1-2.json").read_text(encoding="utf-8")
    assert "draft" in (city / "1-3.json").read_text(encoding="utf-8")


def test_confirm_names_what_does_not_exist(city: Path) -> None:
    wrong = run("confirm", "2026H2", "--records", city, "--dept", "총무과", "--yes")
    assert wrong.exit_code == 1 and "'총무과' 부서가 없습니다" in wrong.output
    assert "경제과" in wrong.output
    missing = run("confirm", "2026H2", "9-9", "--records", city, "--yes")
    assert missing.exit_code == 1 and "없는 공약입니다: 9-9" in missing.output
    nothing = run("confirm", "2026H2", "--undo", "--records", city, "--yes")
    assert nothing.exit_code == 0 and "확정을 취소할 공약이 없습니다" in nothing.output


def test_confirm_shows_what_changed_since_the_last_report(city: Path, tmp_path: Path) -> None:
    import openpyxl

    assert run("confirm", "2026H2", "--records", city, "--yes").exit_code == 0
    books = tmp_path / "books-2027H1"
    assert run("intake", "export", "2027H1", "--records", city, "--out", books).exit_code == 0
    book = books / "2027H1_경제과.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["1-3"]
    row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "status:status")
    ws.cell(row, 3).value = "완료"
    wb.save(book)
    assert run("intake", "import", book, "--records", city).exit_code == 0
    result = run("confirm", "2027H1", "1-3", "--records", city, "--yes")
    assert result.exit_code == 0, result.output
    assert "2026H2" in result.output and "2027H1" in result.output  # diff's heading
    assert "1-3 상가 활성화" in result.output and "완료" in result.output
    assert "공약 1개를 확정했습니다" in result.output


def test_undo_of_a_confirmation_that_made_the_report(city: Path) -> None:
    """A pledge whose drafts are carried from an earlier report gets reports.<P> to hold
    its confirmation; undo removes it again, byte for byte."""
    assert run("confirm", "2026H2", "--records", city, "--undo", "--yes").exit_code == 0
    path = city / "1-1.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    assert list(record["reports"]) == ["2026H2"]  # drafted by init from the list's money
    before = path.read_bytes()
    result = run("confirm", "2027H1", "1-1", "--records", city, "--yes")
    assert result.exit_code == 0, result.output
    confirmed = json.loads(path.read_text(encoding="utf-8"))
    assert confirmed["reports"]["2027H1"]["confirmed"]["removed"] == ["reports.2026H2"]
    assert "draft" not in confirmed["reports"]["2026H2"]
    undone = run("confirm", "2027H1", "1-1", "--records", city, "--undo", "--yes")
    assert undone.exit_code == 0, undone.output
    assert path.read_bytes() == before


def test_status_without_a_period_before_any_report_says_what_to_type(tmp_path: Path) -> None:
    (tmp_path / "list.csv").write_text("공약번호,분야,공약명,소관부서\n1-1,경제,a,b과\n", "utf-8")
    records = tmp_path / "records"
    common = ["--city", "가람군", "--kind", "군", "--start", "2026H2"]
    assert run("init", records, "--pledges", tmp_path / "list.csv", *common).exit_code == 0
    result = run("status", "--records", records)
    assert result.exit_code == 1
    assert f"reportgen status 2026H2 --records {records}" in result.output
    named = run("status", "2026H2", "--records", records)
    assert named.exit_code == 0 and named.output.startswith("b과  미회신")
