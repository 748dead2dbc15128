"""Proof in real office software: LibreOffice converts every output; the PDF is right.

These tests need LibreOffice and poppler-utils. On a laptop without them they
are skipped with the reason shown; CI sets REPORTGEN_REQUIRE_LIBREOFFICE=1 so
that a missing install fails instead of skipping.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import docx
import pikepdf
import pypdf
import pytest
from click.testing import CliRunner
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm
from lxml import etree

import reportgen.formats.pdf
from reportgen.cli import main
from reportgen.formats.linebreak import Kinsoku, kinsoku
from reportgen.formats.pdf import PdfError, convert, find_soffice, find_uno_python, reproducible_pdf

from .synthetic import write_synthetic_records

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE") == "1"
MISSING = [
    tool
    for tool, present in (
        ("LibreOffice (soffice)", find_soffice() is not None),
        ("LibreOffice's Python bridge (python3-uno)", find_uno_python() is not None),
        ("pdftotext", shutil.which("pdftotext") is not None),
        ("pdffonts", shutil.which("pdffonts") is not None),
    )
    if not present
]

if MISSING and REQUIRED:
    pytest.fail(
        f"CI requires {', '.join(MISSING)}; .ci/run should have installed them", pytrace=False
    )
pytestmark = [
    pytest.mark.usefixtures("english_messages"),  # asserts on English messages
    pytest.mark.skipif(
        bool(MISSING),
        reason=f"not installed: {', '.join(MISSING)} (see README: .ci/run installs them)",
    ),
]


def _build(records: Path, templates: Path, out: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "build",
            "2022H1",
            "--pdf",
            "--records",
            str(records),
            "--templates",
            str(templates),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output


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
            "--hwpx",
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


def _pages(pdf: Path, *, layout: bool = True) -> list[str]:
    text = subprocess.run(
        ["pdftotext", *(["-layout"] if layout else []), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return text.split("\f")[:-1] if text.endswith("\f") else text.split("\f")


def _booklet_pdf(out: Path) -> Path:
    return next(out.glob("*.pdf"))  # the booklet; pledges' PDFs are in 공약별/


def _footer(page: str) -> str:
    """The page's last line, spaces removed: "-12-" for "- 12 -"."""
    return re.sub(r"\s", "", page.strip().splitlines()[-1])


def _docx_text(docx: Path) -> str:
    """Every paragraph's text (table cells included), one space between paragraphs."""
    with zipfile.ZipFile(docx) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    paragraphs = []
    for p in root.iter(f"{w}p"):
        paragraphs.append(
            "".join((t.text or "") if t.tag == f"{w}t" else " " for t in p.iter(f"{w}t", f"{w}tab"))
        )
    return " ".join(paragraphs)


# A space between a digit and a Hangul syllable, with up to three characters of context.
_GAP = re.compile(r"(?=(\S{0,3}(?:\d [가-힣]|[가-힣] \d)\S{0,3}))")


def gaps_not_in_the_docx(pdf: Path, docx: Path) -> list[str]:
    """Spaces between Hangul and digits in the PDF's text that the DOCX's text does not have.

    LibreOffice used to print "2018 년" for "2018년" (a quarter-em gap that
    pdftotext reads as a space). A line break is a newline, never a space,
    so what is left is a space someone typed, or a gap LibreOffice added.
    """
    text = re.sub(r"\s+", " ", _docx_text(docx))
    found = []
    for line in "\n".join(_pages(pdf, layout=False)).splitlines():
        for m in _GAP.finditer(line):
            context = m.group(1)
            # the context may reach over the edge of a table cell: trim to the gap
            core = re.search(r"\d [가-힣]|[가-힣] \d", context)
            assert core is not None
            if context not in text and core.group(0) not in text:
                found.append(context)
    return found


