"""Golden dumps: the shipped report as normalized, reviewable text (issue 14).

A DOCX or XLSX is a zip of XML that no one reviews in a pull request. This
module renders the shipped records through the public pipeline
(:func:`reportgen.build.render_report`) and writes what a reader of the printed
page would check, one element per line, to ``tests/golden/``:

- ``<P>/<id>.txt``: every per-pledge DOCX of 2021H2 and 2022H1;
- ``2022H1/booklet-front.txt``: the booklet up to the first pledge page
  (cover, 총괄표, 목차) and its section (page, footers);
- ``<P>/workbook-summary.txt``: the workbook's 총괄 sheet.

A DOCX line is a paragraph (``p <style name>: "<text>"``, the text as printed,
level symbols ○ - · included, tabs as ``\\t``, fields as ``⟦instruction|result⟧``),
a table, a row (with ``tblHeader``/``cantSplit``), a cell (its grid columns and
``vMerge``), a page break or a section. Fonts, sizes, shading and widths are
left out; ids, paths and times never appear. An XLSX line is a cell: its
coordinate, formula, stored value and number format.

``tests/test_golden.py`` compares fresh dumps with the files; after an
intended change to a template, a writer or the records::

    .venv/bin/python -m tests.golden_dump --update

and review the diff before committing it.
"""

from __future__ import annotations

import argparse
import difflib
import functools
import io
import json
import posixpath
import re
import sys
import zipfile
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePosixPath

import openpyxl
from lxml import etree

from reportgen.build import render_report
from reportgen.records.periods import Period

REPO = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE_COMMAND = ".venv/bin/python -m tests.golden_dump --update"

PERIODS = ("2021H2", "2022H1")
FRONT_MATTER_PERIODS = ("2022H1",)
SUMMARY_SHEET = "총괄"

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def w(tag: str) -> str:
    return f"{{{W}}}{tag}"


def _on(el: etree._Element | None) -> bool | None:
    """A WordprocessingML toggle: None when absent, else its (default true) value."""
    if el is None:
        return None
    return el.get(w("val"), "true") not in ("0", "false", "off")


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# ---------------------------------------------------------------------------
# DOCX


