"""Create the initial DOCX templates in templates/ (run once; then staff own them).

    python tools/make_templates.py [--out templates]

The templates are ordinary Word documents with docxtpl (Jinja) tags, so staff
can restyle fonts, sizes, margins, the cover, header and footer in Word.
Once staff have edited them, the files in templates/ are the source of truth:
re-running this script overwrites their edits.

- pledge.docx: one pledge's pages (the context is ``p``, a
  :class:`reportgen.report.view.PledgeView`, and ``report``, a ReportView).
- booklet.docx: cover, 총괄표 and 목차 of the whole report (context ``report``);
  every pledge's pages follow it. Its styles must define every style that
  pledge.docx uses (reportgen checks this and names any missing style).

Nothing of one city's form is fixed in them: they print what the view has
(the city's money columns, funding sources, contact roles, participation
categories, 성과지표, 공약 조정, 분야), so a column or a row that varies by
city comes from a loop, never from a copy per column.

Tags beyond docxtpl's (reportgen.formats.ooxml.apply_cell_tags):

- a table cell containing ``{% vmerge EXPR %}`` gets
  ``<w:vMerge w:val="EXPR's value"/>`` (restart/continue), so merges come from
  the data (see PITFALLS.md on docxtpl's own ``{% vm %}`` in nested loops);
- a cell containing ``{% colwidth W %}`` (the money tables' fiscal columns,
  repeated by ``{%tc for … %}``) has no width of its own: its column shares
  what the table's fixed columns leave of the text width, in proportion to W.
  After rendering, reportgen rebuilds every table's grid and cell widths from
  the cells it has (reportgen.formats.ooxml.fit_tables), and stretches a merged cell
  such as "비 예 산" over however many columns there are. Only the heading
  row needs ``colwidth``; the other rows take their widths from it.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor, Twips
from docx.text.paragraph import Paragraph
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportgen.formats.ooxml import normalize_package, order_children, read_package, write_package

SERIF = "휴먼명조"  # official body face; LibreOffice maps it to NanumMyeongjo
SANS = "맑은 고딕"  # notes and tables; LibreOffice maps it to NanumGothic
HEAD = "HY헤드라인M"  # titles
TABLE_SIZE = 10  # pt: every table cell (labels and figures alike)

LEVEL_INDENT = {0: 0.0, 1: 0.35, 2: 0.8, 3: 1.25}  # cm, left edge of each level's symbol
HANG = 0.45  # cm from symbol to text: wrapped lines align under the text


def set_fonts(rpr_parent, face: str) -> None:
    """Put ``face`` in every font slot (Latin, Hangul, complex) and drop theme fonts."""
    rpr = rpr_parent.get_or_add_rPr() if hasattr(rpr_parent, "get_or_add_rPr") else rpr_parent
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = etree.SubElement(rpr, qn("w:rFonts"))
        rpr.remove(fonts)
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.lower().endswith("theme"):  # asciiTheme … and the lower-case cstheme
            del fonts.attrib[attr]
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{slot}"), face)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = etree.SubElement(rpr, qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "ko-KR")
    order_children(rpr)


def patch_doc_defaults(doc) -> None:
    styles = doc.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, SERIF)
    east_asian_line_breaking(defaults)
    for fonts in list(styles.iter(qn("w:rFonts"))):
        face = fonts.get(qn("w:eastAsia")) or SERIF
        if face.startswith("+") or any(a.lower().endswith("theme") for a in fonts.attrib):
            face = SERIF
        set_fonts(fonts.getparent(), face)
    # latentStyles and theme fonts stay; explicit fonts above override them.


# 금칙 처리 (FORM.md §8, PITFALLS.md): characters that may not end a line
# (opening brackets and quotes) and that may not start one (closing ones and
# punctuation). Word's own Korean lists, with the straight quotes the records
# use as opening quotes added.
NO_BREAK_AFTER = "$([{£¥‘“〈《「『【〔＄（［｛￡￥￦'\""
NO_BREAK_BEFORE = "!%),.:;?]}¢°’”‰′″℃〉》」』】〕！％），．：；？］｝￠"


def east_asian_line_breaking(defaults) -> None:
    """Every paragraph applies the East Asian first/last character rules (w:kinsoku)
    and keeps punctuation inside its margins or cell (no w:overflowPunct)."""
    ppr_default = defaults.find(qn("w:pPrDefault"))
    if ppr_default is None:
        ppr_default = etree.SubElement(defaults, qn("w:pPrDefault"))
    ppr = ppr_default.find(qn("w:pPr"))
    if ppr is None:
        ppr = etree.SubElement(ppr_default, qn("w:pPr"))
    for tag, value in (("kinsoku", None), ("overflowPunct", "0")):
        el = ppr.find(qn(f"w:{tag}"))
        if el is None:
            el = etree.SubElement(ppr, qn(f"w:{tag}"))
        el.attrib.clear()
        if value is not None:
            el.set(qn("w:val"), value)
    order_children(ppr)


def korean_settings(settings) -> None:
    """settings.xml for a Korean document: theme fonts' East Asian language is
    Korean (python-docx's default says ja-JP), and the 금칙 lists for ko-KR."""
    lang = settings.find(qn("w:themeFontLang"))
    if lang is None:
        lang = etree.SubElement(settings, qn("w:themeFontLang"))
        lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "ko-KR")
    for tag, chars in (
        ("noLineBreaksAfter", NO_BREAK_AFTER),
        ("noLineBreaksBefore", NO_BREAK_BEFORE),
    ):
        for old in settings.findall(qn(f"w:{tag}")):
            settings.remove(old)
        el = etree.SubElement(settings, qn(f"w:{tag}"))
        el.set(qn("w:lang"), "ko-KR")
        el.set(qn("w:val"), chars)
    order_children(settings)


