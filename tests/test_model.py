"""reportgen.records.model: the typed records (field rules the schema states, defaults, round trips)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from reportgen.records.model import (
    DEFAULT_STATUSES,
    FUNDING_SOURCES,
    MAX_ITEM_CHARS,
    Budget,
    Item,
    Participation,
    Pledge,
    ProblemsAndMeasures,
    ReportSettings,
    SecuredAmount,
    TermRecord,
    pledge_sort_key,
)
from reportgen.records.periods import Period

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages


def _errors(model: type, raw: Any) -> list[dict[str, Any]]:
    with pytest.raises(ValidationError) as info:
        model.model_validate(raw)
    return info.value.errors()


def test_minimal_pledge_is_valid(make_pledge) -> None:
    pledge = Pledge.model_validate(make_pledge())
    assert pledge.id == "1-1-1"
    assert pledge.reports[Period(2022, 1)].status == "정상추진"
    assert pledge.sort_key == pledge_sort_key("1-1-1") < pledge_sort_key("1-1-10")


@pytest.mark.parametrize("pledge_id", ["1-4-5", "1-4-3"])
def test_shipped_pledges_round_trip(shipped, pledge_id: str) -> None:
    raw = shipped(pledge_id)
    pledge = Pledge.model_validate(raw)
    dumped = pledge.model_dump(by_alias=True, mode="json", exclude_defaults=True)
    assert Pledge.model_validate(dumped) == pledge
    assert json.loads(json.dumps(dumped)) == dumped


def test_records_are_frozen(make_pledge) -> None:
    pledge = Pledge.model_validate(make_pledge())
    with pytest.raises(ValidationError):
        pledge.title = "other"  # type: ignore[misc]


# ---------------------------------------------------------------------------
# Amounts (백만원)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1578, Decimal(1578)),
        (Decimal("12.5"), Decimal("12.5")),
        (0, Decimal(0)),
        (2.5, Decimal("2.5")),
    ],
)
def test_amount_accepts_numbers(value: Any, expected: Decimal) -> None:
    sub = SecuredAmount.model_validate({"secured": value})
    assert sub.secured == expected
    assert isinstance(sub.secured, Decimal)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("abc", "an amount is a number"),
        ("20", "an amount is a number"),
        (True, "an amount is a number"),
        (None, "an amount is a number"),
        ([1], "an amount is a number"),
        (-5, "cannot be negative"),
        (Decimal("-0.5"), "cannot be negative"),
        (float("nan"), "finite"),
        (float("inf"), "finite"),
    ],
)
def test_amount_rejects(value: Any, message: str) -> None:
    errors = _errors(SecuredAmount, {"secured": value})
    assert errors[0]["loc"] == ("secured",)
    assert message in errors[0]["msg"]


def test_amount_serialises_as_int_or_float() -> None:
    sub = SecuredAmount.model_validate({"secured": 20, "executed": Decimal("12.5")})
    assert sub.model_dump(mode="json") == {"secured": 20, "executed": 12.5}


# ---------------------------------------------------------------------------
# Counts and text


@pytest.mark.parametrize("value", [-1, "42", 4.0, True])
def test_participation_count_is_a_whole_non_negative_number(value: Any) -> None:
    with pytest.raises(ValidationError) as info:
        TypeAdapter(Participation).validate_python({"media": value})
    assert info.value.errors()[0]["loc"] == ("media",)


def test_participation_headings_may_be_left_out() -> None:
    part = TypeAdapter(Participation).validate_python({"media": 42})
    assert part == {"media": 42}


def test_item_text_limits() -> None:
    assert Item.model_validate({"text": "가" * MAX_ITEM_CHARS}).text
    assert _errors(Item, {"text": "가" * (MAX_ITEM_CHARS + 1)})[0]["type"] == "string_too_long"
    assert _errors(Item, {"text": ""})[0]["type"] == "string_too_short"


def test_item_children_nest() -> None:
    item = Item.model_validate(
        {"text": "a", "children": [{"text": "b", "period": "2019H1", "children": [{"text": "c"}]}]}
    )
    assert item.children[0].period == Period(2019, 1)
    assert item.children[0].children[0].text == "c"


@pytest.mark.parametrize(
    "raw",
    [
        {"id": "../../x"},
        {"id": "1-4-5 "},
        {"id": "a/b"},
        {"id": ""},
        {"id": "1" * 25},
        {"id": ".1"},
        {"id": "1-\x00"},
        {"id": 145},
    ],
)
def test_pledge_number_must_name_a_file(make_pledge, raw: dict[str, str]) -> None:
    """Any city's numbering is a number here; one that cannot name a file is not."""
    errors = _errors(Pledge, make_pledge(**raw))
    assert [e["loc"] for e in errors] == [("id",)]
    assert "pledge number" in errors[0]["msg"]


