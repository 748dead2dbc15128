"""Typed records, named in the domain's words (the canonical JSON, one file per pledge).

Everything a report shows is recorded here **over time**: achievements and plans
are dated to the period they belong to, and what is revised between reports
(status, contacts, participation, problems, budget tables) is recorded per
report period under ``reports``. The report of period P reads only what was
recorded for periods up to P (see :mod:`reportgen.records.asof`), so adding next
period's data can never change an earlier report.

Totals are never stored: they are derived (:mod:`reportgen.records.budget`), so they
cannot drift. The JSON Schema in ``records/schema/`` is generated from these
classes (``reportgen schema``) and kept in step by a test.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

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

from ..errors import PeriodError, quote
from ..i18n import tr
from . import numbering
from .periods import FiscalColumn, Period, Term

# ---------------------------------------------------------------------------
# Field types


def _period(value: Any) -> Period:
    if isinstance(value, Period):
        return value
    if not isinstance(value, str):
        raise ValueError(
            tr(
                '반기는 "2022H1", "2021H2", "2019"처럼 큰따옴표로 싼 글입니다.',
                'a period is a string such as "2022H1", "2021H2" or "2019"',
            )
        )
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
    if type(value) is int and 0 <= value < MAX_AMOUNT:
        return Decimal(value)  # the common case, checked in full below otherwise
    # bool is an int in Python; "20" is text. Neither is a figure.
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(
            tr(
                f"금액은 1578이나 12.5 같은 수입니다. {quote(value)}은(는) 수가 아닙니다.",
                f"an amount is a number such as 1578 or 12.5, not {quote(value)}",
            )
        )
    amount = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not amount.is_finite():
        raise ValueError(tr("금액은 유한한 수여야 합니다.", "an amount must be a finite number"))
    if amount < 0:
        raise ValueError(
            tr(
                f"금액은 음수일 수 없습니다({quote(value)}). 0을 쓰거나 칸을 비우십시오.",
                f"an amount cannot be negative ({quote(value)}); record 0 or leave the cell out",
            )
        )
    if amount >= MAX_AMOUNT:
        raise ValueError(
            tr(
                f"{quote(value)}: 있을 법한 금액이 아닙니다. 금액은 백만원 단위이고 "
                f"{MAX_AMOUNT:,}(1,000조원)보다 작습니다.",
                f"{quote(value)} is not a plausible amount: amounts are in 백만원 and below "
                f"{MAX_AMOUNT:,} (1,000조원)",
            )
        )
    exponent = amount.as_tuple().exponent
    if (
        isinstance(exponent, int)
        and exponent < -AMOUNT_PLACES
        and amount != amount.quantize(Decimal(1).scaleb(-AMOUNT_PLACES))
    ):
        raise ValueError(
            tr(
                f"{quote(value)}: 소수점 아래가 {AMOUNT_PLACES}자리보다 깁니다. 금액은 "
                "백만원 단위로 천원까지 씁니다(예: 12.345).",
                f"{quote(value)} has more than {AMOUNT_PLACES} decimal places; amounts are in "
                "백만원, kept to the 천원 (e.g. 12.345)",
            )
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

IndicatorFigure = Annotated[
    Decimal,
    PlainValidator(lambda v: _figure(v)),
    PlainSerializer(lambda d: int(d) if d == d.to_integral_value() else float(d)),
    WithJsonSchema({"type": "number", "minimum": 0, "exclusiveMaximum": MAX_AMOUNT}),
]


def _figure(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(
            tr(
                f"수치는 1000이나 12.5 같은 수입니다. {quote(value)}은(는) 수가 아닙니다.",
                f"a figure is a number such as 1000 or 12.5, not {quote(value)}",
            )
        )
    figure = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if not figure.is_finite() or figure < 0 or figure >= MAX_AMOUNT:
        raise ValueError(
            tr(
                f"{quote(value)}: 있을 법한 수치가 아닙니다(0 이상, 10억 미만).",
                f"{quote(value)} is not a plausible figure (0 or more, below 10억)",
            )
        )
    if figure != figure.quantize(Decimal("0.001")):
        raise ValueError(
            tr(
                f"{quote(value)}: 소수점 아래가 3자리보다 깁니다.",
                f"{quote(value)} has more than 3 decimal places",
            )
        )
    return figure


def _percent(value: Any) -> Decimal:
    figure = _figure(value)
    if figure > 100:
        raise ValueError(
            tr(f"{quote(value)}: 100%보다 큽니다.", f"{quote(value)} is more than 100%")
        )
    return figure


Percent = Annotated[
    Decimal,
    PlainValidator(_percent),
    PlainSerializer(lambda d: int(d) if d == d.to_integral_value() else float(d)),
    WithJsonSchema({"type": "number", "minimum": 0, "maximum": 100, "description": "%"}),
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


def _pledge_id(value: Any) -> Any:
    """Any city's number (1-4-5, III-①-1, 7-1)); the city's own shape is checked by validate."""
    if not isinstance(value, str):
        raise ValueError(
            tr(
                f'공약 번호는 "1-4-5"처럼 큰따옴표로 싼 글입니다. 지금은 {quote(value)}입니다.',
                f'a pledge number is text such as "1-4-5", not {quote(value)}',
            )
        )
    wrong = numbering.problem(value)
    if wrong:
        raise ValueError(
            tr(
                f"{quote(value)}: 공약 번호가 아닙니다. {wrong}",
                f"{quote(value)} is not a pledge number: {wrong}",
            )
        )
    return value


PledgeId = Annotated[
    str,
    BeforeValidator(_pledge_id),
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": numbering.MAX_ID_CHARS,
            "pattern": r'^[^\s/\\:*?"<>|.][^\s/\\:*?"<>|]*$',
            "description": "공약번호 as the city writes it: 1-4-5, III-①-1, 7-1)",
        }
    ),
]


class Record(BaseModel):
    # Unknown keys are errors: a typo such as "titel" must not pass silently.
    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------
# Report-wide settings (records/report.json)


_TERM_MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])")


def _term_bound(value: Any) -> Any:
    """``"2021-04"`` (a term from April) stays text; anything else is a half-year as before."""
    if isinstance(value, str) and _TERM_MONTH.fullmatch(value):
        return value
    return _period(value)


def term_bound(text: str) -> tuple[Period, int | None, str]:
    """A term's first or last half-year (``2022H2``) or month (``2021-04``), as typed.

    Returns the half-year it falls in, its month when one is written, and the
    text report.json keeps. A malformed value is a :class:`PeriodError`.
    """
    value = text.strip()
    if _TERM_MONTH.fullmatch(value):
        period, month = _bound(value)
        return period, month, value
    period = Period.half_year(value)
    return period, None, str(period)


TermBound = Annotated[
    Period | str,
    PlainValidator(_term_bound),
    PlainSerializer(str, return_type=str),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{4}(H[12]|-(0[1-9]|1[0-2]))$",
            "description": "a half-year (2018H2 = from July, 2022H1 = to June) or, for a term "
            "that starts or ends in another month, the month: 2021-04",
        }
    ),
]


def _bound(value: Period | str) -> tuple[Period, int | None]:
    """The half-year a bound falls in, and its month when one is written."""
    if isinstance(value, Period):
        return value, None
    year, month = (int(x) for x in value.split("-"))
    return Period(year, 1 if month <= 6 else 2), month


class TermRecord(Record):
    """민선 term, e.g. 민선7기 from 2018H2 (2018.7.) to 2022H1 (2022.6.).

    A term that does not begin in January or July (a by-election: from April
    2021) writes its first and last month: ``"start": "2021-04"``,
    ``"end": "2022-06"``; its labels and columns then say 2021.4.
    """

    name: Text = Field(description="민선7기")
    start: TermBound = Field(description="first half-year of the term (2018H2) or month (2021-04)")
    end: TermBound = Field(description="last half-year of the term (2022H1) or month (2022-06)")

    @model_validator(mode="after")
    def _half_years(self) -> TermRecord:
        term = self.to_term()
        if term.start.is_year or term.end.is_year:
            raise ValueError(
                tr(
                    "임기는 2018H2와 2022H1 같은 반기나 2021-04 같은 달로 시작하고 끝납니다.",
                    "a term starts and ends with a half-year such as 2018H2 and 2022H1, "
                    "or a month such as 2021-04",
                )
            )
        if (term.end.ordinal, term.end_month) < (term.start.ordinal, term.start_month):
            raise ValueError(
                tr(
                    f"임기가 끝나는 때({self.end})가 시작하는 때({self.start})보다 앞섭니다.",
                    f"the term ends ({self.end}) before it starts ({self.start})",
                )
            )
        return self

    def to_term(self) -> Term:
        (start, first), (end, last) = _bound(self.start), _bound(self.end)
        return Term(self.name, start, end, first, last)


DEFAULT_STATUSES = ["완료", "이행후계속추진", "정상추진", "일부추진", "보류", "폐기", "기타"]

Name = Annotated[str, Field(min_length=1, max_length=40)]
Key = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_]+$")]


class MoneyColumn(Record):
    """A money column of the city's own (열): years merged, or a year relabelled.

    ``years`` is ``"2024"``, ``"2022~2023"`` (merged), ``"기투자"`` or ``"임기후"``;
    records key amounts by it, or by any year a merged column holds.
    """

    years: Annotated[
        str, Field(pattern=r"^([0-9]{4}(~[0-9]{4})?|기투자|임기후)$", max_length=20)
    ] = Field(description="2024, 2022~2023, 기투자 or 임기후")
    label: Name | None = Field(default=None, description="as printed; default: years")


class Group(Record):
    """분야 / 전략 / 과제 above the pledges: ``1`` 일자리 경제, ``1-4`` 좋은 일자리.

    A pledge belongs to every group whose key its number starts with (``1``
    and ``1-4`` hold ``1-4-5``), or names one in ``group``.
    """

    key: Annotated[str, Field(min_length=1, max_length=24)] = Field(description="1, Ⅰ, III-①")
    name: Text = Field(description="as printed: 일자리 경제, ① 생활 및 재난안전도시")
    level: Name = Field(default="분야", description="분야, 전략, 과제 …")


class Role(Record):
    """A heading the city counts or lists under: a contact's role, a participation category."""

    key: Key
    label: Name


