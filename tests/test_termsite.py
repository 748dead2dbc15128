"""The term's website (issue 25): ``publish --all``, each pledge's history, open data, 산식.

The sites are those of the three shipped examples, written by the command a
user runs. The browser checks (axe-core, KWCAG, the Nu validator) live in
tests/test_site_a11y.py; these read the files.
"""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote
from xml.etree import ElementTree

import lxml.html
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import ReportView, report_view

from .conftest import REPO

EXAMPLES = REPO / "examples"
CITIES = ("goyang", "gu", "gun")
TEMPLATES = REPO / "templates"


def publish_all(records: Path, out: Path) -> Path:
    result = CliRunner().invoke(
        main,
        [
            "publish",
            "--all",
            "--records",
            str(records),
            "--templates",
            str(TEMPLATES),
            "--out",
            str(out),
            "--no-pdf",
        ],
    )
    assert result.exit_code == 0, result.output + str(result.exception)
    return out


def views(records: Path) -> dict[str, ReportView]:
    loaded = load_records(records)
    assert loaded.settings is not None
    periods = sorted(
        {p for pledge in loaded.pledges for p in pledge.reports if not p.is_year}, key=str
    )
    return {str(p): report_view(loaded.pledges, p, loaded.settings) for p in periods}


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("term")
    return {city: publish_all(EXAMPLES / city, root / city) for city in CITIES}


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes().decode("utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM, so that Excel opens it"
    return list(csv.DictReader(io.StringIO(data[3:].decode("utf-8"), newline="")))


def figure(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def test_index_lists_every_period_latest_first(sites: dict[str, Path]) -> None:
    for city, site in sites.items():
        reports = views(EXAMPLES / city)
        tree = page(site / "index.html")
        hrefs = tree.xpath("//ul[@class='periods']/li/h2/a/@href")
        assert hrefs == [f"{p}/index.html" for p in sorted(reports, reverse=True)]
        for period in reports:
            assert (site / period / "index.html").is_file()
            # Each period links back to the term's list.
            back = page(site / period / "index.html").xpath("//nav//a[. = '전체 기간']/@href")
            assert back == ["../index.html"]
        manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
        on_disk = {str(p.relative_to(site)) for p in site.rglob("*") if p.is_file()} - {
            "manifest.json"
        }
        assert set(manifest["files"]) == on_disk


def test_addresses_stay_when_a_later_period_is_added(tmp_path: Path) -> None:
    """The gu's site of 2023H2 alone, then with 2024H1: every 2023H2 file is the same, byte for byte."""
    earlier = tmp_path / "records"
    shutil.copytree(EXAMPLES / "gu", earlier)
    for path in earlier.glob("*.json"):
        record = json.loads(path.read_text(encoding="utf-8"))
        if "reports" in record:
            record["reports"].pop("2024H1", None)
            path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    before = publish_all(earlier, tmp_path / "before")
    after = publish_all(EXAMPLES / "gu", tmp_path / "after")
    old = {str(p.relative_to(before)) for p in before.rglob("*") if p.is_file()}
    new = {str(p.relative_to(after)) for p in after.rglob("*") if p.is_file()}
    kept = {n for n in old if n.startswith("2023H2/")}
    assert kept and kept <= new
    for name in kept:
        assert (before / name).read_bytes() == (after / name).read_bytes(), name
    # The term's index keeps its address and gains the new period on top.
    assert page(after / "index.html").xpath("//ul[@class='periods']/li/h2/a/@href") == [
        "2024H1/index.html",
        "2023H2/index.html",
    ]


def test_each_pledge_shows_its_history(sites: dict[str, Path]) -> None:
    reports = views(EXAMPLES / "gu")
    latest = reports["2024H1"]
    site = sites["gu"] / "2024H1"
    index = page(site / "index.html")
    for view in latest.pledges:
        href = index.xpath(f"//table[@id='pledge-table']//a[. = '{view.title}']/@href")[0]
        tree = page(site / href)
        rows = [
            [c.text_content().strip() for c in tr.xpath("./th|./td")]
            for tr in tree.xpath("//table[@class='history']/tbody/tr")
        ]
        expected = []
        for report in reports.values():
            old = next(v for v in report.pledges if v.id == view.id)
            expected.append([report.period_words, old.status or "추진상황 미기재"])
        assert [r[:2] for r in rows] == expected
        text = tree.xpath("string(//section[@aria-labelledby='history-h'])")
        for a in view.adjustments:
            assert a.reason in text and a.date in text
            assert a.decided_by in text


def test_open_data_equals_the_view(sites: dict[str, Path]) -> None:
    for city, site in sites.items():
        for period, report in views(EXAMPLES / city).items():
            data = site / period / "data"
            rows = read_csv(data / "pledges.csv")
            doc = json.loads((data / "pledges.json").read_text(encoding="utf-8"))
            assert [r["번호"] for r in rows] == [p.id for p in report.pledges]
            assert [p["번호"] for p in doc["pledges"]] == [p.id for p in report.pledges]
            for row, item, view in zip(rows, doc["pledges"], report.pledges, strict=True):
                assert row["공약명"] == item["공약명"] == view.title
                assert row["부서"] == view.department
                assert row["추진상황"] == (view.status or "추진상황 미기재")
                assert figure(row["추진율"]) == view.progress_rate
                budgeted = not view.non_budget and view.plan_table.recorded
                secured = view.secured_table.grand_total
                if budgeted:
                    assert figure(row["확보액"]) == secured.total.amount
                    assert figure(row["집행액"]) == secured.total.executed
                    if not view.withdrawn:
                        assert figure(row["투자계획"]) == view.plan_table.grand_total.total.amount
                    for money in view.by_source:
                        assert figure(row[f"확보액_{money.source}"]) == money.secured
                        assert figure(row[f"집행액_{money.source}"]) == money.executed
                else:
                    assert row["확보액"] == row["투자계획"] == ""
                targets = [i.target for i in view.indicators]
                assert [Decimal(str(t)) for t in item["성과지표목표"]] == targets
                # The JSON says what the CSV says.
                for key, value in item.items():
                    if isinstance(value, list):
                        value = " | ".join("" if v is None else str(v) for v in value)
                    assert row[key] == ("" if value is None else str(value)), key
            # The money file adds up to each pledge's 계.
            money = read_csv(data / "money.csv")
            for view in report.pledges:
                mine = [m for m in money if m["번호"] == view.id]
                if view.non_budget or not view.plan_table.recorded:
                    assert not mine
                    continue
                secured = [Decimal(m["금액"]) for m in mine if m["구분"] == "확보액"]
                assert sum(secured, Decimal(0)) == (
                    view.secured_table.grand_total.total.amount or 0
                )
            words = {r["항목명"] for r in read_csv(data / "dictionary.csv")}
            assert set(rows[0]) <= words if rows else True
            assert {"금액", "구분", "재원"} <= words
            about = {r["항목"]: r["내용"] for r in read_csv(data / "metadata.csv")}
            assert about["제공기관"] == report.city and about["금액 단위"] == "백만원"
            assert about["보고 기간"] == report.period_words


def test_formula_page_rates_recompute_from_the_csv(sites: dict[str, Path]) -> None:
    """Anyone can recompute every printed rate from the CSV and the rules the page states."""
    for city, site in sites.items():
        settings = load_records(EXAMPLES / city).settings
        assert settings is not None
        excluded = set(settings.excluded_statuses)
        done = [s for s in settings.done_statuses if s not in excluded]
        for period in views(EXAMPLES / city):
            rows = read_csv(site / period / "data" / "pledges.csv")
            tree = page(site / period / "formula.html")
            printed = {
                tr.xpath("string(th)"): tr.xpath("string(td[last()])")
                for tr in tree.xpath("//table[@class='formulas']/tbody/tr")
            }
            base = [
                r
                for r in rows
                if r["추진상황"] in settings.statuses and r["추진상황"] not in excluded
            ]

            def share(part: Decimal, whole: int) -> str:
                return "-" if not whole else f"{part * 100 / whole:.1f}%"

            achieved = sum(1 for r in base if r["추진상황"] in done)
            assert printed["달성률"] == share(Decimal(achieved), len(base))
            for status in settings.statuses:
                if status in excluded:
                    continue
                count = sum(1 for r in base if r["추진상황"] == status)
                assert printed[f"{status} 비율"] == share(Decimal(count), len(base))
            if settings.weights:
                points = sum(
                    (settings.weights.get(r["추진상황"], Decimal(0)) for r in base), Decimal(0)
                )
                assert printed["이행률"] == share(points / 100, len(base))
            if settings.progress_rate:
                rates = [Decimal(r["추진율"]) for r in base if r["추진율"]]
                expected = share(sum(rates, Decimal(0)) / 100, len(rates)) if rates else "-"
                assert printed["평균진행률"] == expected
            if "집행률" in printed:
                basis = sum(
                    (Decimal(r["집행률기준확보액"]) for r in rows if r["집행률기준확보액"]),
                    Decimal(0),
                )
                spent = sum((Decimal(r["집행액"]) for r in rows if r["집행액"]), Decimal(0))
                assert printed["집행률"].rstrip("%") == f"{spent * 100 / basis:.1f}"
            # The 부서별 table's 달성률, recomputed per department from the CSV the same way.
            index = page(site / period / "index.html")
            for table in index.xpath("//table[@class='tally'][starts-with(caption, '부서별')]"):
                heads = [th.text_content() for th in table.xpath("./thead/tr/th")]
                column = heads.index("달성률")
                for tr in table.xpath("./tbody/tr[not(@class)]"):
                    name = tr.xpath("string(th)")
                    mine = [r for r in base if r["부서"] == name]
                    got = sum(1 for r in mine if r["추진상황"] in done)
                    cells = [c.text_content() for c in tr.xpath("./th|./td")]
                    assert cells[column] == share(Decimal(got), len(mine)), (city, name)
            # The index links to it, and it lists every pledge.
            assert page(site / period / "index.html").xpath("//a[@href='formula.html']")
            listed = tree.xpath("//table[@class='contributions']/tbody/tr/th/a/text()")
            assert [t.split(" ", 1)[0] for t in listed] == [r["번호"] for r in rows]


def test_downloads_say_format_and_size(sites: dict[str, Path]) -> None:
    site = sites["gun"]
    for period in views(EXAMPLES / "gun"):
        folder = site / period
        tree = page(folder / "index.html")
        links = tree.xpath("//section[@class='downloads']//a")
        kinds = set()
        for a in links:
            path = folder / unquote(a.get("href"))
            assert path.is_file(), path
            label = a.text_content()
            kind = path.suffix[1:].upper()
            kinds.add(kind)
            size = path.stat().st_size
            shown = (
                f"{size / 1048576:.1f} MB"
                if size >= 1048576
                else f"{max(1, round(size / 1024))} KB"
            )
            assert label.endswith(f"({kind}, {shown})"), label
        assert {"DOCX", "HWPX", "XLSX"} <= kinds  # HWPX is offered without being asked for


def test_feed_and_data_are_deterministic(sites: dict[str, Path], tmp_path: Path) -> None:
    again = publish_all(EXAMPLES / "gun", tmp_path / "again")
    first = sites["gun"]
    names = sorted(str(p.relative_to(first)) for p in first.rglob("*") if p.is_file())
    for name in names:
        if name.endswith((".html", ".csv", ".json", ".atom", ".css", ".js")):
            assert (first / name).read_bytes() == (again / name).read_bytes(), name
    feed = ElementTree.parse(first / "feed.atom").getroot()
    ns = {"a": "http://www.w3.org/2005/Atom"}
    entries = feed.findall("a:entry", ns)
    assert entries
    ids = [e.findtext("a:id", namespaces=ns) for e in entries]
    assert len(set(ids)) == len(ids)
    updated = [e.findtext("a:updated", namespaces=ns) for e in entries]
    assert updated == sorted(updated, reverse=True)  # latest first


def test_publish_one_period_still_writes_one(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "publish",
            "2024H1",
            "--records",
            str(EXAMPLES / "gun"),
            "--templates",
            str(TEMPLATES),
            "--out",
            str(tmp_path / "one"),
            "--no-pdf",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "one" / "index.html").is_file()
    assert (tmp_path / "one" / "data" / "pledges.csv").is_file()
    assert not (tmp_path / "one" / "2024H1").exists()
    # No period code is shown to readers anywhere on the pages.
    for path in (tmp_path / "one").rglob("*.html"):
        text = page(path).xpath("string(//body)")
        assert "2024H1" not in text and "2023H2" not in text, path
    assert Period.parse("2024H1").in_words in page(tmp_path / "one" / "index.html").xpath(
        "string(//header)"
    )


def test_a_draft_refuses_the_term_site_and_a_preview_marks_it(tmp_path: Path) -> None:
    """As publish PERIOD: what is published is confirmed; --preview writes pages marked 초안."""
    records = tmp_path / "records"
    shutil.copytree(EXAMPLES / "gun", records)
    path = records / "1-1.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["reports"]["2023H2"]["draft"] = True
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    args = [
        "publish",
        "--all",
        "--records",
        str(records),
        "--templates",
        str(TEMPLATES),
        "--no-pdf",
    ]
    refused = CliRunner().invoke(main, [*args, "--out", str(tmp_path / "public")])
    assert refused.exit_code == 1
    assert "1-1" in refused.output and "2023H2" in refused.output
    assert not (tmp_path / "public").exists()
    shown = CliRunner().invoke(main, [*args, "--preview", "--out", str(tmp_path / "preview")])
    assert shown.exit_code == 0, shown.output
    for period in ("2023H2", "2024H1"):
        assert "초안" in page(tmp_path / "preview" / period / "index.html").xpath("string(//body)")


def test_changes_compare_with_the_previous_report(sites: dict[str, Path]) -> None:
    """The term's first report has no 'what changed'; a later one compares with the report before it."""
    site = sites["gu"]
    assert not (site / "2023H2" / "changes.html").exists()
    assert not page(site / "2023H2" / "index.html").xpath("//a[@href='changes.html']")
    text = page(site / "2024H1" / "changes.html").xpath("string(//h1)")
    assert "2023년 하반기 → 2024년 상반기" in text
    assert not (sites["goyang"] / "2022H1" / "changes.html").exists()  # its only report


def test_publish_offers_pdf_and_hwpx_with_their_sizes_when_libreoffice_is_there(
    tmp_path: Path,
) -> None:
    """publish without flags: PDF (LibreOffice being installed) and HWPX are built and offered."""
    from reportgen.formats.pdf import missing

    hint = missing()
    if hint is not None:
        if os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(hint)
        pytest.skip(hint)
    out = tmp_path / "public"
    args = ["publish", "2024H1", "--records", str(EXAMPLES / "gun"), "--templates"]
    result = CliRunner().invoke(main, [*args, str(TEMPLATES), "--out", str(out)])
    assert result.exit_code == 0, result.output
    index = page(out / "index.html")
    labels = index.xpath("//section[@class='downloads']//a/text()")
    assert [label.split(" (")[1].split(",")[0] for label in labels] == [
        "PDF",
        "HWPX",
        "DOCX",
        "XLSX",
    ]
    for a in index.xpath("//section[@class='downloads']//a"):
        size = (out / unquote(a.get("href"))).stat().st_size
        shown = (
            f"{size / 1048576:.1f} MB" if size >= 1048576 else f"{max(1, round(size / 1024))} KB"
        )
        assert a.text_content().endswith(f", {shown})")
    pledge = next((out / "pledge").glob("*.html"))
    kinds = [
        t.split(" (")[1].split(",")[0]
        for t in page(pledge).xpath("//section[@class='downloads']//a/text()")
    ]
    assert kinds == ["PDF", "HWPX", "DOCX"]


def test_open_data_text_is_never_a_spreadsheet_formula() -> None:
    """A record's words starting with = + - @ are written so that Excel shows them as text."""
    from reportgen.formats.opendata import open_data
    from reportgen.records.model import Pledge

    from .conftest import RECORDS, make_pledge

    raw = make_pledge("1-1-1", title='=HYPERLINK("http://x","클릭")', department="+부서")
    for table in ("plan", "secured"):
        raw["reports"]["2022H1"]["budget"][table][0]["name"] = "@SUM(A1)"
    settings = load_records(RECORDS).settings
    assert settings is not None
    report = report_view([Pledge.model_validate(raw)], Period.parse("2022H1"), settings)
    files = open_data(report, None)
    pledges = list(csv.reader(io.StringIO(files["data/pledges.csv"][3:].decode("utf-8"))))
    assert pledges[1][1] == '\'=HYPERLINK("http://x","클릭")' and pledges[1][3] == "'+부서"
    money = list(csv.reader(io.StringIO(files["data/money.csv"][3:].decode("utf-8"))))
    assert {row[3] for row in money[1:]} == {"'@SUM(A1)"}
    for name in ("data/pledges.csv", "data/money.csv", "data/dictionary.csv"):
        for row in csv.reader(io.StringIO(files[name][3:].decode("utf-8"))):
            assert not any(cell.startswith(("=", "+", "@")) for cell in row), (name, row)
    # The JSON keeps the words as they are: no spreadsheet reads it.
    doc = json.loads(files["data/pledges.json"])
    assert doc["pledges"][0]["공약명"] == '=HYPERLINK("http://x","클릭")'
