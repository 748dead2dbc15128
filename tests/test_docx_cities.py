"""Other cities' forms in the DOCX (issue 12): nothing of Goyang's is fixed in a template.

Each test builds a city's ReportSettings and pledge records here, renders them
through the writer API the build uses (:class:`reportgen.formats.docx.DocxWriter`:
``pledge_content``, ``pledge_document``, ``booklet_document``), opens the
output with python-docx and checks what is printed: the city's money columns
and funding sources, its contact roles, participation categories, 성과지표,
공약 조정, 분야 — and that every table's grid agrees with its cells and fills
the text width, whatever the number of columns.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.table import Table
from lxml import etree

from reportgen.formats import ooxml
from reportgen.formats.docx import DocxWriter
from reportgen.records.model import Pledge, ReportSettings
from reportgen.records.periods import Period
from reportgen.report.view import ReportView, assemble_report, pledge_view, report_info

from .conftest import audit, make_pledge
from .test_form import HEADING_STYLES, Styles, _row_keeps

ROOT = Path(__file__).resolve().parent.parent
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
PERIOD = Period(2024, 1)
TERM8 = {"name": "민선8기", "start": "2022H2", "end": "2026H1"}
TEXT_WIDTH = 9638  # 17.0 cm: A4 less two 2 cm margins, in twips
# 공약사업명, 구분, 계 as Goyang's form has them (3.89, 1.0, 1.6 cm)
FIXED_MONEY_COLUMNS = [2205, 567, 907]


@pytest.fixture(scope="module")
def writer() -> DocxWriter:
    return DocxWriter.from_directory(ROOT / "templates")


def _settings(city: str, **fields: Any) -> ReportSettings:
    return ReportSettings.model_validate(
        {"city": city, "term": TERM8, "numbering": "1-1", **fields}
    )


def _pledge(pledge_id: str, report: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """A pledge of 민선8기 reporting on 2024H1, with ``report`` as its 2024H1 record."""
    fields.setdefault("achievements", [{"period": "2023H2", "entries": [{"text": "하반기 실적"}]}])
    fields.setdefault("plans", [{"period": "2024H1", "entries": [{"text": "상반기 계획"}]}])
    return make_pledge(pledge_id, reports={"2024H1": report}, **fields)


@dataclass
class Rendered:
    report: ReportView
    pledges: dict[str, bytes]
    booklet: bytes

    def all(self) -> dict[str, bytes]:
        return {**{f"{k}.docx": v for k, v in self.pledges.items()}, "booklet.docx": self.booklet}


def _render(
    writer: DocxWriter, settings: ReportSettings, records: list[dict[str, Any]]
) -> Rendered:
    """Every pledge's file and the booklet, as the build makes them."""
    pledges = [Pledge.model_validate(r) for r in records]
    info = report_info(PERIOD, settings)
    views = tuple(pledge_view(p, PERIOD, settings) for p in pledges)
    report = assemble_report(views, PERIOD, settings)
    contents: list[bytes] = []
    documents: dict[str, bytes] = {}
    for number, view in enumerate(views, start=1):
        content = writer.pledge_content(view, info, number)
        contents.append(content)
        documents[view.id] = writer.pledge_document(view, info, number, content)
    return Rendered(report, documents, writer.booklet_document(report, contents))


def _open(data: bytes) -> Any:
    return docx.Document(io.BytesIO(data))


def _body_text(d: Any) -> str:
    return "\n".join(p.text for p in d.paragraphs)


def _all_text(d: Any) -> str:
    cells = [c.text for t in d.tables for row in t.rows for c in row.cells]
    return _body_text(d) + "\n" + "\n".join(cells)


def _cell_text(tc: etree._Element) -> str:
    return "".join(t.text or "" for t in tc.iter(f"{W}t"))


def _rows(table: Table) -> list[list[str]]:
    """Each row's cell texts, a merged cell once (python-docx repeats it per column)."""
    return [[_cell_text(tc) for tc in tr.tc_lst] for tr in table._tbl.tr_lst]


