"""Golden checks on the rendered WordprocessingML: structure, merges, fonts, text."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from reportgen.errors import TemplateError
from reportgen.formats.docx import DocxWriter, compile_template
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import report_view

from .conftest import audit

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

ROOT = Path(__file__).resolve().parent.parent
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@pytest.fixture(scope="module")
def writer() -> DocxWriter:
    return DocxWriter.from_directory(ROOT / "templates")


def _report(period: str, records: Path = ROOT / "records"):
    rs = load_records(records)
    assert rs.settings is not None
    return report_view(rs.pledges, Period.parse(period), rs.settings)


def _render(writer: DocxWriter, period: str, records: Path = ROOT / "records"):
    report = _report(period, records)
    out = {}
    for number, view in enumerate(report.pledges, start=1):
        content = writer.pledge_content(view, report, number)
        out[view.id] = writer.pledge_document(view, report, number, content)
    return report, out


def _document(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read("word/document.xml"))


def _part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read(name))


def _text(el: etree._Element) -> str:
    return "".join(t.text or "" for t in el.iter(f"{W}t"))


def _tables(doc: etree._Element) -> list[etree._Element]:
    return list(doc.iter(f"{W}tbl"))


def _money_tables(doc: etree._Element) -> list[etree._Element]:
    return [t for t in _tables(doc) if _text(t.find(f"{W}tr")).startswith("공약사업명")]


def test_progress_table_header_repeats_and_labels_follow_the_period(writer):
    _, docs = _render(writer, "2022H1")
    doc = _document(docs["1-4-5"])
    progress = next(t for t in _tables(doc) if _text(t.find(f"{W}tr")).startswith("구 분"))
    header = progress.find(f"{W}tr")
    assert header.find(f"{W}trPr/{W}tblHeader") is not None
    labels = [_text(tr.find(f"{W}tc")) for tr in progress.findall(f"{W}tr")[1:]]
    assert labels == [
        "그동안 추진실적(2018. ~ 2021.6.)",
        "2021년도 하반기 추진실적(21. 7.~12. 실적)",
        "2022년도 상반기 추진계획(향후 추진 계획)",
    ]
    text = _text(progress)
    for heading in (
        "□ 2018년 추진실적",
        "□ 2019년 추진실적",
        "□ 2020년 추진실적",
        "□ 2021년 상반기 추진실적",
    ):
        assert heading in text


def test_labels_for_2021h2_and_no_item_of_2021h2_itself(writer):
    _, docs = _render(writer, "2021H2")
    doc = _document(docs["1-4-3"])
    text = _text(doc)
    assert "그동안 추진실적(2018. ~ 2020.)" in text
    assert "2021년도 상반기 추진실적(21. 1.~6. 실적)" in text
    assert "2021년도 하반기 추진계획" in text
    assert "코레일테크" not in text


def _vmerge_pattern(table: etree._Element) -> list[str]:
    out = []
    for tr in table.findall(f"{W}tr")[2:]:  # after header and grand total
        vm = tr.find(f"{W}tc/{W}tcPr/{W}vMerge")
        out.append("" if vm is None else vm.get(f"{W}val") or "continue")
    return out


def test_sub_project_names_merge_down_their_blocks(writer):
    _, docs = _render(writer, "2022H1")
    plan, secured = _money_tables(_document(docs["1-4-5"]))
    # three sub-projects: 4 source rows, 4 source rows, 4 + 소계
    expected = (
        ["restart"]
        + ["continue"] * 3
        + ["restart"]
        + ["continue"] * 3
        + ["restart"]
        + ["continue"] * 4
    )
    assert _vmerge_pattern(plan) == expected
    assert _vmerge_pattern(secured) == expected
    first_cells = [_text(tr.find(f"{W}tc")) for tr in plan.findall(f"{W}tr")[2:]]
    assert first_cells[0] == "민선7기 일자리종합계획 수립"
    assert first_cells[1:4] == ["", "", ""]  # continued cells carry no text


def test_vmerge_precedes_other_cell_properties(writer):
    """Word rejects tcPr children out of schema order (PITFALLS.md)."""
    _, docs = _render(writer, "2022H1")
    order = [
        "cnfStyle",
        "tcW",
        "gridSpan",
        "hMerge",
        "vMerge",
        "tcBorders",
        "shd",
        "noWrap",
        "tcMar",
        "textDirection",
        "tcFitText",
        "vAlign",
        "hideMark",
    ]
    for tcpr in _document(docs["1-4-5"]).iter(f"{W}tcPr"):
        tags = [etree.QName(c).localname for c in tcpr]
        assert tags == sorted(tags, key=order.index), tags


def test_figures_are_printed_with_separators_and_executed_in_brackets(writer):
    _, docs = _render(writer, "2022H1")
    plan, secured = _money_tables(_document(docs["1-4-5"]))
    plan_text = [_text(tc) for tc in plan.iter(f"{W}tc")]
    for figure in (
        "8,291",
        "1,109",
        "1,735",
        "1,729",
        "1,814",
        "1,904",
        "1,578",
        "6,671",
        "788",
        "1,561",
    ):
        assert figure in plan_text
    secured_text = [_text(tc) for tc in secured.iter(f"{W}tc")]
    for figure in (
        "279 (278)",
        "1,499 (1,323)",
        "1,220 (907)",
        "5,729 (3,845)",
        "12 (10)",
        "20 (20)",
    ):
        assert figure in secured_text
    # the '21 도비 cell: secured with nothing executed yet
    assert "312" in secured_text


def test_non_budget_pledge_prints_the_frame(writer):
    _, docs = _render(writer, "2022H1")
    tables = _money_tables(_document(docs["1-4-3"]))
    assert len(tables) == 2
    for table in tables:
        text = _text(table)
        assert "비" in text and "예" in text and "산" in text
        assert "고양시 고용할당제 도입" in text


def test_every_run_has_an_east_asian_korean_font(writer):
    _, docs = _render(writer, "2022H1")
    styles = _part(docs["1-4-5"], "word/styles.xml")
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}rFonts")
    assert defaults.get(f"{W}eastAsia") == "휴먼명조"
    lang = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(f"{W}eastAsia") == "ko-KR"
    # theme fonts would override the explicit names
    for fonts in styles.iter(f"{W}rFonts"):
        assert not [a for a in fonts.attrib if a.lower().endswith("theme")], fonts.attrib
    used = {el.get(f"{W}val") for el in _document(docs["1-4-5"]).iter(f"{W}pStyle")}
    by_id = {s.get(f"{W}styleId"): s for s in styles.iter(f"{W}style")}
    for style_id in used:
        fonts = by_id[style_id].find(f"{W}rPr/{W}rFonts")
        assert fonts is not None and fonts.get(f"{W}eastAsia"), style_id


def test_page_setup_is_a4_portrait(writer):
    _, docs = _render(writer, "2022H1")
    pg = _document(docs["1-4-5"]).find(f"{W}body/{W}sectPr/{W}pgSz")
    assert (pg.get(f"{W}w"), pg.get(f"{W}h")) == ("11906", "16838")
    assert pg.get(f"{W}orient") in (None, "portrait")


def test_booklet_starts_each_pledge_on_a_new_page_with_a_bookmark(writer):
    report = _report("2022H1")
    bodies = [writer.pledge_content(v, report, n) for n, v in enumerate(report.pledges, start=1)]
    booklet = writer.booklet_document(report, bodies)
    doc = _document(booklet)
    styles = _part(booklet, "word/styles.xml")
    start = next(s for s in styles.iter(f"{W}style") if s.get(f"{W}styleId") == "공약시작")
    assert start.find(f"{W}pPr/{W}pageBreakBefore") is not None
    starts = [
        p for p in doc.iter(f"{W}p") if p.find(f"{W}pPr/{W}pStyle[@{W}val='공약시작']") is not None
    ]
    assert len(starts) == len(report.pledges)
    names = [p.find(f"{W}bookmarkStart").get(f"{W}name") for p in starts]
    assert names == [v.anchor for v in report.pledges]
    instr = " ".join(t.text for t in doc.iter(f"{W}instrText"))
    for view in report.pledges:
        assert f"PAGEREF {view.anchor}" in instr
    text = _text(doc)
    assert "2022년 상반기" in text and "고양시" in text and "총 괄 표" in text
    assert doc.find(f"{W}body/{W}sectPr") is not None
    assert len(doc.find(f"{W}body").findall(f"{W}sectPr")) == 1


def test_pledge_text_round_trips_through_python_docx(writer):
    report, docs = _render(writer, "2022H1")
    for view in report.pledges:
        d = docx.Document(io.BytesIO(docs[view.id]))
        text = "\n".join(
            p.text for t in d.tables for row in t.rows for c in row.cells for p in c.paragraphs
        ) + "\n".join(p.text for p in d.paragraphs)
        for row in view.progress:
            for line in row.lines:
                assert line.text in text, line.text
        for _heading, lines in view.problems.sections:
            for line in lines:
                assert line.text in text
        for contact in view.contacts:
            assert contact.name in text and contact.phone in text


def test_rendering_is_deterministic(writer):
    _, first = _render(writer, "2022H1")
    _, second = _render(writer, "2022H1")
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first["1-4-5"])) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_markup_in_record_text_is_data(writer, tmp_path):
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    path = records / "1-4-3.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    nasty = "A<B & \"C\" 'D' </w:t> {{ x }} {% if %} 😀"
    record["achievements"][0]["entries"][0]["text"] = nasty
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    report, docs = _render(writer, "2022H1", records)
    d = docx.Document(io.BytesIO(docs["1-4-3"]))
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    assert any(nasty in c for c in cells)


def _template_with(tmp_path: Path, old: str, new: str) -> Path:
    src = ROOT / "templates" / "pledge.docx"
    with zipfile.ZipFile(src) as zf:
        parts = {i.filename: zf.read(i) for i in zf.infolist()}
    doc = etree.fromstring(parts["word/document.xml"])
    t = next(t for t in doc.iter(f"{W}t") if t.text and old in t.text)
    t.text = t.text.replace(old, new)
    parts["word/document.xml"] = etree.tostring(
        doc, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    out = tmp_path / "templates"
    out.mkdir(exist_ok=True)
    with zipfile.ZipFile(out / "pledge.docx", "w") as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    shutil.copy(ROOT / "templates" / "booklet.docx", out / "booklet.docx")
    return out


def test_broken_tag_names_the_template_and_the_tag(tmp_path):
    templates = _template_with(tmp_path, "{{ p.department }}", "{{ p.department) }}")
    with pytest.raises(TemplateError) as info:
        compile_template(templates / "pledge.docx")
    message = info.value.message
    assert str(templates / "pledge.docx") in message
    assert "p.department)" in message


def test_unknown_field_in_a_tag_is_named(tmp_path):
    templates = _template_with(tmp_path, "{{ p.department }}", "{{ p.departmnet }}")
    w = DocxWriter.from_directory(templates)
    report = _report("2022H1")
    with pytest.raises(TemplateError, match="departmnet"):
        w.pledge_content(report.pledges[0], report, 1)


def test_missing_template_is_a_clear_error(tmp_path):
    with pytest.raises(TemplateError, match="template not found"):
        compile_template(tmp_path / "nope.docx")
    garbage = tmp_path / "pledge.docx"
    garbage.write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match="not a readable DOCX"):
        compile_template(garbage)


def test_sandbox_blocks_attribute_escapes(tmp_path):
    templates = _template_with(
        tmp_path, "{{ p.department }}", "{{ p.__class__.__init__.__globals__ }}"
    )
    w = DocxWriter.from_directory(templates)
    report = _report("2022H1")
    with pytest.raises(TemplateError, match="unsafe|access"):
        w.pledge_content(report.pledges[0], report, 1)


def test_word_would_open_every_document_without_repair(writer, tmp_path):
    """openxml-audit (a port of Microsoft's Open XML SDK validator) finds nothing."""
    report, docs = _render(writer, "2022H1")
    contents = [writer.pledge_content(v, report, n) for n, v in enumerate(report.pledges, start=1)]
    (tmp_path / "booklet.docx").write_bytes(writer.booklet_document(report, contents))
    for pledge_id, data in docs.items():
        (tmp_path / f"{pledge_id}.docx").write_bytes(data)
    results = audit(tmp_path)
    assert len(results) == 3
    for result in results:
        assert result["valid"], (result["file"], result["errors"][:5], result["verdict"])


# The view fits the widths to the figures (reportgen.report.widths); Goyang's need no more
# than their shares, so they are its old widths within a twip of rounding.
GOYANG_MONEY_GRID = [2205, 566, 907, 738, 897, 897, 897, 897, 897, 737]


def test_goyang_keeps_its_money_columns_filling_the_text_width(writer):
    """The fiscal columns come from a loop now; Goyang's widths are today's, to the twip
    the 17.0 cm text width leaves (each year column 1.58 cm and a twip)."""
    _, docs = _render(writer, "2022H1")
    for pledge_id in ("1-4-5", "1-4-3"):
        tables = _money_tables(_document(docs[pledge_id]))
        assert len(tables) == 2
        for table in tables:
            grid = [int(c.get(f"{W}w")) for c in table.find(f"{W}tblGrid")]
            assert grid == GOYANG_MONEY_GRID, grid
            heads = [_text(tc) for tc in table.find(f"{W}tr").findall(f"{W}tc")]
            assert heads[3:] == ["기투자", "'18.7.", "'19", "'20", "'21", "'22.6.", "임기후"]
    participation = next(
        t for t in _tables(_document(docs["1-4-5"])) if _text(t).startswith("공약 관련 회의")
    )
    assert [int(c.get(f"{W}w")) for c in participation.find(f"{W}tblGrid")] == [
        1928,
        1928,
        1928,
        1927,
        1927,
    ]