class _Package:
    """A DOCX's parts and the style and numbering facts a dump needs."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))
        self.names = set(self.zip.namelist())
        self.document_part = "word/document.xml"
        self.document = self.xml(self.document_part)
        self.styles: dict[str, etree._Element] = {}
        self.default_paragraph_style: str | None = None
        if "word/styles.xml" in self.names:
            for style in self.xml("word/styles.xml").iter(w("style")):
                style_id = style.get(w("styleId"))
                if style_id is None:
                    continue
                self.styles[style_id] = style
                if style.get(w("type")) == "paragraph" and style.get(w("default")) in ("1", "true"):
                    self.default_paragraph_style = style_id
        self.numbering = (
            self.xml("word/numbering.xml") if "word/numbering.xml" in self.names else None
        )

    def xml(self, part: str) -> etree._Element:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        return etree.fromstring(self.zip.read(part), parser)

    def rels(self, part: str) -> dict[str, str]:
        folder, name = posixpath.split(part)
        rels_part = posixpath.join(folder, "_rels", name + ".rels")
        if rels_part not in self.names:
            return {}
        out: dict[str, str] = {}
        for rel in self.xml(rels_part).iter(f"{{{PKG_REL}}}Relationship"):
            if rel.get("TargetMode") == "External":
                continue
            target = posixpath.normpath(posixpath.join(folder, rel.get("Target", "")))
            out[rel.get("Id", "")] = target
        return out

    # Styles --------------------------------------------------------------

    def style_name(self, style_id: str | None) -> str:
        if style_id is None:
            return "(no style)"
        style = self.styles.get(style_id)
        if style is None:
            return f"{style_id} (undefined style)"
        name = style.find(w("name"))
        return name.get(w("val"), style_id) if name is not None else style_id

    def _style_chain(self, style_id: str | None) -> Iterator[etree._Element]:
        seen: set[str] = set()
        while style_id is not None and style_id not in seen and style_id in self.styles:
            seen.add(style_id)
            style = self.styles[style_id]
            yield style
            based = style.find(w("basedOn"))
            style_id = based.get(w("val")) if based is not None else None

    def paragraph_property(
        self, ppr: etree._Element | None, style_id: str | None, tag: str
    ) -> etree._Element | None:
        """The nearest ``tag`` in the paragraph's own pPr, else its style chain."""
        if ppr is not None and ppr.find(w(tag)) is not None:
            return ppr.find(w(tag))
        for style in self._style_chain(style_id):
            found = style.find(f"{w('pPr')}/{w(tag)}")
            if found is not None:
                return found
        return None

    def list_label(self, num_pr: etree._Element | None, style_id: str | None) -> str | None:
        """``[list bullet "○" level 1]`` for a paragraph Word numbers itself."""
        if num_pr is None or self.numbering is None:
            return None
        num_id_el = num_pr.find(w("numId"))
        level_el = num_pr.find(w("ilvl"))
        num_id = num_id_el.get(w("val")) if num_id_el is not None else None
        level = level_el.get(w("val"), "0") if level_el is not None else None
        if level is None:
            for style in self._style_chain(style_id):
                found = style.find(f"{w('pPr')}/{w('numPr')}/{w('ilvl')}")
                if found is not None:
                    level = found.get(w("val"), "0")
                    break
        if num_id is None or num_id == "0":
            return None
        level = level or "0"
        abstract_id = None
        for num in self.numbering.iter(w("num")):
            if num.get(w("numId")) == num_id:
                ref = num.find(w("abstractNumId"))
                abstract_id = ref.get(w("val")) if ref is not None else None
        for abstract in self.numbering.iter(w("abstractNum")):
            if abstract.get(w("abstractNumId")) != abstract_id:
                continue
            for lvl in abstract.iter(w("lvl")):
                if lvl.get(w("ilvl")) == level:
                    fmt = lvl.find(w("numFmt"))
                    text = lvl.find(w("lvlText"))
                    return "[list {} {} level {}]".format(
                        fmt.get(w("val")) if fmt is not None else "?",
                        _quote(text.get(w("val"), "") if text is not None else ""),
                        level,
                    )
        return f"[list numId {num_id} level {level} (undefined)]"


