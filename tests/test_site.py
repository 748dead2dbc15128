"""웹소통 (issue 17): the period's website, from the same view as the booklet.

Unit tests read the HTML that :func:`reportgen.formats.site.build_site` returns; the
end-to-end tests open the written site from disk (file://) in Debian's
chromium through Playwright: follow links, filter, sort, and run axe-core on
every page. Without Debian's chromium the browser tests are skipped with the
reason (CI sets REPORTGEN_REQUIRE_BROWSER=1: there they fail instead).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import shutil
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from reportgen.formats.site import build_site, link_href, pledge_paths, slug
from reportgen.records.load import load_records
from reportgen.records.model import Pledge, ReportSettings
from reportgen.records.periods import Period
from reportgen.report.citizen import CitizenSummary, citizen_summary
from reportgen.report.diff import diff_views
from reportgen.report.view import NON_BUDGET, MoneyTable, PledgeView, ReportView, report_view

from .conftest import RECORDS, make_pledge

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path("/tmp")

HOSTILE_TITLE = '<script>alert("x")</script> & \'따옴표\' "큰따옴표" </td></table>'
HOSTILE_DEPARTMENT = '"><img src=x onerror=alert(1)>과'
HOSTILE_ITEM = "</ul><script>document.title='owned'</script>&amp; 항목"


# ---------------------------------------------------------------------------
# Reports to publish


def shipped_view(period: str = "2022H1") -> ReportView:
    records = load_records(RECORDS)
    assert records.settings is not None
    return report_view(records.pledges, Period.parse(period), records.settings)


def changes_of(old: ReportView, new: ReportView) -> CitizenSummary:
    return citizen_summary(diff_views(old, new), new)


def shipped_diff() -> CitizenSummary:
    return changes_of(shipped_view("2021H2"), shipped_view("2022H1"))


def example_view(city: str) -> ReportView:
    records = load_records(RECORDS.parent / "examples" / city)
    assert records.settings is not None
    latest = max(p for pledge in records.pledges for p in pledge.reports if not p.is_year)
    return report_view(records.pledges, latest, records.settings)


def city_settings() -> ReportSettings:
    raw = json.loads((RECORDS / "report.json").read_text(encoding="utf-8"))
    raw["groups"] = [
        {"key": "1", "name": "일자리 경제"},
        {"key": "2", "name": "복지 안전"},
        {"key": "3", "name": "문화 교육"},
    ]
    return ReportSettings.model_validate(raw)


def city_pledge(
    pledge_id: str, title: str, department: str, status: str | None, **extra: Any
) -> Pledge:
    raw = make_pledge(pledge_id, title=title, department=department, **extra)
    report = raw["reports"]["2022H1"]
    if status is None:
        del report["status"]
    else:
        report["status"] = status
    return Pledge.model_validate(raw)


# (id, title, department, status): titles in plain Hangul so that Python's
# order is the browser's Korean collation.
CITY = [
    ("1-1-1", "청년 일자리 창출", "일자리정책과", "정상추진"),
    ("1-1-2", "기업 유치", "기업지원과", "완료"),
    ("1-2-1", "사회적 경제 육성", "일자리정책과", "이행후계속추진"),
    ("2-1-1", "어르신 돌봄 확대", "복지정책과", "정상추진"),
    ("2-1-10", "안전 마을 만들기", "안전총괄과", "보류"),
    ("2-1-2", "다함께 돌봄센터", "복지정책과", None),
    ("3-1-1", "마을 도서관 확충", "문화예술과", "일부추진"),
]


def city_pledges() -> list[Pledge]:
    pledges = [city_pledge(*row) for row in CITY]
    pledges.append(
        city_pledge(
            "3-2-1",
            "평생학습 도시",
            "평생교육과",
            "정상추진",
            indicators=[
                {
                    "name": "평생학습 참여자",
                    "unit": "명",
                    "target": 1000,
                    "results": {"2022H1": 640},
                }
            ],
            adjustments=[
                {
                    "kind": "변경",
                    "period": "2022H1",
                    "date": "2022-03-15",
                    "reason": "수요 조사 결과 반영",
                    "decided_by": "공약이행평가단 심의",
                    "before": "평생학습관 1곳 신설",
                    "after": "평생학습관 2곳 신설",
                }
            ],
        )
    )
    return sorted(pledges, key=lambda p: p.sort_key)


def city_view(period: str = "2022H1") -> ReportView:
    return report_view(city_pledges(), Period.parse(period), city_settings())


def city_diff() -> CitizenSummary:
    return changes_of(city_view("2021H2"), city_view("2022H1"))


def hostile_view() -> ReportView:
    raw = make_pledge("1-1-1", title=HOSTILE_TITLE, department=HOSTILE_DEPARTMENT)
    raw["plans"] = [{"period": "2022H1", "entries": [{"text": HOSTILE_ITEM}]}]
    raw["reports"]["2022H1"]["budget"]["plan"][0]["name"] = "<b>사업</b>"
    return report_view([Pledge.model_validate(raw)], Period.parse("2022H1"), city_settings())


def html(files: dict[str, bytes], path: str) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(files[path].decode("utf-8"))


def page_of(report: ReportView, pledge_id: str) -> str:
    return pledge_paths(p.id for p in report.pledges)[pledge_id]


def pledge_of(report: ReportView, pledge_id: str) -> PledgeView:
    return next(p for p in report.pledges if p.id == pledge_id)


def table_rows(table: lxml.html.HtmlElement) -> list[list[str]]:
    """A table's body rows as the text of their cells (th and td), in order."""
    return [
        [cell.text_content().strip() for cell in row.xpath("./th|./td")]
        for row in table.xpath("./tbody/tr")
    ]


