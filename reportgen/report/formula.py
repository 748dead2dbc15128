"""산식: how each rate a report prints is computed, with every pledge's part in it.

Citizens distrust a rate they cannot recompute ("72%" that silently adds
이행후계속추진 to 완료). This module writes out, for one report view and the
city's rules, the base of every rate (비율 대상), what is left out of it and
why, each rate's numerator and denominator as the report counted them, and a
row per pledge saying what it adds to each. It is part of the view layer:
the website lays it out and computes nothing.

The figures are the view's own (the 총괄's tallies and money totals); the only
sums made here are the ones the view's rates are defined by (Σ weights,
Σ 추진율), so that a reader can check the printed text against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ..records.model import ReportSettings
from .view import ReportView, format_amount

UNRECORDED_STATUS = "추진상황 미기재"


@dataclass(frozen=True)
class RateFormula:
    """산식 한 줄: one printed rate, its definition and its figures."""

    name: str  # 달성률, 이행률, 평균진행률, 집행률, "완료 비율" …
    printed: str  # exactly as the report prints it: "100.0%"
    definition: str  # "달성 공약 수 ÷ 비율 대상 공약 수 × 100"
    numerator: str  # "1"
    denominator: str  # "1"


@dataclass(frozen=True)
class Contribution:
    """공약별 산입 내역: what one pledge adds to each rate."""

    id: str
    title: str
    status: str  # as printed; "추진상황 미기재" where none is recorded
    in_base: bool  # counted in 비율 대상
    apart: str  # why it is left out of every rate ("" when it is in the base)
    done: bool  # counted as 달성
    weight: str  # 이행률 points: "50", "" without weights or out of the base
    progress: str  # 추진율 entering 평균진행률: "88", ""


@dataclass(frozen=True)
class MoneyContribution:
    """집행률 산입 내역: one budgeted pledge's executed money and its base."""

    id: str
    title: str
    basis: str  # 확보액 in the years whose execution is recorded (백만원)
    executed: str


@dataclass(frozen=True)
class Formulas:
    """The 산식 page of one report."""

    period_words: str
    total: int  # 전체 공약
    base: int  # 비율 대상
    apart: tuple[tuple[str, int], ...]  # (what, how many) left out of the base
    done_statuses: tuple[str, ...]  # counted as 달성
    weights: tuple[tuple[str, str], ...]  # (status, "50") 이행률 weights in %
    rates: tuple[RateFormula, ...]
    contributions: tuple[Contribution, ...]
    money: RateFormula | None  # 집행률 over every budgeted pledge
    money_contributions: tuple[MoneyContribution, ...]


def _number(value: Decimal) -> str:
    return format_amount(value) or "0"


def rate_formulas(report: ReportView, settings: ReportSettings) -> Formulas:
    excluded = set(report.excluded_statuses)
    done_statuses = tuple(s for s in report.done_statuses if s not in excluded)
    weights = {s: w for s, w in settings.weights.items()} if settings.weights else {}
    counts = {c.status: c.count for c in report.summary}

    apart = [
        (f"{s} (비율 제외 상태)", counts[s]) for s in report.excluded_statuses if counts.get(s)
    ]
    if report.unrecorded:
        apart.append((UNRECORDED_STATUS, report.unrecorded))

    rates = [
        RateFormula(
            "달성률",
            report.done_share,
            f"달성 공약 수({'·'.join(done_statuses)}) ÷ 비율 대상 공약 수 × 100",
            str(report.done),
            str(report.base),
        )
    ]
    for count in report.summary:
        if count.status in excluded:
            continue
        rates.append(
            RateFormula(
                f"{count.status} 비율",
                count.share,
                f"{count.status} 공약 수 ÷ 비율 대상 공약 수 × 100",
                str(count.count),
                str(report.base),
            )
        )
    points = Decimal(0)
    progress: list[Decimal] = []
    contributions = []
    for view in report.pledges:
        status = view.status
        in_base = bool(status) and status in counts and status not in excluded
        weight = ""
        if in_base and weights:
            w = weights.get(status, Decimal(0))
            points += w
            weight = _number(w)
        rate = ""
        if in_base and settings.progress_rate and view.progress_rate is not None:
            progress.append(view.progress_rate)
            rate = _number(view.progress_rate)
        contributions.append(
            Contribution(
                id=view.id,
                title=view.title,
                status=status or UNRECORDED_STATUS,
                in_base=in_base,
                apart=""
                if in_base
                else (
                    f"{status}: 비율 산정 제외"
                    if status
                    else f"{UNRECORDED_STATUS}: 비율 산정 제외"
                ),
                done=in_base and status in done_statuses,
                weight=weight,
                progress=rate,
            )
        )
    if report.weighted_share:
        rates.append(
            RateFormula(
                "이행률",
                report.weighted_share,
                "Σ(공약별 추진상황의 가중치 %) ÷ 비율 대상 공약 수",
                _number(points),
                str(report.base),
            )
        )
    if report.average_progress:
        rates.append(
            RateFormula(
                "평균진행률",
                report.average_progress,
                "Σ(추진율 %) ÷ 추진율을 기록한 비율 대상 공약 수",
                _number(sum(progress, Decimal(0))),
                str(len(progress)),
            )
        )

    money = None
    money_rows: list[MoneyContribution] = []
    totals = report.money_totals
    if totals is not None and totals.basis is not None:
        money = RateFormula(
            "집행률",
            totals.rate_text,
            "집행액 ÷ 확보액(집행이 기재된 연도분) × 100",
            _number(totals.executed or Decimal(0)),
            _number(totals.basis),
        )
        for view in report.pledges:
            grand = view.secured_table.grand_total
            if view.non_budget or not view.plan_table.recorded or grand.rate_basis is None:
                continue
            money_rows.append(
                MoneyContribution(
                    view.id,
                    view.title,
                    _number(grand.rate_basis),
                    _number(grand.total.executed or Decimal(0)),
                )
            )
    return Formulas(
        period_words=report.period_words,
        total=report.total,
        base=report.base,
        apart=tuple(apart),
        done_statuses=done_statuses,
        weights=tuple((s, _number(w)) for s, w in weights.items()),
        rates=tuple(rates),
        contributions=tuple(contributions),
        money=money,
        money_contributions=tuple(money_rows),
    )