def _money_tables(d: Any) -> list[Table]:
    return [t for t in d.tables if t.rows[0].cells[0].text == "공약사업명"]


def _grid(table: Table) -> list[int]:
    return [int(c.get(f"{W}w")) for c in table._tbl.tblGrid.findall(f"{W}gridCol")]


def _span(tc: etree._Element) -> int:
    span = tc.find(f"{W}tcPr/{W}gridSpan")
    return 1 if span is None else int(span.get(f"{W}val"))


def check_grids(data: bytes) -> int:
    """Every table: as many grid columns as each row's cells span, each cell as wide as
    the columns it covers, and the columns together as wide as the text. Returns the
    number of tables checked."""
    d = _open(data)
    section = d.sections[-1]
    width = round((section.page_width - section.left_margin - section.right_margin) / 635)
    assert width == TEXT_WIDTH
    tables = list(d.element.body.iter(f"{W}tbl"))
    for tbl in tables:
        grid = [int(c.get(f"{W}w")) for c in tbl.find(f"{W}tblGrid").findall(f"{W}gridCol")]
        assert sum(grid) == width, (grid, sum(grid))
        for tr in tbl.findall(f"{W}tr"):
            tcs = tr.findall(f"{W}tc")
            spans = [_span(tc) for tc in tcs]
            assert sum(spans) == len(grid), (spans, grid)
            at = 0
            for tc, span in zip(tcs, spans, strict=True):
                tcw = tc.find(f"{W}tcPr/{W}tcW")
                assert tcw.get(f"{W}type") == "dxa"
                assert int(tcw.get(f"{W}w")) == sum(grid[at : at + span])
                at += span
    return len(tables)


# ---------------------------------------------------------------------------
# (a) A 광역시 구: merged years, 기투자/임기후, 국비/시비/구비/민자


GU_COLUMNS = ["기투자", "2022~2023", "2024", "2025", "2026", "임기후"]


@pytest.fixture(scope="module")
def gu(writer: DocxWriter) -> Rendered:
    settings = _settings(
        "가나구",
        funding_sources=["국비", "시비", "구비", "민자"],
        columns=[{"years": y} for y in GU_COLUMNS],
    )
    budget = {
        "plan": [
            {
                "name": "구민 체육센터 건립",
                "sources": {
                    # 2022 and 2023 are recorded by year; the form merges them
                    "구비": {"기투자": 5, "2022": 100, "2023": 250, "2024": 300, "임기후": 40},
                    "민자": {"2025": 1200, "2026": 800},
                },
            }
        ],
        "secured": [
            {
                "name": "구민 체육센터 건립",
                "sources": {
                    "구비": {"2022~2023": {"secured": 350, "executed": 290}},
                    "민자": {"2025": {"secured": 1000}},
                },
            }
        ],
    }
    built = _pledge(
        "1-1",
        {"status": "정상추진", "budget": budget},
        title="구민 체육센터 건립",
    )
    frame = _pledge("1-2", {"status": "정상추진"}, title="구정 소통 강화", non_budget=True)
    return _render(writer, settings, [built, frame])


def test_merged_years_and_the_citys_columns_head_both_money_tables(gu):
    d = _open(gu.pledges["1-1"])
    tables = _money_tables(d)
    assert len(tables) == 2
    for table in tables:
        assert _rows(table)[0] == ["공약사업명", "구분", "계", *GU_COLUMNS]


def test_the_citys_funding_sources_carry_their_figures(gu):
    plan, secured = _money_tables(_open(gu.pledges["1-1"]))
    rows = {r[1]: r[2:] for r in _rows(plan)[1:] if len(r) > 2}
    # 계 | 기투자 | 2022~2023 | 2024 | 2025 | 2026 | 임기후
    assert rows["구비"] == ["695", "5", "350", "300", "", "", "40"]
    assert rows["민자"] == ["2,000", "", "", "", "1,200", "800", ""]
    assert rows["국비"] == ["", "", "", "", "", "", ""]
    assert "도비" not in rows  # Goyang's source is not the city's
    secured_rows = {r[1]: r[2:] for r in _rows(secured)[1:] if len(r) > 2}
    assert secured_rows["구비"][:3] == ["350 (290)", "", "350 (290)"]
    assert secured_rows["민자"][4] == "1,000"