def expected_money_rows(table: MoneyTable) -> list[list[str]]:
    """What the HTML table must hold, straight from the view's text: its finished
    table's rows (the 계 row's name cell empty, a block's name where it starts)."""
    assert table.table is not None
    rows = [["", table.grand_total.label, table.grand_total.total.text]]
    rows[0] += [c.text for c in table.grand_total.cells]
    for row in table.rows:
        head = [row.name] if row.merge == "restart" else []
        rows.append([*head, row.label, row.total.text, *(c.text for c in row.cells)])
    assert rows == [[c.text for c in r.cells] for r in table.table.rows]
    return rows


# ---------------------------------------------------------------------------
# The HTML itself


def test_every_file_is_listed_with_safe_names() -> None:
    report = city_view()
    files = build_site(report, city_diff())
    assert set(files) == {
        "index.html",
        "changes.html",
        "assets/site.css",
        "assets/site.js",
        *(page_of(report, p.id) for p in report.pledges),
    }
    for path in files:
        assert re.fullmatch(r"[a-z0-9/_.-]+", path), path
    assert "changes.html" not in build_site(report)


def test_slugs_are_ascii_and_unique_for_any_numbering() -> None:
    ids = ["1-4-5", "III-①-1", "Ⅲ-①-1", "7-1)", "7-1", "Ⅰ-3", "I-3", "A-1", "a-1", "1-1-1"]
    paths = pledge_paths(ids)
    assert paths["1-4-5"] == "pledge/1-4-5.html"
    assert paths["7-1"] == "pledge/7-1.html"
    stems = [Path(p).stem for p in paths.values()]
    assert len({s.casefold() for s in stems}) == len(ids), stems
    for stem in stems:
        assert re.fullmatch(r"[a-z0-9-]+", stem), stem
    assert slug("III-①-1").startswith("iii-1-1-")
    # Two numbers whose slugs would meet still get two pages.
    collide = pledge_paths(["x-1", slug("X-1")])
    assert len(set(collide.values())) == 2


def test_hostile_text_stays_text() -> None:
    report = hostile_view()
    files = build_site(report, changes_of(hostile_view(), report))
    page = files[page_of(report, "1-1-1")].decode()
    index = files["index.html"].decode()
    for text in (page, index, files["changes.html"].decode()):
        assert "<script>alert" not in text
        assert "<img src=x" not in text
        assert "<b>사업" not in text
        # Our own scripts are the only ones: the index loads its bundled file.
        assert len(re.findall(r"<script\b", text)) == (1 if text is index else 0)
    tree = html(files, page_of(report, "1-1-1"))
    assert tree.xpath("string(//h1)").split(None, 1)[1] == HOSTILE_TITLE
    assert HOSTILE_ITEM in tree.xpath("string(//article)")
    assert HOSTILE_DEPARTMENT in tree.xpath("string(//dl)")
    row = html(files, "index.html").xpath("//table[@id='pledge-table']/tbody/tr")[0]
    assert row.get("data-department") == HOSTILE_DEPARTMENT


