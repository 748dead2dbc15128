"""The HWPX writer: valid packages, every text and figure of the view, merges, same bytes.

Read back two ways: python-hwpx's own text extraction, and a plain lxml walk
of ``Contents/section*.xml`` (each paragraph's ``hp:t`` text), so a defect in
one reader cannot hide a lost figure.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hwpx import HwpxDocument
from hwpx.tools.package_validator import validate_editor_open_safety, validate_package
from hwpx.tools.text_extractor import TextExtractor
from lxml import etree

from reportgen.errors import TemplateError
from reportgen.formats import hwpx as writer
from reportgen.formats.docx import DocxWriter
from reportgen.formats.hwpx import booklet_hwpx, pledge_hwpx
from reportgen.formats.hwpxml import HH, HP
from reportgen.records.load import load_records
from reportgen.records.model import Pledge, ReportSettings
from reportgen.records.periods import Period
from reportgen.report.view import NON_BUDGET, Line, PledgeView, ReportView, report_info, report_view

from .conftest import RECORDS, REPO, make_pledge

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

TEMPLATES = REPO / "templates"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
# The one finding python-hwpx reports on its own new documents (its skeleton's
# content.hpf lists no version part); a warning, not an error.
KNOWN_WARNING = "manifest does not reference a version part"


# ---------------------------------------------------------------------------
# The reports under test


def shipped_report() -> ReportView:
    records = load_records(RECORDS)
    assert records.settings is not None
    return report_view(records.pledges, Period.parse("2022H1"), records.settings)


def other_city() -> ReportView:
    """A 광역시 구 of 민선8기: merged year columns, 국비/시비/구비/민자, 분야, one 담당자,
    추진율 and 성과지표, and a pledge 폐기 by adjustment."""
    settings = ReportSettings.model_validate(
        {
            "city": "가나구",
            "term": {"name": "민선8기", "start": "2022H2", "end": "2026H1"},
            "funding_sources": ["국비", "시비", "구비", "민자"],
            "columns": [
                {"years": "기투자"},
                {"years": "2022~2023", "label": "2022~2023"},
                {"years": "2024"},
                {"years": "2025"},
                {"years": "2026"},
                {"years": "임기후"},
            ],
            "groups": [
                {"key": "1", "name": "안전한 도시"},
                {"key": "2", "name": "따뜻한 복지"},
            ],
            "contact_roles": [{"key": "officer", "label": "담당자"}],
            "progress_rate": True,
            "adjustment_kinds": ["폐기", "보류", "변경", "통폐합"],
        }
    )
    reports = {
        "2024H1": {
            "status": "정상추진",
            "progress_rate": 64,
            "contacts": {"officer": {"name": "라담당", "phone": "042-000-1234"}},
            "participation": {"meetings": 3, "press": 12},
            "problems": {"general": [{"text": "민간 투자 유치 지연"}]},
            "budget": {
                "plan": [
                    {
                        "name": "안심골목길 조성",
                        "sources": {
                            "국비": {"2022": 100, "2023": 150, "2024": 200},
                            "구비": {"2023": 75, "2025": 80},
                        },
                    },
                    {
                        "name": "스마트 보안등 설치",
                        "sources": {"시비": {"2024": 33}, "민자": {"2025": 1920, "임기후": 500}},
                    },
                ],
                "secured": [
                    {
                        "name": "안심골목길 조성",
                        "sources": {
                            "국비": {
                                "2022": {"secured": 100, "executed": 90},
                                "2024": {"secured": 200},
                            },
                            "구비": {"2023": {"secured": 75, "executed": 75}},
                        },
                    }
                ],
            },
        }
    }
    safe = make_pledge(
        "1-1",
        title="안심 골목길 만들기",
        department="안전총괄과",
        achievements=[
            {"period": "2023H2", "entries": [{"text": "골목길 CCTV 120대 설치"}]},
            {"period": "2022H2", "entries": [{"text": "기본계획 수립"}]},
        ],
        plans=[{"period": "2024H1", "entries": [{"text": "보안등 300개 교체"}]}],
        indicators=[
            {
                "name": "안심골목길 조성",
                "unit": "개소",
                "target": 40,
                "results": {"2023H2": 12, "2024H1": 25},
            }
        ],
        reports=reports,
    )
    dropped = make_pledge(
        "2-1",
        title="구립 복합문화센터 건립",
        department="문화체육과",
        non_budget=True,
        achievements=[{"period": "2023H2", "entries": [{"text": "부지 검토"}]}],
        plans=[],
        adjustments=[
            {
                "kind": "폐기",
                "period": "2024H1",
                "date": "2024-03-15",
                "reason": "국비 공모 탈락으로 재원 확보 불가",
                "decided_by": "공약이행평가단 심의",
            }
        ],
        reports={
            "2024H1": {
                "status": "폐기",
                "contacts": {"officer": {"name": "마담당", "phone": "042-000-5678"}},
                "problems": {"general": [{"text": "재원 부족"}]},
            }
        },
    )
    pledges = [Pledge.model_validate(p) for p in (safe, dropped)]
    return report_view(pledges, Period.parse("2024H1"), settings)


@pytest.fixture(scope="module")
def shipped() -> ReportView:
    return shipped_report()


@pytest.fixture(scope="module")
def other() -> ReportView:
    return other_city()


def files(report: ReportView) -> Iterator[tuple[str, bytes, tuple[PledgeView, ...]]]:
    info = report_info(Period.parse(report.period), settings_of(report))
    for view in report.pledges:
        yield view.id, pledge_hwpx(view, info), (view,)
    yield "booklet", booklet_hwpx(report), report.pledges


def settings_of(report: ReportView) -> ReportSettings:
    # report_info needs only the city, title, term and columns, which the view carries.
    if report.city == "가나구":
        return ReportSettings.model_validate(
            {"city": report.city, "term": {"name": "민선8기", "start": "2022H2", "end": "2026H1"}}
        )
    records = load_records(RECORDS)
    assert records.settings is not None
    return records.settings


# ---------------------------------------------------------------------------
# Reading a file back


def section_roots(data: bytes) -> list[etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        names = sorted(n for n in zf.namelist() if re.fullmatch(r"Contents/section\d+\.xml", n))
        assert names, "no section part"
        return [etree.fromstring(zf.read(n)) for n in names]


def lxml_paragraphs(data: bytes) -> list[str]:
    """Every paragraph's text (its own hp:t, not those of nested paragraphs), in order."""
    out = []
    for root in section_roots(data):
        for p in root.iter(f"{HP}p"):
            texts = [
                t.text or ""
                for t in p.iter(f"{HP}t")
                if next(t.iterancestors(f"{HP}p")) is p and t.text
            ]
            out.append("".join(texts).strip())
    return out