DEFAULT_ROLES = [
    Role(key="manager", label="과장"),
    Role(key="team_leader", label="팀장"),
    Role(key="officer", label="담당자"),
]
DEFAULT_PARTICIPATION = [
    Role(key="meetings", label="공약 관련 회의"),
    Role(key="briefings", label="설명회, 민생탐방"),
    Role(key="advisory", label="전문가 자문"),
    Role(key="media", label="언론/방송 보도"),
    Role(key="other", label="기 타"),
]
DEFAULT_ADJUSTMENTS = ["폐기", "보류", "변경", "통폐합"]

Cutoff = Literal["previous-half", "report-half"]


class ReportSettings(Record):
    """보고서 설정: the city's form, described once (term, columns, sources, statuses …).

    Every default is Goyang's form; another city writes what differs.
    """

    schema_: Annotated[str, Field(max_length=500)] | None = Field(default=None, alias="$schema")
    city: Text = Field(description="시·군·구 이름, e.g. 고양시")
    title: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="cover title; default '<term> 공약 추진실적 보고서'"
    )
    term: TermRecord
    statuses: list[Text] = Field(default_factory=lambda: list(DEFAULT_STATUSES), min_length=1)
    done_statuses: list[Text] = Field(
        default_factory=lambda: ["완료", "이행후계속추진"],
        description="statuses counted as done (완료, 이행후계속추진) in the summary",
    )
    excluded_statuses: list[Text] = Field(
        default_factory=list,
        description="statuses left out of the base of every rate (사천: 통폐합, 공약 제외)",
    )
    weights: dict[Text, Percent] = Field(
        default_factory=dict,
        description="이행률 weights in % (고창: 완료 100, 정상추진 50); none: no 이행률 line",
    )
    progress_rate: Flag = Field(
        default=False,
        description="pledges record 추진율(%) per report; the 총괄 prints 평균진행률",
    )
    funding_sources: list[Annotated[str, Field(min_length=1, max_length=20)]] = Field(
        default_factory=lambda: list(FUNDING_SOURCES),
        min_length=1,
        max_length=12,
        description="재원, as the city prints them and in its order: 국비/도비/시비/기타 (a 시), "
        "국비/도비/군비/기타 (a 군), 국비/시비/구비/민자 (a 광역시 구)",
    )
    columns: list[MoneyColumn] | None = Field(
        default=None,
        max_length=16,
        description="money columns when the city merges years (2022~2023 | 2024 …); "
        "default: 기투자, each year of the term, 임기후",
    )
    numbering: Annotated[str, Field(min_length=1, max_length=24)] | None = Field(
        default=None,
        description="one pledge number as the city writes them (1-4-5, III-①-1, 7-1)); "
        "every number must have its shape",
    )
    groups: list[Group] = Field(
        default_factory=list, max_length=500, description="분야 / 전략 names above pledges"
    )
    contact_roles: list[Role] = Field(
        default_factory=lambda: list(DEFAULT_ROLES),
        max_length=6,
        description="담당 as the city lists them (과장/팀장/담당자; one 담당자 only)",
    )
    participation: list[Role] = Field(
        default_factory=lambda: list(DEFAULT_PARTICIPATION),
        max_length=12,
        description="시민참여 categories as the city counts them; [] for none",
    )
    adjustment_kinds: list[Name] = Field(
        default_factory=lambda: list(DEFAULT_ADJUSTMENTS),
        min_length=1,
        description="공약 조정: 폐기, 보류, 변경, 통폐합",
    )
    withdrawn_kinds: list[Name] = Field(
        default_factory=lambda: ["폐기", "통폐합"],
        description="adjustments after which a pledge prints no plan (폐기, 통폐합)",
    )
    cutoff: Cutoff = Field(
        default="previous-half",
        description="previous-half: the report of P shows achievements to the half before P and "
        "the plan for P (Goyang); report-half: achievements of P itself ('6월말 기준') "
        "and the plan for the next half",
    )

    as_of: Literal["date", "month"] | None = Field(
        default=None,
        description="the cut-off the form prints on the cover, the 총괄 and the website: "
        "date '2024. 6. 30. 기준', month '6월말 기준'; none: not printed (Goyang)",
    )

    @property
    def report_title(self) -> str:
        return self.title or f"{self.term.name} 공약 추진실적 보고서"

    def money_columns(self) -> list[FiscalColumn]:
        """기투자, the years of the term, 임기후, or the city's own ``columns``."""
        specs = None if self.columns is None else [(c.years, c.label) for c in self.columns]
        return self.term.to_term().columns(specs)


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