def test_download_links_are_checked_and_encoded() -> None:
    report = shipped_view()
    links = {
        "": [("보고서(DOCX)", "downloads/공약 추진실적 보고서.docx")],
        "1-4-5": [("DOCX", "../공약별/01-04-05 청년.docx"), ("PDF", "https://example.org/a b.pdf")],
    }
    files = build_site(report, links=links)
    index = html(files, "index.html")
    assert index.xpath("//section[@class='downloads']//a/@href") == [
        "downloads/%EA%B3%B5%EC%95%BD%20%EC%B6%94%EC%A7%84%EC%8B%A4%EC%A0%81%20%EB%B3%B4%EA%B3%A0%EC%84%9C.docx"
    ]
    page = html(files, page_of(report, "1-4-5"))
    hrefs = page.xpath("//section[@class='downloads']//a/@href")
    assert hrefs[0].startswith("../../%EA%B3%B5")  # one level down: root-relative made relative
    assert hrefs[1] == "https://example.org/a%20b.pdf"
    assert page.xpath("//section[@class='downloads']//a/text()") == ["DOCX", "PDF"]
    assert not html(files, page_of(report, "1-4-3")).xpath("//section[@class='downloads']")
    # A file's name is encoded whole: "20%" and "#" are part of it, not escapes or fragments.
    assert link_href("공약별/청년위원 20% #1.docx", "../") == (
        "../%EA%B3%B5%EC%95%BD%EB%B3%84/%EC%B2%AD%EB%85%84%EC%9C%84%EC%9B%90%2020%25%20%231.docx"
    )
    for bad in ("javascript:alert(1)", "data:text/html,x", "/etc/passwd"):
        with pytest.raises(ValueError):
            link_href(bad, "")


def test_money_tables_of_1_4_5_hold_every_figure_of_the_view() -> None:
    report = shipped_view()
    view = pledge_of(report, "1-4-5")
    tree = html(build_site(report), page_of(report, "1-4-5"))
    tables = tree.xpath("//table[contains(@class, 'money')]")
    assert len(tables) == len(view.money_tables) == 2
    for table, money in zip(tables, view.money_tables, strict=True):
        caption = table.xpath("string(caption)")
        assert money.title in caption and money.unit in caption
        heads = [th.text_content() for th in table.xpath("./thead/tr/th")]
        assert heads == ["공약사업명", "구분", "계", *money.column_labels]
        assert table_rows(table) == expected_money_rows(money)
        # The 공약사업명 cell spans its block, as the booklet's merged cell does.
        names = table.xpath("./tbody/tr/th[@scope='rowgroup']")
        blocks = [r for r in money.rows if r.merge == "restart"]
        assert [(n.text_content(), int(n.get("rowspan"))) for n in names] == [
            (r.name, r.block_rows) for r in blocks
        ]
        for note in money.notes:
            assert f"※ {note}" in tree.xpath("string(//article)")
    figures = {c.text for t in view.money_tables for r in t.rows for c in (r.total, *r.cells)}
    text = tree.xpath("string(//article)")
    assert "8,291" in text and "6,981 (4,782)" in text and "279 (278)" in text
    assert all(f in text for f in figures)


