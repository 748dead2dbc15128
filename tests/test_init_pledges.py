"""``reportgen init DIR --pledges FILE``: a term's records from its pledge list, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl

from reportgen.intake.pledgelist import read_pledge_list

from .conftest import run

CITY = ["--city", "가람군", "--kind", "군", "--start", "2026H2"]


def xlsx(path: Path, rows: list[list[Any]]) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def load(path: Path) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return value


ENCODED = [
    [
        "공약번호",
        "분야",
        "전략",
        "공약명",
        "소관부서",
        "국비 2027",
        "군비 2027",
        "지표",
        "단위",
        "목표",
    ],
    ["1-1-1", "일자리 경제", "청년", "청년 창업 공간", "일자리정책과", 100, 50, "창업", "개소", 3],
    ["1-1-2", None, None, "청년 주거", "주택과", None, None, None, None, None],
    ["1-2-1", None, "시장", "전통시장 주차장", "경제과", None, 1200, None, None, None],
    ["2-1-1", "안전 복지", "돌봄", "어르신 급식", "복지정책과", None, None, None, None, None],
]


def test_a_term_from_a_list_whose_numbers_encode_the_groups(tmp_path: Path) -> None:
    records = tmp_path / "records"
    result = run("init", records, "--pledges", xlsx(tmp_path / "목록.xlsx", ENCODED), *CITY)
    assert result.exit_code == 0, result.output
    settings = load(records / "report.json")
    assert settings["numbering"] == "1-1-1"
    assert settings["term"] == {"name": "민선9기", "start": "2026H2", "end": "2030H1"}
    assert settings["groups"] == [
        {"key": "1", "name": "일자리 경제", "level": "분야"},
        {"key": "2", "name": "안전 복지", "level": "분야"},
        {"key": "1-1", "name": "청년", "level": "전략"},
        {"key": "1-2", "name": "시장", "level": "전략"},
        {"key": "2-1", "name": "돌봄", "level": "전략"},
    ]
    names = sorted(p.name for p in records.glob("*.json"))
    assert names == ["1-1-1.json", "1-1-2.json", "1-2-1.json", "2-1-1.json", "report.json"]
    first = load(records / "1-1-1.json")
    assert "group" not in first  # the number says it
    assert first["indicators"] == [{"name": "창업", "unit": "개소", "target": 3}]
    assert first["reports"]["2026H2"]["budget"]["plan"] == [
        {"name": "청년 창업 공간", "sources": {"국비": {"2027": 100}, "군비": {"2027": 50}}}
    ]
    assert first["reports"]["2026H2"]["draft"] is True
    checked = run("validate", "--records", records)
    assert checked.exit_code == 0, checked.output


def test_groups_by_order_when_the_numbers_do_not_say_them(tmp_path: Path) -> None:
    rows = [
        ["번호", "공약명", "분야", "부서"],
        ["1", "청년 창업", "경제", "일자리정책과"],
        ["2", "어르신 급식", "복지", "복지정책과"],
        ["3", "시장 주차장", "경제", "경제과"],
    ]
    records = tmp_path / "r"
    result = run("init", records, "--pledges", xlsx(tmp_path / "l.xlsx", rows), *CITY)
    assert result.exit_code == 0, result.output
    assert load(records / "report.json")["groups"] == [
        {"key": "1", "name": "경제", "level": "분야"},
        {"key": "2", "name": "복지", "level": "분야"},
    ]
    assert [load(records / f"{n}.json")["group"] for n in "123"] == ["1", "2", "1"]
    assert run("validate", "--records", records).exit_code == 0


def test_a_bad_list_writes_nothing(tmp_path: Path) -> None:
    rows = [["공약번호", "공약명", "분야", "부서"], ["1-1", "a", "b", "c"], ["1-1", "", "b", "c"]]
    records = tmp_path / "r"
    result = run("init", records, "--pledges", xlsx(tmp_path / "l.xlsx", rows), *CITY)
    assert result.exit_code == 1
    assert "3행, A열 (공약번호): 공약번호 1-1이 2행에도 있습니다" in result.output
    assert "3행, B열 (공약명)" in result.output
    assert "아무것도 쓰지 않았습니다" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == [tmp_path / "l.xlsx"]


def test_an_amount_outside_the_term_is_named_with_the_other_problems(tmp_path: Path) -> None:
    rows = [["번호", "공약명", "분야", "부서", "군비 2031"], ["1", "", "b", "c", 5]]
    result = run("init", tmp_path / "r", "--pledges", xlsx(tmp_path / "l.xlsx", rows), *CITY)
    assert result.exit_code == 1
    assert "1행, E열 (군비 2031): 2031년은 임기(2026~2030년) 밖입니다" in result.output
    assert "임기후" in result.output
    assert "2행, B열 (공약명)" in result.output  # in the same run
    assert not (tmp_path / "r").exists()


def test_into_existing_records_adds_new_pledges_and_keeps_the_others(tmp_path: Path) -> None:
    records = tmp_path / "r"
    first = xlsx(tmp_path / "one.xlsx", ENCODED[:3])
    assert run("init", records, "--pledges", first, *CITY).exit_code == 0
    # The office confirms and edits 1-1-1; the list is published again with more pledges.
    confirmed = load(records / "1-1-1.json")
    confirmed["reports"]["2026H2"].pop("draft")
    confirmed["title"] = "청년 창업 공간 조성"
    text = json.dumps(confirmed, ensure_ascii=False, indent=2) + "\n"
    (records / "1-1-1.json").write_text(text, encoding="utf-8")
    before = (records / "1-1-1.json").read_bytes()

    result = run("init", records, "--pledges", xlsx(tmp_path / "all.xlsx", ENCODED))
    assert result.exit_code == 0, result.output
    assert (records / "1-1-1.json").read_bytes() == before
    assert (records / "1-2-1.json").is_file() and (records / "2-1-1.json").is_file()
    assert "새 공약 2개를 더했습니다" in result.output
    assert "공약 1-1-1의 기록(청년 창업 공간 조성 / 일자리정책과)이 목록" in result.output
    keys = [g["key"] for g in load(records / "report.json")["groups"]]
    assert set(keys) == {"1", "2", "1-1", "1-2", "2-1"}
    assert run("validate", "--records", records).exit_code == 0
    again = run("init", records, "--pledges", tmp_path / "all.xlsx")
    assert again.exit_code == 0 and "새 공약 0개" in again.output
    assert not [p for p in records.iterdir() if p.name.startswith(".reportgen")]


def test_templates_read_back_and_are_never_overwritten(tmp_path: Path) -> None:
    for name in ("목록.xlsx", "목록.csv"):
        path = tmp_path / name
        result = run("init", "--pledges-template", path)
        assert result.exit_code == 0, result.output
        listed = read_pledge_list(path)
        assert [p.number for p in listed.pledges] == ["1-1"]
        assert "'비고'" in "\n".join(listed.notes)
        again = run("init", "--pledges-template", path)
        assert again.exit_code == 1 and "덮어쓰지 않습니다" in again.output
    copy = tmp_path / "again.xlsx"
    assert run("init", "--pledges-template", copy).exit_code == 0
    assert copy.read_bytes() == (tmp_path / "목록.xlsx").read_bytes()  # deterministic
