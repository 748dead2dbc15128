"""The 목차's page numbers are stored as numbers (issue 23): never "-".

Without PDFs the booklets store :func:`reportgen.formats.pagination.estimate`; with
them, LibreOffice's pages (tests/test_pdf.py checks those against the PDF), which
``render_report(pages=…)`` and :func:`reportgen.formats.docx.with_page_numbers` put in.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from reportgen.build import render_report
from reportgen.formats.docx import with_page_numbers
from reportgen.formats.pagination import estimate
from reportgen.formats.writers import booklet_name
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import ReportView, report_view

from .conftest import RECORDS, REPO

HP = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
CITIES = {"goyang": RECORDS, "gun": REPO / "examples" / "gun", "gu": REPO / "examples" / "gu"}
# What LibreOffice lays out (tests/test_pdf.py and by hand with --pdf): the
# estimate is held to it for the shipped examples.
LIBREOFFICE = {
    "goyang": [4, 7],
    "gun": [4, 6, 8, 9, 11, 13],
    "gu": [4, 6, 8, 9, 11, 13],
}


def _report(name: str) -> tuple[ReportView, Path]:
    records = load_records(CITIES[name])
    assert records.settings is not None
    period = max(p for pledge in records.pledges for p in pledge.reports if not p.is_year)
    return report_view(records.pledges, period, records.settings), CITIES[name]


def docx_contents(data: bytes) -> list[str]:
    tables = docx.Document(io.BytesIO(data)).tables
    contents = next(t for t in tables if [c.text for c in t.rows[0].cells][-1] == "쪽")
    return [
        row.cells[-1].text for row in contents.rows[1:] if row.cells[0].text != row.cells[-1].text
    ]


def hwpx_contents(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        section = etree.fromstring(z.read("Contents/section0.xml"))

    def text(element: etree._Element) -> str:
        return "".join("".join(t.itertext()) for t in element.iter(f"{HP}t")).strip()

    table = next(t for t in section.iter(f"{HP}tbl") if text(t.find(f"{HP}tr")).endswith("쪽"))
    rows = [[text(tc) for tc in tr.findall(f"{HP}tc")] for tr in table.findall(f"{HP}tr")[1:]]
    return [cells[2] for cells in rows if len(cells) == 3]


@pytest.mark.parametrize("name", sorted(CITIES))
def test_the_estimate_is_where_libreoffice_starts_each_pledge(name: str) -> None:
    report, _ = _report(name)
    assert list(estimate(report).values()) == LIBREOFFICE[name]


@pytest.mark.parametrize("name", sorted(CITIES))
def test_booklets_store_the_estimate_or_the_pages_they_are_given(name: str) -> None:
    report, records = _report(name)
    period = report.period
    templates = REPO / "templates"
    built = render_report(Period.parse(period), records, templates, formats=("docx", "hwpx"))
    expected = [str(n) for n in estimate(report).values()]
    assert docx_contents(built.files[booklet_name(report, "docx")]) == expected
    assert hwpx_contents(built.files[booklet_name(report, "hwpx")]) == expected
    given = {v.anchor: 100 + i for i, v in enumerate(report.pledges)}
    built = render_report(
        Period.parse(period), records, templates, formats=("docx", "hwpx"), pages=given
    )
    expected = [str(n) for n in given.values()]
    assert docx_contents(built.files[booklet_name(report, "docx")]) == expected
    assert hwpx_contents(built.files[booklet_name(report, "hwpx")]) == expected


def test_with_page_numbers_changes_the_field_results_only() -> None:
    report, records = _report("gun")
    built = render_report(Period.parse(report.period), records, REPO / "templates")
    booklet = built.files[booklet_name(report, "docx")]
    pages = {v.anchor: 40 + i for i, v in enumerate(report.pledges)}
    stamped = with_page_numbers(booklet, pages)
    assert docx_contents(stamped) == [str(n) for n in pages.values()]
    before = docx.Document(io.BytesIO(booklet))
    after = docx.Document(io.BytesIO(stamped))
    assert [p.text for p in before.paragraphs] == [p.text for p in after.paragraphs]
    assert len(before.tables) == len(after.tables)


def test_text_width_is_the_sum_of_each_characters_advance_in_order() -> None:
    """The memoized lookup adds the same floats in the same order as measuring each character."""
    import unicodedata

    from reportgen.formats import pagination

    for text in ("", "가", "공약 1-4-5 (20,609)", "①Ａa ·○□-", "漢字 mixed ｶﾅ " * 7):
        ems = sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.55 for ch in text)
        assert pagination.text_width(text, 11.5) == ems * 11.5 * pagination.CM_PER_PT
