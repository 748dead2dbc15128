"""reportgen.records.validate: the rules beyond the schema, each with one failing example.

Every rule is checked on its Problem (file, JSON path, message) and on
``reportgen validate --records DIR`` (exit 1, one line per problem, no traceback).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from reportgen.errors import Problem, RecordsInvalid, Severity
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.records.validate import check, check_period_sections, latest_period, validate_records

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

FILE = "1-1-1.json"
REPORT = ["reports", "2022H1"]
BUDGET = [*REPORT, "budget"]
SECURED_CELL = [*BUDGET, "secured", 0, "sources", "시비", "2018"]


def _set(pledge: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    node: Any = pledge
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return pledge


def _all(directory: Path) -> list[Problem]:
    """Problems from reading and from the rules, as `check` sees them."""
    records = load_records(directory)
    assert records.errors == [], records.errors  # the rule under test, not a typing error
    return records.problems + validate_records(records)


def _errors(directory: Path) -> list[Problem]:
    return [p for p in _all(directory) if p.severity is Severity.ERROR]


def _warnings(directory: Path) -> list[Problem]:
    return [p for p in _all(directory) if p.severity is Severity.WARNING]


def test_minimal_pledge_breaks_no_rule(tmp_path, write_records, make_pledge):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    assert _all(directory) == []
    records, warnings = check(directory)
    assert warnings == [] and len(records.pledges) == 1


# ---------------------------------------------------------------------------
# One failing example per rule


RULES = [
    pytest.param(
        lambda p: _set(p, ["achievements", 0, "period"], "2017H2"),
        "$.achievements[0].period",
        "2017H2 is outside the term (2018.7. ~ 2022.6.)",
        id="achievement-before-term",
    ),
    pytest.param(
        lambda p: _set(p, ["plans", 0, "period"], "2022H2"),
        "$.plans[0].period",
        "2022H2 is outside the term (2018.7. ~ 2022.6.)",
        id="plan-after-term",
    ),
    pytest.param(
        lambda p: _set(p, ["achievements", 1, "entries", 0, "period"], "2023H1"),
        "$.achievements[1].entries[0].period",
        "2023H1 is outside the term",
        id="item-after-term",
    ),
    pytest.param(
        lambda p: _set(p, ["reports", "2023H1"], {"status": "정상추진"}),
        "$.reports.2023H1",
        "2023H1 is outside the term",
        id="report-after-term",
    ),
    pytest.param(
        lambda p: _set(p, ["reports", "2021"], {"status": "정상추진"}),
        "$.reports.2021",
        "reports are kept per half-year: write 2021H1 or 2021H2",
        id="report-by-year",
    ),
    pytest.param(
        lambda p: _set(p, ["plans", 0, "period"], "2021"),
        "$.plans[0].period",
        "a plan is for a half-year: write 2021H1 or 2021H2",
        id="plan-by-year",
    ),
    pytest.param(
        lambda p: _set(p, ["achievements", 0, "entries", 0, "children", 0, "period"], "2018H2"),
        "$.achievements[0].entries[0].children[0].period",
        "2018H2 is earlier than its group's period 2019; date the group by its earliest item",
        id="child-before-group",
    ),
    pytest.param(
        lambda p: _set(
            _set(p, ["achievements", 1, "entries", 0, "period"], "2021H2"),
            ["achievements", 1, "entries", 0, "children"],
            [{"text": "더 이른 일", "period": "2021H1"}],
        ),
        "$.achievements[1].entries[0].children[0].period",
        "2021H1 is earlier than its group's period 2021H2",
        id="grandchild-before-its-parent",
    ),
    pytest.param(
        lambda p: _set(p, SECURED_CELL, {"secured": 5, "executed": 10}),
        "$.reports.2022H1.budget.secured[0].sources.시비.2018",
        "executed 10 exceeds secured 5; 집행액 cannot exceed 확보액",
        id="executed-over-secured",
    ),
    pytest.param(
        lambda p: _set(p, [*REPORT, "status"], "잘되고있음"),
        "$.reports.2022H1.status",
        "'잘되고있음' is not a status; use one of 완료, 이행후계속추진, 정상추진",
        id="unknown-status",
    ),
    pytest.param(
        lambda p: _set(p, [*BUDGET, "plan", 0, "sources", "시비", "2017"], 3),
        "$.reports.2022H1.budget.plan[0].sources.시비.2017",
        "'2017' is not a column of 민선7기; use one of 기투자, 2018, 2019, 2020, 2021, 2022, 임기후",
        id="column-before-term",
    ),
    pytest.param(
        lambda p: _set(p, [*BUDGET, "secured", 0, "sources", "시비", "'19"], {"secured": 1}),
        "$.reports.2022H1.budget.secured[0].sources.시비.'19",
        "is not a column of 민선7기",
        id="column-label-as-key",
    ),
    pytest.param(
        lambda p: _set(p, ["non_budget"], True),
        "$.reports.2022H1.budget",
        "a 비예산 pledge (non_budget: true) has no budget tables",
        id="budget-on-non-budget",
    ),
    pytest.param(
        lambda p: p["reports"]["2022H1"]["budget"]["plan"].append({"name": "사업"}) or p,
        "$.reports.2022H1.budget.plan[1].name",
        "sub-project '사업' appears twice",
        id="sub-project-twice",
    ),
    pytest.param(
        lambda p: _set(p, [*BUDGET, "printed_grand_total"], {"2030": 1}),
        "$.reports.2022H1.budget.printed_grand_total.2030",
        "'2030' is not a column; use 계 or 기투자",
        id="printed-total-column",
    ),
]


@pytest.mark.parametrize(("change", "where", "message"), RULES)
def test_rule(tmp_path, write_records, make_pledge, cli, change, where, message):
    directory = write_records(tmp_path, {"1-1-1": change(make_pledge())})
    errors = _errors(directory)
    matching = [p for p in errors if p.path == where]
    assert len(matching) == 1, "\n".join(map(str, errors))
    assert matching[0].file == FILE
    assert message in matching[0].message
    lines = cli.rejected(directory)
    assert sum(": error: " in line for line in lines) == len(errors)
    assert any(f"{FILE}: {where}: error: " in line and message in line for line in lines)
    with pytest.raises(RecordsInvalid):
        check(directory)


def test_file_name_must_match_the_id(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-2": make_pledge("1-1-1")})
    [problem] = _errors(directory)
    assert (problem.file, problem.path) == ("1-1-2.json", "$.id")
    assert problem.message == "the file of pledge 1-1-1 must be named 1-1-1.json"
    assert len(cli.rejected(directory)) == 1


def test_duplicate_ids_in_two_files(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge(), "copy": make_pledge()})
    found = {(p.file, p.path, p.message) for p in _errors(directory)}
    assert found == {
        ("1-1-1.json", "$.id", "pledge id 1-1-1 is also used by copy.json"),
        ("copy.json", "$.id", "pledge id 1-1-1 is also used by 1-1-1.json"),
        ("copy.json", "$.id", "the file of pledge 1-1-1 must be named 1-1-1.json"),
    }
    assert len(cli.rejected(directory)) == 3


def test_blank_variant_of_a_status_is_only_a_warning(tmp_path, write_records, make_pledge, cli):
    pledge = _set(make_pledge(), [*REPORT, "status"], "이행 후 계속추진")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    assert _errors(directory) == []
    [warning] = _warnings(directory)
    assert (warning.file, warning.path) == (FILE, "$.reports.2022H1.status")
    assert warning.message == "write the status as listed: '이행후계속추진'"
    result = cli.accepted(directory)
    assert "write the status as listed" in result.output
    assert "1 warning(s)" in result.output


def test_three_rule_breaks_in_one_file_give_three_lines(tmp_path, write_records, make_pledge, cli):
    pledge = make_pledge()
    _set(pledge, [*REPORT, "status"], "몰라")
    _set(pledge, ["plans", 0, "period"], "2030H1")
    _set(pledge, SECURED_CELL, {"secured": 1, "executed": 2})
    directory = write_records(tmp_path, {"1-1-1": pledge})
    assert len(_errors(directory)) == 3
    lines = cli.rejected(directory)
    assert len(lines) == 3
    assert {re.search(r"1-1-1\.json: (\S+): error: ", line).group(1) for line in lines} == {
        "$.reports.2022H1.status",
        "$.plans[0].period",
        "$.reports.2022H1.budget.secured[0].sources.시비.2018",
    }


def test_problems_in_several_files_are_all_reported(tmp_path, write_records, make_pledge, cli):
    directory = write_records(
        tmp_path,
        {
            "1-1-1": _set(make_pledge("1-1-1"), [*REPORT, "status"], "몰라"),
            "1-1-2": _set(make_pledge("1-1-2"), ["plans", 0, "period"], "2017H1"),
            "1-1-3": make_pledge("1-1-9"),
        },
    )
    assert sorted(p.file for p in _errors(directory)) == ["1-1-1.json", "1-1-2.json", "1-1-3.json"]
    assert len(cli.rejected(directory)) == 3


def test_executed_equal_to_secured_is_fine(tmp_path, write_records, make_pledge):
    pledge = _set(make_pledge(), SECURED_CELL, {"secured": 5, "executed": 5})
    assert _all(write_records(tmp_path, {"1-1-1": pledge})) == []


def test_columns_outside_the_term_years_are_fine(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    _set(pledge, [*BUDGET, "plan", 0, "sources", "시비", "기투자"], 4)
    _set(pledge, [*BUDGET, "plan", 0, "sources", "시비", "임기후"], 4)
    assert _all(write_records(tmp_path, {"1-1-1": pledge})) == []


def test_non_budget_pledge_without_budget_is_fine(tmp_path, write_records, make_pledge):
    pledge = make_pledge(non_budget=True)
    del pledge["reports"]["2022H1"]["budget"]
    directory = write_records(tmp_path, {"1-1-1": pledge})
    assert _all(directory) == []
    assert check(directory)[1] == []


def test_achievement_dated_to_a_year_that_ends_after_the_term(tmp_path, write_records, make_pledge):
    pledge = _set(make_pledge(), ["achievements", 2, "period"], "2022")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    assert [p.path for p in _errors(directory)] == ["$.achievements[2].period"]


# ---------------------------------------------------------------------------
# Warnings: printed, and the records still pass


def test_secured_sub_project_missing_from_the_plan(tmp_path, write_records, make_pledge, cli):
    pledge = _set(make_pledge(), [*BUDGET, "secured", 0, "name"], "다른 사업")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    [warning] = _warnings(directory)
    assert warning.path == "$.reports.2022H1.budget.secured[0].name"
    assert "'다른 사업' is not a sub-project of the plan (사업)" in warning.message
    cli.accepted(directory)


def test_printed_total_that_drifted(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    _set(pledge, [*BUDGET, "plan", 0, "printed_totals"], {"시비": 31})
    _set(
        pledge, [*BUDGET, "secured", 0, "printed_totals"], {"시비": {"secured": 10, "executed": 4}}
    )
    _set(pledge, [*BUDGET, "printed_grand_total"], {"계": 30, "2019": 21})
    directory = write_records(tmp_path, {"1-1-1": pledge})
    found = {p.path: p.message for p in _warnings(directory)}
    assert found == {
        "$.reports.2022H1.budget.plan[0].printed_totals.시비": "the page printed 계 31 but the figures "
        "add up to 30 (legacy figures drift; the report prints the computed total)",
        "$.reports.2022H1.budget.secured[0].printed_totals.시비": "the page printed 계 10 (4) but the "
        "figures add up to 10 (5) (legacy figures drift; the report prints the computed total)",
        "$.reports.2022H1.budget.printed_grand_total.2019": "the page printed 21 but the figures add "
        "up to 20 (legacy figures drift; the report prints the computed total)",
    }


def test_printed_totals_that_agree_give_no_warning(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    _set(pledge, [*BUDGET, "plan", 0, "printed_totals"], {"시비": 30})
    _set(pledge, [*BUDGET, "printed_grand_total"], {"계": 30, "2018": 10, "2019": 20, "기투자": 0})
    assert _all(write_records(tmp_path, {"1-1-1": pledge})) == []


def test_printed_zero_for_an_empty_source_is_no_drift(tmp_path, write_records, make_pledge):
    pledge = _set(make_pledge(), [*BUDGET, "plan", 0, "printed_totals"], {"시비": 30, "국비": 0})
    assert _warnings(write_records(tmp_path, {"1-1-1": pledge})) == []


def test_no_drift_check_when_a_column_is_wrong(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    _set(pledge, [*BUDGET, "plan", 0, "sources", "시비", "2017"], 3)
    _set(pledge, [*BUDGET, "plan", 0, "printed_totals"], {"시비": 999})
    directory = write_records(tmp_path, {"1-1-1": pledge})
    assert _warnings(directory) == []
    assert len(_errors(directory)) == 1


def test_same_text_twice_in_a_row(tmp_path, write_records, make_pledge):
    pledge = _set(
        make_pledge(), ["achievements", 1, "entries"], [{"text": "같은 줄"}, {"text": "같은 줄"}]
    )
    [warning] = _warnings(write_records(tmp_path, {"1-1-1": pledge}))
    assert warning.path == "$.achievements[1].entries[1].text"
    assert "typed twice" in warning.message


def test_drafts_are_flagged(tmp_path, write_records, make_pledge, cli):
    pledge = make_pledge()
    pledge["plans"][0]["draft"] = True
    pledge["reports"]["2022H1"]["draft"] = True
    directory = write_records(tmp_path, {"1-1-1": pledge})
    assert {p.path for p in _warnings(directory)} == {"$.plans[0].draft", "$.reports.2022H1.draft"}
    _, warnings = check(directory)
    uses = [p for p in warnings if "uses an unconfirmed draft" in p.message]
    assert {p.path for p in uses} >= {"$.plans[0] (2022H1)", "$.reports.2022H1.status"}
    cli.accepted(directory)


# ---------------------------------------------------------------------------
# Report settings


def _settings(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "city": "고양시",
        "term": {"name": "민선7기", "start": "2018H2", "end": "2022H1"},
        "statuses": ["완료", "이행후계속추진", "정상추진", "일부추진", "보류", "폐기", "기타"],
        "done_statuses": ["완료", "이행후계속추진"],
    }
    base.update(changes)
    return base


@pytest.mark.parametrize(
    ("changes", "where", "message"),
    [
        ({"done_statuses": ["완료", "끝"]}, "$.done_statuses[1]", "'끝' is not in 'statuses'"),
        (
            {"statuses": ["완료", "완료", "이행후계속추진"]},
            "$.statuses",
            "a status is listed twice",
        ),
        (
            {"excluded_statuses": ["통폐합"]},
            "$.excluded_statuses[0]",
            "'통폐합' is not in 'statuses'",
        ),
        (
            {"done_statuses": ["완료"], "excluded_statuses": ["완료"]},
            "$.done_statuses[0]",
            "it cannot count as done",
        ),
        ({"weights": {"끝": 50}}, "$.weights.끝", "'끝' is not in 'statuses'"),
        (
            {"columns": [{"years": "2018~2019"}, {"years": "2019"}, {"years": "2020~2022"}]},
            "$.columns[1].years",
            "2019 is already in the column '2018~2019'",
        ),
        (
            {"columns": [{"years": "2017~2022"}]},
            "$.columns[0].years",
            "2017 is outside 민선7기",
        ),
        ({"numbering": "1/4"}, "$.numbering", "cannot hold '/'"),
        (
            {"groups": [{"key": "1", "name": "a"}, {"key": "1", "name": "b"}]},
            "$.groups[1].key",
            "listed twice",
        ),
        ({"withdrawn_kinds": ["취소"]}, "$.withdrawn_kinds[0]", "not in 'adjustment_kinds'"),
    ],
)
def test_settings_rules(tmp_path, write_records, make_pledge, cli, changes, where, message):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()}, settings=_settings(**changes))
    problems = [p for p in _errors(directory) if p.file == "report.json"]
    assert [(p.path, message in p.message) for p in problems] == [(where, True)]
    cli.rejected(directory)


# ---------------------------------------------------------------------------
# Gaps in the report of one period


def test_latest_period_is_the_report_in_progress(tmp_path, write_records, make_pledge):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    assert latest_period(load_records(directory)) == Period(2022, 1)


def test_nothing_recorded_warnings(tmp_path, write_records, make_pledge, cli):
    pledge = make_pledge(achievements=[], plans=[])
    pledge["reports"] = {"2022H1": {"status": "정상추진"}}
    directory = write_records(tmp_path, {"1-1-1": pledge})
    [warning] = check_period_sections(load_records(directory), Period(2022, 1))
    assert (warning.file, warning.path) == (FILE, "$ (report 2022H1)")
    assert warning.message == (
        "nothing recorded for contacts (담당), 그동안 추진실적, 2021년 하반기 추진실적, "
        "2022년 상반기 추진계획, budget tables (투자계획/확보액), 문제점 및 개선대책"
    )
    result = cli.accepted(directory)
    assert "nothing recorded for contacts" in result.output


def test_period_option_checks_that_period(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    result = cli.accepted(directory, "--period", "2021H2")
    assert "(report 2021H2)" in result.output
    assert "2021년 하반기 추진계획" in result.output


@pytest.mark.parametrize("period", ["2022X", "2022"])
def test_malformed_period_option_is_a_usage_error(
    tmp_path, write_records, make_pledge, cli, period
):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    result = cli.run(directory, "--period", period)
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "--period" in result.output


def test_period_option_outside_the_term_is_refused(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    result = cli.run(directory, "--period", "2030H1")
    assert result.exit_code != 0
    assert "outside the term" in result.output


def test_a_funding_source_not_of_the_city_is_an_error(tmp_path, write_records, make_pledge, cli):
    pledge = make_pledge()
    pledge["reports"]["2022H1"]["budget"]["plan"][0]["sources"] = {"구비": {"2018": 1}}
    lines = cli.rejected(write_records(tmp_path, {"1-1-1": pledge}))
    assert len(lines) == 1, lines
    assert "$.reports.2022H1.budget.plan[0].sources.구비" in lines[0]
    assert "'구비' is not a funding source of this report; write 국비, 도비, 시비, 기타" in lines[0]


def test_a_citys_own_funding_sources_validate_and_print(tmp_path, write_records, make_pledge, cli):
    """A 광역시 구: 국비/시비/구비/민자, in its order, printed as it writes them."""
    import json as _json

    from reportgen.records.load import load_records
    from reportgen.records.periods import Period
    from reportgen.report.view import report_view

    from .conftest import RECORDS

    settings = _json.loads((RECORDS / "report.json").read_text(encoding="utf-8"))
    settings["funding_sources"] = ["국비", "시비", "구비", "민자"]
    pledge = make_pledge()
    budget = pledge["reports"]["2022H1"]["budget"]
    budget["plan"][0]["sources"] = {"구비": {"2018": 10}, "민자": {"2019": 5}}
    budget["secured"][0]["sources"] = {"구비": {"2018": {"secured": 10, "executed": 5}}}
    directory = write_records(tmp_path, {"1-1-1": pledge}, settings=settings)
    cli.accepted(directory)
    records = load_records(directory)
    assert records.settings is not None
    report = report_view(records.pledges, Period.parse("2022H1"), records.settings)
    rows = report.pledges[0].plan_table.rows
    assert [r.label for r in rows] == ["국비", "시비", "구비", "민자", "소계"]
    assert report.funding_sources == ("국비", "시비", "구비", "민자")
    bad = make_pledge()
    bad["reports"]["2022H1"]["budget"]["plan"][0]["sources"] = {"도비": {"2018": 1}}
    rejected = cli.rejected(write_records(tmp_path / "bad", {"1-1-1": bad}, settings=settings))
    assert (
        "'도비' is not a funding source of this report; write 국비, 시비, 구비, 민자" in rejected[0]
    )


def test_a_citys_funding_sources_head_the_workbook(tmp_path, write_records, make_pledge) -> None:
    import io as _io
    import json as _json

    import openpyxl

    from reportgen.formats.xlsx import SOURCES_SHEET, render_workbook
    from reportgen.records.load import load_records
    from reportgen.records.periods import Period
    from reportgen.report.view import report_view

    from .conftest import RECORDS, REPO

    settings = _json.loads((RECORDS / "report.json").read_text(encoding="utf-8"))
    settings["funding_sources"] = ["국비", "도비", "군비", "기타"]
    pledge = make_pledge()
    pledge["reports"]["2022H1"]["budget"]["plan"][0]["sources"] = {"군비": {"2018": 10}}
    pledge["reports"]["2022H1"]["budget"]["secured"][0]["sources"] = {
        "군비": {"2018": {"secured": 10, "executed": 5}}
    }
    records = load_records(write_records(tmp_path, {"1-1-1": pledge}, settings=settings))
    assert records.settings is not None
    report = report_view(records.pledges, Period.parse("2022H1"), records.settings)
    data = render_workbook(report, REPO / "templates" / "workbook.xlsx")
    ws = openpyxl.load_workbook(_io.BytesIO(data))[SOURCES_SHEET]
    texts = {c.value for row in ws.iter_rows(max_row=6) for c in row if isinstance(c.value, str)}
    assert "군비" in texts and "시비" not in texts