def paragraph_style(
    doc,
    name,
    *,
    face=SERIF,
    size=12,
    bold=False,
    align=None,
    left=0.0,
    hanging=0.0,
    before=0,
    after=0,
    line=1.25,
    page_break=False,
    keep_next=False,
    color=None,
    base="Normal",
):
    styles = doc.styles
    style = (
        styles[name]
        if name in [s.name for s in styles]
        else styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    )
    style.base_style = styles[base] if base else None
    style.quick_style = True
    font = style.font
    font.size = Pt(size)
    font.bold = bold
    if color:
        font.color.rgb = RGBColor.from_string(color)
    set_fonts(style.element, face)
    pf = style.paragraph_format
    pf.left_indent = Cm(left + hanging)
    pf.first_line_indent = Cm(-hanging) if hanging else Cm(0)
    pf.space_before = Pt(before)
    pf.space_after = Pt(after)
    pf.line_spacing = line
    pf.page_break_before = page_break
    pf.keep_with_next = keep_next
    pf.widow_control = True
    if align is not None:
        pf.alignment = align
    # Word and LibreOffice add a quarter em between Hangul and digits
    # ("2021 년도") unless autoSpace is off; Word honours this.
    ppr = style.element.get_or_add_pPr()
    for tag in ("autoSpaceDE", "autoSpaceDN"):
        el = ppr.find(qn(f"w:{tag}"))
        if el is None:
            el = etree.SubElement(ppr, qn(f"w:{tag}"))
        el.set(qn("w:val"), "0")
    order_children(ppr)
    return style


def define_styles(doc) -> None:
    normal = doc.styles["Normal"]
    normal.font.size = Pt(12)
    set_fonts(normal.element, SERIF)
    paragraph_style(
        doc,
        "보고서제목",
        face=HEAD,
        size=24,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        before=120,
        after=24,
        line=1.2,
    )
    paragraph_style(
        doc, "표지문구", face=SERIF, size=16, align=WD_ALIGN_PARAGRAPH.CENTER, before=6, after=6
    )
    paragraph_style(
        doc, "장제목", face=HEAD, size=16, bold=True, page_break=True, after=12, keep_next=True
    )
    paragraph_style(
        doc,
        "공약시작",
        face=SANS,
        size=11,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        page_break=True,
        after=4,
        keep_next=True,
    )
    paragraph_style(
        doc, "섹션제목", face=SERIF, size=14, bold=True, before=12, after=4, keep_next=True
    )
    paragraph_style(
        doc, "단위", face=SANS, size=10, align=WD_ALIGN_PARAGRAPH.RIGHT, after=2, keep_next=True
    )
    # Table cells: headings, labels and figures in one face and size.
    paragraph_style(
        doc,
        "표머리",
        face=SANS,
        size=TABLE_SIZE,
        bold=True,
        align=WD_ALIGN_PARAGRAPH.CENTER,
        line=1.1,
    )
    paragraph_style(
        doc, "표본문", face=SANS, size=TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.1
    )
    paragraph_style(
        doc, "표숫자", face=SANS, size=TABLE_SIZE, align=WD_ALIGN_PARAGRAPH.RIGHT, line=1.1
    )
    # ※ lines under a table, in small type; wrapped lines align after "※ ".
    paragraph_style(doc, "표주석", face=SANS, size=9, left=0.0, hanging=0.42, before=2, line=1.2)
    # The page number: its face and size come from here, not from its runs.
    paragraph_style(doc, "Footer", face=SANS, size=10, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.0)
    paragraph_style(
        doc, "구분제목", face=SERIF, size=11, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.2
    )
    paragraph_style(doc, "구분주석", face=SERIF, size=10, align=WD_ALIGN_PARAGRAPH.CENTER, line=1.2)
    for level, left in LEVEL_INDENT.items():
        paragraph_style(
            doc,
            f"항목{level}",
            face=SERIF,
            size=11.5,
            bold=(level == 0),
            left=left,
            hanging=HANG if level else 0.0,
            before=3 if level <= 1 else 0,
            line=1.3,
        )
    paragraph_style(doc, "항목주", face=SANS, size=10, left=LEVEL_INDENT[2], hanging=HANG, line=1.2)
    paragraph_style(
        doc, "항목없음", face=SANS, size=10.5, left=LEVEL_INDENT[1], color="595959", line=1.3
    )
    paragraph_style(doc, "목차", face=SERIF, size=11, line=1.2)
    paragraph_style(doc, "목차분야", face=SERIF, size=11, bold=True, line=1.2)
    # The 분야 / 전략 above a pledge's header block.
    paragraph_style(doc, "분류", face=SANS, size=10, color="595959", after=2, keep_next=True)


def set_page(doc, footer_page_numbers=True) -> None:
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.0)
    section.top_margin, section.bottom_margin = Cm(2.0), Cm(1.8)
    section.header_distance, section.footer_distance = Cm(1.0), Cm(0.8)
    if footer_page_numbers:
        # Plain runs: face, size and alignment come from the Footer style,
        # so restyling it in Word restyles the page numbers.
        p = section.footer.paragraphs[0]
        p.style = doc.styles["Footer"]
        p.add_run("- ")
        add_field(p, "PAGE", "1")
        p.add_run(" -")


