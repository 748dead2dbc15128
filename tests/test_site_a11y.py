"""KWCAG 2.2 beyond axe-core, on the term's website of the three examples (issue 25).

Every page of ``publish --all`` for Goyang, the 구 and the 군 is checked:

- by reading its HTML: a ``<caption>`` on every data table, merged-header
  tables describing their structure, no nested tables, "본문 바로가기" the first
  focusable element, unique titles that name the page first, "(새 창 열림)"
  on every link that opens a window, no duplicate ids, charts with a text
  equivalent;
- by the Nu HTML checker (``vnu-jar`` from npm, on Debian's Java): no error;
- in Debian's chromium: axe-core finds nothing serious, the skip link moves
  focus to the content, and at 320 px and at 200% zoom no page scrolls
  sideways and the pledge list's 추진상황 stays in view.

Without chromium or the validator these are skipped with the reason; CI sets
REPORTGEN_REQUIRE_BROWSER=1 and REPORTGEN_REQUIRE_VALIDATOR=1 (.ci/run
installs both), where they fail instead.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import lxml.html
import pytest

from .conftest import REPO
from .test_site import CHROMIUM, CHROMIUM_ARGS, serious
from .test_termsite import CITIES, EXAMPLES, publish_all

VNU_JAR = Path(
    os.environ.get(
        "REPORTGEN_VNU_JAR", REPO / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
    )
)
SCREENSHOTS = Path("/tmp")
FOCUSABLE = "//a[@href]|//button|//input|//select|//textarea|//*[@tabindex and @tabindex != '-1']"


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("a11y")
    return {city: publish_all(EXAMPLES / city, root / city) for city in CITIES}


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


def tree(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(path.read_bytes().decode("utf-8"))


def test_every_page_meets_the_kwcag_checks_in_its_html(sites: dict[str, Path]) -> None:
    problems: list[str] = []
    for city, site in sites.items():
        titles: Counter[str] = Counter()
        for path in pages(site):
            name = f"{city}/{path.relative_to(site)}"
            doc = tree(path)
            title = doc.findtext(".//title") or ""
            titles[title] += 1
            page, _, rest = title.partition(" | ")
            if not page or not rest:
                problems.append(f"{name}: title {title!r} does not name the page first")
            h1 = doc.xpath("string(//h1)")
            if path.parent.name == "pledge" and not h1.startswith(page):
                problems.append(f"{name}: title {title!r} does not start with the pledge {h1!r}")
            shown = doc.xpath("string(//body)") + " " + title
            if re.search(r"(?<![0-9A-Za-z])20\d\dH[12](?![0-9A-Za-z])", shown):
                problems.append(f"{name}: shows a period code; readers see '2022년 상반기'")
            for table in doc.xpath("//table"):
                caption = table.xpath("./caption")
                if not caption or not caption[0].text_content().strip():
                    problems.append(f"{name}: a table without a caption")
                    continue
                if table.xpath(".//table"):
                    problems.append(f"{name}: a table inside a table")
                merged = table.xpath(".//*[@rowspan > 1 or @colspan > 1]")
                if merged and "표 구조" not in caption[0].text_content():
                    problems.append(
                        f"{name}: table {caption[0].text_content()[:30]!r} merges cells "
                        "without describing its structure"
                    )
            for link in doc.xpath("//a[@target='_blank' or @target='new']"):
                if "(새 창 열림)" not in link.text_content() + (link.get("title") or ""):
                    problems.append(f"{name}: a link opening a window does not say (새 창 열림)")
            ids = Counter(doc.xpath("//@id"))
            problems += [f"{name}: id {i!r} used {n} times" for i, n in ids.items() if n > 1]
            first = doc.xpath(FOCUSABLE)
            if (
                not first
                or first[0].get("href") != "#main"
                or first[0].text_content() != "본문 바로가기"
            ):
                problems.append(f"{name}: the first focusable element is not 본문 바로가기")
            if not doc.xpath("//main[@id='main']"):
                problems.append(f"{name}: no main#main for the skip link")
            for svg in doc.xpath("//*[local-name()='svg'][@role='img']"):
                labels = (svg.get("aria-labelledby") or "").split()
                words = " ".join(doc.xpath(f"string(//*[@id='{i}'])") for i in labels)
                if not words.strip():
                    problems.append(f"{name}: a chart without a text equivalent")
        problems += [f"{city}: title {t!r} on {n} pages" for t, n in titles.items() if n > 1]
    assert not problems, "\n".join(problems)


def test_the_nu_validator_finds_no_error(sites: dict[str, Path]) -> None:
    java = shutil.which("java")
    if java is None or not VNU_JAR.is_file():
        message = (
            f"the Nu HTML checker needs Java and {VNU_JAR} "
            "(apt-get install default-jre-headless npm; npm install vnu-jar)"
        )
        if os.environ.get("REPORTGEN_REQUIRE_VALIDATOR") == "1":
            pytest.fail(message)
        pytest.skip(message)
    done = subprocess.run(
        [
            java,
            "-jar",
            str(VNU_JAR),
            "--skip-non-html",
            "--format",
            "json",
            *map(str, sites.values()),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    messages = json.loads(done.stderr or '{"messages": []}')["messages"]
    checked = sum(len(pages(site)) for site in sites.values())
    assert checked > 30
    found = [
        f"{m.get('url', '')}:{m.get('lastLine', '')}: {m.get('type')}/{m.get('subType', '')} {m['message']}"
        for m in messages
        if m.get("type") == "error" or m.get("subType") == "warning"
    ]
    assert not found, "\n".join(found)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: the site's browser tests need Debian's chromium"
        if os.environ.get("REPORTGEN_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_axe_and_the_skip_link_on_every_page(browser: Any, sites: dict[str, Path]) -> None:
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="ko-KR")
    page = context.new_page()
    problems: dict[str, list[str]] = {}
    for city, site in sites.items():
        for path in pages(site):
            name = f"{city}/{path.relative_to(site)}"
            page.goto(path.as_uri())
            found = serious(axe, page)
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.textContent") != "본문 바로가기":
                found.append("Tab does not reach 본문 바로가기 first")
            page.keyboard.press("Enter")
            if page.evaluate("document.activeElement.id") != "main":
                found.append("본문 바로가기 does not move focus to the content")
            if found:
                problems[name] = found
    context.close()
    assert not problems, json.dumps(problems, ensure_ascii=False, indent=1)


@pytest.mark.parametrize(
    ("width", "height", "scale", "label"),
    [(320, 640, 1, "phone"), (640, 450, 2, "zoom200"), (1280, 900, 1, "desktop")],
)
def test_reflow_at_320_px_and_200_percent(
    browser: Any, sites: dict[str, Path], width: int, height: int, scale: int, label: str
) -> None:
    """320 CSS px, and a 1280 px window at 200% (640 CSS px): nothing scrolls sideways.

    The pledge list keeps each pledge's 추진상황 in view without scrolling the table.
    """
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale, locale="ko-KR"
    )
    page = context.new_page()
    problems = []
    for city, site in sites.items():
        for path in pages(site):
            name = f"{city}/{path.relative_to(site)}"
            page.goto(path.as_uri())
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if overflow > 0:
                problems.append(f"{name}: {overflow}px too wide at {width}px")
            if path.name == "index.html" and path.parent != site:
                hidden = page.evaluate(
                    """() => Array.from(document.querySelectorAll('#pledge-table tbody .status'))
                        .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
                        .length"""
                )
                if hidden:
                    problems.append(f"{name}: {hidden} 추진상황 cell(s) out of view at {width}px")
        latest = sorted(p for p in site.iterdir() if p.is_dir() and p.name[:1].isdigit())[-1]
        shots = {
            "term": site / "index.html",
            "index": latest / "index.html",
            "formula": latest / "formula.html",
            "changes": latest / "changes.html",
            "pledge": sorted((latest / "pledge").glob("*.html"))[0],
        }
        for tag, target in shots.items():
            if target.is_file():
                page.goto(target.as_uri())
                shot = SCREENSHOTS / f"reportgen-a11y-{city}-{tag}-{label}.png"
                page.screenshot(path=str(shot), full_page=True)
    context.close()
    assert not problems, "\n".join(problems)
