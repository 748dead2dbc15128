"""Pages an official would sign (issue 14): the rendered DOCX's layout rules.

Money tables wide enough for their names and in one face and size, ※ notes
under them, blocks that never split across pages, headings that never end a
page, Korean line breaking (금칙), and fonts that come from styles only.
Each test reads the rendered WordprocessingML (lxml), not the template.
"""

from __future__ import annotations

import dataclasses
import io
import zipfile
from collections.abc import Iterator
from pathlib import Path

import docx
import pytest
from lxml import etree

from reportgen.formats.docx import DocxWriter
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import MoneyRow, PledgeView, ReportView, money_form, report_view

ROOT = Path(__file__).resolve().parent.parent
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TWIPS_PER_CM = 1440 / 2.54


# ---------------------------------------------------------------------------
# Rendering and reading


@pytest.fixture(scope="module")
def writer() -> DocxWriter:
    return DocxWriter.from_directory(ROOT / "templates")


@pytest.fixture(scope="module")
def report() -> ReportView:
    rs = load_records(ROOT / "records")
    assert rs.settings is not None
    return report_view(rs.pledges, Period.parse("2022H1"), rs.settings)


def _view(report: ReportView, pledge_id: str) -> PledgeView:
    return next(v for v in report.pledges if v.id == pledge_id)


def _pledge_docx(writer: DocxWriter, report: ReportView, view: PledgeView) -> bytes:
    content = writer.pledge_content(view, report, 1)
    return writer.pledge_document(view, report, 1, content)


@pytest.fixture(scope="module")
def docs(writer: DocxWriter, report: ReportView) -> dict[str, bytes]:
    return {v.id: _pledge_docx(writer, report, v) for v in report.pledges}


@pytest.fixture(scope="module")
def booklet(writer: DocxWriter, report: ReportView) -> bytes:
    contents = [writer.pledge_content(v, report, n) for n, v in enumerate(report.pledges, 1)]
    return writer.booklet_document(report, contents)


def _period_documents(writer: DocxWriter, period: str) -> list[bytes]:
    """The booklet and every pledge's file for ``period``."""
    rs = load_records(ROOT / "records")
    assert rs.settings is not None
    report = report_view(rs.pledges, Period.parse(period), rs.settings)
    contents = [writer.pledge_content(v, report, n) for n, v in enumerate(report.pledges, 1)]
    return [writer.booklet_document(report, contents)] + [
        _pledge_docx(writer, report, v) for v in report.pledges
    ]


def _part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read(name))


def _parts(data: bytes, prefix: str) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return sorted(n for n in zf.namelist() if n.startswith(prefix) and n.endswith(".xml"))


def _text(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))


def _money_tables(doc: etree._Element) -> list[etree._Element]:
    return [
        t for t in doc.iter(f"{W}tbl") if _text(t.find(f"{W}tr")).replace(" ", "") == _MONEY_HEAD
    ]


_MONEY_HEAD = "공약사업명구분계기투자'18.7.'19'20'21'22.6.임기후"


def _on(el: etree._Element | None) -> bool | None:
    """An on/off property: None when absent, else its value (no w:val means on)."""
    if el is None:
        return None
    return el.get(f"{W}val", "true") not in ("0", "false", "off")


class Styles:
    """Paragraph properties as Word resolves them: direct, style chain, docDefaults."""

    def __init__(self, data: bytes) -> None:
        self.root = _part(data, "word/styles.xml")
        self.by_id = {s.get(f"{W}styleId"): s for s in self.root.iter(f"{W}style")}
        self.defaults = self.root.find(f"{W}docDefaults")

    def chain(self, style_id: str | None) -> Iterator[etree._Element]:
        seen = set()
        while style_id and style_id in self.by_id and style_id not in seen:
            seen.add(style_id)
            style = self.by_id[style_id]
            yield style
            based = style.find(f"{W}basedOn")
            style_id = None if based is None else based.get(f"{W}val")

    def ppr(self, p: etree._Element, tag: str) -> bool | None:
        direct = _on(p.find(f"{W}pPr/{W}{tag}"))
        if direct is not None:
            return direct
        style = p.find(f"{W}pPr/{W}pStyle")
        for s in self.chain(None if style is None else style.get(f"{W}val")):
            value = _on(s.find(f"{W}pPr/{W}{tag}"))
            if value is not None:
                return value
        return _on(self.defaults.find(f"{W}pPrDefault/{W}pPr/{W}{tag}"))

    def rpr(self, style_id: str, tag: str, attr: str = "val") -> str | None:
        for s in self.chain(style_id):
            el = s.find(f"{W}rPr/{W}{tag}")
            if el is not None and el.get(f"{W}{attr}") is not None:
                return el.get(f"{W}{attr}")
        el = self.defaults.find(f"{W}rPrDefault/{W}rPr/{W}{tag}")
        return None if el is None else el.get(f"{W}{attr}")


