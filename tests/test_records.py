"""The shipped records against FORM.md: they validate, and their figures are the seed's."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from reportgen.records.budget import BudgetRow, BudgetTable, plan_table, secured_table
from reportgen.records.load import RecordSet, load_records
from reportgen.records.model import Budget, Pledge
from reportgen.records.periods import Period
from reportgen.records.validate import check
from reportgen.report.view import pledge_view

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

H1_2022 = Period(2022, 1)
CENTRE = "「고양시통합일자리센터」 운영 및 계층별 일자리사업 추진"


@pytest.fixture(scope="module")
def records() -> RecordSet:
    return load_records(Path(__file__).resolve().parents[1] / "records")


def _pledge(records: RecordSet, pledge_id: str) -> Pledge:
    [pledge] = [p for p in records.pledges if p.id == pledge_id]
    return pledge


def _budget(records: RecordSet) -> Budget:
    budget = _pledge(records, "1-4-5").reports[H1_2022].budget
    assert budget is not None
    return budget


def _plan(records: RecordSet) -> BudgetTable:
    assert records.settings is not None
    return plan_table(_budget(records), records.settings.term.to_term().fiscal_columns)


def _secured(records: RecordSet) -> BudgetTable:
    assert records.settings is not None
    return secured_table(_budget(records), records.settings.term.to_term().fiscal_columns)


def _row(table: BudgetTable, block: str, label: str) -> BudgetRow:
    [found] = [b for b in table.blocks if b.name == block]
    [row] = [r for r in found.rows if r.label == label]
    return row


def _column(table: BudgetTable, key: str) -> int:
    return [c.key for c in table.columns].index(key)


# ---------------------------------------------------------------------------
# They validate


def test_shipped_records_validate(records_dir: Path, cli) -> None:
    result = cli.accepted(records_dir)
    assert "2 pledge(s) sound" in result.output
    assert "error" not in result.output.lower()


def test_shipped_records_have_no_errors(records: RecordSet) -> None:
    assert records.errors == []
    assert [p.id for p in records.pledges] == ["1-4-3", "1-4-5"]


def test_shipped_records_validate_for_every_period_of_the_term(records_dir: Path) -> None:
    for period in (Period(2018, 2), Period(2020, 1), Period(2021, 2), H1_2022):
        _, warnings = check(records_dir, period)
        assert all(w.severity.value == "warning" for w in warnings)


def test_printed_total_drift_is_surfaced(records_dir: Path) -> None:
    _, warnings = check(records_dir)
    drift = {w.path: w.message for w in warnings if "legacy figures drift" in w.message}
    base = "$.reports.2022H1.budget.secured[2].printed_totals"
    assert set(drift) == {f"{base}.도비", f"{base}.시비"}
    assert "printed 계 908 (595)" in drift[f"{base}.도비"]
    assert "add up to 1,220 (907)" in drift[f"{base}.도비"]
    assert "printed 계 4,335 (2,590)" in drift[f"{base}.시비"]
    assert "add up to 5,729 (3,845)" in drift[f"{base}.시비"]
    assert all(w.file == "1-4-5.json" for w in warnings if "drift" in w.message)


def test_only_expected_warnings(records_dir: Path) -> None:
    _, warnings = check(records_dir)
    assert [(w.file, w.path) for w in warnings] == [
        ("1-4-3.json", "$ (report 2022H1)"),  # no status stamp on the seed page
        # 2019 and 2020 are recorded by half where their items give months (CORRECTIONS.md);
        # 2018 stays a year: its first half is before the term, nothing to split it into.
        ("1-4-5.json", "$.reports.2022H1.budget.secured[2].printed_totals.도비"),
        ("1-4-5.json", "$.reports.2022H1.budget.secured[2].printed_totals.시비"),
    ]
    assert "status (추진상황)" in warnings[0].message


# ---------------------------------------------------------------------------
# 1-4-5 figures against FORM.md §4-5


def test_planned_grand_total(records: RecordSet) -> None:
    plan = _plan(records)
    assert plan.grand_total.total.amount == Decimal(8291)
    # 8,291 = 20 + 22 + 1,578 + 6,671
    parts = [
        _row(plan, "민선7기 일자리종합계획 수립", "시비"),
        _row(plan, "통합일자리정보 시스템 구축", "시비"),
        _row(plan, CENTRE, "도비"),
        _row(plan, CENTRE, "시비"),
    ]
    assert [r.total.amount for r in parts] == [20, 22, 1578, 6671]
    assert sum(r.total.amount for r in parts) == 8291


def test_planned_columns(records: RecordSet) -> None:
    plan = _plan(records)
    cells = {c.key: plan.grand_total.cells[i].amount for i, c in enumerate(plan.columns)}
    assert cells == {
        "기투자": 0,
        "2018": 1109,
        "2019": 1735,
        "2020": 1729,
        "2021": 1814,
        "2022": 1904,
        "임기후": 0,
    }
    i19 = _column(plan, "2019")
    assert _row(plan, CENTRE, "도비").cells[i19].amount == 317
    assert _row(plan, CENTRE, "시비").cells[i19].amount == 1418
    assert cells["2019"] == 317 + 1418
    assert cells["2018"] == 20 + 22 + 279 + 788


def test_planned_source_rows(records: RecordSet) -> None:
    plan = _plan(records)
    dobi = _row(plan, CENTRE, "도비")
    sibi = _row(plan, CENTRE, "시비")
    assert [c.amount for c in dobi.cells] == [None, 279, 317, 312, 327, 343, None]
    assert [c.amount for c in sibi.cells] == [None, 788, 1418, 1417, 1487, 1561, None]
    assert dobi.total.amount == 1578
    assert sibi.total.amount == 6671
    assert _row(plan, CENTRE, "소계").total.amount == 1578 + 6671


def test_printed_plan_totals_agree_with_the_figures(records: RecordSet) -> None:
    budget = _budget(records)
    plan = _plan(records)
    for sub in budget.plan:
        for source, printed in sub.printed_totals.items():
            assert _row(plan, sub.name, source).total.amount == printed
    for key, printed in budget.printed_grand_total.items():
        got = plan.grand_total.total if key == "계" else plan.grand_total.cells[_column(plan, key)]
        assert got.amount == printed, key


def test_secured_figures(records: RecordSet) -> None:
    secured = _secured(records)
    dobi = _row(secured, CENTRE, "도비")
    assert (dobi.cells[1].amount, dobi.cells[1].executed) == (279, 278)
    assert (dobi.total.amount, dobi.total.executed) == (1220, 907)
    sibi = _row(secured, CENTRE, "시비")
    assert (sibi.total.amount, sibi.total.executed) == (5729, 3845)
    system = _row(secured, "통합일자리정보 시스템 구축", "시비")
    assert (system.total.amount, system.total.executed) == (12, 10)
    # the '21 column is secured but not yet executed: no bracket
    i21 = _column(secured, "2021")
    assert (dobi.cells[i21].amount, dobi.cells[i21].executed) == (312, None)


# ---------------------------------------------------------------------------
# Header block: kinds, statuses, contacts


def test_1_4_3_is_non_budget(records: RecordSet, settings) -> None:
    pledge = _pledge(records, "1-4-3")
    assert pledge.non_budget is True
    assert all(r.budget is None for r in pledge.reports.values())
    assert all(r.participation is None for r in pledge.reports.values())
    view = pledge_view(pledge, H1_2022, settings)
    assert view.non_budget and view.plan_table.non_budget and view.participation is None


def test_1_4_5_is_budgeted_with_participation(records: RecordSet) -> None:
    pledge = _pledge(records, "1-4-5")
    assert pledge.non_budget is False
    report = pledge.reports[H1_2022]
    assert report.participation is not None and report.participation["media"] == 42
    assert [s.name for s in _budget(records).plan] == [
        "민선7기 일자리종합계획 수립",
        "통합일자리정보 시스템 구축",
        CENTRE,
    ]


def test_statuses(records: RecordSet) -> None:
    assert _pledge(records, "1-4-5").reports[H1_2022].status == "이행후계속추진"
    assert _pledge(records, "1-4-3").reports[H1_2022].status is None


@pytest.mark.parametrize(
    ("pledge_id", "expected"),
    [
        ("1-4-5", [("박광영", "8075-3700"), ("김혜실", "8075-3661"), ("서체여", "8075-3664")]),
        ("1-4-3", [("박광영", "8075-3700"), ("이해승", "8075-3701"), ("공지아", "8075-3702")]),
    ],
)
def test_contacts(records: RecordSet, pledge_id: str, expected: list[tuple[str, str]]) -> None:
    pledge = _pledge(records, pledge_id)
    assert pledge.department == "일자리정책과"
    contacts = pledge.reports[H1_2022].contacts
    assert contacts is not None
    people = [contacts["manager"], contacts["team_leader"], contacts["officer"]]
    assert [(p.name, p.phone) for p in people] == expected


def test_titles(records: RecordSet) -> None:
    assert _pledge(records, "1-4-5").title == "청년·여성·어르신 일자리 종합컨트롤타워 추진"
    assert _pledge(records, "1-4-3").title == "고양시 고용할당제 도입"


def test_problem_shapes(records: RecordSet) -> None:
    pm5 = _pledge(records, "1-4-5").reports[H1_2022].problems
    pm3 = _pledge(records, "1-4-3").reports[H1_2022].problems
    assert pm5 is not None and pm3 is not None
    assert (len(pm5.problems), len(pm5.measures), len(pm5.general)) == (4, 6, 0)
    assert (len(pm3.problems), len(pm3.measures), len(pm3.general)) == (0, 0, 4)


def test_year_groups_of_1_4_5(records: RecordSet) -> None:
    pledge = _pledge(records, "1-4-5")
    assert pledge.year_headings is True
    assert [str(g.period) for g in pledge.achievements] == [
        "2018",  # its first half is before the term: a year, as printed
        "2019H1",  # its items of July–December carry 2019H2 (CORRECTIONS.md §3)
        "2020H1",  # its September 박람회 carries 2020H2
        "2021H1",
        "2021H2",
    ]
    assert [str(g.period) for g in pledge.plans] == ["2022H1"]


def test_no_typed_symbols_or_ocr_damage_left(records: RecordSet) -> None:
    def texts(items):
        for item in items:
            yield item.text
            yield from texts(item.children)

    for pledge in records.pledges:
        for group in pledge.achievements + pledge.plans:
            for text in texts(group.entries):
                assert text[0] not in "□○-·※", text
                for damage in (
                    "알자리",
                    "알자라",
                    "일지리",
                    "성년캣",
                    "세무화계",
                    "플필먼트",
                    "이앵우",
                ):
                    assert damage not in text


def _rows(records: RecordSet, period: str) -> dict[str, list[str]]:
    from reportgen.report.view import pledge_view

    assert records.settings is not None
    pledge = next(p for p in records.pledges if p.id == "1-4-5")
    view = pledge_view(pledge, Period.parse(period), records.settings)
    return {
        row.title: [f"{line.symbol} {line.text}" for line in row.lines] for row in view.progress
    }


def test_old_years_by_half_put_each_event_in_its_own_half(records: RecordSet) -> None:
    """1-4-5's 2019 and 2020 by half (issue 24): the 2020H1 report's 2019H2 row holds
    October's 채용설명회, not May's 5.16. JOB콘서트, which its cumulative row holds."""
    rows = _rows(records, "2020H1")
    second = "\n".join(rows["2019년도 하반기 추진실적"])
    assert "5.16." not in second and "3.27" not in second
    assert "(10월4일)" in second and "(12월3일)" in second and "9월27일" in second
    so_far = rows["그동안 추진실적"]
    assert "□ 2019년 상반기 추진실적" in so_far and "□ 2019년 추진실적" not in so_far
    assert any("5.16." in line for line in so_far) and not any("10월4일" in x for x in so_far)
    # 2020's 박람회 of September is 2020H2's; the rest of 2020 is its first half's.
    assert any("9.21.~25." in x for x in _rows(records, "2021H1")["2020년도 하반기 추진실적"])
    assert not any("9.21." in x for x in _rows(records, "2020H2")["2020년도 상반기 추진실적"])


def test_a_finished_year_prints_as_one_group_as_the_seed_page_does(records: RecordSet) -> None:
    """The 2022H1 page: □ 2018년, □ 2019년 (its halves together, in the page's order),
    □ 2020년, □ 2021년 상반기 — the headings of the seed page."""
    so_far = _rows(records, "2022H1")["그동안 추진실적"]
    headings = [line for line in so_far if line.startswith("□")]
    assert headings == [
        "□ 2018년 추진실적",
        "□ 2019년 추진실적",
        "□ 2020년 추진실적",
        "□ 2021년 상반기 추진실적",
    ]
    year = so_far[so_far.index("□ 2019년 추진실적") : so_far.index("□ 2020년 추진실적")]
    texts = [line.split(" ", 1)[1] for line in year]
    assert (
        texts.index("청년일자리박람회(청년드림 JOB콘서트) : 5.16. 킨텍스 70개사 현장면접 59명취업")
        < (texts.index("장애인 일자리박람회(9월27일/일산동구청)"))
        < texts.index("전계층 통합일자리박람회(6회/ 1,2,4,6,10,11월)")
    )
