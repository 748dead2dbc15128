"""Issue 12: each point of a city's form is configuration, with a failing and a building example.

The model, the as-of rule, the view and validate are tested here; the writers'
share (DOCX, XLSX, HWPX, HTML) is tested with each writer, and whole example
cities in ``tests/test_examples.py``.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from reportgen.errors import Severity
from reportgen.records import numbering
from reportgen.records.load import load_records
from reportgen.records.model import Pledge, ReportSettings
from reportgen.records.periods import Period
from reportgen.records.validate import validate_records
from reportgen.report.diff import ADJUSTMENTS, INDICATORS, STATUS, diff_pledge
from reportgen.report.view import PledgeView, pledge_view, report_view

from .conftest import GUN_SETTINGS

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

P = Period.parse
D = Decimal

GUN = GUN_SETTINGS


def _settings(**changes: Any) -> ReportSettings:
    raw = copy.deepcopy(GUN)
    raw.update(changes)
    return ReportSettings.model_validate(raw)


def _pledge(number: str = "1-1", status: str = "정상추진", **extra: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "id": number,
        "title": f"공약 {number}",
        "department": "경제과",
        "achievements": [
            {"period": "2023H2", "entries": [{"text": "하반기 실적"}]},
            {"period": "2024H1", "entries": [{"text": "상반기 실적"}]},
        ],
        "plans": [
            {"period": "2024H1", "entries": [{"text": "상반기 계획"}]},
            {"period": "2024H2", "entries": [{"text": "하반기 계획"}]},
        ],
        "reports": {
            "2024H1": {
                "status": status,
                "progress_rate": 50,
                "contacts": {"officer": {"name": "가담당", "phone": "123-4567"}},
                "participation": {"hearings": 2},
                "budget": {
                    "plan": [{"name": "사업", "sources": {"군비": {"2023": 10, "2024": 20}}}],
                    "secured": [{"name": "사업", "sources": {"군비": {"2023": {"secured": 10}}}}],
                },
            }
        },
    }
    raw.update(extra)
    return raw


def _write(tmp_path, write_records, settings: dict[str, Any], pledges: list[dict[str, Any]]):
    return write_records(tmp_path, {p["id"]: p for p in pledges}, settings=settings)


def _errors(directory) -> list[tuple[str, str, str]]:
    records = load_records(directory)
    found = [*records.problems, *validate_records(records)]
    return [(p.file, p.path, p.message) for p in found if p.severity is Severity.ERROR]


# ---------------------------------------------------------------------------
# Numbering


@pytest.mark.parametrize(
    ("example", "good", "bad"),
    [
        ("1-4-5", "12-1-10", "1-4"),
        ("III-①-1", "IV-②-12", "3-1-1"),
        ("7-1)", "10-2)", "7-1"),
        ("Ⅰ-3", "Ⅶ-12", "I-3-1"),
    ],
)
def test_numbering_follows_the_citys_example(example: str, good: str, bad: str) -> None:
    assert numbering.problem(good, example) is None
    message = numbering.problem(bad, example)
    assert message is not None and example in message


@pytest.mark.parametrize(
    "ordered",
    [
        ["1-4-9", "1-4-10", "2-1-1", "10-1-1"],
        ["III-①-2", "III-②-1", "III-⑫-1", "IV-①-1", "IX-①-1"],
        ["Ⅰ-2", "Ⅰ-10", "Ⅱ-1", "Ⅻ-1"],
        ["7-1)", "7-2)", "7-10)", "8-1)"],
    ],
)
def test_numbers_sort_as_the_city_sorts_them(ordered: list[str]) -> None:
    assert sorted(reversed(ordered), key=numbering.sort_key) == ordered


def test_full_width_digits_get_the_ascii_hint() -> None:
    assert numbering.problem("1-４", "1-1") == "write ASCII digits: '1-4'"


def test_a_number_of_another_shape_fails_validation_with_our_message(
    tmp_path, write_records
) -> None:
    directory = _write(tmp_path, write_records, GUN, [_pledge("1-1-1")])
    (error,) = [e for e in _errors(directory) if e[1] == "$.id"]
    assert "numbers its pledges like '1-1'" in error[2] and "pattern" not in error[2]


def test_bookmarks_are_safe_for_any_number() -> None:
    for number in ("III-①-1", "7-1)", "1-4-5"):
        name = numbering.anchor(number)
        assert name.isascii() and len(name) <= 40 and name.replace("_", "").isalnum()


# ---------------------------------------------------------------------------
# Money columns


def test_merged_columns_add_the_years_recorded_in_them() -> None:
    settings = _settings(
        columns=[
            {"years": "기투자"},
            {"years": "2022~2023"},
            {"years": "2024"},
            {"years": "2025"},
            {"years": "2026"},
            {"years": "임기후"},
        ]
    )
    raw = _pledge()
    raw["reports"]["2024H1"]["budget"]["plan"][0]["sources"]["군비"] = {
        "2022": 5,
        "2023": 10,
        "2024": 20,
    }
    view = pledge_view(Pledge.model_validate(raw), P("2024H1"), settings)
    table = view.plan_table
    assert table.column_labels == ("기투자", "2022~2023", "2024", "2025", "2026", "임기후")
    row = next(r for r in table.rows if r.label == "군비")
    assert [c.text for c in row.cells] == ["", "15", "20", "", "", ""]
    assert row.total.text == "35"


def test_derived_columns_follow_any_term() -> None:
    settings = _settings(term={"name": "보궐", "start": "2021H1", "end": "2022H1"})
    labels = [c.label for c in settings.money_columns()]
    assert labels == ["기투자", "'21", "'22.6.", "임기후"]


def test_a_year_in_two_columns_fails(tmp_path, write_records) -> None:
    settings = {**GUN, "columns": [{"years": "2022~2024"}, {"years": "2024~2026"}]}
    directory = _write(tmp_path, write_records, settings, [_pledge()])
    assert any("2024 is already in the column" in e[2] for e in _errors(directory))


def test_an_amount_outside_the_columns_fails(tmp_path, write_records) -> None:
    settings = {**GUN, "columns": [{"years": "2022~2023"}, {"years": "2024~2026"}]}
    raw = _pledge()
    raw["reports"]["2024H1"]["budget"]["plan"][0]["sources"]["군비"] = {"임기후": 3}
    directory = _write(tmp_path, write_records, settings, [raw])
    assert any("'임기후' is not a column" in e[2] for e in _errors(directory))


# ---------------------------------------------------------------------------
# Cut-off, statuses and the 총괄


def test_report_half_cutoff_shows_the_halfs_own_achievements() -> None:
    view = pledge_view(Pledge.model_validate(_pledge()), P("2024H1"), _settings())
    titles = [row.title for row in view.progress]
    assert titles == ["그동안 추진실적", "2024년도 상반기 추진실적", "2024년도 하반기 추진계획"]
    assert view.progress[1].lines[0].text == "상반기 실적"
    assert view.progress[2].lines[0].text == "하반기 계획"


def test_previous_half_cutoff_is_goyangs() -> None:
    settings = _settings(cutoff="previous-half")
    view = pledge_view(Pledge.model_validate(_pledge()), P("2024H1"), settings)
    assert [row.title for row in view.progress][1:] == [
        "2023년도 하반기 추진실적",
        "2024년도 상반기 추진계획",
    ]


def _report(settings: ReportSettings, statuses: list[str], rates: list[int] | None = None):
    pledges = []
    for i, status in enumerate(statuses, start=1):
        raw = _pledge(f"{1 + i % 2}-{i}", status)
        if rates is not None:
            raw["reports"]["2024H1"]["progress_rate"] = rates[i - 1]
        pledges.append(Pledge.model_validate(raw))
    return report_view(pledges, P("2024H1"), settings)


def test_excluded_statuses_leave_the_base_and_say_so() -> None:
    report = _report(_settings(), ["완료", "정상추진", "폐기", "완료"])
    assert (report.total, report.base, report.excluded, report.done) == (4, 3, 1, 2)
    assert report.done_share == "66.7%"
    assert report.summary_lines[0] == "○ 대상: 2개 분야 공약 4개 (폐기 1개는 비율 산정에서 제외)"
    assert report.summary_lines[1] == "○ 완료 2개, 달성률 66.7% (4개 중 3개 기준, 폐기 1개 제외)"
    assert {s.status: s.share for s in report.summary}["폐기"] == "-"


def test_done_wording_never_claims_what_the_rule_does_not_include() -> None:
    report = _report(_settings(), ["완료", "정상추진"])
    assert not any("포함" in line for line in report.summary_lines)
    goyang = _report(_settings(done_statuses=["완료", "정상추진"]), ["완료", "정상추진"])
    assert goyang.summary_lines[1] == "○ 완료(정상추진 포함) 2개, 달성률 100.0% (2개 기준)"


def test_weighted_rate_and_average_progress() -> None:
    settings = _settings(weights={"완료": 100, "정상추진": 50})
    report = _report(settings, ["완료", "정상추진", "정상추진", "보류"], rates=[100, 80, 60, 0])
    # (100 + 50 + 50 + 0) / 4 = 50.0%; (100 + 80 + 60 + 0) / 4 = 60.0%
    assert report.weighted_share == "50.0%"
    assert report.average_progress == "60.0%"
    assert "○ 이행률 50.0% (4개 기준; 가중치: 완료 100%, 정상추진 50%)" in report.summary_lines
    assert "○ 평균진행률 60.0% (공약별 추진율의 평균)" in report.summary_lines


def test_no_weights_no_rate_lines() -> None:
    report = _report(_settings(progress_rate=False), ["완료"])
    assert not any("이행률" in line or "평균진행률" in line for line in report.summary_lines)


def test_groups_and_departments_tally() -> None:
    report = _report(_settings(), ["완료", "정상추진", "보류"])
    assert [t.name for t in report.by_group] == ["1. 일자리 경제", "2. 안전 복지"]
    assert [s.heading for s in report.sections] == ["1. 일자리 경제", "2. 안전 복지"]
    assert sum(t.total for t in report.by_group) == 3
    assert report.by_department == ()  # one department: its table would repeat the 총괄
    pledges = [
        Pledge.model_validate(_pledge("1-1", department="경제과")),
        Pledge.model_validate(_pledge("1-2", department="복지과")),
    ]
    two = report_view(pledges, P("2024H1"), _settings())
    assert [t.name for t in two.by_department] == ["경제과", "복지과"]
    assert report.pledges[0].groups[0].name in ("일자리 경제", "안전 복지")


def test_an_unknown_group_fails(tmp_path, write_records) -> None:
    directory = _write(tmp_path, write_records, GUN, [_pledge(group="9")])
    assert any(e[1] == "$.group" and "'9' is not a group" in e[2] for e in _errors(directory))


def test_an_unlisted_weight_status_fails(tmp_path, write_records) -> None:
    directory = _write(tmp_path, write_records, {**GUN, "weights": {"이행": 50}}, [_pledge()])
    assert ("report.json", "$.weights.이행", "'이행' is not in 'statuses'") in _errors(directory)


# ---------------------------------------------------------------------------
# Contacts and participation


def test_contacts_print_the_citys_roles(tmp_path, write_records) -> None:
    view = pledge_view(Pledge.model_validate(_pledge()), P("2024H1"), _settings())
    assert [(c.role, c.name) for c in view.contacts] == [("담당자", "가담당")]
    assert [(c.heading, c.text) for c in view.participation or ()] == [
        ("주민설명회", "2회"),
        ("자문위원회", ""),
    ]
    raw = _pledge()
    raw["reports"]["2024H1"]["contacts"]["manager"] = {"name": "가과장", "phone": "1"}
    raw["reports"]["2024H1"]["participation"]["media"] = 1
    directory = _write(tmp_path, write_records, GUN, [raw])
    paths = {e[1] for e in _errors(directory)}
    assert {"$.reports.2024H1.contacts.manager", "$.reports.2024H1.participation.media"} <= paths


# ---------------------------------------------------------------------------
# 성과지표 and 공약 조정

INDICATOR = {
    "name": "일자리 창출",
    "unit": "개",
    "target": 1000,
    "results": {"2023H2": 300, "2024H1": 640},
}


def test_yearly_targets_grade_the_report_s_year_and_never_a_later_result() -> None:
    """연차별 목표 (issue 24): the year's result as recorded, or a cumulative indicator's
    halves of that year added up; an earlier report never sees a later result."""

    def view_of(indicator: dict, period: str = "2024H1") -> PledgeView:
        return pledge_view(
            Pledge.model_validate(_pledge(indicators=[indicator])), P(period), _settings()
        )

    yearly = {**INDICATOR, "yearly_targets": {"2024": 400}, "yearly_results": {"2024H1": 220}}
    view = view_of(yearly)
    (row,) = view.indicators
    assert (row.year_label, row.year_target_text, row.year_result_text, row.year_rate_text) == (
        "2024년",
        "400",
        "220",
        "55.0%",
    )
    table = view.indicator_year_table
    assert table is not None
    assert [c.text for c in table.head[0].cells][2:4] == ["2024년 목표", "2024년 실적"]
    halves = {**INDICATOR, "cumulative": True, "yearly_targets": {"2024": 400}}
    assert view_of(halves).indicators[0].year_result_text == "640"  # 2023H2's is last year's
    assert view_of(yearly, "2023H2").indicator_year_table is None  # no 2023 target
    plain = view_of(INDICATOR)
    assert plain.indicator_year_table is None and plain.indicators[0].year_label == ""


def test_indicator_shows_the_latest_result_and_its_rate() -> None:
    raw = _pledge(indicators=[INDICATOR])
    view = pledge_view(Pledge.model_validate(raw), P("2024H1"), _settings())
    (row,) = view.indicators
    assert (row.target_text, row.result_text, row.rate_text, row.as_of) == (
        "1,000",
        "640",
        "64.0%",
        "2024H1",
    )
    earlier = pledge_view(Pledge.model_validate(raw), P("2023H2"), _settings())
    assert earlier.indicators[0].result_text == "300"  # a later result never leaks back


def test_cumulative_indicator_adds_its_half_years() -> None:
    raw = _pledge(indicators=[{**INDICATOR, "cumulative": True}])
    view = pledge_view(Pledge.model_validate(raw), P("2024H1"), _settings())
    assert view.indicators[0].result_text == "940"


def test_indicators_shared_by_pledges_are_summed() -> None:
    pledges = [Pledge.model_validate(_pledge(n, indicators=[INDICATOR])) for n in ("1-1", "1-2")]
    report = report_view(pledges, P("2024H1"), _settings())
    (total,) = report.indicator_totals
    assert (total.target_text, total.result_text, total.rate_text) == ("2,000", "1,280", "64.0%")


WITHDRAWN = {
    "kind": "폐기",
    "period": "2024H1",
    "date": "2024-03-15",
    "reason": "국비 공모 탈락으로 사업 추진 불가",
    "decided_by": "공약이행평가단 심의",
}


def test_a_withdrawn_pledge_prints_its_adjustment_and_no_stale_plan() -> None:
    raw = _pledge(status="폐기", adjustments=[WITHDRAWN])
    view = pledge_view(Pledge.model_validate(raw), P("2024H1"), _settings())
    assert view.withdrawn
    assert [t.kind for t in view.money_tables] == ["secured"]
    assert not any("추진계획" in row.title for row in view.progress)
    (adj,) = view.adjustments
    assert adj.heading == "폐기 (2024. 3. 15., 공약이행평가단 심의)"
    assert adj.lines[0].text == "사유: 국비 공모 탈락으로 사업 추진 불가"
    before = pledge_view(Pledge.model_validate(raw), P("2023H2"), _settings())
    assert not before.withdrawn and not before.adjustments  # never leaks into an earlier report


def test_an_adjustment_dated_to_the_month_or_undated_prints_what_is_known() -> None:
    """A decision known to the month prints "2023. 12."; an unknown date prints none (issue 24)."""
    month = {**WITHDRAWN, "period": "2024H1", "date": "2023-12"}
    held = {"kind": "보류", "period": "2023H2", "reason": "재검토"}
    raw = _pledge(status="폐기", adjustments=[month, held])
    view = pledge_view(Pledge.model_validate(raw), P("2024H1"), _settings())
    # Oldest first by the report that shows them, whatever is known of the day.
    assert [a.heading for a in view.adjustments] == [
        "보류",
        "폐기 (2023. 12., 공약이행평가단 심의)",
    ]
    assert view.adjustments[0].date == ""
    assert Pledge.model_validate(raw).adjustments[1].date is None
    decided = {**held, "decided_by": "군정조정위원회"}
    raw = _pledge(adjustments=[decided])
    assert (
        pledge_view(Pledge.model_validate(raw), P("2024H1"), _settings()).adjustments[0].heading
        == "보류 (군정조정위원회)"
    )


def test_an_adjustment_of_another_kind_or_date_fails(tmp_path, write_records) -> None:
    raw = _pledge(adjustments=[{**WITHDRAWN, "kind": "취소"}])
    directory = _write(tmp_path, write_records, GUN, [raw])
    assert any(e[1] == "$.adjustments[0].kind" for e in _errors(directory))
    raw = _pledge(adjustments=[{**WITHDRAWN, "date": "2024-13-01"}])
    directory = _write(tmp_path, write_records, GUN, [raw])
    assert any("is not a date" in e[2] for e in _errors(directory))
    raw = _pledge(adjustments=[{**WITHDRAWN, "date": "2024-13"}])
    directory = _write(tmp_path, write_records, GUN, [raw])
    assert any("is not a date" in e[2] for e in _errors(directory))
    raw = _pledge(adjustments=[{**WITHDRAWN, "date": "2024-3"}])
    directory = _write(tmp_path, write_records, GUN, [raw])
    assert any(e[1] == "$.adjustments[0].date" for e in _errors(directory))


def test_diff_shows_adjustments_first_and_compares_indicators() -> None:
    settings = _settings()
    old_raw = _pledge(indicators=[INDICATOR])
    new_raw = _pledge(status="폐기", indicators=[INDICATOR], adjustments=[WITHDRAWN])
    new_raw["reports"]["2024H1"]["progress_rate"] = 60
    pledge_old = Pledge.model_validate(old_raw)
    pledge_new = Pledge.model_validate(new_raw)
    old = pledge_view(pledge_old, P("2023H2"), settings)
    new = pledge_view(pledge_new, P("2024H1"), settings)
    diff = diff_pledge(old, new)
    assert diff.changes[0].section == ADJUSTMENTS
    assert diff.changes[0].kind == "added"
    indicator = [c for c in diff.changes if c.section == INDICATORS]
    result = next(c for c in indicator if c.where[-1] == "실적")
    assert (result.old, result.new, result.difference) == ("300", "640", "340")
    # A withdrawn pledge prints no 추진율; one in progress shows its change.
    assert not any(c.where == ("추진율",) for c in diff.changes)
    going = pledge_view(Pledge.model_validate(_pledge()), P("2024H1"), settings)
    rate = [c for c in diff_pledge(old, going).changes if c.where == ("추진율",)]
    assert [(c.section, c.old, c.new) for c in rate] == [(STATUS, None, "50%")]


# ---------------------------------------------------------------------------
# Old material recorded by year


def test_whole_year_material_prints_under_its_year_not_a_half(shipped, settings) -> None:
    """The 2019H1 report: 2018's material (a year: its first half is before the term)
    goes under □ 2018년 추진실적, not under '18. 7.~12.'s label alone."""
    view = pledge_view(Pledge.model_validate(shipped("1-4-5")), P("2019H1"), settings)
    row = view.progress[-2]
    assert row.title == "2018년도 하반기 추진실적"
    assert row.lines[0].text == "2018년 추진실적" and row.lines[0].symbol == "□"
    texts = [line.text for line in row.lines]
    assert any("킨텍스" in t for t in texts)


def test_material_recorded_by_half_prints_in_its_half(shipped, settings) -> None:
    """The 2020H1 report: 2019H2's row holds 2019's second half only (issue 24)."""
    view = pledge_view(Pledge.model_validate(shipped("1-4-5")), P("2020H1"), settings)
    row = view.progress[1]
    assert row.title == "2019년도 하반기 추진실적"
    texts = [line.text for line in row.lines]
    assert not any(line.symbol == "□" for line in row.lines)
    assert any("12월3일" in t for t in texts) and not any("5.16." in t for t in texts)


def test_new_period_with_report_half_cutoff_drafts_the_halfs_own_achievements(
    tmp_path, write_records
) -> None:
    from reportgen.records.rollforward import roll_forward
    from reportgen.records.validate import latest_period

    directory = _write(tmp_path, write_records, GUN, [_pledge()])
    assert latest_period(load_records(directory)) == P("2024H1")  # not the plan's 2024H2
    result = roll_forward(directory, P("2024H2"))
    (action,) = result.pledges
    assert action.achieved == P("2024H2") and action.achievements_drafted == 1
    assert "write the plan for 2025H1 (plans, 추진계획)" in action.todo
    pledge = load_records(directory).pledges[0]
    drafted = [g for g in pledge.achievements if g.period == P("2024H2")]
    assert drafted[0].draft and drafted[0].entries[0].text == "하반기 계획"


def _warnings(directory) -> list[tuple[str, str]]:
    records = load_records(directory)
    from reportgen.records.validate import check_period_sections

    found = [*validate_records(records), *check_period_sections(records, P("2024H1"))]
    return [(p.path, p.message) for p in found if p.severity is Severity.WARNING]


def test_adjustments_and_statuses_are_checked_together(tmp_path, write_records) -> None:
    merged = {**WITHDRAWN, "kind": "보류", "merged_into": "9-9"}
    raw = _pledge(status="정상추진", adjustments=[merged])
    warnings = _warnings(_write(tmp_path, write_records, GUN, [raw]))
    assert any("adjusted (보류, 2024-03-15)" in m for _p, m in warnings)
    assert any(p == "$.adjustments[0].merged_into" for p, _m in warnings)


def test_a_withdrawn_pledge_is_not_asked_for_a_plan(tmp_path, write_records) -> None:
    raw = _pledge(status="폐기", adjustments=[WITHDRAWN])
    raw["plans"] = [g for g in raw["plans"] if g["period"] != "2024H2"]
    assert not any(
        "추진계획" in m for _p, m in _warnings(_write(tmp_path, write_records, GUN, [raw]))
    )
    going = _pledge()
    going["plans"] = [g for g in going["plans"] if g["period"] != "2024H2"]
    (tmp_path / "b").mkdir()
    warnings = _warnings(_write(tmp_path / "b", write_records, GUN, [going]))
    assert any("2024년 하반기 추진계획" in m for _p, m in warnings)  # the plan P+1, "6월말 기준"


def test_the_view_carries_the_reports_money_totals() -> None:
    """The workbook's 합계 rows and 재원별 come from the view, withdrawn plans left out."""
    settings = _settings()
    going = Pledge.model_validate(_pledge("1-1"))
    dropped = Pledge.model_validate(_pledge("1-2", status="폐기", adjustments=[WITHDRAWN]))
    report = report_view([going, dropped], P("2024H1"), settings)
    money = report.money_totals
    assert money is not None
    assert money.planned == D(30)  # 1-1's plan only: 1-2 was withdrawn
    assert money.secured == D(20) and money.executed is None and money.rate is None
    gunbi = next(m for m in money.by_source if m.source == "군비")
    assert (gunbi.planned, gunbi.secured) == (D(30), D(20))
    assert [m.planned for m in report.pledges[1].by_source] == [None] * 4
    columns = dict(zip(report.column_labels, money.columns, strict=True))
    assert (columns["'23"], columns["'24"], columns["기투자"]) == (D(10), D(20), D(0))