def test_money_columns_keep_their_widths_and_share_the_rest(gu):
    for table in _money_tables(_open(gu.pledges["1-1"])):
        grid = _grid(table)
        assert len(grid) == 3 + len(GU_COLUMNS)
        # 공약사업명, 구분, 계 keep their widths within a twip (nothing here needs more).
        assert all(abs(a - b) <= 1 for a, b in zip(grid[:3], FIXED_MONEY_COLUMNS, strict=True))
        before, merged, *years, after = grid[3:]
        assert abs(before - after) <= 1 and before < min(years)  # 기투자, 임기후: rarely used
        assert merged > max(years)  # "2022~2023" on one line
        assert max(years) - min(years) <= 1
        assert sum(grid) == TEXT_WIDTH


def test_the_non_budget_frame_spans_the_citys_columns_and_lists_its_sources(gu):
    tables = _money_tables(_open(gu.pledges["1-2"]))
    assert len(tables) == 2
    for table in tables:
        rows = _rows(table)
        assert rows[0] == ["공약사업명", "구분", "계", *GU_COLUMNS]
        assert [r[1] for r in rows[1:]] == ["계", "국비", "시비", "구비", "민자"]
        frame = table._tbl.tr_lst[1].tc_lst[2]
        assert _cell_text(frame).split() == ["비", "예", "산"]
        assert _span(frame) == 1 + len(GU_COLUMNS)  # 계 and every fiscal column
        for tr in table._tbl.tr_lst[2:]:  # merged down over every source row
            assert tr.tc_lst[2].find(f"{W}tcPr/{W}vMerge") is not None
            assert _span(tr.tc_lst[2]) == 1 + len(GU_COLUMNS)


def test_every_table_of_the_gu_has_a_consistent_grid_filling_the_text_width(gu):
    for name, data in gu.all().items():
        assert check_grids(data) >= 3, name


def test_a_report_without_groups_has_no_heading_in_its_contents(gu):
    d = _open(gu.booklet)
    contents = next(t for t in d.tables if t.rows[0].cells[0].text == "공약번호")
    assert [r[0] for r in _rows(contents)[1:]] == ["1-1", "1-2"]
    assert "분야별 추진상황" not in _body_text(d)


# ---------------------------------------------------------------------------
# (b) A 군: 군비, one contact role, three participation categories, a 성과지표, a 폐기


@pytest.fixture(scope="module")
def gun(writer: DocxWriter) -> Rendered:
    settings = _settings(
        "다라군",
        funding_sources=["국비", "도비", "군비", "기타"],
        contact_roles=[{"key": "officer", "label": "담당자"}],
        participation=[
            {"key": "meetings", "label": "주민 간담회"},
            {"key": "media", "label": "언론 보도"},
            {"key": "other", "label": "기타"},
        ],
    )
    kept = _pledge(
        "1-1",
        {
            "status": "정상추진",
            "contacts": {"officer": {"name": "마담당", "phone": "940-0001"}},
            "participation": {"meetings": 3, "media": 12},
            "budget": {"plan": [{"name": "군민 일자리", "sources": {"군비": {"2023": 50}}}]},
        },
        title="군민 일자리 확대",
        indicators=[
            {
                "name": "일자리 창출",
                "unit": "개",
                "target": 1000,
                "cumulative": True,
                "results": {"2023H2": 300, "2024H1": 340},
            }
        ],
    )
    withdrawn = _pledge(
        "1-2",
        {
            "status": "폐기",
            "contacts": {"officer": {"name": "바담당", "phone": "940-0002"}},
            "budget": {
                "plan": [{"name": "사업", "sources": {"군비": {"2023": 10}}}],
                "secured": [
                    {"name": "사업", "sources": {"군비": {"2023": {"secured": 10, "executed": 4}}}}
                ],
            },
        },
        title="폐기된 공약",
        adjustments=[
            {
                "kind": "폐기",
                "period": "2024H1",
                "date": "2024-03-15",
                "reason": "국비 지원 중단",
                "decided_by": "공약이행평가단 심의",
            }
        ],
    )
    return _render(writer, settings, [kept, withdrawn])


