"""Cutting the booklet into parts LibreOffice can lay out side by side, and the PDFs back together.

LibreOffice lays out one document on one core, and a long document costs it
more per page than a short one. The booklet is every pledge's pages behind a
front matter (cover, 총괄표, 목차), each pledge starting a page at a bookmark
of its own, so it can be cut at those bookmarks into documents that lay out
exactly as the same pages of the whole booklet would:

- the **front matter**, whose table of contents points at pledges in other
  parts with PAGEREF fields: each becomes a REF field to a hidden bookmark
  holding the page number, written in once every part's pages are known (a
  first copy with four-digit stand-ins tells how many pages the front matter
  has); LibreOffice makes a link of each, which :func:`join` points at the
  pledge's page;
- **parts** of consecutive pledges, each numbered from where it falls in the
  booklet (LibreOffice is told the first page number after laying it out).

:func:`cut_booklet` refuses (returns None) a booklet whose pages depend on
what comes before them — paragraph-level section breaks, automatic list
numbering, footnotes, fields counting pages or referring elsewhere — and
the caller converts it whole instead.

The PDFs are joined with pypdf: the booklet is the front matter's pages then
every part's; each pledge's PDF is its pages of its part. LibreOffice puts
one resource dictionary naming every font of a document on every page;
:func:`prune_fonts` gives each page only the fonts it draws with, so a pledge
cut from a part carries no font subset it does not use.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
DOCUMENT = "word/document.xml"
# Parts are cut to about this much document XML (about 50 pages here):
# small enough to lay out cheaply and to share out between the cores,
# large enough that each document's fixed cost (styles, start-up) stays small.
PART_BYTES = 1_000_000
STAND_IN = "8888"

_PARSER = etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True, load_dtd=False)
_CUT = "rg-cut"
_MARK = "\ue000{}\ue001"
_LINK = "_rg_contents_"  # hidden bookmarks (a leading underscore) the contents link through
_LINK_ID = 900_000
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_MARK_RE = re.compile("\ue000(\\d+)\ue001")
# Fields whose value depends on other pages or on the whole document.
_DEPENDENT_FIELD = re.compile(r"\b(PAGEREF|REF|NOTEREF|SEQ|NUMPAGES|SECTIONPAGES|SECTION)\b")
_COUNTING_FIELD = re.compile(r"\b(NUMPAGES|SECTIONPAGES|SEQ)\b")
_TITLE_PAGE = re.compile(r"<w:titlePg(?:\s[^>]*)?/>")


@dataclass
class Part:
    """Consecutive pledges of the booklet, as a document of their own."""

    docx: bytes
    anchors: list[str]  # the pledges' bookmarks, in order; the first opens page 1


@dataclass
class CutBooklet:
    front_xml: str  # document.xml of the front matter, page numbers still marked
    package: dict[str, bytes]
    order: list[str]
    anchors: list[str]  # bookmark of each marked TOC entry, by mark number
    parts: list[Part]
    first_number: int  # the number printed on the booklet's first page

    def front(self, numbers: dict[str, int] | None) -> bytes:
        """The front matter with the TOC's page numbers (four-digit stand-ins if None)."""

        def number(m: re.Match[str]) -> str:
            if numbers is None:
                return STAND_IN
            return str(numbers[self.anchors[int(m.group(1))]])

        xml = _MARK_RE.sub(number, self.front_xml)
        return _zip(self.package, self.order, xml.encode("utf-8"))


def _zip(package: dict[str, bytes], order: Sequence[str], document: bytes) -> bytes:
    out = io.BytesIO()
    # Stored, not deflated: LibreOffice reads it at once, and it is thrown away.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for name in order:
            z.writestr(name, document if name == DOCUMENT else package[name])
    return out.getvalue()


def _instructions(element: etree._Element) -> str:
    parts = [t.text or "" for t in element.iter(f"{W}instrText")]
    parts += [s.get(f"{W}instr", "") for s in element.iter(f"{W}fldSimple")]
    return " ".join(parts)


def _pageref_target(instruction: str, anchors: set[str]) -> str | None:
    m = re.match(r"\s*PAGEREF\s+(\S+)", instruction)
    return m.group(1) if m and m.group(1) in anchors else None


