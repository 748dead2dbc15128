"""Where each pledge starts in the booklet (목차 쪽), before anything lays the pages out.

The 목차's page numbers are fields (DOCX ``PAGEREF``, HWPX page references)
that Word and 한글 update when they lay the document out; what the file stores
is what every other viewer shows (previews, web viewers, rhwp, a phone). When
``--pdf`` runs, LibreOffice's pagination gives the real numbers
(:func:`reportgen.formats.pdf.to_pdf` returns them) and the booklets store those; without
it they store this estimate, never "-".

The estimate measures what the templates print — A4, 17 cm of text width and
25.9 cm of height, the DOCX's sizes (body 11.5 pt at 1.3 lines, tables 10 pt)
— line by line: a Hangul syllable is one em wide, other characters about half
of one, and a line wraps where its cell's width is full. Every pledge starts a
page. Measured against LibreOffice on the shipped examples it is exact or one
page off for a long pledge; Word and 한글 show the exact numbers once they update
the fields.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence

from ..report.view import Line, MoneyTable, PledgeView, ReportView

CM_PER_PT = 2.54 / 72
PAGE_HEIGHT = 25.9  # cm of the body: A4 (29.7) less the margins (2.0 above, 1.8 below)
TEXT_WIDTH = 17.0  # cm
BODY_PT, BODY_LINE = 11.5, 1.3  # □ ○ - · lines
TABLE_PT, TABLE_LINE = 10.0, 1.1  # table cells
ROW_PADDING = 0.15  # cm above and below a cell's text
HEADING = 1.1  # cm: a □ heading with the space before and after it
PROGRESS_TEXT = 12.2 - 0.4  # cm: the 추진실적 column less its margins
INDENT = 0.6  # cm per level of 개조식 indent


class _Ems(dict[str, float]):
    """Each character's advance in ems, looked up once per character (a Unicode table read)."""

    def __missing__(self, ch: str) -> float:
        ems = self[ch] = 1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55
        return ems


_EMS = _Ems()


def text_width(text: str, points: float) -> float:
    """``text``'s width in cm at ``points``: wide (Hangul, CJK) one em, others half of one."""
    # The same floats summed in the same order as one lookup per character
    # would: only the lookups are memoized (a build measures ~a million characters).
    ems = sum(map(_EMS.__getitem__, text))
    return ems * points * CM_PER_PT


def height(text: str, width: float, points: float, spacing: float) -> float:
    """Height in cm of ``text`` wrapped in ``width`` cm."""
    lines = max(1, math.ceil(text_width(text, points) / max(width, 1.0)))
    return lines * points * spacing * CM_PER_PT


def _lines(lines: tuple[Line, ...], width: float) -> float:
    # height() of each "symbol text" plus 0.1, inlined (a build measures ~40,000
    # lines): the same operations on the same floats in the same order.
    total = 0.0
    ems = _EMS.__getitem__
    for line in lines:
        wide = sum(map(ems, f"{line.symbol} {line.text}")) * BODY_PT * CM_PER_PT
        count = max(1, math.ceil(wide / max(width - INDENT * line.level, 1.0)))
        total += count * BODY_PT * BODY_LINE * CM_PER_PT + 0.1
    return total


def _row(cells: int = 1) -> float:
    return TABLE_PT * TABLE_LINE * CM_PER_PT * cells + 2 * ROW_PADDING


def _money(table: MoneyTable) -> float:
    return HEADING + 0.5 + _row() * (2 + len(table.rows))


def pledge_height(view: PledgeView) -> float:
    """The height in cm of one pledge's pages laid end to end."""
    total = 0.8  # the status stamp
    if view.group_line:
        total += 0.6
    total += _row(max(1, len(view.contacts))) + _row() * (2 if view.progress_rate_text else 1)
    for adjustment in view.adjustments:
        total += HEADING + _lines(adjustment.lines, TEXT_WIDTH)
    total += HEADING + _row()  # □ 추진실적 and its heading row
    for row in view.progress:
        total += max(_lines(row.lines, PROGRESS_TEXT), _row(2)) + 2 * ROW_PADDING
    if view.participation:
        total += HEADING + 0.5 + _row(2) * 2
    if view.indicator_table is not None:
        total += HEADING + _row() * (1 + len(view.indicator_table.rows))
    for table in view.money_tables or (view.plan_table, view.secured_table):
        total += _money(table) + 0.5 * len(table.notes)
    total += HEADING
    for heading, lines in view.problems.sections:
        total += (0.6 if heading else 0) + _lines(lines, TEXT_WIDTH)
    return total


def pledge_pages(view: PledgeView) -> int:
    return max(1, math.ceil(pledge_height(view) / PAGE_HEIGHT))


def front_pages(report: ReportView) -> int:
    """Cover, 총괄표 (with its 분야별, 부서별 and 성과지표 tables) and 목차."""
    summary = 1.5 + 0.7 * len(report.summary_lines)
    for table in (
        report.status_table,
        report.group_table,
        report.department_table,
        report.indicator_totals_table,
    ):
        if table is not None:
            summary += HEADING + _row() * (len(table.head) + len(table.rows))
    contents = 1.5 + _row() * (
        1 + len(report.pledges) + sum(1 for s in report.sections if s.heading)
    )
    return 1 + math.ceil(summary / PAGE_HEIGHT) + math.ceil(contents / PAGE_HEIGHT)


def estimate(report: ReportView, counts: Sequence[int] | None = None) -> dict[str, int]:
    """Each pledge's first page in the booklet, by its bookmark (``PledgeView.anchor``).

    ``counts``: each pledge's :func:`pledge_pages`, when known already (a
    rebuild keeps an unchanged pledge's from the previous build, by its key).
    """
    if counts is not None and len(counts) != len(report.pledges):
        raise ValueError("one page count per pledge")
    page = front_pages(report) + 1
    out: dict[str, int] = {}
    for i, view in enumerate(report.pledges):
        out[view.anchor] = page
        page += counts[i] if counts is not None else pledge_pages(view)
    return out
