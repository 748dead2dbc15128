"""The registry is the one place a format lives: the pipeline names none (issue 23).

``build.py`` once chose PDFs with a flag of its own, compared them by digest
because of their ``.pdf`` suffix and told "pdf" apart when it read a manifest.
Those are now the writers' declarations (:mod:`reportgen.formats.writers`):
``reproducible``, ``gives``, ``extensions``, and :data:`DEFAULT_FORMATS` for
what is opt-in. These tests keep it so, and show that an output published
with PDFs by the previous version is still up to date and checkable.
"""

from __future__ import annotations

import inspect
import json
import os
import re
from pathlib import Path

import pytest

import reportgen.build
from reportgen.build import render_report
from reportgen.formats.pdf import find_soffice, find_uno_python
from reportgen.formats.writers import (
    DEFAULT_FORMATS,
    WRITERS,
    formats_held,
    unreproducible,
    write_order,
)
from reportgen.workspace.output import MANIFEST, sha256

from .conftest import RECORDS, run


def test_the_pipeline_names_no_format() -> None:
    """No format's name or file extension appears in build.py as a literal."""
    source = Path(reportgen.build.__file__).read_text(encoding="utf-8")
    names = {n for w in WRITERS.values() for n in (w.name, *w.extensions)}
    for name in sorted(names):
        quoted = re.findall(rf"""["']\.?{name}["']|\.{name}\b""", source)
        assert not quoted, (name, quoted)


def test_build_takes_formats_only() -> None:
    for function in (reportgen.build.render_report, reportgen.build.build):
        parameters = inspect.signature(function).parameters
        assert "formats" in parameters and "pdf" not in parameters, function.__name__


def test_the_writers_declare_what_build_once_knew() -> None:
    assert set(DEFAULT_FORMATS) < set(WRITERS)  # the rest is opt-in
    assert [n for n, w in WRITERS.items() if not w.reproducible] == ["pdf"]
    assert "pdf" not in DEFAULT_FORMATS
    assert unreproducible("공약별/1-4-5 청년.pdf") and not unreproducible("공약별/1-4-5 청년.docx")
    assert formats_held(["a.docx", "b.xlsx", "c.pdf", "index.html", "data/x.csv"]) == {
        "docx",
        "xlsx",
        "pdf",
        "html",
    }
    # The 목차 pages LibreOffice gives are declared by the writer that gives them:
    # a writer that needs "pages" follows it.
    order = write_order(["docx", "hwpx", "xlsx", "pdf"])
    assert order.index("pdf") < order.index("hwpx") and order.index("docx") < order.index("pdf")


def _published_with_pdfs(out: Path) -> Path:
    """An output as the previous version published it with --pdf (LibreOffice stood in for).

    Its manifest lists PDFs by digest (and, unlike DOCX, a rebuild does not
    give their bytes again); nothing in it names the formats it was built with.
    """
    result = run("build", "2022H1", "--records", RECORDS, "--out", out, "-q")
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / MANIFEST).read_bytes())
    pdfs = {
        name.replace(".docx", ".pdf"): f"%PDF-1.7 {name}".encode()
        for name in manifest["files"]
        if name.endswith(".docx")
    }
    for name, data in pdfs.items():
        (out / name).write_bytes(data)
        manifest["files"][name] = sha256(data)
    manifest["files"] = dict(sorted(manifest["files"].items()))
    text = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    (out / MANIFEST).write_text(text, encoding="utf-8")
    return next(out / n for n in pdfs if "/" not in n)


@pytest.mark.usefixtures("english_messages")
def test_an_output_published_with_pdfs_is_up_to_date_and_checkable(tmp_path: Path) -> None:
    out = tmp_path / "out"
    booklet_pdf = _published_with_pdfs(out)
    args = ("build", "2022H1", "--records", RECORDS, "--out", out)

    again = run(*args, "--pdf")
    assert again.exit_code == 0 and "up to date" in again.output, again.output
    check = run(*args, "--check")
    assert check.exit_code == 0, check.output

    booklet_pdf.write_bytes(b"%PDF-1.7 changed by hand")
    check = run(*args, "--check")
    assert check.exit_code == 1 and f"{booklet_pdf.name}: differs from the digest" in check.output

    without = run(*args, "-q", "--force")  # no --pdf: not up to date, rebuilt without PDFs
    assert without.exit_code == 0, without.output
    assert not list(out.rglob("*.pdf"))


def test_render_report_with_the_pdf_writer_without_libreoffice_writes_the_rest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--pdf is the PDF writer among the formats: without LibreOffice it says so."""
    monkeypatch.setattr("reportgen.formats.pdf.missing", lambda: "LibreOffice를 설치하십시오")
    build = render_report(
        reportgen.build.Period.parse("2022H1"),
        RECORDS,
        reportgen.build.SHIPPED_TEMPLATES,
        formats=(*DEFAULT_FORMATS, "pdf"),
        workdir=tmp_path,
    )
    assert build.notes == ["LibreOffice를 설치하십시오"]
    assert not [n for n in build.files if n.endswith(".pdf")]
    assert [n for n in build.files if n.endswith(".docx")]


_NO_PDF = [
    tool
    for tool, present in (
        ("LibreOffice (soffice)", find_soffice() is not None),
        ("LibreOffice's Python bridge (python3-uno)", find_uno_python() is not None),
    )
    if not present
]


@pytest.mark.usefixtures("english_messages")
def test_a_site_published_with_pdfs_is_checkable(tmp_path: Path) -> None:
    """--check does not remake the PDFs, but the site it rebuilds links them with
    their sizes as the published one does: it is given the published PDFs."""
    if _NO_PDF:
        if os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(f"CI requires {', '.join(_NO_PDF)}; .ci/run should have installed them")
        pytest.skip(f"not installed: {', '.join(_NO_PDF)} (see README: .ci/run installs them)")
    out = tmp_path / "out"
    args = ("build", "2022H1", "--records", RECORDS, "--out", out)
    made = run(*args, "--pdf", "--site", "-q")
    assert made.exit_code == 0, made.output
    assert "PDF" in (out / "index.html").read_text(encoding="utf-8")
    check = run(*args, "--check")
    assert check.exit_code == 0, check.output
    again = run(*args, "--pdf", "--site")
    assert again.exit_code == 0 and "up to date" in again.output, again.output
