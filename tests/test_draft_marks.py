"""Publish only what is confirmed: publish refuses drafts, --preview and builds with drafts say 초안."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from reportgen.report.view import DRAFT_MARK, PREVIEW_MARK

from .conftest import audit, init_city, run
from .test_hwpx_rhwp import LIBRARIES, _system_library
from .test_site import axe, browser, page, serious, shipped_view, write_site  # noqa: F401

LIST = """공약번호,분야,공약명,소관부서,군비 2027
1-1,경제,청년 창업,일자리정책과,100
1-2,복지,어르신 급식,복지정책과,50
"""


TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


def publish(*args: Any) -> Any:
    return run("publish", *args, "--templates", TEMPLATES)


@pytest.fixture
def city(tmp_path: Path) -> Path:
    """Two pledges whose first report's planned money is a draft."""
    return init_city(tmp_path, LIST)


def docx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return "".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))


def hwpx_text(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("Contents/section0.xml").decode()


def test_publish_refuses_drafts_naming_them_and_leaves_nothing(
    city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = publish("2026H2", "--records", city)
    assert result.exit_code == 1
    assert "확정되지 않은 초안 2개" in result.output
    assert "1-1: reports.2026H2.budget" in result.output
    assert "1-2: reports.2026H2.budget" in result.output
    assert "reportgen confirm 2026H2" in result.output and "--preview" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv", "records"]


def test_publish_after_confirm_has_no_mark(
    city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("confirm", "2026H2", "--records", city, "--yes").exit_code == 0
    result = publish("2026H2", "--records", city, "--hwpx")
    assert result.exit_code == 0, result.output
    site = tmp_path / "public" / "2026H2"
    assert "draft-mark" not in (site / "index.html").read_text(encoding="utf-8")
    for path in site.rglob("*.docx"):
        assert "초안" not in docx_text(path.read_bytes()), path
    for path in site.rglob("*.hwpx"):
        assert "초안" not in hwpx_text(path.read_bytes()), path


def test_preview_marks_every_page(
    city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = publish("2026H2", "--records", city, "--preview", "--hwpx")
    assert result.exit_code == 0, result.output
    site = tmp_path / "preview" / "2026H2"
    pages = list(site.rglob("*.html"))
    assert len(pages) >= 3
    for html_page in pages:
        assert PREVIEW_MARK in html_page.read_text(encoding="utf-8"), html_page
    documents = list(site.rglob("*.docx"))
    assert len(documents) == 3
    for path in documents:
        assert PREVIEW_MARK in docx_text(path.read_bytes()), path
    for path in site.rglob("*.hwpx"):
        assert PREVIEW_MARK in hwpx_text(path.read_bytes()), path
    assert not (tmp_path / "public").exists()
    manifest = json.loads((site / "manifest.json").read_text(encoding="utf-8"))
    assert PREVIEW_MARK in manifest["unconfirmed_drafts"]


def test_a_build_with_drafts_marks_every_format(city: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run(
        "build",
        "2026H2",
        "--records",
        city,
        "--out",
        out,
        "--hwpx",
        "--site",
        "--templates",
        TEMPLATES,
    )
    assert result.exit_code == 0, result.output
    booklet = next(out.glob("*.docx"))  # the top-level .docx is the booklet
    header = docx_text(booklet.read_bytes())
    assert DRAFT_MARK in header
    # Every section of the booklet shows it, the cover (its own first page) included.
    with zipfile.ZipFile(booklet) as z:
        document = z.read("word/document.xml").decode()
    assert document.count('w:type="first"') == document.count("<w:sectPr")
    assert all(r["valid"] and r["error_count"] == 0 for r in audit(booklet)), audit(booklet)
    assert DRAFT_MARK in hwpx_text(next(out.glob("*.hwpx")).read_bytes())
    assert DRAFT_MARK in (out / "index.html").read_text(encoding="utf-8")
    workbook = next(out.glob("*.xlsx"))
    assert all(r["valid"] and r["error_count"] == 0 for r in audit(workbook)), audit(workbook)
    book = openpyxl.load_workbook(workbook)
    for sheet in book.worksheets:
        assert DRAFT_MARK in sheet.oddHeader.right.text, sheet.title
    assert DRAFT_MARK in [c.value for c in book["총괄"][2]]


def test_publish_all_refuses_drafts_too(
    city: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = publish("--all", "--records", city)
    assert result.exit_code == 1
    assert "1-1: reports.2026H2.budget" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv", "records"]


# rhwp reads a page's furniture (머리말/꼬리말) apart from its body: the mark must be there.
FURNITURE = """
import json, sys, rhwp
ir = rhwp.parse(sys.argv[1]).to_ir()
body = [b.text for b in ir.iter_blocks(scope="body", recurse=True) if hasattr(b, "text")]
every = [b.text for b in ir.iter_blocks(scope="all", recurse=True) if hasattr(b, "text")]
json.dump({"body": body, "all": every}, sys.stdout, ensure_ascii=False)
"""


def test_rhwp_reads_the_hwpx_mark_as_a_header(city: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    built = run(
        "build", "2026H2", "--records", city, "--out", out, "--hwpx", "--templates", TEMPLATES
    )
    assert built.exit_code == 0, built.output
    env = dict(os.environ, LD_PRELOAD=":".join(_system_library(n) for n in LIBRARIES))
    done = subprocess.run(
        [sys.executable, "-c", FURNITURE, str(next(out.glob("*.hwpx")))],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    read = json.loads(done.stdout)
    assert f"■ {DRAFT_MARK}" in read["all"]
    assert f"■ {DRAFT_MARK}" not in read["body"]  # a 머리말, not a paragraph of the text


def test_the_preview_banner_is_accessible(page: Any, axe: Any, tmp_path: Path) -> None:  # noqa: F811
    """The 초안 banner of a preview: seen on every page, no axe finding, the skip link still first."""
    from reportgen.formats.site import build_site, pledge_page
    from reportgen.report.view import as_preview

    report = as_preview(shipped_view())
    site = write_site(build_site(report), tmp_path / "site")
    for path in ("index.html", pledge_page(report, report.pledges[0])):
        page.goto((site / path).as_uri())
        banner = page.locator(".draft-mark")
        assert banner.is_visible() and PREVIEW_MARK in banner.inner_text()
        assert serious(axe, page) == [], path
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.className") == "skip"
