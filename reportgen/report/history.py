"""반기별 추진 경과: each pledge over the term's reports, from the report view of each period.

A pledge's page on the term's website shows, per reported period, what that
period's report printed — 추진상황, 추진율, 성과지표, the money 계 — and every
공약 조정 with its date, reason and deciding body. Everything here is read from
:class:`~reportgen.report.view.ReportView` objects (one per period, each as of its own
period), so the history says exactly what each report said; the writer lays it
out only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .view import AdjustmentView, IndicatorRow, PledgeView, ReportView, format_amount

UNRECORDED_STATUS = "추진상황 미기재"


@dataclass(frozen=True)
class PeriodRecord:
    """반기별 기록: what one period's report printed about a pledge."""

    period: str  # "2022H1" (for addresses and sorting, never printed)
    period_words: str  # "2022년 상반기"
    status: str  # "추진상황 미기재" where the report records none
    progress_rate_text: str  # "88%", or ""
    indicators: tuple[IndicatorRow, ...]
    budget: str  # "예산" or "비예산"
    planned: str  # 투자계획 계 (백만원), "" where nothing is recorded
    secured: str  # 확보액 계
    executed: str  # 집행액 계


@dataclass(frozen=True)
class PledgeHistory:
    """추진 경과: a pledge's records over the term, oldest first, and its 공약 조정."""

    id: str
    periods: tuple[PeriodRecord, ...]
    adjustments: tuple[AdjustmentView, ...]  # as the latest report prints them, oldest first


def period_record(report: ReportView, view: PledgeView) -> PeriodRecord:
    plan = view.plan_table.grand_total.total
    secured = view.secured_table.grand_total.total
    recorded = not view.non_budget and view.plan_table.recorded
    return PeriodRecord(
        period=report.period,
        period_words=report.period_words,
        status=view.status or UNRECORDED_STATUS,
        progress_rate_text=view.progress_rate_text,
        indicators=view.indicators,
        budget="비예산" if view.non_budget else "예산",
        planned=format_amount(plan.amount) if recorded and not view.withdrawn else "",
        secured=format_amount(secured.amount) if recorded else "",
        executed=format_amount(secured.executed) if recorded else "",
    )


def pledge_histories(reports: Sequence[ReportView]) -> dict[str, PledgeHistory]:
    """Pledge number -> its history over ``reports`` (one view per period, any order).

    A pledge appears in the periods whose report prints it; its 공약 조정 are
    those of the latest report that prints it (an adjustment, once decided,
    stays on every later report).
    """
    ordered = sorted(reports, key=lambda r: r.period)
    rows: dict[str, list[PeriodRecord]] = {}
    latest: dict[str, PledgeView] = {}
    for report in ordered:
        for view in report.pledges:
            rows.setdefault(view.id, []).append(period_record(report, view))
            latest[view.id] = view
    return {
        pledge_id: PledgeHistory(pledge_id, tuple(records), latest[pledge_id].adjustments)
        for pledge_id, records in rows.items()
    }
