"""Cutting the booklet's DOCX into parts (pdfbooklet.cut_booklet): what may be cut, what may not.

No LibreOffice here: the cut is read back as XML. A booklet whose pages
depend on others (automatic numbering, footnotes, fields counting or
referring elsewhere, a section break inside) must be refused, so that the
PDF writer converts it whole.
"""

from __future__ import annotations

import io
import zipfile

import pytest
from lxml import etree

from reportgen.formats.pdfbooklet import PART_BYTES, cut_booklet

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
SECT = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>'
STYLES = (
    f'<w:styles xmlns:w="{W_NS}">'
    '<w:style w:type="paragraph" w:styleId="Plain"><w:name w:val="Plain"/></w:style>'
    '<w:style w:type="paragraph" w:styleId="Listed"><w:name w:val="Listed"/>'
    '<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:style>'
    "</w:styles>"
)


def _pledge(n: int, inside: str = "") -> str:
    return (
        f'<w:p><w:bookmarkStart w:id="{n}" w:name="pledge_{n}"/><w:bookmarkEnd w:id="{n}"/>'
        f"<w:r><w:t>공약 {n}</w:t></w:r></w:p>"
        f"<w:p>{inside}<w:r><w:t>추진실적 {n} &amp; &lt;계획&gt;</w:t></w:r></w:p>"
    )


def _booklet(pledges: list[str], front: str = "<w:p><w:r><w:t>표지</w:t></w:r></w:p>") -> bytes:
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:document xmlns:w="{W_NS}"><w:body>{front}{"".join(pledges)}{SECT}</w:body>'
        "</w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", document)
        z.writestr("word/styles.xml", STYLES)
    return out.getvalue()


def _texts(docx: bytes) -> list[str]:
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(docx)).read("word/document.xml"))
    return [t.text or "" for t in root.iter(f"{W}t")]


ANCHORS = [f"pledge_{n}" for n in range(1, 4)]


def test_a_plain_booklet_is_cut_into_the_front_matter_and_parts_of_whole_pledges() -> None:
    data = _booklet([_pledge(n) for n in range(1, 4)])
    cut = cut_booklet(data, ANCHORS, part_bytes=1)  # a part a pledge
    assert cut is not None
    assert [p.anchors for p in cut.parts] == [[a] for a in ANCHORS]
    assert _texts(cut.parts[1].docx) == ["공약 2", "추진실적 2 & <계획>"]
    assert "표지" not in "".join(_texts(cut.parts[0].docx))
    assert _texts(cut.front(None)) == ["표지"]
    together = cut_booklet(data, ANCHORS, part_bytes=PART_BYTES)
    assert together is not None and [p.anchors for p in together.parts] == [ANCHORS]


@pytest.mark.parametrize(
    ("inside", "why"),
    [
        ('<w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr>', "automatic numbering"),
        ('<w:pPr><w:pStyle w:val="Listed"/></w:pPr>', "a style with automatic numbering"),
        ('<w:r><w:footnoteReference w:id="1"/></w:r>', "a footnote"),
        ('<w:pPr><w:sectPr><w:type w:val="nextPage"/></w:sectPr></w:pPr>', "a section break"),
        ('<w:fldSimple w:instr=" NUMPAGES "/>', "a field counting pages"),
        ('<w:r><w:instrText xml:space="preserve"> SEQ 표 </w:instrText></w:r>', "a sequence"),
        ('<w:r><w:instrText xml:space="preserve"> REF _x </w:instrText></w:r>', "a reference"),
    ],
)
def test_a_pledge_whose_pages_depend_on_others_makes_the_booklet_uncuttable(
    inside: str, why: str
) -> None:
    pledges = [_pledge(1), _pledge(2, inside), _pledge(3)]
    assert cut_booklet(_booklet(pledges), ANCHORS) is None, why


def test_what_depends_on_others_in_the_front_matter_does_not_stop_the_cut() -> None:
    front = (
        '<w:p><w:pPr><w:pStyle w:val="Listed"/></w:pPr><w:r><w:t>차례</w:t></w:r></w:p>'
        '<w:p><w:pPr><w:numPr><w:numId w:val="1"/></w:numPr></w:pPr></w:p>'
    )
    cut = cut_booklet(_booklet([_pledge(n) for n in range(1, 4)], front), ANCHORS)
    assert cut is not None and _texts(cut.front(None)) == ["차례"]


def test_a_page_field_in_a_pledge_is_cut() -> None:
    pledges = [_pledge(1), _pledge(2, '<w:fldSimple w:instr=" PAGE "/>'), _pledge(3)]
    assert cut_booklet(_booklet(pledges), ANCHORS) is not None


@pytest.mark.parametrize(
    "anchors",
    [
        ["pledge_2", "pledge_1", "pledge_3"],  # out of order
        ["pledge_1", "pledge_2", "pledge_3", "pledge_4"],  # one missing from the booklet
    ],
)
def test_bookmarks_out_of_order_or_missing_make_it_uncuttable(anchors: list[str]) -> None:
    assert cut_booklet(_booklet([_pledge(n) for n in range(1, 4)]), anchors) is None


def test_two_pledges_starting_in_one_element_make_it_uncuttable() -> None:
    both = (
        '<w:p><w:bookmarkStart w:id="2" w:name="pledge_2"/><w:bookmarkEnd w:id="2"/>'
        '<w:bookmarkStart w:id="3" w:name="pledge_3"/><w:bookmarkEnd w:id="3"/></w:p>'
    )
    assert cut_booklet(_booklet([_pledge(1), both]), ANCHORS) is None
