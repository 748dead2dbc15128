"""The 신·구 대비표 of a :class:`~reportgen.report.diff.ReportDiff` as a Word document.

The convention Korean administrations use to show a revision (FORM.md §9):
for each changed pledge a heading and a two-column table ``현 행 (OLD) | 개 정 안
(NEW)`` whose header row repeats on every page; deleted words struck through
(red) in the old column, inserted words underlined (blue) in the new one;
unchanged stretches shortened to ``(생 략)``; ``<신 설>`` in the old column for
an added item, ``<삭 제>`` in the new column for a removed one. Changed figures
follow in a table of their own: old | new | 증감, a decrease written with △.

A4 portrait, 맑은 고딕 in every run's East Asian slot (python-docx's
``font.name`` fills the Latin slots only), theme fonts removed from the styles.
The package is normalised (fixed zip times, fixed core properties), so the same
diff gives the same bytes on every run.
"""

from __future__ import annotations

import copy
import datetime as dt
import functools
import io
import re
import weakref
from collections.abc import Callable, Sequence

import docx
from docx.document import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.simpletypes import ST_Merge
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph
from lxml import etree

from ..report.diff import (
    ADJUSTMENTS,
    CONTACTS,
    INDICATORS,
    LABELS,
    PARTICIPATION,
    PLAN_TABLE,
    PLEDGE,
    ROLE_NAMES,
    SECTION_TITLES,
    SECURED_TABLE,
    STATUS,
    Change,
    Group,
    Pair,
    PledgeDiff,
    ReportDiff,
    TextLine,
    Word,
)
from .ooxml import child, normalize_package, sub, w

FONT = "맑은 고딕"
LANG = "ko-KR"
RED = RGBColor(0xC0, 0x00, 0x00)
BLUE = RGBColor(0x00, 0x70, 0xC0)
GREY = RGBColor(0x59, 0x59, 0x59)
HEADER_FILL = "D9D9D9"
DERIVED_FILL = "E4E4E4"
FIXED_TIME = dt.datetime(2000, 1, 1)  # naive: written as 2000-01-01T00:00:00Z

PAGE_WIDTH, PAGE_HEIGHT = Cm(21.0), Cm(29.7)
MARGIN = Cm(2.0)
CONTENT_CM = 17.0  # 21.0 - 2 x 2.0
BODY_PT = 10
SMALL_PT = 9

NEW_ITEM = "<신 설>"
DELETED_ITEM = "<삭 제>"
OMITTED = "(생 략)"
MOVED = "(이 동)"

_THEME_FONT_ATTRS = ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme")
_THEME_COLOR_ATTRS = ("themeColor", "themeShade", "themeTint")


# ---------------------------------------------------------------------------
# Raw XML helpers (lxml trees via reportgen.formats.ooxml, never text surgery)


def _set(el: etree._Element, **attrs: str) -> etree._Element:
    for key, value in attrs.items():
        el.set(w(key), value)
    return el


def korean_fonts(rpr: etree._Element) -> None:
    """맑은 고딕 in every slot, East Asian included; theme fonts removed; Korean language."""
    fonts = child(rpr, "rFonts")
    for attr in _THEME_FONT_ATTRS:
        fonts.attrib.pop(w(attr), None)
    _set(fonts, ascii=FONT, hAnsi=FONT, eastAsia=FONT, cs=FONT)
    _set(child(rpr, "lang"), eastAsia=LANG)


def korean_runs(root: etree._Element) -> None:
    """Give every run under ``root`` the Korean font slots (python-docx sets Latin only)."""
    for run in root.iter(w("r")):
        _korean_run(run)


def _korean_run(run: etree._Element) -> None:
    rpr = run.find(w("rPr"))
    if rpr is None:
        rpr = etree.Element(w("rPr"))
        run.insert(0, rpr)
    korean_fonts(rpr)