def _mark_pagerefs(front: Iterable[etree._Element], anchors: set[str]) -> list[str] | None:
    """Turn each complex PAGEREF field to a pledge into one run holding a mark.

    Returns the bookmark of each mark, by number; None when a field is not of
    the simple begin / instruction / separate / result / end shape.
    """
    marked: list[str] = []
    for element in front:
        for paragraph in element.iter(f"{W}p"):
            runs = [r for r in paragraph.iter(f"{W}r")]
            i = 0
            while i < len(runs):
                begin = runs[i].find(f"{W}fldChar")
                if begin is None or begin.get(f"{W}fldCharType") != "begin":
                    i += 1
                    continue
                j = i + 1
                while j < len(runs):
                    ch = runs[j].find(f"{W}fldChar")
                    if ch is not None and ch.get(f"{W}fldCharType") in ("begin", "end"):
                        break
                    j += 1
                if j == len(runs) or runs[j].find(f"{W}fldChar").get(f"{W}fldCharType") != "end":
                    i += 1  # nested or unterminated: left alone (and checked below)
                    continue
                field = runs[i : j + 1]
                target = _pageref_target(
                    " ".join(t.text or "" for r in field for t in r.iter(f"{W}instrText")), anchors
                )
                if target is None:
                    i = j + 1
                    continue
                if any(r.getparent() is not field[0].getparent() for r in field):
                    return None
                result = next((r for r in field if r.find(f"{W}t") is not None), field[0])
                props = result.find(f"{W}rPr")
                mark = _MARK.format(len(marked))
                for run in _ref_field(f"{_LINK}{len(marked)}", mark, props):
                    field[0].addprevious(run)
                marked.append(target)
                for r in field:
                    r.getparent().remove(r)
                i = j + 1
    return marked


def _run(props: etree._Element | None, hidden: bool = False) -> etree._Element:
    run = etree.Element(f"{W}r")
    if props is not None:
        run.append(etree.fromstring(etree.tostring(props)))
    if hidden:
        rpr = run.find(f"{W}rPr")
        if rpr is None:
            rpr = etree.SubElement(run, f"{W}rPr")
        etree.SubElement(rpr, f"{W}vanish")
    return run


def _ref_field(bookmark: str, text: str, props: etree._Element | None) -> list[etree._Element]:
    """``REF bookmark \\h`` showing ``text``: a link LibreOffice exports, unlike a hyperlink."""
    runs = []
    for kind, content in (
        ("begin", None),
        (None, f" REF {bookmark} \\h "),
        ("separate", None),
        (None, text),
        ("end", None),
    ):
        run = _run(props)
        if kind is not None:
            etree.SubElement(run, f"{W}fldChar").set(f"{W}fldCharType", kind)
        elif content is not None and content.startswith(" REF"):
            instr = etree.SubElement(run, f"{W}instrText")
            instr.set(XML_SPACE, "preserve")
            instr.text = content
        else:
            etree.SubElement(run, f"{W}t").text = content
        runs.append(run)
    return runs


def _link_targets(front: Sequence[etree._Element], count: int) -> bool:
    """The bookmarks the contents' REF fields show: hidden copies of the page numbers.

    The REF fields make LibreOffice write a link over each page number, which
    :func:`join` points at the pledge's page; the bookmarks they refer to hold
    the same number as hidden text at the end of the front matter's last
    paragraph, where they take no room.
    """
    paragraph = next((e for e in reversed(front) if e.tag == f"{W}p"), None)
    if paragraph is None:
        return False
    for k in range(count):
        start = etree.SubElement(paragraph, f"{W}bookmarkStart")
        start.set(f"{W}id", str(_LINK_ID + k))
        start.set(f"{W}name", f"{_LINK}{k}")
        run = _run(None, hidden=True)
        etree.SubElement(run, f"{W}t").text = _MARK.format(k)
        paragraph.append(run)
        etree.SubElement(paragraph, f"{W}bookmarkEnd").set(f"{W}id", str(_LINK_ID + k))
    return True


def _numbered_styles(styles: bytes | None) -> set[str]:
    if not styles:
        return set()
    root = etree.fromstring(styles, _PARSER)
    return {
        s.get(f"{W}styleId", "")
        for s in root.iter(f"{W}style")
        if s.find(f"{W}pPr/{W}numPr") is not None
    }


