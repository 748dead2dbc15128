"""웹소통: one period's report as a static, accessible website, from the booklet's view.

:func:`build_site` lays out the same :class:`~reportgen.report.view.ReportView` the
booklet and the workbook print (일치도: what is published is the report), and
computes no figure: every count, share and amount on a page is a string the
view (or :mod:`reportgen.report.diff`) already holds. It returns relative path →
bytes; the caller writes them (atomically, with its manifest).

Pages:

- ``index.html``: the 총괄 lines, the status summary (by 분야 and 부서 where the
  city has them), a chart of statuses by 분야 (inline SVG with a text
  equivalent), and the table of pledges, which a small bundled script lets a
  reader filter (분야, 부서, 추진상황) and sort without any server.
- ``pledge/<slug>.html``: everything a pledge's report pages hold, as semantic
  HTML (nested lists for □ ○ - ·, real tables with captions and header scopes).
- ``changes.html`` (with ``changes``): what changed since the previous period.
- ``assets/site.css``, ``assets/site.js``: shipped with reportgen, no CDN.

Text from records is untrusted: every template is autoescaped (jinja2), and
link targets are checked and percent-encoded here. The bytes depend only on
the arguments: no timestamps, stable order.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2

from ..i18n import tr
from ..report import tables
from ..report.citizen import CitizenSummary
from ..report.formula import Formulas
from ..report.history import PledgeHistory
from ..report.tables import Table, TableCell
from ..report.view import Line, PledgeView, ReportView, StatusCount

RESOURCES = Path(__file__).parent.parent / "resources" / "site"
ASSETS = ("site.css", "site.js")
PLEDGE_DIR = "pledge"

UNRECORDED = "미기재"
"""What the pledge table says for a pledge without a status (the 총괄's 추진상황 미기재)."""

# Status colours for the chart: each at least 4.5:1 against white, and each
# status also has its own fill pattern, so no status is told by colour alone.
CHART_COLOURS = (
    "#1f4e9c",
    "#2f6f3e",
    "#8a5300",
    "#a23b72",
    "#4d4d4d",
    "#b3261e",
    "#6a4c93",
    "#005f73",
)
CHART_PATTERNS = ("solid", "diagonal", "dots", "horizontal", "cross", "vertical", "back", "grid")
UNRECORDED_COLOUR = "#767676"


# ---------------------------------------------------------------------------
# File names and links


def slug(pledge_id: str) -> str:
    """An ASCII file stem for any pledge number: ``1-4-5``; ``III-①-1`` -> ``iii-1-1-<hash>``.

    Numbers made only of lower-case ASCII letters, digits and '-' keep their
    spelling; any other gets a short hash of the number, so two numbers never
    share a name, not even on a file system that ignores case.
    """
    folded = unicodedata.normalize("NFKC", pledge_id)
    base = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-") or "pledge"
    if base == pledge_id:
        return base
    return f"{base[:40]}-{hashlib.sha256(pledge_id.encode()).hexdigest()[:10]}"


def pledge_paths(ids: Iterable[str]) -> dict[str, str]:
    """Pledge number -> its page's path, unique even where two slugs would meet."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for pledge_id in ids:
        stem = slug(pledge_id)
        n = 1
        while stem.casefold() in taken:
            n += 1
            stem = f"{slug(pledge_id)}-{n}"
        taken.add(stem.casefold())
        out[pledge_id] = f"{PLEDGE_DIR}/{stem}.html"
    return out


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def link_href(url: str, root: str) -> str:
    """A download link as written on a page ``root`` below the site's root.

    ``url`` is relative to the site's root (``../공약별/1-4-5 ….docx``), or an
    absolute http(s) URL. Other schemes (``javascript:`` …) are refused.
    A relative link is a file's name: every character but ``/`` and the
    unreserved ones is percent-encoded (a pledge titled "청년위원 20% 위촉"
    gives ``20%25``, and ``#`` or ``?`` in a name stay part of it). In an
    absolute URL blanks and Hangul are encoded and ``%`` escapes already there stay.
    """
    scheme = _SCHEME.match(url)
    if scheme:
        if scheme.group(1).lower() not in ("http", "https"):
            raise ValueError(
                tr(
                    f"내려받기 링크 {url!r}: 상대 경로나 http(s) 링크만 쓸 수 있습니다",
                    f"download link {url!r}: only relative or http(s) links",
                )
            )
        return quote(url, safe="/:#?&=%~@!$'()*+,;")
    if url.startswith(("/", "\\")):
        raise ValueError(
            tr(
                f"내려받기 링크 {url!r}: 사이트 맨 위 폴더에서 본 상대 경로로 쓰십시오",
                f"download link {url!r}: give it relative to the site's root",
            )
        )
    return quote(root + url, safe="/")


@dataclass(frozen=True)
class Link:
    label: str
    href: str


def _links(pairs: Sequence[tuple[str, str]], root: str) -> tuple[Link, ...]:
    return tuple(Link(label, link_href(url, root)) for label, url in pairs)


# ---------------------------------------------------------------------------
# 개조식 lines as nested lists


@dataclass
class Node:
    line: Line
    children: list[Node] = field(default_factory=list)


def line_tree(lines: Sequence[Line]) -> list[Node]:
    """Lines with levels (□ 0, ○ 1, - 2, · 3) as a tree: each line under the last shallower one."""
    roots: list[Node] = []
    stack: list[Node] = []
    for line in lines:
        node = Node(line)
        while stack and stack[-1].line.level >= line.level:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


# ---------------------------------------------------------------------------
# Money tables


@dataclass(frozen=True)
class MoneyPlace:
    """One cell of a money table where it starts: its column says its role.

    Column 0 names the 공약사업 (``<th scope="rowgroup">`` down its block), column
    1 the row (``<th scope="row">``: 계, a source, 소계), the rest are figures
    (the 비예산 frame's one cell across them).
    """

    cell: TableCell
    column: int


@dataclass(frozen=True)
class MoneyLine:
    cls: str  # "total" (the table's 계), "subtotal" (a block's 소계), "source"
    places: tuple[MoneyPlace, ...]


def money_blocks(table: Table) -> tuple[tuple[MoneyLine, ...], ...]:
    """The view's money table as ``<tbody>`` groups: each starts where a row's name cell does.

    Laid out as the view finished it (:func:`reportgen.report.view.money_form`):
    no row added, left out or relabelled; the first row is the table's 계.
    """
    width = len(table.columns)
    blocks: list[list[MoneyLine]] = []
    for i, (row, places) in enumerate(zip(table.rows, tables.grid(table.rows, width), strict=True)):
        if places[0] is not None or not blocks:
            blocks.append([])
        cls = "source" if row.kind != "total" else "total" if i == 0 else "subtotal"
        line = tuple(MoneyPlace(c, k) for k, c in enumerate(places) if c is not None)
        blocks[-1].append(MoneyLine(cls, line))
    return tuple(tuple(b) for b in blocks)


# ---------------------------------------------------------------------------
# The chart


@dataclass(frozen=True)
class Segment:
    status: str
    count: int
    x: str
    width: str
    fill: str  # url(#pattern-id)


@dataclass(frozen=True)
class Bar:
    label: str
    total: int
    y: int
    segments: tuple[Segment, ...]
    words: str  # the bar in words, for the chart's text equivalent


@dataclass(frozen=True)
class Swatch:
    status: str
    id: str
    colour: str
    pattern: str


# Each bar under its label (long 분야 names stay whole), sized to stay legible on a phone.
CHART_LEFT = 2
CHART_WIDTH = 400
LABEL_HEIGHT = 22
BAR_HEIGHT = 24
BAR_GAP = 14
ROW_HEIGHT = LABEL_HEIGHT + BAR_HEIGHT + BAR_GAP


def _chart(report: ReportView) -> tuple[tuple[Swatch, ...], tuple[Bar, ...], int]:
    statuses = [s.status for s in report.summary]
    swatches = [
        Swatch(
            s,
            f"st{i}",
            CHART_COLOURS[i % len(CHART_COLOURS)],
            CHART_PATTERNS[i % len(CHART_PATTERNS)],
        )
        for i, s in enumerate(statuses)
    ]
    rows: list[tuple[str, Sequence[StatusCount], int, int]]
    if report.by_group:
        rows = [(t.name, t.statuses, t.unrecorded, t.total) for t in report.by_group]
    else:
        rows = [("전체", report.summary, report.unrecorded, report.total)]
    if any(unrecorded for _, _, unrecorded, _ in rows):
        swatches.append(Swatch(f"추진상황 {UNRECORDED}", "stx", UNRECORDED_COLOUR, "dashes"))
    widest = max((total for *_, total in rows), default=0) or 1
    bars = []
    for i, (label, counts, unrecorded, total) in enumerate(rows):
        parts = [(c.status, c.count, f"st{statuses.index(c.status)}") for c in counts]
        parts.append((f"추진상황 {UNRECORDED}", unrecorded, "stx"))
        x = 0.0
        segments = []
        for status, count, pid in parts:
            if not count:
                continue
            width = CHART_WIDTH * count / widest  # layout only: lengths on screen
            segments.append(
                Segment(status, count, f"{CHART_LEFT + x:.2f}", f"{width:.2f}", f"url(#{pid})")
            )
            x += width
        words = ", ".join(f"{s.status} {s.count}개" for s in segments) or "공약 없음"
        bars.append(Bar(label, total, i * ROW_HEIGHT, tuple(segments), f"{label}: {words}"))
    height = len(bars) * ROW_HEIGHT
    return tuple(swatches), tuple(bars), height


# ---------------------------------------------------------------------------
# Rendering


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(RESOURCES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _render(template: str, **context: Any) -> bytes:
    text = environment().get_template(template).render(**context)
    # One newline at the end, none doubled by the templates' blocks.
    text = re.sub(r"\n[ \t]*\n+", "\n", text)
    return text.encode("utf-8")


def _group_of(report: ReportView) -> dict[str, str]:
    """Pledge number -> its 분야 heading as the booklet prints it ("" without groups)."""
    return {p.id: s.heading for s in report.sections for p in s.pledges}


def build_site(
    report: ReportView,
    changes: CitizenSummary | None = None,
    links: Mapping[str, Sequence[tuple[str, str]]] | None = None,
    *,
    history: Mapping[str, PledgeHistory] | None = None,
    formulas: Formulas | None = None,
    term_index: str | None = None,
    data: Sequence[tuple[str, str]] = (),
) -> dict[str, bytes]:
    """The period's website: relative path -> bytes (UTF-8 HTML, CSS, JavaScript).

    ``changes`` (:func:`reportgen.report.citizen.citizen_summary` of the previous
    period and this one) adds ``changes.html``; ``formulas``
    (:func:`reportgen.report.formula.rate_formulas`) adds ``formula.html``;
    ``history`` (:func:`reportgen.report.history.pledge_histories`) puts each
    pledge's 추진 경과 on its page. ``links`` maps a pledge number to its
    downloads, ``(label, URL)`` with the URL relative to the site's root (or
    absolute http(s)); key ``""`` holds the report's own (booklet, workbook).
    ``term_index`` is the link to the term's list of periods (``../index.html``
    where this period is one folder of the term's site); ``data`` names the
    open data files beside the pages (``data/pledges.csv`` …).
    """
    links = links or {}
    history = history or {}
    paths = pledge_paths(p.id for p in report.pledges)
    groups = _group_of(report)
    departments = list(dict.fromkeys(p.department for p in report.pledges))
    statuses = [s.status for s in report.summary]
    if any(p.status not in statuses for p in report.pledges):
        statuses.append(UNRECORDED)
    swatches, bars, chart_height = _chart(report)
    common = {
        "report": report,
        "has_changes": changes is not None,
        "has_formulas": formulas is not None,
        "term_index": term_index,
        "unrecorded_word": UNRECORDED,
        "site_links": (),
    }

    files: dict[str, bytes] = {}
    for name in ASSETS:
        files[f"assets/{name}"] = (RESOURCES / name).read_bytes()
    files["index.html"] = _render(
        "index.html",
        **{
            **common,
            "site_links": _links(links.get("", ()), ""),
        },
        root="",
        page="index",
        paths=paths,
        groups=groups,
        group_names=[s.heading for s in report.sections if s.heading],
        departments=departments,
        statuses=statuses,
        swatches=swatches,
        bars=bars,
        chart_left=CHART_LEFT,
        chart_width=CHART_WIDTH,
        chart_height=chart_height,
        bar_height=BAR_HEIGHT,
        label_height=LABEL_HEIGHT,
        data=[(label, link_href(path, "")) for label, path in data],
    )
    for pledge in report.pledges:
        files[paths[pledge.id]] = _render(
            "pledge.html",
            **common,
            root="../",
            page="pledge",
            p=pledge,
            group=groups.get(pledge.id, ""),
            downloads=_links(links.get(pledge.id, ()), "../"),
            progress=[(row, line_tree(row.lines)) for row in pledge.progress],
            problems=[(heading, line_tree(lines)) for heading, lines in pledge.problems.sections],
            adjustments=[(a, line_tree(a.lines)) for a in pledge.adjustments],
            tables=[(t, money_blocks(t.table)) for t in pledge.money_tables if t.table is not None],
            history=history.get(pledge.id),
        )
    if changes is not None:
        files["changes.html"] = _render(
            "changes.html",
            **common,
            root="",
            page="changes",
            summary=changes,
            paths=paths,
        )
    if formulas is not None:
        files["formula.html"] = _render(
            "formula.html",
            **common,
            root="",
            page="formula",
            f=formulas,
            paths=paths,
        )
    return dict(sorted(files.items()))


@dataclass(frozen=True)
class PeriodEntry:
    """One period on the term's index page."""

    period: str
    period_words: str
    href: str
    summary_lines: tuple[str, ...]


def build_term_index(latest: ReportView, periods: Sequence[ReportView]) -> dict[str, bytes]:
    """The term's ``index.html`` (periods latest first) and its assets."""
    entries = [
        PeriodEntry(
            r.period, r.period_words, link_href(f"{r.period}/index.html", ""), r.summary_lines
        )
        for r in sorted(periods, key=lambda r: r.period, reverse=True)
    ]
    files = {f"assets/{name}": (RESOURCES / name).read_bytes() for name in ASSETS}
    files["index.html"] = _render(
        "term.html",
        report=latest,
        has_changes=False,
        has_formulas=False,
        term_index=None,
        site_links=(),
        root="",
        page="term",
        entries=entries,
    )
    return dict(sorted(files.items()))


def pledge_page(report: ReportView, pledge: PledgeView) -> str:
    """The path of ``pledge``'s page in the site of ``report``."""
    return pledge_paths(p.id for p in report.pledges)[pledge.id]
