"""reportgen.records.asof: the report of period P reads only what was recorded for periods up to P."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from reportgen.records.asof import DatedItem, pledge_as_of
from reportgen.records.model import Pledge, ReportSettings
from reportgen.records.periods import Period, Term
from reportgen.report.view import PledgeView, pledge_view
from reportgen.workspace.output import pledge_file_stem

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

P = Period.parse
TERM = Term("민선7기", P("2018H2"), P("2022H1"))
KORAIL = "코레일테크 업무협력협약(21.8.4.)"


def _texts(view: PledgeView) -> Iterator[str]:
    """Every string a writer could print for one pledge."""

    def walk(value: Any) -> Iterator[str]:
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            for v in value.values():
                yield from walk(v)
        elif isinstance(value, (list, tuple)):
            for v in value:
                yield from walk(v)

    yield from walk(asdict(view))


def _row_texts(view: PledgeView, title_part: str) -> list[str]:
    [row] = [r for r in view.progress if title_part in r.title]
    return [line.text for line in row.lines]


def _dated_texts(items: tuple[DatedItem, ...]) -> list[str]:
    out: list[str] = []
    for item in items:
        out.append(item.text)
        out.extend(_dated_texts(item.children))
    return out


# ---------------------------------------------------------------------------
# The shipped records


def test_later_achievement_is_absent_from_an_earlier_report(shipped, settings: ReportSettings):
    pledge = Pledge.model_validate(shipped("1-4-3"))
    view = pledge_view(pledge, P("2021H2"), settings)
    assert not any(KORAIL in text for text in _texts(view))


def test_it_appears_in_the_next_reports_previous_row(shipped, settings: ReportSettings):
    pledge = Pledge.model_validate(shipped("1-4-3"))
    view = pledge_view(pledge, P("2022H1"), settings)
    assert KORAIL in _row_texts(view, "2021년도 하반기 추진실적")
    assert KORAIL not in _row_texts(view, "그동안 추진실적")
    assert KORAIL not in _row_texts(view, "추진계획")


def test_cumulative_headings_of_1_4_5_for_2021h2(shipped, settings: ReportSettings):
    pledge = Pledge.model_validate(shipped("1-4-5"))
    view = pledge_view(pledge, P("2021H2"), settings)
    [row] = [r for r in view.progress if r.title == "그동안 추진실적"]
    assert row.note == "(2018. ~ 2020.)"
    headings = [line.text for line in row.lines if line.symbol == "□"]
    assert headings == ["2018년 추진실적", "2019년 추진실적", "2020년 추진실적"]
    assert not any("2021" in h for h in headings)
    # 2021H1's material is the previous row of 2021H2, not the cumulative one
    assert "청년캣취업사관학교 1,2기 수료" in _row_texts(view, "2021년도 상반기 추진실적")
    assert "청년캣취업사관학교 1,2기 수료" not in _row_texts(view, "그동안 추진실적")


def test_cumulative_headings_of_1_4_5_for_2022h1(shipped, settings: ReportSettings):
    view = pledge_view(Pledge.model_validate(shipped("1-4-5")), P("2022H1"), settings)
    headings = [line.text for line in view.progress[0].lines if line.symbol == "□"]
    assert headings == [
        "2018년 추진실적",
        "2019년 추진실적",
        "2020년 추진실적",
        "2021년 상반기 추진실적",
    ]


def test_2021h2_of_the_shipped_records_has_no_plan_and_no_stamp(shipped, settings):
    # Everything under reports is recorded for 2022H1: nothing carries backwards.
    view = pledge_view(Pledge.model_validate(shipped("1-4-5")), P("2021H2"), settings)
    assert view.status == ""
    assert view.contacts == ()
    assert view.participation is None
    assert view.plan_table.recorded is False
    assert view.problems.recorded is False
    assert view.progress[-1].lines[0].placeholder


def test_items_dated_later_than_their_group(shipped):
    # 1-4-3 2018H2 group: (2019. 3.) 간담회 is 2019H1, 쿠팡 (2차)(3차) are 2019H2.
    pledge = Pledge.model_validate(shipped("1-4-3"))
    a = pledge_as_of(pledge, P("2019H2"), TERM)
    cumulative = [t for _, items in a.cumulative for t in _dated_texts(items)]
    previous = _dated_texts(a.previous)
    assert (
        "(2018. 11.) 대규모 채용 시 고양시민 우선고용을 주요내용으로 한 업무협약 체결" in cumulative
    )
    assert "(2019. 3.) 일자리박람회 개최 관련 간담회 실시" not in cumulative
    assert "(2019. 3.) 일자리박람회 개최 관련 간담회 실시" in previous
    assert "(2019. 6.) 쿠팡채용박람회(1차) 개최" in previous
    assert "(2019. 7.) 쿠팡채용박람회(2차) 개최" not in previous + cumulative
    # the ancestors stay as context above a later item
    assert "대형기업 간 업무협력방안 마련" in previous
    assert "쿠팡풀필먼트유한회사(쿠팡고양FC)" in previous
    # and an unrelated earlier sibling does not
    assert "고용할당제 참여대상 확대" not in previous


def test_dated_item_period_is_kept(shipped):
    a = pledge_as_of(Pledge.model_validate(shipped("1-4-3")), P("2022H1"), TERM)
    [(first, items), *_] = a.cumulative
    assert first == P("2018H2")
    group = items[2]
    assert group.text == "대형기업 간 업무협력방안 마련"
    assert [c.period for c in group.children[1].children] == [P("2019H1"), P("2019H2"), P("2019H2")]


# ---------------------------------------------------------------------------
# Carrying forward


def _with_report(raw: dict[str, Any], period: str, **sections: Any) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    raw.setdefault("reports", {}).setdefault(period, {}).update(sections)
    return raw


def test_status_carries_forward_until_revised(make_pledge, settings):
    raw = make_pledge()
    raw["reports"] = {"2021H2": {"status": "정상추진"}, "2022H1": {}}
    pledge = Pledge.model_validate(raw)
    a = pledge_as_of(pledge, P("2022H1"), TERM)
    assert a.status is not None
    assert (a.status.value, a.status.recorded) == ("정상추진", P("2021H2"))
    assert pledge_view(pledge, P("2022H1"), settings).status == "정상추진"

    revised = Pledge.model_validate(_with_report(raw, "2022H1", status="이행후계속추진"))
    assert pledge_view(revised, P("2022H1"), settings).status == "이행후계속추진"
    assert pledge_view(revised, P("2021H2"), settings).status == "정상추진"


def test_each_section_carries_forward_on_its_own(make_pledge):
    raw = make_pledge()
    contacts_2021 = raw["reports"]["2022H1"]["contacts"]
    raw["reports"] = {
        "2021H1": {"contacts": contacts_2021, "status": "정상추진"},
        "2021H2": {"status": "일부추진"},
    }
    pledge = Pledge.model_validate(raw)
    a = pledge_as_of(pledge, P("2022H1"), TERM)
    assert a.status is not None and a.status.recorded == P("2021H2")
    assert a.contacts is not None and a.contacts.recorded == P("2021H1")
    assert a.budget is None and a.problems is None and a.participation is None


def test_nothing_carries_backwards(make_pledge):
    pledge = Pledge.model_validate(make_pledge())
    a = pledge_as_of(pledge, P("2021H2"), TERM)
    assert (a.status, a.contacts, a.participation, a.problems, a.budget) == (None,) * 5
    assert a.plan == ()


def test_plan_is_only_the_reports_own_period(make_pledge):
    raw = make_pledge()
    raw["plans"].append({"period": "2021H2", "entries": [{"text": "지난 계획"}]})
    pledge = Pledge.model_validate(raw)
    assert _dated_texts(pledge_as_of(pledge, P("2022H1"), TERM).plan) == ["상반기 계획"]
    assert _dated_texts(pledge_as_of(pledge, P("2021H2"), TERM).plan) == ["지난 계획"]


def test_draft_sources_are_named(make_pledge):
    raw = make_pledge()
    raw["plans"][0]["draft"] = True
    raw["achievements"][2]["draft"] = True
    raw["reports"]["2022H1"]["draft"] = True
    a = pledge_as_of(Pledge.model_validate(raw), P("2022H1"), TERM)
    assert "plans[0] (2022H1)" in a.draft_sources
    assert "achievements[2] (2021H2)" in a.draft_sources
    assert "reports.2022H1.status" in a.draft_sources
    # a draft that feeds nothing in an earlier report is not named there
    earlier = pledge_as_of(Pledge.model_validate(raw), P("2021H1"), TERM)
    assert earlier.draft_sources == ()


# ---------------------------------------------------------------------------
# Adding later data never changes an earlier report


def _add_later(raw: dict[str, Any], later: str) -> dict[str, Any]:
    raw = copy.deepcopy(raw)
    raw["achievements"].append({"period": later, "entries": [{"text": f"{later} 새 실적"}]})
    # a later item under an old group, too
    raw["achievements"][0]["entries"].append({"text": f"{later} 추가", "period": later})
    raw["plans"].append({"period": later, "entries": [{"text": f"{later} 계획"}]})
    raw["reports"][later] = {
        "status": "완료",
        "contacts": {
            "manager": {"name": "새과장", "phone": "1"},
            "team_leader": {"name": "새팀장", "phone": "2"},
            "officer": {"name": "새주무", "phone": "3"},
        },
        "participation": {"other": 9},
        "problems": {"general": [{"text": f"{later} 문제"}]},
        "budget": {"plan": [{"name": "새 사업", "sources": {"국비": {"2022": 1}}}]},
    }
    return raw


@pytest.mark.parametrize("pledge_id", ["1-4-5", "1-4-3"])
def test_a_later_report_does_not_change_2021h2(shipped, settings, pledge_id):
    raw = shipped(pledge_id)
    before = pledge_view(Pledge.model_validate(raw), P("2021H2"), settings)
    after_raw = copy.deepcopy(raw)
    after_raw["reports"]["2022H1"]["status"] = "완료"
    after = pledge_view(Pledge.model_validate(after_raw), P("2021H2"), settings)
    assert after == before
    assert pledge_view(Pledge.model_validate(after_raw), P("2022H1"), settings).status == "완료"


@pytest.mark.parametrize("pledge_id", ["1-4-5", "1-4-3"])
def test_adding_2022h1_material_leaves_2021h2_alone(shipped, settings, pledge_id):
    raw = shipped(pledge_id)
    raw["reports"]["2021H2"] = {"status": "정상추진"}
    before = pledge_view(Pledge.model_validate(raw), P("2021H2"), settings)
    later = _add_later(raw, "2022H1")
    after = pledge_view(Pledge.model_validate(later), P("2021H2"), settings)
    assert after == before
    assert not any("2022H1" in t or "새과장" in t for t in _texts(after))


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    report=st.sampled_from(TERM.report_periods[:-1]),
    steps=st.integers(1, 7),
    pledge_id=st.sampled_from(["1-4-5", "1-4-3"]),
)
def test_later_data_never_changes_an_earlier_report(shipped, report, steps, pledge_id):
    cfg = ReportSettings.model_validate(
        {"city": "고양시", "term": {"name": "민선7기", "start": "2018H2", "end": "2022H1"}}
    )
    later = report.shift(steps)
    if later > TERM.end:
        later = TERM.end
    if later <= report:
        return
    raw = shipped(pledge_id)
    raw["reports"] = {str(k): v for k, v in raw["reports"].items() if P(k) <= report}
    before = pledge_view(Pledge.model_validate(raw), report, cfg)
    after = pledge_view(Pledge.model_validate(_add_later(raw, str(later))), report, cfg)
    assert after == before


def test_a_rename_never_leaks_into_an_earlier_report(shipped, settings) -> None:
    """reports.2022H1.title / department: the 2022H1 report shows them, 2021H2 the old ones."""
    raw = shipped("1-4-5")
    old_title, old_dept = raw["title"], raw["department"]
    raw["reports"]["2022H1"]["title"] = "청년·여성·어르신 일자리 통합지원 추진"
    raw["reports"]["2022H1"]["department"] = "일자리경제과"
    pledge = Pledge.model_validate(raw)
    new = pledge_view(pledge, P("2022H1"), settings)
    old = pledge_view(pledge, P("2021H2"), settings)
    assert (new.title, new.department) == ("청년·여성·어르신 일자리 통합지원 추진", "일자리경제과")
    assert (old.title, old.department) == (old_title, old_dept)
    # The pledge's file is named after the report's own title too.
    assert pledge_file_stem(new.id, new.title).endswith("통합지원 추진")


@pytest.mark.parametrize("cutoff", ["previous-half", "report-half"])
def test_coverage_agrees_with_the_as_of_rule(cutoff: str) -> None:
    """validate's quick pledge_coverage must answer as pledge_as_of does, for every period."""
    import json
    from pathlib import Path

    from reportgen.records.asof import pledge_as_of, pledge_coverage
    from reportgen.records.model import Pledge
    from reportgen.records.periods import Period, ReportWindows, Term

    root = Path(__file__).resolve().parent.parent / "records"
    term = Term("민선7기", Period(2018, 2), Period(2022, 1))
    for name in ("1-4-3.json", "1-4-5.json"):
        pledge = Pledge.model_validate(json.loads((root / name).read_text(encoding="utf-8")))
        for period in term.report_periods:
            asof = pledge_as_of(pledge, period, term, cutoff)
            cover = pledge_coverage(pledge, ReportWindows(period, term, cutoff))
            assert cover.has_cumulative == bool(asof.cumulative), (name, period)
            assert cover.has_previous == bool(asof.previous), (name, period)
            assert cover.has_plan == bool(asof.plan), (name, period)
            for section, carried in cover.carried.items():
                assert carried == getattr(asof, section), (name, period, section)
            assert cover.adjustments == asof.adjustments
            assert cover.draft_sources == asof.draft_sources


