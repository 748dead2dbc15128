"""Stage 5d: the HWPX writer — each pledge's pages and the booklet, for Hancom Office.

Restyling the HWPX output (for the README)
------------------------------------------
The look comes from ``templates/report.hwpx`` (made once by
``tools/make_hwpx_template.py``; after that staff own it). Open it in Hancom
Office (한글) and:

* **Styles (F6, 스타일)**: every paragraph the writer makes uses one of the
  template's named styles, with the 문단 모양 and 글자 모양 that style points
  at: 보고서제목, 표지문구, 장제목 (총괄표, 목차, 분야), 공약시작 (the line of the
  status stamp), 상태 (the stamp's 글자 모양, boxed with a 글자 테두리),
  섹션제목 (□ headings, the 공약명 cell), 단위, 표머리, 표본문, 표숫자,
  표주석 (※ under a table), 구분제목/구분주석 (the 구분 column), 항목0–항목3
  (□ ○ - · lines, hanging indents), 항목주 (※ lines), 항목없음 ("기록 없음"),
  목차, 쪽번호. Change a style's font, size, spacing or indent and save: the
  next build uses it. Renaming or deleting one of these styles stops the
  build with a message naming it.
* **Table cells**: the sample table at the end of the template has cells whose
  text names what they style: ``표머리 칸`` (heading cells, shaded), ``표본문 칸``
  (ordinary cells) and ``합계 칸`` (the 계 row). Change their 테두리/배경
  (셀 테두리/배경, L) and the report's tables follow. Keep their text.
* **Page**: 편집 용지 (F7) on the first paragraph sets paper and margins for
  every file; the footer (꼬리말) with the page number "- N -" is the
  template's own, so it can be restyled or replaced there.
* What cannot be restyled from the template: the order of the sections, the
  column widths of the tables (written in cm below, as the DOCX has them),
  the page breaks (each pledge starts a new page), the merges.

The pages are laid out from the same :class:`~reportgen.report.view.PledgeView` and
:class:`~reportgen.report.view.ReportView` as the DOCX, and nothing is computed
here: every label, figure and merge comes from the view. Bytes are
deterministic: ids are numbered in document order, the zip has fixed times and
order, ``mimetype`` comes first and is stored.

Fonts as Hancom users expect them: body 휴먼명조 (substitute 함초롬바탕), tables
and headings 맑은 고딕 (함초롬돋움), titles HY헤드라인M (함초롬돋움). Margins as
the DOCX: 2.0 cm left, right and top of the body, 1.8 cm below it; header 1.0
cm and footer 0.8 cm from the paper's edge (Hancom counts 위쪽/아래쪽 to the
header and footer and adds 머리말/꼬리말 to them: 1.0 + 1.0, 0.8 + 1.0).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

from lxml import etree

from .. import SHIPPED_TEMPLATES
from ..errors import TemplateError
from ..i18n import tr
from ..josa import attach
from ..report import tables
from ..report.tables import Table
from ..report.view import Line, MoneyTable, PledgeView, ReportInfo, ReportView
from . import hwpxml as hx
from .hwpxml import HP, Cell, Ids, StyleRef, cm
from .ooxml import PackageError, read_package, read_template

DEFAULT_TEMPLATE = SHIPPED_TEMPLATES / "report.hwpx"

STYLE_NAMES = (
    "보고서제목",
    "표지문구",
    "장제목",
    "공약시작",
    "상태",
    "섹션제목",
    "단위",
    "표머리",
    "표본문",
    "표숫자",
    "표주석",
    "구분제목",
    "구분주석",
    "항목0",
    "항목1",
    "항목2",
    "항목3",
    "항목주",
    "항목없음",
    "목차",
)
# Styles added since the first templates: a template made before them uses the
# older style named here, so a staff-edited template keeps working.
LATER_STYLES = {"분류": "표주석"}
FILL_CELLS = ("표머리 칸", "표본문 칸", "합계 칸")

# Column widths in cm, as tools/make_templates.py gives the DOCX (17.0 cm wide).
HEADER_WIDTHS = (2.2, 3.3, 1.5, 2.6, 1.6, 2.6, 3.2)
PROGRESS_WIDTHS = (3.3, 12.2, 1.5)
TEXT_WIDTH = 17.0
INDICATOR_WIDTHS = (6.6, 1.6, 2.8, 3.2, 2.8)
INDICATOR_TOTAL_WIDTHS = (5.6, 1.6, 1.8, 2.8, 2.8, 2.4)


MONEY_MARGIN = (cm(0.1), cm(0.1), cm(0.05), cm(0.05))
# A finished table's columns after the first: a share wider than a count, a
# status's column wide enough for its name ("정상추진"), as the DOCX has them.
TALLY_NAME = 3.4
COLUMN_WEIGHTS = {"rate": 6, "status": 5, "count": 4}
# 목차 page references point at each pledge's first paragraph by its id: these
# ids are apart from the running ones, which never get near them.
ANCHOR_BASE = 1_000_000_000


# The parts of an HWPX package that are XML (the rest: mimetype, preview text and images).
_XML_PARTS = (".xml", ".hpf", ".rdf")


def check_template(path: Path, data: bytes, parts: dict[str, bytes]) -> None:
    """Refuse a template whose parts would make HWPX files python-hwpx rejects (issue 27).

    Every file written carries the template's parts, so one bad part in the
    template is a bad part in every output. Checked once, when the template
    is loaded: no part declares a DTD or holds an entity reference (the
    template's sections are parsed without resolving entities, so a
    reference would be copied as it stands, undefined, into every section
    written), and python-hwpx's package validator finds no error (a false
    ``mimetype``, a broken manifest, a part that is not well-formed …).
    """
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
    )
    for name, blob in sorted(parts.items()):
        if not name.endswith(_XML_PARTS):
            continue
        try:
            root = etree.fromstring(blob, parser)
        except (etree.XMLSyntaxError, ValueError) as exc:
            raise TemplateError(
                path,
                tr(
                    f"{attach(name, '이')} 올바른 XML이 아닙니다({exc}): 한글에서 열어 다시 저장하거나 "
                    "tools/make_hwpx_template.py로 다시 만드세요",
                    f"{name} is not well-formed XML ({exc}): open and save it again in "
                    "Hancom Office, or remake it with tools/make_hwpx_template.py",
                ),
            ) from None
        tree = root.getroottree()
        declared = tree.docinfo.doctype or tree.docinfo.internalDTD is not None
        if declared or any(True for _ in root.iter(etree.Entity)):
            raise TemplateError(
                path,
                tr(
                    f"{name}에 DOCTYPE/ENTITY 선언이나 엔터티 참조가 있습니다(한글 문서에는 "
                    "없는 것으로, 그대로 두면 만드는 모든 HWPX가 깨집니다): 한글에서 열어 다시 "
                    "저장하거나 tools/make_hwpx_template.py로 다시 만드세요",
                    f"{name} holds a DOCTYPE/ENTITY declaration or an entity reference (no "
                    "Hancom document has one; every HWPX made from it would be broken): open "
                    "and save it again in Hancom Office, or remake it with "
                    "tools/make_hwpx_template.py",
                ),
            )
    from hwpx.tools.package_validator import validate_package

    errors = validate_package(data).errors
    if errors:
        shown = "; ".join(f"{e.part_name}: {e.message}" for e in errors[:3])
        raise TemplateError(
            path,
            tr(
                f"python-hwpx의 검사기가 거부하는 HWPX입니다({shown}): 한글에서 열어 "
                "다시 저장하거나 tools/make_hwpx_template.py로 다시 만드세요",
                f"an HWPX python-hwpx's validator rejects ({shown}): open and save it again "
                "in Hancom Office, or remake it with tools/make_hwpx_template.py",
            ),
        )


class HwpxTemplate:
    """``templates/report.hwpx`` read once: its parts, named styles, cell fills, page setup."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            data = read_template(path)
            self.parts = read_package(data)
        except (PackageError, ValueError, OSError) as exc:
            raise TemplateError(path, f"is not a readable HWPX package ({exc})") from None
        check_template(path, data, self.parts)
        for part in (hx.HEADER_PART, hx.SECTION_PART, "mimetype"):
            if part not in self.parts:
                raise TemplateError(path, f"lacks {part}")
        try:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
            header = etree.fromstring(self.parts[hx.HEADER_PART], parser)
            self.section = etree.fromstring(self.parts[hx.SECTION_PART], parser)
            self.setup = hx.section_setup_runs(self.section)
        except (etree.XMLSyntaxError, ValueError) as exc:
            raise TemplateError(
                path,
                tr(
                    f"구역이나 머리말 부분이 깨졌습니다({exc}).",
                    f"has a broken section or header ({exc})",
                ),
            ) from None
        styles = hx.styles_by_name(header)
        missing = [n for n in STYLE_NAMES if n not in styles]
        if missing:
            raise TemplateError(
                path,
                tr(
                    f"스타일이 없습니다: {', '.join(missing)}. 한글에서 더하거나(스타일, F6) "
                    "tools/make_hwpx_template.py로 서식을 새로 만드십시오.",
                    f"lacks the style(s) {', '.join(missing)}; "
                    "add them in Hancom Office (스타일, F6) or run tools/make_hwpx_template.py",
                ),
            )
        self.styles = {n: styles[n] for n in STYLE_NAMES}
        for name, older in LATER_STYLES.items():
            self.styles[name] = styles.get(name, styles[older])
        fills = hx.cell_fills(self.section)
        lost = [n for n in FILL_CELLS if n not in fills]
        if lost:
            raise TemplateError(
                path,
                tr(
                    f"견본 칸이 없습니다: {', '.join(lost)}.",
                    f"lacks the sample cell(s) {', '.join(lost)}",
                ),
            )
        self.head_fill, self.body_fill, self.total_fill = (fills[n] for n in FILL_CELLS)

    def new_section(self) -> etree._Element:
        return etree.Element(self.section.tag, nsmap=self.section.nsmap)

    def package(
        self, section: etree._Element, *, cover: bool, preview: str, mark: str = ""
    ) -> bytes:
        """The template's package with ``section`` as its body (page setup in front).

        ``mark`` (초안 …) becomes a header line (머리말) on every page, the cover's too.
        """
        setup = [copy.deepcopy(run) for run in self.setup]
        for visibility in (v for run in setup for v in run.iter(f"{HP}visibility")):
            # The cover carries no page number; a pledge's first page does.
            visibility.set("hideFirstFooter", "1" if cover else "0")
            if mark:
                visibility.set("hideFirstHeader", "0")
        if mark and not _add_mark_header(setup, mark):
            # No footer to model the header on (an edited template): the mark opens the body.
            section.insert(0, _mark_body_paragraph(mark))
        first = section[0]
        for i, run in enumerate(setup):
            first.insert(i, run)
        parts = dict(self.parts)
        parts[hx.SECTION_PART] = hx.to_bytes(section)
        parts[hx.PREVIEW_TEXT_PART] = preview.encode("utf-8")
        return hx.write_package(parts)


