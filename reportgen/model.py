"""Typed records, named in the domain's words (the canonical JSON, one file per pledge).

Everything a report shows is recorded here **over time**: achievements and plans
are dated to the period they belong to, and what is revised between reports
(status, contacts, participation, problems, budget tables) is recorded per
report period under ``reports``. The report of period P reads only what was
recorded for periods up to P (see :mod:`reportgen.asof`), so adding next
period's data can never change an earlier report.

Totals are never stored: they are derived (:mod:`reportgen.budget`), so they
cannot drift. The JSON Schema in ``records/schema/`` is generated from these
classes (``reportgen schema``) and kept in step by a test.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PlainValidator,
    WithJsonSchema,
    model_validator,
)

from .errors import PeriodError, quote
from .periods import Period, Term, ascii_digits_hint

# ---------------------------------------------------------------------------
# Field types


def _period(value: Any) -> Period:
    if isinstance(value, Period):
        return value
    if not isinstance(value, str):
        raise ValueError('a period is a string such as "2022H1", "2021H2" or "2019"')
    try:
        return Period.parse(value)
    except PeriodError as exc:
        raise ValueError(exc.message) from None


PERIOD_PATTERN = r"^[0-9]{4}(H[12])?$"

PeriodField = Annotated[
    Period,
    PlainValidator(_period),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": PERIOD_PATTERN,
            "description": "반기 (2022H1 = 상반기, 2022H2 = 하반기) or, for older material, a year (2019)",
        }
    ),
]


# Amounts are 백만원. Below 10^9 (1,000조원, more than the national budget) and
# to the 천원 (3 decimals), every amount and every 계 of up to a thousand of
# them has at most 15 significant digits: the workbook's doubles keep it exactly.
MAX_AMOUNT = 10**9
AMOUNT_PLACES = 3
# Participation is counted in 회 per half-year; a few hundred is a busy pledge.
MAX_COUNT = 10**9


def _amount(value: Any) -> Decimal:
    # bool is an int in Python; "20" is text. Neither is a figure.
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"an amount is a number such as 1578 or 12.5, not {quote(value)}")
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise ValueError("an amount must be a finite number")
    if amount < 0:
        raise ValueError(
            f"an amount cannot be negative ({quote(value)}); record 0 or leave the cell out"
        )
    if amount >= MAX_AMOUNT:
        raise ValueError(
            f"{quote(value)} is not a plausible amount: amounts are in 백만원 and below "
            f"{MAX_AMOUNT:,} (1,000조원)"
        )
    exponent = amount.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and exponent < -AMOUNT_PLACES
        and amount != amount.quantize(Decimal(1).scaleb(-AMOUNT_PLACES))
    ):
        raise ValueError(
            f"{quote(value)} has more than {AMOUNT_PLACES} decimal places; amounts are in "
            "백만원, kept to the 천원 (e.g. 12.345)"
        )
    return amount


Amount = Annotated[
    Decimal,
    PlainValidator(_amount),
    PlainSerializer(lambda d: int(d) if d == d.to_integral_value() else float(d)),
    WithJsonSchema(
        {
            "type": "number",
            "minimum": 0,
            "exclusiveMaximum": MAX_AMOUNT,
            "description": "백만원",
        }
    ),
]

Count = Annotated[int, Field(ge=0, lt=MAX_COUNT, strict=True)]
# "no", "yes", 0 and 1 are not booleans: a wrong type must not pass silently.
Flag = Annotated[bool, Field(strict=True)]
Text = Annotated[str, Field(min_length=1, max_length=500)]
MAX_ITEM_CHARS = 2000  # a 개조식 line is a sentence or two; more is a paste gone wrong

FUNDING_SOURCES: tuple[str, ...] = ("국비", "도비", "시비", "기타")
"""Goyang's funding sources (재원) in the order its form prints them: national,
provincial, city, other. Another city lists its own in ``report.json``
(``funding_sources``: 국비/도비/군비/기타, 국비/시비/구비/민자 …)."""

# A funding source as a record names it: one of the city's, which validate checks.
FundingSource = Annotated[str, Field(min_length=1)]

PLEDGE_ID_PATTERN = r"^[1-9][0-9]*-[1-9][0-9]*-[1-9][0-9]*$"
_PLEDGE_ID = re.compile(PLEDGE_ID_PATTERN)


def _ascii_pledge_id(value: Any) -> Any:
    """``1-４-5`` is 1-4-5 typed with a full-width digit: say so (the pattern would only refuse it)."""
    hint = ascii_digits_hint(value, _PLEDGE_ID) if isinstance(value, str) else None
    if hint:
        raise ValueError(f"{quote(value)} is not a pledge number: {hint}")
    return value


PledgeId = Annotated[
    str,
    Field(pattern=PLEDGE_ID_PATTERN, max_length=20, description="공약번호, e.g. 1-4-5"),
    BeforeValidator(_ascii_pledge_id),
]


class Record(BaseModel):
    # Unknown keys are errors: a typo such as "titel" must not pass silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------
# Report-wide settings (records/report.json)


class TermRecord(Record):
    """민선 term, e.g. 민선7기 from 2018H2 (2018.7.) to 2022H1 (2022.6.)."""

    name: Text = Field(description="민선7기")
    start: PeriodField = Field(description="first half-year of the term, e.g. 2018H2")
    end: PeriodField = Field(description="last half-year of the term, e.g. 2022H1")

    @model_validator(mode="after")
    def _half_years(self) -> TermRecord:
        if self.start.is_year or self.end.is_year:
            raise ValueError("a term starts and ends with a half-year such as 2018H2 and 2022H1")
        if self.end < self.start:
            raise ValueError(f"the term ends ({self.end}) before it starts ({self.start})")
        return self

    def to_term(self) -> Term:
        return Term(self.name, self.start, self.end)


DEFAULT_STATUSES = ["완료", "이행후계속추진", "정상추진", "일부추진", "보류", "폐기", "기타"]


class ReportSettings(Record):
    """보고서 설정: the city, the term and the controlled list of statuses (추진상황)."""

    schema_: Annotated[str, Field(max_length=500)] | None = Field(default=None, alias="$schema")
    city: Text = Field(description="시·군 이름, e.g. 고양시")
    title: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="cover title; default '<term> 공약 추진실적 보고서'"
    )
    term: TermRecord
    statuses: list[Text] = Field(default_factory=lambda: list(DEFAULT_STATUSES), min_length=1)
    done_statuses: list[Text] = Field(
        default_factory=lambda: ["완료", "이행후계속추진"],
        description="statuses counted as done (완료, 이행후계속추진) in the summary",
    )
    funding_sources: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=lambda: list(FUNDING_SOURCES),
        min_length=1,
        max_length=12,
        description="재원, as the city prints them and in its order: 국비/도비/시비/기타 (a 시), "
        "국비/도비/군비/기타 (a 군), 국비/시비/구비/민자 (a 광역시 구)",
    )

    @property
    def report_title(self) -> str:
        return self.title or f"{self.term.name} 공약 추진실적 보고서"


# ---------------------------------------------------------------------------
# Pledge records (records/<id>.json)


class Item(Record):
    """One line of 개조식 text. Its level is its depth; the symbol (○ - · ※) is printed, not typed."""

    text: Annotated[str, Field(min_length=1, max_length=MAX_ITEM_CHARS)]
    note: Flag = Field(default=False, description="※ remark under the item above")
    period: PeriodField | None = Field(
        default=None,
        description="when this item happened, if later than its group's period",
    )
    children: list[Item] = Field(default_factory=list)


class ItemGroup(Record):
    """Items recorded for one period: achievements (추진실적) or a plan (추진계획)."""

    period: PeriodField
    draft: Flag = Field(
        default=False, description="written by new-period; remove once a person has checked it"
    )
    entries: list[Item] = Field(min_length=1)


class Person(Record):
    name: Text
    phone: Text = Field(description="연락처, e.g. 8075-3700")


class Contacts(Record):
    """담당: 과장 / 팀장 / 담당자 with their 연락처. Staff rotate, so contacts belong to a period."""

    manager: Person = Field(description="과장")
    team_leader: Person = Field(description="팀장")
    officer: Person = Field(description="담당자")


class Participation(Record):
    """□ 시민참여(소통) 실적 (단위 : 회). A heading left out prints an empty cell."""

    meetings: Count | None = Field(default=None, description="공약 관련 회의")
    briefings: Count | None = Field(default=None, description="설명회, 민생탐방")
    advisory: Count | None = Field(default=None, description="전문가 자문")
    media: Count | None = Field(default=None, description="언론/방송 보도")
    other: Count | None = Field(default=None, description="기 타")


class ProblemsAndMeasures(Record):
    """□ 문제점 및 개선대책: two lists (문제점 / 개선대책) or one list (``general``)."""

    problems: list[Item] = Field(default_factory=list, description="○ 문제점")
    measures: list[Item] = Field(default_factory=list, description="○ 개선대책")
    general: list[Item] = Field(default_factory=list, description="one list without headings")

    @model_validator(mode="after")
    def _one_shape(self) -> ProblemsAndMeasures:
        if self.general and (self.problems or self.measures):
            raise ValueError("write either 'general' (one list) or 'problems'/'measures', not both")
        if not (self.general or self.problems or self.measures):
            raise ValueError("write at least one item in 'problems', 'measures' or 'general'")
        return self


ColumnAmounts = dict[str, Amount]
"""Fiscal column key ("기투자", "2018" … "2022", "임기후") → amount in 백만원."""


class SecuredAmount(Record):
    """확보(집행)액 of one cell: amount secured and, in brackets on the form, executed."""

    secured: Amount
    executed: Amount | None = None


class PlannedSubproject(Record):
    """공약사업 of □ 연도별 투자계획(사업비): planned amounts by funding source and column."""

    name: Text = Field(description="공약사업명")
    sources: dict[FundingSource, ColumnAmounts] = Field(default_factory=dict)
    printed_totals: dict[FundingSource, Amount] = Field(
        default_factory=dict,
        description="계 as printed on an old hand-typed page, kept only to check it",
    )


class SecuredSubproject(Record):
    """공약사업 of □ 연도별 확보(집행)액: secured (executed) amounts."""

    name: Text = Field(description="공약사업명")
    sources: dict[FundingSource, dict[str, SecuredAmount]] = Field(default_factory=dict)
    printed_totals: dict[FundingSource, SecuredAmount] = Field(
        default_factory=dict,
        description="계 as printed on an old hand-typed page, kept only to check it",
    )


class Budget(Record):
    """The two money tables of one report (백만원). Omit for a 비예산 pledge."""

    plan: list[PlannedSubproject] = Field(default_factory=list, description="연도별 투자계획")
    secured: list[SecuredSubproject] = Field(
        default_factory=list, description="연도별 확보(집행)액"
    )
    printed_grand_total: ColumnAmounts = Field(
        default_factory=dict,
        description="the 계 row of 투자계획 as printed on an old page ('계' for the total), to check",
    )


class PeriodReport(Record):
    """What one report period recorded for a pledge (revised from one report to the next).

    A section left out carries forward from the latest earlier report that has it.
    """

    draft: Flag = Field(
        default=False, description="written by new-period; remove once a person has checked it"
    )
    title: Text | None = Field(
        default=None,
        description="공약명 from this report on, when the pledge was renamed (earlier reports keep the old one)",
    )
    department: Text | None = Field(
        default=None,
        description="소관부서 from this report on, after a reorganisation (earlier reports keep the old one)",
    )
    status: Text | None = Field(default=None, description="추진상황, e.g. 이행후계속추진")
    contacts: Contacts | None = None
    participation: Participation | None = None
    problems: ProblemsAndMeasures | None = None
    budget: Budget | None = None


class Pledge(Record):
    """공약: one of the mayor's pledges, numbered area-strategy-item (1-4-5)."""

    schema_: Annotated[str, Field(max_length=500)] | None = Field(default=None, alias="$schema")
    id: PledgeId
    title: Text = Field(description="공약명")
    department: Text = Field(description="소관부서")
    non_budget: Flag = Field(default=False, description="비예산 공약: no money tables")
    year_headings: Flag = Field(
        default=False,
        description="group 그동안 추진실적 under □ 2019년 추진실적 … headings",
    )
    achievements: list[ItemGroup] = Field(default_factory=list, description="추진실적, by period")
    plans: list[ItemGroup] = Field(default_factory=list, description="추진계획, by half-year")
    reports: dict[PeriodField, PeriodReport] = Field(
        default_factory=dict,
        description="what each report period recorded, keyed 2022H1",
        json_schema_extra={"propertyNames": {"pattern": PERIOD_PATTERN}},
    )

    @property
    def sort_key(self) -> tuple[int, ...]:
        return pledge_sort_key(self.id)


def pledge_sort_key(pledge_id: str) -> tuple[int, ...]:
    """1-4-10 sorts after 1-4-9: compare the numbers, not the text."""
    try:
        return tuple(int(part) for part in pledge_id.split("-"))
    except ValueError:
        return (10**9,)