@pytest.mark.parametrize("cutoff", ["previous-half", "report-half"])
def test_rows_are_made_when_read_and_drafts_known_before(cutoff: str, shipped) -> None:
    """The rows' items wait for a reader; the drafts feeding them are named without them."""
    from reportgen.records.asof import (
        NAMES,
        SECTIONS,
        _bounds,
        _carried_drafts,
        _dated,
        _filter,
    )
    from reportgen.records.periods import ReportWindows

    raw = shipped("1-4-5")
    for i, group in enumerate(raw["achievements"]):
        group["draft"] = i % 3 == 1
    for group in raw["plans"]:
        group["draft"] = True
    pledge = Pledge.model_validate(raw)
    named = 0
    for period in TERM.report_periods:
        asof = pledge_as_of(pledge, period, TERM, cutoff)
        assert not {"cumulative", "previous", "plan"} & set(vars(asof))
        walked = _dated(pledge, _bounds(ReportWindows(period, TERM, cutoff)), _filter)
        carried = {name: getattr(asof, name) for name in (*NAMES, *SECTIONS)}
        assert asof.draft_sources == (*walked.drafts, *_carried_drafts(carried))
        named += len(walked.drafts)
        plan = asof.plan
        assert {"cumulative", "previous", "plan"} <= set(vars(asof))  # one walk makes the three
        assert plan is asof.plan
        assert asof == pledge_as_of(pledge, period, TERM, cutoff)
    assert named  # the draft groups fed some report


