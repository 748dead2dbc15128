"""``reportgen check-plan``: the published pledge list against the records (issue 25, 일치도)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reportgen.intake.plancheck import same_text

from .conftest import init_city, run

PUBLISHED = """공약번호,분야,공약명,소관부서
1-1,경제,청년 일자리 1000개 창출,일자리정책과
1-2,경제,전통시장 주차장 확충,경제과
1-3,경제,상가 활성화,경제과
1-4,경제,야시장 조성,경제과
1-5,복지,어르신 급식 확대,복지정책과
2-1,복지,공공 산후조리원,보건소
2-2,복지,돌봄 센터,복지정책과
"""


def edit(path: Path, change: Any) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def adjustment(kind: str, reason: str, **more: str) -> dict[str, str]:
    return {"kind": kind, "period": "2027H1", "date": "2027-03", "reason": reason, **more}


def city(tmp_path: Path) -> tuple[Path, Path]:
    return init_city(tmp_path, PUBLISHED, "실천계획서.csv"), tmp_path / "실천계획서.csv"


def test_same_text_ignores_spacing_and_digit_grouping() -> None:
    assert same_text("청년 일자리 1,000개 창출", "청년일자리 1000 개 창출")
    assert not same_text("청년 일자리 1,000개", "청년 일자리 100개")


def test_a_list_matching_the_records_passes(tmp_path: Path) -> None:
    records, listed = city(tmp_path)
    # Spacing and digit grouping are not differences.
    edit(records / "1-1.json", lambda r: r.update(title="청년 일자리 1,000개  창출"))
    result = run("check-plan", listed, "--records", records)
    assert result.exit_code == 0, result.output
    assert "불일치 0건" in result.output


def test_missing_renamed_merged_and_split_each_with_its_adjustment_or_none(
    tmp_path: Path,
) -> None:
    records, listed = city(tmp_path)
    # Renamed with a 변경 (explained), and renamed without one (unexplained).
    edit(
        records / "1-2.json",
        lambda r: r.update(
            title="전통시장 공영주차장 확충",
            adjustments=[
                adjustment(
                    "변경",
                    "부지 확보",
                    decided_by="공약이행평가단 심의",
                    before="전통시장 주차장 확충",
                    after="전통시장 공영주차장 확충",
                )
            ],
        ),
    )
    edit(records / "1-3.json", lambda r: r.update(title="상가 활성화 지원"))
    # Merged into 1-3 by a 통폐합 (explained).
    edit(
        records / "1-4.json",
        lambda r: r.update(adjustments=[adjustment("통폐합", "유사 사업", merged_into="1-3")]),
    )
    # Missing: the record is gone and no adjustment speaks of it.
    (records / "1-5.json").unlink()
    # Split: 2-1 became 2-1-1 and 2-1-2 … numbers of another shape cannot be recorded
    # here, so 2-2 is removed and an adjustment of 2-1 says it absorbed it (explained).
    (records / "2-2.json").unlink()
    edit(
        records / "2-1.json",
        lambda r: r.update(adjustments=[adjustment("변경", "돌봄 센터를 산후조리원과 통합")]),
    )
    result = run("check-plan", listed, "--records", records)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    text = result.output
    assert (
        "[설명됨] " in text
        and "1-2 공약명 불일치: 목록 '전통시장 주차장 확충' ↔ 기록 '전통시장 공영주차장 확충'"
        in text
    )
    assert "변경 (2027-03, 공약이행평가단 심의)" in text
    assert any(line.startswith("[설명 없음]") and "1-3 공약명 불일치" in line for line in lines), (
        text
    )
    assert any(
        line.startswith("[설명됨]") and "1-4 통폐합: '야시장 조성' → 1-3" in line for line in lines
    ), text
    assert any(line.startswith("[설명 없음]") and "1-5 기록에 없음" in line for line in lines), text
    assert any(
        line.startswith("[설명됨]") and "2-2 기록에 없음" in line and "돌봄 센터" in line
        for line in lines
    ), text
    assert "실천계획서.csv: 4행: 1-3" in text  # the list's row
    assert lines[-1].endswith("불일치 5건, 그중 설명 없는 것 2건")

    data = json.loads(run("check-plan", listed, "--records", records, "--json").output)
    kinds = {(f["number"], f["kind"], f["explained"]) for f in data["findings"]}
    assert kinds == {
        ("1-2", "renamed", True),
        ("1-3", "renamed", False),
        ("1-4", "merged", True),
        ("1-5", "missing", False),
        ("2-2", "missing", True),
    }


def test_split_number_mismatch_and_unlisted(tmp_path: Path) -> None:
    records, listed = city(tmp_path)
    # 2-2 돌봄 센터 was split into 2-3 and 2-4, said by a 변경 of each.
    (records / "2-2.json").unlink()
    for number, title in (("2-3", "돌봄 센터 (아동)"), ("2-4", "돌봄 센터 (노인)")):
        record = json.loads((records / "2-1.json").read_text(encoding="utf-8"))
        record.update(id=number, title=title)
        record["adjustments"] = [adjustment("변경", "2-2 돌봄 센터를 둘로 나눔")]
        text = json.dumps(record, ensure_ascii=False, indent=2) + "\n"
        (records / f"{number}.json").write_text(text, encoding="utf-8")
    # 1-5 is recorded as 2-5 (its number changed, nothing says why).
    edit(records / "1-5.json", lambda r: r.update(id="2-5"))
    (records / "1-5.json").rename(records / "2-5.json")
    # A record the list does not hold, with no adjustment.
    extra = json.loads((records / "1-1.json").read_text(encoding="utf-8"))
    extra.update(id="1-6", title="스마트 농업")
    text = json.dumps(extra, ensure_ascii=False, indent=2) + "\n"
    (records / "1-6.json").write_text(text, encoding="utf-8")

    data = json.loads(run("check-plan", listed, "--records", records, "--json").output)
    found = {(f["number"], f["kind"], f["recorded"], f["explained"]) for f in data["findings"]}
    assert found == {
        ("2-2", "split", "2-3, 2-4", True),
        ("1-5", "number", "2-5", False),
        ("1-6", "unlisted", "스마트 농업", False),
    }
    result = run("check-plan", listed, "--records", records)
    assert result.exit_code == 1
    assert "2-2 분할: '돌봄 센터' → 2-3, 2-4 — 공약 조정: 변경 (2027-03)" in result.output
    assert "'어르신 급식 확대'가 기록에서는 2-5번입니다" in result.output


def test_a_bad_list_is_named_row_by_row(tmp_path: Path) -> None:
    records, _listed = city(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("공약번호,공약명,분야,부서\n1-1-1,a,b,c\n", encoding="utf-8")
    result = run("check-plan", bad, "--records", records)
    assert result.exit_code == 1
    assert "2행, A열 (공약번호)" in result.output and "'1-1'" in result.output


def test_withdrawn_and_merged_without_a_target(tmp_path: Path) -> None:
    records, listed = city(tmp_path)
    edit(records / "1-3.json", lambda r: r.update(adjustments=[adjustment("폐기", "재원 부족")]))
    edit(records / "1-4.json", lambda r: r.update(adjustments=[adjustment("통폐합", "유사 사업")]))
    data = json.loads(run("check-plan", listed, "--records", records, "--json").output)
    found = {(f["number"], f["kind"], f["recorded"], f["explained"]) for f in data["findings"]}
    assert found == {
        ("1-3", "withdrawn", "상가 활성화", True),
        ("1-4", "merged", "(통합 대상 미기재)", True),
    }
    result = run("check-plan", listed, "--records", records)
    assert result.exit_code == 0, result.output  # every difference is explained
    assert "1-3 폐기: '상가 활성화' — 공약 조정: 폐기 (2027-03): 재원 부족" in result.output