def patch_styles(styles: etree._Element) -> None:
    """docDefaults and every style: explicit Korean fonts, black headings, tight spacing."""
    defaults = styles.find(w("docDefaults"))
    if defaults is None:
        defaults = etree.Element(w("docDefaults"))
        styles.insert(0, defaults)
    rpr_default = child(defaults, "rPrDefault")
    rpr = rpr_default.find(w("rPr"))
    if rpr is None:
        rpr = sub(rpr_default, "rPr")
    korean_fonts(rpr)
    _set(child(rpr, "sz"), val=str(BODY_PT * 2))
    _set(child(rpr, "szCs"), val=str(BODY_PT * 2))
    ppr_default = child(defaults, "pPrDefault")
    ppr = ppr_default.find(w("pPr"))
    if ppr is None:
        ppr = sub(ppr_default, "pPr")
    # No extra blank between Hangul and digits (Word honours these).
    _set(child(ppr, "autoSpaceDE"), val="0")
    _set(child(ppr, "autoSpaceDN"), val="0")
    _set(child(ppr, "spacing"), after="0", line="264", lineRule="auto")
    # Every style, table-style parts included: headings do not inherit from Normal.
    for style_rpr in styles.iter(w("rPr")):
        if style_rpr.find(w("rFonts")) is not None:
            korean_fonts(style_rpr)
        color = style_rpr.find(w("color"))
        if color is not None and any(color.get(w(a)) for a in _THEME_COLOR_ATTRS):
            for attr in _THEME_COLOR_ATTRS:
                color.attrib.pop(w(attr), None)
            color.set(w("val"), "000000")


def drop_styles_with_effects(doc: Document) -> None:
    """Leave out the template's Word 2010 ``stylesWithEffects`` part.

    It duplicates styles.xml for Word 2010 only; once styles.xml is patched the
    two disagree, which Word may take for damage. A part no relationship
    refers to is not saved.
    """
    rels = doc.part.rels
    for rid, rel in list(rels.items()):
        if rel.reltype.endswith("/stylesWithEffects"):
            del rels[rid]


def patch_settings(settings: etree._Element) -> None:
    lang = settings.find(w("themeFontLang"))
    if lang is not None:
        lang.set(w("eastAsia"), LANG)


def repeat_header(row_tr: etree._Element) -> None:
    """Mark a table row as a header row that repeats on every page (w:tblHeader)."""
    trpr = row_tr.find(w("trPr"))
    if trpr is None:
        trpr = etree.Element(w("trPr"))
        tblpr_ex = row_tr.find(w("tblPrEx"))
        row_tr.insert(0 if tblpr_ex is None else 1, trpr)
    if trpr.find(w("tblHeader")) is None:
        sub(trpr, "tblHeader")
    if trpr.find(w("cantSplit")) is None:
        trpr.insert(0, etree.Element(w("cantSplit")))


def merge_down(top: _Cell, below: _Cell) -> None:
    """``top.merge(below)`` for the empty cell just under ``top``'s vertical span.

    The same XML as python-docx's merge (the span's first cell ``vMerge``
    restart, each cell under it continue; an empty cell moves no content),
    without its walk over the whole span and the table at every row: a
    long 신·구 대비표 of figures spent most of its time there.
    """
    _set(child(top._tc.get_or_add_tcPr(), "vMerge"), val=ST_Merge.RESTART)
    # "continue" is w:vMerge's default: python-docx writes it as no w:val at all.
    child(below._tc.get_or_add_tcPr(), "vMerge").attrib.pop(w("val"), None)


def _merged_into_above(tc: etree._Element) -> bool:
    """python-docx's ``tc.vMerge == ST_Merge.CONTINUE``: a w:vMerge whose w:val is continue or left out."""
    tcpr = tc.find(w("tcPr"))
    merge = tcpr.find(w("vMerge")) if tcpr is not None else None
    return merge is not None and merge.get(w("val"), ST_Merge.CONTINUE) == ST_Merge.CONTINUE


def shade(cell: _Cell, fill: str) -> None:
    tcpr = cell._tc.get_or_add_tcPr()
    _set(child(tcpr, "shd"), val="clear", color="auto", fill=fill)


def cell_borders(cell: _Cell, **edges: str) -> None:
    """Cell borders: ``top="single"``, ``bottom="double"``, ``top="nil"``."""
    tcpr = cell._tc.get_or_add_tcPr()
    borders = child(tcpr, "tcBorders")
    for edge, kind in edges.items():
        el = child(borders, edge)
        _set(el, val=kind)
        if kind != "nil":
            _set(el, sz="4", space="0", color="000000")


def table_frame(table: Table, widths_cm: Sequence[float], *, inside_h: bool) -> None:
    """Fixed layout, full width, explicit borders (no theme table style needed)."""
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    tblpr = table._tbl.tblPr
    total = sum(int(Cm(x).twips) for x in widths_cm)
    _set(child(tblpr, "tblW"), w=str(total), type="dxa")
    borders = child(tblpr, "tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = child(borders, edge)
        if edge == "insideH" and not inside_h:
            _set(el, val="nil")
            continue
        outer = edge in ("top", "bottom")
        _set(el, val="single", sz="8" if outer else "4", space="0", color="000000")
    for grid_col, width in zip(table._tbl.tblGrid.gridCol_lst, widths_cm, strict=True):
        grid_col.w = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_cm, strict=True):
            cell.width = Cm(width)