def cut_booklet(
    data: bytes, anchors: Sequence[str], part_bytes: int = PART_BYTES
) -> CutBooklet | None:
    """Cut the booklet before each pledge's bookmark (``anchors``, in booklet order).

    None when the booklet cannot be cut without changing a page (see the
    module's docstring) or does not have the expected shape.
    """
    if not anchors:
        return None
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        order = z.namelist()
        package = {name: z.read(name) for name in order}
    if DOCUMENT not in package:
        return None
    root = etree.fromstring(package[DOCUMENT], _PARSER)
    if root.nsmap.get("w") != W_NS:
        return None
    body = root.find(f"{W}body")
    if body is None:
        return None
    children = list(body)
    if not children or children[-1].tag != f"{W}sectPr":
        return None
    sect = children[-1]
    content = children[:-1]
    where: dict[str, int] = {}
    for i, element in enumerate(content):
        if element.find(f".//{W}sectPr") is not None:
            return None  # sections inside: each part would need its own
        for mark in element.iter(f"{W}bookmarkStart"):
            where.setdefault(mark.get(f"{W}name", ""), i)
    starts = [where.get(a, -1) for a in anchors]
    if min(starts) < 0 or any(b <= a for a, b in zip(starts, starts[1:], strict=False)):
        return None
    numbered = _numbered_styles(package.get("word/styles.xml"))
    pledges = content[starts[0] :]
    for element in pledges:
        if (
            element.find(f".//{W}numPr") is not None
            or element.find(f".//{W}footnoteReference") is not None
        ):
            return None
        if any(s.get(f"{W}val") in numbered for s in element.iter(f"{W}pStyle")):
            return None
        if _DEPENDENT_FIELD.search(_instructions(element)):
            return None
    for name, blob in package.items():
        if re.match(r"word/(header|footer)\d*\.xml$", name):
            if _COUNTING_FIELD.search(_instructions(etree.fromstring(blob, _PARSER))):
                return None
    front = content[: starts[0]]
    marked = _mark_pagerefs(front, set(anchors))
    if marked is None or (marked and not _link_targets(front, len(marked))):
        return None
    for element in front:
        if re.search(r"\bPAGEREF\b", _instructions(element)):
            return None  # a reference we could not resolve
    number_type = sect.find(f"{W}pgNumType")
    first_number = 1
    if number_type is not None and number_type.get(f"{W}start"):
        try:
            first_number = int(number_type.get(f"{W}start", "1"))
        except ValueError:
            return None

    # Serialize once, with a cut mark before every child of the body.
    for element in children:
        element.addprevious(etree.ProcessingInstruction(_CUT))
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True).decode(
        "utf-8"
    )
    cut_mark = etree.tostring(etree.ProcessingInstruction(_CUT)).decode()
    if text.count(cut_mark) != len(children):
        return None
    pieces = text.split(cut_mark)
    head, items, last = pieces[0], pieces[1:-1], pieces[-1]
    if len(items) != len(content) or not last.startswith("<w:sectPr"):
        return None
    end = last.index("</w:sectPr>") + len("</w:sectPr>")
    sect_xml, tail = last[:end], last[end:]
    # Only the booklet's first page goes without a footer (w:titlePg).
    part_sect = _TITLE_PAGE.sub("", sect_xml)

    front_xml = head + "".join(items[: starts[0]]) + sect_xml + tail
    bounds = [*starts, len(content)]
    parts: list[Part] = []
    chunk: list[str] = []
    chunk_anchors: list[str] = []
    size = 0
    for k, anchor in enumerate(anchors):
        pledge = "".join(items[bounds[k] : bounds[k + 1]])
        chunk.append(pledge)
        chunk_anchors.append(anchor)
        size += len(pledge)
        if size >= part_bytes or k == len(anchors) - 1:
            xml = head + "".join(chunk) + part_sect + tail
            parts.append(Part(_zip(package, order, xml.encode("utf-8")), chunk_anchors))
            chunk, chunk_anchors, size = [], [], 0
    return CutBooklet(front_xml, package, order, marked, parts, first_number)


# ---------------------------------------------------------------------------
# PDFs

_FONT_USE = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s+[-+\d.]+\s+Tf\b")


def prune_fonts(page: object) -> None:
    """Leave in a page's resources only the fonts its content draws with."""
    from pypdf.generic import DictionaryObject, NameObject

    assert isinstance(page, DictionaryObject)
    resources = page.get("/Resources")
    if resources is None:
        return
    resources = resources.get_object()
    fonts = resources.get("/Font")
    if fonts is None:
        return
    fonts = fonts.get_object()
    contents = page.get_contents()  # type: ignore[attr-defined]
    if contents is None:
        return
    data = contents.get_data()
    if re.search(rb"\sDo\b", data):
        return  # a form drawn from the page may use the page's fonts
    used = {m.group(1).decode("latin-1") for m in _FONT_USE.finditer(data)}
    if any(f"/{name}" not in fonts for name in used):
        return  # drawn through something we do not follow: leave it be
    kept = DictionaryObject({NameObject(k): v for k, v in fonts.items() if k[1:] in used})
    if len(kept) == len(fonts):
        return
    own = DictionaryObject({NameObject(k): v for k, v in resources.items()})
    own[NameObject("/Font")] = kept
    page[NameObject("/Resources")] = own


def page_count(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)


