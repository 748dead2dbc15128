"""The copy LibreOffice converts: what must stay on one line is glued, nothing else changes.

LibreOffice's own behaviour with the glue is proven in tests/test_pdf.py.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from reportgen.formats.docx import DocxWriter
from reportgen.formats.linebreak import WORD_JOINER, Kinsoku, glue, glued_docx, kinsoku
from reportgen.formats.ooxml import read_package
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import report_view

ROOT = Path(__file__).resolve().parent.parent
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
RULES = Kinsoku("ko-KR", not_at_end="(「“", not_at_start=")」”,.")
J = WORD_JOINER


def _shown(text: str, rules: Kinsoku = RULES) -> str:
    """``glue``'s output with each joiner shown as "+"."""
    return glue(text, rules).replace(J, "+")


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # a number and its counter; the points of a date
        ("킨텍스 70개사 59명취업", "킨텍스 7+0+개+사 5+9+명+취+업"),
        ("5.16. 킨텍스", "5.+1+6. 킨텍스"),  # "." may not start a line anyway
        ("사업비 1,904백만원", "사업비 1,+9+0+4+백+만+원"),
        ("민선7기 2018년", "민선7+기 2+0+1+8+년"),
        ("연락처 8075-3700", "연락처 8+0+7+5+-+3+7+0+0"),
        # an opener with the rest of its word; "(" and ")" hold by themselves
        ("면접 (11월20일,22일)", "면접 (1+1+월+2+0+일,+2+2+일)"),
        ("「고양시통합일자리센터」 운영", "「고+양+시+통+합+일+자+리+센+터」 운영"),
        ("박람회(청년드림 JOB콘서트)", "박람회(청+년+드+림 JOB콘서트)"),
        # nothing to glue: Hangul alone (LibreOffice keeps its words whole), one digit
        ("현장면접 계획 수립", "현장면접 계획 수립"),
        ("제 9 회", "제 9 회"),
    ],
)
def test_glue_joins_numbers_with_their_counters_and_openers_with_their_word(text, shown):
    assert _shown(text) == shown


def test_glue_changes_nothing_but_the_joiners():
    text = "· 3.29. 킨텍스 51개사 현장면접, 51명 취업 「센터」 (1회/6.7)"
    out = glue(text, RULES)
    assert out.replace(J, "") == text
    assert glue(out, RULES) == out  # gluing twice is gluing once
    # the joiner sits inside a stretch, never before or after it
    assert f" {J}" not in out and f"{J} " not in out and not out.endswith(J)


def test_without_openers_only_numbers_are_glued():
    assert _shown("「가나」 70개", Kinsoku("ko-KR", "", "")) == "「가나」 7+0+개"


def _settings(after: str | None, before: str | None, lang: str = "ko-KR") -> bytes:
    root = etree.Element(W + "settings", nsmap={"w": W[1:-1]})
    for tag, value in (("noLineBreaksAfter", after), ("noLineBreaksBefore", before)):
        if value is not None:
            el = etree.SubElement(root, W + tag)
            el.set(W + "lang", lang)
            el.set(W + "val", value)
    return etree.tostring(root)


def test_kinsoku_reads_the_korean_lists_of_the_settings():
    assert kinsoku(_settings("「(", "」)")) == Kinsoku("ko-KR", "「(", "」)")
    assert kinsoku(_settings("「(", None)) == Kinsoku("ko-KR", "「(", "")
    assert kinsoku(_settings("「(", "」)", lang="ja-JP")) is None
    assert kinsoku(_settings(None, None)) is None
    assert kinsoku(None) is None


def test_the_worker_gets_the_lists_with_the_joiner_in_both():
    command = Kinsoku("ko-KR", "「", "」").as_command()
    assert command == {"language": "ko-KR", "end": "「" + J, "start": "」" + J}


@pytest.fixture(scope="module")
def pledge_docx() -> bytes:
    rs = load_records(ROOT / "records")
    assert rs.settings is not None
    report = report_view(rs.pledges, Period.parse("2022H1"), rs.settings)
    writer = DocxWriter.from_directory(ROOT / "templates")
    view = next(v for v in report.pledges if v.id == "1-4-5")
    content = writer.pledge_content(view, report, 1)
    return writer.pledge_document(view, report, 1, content)