def add_field(paragraph, instruction: str, cached: str):
    """A complex field (PAGE, PAGEREF …) with a cached result."""

    def run_with(child):
        r = paragraph.add_run()._r
        r.append(child)
        return r

    begin = etree.Element(qn("w:fldChar"))
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = etree.Element(qn("w:instrText"))
    instr.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    sep = etree.Element(qn("w:fldChar"))
    sep.set(qn("w:fldCharType"), "separate")
    run_with(sep)
    paragraph.add_run(cached)
    end = etree.Element(qn("w:fldChar"))
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def para(container, text="", style=None, tab_after_symbol=None):
    p = container.add_paragraph(style=style)
    if tab_after_symbol is not None:
        p.add_run(tab_after_symbol)
        p.add_run().add_tab()
    if text:
        p.add_run(text)
    return p


def cell_text(cell, text, style="표본문"):
    p = cell.paragraphs[0]
    p.style = style
    if text:
        p.add_run(text)
    return p


def cell_para(cell, text, style):
    return para(cell, text, style)


def shade(cell, fill="E7E6E6"):
    tcpr = cell._tc.get_or_add_tcPr()
    shd = etree.SubElement(tcpr, qn("w:shd"))
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    order_children(tcpr)


# Cell margins in twips (top, left, bottom, right): room above and below
# bold labels, so no text touches the rules.
CELL_MARGINS = (28, 100, 28, 100)
MONEY_MARGINS = (28, 57, 28, 57)  # narrow figure columns: 0.1 cm each side


def set_cell_margins(table, margins) -> None:
    tblpr = table._tbl.tblPr
    old = tblpr.find(qn("w:tblCellMar"))
    if old is not None:
        tblpr.remove(old)
    mar = etree.SubElement(tblpr, qn("w:tblCellMar"))
    for side, twips in zip(("top", "left", "bottom", "right"), margins, strict=True):
        el = etree.SubElement(mar, qn(f"w:{side}"))
        el.set(qn("w:w"), str(twips))
        el.set(qn("w:type"), "dxa")
    order_children(tblpr)


def cant_split(row) -> None:
    """The row stays on one page."""
    trpr = row._tr.get_or_add_trPr()
    if trpr.find(qn("w:cantSplit")) is None:
        trpr.insert(0, etree.Element(qn("w:cantSplit")))


def keep_row_with_next(row) -> None:
    """Keep-with-next on every paragraph of the row: Word keeps it on the
    page of the row below it."""
    # Every w:p of the row: row.cells repeats a merged cell and misses the
    # paragraphs of the cells it spans.
    for p in row._tr.iter(qn("w:p")):
        Paragraph(p, row).paragraph_format.keep_with_next = True


def twips(widths_cm) -> list[int]:
    """Column widths in twips whose sum is the rounded sum of the centimetres.

    Rounding each column alone lets a 17.0 cm table come out a twip or two
    narrower or wider than the text width; rounding the column edges does not.
    """
    edges, total = [0], 0.0
    for width in widths_cm:
        total += width
        edges.append(round(total * 1440 / 2.54))
    return [b - a for a, b in zip(edges, edges[1:], strict=False)]


def new_table(doc, widths_cm, rows=1, header=True, margins=CELL_MARGINS):
    table = doc.add_table(rows=rows, cols=len(widths_cm))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    set_cell_margins(table, margins)
    widths = twips(widths_cm)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Twips(width)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    grid = table._tbl.tblGrid
    for col, width in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(width))
    if header:
        mark_header(table.rows[0])
    return table


def mark_header(row) -> None:
    """Repeat this row at the top of every page the table runs onto."""
    trpr = row._tr.get_or_add_trPr()
    # On/off elements with no w:val mean "on" (a literal "true" trips strict validators).
    etree.SubElement(trpr, qn("w:cantSplit"))
    etree.SubElement(trpr, qn("w:tblHeader"))


def add_row(table, widths_cm):
    row = table.add_row()
    for cell, width in zip(row.cells, twips(widths_cm), strict=True):
        cell.width = Twips(width)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
    return row


def item_lines(cell_or_doc, lines_expr: str, first_para=None):
    """The level if-chain that prints one 개조식 line per paragraph with its symbol."""

    def p(text, style=None, symbol=None):
        if first_para is not None and p.first:
            p.first = False
            target = first_para
            target.style = style or target.style
            if symbol is not None:
                target.add_run(symbol)
                target.add_run().add_tab()
            target.add_run(text)
            return target
        return para(cell_or_doc, text, style, symbol)

    p.first = True
    p("{%p for line in " + lines_expr + " %}")
    p("{%p if line.placeholder %}")
    p("{{ line.text }}", "항목없음")
    p("{%p elif line.note %}")
    # The symbols (□ ○ - · ※) come from the view (Line.symbol); each level
    # keeps its own paragraph style for the hanging indent.
    p("{{ line.text }}", "항목주", "{{ line.symbol }}")
    p("{%p elif line.level == 0 %}")
    p("{{ line.symbol }} {{ line.text }}", "항목0")
    p("{%p elif line.level == 1 %}")
    p("{{ line.text }}", "항목1", "{{ line.symbol }}")
    p("{%p elif line.level == 2 %}")
    p("{{ line.text }}", "항목2", "{{ line.symbol }}")
    p("{%p else %}")
    p("{{ line.text }}", "항목3", "{{ line.symbol }}")
    p("{%p endif %}")
    p("{%p endfor %}")