class _DocxDumper:
    def __init__(self, package: _Package) -> None:
        self.pkg = package

    # Inline content ------------------------------------------------------

    def _inline(self, parent: etree._Element, out: list[str]) -> None:
        """Append the printed text of ``parent``'s runs to ``out``, in document order."""
        for child in parent:
            if not isinstance(child.tag, str):
                continue
            tag = etree.QName(child).localname
            ns = etree.QName(child).namespace
            if ns == MC and tag == "AlternateContent":
                choice = child.find(f"{{{MC}}}Fallback")
                if choice is None:
                    choice = child.find(f"{{{MC}}}Choice")
                if choice is not None:
                    self._inline(choice, out)
                continue
            if ns != W:
                continue
            if tag == "r":
                self._run(child, out)
            elif tag == "fldSimple":
                inner: list[str] = []
                self._inline(child, inner)
                instr = " ".join(child.get(w("instr"), "").split())
                out.append(f"⟦{instr}|{''.join(inner)}⟧")
            elif tag in ("hyperlink", "smartTag", "ins", "customXml", "dir", "bdo"):
                self._inline(child, out)
            elif tag == "sdt":
                content = child.find(w("sdtContent"))
                if content is not None:
                    self._inline(content, out)
            elif tag == "bookmarkStart":
                name = child.get(w("name"), "")
                if name and not name.startswith("_"):  # _GoBack, _Toc…: Word's own
                    out.append(f"⟦bookmark {name}⟧")
            # del, moveFrom, proofErr, bookmarkEnd, rPr …: not printed

    def _run(self, run: etree._Element, out: list[str]) -> None:
        for child in run:
            if not isinstance(child.tag, str) or etree.QName(child).namespace != W:
                continue
            tag = etree.QName(child).localname
            if tag == "fldChar":
                kind = child.get(w("fldCharType"))
                if kind in ("begin", "separate", "end"):
                    out.append(f"\0field-{kind}")
                continue
            if tag == "instrText":
                out.append("\0instr" + (child.text or ""))
                continue
            if tag == "t":
                out.append(child.text or "")
            elif tag == "tab":
                out.append("\t")
            elif tag in ("br", "cr"):
                kind = child.get(w("type"), "textWrapping")
                out.append("\n" if kind == "textWrapping" else f"⟦{kind} break⟧")
            elif tag == "noBreakHyphen":
                out.append("\u2011")
            elif tag == "softHyphen":
                out.append("\u00ad")
            elif tag == "sym":
                out.append(f"⟦sym {child.get(w('font'), '')} {child.get(w('char'), '')}⟧")
            elif tag in ("drawing", "pict", "object"):
                boxes = [self._inline_paragraphs(box) for box in child.iter(w("txbxContent"))]
                out.append("⟦" + " | ".join(["drawing", *boxes]) + "⟧")

    def _inline_paragraphs(self, container: etree._Element) -> str:
        return " / ".join(self.paragraph_text(p) for p in container.iter(w("p")))

    def paragraph_text(self, p: etree._Element) -> str:
        pieces: list[str] = []
        self._inline(p, pieces)
        # Fields: ⟦instruction|result⟧, nested fields nest.
        text: list[str] = []
        stack: list[tuple[list[str], list[str]]] = []  # (instr, outer text)
        in_instr: list[bool] = []
        for piece in pieces:
            if piece == "\0field-begin":
                stack.append(([], text))
                in_instr.append(True)
                text = []
            elif piece == "\0field-separate" and stack:
                in_instr[-1] = False
            elif piece == "\0field-end" and stack:
                instr, outer = stack.pop()
                in_instr.pop()
                outer.append(f"⟦{' '.join(''.join(instr).split())}|{''.join(text)}⟧")
                text = outer
            elif piece.startswith("\0instr"):
                if stack:
                    stack[-1][0].append(piece[len("\0instr") :])
            elif stack and in_instr[-1]:
                stack[-1][0].append(piece)  # a nested field's result inside an instruction
            else:
                text.append(piece)
        while stack:  # an unterminated field: keep what was printed
            instr, outer = stack.pop()
            outer.append(f"⟦{' '.join(''.join(instr).split())}|{''.join(text)} (no end)⟧")
            text = outer
        return "".join(text)

    # Blocks --------------------------------------------------------------

    def paragraph(self, p: etree._Element, indent: str) -> Iterator[str]:
        ppr = p.find(w("pPr"))
        style_el = ppr.find(w("pStyle")) if ppr is not None else None
        style_id = (
            style_el.get(w("val")) if style_el is not None else self.pkg.default_paragraph_style
        )
        if _on(self.pkg.paragraph_property(ppr, style_id, "pageBreakBefore")):
            yield f"{indent}--- page break (before {self.pkg.style_name(style_id)}) ---"
        head = f"{indent}p {self.pkg.style_name(style_id)}"
        label = self.pkg.list_label(self.pkg.paragraph_property(ppr, style_id, "numPr"), style_id)
        if label:
            head += f" {label}"
        yield f"{head}: {_quote(self.paragraph_text(p))}"
        sect = ppr.find(w("sectPr")) if ppr is not None else None
        if sect is not None:
            yield from self.section(sect, indent, final=False)

    def table(self, tbl: etree._Element, indent: str) -> Iterator[str]:
        tbl_style = tbl.find(f"{w('tblPr')}/{w('tblStyle')}")
        columns = len(tbl.findall(f"{w('tblGrid')}/{w('gridCol')}"))
        style = self.pkg.style_name(tbl_style.get(w("val")) if tbl_style is not None else None)
        yield f"{indent}table {style}, {columns} columns"
        for row_no, tr in enumerate(tbl.findall(w("tr")), 1):
            yield from self.row(tr, row_no, indent + "  ")

    def row(self, tr: etree._Element, row_no: int, indent: str) -> Iterator[str]:
        trpr = tr.find(w("trPr"))
        marks: list[str] = []
        column = 1
        if trpr is not None:
            for prop in ("tblHeader", "cantSplit"):
                if _on(trpr.find(w(prop))):
                    marks.append(prop)
            before = trpr.find(w("gridBefore"))
            if before is not None:
                column += int(before.get(w("val"), "0"))
                marks.append(f"gridBefore {before.get(w('val'))}")
            after = trpr.find(w("gridAfter"))
            if after is not None:
                marks.append(f"gridAfter {after.get(w('val'))}")
        yield f"{indent}row {row_no}" + (f" [{', '.join(marks)}]" if marks else "")
        for tc in self._cells(tr):
            tcpr = tc.find(w("tcPr"))
            span_el = tcpr.find(w("gridSpan")) if tcpr is not None else None
            span = int(span_el.get(w("val"), "1")) if span_el is not None else 1
            where = f"c{column}" if span == 1 else f"c{column}-{column + span - 1}"
            cell_marks = [f"gridSpan {span}"] if span != 1 else []
            vmerge = tcpr.find(w("vMerge")) if tcpr is not None else None
            if vmerge is not None:
                cell_marks.append(f"vMerge {vmerge.get(w('val'), 'continue')}")
            hmerge = tcpr.find(w("hMerge")) if tcpr is not None else None
            if hmerge is not None:
                cell_marks.append(f"hMerge {hmerge.get(w('val'), 'continue')}")
            yield f"{indent}  cell {where}" + (f" [{', '.join(cell_marks)}]" if cell_marks else "")
            yield from self.blocks(tc, indent + "    ")
            column += span

    def _cells(self, tr: etree._Element) -> Iterator[etree._Element]:
        for child in tr:
            if child.tag == w("tc"):
                yield child
            elif child.tag in (w("sdt"), w("customXml")):
                content = child.find(w("sdtContent")) if child.tag == w("sdt") else child
                if content is not None:
                    yield from self._cells(content)

    def section(self, sect: etree._Element, indent: str, *, final: bool) -> Iterator[str]:
        kind = sect.find(w("type"))
        facts = [kind.get(w("val"), "nextPage") if kind is not None else "nextPage"]
        size = sect.find(w("pgSz"))
        if size is not None:
            width, height = size.get(w("w"), "?"), size.get(w("h"), "?")
            orient = size.get(w("orient")) or (
                "landscape"
                if width.isdigit() and height.isdigit() and int(width) > int(height)
                else "portrait"
            )
            facts.append(f"page {width}x{height} {orient}")
        cols = sect.find(w("cols"))
        if cols is not None and int(cols.get(w("num"), "1")) > 1:
            facts.append(f"{cols.get(w('num'))} columns")
        if _on(sect.find(w("titlePg"))):
            facts.append("titlePg")
        start = sect.find(w("pgNumType"))
        if start is not None and start.get(w("start")):
            facts.append(f"page numbers from {start.get(w('start'))}")
        label = "final section" if final else "section break"
        yield f"{indent}=== {label}: {', '.join(facts)} ==="
        rels = self.pkg.rels(self.pkg.document_part)
        refs = [
            (etree.QName(ref).localname.removesuffix("Reference"), ref)
            for ref in sect
            if ref.tag in (w("headerReference"), w("footerReference"))
        ]
        for part_kind, ref in sorted(refs, key=lambda kr: (kr[0], kr[1].get(w("type"), ""))):
            target = rels.get(ref.get(f"{{{R}}}id", ""))
            yield f"{indent}  {part_kind} {ref.get(w('type'), 'default')}:"
            if target is None or target not in self.pkg.names:
                yield f"{indent}    (missing part)"
                continue
            yield from self.blocks(self.pkg.xml(target), indent + "    ")

    def blocks(self, container: etree._Element, indent: str) -> Iterator[str]:
        for el in container:
            yield from self.block(el, indent)

    def block(self, el: etree._Element, indent: str) -> Iterator[str]:
        if el.tag == w("p"):
            yield from self.paragraph(el, indent)
        elif el.tag == w("tbl"):
            yield from self.table(el, indent)
        elif el.tag in (w("sdt"), w("customXml")):
            content = el.find(w("sdtContent")) if el.tag == w("sdt") else el
            if content is not None:
                yield from self.blocks(content, indent)
        elif el.tag == w("sectPr"):
            yield from self.section(el, indent, final=True)
        elif el.tag == w("altChunk"):
            yield f"{indent}⟦altChunk⟧"


