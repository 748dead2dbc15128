"""One report view, many writers (issue 13): every format shows the same figures.

The view is computed once and each writer only lays it out, so a figure can
differ between formats only through a writer's bug. Each pledge's printed
money cells, 성과지표 and 공약 조정 are read back from the DOCX (python-docx),
the HWPX (a plain XML walk of its sections), the website (its HTML text) and
the workbook (openpyxl, cached values), for Goyang and two other cities.
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from click.testing import CliRunner
from docx import Document
from lxml import etree

from reportgen.build import template_files
from reportgen.cli import main
from reportgen.formats.site import pledge_paths
from reportgen.formats.writers import DEFAULT_FORMATS, WRITERS, booklet_name, pledge_file
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.records.validate import latest_period
from reportgen.report.view import PledgeView, report_view

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

ROOT = Path(__file__).resolve().parent.parent
CITIES = {
    "goyang": ROOT / "records",
    "gun": ROOT / "examples" / "gun",
    "gu": ROOT / "examples" / "gu",
}


def test_every_format_is_one_registered_writer() -> None:
    assert set(WRITERS) == {"docx", "xlsx", "hwpx", "pdf", "html"}
    assert set(DEFAULT_FORMATS) <= set(WRITERS)
    for name, writer in WRITERS.items():
        assert writer.name == name
        for template in writer.templates:
            assert (ROOT / "templates" / template).is_file(), template
    assert template_files(["docx", "hwpx"]) == ("pledge.docx", "booklet.docx", "report.hwpx")


@pytest.fixture(scope="module", params=sorted(CITIES))
def built(request, tmp_path_factory):
    records_dir = CITIES[request.param]
    records = load_records(records_dir)
    period = latest_period(records)
    assert period is not None and records.settings is not None
    out = tmp_path_factory.mktemp(request.param) / "out"
    result = CliRunner().invoke(
        main,
        [
            "build",
            str(period),
            "--records",
            str(records_dir),
            "--out",
            str(out),
            "--hwpx",
            "--site",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    report = report_view(records.pledges, period, records.settings)
    return out, report


def _docx_text(data: bytes) -> str:
    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


def _hwpx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = sorted(n for n in zf.namelist() if re.fullmatch(r"Contents/section\d+\.xml", n))
        texts = []
        for name in names:
            root = etree.fromstring(zf.read(name))
            for p in root.iter("{*}p"):
                texts.append("".join(t.text or "" for t in p.iter("{*}t")))
    return "\n".join(texts)


def _html_text(data: bytes) -> str:
    text = re.sub(r"<[^>]+>", " ", data.decode("utf-8"))
    return re.sub(r"\s+", " ", html.unescape(text))


def _printed(view: PledgeView) -> list[str]:
    """Everything figure-like the view prints for a pledge: each writer must show it."""
    out = []
    for table in view.money_tables:
        for row in (table.grand_total, *table.rows):
            out.extend(cell.text for cell in (row.total, *row.cells) if cell.text)
        out.extend(table.column_labels)
    for ind in view.indicators:
        out += [ind.name, ind.target_text, ind.result_text, ind.rate_text]
    for adj in view.adjustments:
        out += [adj.heading, *(line.text for line in adj.lines)]
    if view.progress_rate_text:
        out.append(view.progress_rate_text)
    return [t for t in out if t]


def _workbook_numbers(data: bytes, view: PledgeView) -> set[Decimal]:
    book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    for sheet in book.worksheets:
        if str(sheet["A1"].value or "").startswith(f"{view.id} "):
            return {
                Decimal(str(v))
                for row in sheet.iter_rows(values_only=True)
                for v in row
                if isinstance(v, (int, float)) and not isinstance(v, bool)
            }
    raise AssertionError(f"no sheet of {view.id} in the workbook")


def test_every_format_shows_the_views_figures(built) -> None:
    out, report = built
    html_paths = pledge_paths(v.id for v in report.pledges)
    workbook = next(out.glob("*.xlsx")).read_bytes()
    for view in report.pledges:
        docx = _docx_text((out / pledge_file(view, "docx")).read_bytes())
        hwpx = _hwpx_text((out / pledge_file(view, "hwpx")).read_bytes())
        html = _html_text((out / html_paths[view.id]).read_bytes())
        for text in _printed(view):
            assert text in docx, (view.id, "docx", text)
            assert text in hwpx, (view.id, "hwpx", text)
            assert text in html, (view.id, "html", text)
        if view.non_budget or not view.plan_table.recorded:
            continue
        numbers = _workbook_numbers(workbook, view)
        for table in view.money_tables:
            for row in (table.grand_total, *table.rows):
                for cell in (row.total, *row.cells):
                    for figure in (cell.amount, cell.executed):
                        if figure is not None:
                            assert figure in numbers, (view.id, table.title, row.label, figure)


def test_the_booklets_show_every_pledge(built) -> None:
    out, report = built
    docx = _docx_text((out / booklet_name(report)).read_bytes())
    hwpx = _hwpx_text((out / booklet_name(report, "hwpx")).read_bytes())
    index = _html_text((out / "index.html").read_bytes())
    for line in report.summary_lines:
        for text in (docx, hwpx, index):
            assert line.lstrip("○ ") in text, line
    for view in report.pledges:
        for text in (docx, hwpx, index):
            assert view.title in text, view.id


def test_the_site_links_to_the_files_of_its_build(built) -> None:
    out, report = built
    for view in report.pledges:
        page = (out / pledge_paths([view.id])[view.id]).read_text("utf-8")
        targets = {unquote(h) for h in re.findall(r'href="([^"#]+)"', page)}
        for kind in ("docx", "hwpx"):
            assert (out / pledge_file(view, kind)).is_file()
            assert f"../{pledge_file(view, kind)}" in targets, (view.id, kind)


def test_a_rebuild_with_the_same_formats_is_up_to_date(built) -> None:
    out, report = built
    records_dir = next(d for d in CITIES.values() if load_records(d).settings.city == report.city)
    args = ["build", report.period, "--records", str(records_dir), "--out", str(out)]
    again = CliRunner().invoke(main, [*args, "--hwpx", "--site"])
    assert again.exit_code == 0 and "up to date" in again.output, again.output
    check = CliRunner().invoke(main, [*args, "--check"])
    assert check.exit_code == 0, check.output
    fewer = CliRunner().invoke(main, [*args, "-q"])  # without --hwpx and --site: rebuilt
    assert fewer.exit_code == 0, fewer.output
    assert not list(out.rglob("*.hwpx")) and not (out / "index.html").exists()


def test_publish_writes_the_site_with_its_downloads(tmp_path: Path) -> None:
    out = tmp_path / "public"
    result = CliRunner().invoke(
        main, ["publish", "--records", str(CITIES["gu"]), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file() and (out / "changes.html").is_file()
    assert list((out / "공약별").glob("*.docx"))
    assert "2024H1" in result.output  # the newest period the records report


def test_a_city_listing_no_contacts_gets_no_contact_frame_in_any_format(make_pledge) -> None:
    """송파 prints 소관부서 only: DOCX (tested with the DOCX), HWPX and the website agree."""
    from reportgen.formats.hwpx import pledge_hwpx
    from reportgen.formats.site import build_site
    from reportgen.records.model import Pledge, ReportSettings
    from reportgen.report.view import report_info

    settings = ReportSettings.model_validate(
        {
            "city": "누리구",
            "term": {"name": "민선7기", "start": "2018H2", "end": "2022H1"},
            "contact_roles": [],
        }
    )
    period = Period.parse("2022H1")
    report = report_view([Pledge.model_validate(make_pledge())], period, settings)
    (view,) = report.pledges
    assert not view.lists_contacts and view.contacts == ()
    hwpx = _hwpx_text(pledge_hwpx(view, report_info(period, settings)))
    assert "소관부서" in hwpx and "연락처" not in hwpx and "(기록 없음)\n" not in hwpx
    site = build_site(report)
    page = _html_text(site[pledge_paths([view.id])[view.id]])
    assert "소관부서" in page or view.department in page
    assert "담당자와 연락처" not in page and "(기록 없음)" not in page