def page_field(paragraph: Paragraph) -> None:
    """``- PAGE -`` in a footer paragraph (a simple field; Word and LibreOffice update it)."""
    paragraph.add_run("- ")
    field = sub(paragraph._p, "fldSimple", instr=" PAGE ")
    run = sub(field, "r")
    sub(run, "t").text = "1"
    paragraph.add_run(" -")


# ---------------------------------------------------------------------------
# Runs and paragraphs


def _copy(element: etree._Element) -> etree._Element:
    """A new element like ``element``, its subtree included (an lxml copy is deep, and cheaper than a deep copy's memo)."""
    return copy.copy(element)


# python-docx sets a run's or a paragraph's formatting one property at a time,
# each inserted in schema order after a walk over the element's children: a
# 신·구 대비표 of 30,000 changed figures (300 pledges) spent most of 40 s there.
# So each kind of run and paragraph is formatted by python-docx once, as a
# prototype, and copied after: the same XML, element for element.
_RUNS: dict[tuple[object, ...], etree._Element] = {}
_PARAGRAPH_PROPERTIES: dict[tuple[object, ...], etree._Element | None] = {}


def _run(
    paragraph: Paragraph,
    text: str,
    *,
    bold: bool = False,
    strike: bool = False,
    underline: bool = False,
    color: RGBColor | None = None,
    size: float | None = None,
    italic: bool = False,
) -> None:
    """``paragraph.add_run(text)`` with this formatting (a copy of its prototype)."""
    key = (bold, strike, underline, color, size, italic)
    prototype = _RUNS.get(key)
    if prototype is None:
        prototype = _RUNS[key] = _run_prototype(*key)
    r = _copy(prototype)
    paragraph._p.append(r)  # where add_run puts a run: after the paragraph's last
    if text:
        _append_text(r, text)


_BREAKS = re.compile(r"([\t\r\n])")
_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _append_text(r: etree._Element, text: str) -> None:
    """What python-docx's ``run.text = text`` makes in an empty run, element for element.

    Each stretch of characters a ``w:t`` (``xml:space="preserve"`` when it
    starts or ends with a blank), each tab a ``w:tab``, each CR or LF a
    ``w:br``: the documented behaviour of ``Paragraph.add_run``, without
    python-docx's clearing the run first (an XPath query a run) and
    inserting each element after a walk over the run's children.
    """
    for piece in _BREAKS.split(text) if "\t" in text or "\r" in text or "\n" in text else (text,):
        if piece == "\t":
            etree.SubElement(r, w("tab"))
        elif piece in ("\r", "\n"):
            etree.SubElement(r, w("br"))
        elif piece:
            t = etree.SubElement(r, w("t"))
            t.text = piece
            if len(piece.strip()) < len(piece):
                t.set(_XML_SPACE, "preserve")


def _run_prototype(
    bold: bool,
    strike: bool,
    underline: bool,
    color: RGBColor | None,
    size: float | None,
    italic: bool,
) -> etree._Element:
    paragraph = _scratch().add_paragraph()
    run = paragraph.add_run()
    font = run.font
    if bold:
        font.bold = True
    if italic:
        font.italic = True
    if strike:
        font.strike = True
    if underline:
        font.underline = True
    if color is not None:
        font.color.rgb = color
    if size is not None:
        font.size = Pt(size)
    r = run._r
    _dropped(paragraph)
    r.getparent().remove(r)
    _korean_run(r)  # as korean_runs would give it once the document is done
    return r


@functools.cache
def _scratch() -> Document:
    """A document of python-docx's own to format the prototypes in (one a process)."""
    return docx.Document()


def _dropped(paragraph: Paragraph) -> None:
    """Take a prototype's paragraph out of the scratch document again."""
    p = paragraph._p
    p.getparent().remove(p)


def _formatted(
    paragraph: Paragraph, indent_level: int | None = None, align: str | None = None
) -> None:
    """A new, empty paragraph's spacing, indent and alignment (a copy of its prototype's)."""
    key = (indent_level, align)
    if key not in _PARAGRAPH_PROPERTIES:
        _PARAGRAPH_PROPERTIES[key] = _paragraph_prototype(indent_level, align)
    ppr = _PARAGRAPH_PROPERTIES[key]
    if ppr is not None:
        paragraph._p.insert(0, _copy(ppr))  # where get_or_add_pPr puts it