def test_pledge_page_holds_its_report_pages() -> None:
    report = shipped_view()
    files = build_site(report)
    for view in report.pledges:
        tree = html(files, page_of(report, view.id))
        article = tree.xpath("//article")[0]
        text = article.text_content()
        assert tree.get("lang") == "ko" or tree.xpath("/html/@lang") == ["ko"]
        assert view.id in tree.xpath("string(//h1)") and view.title in tree.xpath("string(//h1)")
        assert view.department in text
        for c in view.contacts:
            assert [c.role, c.name, c.phone] in [
                r for t in article.xpath(".//table[@class='contacts']") for r in table_rows(t)
            ]
        # Each progress row: a heading, then its lines nested by level.
        headings = [h.text_content() for h in article.xpath(".//section[@class='progress-row']/h3")]
        assert headings == [f"{r.title} {r.note}".strip() for r in view.progress]
        for section, row in zip(
            article.xpath(".//section[@class='progress-row']"), view.progress, strict=True
        ):
            items = section.xpath(".//li")
            assert [i.xpath("string(./span[@class='text'])") for i in items] == [
                line.text for line in row.lines
            ]
            # A line nests in the last line above it of a shallower level (□ > ○ > - > ·).
            stack: list[int] = []
            for i, (item, line) in enumerate(zip(items, row.lines, strict=True)):
                assert item.get("class").split()[0] == f"level{line.level}"
                while stack and row.lines[stack[-1]].level >= line.level:
                    stack.pop()
                parent = item.xpath("ancestor::li[1]")
                assert (items.index(parent[0]) if parent else None) == (
                    stack[-1] if stack else None
                )
                stack.append(i)
        for _, lines in view.problems.sections:
            for problem in lines:
                assert problem.text in text
        if view.participation:
            part = article.xpath(".//table[@class='participation']")[0]
            assert table_rows(part) == [[c.text for c in view.participation]]
    assert "42회" in html(files, page_of(report, "1-4-5")).xpath("string(//article)")
    non_budget = html(files, page_of(report, "1-4-3"))
    assert non_budget.xpath("//td[@class='non-budget']/text()") == [NON_BUDGET, NON_BUDGET]


def test_indicators_adjustments_and_groups_are_published() -> None:
    report = city_view()
    view = pledge_of(report, "3-2-1")
    tree = html(build_site(report), page_of(report, "3-2-1"))
    indicator = view.indicators[0]
    assert table_rows(tree.xpath("//table[@class='indicators']")[0]) == [
        [
            indicator.name,
            indicator.unit,
            indicator.target_text,
            indicator.result_text,
            indicator.rate_text,
        ]
    ]
    assert indicator.as_of_label == "2022년 상반기"
    assert (indicator.target_text, indicator.result_text, indicator.rate_text) == (
        "1,000",
        "640",
        "64.0%",
    )
    text = tree.xpath("string(//article)")
    adjustment = view.adjustments[0]
    assert adjustment.heading in [h.text_content() for h in tree.xpath("//h3")]
    assert all(line.text in text for line in adjustment.lines)
    assert "3 문화 교육" in tree.xpath("string(//dl)")


def test_index_summary_and_table_come_from_the_view() -> None:
    report = city_view()
    tree = html(build_site(report, city_diff()), "index.html")
    assert [li.text_content() for li in tree.xpath("//ul[@class='summary-lines']/li")] == list(
        report.summary_lines
    )
    status_rows = table_rows(tree.xpath("//table[@class='status-summary']")[0])
    assert status_rows[: len(report.summary)] == [
        [s.status, str(s.count), s.share] for s in report.summary
    ]
    groups = tree.xpath("//table[@class='tally']")[0]
    assert [r[0] for r in table_rows(groups)] == [*(t.name for t in report.by_group), "계"]
    assert [r[-1] for r in table_rows(groups)] == [
        *(t.done_share for t in report.by_group),
        report.done_share,
    ]
    rows = table_rows(tree.xpath("//table[@id='pledge-table']")[0])
    group_of = {p.id: s.heading for s in report.sections for p in s.pledges}
    assert rows == [
        [p.id, p.title, p.status or "미기재", group_of[p.id], p.department] for p in report.pledges
    ]
    # The chart says in words what its bars show.
    desc = tree.xpath("string(//*[local-name()='desc'])")
    for tally in report.by_group:
        assert tally.name in desc
    assert "2. 복지 안전: 정상추진 1개, 보류 1개, 추진상황 미기재 1개" in desc


def test_status_table_counts_as_the_booklet() -> None:
    """Goyang 2022H1: 계 is the base of the shares (1), the pledge without a status apart, 전체 2."""
    report = shipped_view()
    assert (report.base, report.unrecorded, report.total) == (1, 1, 2)
    rows = table_rows(
        html(build_site(report), "index.html").xpath("//table[@class='status-summary']")[0]
    )
    assert rows == [
        *([s.status, str(s.count), s.share] for s in report.summary),
        ["계", "1", "100.0%"],
        ["추진상황 미기재 (비율 제외)", "1", "-"],
        ["전체 공약", "2", ""],
    ]