def _paragraph_texts(data: bytes) -> list[str]:
    root = etree.fromstring(read_package(data)["word/document.xml"])
    return ["".join(t.text or "" for t in p.iter(W + "t")) for p in root.iter(W + "p")]


def test_the_shipped_templates_give_lists_and_the_copy_differs_only_by_joiners(pledge_docx):
    copy, rules = glued_docx(pledge_docx)
    assert rules is not None
    assert "「" in rules.not_at_end and "(" in rules.not_at_end
    assert "」" in rules.not_at_start and ")" in rules.not_at_start
    before, after = _paragraph_texts(pledge_docx), _paragraph_texts(copy)
    assert [t.replace(J, "") for t in after] == before
    joined = [t for t in after if J in t]
    for stretch in ("킨텍스 70개사 현장면접", "(11월20일,22일)", "5.16."):
        assert any(glue(stretch, rules) in t for t in joined), stretch
    # a paragraph of figures only (a money table's cell) is left alone
    figures = [i for i, t in enumerate(before) if re.fullmatch(r"[\d,]+( \([\d,]+\))?", t)]
    assert "1,904" in [before[i] for i in figures]
    assert all(after[i] == before[i] for i in figures)
    # every other part is the same bytes
    a, b = read_package(pledge_docx), read_package(copy)
    assert a.keys() == b.keys()
    assert [n for n in a if a[n] != b[n]] == ["word/document.xml"]
    # python-docx still reads the copy
    assert docx.Document(io.BytesIO(copy)).paragraphs


def _docx(build) -> bytes:  # type: ignore[no-untyped-def]
    document = docx.Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _with_settings(data: bytes, settings: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            blob = settings if info.filename == "word/settings.xml" else zin.read(info)
            zout.writestr(info, blob)
    return out.getvalue()


def test_a_stretch_across_runs_is_glued_and_a_tab_ends_it():
    def build(document):  # type: ignore[no-untyped-def]
        p = document.add_paragraph()
        p.add_run("킨텍스 7").bold = True
        p.add_run("0개사")
        p.add_run().add_tab()
        p.add_run("3회")
        cell = document.add_table(rows=1, cols=1).cell(0, 0)
        cell.paragraphs[0].add_run("「센터")
        cell.paragraphs[0].add_run("」 운영")

    data = _with_settings(_docx(build), _settings("「", "」"))
    copy, _ = glued_docx(data)
    root = etree.fromstring(read_package(copy)["word/document.xml"])
    runs = ["".join(t.text or "" for t in r.iter(W + "t")) for r in root.iter(W + "r")]
    # a joiner may close a run the stretch goes on from; the tab ends the stretch;
    # none after 「 or before 」, which hold by themselves
    assert runs == [f"킨텍스 7{J}", f"0{J}개{J}사", "", f"3{J}회", f"「센{J}터", "」 운영"]


def test_a_document_without_korean_lists_is_converted_as_it_is():
    data = _docx(lambda d: d.add_paragraph("킨텍스 70개사"))
    copy, rules = glued_docx(data)
    assert rules is None and copy is data


def test_field_values_and_hidden_text_are_left_alone():
    """The contents' page numbers are REF fields to hidden copies (reportgen.formats.pdfbooklet):
    a joiner in either would reach the link text the booklet's PDF is matched by."""

    def build(document):  # type: ignore[no-untyped-def]
        p = document.add_paragraph()
        p.add_run("1-4-5 일자리 12개 ")
        for kind, text in (("begin", None), (None, " REF _rg_1 \\h "), ("separate", None)):
            run = p.add_run()
            if kind:
                el = etree.SubElement(run._r, W + "fldChar")
                el.set(W + "fldCharType", kind)
            else:
                el = etree.SubElement(run._r, W + "instrText")
                el.text = text
        p.add_run("12")
        etree.SubElement(p.add_run()._r, W + "fldChar").set(W + "fldCharType", "end")
        hidden = p.add_run("345")
        hidden.font.hidden = True

    copy, _ = glued_docx(_with_settings(_docx(build), _settings("「", "」")))
    root = etree.fromstring(read_package(copy)["word/document.xml"])
    texts = [t.text for t in root.iter(W + "t")]
    assert texts == [J.join("1-4-5") + f" 일자리 1{J}2{J}개 ", "12", "345"]
