"""``reportgen check-plan FILE``: the published pledge list against the records (일치도).

The Manifesto evaluation grades whether what a city reports matches the
pledges it published (공약 실천계획서, 선거공보). This reads the published list
(:mod:`reportgen.intake.pledgelist`, the same table ``init --pledges`` reads) and
names every pledge that does not match the records:

- missing (기록에 없음): a listed number the records do not hold;
- renamed (공약명 불일치): the records' 공약명 differs from the list's;
- merged (통폐합): the record was merged into another pledge;
- split (분할): the listed number is gone and two or more records the list
  does not hold carry it on (a 공약 조정 of theirs names it, or their 공약명
  holds its own);
- a number mismatch (번호 불일치): the list's 공약명 is recorded under another number;
- not listed (목록에 없음): a record the list does not hold.

Each finding names the 공약 조정 of the records that explains it (its kind,
date, deciding body and reason), or says there is none. Titles are compared
without spacing and digit grouping ("1,000개" = "1000 개"). Anything
unexplained makes the command exit 1.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..i18n import tr
from ..josa import particle
from ..records.model import Adjustment, Pledge
from ..records.validate import check
from .pledgelist import ListedPledge, read_pledge_list

MISSING = "missing"
RENAMED = "renamed"
MERGED = "merged"
SPLIT = "split"
NUMBER = "number"
UNLISTED = "unlisted"
WITHDRAWN = "withdrawn"

KIND_WORDS = {
    MISSING: "기록에 없음",
    RENAMED: "공약명 불일치",
    MERGED: "통폐합",
    SPLIT: "분할",
    NUMBER: "번호 불일치",
    UNLISTED: "목록에 없음",
    WITHDRAWN: "폐기",
}

_GROUPING = re.compile(r"(?<=[0-9]),(?=[0-9]{3})")


def same_text(a: str, b: str) -> bool:
    """Equal but for spacing and digit grouping: "1,000개 일자리" = "1000개일자리"."""
    return _key(a) == _key(b)


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKC", text)
    return "".join(_GROUPING.sub("", text).split())


@dataclass(frozen=True)
class Finding:
    """불일치 한 건: what differs, for which pledge, and the 공약 조정 that explains it."""

    kind: str
    number: str  # the list's number (or the record's, for one not listed)
    listed: str  # what the list says ("" when not listed)
    recorded: str  # what the records say ("" when missing)
    explanation: str  # the 공약 조정 that explains it, "" when none
    row: int | None = None  # the list's row

    @property
    def explained(self) -> bool:
        return bool(self.explanation)

    def line(self, file: str) -> str:
        tag = (
            tr("[설명됨]", "[explained]") if self.explained else tr("[설명 없음]", "[unexplained]")
        )
        where = tr(f"{file}: {self.row}행: ", f"{file}: row {self.row}: ") if self.row else ""
        what = KIND_WORDS[self.kind]
        detail = {
            MISSING: tr(
                f"목록의 '{self.listed}'{particle(self.listed, '이')} 기록에 없습니다",
                f"the list's '{self.listed}' is not in the records",
            ),
            RENAMED: tr(
                f"목록 '{self.listed}' ↔ 기록 '{self.recorded}'",
                f"list '{self.listed}' ↔ records '{self.recorded}'",
            ),
            MERGED: tr(f"'{self.listed}' → {self.recorded}", f"'{self.listed}' → {self.recorded}"),
            SPLIT: tr(
                f"'{self.listed}' → {self.recorded}",
                f"'{self.listed}' → {self.recorded}",
            ),
            NUMBER: tr(
                f"'{self.listed}'{particle(self.listed, '이')} 기록에서는 {self.recorded}번입니다",
                f"'{self.listed}' is recorded as {self.recorded}",
            ),
            UNLISTED: tr(
                f"기록의 '{self.recorded}'{particle(self.recorded, '이')} 목록에 없습니다",
                f"the records' '{self.recorded}' is not in the list",
            ),
            WITHDRAWN: tr(f"'{self.listed}'", f"'{self.listed}'"),
        }[self.kind]
        because = (
            tr(f" — 공약 조정: {self.explanation}", f" — 공약 조정: {self.explanation}")
            if self.explained
            else tr(" — 이를 설명하는 공약 조정이 없습니다", " — no 공약 조정 explains it")
        )
        return f"{tag} {where}{self.number} {what}: {detail}{because}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": KIND_WORDS[self.kind],
            "number": self.number,
            "listed": self.listed,
            "recorded": self.recorded,
            "row": self.row,
            "explained": self.explained,
            "explanation": self.explanation,
        }


@dataclass
class PlanCheck:
    """The published list against the records: every finding, in the list's order."""

    file: str
    listed: int
    recorded: int
    findings: list[Finding] = field(default_factory=list)

    @property
    def unexplained(self) -> list[Finding]:
        return [f for f in self.findings if not f.explained]

    def lines(self) -> list[str]:
        out = [f.line(self.file) for f in self.findings]
        out.append(
            tr(
                f"{self.file}: 목록 공약 {self.listed}개, 기록 공약 {self.recorded}개 — "
                f"불일치 {len(self.findings)}건, 그중 설명 없는 것 {len(self.unexplained)}건",
                f"{self.file}: {self.listed} listed, {self.recorded} recorded — "
                f"{len(self.findings)} difference(s), {len(self.unexplained)} unexplained",
            )
        )
        return out

    def to_json(self) -> str:
        data = {
            "file": self.file,
            "listed": self.listed,
            "recorded": self.recorded,
            "findings": [f.to_dict() for f in self.findings],
            "unexplained": len(self.unexplained),
        }
        return json.dumps(data, ensure_ascii=False, indent=2)