Contacts = dict[Key, Person]
"""담당 by role key (report.json ``contact_roles``: manager 과장, team_leader 팀장,
officer 담당자 …). Staff rotate, so contacts belong to a report period."""

Participation = dict[Key, Count | None]
"""□ 시민참여(소통) 실적 (단위 : 회) by category key (report.json ``participation``:
meetings, briefings …). A category left out prints an empty cell."""


class ProblemsAndMeasures(Record):
    """□ 문제점 및 개선대책: two lists (문제점 / 개선대책) or one list (``general``)."""

    problems: list[Item] = Field(default_factory=list, description="○ 문제점")
    measures: list[Item] = Field(default_factory=list, description="○ 개선대책")
    general: list[Item] = Field(default_factory=list, description="one list without headings")

    @model_validator(mode="after")
    def _one_shape(self) -> ProblemsAndMeasures:
        if self.general and (self.problems or self.measures):
            raise ValueError(
                tr(
                    "general(목록 하나)과 problems/measures 중 한쪽만 쓰십시오.",
                    "write either 'general' (one list) or 'problems'/'measures', not both",
                )
            )
        if not (self.general or self.problems or self.measures):
            raise ValueError(
                tr(
                    "problems, measures, general 중 한 곳에 항목을 하나 이상 쓰십시오.",
                    "write at least one item in 'problems', 'measures' or 'general'",
                )
            )
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