def test_an_excluded_status_is_counted_apart() -> None:
    settings = city_settings().model_copy(update={"excluded_statuses": ["보류"]})
    report = report_view(city_pledges(), Period.parse("2022H1"), settings)
    rows = table_rows(
        html(build_site(report), "index.html").xpath("//table[@class='status-summary']")[0]
    )
    labels = [r[0] for r in rows]
    assert labels.index("계") < labels.index("보류 (비율 제외)") < labels.index("전체 공약")
    assert rows[labels.index("계")][1] == str(report.base) == "6"
    assert rows[labels.index("전체 공약")][1] == str(report.total) == "8"
    assert "보류" not in labels


def cells_of(table: lxml.html.HtmlElement) -> list[list[tuple[str, int, int]]]:
    """Each row of a table (head first) as (text, colspan, rowspan) per cell, in order."""
    return [
        [
            (c.text_content().strip(), int(c.get("colspan", 1)), int(c.get("rowspan", 1)))
            for c in row.xpath("./th|./td")
        ]
        for row in table.xpath("./thead/tr|./tbody/tr|./tfoot/tr")
    ]


def test_every_finished_table_of_the_view_is_laid_out_cell_by_cell() -> None:
    """The 총괄, 분야별, 부서별, 성과지표 tables: the view's rows, cells and merges, nothing else."""
    for report in (shipped_view(), city_view(), example_view("gu"), example_view("gun")):
        files = build_site(report)
        index = html(files, "index.html")
        for table, cls in (
            (report.status_table, "status-summary"),
            (report.group_table, "tally"),
            (report.department_table, "tally"),
        ):
            if table is None:
                continue
            found = [
                t
                for t in index.xpath(f"//table[@class='{cls}']")
                if table.title.replace("□ ", "") in t.xpath("string(caption)")
            ]
            assert len(found) == 1, (report.city, table.name)
            want = [[(c.text, c.col_span, c.row_span) for c in row.cells] for row in table.all_rows]
            assert cells_of(found[0]) == want, (report.city, table.name)
        for view in report.pledges:
            page = html(files, page_of(report, view.id))
            found = page.xpath("//table[@class='indicators']")
            if view.indicator_table is None:
                assert not found
                continue
            want = [
                [(c.text, c.col_span, c.row_span) for c in row.cells]
                for row in view.indicator_table.all_rows
            ]
            assert cells_of(found[0]) == want


def test_department_table_has_its_total_and_done_column() -> None:
    report = city_view()
    tree = html(build_site(report), "index.html")
    table = tree.xpath("//table[@class='tally'][caption[starts-with(., '부서별')]]")[0]
    heads = [th.text_content() for th in table.xpath("./thead/tr/th")]
    assert heads[-2:] == ["달성", "달성률"]
    body = table_rows(table)
    total = body.pop()
    assert [r[0] for r in body] == [t.name for t in report.by_department]
    assert [r[-2:] for r in body] == [[str(t.done), t.done_share] for t in report.by_department]
    assert total[:2] == ["계", str(report.total)]
    assert total[-2:] == [str(report.done), report.done_share]
    # The rows add up to the 계, column by column.
    for column in range(1, len(total) - 1):
        assert sum(int(r[column]) for r in body) == int(total[column])


def test_changes_page_is_a_citizens_summary() -> None:
    """Statuses that changed, adjustments with their reason, money that moved: no line diff."""
    old, report = shipped_view("2021H2"), shipped_view()
    diff = diff_views(old, report)
    summary = citizen_summary(diff, report)
    tree = html(build_site(report, summary), "changes.html")
    text = tree.xpath("string(//main)")
    assert summary.old_words in text and summary.new_words in text
    assert not tree.xpath("//del") and not tree.xpath("//ins")  # that stays in reportgen diff
    assert "2021H2" not in text and "2022H1" not in text  # the city's labels, never codes
    # Each status change the diff found, with both statuses.
    moves = [
        (p.id, c.old, c.new)
        for p in diff.pledges
        for c in p.changes
        if c.section == "status" and not c.where
    ]
    assert moves and [(s.id, s.old, s.new) for s in summary.statuses] == [
        (i, o or "추진상황 미기재", n or "추진상황 미기재") for i, o, n in moves
    ]
    rows = table_rows(tree.xpath("//table[@class='status-changes']")[0])
    assert [r[1:] for r in rows] == [[s.old, s.new] for s in summary.statuses]
    # Money: each pledge's 계 of each table, with the difference the diff wrote.
    grand = [
        (p.id, c.where[0], c.difference)
        for p in diff.pledges
        for c in p.changes
        if c.section in ("plan_table", "secured_table") and c.where[1:] == ("계", "계")
    ]
    assert grand and [(m.id, m.table, m.difference) for m in summary.money] == grand
    money = table_rows(tree.xpath("//table[@class='money-changes']")[0])
    assert [r[-1] for r in money] == [m.difference for m in summary.money]
    links = tree.xpath("//table[@class='status-changes']//a/@href")
    assert links == [page_of(report, s.id) for s in summary.statuses]