PROGRESS_WIDTHS = [3.3, 12.2, 1.5]
# Money tables: 공약사업명 | 구분 | 계 | the city's fiscal columns, 17.0 cm wide
# (the text width). The name column holds a 12-character word such as
# 「고양시통합일자리센터」 on one line at 10 pt (LibreOffice breaks after an
# opening bracket when a word does not fit: a lone 「 above the name).
MONEY_FIXED = [3.89, 1.0, 1.6]
# The fiscal columns are one template cell repeated by a {%tc for %} loop
# (between two tag cells, which docxtpl removes); {% colwidth W %} lets them
# share what the fixed columns leave, W each: 기투자 and 임기후 (rarely used)
# narrower than the busy year columns (Goyang: 1.3 cm against 1.58 cm), a
# column of merged years ("2022~2023") wider, so its label fits on one line.
TAG_WIDTH = 1.2  # a {%tc …%} cell: only in the template, never in a document
MONEY_WIDTHS = MONEY_FIXED + [TAG_WIDTH, 17.0 - sum(MONEY_FIXED) - 2 * TAG_WIDTH, TAG_WIDTH]
FISCAL_WEIGHT = "t.weights[loop.index0 + 3]"
HEADER_WIDTHS = [2.2, 3.3, 1.5, 2.6, 1.6, 2.6, 3.2]
INDICATOR_WIDTHS = [6.6, 1.6, 2.8, 3.2, 2.8]


def column_loop(cells, start: int, items: str, text: str, style: str, weight: str | None = None):
    """Three cells from ``start``: ``{%tc for ITEMS %}``, the repeated cell, ``{%tc endfor %}``.

    With ``weight`` the repeated cell carries ``{% colwidth WEIGHT %}``: its
    columns share the table's free width (reportgen settles the widths).
    """
    cell_text(cells[start], "{%tc for " + items + " %}")
    body = ("{% colwidth " + weight + " %}" if weight else "") + text
    cell_text(cells[start + 1], body, style)
    cell_text(cells[start + 2], "{%tc endfor %}")
    return cells[start + 1]


def cell_tag(cells, at: int, tag: str) -> None:
    """A cell holding only a ``{%tc …%}`` tag (docxtpl removes the whole cell)."""
    cell_text(cells[at], tag)


def vmerge(cell, restart: bool) -> None:
    """A static vertical merge: this cell starts one, or continues the one above."""
    tcpr = cell._tc.get_or_add_tcPr()
    el = etree.SubElement(tcpr, qn("w:vMerge"))
    if restart:
        el.set(qn("w:val"), "restart")
    order_children(tcpr)


def fixed_table(doc, table: str, widths, texts: int = 2) -> None:
    """A finished table of the view with a known number of columns, as it is.

    Its title above it, its heading row, then each row's cells in order: the
    first ``texts`` columns (words) in 표본문, the figures after them in 표숫자.
    """
    para(doc, "{%p if " + table + " %}")
    section_title(doc, "{{ " + table + ".title }}")
    t = new_table(doc, widths, rows=1)
    for i, cell in enumerate(t.rows[0].cells):
        cell_text(cell, "{{ " + table + ".head[0].cells[%d].text }}" % i, "표머리")
        shade(cell)
    keep_row_with_next(t.rows[0])
    tag_row(t, "{%tr for r in " + table + ".rows %}", widths)
    row = add_row(t, widths)
    for i, cell in enumerate(row.cells):
        cell_text(cell, "{{ r.cells[%d].text }}" % i, "표본문" if i < texts else "표숫자")
    cant_split(row)
    tag_row(t, "{%tr endfor %}", widths)
    para(doc, "{%p endif %}")


def tag_row(t, tag: str, widths):
    """A row holding only a ``{%tr …%}`` tag (docxtpl replaces the whole row)."""
    row = add_row(t, widths)
    cell_text(row.cells[0], tag)
    return row


def section_title(doc, text: str):
    return para(doc, text, "섹션제목")