def test_the_one_contact_role_is_printed_with_its_label(gun):
    d = _open(gun.pledges["1-1"])
    header = d.tables[0]
    assert _rows(header)[1] == [
        "소관부서",
        "일자리정책과",
        "담당자",
        "마담당",
        "연락처",
        "940-0001",
    ]
    text = _all_text(d)
    assert "과장" not in text and "팀장" not in text and "과 장" not in text


def test_the_citys_participation_categories_head_their_counts(gun):
    d = _open(gun.pledges["1-1"])
    assert "□ 시민참여(소통) 실적" in _body_text(d)
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "주민 간담회")
    assert _rows(table) == [["주민 간담회", "언론 보도", "기타"], ["3회", "12회", ""]]
    assert len(_grid(table)) == 3


def test_indicators_print_target_result_and_rate(gun):
    d = _open(gun.pledges["1-1"])
    assert "□ 성과지표" in _body_text(d)
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "지표명")
    # a running total of half-years (300 + 340) says it is one
    assert _rows(table) == [
        ["지표명", "단위", "목표", "실적", "달성률"],
        ["일자리 창출", "개", "1,000", "640 (누계)", "64.0%"],
    ]


def test_a_gun_prints_its_own_source_gunbi(gun):
    plan, _secured = _money_tables(_open(gun.pledges["1-1"]))
    labels = [r[1] for r in _rows(plan)[1:]]
    assert labels[:5] == ["계", "국비", "도비", "군비", "기타"]
    assert "시비" not in labels


def test_a_withdrawn_pledge_prints_its_adjustment_and_no_plan(gun):
    d = _open(gun.pledges["1-2"])
    body = _body_text(d)
    assert "연도별 투자계획" not in body
    assert "□ 연도별 확보(집행)액" in body
    (secured,) = _money_tables(d)
    assert any(r[1:3] == ["군비", "10 (4)"] for r in _rows(secured))
    # the adjustment near the top: right after the header block, before the achievements
    lines = [p.text for p in d.paragraphs if p.text.strip()]
    at = lines.index("□ 공약 조정")
    assert lines[at + 1] == "폐기 (2024. 3. 15., 공약이행평가단 심의)"
    assert "사유: 국비 지원 중단" in lines[at + 2]
    assert at < lines.index("□ 추진실적 및 향후 추진계획")
    progress = next(t for t in d.tables if t.rows[0].cells[0].text == "구 분")
    assert not any("추진계획" in r[0] for r in _rows(progress)[1:])


def test_a_pledge_without_adjustments_or_indicators_prints_neither_section(gun):
    body = _body_text(_open(gun.pledges["1-2"]))
    assert "□ 성과지표" not in body
    assert "□ 시민참여(소통) 실적" not in body  # nothing recorded for it
    assert "□ 공약 조정" not in _body_text(_open(gun.pledges["1-1"]))


def test_every_table_of_the_gun_has_a_consistent_grid_filling_the_text_width(gun):
    for name, data in gun.all().items():
        assert check_grids(data) >= 3, name


# ---------------------------------------------------------------------------
# (c) 분야: the 목차 under their headings, a table by 분야 and by 부서


@pytest.fixture(scope="module")
def grouped(writer: DocxWriter) -> Rendered:
    settings = _settings(
        "바사시",
        groups=[{"key": "1", "name": "일자리 경제"}, {"key": "2", "name": "안전 복지"}],
        progress_rate=True,
        weights={"완료": 100, "정상추진": 50},
    )
    records = [
        _pledge(
            pledge_id,
            {"status": status, "progress_rate": rate},
            title=title,
            department=department,
            indicators=[
                {"name": "일자리 창출", "unit": "개", "target": 100, "results": {"2024H1": 40}}
            ],
        )
        for pledge_id, title, status, rate, department in (
            ("1-1", "청년 창업 지원", "완료", 100, "일자리정책과"),
            ("1-2", "전통시장 활성화", "정상추진", 60, "경제정책과"),
            ("2-1", "안심 귀갓길", "정상추진", 80, "안전총괄과"),
        )
    ]
    return _render(writer, settings, records)