def _header(title: str) -> list[str]:
    return [f"# {title}", f"# generated: {UPDATE_COMMAND}"]


def dump_docx(data: bytes, title: str) -> str:
    """The whole document: body, then its final section with headers and footers."""
    pkg = _Package(data)
    body = pkg.document.find(w("body"))
    assert body is not None, "a DOCX without w:body"
    return "\n".join([*_header(title), *_DocxDumper(pkg).blocks(body, "")]) + "\n"


def _is_pledge_start(el: etree._Element) -> bool:
    return el.tag == w("p") and any(
        (b.get(w("name")) or "").startswith("pledge_") for b in el.iter(w("bookmarkStart"))
    )


def dump_front_matter(data: bytes, title: str) -> str:
    """The booklet before its first pledge page (whose anchor is a ``pledge_…`` bookmark)."""
    pkg = _Package(data)
    body = pkg.document.find(w("body"))
    assert body is not None, "a DOCX without w:body"
    dumper = _DocxDumper(pkg)
    lines = _header(title)
    children = list(body)
    starts = [i for i, el in enumerate(children) if _is_pledge_start(el)]
    if not starts:
        raise AssertionError(f"{title}: no pledge page (bookmark pledge_…) found in the booklet")
    for el in children[: starts[0]]:
        lines.extend(dumper.block(el, ""))
    lines.append(f"… {len(starts)} pledge pages follow (dumped per pledge in <period>/<id>.txt) …")
    final = body.find(w("sectPr"))
    if final is not None:
        lines.extend(dumper.section(final, "", final=True))
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# XLSX


