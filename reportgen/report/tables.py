"""The finished tables of a report (표): every row, heading, total and note, before layout.

The view (:mod:`reportgen.report.view`) builds each table a report prints once, and
every writer lays the same table out: the DOCX and HWPX booklets, the
workbook, the website. A writer never adds, filters, relabels or reorders a
row; it chooses widths, fonts and shading from what a row and a column are
(:attr:`TableRow.kind`, :attr:`Column.kind`). Spreadsheets take a cell's
figure from :attr:`TableCell.value` (a :class:`Rate` for a share), never from
its text.

Merges are written as HTML writes them: a cell spanning columns or rows
appears once, in the row where it starts, and the places it covers are not
listed. :func:`grid` gives the rows with ``None`` where a place is covered,
for writers that lay a table out place by place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

#: What counts as a pledge without a recorded status (추진상황 미기재), as printed.
UNRECORDED = "추진상황 미기재"


@dataclass(frozen=True)
class Rate:
    """비율: a share as a fraction (``0.375``) and as the city prints it (``37.5%``).

    ``value`` is None where there is no base to share (the text is then "-"
    or blank). ``str()`` gives the text, so a template prints it as it is.
    """

    value: Decimal | None
    text: str

    def __str__(self) -> str:
        return self.text


def share(part: int | Decimal, whole: int | Decimal) -> Rate:
    """``part`` of ``whole`` to one decimal of a percent: ``37.5%``; "-" with nothing to share."""
    if not whole:
        return Rate(None, "-")
    fraction = Decimal(part) / Decimal(whole)
    return Rate(fraction, f"{fraction * 100:.1f}%")


def fraction(value: Decimal | None) -> Rate:
    """A rate already computed (``0.999``) as printed: ``99.9%``; blank for none."""
    return Rate(None, "") if value is None else Rate(value, f"{value * 100:.1f}%")


CellKind = Literal["head", "text", "count", "figure", "rate", "page"]
RowKind = Literal["head", "body", "total", "apart", "section"]
# ``status``: a count under a status's name (its heading needs the room: "정상추진").
ColumnKind = Literal["name", "id", "text", "count", "status", "figure", "rate", "page"]


@dataclass(frozen=True)
class TableCell:
    """One cell (칸): its printed text and, for a figure, the number it is.

    ``kind``: ``head`` a heading cell (표머리, also the 계 label of a total
    row), ``text`` words, ``count`` a count, ``figure`` an amount, ``rate`` a
    share (``value`` is then the fraction), ``page`` the page the row's entry
    starts on (목차): known only once the pages are laid out, so its text is
    empty and the writer prints the page of the row's ``key`` (a bookmark).
    """

    text: str
    kind: CellKind = "text"
    value: int | Decimal | None = None
    col_span: int = 1
    row_span: int = 1


@dataclass(frozen=True)
class TableRow:
    """One row (행): ``head`` heading rows, ``body`` the table's lines, ``total`` a 계,
    ``apart`` what is counted beside the total (``(비율 제외)``), ``section`` a
    heading among the lines (a 분야 in the 목차).

    ``key`` names what the row counts, for a spreadsheet's formula: the status
    of a status row (:data:`UNRECORDED` for pledges without one), ``base`` for
    the 계 of the rates, ``all`` for 전체 공약; a 목차 line's bookmark (the
    page it points at); "" where nothing is counted.
    """

    cells: tuple[TableCell, ...]
    kind: RowKind = "body"
    key: str = ""


@dataclass(frozen=True)
class Column:
    """What a column holds, for the writer's choice of width and alignment."""

    kind: ColumnKind


@dataclass(frozen=True)
class Table:
    """A finished table (표) with its title, unit and ※ notes.

    ``name`` says which table it is (``status``, ``by_group``, ``by_department``,
    ``indicators``, ``indicator_totals``, ``contents``, ``plan`` and ``secured``
    for the money tables), so a writer can place it and a test can find it in
    every format.
    """

    name: str
    title: str  # "□ 부서별 추진상황", or "" where the page's heading says it
    unit: str  # "(단위 : 개, %)", or ""
    columns: tuple[Column, ...]
    head: tuple[TableRow, ...]
    rows: tuple[TableRow, ...]  # body, total and apart rows, in printed order
    notes: tuple[str, ...] = ()
    # Column widths in twips, fitted to what the cells hold
    # (reportgen.report.widths: no "정상추/진", no 분야 name over five lines); empty:
    # the writer's own widths.
    weights: tuple[int, ...] = ()

    @property
    def body(self) -> tuple[TableRow, ...]:
        return tuple(r for r in self.rows if r.kind == "body")

    @property
    def totals(self) -> tuple[TableRow, ...]:
        return tuple(r for r in self.rows if r.kind != "body")

    @property
    def all_rows(self) -> tuple[TableRow, ...]:
        return self.head + self.rows

    @property
    def places(self) -> list[list[TableCell | None]]:
        """The rows (not the head) place by place, ``None`` where a merge covers
        (:func:`grid`): for a template that lays a table out column by column."""
        return grid(self.rows, len(self.columns))