def test_the_contents_group_pledges_under_their_headings(grouped):
    d = _open(grouped.booklet)
    contents = next(t for t in d.tables if t.rows[0].cells[0].text == "공약번호")
    rows = _rows(contents)[1:]
    assert [r[:2] for r in rows] == [
        ["1. 일자리 경제"],
        ["1-1", "청년 창업 지원"],
        ["1-2", "전통시장 활성화"],
        ["2. 안전 복지"],
        ["2-1", "안심 귀갓길"],
    ]
    heading = contents._tbl.tr_lst[1]
    assert _span(heading.tc_lst[0]) == 3  # across the whole table
    # a heading row never ends a page
    assert all(p.paragraph_format.keep_with_next for p in contents.rows[1].cells[0].paragraphs)


def test_the_booklet_tallies_by_group_and_by_department(grouped):
    d = _open(grouped.booklet)
    body = _body_text(d)
    assert "□ 분야별 추진상황" in body and "□ 부서별 추진상황" in body
    tallies = [t for t in d.tables if t.rows[0].cells[0].text in ("분야", "부서")]
    assert len(tallies) == 2
    statuses = [s.status for s in grouped.report.summary]
    head = ["공약 수", *statuses, "달성", "달성률", "이행률", "평균진행률"]
    by_group, by_department = (_rows(t) for t in tallies)
    assert by_group[0] == ["분야", *head]
    # name, total, 완료 … 기타 (7), 달성, 달성률, 이행률, 평균진행률
    assert by_group[1] == ["1. 일자리 경제", "2", "1", "0", "1", "0", "0", "0", "0"] + [
        "1",
        "50.0%",
        "75.0%",
        "80.0%",
    ]
    assert by_group[2][:2] == ["2. 안전 복지", "1"]
    assert by_group[3][:2] == ["계", "3"]
    assert by_group[3][-4:] == ["1", "33.3%", "66.7%", "80.0%"]
    assert [r[0] for r in by_department] == [
        "부서",
        "일자리정책과",
        "경제정책과",
        "안전총괄과",
        "계",
    ]
    assert "미기재" not in by_group[0]  # every pledge has a status


def test_shared_indicators_are_added_up_in_the_booklet(grouped):
    d = _open(grouped.booklet)
    table = next(t for t in d.tables if t.rows[0].cells[0].text == "지표명")
    assert _rows(table) == [
        ["지표명", "단위", "공약 수", "목표", "실적", "달성률"],
        ["일자리 창출", "개", "3", "300", "120", "40.0%"],
    ]


def test_a_pledge_page_names_its_group_and_progress_rate(grouped):
    d = _open(grouped.pledges["1-2"])
    assert d.paragraphs[1].text == "분야 1 일자리 경제"  # under the stamp, above the header
    header = _rows(d.tables[0])
    assert ["추진율", "60%"] in header


def test_every_table_of_the_grouped_report_has_a_consistent_grid(grouped):
    for name, data in grouped.all().items():
        assert check_grids(data) >= 3, name


# ---------------------------------------------------------------------------
# From one fiscal column to sixteen


@pytest.mark.parametrize(
    "years",
    [
        ["2022~2026"],
        [str(y) for y in range(2011, 2027)],  # sixteen
    ],
)
def test_any_number_of_fiscal_columns_fills_the_text_width(writer, years):
    settings = _settings("마바시", columns=[{"years": y} for y in years])
    amounts = {years[0]: 7, years[-1]: 9} if len(years) > 1 else {years[0]: 16}
    record = _pledge(
        "1-1",
        {
            "status": "정상추진",
            "budget": {"plan": [{"name": "사업", "sources": {"시비": amounts}}]},
        },
    )
    rendered = _render(writer, settings, [record])
    data = rendered.pledges["1-1"]
    check_grids(data)
    plan, secured = _money_tables(_open(data))
    for table in (plan, secured):
        grid = _grid(table)
        assert len(grid) == 3 + len(years)
        # Sixteen years need more than the page holds: every column gives up
        # its share of what it needs alike (reportgen.report.widths.fit), none vanishes.
        assert max(grid[3:]) - min(grid[3:]) <= 1
        assert min(grid) >= 250  # no column narrower than 0.44 cm
        assert sum(grid) == TEXT_WIDTH
        assert _rows(table)[0][3:] == years
    row = next(r for r in _rows(plan) if r[1] == "시비")
    assert row[2:] == (["16", "16"] if len(years) == 1 else ["16", "7"] + [""] * 14 + ["9"])