# A control id apart from the template's and the running ones.
_MARK_HEADER_ID = str(ANCHOR_BASE - 1)


def _add_mark_header(setup: list[etree._Element], mark: str) -> bool:
    """A 머리말 holding ``mark``, shaped like the template's 꼬리말, before it in the setup."""
    for run in setup:
        for ctrl in run.findall(f"{HP}ctrl"):
            footer = ctrl.find(f"{HP}footer")
            if footer is None:
                continue
            header_ctrl = copy.deepcopy(ctrl)
            header = header_ctrl[0]
            header.tag = f"{HP}header"
            header.set("id", _MARK_HEADER_ID)
            header.set("applyPageType", "BOTH")
            sub = header.find(f"{HP}subList")
            if sub is None:
                return False
            sub.set("vertAlign", "TOP")
            paragraphs = sub.findall(f"{HP}p")
            if not paragraphs:
                return False
            p = paragraphs[0]
            for extra in paragraphs[1:]:
                sub.remove(extra)
            p.set("id", _MARK_HEADER_ID)
            runs = p.findall(f"{HP}run")
            char_pr = runs[0].get("charPrIDRef", "0") if runs else "0"
            for old in list(p):
                p.remove(old)
            new_run = etree.SubElement(p, f"{HP}run", charPrIDRef=char_pr)
            etree.SubElement(new_run, f"{HP}t").text = f"■ {mark}"
            ctrl.addprevious(header_ctrl)
            return True
    return False