def _paragraphs(el: etree._Element) -> list[etree._Element]:
    return list(el.iter(f"{W}p"))


def _row_keeps(styles: Styles, tr: etree._Element) -> bool:
    """Every paragraph of the row keeps with the next: Word keeps the row with the next row."""
    return all(styles.ppr(p, "keepNext") for p in _paragraphs(tr))


def _vmerge(tr: etree._Element) -> str:
    vm = tr.find(f"{W}tc/{W}tcPr/{W}vMerge")
    return "" if vm is None else vm.get(f"{W}val") or "continue"


def _text_width_twips(doc: etree._Element) -> int:
    sect = doc.find(f"{W}body/{W}sectPr")
    width = int(sect.find(f"{W}pgSz").get(f"{W}w"))
    mar = sect.find(f"{W}pgMar")
    return width - int(mar.get(f"{W}left")) - int(mar.get(f"{W}right"))


def _grid(table: etree._Element) -> list[int]:
    return [int(c.get(f"{W}w")) for c in table.find(f"{W}tblGrid").findall(f"{W}gridCol")]


# ---------------------------------------------------------------------------
# 1. Money tables: widths, one face and size, cell margins


def test_money_columns_fit_the_names_and_the_page(docs):
    for pledge_id, data in docs.items():
        doc = _part(data, "word/document.xml")
        tables = _money_tables(doc)
        assert len(tables) == 2, pledge_id
        for table in tables:
            grid = _grid(table)
            assert len(grid) == 10
            name, _label, total, before, *years, after = grid
            # the name column holds 「고양시통합일자리센터」 on one line at 10 pt
            assert name >= 3.8 * TWIPS_PER_CM, grid
            # rarely used 기투자 / 임기후 are narrower than every busy year column
            assert before < min(years) and after < min(years), grid
            assert total >= min(years)
            assert sum(grid) <= _text_width_twips(doc), (sum(grid), _text_width_twips(doc))
            # every cell's width agrees with its grid column
            for tr in table.findall(f"{W}tr"):
                tcs = tr.findall(f"{W}tc")
                widths = [int(tc.find(f"{W}tcPr/{W}tcW").get(f"{W}w")) for tc in tcs]
                if len(widths) == len(grid):
                    assert widths == grid


def test_money_labels_and_figures_share_one_face_and_size(docs):
    data = docs["1-4-5"]
    styles = Styles(data)
    plan, secured = _money_tables(_part(data, "word/document.xml"))
    for table in (plan, secured):
        used = {
            p.find(f"{W}pPr/{W}pStyle").get(f"{W}val")
            for tr in table.findall(f"{W}tr")[1:]  # labels, names and figures
            for p in _paragraphs(tr)
        }
        assert {"표본문", "표숫자"} <= used, used
        faces = {styles.rpr(s, "rFonts", "eastAsia") for s in used}
        sizes = {styles.rpr(s, "sz") for s in used}
        assert len(faces) == 1 and len(sizes) == 1, (used, faces, sizes)
        # the column headings too (bold, same face and size)
        head = {p.find(f"{W}pPr/{W}pStyle").get(f"{W}val") for p in _paragraphs(table[2])}
        assert {styles.rpr(s, "rFonts", "eastAsia") for s in head} == faces
        assert {styles.rpr(s, "sz") for s in head} == sizes
    # no run overrides the styles' face or size inside a money table
    for table in (plan, secured):
        for r in table.iter(f"{W}r"):
            assert r.find(f"{W}rPr/{W}rFonts") is None and r.find(f"{W}rPr/{W}sz") is None


