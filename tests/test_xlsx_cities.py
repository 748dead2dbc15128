"""The budget workbook follows the city's configuration (issue 12): columns, sources, rules.

Two cities built here from ReportSettings and Pledge objects: a 광역시 구 with
merged money columns (2022~2023), 국비/시비/구비/민자 and 이행률 weights, and a
군 with 군비, 분야, 추진율, 성과지표, an excluded status and a 폐기 adjustment.
Every figure the workbook stores is checked against the view, pledge by
pledge; the workbooks are also recalculated by LibreOffice and audited.
"""

from __future__ import annotations

import copy
import io
from decimal import Decimal
from typing import Any

import openpyxl
import pytest

from reportgen.formats.xlsx import (
    ADJUSTMENTS_SHEET,
    INDICATORS_SHEET,
    SOURCES_SHEET,
    SUMMARY_SHEET,
    render_workbook,
)
from reportgen.records.model import Pledge, ReportSettings
from reportgen.records.periods import Period
from reportgen.report.view import MoneyRow, MoneyTable, PledgeView, ReportView, report_view

from .conftest import GUN_SETTINGS
from .test_xlsx import (
    TEMPLATE,
    assert_formulas_match_stored_values,
    assert_recalculation_matches,
    libreoffice_recalculated,
    needs_libreoffice,
    openxml_findings,
)

PERIOD = Period.parse("2024H1")
TERM = {"name": "민선8기", "start": "2022H2", "end": "2026H1"}

GU: dict[str, Any] = {
    "city": "누리구",
    "term": TERM,
    "numbering": "1-1",
    "funding_sources": ["국비", "시비", "구비", "민자"],
    "columns": [
        {"years": "기투자"},
        {"years": "2022~2023"},
        {"years": "2024"},
        {"years": "2025"},
        {"years": "2026"},
        {"years": "임기후"},
    ],
    "weights": {"완료": 100, "이행후계속추진": 100, "정상추진": 50},
}
GU_LABELS = ["기투자", "2022~2023", "2024", "2025", "2026", "임기후"]

GUN: dict[str, Any] = {**GUN_SETTINGS, "term": TERM, "participation": []}
INDICATOR = {
    "name": "일자리 창출",
    "unit": "개",
    "target": 1000,
    "results": {"2023H2": 300, "2024H1": 640},
}
WITHDRAWN = {
    "kind": "폐기",
    "period": "2024H1",
    "date": "2024-03-15",
    "reason": "국비 공모 탈락으로 사업 추진 불가",
    "decided_by": "공약이행평가단 심의",
}


def _pledge(
    number: str,
    *,
    status: str | None = "정상추진",
    department: str = "기획과",
    budget: dict[str, Any] | None = None,
    progress: int | None = None,
    **extra: Any,
) -> Pledge:
    report: dict[str, Any] = {}
    if status is not None:
        report["status"] = status
    if progress is not None:
        report["progress_rate"] = progress
    if budget is not None:
        report["budget"] = copy.deepcopy(budget)
    raw = {
        "id": number,
        "title": f"공약 {number}",
        "department": department,
        "non_budget": budget is None,
        "reports": {"2024H1": report},
        **copy.deepcopy(extra),
    }
    return Pledge.model_validate(raw)


LIBRARY = {
    "plan": [
        {
            "name": "도서관 건립",
            "sources": {
                "국비": {"2023": 100, "2024": 200},
                "시비": {"2022": 50, "2024": 50},
                "구비": {"2022": 10, "2023": 20, "2025": 30},
                "민자": {"임기후": 500},
            },
        },
        {"name": "운영", "sources": {"구비": {"2024": 5.5}}},
    ],
    "secured": [
        {
            "name": "도서관 건립",
            "sources": {
                "국비": {"2023": {"secured": 100, "executed": 90}},
                "구비": {"2022": {"secured": 10, "executed": 10}, "2023": {"secured": 20}},
            },
        }
    ],
}
SMALL = {
    "plan": [{"name": "사업", "sources": {"구비": {"2024": 40}}}],
    "secured": [{"name": "사업", "sources": {"구비": {"2024": {"secured": 40, "executed": 12}}}}],
}
GUN_BUDGET = {
    "plan": [{"name": "사업", "sources": {"군비": {"2023": 10, "2024": 20}, "도비": {"2024": 7}}}],
    "secured": [{"name": "사업", "sources": {"군비": {"2023": {"secured": 10, "executed": 8}}}}],
}