def test_changes_page_gives_the_reason_of_an_adjustment() -> None:
    pledges = city_pledges()
    settings = city_settings()
    before = [p for p in pledges if p.id != "3-2-1"]
    plain = city_pledge("3-2-1", "평생학습 도시", "평생교육과", "정상추진")
    old = report_view(
        sorted([*before, plain], key=lambda p: p.sort_key), Period.parse("2022H1"), settings
    )
    new = city_view()
    summary = changes_of(old, new)
    assert [(a.id, a.kind, a.reason, a.decided_by) for a in summary.adjustments] == [
        ("3-2-1", "변경", "수요 조사 결과 반영", "공약이행평가단 심의")
    ]
    text = html(build_site(new, summary), "changes.html").xpath("string(//main)")
    assert "사유: 수요 조사 결과 반영" in text and "공약이행평가단 심의" in text
    assert "2022. 3. 15." in text


def test_added_and_dropped_pledges_and_an_empty_report() -> None:
    settings = city_settings()
    pledges = city_pledges()
    fewer = report_view(pledges[:-1], Period.parse("2022H1"), settings)
    report = city_view()
    added = html(build_site(report, changes_of(fewer, report)), "changes.html")
    items = [li.text_content() for li in added.xpath("//section[@aria-labelledby='list-h']//li")]
    assert items == ["3-2-1 평생학습 도시: 이번 보고서에 새로 실린 공약입니다."]
    assert added.xpath("//section[@aria-labelledby='list-h']//a/@href") == [
        page_of(report, "3-2-1")
    ]
    dropped = html(build_site(fewer, changes_of(report, fewer)), "changes.html")
    gone = dropped.xpath("//section[@aria-labelledby='list-h']//li")
    assert len(gone) == 1 and not gone[0].xpath(".//a")  # no page to link to
    empty = report_view([], Period.parse("2022H1"), settings)
    files = build_site(empty)
    assert set(files) == {"index.html", "assets/site.css", "assets/site.js"}
    assert html(files, "index.html").xpath("//table[@id='pledge-table']/tbody/tr") == []


def test_same_view_same_bytes() -> None:
    first = build_site(shipped_view(), shipped_diff(), {"": [("XLSX", "a.xlsx")]})
    second = build_site(shipped_view(), shipped_diff(), {"": [("XLSX", "a.xlsx")]})
    assert first == second
    assert list(first) == sorted(first)
    assert build_site(city_view()) == build_site(city_view())


def test_no_figure_is_computed_by_the_site() -> None:
    """Change a figure's text in the view: the page shows the new text, nothing else."""
    report = shipped_view()
    view = pledge_of(report, "1-4-5")
    table = view.money_tables[0]
    assert table.table is not None
    first = table.table.rows[0]  # the 계 row: "", 계, its 계, then each column's
    cell = dataclasses.replace(first.cells[2], text="값-그대로", value=Decimal(1))
    grand = dataclasses.replace(first, cells=(*first.cells[:2], cell, *first.cells[3:]))
    finished = dataclasses.replace(table.table, rows=(grand, *table.table.rows[1:]))
    changed = dataclasses.replace(view, money_tables=(dataclasses.replace(table, table=finished),))
    other = dataclasses.replace(report, pledges=(report.pledges[0], changed))
    tree = html(build_site(other), page_of(other, "1-4-5"))
    assert table_rows(tree.xpath("//table[contains(@class,'money')]")[0])[0][2] == "값-그대로"


# ---------------------------------------------------------------------------
# In the browser


