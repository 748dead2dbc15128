"""reportgen.report.view: the format-neutral view every writer lays out (labels, lines, money rows)."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportgen.records.budget import Figure
from reportgen.records.model import Pledge, ReportSettings
from reportgen.records.periods import Period
from reportgen.records.validate import check
from reportgen.report.view import (
    NOT_RECORDED,
    PREVIEW_MARK,
    SYMBOLS,
    MoneyTable,
    PledgeView,
    as_preview,
    format_amount,
    format_figure,
    format_share,
    pledge_money,
    pledge_view,
    report_view,
)
from reportgen.report.widths import as_weights

P = Period.parse
D = Decimal
H1 = P("2022H1")


def _view(raw: dict[str, Any], settings: ReportSettings, period: Period = H1) -> PledgeView:
    return pledge_view(Pledge.model_validate(raw), period, settings)


# ---------------------------------------------------------------------------
# Figures


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (D(1578), "1,578"),
        (D("12.5"), "12.5"),
        (None, ""),
        (D(0), "0"),
        (D(20), "20"),
        (D("1234567.50"), "1,234,567.5"),
        (D("1E+3"), "1,000"),
        (D("8291.0"), "8,291"),
        (D("0.05"), "0.05"),
    ],
)
def test_format_amount(value: Decimal | None, text: str) -> None:
    assert format_amount(value) == text


@given(st.decimals(0, 10**9, allow_nan=False, allow_infinity=False, places=3))
def test_format_amount_round_trips(value: Decimal) -> None:
    text = format_amount(value)
    assert "E" not in text and "e" not in text
    assert D(text.replace(",", "")) == value


def test_format_figure() -> None:
    assert format_figure(Figure(D(279), D(278)), with_executed=True) == "279 (278)"
    assert format_figure(Figure(D(1499), D(1323)), with_executed=True) == "1,499 (1,323)"
    assert format_figure(Figure(D(312)), with_executed=True) == "312"
    assert format_figure(Figure(None, D(5)), with_executed=True) == "(5)"
    assert format_figure(Figure(D(279), D(278)), with_executed=False) == "279"
    assert format_figure(Figure(None), with_executed=True) == ""


def test_format_share() -> None:
    assert format_share(33, 88) == "37.5%"
    assert format_share(1, 3) == "33.3%"
    assert format_share(0, 0) == "-"
    assert format_share(2, 2) == "100.0%"


# ---------------------------------------------------------------------------
# Money tables


def _shipped_view(shipped, settings, pledge_id: str, period: Period = H1) -> PledgeView:
    return _view(shipped(pledge_id), settings, period)


def _blocks(table: MoneyTable) -> list[list[tuple[str, str]]]:
    out: list[list[tuple[str, str]]] = []
    for row in table.rows:
        if row.merge == "restart":
            out.append([])
        out[-1].append((row.label, row.merge))
    return out


def test_money_rows_merge_marks(shipped, settings) -> None:
    table = _shipped_view(shipped, settings, "1-4-5").plan_table
    assert _blocks(table) == [
        [("국비", "restart"), ("도비", "continue"), ("시비", "continue"), ("기타", "continue")],
        [("국비", "restart"), ("도비", "continue"), ("시비", "continue"), ("기타", "continue")],
        [
            ("국비", "restart"),
            ("도비", "continue"),
            ("시비", "continue"),
            ("기타", "continue"),
            ("소계", "continue"),
        ],
    ]
    for row in table.rows:
        same_block = [r for r in table.rows if r.name == row.name]
        assert row.block_rows == len(same_block)
    assert table.grand_total.merge == "" and table.grand_total.name == ""
    assert table.grand_total.label == "계"


def test_money_table_columns_and_texts(shipped, settings) -> None:
    view = _shipped_view(shipped, settings, "1-4-5")
    plan, secured = view.plan_table, view.secured_table
    assert plan.column_labels == ("기투자", "'18.7.", "'19", "'20", "'21", "'22.6.", "임기후")
    assert plan.column_keys[1:6] == ("2018", "2019", "2020", "2021", "2022")
    assert plan.unit == "(단위 : 백만원)"
    assert (plan.kind, secured.kind) == ("plan", "secured")
    assert plan.title == "연도별 투자계획(사업비)" and secured.title == "연도별 확보(집행)액"
    assert plan.grand_total.total.text == "8,291"
    assert [c.text for c in plan.grand_total.cells] == [
        "0",  # nothing planned before the term: the plan says 0, as the filed page
        "1,109",
        "1,735",
        "1,729",
        "1,814",
        "1,904",
        "0",
    ]
    # 확보(집행)액: nothing recorded under '22.6. and 임기후 prints nothing there.
    assert [c.text for c in secured.grand_total.cells][5:] == ["", ""]
    [dobi] = [r for r in secured.rows if r.label == "도비" and r.total.amount]
    assert dobi.cells[1].text == "279 (278)"
    assert dobi.cells[4].text == "312"
    assert dobi.total.text == "1,220 (907)"
    assert plan.recorded and secured.recorded and not plan.non_budget


def test_non_budget_frame_rows(shipped, settings) -> None:
    view = _shipped_view(shipped, settings, "1-4-3")
    for table in (view.plan_table, view.secured_table):
        assert table.non_budget and table.recorded
        assert [(r.label, r.merge, r.block_rows) for r in table.rows] == [
            ("국비", "restart", 4),
            ("도비", "continue", 4),
            ("시비", "continue", 4),
            ("기타", "continue", 4),
        ]
        assert {r.name for r in table.rows} == {"고양시 고용할당제 도입"}
        assert all(c.text == "" and c.amount is None for r in table.rows for c in r.cells)
        assert table.grand_total.total.text == "" and table.grand_total.label == "계"
        assert len(table.grand_total.cells) == 7


def test_non_budget_ignores_a_budget_record(make_pledge, settings) -> None:
    view = _view(make_pledge(non_budget=True), settings)
    assert view.plan_table.non_budget
    assert all(r.total.amount is None for r in view.plan_table.rows)


def test_budget_not_recorded_prints_an_unnamed_frame(make_pledge, settings) -> None:
    raw = make_pledge()
    del raw["reports"]["2022H1"]["budget"]
    table = _view(raw, settings).plan_table
    assert table.recorded is False and table.non_budget is False
    assert [r.label for r in table.rows] == ["국비", "도비", "시비", "기타"]
    assert {r.name for r in table.rows} == {""}


# ---------------------------------------------------------------------------
# Lines: level symbols, notes, placeholders


def test_level_symbols(make_pledge, settings) -> None:
    raw = make_pledge(year_headings=True)
    raw["achievements"][0]["entries"] = [
        {
            "text": "하나",
            "children": [
                {
                    "text": "둘",
                    "children": [
                        {"text": "셋", "children": [{"text": "넷"}]},
                        {"text": "비고", "note": True},
                    ],
                }
            ],
        }
    ]
    row = _view(raw, settings).progress[0]
    got = [(line.level, line.symbol, line.text, line.note) for line in row.lines]
    assert got[:6] == [
        (0, "□", "2019년 추진실적", False),
        (1, "○", "하나", False),
        (2, "-", "둘", False),
        (3, "·", "셋", False),
        (3, "·", "넷", False),  # deeper than · stays at ·
        (3, "※", "비고", True),
    ]
    assert got[6] == (0, "□", "2021년 상반기 추진실적", False)
    assert SYMBOLS == ("□", "○", "-", "·")


def test_no_year_headings_without_the_flag(make_pledge, settings) -> None:
    row = _view(make_pledge(), settings).progress[0]
    assert [line.symbol for line in row.lines] == ["○", "-", "○"]


def test_progress_labels_follow_the_period(make_pledge, settings) -> None:
    view = _view(make_pledge(), settings)
    assert [(r.title, r.note) for r in view.progress] == [
        ("그동안 추진실적", "(2018. ~ 2021.6.)"),
        ("2021년도 하반기 추진실적", "(21. 7.~12. 실적)"),
        ("2022년도 상반기 추진계획", "(향후 추진 계획)"),
    ]
    earlier = _view(make_pledge(), settings, P("2021H2"))
    assert [(r.title, r.note) for r in earlier.progress] == [
        ("그동안 추진실적", "(2018. ~ 2020.)"),
        ("2021년도 상반기 추진실적", "(21. 1.~6. 실적)"),
        ("2021년도 하반기 추진계획", "(향후 추진 계획)"),
    ]


def test_first_periods_of_the_term_drop_rows(make_pledge, settings) -> None:
    assert [r.title for r in _view(make_pledge(), settings, P("2018H2")).progress] == [
        "2018년도 하반기 추진계획"
    ]
    assert [r.title for r in _view(make_pledge(), settings, P("2019H1")).progress] == [
        "2018년도 하반기 추진실적",
        "2019년도 상반기 추진계획",
    ]


def test_placeholders_when_nothing_recorded(make_pledge, settings) -> None:
    raw = make_pledge(achievements=[], plans=[], reports={})
    view = _view(raw, settings)
    for row in view.progress:
        [line] = row.lines
        assert line.placeholder and line.symbol == "" and line.text.startswith(NOT_RECORDED)
    texts = [r.lines[0].text for r in view.progress]
    assert "2021년 하반기에 기록된 추진실적이 없습니다." in texts[1]
    assert "2022년 상반기 추진계획이 기록되지 않았습니다." in texts[2]
    assert view.problems.recorded is False
    [(heading, lines)] = view.problems.sections
    assert heading == "" and lines[0].placeholder
    assert view.status == "" and view.contacts == () and view.participation is None
    assert view.plan_table.recorded is False


def test_placeholder_is_never_a_real_line(shipped, settings) -> None:
    view = _shipped_view(shipped, settings, "1-4-5")
    assert not any(line.placeholder for row in view.progress for line in row.lines)
    assert not any(line.placeholder for _, lines in view.problems.sections for line in lines)


# ---------------------------------------------------------------------------
# Header, participation, problems


def test_header_of_1_4_5(shipped, settings) -> None:
    view = _shipped_view(shipped, settings, "1-4-5")
    assert (view.id, view.anchor, view.period, view.period_words) == (
        "1-4-5",
        "pledge_1_4_5",
        "2022H1",
        "2022년 상반기",
    )
    assert view.status == "이행후계속추진"
    assert view.department == "일자리정책과"
    assert [(c.role, c.name, c.phone) for c in view.contacts] == [
        ("과장", "박광영", "8075-3700"),
        ("팀장", "김혜실", "8075-3661"),
        ("담당자", "서체여", "8075-3664"),
    ]


def test_participation_cells(shipped, settings) -> None:
    cells = _shipped_view(shipped, settings, "1-4-5").participation
    assert cells is not None
    assert [(c.heading, c.text) for c in cells] == [
        ("공약 관련 회의", ""),
        ("설명회, 민생탐방", ""),
        ("전문가 자문", ""),
        ("언론/방송 보도", "42회"),
        ("기 타", ""),
    ]


def test_problems_two_lists(shipped, settings) -> None:
    sections = _shipped_view(shipped, settings, "1-4-5").problems.sections
    assert [(h, len(lines)) for h, lines in sections] == [("문제점", 4), ("개선대책", 6)]
    assert all(line.symbol == "-" and line.level == 2 for _, lines in sections for line in lines)


def test_problems_one_list(shipped, settings) -> None:
    sections = _shipped_view(shipped, settings, "1-4-3").problems.sections
    assert [(h, len(lines)) for h, lines in sections] == [("", 4)]
    assert {line.symbol for line in sections[0][1]} == {"-"}


def test_problems_with_only_measures(make_pledge, settings) -> None:
    raw = make_pledge()
    raw["reports"]["2022H1"]["problems"] = {
        "measures": [{"text": "대책", "children": [{"text": "세부"}]}]
    }
    sections = _view(raw, settings).problems.sections
    assert [(h, [(line.symbol, line.text) for line in lines]) for h, lines in sections] == [
        ("개선대책", [("-", "대책"), ("·", "세부")])
    ]


def test_text_is_carried_as_data(make_pledge, settings) -> None:
    text = '<w:t>&amp; "x" {{ p.title }} {% if %} 😀'
    raw = make_pledge()
    raw["plans"][0]["entries"][0]["text"] = text
    assert _view(raw, settings).progress[-1].lines[0].text == text


# ---------------------------------------------------------------------------
# The whole report


def test_report_view_summary(shipped, settings) -> None:
    pledges = [Pledge.model_validate(shipped(i)) for i in ("1-4-3", "1-4-5")]
    report = report_view(pledges, H1, settings)
    assert [v.id for v in report.pledges] == ["1-4-3", "1-4-5"]
    counts = {s.status: (s.count, s.share) for s in report.summary}
    # 1-4-3 has no status: not a status, counted apart, in no share.
    assert "미기재" not in counts
    assert counts["이행후계속추진"] == (1, "100.0%")
    assert counts["완료"] == (0, "0.0%")
    assert (report.total, report.base, report.unrecorded) == (2, 1, 1)
    assert (report.done, report.done_share) == (1, "100.0%")
    assert report.summary_lines == (
        "○ 대상: 공약 2개 (추진상황 미기재 1개는 비율 산정에서 제외)",
        "○ 완료(이행후계속추진 포함) 1개, 달성률 100.0% (2개 중 1개 기준, 추진상황 미기재 1개 제외)",
    )
    assert report.title == "민선7기 공약 추진실적 보고서"
    assert report.term_span == "2018.7. ~ 2022.6." and report.city == "고양시"
    assert report.column_labels[1] == "'18.7."
    assert report.period_words == "2022년 상반기"


def test_report_view_without_unrecorded_has_no_extra_line(make_pledge, settings) -> None:
    report = report_view([Pledge.model_validate(make_pledge())], H1, settings)
    assert [s.status for s in report.summary] == settings.statuses
    assert report.done == 0 and report.done_share == "0.0%"
    assert report.summary_lines[0] == "○ 대상: 공약 1개"


def test_summary_wording_follows_the_done_rule(make_pledge) -> None:
    from reportgen.report.view import summary_lines, tally

    def lines(done_statuses: list[str]) -> tuple[str, ...]:
        settings = ReportSettings.model_validate(
            {
                "city": "시험시",
                "term": {"name": "민선7기", "start": "2018H2", "end": "2022H1"},
                "done_statuses": done_statuses,
            }
        )
        views = []
        for i, status in enumerate(("완료", "정상추진", "보류"), start=1):
            raw = make_pledge(id=f"1-1-{i}")
            raw["reports"]["2022H1"]["status"] = status
            views.append(pledge_view(Pledge.model_validate(raw), H1, settings))
        return summary_lines(tally("", views, settings), settings)

    assert lines(["완료"])[1] == "○ 완료 1개, 달성률 33.3% (3개 기준)"
    assert lines(["완료", "정상추진"])[1] == "○ 완료(정상추진 포함) 2개, 달성률 66.7% (3개 기준)"


def test_a_report_of_pledges_without_status_has_no_rate(make_pledge, settings) -> None:
    raw = make_pledge()
    del raw["reports"]["2022H1"]["status"]
    report = report_view([Pledge.model_validate(raw)], H1, settings)
    assert (report.base, report.unrecorded, report.done_share) == (0, 1, "-")
    assert report.pledges[0].status == ""


def test_blank_variant_status_counts_as_done(shipped, settings) -> None:
    raw = copy.deepcopy(shipped("1-4-5"))
    raw["reports"]["2022H1"]["status"] = "이행 후 계속추진"
    report = report_view([Pledge.model_validate(raw)], H1, settings)
    assert report.done == 1
    assert report.pledges[0].status == "이행후계속추진"


def test_pledge_money(shipped, settings) -> None:
    money = pledge_money(_shipped_view(shipped, settings, "1-4-5"))
    assert money.planned is not None and money.secured is not None
    assert money.planned.total.text == "8,291"
    assert money.secured.total.text == "6,981 (4,782)"
    # Like with like: executed 4,782 of the 5,278 secured in the years with execution.
    assert money.execution_rate == D(4782) / D(1810 + 1736 + 1732)
    none = pledge_money(_shipped_view(shipped, settings, "1-4-3"))
    assert (none.non_budget, none.planned, none.secured, none.execution_rate) == (
        True,
        None,
        None,
        None,
    )


def test_views_are_plain_comparable_values(shipped, settings) -> None:
    a = _shipped_view(shipped, settings, "1-4-5")
    b = _shipped_view(shipped, settings, "1-4-5")
    assert a == b
    assert hash(a) == hash(b)


def test_corrected_totals_are_said_under_the_table(shipped, settings) -> None:
    """The filed page printed 도비 908 (595) and 시비 4,335 (2,590); the figures add up otherwise."""
    view = _shipped_view(shipped, settings, "1-4-5")
    assert view.plan_table.notes == ()
    notes = view.secured_table.notes
    assert len(notes) == 2
    assert (
        "도비 계: 연도별 금액의 합과 달라 당초 보고서의 908(595)을 1,220(907)으로 바로잡음"
        in notes[0]
    )
    assert (
        "시비 계: 연도별 금액의 합과 달라 당초 보고서의 4,335(2,590)를 5,729(3,845)로 바로잡음"
        in notes[1]
    )
    [dobi] = [r for r in view.secured_table.rows if r.label == "도비" and r.total.amount]
    assert dobi.total.text == "1,220 (907)"  # the page prints the right total


def test_execution_rate_compares_like_with_like(shipped, settings) -> None:
    """Executed covers '18–'20 only: '21's secured 312 is not counted as unspent."""
    view = _shipped_view(shipped, settings, "1-4-5")
    dobi = next(r for r in view.secured_table.rows if r.label == "도비" and r.total.amount)
    # 907 executed of 279 + 317 + 312 = 908 secured in '18–'20, not of 1,220.
    assert dobi.rate_text == "99.9%"
    assert dobi.rate is not None and abs(dobi.rate - Decimal(907) / Decimal(908)) < Decimal("1e-20")
    plan_rows = view.plan_table.rows
    assert all(r.rate is None and r.rate_text == "" for r in plan_rows)


# ---------------------------------------------------------------------------
# Made on first use: what the report's totals do not read is made when a writer reads it

MONEY_MADE_LATER = ("rows", "widths", "weights", "table")


def _made(obj: object, names: tuple[str, ...]) -> list[str]:
    return [name for name in names if name in vars(obj)]


PAGES_MADE_LATER = ("contacts", "progress", "problems", "indicator_table", "indicator_year_table")


def test_the_report_makes_no_pages_until_read(records_dir) -> None:
    """The 총괄, the money totals and 재원별 read what they need and make nothing else."""
    records, _warnings = check(records_dir)
    assert records.settings is not None
    report = report_view(records.pledges, H1, records.settings)
    assert report.pledges and report.money_totals is not None
    tables = [t for v in report.pledges for t in (v.plan_table, v.secured_table)]
    assert all(_made(t, MONEY_MADE_LATER) == [] for t in tables)
    assert all(_made(v, PAGES_MADE_LATER) == [] for v in report.pledges)
    table = report.pledges[0].secured_table
    rows = table.rows
    assert _made(table, MONEY_MADE_LATER) == ["rows"]
    assert table.rows is rows  # made once, then kept
    assert table.table is not None and table.table.weights == table.weights
    assert _made(table, MONEY_MADE_LATER) == list(MONEY_MADE_LATER)
    view = report.pledges[0]
    assert view.progress and _made(view, PAGES_MADE_LATER) == ["progress"]


def test_a_pledge_made_later_is_the_same_value(shipped, settings) -> None:
    fresh = _shipped_view(shipped, settings, "1-4-5")
    read = _shipped_view(shipped, settings, "1-4-5")
    assert read.progress and read.problems.recorded and read.contacts  # read; the other not
    assert pickle.loads(pickle.dumps(fresh)) == read == fresh
    assert repr(_shipped_view(shipped, settings, "1-4-5")) == repr(read)
    report = report_view([Pledge.model_validate(shipped("1-4-5"))], H1, settings)
    preview = as_preview(report)
    marked = preview.pledges[0]
    assert _made(marked, PAGES_MADE_LATER) == []  # marked without making its pages
    assert marked.draft_mark == PREVIEW_MARK and report.pledges[0].draft_mark == ""
    assert marked == dataclasses.replace(read, draft_mark=PREVIEW_MARK)
    assert marked.progress == read.progress


def test_a_money_table_made_later_is_the_same_value(shipped, settings) -> None:
    fresh = _shipped_view(shipped, settings, "1-4-5").secured_table
    read = _shipped_view(shipped, settings, "1-4-5").secured_table
    assert read.table is not None  # one read, the other not
    copied = pickle.loads(pickle.dumps(fresh))  # carries what its rows are made from
    assert copied == read == fresh
    assert copy.deepcopy(fresh) == read
    assert repr(fresh) == repr(read)
    # replace() reads every field it is not given: the copy keeps the values made.
    assert dataclasses.replace(read, table=None).table is None
    assert dataclasses.replace(fresh, notes=("※",)).rows == read.rows


def test_a_table_built_without_its_figures_says_so(shipped, settings) -> None:
    read = _shipped_view(shipped, settings, "1-4-5").plan_table

    def built(**given: Any) -> MoneyTable:
        return MoneyTable(
            title=read.title,
            unit=read.unit,
            kind=read.kind,
            column_labels=read.column_labels,
            column_keys=read.column_keys,
            grand_total=read.grand_total,
            non_budget=False,
            recorded=True,
            **given,
        )

    with pytest.raises(TypeError, match="_figures"):
        _ = built().rows
    given = built(rows=read.rows)  # the fields left out are made from the rows given
    assert given.widths == read.widths and given.weights == as_weights(read.widths)
    narrower = built(rows=read.rows, widths=(1.0,) * len(read.widths))
    assert narrower.weights == as_weights(narrower.widths) != read.weights
    assert given.table == read.table


def test_lines_cells_and_rows_built_fast_are_the_constructors_values(shipped, settings) -> None:
    """_lines, _cell and _money_row use bulk.built: every field given, the same values."""
    view = _shipped_view(shipped, settings, "1-4-5")
    made = [
        *(line for row in view.progress for line in row.lines),
        *(line for _heading, lines in view.problems.sections for line in lines),
        *(row for t in view.money_tables for row in t.rows),
        *(cell for t in view.money_tables for row in t.rows for cell in (row.total, *row.cells)),
        *(cell for t in view.money_tables if t.table for row in t.table.rows for cell in row.cells),
    ]
    assert {type(x).__name__ for x in made} >= {"Line", "MoneyRow", "MoneyCell", "TableCell"}
    for value in made:
        again = type(value)(**{f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
        assert vars(value) == vars(again) and value == again and hash(value) == hash(again)


def test_a_pledges_items_are_not_kept_once_its_lines_are(shipped, settings) -> None:
    """The view keeps its printed lines; the as-of items they are made from are let go."""
    view = _shipped_view(shipped, settings, "1-4-5")
    assert view.progress
    asof = vars(view)["_asof"]
    assert not {"cumulative", "previous", "plan"} & set(vars(asof))
    assert asof.plan  # still there for a reader of the as-of (made, and then kept by it)
