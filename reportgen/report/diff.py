"""``reportgen diff OLD NEW``: what changed between two periods' reports, pledge by pledge.

The comparison is of what the reports *print* — the format-neutral views of
:mod:`reportgen.report.view` — not of the raw records, so a carried-forward value,
a derived total or a period label is compared exactly as a reader sees it.

- **Text** (추진실적 및 향후 추진계획, 문제점 및 개선대책): each section is a list of
  printed ``(level, symbol, text)`` lines, concatenated over its rows (그동안 /
  직전 반기 / 추진계획, or 문제점 / 개선대책) and aligned with difflib. Rows are
  matched by role, never by label, because labels are functions of the period;
  and because an item moves from the previous half's row into 그동안 추진실적
  as periods advance, a line printed anywhere in OLD and anywhere in NEW is not
  an addition (it is equal, or ``moved`` when its order changed). Lines left
  over in one changed stretch are paired as ``reworded`` when similar enough
  (ratio ≥ :data:`REWORD_RATIO`), with word-level changes inside them.
- **Figures**: both money tables cell by cell (공약사업명, 재원, column), with the
  difference written the Korean way (``△1,920`` for a decrease; FORM.md §9).
- **Fields**: 공약 조정 first (a decision explains what follows), status and
  추진율, contacts, participation, 공약명, 소관부서, 비예산; 성과지표 (목표, 실적,
  달성률); pledges added or dropped; report-wide labels and the 총괄 counts.

The result is plain frozen data (:class:`ReportDiff`), serialised by
:meth:`ReportDiff.to_json` and laid out by :func:`summary_lines` (terminal) and
:mod:`reportgen.formats.diff_docx` (신·구 대비표).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import marshal
import os
import select
import signal
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from difflib import SequenceMatcher
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal, NamedTuple

import click

from .. import josa
from ..bulk import built
from ..errors import PeriodError, ReportgenError
from ..forked import can_fork, fork_worker
from ..i18n import tr
from ..records.load import RecordSet
from ..records.model import Pledge, ReportSettings
from ..records.periods import FiscalColumn, Period, Term
from ..records.text import blankless
from .view import (
    IndicatorRow,
    Line,
    MoneyCell,
    MoneyTable,
    PledgeView,
    ReportView,
    assemble_report,
    format_amount,
    pledge_view,
    printed_rows,
    progress_together,
    report_view,
)

if TYPE_CHECKING:
    from ..records.validate import Memo

REWORD_RATIO = 0.6
"""Two lines of one changed stretch count as one reworded line from this similarity on."""

_MAX_PAIRING_CELLS = 250_000  # above this, pair reworded lines greedily instead of optimally

# Sections, in the order a pledge's pages print them.
PLEDGE = "pledge"
ADJUSTMENTS = "adjustments"
STATUS = "status"
CONTACTS = "contacts"
PARTICIPATION = "participation"
PROGRESS = "progress"
PROBLEMS = "problems"
PLAN_TABLE = "plan_table"
SECURED_TABLE = "secured_table"
INDICATORS = "indicators"
LABELS = "labels"
SUMMARY = "summary"

SECTION_TITLES = {
    PLEDGE: "공약",
    ADJUSTMENTS: "공약 조정",
    STATUS: "추진상황",
    CONTACTS: "담당",
    PARTICIPATION: "시민참여(소통) 실적",
    PROGRESS: "추진실적 및 향후 추진계획",
    PROBLEMS: "문제점 및 개선대책",
    PLAN_TABLE: "연도별 투자계획(사업비)",
    SECURED_TABLE: "연도별 확보(집행)액",
    INDICATORS: "성과지표",
    LABELS: "서식 항목",
    SUMMARY: "총괄",
}

# Roles of the rows of □ 추진실적 및 향후 추진계획, from the last row up: a report
# always has the plan row; the previous half's and the cumulative rows appear
# once the term has that much past (periods.ReportWindows).
PROGRESS_ROLES = ("cumulative", "previous", "plan")
ROLE_NAMES = {
    "cumulative": "그동안 추진실적",
    "previous": "직전 반기 추진실적",
    "plan": "추진계획",
}

ChangeKind = Literal["added", "removed", "reworded", "moved", "changed"]
PairOp = Literal[
    "equal", "added", "removed", "reworded", "moved_out", "moved_in", "group", "omitted"
]


# ---------------------------------------------------------------------------
# The result


@dataclass(frozen=True)
class Word:
    """One stretch of a word-level diff: kept, deleted from OLD, or inserted in NEW."""

    op: Literal["equal", "delete", "insert"]
    text: str


@dataclass(frozen=True)
class Change:
    """One difference between the two reports.

    ``where`` locates it for a reader: the row label a line sits under; the
    table, sub-project, funding source and column of a figure; the role of a
    contact. ``role`` is the machine name of a text row (cumulative, previous,
    plan; problems, measures, general). ``difference`` is new − old for a
    figure, a decrease written with △. ``derived`` marks a computed total (계,
    소계), which changes because a figure beside it did.
    """

    section: str
    kind: ChangeKind
    where: tuple[str, ...] = ()
    old: str | None = None
    new: str | None = None
    level: int | None = None
    symbol: str | None = None
    role: str | None = None
    words: tuple[Word, ...] = ()
    difference: str | None = None
    derived: bool = False


@dataclass(frozen=True)
class TextLine:
    """One printed line of 개조식 text on one side."""

    level: int
    symbol: str
    text: str


@dataclass(frozen=True)
class Group:
    """A row (추진실적 rows) or heading (○ 문제점) that lines sit under on one side."""

    role: str
    label: str


@dataclass(frozen=True)
class Pair:
    """One step of a text section's side-by-side alignment (the 신·구 대비표's rows).

    ``group`` marks where a row or heading starts on one side or both;
    ``omitted`` stands for ``count`` unchanged lines left out ((생 략));
    ``equal`` lines kept are context (the items a change sits under).
    """

    op: PairOp
    old: TextLine | None = None
    new: TextLine | None = None
    words: tuple[Word, ...] = ()
    old_group: Group | None = None
    new_group: Group | None = None
    count: int = 0


@dataclass(frozen=True)
class TextDiff:
    section: str
    title: str
    pairs: tuple[Pair, ...]


@dataclass(frozen=True)
class PledgeDiff:
    id: str
    title: str
    state: Literal["changed", "unchanged", "added", "dropped"]
    changes: tuple[Change, ...]
    texts: tuple[TextDiff, ...] = ()  # text sections with changes, aligned for side-by-side

    @property
    def changed(self) -> bool:
        return self.state != "unchanged"

    def count(self, kind: str, sections: Iterable[str] = (PROGRESS, PROBLEMS)) -> int:
        wanted = set(sections)
        return sum(1 for c in self.changes if c.kind == kind and c.section in wanted)


@dataclass(frozen=True)
class ReportDiff:
    """Every difference between the reports of ``old`` and ``new``."""

    old: str
    new: str
    old_words: str
    new_words: str
    city: str
    title: str
    pledge: str | None
    changes: tuple[Change, ...]  # report-wide: labels, term, 총괄
    pledges: tuple[PledgeDiff, ...]

    @property
    def changed(self) -> bool:
        return bool(self.changes) or any(p.changed for p in self.pledges)

    @property
    def changed_pledges(self) -> tuple[PledgeDiff, ...]:
        return tuple(p for p in self.pledges if p.changed)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = _as_dict(self)
        data["changed"] = self.changed
        data["counts"] = {
            state: sum(1 for p in self.pledges if p.state == state)
            for state in ("added", "changed", "dropped", "unchanged")
        }
        return data

    def to_json(self) -> str:
        """Deterministic JSON: sorted keys, Hangul as is, one trailing newline."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