def write_site(files: dict[str, bytes], directory: Path) -> Path:
    if directory.exists():
        shutil.rmtree(directory)
    for name, data in files.items():
        path = directory / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return directory


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        # As with LibreOffice: skipped, with the reason, on a developer's machine
        # without it; CI installs it and sets REPORTGEN_REQUIRE_BROWSER=1 (never skips).
        message = (
            f"{CHROMIUM} is missing: the site's browser tests need Debian's chromium "
            "(apt-get install -y chromium)"
        )
        if os.environ.get("REPORTGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is not installed: pip install -e '.[test]'")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe() -> Any:
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError:
        pytest.fail("axe-playwright-python is not installed: pip install -e '.[test]'")
    return Axe()


@pytest.fixture(scope="module")
def shipped_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = build_site(shipped_view(), shipped_diff(), {"": [("보고서(DOCX)", "report.docx")]})
    return write_site(files, tmp_path_factory.mktemp("shipped") / "site")


@pytest.fixture(scope="module")
def city_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_site(
        build_site(city_view(), city_diff()), tmp_path_factory.mktemp("city") / "site"
    )


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    pg = context.new_page()
    errors: list[str] = []

    def on_dialog(dialog: Any) -> None:
        errors.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def outside(route: Any) -> None:
        errors.append(f"request: {route.request.url}")
        route.abort()

    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.on("dialog", on_dialog)
    # The site is closed: any request outside file:// is a fault.
    pg.route(re.compile(r"^(?!file:).*"), outside)
    yield pg
    context.close()
    assert not errors, errors


def visible_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#pledge-table tbody tr:not([hidden])", "rows => rows.map(r => r.cells[0].textContent)"
    )


def serious(axe: Any, page: Any) -> list[str]:
    results = axe.run(page)
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(", ".join(n["target"]) for n in v["nodes"])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert results.response.get("testEngine", {}).get("name") == "axe-core"
    return found


def test_index_leads_to_every_pledge_with_the_views_text(page: Any, shipped_site: Path) -> None:
    report = shipped_view()
    page.goto((shipped_site / "index.html").as_uri())
    assert page.locator("html").get_attribute("lang") == "ko"
    assert visible_ids(page) == [p.id for p in report.pledges]
    for view in report.pledges:
        page.goto((shipped_site / "index.html").as_uri())
        page.get_by_role("link", name=view.title, exact=True).click()
        page.wait_for_load_state()
        assert page.url.endswith(page_of(report, view.id))
        assert page.locator("h1").inner_text() == f"{view.id} {view.title}"
        assert page.locator(".facts").inner_text().count(view.status or "추진상황 미기재") >= 1
        tables = page.locator("table.money")
        assert tables.count() == len(view.money_tables)
        for i, money in enumerate(view.money_tables):
            cells = tables.nth(i).locator("tbody td").all_inner_texts()
            if money.non_budget:
                assert [" ".join(c.split()) for c in cells] == [" ".join(NON_BUDGET.split())]
                continue
            # The 계 row's empty name cell, then every row's figures.
            want = [
                "",
                *(c.text for r in (money.grand_total, *money.rows) for c in (r.total, *r.cells)),
            ]
            assert [c.strip() for c in cells] == want
        page.get_by_role("link", name="공약 목록").first.click()
        assert page.url.endswith("index.html#pledges")


def test_filters_show_and_hide_rows(page: Any, city_site: Path) -> None:
    report = city_view()
    group_of = {p.id: s.heading for s in report.sections for p in s.pledges}
    every = [p.id for p in report.pledges]
    page.goto((city_site / "index.html").as_uri())
    assert page.locator("#filters").is_visible()  # shown once the script runs
    assert visible_ids(page) == every

    page.get_by_label("분야", exact=True).select_option("2. 복지 안전")
    want = [p.id for p in report.pledges if group_of[p.id] == "2. 복지 안전"]
    assert visible_ids(page) == want == ["2-1-1", "2-1-2", "2-1-10"]
    assert page.locator("#shown").inner_text() == f"전체 {len(every)}개 중 3개 공약 표시"

    page.get_by_label("추진상황", exact=True).select_option("정상추진")
    assert visible_ids(page) == ["2-1-1"]
    page.get_by_label("추진상황", exact=True).select_option("미기재")
    assert visible_ids(page) == ["2-1-2"]

    page.get_by_role("button", name="모두 보기").click()
    page.wait_for_function(
        "document.querySelectorAll('#pledge-table tbody tr[hidden]').length === 0"
    )
    assert visible_ids(page) == every

    page.get_by_label("부서", exact=True).select_option("일자리정책과")
    assert visible_ids(page) == [p.id for p in report.pledges if p.department == "일자리정책과"]
    page.get_by_label("부서", exact=True).select_option("")
    page.get_by_label("추진상황", exact=True).select_option("정상추진")
    assert visible_ids(page) == [p.id for p in report.pledges if p.status == "정상추진"]
    # Hidden rows are gone for the reader, not only pushed out of view.
    assert page.locator("#pledge-table tbody tr[hidden]").first.is_hidden()