def _paragraph_prototype(indent_level: int | None, align: str | None) -> etree._Element | None:
    paragraph = _scratch().add_paragraph()
    fmt = paragraph.paragraph_format
    fmt.space_before = Pt(1)
    fmt.space_after = Pt(1)
    fmt.line_spacing = 1.15
    if indent_level is not None:
        # Hanging indent per level of 개조식 text: □ ○ - · each ~2 characters in.
        fmt.left_indent = Cm(0.35 + 0.3 * indent_level)
        fmt.first_line_indent = Cm(-0.35)
    if align == "center":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    elif align == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _dropped(paragraph)
    return paragraph._p.pPr


def _para(cell_or_doc: _Cell | Document, *, first: bool = False) -> Paragraph:
    """A new paragraph (the cell's first, empty one when ``first``)."""
    if first and isinstance(cell_or_doc, _Cell):
        paragraph = cell_or_doc.paragraphs[0]
    elif isinstance(cell_or_doc, _Cell):
        paragraph = cell_or_doc.add_paragraph()
    else:
        # Made by the document's parser (so python-docx's element class), then put in place.
        p = cell_or_doc.element.makeelement(w("p"), {})
        _at_body_end(cell_or_doc, p)
        paragraph = Paragraph(p, cell_or_doc)
    _formatted(paragraph)
    return paragraph


class _CellWriter:
    """Appends paragraphs to a table cell, reusing its first empty paragraph."""

    def __init__(self, cell: _Cell) -> None:
        self.cell = cell
        self.used = False

    def para(self, *, indent_level: int | None = None, align: str | None = None) -> Paragraph:
        cell = self.cell
        # Else cell.add_paragraph(): a w:p after the cell's last (nothing follows one).
        p = (
            cell.paragraphs[0]
            if not self.used
            else Paragraph(etree.SubElement(cell._tc, w("p")), cell)
        )
        self.used = True
        _formatted(p, indent_level, align)
        return p

    def marker(self, text: str) -> None:
        _run(self.para(indent_level=1), text, color=GREY)

    def omitted(self) -> None:
        _run(self.para(indent_level=2), OMITTED, color=GREY)


def _words(paragraph: Paragraph, words: Sequence[Word], side: str) -> None:
    """A word diff on one side: old keeps equal + deleted (struck), new equal + inserted."""
    shown = [
        x for x in words if x.op == "equal" or x.op == ("delete" if side == "old" else "insert")
    ]
    for index, word in enumerate(shown):
        if index:
            _run(paragraph, " ")
        if word.op == "equal":
            _run(paragraph, word.text)
        elif side == "old":
            _run(paragraph, word.text, strike=True, color=RED)
        else:
            _run(paragraph, word.text, underline=True, color=BLUE)


def _line(
    writer: _CellWriter,
    line: TextLine,
    *,
    style: str = "plain",
    words: Sequence[Word] = (),
    side: str = "old",
) -> None:
    p = writer.para(indent_level=line.level)
    if line.symbol:
        _run(
            p,
            line.symbol + " ",
            strike=style == "deleted",
            color=RED if style == "deleted" else BLUE if style == "inserted" else None,
        )
    if words:
        _words(p, words, side)
    elif style == "deleted":
        _run(p, line.text, strike=True, color=RED)
    elif style == "inserted":
        _run(p, line.text, underline=True, color=BLUE)
    elif style == "moved":
        _run(p, line.text, color=GREY)
    else:
        _run(p, line.text)


# ---------------------------------------------------------------------------
# The document


def _setup(doc: Document, diff: ReportDiff) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin = section.bottom_margin = MARGIN
    section.left_margin = section.right_margin = MARGIN
    section.header_distance = section.footer_distance = Cm(1.0)
    patch_styles(doc.styles.element)
    drop_styles_with_effects(doc)
    patch_settings(doc.settings.element)

    header = section.header.paragraphs[0]
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(header, f"신·구 대비표  {diff.old} → {diff.new}", size=SMALL_PT, color=GREY)
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    page_field(footer)

    props = doc.core_properties
    props.title = f"{diff.city} 공약 추진실적 신·구 대비표 ({diff.old} → {diff.new})"
    props.subject = diff.title
    props.author = "reportgen"
    props.last_modified_by = "reportgen"
    props.comments = "reportgen diff"
    props.keywords = ""
    props.category = ""
    props.revision = 1
    # Fixed times: the same diff gives the same bytes.
    props.created = FIXED_TIME
    props.modified = FIXED_TIME


