"""The pledge list (공약 실천계획서의 공약 목록) from XLSX and CSV: every bad-file case named."""

from __future__ import annotations

import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reportgen.intake.pledgelist import MAX_ROWS, PledgeListInvalid, column_letter, read_pledge_list

HEAD = ["연번", "공약번호", "분야", "공약명", "소관부서", "비고"]
ROWS: list[list[Any]] = [
    [1, "1-1", "일자리 경제", "청년 창업 공간 조성", "일자리정책과", ""],
    [2, "1-2", "일자리 경제", "전통시장 주차장 확충", "경제과", "신규"],
    [3, "2-1", "안전 복지", "어르신 무료 급식 확대", "복지정책과", None],
]


def xlsx(path: Path, rows: list[list[Any]], title_rows: int = 0) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for _ in range(title_rows):
        sheet.append(["민선9기 공약 실천계획서"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def csv_file(path: Path, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    text = "\r\n".join(",".join("" if v is None else str(v) for v in row) for row in rows)
    path.write_bytes(text.encode(encoding))
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(PledgeListInvalid) as caught:
        read_pledge_list(path)
    return [str(p) for p in caught.value.problems]


def test_reads_columns_in_any_order_and_notes_the_others(tmp_path: Path) -> None:
    listed = read_pledge_list(xlsx(tmp_path / "목록.xlsx", [HEAD, *ROWS], title_rows=2))
    assert [p.number for p in listed.pledges] == ["1-1", "1-2", "2-1"]
    first = listed.pledges[0]
    assert (first.row, first.title, first.field, first.department) == (
        4,
        "청년 창업 공간 조성",
        "일자리 경제",
        "일자리정책과",
    )
    assert first.strategy is None and not listed.has_strategy
    notes = "\n".join(listed.notes)
    assert "A열 '연번'" in notes and "F열 '비고'" in notes and "무시" in notes


def test_alternative_headings_strategy_amounts_and_indicators(tmp_path: Path) -> None:
    head = ["번 호", "공약사업명", "분야", "전략", "주관부서", "국비 2027", "2027년 군비", "계"]
    head += ["지표", "단위", "목표"]
    rows = [
        head,
        [
            "1-1-1",
            "청년 창업",
            "경제",
            "일자리",
            "일자리정책과",
            100,
            "1,500",
            1600,
            "창업",
            "개",
            30,
        ],
        ["1-1-2", "시장 주차장", None, None, "경제과", None, "-", None, None, None, None],
        ["1-2-1", "관광", None, "관광 활성화", "관광과", 12.5, 0, 12.5, "방문객", "만명", "200"],
    ]
    listed = read_pledge_list(xlsx(tmp_path / "list.xlsx", rows))
    one, two, three = listed.pledges
    assert listed.has_strategy
    assert [(a.source, a.column, a.amount) for a in one.amounts] == [
        ("국비", "2027", Decimal(100)),
        ("군비", "2027", Decimal(1500)),
    ]
    assert one.indicator is not None and one.indicator.target == 30
    # A merged 분야/전략 cell holds its text in its first row only: the rows below inherit it.
    assert (two.field, two.strategy, two.amounts, two.indicator) == ("경제", "일자리", (), None)
    assert (three.field, three.strategy) == ("경제", "관광 활성화")
    assert three.indicator is not None and three.indicator.target == 200
    assert "'계'" in "\n".join(listed.notes)  # totals are derived, never read


def test_years_above_a_row_of_sources(tmp_path: Path) -> None:
    path = tmp_path / "two-rows.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["", "", "", "", "2027년", "", "2028년", ""])
    sheet.append(["번호", "공약명", "분야", "부서", "국비", "군비", "국비", "군비"])
    sheet.append(["1", "공원", "환경", "공원과", 1, 2, 3, 4])
    sheet.merge_cells("E1:F1")
    sheet.merge_cells("G1:H1")
    book.save(path)
    listed = read_pledge_list(path)
    assert [(a.source, a.column, int(a.amount)) for a in listed.pledges[0].amounts] == [
        ("국비", "2027", 1),
        ("군비", "2027", 2),
        ("국비", "2028", 3),
        ("군비", "2028", 4),
    ]


def test_every_problem_of_the_file_at_once(tmp_path: Path) -> None:
    rows = [
        HEAD,
        [1, "1-1", "일자리 경제", "청년 창업", "일자리정책과", ""],
        [2, "1-1", "일자리 경제", "시장 주차장", "경제과", ""],  # duplicate number
        [3, "1/2", "일자리 경제", "관광", "관광과", ""],  # bad shape
        [4, "1-3", "일자리 경제", "", "관광과", ""],  # empty name
        [5, "1-4", "일자리 경제", "도서관", "", ""],  # empty department
        [6, "", "일자리 경제", "체육관", "체육과", ""],  # no number
        [7, "1-5-1", "일자리 경제", "체육관", "체육과", ""],  # another shape than 1-1
    ]
    found = problems(xlsx(tmp_path / "bad.xlsx", rows))
    text = "\n".join(found)
    assert len(found) == 6, text
    assert "3행, B열 (공약번호): 공약번호 1-1이 2행에도 있습니다" in text
    assert "4행, B열 (공약번호)" in text and "'/'" in text
    assert "5행, D열 (공약명): '공약명'이 비어 있습니다" in text
    assert "6행, E열 (소관부서)" in text and "병합" in text
    assert "7행, B열 (공약번호): '공약번호'가 비어 있습니다" in text
    assert "8행, B열 (공약번호)" in text and "'1-1'" in text
    assert all(line.startswith(str(tmp_path / "bad.xlsx")) for line in found)


def test_numbers_follow_the_city_numbering_when_given(tmp_path: Path) -> None:
    path = xlsx(tmp_path / "l.xlsx", [HEAD, *ROWS])
    with pytest.raises(PledgeListInvalid) as caught:
        read_pledge_list(path, "III-①-1")
    assert len(caught.value.problems) == 3
    assert "III-①-1" in str(caught.value)


def test_missing_columns_are_named_with_what_to_write(tmp_path: Path) -> None:
    found = problems(xlsx(tmp_path / "l.xlsx", [["번호", "공약명", "비고"], ["1", "a", ""]]))
    assert len(found) == 1
    assert "'분야', '소관부서' 열이 없습니다" in found[0]
    assert "소관부서, 주관부서 또는 부서" in found[0]
    none = problems(xlsx(tmp_path / "n.xlsx", [["가", "나"], ["1", "2"]]))
    assert "제목 행이 없습니다" in none[0]


def test_a_column_twice_and_half_an_indicator(tmp_path: Path) -> None:
    rows = [["번호", "공약명", "분야", "부서", "부서", "지표"], ["1", "a", "b", "c", "d", "e"]]
    text = "\n".join(problems(xlsx(tmp_path / "l.xlsx", rows)))
    assert "E열 (부서)" in text and "B열" not in text.split("E열")[0][-5:]
    assert "'소관부서' 열이 D열에도 있습니다" in text
    assert "'단위', '목표' 열을 더하십시오" in text


def test_bad_amount_and_target(tmp_path: Path) -> None:
    rows = [
        ["번호", "공약명", "분야", "부서", "국비 2027", "지표", "단위", "목표"],
        ["1", "a", "b", "c", "약 10억", "x", "개", "천 개"],
        ["2", "a", "b", "c", 1.2345, "x", "", 5],
    ]
    text = "\n".join(problems(xlsx(tmp_path / "l.xlsx", rows)))
    assert "2행, E열 (국비 2027): '약 10억'은 금액이 아닙니다" in text
    assert "2행, H열 (목표): 목표 '천 개'는 숫자가 아닙니다" in text
    assert "3행, E열 (국비 2027): 소수점 아래 셋째 자리" in text
    assert "3행, G열 (단위): '단위'가 비어 있습니다" in text


def test_cp949_and_utf8_csv(tmp_path: Path) -> None:
    rows = [
        ["공약번호", "공약명", "분야", "소관부서"],
        ["1-1", "청년 창업", "경제", "일자리정책과"],
    ]
    for encoding in ("cp949", "utf-8", "utf-8-sig"):
        listed = read_pledge_list(csv_file(tmp_path / f"{encoding}.csv", rows, encoding))
        assert listed.pledges[0].department == "일자리정책과", encoding
    (tmp_path / "latin.csv").write_bytes(b"\xff\xfe\x00\x81bad")
    assert "UTF-8도 CP949" in problems(tmp_path / "latin.csv")[0]


def test_formula_cells_use_their_saved_value_or_are_named(tmp_path: Path) -> None:
    # openpyxl saves a formula without its value (Excel would store both).
    rows = [["번호", "공약명", "분야", "부서", "국비 2027"], ["1", "a", "b", "c", "=1+1"]]
    found = problems(xlsx(tmp_path / "f.xlsx", rows))
    assert "2행, E열 (국비 2027): 수식의 값이 저장되어 있지 않습니다" in found[0]
    # With the value saved (as Excel and LibreOffice save it), the value is read.
    saved = tmp_path / "saved.xlsx"
    with zipfile.ZipFile(tmp_path / "f.xlsx") as src, zipfile.ZipFile(saved, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<f>1+1</f><v></v>", b"<f>1+1</f><v>2</v>")
                data = data.replace(b"<f>1+1</f></c>", b"<f>1+1</f><v>2</v></c>")
            dst.writestr(info, data)
    listed = read_pledge_list(saved)
    assert listed.pledges[0].amounts[0].amount == 2


def test_not_a_table_file(tmp_path: Path) -> None:
    (tmp_path / "a.xlsx").write_bytes(b"PK\x03\x04 broken")
    assert "통합 문서" in problems(tmp_path / "a.xlsx")[0]
    (tmp_path / "a.xls").write_bytes(b"\xd0\xcf\x11\xe0 old excel")
    assert "XLSX와 CSV" in problems(tmp_path / "a.xls")[0]
    assert "폴더" in problems(tmp_path)[0]


def test_hostile_files_are_bounded(tmp_path: Path) -> None:
    # Too many rows: refused at the bound, not read to the end.
    rows = [["번호", "공약명", "분야", "부서"]] + [
        [str(i), "a", "b", "c"] for i in range(1, MAX_ROWS + 50)
    ]
    found = problems(csv_file(tmp_path / "many.csv", rows))
    assert f"{MAX_ROWS:,}행이 넘습니다" in found[-1]
    # A zip bomb: a small file that would unpack to gigabytes is refused before parsing.
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert "풀면" in problems(bomb)[0]
    # A cell of a megabyte is named, not copied into the records.
    long = [["번호", "공약명", "분야", "부서"], ["1", "가" * 1_000_000, "b", "c"]]
    assert "1,000,000자입니다" in problems(csv_file(tmp_path / "long.csv", long))[0]


def test_no_pledges_under_the_heading(tmp_path: Path) -> None:
    found = problems(xlsx(tmp_path / "e.xlsx", [["번호", "공약명", "분야", "부서"]]))
    assert "공약이 한 줄도 없습니다" in found[0]


def test_column_letters() -> None:
    assert [column_letter(i) for i in (0, 25, 26, 701, 702)] == ["A", "Z", "AA", "ZZ", "AAA"]


def test_merged_cells(tmp_path: Path) -> None:
    """A merged 분야 spans its rows; a merged 소관부서 is named with how to fix it."""
    path = tmp_path / "merged.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (
        ["공약번호", "분야", "공약명", "소관부서"],
        ["1-1", "일자리 경제", "청년 창업", "일자리정책과"],
        ["1-2", None, "시장 주차장", "경제과"],
        ["2-1", "안전 복지", "어르신 급식", "복지정책과"],
        ["2-2", None, "돌봄", None],
    ):
        sheet.append(row)
    sheet.merge_cells("B2:B3")
    sheet.merge_cells("B4:B5")
    sheet.merge_cells("D4:D5")
    book.save(path)
    found = problems(path)
    assert len(found) == 1
    assert "5행, D열 (소관부서)" in found[0] and "병합을 풀고" in found[0]
    sheet.unmerge_cells("D4:D5")
    sheet["D5"] = "복지정책과"
    book.save(path)
    listed = read_pledge_list(path)
    assert [p.field for p in listed.pledges] == [
        "일자리 경제",
        "일자리 경제",
        "안전 복지",
        "안전 복지",
    ]
