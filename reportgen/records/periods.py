"""Periods (반기/연도), the 민선 term, and the labels a report derives from them.

A report is written for one half-year, e.g. ``2022H1`` (2022년 상반기). Older
material is often recorded only by year (``2019``). Every label on the form is
a function of the report's period and the term, so two reports can never
disagree about what "그동안 추진실적" covers (FORM.md §2, §4).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import total_ordering

from ..errors import PeriodError, quote
from ..i18n import tr

# ASCII digits only: Python's \d also matches ２ (full-width) and ٢ (Arabic-Indic).
_PERIOD_RE = re.compile(r"(?P<year>[0-9]{4})(?:H(?P<half>[12]))?")


def ascii_digits(text: str) -> str:
    """``text`` with every digit written in ASCII: ``２０２２Ｈ1`` and ``٢٠٢٢H1`` give ``2022H1``.

    For suggestions only: records and the command line accept ASCII digits alone.
    """
    out = []
    for ch in unicodedata.normalize("NFKC", text):
        digit = unicodedata.decimal(ch, None) if not ch.isascii() else None
        out.append(ch if digit is None else str(digit))
    return "".join(out)


def ascii_digits_hint(text: str, pattern: re.Pattern[str]) -> str | None:
    """``"반각 숫자로 쓰십시오: '2022H1'"`` when ``text`` fits ``pattern`` once its digits are ASCII."""
    if text.isascii() or len(text) > 64:
        return None
    fixed = ascii_digits(text)
    if not pattern.fullmatch(fixed):
        return None
    return tr(f"반각 숫자(ASCII)로 쓰십시오: {fixed!r}", f"write ASCII digits: {fixed!r}")


# Period.parse's texts already read (bounded: a hostile file may name many).
_PARSED: dict[str, Period] = {}
_PARSED_MOST = 4096


@total_ordering
@dataclass(frozen=True)
class Period:
    """A half-year (반기, ``2021H2``) or, for material recorded only by year, a year (``2019``).

    A year-dated item counts as reported when the year is over: it sorts and
    compares like the second half of its year (``2019`` ~ ``2019H2``).
    """

    year: int
    half: int | None = None  # 1 = 상반기 (Jan-Jun), 2 = 하반기 (Jul-Dec), None = the whole year

    @classmethod
    def parse(cls, text: str) -> Period:
        # Records name the same few periods over and over (130,000 times in
        # 10,000 pledges): a period is immutable, so each text is read once.
        if cls is Period and type(text) is str:
            known = _PARSED.get(text)
            if known is not None:
                return known
        m = _PERIOD_RE.fullmatch(text.strip()) if isinstance(text, str) else None
        if not m:
            hint = ascii_digits_hint(text.strip(), _PERIOD_RE) if isinstance(text, str) else None
            raise PeriodError(
                tr(
                    f"반기나 연도로 읽을 수 없습니다: {quote(text)}. "
                    + (
                        hint
                        or "2022H1(상반기)나 2021H2(하반기)처럼 반기를, 또는 2019처럼 "
                        "연도를 쓰십시오."
                    ),
                    f"{quote(text)} is not a period: "
                    + (
                        hint
                        or "write a half-year such as 2022H1 (상반기) or 2021H2 (하반기), "
                        "or a year such as 2019"
                    ),
                )
            )
        half = m.group("half")
        period = cls(int(m.group("year")), int(half) if half else None)
        if cls is Period and type(text) is str and len(_PARSED) < _PARSED_MOST:
            _PARSED[text] = period
        return period

    @classmethod
    def half_year(cls, text: str) -> Period:
        """Parse a period typed by a person, which must be a half-year (a report is always one).

        ``2022h1`` is read as ``2022H1``: people type the letter either way.
        Records keep the canonical upper case (:meth:`parse`).
        """
        try:
            p = cls.parse(text.upper() if isinstance(text, str) else text)
        except PeriodError:
            cls.parse(text)  # the message quotes what was typed
            raise
        if p.half is None:
            raise PeriodError(
                tr(
                    f"{quote(text)}: 연도입니다. 보고서는 {p}H1처럼 반기마다 만듭니다.",
                    f"{quote(text)} is a year; a report is for a half-year such as {p}H1",
                )
            )
        return p

    @property
    def is_year(self) -> bool:
        return self.half is None

    @property
    def ordinal(self) -> int:
        """Half-year index used for ordering; a year counts as its second half."""
        return self.year * 2 + (self.half or 2) - 1

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Period):
            return NotImplemented
        # A year sorts after its own second half only to keep the order total.
        return (self.ordinal, self.half is None) < (other.ordinal, other.half is None)

    def __str__(self) -> str:
        return f"{self.year}" if self.half is None else f"{self.year}H{self.half}"

    def shift(self, halves: int) -> Period:
        """The half-year ``halves`` steps away (only for half-years)."""
        n = self.ordinal + halves
        return Period(n // 2, n % 2 + 1)

    @property
    def previous(self) -> Period:
        return self.shift(-1)

    @property
    def next(self) -> Period:
        return self.shift(1)

    @property
    def half_name(self) -> str:
        return {1: "상반기", 2: "하반기", None: ""}[self.half]

    @property
    def half_months(self) -> tuple[int, int]:
        """First and last month: (1, 6) for 상반기, (7, 12) for 하반기 and a whole year."""
        return (1, 6) if self.half == 1 else ((7, 12) if self.half == 2 else (1, 12))

    @property
    def in_words(self) -> str:
        """``2022년 상반기`` / ``2019년``."""
        return f"{self.year}년 {self.half_name}" if self.half else f"{self.year}년"

    @property
    def end_label(self) -> str:
        """Cut-off as the form writes it: ``2020.`` at a year's end, ``2021.6.`` at mid-year."""
        return f"{self.year}." if self.half != 1 else f"{self.year}.6."