def _title(doc: Document, diff: ReportDiff) -> None:
    p = _para(doc)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(6)
    _run(p, "공약 추진실적 보고서 신·구 대비표", bold=True, size=18)
    p = _para(doc)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, f"{diff.city} {diff.title}", size=11)
    p = _para(doc)
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.space_after = Pt(12)
    scope = f"  (공약 {diff.pledge})" if diff.pledge else ""
    _run(
        p,
        f"현 행 {diff.old_words} ({diff.old})  →  개 정 안 {diff.new_words} ({diff.new}){scope}",
        size=11,
    )

    changed = diff.changed_pledges
    added = sum(1 for x in changed if x.state == "added")
    dropped = sum(1 for x in changed if x.state == "dropped")
    lines = [
        f"□ 변경 공약 {len(changed)}개 (비교 공약 {len(diff.pledges)}개"
        + (f", 신설 {added}개" if added else "")
        + (f", 삭제 {dropped}개" if dropped else "")
        + ")",
    ]
    if not diff.changed:
        lines = ["□ 변경 없음: 두 보고서에 인쇄되는 내용이 같습니다."]
    for text in lines:
        _run(_para(doc), text, bold=True)
    legend = _para(doc)
    legend.paragraph_format.left_indent = Cm(0.5)
    _run(legend, "※ 표기: ", size=SMALL_PT)
    _run(legend, "삭제", strike=True, color=RED, size=SMALL_PT)
    _run(legend, " 는 현행에서 지운 부분, ", size=SMALL_PT)
    _run(legend, "밑줄", underline=True, color=BLUE, size=SMALL_PT)
    _run(
        legend,
        f" 은 개정안에서 새로 쓰거나 고친 부분, {OMITTED} 는 바뀌지 않은 부분, "
        f"{NEW_ITEM} · {DELETED_ITEM} 는 새로 생기거나 없어진 항목, {MOVED} 은 자리를 옮긴 항목. "
        "금액의 감소는 △로 표시 (단위 : 백만원).",
        size=SMALL_PT,
    )


# Each document's first table of a kind (the 현행 | 개정안 table, a table of
# figures) as python-docx made it, frame and heading row, before its rows:
# copied for the others (python-docx's add_table looks the page width up in
# the whole document, every time).
# (By the document's id, while render_docx makes it: a Document is not hashable.)
_TABLES: dict[int, dict[str, tuple[Table, etree._Element]]] = {}
_HEADINGS: dict[int, etree._Element] = {}


def _table(doc: Document, kind: str, make: Callable[[], Table]) -> Table:
    """``make()``'s table at the end of the document: made by python-docx once a document."""
    made = _TABLES.setdefault(id(doc), {})
    if kind not in made:
        table = make()
        made[kind] = (table, _copy(table._tbl))
        return table
    first, prototype = made[kind]
    tbl = _copy(prototype)
    _at_body_end(doc, tbl)
    table = Table(tbl, doc)
    row = _NEW_ROWS.get(first)
    if row is not None:
        _NEW_ROWS[table] = row  # the same grid: the same new row
    return table


def _at_body_end(doc: Document, element: etree._Element) -> None:
    """Put a new paragraph or table where python-docx's add_paragraph/add_table put it.

    That is before the body's section properties, its last child: looked up
    there, not by a search through the body (thousands of paragraphs and tables).
    """
    body = doc.element.body
    last = next(body.iterchildren(reversed=True), None)  # (len() would count every child)
    end = last if last is not None and last.tag == _SECT_PR else body.find(_SECT_PR)
    if end is not None:
        end.addprevious(element)
    else:
        body.append(element)


_SECT_PR = w("sectPr")


def _two_columns(doc: Document, diff: ReportDiff) -> Table:
    return _table(doc, "two columns", lambda: _two_columns_made(doc, diff))


def _two_columns_made(doc: Document, diff: ReportDiff) -> Table:
    table = doc.add_table(rows=1, cols=2)
    table_frame(table, (CONTENT_CM / 2, CONTENT_CM / 2), inside_h=False)
    head = table.rows[0]
    repeat_header(head._tr)
    for cell, text in zip(
        head.cells, (f"현 행 ({diff.old_words})", f"개 정 안 ({diff.new_words})"), strict=True
    ):
        shade(cell, HEADER_FILL)
        cell_borders(cell, bottom="double")
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        _run(_CellWriter(cell).para(align="center"), text, bold=True, size=11)
    return table