def describe(adjustment: Adjustment) -> str:
    """``통폐합 (2027-03, 공약이행평가단 심의): 유사 사업 통합``."""
    facts = [x for x in (adjustment.date, adjustment.decided_by) if x]
    head = adjustment.kind + (f" ({', '.join(facts)})" if facts else "")
    change = ""
    if adjustment.before or adjustment.after:
        change = f" [{adjustment.before or ''} → {adjustment.after or ''}]"
    if adjustment.merged_into:
        change += f" [→ {adjustment.merged_into}]"
    return f"{head}{change}: {adjustment.reason}"


def _mentions(adjustment: Adjustment, listed: ListedPledge) -> bool:
    """Does the adjustment speak of the listed pledge (its number or its 공약명)?"""
    texts = [adjustment.before, adjustment.after, adjustment.reason, adjustment.merged_into]
    title = _key(listed.title)
    for text in texts:
        if not text:
            continue
        if title and title in _key(text):
            return True
        if re.search(rf"(?<![0-9A-Za-z-]){re.escape(listed.number)}(?![0-9A-Za-z])", text):
            return True
    return False


def _titles(pledge: Pledge) -> list[str]:
    """The 공약명 a record has carried, oldest first: its own, then each report's rename."""
    renames = [pledge.reports[p].title for p in sorted(pledge.reports)]
    return [pledge.title, *(t for t in renames if t)]


def check_plan(records_dir: Path, file: Path) -> PlanCheck:
    """Compare the published list ``file`` with the records of ``records_dir``."""
    records, _warnings = check(records_dir)
    assert records.settings is not None
    listed = read_pledge_list(file, records.settings.numbering)
    by_id = {p.id: p for p in records.pledges}
    result = PlanCheck(str(file), len(listed.pledges), len(by_id))
    listed_ids = {p.number for p in listed.pledges}
    all_adjustments = [(p, a) for p in records.pledges for a in p.adjustments]
    seen_records: set[str] = set()
    withdrawn_kinds = set(records.settings.withdrawn_kinds) - {"통폐합"}

    def explained_by(items: list[Adjustment], kinds: tuple[str, ...] = ()) -> str:
        for adjustment in items:
            if not kinds or adjustment.kind in kinds:
                return describe(adjustment)
        return ""

    for item in listed.pledges:
        record = by_id.get(item.number)
        if record is not None:
            seen_records.add(record.id)
            merged = [a for a in record.adjustments if a.merged_into or a.kind == "통폐합"]
            if merged:
                result.findings.append(
                    Finding(
                        MERGED,
                        item.number,
                        item.title,
                        merged[-1].merged_into or tr("(통합 대상 미기재)", "(target not recorded)"),
                        describe(merged[-1]),
                        item.row,
                    )
                )
                continue
            # 폐기, or whatever the city withdraws a pledge by (report.json withdrawn_kinds).
            withdrawn = [a for a in record.adjustments if a.kind in withdrawn_kinds]
            if withdrawn:
                result.findings.append(
                    Finding(
                        WITHDRAWN,
                        item.number,
                        item.title,
                        record.title,
                        describe(withdrawn[-1]),
                        item.row,
                    )
                )
            latest = _titles(record)[-1]  # what the records print now
            if not same_text(item.title, latest):
                # A rename is explained by a 공약 조정 (변경) of the record.
                explanation = explained_by(
                    [a for a in record.adjustments if a.kind not in withdrawn_kinds | {"보류"}]
                )
                result.findings.append(
                    Finding(RENAMED, item.number, item.title, latest, explanation, item.row)
                )
            continue
        # Not under its number: recorded under another one?
        moved = [
            p
            for p in records.pledges
            if p.id not in listed_ids and any(same_text(item.title, t) for t in _titles(p))
        ]
        if moved:
            target = moved[0]
            seen_records.add(target.id)
            result.findings.append(
                Finding(
                    NUMBER,
                    item.number,
                    item.title,
                    target.id,
                    explained_by([a for _, a in all_adjustments if _mentions(a, item)]),
                    item.row,
                )
            )
            continue
        # Split: two or more records the list does not hold carry it on (they name it in
        # a 공약 조정, or their 공약명 holds its own).
        mentioned = [a for _, a in all_adjustments if _mentions(a, item)]
        parts = [
            p
            for p in records.pledges
            if p.id not in listed_ids
            and (
                any(_mentions(a, item) for a in p.adjustments)
                or any(_key(item.title) in _key(t) for t in _titles(p))
            )
        ]
        if len(parts) >= 2:
            seen_records.update(p.id for p in parts)
            result.findings.append(
                Finding(
                    SPLIT,
                    item.number,
                    item.title,
                    ", ".join(p.id for p in parts),
                    explained_by(mentioned),
                    item.row,
                )
            )
            continue
        result.findings.append(
            Finding(MISSING, item.number, item.title, "", explained_by(mentioned), item.row)
        )

    for record in records.pledges:
        if record.id in listed_ids or record.id in seen_records:
            continue
        result.findings.append(
            Finding(UNLISTED, record.id, "", record.title, explained_by(list(record.adjustments)))
        )
    return result