def test_columns_sort_both_ways_and_back_to_the_reports_order(page: Any, city_site: Path) -> None:
    report = city_view()
    every = [p.id for p in report.pledges]
    page.goto((city_site / "index.html").as_uri())
    title_head = page.locator("#pledge-table thead th").nth(1)
    page.get_by_role("button", name="공약명").click()
    by_title = [p.id for p in sorted(report.pledges, key=lambda p: p.title)]
    assert visible_ids(page) == by_title
    assert title_head.get_attribute("aria-sort") == "ascending"
    page.get_by_role("button", name="공약명").press("Enter")  # the keyboard works too
    assert visible_ids(page) == by_title[::-1]
    assert title_head.get_attribute("aria-sort") == "descending"
    page.get_by_role("button", name="번호").click()
    # The report's order (2-1-2 before 2-1-10), not the text's.
    assert visible_ids(page) == every
    assert every.index("2-1-2") < every.index("2-1-10")
    assert title_head.get_attribute("aria-sort") is None
    # Sorting keeps the filter.
    page.get_by_label("분야", exact=True).select_option("1. 일자리 경제")
    page.get_by_role("button", name="부서").click()
    assert visible_ids(page) == ["1-1-2", "1-1-1", "1-2-1"]


def test_keyboard_skip_link_and_print(page: Any, city_site: Path) -> None:
    page.goto((city_site / "index.html").as_uri())
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent")
    assert focused == "본문 바로가기"
    assert page.locator("a.skip").is_visible()  # visible when focused
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"
    page.emulate_media(media="print")
    assert page.locator("#filters").is_hidden()
    assert page.locator("header nav").is_hidden()
    assert page.locator("#pledge-table").is_visible()


@pytest.mark.parametrize("which", ["shipped", "city"])
def test_axe_finds_nothing_serious_on_any_page(
    which: str, page: Any, axe: Any, shipped_site: Path, city_site: Path
) -> None:
    site = shipped_site if which == "shipped" else city_site
    report = shipped_view() if which == "shipped" else city_view()
    pages = ["index.html", "changes.html", *(page_of(report, p.id) for p in report.pledges)]
    problems = {}
    for name in pages:
        page.goto((site / name).as_uri())
        found = serious(axe, page)
        if found:
            problems[name] = found
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


def test_phone_width_scrolls_tables_not_the_page(browser: Any, shipped_site: Path) -> None:
    report = shipped_view()
    shots = []
    for width, height, name in ((1280, 900, "desktop"), (390, 844, "phone")):
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="ko-KR", device_scale_factor=1
        )
        pg = context.new_page()
        for page_name, path in (("index", "index.html"), ("1-4-5", page_of(report, "1-4-5"))):
            pg.goto((shipped_site / path).as_uri())
            # The page never scrolls sideways; wide tables scroll in their labelled region.
            overflow = pg.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} at {width}px is {overflow}px too wide"
            shot = SCREENSHOTS / f"reportgen-site-{page_name}-{name}.png"
            pg.screenshot(path=str(shot), full_page=True)
            shots.append(shot)
        if width == 390:
            region = pg.locator("div.table-scroll:has(table.money)").first
            assert region.get_attribute("role") == "region"
            assert region.evaluate("e => e.scrollWidth > e.clientWidth")
            label = region.get_attribute("aria-labelledby")
            assert "연도별" in pg.locator(f"#{label}").inner_text()
        context.close()
    assert all(s.stat().st_size > 0 for s in shots)