# Each table's new row as python-docx's add_row made the first (a cell per
# grid column, of its width, with an empty paragraph): copied for the others.
_NEW_ROWS: weakref.WeakKeyDictionary[Table, etree._Element] = weakref.WeakKeyDictionary()


def _new_row(table: Table) -> tuple[_Cell, ...]:
    """``table.add_row().cells``: the cells of a new bottom row."""
    prototype = _NEW_ROWS.get(table)
    if prototype is None:
        tr = table.add_row()._tr
        _NEW_ROWS[table] = _copy(tr)
    else:
        tr = _copy(prototype)
        table._tbl.append(tr)  # where add_tr puts a row: after the last
    return tuple(_Cell(tc, table) for tc in tr.iterchildren(w("tc")))


def _row(table: Table) -> tuple[_CellWriter, _CellWriter]:
    cells = _new_row(table)
    return _CellWriter(cells[0]), _CellWriter(cells[1])


def _section_row(table: Table, title: str, *, first: bool) -> None:
    old, new = _row(table)
    for writer in (old, new):
        if not first:
            cell_borders(writer.cell, top="single")
        p = writer.para()
        p.paragraph_format.space_before = Pt(4)
        _run(p, f"□ {title}", bold=True)


_FIELD_SECTIONS = (ADJUSTMENTS, PLEDGE, STATUS, CONTACTS, PARTICIPATION, INDICATORS)


def _field_label(change: Change) -> str:
    if change.section in (PLEDGE,) and change.where:
        return change.where[0]
    if change.section == PARTICIPATION and change.where == ("표",):
        return SECTION_TITLES[PARTICIPATION]
    parts = [SECTION_TITLES[change.section], *change.where]
    return " ".join(parts)


def _field_rows(table: Table, changes: Sequence[Change]) -> None:
    old, new = _row(table)
    for change in changes:
        label = f"○ {_field_label(change)} : "
        if change.kind == "added":
            old.marker(NEW_ITEM)
        else:
            p = old.para(indent_level=1)
            _run(p, label)
            if change.words:
                _words(p, change.words, "old")
            else:
                _run(p, change.old or "", strike=True, color=RED)
        if change.kind == "removed":
            new.marker(DELETED_ITEM)
        else:
            p = new.para(indent_level=1)
            _run(p, label)
            if change.words:
                _words(p, change.words, "new")
            else:
                _run(p, change.new or "", underline=True, color=BLUE)


def _text_rows(table: Table, pairs: Sequence[Pair]) -> None:
    """One table row per aligned step; runs of added or removed lines share a row."""
    run_op: str | None = None
    current: dict[str, Group | None] = {"old": None, "new": None}
    old = new = None
    for index, pair in enumerate(pairs):
        if (
            old is None
            or new is None
            or not (pair.op in ("added", "removed") and pair.op == run_op)
        ):
            old, new = _row(table)
        run_op = pair.op if pair.op in ("added", "removed") else None
        if pair.op == "group":
            _group_row(old, new, pair, pairs[index + 1 :], current)
            current["old"] = pair.old_group or current["old"]
            current["new"] = pair.new_group or current["new"]
        elif pair.op == "omitted":
            old.omitted()
            new.omitted()
        elif pair.op == "equal":
            assert pair.old and pair.new
            _line(old, pair.old)
            _line(new, pair.new)
        elif pair.op == "added":
            assert pair.new
            if not old.used:
                old.marker(NEW_ITEM)
            _line(new, pair.new, style="inserted")
        elif pair.op == "removed":
            assert pair.old
            _line(old, pair.old, style="deleted")
            if not new.used:
                new.marker(DELETED_ITEM)
        elif pair.op == "reworded":
            assert pair.old and pair.new
            _line(old, pair.old, words=pair.words, side="old")
            _line(new, pair.new, words=pair.words, side="new")
        elif pair.op == "moved_out":
            assert pair.old
            _line(old, pair.old, style="moved")
            new.marker(MOVED)
        elif pair.op == "moved_in":
            assert pair.new
            old.marker(MOVED)
            _line(new, pair.new, style="moved")