def _blocks(pdf: Path) -> list[list[str]]:
    """The text as laid out: blocks (a paragraph, a table cell …) of lines, words joined by a space."""
    xhtml = subprocess.run(
        ["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True, check=True
    ).stdout
    root = etree.fromstring(xhtml, etree.XMLParser(recover=True, resolve_entities=False))
    ns = "{http://www.w3.org/1999/xhtml}"
    return [
        [" ".join(w.text or "" for w in line.iter(f"{ns}word")) for line in block.iter(f"{ns}line")]
        for block in root.iter(f"{ns}block")
    ]


def _lines(pdf: Path) -> list[str]:
    return [line for block in _blocks(pdf) for line in block]


def _kinsoku() -> Kinsoku:
    with zipfile.ZipFile(next(ROOT.glob("templates/pledge*.docx"))) as z:
        rules = kinsoku(z.read("word/settings.xml"))
    assert rules is not None
    return rules


def bad_breaks(blocks: list[list[str]], source: str, rules: Kinsoku) -> list[str]:
    """Line breaks Korean typesetting forbids, each shown as "before / after".

    - an opening bracket or quote ending a line ("운영 「 / 고양시");
    - a closing one, or punctuation, starting a line;
    - a number cut from the Hangul after it, or cut itself ("70 / 개사",
      "1,9 / 04"), where ``source`` (the document's text) has them together,
      from the start of a word.

    Only lines of one block (a paragraph, a table cell) are compared. ASCII
    quotes open and close alike, so they may end a line.
    """
    ambiguous = "'\""
    not_at_end = "".join(c for c in rules.not_at_end if c not in ambiguous)
    not_at_start = "".join(c for c in rules.not_at_start if c not in ambiguous)
    found = []
    for lines in blocks:
        for line, following in zip(lines, lines[1:], strict=False):
            if not line or not following:
                continue
            shown = f"{line[-12:]} / {following[:12]}"
            if line[-1] in not_at_end or following[0] in not_at_start:
                found.append(shown)
            elif re.search(r"[\d,.]$", line) and re.match(r"[\d가-힣]", following):
                together = line.split()[-1] + following.split()[0]
                if re.search(r"(?<!\S)" + re.escape(together), source):
                    found.append(shown)
    return found


def test_every_docx_has_a_pdf(built):
    docs = sorted(p.relative_to(built).with_suffix("") for p in built.rglob("*.docx"))
    pdfs = sorted(p.relative_to(built).with_suffix("") for p in built.rglob("*.pdf"))
    assert docs == pdfs and len(docs) == 3


def test_no_gap_between_hangul_and_digits_in_any_pdf(built):
    """What LibreOffice printed before (issue 14) never shows; what the DOCX says does."""
    pdfs = sorted(built.rglob("*.pdf"))
    assert len(pdfs) == 3
    for pdf in pdfs:
        assert gaps_not_in_the_docx(pdf, pdf.with_suffix(".docx")) == [], pdf.name
    booklet = re.sub(r"[ \t]+", " ", "\n".join(_pages(_booklet_pdf(built), layout=False)))
    for word in ("2018년", "8회", "민선7기", "51개사", "42회"):
        assert word in booklet, word
    for gap in ("2018 년", "8 회", "민선 7", "7 기", "51 개사", "42 회"):
        assert gap not in booklet, gap


def test_no_line_breaks_korean_typesetting_forbids_in_any_pdf(built):
    """No "킨텍스 70 / 개사", "(11월20일,22 / 일)" or "… 「 / 고양시…" (issue 14)."""
    rules = _kinsoku()
    pdfs = sorted(built.rglob("*.pdf"))
    assert len(pdfs) == 3
    for pdf in pdfs:
        blocks = _blocks(pdf)
        assert sum(len(b) for b in blocks) > 50, pdf.name
        source = re.sub(r"\s+", " ", _docx_text(pdf.with_suffix(".docx")))
        assert bad_breaks(blocks, source, rules) == [], pdf.name
    pledge = next(p for p in pdfs if "01-04-05" in p.name)
    text = "\n".join(_lines(pledge))
    # the two breaks LibreOffice made before, now whole (pdftotext joins nothing)
    assert "70개사 현장면접" in text and "(11월20일,22일)" in text
    assert "\u2060" not in text  # the glue is not in the PDF's text


def test_page_counts_add_up_and_each_pledge_pdf_is_its_pages_of_the_booklet(built):
    booklet = _pages(_booklet_pdf(built))
    pledges = sorted((built / "공약별").glob("*.pdf"))
    pledge_pages = [_pages(p) for p in pledges]
    assert all(2 <= len(p) <= 10 for p in pledge_pages), [len(p) for p in pledge_pages]
    front = len(booklet) - sum(len(p) for p in pledge_pages)
    assert 2 <= front <= 6, (len(booklet), [len(p) for p in pledge_pages])
    # The pledges' pages close the booklet, in order, page for page, with its page numbers.
    assert booklet[front:] == [page for pages in pledge_pages for page in pages]
    assert _footer(pledge_pages[0][0]) == f"-{front + 1}-"


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


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_every_pdf_is_pdfa_2b_with_title_author_and_language(built):
    """PDF/A-2b (국가기록원): XMP saying so, with the title and author the document
    information gives, the same (fixed) time in both, Korean as the language, the
    output intent, every font embedded — the booklet and each pledge's extract."""
    from pypdf import PdfReader

    pdfs = [_booklet_pdf(built), *sorted((built / "공약별").glob("*.pdf"))]
    assert len(pdfs) == 3
    for pdf in pdfs:
        meta = _run("pdfinfo", "-meta", str(pdf))
        assert "<pdfaid:part>2</pdfaid:part>" in meta, pdf.name
        assert "<pdfaid:conformance>B</pdfaid:conformance>" in meta, pdf.name
        info = dict(
            line.split(":", 1) for line in _run("pdfinfo", str(pdf)).splitlines() if ":" in line
        )
        title, author = info["Title"].strip(), info["Author"].strip()
        if pdf == pdfs[0]:
            assert title == "고양시 민선7기 공약 추진실적 보고서 (2022년 상반기)"
        else:  # an extract has its pledge's title, not the booklet's
            name = pdf.stem.split(" ", 1)[1]  # the file name pads the number: 01-04-03
            assert title.split(" ", 1)[1] == f"{name} (2022년 상반기)", (pdf.name, title)
        assert author == "고양시"
        assert f'<rdf:li xml:lang="x-default">{title}</rdf:li>' in meta, (pdf.name, meta)
        assert f"<rdf:li>{author}</rdf:li>" in meta
        assert "<xmp:CreateDate>2000-01-01T00:00:00" in meta
        assert info["CreationDate"].strip().endswith("2000 UTC"), info["CreationDate"]
        root = PdfReader(pdf).trailer["/Root"]
        assert root["/Lang"] == "ko-KR"
        assert root["/OutputIntents"], pdf.name
        fonts = _run("pdffonts", str(pdf)).splitlines()[2:]
        assert fonts and all(" yes " in row for row in fonts), fonts


def _structure_problems(pdf: Path) -> list[str]:
    """What is inconsistent in ``pdf``'s tags: the tree, the parent tree, the pages' marks.

    Every page's marked content (``/MCID`` in its content stream) must be
    found through the parent tree (the page's ``/StructParents`` key) at an
    element that lists it for that page; every element reached from the root
    names its parent and a page of this PDF; every element the parent tree
    names is in the tree.
    """
    import pikepdf

    problems: list[str] = []
    with pikepdf.open(pdf) as doc:
        if not doc.Root.get("/MarkInfo", {}).get("/Marked", False):
            problems.append("no /MarkInfo /Marked true")
        tree = doc.Root.get("/StructTreeRoot")
        if tree is None:
            return [*problems, "no /StructTreeRoot"]
        pages = {page.obj.objgen: n for n, page in enumerate(doc.pages)}
        numbers: dict[int, object] = {}
        flat = tree.ParentTree.Nums
        for i in range(0, len(flat), 2):
            numbers[int(flat[i])] = flat[i + 1]
        reached = set()
        stack = [(tree, kid) for kid in _as_list(tree.K)]
        while stack:
            parent, element = stack.pop()
            reached.add(element.objgen)
            if element.get("/P") is None or element.P.objgen != parent.objgen:
                problems.append(f"element {element.objgen} does not name its parent")
            if "/Pg" in element and element.Pg.objgen not in pages:
                problems.append(f"element {element.objgen} is on a page not in this PDF")
            for kid in _as_list(element.get("/K")):
                if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/MCR":
                    if kid.Pg.objgen not in pages:
                        problems.append(f"element {element.objgen} marks a page not in this PDF")
                elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") != "/OBJR":
                    stack.append((element, kid))
        for key, value in numbers.items():
            for element in _as_list(value):
                if isinstance(element, pikepdf.Dictionary) and element.objgen not in reached:
                    problems.append(f"parent tree key {key} names an element not in the tree")
        for n, page in enumerate(doc.pages):
            marks = [
                int(operands[1]["/MCID"])
                for operands, operator in pikepdf.parse_content_stream(page)
                if str(operator) == "BDC"
                and isinstance(operands[1], pikepdf.Dictionary)
                and "/MCID" in operands[1]
            ]
            if not marks:
                continue
            key = page.obj.get("/StructParents")
            if key is None or int(key) not in numbers:
                problems.append(f"page {n + 1}: marked content but no parent-tree entry")
                continue
            parents = numbers[int(key)]
            for mcid in marks:
                element = parents[mcid] if mcid < len(parents) else None
                if not isinstance(element, pikepdf.Dictionary):
                    problems.append(f"page {n + 1}: MCID {mcid} has no element")
                    continue
                page_of = element.get("/Pg")
                listed = any(
                    (
                        isinstance(kid, int)
                        and int(kid) == mcid
                        and page_of is not None
                        and page_of.objgen == page.obj.objgen
                    )
                    or (
                        isinstance(kid, pikepdf.Dictionary)
                        and kid.get("/MCID") == mcid
                        and kid.get("/Pg", page_of).objgen == page.obj.objgen
                    )
                    for kid in _as_list(element.get("/K"))
                )
                if not listed:
                    problems.append(f"page {n + 1}: MCID {mcid}'s element does not list it")
    return problems


def _as_list(value: object) -> list:
    import pikepdf

    if value is None:
        return []
    return list(value) if isinstance(value, pikepdf.Array) else [value]


def _struct_text(pdf: Path) -> str:
    """The text of ``pdf``'s tags, in the tree's (reading) order, whitespace removed."""
    done = subprocess.run(
        ["pdfinfo", "-struct-text", str(pdf)], capture_output=True, text=True, check=True
    )
    assert "Error" not in done.stderr and "Warning" not in done.stderr, done.stderr[:500]
    return re.sub(r"\s+", "", "".join(re.findall(r'"(.*)"', done.stdout)))


def test_every_pdf_is_tagged_and_each_extract_holds_its_own_structure(built):
    """Tagged for screen readers (issue 23): the booklet joined from LibreOffice's parts
    and each pledge's extract keep LibreOffice's tags (a Document of headings'
    paragraphs, tables, cells), consistent with their pages; an extract's tags are
    its own pages' only, in the pages' reading order."""
    booklet = _booklet_pdf(built)
    extracts = sorted((built / "공약별").glob("*.pdf"))
    titles = {pdf: pdf.stem.split(" ", 1)[1] for pdf in extracts}
    for pdf in [booklet, *extracts]:
        assert "Tagged:          yes" in _run("pdfinfo", str(pdf)), pdf.name
        assert _structure_problems(pdf) == [], pdf.name
        structure = _run("pdfinfo", "-struct", str(pdf))
        assert structure.startswith("Document"), structure[:200]
        for kind in ("Table", "TR", "TD", "P"):
            assert re.search(rf"^\s+{kind}\b", structure, re.M), (pdf.name, kind)
        tagged = _struct_text(pdf)
        for other, title in titles.items():
            shown = re.sub(r"\s+", "", title) in tagged
            assert shown == (pdf in (booklet, other)), (pdf.name, title)
    # Reading order: the tags read as the pages do.
    for pdf in extracts:
        text = re.sub(r"\s+", "", "".join(_pages(pdf, layout=False)))
        tagged = _struct_text(pdf)
        for words in (["소관부서", "추진실적"], ["추진실적", "문제점"]):
            found = [(tagged.find(w), text.find(w)) for w in words]
            if all(t >= 0 and p >= 0 for t, p in found):
                assert found[0][0] < found[1][0], (pdf.name, words)
                assert found[0][1] < found[1][1], (pdf.name, words)
    # PDF/A keeps the XMP unfiltered (our rewrite writes object streams, not it).
    import pikepdf

    for pdf in [booklet, *extracts]:
        with pikepdf.open(pdf) as doc:
            assert "/Filter" not in doc.Root.Metadata, pdf.name


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


def _stored_pages(built: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The 목차's stored page numbers (what a viewer that never updates fields
    shows), by pledge number: from the booklet DOCX and the booklet HWPX."""
    import zipfile

    from docx import Document
    from lxml import etree

    docx_pages = {}
    tables = Document(str(next(built.glob("*보고서*.docx")))).tables
    contents = next(t for t in tables if [c.text for c in t.rows[0].cells][-1] == "쪽")
    for row in contents.rows[1:]:
        cells = [c.text for c in row.cells]
        if cells[0] != cells[-1]:  # not a 분야 heading across the row
            docx_pages[cells[0]] = cells[-1]
    with zipfile.ZipFile(next(built.glob("*보고서*.hwpx"))) as z:
        section = etree.fromstring(z.read("Contents/section0.xml"))
    hp = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"

    def text(element: etree._Element) -> str:
        return "".join("".join(t.itertext()) for t in element.iter(f"{hp}t")).strip()

    table = next(t for t in section.iter(f"{hp}tbl") if text(t.find(f"{hp}tr")).endswith("쪽"))
    hwpx_pages = {}
    for tr in table.findall(f"{hp}tr")[1:]:
        cells = [text(tc) for tc in tr.findall(f"{hp}tc")]
        if len(cells) == 3:
            hwpx_pages[cells[0]] = cells[2]
    return docx_pages, hwpx_pages


def test_contents_store_the_pages_libreoffice_laid_out(built):
    """With --pdf the DOCX and HWPX booklets store LibreOffice's page numbers in their 목차,
    so every viewer shows them (never "-"), and --check still finds the files unchanged."""
    pages = _pages(_booklet_pdf(built))
    starts = {}
    for number, page in enumerate(pages, start=1):
        flat = re.sub(r"\s+", "", page)
        if "소관부서" in flat:
            starts[re.search(r"(\d+-\d+-\d+)", flat.split("소관부서")[0]).group(1)] = str(number)
    docx_pages, hwpx_pages = _stored_pages(built)
    assert docx_pages == hwpx_pages == starts, (docx_pages, hwpx_pages, starts)
    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["booklet_pages"].values()) == sorted(int(n) for n in starts.values())


def test_workbook_converts_too(built, tmp_path):
    workbook = next(built.glob("*.xlsx"))
    [pdf] = convert([workbook], tmp_path)
    assert pdf.stat().st_size > 1000


def test_pdf_time_stamps_and_ids_are_fixed(built, tmp_path):
    """Dates and file IDs are overwritten; the text of two conversions is the same.

    (LibreOffice may order a PDF's objects differently between runs, so PDFs
    are not promised byte-identical; --check verifies them by manifest digest.)
    """
    docx = next(built.glob("*.docx"))
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


def test_every_pdf_s_color_profile_has_a_fixed_creation_time(built):
    """LibreOffice stamps the sRGB profile it embeds (PDF/A's output intent) with the export's time."""
    from reportgen.formats.pdfstream import PROFILE_TIME

    pdfs = sorted(built.rglob("*.pdf"))
    assert len(pdfs) >= 3  # the booklet and each pledge's
    for path in pdfs:
        with pikepdf.open(path) as pdf:
            (intent,) = pdf.Root.OutputIntents
            header = intent.DestOutputProfile.read_bytes()[:128]
            assert header[36:40] == b"acsp" and header[24:36] == PROFILE_TIME, path.name


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


def test_libreoffice_that_never_starts_gives_a_clear_error(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    src = tmp_path / "x.docx"
    src.write_bytes(b"x")
    started = time.monotonic()
    with pytest.raises(PdfError, match="LibreOffice did not start within 1 s"):
        convert([src], tmp_path / "out", timeout=1)
    assert time.monotonic() - started < 15


def test_libreoffice_that_dies_names_the_file(tmp_path, monkeypatch):
    """A LibreOffice that starts, then crashes on a document: the error names the document."""
    real = find_soffice()
    fake = tmp_path / "bin" / "soffice"
    fake.parent.mkdir()
    # Starts the real LibreOffice; once a document is handed over, kills it
    # and everything around it (its process group: the guard, the worker).
    fake.write_text(
        "#!/bin/sh\n"
        f'"{real}" "$@" &\n'
        f"while [ ! -e {tmp_path}/started ]; do sleep 0.05; done\n"
        "kill -KILL 0\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    docx = next(ROOT.glob("templates/*.docx"))
    src = tmp_path / "crasher.docx"
    shutil.copy(docx, src)
    monkeypatch.setattr(
        "reportgen.formats.pdf._Office.send",
        _touch_then(tmp_path / "started", reportgen.formats.pdf._Office.send),
    )
    with pytest.raises(PdfError, match="crasher.docx"):
        convert([src], tmp_path / "out", timeout=120)


def _touch_then(flag, send):
    def wrapped(self, op, doc, timeout, **extra):
        send(self, op, doc, timeout, **extra)
        flag.touch()

    return wrapped


def test_hanging_conversion_names_the_file(built, tmp_path):
    """A document LibreOffice takes too long over: the error says which and how long."""
    booklet = next(built.glob("*.docx"))
    with pytest.raises(PdfError, match=r"did not finish laying out .*\)\.docx within 0\.01 s"):
        convert([booklet], tmp_path / "out", timeout=0.01, start_timeout=120)


def test_failed_conversion_names_the_file(tmp_path):
    src = tmp_path / "vanished.docx"  # LibreOffice cannot open what is not there
    with pytest.raises(PdfError, match="could not convert vanished.docx"):
        convert([src], tmp_path / "out", timeout=120)


def test_damaged_document_names_the_file(tmp_path):
    src = tmp_path / "damaged.docx"
    src.write_bytes(b"PK\x03\x04 this is not a zip archive")
    good = tmp_path / "fine.docx"
    shutil.copy(next(ROOT.glob("templates/*.docx")), good)
    with pytest.raises(PdfError, match="damaged.docx"):
        convert([good, src], tmp_path / "out", timeout=120)


def test_forty_pledges_convert_completely(tmp_path):
    """A moderately large build: every pledge's PDF and the booklet, nothing lost or doubled."""
    write_synthetic_records(tmp_path / "records", 40)
    out = tmp_path / "out"
    _build(tmp_path / "records", ROOT / "templates", out)
    docs = sorted(p.relative_to(out).with_suffix("") for p in out.rglob("*.docx"))
    pdfs = sorted(p.relative_to(out).with_suffix("") for p in out.rglob("*.pdf"))
    assert docs == pdfs and len(pdfs) == 41
    booklet = _pages(_booklet_pdf(out))
    pledges = sorted((out / "공약별").glob("*.pdf"))
    pledge_pages = [_pages(p) for p in pledges]
    assert all(2 <= len(p) <= 10 for p in pledge_pages)
    front = len(booklet) - sum(len(p) for p in pledge_pages)
    assert booklet[front:] == [page for pages in pledge_pages for page in pages]
    # The contents point at every pledge's first page.
    contents = "\n".join(p for p in booklet[:front] if "공약번호" in p)
    number = front + 1
    for pdf, pages in zip(pledges, pledge_pages, strict=True):
        pledge_id = pdf.stem.rsplit(" ", 1)[1]
        line = next(ln for ln in contents.splitlines() if re.search(rf"\b{pledge_id}\s", ln + " "))
        assert line.split()[-1] == str(number), (line, number)
        assert _footer(pages[0]) == f"-{number}-"
        number += len(pages)
    for pdf in (_booklet_pdf(out), pledges[0], pledges[-1]):
        assert gaps_not_in_the_docx(pdf, pdf.with_suffix(".docx")) == [], pdf.name
    # Each page number in the contents is a link to that page.
    reader = pypdf.PdfReader(_booklet_pdf(out))
    index = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}
    links = {
        str(a.get_object()["/Contents"]): index[a.get_object()["/Dest"][0].idnum]
        for page in reader.pages[:front]
        for a in page.get("/Annots") or []
    }
    assert len(links) == 40 and all(int(text) == i + 1 for text, i in links.items()), links


def test_a_booklet_that_cannot_be_cut_is_converted_whole(tmp_path, monkeypatch):
    """The fallback (e.g. a template with section breaks): same PDFs, on one LibreOffice."""
    monkeypatch.setattr("reportgen.formats.pdfbooklet.cut_booklet", lambda *a, **k: None)
    out = tmp_path / "out"
    _build(ROOT / "records", ROOT / "templates", out)
    booklet = _pages(_booklet_pdf(out))
    pledge_pages = [_pages(p) for p in sorted((out / "공약별").glob("*.pdf"))]
    assert len(pledge_pages) == 2 and all(pledge_pages)
    front = len(booklet) - sum(len(p) for p in pledge_pages)
    assert booklet[front:] == [page for pages in pledge_pages for page in pages]
    assert _footer(pledge_pages[0][0]) == f"-{front + 1}-"


def test_without_the_python_bridge_build_still_writes_the_rest(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "records", tmp_path / "records")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.setattr("reportgen.formats.pdf.find_uno_python", lambda soffice=None: None)
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
    assert "python3-uno" in result.output
    assert list((tmp_path / "out").glob("*.docx")) and not list((tmp_path / "out").rglob("*.pdf"))


def test_without_libreoffice_build_still_writes_the_rest(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "records", tmp_path / "records")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.setattr("reportgen.formats.pdf.find_soffice", lambda: None)
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


def _sweep_docx(lines: list[str], rules: Kinsoku | None) -> bytes:
    """One narrow table cell a line, in a Korean serif face, with or without forbidden lists."""
    document = docx.Document()
    rpr = document.styles["Normal"].element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia"):
        fonts.set(qn(slot), "NanumMyeongjo")
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme"):
        fonts.attrib.pop(qn(theme), None)
    lang = OxmlElement("w:lang")
    lang.set(qn("w:val"), "ko-KR")
    lang.set(qn("w:eastAsia"), "ko-KR")
    rpr.append(lang)
    for line in lines:
        table = document.add_table(rows=1, cols=1)
        table.autofit = False
        table.columns[0].width = Cm(6)
        cell = table.cell(0, 0)
        cell.width = Cm(6)
        cell.paragraphs[0].add_run(line)
        document.add_paragraph("")
    if rules is not None:
        settings = document.settings.element
        for tag, chars in (
            ("w:noLineBreaksAfter", rules.not_at_end),
            ("w:noLineBreaksBefore", rules.not_at_start),
        ):
            el = OxmlElement(tag)
            el.set(qn("w:lang"), "ko-KR")
            el.set(qn("w:val"), chars)
            settings.append(el)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_numbers_and_brackets_stay_whole_wherever_the_line_ends(tmp_path):
    """Each stretch is moved along the line one character at a time, so that
    the line ends before, inside and after it; none is ever broken. The same
    lines without the document's forbidden characters show what LibreOffice
    7.4 does by itself: if that assertion ever fails, LibreOffice has learnt
    Korean line breaking and the glue in reportgen.formats.linebreak can go.
    """
    rules = _kinsoku()
    lines = []
    for k in range(9, 16):
        lines += [
            "가" * k + "「고양시 통합」 운영",
            "나" * k + " 70개사 현장면접",
            "다" * k + " 1,904백만원 확보",
            "라" * k + " (11월20일,22일) 면접",
        ]
    (tmp_path / "korean.docx").write_bytes(_sweep_docx(lines, rules))
    (tmp_path / "plain.docx").write_bytes(_sweep_docx(lines, None))
    korean, plain = convert([tmp_path / "korean.docx", tmp_path / "plain.docx"], tmp_path / "out")
    source = "\n".join(lines)
    # every stretch went to the next line at least once: the sweep reached them all
    for stretch in ("「고양시", "70개사", "1,904백만원", "(11월20일,22일)"):
        assert any(line.startswith(stretch) for line in _lines(korean)), stretch
    assert bad_breaks(_blocks(korean), source, rules) == []
    assert len(bad_breaks(_blocks(plain), source, rules)) >= 10