def build_pledge_template() -> bytes:
    doc = Document()
    set_page(doc)
    define_styles(doc)

    # Status stamp: first paragraph, so "each pledge starts on a new page"
    # comes from its style (공약시작 has page-break-before).
    stamp = para(doc, "", "공약시작")
    # No status recorded: no stamp (an empty bordered run draws nothing).
    run = stamp.add_run("{{ p.status }}")
    rpr = run._r.get_or_add_rPr()
    bdr = etree.SubElement(rpr, qn("w:bdr"))
    # w:space (pt) keeps the box off the letters.
    for k, v in (("val", "single"), ("sz", "8"), ("space", "4"), ("color", "auto")):
        bdr.set(qn(f"w:{k}"), v)
    order_children(rpr)

    # The 분야 / 전략 the pledge falls under, where the city groups its pledges.
    para(doc, "{%p if p.groups %}")
    para(
        doc,
        "{{ p.group_line }}",
        "분류",
    )
    para(doc, "{%p endif %}")

    # Header block: number, title, 소관부서, the city's contact roles with 연락처.
    t = new_table(doc, HEADER_WIDTHS, rows=1, header=False)
    top = t.rows[0].cells
    cell_text(top[0], "{{ p.id }}", "표머리")
    title = top[1].merge(top[6])
    cell_text(title, "{{ p.title }}", "섹션제목")
    title.paragraphs[0].paragraph_format.space_before = Pt(2)
    title.paragraphs[0].paragraph_format.keep_with_next = False
    for cell in (top[0],):
        shade(cell)
    # A city that lists no contacts (송파: 소관부서 only) gets the department
    # across the row, not an empty 담당/연락처 frame.
    tag_row(t, "{%tr if p.lists_contacts %}", HEADER_WIDTHS)
    c = add_row(t, HEADER_WIDTHS).cells
    cell_text(c[0], "소관부서", "표머리")
    shade(c[0])
    cell_text(c[1], "{{ p.department }}")
    # One paragraph per contact in each of three cells (role, name, phone),
    # so they line up; the roles are the city's (과장/팀장/담당자, 담당자 …).
    cell_text(c[2], "{%p for person in p.contacts %}")
    cell_para(c[2], "{{ person.role }}", "표머리")
    cell_para(c[2], "{%p endfor %}", "표머리")
    cell_para(c[2], "{%p if not p.contacts %}", "표머리")
    cell_para(c[2], "담 당", "표머리")
    cell_para(c[2], "{%p endif %}", "표머리")
    shade(c[2])
    # names: one paragraph per person, or a plain "not recorded"
    cell_text(c[3], "{%p for person in p.contacts %}")
    cell_para(c[3], "{{ person.name }}", "표본문")
    cell_para(c[3], "{%p endfor %}", "표본문")
    cell_para(c[3], "{%p if not p.contacts %}", "표본문")
    cell_para(c[3], "(기록 없음)", "표본문")
    cell_para(c[3], "{%p endif %}", "표본문")
    cell_text(c[4], "연락처", "표머리")
    shade(c[4])
    phones = c[5].merge(c[6])
    cell_text(phones, "{%p for person in p.contacts %}")
    cell_para(phones, "{{ person.phone }}", "표본문")
    cell_para(phones, "{%p endfor %}", "표본문")
    # no contacts: one empty paragraph (Word refuses a cell without one)
    cell_para(phones, "{%p if not p.contacts %}", "표본문")
    cell_para(phones, "", "표본문")
    cell_para(phones, "{%p endif %}", "표본문")
    tag_row(t, "{%tr else %}", HEADER_WIDTHS)
    alone = add_row(t, HEADER_WIDTHS).cells
    cell_text(alone[0], "소관부서", "표머리")
    shade(alone[0])
    cell_text(alone[1].merge(alone[6]), "{{ p.department }}")
    tag_row(t, "{%tr endif %}", HEADER_WIDTHS)
    # 추진율 where the city records it.
    tag_row(t, "{%tr if p.progress_rate_text %}", HEADER_WIDTHS)
    rate = add_row(t, HEADER_WIDTHS).cells
    cell_text(rate[0], "추진율", "표머리")
    shade(rate[0])
    cell_text(rate[1].merge(rate[6]), "{{ p.progress_rate_text }}", "표본문")
    tag_row(t, "{%tr endif %}", HEADER_WIDTHS)
    # The block stays whole and on the page of the section that follows it.
    for row in t.rows:
        cant_split(row)
        keep_row_with_next(row)

    # □ 공약 조정 (폐기, 변경 …): near the top, it changes how the rest reads.
    para(doc, "{%p if p.adjustments %}")
    section_title(doc, "□ 공약 조정")
    para(doc, "{%p for a in p.adjustments %}")
    heading = para(doc, "{{ a.heading }}", "항목0")
    heading.paragraph_format.keep_with_next = True  # never last on a page
    item_lines(doc, "a.lines")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endif %}")

    # □ 추진실적 및 향후 추진계획
    section_title(doc, "□ 추진실적 및 향후 추진계획")
    t = new_table(doc, PROGRESS_WIDTHS, rows=1)
    for cell, text in zip(t.rows[0].cells, ["구 분", "추진실적 및 추진계획", "비 고"], strict=True):
        cell_text(cell, text, "표머리")
        shade(cell)
    keep_row_with_next(t.rows[0])  # its rows are long: they may split across pages
    r = add_row(t, PROGRESS_WIDTHS)
    cell_text(r.cells[0], "{%tr for row in p.progress %}")
    r = add_row(t, PROGRESS_WIDTHS)
    cell_text(r.cells[0], "{{ row.title }}", "구분제목")
    cell_para(r.cells[0], "{{ row.note }}", "구분주석")
    r.cells[1].vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    item_lines(r.cells[1], "row.lines", first_para=r.cells[1].paragraphs[0])
    r = add_row(t, PROGRESS_WIDTHS)
    cell_text(r.cells[0], "{%tr endfor %}")

    # □ 시민참여(소통) 실적, where recorded: the city's categories, one column each.
    para(doc, "{%p if p.participation %}")
    section_title(doc, "□ 시민참여(소통) 실적")
    para(doc, "(단위 : 회)", "단위")
    widths = [TAG_WIDTH, 17.0 - 2 * TAG_WIDTH, TAG_WIDTH]
    t = new_table(doc, widths, rows=2)
    heads = t.rows[0].cells
    column_loop(heads, 0, "cell in p.participation", "{{ cell.heading }}", "표머리", "1")
    shade(heads[1])
    column_loop(t.rows[1].cells, 0, "cell in p.participation", "{{ cell.text }}", "표본문")
    keep_row_with_next(t.rows[0])
    cant_split(t.rows[1])
    para(doc, "{%p endif %}")

    # □ 성과지표, where the pledge has targets: the view's table as it is.
    fixed_table(doc, "p.indicator_table", INDICATOR_WIDTHS)
    # □ 성과지표 연차별 목표: the report's year's target and result, where one is set.
    fixed_table(doc, "p.indicator_year_table", INDICATOR_WIDTHS)

    # □ 연도별 투자계획(사업비) and □ 연도별 확보(집행)액: the view's finished
    # table (t.table) for each table it prints (a 폐기 pledge: 확보(집행)액 only),
    # laid out place by place (P: T.places, the rows with None where the name
    # above covers, computed once per table).
    para(doc, "{%p for t in p.money_tables %}")
    para(doc, "{%p set T = t.table %}")
    para(doc, "{%p set P = T.places %}")
    section_title(doc, "{{ T.title }}")
    para(doc, "{{ T.unit }}", "단위")
    para(doc, "{%p if not t.recorded %}")
    empty = para(doc, "(기록 없음) 이 기간에 기록된 예산 내역이 없습니다.", "항목없음")
    empty.paragraph_format.keep_with_next = True  # with the empty frame below it
    para(doc, "{%p endif %}")
    para(doc, "{%p if t.non_budget %}")
    non_budget_frame(doc)
    para(doc, "{%p else %}")
    t = new_table(doc, MONEY_WIDTHS, rows=2, margins=MONEY_MARGINS)
    money_header(t)
    total = t.rows[1].cells
    cell_text(total[0], "{{ P[0][0].text }}")
    cell_text(total[1], "{{ P[0][1].text }}", "표머리")
    cell_text(total[2], "{{ P[0][2].text }}", "표숫자")
    column_loop(total, 3, "c in P[0][3:]", "{{ c.text }}", "표숫자")
    for cell in total:
        shade(cell, "F2F2F2")
    cant_split(t.rows[1])
    keep_row_with_next(t.rows[1])  # the 계 row goes with the first block
    # One row per funding source. A sub-project's block never splits across
    # pages: every row is cantSplit, and every row but the block's last keeps
    # with the next (the row after it continues the same name cell).
    tag_row(t, "{%tr for r in P[1:] %}", MONEY_WIDTHS)
    tag_row(
        t,
        "{%tr if loop.nextitem is defined and loop.nextitem[0] is none %}",
        MONEY_WIDTHS,
    )
    money_row(t, keep=True)
    tag_row(t, "{%tr else %}", MONEY_WIDTHS)
    money_row(t, keep=False)
    tag_row(t, "{%tr endif %}", MONEY_WIDTHS)
    tag_row(t, "{%tr endfor %}", MONEY_WIDTHS)
    para(doc, "{%p endif %}")
    # ※ lines under the table (corrected totals and the like).
    para(doc, "{%p for note in T.notes %}")
    para(doc, "※ {{ note }}", "표주석")
    para(doc, "{%p endfor %}")
    para(doc, "{%p endfor %}")

    # □ 문제점 및 개선대책
    section_title(doc, "□ 문제점 및 개선대책")
    para(doc, "{%p for section in p.problems.sections %}")
    para(doc, "{%p if section[0] %}")
    heading = para(doc, "{{ section[0] }}", "항목1", "○")
    heading.paragraph_format.keep_with_next = True  # never last on a page
    para(doc, "{%p endif %}")
    item_lines(doc, "section[1]")
    para(doc, "{%p endfor %}")
    return save(doc)