def _group_row(
    old: _CellWriter,
    new: _CellWriter,
    pair: Pair,
    rest: Sequence[Pair],
    current: dict[str, Group | None],
) -> None:
    """A row label (그동안 추진실적 …) or heading (○ 문제점) starting on one side or both.

    When a row starts on one side only and the lines below are unchanged, the
    other side's cell says which of its rows those lines now sit under (items
    of the previous half move into 그동안 추진실적 as periods advance).
    """
    following = next((p.op for p in rest if p.op != "group"), None)
    continues = following in ("equal", "omitted")
    for writer, group, side in ((old, pair.old_group, "old"), (new, pair.new_group, "new")):
        p = writer.para()
        p.paragraph_format.space_before = Pt(3)
        if group is not None and group.label:
            bracket = group.role in ROLE_NAMES
            if bracket:
                _run(p, "【", bold=True)
            if pair.words:
                wanted = "delete" if side == "old" else "insert"
                shown = [x for x in pair.words if x.op in ("equal", wanted)]
                for i, word in enumerate(shown):
                    if i:
                        _run(p, " ", bold=True)
                    changed = word.op != "equal"
                    _run(
                        p,
                        word.text,
                        bold=True,
                        strike=changed and side == "old",
                        underline=changed and side == "new",
                        color=(RED if side == "old" else BLUE) if changed else None,
                    )
            else:
                _run(p, group.label, bold=True)
            if bracket:
                _run(p, "】", bold=True)
            continue
        here = current[side]
        if continues and here is not None and here.role in ROLE_NAMES:
            _run(p, f"(이하 {ROLE_NAMES[here.role]}에 포함)", color=GREY, size=SMALL_PT)


def _figure_table(doc: Document, diff: ReportDiff, section: str, changes: Sequence[Change]) -> None:
    p = _para(doc)
    p.paragraph_format.space_before = Pt(10)
    p.paragraph_format.keep_with_next = True
    _run(p, f"□ {SECTION_TITLES[section]}", bold=True)
    unit = _para(doc)
    unit.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    unit.paragraph_format.keep_with_next = True
    _run(unit, "(단위 : 백만원)", size=SMALL_PT)

    table = _table(doc, "figures", lambda: _figures_made(doc, diff))
    previous: tuple[str, str] | None = None
    block_start: _Cell | None = None
    label_start: _Cell | None = None
    for change in changes:
        where = change.where[1:]  # the table's title heads the table
        column = where[-1]
        # (sub-project, source, column), or (계, column) for the grand-total row
        block, label = (where[0], where[1]) if len(where) == 3 else ("계", "")
        cells = _new_row(table)
        if previous is not None and block == previous[0] and block_start is not None:
            merge_down(block_start, cells[0])
        else:
            block_start = cells[0]
            _run(_CellWriter(cells[0]).para(), block, size=SMALL_PT)
        if previous == (block, label) and label_start is not None:
            merge_down(label_start, cells[1])
        else:
            label_start = cells[1]
            _run(_CellWriter(cells[1]).para(align="center"), label, size=SMALL_PT)
        previous = (block, label)
        _run(_CellWriter(cells[2]).para(align="center"), column, size=SMALL_PT)
        _run(
            _CellWriter(cells[3]).para(align="right"),
            change.old or "-",
            size=SMALL_PT,
            strike=bool(change.old),
            color=RED if change.old else GREY,
        )
        _run(
            _CellWriter(cells[4]).para(align="right"),
            change.new or "-",
            size=SMALL_PT,
            underline=bool(change.new),
            color=BLUE if change.new else GREY,
        )
        _run(_CellWriter(cells[5]).para(align="right"), change.difference or "", size=SMALL_PT)
        if change.derived:
            for cell in cells[2:]:
                shade(cell, DERIVED_FILL)
    # As ``for cell in row.cells`` below the head: a cell merged into the one
    # above is that one (python-docx's row.cells), whose alignment is set.
    # (vAlign put in schema order as python-docx puts it, without its walk.)
    for tr in table._tbl.tr_lst[1:]:
        for tc in tr.tc_lst:
            if not _merged_into_above(tc):
                _set(child(tc.get_or_add_tcPr(), "vAlign"), val="center")
    note = _para(doc)
    _run(
        note,
        "※ 음영: 계·소계 (다른 칸의 금액에서 계산되는 합계)",
        size=SMALL_PT,
        color=GREY,
    )