def _mark_body_paragraph(mark: str) -> etree._Element:
    p = etree.Element(f"{HP}p", id=_MARK_HEADER_ID, paraPrIDRef="0", styleIDRef="0")
    p.set("pageBreak", "0")
    p.set("columnBreak", "0")
    p.set("merged", "0")
    run = etree.SubElement(p, f"{HP}run", charPrIDRef="0")
    etree.SubElement(run, f"{HP}t").text = f"■ {mark}"
    return p


class _Layout:
    """One document's paragraphs, laid out from the view."""

    def __init__(self, template: HwpxTemplate) -> None:
        self.t = template
        self.ids = Ids()
        self.body = template.new_section()
        self.anchors = 0

    def style(self, name: str) -> StyleRef:
        return self.t.styles[name]

    def para(self, style: str, text: str = "", *, page_break: bool = False) -> etree._Element:
        return hx.paragraph(
            self.ids, self.style(style), text, page_break=page_break, parent=self.body
        )

    def cell_para(self, style: str, text: str = "") -> tuple[StyleRef, str]:
        return (self.style(style), text)

    def cell(self, texts: str | Sequence[str], style: str = "표본문", **kw: object) -> Cell:
        fill = str(kw.pop("fill", self.t.body_fill))
        items = [texts] if isinstance(texts, str) else list(texts) or [""]
        return Cell([self.cell_para(style, t) for t in items], fill, **kw)  # type: ignore[arg-type]

    def head(self, texts: str | Sequence[str], **kw: object) -> Cell:
        return self.cell(texts, "표머리", fill=self.t.head_fill, **kw)

    def table(
        self,
        widths_cm: Sequence[float],
        rows: list[list[Cell | None]],
        header_rows: int = 1,
        margin: tuple[int, int, int, int] = hx.CELL_MARGIN,
    ) -> None:
        widths = [cm(w) for w in widths_cm]
        hx.table(
            self.body,
            self.ids,
            self.style("표본문"),
            widths,
            rows,
            header_rows=header_rows,
            fill=self.t.body_fill,
            margin=margin,
        )

    # -- lines of 개조식 text ------------------------------------------------

    def line_para(self, line: Line) -> tuple[StyleRef, str]:
        if line.placeholder:
            return self.cell_para("항목없음", line.text)
        if line.note:
            return self.cell_para("항목주", f"{line.symbol} {line.text}")
        return self.cell_para(f"항목{line.level}", f"{line.symbol} {line.text}")

    def line(self, line: Line) -> None:
        style, text = self.line_para(line)
        hx.paragraph(self.ids, style, text, parent=self.body)

    # -- one pledge ------------------------------------------------------------

    def pledge(self, view: PledgeView, *, page_break: bool) -> None:
        stamp = self.para("공약시작", page_break=page_break)
        # The anchor of the 목차's page reference (and a 책갈피 for 찾아가기).
        stamp.set("id", str(ANCHOR_BASE + self.anchors))
        self.anchors += 1
        if view.status:
            hx.add_text(stamp, view.status, self.style("상태").char_pr)
        hx.add_bookmark(stamp, view.anchor)
        if view.group_line:  # the 분야 › 전략 the pledge falls under
            self.para("분류", view.group_line)
        self.header_block(view)
        if view.adjustments:  # 공약 조정 in force, oldest first
            self.para("섹션제목", "□ 공약 조정")
        for adj in view.adjustments:
            self.para("항목0", adj.heading)
            for line in adj.lines:
                self.line(line)
        self.progress(view)
        if view.participation:
            self.para("섹션제목", "□ 시민참여(소통) 실적")
            self.para("단위", "(단위 : 회)")
            n = len(view.participation)
            widths = [TEXT_WIDTH / n] * n
            self.table(
                widths,
                [
                    [self.head(c.heading) for c in view.participation],
                    [self.cell(c.text) for c in view.participation],
                ],
            )
        if view.indicator_table is not None:
            self.finished(view.indicator_table, INDICATOR_WIDTHS)
        if view.indicator_year_table is not None:  # 연차별 목표, in the term's shape
            self.finished(view.indicator_year_table, INDICATOR_WIDTHS)
        for t in view.money_tables or (view.plan_table, view.secured_table):
            self.money(t, view)
        self.para("섹션제목", "□ 문제점 및 개선대책")
        for heading, lines in view.problems.sections:
            if heading:
                self.para("항목1", f"○ {heading}")
            for line in lines:
                self.line(line)

    def header_block(self, view: PledgeView) -> None:
        # Without contacts the frame keeps its "담 당" label, as the DOCX does.
        roles = [c.role for c in view.contacts] or ["담 당"]
        names = [c.name for c in view.contacts] or ["(기록 없음)"]
        phones = [c.phone for c in view.contacts] or [""]
        rows: list[list[Cell | None]] = [
            [
                self.head(view.id),
                self.cell(view.title, "섹션제목", col_span=6),
                None,
                None,
                None,
                None,
                None,
            ],
            [
                self.head("소관부서"),
                self.cell(view.department),
                self.head(roles),
                self.cell(names),
                self.head("연락처"),
                self.cell(phones, col_span=2),
                None,
            ]
            if view.lists_contacts
            # A city that lists no contacts: the department across the row.
            else [self.head("소관부서"), self.cell(view.department, col_span=6)] + [None] * 5,
        ]
        if view.progress_rate_text:
            rows.append(
                [
                    self.head("추진율"),
                    self.cell(view.progress_rate_text, col_span=6),
                    None,
                    None,
                    None,
                    None,
                    None,
                ]
            )
        self.table(HEADER_WIDTHS, rows, header_rows=0)

    def progress(self, view: PledgeView) -> None:
        self.para("섹션제목", "□ 추진실적 및 향후 추진계획")
        rows: list[list[Cell | None]] = [
            [self.head("구 분"), self.head("추진실적 및 추진계획"), self.head("비 고")]
        ]
        for row in view.progress:
            label = Cell(
                [self.cell_para("구분제목", row.title), self.cell_para("구분주석", row.note)],
                self.t.body_fill,
            )
            lines = Cell(
                [self.line_para(line) for line in row.lines], self.t.body_fill, valign="TOP"
            )
            rows.append([label, lines, self.cell("")])
        self.table(PROGRESS_WIDTHS, rows)

    def money(self, t: MoneyTable, view: PledgeView) -> None:
        """The view's money table as it is (``t.table``): the 계 row first, shaded,
        each 공약사업's name down its block, a 비예산 frame's one cell across the figures."""
        table = t.table
        assert table is not None, "the view finishes every money table"
        self.para("섹션제목", table.title)
        self.para("단위", table.unit)
        if not t.recorded:
            self.para("항목없음", "(기록 없음) 이 기간에 기록된 예산 내역이 없습니다.")
        # The view's widths, fitted to the figures (no "(20,609" / ")").
        widths = [w * TEXT_WIDTH / sum(t.widths) for w in t.widths]
        rows: list[list[Cell | None]] = []
        for i, (row, places) in enumerate(
            zip(table.all_rows, tables.grid(table.all_rows, len(table.columns)), strict=True)
        ):
            # The table's own 계 (its first line) is shaded; a block's 소계 is not.
            fill = self.t.total_fill if i == 1 and not t.non_budget else self.t.body_fill
            line: list[Cell | None] = []
            for cell in places:
                if cell is None:
                    line.append(None)  # covered by a merged cell above or to the left
                    continue
                span = {"col_span": cell.col_span, "row_span": cell.row_span}
                if row.kind == "head" or (cell.kind == "head" and cell.col_span > 1):
                    line.append(self.head(cell.text, **span))  # 표머리, and 비 예 산
                else:
                    style = {"head": "표머리", "figure": "표숫자"}.get(cell.kind, "표본문")
                    line.append(self.cell(cell.text, style, fill=fill, **span))
            rows.append(line)
        self.table(widths, rows, margin=MONEY_MARGIN)
        for note in table.notes:
            self.para("표주석", f"※ {note}")

    # -- the booklet's front matter -------------------------------------------

    def cover(self, report: ReportView) -> None:
        for _ in range(5):
            self.para("표지문구")
        self.para("보고서제목", report.title)
        self.para("표지문구", report.cover_line)
        for _ in range(7):
            self.para("표지문구")
        self.para("표지문구", f"{report.term_name} ({report.term_span})")
        self.para("보고서제목", report.city)

    def summary(self, report: ReportView) -> None:
        self.para("장제목", "총 괄 표", page_break=True)
        for line in report.summary_lines:
            self.para("항목1", line)
        if report.status_table is not None:
            self.finished(report.status_table, (7.0, 5.0, 5.0))
        for table in (report.group_table, report.department_table):
            if table is not None:
                self.finished(table)
        if report.indicator_totals_table is not None:
            self.finished(report.indicator_totals_table, INDICATOR_TOTAL_WIDTHS)

    def finished(self, table: Table, widths: Sequence[float] = ()) -> None:
        """A finished table of the view, as it is: its title, unit, rows, merges and notes.

        Without ``widths`` the first column takes :data:`TALLY_NAME` and the
        others share the rest by what they hold (:data:`COLUMN_WEIGHTS`).
        """
        if table.title:
            self.para("섹션제목", table.title)
        if table.unit:
            self.para("단위", table.unit)
        if not widths and len(table.columns) == 6:  # 성과지표 집계, as the DOCX has it
            widths = INDICATOR_TOTAL_WIDTHS
        if not widths and table.weights:  # fitted by the view to the cells
            widths = [w * TEXT_WIDTH / sum(table.weights) for w in table.weights]
        if not widths:
            weights = [COLUMN_WEIGHTS.get(c.kind, 4) for c in table.columns[1:]]
            free = TEXT_WIDTH - TALLY_NAME
            widths = [TALLY_NAME, *(free * w / sum(weights) for w in weights)]
        total = self.t.total_fill
        rows: list[list[Cell | None]] = []
        for row, places in zip(
            table.all_rows, tables.grid(table.all_rows, len(table.columns)), strict=True
        ):
            line: list[Cell | None] = []
            for cell in places:
                if cell is None:
                    line.append(None)
                    continue
                span = {"col_span": cell.col_span, "row_span": cell.row_span}
                if row.kind == "head":
                    line.append(self.head(cell.text, **span))
                    continue
                fill = total if row.kind == "total" else self.t.body_fill
                style = (
                    "표머리"
                    if cell.kind == "head"
                    else "표본문"
                    if cell.kind == "text"
                    else "표숫자"
                )
                line.append(self.cell(cell.text, style, fill=fill, **span))
            rows.append(line)
        self.table(widths, rows, header_rows=len(table.head), margin=MONEY_MARGIN)
        for note in table.notes:
            self.para("표주석", f"※ {note}")

    def contents(self, report: ReportView, pages: Mapping[str, int]) -> None:
        """The view's 목차 (``contents_table``) as it is, each page where it is known."""
        table = report.contents_table
        assert table is not None, "the view finishes the 목차"
        self.para("장제목", table.title, page_break=True)
        rows: list[list[Cell | None]] = [[self.head(c.text) for c in table.head[0].cells]]
        anchor = 0
        page_style = self.style("표숫자")
        for row in table.rows:
            if row.kind == "section":  # a 분야's heading across the three columns
                heading = row.cells[0]
                rows.append([self.head(heading.text, col_span=heading.col_span), None, None])
                continue
            number, title, _page = row.cells
            page = hx.paragraph(self.ids, page_style)
            page.remove(page[0])  # the empty run: the reference holds the text
            # Stored as far as it is known: what a viewer that never
            # updates fields shows (한글 updates it).
            hx.add_page_reference(
                page,
                self.ids,
                str(ANCHOR_BASE + anchor),
                str(pages[row.key]),
                page_style.char_pr,
            )
            anchor += 1
            rows.append(
                [
                    self.cell(number.text),
                    self.cell(title.text, "목차"),
                    Cell([page], self.t.body_fill),
                ]
            )
        self.table((2.0, 12.5, 2.5), rows)


