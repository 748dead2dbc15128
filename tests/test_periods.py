"""reportgen.records.periods: half-years, the 민선 term, and the labels derived from them (FORM.md §2, §4)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reportgen.errors import PeriodError
from reportgen.records.model import pledge_sort_key
from reportgen.records.periods import (
    AFTER_TERM,
    BEFORE_TERM,
    Period,
    ReportWindows,
    RowLabel,
    Term,
    heading_for,
)

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

P = Period.parse
TERM7 = Term("민선7기", P("2018H2"), P("2022H1"))
TERM8 = Term("민선8기", P("2022H2"), P("2026H1"))

half_years = st.builds(Period, st.integers(1990, 2100), st.sampled_from([1, 2]))
periods = st.builds(Period, st.integers(1990, 2100), st.sampled_from([1, 2, None]))


# ---------------------------------------------------------------------------
# Period


@pytest.mark.parametrize(
    ("text", "year", "half"),
    [("2022H1", 2022, 1), ("2021H2", 2021, 2), ("2019", 2019, None), (" 2020H2 ", 2020, 2)],
)
def test_parse(text: str, year: int, half: int | None) -> None:
    p = P(text)
    assert (p.year, p.half) == (year, half)
    assert p.is_year is (half is None)


@pytest.mark.parametrize(
    "text", ["2022X", "2022H3", "2022H0", "22H1", "2022h1", "2022-1", "", "H1", "2022H1H2", "20221"]
)
def test_parse_rejects_malformed(text: str) -> None:
    with pytest.raises(PeriodError, match="is not a period"):
        P(text)


def test_parse_rejects_non_text() -> None:
    with pytest.raises(PeriodError):
        Period.parse(2022)  # type: ignore[arg-type]


def test_half_year_refuses_a_year() -> None:
    assert Period.half_year("2022H1") == Period(2022, 1)
    with pytest.raises(PeriodError, match="2022H1"):
        Period.half_year("2022")


def test_str_round_trip_examples() -> None:
    assert str(Period(2022, 1)) == "2022H1"
    assert str(Period(2019)) == "2019"


@given(periods)
def test_str_round_trip(p: Period) -> None:
    assert P(str(p)) == p


def test_ordering() -> None:
    assert P("2021H2") < P("2022H1") < P("2022H2")
    assert P("2019H1") < P("2019") and P("2019H2") < P("2019") < P("2020H1")
    assert P("2019") <= P("2019H2").next
    assert sorted(map(P, ["2022H1", "2019", "2018H2", "2019H2", "2019H1"])) == list(
        map(P, ["2018H2", "2019H1", "2019H2", "2019", "2022H1"])
    )
    assert max(P("2021H2"), P("2022H1")) == P("2022H1")


@given(periods, periods, periods)
def test_ordering_is_total_and_transitive(a: Period, b: Period, c: Period) -> None:
    assert (a < b) + (a == b) + (b < a) == 1
    if a <= b and b <= c:
        assert a <= c


def test_year_counts_as_its_second_half() -> None:
    assert P("2019").ordinal == P("2019H2").ordinal
    assert P("2019") != P("2019H2")


def test_shift() -> None:
    assert P("2022H1").shift(-1) == P("2021H2")
    assert P("2022H1").shift(-2) == P("2021H1")
    assert P("2021H2").shift(1) == P("2022H1")
    assert P("2018H2").shift(7) == P("2022H1")
    assert P("2022H1").previous == P("2021H2")
    assert P("2021H2").next == P("2022H1")


@given(half_years, st.integers(-40, 40))
def test_shift_is_invertible(p: Period, n: int) -> None:
    assert p.shift(n).shift(-n) == p
    assert p.shift(n).half in (1, 2)
    assert (p.shift(n) > p) is (n > 0)


def test_in_words() -> None:
    assert P("2022H1").in_words == "2022년 상반기"
    assert P("2021H2").in_words == "2021년 하반기"
    assert P("2019").in_words == "2019년"
    assert P("2022H1").half_name == "상반기"
    assert P("2019").half_name == ""


def test_end_label() -> None:
    assert P("2021H1").end_label == "2021.6."
    assert P("2020H2").end_label == "2020."
    assert P("2020").end_label == "2020."


def test_heading_for() -> None:
    assert heading_for(P("2019")) == "2019년 추진실적"
    assert heading_for(P("2021H1")) == "2021년 상반기 추진실적"


def test_period_is_hashable() -> None:
    assert len({P("2022H1"), Period(2022, 1), P("2022")}) == 2


# ---------------------------------------------------------------------------
# Term


def _labels(term: Term) -> list[tuple[str, str]]:
    return [(c.key, c.label) for c in term.fiscal_columns]


def test_fiscal_columns_minseon7() -> None:
    assert _labels(TERM7) == [
        (BEFORE_TERM, "기투자"),
        ("2018", "'18.7."),
        ("2019", "'19"),
        ("2020", "'20"),
        ("2021", "'21"),
        ("2022", "'22.6."),
        (AFTER_TERM, "임기후"),
    ]


def test_fiscal_columns_minseon8() -> None:
    assert _labels(TERM8) == [
        ("기투자", "기투자"),
        ("2022", "'22.7."),
        ("2023", "'23"),
        ("2024", "'24"),
        ("2025", "'25"),
        ("2026", "'26.6."),
        ("임기후", "임기후"),
    ]


def test_span_label() -> None:
    assert TERM7.span_label == "2018.7. ~ 2022.6."
    assert TERM8.span_label == "2022.7. ~ 2026.6."


def test_report_periods() -> None:
    got = [str(p) for p in TERM7.report_periods]
    assert got == [
        "2018H2",
        "2019H1",
        "2019H2",
        "2020H1",
        "2020H2",
        "2021H1",
        "2021H2",
        "2022H1",
    ]


def test_contains_half_years() -> None:
    assert TERM7.contains(P("2018H2")) and TERM7.contains(P("2022H1"))
    assert not TERM7.contains(P("2018H1"))
    assert not TERM7.contains(P("2022H2"))
    assert TERM8.contains(P("2022H2"))


def test_contains_years() -> None:
    # A calendar year the term covers in full or in its second half counts.
    assert TERM7.contains(P("2018"))
    assert TERM7.contains(P("2020"))
    assert not TERM7.contains(P("2017"))
    assert not TERM7.contains(P("2023"))


def test_contains_rejects_a_year_that_counts_after_the_term() -> None:
    assert not TERM7.contains(P("2022"))


# ---------------------------------------------------------------------------
# ReportWindows: the row labels of □ 추진실적 및 향후 추진계획


def test_windows_2022h1() -> None:
    w = ReportWindows(P("2022H1"), TERM7)
    assert w.has_cumulative and w.has_previous
    assert w.cumulative_label() == RowLabel("그동안 추진실적", "(2018. ~ 2021.6.)")
    assert w.previous_label() == RowLabel("2021년도 하반기 추진실적", "(21. 7.~12. 실적)")
    assert w.plan_label() == RowLabel("2022년도 상반기 추진계획", "(향후 추진 계획)")


def test_windows_2021h2() -> None:
    w = ReportWindows(P("2021H2"), TERM7)
    assert w.cumulative_label().note == "(2018. ~ 2020.)"
    assert w.previous_label() == RowLabel("2021년도 상반기 추진실적", "(21. 1.~6. 실적)")
    assert w.plan_label().title == "2021년도 하반기 추진계획"


def test_windows_2022h2_in_a_term_that_includes_it() -> None:
    term = Term("test", P("2018H2"), P("2022H2"))
    w = ReportWindows(P("2022H2"), term)
    assert w.cumulative_label().note == "(2018. ~ 2021.)"
    assert w.previous_label().title == "2022년도 상반기 추진실적"
    assert w.previous_label().note == "(22. 1.~6. 실적)"
    assert w.plan_label().title == "2022년도 하반기 추진계획"


def test_windows_first_period_of_the_term_has_only_the_plan() -> None:
    w = ReportWindows(P("2018H2"), TERM7)
    assert not w.has_cumulative
    assert not w.has_previous
    assert w.plan_label().title == "2018년도 하반기 추진계획"


def test_windows_second_period_has_previous_but_no_cumulative() -> None:
    w = ReportWindows(P("2019H1"), TERM7)
    assert not w.has_cumulative
    assert w.has_previous
    assert w.previous_label() == RowLabel("2018년도 하반기 추진실적", "(18. 7.~12. 실적)")


def test_windows_third_period_has_all_rows() -> None:
    w = ReportWindows(P("2019H2"), TERM7)
    assert w.has_cumulative and w.has_previous
    assert w.cumulative_label().note == "(2018. 7.~12.)"  # not "(2018. ~ 2018.)"


# Every report of 민선7기 (FORM.md §2): cumulative note, previous row, plan row.
TERM7_LABELS = {
    "2018H2": (None, None, "2018년도 하반기 추진계획"),
    "2019H1": (None, ("2018년도 하반기 추진실적", "(18. 7.~12. 실적)"), "2019년도 상반기 추진계획"),
    "2019H2": (
        "(2018. 7.~12.)",
        ("2019년도 상반기 추진실적", "(19. 1.~6. 실적)"),
        "2019년도 하반기 추진계획",
    ),
    "2020H1": (
        "(2018. ~ 2019.6.)",
        ("2019년도 하반기 추진실적", "(19. 7.~12. 실적)"),
        "2020년도 상반기 추진계획",
    ),
    "2020H2": (
        "(2018. ~ 2019.)",
        ("2020년도 상반기 추진실적", "(20. 1.~6. 실적)"),
        "2020년도 하반기 추진계획",
    ),
    "2021H1": (
        "(2018. ~ 2020.6.)",
        ("2020년도 하반기 추진실적", "(20. 7.~12. 실적)"),
        "2021년도 상반기 추진계획",
    ),
    "2021H2": (
        "(2018. ~ 2020.)",
        ("2021년도 상반기 추진실적", "(21. 1.~6. 실적)"),
        "2021년도 하반기 추진계획",
    ),
    "2022H1": (
        "(2018. ~ 2021.6.)",
        ("2021년도 하반기 추진실적", "(21. 7.~12. 실적)"),
        "2022년도 상반기 추진계획",
    ),
}


def test_every_report_of_the_term_has_the_labels_of_form_md() -> None:
    assert [str(p) for p in TERM7.report_periods] == list(TERM7_LABELS)
    for period, (cumulative, previous, plan) in TERM7_LABELS.items():
        w = ReportWindows(P(period), TERM7)
        assert w.has_cumulative is (cumulative is not None), period
        if cumulative is not None:
            assert w.cumulative_label() == RowLabel("그동안 추진실적", cumulative), period
        assert w.has_previous is (previous is not None), period
        if previous is not None:
            assert w.previous_label() == RowLabel(*previous), period
        assert w.plan_label() == RowLabel(plan, "(향후 추진 계획)"), period


def test_a_term_that_starts_in_january_names_its_first_year_whole() -> None:
    term = Term("보궐", P("2023H1"), P("2026H1"))
    assert ReportWindows(P("2023H2"), term).has_cumulative is False
    assert ReportWindows(P("2024H1"), term).cumulative_label().note == "(2023. 1.~6.)"
    assert ReportWindows(P("2024H2"), term).cumulative_label().note == "(2023.)"
    assert ReportWindows(P("2025H1"), term).cumulative_label().note == "(2023. ~ 2024.6.)"


def test_windows_first_periods_of_minseon8() -> None:
    assert not ReportWindows(P("2022H2"), TERM8).has_previous
    w = ReportWindows(P("2023H1"), TERM8)
    assert w.has_previous and not w.has_cumulative
    assert w.previous_label().title == "2022년도 하반기 추진실적"


def test_windows_which_material_shows_where() -> None:
    w = ReportWindows(P("2022H1"), TERM7)
    assert w.shows_in_cumulative(P("2021H1"))
    assert w.shows_in_cumulative(P("2020"))
    assert not w.shows_in_cumulative(P("2021H2"))
    assert w.shows_in_previous(P("2021H2"))
    assert not w.shows_in_previous(P("2021H1"))
    assert not w.shows_in_previous(P("2022H1"))
    assert not w.shows_in_cumulative(P("2022H1"))


@given(st.sampled_from(TERM7.report_periods), periods)
def test_windows_never_show_the_future(period: Period, recorded: Period) -> None:
    w = ReportWindows(period, TERM7)
    if recorded.ordinal >= period.ordinal:
        assert not w.shows_in_cumulative(recorded)
        assert not w.shows_in_previous(recorded)
    assert not (w.shows_in_cumulative(recorded) and w.shows_in_previous(recorded))


# ---------------------------------------------------------------------------
# 공약번호 order


def test_pledge_sort_key_is_numeric() -> None:
    ids = ["1-4-10", "1-4-9", "2-1-1", "1-10-1", "1-4-5", "1-4-3"]
    assert sorted(ids, key=pledge_sort_key) == [
        "1-4-3",
        "1-4-5",
        "1-4-9",
        "1-4-10",
        "1-10-1",
        "2-1-1",
    ]
    assert pledge_sort_key("1-4-10") > pledge_sort_key("1-4-9")


def test_pledge_sort_key_of_a_bad_id_sorts_last() -> None:
    assert pledge_sort_key("x") > pledge_sort_key("99-99-99")


def test_a_term_from_april_labels_its_cover_columns_and_rows() -> None:
    """A by-election term from April 2021 to June 2022 (issue 24): "2021.4.", never "2021.1."."""
    from reportgen.records.model import TermRecord
    from reportgen.records.periods import ReportWindows

    term = TermRecord(name="보궐", start="2021-04", end="2022-06").to_term()
    assert (term.start, term.end) == (Period(2021, 1), Period(2022, 1))
    assert term.span_label == "2021.4. ~ 2022.6."
    assert [c.label for c in term.fiscal_columns] == ["기투자", "'21.4.", "'22.6.", "임기후"]
    first = ReportWindows(Period(2021, 1), term, "report-half")
    assert first.previous_label().note == "(21. 4.~6. 실적)" and not first.has_cumulative
    second = ReportWindows(Period(2021, 2), term, "report-half")
    assert second.cumulative_label().note == "(2021. 4.~6.)"
    assert second.previous_label().note == "(21. 7.~12. 실적)"
    third = ReportWindows(Period(2022, 1), term, "report-half")
    assert third.cumulative_label().note == "(2021. 4.~12.)"
    # A term that ends in another month says so too; half-years keep Goyang's labels.
    autumn = TermRecord(name="보궐", start="2022H2", end="2026-03").to_term()
    assert autumn.span_label == "2022.7. ~ 2026.3." and autumn.fiscal_columns[-2].label == "'26.3."
    goyang = TermRecord(name="민선7기", start="2018H2", end="2022H1").to_term()
    assert goyang.span_label == "2018.7. ~ 2022.6."


@pytest.mark.parametrize(
    ("start", "end"), [("2021-13", "2022H1"), ("2022-06", "2022-04"), ("2021-4", "2022H1")]
)
def test_a_term_month_must_be_a_month_in_order(start: str, end: str) -> None:
    from pydantic import ValidationError

    from reportgen.records.model import TermRecord

    with pytest.raises(ValidationError):
        TermRecord(name="보궐", start=start, end=end)


def test_the_cut_off_is_the_last_day_of_the_half_shown() -> None:
    from reportgen.records.model import TermRecord
    from reportgen.records.periods import ReportWindows

    term = TermRecord(name="민선8기", start="2022H2", end="2026H1").to_term()
    own = ReportWindows(Period(2024, 1), term, "report-half")
    assert own.as_of_label("date") == "2024. 6. 30. 기준"
    assert own.as_of_label("month") == "6월말 기준"
    assert own.as_of_label(None) == ""
    # Goyang's form shows the half before the report's: its cut-off is that half's end.
    before = ReportWindows(Period(2024, 1), term, "previous-half")
    assert before.as_of_label("date") == "2023. 12. 31. 기준"
    short = TermRecord(name="보궐", start="2021-04", end="2022-05").to_term()
    assert ReportWindows(Period(2022, 1), short, "report-half").as_of_label("date") == (
        "2022. 5. 31. 기준"
    )