class Indicator(Record):
    """성과지표: what the pledge promises, measured (일자리 창출 목표 1,000개, 실적 640개).

    ``results`` are keyed by report period; the report of P shows the latest at
    or before P. With ``cumulative`` the results are each half-year's own and
    the page prints their running total (실적 누계).
    """

    name: Text = Field(description="지표명, e.g. 일자리 창출")
    unit: Annotated[str, Field(min_length=1, max_length=20)] = Field(description="단위: 개, 명, %")
    target: IndicatorFigure = Field(description="목표 (임기 내)")
    cumulative: Flag = Field(
        default=False, description="results are per half-year; print their running total"
    )
    results: dict[PeriodField, IndicatorFigure] = Field(
        default_factory=dict,
        description="실적 by report period, keyed 2024H1",
        json_schema_extra={"propertyNames": {"pattern": PERIOD_PATTERN}},
    )
    yearly_targets: dict[Annotated[str, Field(pattern=r"^[0-9]{4}$")], IndicatorFigure] = Field(
        default_factory=dict,
        description="연차별 목표 by year, keyed 2024: what the Manifesto evaluation grades",
        json_schema_extra={"propertyNames": {"pattern": r"^[0-9]{4}$"}},
    )
    yearly_results: dict[PeriodField, IndicatorFigure] = Field(
        default_factory=dict,
        description="연차별 실적: the year's result to date, keyed by report period (2024H1); "
        "with cumulative results and none written here, the year's halves are added",
        json_schema_extra={"propertyNames": {"pattern": PERIOD_PATTERN}},
    )