def _figures_made(doc: Document, diff: ReportDiff) -> Table:
    widths = (5.2, 1.5, 1.5, 2.9, 2.9, 3.0)
    table = doc.add_table(rows=1, cols=len(widths))
    table_frame(table, widths, inside_h=True)
    head = table.rows[0]
    repeat_header(head._tr)
    titles = (
        "공약사업명",
        "구분",
        "항목",
        f"현 행\n({diff.old})",
        f"개 정 안\n({diff.new})",
        "증 감",
    )
    for cell, title in zip(head.cells, titles, strict=True):
        shade(cell, HEADER_FILL)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        lines = title.split("\n")
        writer = _CellWriter(cell)
        for line in lines:
            _run(writer.para(align="center"), line, bold=True, size=SMALL_PT)
    return table


def _heading(doc: Document) -> Paragraph:
    """``doc.add_heading(level=1)``: the first one python-docx's (it looks the style up by name), copied after."""
    prototype = _HEADINGS.get(id(doc))
    if prototype is None:
        heading = doc.add_heading(level=1)
        _HEADINGS[id(doc)] = _copy(heading._p)
        return heading
    p = _copy(prototype)
    _at_body_end(doc, p)
    return Paragraph(p, doc)


def _pledge(doc: Document, diff: ReportDiff, pledge: PledgeDiff) -> None:
    heading = _heading(doc)
    heading.paragraph_format.page_break_before = True
    heading.paragraph_format.space_before = Pt(0)
    heading.paragraph_format.space_after = Pt(6)
    tag = {"added": f"  {NEW_ITEM}", "dropped": f"  {DELETED_ITEM}"}.get(pledge.state, "")
    _run(heading, f"{pledge.id}  {pledge.title}{tag}")

    fields = [c for c in pledge.changes if c.section in _FIELD_SECTIONS]
    has_text = bool(fields) or bool(pledge.texts)
    if has_text:
        table = _two_columns(doc, diff)
        first = True
        if fields:
            present = {c.section for c in fields}
            parts = ["추진상황", "담당", "시민참여"]
            if ADJUSTMENTS in present:
                parts.insert(0, SECTION_TITLES[ADJUSTMENTS])
            if INDICATORS in present:
                parts.append(SECTION_TITLES[INDICATORS])
            _section_row(table, f"공약 현황 ({' · '.join(parts)})", first=first)
            first = False
            _field_rows(table, fields)
        for text in pledge.texts:
            _section_row(table, text.title, first=first)
            first = False
            _text_rows(table, text.pairs)
    for section in (PLAN_TABLE, SECURED_TABLE):
        figures = [c for c in pledge.changes if c.section == section]
        if figures:
            _figure_table(doc, diff, section, figures)


def _report_wide(doc: Document, diff: ReportDiff) -> None:
    p = _para(doc)
    p.paragraph_format.space_before = Pt(10)
    _run(p, "□ 모든 공약에 공통인 변경 (서식 항목 · 총괄)", bold=True)
    table = _two_columns(doc, diff)
    _field_rows_labelled(table, diff.changes)


def _report_label(change: Change) -> str:
    if change.section == LABELS and change.where and change.where[0] in ROLE_NAMES.values():
        return ""  # a row label speaks for itself: 그동안 추진실적 (2018. ~ 2020.)
    if change.section == LABELS:
        return " · ".join(change.where)
    return " · ".join((SECTION_TITLES[change.section], *change.where))


def _field_rows_labelled(table: Table, changes: Sequence[Change]) -> None:
    for change in changes:
        old, new = _row(table)
        label = _report_label(change)
        for writer, side in ((old, "old"), (new, "new")):
            value = change.old if side == "old" else change.new
            if value is None:
                writer.marker(NEW_ITEM if side == "old" else DELETED_ITEM)
                continue
            p = writer.para(indent_level=1)
            _run(p, f"○ {label} : " if label else "○ ")
            if change.words:
                _words(p, change.words, side)
            elif side == "old":
                _run(p, value, strike=True, color=RED)
            else:
                _run(p, value, underline=True, color=BLUE)


def render_docx(diff: ReportDiff) -> bytes:
    """The 신·구 대비표 DOCX of ``diff``: the same bytes for the same diff."""
    doc = docx.Document()
    try:
        _setup(doc, diff)
        _title(doc, diff)
        if diff.changes:
            _report_wide(doc, diff)
        for pledge in diff.changed_pledges:
            _pledge(doc, diff, pledge)
    finally:
        _TABLES.pop(id(doc), None)
        _HEADINGS.pop(id(doc), None)
    # The body's runs are _run's, Korean from their prototypes; the footer's
    # page number is python-docx's own runs (tests/test_diff.py checks every run).
    section = doc.sections[0]
    for root in (section.header._element, section.footer._element):
        korean_runs(root)
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalize_package(buffer.getvalue())
