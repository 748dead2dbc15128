"""The booklet's front matter rendered by top-level piece (reportgen.formats.docx.Pieces):
the same bytes as rendering it whole, pieces seen before taken as they were made, and
anything the quick scan cannot settle left to the whole path and its errors."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reportgen.errors import TemplateError
from reportgen.formats import codecache, ooxml, sandbox
from reportgen.formats.docx import DocxWriter, Pieces, compile_template
from reportgen.formats.pagination import estimate
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import report_view

from .conftest import RECORDS, REPO

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

TEMPLATES = REPO / "templates"


@pytest.fixture
def cache(user_cache: Path) -> Path:
    return user_cache


def _report(department: str | None = None):  # type: ignore[no-untyped-def]
    records = load_records(RECORDS)
    assert records.settings is not None
    pledges = records.pledges
    if department is not None:  # one pledge moved to another department
        pledges = [pledges[0].model_copy(update={"department": department}), *pledges[1:]]
    return report_view(pledges, Period.parse("2022H1"), records.settings)


def _parsing(template, context, known):  # type: ignore[no-untyped-def]
    """The content rendered with ``known``, and the pieces it parsed to make it."""
    parsed: list[bytes] = []
    fit = template._fit_piece

    def counted(piece: bytes) -> tuple[bytes, bool] | None:
        parsed.append(piece)
        return fit(piece)

    template._fit_piece = counted
    try:
        return template.render_content_bytes(context, known), parsed
    finally:
        del template._fit_piece


def test_top_level_pieces_cut_between_elements_or_not_at_all() -> None:
    table = b"<w:tbl><w:tr><w:tc><w:tbl><w:tr/></w:tbl><w:p/></w:tc></w:tr></w:tbl>"
    content = b'<w:p w:rsidR="1"><w:pPr/><w:r><w:t>a</w:t></w:r></w:p>' + table + b"<w:p/>"
    pieces = ooxml.top_level_pieces(content)
    assert pieces == [content[: content.index(b"<w:tbl")], table, b"<w:p/>"]
    assert ooxml.top_level_pieces(b"") == []
    for unsure in (
        b"<w:p/> <w:p/>",  # text between elements
        b"<w:p/><!-- c --><w:p/>",  # a comment
        b"<w:p><w:r>",  # left open
        b"</w:p><w:p>",  # closed first
    ):
        assert ooxml.top_level_pieces(unsure) is None


def test_the_front_matter_by_piece_is_the_whole_renders_byte_for_byte(cache: Path) -> None:
    booklet = compile_template(TEMPLATES / "booklet.docx")
    for department in (None, "새로운부서"):
        report = _report(department)
        context = {"report": report, "pages": estimate(report)}
        whole = booklet.render_content_bytes(context)
        known = Pieces(booklet)
        first = booklet.render_content_bytes(context, known)
        assert first == whole
        known.keep()
        # The next build takes every piece back, parsing nothing.
        again = Pieces(booklet)
        assert set(again.known) == set(known.used) and len(again.known) > 3
        made, parsed = _parsing(booklet, context, again)
        assert made == whole
        assert parsed == []


def test_a_changed_department_parses_only_the_pieces_that_changed(cache: Path) -> None:
    booklet = compile_template(TEMPLATES / "booklet.docx")
    before = _report()
    known = Pieces(booklet)
    booklet.render_content_bytes({"report": before, "pages": estimate(before)}, known)
    known.keep()
    after = _report("새로운부서")
    context = {"report": after, "pages": estimate(after)}
    again = Pieces(booklet)
    made, parsed = _parsing(booklet, context, again)
    assert made == booklet.render_content_bytes(context)
    assert parsed and len(parsed) < len(again.used) / 2  # the department table, not the 목차
    assert "새로운부서".encode() in b"".join(parsed)


def _with_source(template, source: str):  # type: ignore[no-untyped-def]
    code = sandbox.compile_code(source, template.path)
    return dataclasses.replace(template, content=sandbox.from_code(code), source=source, code=code)


def test_what_a_scan_cannot_settle_goes_the_whole_way_and_its_errors_with_it(
    cache: Path,
) -> None:
    booklet = compile_template(TEMPLATES / "booklet.docx")
    context = {"report": _report(), "pages": {}}
    # A ">" in an attribute value: the scan cuts the paragraph short; that piece
    # does not parse alone, so the content is taken whole, as it is.
    odd = _with_source(booklet, '<w:p w:rsidR="/>"><w:r/></w:p><w:p/>')
    known = Pieces(odd)
    assert odd.render_content_bytes(context, known) == odd.render_content_bytes(context)
    assert known.used == {}
    # Broken content: the same error as without pieces.
    broken = _with_source(booklet, "<w:p/><w:p><w:r></w:p>")
    for pieces in (None, Pieces(broken)):
        with pytest.raises(TemplateError, match="broken document"):
            broken.render_content_bytes(context, pieces)


def test_a_booklet_rebuilt_with_pieces_kept_is_the_cold_booklet(cache: Path) -> None:
    writer = DocxWriter.from_directory(TEMPLATES)
    report = _report("새로운부서")
    segments = [
        ooxml.deflate_segment(writer.pledge_content(view, report, n))
        for n, view in enumerate(report.pledges, start=1)
    ]
    first, spans = writer.booklet_segments(report, segments)
    again, spans_again = writer.booklet_segments(report, segments)  # every piece known now
    assert again == first and spans_again == spans


def test_a_pledge_laid_out_again_by_piece_is_its_whole_render(cache: Path) -> None:
    writer = DocxWriter.from_directory(TEMPLATES)
    before, after = _report(), _report("새로운부서")
    known = Pieces(writer.pledge)
    for number, view in enumerate(before.pledges, start=1):
        whole = writer.pledge_content(view, before, number)
        writer.pledge_pieces = known
        assert writer.pledge_content(view, before, number) == whole
        writer.pledge_pieces = None
    known.keep()
    again = Pieces(writer.pledge)
    view = after.pledges[0]
    context = {"p": view, "report": after, "p_number": 1}
    made, parsed = _parsing(writer.pledge, context, again)
    assert made == writer.pledge_content(view, after, 1)
    # Only what shows the department was parsed again.
    assert parsed and len(parsed) < len(again.used) and "새로운부서".encode() in b"".join(parsed)


def test_a_large_piece_is_kept_once_in_an_entry_of_its_own(
    cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(Pieces, "LARGE", 4096)  # the sample's 목차 is a few pledges'
    booklet = compile_template(TEMPLATES / "booklet.docx")
    report = _report()
    context = {"report": report, "pages": estimate(report)}
    known = Pieces(booklet)
    whole = booklet.render_content_bytes(context, known)
    known.keep()
    large = [name for name, (made, _f) in known.used.items() if len(made) >= Pieces.LARGE]
    assert large and len(large) < len(known.used)  # the 목차, not the cover
    index = codecache.load(known.entry)
    assert all(index[name][0] is None for name in large)
    assert all(codecache.load(known._large(name)) == known.used[name][0] for name in large)
    # Taken back whole, parsing nothing; once its entry is gone, made and kept again.
    made, parsed = _parsing(booklet, context, Pieces(booklet))
    assert made == whole and parsed == []
    for name in large:
        (cache / f"{known._large(name)}.bin").unlink()
    again = Pieces(booklet)
    made, parsed = _parsing(booklet, context, again)
    assert made == whole and len(parsed) == len(large)
    again.keep()
    assert all(codecache.load(known._large(name)) is not None for name in large)
