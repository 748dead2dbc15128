"""Proof in real office software: LibreOffice converts every output; the PDF is right.

These tests need LibreOffice and poppler-utils. On a laptop without them they
are skipped with the reason shown; CI sets REPORTGEN_REQUIRE_LIBREOFFICE=1 so
that a missing install fails instead of skipping.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.pdf import PdfError, convert, find_soffice, reproducible_pdf

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE") == "1"
MISSING = [
    tool
    for tool, present in (
        ("LibreOffice (soffice)", find_soffice() is not None),
        ("pdftotext", shutil.which("pdftotext") is not None),
        ("pdffonts", shutil.which("pdffonts") is not None),
    )
    if not present
]

if MISSING and REQUIRED:
    pytest.fail(
        f"CI requires {', '.join(MISSING)}; .ci/run should have installed them", pytrace=False
    )
pytestmark = pytest.mark.skipif(
    bool(MISSING), reason=f"not installed: {', '.join(MISSING)} (see README: .ci/run installs them)"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    ws = tmp_path_factory.mktemp("ws")
    shutil.copytree(ROOT / "records", ws / "records")
    shutil.copytree(ROOT / "templates", ws / "templates")
    out = ws / "out"
    result = CliRunner().invoke(
        main,
        [
            "build",
            "2022H1",
            "--pdf",
            "--records",
            str(ws / "records"),
            "--templates",
            str(ws / "templates"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    return out


def _pages(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _booklet_pdf(out: Path) -> Path:
    return next(p for p in out.glob("*.pdf") if p.name.endswith("보고서.pdf"))


def test_every_docx_has_a_pdf(built):
    docs = sorted(p.relative_to(built).with_suffix("") for p in built.rglob("*.docx"))
    pdfs = sorted(p.relative_to(built).with_suffix("") for p in built.rglob("*.pdf"))
    assert docs == pdfs and len(docs) == 3


def test_pdf_embeds_korean_fonts(built):
    fonts = subprocess.run(
        ["pdffonts", str(_booklet_pdf(built))], capture_output=True, text=True, check=True
    ).stdout
    rows = fonts.splitlines()[2:]
    assert rows, fonts
    for row in rows:
        assert " yes " in row, f"font not embedded: {row}"
    names = " ".join(rows)
    # 휴먼명조 → NanumMyeongjo and 맑은 고딕 → NanumGothic, through the alias file
    assert "NanumMyeongjo" in names and "NanumGothic" in names, names


def test_pdf_text_holds_every_title_and_key_figures(built):
    text = "\n".join(_pages(_booklet_pdf(built)))
    flat = re.sub(r"\s+", "", text)
    for title in ("고양시고용할당제도입", "청년·여성·어르신일자리종합컨트롤타워추진"):
        assert title in flat
    # figures in narrow cells may wrap: "279 (278)" prints as two lines
    for figure in ("8,291", "1,735", "1,578", "6,671", "1,499", "(1,323)", "코레일테크"):
        assert figure in flat, figure


def test_each_pledge_starts_a_page_and_the_contents_point_at_it(built):
    pages = _pages(_booklet_pdf(built))
    starts = {}
    for number, page in enumerate(pages, start=1):
        flat = re.sub(r"\s+", "", page)
        if "소관부서" in flat:
            # The header block is the first thing on the page: a pledge never
            # starts below the end of another one.
            head = flat.split("소관부서")[0]
            pledge_id = re.search(r"(\d+-\d+-\d+)", head).group(1)
            assert len(head) < 120, (
                f"page {number} has text before {pledge_id}'s header: {head[:80]}"
            )
            starts[pledge_id] = number
    assert set(starts) == {"1-4-3", "1-4-5"}
    contents = next(p for p in pages if "목" in p and "차" in p and "공약번호" in p)
    for pledge_id, number in starts.items():
        line = next(line for line in contents.splitlines() if pledge_id in line)
        assert line.split()[-1] == str(number), (line, number)


def test_workbook_converts_too(built, tmp_path):
    workbook = next(built.glob("*.xlsx"))
    [pdf] = convert([workbook], tmp_path)
    assert pdf.stat().st_size > 1000


def test_pdf_time_stamps_and_ids_are_fixed(built, tmp_path):
    """Dates and file IDs are overwritten; the text of two conversions is the same.

    (LibreOffice may order a PDF's objects differently between runs, so PDFs
    are not promised byte-identical; --check verifies them by manifest digest.)
    """
    docx = next(built.glob("*보고서.docx"))
    a = reproducible_pdf(convert([docx], tmp_path / "a")[0].read_bytes())
    b = reproducible_pdf(convert([docx], tmp_path / "b")[0].read_bytes())
    for data in (a, b):
        assert b"/CreationDate(D:2000" in data.replace(b" ", b"") or b"CreationDate" not in data
        assert re.search(rb"/ID\s*\[\s*<0+>\s*<0+>\s*\]", data)
    (tmp_path / "a.pdf").write_bytes(a)
    (tmp_path / "b.pdf").write_bytes(b)
    text = [
        subprocess.run(
            ["pdftotext", str(tmp_path / f"{n}.pdf"), "-"], capture_output=True, check=True
        ).stdout
        for n in "ab"
    ]
    assert text[0] == text[1]


def test_check_verifies_pdfs_by_manifest_digest(built):
    ok = CliRunner().invoke(
        main,
        [
            "build",
            "2022H1",
            "--check",
            "--records",
            str(built.parent / "records"),
            "--templates",
            str(built.parent / "templates"),
            "--out",
            str(built),
        ],
    )
    assert ok.exit_code == 0, ok.output
    pdf = next(built.rglob("*.pdf"))
    original = pdf.read_bytes()
    try:
        pdf.write_bytes(original + b"%tampered\n")
        bad = CliRunner().invoke(
            main,
            [
                "build",
                "2022H1",
                "--check",
                "--records",
                str(built.parent / "records"),
                "--templates",
                str(built.parent / "templates"),
                "--out",
                str(built),
            ],
        )
        assert bad.exit_code == 1 and pdf.name in bad.output
    finally:
        pdf.write_bytes(original)


def test_hanging_libreoffice_gives_a_clear_error(tmp_path, monkeypatch):
    fake = tmp_path / "soffice"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    src = tmp_path / "x.docx"
    src.write_bytes(b"x")
    with pytest.raises(PdfError, match="did not finish within 1 s"):
        convert([src], tmp_path / "out", timeout=1)


def test_failed_conversion_names_the_file(tmp_path):
    src = tmp_path / "vanished.docx"  # LibreOffice cannot open what is not there
    with pytest.raises(PdfError, match="vanished.pdf"):
        convert([src], tmp_path / "out", timeout=120)


def test_without_libreoffice_build_still_writes_the_rest(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "records", tmp_path / "records")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.setattr("reportgen.pdf.find_soffice", lambda: None)
    result = CliRunner().invoke(
        main,
        [
            "build",
            "2022H1",
            "--pdf",
            "--records",
            str(tmp_path / "records"),
            "--templates",
            str(tmp_path / "templates"),
            "--out",
            str(tmp_path / "out"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "libreoffice-writer-nogui" in result.output
    assert list((tmp_path / "out").glob("*.docx")) and not list((tmp_path / "out").rglob("*.pdf"))