@dataclass(frozen=True)
class FiscalColumn:
    """One money column of the budget tables: 기투자, a year of the term, or 임기후."""

    key: str  # what records use: "기투자", "2018" … "2022", "임기후", "2022~2023"
    label: str  # what the form prints: "기투자", "'18.7.", "'19", "'22.6.", "임기후"
    # A merged column (광주 서구's "2022~2023") also sums amounts recorded by
    # the years it holds, so records stay by year when the form merges them.
    years: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Every record key whose amounts this column prints."""
        return (self.key, *self.years)


COLUMN_YEARS = re.compile(r"(?P<first>[0-9]{4})(?:~(?P<last>[0-9]{4}))?")


def column_years(text: str) -> tuple[int, int] | None:
    """``"2022~2023"`` -> (2022, 2023); ``"2024"`` -> (2024, 2024); None for anything else."""
    m = COLUMN_YEARS.fullmatch(text)
    if not m:
        return None
    first = int(m.group("first"))
    return first, int(m.group("last") or first)


BEFORE_TERM = "기투자"
AFTER_TERM = "임기후"


@dataclass(frozen=True)
class Term:
    """A 민선 term (민선7기: 2018.7 – 2022.6): its first and last half-years."""

    name: str
    start: Period
    end: Period
    # A term need not begin in January or July: a by-election term runs from
    # April 2021. None: the start (end) half-year's first (last) month.
    first_month: int | None = None
    last_month: int | None = None

    @property
    def start_month(self) -> int:
        """The term's first month: 7 for 민선7기 (2018.7.), 4 for a by-election from April."""
        if self.first_month is not None:
            return self.first_month
        return 7 if self.start.half == 2 else 1

    @property
    def end_month(self) -> int:
        """The term's last month: 6 for 민선7기 (2022.6.)."""
        if self.last_month is not None:
            return self.last_month
        return 6 if self.end.half == 1 else 12

    def months_of(self, half: Period) -> tuple[int, int]:
        """The months of ``half`` inside the term: (1, 6), (7, 12), or (4, 6) for a term from April."""
        first, last = (1, 6) if half.half == 1 else (7, 12)
        if half.ordinal == self.start.ordinal:
            first = max(first, self.start_month)
        if half.ordinal == self.end.ordinal:
            last = min(last, self.end_month)
        return first, last

    def require(self, period: Period) -> None:
        """Raise :class:`PeriodError` unless a report of ``period`` belongs to this term."""
        if not self.contains(period):
            raise PeriodError(
                tr(
                    f"{period}: {self.name}({self.span_label}) 밖의 반기입니다. 이 임기의 "
                    f"보고는 {self.start}부터 {self.end}까지입니다.",
                    f"{period} is outside {self.name} ({self.span_label}); "
                    f"reports of this term run from {self.start} to {self.end}",
                )
            )

    def contains(self, period: Period) -> bool:
        # By ordinal: a year counts as its second half, so "2022" (reported
        # as 2022H2) is outside a term that ends with 2022H1; "2018" is inside.
        return self.start.ordinal <= period.ordinal <= self.end.ordinal

    @property
    def report_periods(self) -> list[Period]:
        out, p = [], self.start
        while p <= self.end:
            out.append(p)
            p = p.next
        return out

    @property
    def fiscal_columns(self) -> list[FiscalColumn]:
        """기투자, one column per year of the term, 임기후 (FORM.md §4).

        A year the term only partly covers is labelled with its first or last
        month: 민선7기 gives '18.7., '19, '20, '21, '22.6.
        """
        cols = [FiscalColumn(BEFORE_TERM, BEFORE_TERM)]
        for year in range(self.start.year, self.end.year + 1):
            label = f"'{year % 100:02d}"
            if year == self.start.year and self.start_month != 1:
                label += f".{self.start_month}."
            elif year == self.end.year and self.end_month != 12:
                label += f".{self.end_month}."
            cols.append(FiscalColumn(str(year), label))
        cols.append(FiscalColumn(AFTER_TERM, AFTER_TERM))
        return cols

    def columns(self, specs: Sequence[tuple[str, str | None]] | None) -> list[FiscalColumn]:
        """The city's own money columns (``years``, ``label``) or, with none, :attr:`fiscal_columns`.

        ``years`` is "2024", "2022~2023", "기투자" or "임기후" (checked by validate).
        """
        if specs is None:
            return self.fiscal_columns
        spans = [s for s in (column_years(years) for years, _ in specs) if s is not None]
        # 기투자 is "before the first column": a city whose columns start at 2024
        # (대전 중구) counts the term's 2023 there, recorded by its year.
        first = min((s[0] for s in spans), default=self.start.year)
        before = tuple(str(y) for y in range(self.start.year, first))
        out = []
        for years, label in specs:
            span = column_years(years)
            held: tuple[str, ...] = ()
            if span is not None and span[1] > span[0]:
                held = tuple(str(y) for y in range(span[0], span[1] + 1))
            elif years == BEFORE_TERM:
                held = before
            out.append(FiscalColumn(years, label or years, held))
        return out

    @property
    def span_label(self) -> str:
        """``2018.7. ~ 2022.6.``, ``2021.4. ~ 2022.6.``"""
        return f"{self.start.year}.{self.start_month}. ~ {self.end.year}.{self.end_month}."