def _gu() -> ReportView:
    settings = ReportSettings.model_validate(GU)
    pledges = [
        _pledge("1-1", budget=LIBRARY),
        _pledge("1-2", status="완료"),  # 비예산
        _pledge("1-3", status="완료", budget=SMALL),
    ]
    return report_view(pledges, PERIOD, settings)


def _gun() -> ReportView:
    settings = ReportSettings.model_validate(GUN)
    pledges = [
        _pledge("1-1", budget=GUN_BUDGET, progress=50, indicators=[INDICATOR]),
        _pledge(
            "1-2",
            status="폐기",
            budget=GUN_BUDGET,
            progress=10,
            indicators=[INDICATOR],
            adjustments=[WITHDRAWN],
        ),
        _pledge("2-1", status="완료", department="복지과", budget=GUN_BUDGET, progress=100),
        _pledge("2-2", status=None, department="복지과"),  # 비예산, no status: 미기재
    ]
    return report_view(pledges, PERIOD, settings)


@pytest.fixture(scope="module", params=["gu", "gun"])
def city(request: pytest.FixtureRequest) -> tuple[ReportView, bytes]:
    report = _gu() if request.param == "gu" else _gun()
    return report, render_workbook(report, TEMPLATE)


def _opened(report: ReportView) -> tuple[ReportView, openpyxl.Workbook, openpyxl.Workbook]:
    """The report, its workbook's stored values and its formulas."""
    data = render_workbook(report, TEMPLATE)
    return (
        report,
        openpyxl.load_workbook(io.BytesIO(data), data_only=True),
        openpyxl.load_workbook(io.BytesIO(data)),
    )


@pytest.fixture(scope="module")
def gu() -> tuple[ReportView, openpyxl.Workbook, openpyxl.Workbook]:
    return _opened(_gu())


@pytest.fixture(scope="module")
def gun() -> tuple[ReportView, openpyxl.Workbook, openpyxl.Workbook]:
    return _opened(_gun())


# ---------------------------------------------------------------------------
# Reading the sheets back


def _row_of(ws: Any, text: str, col: int = 1) -> int:
    for (cell,) in ws.iter_rows(min_col=col, max_col=col):
        if cell.value == text:
            return int(cell.row)
    raise AssertionError(f"{text!r} not in column {col} of {ws.title}")