# ---------------------------------------------------------------------------
# Small helpers


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_LEAVES = frozenset((str, int, float, bool, type(None)))


def _as_dict(value: Any) -> Any:
    """:func:`dataclasses.asdict` of a diff's values, the same result without its costs.

    asdict deep-copies every leaf and looks up each dataclass's fields anew:
    over a diff of 300 pledges (~30,000 changes) that was half of to_json.
    A diff holds dataclasses, tuples, lists, dicts and plain leaves (str,
    int, bool, None), each given back as asdict gives it; anything else is
    handed to asdict itself.
    """
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is tuple or kind is list:
        return kind([_as_dict(v) for v in value])
    if kind is dict:
        return {_as_dict(k): _as_dict(v) for k, v in value.items()}
    names = _FIELD_NAMES.get(kind)
    if names is None:
        if not dataclasses.is_dataclass(value) or isinstance(value, type):
            return _other(value)
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
    return {name: _as_dict(getattr(value, name)) for name in names}


def _other(value: Any) -> Any:
    """Anything else as asdict gives it (a named tuple, a copy of another leaf)."""
    return dataclasses.asdict(_Holder(value))["value"]


@dataclass(frozen=True)
class _Holder:
    value: Any


# A diff of 300 pledges makes tens of thousands of changes and pairs: made with
# built(), without a setattr per field, the same values as the constructors give.
def _change(
    section: str,
    kind: ChangeKind,
    where: tuple[str, ...] = (),
    old: str | None = None,
    new: str | None = None,
    level: int | None = None,
    symbol: str | None = None,
    role: str | None = None,
    words: tuple[Word, ...] = (),
    difference: str | None = None,
    derived: bool = False,
) -> Change:
    """``Change(…)``, every field given (see :func:`reportgen.bulk.built`)."""
    return built(
        Change,
        section=section,
        kind=kind,
        where=where,
        old=old,
        new=new,
        level=level,
        symbol=symbol,
        role=role,
        words=words,
        difference=difference,
        derived=derived,
    )


def _pair(
    op: PairOp,
    old: TextLine | None = None,
    new: TextLine | None = None,
    words: tuple[Word, ...] = (),
    old_group: Group | None = None,
    new_group: Group | None = None,
    count: int = 0,
) -> Pair:
    """``Pair(…)``, every field given (see :func:`reportgen.bulk.built`)."""
    return built(
        Pair,
        op=op,
        old=old,
        new=new,
        words=words,
        old_group=old_group,
        new_group=new_group,
        count=count,
    )


def signed_amount(value: Decimal) -> str:
    """``1920`` -> ``1,920``; ``-1920`` -> ``△1,920`` (a decrease, FORM.md §9)."""
    return f"△{format_amount(-value)}" if value < 0 else format_amount(value)