def _margins(table: etree._Element, styles: Styles) -> dict[str, int]:
    found: dict[str, int] = {}
    style = table.find(f"{W}tblPr/{W}tblStyle")
    sources = [table.find(f"{W}tblPr/{W}tblCellMar")] + [
        s.find(f"{W}tblPr/{W}tblCellMar")
        for s in styles.chain(None if style is None else style.get(f"{W}val"))
    ]
    for mar in sources:
        if mar is None:
            continue
        for side in mar:
            found.setdefault(etree.QName(side).localname, int(side.get(f"{W}w")))
    return found


def test_cells_have_room_around_their_text(docs, booklet):
    for data in (*docs.values(), booklet):
        styles = Styles(data)
        for table in _part(data, "word/document.xml").iter(f"{W}tbl"):
            mar = _margins(table, styles)
            # a bold label a point or more off the rules above and below it
            assert mar.get("top", 0) >= 20 and mar.get("bottom", 0) >= 20, mar
            assert mar.get("left", 0) >= 40 and mar.get("right", 0) >= 40, mar


def test_status_stamp_box_stands_off_its_letters(docs):
    doc = _part(docs["1-4-5"], "word/document.xml")
    stamp = next(p for p in doc.iter(f"{W}p") if _text(p) == "이행후계속추진")
    bdr = next(r.find(f"{W}rPr/{W}bdr") for r in stamp.iter(f"{W}r") if _text(r))
    assert bdr is not None and bdr.get(f"{W}val") == "single"
    assert int(bdr.get(f"{W}space")) >= 3  # points between the letters and the box


# ---------------------------------------------------------------------------
# 2. ※ notes under the money tables


def _following_paragraphs(table: etree._Element) -> Iterator[etree._Element]:
    el = table.getnext()
    while el is not None and el.tag == f"{W}p":
        yield el
        el = el.getnext()


def test_each_money_table_prints_its_notes_under_it(docs, report):
    view = _view(report, "1-4-5")
    assert len(view.secured_table.notes) == 2  # 1-4-5's corrected 도비 and 시비 totals
    data = docs["1-4-5"]
    styles = Styles(data)
    plan, secured = _money_tables(_part(data, "word/document.xml"))
    for table, money in ((plan, view.plan_table), (secured, view.secured_table)):
        after = list(_following_paragraphs(table))
        notes = [p for p in after if _text(p).startswith("※")]
        assert [_text(p) for p in notes] == ["※ " + n for n in money.notes]
        assert after[: len(notes)] == notes  # right under the table
        body = styles.rpr("항목1", "sz")
        for p in notes:
            style = p.find(f"{W}pPr/{W}pStyle").get(f"{W}val")
            assert int(styles.rpr(style, "sz")) < int(body)  # small type
    # python-docx reads the same text
    text = [p.text for p in docx.Document(io.BytesIO(data)).paragraphs]
    for note in view.secured_table.notes:
        assert "※ " + note in text


def test_a_pledge_without_notes_prints_none(docs):
    doc = _part(docs["1-4-3"], "word/document.xml")
    assert not [p for p in doc.iter(f"{W}p") if _text(p).startswith("※")]


# ---------------------------------------------------------------------------
# 3. Breaks: blocks, header rows, headings


def _check_blocks(styles: Styles, table: etree._Element) -> list[bool]:
    rows = table.findall(f"{W}tr")
    header, grand, *body = rows
    assert header.find(f"{W}trPr/{W}tblHeader") is not None  # repeats on every page
    assert _row_keeps(styles, header)  # never alone at the foot of a page
    assert grand.find(f"{W}trPr/{W}cantSplit") is not None
    assert _row_keeps(styles, grand)  # the 계 row goes with the first block
    keeps = []
    for i, tr in enumerate(body):
        assert tr.find(f"{W}trPr/{W}cantSplit") is not None, i
        continues = i + 1 < len(body) and _vmerge(body[i + 1]) == "continue"
        assert _row_keeps(styles, tr) == continues, (i, _vmerge(tr))
        keeps.append(continues)
    return keeps


def test_a_sub_projects_block_never_splits_across_pages(docs):
    data = docs["1-4-5"]
    styles = Styles(data)
    for table in _money_tables(_part(data, "word/document.xml")):
        # blocks of 4, 4 and 5 rows: all but each block's last row keep with the next
        assert _check_blocks(styles, table) == [True, True, True, False] * 2 + [True] * 4 + [False]


def _row(name: str, merge: str, label: str, proto: MoneyRow) -> MoneyRow:
    return dataclasses.replace(proto, name=name, merge=merge, label=label)  # type: ignore[arg-type]


