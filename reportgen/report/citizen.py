"""무엇이 바뀌었나: a citizen's summary of what changed between two reports.

The compiling office reads the line-by-line comparison (``reportgen diff``,
the 신·구 대비표); a citizen wants three things: which pledges changed status,
which were adjusted and why, and where money moved. This module picks those
out of :func:`reportgen.report.diff.diff_views`'s result (it compares nothing itself)
and adds, for each 공약 조정, the reason and deciding body the new report prints.
"""

from __future__ import annotations

from dataclasses import dataclass

from .diff import ADJUSTMENTS, INDICATORS, PLAN_TABLE, SECURED_TABLE, STATUS, ReportDiff
from .view import AdjustmentView, ReportView

UNRECORDED_STATUS = "추진상황 미기재"


@dataclass(frozen=True)
class StatusMove:
    """추진상황 변경."""

    id: str
    title: str
    old: str
    new: str


@dataclass(frozen=True)
class RateMove:
    """추진율 또는 성과지표 실적의 변경."""

    id: str
    title: str
    what: str  # "추진율", "성과지표 평생학습 참여자 (명) 실적"
    old: str
    new: str


@dataclass(frozen=True)
class AdjustmentNote:
    """공약 조정: decided (or revised) between the two reports."""

    id: str
    title: str
    kind: str
    date: str
    reason: str
    decided_by: str
    before: str
    after: str
    merged_into: str


@dataclass(frozen=True)
class MoneyMove:
    """돈의 움직임: a pledge's 계 of one money table, before and after."""

    id: str
    title: str
    table: str  # 투자계획 / 확보(집행)액
    old: str
    new: str
    difference: str  # "△1,920" for a decrease, as the form writes it


@dataclass(frozen=True)
class CitizenSummary:
    old_words: str
    new_words: str
    statuses: tuple[StatusMove, ...]
    rates: tuple[RateMove, ...]
    adjustments: tuple[AdjustmentNote, ...]
    money: tuple[MoneyMove, ...]
    added: tuple[tuple[str, str], ...]  # (id, title) of pledges new in this report
    dropped: tuple[tuple[str, str], ...]

    @property
    def empty(self) -> bool:
        return not (
            self.statuses
            or self.rates
            or self.adjustments
            or self.money
            or self.added
            or self.dropped
        )

    def lines(self) -> tuple[str, ...]:
        """The summary as plain sentences (the Atom feed's text)."""
        out = [
            f"{a} {t}: {o} → {n}"
            for a, t, o, n in ((s.id, s.title, s.old, s.new) for s in self.statuses)
        ]
        out += [
            f"{r.id} {r.title}: {r.what} {r.old or '(없음)'} → {r.new or '(없음)'}"
            for r in self.rates
        ]
        out += [
            f"{a.id} {a.title}: 공약 조정({a.kind}, {a.date}"
            + (f", {a.decided_by}" if a.decided_by else "")
            + f") 사유: {a.reason}"
            for a in self.adjustments
        ]
        out += [
            f"{m.id} {m.title}: {m.table} 계 {m.old or '(없음)'} → {m.new or '(없음)'} ({m.difference}, 백만원)"
            for m in self.money
        ]
        out += [f"{i} {t}: 새로 실린 공약" for i, t in self.added]
        out += [f"{i} {t}: 이번 보고서에 실리지 않은 공약" for i, t in self.dropped]
        return tuple(out) or ("바뀐 추진상황, 공약 조정, 예산이 없습니다.",)


def _adjustment_key(a: AdjustmentView) -> str:
    return f"{a.kind} {a.date}"  # as reportgen.report.diff keys a 공약 조정


def citizen_summary(diff: ReportDiff, new: ReportView) -> CitizenSummary:
    """The changes of ``diff`` (old report -> ``new``) a citizen asks about."""
    views = {v.id: v for v in new.pledges}
    statuses: list[StatusMove] = []
    rates: list[RateMove] = []
    adjustments: list[AdjustmentNote] = []
    money: list[MoneyMove] = []
    added: list[tuple[str, str]] = []
    dropped: list[tuple[str, str]] = []
    for p in diff.pledges:
        if p.state == "added":
            added.append((p.id, p.title))
            continue
        if p.state == "dropped":
            dropped.append((p.id, p.title))
            continue
        view = views.get(p.id)
        decided = {_adjustment_key(a): a for a in view.adjustments} if view else {}
        for c in p.changes:
            if c.section == STATUS and not c.where:
                statuses.append(
                    StatusMove(
                        p.id, p.title, c.old or UNRECORDED_STATUS, c.new or UNRECORDED_STATUS
                    )
                )
            elif c.section == STATUS:
                rates.append(RateMove(p.id, p.title, "추진율", c.old or "", c.new or ""))
            elif c.section == INDICATORS and c.where[-1] == "실적":
                what = f"성과지표 {c.where[0]} 실적"
                rates.append(RateMove(p.id, p.title, what, c.old or "", c.new or ""))
            elif c.section == ADJUSTMENTS and c.where and c.where[0] in decided:
                a = decided[c.where[0]]
                adjustments.append(
                    AdjustmentNote(
                        p.id,
                        p.title,
                        a.kind,
                        a.date,
                        a.reason,
                        a.decided_by,
                        a.before,
                        a.after,
                        a.merged_into,
                    )
                )
            elif (
                c.section in (PLAN_TABLE, SECURED_TABLE)
                and len(c.where) == 3
                and c.where[1:] == ("계", "계")
            ):
                money.append(
                    MoneyMove(
                        p.id, p.title, c.where[0], c.old or "", c.new or "", c.difference or ""
                    )
                )
    return CitizenSummary(
        old_words=diff.old_words,
        new_words=diff.new_words,
        statuses=tuple(statuses),
        rates=tuple(rates),
        adjustments=tuple(adjustments),
        money=tuple(money),
        added=tuple(added),
        dropped=tuple(dropped),
    )