def load_template(path: Path = DEFAULT_TEMPLATE) -> HwpxTemplate:
    """The template, read once for as long as the file is unchanged."""
    try:
        st = path.stat()
    except OSError:
        return HwpxTemplate(path)  # raises TemplateError naming the file
    return _cached_template(path, st.st_mtime_ns, st.st_size)


@functools.lru_cache(maxsize=4)
def _cached_template(path: Path, mtime_ns: int, size: int) -> HwpxTemplate:
    return HwpxTemplate(path)


def pledge_hwpx(view: PledgeView, info: ReportInfo, *, template: Path = DEFAULT_TEMPLATE) -> bytes:
    """One pledge's pages as an HWPX file."""
    layout = _Layout(load_template(template))
    layout.pledge(view, page_break=False)
    preview = f"{info.title} {info.period_words}\r\n{view.id} {view.title}"
    return layout.t.package(layout.body, cover=False, preview=preview, mark=view.draft_mark)


def booklet_hwpx(
    report: ReportView,
    *,
    template: Path = DEFAULT_TEMPLATE,
    pages: Mapping[str, int] | None = None,
) -> bytes:
    """Cover, 총괄표, 목차, then every pledge's pages, each from a new page.

    ``pages``: each pledge's first page by its bookmark for the 목차
    (LibreOffice's when a PDF was made, else :func:`reportgen.formats.pagination.estimate`).
    """
    from .pagination import estimate

    layout = _Layout(load_template(template))
    layout.cover(report)
    layout.summary(report)
    layout.contents(report, pages or estimate(report))
    for section in report.sections:
        if section.heading:
            layout.para("장제목", section.heading, page_break=True)
        for i, view in enumerate(section.pledges):
            layout.pledge(view, page_break=not (section.heading and i == 0))
    preview = f"{report.title}\r\n{report.period_words} 추진실적\r\n{report.city}"
    return layout.t.package(layout.body, cover=True, preview=preview, mark=report.draft_mark)