class Adjustment(Record):
    """공약 조정: 폐기, 보류, 변경 or 통폐합, decided through the city's procedure.

    In force from the report of ``period`` on; earlier reports never show it.
    """

    kind: Name = Field(description="폐기, 보류, 변경, 통폐합 (report.json adjustment_kinds)")
    period: PeriodField = Field(description="the first report that shows it, e.g. 2024H1")
    date: Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$")] | None = Field(
        default=None,
        description="결정일 as far as it is known: 2024-03-15, or 2023-12 when only the month "
        "is; leave out when unknown (nothing is printed, no day is invented)",
    )
    reason: Text = Field(description="사유")
    decided_by: Text | None = Field(default=None, description="e.g. 공약이행평가단 심의")
    before: Text | None = Field(default=None, description="변경 전 (for 변경)")
    after: Text | None = Field(default=None, description="변경 후 (for 변경)")
    merged_into: Annotated[str, Field(max_length=24)] | None = Field(
        default=None, description="통폐합: the pledge number it was merged into"
    )

    @model_validator(mode="after")
    def _real_date(self) -> Adjustment:
        if self.date is None:
            return self
        # A month alone is checked as its first day: "2023-13" is no month.
        try:
            datetime.date.fromisoformat(self.date if len(self.date) > 7 else f"{self.date}-01")
        except ValueError:
            raise ValueError(
                tr(
                    f"{quote(self.date)}: 날짜가 아닙니다. 2024-03-15처럼 쓰고, 달만 알면 "
                    "2024-03처럼 쓰십시오.",
                    f"{quote(self.date)} is not a date; write it as 2024-03-15, or 2024-03 "
                    "when only the month is known",
                )
            ) from None
        return self

    @property
    def sort_date(self) -> str:
        """For ordering: a month sorts before its days, an unknown date after every known one."""
        return self.date or "9999"


class Confirmation(Record):
    """확정: who confirmed the drafts of a report, and when (``reportgen confirm``).

    ``removed`` lists the draft marks the confirmation took away (``reports.2026H2``,
    ``achievements[3] (2026H2)``, ``plans[1] (2027H1)``), so that ``confirm --undo``
    can put exactly those back.
    """

    at: Annotated[
        str,
        Field(
            pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?([+-][0-9]{2}:[0-9]{2}|Z)?$"
        ),
    ] = Field(description="확정 일시, e.g. 2027-01-20T14:05:00+09:00")
    by: Text = Field(description="확정한 사람, e.g. 기획예산과 홍길동")
    removed: list[Annotated[str, Field(min_length=1, max_length=80)]] = Field(
        default_factory=list, max_length=1000, description="draft marks removed by the confirmation"
    )


class PeriodReport(Record):
    """What one report period recorded for a pledge (revised from one report to the next).

    A section left out carries forward from the latest earlier report that has it.
    """

    draft: Flag = Field(
        default=False, description="written by new-period; remove once a person has checked it"
    )
    confirmed: Confirmation | None = Field(
        default=None, description="확정: when and by whom the drafts were confirmed"
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
    progress_rate: Percent | None = Field(
        default=None, description="추진율(%) where the city records it (report.json progress_rate)"
    )
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
    group: Annotated[str, Field(min_length=1, max_length=24)] | None = Field(
        default=None,
        description="key of the 분야/전략 (report.json groups) when the number does not say it",
    )
    non_budget: Flag = Field(default=False, description="비예산 공약: no money tables")
    year_headings: Flag = Field(
        default=False,
        description="group 그동안 추진실적 under □ 2019년 추진실적 … headings",
    )
    achievements: list[ItemGroup] = Field(default_factory=list, description="추진실적, by period")
    plans: list[ItemGroup] = Field(default_factory=list, description="추진계획, by half-year")
    indicators: list[Indicator] = Field(default_factory=list, description="성과지표")
    adjustments: list[Adjustment] = Field(default_factory=list, description="공약 조정")
    reports: dict[PeriodField, PeriodReport] = Field(
        default_factory=dict,
        description="what each report period recorded, keyed 2022H1",
        json_schema_extra={"propertyNames": {"pattern": PERIOD_PATTERN}},
    )

    @property
    def sort_key(self) -> tuple[tuple[int, int | str], ...]:
        return numbering.sort_key(self.id)


def pledge_sort_key(pledge_id: str) -> tuple[tuple[int, int | str], ...]:
    """1-4-10 sorts after 1-4-9, Ⅳ after Ⅲ: compare the parts' values, not the text."""
    return numbering.sort_key(pledge_id)