def test_dated_items_built_fast_are_the_constructors_values(shipped) -> None:
    import dataclasses

    asof = pledge_as_of(Pledge.model_validate(shipped("1-4-5")), P("2022H1"), TERM)
    items = [i for _p, group in asof.cumulative for i in group] + [*asof.previous, *asof.plan]
    assert items
    while items:
        item = items.pop()
        again = DatedItem(**{f.name: getattr(item, f.name) for f in dataclasses.fields(item)})
        assert vars(item) == vars(again) and item == again and hash(item) == hash(again)
        items.extend(item.children)


@pytest.mark.parametrize("cutoff", ["previous-half", "report-half"])
def test_progress_lines_made_in_one_walk_are_those_of_the_as_ofs_items(cutoff: str) -> None:
    """The view prints the rows' lines straight from the record's items (rows_kept):
    the same lines as from the as-of's DatedItems, for every period of every example."""
    import json
    from pathlib import Path

    from reportgen.records.asof import rows_of, year_in_previous
    from reportgen.records.load import load_records
    from reportgen.report.view import _progress

    root = Path(__file__).resolve().parent.parent
    years = {True: 0, False: 0}
    for directory in (root / "records", *sorted((root / "examples").glob("*/"))):
        if not (directory / "report.json").is_file():
            continue
        records = load_records(directory)
        assert records.settings
        term = records.settings.term.to_term()
        for pledge in records.pledges:
            for period in term.report_periods:
                walked = pledge_as_of(pledge, period, term, cutoff)
                read = pledge_as_of(pledge, period, term, cutoff)
                items = (read.cumulative, read.previous, read.plan)  # made: read from them
                assert items == rows_of(walked)
                if walked.windows.has_previous:
                    year = any(i.period.is_year for i in items[1])
                    assert year_in_previous(walked) == year
                    years[year] += 1
                for withdrawn in (False, True):
                    one_walk = _progress(walked, withdrawn)
                    assert one_walk == _progress(read, withdrawn), (pledge.id, period)
                    assert json.dumps([[vars(x) for x in r.lines] for r in one_walk]) == json.dumps(
                        [[vars(x) for x in r.lines] for r in _progress(read, withdrawn)]
                    )
                assert not {"cumulative", "previous", "plan"} & set(vars(walked))
    assert years[True] and years[False]  # both ways of the previous half's row were taken