def library_lines(data: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf, TextExtractor(zf) as extractor:
        return [s.strip() for s in extractor.extract_text().splitlines()]


def printed_line(line: Line) -> str:
    return line.text if line.placeholder else f"{line.symbol} {line.text}"


def expected_texts(view: PledgeView) -> list[str]:
    """Every text the pledge's pages must show, each as one paragraph."""
    out = [view.id, view.title, view.department, view.status]
    for c in view.contacts:
        out += [c.role, c.name, c.phone]
    for row in view.progress:
        out += [row.title, row.note, *(printed_line(line) for line in row.lines)]
    for cell in view.participation or ():
        out += [cell.heading, cell.text]
    for ind in view.indicators:
        out += [ind.name, ind.unit, ind.target_text, ind.result_text, ind.rate_text]
    for adj in view.adjustments:
        out += [adj.heading, *(printed_line(line) for line in adj.lines)]
    out.append(view.progress_rate_text)
    for table in view.money_tables:
        out += [f"□ {table.title}", table.unit, *table.column_labels]
        out += [f"※ {note}" for note in table.notes]
        for money in (table.grand_total, *table.rows):
            out += [money.name, money.label, money.total.text, *(c.text for c in money.cells)]
        if table.non_budget:
            out.append(NON_BUDGET)
    for heading, lines in view.problems.sections:
        if heading:
            out.append(f"○ {heading}")
        out += [printed_line(line) for line in lines]
    return [t for t in out if t]


# ---------------------------------------------------------------------------
# Tests


def test_the_library_validates_every_file(shipped: ReportView, other: ReportView) -> None:
    seen = 0
    for report in (shipped, other):
        for name, data, _ in files(report):
            package = validate_package(data)
            assert package.ok, (name, package.errors)
            assert all(KNOWN_WARNING in w.message for w in package.warnings), (
                name,
                package.warnings,
            )
            schema = HwpxDocument.open(data).validate()
            assert schema.issues == (), (name, schema.issues)
            safety = validate_editor_open_safety(data)
            assert safety.ok and safety.reopen_ok, (name, safety)
            seen += 1
    assert seen == len(shipped.pledges) + len(other.pledges) + 2


@pytest.mark.parametrize("which", ["shipped", "other"])
def test_every_text_and_figure_reads_back_both_ways(which: str, request) -> None:
    report: ReportView = request.getfixturevalue(which)
    if which == "shipped":
        assert {v.id for v in report.pledges} >= {"1-4-5", "1-4-3"}
    else:
        assert any(v.withdrawn for v in report.pledges)
        assert "구비" in report.funding_sources and "2022~2023" in report.column_labels
    for name, data, views in files(report):
        walked = lxml_paragraphs(data)
        extracted = library_lines(data)
        for view in views:
            for text in expected_texts(view):
                assert text in walked, (name, view.id, text)
                assert text in extracted, (name, view.id, text)


def test_seed_figures_are_printed(shipped: ReportView) -> None:
    """FORM.md §4: 1-4-5's 8,291 total, the '19 column's 1,735 and the block's 1,578 / 6,671."""
    view = next(v for v in shipped.pledges if v.id == "1-4-5")
    info = report_info(Period.parse("2022H1"), settings_of(shipped))
    walked = lxml_paragraphs(pledge_hwpx(view, info))
    for figure in ("8,291", "1,735", "1,578", "6,671", "279 (278)", "42회"):
        assert figure in walked, figure
    non_budget = next(v for v in shipped.pledges if v.id == "1-4-3")
    walked = lxml_paragraphs(pledge_hwpx(non_budget, info))
    assert walked.count(NON_BUDGET) == 2  # 투자계획 and 확보(집행)액


def money_tables_of(data: bytes) -> list[etree._Element]:
    out = []
    for root in section_roots(data):
        for tbl in root.iter(f"{HP}tbl"):
            first = tbl.find(f"{HP}tr/{HP}tc")
            if first is not None and "".join(first.itertext()).strip() == "공약사업명":
                out.append(tbl)
    return out


def name_column(tbl: etree._Element) -> list[int | None]:
    """Per row: the rowSpan of the cell in column 0, or None where a span above covers it."""
    out: list[int | None] = []
    for tr in tbl.findall(f"{HP}tr"):
        first = next(
            (tc for tc in tr.findall(f"{HP}tc") if tc.find(f"{HP}cellAddr").get("colAddr") == "0"),
            None,
        )
        out.append(None if first is None else int(first.find(f"{HP}cellSpan").get("rowSpan")))
    return out


def test_money_merges_follow_the_blocks(shipped: ReportView, other: ReportView) -> None:
    checked = 0
    for report in (shipped, other):
        for name, data, views in files(report):
            tables = [t for v in views for t in v.money_tables]
            found = money_tables_of(data)
            assert len(found) == len(tables), name
            for table, tbl in zip(tables, found, strict=True):
                spans = name_column(tbl)
                if table.non_budget:
                    # the pledge's title down the 계 row and every source row
                    assert spans == [1, 1 + len(table.rows)] + [None] * len(table.rows)
                    continue
                expected: list[int | None] = [1, 1]  # heading row, 계 row
                for row in table.rows:
                    expected.append(
                        row.block_rows
                        if row.merge == "restart"
                        else None
                        if row.merge == "continue"
                        else 1
                    )
                assert spans == expected, (name, table.title)
                checked += 1
    assert checked >= 4  # 1-4-5's two tables and the other city's two


def docx_name_merges(data: bytes) -> list[list[str]]:
    """Per money table of a DOCX: each row's vMerge on its first cell (restart/continue/'')."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        root = etree.fromstring(zf.read("word/document.xml"))
    out = []
    for tbl in root.iter(f"{W}tbl"):
        rows = tbl.findall(f"{W}tr")
        if "".join(rows[0].find(f"{W}tc").itertext()).strip() != "공약사업명":
            continue
        marks = []
        for tr in rows:
            vm = tr.find(f"{W}tc/{W}tcPr/{W}vMerge")
            marks.append("" if vm is None else vm.get(f"{W}val", "continue"))
        out.append(marks)
    return out


def test_merges_are_where_the_docx_has_them(shipped: ReportView) -> None:
    docx = DocxWriter.from_directory(TEMPLATES)
    info = report_info(Period.parse("2022H1"), settings_of(shipped))
    view = next(v for v in shipped.pledges if v.id == "1-4-5")
    content = docx.pledge_content(view, info, 1)
    docx_tables = docx_name_merges(docx.pledge_document(view, info, 1, content))
    hwpx_tables = [name_column(t) for t in money_tables_of(pledge_hwpx(view, info))]
    assert len(docx_tables) == len(hwpx_tables) == 2
    for marks, spans in zip(docx_tables, hwpx_tables, strict=True):
        assert len(marks) == len(spans)
        for i, (mark, span) in enumerate(zip(marks, spans, strict=True)):
            if mark == "continue":
                assert span is None, i
            elif mark == "restart":
                height = 1
                while i + height < len(marks) and marks[i + height] == "continue":
                    height += 1
                assert span == height, i
            else:
                assert span == 1, i
        assert any(s is not None and s > 1 for s in spans)  # 1-4-5 has a 2-row block


def test_two_renders_are_byte_identical(shipped: ReportView, other: ReportView) -> None:
    first = [data for r in (shipped, other) for _, data, _ in files(r)]
    writer._cached_template.cache_clear()  # and a fresh read of the template
    second = [data for r in (other_city(), shipped_report()) for _, data, _ in files(r)]
    assert first == second[len(other.pledges) + 1 :] + second[: len(other.pledges) + 1]


def test_package_layout(shipped: ReportView) -> None:
    for name, data, _ in files(shipped):
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
        assert infos[0].filename == "mimetype", name
        assert infos[0].compress_type == zipfile.ZIP_STORED
        assert data[30:38] == b"mimetype" and data[38:57] == b"application/hwp+zip"
        for info in infos:
            assert info.date_time == (1980, 1, 1, 0, 0, 0), info.filename
            assert (info.external_attr >> 16) & 0o777 == 0o644, info.filename


def test_pages_fonts_and_breaks(shipped: ReportView) -> None:
    data = booklet_hwpx(shipped)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        header = etree.fromstring(zf.read("Contents/header.xml"))
    fonts = {
        f.get("face"): f.find(f"{HH}substFont")
        for f in header.iter(f"{HH}font")
        if f.getparent().get("lang") == "HANGUL"
    }
    assert fonts["휴먼명조"].get("face") == "함초롬바탕"
    assert fonts["맑은 고딕"].get("face") == "함초롬돋움"
    (root,) = section_roots(data)
    page = root.find(f".//{HP}pagePr")
    assert (page.get("width"), page.get("height")) == ("59528", "84189")  # A4
    margin = page.find(f"{HP}margin")
    assert margin.get("left") == margin.get("right") == "5669"  # 2.0 cm
    assert root.find(f".//{HP}visibility").get("hideFirstFooter") == "1"  # no number on the cover
    assert root.find(f".//{HP}footer//{HP}autoNum").get("numType") == "PAGE"
    # 총괄표, 목차, and each pledge start a new page
    breaks = [p for p in root.findall(f"{HP}p") if p.get("pageBreak") == "1"]
    assert len(breaks) == 2 + len(shipped.pledges)
    # every 목차 page reference points at a pledge's first paragraph
    ids = {p.get("id") for p in root.findall(f"{HP}p")}
    targets = [
        c.text.split(";")[0].lstrip("?#")
        for c in root.iter(f"{HP}stringParam")
        if c.get("name") == "Command"
    ]
    assert len(targets) == len(shipped.pledges) and set(targets) <= ids
    # every paragraph names a style the template defines
    styles = {s.get("id") for s in header.iter(f"{HH}style")}
    assert {p.get("styleIDRef") for p in root.iter(f"{HP}p")} <= styles


def test_a_template_without_a_style_is_refused(tmp_path: Path, shipped: ReportView) -> None:
    with zipfile.ZipFile(TEMPLATES / "report.hwpx") as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    parts["Contents/header.xml"] = parts["Contents/header.xml"].replace(
        'name="섹션제목"'.encode(), 'name="섹션 제목"'.encode()
    )
    broken = tmp_path / "report.hwpx"
    with zipfile.ZipFile(broken, "w") as zf:
        for n, blob in parts.items():
            zf.writestr(n, blob)
    info = report_info(Period.parse("2022H1"), settings_of(shipped))
    with pytest.raises(TemplateError, match="섹션제목"):
        pledge_hwpx(shipped.pledges[0], info, template=broken)


# ---------------------------------------------------------------------------
# Line breaking in Hancom Office, as python-hwpx models it

# What must stay on one line (issue 14): a number with the Hangul after it,
# an opening bracket with the rest of its word.
_STRETCH = re.compile(r"\d(?:[\d,.]|-\d)*[가-힣]*|[「(“]\S*")


def _break_settings(data: bytes) -> list[tuple[str, dict[str, str]]]:
    """Each paragraph's text with its paragraph shape's ``hh:breakSetting``."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        header = etree.fromstring(zf.read("Contents/header.xml"))
    shapes = {
        pr.get("id"): dict(pr.find(f".//{HH}breakSetting").attrib)
        for pr in header.iter(f"{HH}paraPr")
    }
    out = []
    for root in section_roots(data):
        for p in root.iter(f"{HP}p"):
            text = "".join(
                t.text or "" for t in p.iter(f"{HP}t") if next(t.iterancestors(f"{HP}p")) is p
            )
            if text.strip():
                out.append((text, shapes[p.get("paraPrIDRef")]))
    return out


def _broken_stretches(paragraphs, non_latin: str | None = None) -> list[str]:  # type: ignore[no-untyped-def]
    """Stretches Hancom's line breaking (python-hwpx's model) would cut, at line widths of
    6 to 40 characters. A word wider than the line is cut where the line ends, in Hancom
    as anywhere, so a stretch in such a word is not counted."""
    from hwpx.form_fit import TextStyle, hancom_line_starts

    found = []
    for text, shape in paragraphs:
        spans = [m.span() for m in _STRETCH.finditer(text) if m.end() - m.start() > 1]
        words = [m.span() for m in re.finditer(r"\S+", text)]
        if not spans:
            continue
        style = TextStyle(
            break_latin_word=shape["breakLatinWord"],
            break_non_latin_word=non_latin or shape["breakNonLatinWord"],
        )
        for ems in range(6, 41):
            starts = hancom_line_starts(text, [ems * 1000], 10.0, style)
            for a, b in spans:
                word = next(w for w in words if w[0] <= a and b <= w[1])
                if word[1] - word[0] < ems - 2 and any(a < s < b for s in starts):
                    found.append(f"{text[a:b]} at {ems} em")
    return found


def test_hancom_keeps_numbers_with_counters_and_openers_with_their_word(shipped: ReportView):
    """The paragraph shapes keep Hangul words whole (``breakNonLatinWord="BREAK_WORD"``,
    which in Hancom means the reverse of its name): laid out by python-hwpx's model of
    Hancom's line breaking at every width, "70개사", "(11월20일,22일)" and
    "「고양시통합일자리센터」" are never cut. With the other setting they would be.

    A model, not Hancom Office: it is not on this machine.
    """
    info = report_info(Period.parse("2022H1"), settings_of(shipped))
    view = next(v for v in shipped.pledges if v.id == "1-4-5")
    paragraphs = _break_settings(pledge_hwpx(view, info))
    texts = " ".join(t for t, _ in paragraphs)
    for stretch in ("70개사", "(11월20일,22일)", "「고양시통합일자리센터」"):
        assert stretch in texts, stretch
    assert {shape["breakNonLatinWord"] for _, shape in paragraphs} == {"BREAK_WORD"}
    assert _broken_stretches(paragraphs) == []
    assert len(_broken_stretches(paragraphs, non_latin="KEEP_WORD")) > 20