# ---------------------------------------------------------------------------
# The pass itself, on a table as docxtpl leaves it


def _table(xml: str) -> etree._Element:
    return etree.fromstring(f'<w:tbl xmlns:w="{W[1:-1]}">{xml}</w:tbl>')


def _cell(width: str, kind: str = "dxa", span: int = 1, text: str = "") -> str:
    extra = f'<w:gridSpan w:val="{span}"/>' if span > 1 else ""
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="{kind}"/>{extra}'
        f'<w:vAlign w:val="center"/></w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>'
    )


def test_fit_table_rebuilds_the_grid_from_the_flexible_heading_row():
    # the template's grid had 6 columns (two of them {%tc%} tags); the loop made 4 cells
    tbl = _table(
        "<w:tblPr/><w:tblGrid>" + '<w:gridCol w:w="100"/>' * 6 + "</w:tblGrid>"
        "<w:tr>" + _cell("2000") + "".join(_cell(w, "pct") for w in ("1", "2", "1")) + "</w:tr>"
        "<w:tr>" + _cell("2000") + _cell("500", span=4, text="비예산") + "</w:tr>"
    )
    assert ooxml.fit_table(tbl, 6000)
    grid = [int(c.get(f"{W}w")) for c in tbl.iter(f"{W}gridCol")]
    assert grid == [2000, 1000, 2000, 1000]
    merged = tbl.findall(f"{W}tr")[1].findall(f"{W}tc")[1]
    assert _span(merged) == 3
    assert merged.find(f"{W}tcPr/{W}tcW").get(f"{W}w") == "4000"
    # schema order kept: tcW, gridSpan, then the rest
    tags = [etree.QName(c).localname for c in merged.find(f"{W}tcPr")]
    assert tags == ["tcW", "gridSpan", "vAlign"]
    assert not any(c.get(f"{W}type") == "pct" for c in tbl.iter(f"{W}tcW"))


def test_fit_table_leaves_a_consistent_fixed_table_alone():
    xml = (
        '<w:tblPr/><w:tblGrid><w:gridCol w:w="3000"/><w:gridCol w:w="3000"/></w:tblGrid>'
        "<w:tr>" + _cell("3000") + _cell("3000") + "</w:tr>"
    )
    tbl = _table(xml)
    before = etree.tostring(tbl)
    assert not ooxml.fit_table(tbl, 9638)
    assert etree.tostring(tbl) == before


def test_fit_table_sets_a_row_beside_the_grid_as_far_as_it_reaches():
    # A hostile template: a row skipping more columns than the grid has, and
    # a cell whose properties are not its first child. Neither may stop the
    # build; each cell gets the columns it covers (none past the grid: 0).
    tbl = _table(
        "<w:tblPr/><w:tblGrid>" + '<w:gridCol w:w="100"/>' * 2 + "</w:tblGrid>"
        "<w:tr>" + _cell("2", "pct") + _cell("1", "pct") + "</w:tr>"
        '<w:tr><w:trPr><w:gridBefore w:val="5"/></w:trPr>' + _cell("700") + "</w:tr>"
        '<w:tr><w:tc><!-- a note --><w:tcPr><w:tcW w:w="9" w:type="dxa"/></w:tcPr>'
        "<w:p/></w:tc>" + _cell("9") + "</w:tr>"
    )
    assert ooxml.fit_table(tbl, 3000)
    widths = [[c.get(f"{W}w") for c in row.iter(f"{W}tcW")] for row in tbl.iter(f"{W}tr")]
    assert widths == [["2000", "1000"], ["0"], ["2000", "1000"]]


