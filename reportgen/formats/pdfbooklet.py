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

The PDFs are joined with pikepdf (qpdf): the booklet is the front matter's
pages then every part's; each pledge's PDF is its pages of its part. Both
stay **tagged** (LibreOffice exports with ``UseTaggedPDF``; a screen reader
reads the structure tree): :func:`join` carries every part's structure tree
into one Document element, renumbering the parts' marked-content keys
(``/StructParents``) so they follow one another and merging their parent
trees and role maps; :func:`cut_pages` gives each extract the elements of
its own pages (a pledge starts a page, so every element under a part's
Document belongs to one pledge) and the parent tree's entries of those
pages. qpdf copies each object once, so nothing is duplicated, and the
output is written with object streams (PDF 1.5, allowed in PDF/A-2b): the
tree is hundreds of small objects a page (LibreOffice 7.4 tags every text
run as a Span, about 280 a page here, and writes each element's layout
attributes as an object of its own), most of a part's bytes unpacked.
LibreOffice puts one resource dictionary naming every font of a document
on every page; each extract's pages keep only the fonts they draw with
(qpdf's ``remove_unreferenced_resources``), so a pledge carries no font
subset it does not use.

**Measured** (the 29 LibreOffice PDFs of a 300-pledge, 1,510-page booklet,
CPU seconds, medians of three, back to back on the shared 2-core machine,
load 4): joining them, tagged, 11.4 s and 25.6 MB; the untagged join with
pypdf before, 4.4 s and 11.3 MB. The earlier attempt at carrying the tree
with pypdf (branch formats-tagging-unlanded: 89 s for 1,300 pages, the
booklet 27 → 94 MB, as its author measured) cloned each element in Python
and wrote the tree unpacked: pypdf writes no object streams.
Cutting six parts into their 66 pledges' PDFs: 2.4 s tagged (15.3 MB),
1.2 s untagged with pypdf (12.4 MB). Of the join, about half is qpdf
parsing and copying the trees' million objects, a quarter writing them,
a quarter freeing them. :class:`Booklet` does the copying part by part as
LibreOffice exports them (adding 28 parts 5.8 s, then the front matter,
the links and writing 2.5 s). The cost is memory: qpdf keeps every part
and the booklet's copies until the booklet is written, about 1.7 MB a
page (2.6 GB at 1,510 pages, measured alone), which grows with the
booklet; a pledge's cut keeps only its part open.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
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
# PDFs, through pikepdf (qpdf)

# A PDF is given as its bytes or as the path of a file holding them.
PdfSource = bytes | Path


def _open(pdf: PdfSource) -> Any:
    import pikepdf

    # LibreOffice gives every page its own /Resources and /MediaBox, so
    # nothing is inherited from the page tree; pushing inherited attributes
    # down (pikepdf's default) would read every object of the file first.
    source = pikepdf.open(
        pdf if isinstance(pdf, Path) else io.BytesIO(pdf), inherit_page_attributes=False
    )
    if any("/Resources" not in p.obj or "/MediaBox" not in p.obj for p in source.pages):
        source.close()
        source = pikepdf.open(pdf if isinstance(pdf, Path) else io.BytesIO(pdf))
    return source


def _save(out: Any, like: Any) -> bytes:
    import pikepdf

    buffer = io.BytesIO()
    out.save(
        buffer,
        # The structure tree is most of the bytes (hundreds of small objects
        # a page): object streams (PDF 1.5, allowed in PDF/A-2) compress it.
        object_stream_mode=pikepdf.ObjectStreamMode.generate,
        min_version=like.pdf_version,
        deterministic_id=True,
        # The XMP (title, PDF/A identification) stays as LibreOffice wrote it.
        fix_metadata_version=False,
    )
    return buffer.getvalue()


def page_count(pdf: PdfSource | Any) -> int:
    """The number of pages of ``pdf`` (bytes, a path or a PDF opened by pikepdf)."""
    import pikepdf

    if isinstance(pdf, pikepdf.Pdf):
        return len(pdf.pages)
    with _open(pdf) as source:
        return len(source.pages)


def _kids(element: Any) -> list[Any]:
    import pikepdf

    kids = element.get("/K")
    if kids is None:
        return []
    return list(kids) if isinstance(kids, pikepdf.Array) else [kids]


def _numbers(tree: Any) -> dict[int, Any]:
    """A number tree (the structure's parent tree) as a dict."""
    out: dict[int, Any] = {}
    stack = [tree]
    while stack:
        node = stack.pop()
        numbers = node.get("/Nums")
        if numbers is not None:
            for i in range(0, len(numbers) - 1, 2):
                out[int(numbers[i])] = numbers[i + 1]
        stack.extend(node.get("/Kids") or ())
    return out


def _copy(out: Any, source: Any, value: Any) -> Any:
    """``value`` of ``source`` as an object of ``out`` (what it refers to copied once)."""
    import pikepdf

    if not isinstance(value, pikepdf.Object) or not isinstance(
        value, pikepdf.Array | pikepdf.Dictionary | pikepdf.Stream
    ):
        return value
    return out.copy_foreign(value if value.is_indirect else source.make_indirect(value))


def _is_content(item: Any) -> bool:
    """Marked content or an annotation as a structure element's kid (not an element)."""
    import pikepdf

    return not isinstance(item, pikepdf.Dictionary) or item.get("/Type") in ("/MCR", "/OBJR")


def _top_elements(tree: Any) -> list[Any]:
    """The elements under the document element(s) LibreOffice writes at the top."""
    out = []
    for element in _kids(tree):
        if element.get("/S") == "/Document" and not any(_is_content(k) for k in _kids(element)):
            out.extend(_kids(element))
        else:
            out.append(element)
    return out


def _structure_root(
    out: Any, kids: list[Any], numbers: list[tuple[int, Any]], next_key: int, role_map: Any
) -> None:
    """Make ``kids`` the children of one Document element, the tree of ``out``'s tags."""
    import pikepdf
    from pikepdf import Array, Dictionary, Name

    root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
    document = out.make_indirect(
        Dictionary(Type=Name.StructElem, S=Name.Document, P=root, K=Array(kids))
    )
    for kid in kids:
        if isinstance(kid, pikepdf.Dictionary) and kid.is_indirect:
            kid.P = document
    flat = Array()
    for key, value in sorted(numbers, key=lambda kv: kv[0]):
        flat.append(key)
        flat.append(value)
    root.K = Array([document])
    root.ParentTree = out.make_indirect(Dictionary(Nums=flat))
    root.ParentTreeNextKey = next_key
    if role_map is not None and len(role_map):
        root.RoleMap = role_map
    out.Root.StructTreeRoot = root
    out.Root.MarkInfo = Dictionary(Marked=True)


def cut_pages(
    pdf: PdfSource | Any, ranges: Sequence[tuple[int, int]], titles: Sequence[str] = ()
) -> list[bytes]:
    """Each range of pages (first and last, 1-based) as a PDF of its own, tagged.

    ``titles`` (one per range) replaces the title the extract would inherit
    from the booklet, in the document information and the XMP alike. Each
    extract keeps the structure elements of its own pages (a pledge starts a
    page, so each element under the part's Document belongs to one pledge:
    the one its page /Pg falls in) and the parent tree's entries for its pages,
    with their keys: its tags are the part's, for the pages kept.
    """
    import pikepdf

    opened = isinstance(pdf, pikepdf.Pdf)
    source: Any = pdf if opened else _open(pdf)
    try:
        # Each page names only the fonts it draws with, so a pledge carries
        # no font subset it does not use (LibreOffice gives every page the
        # part's whole resource dictionary).
        source.remove_unreferenced_resources()
        tree = source.Root.get("/StructTreeRoot")
        numbers = _numbers(tree.ParentTree) if tree is not None and "/ParentTree" in tree else {}
        page_of = {p.obj.objgen: n for n, p in enumerate(source.pages, start=1)}
        on_page: dict[int | None, list[Any]] = {}
        for element in _top_elements(tree) if tree is not None else []:
            page = element.get("/Pg") if isinstance(element, pikepdf.Dictionary) else None
            number = page_of.get(page.objgen) if page is not None else None
            on_page.setdefault(number, []).append(element)
            if isinstance(element, pikepdf.Dictionary) and "/P" in element:
                # Copied without its parent: the parent would bring every element.
                del element["/P"]
        out_pdfs = []
        for k, (first, last) in enumerate(ranges):
            out = pikepdf.Pdf.new()
            pages = source.pages[first - 1 : last]
            out.pages.extend(pages)  # before the tags, which then point at these copies
            if tree is not None:
                kids = [
                    out.copy_foreign(e) for n in range(first, last + 1) for e in on_page.get(n, ())
                ]
                keys = []
                for page in pages:
                    if "/StructParents" in page.obj:
                        keys.append(int(page.obj.StructParents))
                    for annotation in page.obj.get("/Annots") or ():
                        if "/StructParent" in annotation:
                            keys.append(int(annotation.StructParent))
                kept = [(key, _copy(out, source, numbers[key])) for key in keys if key in numbers]
                next_key = int(tree.get("/ParentTreeNextKey", max(numbers, default=-1) + 1))
                role_map = _copy(out, source, tree.get("/RoleMap"))
                _structure_root(out, kids, kept, next_key, role_map)
            _carry_document_info(source, out)
            if k < len(titles):
                _retitle(out, titles[k])
            out_pdfs.append(_save(out, source))
            out.close()
        return out_pdfs
    finally:
        if not opened:
            source.close()


def join(pdfs: Sequence[PdfSource], links: dict[str, int] | None = None) -> bytes:
    """One PDF of all the pages of ``pdfs``, in order, tagged; document details from the first.

    ``links``: see :meth:`Booklet.add`. The same as adding each PDF to a
    :class:`Booklet` and finishing it.
    """
    booklet = Booklet()
    try:
        for n, pdf in enumerate(pdfs):
            booklet.add(n, pdf, links if n == 0 else None)
        return booklet.finish()
    finally:
        booklet.close()


class Booklet:
    """The booklet PDF, tagged, assembled from its parts in any order as they arrive.

    Parts are numbered by their place in the booklet (the front matter 0);
    each is copied in when :meth:`add` is given it, so the copying is done
    while LibreOffice lays out the parts still to come, and :meth:`finish`
    only links the contents and writes the file. The structure trees
    become one: every part's elements under one Document element, in page
    order; their marked-content keys (``/StructParents``) renumbered to
    follow one another; their parent trees and role maps merged (공약시작,
    분류 … as standard types). qpdf copies each object once: nothing is
    duplicated.
    """

    def __init__(self) -> None:
        import pikepdf

        self.out = pikepdf.Pdf.new()
        self.sources: dict[int, Any] = {}  # kept open: qpdf reads their streams when writing
        self.pages: dict[int, int] = {}
        self.kids: dict[int, list[Any]] = {}
        self.numbers: list[tuple[int, Any]] = []
        self.role_map = pikepdf.Dictionary()
        self.next_key = 0
        self.pointed: list[tuple[Any, int]] = []  # (link in the booklet, target page index)

    def add(self, index: int, pdf: PdfSource | Any, links: dict[str, int] | None = None) -> Any:
        """Copy in the PDF of part ``index``; return it opened (for :func:`cut_pages`).

        ``links`` points the part's links at pages of the whole booklet: a
        link whose text is a key goes to the top of the page of that
        (0-based) index once the booklet is finished; its other links are
        dropped (they pointed into the part alone).
        """
        import pikepdf

        source: Any = pdf if isinstance(pdf, pikepdf.Pdf) else _open(pdf)
        self.sources[index] = source
        out = self.out
        tree = source.Root.get("/StructTreeRoot")
        if links is not None:
            dropped: dict[int, tuple[int, int]] = {}  # links left out, by parent-tree key
            for page in source.pages:
                annotations = page.obj.get("/Annots")
                if annotations is None:
                    continue
                kept = pikepdf.Array()
                for annotation in annotations:
                    target = links.get(str(annotation.get("/Contents", "")).strip())
                    if annotation.get("/Subtype") == "/Link" and target is not None:
                        # Its destination names a page of the part alone.
                        for name in ("/Dest", "/A"):
                            if name in annotation:
                                del annotation[name]
                        kept.append(annotation)
                    elif "/StructParent" in annotation:
                        dropped[int(annotation.StructParent)] = annotation.objgen
                page.obj.Annots = kept
            if tree is not None and dropped:
                _drop_annotations(tree, dropped)
        at = sum(count for i, count in self.pages.items() if i < index)
        count = len(source.pages)
        for k, page in enumerate(source.pages):
            out.pages.insert(at + k, page)
        self.pages[index] = count
        copied = [out.pages[at + k].obj for k in range(count)]
        if links is not None:
            for page in copied:
                for annotation in page.get("/Annots") or ():
                    target = links.get(str(annotation.get("/Contents", "")).strip())
                    if target is not None:
                        self.pointed.append((annotation, target))
        if tree is None:
            return source
        tree = out.copy_foreign(tree)
        offset = self.next_key
        for page in copied:
            if "/StructParents" in page:
                page.StructParents = int(page.StructParents) + offset
            for annotation in page.get("/Annots") or ():
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + offset
        last = -1
        for number, value in (_numbers(tree.ParentTree) if "/ParentTree" in tree else {}).items():
            self.numbers.append((number + offset, value))
            last = max(last, number)
        self.next_key = offset + max(last + 1, int(tree.get("/ParentTreeNextKey", 0)))
        for name, standard in (tree.get("/RoleMap") or pikepdf.Dictionary()).items():
            if name not in self.role_map:
                self.role_map[name] = standard
        self.kids[index] = _top_elements(tree)
        return source

    def finish(self) -> bytes:
        """The booklet's bytes: links pointed, one tree, the first part's document details."""
        import pikepdf

        out = self.out
        for annotation, target in self.pointed:
            if 0 <= target < len(out.pages):
                page = out.pages[target]
                annotation.Dest = pikepdf.Array(
                    [page.obj, pikepdf.Name.XYZ, None, int(page.mediabox[3]), None]
                )
        kids = [kid for index in sorted(self.kids) for kid in self.kids[index]]
        if kids:
            _structure_root(out, kids, self.numbers, self.next_key, self.role_map)
        if not self.sources:
            return _save(out, out)
        first = self.sources[min(self.sources)]
        _carry_document_info(first, out)
        return _save(out, first)

    def close(self) -> None:
        self.out.close()
        for source in self.sources.values():
            source.close()


def _drop_annotations(tree: Any, dropped: dict[int, tuple[int, int]]) -> None:
    """Take annotations no longer on a page (by parent-tree key: object) out of ``tree``.

    Each was the kid (an object reference) of the element its key names in
    the parent tree; the element stays, with its text.
    """
    import pikepdf

    parents = tree.get("/ParentTree")
    numbers = parents.get("/Nums") if parents is not None else None
    if numbers is None or "/Kids" in parents:
        return  # LibreOffice writes one flat array; anything else is left as it is
    keep = pikepdf.Array()
    for i in range(0, len(numbers) - 1, 2):
        key, element = int(numbers[i]), numbers[i + 1]
        if key in dropped:
            if isinstance(element, pikepdf.Dictionary) and "/K" in element:
                element.K = pikepdf.Array(
                    k
                    for k in _kids(element)
                    if not (
                        isinstance(k, pikepdf.Dictionary)
                        and k.get("/Type") == "/OBJR"
                        and k.get("/Obj") is not None
                        and k.Obj.objgen == dropped[key]
                    )
                )
            continue
        keep.append(numbers[i])
        keep.append(element)
    parents.Nums = keep


# The title in LibreOffice's XMP: <dc:title><rdf:Alt><rdf:li xml:lang="x-default">…
_XMP_TITLE = re.compile(
    rb'(<dc:title>\s*<rdf:Alt>\s*<rdf:li xml:lang="x-default">)(.*?)(</rdf:li>)', re.S
)
# A fixed time for the document information, as reportgen.formats.pdf.reproducible_pdf
# gives LibreOffice's own files: "D:20261204193557Z'" -> "D:20000101000000Z'".
_INFO_TIME = re.compile(r"^D:[0-9]{14}")


def _retitle(out: Any, title: str) -> None:
    """Give ``out`` the title ``title``: document information and XMP agree."""
    from xml.sax.saxutils import escape

    import pikepdf

    out.docinfo[pikepdf.Name.Title] = pikepdf.String(title)
    metadata = out.Root.get("/Metadata")
    if metadata is None:
        return
    text = escape(title).encode("utf-8")
    data = _XMP_TITLE.sub(lambda m: m.group(1) + text + m.group(3), metadata.read_bytes())
    metadata.write(data)  # unfiltered, as PDF/A asks of the XMP


def _carry_document_info(source: Any, out: Any) -> None:
    import pikepdf

    info = source.trailer.get("/Info")
    if info is not None:
        made = pikepdf.Dictionary()
        for key, value in info.items():
            if isinstance(value, pikepdf.String):
                text = str(value)
                if key.endswith("Date"):
                    text = _INFO_TIME.sub("D:20000101000000", text)
                made[key] = pikepdf.String(text)
        out.trailer.Info = out.make_indirect(made)
    # What makes the file PDF/A and says its language: the XMP (pdfaid, title,
    # author, agreeing with the document information above), the output
    # intent (the colour space of every page) and /Lang. Pages are copied,
    # not the catalogue, so they are carried over here.
    for key in ("/Lang", "/Metadata", "/OutputIntents"):
        value = source.Root.get(key)
        if value is not None:
            out.Root[key] = _copy(out, source, value)