def grid(rows: Sequence[TableRow], width: int) -> list[list[TableCell | None]]:
    """The rows place by place: each cell where it starts, ``None`` where a merge covers."""
    out: list[list[TableCell | None]] = [[None] * width for _ in rows]
    # The places merges cover beyond their own first place: a cell of one place
    # covers none that a later cell could reach (a money table has 150 such).
    covered: set[tuple[int, int]] = set()
    for r, row in enumerate(rows):
        line = out[r]
        c = 0
        for cell in row.cells:
            while covered and (r, c) in covered:
                c += 1
            if c >= width:
                raise ValueError(f"row {r + 1} has more cells than the table's {width} columns")
            line[c] = cell
            if cell.row_span > 1 or cell.col_span > 1:
                for dr in range(cell.row_span):
                    for dc in range(cell.col_span):
                        covered.add((r + dr, c + dc))
            c += cell.col_span
    return out


def texts(rows: Sequence[TableRow], width: int) -> list[list[str]]:
    """Every place's printed text, a merged cell's text in each place it covers.

    The form the cross-format tests compare: what a reader sees at each place.
    """
    out: list[list[str]] = [[""] * width for _ in rows]
    for r, line in enumerate(grid(rows, width)):
        for c, cell in enumerate(line):
            if cell is None:
                continue
            for dr in range(cell.row_span):
                for dc in range(cell.col_span):
                    if r + dr < len(out):
                        out[r + dr][c + dc] = cell.text
    return out


# ---------------------------------------------------------------------------
# Builders: the tables of the 총괄


@dataclass(frozen=True)
class StatusCount:
    """One status (추진상황) counted: how many pledges, and their share of the base."""

    status: str
    count: int
    share: str  # "37.5%", "-" for a status left out of the base
    rate: Rate = Rate(None, "-")


@dataclass(frozen=True)
class Tally:
    """Statuses counted over some pledges: the 총괄표, or one 분야's or 부서's line of it."""

    name: str  # "" for the whole report, else the 분야 or 부서
    total: int  # every pledge counted here
    base: int  # those in the base of the rates (a status recorded, not excluded)
    unrecorded: int  # no status recorded (추진상황 미기재): listed apart, in no rate
    excluded: int  # statuses left out of the base (통폐합, 공약 제외 …)
    statuses: tuple[StatusCount, ...]  # every listed status; shares of ``base``
    done: int
    done_share: str  # 달성률
    weighted_share: str  # 이행률 with the city's weights, "" without weights
    average_progress: str  # 평균진행률 of 추진율, "" where pledges record none
    done_rate: Rate = Rate(None, "-")
    weighted_rate: Rate | None = None  # None: the city weights no statuses
    average_rate: Rate | None = None  # None: the city records no 추진율


def _count(n: int) -> TableCell:
    return TableCell(str(n), "count", n)


def _rate(rate: Rate) -> TableCell:
    return TableCell(rate.text, "rate", rate.value)