def money_header(t) -> None:
    cells = t.rows[0].cells
    # Every column takes the width the view fitted to its figures (t.weights):
    # no "(20,609" / ")" in 계, whatever the city's columns.
    for i, cell in enumerate(cells[:3]):
        text = "{{ T.head[0].cells[%d].text }}" % i
        cell_text(cell, "{% colwidth t.weights[" + str(i) + "] %}" + text, "표머리")
        shade(cell)
    column_loop(cells, 3, "c in T.head[0].cells[3:]", "{{ c.text }}", "표머리", FISCAL_WEIGHT)
    shade(cells[4])
    keep_row_with_next(t.rows[0])


def non_budget_frame(doc) -> None:
    """비예산: the view's frame (P[0], the first of T.places: the title, 계, "비 예 산" across the
    figures; then a row per funding source).

    The figure cell spans 계 and the fiscal columns; reportgen stretches it
    over however many fiscal columns the city has.
    """
    t = new_table(doc, MONEY_WIDTHS, rows=2, margins=MONEY_MARGINS)
    money_header(t)
    first = t.rows[1].cells
    cell_text(first[0], "{{ P[0][0].text }}", "표본문")
    vmerge(first[0], restart=True)
    cell_text(first[1], "{{ P[0][1].text }}", "표본문")
    figures = first[2].merge(first[5])
    cell_text(figures, "{{ P[0][2].text }}", "표머리")
    vmerge(figures, restart=True)
    cant_split(t.rows[1])
    keep_row_with_next(t.rows[1])
    # One block: it never splits (every row but the last keeps with the next).
    tag_row(t, "{%tr for r in P[1:] %}", MONEY_WIDTHS)
    tag_row(t, "{%tr if not loop.last %}", MONEY_WIDTHS)
    frame_row(t, keep=True)
    tag_row(t, "{%tr else %}", MONEY_WIDTHS)
    frame_row(t, keep=False)
    tag_row(t, "{%tr endif %}", MONEY_WIDTHS)
    tag_row(t, "{%tr endfor %}", MONEY_WIDTHS)