def cut_pages(
    pdf: bytes, ranges: Sequence[tuple[int, int]], titles: Sequence[str] = ()
) -> list[bytes]:
    """Each range of pages (first and last, 1-based) as a PDF of its own.

    ``titles`` (one per range) replaces the title the extract would inherit
    from the booklet, in the document information and the XMP alike.
    """
    from pypdf import PdfReader, PdfWriter

    reader = PdfReader(io.BytesIO(pdf))
    for page in reader.pages:
        prune_fonts(page)
    out = []
    for k, (first, last) in enumerate(ranges):
        writer = PdfWriter()
        for number in range(first, last + 1):
            writer.add_page(reader.pages[number - 1])
        _carry_document_info(reader, writer)
        if k < len(titles):
            _retitle(writer, titles[k])
        buffer = io.BytesIO()
        writer.write(buffer)
        out.append(buffer.getvalue())
    return out


def join(pdfs: Sequence[bytes], links: dict[str, int] | None = None) -> bytes:
    """One PDF of all the pages of ``pdfs``, in order; document details from the first.

    ``links`` points the first PDF's links at pages of the whole: a link
    whose text is a key goes to the top of the page of that (0-based) index;
    its other links are dropped (they pointed into the first PDF alone).
    """
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, NameObject, NullObject, NumberObject

    writer = PdfWriter()
    first = None
    pointed: list[tuple[Any, int]] = []  # (link annotation in the writer, target page)
    for n, pdf in enumerate(pdfs):
        reader = PdfReader(io.BytesIO(pdf))
        first = first or reader
        for page in reader.pages:
            prune_fonts(page)
            targets: list[int] = []
            if n == 0 and "/Annots" in page:
                kept = ArrayObject()
                annotations: Any = page["/Annots"]
                for ref in annotations.get_object():
                    annotation = ref.get_object()
                    text = str(annotation.get("/Contents", "")).strip()
                    target = (links or {}).get(text)
                    if annotation.get("/Subtype") == "/Link" and target is not None:
                        # Its destination names a page of the first PDF alone.
                        annotation.pop("/Dest", None)
                        annotation.pop("/A", None)
                        kept.append(ref)
                        targets.append(target)
                page[NameObject("/Annots")] = kept
            added = writer.add_page(page)
            if targets:
                added_links: Any = added["/Annots"]
                for ref, target in zip(added_links.get_object(), targets, strict=True):
                    pointed.append((ref.get_object(), target))
    for annotation, target in pointed:
        if 0 <= target < len(writer.pages):
            page = writer.pages[target]
            annotation[NameObject("/Dest")] = ArrayObject(
                [
                    page.indirect_reference,
                    NameObject("/XYZ"),
                    NullObject(),
                    NumberObject(int(page.mediabox.top)),
                    NullObject(),
                ]
            )
    if first is not None:
        _carry_document_info(first, writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


# The title in LibreOffice's XMP: <dc:title><rdf:Alt><rdf:li xml:lang="x-default">…
_XMP_TITLE = re.compile(
    rb'(<dc:title>\s*<rdf:Alt>\s*<rdf:li xml:lang="x-default">)(.*?)(</rdf:li>)', re.S
)
# A fixed time for the document information, as reportgen.formats.pdf.reproducible_pdf
# gives LibreOffice's own files: "D:20261204193557Z'" -> "D:20000101000000Z'".
_INFO_TIME = re.compile(r"^D:[0-9]{14}")


def _retitle(writer: Any, title: str) -> None:
    """Give ``writer``'s PDF the title ``title``: document information and XMP agree."""
    from xml.sax.saxutils import escape

    from pypdf.generic import NameObject, TextStringObject

    writer._info.get_object()[NameObject("/Title")] = TextStringObject(title)
    metadata = writer._root_object.get("/Metadata")
    if metadata is None:
        return
    stream = metadata.get_object()
    text = escape(title).encode("utf-8")
    stream.set_data(_XMP_TITLE.sub(lambda m: m.group(1) + text + m.group(3), stream.get_data()))


def _copied(writer: Any, value: Any) -> Any:
    """``value`` of another PDF as an object of ``writer`` (indirect objects cloned)."""
    return value.clone(writer) if hasattr(value, "clone") else value


def _carry_document_info(reader: object, writer: object) -> None:
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import NameObject

    assert isinstance(reader, PdfReader) and isinstance(writer, PdfWriter)
    info = reader.metadata
    if info:
        writer.add_metadata(
            {
                k: _INFO_TIME.sub("D:20000101000000", v) if k.endswith("Date") else v
                for k, v in info.items()
                if isinstance(v, str)
            }
        )
    root = reader.trailer["/Root"].get_object()
    if not isinstance(root, dict):
        return
    # What makes the file PDF/A and says its language: the XMP (pdfaid, title,
    # author, agreeing with the document information above), the output
    # intent (the colour space of every page) and /Lang. pypdf copies pages,
    # not the catalogue, so they are carried over here.
    for key in ("/Lang", "/Metadata", "/OutputIntents"):
        value = root.get(key)
        if value is not None:
            writer._root_object[NameObject(key)] = _copied(writer, root.raw_get(key))