def status_table(
    whole: Tally, excluded_statuses: Sequence[str], unit: str = "(단위 : 개, %)"
) -> Table:
    """총괄표: the statuses in the base and their 계, then what is counted apart.

    A status the city leaves out of the rates and the pledges without a status
    stand below the 계 with "(비율 제외)", and "전체 공약" then adds every
    pledge up, so the rows never seem to add up to more than their 계.
    """
    excluded = set(excluded_statuses)
    head = TableRow(
        (TableCell("추진상황", "head"), TableCell("공약 수", "head"), TableCell("비율", "head")),
        "head",
    )
    rows = [
        TableRow((TableCell(s.status), _count(s.count), _rate(s.rate)), "body", s.status)
        for s in whole.statuses
        if s.status not in excluded
    ]
    base_rate = Rate(Decimal(1), "100.0%") if whole.base else Rate(None, "-")
    rows.append(
        TableRow((TableCell("계", "head"), _count(whole.base), _rate(base_rate)), "total", "base")
    )
    rows.extend(
        TableRow(
            (TableCell(f"{s.status} (비율 제외)"), _count(s.count), _rate(s.rate)),
            "apart",
            s.status,
        )
        for s in whole.statuses
        if s.status in excluded
    )
    if whole.unrecorded:
        rows.append(
            TableRow(
                (
                    TableCell(f"{UNRECORDED} (비율 제외)"),
                    _count(whole.unrecorded),
                    _rate(Rate(None, "-")),
                ),
                "apart",
                UNRECORDED,
            )
        )
    if whole.excluded or whole.unrecorded:
        rows.append(
            TableRow(
                (TableCell("전체 공약", "head"), _count(whole.total), TableCell("", "rate")),
                "total",
                "all",
            )
        )
    apart = [s.status for s in whole.statuses if s.status in excluded and s.count]
    if whole.unrecorded:
        apart.append(UNRECORDED)
    return Table(
        name="status",
        title="",
        unit=unit,  # "(2024. 6. 30. 기준, 단위 : 개, %)" where the city prints its cut-off
        columns=(Column("name"), Column("count"), Column("rate")),
        head=(head,),
        rows=tuple(rows),
        notes=(f"비율 = 공약 수 ÷ 계 ({'·'.join(apart)} 제외)",) if apart else (),
    )


def tally_table(
    name: str, title: str, heading: str, tallies: Sequence[Tally], whole: Tally
) -> Table:
    """□ 분야별 / 부서별 추진상황: one line per 분야 or 부서, then the report's 계.

    One column set for every format: 구분 | 공약 수 | each status | 미기재 (where
    the report has pledges without a status) | 달성 | 달성률 | 이행률 (where the
    city weights statuses) | 평균진행률 (where it records 추진율). The lines add
    up to the 계, column by column.
    """
    unrecorded = whole.unrecorded > 0
    weighted = whole.weighted_rate is not None
    average = whole.average_rate is not None
    heads = [heading, "공약 수", *(s.status for s in whole.statuses)]
    kinds: list[ColumnKind] = ["name", "count"]
    kinds += ["status"] * len(whole.statuses)
    if unrecorded:
        heads.append("미기재")
        kinds.append("count")
    heads += ["달성", "달성률"]
    kinds += ["count", "rate"]
    if weighted:
        heads.append("이행률")
        kinds.append("rate")
    if average:
        heads.append("평균진행률")
        kinds.append("rate")

    def line(t: Tally, label: TableCell, kind: RowKind) -> TableRow:
        cells = [label, _count(t.total), *(_count(s.count) for s in t.statuses)]
        if unrecorded:
            cells.append(_count(t.unrecorded))
        cells += [_count(t.done), _rate(t.done_rate)]
        if weighted:
            cells.append(_rate(t.weighted_rate or Rate(None, "-")))
        if average:
            cells.append(_rate(t.average_rate or Rate(None, "-")))
        return TableRow(tuple(cells), kind)

    rows = [line(t, TableCell(t.name), "body") for t in tallies]
    rows.append(line(whole, TableCell("계", "head"), "total"))
    return Table(
        name=name,
        title=title,
        unit="(단위 : 개, %)",
        columns=tuple(Column(k) for k in kinds),
        head=(TableRow(tuple(TableCell(h, "head") for h in heads), "head"),),
        rows=tuple(rows),
    )


# ---------------------------------------------------------------------------
# The 목차


@dataclass(frozen=True)
class ContentsEntry:
    """One pledge's line of the 목차: its number, its name, its bookmark."""

    id: str
    title: str
    anchor: str  # the bookmark on its first page: the page column points at it


def contents_table(sections: Sequence[tuple[str, Sequence[ContentsEntry]]]) -> Table:
    """목차: 공약번호 | 공약명 | 쪽, each pledge under its 분야's heading where the city groups them.

    The page is known only once the pages are laid out (LibreOffice's, or the
    writer's estimate): each line's page cell is of kind ``page`` with the
    line's bookmark as the row's ``key``, and the writer prints that page.
    """
    rows: list[TableRow] = []
    for heading, entries in sections:
        if heading:
            rows.append(TableRow((TableCell(heading, "head", col_span=3),), "section"))
        rows.extend(
            TableRow((TableCell(e.id), TableCell(e.title), TableCell("", "page")), "body", e.anchor)
            for e in entries
        )
    return Table(
        name="contents",
        title="목  차",
        unit="",
        columns=(Column("id"), Column("name"), Column("page")),
        head=(TableRow(tuple(TableCell(h, "head") for h in ("공약번호", "공약명", "쪽")), "head"),),
        rows=tuple(rows),
    )