@pytest.mark.parametrize("number", ["1-4-5", "2-4", "III-①-1", "7-1)", "Ⅰ-3", "1-1-1"])
def test_any_citys_number_is_a_number(make_pledge, number: str) -> None:
    assert Pledge.model_validate(make_pledge(id=number)).id == number


def test_unknown_key_is_an_error(make_pledge) -> None:
    errors = _errors(Pledge, {**make_pledge(), "titel": "x"})
    assert [(e["type"], e["loc"]) for e in errors] == [("extra_forbidden", ("titel",))]


def test_funding_sources_are_the_citys_list() -> None:
    """Goyang's by default; a 광역시 구 lists its own (the model types any name, validate checks)."""
    assert FUNDING_SOURCES == ("국비", "도비", "시비", "기타")
    budget = Budget.model_validate({"plan": [{"name": "a", "sources": {"구비": {"2018": 1}}}]})
    assert list(budget.plan[0].sources) == ["구비"]
    raw = {"city": "서구", "term": {"name": "민선8기", "start": "2022H2", "end": "2026H1"}}
    assert ReportSettings.model_validate(raw).funding_sources == list(FUNDING_SOURCES)
    gu = ReportSettings.model_validate({**raw, "funding_sources": ["국비", "시비", "구비", "민자"]})
    assert gu.funding_sources == ["국비", "시비", "구비", "민자"]


@pytest.mark.parametrize("value", ["no", "yes", 0, 1])
def test_booleans_are_strict(make_pledge, value: Any) -> None:
    with pytest.raises(ValidationError):
        Pledge.model_validate(make_pledge(non_budget=value))


# ---------------------------------------------------------------------------
# Shapes with a rule of their own


def test_problems_one_shape_or_the_other() -> None:
    assert ProblemsAndMeasures.model_validate({"general": [{"text": "a"}]}).general
    both = {"general": [{"text": "a"}], "problems": [{"text": "b"}]}
    assert "not both" in _errors(ProblemsAndMeasures, both)[0]["msg"]
    assert "at least one item" in _errors(ProblemsAndMeasures, {})[0]["msg"]


def test_term_record() -> None:
    term = TermRecord.model_validate({"name": "민선7기", "start": "2018H2", "end": "2022H1"})
    assert term.to_term().fiscal_columns[1].label == "'18.7."
    assert (
        "half-year"
        in _errors(TermRecord, {"name": "x", "start": "2018", "end": "2022H1"})[0]["msg"]
    )
    assert (
        "before it starts"
        in _errors(TermRecord, {"name": "x", "start": "2022H1", "end": "2018H2"})[0]["msg"]
    )


def test_report_settings_defaults() -> None:
    settings = ReportSettings.model_validate(
        {"city": "고양시", "term": {"name": "민선7기", "start": "2018H2", "end": "2022H1"}}
    )
    assert settings.statuses == DEFAULT_STATUSES
    assert settings.done_statuses == ["완료", "이행후계속추진"]
    assert settings.report_title == "민선7기 공약 추진실적 보고서"
    assert settings.model_copy(update={"title": "표지"}).report_title == "표지"


def test_shipped_settings(settings: ReportSettings) -> None:
    assert settings.city == "고양시"
    assert settings.term.to_term().span_label == "2018.7. ~ 2022.6."
    assert "이행후계속추진" in settings.statuses