def test_cell_tags_become_cell_properties_in_schema_order():
    body = _table(
        '<w:tr><w:tc><w:tcPr><w:tcW w:w="10" w:type="dxa"/><w:shd w:val="clear"/></w:tcPr>'
        "<w:p><w:r><w:t>{% colwidth 130 if x else 158 %}{% vmerge r.merge %}{{ label }}</w:t>"
        "</w:r></w:p></w:tc></w:tr>"
    )
    assert ooxml.apply_cell_tags(body) == ["130 if x else 158", "r.merge"]
    tcpr = body.find(f"{W}tr/{W}tc/{W}tcPr")
    assert [etree.QName(c).localname for c in tcpr] == ["tcW", "vMerge", "shd"]
    assert tcpr[0].get(f"{W}w") == "{{ 130 if x else 158 }}"
    assert tcpr[0].get(f"{W}type") == "pct"
    assert body.find(f".//{W}t").text == "{{ label }}"


# ---------------------------------------------------------------------------
# Page breaks: no heading, unit line or table head alone at the foot of a page


def test_no_heading_or_table_head_ends_a_page_in_any_citys_document(gu, gun, grouped):
    for rendered in (gu, gun, grouped):
        ids = tuple(v.id for v in rendered.report.pledges)
        for name, data in rendered.all().items():
            styles = Styles(data)
            body = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))
            body = body.find(f"{W}body")
            headings = 0
            previous = None
            for el in body:
                if el.tag == f"{W}p":
                    style = el.find(f"{W}pPr/{W}pStyle")
                    style_id = None if style is None else style.get(f"{W}val")
                    text = _cell_text(el)
                    # section titles, unit lines, the 분야 line, adjustment headings
                    if (
                        style_id in (*HEADING_STYLES, "분류")
                        or text.startswith("□")
                        or (previous is not None and _cell_text(previous) == "□ 공약 조정")
                    ):
                        assert styles.ppr(el, "keepNext"), (name, text)
                        headings += 1
                elif el.tag == f"{W}tbl":
                    if previous is not None and previous.tag == f"{W}p":
                        assert styles.ppr(previous, "keepNext"), (name, _cell_text(previous))
                    head = el.find(f"{W}tr")
                    if _cell_text(head).startswith(ids):
                        continue  # the pledge's header block: kept whole, not a table head
                    assert head.find(f"{W}trPr/{W}tblHeader") is not None, (name, _cell_text(head))
                    assert _row_keeps(styles, head), (name, _cell_text(head))
                previous = el
            assert headings >= 3, name


# ---------------------------------------------------------------------------
# Word opens every one of them without repair


def test_word_would_open_every_citys_document_without_repair(gu, gun, grouped, tmp_path):
    count = 0
    for city, rendered in (("gu", gu), ("gun", gun), ("grouped", grouped)):
        for name, data in rendered.all().items():
            (tmp_path / f"{city}-{name}").write_bytes(data)
            count += 1
    results = audit(tmp_path)
    assert len(results) == count
    for result in results:
        assert result["valid"], (result["file"], result["errors"][:5], result["verdict"])
    # the zip entries are the writer's own, deterministic ones
    with zipfile.ZipFile(io.BytesIO(gu.booklet)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_a_city_listing_no_contacts_prints_the_department_across_the_row(writer):
    """송파 prints a 소관부서 only: no empty 담당/연락처 frame, no "(기록 없음)"."""
    settings = _settings("누리구", contact_roles=[])
    raw = _pledge("1-1", {"status": "정상추진"})
    rendered = _render(writer, settings, [raw])
    data = rendered.pledges["1-1"]
    d = _open(data)
    assert _rows(d.tables[0])[1] == ["소관부서", "일자리정책과"]
    text = _all_text(d)
    assert "연락처" not in text and "담 당" not in text
    assert check_grids(data) > 0