def frame_row(t, keep: bool):
    """A funding source's row of the 비예산 frame (context ``r``, its places):
    name and figures merged above."""
    row = add_row(t, MONEY_WIDTHS)
    cells = row.cells
    # The continued cells keep their one empty paragraph, in the default style.
    vmerge(cells[0], restart=False)
    cell_text(cells[1], "{{ r[1].text }}", "표본문")
    figures = cells[2].merge(cells[5])
    vmerge(figures, restart=False)
    cant_split(row)
    if keep:
        keep_row_with_next(row)
    return row


def money_row(t, keep: bool):
    """One row of a sub-project's block (context ``r``, its places): the name
    where the block starts (merged down it), 구분, 계, each column's figure."""
    row = add_row(t, MONEY_WIDTHS)
    name = "{% vmerge 'continue' if r[0] is none else 'restart' %}{{ r[0].text if r[0] else '' }}"
    cell_text(row.cells[0], name, "표본문")
    cell_text(row.cells[1], "{{ r[1].text }}", "표본문")
    cell_text(row.cells[2], "{{ r[2].text }}", "표숫자")
    column_loop(row.cells, 3, "c in r[3:]", "{{ c.text }}", "표숫자")
    cant_split(row)
    if keep:
        keep_row_with_next(row)
    return row


# A finished table of the view (reportgen.report.tables.Table) whose first column
# names its line (분야, 부서): the other columns share the rest, a share wider
# than a count and a status's column wide enough for its name ("정상추진").
TALLY_NAME = 3.4
TALLY_WIDTHS = [TALLY_NAME, TAG_WIDTH, 17.0 - TALLY_NAME - 2 * TAG_WIDTH, TAG_WIDTH]
TALLY_WEIGHT = "T.weights[loop.index]"  # the view fitted them to the cells


def tally_table(doc, table: str) -> None:
    """□ 분야별 / 부서별 추진상황: the view's table as it is, row by row, cell by cell."""
    para(doc, "{%p if " + table + " %}")
    para(doc, "{%p set T = " + table + " %}")
    section_title(doc, "{{ T.title }}")
    para(doc, "{{ T.unit }}", "단위")
    t = new_table(doc, TALLY_WIDTHS, rows=1, margins=MONEY_MARGINS)
    head = t.rows[0].cells
    cell_text(head[0], "{% colwidth T.weights[0] %}{{ T.head[0].cells[0].text }}", "표머리")
    column_loop(head, 1, "c in T.head[0].cells[1:]", "{{ c.text }}", "표머리", weight=TALLY_WEIGHT)
    for cell in head:
        shade(cell)
    keep_row_with_next(t.rows[0])
    tag_row(t, "{%tr for r in T.rows %}", TALLY_WIDTHS)
    tag_row(t, "{%tr if r.kind == 'body' %}", TALLY_WIDTHS)
    row = add_row(t, TALLY_WIDTHS)
    cell_text(row.cells[0], "{{ r.cells[0].text }}")
    column_loop(row.cells, 1, "c in r.cells[1:]", "{{ c.text }}", "표숫자")
    cant_split(row)
    tag_row(t, "{%tr else %}", TALLY_WIDTHS)
    row = add_row(t, TALLY_WIDTHS)
    cell_text(row.cells[0], "{{ r.cells[0].text }}", "표머리")
    column_loop(row.cells, 1, "c in r.cells[1:]", "{{ c.text }}", "표숫자")
    for cell in row.cells:
        shade(cell, "F2F2F2")
    cant_split(row)
    tag_row(t, "{%tr endif %}", TALLY_WIDTHS)
    tag_row(t, "{%tr endfor %}", TALLY_WIDTHS)
    para(doc, "{%p endif %}")