def _num(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _share(text: str) -> float | None:
    """The view's printed share (37.5%) as the number a cell holds."""
    return None if text in ("", "-") else float(Decimal(text.removesuffix("%")) / 100)


def _blank(value: Any) -> Any:
    return None if value in ("", 0) else value


def _check_money_row(ws: Any, r: int, row: MoneyRow, secured: bool, n: int) -> None:
    """One printed row: 계, every money column, and for 확보 its base and 집행률.

    A total the view leaves blank is a formula stored as 0 (printed blank);
    a figure the view leaves blank is an empty cell.
    """
    where = (ws.title, r, row.label)
    same = (lambda a, b: a == b) if row.kind == "source" else (lambda a, b: _blank(a) == _blank(b))
    m = 2 if secured else 1
    assert _blank(ws.cell(r, 3).value) == _blank(_num(row.total.amount)), where
    if secured:
        assert _blank(ws.cell(r, 4).value) == _blank(_num(row.total.executed)), where
    for i, cell in enumerate(row.cells):
        assert same(ws.cell(r, 3 + m + m * i).value, _num(cell.amount)), (*where, i)
        if secured:
            assert same(ws.cell(r, 6 + 2 * i).value, _num(cell.executed)), (*where, i)
    if secured:
        basis, rate = ws.cell(r, 5 + 2 * n).value, ws.cell(r, 6 + 2 * n).value
        assert _blank(basis) == _blank(_num(row.rate_basis)), where
        want = None if row.rate is None else float(row.rate)
        assert (rate if rate != "" else None) == want, where


def _check_table(ws: Any, table: MoneyTable, n: int) -> None:
    top = _row_of(ws, f"□ {table.title}")
    secured = table.kind == "secured"
    grand = top + (3 if secured else 2)
    # The 계 row as every format prints it: its name cell empty, 계 under 구분.
    assert ws.cell(grand, 1).value is None
    assert ws.cell(grand, 2).value == table.grand_total.label
    _check_money_row(ws, grand, table.grand_total, secured, n)
    for k, row in enumerate(table.rows, start=1):
        assert ws.cell(grand + k, 2).value == row.label, (ws.title, grand + k)
        _check_money_row(ws, grand + k, row, secured, n)


def assert_workbook_matches_view(values: openpyxl.Workbook, report: ReportView) -> int:
    """Every pledge's figures in its sheet, 총괄 and 재원별 are the view's; returns pledges checked."""
    n = len(report.column_labels)
    summary, sources = values[SUMMARY_SHEET], values[SOURCES_SHEET]
    checked = 0
    for view in report.pledges:
        r = _row_of(summary, view.id)
        s = _row_of(sources, view.id)
        if view.non_budget:
            assert view.id not in values.sheetnames
            assert "비예산" in [c.value for c in summary[r]]
            continue
        ws = values[view.id]
        for table in view.money_tables:
            _check_table(ws, table, n)
        plan = next((t for t in view.money_tables if t.kind == "plan"), None)
        sec = view.secured_table.grand_total
        planned = None if plan is None else plan.grand_total
        assert summary.cell(r, 4).value == (None if planned is None else _num(planned.total.amount))
        for i in range(n):
            want = None if planned is None else _num(planned.cells[i].amount)
            assert _blank(summary.cell(r, 8 + i).value) == _blank(want), (view.id, i)
        assert summary.cell(r, 5).value == _num(sec.total.amount)
        assert _blank(summary.cell(r, 6).value) == _blank(_num(sec.total.executed))
        assert (summary.cell(r, 7).value or None) == _num(sec.rate)
        assert _blank(summary.cell(r, 8 + n).value) == _blank(_num(sec.rate_basis))
        # 재원별: the pledge's grand totals in the 계 group, its rate as on 총괄.
        k = len(report.funding_sources)
        total_col = 3 + 3 * k
        assert sources.cell(s, total_col).value == (
            None if planned is None else _num(planned.total.amount)
        )
        assert sources.cell(s, total_col + 1).value == _num(sec.total.amount)
        assert (sources.cell(s, total_col + 3).value or None) == _num(sec.rate)
        checked += 1
    return checked


def _view(report: ReportView, pledge_id: str) -> PledgeView:
    return next(v for v in report.pledges if v.id == pledge_id)


# ---------------------------------------------------------------------------
# Any city


def test_every_figure_is_the_views(city):
    report, data = city
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    budgeted = [v for v in report.pledges if not v.non_budget]
    assert assert_workbook_matches_view(values, report) == len(budgeted) >= 2


def test_every_formula_gives_its_stored_value(city):
    _, data = city
    assert assert_formulas_match_stored_values(data) > 50


def test_rendering_is_deterministic(city):
    report, data = city
    assert render_workbook(report, TEMPLATE) == data


def test_openxml_audit_finds_nothing(tmp_path, city):
    _, data = city
    result = openxml_findings(tmp_path, data)
    assert result["valid"], result
    assert result["error_count"] == 0 and result["warning_count"] == 0, result


@needs_libreoffice
def test_libreoffice_recalculation_matches_stored_values(tmp_path, city):
    _, data = city
    assert assert_recalculation_matches(data, libreoffice_recalculated(tmp_path, data)) > 50


# ---------------------------------------------------------------------------
# A 광역시 구: merged columns, 국비/시비/구비/민자, 이행률


def test_merged_columns_are_labelled_as_the_city_prints_them(gu):
    report, values, _ = gu
    assert list(report.column_labels) == GU_LABELS
    summary = values[SUMMARY_SHEET]
    assert [summary.cell(5, 8 + i).value for i in range(6)] == GU_LABELS
    ws = values["1-1"]
    plan_head = _row_of(ws, "□ 연도별 투자계획(사업비)") + 1
    assert [ws.cell(plan_head, c).value for c in range(1, 10)] == [
        "공약사업명",
        "구분",
        "계",
        *GU_LABELS,
    ]
    secured_head = _row_of(ws, "□ 연도별 확보(집행)액") + 1
    assert [ws.cell(secured_head, 5 + 2 * i).value for i in range(6)] == GU_LABELS
    # 구비 2022 and 2023 land in 2022~2023: 10 + 20.
    r = (
        plan_head
        + 1
        + [row.label for row in _view(report, "1-1").plan_table.rows].index("구비")
        + 1
    )
    assert ws.cell(r, 2).value == "구비"
    assert [ws.cell(r, c).value for c in range(3, 10)] == [60, None, 30, None, 30, None, None]


def test_funding_sources_in_the_citys_order(gu):
    report, values, formulas = gu
    ws = values[SOURCES_SHEET]
    groups = [ws.cell(4, 3 + 3 * g).value for g in range(5)]
    assert groups == ["국비", "시비", "구비", "민자", "계"]
    r = _row_of(ws, "1-1")
    # 계획 per source over both sub-projects (구비 60 + 5.5); 확보 and 집행.
    assert [ws.cell(r, 3 + 3 * g).value for g in range(4)] == [300, 100, 65.5, 500]
    # A source without figures keeps its live SUMIF, stored 0 and printed blank.
    assert [_blank(ws.cell(r, 4 + 3 * g).value) for g in range(4)] == [100, None, 30, None]
    assert [_blank(ws.cell(r, 5 + 3 * g).value) for g in range(4)] == [90, None, 10, None]
    assert ws.cell(r, 7).number_format.endswith(';""')
    assert formulas[SOURCES_SHEET].cell(r, 9).value.startswith("=SUMIF(")
    total = _row_of(ws, "합계")
    assert ws.cell(total, 9).value == 65.5 + 40  # 구비 계획 of 1-1 and 1-3


def test_weighted_share_is_the_views(gu):
    report, values, _ = gu
    ws = values[SUMMARY_SHEET]
    assert report.weighted_share
    assert report.weighted_rate is not None
    # 이행률 and 달성률 are the ○ lines' (the view's 총괄표 has no row for them).
    lines = [c.value for (c,) in ws.iter_rows(min_col=2, max_col=2) if str(c.value).startswith("○")]
    assert lines == list(report.summary_lines)
    # No groups, indicators or adjustments: no sheets for them.
    assert values.sheetnames == [SUMMARY_SHEET, SOURCES_SHEET, "1-1", "1-3"]


# ---------------------------------------------------------------------------
# A 군: 군비, 분야, 추진율, 성과지표, 폐기 excluded and withdrawn


def test_gun_sheets_in_order(gun):
    _, values, _ = gun
    assert values.sheetnames == [
        SUMMARY_SHEET,
        "분야·부서별",
        SOURCES_SHEET,
        INDICATORS_SHEET,
        ADJUSTMENTS_SHEET,
        "1-1",
        "1-2",
        "2-1",
    ]
    groups = [values[SOURCES_SHEET].cell(4, 3 + 3 * g).value for g in range(5)]
    assert groups == ["국비", "도비", "군비", "기타", "계"]


def test_withdrawn_plan_is_not_planned_money(gun):
    report, values, formulas = gun
    withdrawn = _view(report, "1-2")
    assert withdrawn.withdrawn and withdrawn.plan_table.grand_total.total.amount == 37
    ws = values["1-2"]
    with pytest.raises(AssertionError):
        _row_of(ws, "□ 연도별 투자계획(사업비)")
    _row_of(ws, "□ 연도별 확보(집행)액")
    assert "폐기 (2024. 3. 15., 공약이행평가단 심의)" in ws.cell(2, 1).value
    summary = values[SUMMARY_SHEET]
    r = _row_of(summary, "1-2")
    assert summary.cell(r, 4).value is None and summary.cell(r, 5).value == 10
    total = _row_of(summary, "합계")
    assert summary.cell(total, 4).value == 37 + 37  # 1-1 and 2-1 only
    assert summary.cell(total, 5).value == 30  # what was secured still counts
    assert formulas[SUMMARY_SHEET].cell(total, 4).value.startswith("=SUM(")
    sources = values[SOURCES_SHEET]
    r = _row_of(sources, "1-2")
    assert sources.cell(r, 9).value is None  # 군비 계획
    assert sources.cell(r, 10).value == 10  # 군비 확보
    assert sources.cell(_row_of(sources, "합계"), 9).value == 60


def test_status_block_keeps_excluded_and_unrecorded_apart(gun):
    report, values, formulas = gun
    ws = values[SUMMARY_SHEET]
    assert (report.base, report.excluded, report.unrecorded) == (2, 1, 1)
    labels = [c.value for (c,) in ws.iter_rows(min_col=2, max_col=2)]
    start = labels.index("추진상황")
    block = labels[start + 1 :]
    assert block[:8] == [
        "완료",
        "정상추진",
        "장기추진",
        "보류",
        "계",
        "폐기 (비율 제외)",
        "추진상황 미기재 (비율 제외)",
        "전체 공약",
    ]
    assert block[:8] == [r.cells[0].text for r in report.status_table.rows]
    assert "폐기" not in block[:5]
    r = _row_of(ws, "계", col=2)
    assert ws.cell(r, 3).value == report.base
    for status in ("완료", "정상추진"):
        row = _row_of(ws, status, col=2)
        count = next(s for s in report.summary if s.status == status)
        assert ws.cell(row, 3).value == count.count
        assert ws.cell(row, 4).value == _share(count.share)
        assert formulas[SUMMARY_SHEET].cell(row, 4).value.startswith("=IF(")
    r = _row_of(ws, "폐기 (비율 제외)", col=2)
    assert ws.cell(r, 3).value == 1 and ws.cell(r, 4).value == "-"  # as the booklet prints it
    r = _row_of(ws, "추진상황 미기재 (비율 제외)", col=2)
    assert ws.cell(r, 3).value == 1
    assert ws.cell(_row_of(ws, "전체 공약", col=2), 3).value == report.total == 4
    assert not report.weighted_share
    # 추진율 per pledge beside its money, as a share.
    head = [c.value for c in ws[4]]
    col = head.index("추진율") + 1
    assert ws.cell(_row_of(ws, "2-1"), col).value == 1.0
    assert ws.cell(_row_of(ws, "1-1"), col).value == 0.5


def test_tallies_by_group_and_department(gun):
    report, values, _ = gun
    ws = values["분야·부서별"]
    head = [c.value for c in ws[4]]
    assert head[:3] == ["분야", "공약 수", "완료"]
    rate_col = head.index("달성률") + 1
    progress_col = head.index("평균진행률") + 1
    assert [t.name for t in report.by_group] == ["1. 일자리 경제", "2. 안전 복지"]
    assert [t.name for t in report.by_department] == ["기획과", "복지과"]
    for tally in (*report.by_group, *report.by_department):
        r = _row_of(ws, tally.name)
        counts = [ws.cell(r, c).value for c in range(2, 2 + 1 + len(tally.statuses))]
        assert counts == [tally.total, *(s.count for s in tally.statuses)], tally.name
        assert ws.cell(r, rate_col).value == _share(tally.done_share), tally.name
        assert ws.cell(r, progress_col).value == _share(tally.average_progress), tally.name
    sums = [c.row for (c,) in ws.iter_rows(min_col=1, max_col=1) if c.value == "계"]
    assert len(sums) == 2
    for r in sums:
        assert ws.cell(r, 2).value == report.total
        assert ws.cell(r, rate_col).value == _share(report.done_share)
        assert ws.cell(r, progress_col).value == _share(report.average_progress) == 0.75


def test_indicators_sheet(gun):
    report, values, formulas = gun
    ws = values[INDICATORS_SHEET]
    assert [c.value for c in ws[4]] == [
        "공약번호",
        "공약명",
        "지표명",
        "단위",
        "목표",
        "실적",
        "달성률",
        "기준",
    ]
    rows = [[c.value for c in ws[r]][:8] for r in (5, 6)]
    assert rows[0] == ["1-1", "공약 1-1", "일자리 창출", "개", 1000, 640, 0.64, "2024년 상반기"]
    assert rows[1][:3] == ["1-2", "공약 1-2", "일자리 창출"]
    assert formulas[INDICATORS_SHEET]["G5"].value.startswith("=IF(OR(")
    (shared,) = report.indicator_totals
    r = _row_of(ws, "□ 성과지표 집계 (여러 공약의 같은 지표)") + 2
    assert r > 7
    # The view's 성과지표 집계, in its column order.
    assert [ws.cell(r, c).value for c in range(3, 9)] == [
        "일자리 창출",
        "개",
        2,
        2000,
        1280,
        _share(shared.rate_text),
    ]


def test_adjustments_sheet(gun):
    report, values, _ = gun
    ws = values[ADJUSTMENTS_SHEET]
    assert [c.value for c in ws[4]] == ["공약번호", "공약명", "구분", "결정일", "사유"]
    row = [c.value for c in ws[5]]
    assert row[:4] == ["1-2", "공약 1-2", "폐기", "2024. 3. 15."]
    assert "국비 공모 탈락으로 사업 추진 불가" in row[4]
    assert ws.cell(6, 1).value is None


def test_no_optional_sheets_without_their_data(tmp_path):
    settings = ReportSettings.model_validate({**GUN, "groups": []})
    report = report_view([_pledge("1-1", budget=GUN_BUDGET, progress=50)], PERIOD, settings)
    values = openpyxl.load_workbook(io.BytesIO(render_workbook(report, TEMPLATE)))
    assert values.sheetnames == [SUMMARY_SHEET, SOURCES_SHEET, "1-1"]


def test_a_pledge_numbered_like_a_summary_sheet_gets_another_name(tmp_path):
    settings = ReportSettings.model_validate({**GUN, "numbering": None})
    report = report_view([_pledge("성과지표", budget=GUN_BUDGET)], PERIOD, settings)
    values = openpyxl.load_workbook(io.BytesIO(render_workbook(report, TEMPLATE)))
    assert values.sheetnames[-1] == "성과지표(2)"