def _xlsx_value(value: object) -> str:
    if value is None:
        return "(no value)"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    return _quote(str(value))


def dump_sheet(data: bytes, sheet: str, title: str) -> str:
    """Every non-empty cell of ``sheet``: formula, stored value, number format."""
    formulas = openpyxl.load_workbook(io.BytesIO(data), data_only=False)
    values = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    ws, wv = formulas[sheet], values[sheet]
    lines = [*_header(title), f"sheets: {', '.join(formulas.sheetnames)}", f"sheet {sheet}"]
    merged = sorted(ws.merged_cells.ranges, key=lambda r: (r.min_row, r.min_col))
    lines.extend(f"merged {r.coord}" for r in merged)
    if ws.freeze_panes:
        lines.append(f"freeze panes at {ws.freeze_panes}")
    if ws.print_title_rows:
        lines.append(f"print title rows {ws.print_title_rows}")
    if ws.print_title_cols:
        lines.append(f"print title columns {ws.print_title_cols}")
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is None:
                continue
            stored = wv[cell.coordinate].value
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value[:1] == "="):
                text = f"{cell.coordinate}: {cell.value} → {_xlsx_value(stored)}"
            else:
                text = f"{cell.coordinate}: {_xlsx_value(cell.value)}"
            if cell.number_format and cell.number_format != "General":
                text += f"  [{cell.number_format}]"
            lines.append(text)
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------
# The set of dumps


_PLEDGE_FILE = re.compile(r"^(\d+)-(\d+)-(\d+) ")


def _pledge_id(name: str) -> str | None:
    match = _PLEDGE_FILE.match(PurePosixPath(name).name)
    return "-".join(str(int(part)) for part in match.groups()) if match else None


@functools.cache
def render(period: str) -> dict[str, bytes]:
    build = render_report(Period.parse(period), REPO / "records", REPO / "templates")
    return dict(build.files)