def build_booklet_template() -> bytes:
    doc = Document()
    set_page(doc)
    # The cover carries no page number: its first-page footer stays empty.
    doc.sections[0].different_first_page_header_footer = True
    define_styles(doc)
    # Cover
    for _ in range(5):
        para(doc, "", "표지문구")
    para(doc, "{{ report.title }}", "보고서제목")
    # "2024년 상반기 추진실적 (6월말 기준)": the cut-off where the city prints one.
    para(doc, "{{ report.cover_line }}", "표지문구")
    for _ in range(7):
        para(doc, "", "표지문구")
    para(doc, "{{ report.term_name }} ({{ report.term_span }})", "표지문구")
    para(doc, "{{ report.city }}", "보고서제목")

    # 총괄표
    para(doc, "총 괄 표", "장제목")
    # The ○ lines come from the view, generated from the city's rules.
    para(doc, "{%p for line in report.summary_lines %}", "항목1")
    para(doc, "{{ line }}", "항목1")
    para(doc, "{%p endfor %}", "항목1")
    para(doc, "{{ report.status_table.unit }}", "단위")
    widths = [7.0, 5.0, 5.0]
    t = new_table(doc, widths, rows=1)
    for i, cell in enumerate(t.rows[0].cells):
        cell_text(cell, "{{ report.status_table.head[0].cells[%d].text }}" % i, "표머리")
        shade(cell)
    keep_row_with_next(t.rows[0])
    # The view's 총괄표 as it is: the statuses in the base of the shares, their
    # 계, then what is counted apart ("(비율 제외)") and 전체 공약.
    tag_row(t, "{%tr for r in report.status_table.rows %}", widths)
    tag_row(t, "{%tr if r.kind == 'total' %}", widths)
    row = add_row(t, widths)
    cell_text(row.cells[0], "{{ r.cells[0].text }}", "표머리")
    cell_text(row.cells[1], "{{ r.cells[1].text }}", "표숫자")
    cell_text(row.cells[2], "{{ r.cells[2].text }}", "표숫자")
    tag_row(t, "{%tr else %}", widths)
    row = add_row(t, widths)
    cell_text(row.cells[0], "{{ r.cells[0].text }}")
    cell_text(row.cells[1], "{{ r.cells[1].text }}", "표숫자")
    cell_text(row.cells[2], "{{ r.cells[2].text }}", "표숫자")
    tag_row(t, "{%tr endif %}", widths)
    tag_row(t, "{%tr endfor %}", widths)

    para(doc, "{%p for note in report.status_table.notes %}", "표주석")
    para(doc, "※ {{ note }}", "표주석")
    para(doc, "{%p endfor %}", "표주석")

    # By 분야 and by 부서: the same counts, line by line.
    tally_table(doc, "report.group_table")
    tally_table(doc, "report.department_table")

    # 성과지표 that several pledges share, added up.
    fixed_table(doc, "report.indicator_totals_table", [5.6, 1.6, 1.8, 2.8, 2.8, 2.4])

    # 목차: the view's table (report.contents_table) as it is. Page numbers
    # are PAGEREF fields to the bookmark on each pledge's first paragraph (the
    # row's key); Word updates them on open (updateFields), LibreOffice
    # computes them when it lays the pages out. A 분야's heading row spans the
    # three columns where the city groups its pledges.
    para(doc, "{{ report.contents_table.title }}", "장제목")
    widths = [2.0, 12.5, 2.5]
    t = new_table(doc, widths, rows=1)
    for i, cell in enumerate(t.rows[0].cells):
        cell_text(cell, "{{ report.contents_table.head[0].cells[%d].text }}" % i, "표머리")
        shade(cell)
    keep_row_with_next(t.rows[0])
    tag_row(t, "{%tr for r in report.contents_table.rows %}", widths)
    tag_row(t, "{%tr if r.kind == 'section' %}", widths)
    row = add_row(t, widths)
    heading = row.cells[0].merge(row.cells[2])
    cell_text(heading, "{{ r.cells[0].text }}", "목차분야")
    shade(heading, "F2F2F2")
    cant_split(row)
    keep_row_with_next(row)  # a heading never ends a page
    tag_row(t, "{%tr else %}", widths)
    row = add_row(t, widths)
    cell_text(row.cells[0], "{{ r.cells[0].text }}")
    cell_text(row.cells[1], "{{ r.cells[1].text }}", "목차")
    pg = cell_text(row.cells[2], "", "표숫자")
    # The stored result is the page as far as it is known (reportgen.formats.pagination;
    # LibreOffice's own when --pdf runs): what a viewer that never updates
    # fields shows. Word updates it on open.
    add_field(pg, "PAGEREF {{ r.key }} \\h", "{{ pages[r.key] }}")
    cant_split(row)
    tag_row(t, "{%tr endif %}", widths)
    tag_row(t, "{%tr endfor %}", widths)
    return save(doc, update_fields=True)


def save(doc, update_fields: bool = False) -> bytes:
    patch_doc_defaults(doc)
    props = doc.core_properties
    props.author = "reportgen"
    props.last_modified_by = "reportgen"
    props.title = ""
    props.comments = ""
    props.revision = 1
    import datetime as dt

    fixed = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    props.created = fixed
    props.modified = fixed
    settings = doc.settings.element
    korean_settings(settings)
    if update_fields:
        upd = etree.SubElement(settings, qn("w:updateFields"))
        upd.set(qn("w:val"), "true")
        order_children(settings)
    buf = io.BytesIO()
    doc.save(buf)
    return normalize_package(drop_styles_with_effects(buf.getvalue()))


def drop_styles_with_effects(data: bytes) -> bytes:
    """Remove python-docx's stale Word 2010 style copy.

    Its docDefaults and style list disagree with styles.xml once the styles
    are patched, which Word may treat as unreadable content (openxml-audit).
    """
    parts = read_package(data)
    name = "word/stylesWithEffects.xml"
    if name not in parts:
        return data
    del parts[name]
    rels = etree.fromstring(parts["word/_rels/document.xml.rels"])
    for rel in list(rels):
        if rel.get("Target") == "stylesWithEffects.xml":
            rels.remove(rel)
    parts["word/_rels/document.xml.rels"] = etree.tostring(
        rels, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    types = etree.fromstring(parts["[Content_Types].xml"])
    for override in list(types):
        if override.get("PartName") == "/" + name:
            types.remove(override)
    parts["[Content_Types].xml"] = etree.tostring(
        types, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    return write_package(parts.items())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("templates"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pledge.docx").write_bytes(build_pledge_template())
    (args.out / "booklet.docx").write_bytes(build_booklet_template())
    print(f"wrote {args.out / 'pledge.docx'} and {args.out / 'booklet.docx'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