@dataclass(frozen=True)
class RowLabel:
    """The 구분 cell of one row of □ 추진실적 및 향후 추진계획: a title and a note below it."""

    title: str
    note: str


@dataclass(frozen=True)
class ReportWindows:
    """Which recorded material the report of ``period`` shows, row by row (FORM.md §2).

    - cumulative: everything from the term's start up to ``cumulative_end``;
    - previous: the half-year just reported on (``achieved``);
    - plan: the plan for ``plan_period``.

    Goyang's form (cut-off ``previous-half``) reports in P the achievements of
    the half before P and the plan for P; most cities ("6월말 기준",
    ``report-half``) report P's own achievements and the plan for the next half.
    """

    period: Period
    term: Term
    cutoff: str = "previous-half"

    @property
    def achieved(self) -> Period:
        """The half-year whose achievements the report's middle row shows."""
        return self.period if self.cutoff == "report-half" else self.period.previous

    @property
    def previous(self) -> Period:
        return self.achieved

    @property
    def plan_period(self) -> Period:
        return self.period.next if self.cutoff == "report-half" else self.period

    def as_of_label(self, style: str | None) -> str:
        """The cut-off as the city prints it: ``2024. 6. 30. 기준`` / ``6월말 기준`` / "".

        It is the last day of the half whose achievements the report shows
        (the term's last month when the term ends early).
        """
        if style is None:
            return ""
        shown = self.achieved
        last = self.term.months_of(shown)[1] if self.term.contains(shown) else shown.half_months[1]
        if style == "month":
            return f"{last}월말 기준"
        day = calendar.monthrange(shown.year, last)[1]
        return f"{shown.year}. {last}. {day}. 기준"

    @property
    def cumulative_end(self) -> Period:
        return self.achieved.previous

    @property
    def has_cumulative(self) -> bool:
        return self.cumulative_end >= self.term.start

    @property
    def has_previous(self) -> bool:
        return self.previous >= self.term.start

    def cumulative_label(self) -> RowLabel:
        """``(2018. ~ 2021.6.)``; within one year, its months as the previous row writes them.

        Only the third report of a term has a cumulative row ending in the
        year the term began: "(2018. ~ 2018.)" says nothing, "(2018. 7.~12.)" does.
        """
        start, end = self.term.start, self.cumulative_end
        if start.year != end.year:
            return RowLabel("그동안 추진실적", f"({start.year}. ~ {end.end_label})")
        first = self.term.start_month
        last = 6 if end.half == 1 else 12
        span = f"{end.year}." if (first, last) == (1, 12) else f"{end.year}. {first}.~{last}."
        return RowLabel("그동안 추진실적", f"({span})")

    def previous_label(self) -> RowLabel:
        p = self.previous
        first, last = self.term.months_of(p)
        months = f"{first}.~{last}."
        return RowLabel(
            f"{p.year}년도 {p.half_name} 추진실적", f"({p.year % 100:02d}. {months} 실적)"
        )

    def plan_label(self) -> RowLabel:
        p = self.plan_period
        return RowLabel(f"{p.year}년도 {p.half_name} 추진계획", "(향후 추진 계획)")

    def shows_in_cumulative(self, recorded: Period) -> bool:
        return recorded.ordinal <= self.cumulative_end.ordinal

    def shows_in_previous(self, recorded: Period) -> bool:
        return recorded.ordinal == self.previous.ordinal


def heading_for(recorded: Period) -> str:
    """Year heading inside the cumulative row: ``□ 2019년 추진실적`` / ``□ 2021년 상반기 추진실적``."""
    return f"{recorded.in_words} 추진실적"