def word_diff(old: str, new: str) -> tuple[Word, ...]:
    """Word-level changes (whitespace-split tokens) between two lines."""
    a, b = old.split(), new.split()
    out: list[Word] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out.append(Word("equal", " ".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(Word("delete", " ".join(a[i1:i2])))
        if j2 > j1:
            out.append(Word("insert", " ".join(b[j1:j2])))
    return tuple(out)


def similarity(a: str, b: str) -> float:
    matcher = SequenceMatcher(None, a, b, autojunk=False)
    if matcher.real_quick_ratio() < REWORD_RATIO or matcher.quick_ratio() < REWORD_RATIO:
        return 0.0
    return matcher.ratio()


# ---------------------------------------------------------------------------
# Text sections


@dataclass(frozen=True)
class _Side:
    # The view's printed lines, placeholders left out; a line becomes a
    # TextLine only where the result shows it (_text_line).
    lines: tuple[Line, ...]
    groups: tuple[Group, ...]
    group_of: tuple[int, ...]  # per line: index into groups


def _text_line(line: Line | None) -> TextLine | None:
    return (
        None
        if line is None
        else built(TextLine, level=line.level, symbol=line.symbol, text=line.text)
    )


def _side(sections: Sequence[tuple[Group, Sequence[Line]]]) -> _Side:
    lines: list[Line] = []
    groups: list[Group] = []
    group_of: list[int] = []
    for group, group_lines in sections:
        lines.extend(group_lines)
        group_of.extend([len(groups)] * len(group_lines))
        groups.append(group)
    return _Side(tuple(lines), tuple(groups), tuple(group_of))


def _progress_side(view: PledgeView | None) -> _Side:
    if view is None:
        return _side([])
    roles = PROGRESS_ROLES[-len(view.progress) :] if view.progress else ()
    return _side(
        [
            (
                Group(role, f"{row.title} {row.note}".strip()),
                [x for x in row.lines if not x.placeholder],
            )
            for role, row in zip(roles, view.progress, strict=True)
        ]
    )


def _problems_side(view: PledgeView | None) -> _Side:
    if view is None:
        return _side([])
    roles = {"문제점": "problems", "개선대책": "measures", "": "general"}
    return _side(
        [
            (
                Group(roles.get(heading, heading), f"○ {heading}" if heading else ""),
                [x for x in lines if not x.placeholder],
            )
            for heading, lines in view.problems.sections
        ]
    )


def _pair_similar(
    olds: list[int], news: list[int], a: Sequence[Line], b: Sequence[Line]
) -> list[tuple[int, int]]:
    """Pair similar lines of one changed stretch, keeping their order (max total similarity)."""
    if not olds or not news:
        return []

    def score(i: int, j: int) -> float:
        if a[i].level != b[j].level or a[i].symbol != b[j].symbol:
            return 0.0
        return similarity(a[i].text, b[j].text)

    n, m = len(olds), len(news)
    if n * m > _MAX_PAIRING_CELLS:
        pairs, start = [], 0
        for i in olds:
            for k in range(start, m):
                if score(i, news[k]) >= REWORD_RATIO:
                    pairs.append((i, news[k]))
                    start = k + 1
                    break
        return pairs
    sim = [[score(i, j) for j in news] for i in olds]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for x in range(n - 1, -1, -1):
        for y in range(m - 1, -1, -1):
            take = sim[x][y] + best[x + 1][y + 1] if sim[x][y] >= REWORD_RATIO else -1.0
            best[x][y] = max(best[x + 1][y], best[x][y + 1], take)
    pairs, x, y = [], 0, 0
    while x < n and y < m:
        if sim[x][y] >= REWORD_RATIO and best[x][y] == sim[x][y] + best[x + 1][y + 1]:
            pairs.append((olds[x], news[y]))
            x, y = x + 1, y + 1
        elif best[x][y] == best[x + 1][y]:
            x += 1
        else:
            y += 1
    return pairs


class _Step(NamedTuple):
    """One aligned step: old line ``i`` and/or new line ``j``; ``source`` is a move's old line.

    A tuple, not a dataclass: a diff of 300 pledges makes tens of thousands.
    """

    op: str
    i: int | None = None
    j: int | None = None
    source: int | None = None


def _align(old: _Side, new: _Side) -> list[_Step]:
    """Align two sides: equal, added, removed, reworded, moved_out / moved_in."""
    # One side empty (a pledge that reported nothing in OLD): every line of the
    # other is added (removed), as _aligned finds too, without its work.
    if not old.lines:
        return [_Step("added", j=j) for j in range(len(new.lines))]
    if not new.lines:
        return [_Step("removed", i=i) for i in range(len(old.lines))]
    return _aligned(old, new)


def _aligned(old: _Side, new: _Side) -> list[_Step]:
    """:func:`_align`'s general way, for any two sides."""
    a = [(x.level, x.symbol, x.text) for x in old.lines]
    b = [(x.level, x.symbol, x.text) for x in new.lines]
    opcodes = SequenceMatcher(None, a, b, autojunk=False).get_opcodes()

    # A line printed anywhere in OLD and anywhere in NEW is not added: the
    # leftovers of the changed stretches are paired by identical text first,
    # as a multiset, and count as moved.
    unmatched_old: dict[tuple[int, str, str], deque[int]] = defaultdict(deque)
    for tag, i1, i2, _j1, _j2 in opcodes:
        if tag != "equal":
            for i in range(i1, i2):
                unmatched_old[a[i]].append(i)
    moved_new: dict[int, int] = {}  # new index -> old index
    for tag, _i1, _i2, j1, j2 in opcodes:
        if tag != "equal":
            for j in range(j1, j2):
                if unmatched_old.get(b[j]):
                    moved_new[j] = unmatched_old[b[j]].popleft()
    moved_old = set(moved_new.values())

    steps: list[_Step] = []
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            steps.extend(_Step("equal", i1 + k, j1 + k) for k in range(i2 - i1))
            continue
        olds = [i for i in range(i1, i2) if i not in moved_old]
        news = [j for j in range(j1, j2) if j not in moved_new]
        pairs = _pair_similar(olds, news, old.lines, new.lines)
        i, j = i1, j1
        for pi, pj in [*pairs, (i2, j2)]:
            for k in range(i, pi):
                steps.append(_Step("moved_out" if k in moved_old else "removed", i=k))
            for k in range(j, pj):
                if k in moved_new:
                    steps.append(_Step("moved_in", j=k, source=moved_new[k]))
                else:
                    steps.append(_Step("added", j=k))
            if pi < i2:
                steps.append(_Step("reworded", pi, pj))
            i, j = pi + 1, pj + 1
    return steps


def _context(steps: list[_Step], old: _Side, new: _Side) -> set[int]:
    """Steps (equal lines) kept as context: the items each change sits under."""
    if not old.lines or not new.lines:
        return set()  # no line is equal: none is context
    equal_old = {s.i: n for n, s in enumerate(steps) if s.op == "equal"}
    equal_new = {s.j: n for n, s in enumerate(steps) if s.op == "equal"}
    keep: set[int] = set()

    def ancestors(side: _Side, index: int, equal_at: dict[int | None, int]) -> None:
        level = side.lines[index].level
        group = side.group_of[index]
        for k in range(index - 1, -1, -1):
            if level <= 0 or side.group_of[k] != group:
                break
            if side.lines[k].level < level:
                level = side.lines[k].level
                if k in equal_at:
                    keep.add(equal_at[k])

    for step in steps:
        if step.op == "equal":
            continue
        if step.i is not None:
            ancestors(old, step.i, equal_old)
        if step.j is not None:
            ancestors(new, step.j, equal_new)
    return keep


def _text_diff(section: str, old: _Side, new: _Side) -> tuple[TextDiff | None, list[Change]]:
    steps = _align(old, new)
    if all(s.op == "equal" for s in steps):
        return None, []
    context = _context(steps, old, new)

    def group(side: _Side, index: int) -> Group:
        return side.groups[side.group_of[index]]

    changes: list[Change] = []
    pairs: list[Pair] = []
    omitted = 0
    cur_old: int | None = None
    cur_new: int | None = None

    def flush() -> None:
        nonlocal omitted
        if omitted:
            pairs.append(_pair("omitted", count=omitted))
            omitted = 0

    for n, step in enumerate(steps):
        i, j = step.i, step.j
        og = old.group_of[i] if i is not None and old.group_of[i] != cur_old else None
        ng = new.group_of[j] if j is not None and new.group_of[j] != cur_new else None
        if og is not None or ng is not None:
            flush()
            o_group = old.groups[og] if og is not None else None
            n_group = new.groups[ng] if ng is not None else None
            words: tuple[Word, ...] = ()
            if o_group and n_group and o_group.role == n_group.role:
                words = word_diff(o_group.label, n_group.label)
            if (o_group and o_group.label) or (n_group and n_group.label):
                pairs.append(_pair("group", old_group=o_group, new_group=n_group, words=words))
            cur_old = og if og is not None else cur_old
            cur_new = ng if ng is not None else cur_new
        o_line = old.lines[i] if i is not None else None
        n_line = new.lines[j] if j is not None else None
        if step.op == "equal":
            if n in context:
                flush()
                pairs.append(_pair("equal", _text_line(o_line), _text_line(n_line)))
            else:
                omitted += 1
            continue
        flush()
        if step.op == "reworded":
            assert o_line and n_line and j is not None
            words = word_diff(o_line.text, n_line.text)
            pairs.append(_pair("reworded", _text_line(o_line), _text_line(n_line), words))
            g = group(new, j)
            changes.append(
                _change(
                    section,
                    "reworded",
                    (g.label,),
                    o_line.text,
                    n_line.text,
                    level=n_line.level,
                    symbol=n_line.symbol,
                    role=g.role,
                    words=words,
                )
            )
        elif step.op == "added":
            assert n_line and j is not None
            pairs.append(_pair("added", None, _text_line(n_line)))
            g = group(new, j)
            changes.append(
                _change(
                    section,
                    "added",
                    (g.label,),
                    None,
                    n_line.text,
                    level=n_line.level,
                    symbol=n_line.symbol,
                    role=g.role,
                )
            )
        elif step.op == "removed":
            assert o_line and i is not None
            pairs.append(_pair("removed", _text_line(o_line), None))
            g = group(old, i)
            changes.append(
                _change(
                    section,
                    "removed",
                    (g.label,),
                    o_line.text,
                    None,
                    level=o_line.level,
                    symbol=o_line.symbol,
                    role=g.role,
                )
            )
        elif step.op == "moved_out":
            pairs.append(_pair("moved_out", _text_line(o_line), None))
        else:  # moved_in
            assert n_line and j is not None and step.source is not None
            pairs.append(_pair("moved_in", None, _text_line(n_line)))
            g = group(new, j)
            changes.append(
                _change(
                    section,
                    "moved",
                    (group(old, step.source).label, g.label),
                    n_line.text,
                    n_line.text,
                    level=n_line.level,
                    symbol=n_line.symbol,
                    role=g.role,
                )
            )
    flush()
    return TextDiff(section, SECTION_TITLES[section], tuple(pairs)), changes


# ---------------------------------------------------------------------------
# Fields and figures


def _field(
    section: str, where: tuple[str, ...], old: str, new: str, *, same: bool | None = None
) -> list[Change]:
    """A printed value compared as text; blank on one side is an addition or removal."""
    if (old == new) if same is None else same:
        return []
    if not old:
        return [_change(section, "added", where, None, new)]
    if not new:
        return [_change(section, "removed", where, old, None)]
    return [_change(section, "changed", where, old, new, words=word_diff(old, new))]


def _header_changes(old: PledgeView | None, new: PledgeView | None) -> list[Change]:
    if old is None or new is None:
        return []
    return [
        *_field(PLEDGE, ("공약명",), old.title, new.title),
        *_field(PLEDGE, ("소관부서",), old.department, new.department),
        *_field(
            PLEDGE,
            ("비예산",),
            "비예산" if old.non_budget else "예산",
            "비예산" if new.non_budget else "예산",
        ),
    ]


def _status_changes(old: PledgeView | None, new: PledgeView | None) -> list[Change]:
    o = old.status if old else ""
    n = new.status if new else ""
    # Spellings vary (이행 후 계속추진 / 이행후계속추진): compare with blanks removed.
    out = _field(STATUS, (), o, n, same=blankless(o) == blankless(n))
    o_rate = old.progress_rate_text if old else ""
    n_rate = new.progress_rate_text if new else ""
    return out + _field(STATUS, ("추진율",), o_rate, n_rate)


def _adjustment_changes(old: PledgeView | None, new: PledgeView | None) -> list[Change]:
    """공약 조정 decided between the two reports (or revised): shown before anything else."""

    def decided(view: PledgeView | None) -> dict[str, str]:
        if view is None:
            return {}
        return {
            f"{a.kind} {a.date}".rstrip(): " / ".join((a.heading, *(line.text for line in a.lines)))
            for a in view.adjustments
        }

    o, n = decided(old), decided(new)
    return [
        c
        for key in [*n, *(k for k in o if k not in n)]
        for c in _field(ADJUSTMENTS, (key,), o.get(key, ""), n.get(key, ""))
    ]


def _indicator_changes(old: PledgeView | None, new: PledgeView | None) -> list[Change]:
    """성과지표: target, result and 달성률 of each indicator (by name and unit)."""

    def rows(view: PledgeView | None) -> dict[tuple[str, str], IndicatorRow]:
        return {(r.name, r.unit): r for r in view.indicators} if view else {}

    o, n = rows(old), rows(new)
    out: list[Change] = []
    for key in [*n, *(k for k in o if k not in n)]:
        name, unit = key
        o_row, n_row = o.get(key), n.get(key)
        for label, attr in (("목표", "target"), ("실적", "result"), ("달성률", "rate")):
            o_text = getattr(o_row, f"{attr}_text") if o_row else ""
            n_text = getattr(n_row, f"{attr}_text") if n_row else ""
            if o_text == n_text:
                continue
            kind: ChangeKind = "added" if not o_text else "removed" if not n_text else "changed"
            difference = ""
            o_value = getattr(o_row, attr) if o_row else None
            n_value = getattr(n_row, attr) if n_row else None
            if attr != "rate" and (o_value is not None or n_value is not None):
                difference = signed_amount((n_value or Decimal(0)) - (o_value or Decimal(0)))
            out.append(
                _change(
                    INDICATORS,
                    kind,
                    (f"{name} ({unit})", label),
                    o_text or None,
                    n_text or None,
                    difference=difference,
                )
            )
    return out


def _contact_changes(old: PledgeView | None, new: PledgeView | None) -> list[Change]:
    def people(view: PledgeView | None) -> dict[str, str]:
        return {c.role: f"{c.name} ({c.phone})" for c in view.contacts} if view else {}

    o, n = people(old), people(new)
    roles = [*n, *(r for r in o if r not in n)]
    return [
        c for role in roles for c in _field(CONTACTS, (role,), o.get(role, ""), n.get(role, ""))
    ]


def _participation_changes(old: PledgeView | None, new: PledgeView | None) -> list[Change]:
    o = old.participation if old else None
    n = new.participation if new else None
    o_cells = {c.heading: c.text for c in o or ()}
    n_cells = {c.heading: c.text for c in n or ()}
    out: list[Change] = []
    for heading in [*n_cells, *(h for h in o_cells if h not in n_cells)]:
        out += _field(PARTICIPATION, (heading,), o_cells.get(heading, ""), n_cells.get(heading, ""))
    if not out and (o is None) != (n is None):
        # Only the empty frame of the table appears or goes.
        frame = "(빈 표)"
        out.append(
            _change(
                PARTICIPATION,
                "added" if o is None else "removed",
                ("표",),
                None if o is None else frame,
                None if n is None else frame,
            )
        )
    return out


_CellKey = tuple[str, str, str]  # (sub-project, row label, column label)


def _cells(
    table: MoneyTable | None, printed_only: bool = False
) -> dict[_CellKey, tuple[MoneyCell, bool]]:
    """Every printed cell of a money table: key -> (cell, derived total?).

    ``printed_only``: only the cells that print a figure (the blank ones are
    left out, as a side compared with no table needs none of them).
    """
    if table is None:
        return {}
    out: dict[_CellKey, tuple[MoneyCell, bool]] = {}
    labels = table.column_labels
    seen: dict[str, int] = defaultdict(int)
    block = ""
    grand = table.grand_total
    first = (grand.name, grand.merge, grand.label, grand.kind, grand.total, grand.cells)
    # The rows' cells, not their MoneyRows: printed_rows makes no row it need not.
    for name, merge, label, kind, total, cells in (first, *printed_rows(table)):
        if kind == "total" and not merge:
            block = ""  # the grand-total row 계 spans the name and source columns
        elif merge == "restart":
            seen[name] += 1
            block = name if seen[name] == 1 else f"{name} ({seen[name]})"
        derived = kind != "source"
        if printed_only:
            if total.text:
                out[(block, label, "계")] = (total, True)
            for column, cell in zip(labels, cells, strict=True):
                if cell.text:
                    out[(block, label, column)] = (cell, derived)
            continue
        out[(block, label, "계")] = (total, True)  # a row's 계 is always derived
        for column, cell in zip(labels, cells, strict=True):
            out[(block, label, column)] = (cell, derived)
    return out


_ZERO = Decimal(0)


def _difference(old: MoneyCell | None, new: MoneyCell | None, executed: bool) -> str:
    o_amount = old.amount if old is not None else None
    n_amount = new.amount if new is not None else None
    text = signed_amount(
        (_ZERO if n_amount is None else n_amount) - (_ZERO if o_amount is None else o_amount)
    )
    if executed:
        o_done = old.executed if old is not None else None
        n_done = new.executed if new is not None else None
        if o_done is not None or n_done is not None:
            done = (_ZERO if n_done is None else n_done) - (_ZERO if o_done is None else o_done)
            text += f" ({signed_amount(done)})"
    return text


_NO_CELL: tuple[MoneyCell | None, bool] = (None, False)


def _figure_changes(section: str, old: MoneyTable | None, new: MoneyTable | None) -> list[Change]:
    # An OLD table that prints no figure (nothing recorded then) is as no table:
    # every figure of NEW is added, in NEW's order, and no cell of OLD is looked up.
    o = {} if old is None or old.blank else _cells(old)
    n = _cells(new, printed_only=not o)
    title = SECTION_TITLES[section]
    executed = section == SECURED_TABLE
    out: list[Change] = []
    # Where a changed cell is, less its column: one tuple per row, not per cell.
    rows: dict[tuple[str, str], tuple[str, ...]] = {}

    def change(
        key: _CellKey, o_cell: MoneyCell | None, n_cell: MoneyCell | None, derived: bool
    ) -> Change:
        block, label, column = key
        row = rows.get((block, label))
        if row is None:
            row = rows[(block, label)] = (title, *(p for p in (block, label) if p))
        o_text = o_cell.text if o_cell is not None else ""
        n_text = n_cell.text if n_cell is not None else ""
        kind: ChangeKind = "added" if not o_text else "removed" if not n_text else "changed"
        return _change(
            section,
            kind,
            (*row, column),
            o_text or None,
            n_text or None,
            difference=_difference(o_cell, n_cell, executed),
            derived=derived,
        )

    if not o:  # every printed figure of NEW is added (the loops below, without the lookups)
        for key, (n_cell, n_derived) in n.items():
            if n_cell.text:
                out.append(change(key, None, n_cell, n_derived))
        return out
    # The new table's cells in order, then those only the old one printed.
    for key, (n_cell, n_derived) in n.items():
        o_cell = o.get(key, _NO_CELL)[0]
        if n_cell.text != (o_cell.text if o_cell is not None else ""):
            out.append(change(key, o_cell, n_cell, n_derived))
    for key, (o_cell, o_derived) in o.items():
        if o_cell.text and key not in n:
            out.append(change(key, o_cell, None, o_derived))
    return out


def _printed_plan(view: PledgeView | None) -> MoneyTable | None:
    """The 투자계획 the pages print: none after a 폐기 or 통폐합 (``withdrawn``)."""
    if view is None or view.withdrawn:
        return None
    return view.plan_table


def _plan_changes(old: PledgeView | None, new: PledgeView | None) -> list[Change]:
    """투자계획 cell by cell; a plan dropped by a 폐기 is said once, with its 계.

    After a withdrawal the pages print no 투자계획 (the plan is no longer
    planned money): listing every cell as removed would bury the one fact
    a reader needs, that the plan of 26,500 is gone and why.
    """
    o_plan, n_plan = _printed_plan(old), _printed_plan(new)
    if old is not None and new is not None and o_plan is not None and n_plan is None:
        total = o_plan.grand_total.total
        if not o_plan.recorded or total.amount is None:
            return []
        kind = new.adjustments[-1].kind if new.adjustments else "공약 조정"
        return [
            _change(
                PLAN_TABLE,
                "removed",
                (SECTION_TITLES[PLAN_TABLE], "계"),
                total.text,
                f"없음 ({josa.attach(kind, '으로')} 투자계획 철회)",
                difference=signed_amount(-total.amount),
                derived=True,
            )
        ]
    return _figure_changes(PLAN_TABLE, o_plan, n_plan)


# ---------------------------------------------------------------------------
# Pledges and reports


def diff_pledge(old: PledgeView | None, new: PledgeView | None) -> PledgeDiff:
    """Compare one pledge's pages in two reports (None: the pledge is not in that report)."""
    either = new or old
    assert either is not None
    if old is not None and new is not None:
        progress_together((old, new))  # one walk of the record's items for both
    changes: list[Change] = []
    if old is None:
        changes.append(_change(PLEDGE, "added", ("공약",), None, f"{either.id} {either.title}"))
    elif new is None:
        changes.append(_change(PLEDGE, "removed", ("공약",), f"{either.id} {either.title}", None))
    changes += _adjustment_changes(old, new)  # a decision outranks everything it explains
    changes += _header_changes(old, new)
    changes += _status_changes(old, new)
    changes += _contact_changes(old, new)
    changes += _participation_changes(old, new)
    texts: list[TextDiff] = []
    for section, side in ((PROGRESS, _progress_side), (PROBLEMS, _problems_side)):
        text, text_changes = _text_diff(section, side(old), side(new))
        if text is not None:
            texts.append(text)
        changes += text_changes
    changes += _plan_changes(old, new)
    changes += _figure_changes(
        SECURED_TABLE, old.secured_table if old else None, new.secured_table if new else None
    )
    changes += _indicator_changes(old, new)
    state: Literal["changed", "unchanged", "added", "dropped"] = (
        "added"
        if old is None
        else "dropped"
        if new is None
        else "changed"
        if changes
        else "unchanged"
    )
    return PledgeDiff(either.id, either.title, state, tuple(changes), tuple(texts))


def _row_labels(report: ReportView) -> dict[str, str]:
    """The 추진실적 rows' labels by role (period-wide: the same on every pledge's page)."""
    if not report.pledges:
        return {}
    rows = report.pledges[0].progress
    roles = PROGRESS_ROLES[-len(rows) :] if rows else ()
    return {role: f"{row.title} {row.note}".strip() for role, row in zip(roles, rows, strict=True)}


def _report_changes(old: ReportView, new: ReportView, whole: bool) -> list[Change]:
    out = [
        *_field(LABELS, ("보고서 제목",), f"{old.city} {old.title}", f"{new.city} {new.title}"),
        *_field(
            LABELS,
            ("임기",),
            f"{old.term_name} ({old.term_span})",
            f"{new.term_name} ({new.term_span})",
        ),
        *_field(
            LABELS, ("예산 표의 열",), " | ".join(old.column_labels), " | ".join(new.column_labels)
        ),
    ]
    o_rows, n_rows = _row_labels(old), _row_labels(new)
    for role in PROGRESS_ROLES:
        if role in o_rows or role in n_rows:
            out += _field(LABELS, (ROLE_NAMES[role],), o_rows.get(role, ""), n_rows.get(role, ""))
    if whole:  # the 총괄 counts only mean something for the whole report
        out += _field(SUMMARY, ("대상",), f"{old.total}개", f"{new.total}개")
        # Labelled as the new report's 총괄 words it (the city's rule), not Goyang's.
        out += _field(
            SUMMARY,
            (f"{new.done_label} (달성률)",),
            f"{old.done}개 ({old.done_share})",
            f"{new.done}개 ({new.done_share})",
        )
        if old.weighted_share or new.weighted_share:
            out += _field(SUMMARY, ("이행률",), old.weighted_share, new.weighted_share)
        if old.average_progress or new.average_progress:
            out += _field(SUMMARY, ("평균진행률",), old.average_progress, new.average_progress)
        o_counts = {s.status: f"{s.count}개 ({s.share})" for s in old.summary}
        n_counts = {s.status: f"{s.count}개 ({s.share})" for s in new.summary}
        for status in [*n_counts, *(s for s in o_counts if s not in n_counts)]:
            out += _field(
                SUMMARY, (status,), o_counts.get(status, "0개"), n_counts.get(status, "0개")
            )
    return out


def diff_views(
    old: ReportView, new: ReportView, pledge: str | None = None, *, workers: int | None = 1
) -> ReportDiff:
    """Compare two reports' views pledge by pledge (a pledge in one only is added/dropped).

    ``workers``: 1 compares every pledge in this process; None lets a forked
    worker compare the last part of a large report on the second core
    (:class:`_DiffWorker`). The result is the same either way.
    """
    o = {v.id: v for v in old.pledges}
    n = {v.id: v for v in new.pledges}
    ids = _in_order(set(o) | set(n))
    worker = None
    if _parallel(len(ids), workers):
        tail = ids[len(ids) - _worker_count(len(ids)) :]
        worker = _DiffWorker.start(lambda i: _packed(diff_pledge(o.get(i), n.get(i))), tail)
    return _compared(old, new, pledge, worker)


def _in_order(ids: Iterable[str]) -> list[str]:
    from ..records.model import pledge_sort_key

    return sorted(ids, key=lambda i: (pledge_sort_key(i), i))


def _compared(
    old: ReportView, new: ReportView, pledge: str | None, worker: _DiffWorker | None
) -> ReportDiff:
    """:func:`diff_views`, with ``worker`` (if any) comparing the last pledges."""
    o = {v.id: v for v in old.pledges}
    n = {v.id: v for v in new.pledges}
    ids = _in_order(set(o) | set(n))
    split = len(ids)
    if worker is not None:
        split = len(ids) - len(worker.ids)
        if ids[split:] != worker.ids:  # not the pledges it compares: do without it
            worker.close()
            worker, split = None, len(ids)
    try:
        pledges = []
        taken: list[Any] = []  # what the worker sent meanwhile, taken from the pipe as it came
        for i in ids[:split]:
            pledges.append(diff_pledge(o.get(i), n.get(i)))
            if worker is not None:
                taken += worker.ready()
        if worker is not None:
            pledges += worker.diffs(taken)
    finally:
        if worker is not None:
            worker.close()
    # What a failed worker did not send, this process compares itself.
    pledges += [diff_pledge(o.get(i), n.get(i)) for i in ids[len(pledges) :]]
    return _report_diff(old, new, pledge, pledges)


def _report_diff(
    old: ReportView, new: ReportView, pledge: str | None, pledges: Sequence[PledgeDiff]
) -> ReportDiff:
    """The diff of two reports, of their pledges' diffs (``pledge``: the one compared, or None)."""
    return ReportDiff(
        old=old.period,
        new=new.period,
        old_words=old.period_words,
        new_words=new.period_words,
        city=new.city,
        title=new.title,
        pledge=pledge,
        changes=tuple(_report_changes(old, new, whole=pledge is None)),
        pledges=tuple(pledges),
    )


# ---------------------------------------------------------------------------
# Two cores

#: From this many pledges on, a worker compares part of them (:class:`_DiffWorker`):
#: below it, forking and receiving its answers cost about what they save
#: (measured, CPU of this process with the worker on the other core: 60
#: pledges 0.120 -> 0.105 s, 120 pledges 0.230 -> 0.182 s; 300 pledges
#: 0.51 -> 0.38 s of wall time on an idle machine).
PARALLEL_PLEDGES = 100
#: The worker's share, the last pledges. This process also takes the answers
#: (in between its own pledges) and adds up the reports' totals; the worker
#: types, views and packs. At 300 pledges (CPU, medians, a loaded machine)
#: this process's own pledges and the answers it takes meanwhile cost about
#: what the worker's share does (0.33-0.35 s each from 0.016 s on), and
#: 0.055 s is left after them (the last answers, the totals); at 0.48 the
#: worker was done well before this process, at 0.55 this process waited for it.
DIFF_WORKER_SHARE = 0.52


def _parallel(count: int, workers: int | None) -> bool:

    return workers != 1 and count >= PARALLEL_PLEDGES and can_fork(workers)


def _worker_count(count: int) -> int:
    return round(count * DIFF_WORKER_SHARE)


class _DiffWorker:
    """A forked process that compares the last pledges while this one compares the first.

    It inherits what it compares (the records, or both reports' views) and
    sends back, for each pledge in order, its id and an answer of plain
    tuples, strings, bytes and numbers, written with :mod:`marshal` in a few
    messages: a diff as :func:`_packed` gives it (a pickled
    :class:`PledgeDiff` costs about as much to receive as to make, this a
    small part of it: :func:`_unpacked`), with the views :func:`_with_worker`
    needs. Started like validate's worker: SIGINT blocked while forking, from
    a process with one thread only (:func:`_parallel`). If the worker fails,
    this process compares the pledges it did not answer for: the result never
    depends on it.
    """

    def __init__(self, pid: int, pipe: IO[bytes], ids: list[str]) -> None:
        self.pid, self.pipe, self.ids = pid, pipe, ids
        self.received = 0  # answers read so far
        self.failed = False  # it sent something not whole, or not of _diff_work

    @classmethod
    def start(cls, answer: Callable[[str], Any], ids: list[str]) -> _DiffWorker | None:
        """Fork a worker that sends ``answer(i)`` (marshal-able) for each of ``ids`` (None: no fork)."""
        started = fork_worker(functools.partial(_diff_work, answer, ids))
        if started is None:
            return None
        pid, pipe = started
        # Room in the pipe for a few messages: the worker goes on while this
        # process, busy with its own pledges, has not yet read what it sent.
        try:
            import fcntl

            fcntl.fcntl(pipe.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
        except (ImportError, AttributeError, OSError):
            pass  # the pipe keeps its size: the worker waits a little more for this process
        return cls(pid, pipe, ids)

    def _message(self) -> list[Any] | None:
        """The answers of the worker's next message, waiting for it; None when there are no more."""
        if self.failed or self.received >= len(self.ids):
            return None
        head = self._read(8)
        data = self._read(int.from_bytes(head, "little")) if len(head) == 8 else b""
        try:
            if len(head) < 8 or len(data) < int.from_bytes(head, "little"):
                raise EOFError  # the worker died, or its message was cut short
            message = marshal.loads(data)
            ids = [pledge_id for pledge_id, _answer in message]
        except (EOFError, ValueError, TypeError):
            ids = None  # not a message of _diff_work
        if not ids or ids != self.ids[self.received : self.received + len(ids)]:
            self.failed = True
            return None
        self.received += len(ids)
        return [answer for _pledge_id, answer in message]

    def _read(self, size: int) -> bytes:
        """``size`` bytes from the pipe, fewer if it ends: read from its descriptor, never
        ahead (what select() says is there is all this process has not read)."""
        fd, parts = self.pipe.fileno(), []
        while size > 0:
            part = os.read(fd, min(size, _PIPE_BYTES))
            if not part:
                break
            parts.append(part)
            size -= len(part)
        return b"".join(parts)

    def ready(self) -> list[Any]:
        """The answers the worker has sent and this process not yet read, without waiting."""
        out: list[Any] = []
        while (
            not self.failed
            and self.received < len(self.ids)
            and select.select([self.pipe], [], [], 0)[0]
        ):
            out += self._message() or []
        return out

    def answers(self) -> list[Any]:
        """The answers not yet read, waiting for them: all the rest, or as many as it sent whole."""
        out: list[Any] = []
        while (message := self._message()) is not None:
            out += message
        return out

    def diffs(self, taken: Sequence[Any] = ()) -> list[PledgeDiff]:
        """Answers of ``_packed(diff_pledge(…))``, each a :class:`PledgeDiff` again: those
        ``taken`` already (:meth:`ready`), then the rest (:meth:`answers`)."""
        out = []
        for pledge_id, answer in zip(self.ids, [*taken, *self.answers()], strict=False):
            try:
                diff = _unpacked(answer)
            except (ValueError, TypeError):
                break  # not a packed diff: this process compares the rest
            if diff.id != pledge_id:
                break
            out.append(diff)
        return out

    def close(self) -> None:
        """End the worker (if it has not ended) and reap it; once is enough."""
        if self.pipe.closed:
            return
        self.pipe.close()
        with contextlib.suppress(OSError):  # it has ended unless this process failed
            os.kill(self.pid, signal.SIGKILL)
        os.waitpid(self.pid, 0)


#: Pledges the worker answers for in one message (about 100 kB with their views).
_DIFF_CHUNK = 8
#: What the pipe from the worker holds (Linux; elsewhere its default): a few messages.
_PIPE_BYTES = 1 << 20


def _diff_work(answer: Callable[[str], Any], ids: list[str], out: IO[bytes]) -> None:
    """The worker's part: see :class:`_DiffWorker`.

    Each message is sent as soon as its answers are made: this process takes
    them in between its own pledges (:meth:`_DiffWorker.ready`), so that
    receiving them is done by the time it has compared its own, and the pipe
    (:data:`_PIPE_BYTES`) holds a few messages that it has not read yet.
    """
    for start in range(0, len(ids), _DIFF_CHUNK):
        data = marshal.dumps(tuple((i, answer(i)) for i in ids[start : start + _DIFF_CHUNK]))
        out.write(len(data).to_bytes(8, "little"))
        out.write(data)
        out.flush()


# A PledgeDiff as nested tuples of str, int, bool and None, field by field.


def _packed_words(words: tuple[Word, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((w.op, w.text) for w in words)


def _packed_line(line: TextLine | None) -> tuple[int, str, str] | None:
    return None if line is None else (line.level, line.symbol, line.text)


def _packed_group(group: Group | None) -> tuple[str, str] | None:
    return None if group is None else (group.role, group.label)


def _packed(diff: PledgeDiff) -> tuple[Any, ...]:
    changes = tuple(
        (
            c.section,
            c.kind,
            c.where,
            c.old,
            c.new,
            c.level,
            c.symbol,
            c.role,
            _packed_words(c.words),
            c.difference,
            c.derived,
        )
        for c in diff.changes
    )
    texts = tuple(
        (
            t.section,
            t.title,
            tuple(
                (
                    p.op,
                    _packed_line(p.old),
                    _packed_line(p.new),
                    _packed_words(p.words),
                    _packed_group(p.old_group),
                    _packed_group(p.new_group),
                    p.count,
                )
                for p in t.pairs
            ),
        )
        for t in diff.texts
    )
    return (diff.id, diff.title, diff.state, changes, texts)


def _unpacked_words(words: tuple[tuple[str, str], ...]) -> tuple[Word, ...]:
    return tuple([built(Word, op=op, text=text) for op, text in words]) if words else ()


def _unpacked_line(line: tuple[int, str, str] | None) -> TextLine | None:
    if line is None:
        return None
    return built(TextLine, level=line[0], symbol=line[1], text=line[2])


def _unpacked_group(group: tuple[str, str] | None) -> Group | None:
    return None if group is None else built(Group, role=group[0], label=group[1])


def _unpacked(packed: tuple[Any, ...]) -> PledgeDiff:
    id_, title, state, changes, texts = packed
    return built(
        PledgeDiff,
        id=id_,
        title=title,
        state=state,
        changes=tuple(
            [
                _change(s, k, w, o, n, lv, sy, r, _unpacked_words(ws), d, dv)
                for s, k, w, o, n, lv, sy, r, ws, d, dv in changes
            ]
        ),
        texts=tuple(
            [
                built(
                    TextDiff,
                    section=section,
                    title=text_title,
                    pairs=tuple(
                        [
                            _pair(
                                op,
                                _unpacked_line(ol),
                                _unpacked_line(nl),
                                _unpacked_words(ws),
                                _unpacked_group(og),
                                _unpacked_group(ng),
                                count,
                            )
                            for op, ol, nl, ws, og, ng, count in pairs
                        ]
                    ),
                )
                for section, text_title, pairs in texts
            ]
        ),
    )


def diff_reports(
    records: RecordSet,
    old: Period,
    new: Period,
    pledge: str | None,
    *,
    workers: int | None = None,
) -> ReportDiff:
    """Compare the reports of ``old`` and ``new`` built from ``records`` (one pledge, or all).

    ``workers``: as for :func:`diff_views` (None: a worker on the second core
    compares part of a large report).
    """
    settings = records.settings
    if settings is None:
        raise ReportgenError(
            tr(
                f"{records.directory}: report.json이 없거나 쓸 수 없습니다. 기록 폴더로 "
                "옮겨 가거나 --records로 기록 폴더를 주십시오.",
                f"{records.directory}: report.json is missing or unusable",
            )
        )
    term = settings.term.to_term()
    for period in (old, new):
        if period.is_year:
            raise PeriodError(
                tr(
                    f"{period}: 연도입니다. 보고서는 {period}H1처럼 반기마다 만듭니다.",
                    f"{period} is a year; a report is for a half-year such as {period}H1",
                )
            )
        term.require(period)
    if new < old:
        # Compared the other way round, every addition would read as a deletion.
        raise PeriodError(
            tr(
                f"OLD({old})가 NEW({new})보다 나중 반기입니다. 앞선 반기를 먼저 쓰십시오: "
                f"reportgen diff {new} {old}",
                f"OLD ({old}) is later than NEW ({new}); give the earlier period first: "
                f"reportgen diff {new} {old}",
            )
        )
    if pledge is None and len({f.id for f in records.files}) == len(records.files):
        if _parallel(len(records.files), workers):
            shared = (term, settings.money_columns())
            made = _with_worker(records, old, new, settings, shared)
            if made is not None:
                return made
    pledges: list[Pledge] = records.pledges
    if pledge is not None:
        pledges = [p for p in pledges if p.id == pledge]
        if not pledges:
            known = ", ".join(p.id for p in records.pledges[:10])
            more = " …" if len(records.pledges) > 10 else ""
            raise ReportgenError(
                tr(
                    f"{records.directory}에 공약 {pledge!r}이(가) 없습니다. 있는 공약: "
                    f"{known}{more}",
                    f"no pledge {pledge!r} in {records.directory} (pledges: {known}{more})",
                )
            )
    return diff_views(
        report_view(pledges, old, settings), report_view(pledges, new, settings), pledge
    )


def _with_worker(
    records: RecordSet,
    old: Period,
    new: Period,
    settings: ReportSettings,
    shared: tuple[Term, list[FiscalColumn]],
) -> ReportDiff | None:
    """:func:`diff_reports` of every pledge, the last ones typed, viewed and compared by a worker.

    The worker starts before any pledge is typed here. For each of its
    pledges it sends the diff and both views without their pages' parts
    (:mod:`reportgen.report.carried`, as a rebuild takes back an unchanged
    pledge's view): this process neither types nor views them, and adds up
    the reports' totals over its own views and the worker's. A pledge the
    worker did not answer for is typed, viewed and compared here. None: no
    worker could be started.
    """
    from .carried import packed_view, unpacked_view

    files = {f.id: f for f in records.files}
    ids = _in_order(files)
    tail = ids[len(ids) - _worker_count(len(ids)) :]

    def answer(pledge_id: str) -> tuple[Any, bytes, bytes]:
        record = files[pledge_id].pledge
        o = pledge_view(record, old, settings, shared)
        n = pledge_view(record, new, settings, shared)
        return _packed(diff_pledge(o, n)), packed_view(o), packed_view(n)

    worker = _DiffWorker.start(answer, tail)
    if worker is None:
        return None
    views: dict[str, tuple[PledgeView, PledgeView]] = {}
    pledges: list[PledgeDiff] = []
    theirs: list[PledgeDiff] = []  # the worker's answers taken, in its pledges' order
    whole = True  # every answer taken so far was one of answer()'s, for its pledge

    def take(answers: list[Any]) -> None:
        nonlocal whole
        for given in answers:
            if not whole:
                return
            pledge_id = tail[len(theirs)]
            try:
                diff, o_data, n_data = given
                compared = _unpacked(diff)
            except (ValueError, TypeError):
                compared = None  # not an answer of answer()
            file = files[pledge_id]
            o_view = n_view = None
            if compared is not None and compared.id == pledge_id:
                o_view = unpacked_view(o_data, file, old, settings, shared)
                n_view = unpacked_view(n_data, file, new, settings, shared)
            if compared is None or o_view is None or n_view is None:
                whole = False  # this process compares the rest itself
                return
            theirs.append(compared)
            views[pledge_id] = o_view, n_view

    try:
        for pledge_id in ids[: len(ids) - len(tail)]:
            record = files[pledge_id].pledge
            o = pledge_view(record, old, settings, shared)
            n = pledge_view(record, new, settings, shared)
            views[pledge_id] = o, n
            pledges.append(diff_pledge(o, n))
            if whole:  # what the worker has sent meanwhile is taken now, not after this loop
                take(worker.ready())
        if whole:
            take(worker.answers())
    finally:
        worker.close()
    pledges += theirs
    # What the worker did not answer for (it failed), this process compares itself.
    for pledge_id in ids[len(pledges) :]:
        record = files[pledge_id].pledge
        o = pledge_view(record, old, settings, shared)
        n = pledge_view(record, new, settings, shared)
        views[pledge_id] = o, n
        pledges.append(diff_pledge(o, n))
    # The reports' totals over every pledge, in the records' order (as report_view).
    old_report = assemble_report(tuple(views[f.id][0] for f in records.files), old, settings)
    new_report = assemble_report(tuple(views[f.id][1] for f in records.files), new, settings)
    return _report_diff(old_report, new_report, None, pledges)


def diff_records(
    records_dir: Path,
    old: Period,
    new: Period,
    pledge: str | None,
    memo: Memo | None = None,
    *,
    workers: int | None = None,
) -> ReportDiff:
    """Validate ``records_dir`` (errors abort, as for build) and compare two periods.

    ``memo``: where earlier checks are kept (:func:`~reportgen.records.validate.check`;
    the command passes :mod:`reportgen.formats.codecache`, as ``build`` does):
    a pledge file an earlier build or diff found plain is not checked again.
    ``workers``: as for :func:`diff_views`.
    """
    from ..bulk import bulk_allocation
    from ..records.load import promote_to_old
    from ..records.validate import check

    with bulk_allocation():
        records, _warnings = check(records_dir, memo=memo)
        diff = diff_reports(records, old, new, pledge, workers=workers)
        # The diff's tens of thousands of objects (no cycles among them) go
        # to the oldest generation at once, not walked by the next collections.
        promote_to_old()
    return diff


# ---------------------------------------------------------------------------
# Terminal summary


def _words(words: Sequence[Word]) -> str:
    """``청년캣취업사관학교 [-1,2기-]{+3,4,5기+} 수료`` (git's --word-diff), coloured."""
    parts = []
    for w in words:
        if w.op == "equal":
            parts.append(w.text)
        elif w.op == "delete":
            parts.append(click.style(f"[-{w.text}-]", fg="red"))
        else:
            parts.append(click.style(f"{{+{w.text}+}}", fg="green"))
    return " ".join(parts)


def _value(text: str | None) -> str:
    return text if text else "(없음)"


def _change_line(change: Change) -> str:
    where = " / ".join(change.where)
    if change.section == LABELS and where in ROLE_NAMES.values():
        where = ""  # a row label speaks for itself
    prefix = f"{where}: " if where else ""
    if change.section in (PROGRESS, PROBLEMS):
        symbol = f"{change.symbol} " if change.symbol else ""
        if change.kind == "added":
            return click.style(f"+ {symbol}{change.new}", fg="green")
        if change.kind == "removed":
            return click.style(f"- {symbol}{change.old}", fg="red")
        if change.kind == "moved":
            return click.style(
                f"> {symbol}{change.new}  "
                + tr(
                    f"(자리 옮김: {change.where[0]} → {change.where[-1]})",
                    f"(moved: {change.where[0]} → {change.where[-1]})",
                ),
                fg="cyan",
            )
        return click.style("~ ", fg="yellow") + symbol + _words(change.words)
    if change.section in (PLAN_TABLE, SECURED_TABLE):
        where = " / ".join(change.where[1:])
        line = f"~ {where}: {_value(change.old)} → {_value(change.new)} (증감 {change.difference})"
        if change.derived:
            return click.style(line + "  [계]", dim=True)
        return click.style("~ ", fg="yellow") + line[2:]
    if change.kind == "added":
        return click.style(f"+ {prefix}{change.new}", fg="green")
    if change.kind == "removed":
        return click.style(f"- {prefix}{change.old}", fg="red")
    if change.words:
        return click.style("~ ", fg="yellow") + prefix + _words(change.words)
    return click.style("~ ", fg="yellow") + f"{prefix}{_value(change.old)} → {_value(change.new)}"


def summary_lines(diff: ReportDiff) -> list[str]:
    """A readable summary, styled with click (stripped when not on a terminal)."""
    scope = f" — {diff.pledge}" if diff.pledge else ""
    head = (
        f"{diff.city} {diff.title}: {diff.old} ({diff.old_words}) → "
        f"{diff.new} ({diff.new_words}){scope}"
    )
    lines = [click.style(head, bold=True)]
    if not diff.changed:
        lines.append(tr("변경 없음", "변경 없음 (no changes)"))
        return lines
    changed = diff.changed_pledges
    added = sum(1 for p in changed if p.state == "added")
    dropped = sum(1 for p in changed if p.state == "dropped")
    lines.append(
        tr(
            f"공약 {len(diff.pledges)}개 중 {len(changed)}개가 바뀌었습니다"
            + (f", 신설 {added}개" if added else "")
            + (f", 삭제 {dropped}개" if dropped else "")
            + ".",
            f"{len(changed)} of {len(diff.pledges)} pledge(s) changed"
            + (f", {added} added (신설)" if added else "")
            + (f", {dropped} dropped (삭제)" if dropped else ""),
        )
    )
    if diff.changes:
        lines.append("")
        lines.append(
            click.style(
                tr("서식 항목·총괄 (모든 공약의 쪽)", "서식 항목·총괄 (every pledge's pages)"),
                bold=True,
            )
        )
        lines.extend(f"  {_change_line(c)}" for c in diff.changes)
    for pledge in changed:
        lines.append("")
        tag = {"added": " [신설]", "dropped": " [삭제]"}.get(pledge.state, "")
        figures = sum(1 for c in pledge.changes if c.section in (PLAN_TABLE, SECURED_TABLE))
        moved = pledge.count("moved")
        counts = f"+{pledge.count('added')} -{pledge.count('removed')} " + tr(
            f"~{pledge.count('reworded')}줄"
            + (f", 자리 옮김 {moved}줄" if moved else "")
            + (f", 금액 {figures}칸" if figures else ""),
            f"~{pledge.count('reworded')} lines"
            + (f", {moved} moved" if moved else "")
            + (f", {figures} figure(s)" if figures else ""),
        )
        lines.append(click.style(f"{pledge.id} {pledge.title}{tag}", bold=True) + f"  ({counts})")
        if pledge.state in ("added", "dropped"):
            continue
        section = group = None
        for change in pledge.changes:
            if change.section != section:
                section, group = change.section, None
                title = SECTION_TITLES[section]
                if section in (PLAN_TABLE, SECURED_TABLE):
                    title += " (단위 : 백만원)"
                lines.append(click.style(f"  {title}", underline=True))
            if change.section in (PROGRESS, PROBLEMS) and change.where:
                here = change.where[-1]
                if here != group and change.kind != "moved":
                    group = here
                    if here:
                        lines.append(click.style(f"    [{here}]", dim=True))
            lines.append(f"      {_change_line(change)}")
    return lines


def echo_summary(diff: ReportDiff) -> None:
    """Print :func:`summary_lines`; colour on a terminal unless NO_COLOR is set."""
    color = False if os.environ.get("NO_COLOR") else None
    for line in summary_lines(diff):
        click.echo(line, color=color)


# ---------------------------------------------------------------------------
# Files


def output_names(diff: ReportDiff) -> tuple[str, str]:
    stem = f"diff_{diff.old}_{diff.new}"
    return f"{stem}.json", f"{stem}.docx"