def dumps_for(period: str, files: dict[str, bytes] | None = None) -> dict[str, str]:
    """``{"2022H1/1-4-5.txt": text, …}`` for one period's build (rendered once per process)."""
    files = render(period) if files is None else files
    out: dict[str, str] = {}
    pledges = {n: _pledge_id(n) for n in files if n.startswith("공약별/") and n.endswith(".docx")}
    for name, pledge_id in sorted(pledges.items()):
        assert pledge_id is not None, f"unexpected per-pledge file name {name!r}"
        out[f"{period}/{pledge_id}.txt"] = dump_docx(files[name], f"{period} · {name}")
    booklet = [n for n in files if "/" not in n and n.endswith(".docx")]
    workbook = [n for n in files if "/" not in n and n.endswith(".xlsx")]
    assert len(booklet) == 1 and len(workbook) == 1, sorted(files)
    if period in FRONT_MATTER_PERIODS:
        title = f"{period} · {booklet[0]} · front matter (cover, 총괄표, 목차)"
        out[f"{period}/booklet-front.txt"] = dump_front_matter(files[booklet[0]], title)
    title = f"{period} · {workbook[0]} · sheet {SUMMARY_SHEET}"
    out[f"{period}/workbook-summary.txt"] = dump_sheet(files[workbook[0]], SUMMARY_SHEET, title)
    return out


def all_dumps() -> dict[str, str]:
    out: dict[str, str] = {}
    for period in PERIODS:
        out.update(dumps_for(period))
    return out


KEEP = {".gitattributes"}  # tests/golden's own, not a dump


def golden_files() -> list[str]:
    """Every file in ``tests/golden`` but :data:`KEEP`, relative to it."""
    if not GOLDEN.is_dir():
        return []
    names = (p.relative_to(GOLDEN).as_posix() for p in GOLDEN.rglob("*") if p.is_file())
    return sorted(n for n in names if n not in KEEP)


def read_golden(name: str) -> str | None:
    path = GOLDEN / name
    if not path.is_file():
        return None
    return path.read_bytes().decode("utf-8").replace("\r\n", "\n")


def unified_diff(name: str, expected: str | None, actual: str, limit: int = 80) -> str:
    """The first ``limit`` lines of golden → fresh, and how to accept an intended change."""
    if expected is None:
        head = f"tests/golden/{name} does not exist (a new output)."
        lines: list[str] = []
    else:
        head = f"tests/golden/{name} differs from the fresh rendering:"
        lines = list(
            difflib.unified_diff(
                expected.splitlines(),
                actual.splitlines(),
                f"tests/golden/{name} (golden)",
                f"tests/golden/{name} (rendered now)",
                lineterm="",
            )
        )
    shown = lines[:limit]
    if len(lines) > limit:
        shown.append(f"… {len(lines) - limit} more diff lines")
    tail = (
        f"If this change is intended, regenerate and review the diff: {UPDATE_COMMAND}\n"
        "(and say in the commit message which change it is and why)"
    )
    return "\n".join([head, *shown, tail])


def _write(dumps: dict[str, str]) -> list[str]:
    changed: list[str] = []
    for name, text in sorted(dumps.items()):
        path = GOLDEN / name
        if read_golden(name) != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(text.encode("utf-8"))
            changed.append(f"wrote   tests/golden/{name}")
    for name in golden_files():
        if name not in dumps:
            (GOLDEN / name).unlink()
            changed.append(f"removed tests/golden/{name} (no longer produced)")
    for folder in sorted(GOLDEN.rglob("*"), reverse=True):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return changed


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.golden_dump",
        description="Compare (default) or rewrite (--update) the golden dumps in tests/golden/.",
    )
    parser.add_argument(
        "--update", action="store_true", help="rewrite tests/golden/ from a fresh render"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)
    dumps = all_dumps()
    if args.update:
        changed = _write(dumps)
        print("\n".join(changed) if changed else "tests/golden/ is up to date")
        if changed:
            print("Review the diff (git diff tests/golden) before committing it.")
        return 0
    problems = [
        unified_diff(name, read_golden(name), text)
        for name, text in sorted(dumps.items())
        if read_golden(name) != text
    ]
    problems += [
        f"tests/golden/{n} is stale (no longer produced)" for n in golden_files() if n not in dumps
    ]
    print("\n\n".join(problems) if problems else f"{len(dumps)} golden dumps match")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