def test_block_ends_follow_the_data_one_row_blocks_included(writer, report):
    """The Jinja condition (loop.nextitem) marks each block's last row, whatever the shapes."""
    view = _view(report, "1-4-5")
    proto = view.plan_table.rows[0]
    shape = [("가", 1), ("나", 3), ("다", 1), ("라", 2)]
    rows = tuple(
        dataclasses.replace(
            _row(name, "restart" if i == 0 else "continue", "시비", proto), block_rows=height
        )
        for name, height in shape
        for i in range(height)
    )
    plan = dataclasses.replace(view.plan_table, rows=rows, notes=())
    # The page lays out the finished table (MoneyTable.table): made from these rows.
    finished = money_form(
        plan.kind,
        plan.title,
        plan.column_labels,
        rows,
        plan.grand_total,
        non_budget=False,
        pledge_title=view.title,
        notes=(),
        weights=plan.weights,
    )
    plan = dataclasses.replace(plan, table=finished)
    data = _pledge_docx(
        writer,
        report,
        dataclasses.replace(view, plan_table=plan, money_tables=(plan, view.secured_table)),
    )
    styles = Styles(data)
    table = _money_tables(_part(data, "word/document.xml"))[0]
    assert [_vmerge(tr) for tr in table.findall(f"{W}tr")[2:]] == [
        "restart",
        "restart",
        "continue",
        "continue",
        "restart",
        "restart",
        "continue",
    ]
    assert _check_blocks(styles, table) == [False, True, True, False, False, True, False]


def test_the_non_budget_frame_is_one_block(docs):
    data = docs["1-4-3"]
    styles = Styles(data)
    for table in _money_tables(_part(data, "word/document.xml")):
        rows = table.findall(f"{W}tr")
        assert rows[0].find(f"{W}trPr/{W}tblHeader") is not None
        for tr in rows:
            assert tr.find(f"{W}trPr/{W}cantSplit") is not None
        assert [_row_keeps(styles, tr) for tr in rows] == [True] * (len(rows) - 1) + [False]


def test_every_table_header_row_repeats_and_keeps_with_the_table(docs, booklet, report):
    ids = tuple(v.id for v in report.pledges)
    for data in (*docs.values(), booklet):
        styles = Styles(data)
        for table in _part(data, "word/document.xml").iter(f"{W}tbl"):
            head = table.find(f"{W}tr")
            if _text(head).startswith(ids):
                continue  # the pledge's header block: a block, not a table with a heading
            assert head.find(f"{W}trPr/{W}tblHeader") is not None, _text(head)
            assert head.find(f"{W}trPr/{W}cantSplit") is not None, _text(head)
            assert _row_keeps(styles, head), _text(head)


HEADING_STYLES = ("섹션제목", "단위", "장제목", "공약시작")


def test_no_heading_ends_a_page(docs, booklet, writer):
    for data in (*docs.values(), booklet):
        styles = Styles(data)
        body = _part(data, "word/document.xml").find(f"{W}body")
        found = []
        for p in body.findall(f"{W}p"):  # body paragraphs, not those in table cells
            text = _text(p)  # the symbol's tab is not text: "○문제점"
            style = p.find(f"{W}pPr/{W}pStyle")
            heading = (
                (style is not None and style.get(f"{W}val") in HEADING_STYLES)
                or text.startswith("□")
                or text in ("○문제점", "○개선대책")  # they head their own lists
            )
            if heading:
                found.append(text)
                assert styles.ppr(p, "keepNext"), text
        assert found
        if data is docs["1-4-5"]:
            assert {"□ 연도별 확보(집행)액", "○문제점", "○개선대책"} <= set(found)
    # whatever stands right above a table (heading, unit, "(기록 없음)") goes with it
    for period in ("2021H2", "2022H1"):
        for data in _period_documents(writer, period):
            styles = Styles(data)
            for table in _part(data, "word/document.xml").find(f"{W}body").findall(f"{W}tbl"):
                above = table.getprevious()
                if above is not None and above.tag == f"{W}p":
                    assert styles.ppr(above, "keepNext"), (period, _text(above))
    # the pledge's header block stays whole, with the page's first section
    data = docs["1-4-5"]
    styles = Styles(data)
    block = next(iter(_part(data, "word/document.xml").iter(f"{W}tbl")))
    for tr in block.findall(f"{W}tr"):
        assert tr.find(f"{W}trPr/{W}cantSplit") is not None
        assert _row_keeps(styles, tr)


# ---------------------------------------------------------------------------
# 3b. Korean line breaking (금칙 처리)

OPENING = "「'“(‘『〈《【［（"
CLOSING = "」’”)』〉》】］），.!?"


def test_opening_brackets_never_end_a_line(docs, booklet):
    for data in (*docs.values(), booklet):
        styles = Styles(data)
        # East Asian first/last character rules on every paragraph
        assert _on(styles.defaults.find(f"{W}pPrDefault/{W}pPr/{W}kinsoku")) is True
        for p in _part(data, "word/document.xml").iter(f"{W}p"):
            assert styles.ppr(p, "kinsoku") is True
        for s in styles.root.iter(f"{W}style"):
            assert _on(s.find(f"{W}pPr/{W}kinsoku")) is not False
        # punctuation stays inside the margins and the cells
        assert _on(styles.defaults.find(f"{W}pPrDefault/{W}pPr/{W}overflowPunct")) is False
        settings = _part(data, "word/settings.xml")
        after = settings.find(f"{W}noLineBreaksAfter")
        before = settings.find(f"{W}noLineBreaksBefore")
        assert after is not None and after.get(f"{W}lang") == "ko-KR"
        assert before is not None and before.get(f"{W}lang") == "ko-KR"
        assert set("「'“(") <= set(after.get(f"{W}val"))
        assert set("」’”)") <= set(before.get(f"{W}val"))
        # an opener may not start-forbid, a closer may not end-forbid
        assert not set(after.get(f"{W}val")) & set(CLOSING)
        assert not set(before.get(f"{W}val")) & set(OPENING)


def test_word_wraps_korean_by_word(docs, booklet):
    """Word keeps a Korean word ("70개사", "(11월20일,22일)") on one line unless
    ``w:wordWrap`` is off (MS-OI29500 §2.1.67: it applies it to Korean text): no
    style or paragraph turns it off, so Word wraps by 어절 as Hancom does."""
    for data in (*docs.values(), booklet):
        styles = Styles(data)
        for p in _part(data, "word/document.xml").iter(f"{W}p"):
            assert styles.ppr(p, "wordWrap") is not False, _text(p)
        for s in styles.root.iter(f"{W}style"):
            assert _on(s.find(f"{W}pPr/{W}wordWrap")) is not False
        assert _on(styles.defaults.find(f"{W}pPrDefault/{W}pPr/{W}wordWrap")) is not False


# ---------------------------------------------------------------------------
# 4. Word: fonts from styles; a Korean document's settings


def test_footer_fonts_come_from_the_footer_style(docs, booklet):
    for data in (*docs.values(), booklet):
        styles = Styles(data)
        footers = _parts(data, "word/footer")
        assert footers
        for name in footers:
            footer = _part(data, name)
            paragraphs = list(footer.iter(f"{W}p"))
            for r in footer.iter(f"{W}r"):
                assert r.find(f"{W}rPr/{W}rFonts") is None, name
                assert r.find(f"{W}rPr/{W}sz") is None, name
            for p in paragraphs:
                style = p.find(f"{W}pPr/{W}pStyle")
                assert style is not None and style.get(f"{W}val") == "Footer"
        assert styles.rpr("Footer", "rFonts", "eastAsia") == "맑은 고딕"
        assert styles.rpr("Footer", "rFonts", "ascii") == "맑은 고딕"
        assert styles.rpr("Footer", "sz") == "20"
    # the page number is still there
    footer = _part(docs["1-4-5"], _parts(docs["1-4-5"], "word/footer")[0])
    assert " PAGE " in "".join(t.text or "" for t in footer.iter(f"{W}instrText"))


def test_settings_are_korean(docs, booklet):
    for data in (*docs.values(), booklet):
        lang = _part(data, "word/settings.xml").find(f"{W}themeFontLang")
        if lang is not None:
            assert lang.get(f"{W}eastAsia") == "ko-KR"


def test_every_cell_of_every_period_holds_a_paragraph(writer):
    """Word repairs a w:tc without a w:p: a period without contacts (2021H2) must not make one."""
    for period in ("2021H2", "2022H1"):
        for data in _period_documents(writer, period):
            for tc in _part(data, "word/document.xml").iter(f"{W}tc"):
                assert tc[-1].tag == f"{W}p", (period, _text(tc))
