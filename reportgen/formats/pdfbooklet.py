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

The PDFs are read with pikepdf (qpdf) and written object by object
(:mod:`reportgen.formats.pdfstream`): the booklet is the front matter's
pages then every part's; each pledge's PDF is its pages of its part. Both
stay **tagged** (LibreOffice exports with ``UseTaggedPDF``; a screen reader
reads the structure tree): :class:`Booklet` carries every part's structure
tree into one Document element, renumbering the parts' marked-content keys
(``/StructParents``) so they follow one another and merging their parent
trees and role maps; :func:`cut_pages` gives each extract the elements of
its own pages (a pledge starts a page, so every element under a part's
Document belongs to one pledge) and the parent tree's entries of those
pages. Each object is copied once, and the output is written with object
streams (PDF 1.5, allowed in PDF/A-2b): the tree is hundreds of small
objects a page (LibreOffice 7.4 tags every text run as a Span, about 280 a
page here, and writes each element's layout attributes as an object of its
own), most of a part's bytes unpacked. LibreOffice puts one resource
dictionary naming every font of a document on every page; each page keeps
only the fonts it draws with (qpdf's ``remove_unreferenced_resources``), so
a pledge carries no font subset it does not use.

**Memory.** The booklet is written to a file part by part, each part
closed before the next is read: memory is that of one part (~60 MB), not of
the booklet. Joined in qpdf's memory before, every part's structure tree
stayed until the booklet was written, about 1.7 MB a page: 3.0 GB for the
300-pledge build's 1,510 pages. The booklet's DOCX is cut the same way
(:func:`cut_booklet` reads it as a stream): parsed whole, its 31 MB of XML
held 550 MB.

**Measured** (the 29 LibreOffice PDFs of a 300-pledge, 1,510-page booklet,
CPU seconds on the shared 2-core machine): joined in qpdf's memory, the
booklet 7.0 s of copying as parts arrived, 2.5 s at the end, the pledges'
PDFs 7.4 s, 2.65 GB; written part by part, 5.3 s, 1.2 s at the end and
14.4 s, 250 MB. The earlier attempt at carrying the tree with pypdf
(branch formats-tagging-unlanded: 89 s for 1,300 pages, the booklet 27 →
94 MB, as its author measured) cloned each element in Python and wrote the
tree unpacked: pypdf writes no object streams.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lxml import etree

from .pdfstream import Copier, PdfWriter, Pieces, RawObjects, to_bytes, unparse

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
_BOOKMARK, _INSTR_TEXT, _FLD_SIMPLE = f"{W}bookmarkStart", f"{W}instrText", f"{W}fldSimple"
_P_STYLE, _SECT_PR = f"{W}pStyle", f"{W}sectPr"
# What _read_body looks at in each element of the body: the pledges' bookmarks,
# and what would make a page depend on others (fields, styles with automatic
# numbering, numbering, footnotes, a section break).
_LOOKED_AT = (
    _BOOKMARK,
    _INSTR_TEXT,
    _FLD_SIMPLE,
    _P_STYLE,
    _SECT_PR,
    f"{W}numPr",
    f"{W}footnoteReference",
)


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

    The document is read as a stream (``iterparse``): each pledge's element
    of the body is checked, serialized and dropped as soon as it is read, so
    only the front matter is ever a tree; a whole booklet parsed at once held
    ~18 times its XML (550 MB for 300 pledges).
    """
    if not anchors:
        return None
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        order = z.namelist()
        if DOCUMENT not in order:
            return None
        package = {name: z.read(name) for name in order if name != DOCUMENT}
        with z.open(DOCUMENT) as stream:
            read = _read_body(stream, anchors, _numbered_styles(package.get("word/styles.xml")))
    if read is None:
        return None
    root, front, pledges = read
    for name, blob in package.items():
        if re.match(r"word/(header|footer)\d*\.xml$", name):
            if _COUNTING_FIELD.search(_instructions(etree.fromstring(blob, _PARSER))):
                return None
    body = root.find(f"{W}body")
    assert body is not None
    children = list(body)
    sect = children[-1]
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

    # What is left of the tree (the front matter and the section) serialized
    # once, with a cut mark before every child of the body.
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
    if len(items) != len(front) or not last.startswith("<w:sectPr"):
        return None
    end = last.index("</w:sectPr>") + len("</w:sectPr>")
    sect_xml, tail = last[:end], last[end:]
    # Only the booklet's first page goes without a footer (w:titlePg).
    part_sect = _TITLE_PAGE.sub("", sect_xml).encode("utf-8")

    front_xml = head + "".join(items) + sect_xml + tail
    head_bytes, tail_bytes = head.encode("utf-8"), tail.encode("utf-8")
    parts: list[Part] = []
    chunk: list[bytes] = []
    chunk_anchors: list[str] = []
    size = 0
    for k, (anchor, pledge) in enumerate(zip(anchors, pledges, strict=True)):
        chunk.append(pledge)
        chunk_anchors.append(anchor)
        size += len(pledge.decode("utf-8"))  # characters, as parts have always been measured
        if size >= part_bytes or k == len(anchors) - 1:
            xml = head_bytes + b"".join(chunk) + part_sect + tail_bytes
            parts.append(Part(_zip(package, order, xml), chunk_anchors))
            chunk, chunk_anchors, size = [], [], 0
    return CutBooklet(front_xml, package, order, marked, parts, first_number)


def _read_body(
    stream: IO[bytes], anchors: Sequence[str], numbered: set[str]
) -> tuple[etree._Element, list[etree._Element], list[bytes]] | None:
    """The document's tree less the pledges, its front matter, and each pledge's XML.

    The front matter (the body's elements before the first pledge's bookmark)
    stays in the tree; from that bookmark on, each element of the body is
    checked (nothing in it may depend on other pages), serialized as it would
    be inside the whole document, and removed. None when an element cannot be
    cut out like that, or the pledges' bookmarks are missing or out of order.
    """
    where = {anchor: k for k, anchor in enumerate(anchors)}
    pledges: list[list[bytes]] = []
    front: list[etree._Element] = []
    body: etree._Element | None = None
    root: etree._Element | None = None
    section: etree._Element | None = None
    declared: dict[str, str] = {}
    declarations: dict[bytes, bytes] = {}

    def take(element: etree._Element) -> bool:
        """Read one element of the body; False when the booklet cannot be cut there."""
        nonlocal section
        if section is not None:
            return False  # the document's section must end its body
        if element.tag == f"{W}sectPr":
            section = element
            return True
        # One walk of the element finds all that is looked at (it was a walk each).
        found = []
        dependent = False
        instructions = []
        for el in element.iter(*_LOOKED_AT):
            tag = el.tag
            if tag == _BOOKMARK:
                k = where.pop(el.get(f"{W}name", ""), None)
                if k is not None:
                    found.append(k)
            elif tag == _INSTR_TEXT:
                instructions.append(el.text or "")
            elif tag == _FLD_SIMPLE:
                instructions.append(el.get(f"{W}instr", ""))
            elif tag == _P_STYLE:
                dependent = dependent or el.get(f"{W}val") in numbered
            elif tag == _SECT_PR:
                return False  # sections inside: each part would need its own
            else:  # automatic numbering, a footnote
                dependent = True
        if found:
            if found != [len(pledges)]:
                return False  # two pledges start in one element, or out of order
            pledges.append([])
        if not pledges:
            front.append(element)
            return True
        if dependent or _DEPENDENT_FIELD.search(" ".join(instructions)):
            return False
        xml = etree.tostring(element, encoding="UTF-8")
        pledges[-1].append(_inside(xml, declared, declarations))
        assert body is not None
        # Emptied first: lxml then need not walk the element's subtree to move
        # it out of the document (0.86 s a 300-pledge booklet; 0.29 s so).
        element.clear()
        body.remove(element)
        return True

    # Only the elements that can stand in the body are seen (the rest of the
    # tree is built all the same, and dropped with its pledge's element); any
    # other element of the body is read with the next one seen.
    for _event, element in etree.iterparse(
        stream,
        events=("end",),
        tag=(f"{W}p", f"{W}tbl", f"{W}sectPr", f"{W}sdt", f"{W}customXml"),
        huge_tree=True,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    ):
        if body is None:
            body = next(element.iterancestors(f"{W}body"), None)
            if body is None:
                continue
            root = body.getparent()
            if root is None or root.nsmap.get("w") != W_NS:
                return None
            declared = {k or "": v for k, v in root.nsmap.items()}
        if element.getparent() is not body:
            continue
        children = list(body)
        for other in children[len(front) : children.index(element) + 1]:
            if other is not section and not take(other):
                return None
    if body is None or root is None or section is None or where or not pledges:
        return None
    if body[-1] is not section:
        return None  # something after the section
    return root, front, [b"".join(p) for p in pledges]


_DECLARATION = re.compile(rb' xmlns(?::([\w.-]+))?="([^"]*)"')
_DECLARATIONS = re.compile(rb'(?: xmlns(?::[\w.-]+)?="[^"]*")+')


def _inside(xml: bytes, declared: dict[str, str], seen: dict[bytes, bytes]) -> bytes:
    """An element serialized on its own, without the namespaces its document declares.

    lxml declares on an element serialized alone every namespace of its
    ancestors; inside the document they are the root's, so they go. ``seen``
    remembers what each run of declarations became (it is the same run for
    every element of a body).
    """
    end = xml.index(b">")
    first = xml.find(b" xmlns", 0, end)
    if first < 0:
        return xml
    # The declarations come before the attributes.
    m = _DECLARATIONS.match(xml, first, end)
    if m is None:
        return xml
    run = m.group(0)
    kept = seen.get(run)
    if kept is None:

        def keep(d: re.Match[bytes]) -> bytes:
            prefix = (d.group(1) or b"").decode()
            return b"" if declared.get(prefix) == d.group(2).decode() else d.group(0)

        kept = seen[run] = _DECLARATION.sub(keep, run)
    return xml[:first] + kept + xml[m.end() :]


# ---------------------------------------------------------------------------
# PDFs, read by pikepdf (qpdf), written object by object (pdfstream)

# A PDF is given as its bytes or as the path of a file holding them.
PdfSource = bytes | Path
# A PDF's objects as unparsed, shared by the copies made of it (see pdfstream.Copier).
Cache = dict[bytes, tuple[Pieces, bytes | None]]


def open_pdf(pdf: PdfSource) -> Any:
    """``pdf`` opened by pikepdf (a context manager: closed at its end)."""
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


def page_count(pdf: PdfSource | Any) -> int:
    """The number of pages of ``pdf`` (bytes, a path or a PDF opened by pikepdf)."""
    import pikepdf

    if isinstance(pdf, pikepdf.Pdf):
        return len(pdf.pages)
    with open_pdf(pdf) as source:
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


def _is_content(item: Any) -> bool:
    """Marked content or an annotation as a structure element's kid (not an element)."""
    import pikepdf

    return not isinstance(item, pikepdf.Dictionary) or item.get("/Type") in ("/MCR", "/OBJR")


@dataclass
class _Source:
    """What joining and cutting need of one PDF: its pages and its structure tree."""

    pdf: Any
    tree: Any  # the /StructTreeRoot, or None when the PDF is not tagged
    top: list[Any]  # the elements under the Document element(s) LibreOffice writes at the top
    above: list[tuple[int, int]]  # the root and those Document elements: replaced, not copied
    page_tree: list[tuple[int, int]]  # the /Pages nodes: replaced by the output's
    numbers: dict[int, Any]  # the parent tree: marked-content key -> element(s)
    next_key: int

    @classmethod
    def read(cls, pdf: Any) -> _Source:
        import pikepdf

        tree = pdf.Root.get("/StructTreeRoot")
        top: list[Any] = []
        above: list[tuple[int, int]] = []
        if tree is not None:
            if tree.is_indirect:
                above.append(tree.objgen)
            for element in _kids(tree):
                if element.get("/S") == "/Document" and not any(
                    _is_content(k) for k in _kids(element)
                ):
                    top.extend(_kids(element))
                    if element.is_indirect:
                        above.append(element.objgen)
                else:
                    top.append(element)
        page_tree = []
        stack = [pdf.Root.get("/Pages")]
        while stack:
            node = stack.pop()
            if isinstance(node, pikepdf.Dictionary) and node.get("/Type") != "/Page":
                if node.is_indirect:
                    page_tree.append(node.objgen)
                stack.extend(node.get("/Kids") or ())
        numbers = _numbers(tree.ParentTree) if tree is not None and "/ParentTree" in tree else {}
        next_key = max(numbers, default=-1) + 1
        if tree is not None:
            next_key = max(next_key, int(tree.get("/ParentTreeNextKey", 0)))
        return cls(pdf, tree, top, above, page_tree, numbers, next_key)

    def copier(
        self,
        writer: PdfWriter,
        pages: int,
        document: int | None,
        cache: Cache | None,
        raw: RawObjects | None = None,
    ) -> Copier:
        """A copier into ``writer`` whose page tree is ``pages`` and Document ``document``."""
        fixed = dict.fromkeys(self.page_tree, pages)
        if document is not None:
            fixed.update(dict.fromkeys(self.above, document))
        return Copier(self.pdf, writer, fixed, cache, raw)

    def role_map(self) -> dict[str, bytes]:
        import pikepdf

        role_map = self.tree.get("/RoleMap") if self.tree is not None else None
        if not isinstance(role_map, pikepdf.Dictionary):
            return {}
        return {name: unparse(standard) for name, standard in role_map.items()}


def _name(name: str) -> bytes:
    import pikepdf

    return bytes(pikepdf.Name(name).unparse())


def _dictionary(entries: dict[str, bytes]) -> bytes:
    return b"<< " + b" ".join(_name(k) + b" " + v for k, v in entries.items()) + b" >>"


def _array(items: Iterable[bytes]) -> bytes:
    return b"[ " + b" ".join(items) + b" ]"


def _ref(number: int) -> bytes:
    return b"%d 0 R" % number


def _write_tree(
    writer: PdfWriter,
    root: int,
    document: int,
    kids: list[bytes],
    numbers: list[tuple[int, bytes]],
    next_key: int,
    role_map: dict[str, bytes],
) -> None:
    """The structure tree's root: one Document element over ``kids``, the parent tree."""
    parent_tree = writer.new()
    writer.put(
        document,
        _dictionary(
            {"/Type": b"/StructElem", "/S": b"/Document", "/P": _ref(root), "/K": _array(kids)}
        ),
    )
    flat = [b"%d %s" % (key, value) for key, value in sorted(numbers, key=lambda kv: kv[0])]
    writer.put(parent_tree, b"<< /Nums " + _array(flat) + b" >>")
    entries = {
        "/Type": b"/StructTreeRoot",
        "/K": _array([_ref(document)]),
        "/ParentTree": _ref(parent_tree),
        "/ParentTreeNextKey": b"%d" % next_key,
    }
    if role_map:
        entries["/RoleMap"] = _dictionary(role_map)
    writer.put(root, _dictionary(entries))


# The title in LibreOffice's XMP: <dc:title><rdf:Alt><rdf:li xml:lang="x-default">…
_XMP_TITLE = re.compile(
    rb'(<dc:title>\s*<rdf:Alt>\s*<rdf:li xml:lang="x-default">)(.*?)(</rdf:li>)', re.S
)
# A fixed time for the document information, as reportgen.formats.pdf.reproducible_pdf
# gives LibreOffice's own files: "D:20261204193557Z'" -> "D:20000101000000Z'".
_INFO_TIME = re.compile(r"^D:[0-9]{14}")


def _document_details(
    source: Any,
    value: Callable[[Any], bytes],
    writer: PdfWriter,
    title: str | None = None,
) -> tuple[dict[str, bytes], int | None]:
    """The catalogue's entries that make the file PDF/A and say its language, and its Info.

    The XMP (pdfaid, title, author, agreeing with the document information),
    the output intent (the colour space of every page) and /Lang are the
    source's; so is the document information, its times fixed. ``title``
    replaces the title in both. ``value`` gives a value of the source as it
    is written.
    """
    from xml.sax.saxutils import escape

    import pikepdf

    entries: dict[str, bytes] = {}
    for key in ("/Lang", "/OutputIntents"):
        found = source.Root.get(key)
        if found is not None:
            entries[key] = value(found)
    metadata = source.Root.get("/Metadata")
    if isinstance(metadata, pikepdf.Stream):
        if title is None:
            entries["/Metadata"] = value(metadata)
        else:
            xmp_title = escape(title).encode("utf-8")
            data = _XMP_TITLE.sub(
                lambda m: m.group(1) + xmp_title + m.group(3), metadata.read_bytes()
            )
            number = writer.new()
            # Unfiltered, as PDF/A asks of the XMP.
            writer.put_stream(
                number, b"<< /Type /Metadata /Subtype /XML /Length %d >>" % len(data), data
            )
            entries["/Metadata"] = _ref(number)
    info = source.trailer.get("/Info")
    made = pikepdf.Dictionary()
    if info is not None:
        for key, entry in info.items():
            if isinstance(entry, pikepdf.String):
                text = str(entry)
                if key.endswith("Date"):
                    text = _INFO_TIME.sub("D:20000101000000", text)
                made[key] = pikepdf.String(text)
    if title is not None:
        made[pikepdf.Name.Title] = pikepdf.String(title)
    if not len(made):
        return entries, None
    number = writer.new()
    writer.put(number, unparse(made))
    return entries, number


def _write_catalog(
    writer: PdfWriter, catalog: int, pages: int, root: int | None, details: dict[str, bytes]
) -> None:
    entries = {"/Type": b"/Catalog", "/Pages": _ref(pages)}
    if root is not None:
        entries["/StructTreeRoot"] = _ref(root)
        entries["/MarkInfo"] = b"<< /Marked true >>"
    entries.update(details)
    writer.put(catalog, _dictionary(entries))


def cut_pages(
    pdf: PdfSource | Any,
    ranges: Sequence[tuple[int, int]],
    titles: Sequence[str] = (),
    cache: Cache | None = None,
    raw: RawObjects | None = None,
) -> list[bytes]:
    """Each range of pages (first and last, 1-based) as a PDF of its own, tagged.

    ``titles`` (one per range) replaces the title the extract would inherit
    from the booklet, in the document information and the XMP alike. Each
    extract keeps the structure elements of its own pages (a pledge starts a
    page, so each element under the part's Document belongs to one pledge:
    the one its page /Pg falls in) and the parent tree's entries for its pages,
    with their keys: its tags are the part's, for the pages kept. ``cache``
    and ``raw``: see :meth:`Booklet.add`.
    """
    import pikepdf

    if cache is None:
        cache = {}
    opened = isinstance(pdf, pikepdf.Pdf)
    source: Any = pdf if opened else open_pdf(pdf)
    try:
        # Each page names only the fonts it draws with, so a pledge carries
        # no font subset it does not use (LibreOffice gives every page the
        # part's whole resource dictionary).
        source.remove_unreferenced_resources()
        if raw is not None:
            for page in source.pages:  # their resources trimmed
                raw.change(page.obj.objgen)
        part = _Source.read(source)
        page_of = {p.obj.objgen: n for n, p in enumerate(source.pages, start=1)}
        on_page: dict[int | None, list[Any]] = {}
        for element in part.top:
            page = element.get("/Pg") if isinstance(element, pikepdf.Dictionary) else None
            number = page_of.get(page.objgen) if page is not None else None
            on_page.setdefault(number, []).append(element)
        role_map = part.role_map()
        out = []
        for k, (first, last) in enumerate(ranges):
            title = titles[k] if k < len(titles) else None

            def write(writer: PdfWriter, first: int = first, last: int = last, title: Any = title):
                catalog, pages = writer.new(), writer.new()
                root = document = None
                if part.tree is not None:
                    root, document = writer.new(), writer.new()
                copier = part.copier(writer, pages, document, cache, raw)
                kept = [source.pages[n - 1].obj for n in range(first, last + 1)]
                kids = [copier.ref(page.objgen) for page in kept]
                if part.tree is not None and root is not None and document is not None:
                    elements = [
                        copier.value(e) for n in range(first, last + 1) for e in on_page.get(n, ())
                    ]
                    keys = []
                    for page in kept:
                        if "/StructParents" in page:
                            keys.append(int(page.StructParents))
                        for annotation in page.get("/Annots") or ():
                            if "/StructParent" in annotation:
                                keys.append(int(annotation.StructParent))
                    numbers = [
                        (key, copier.value(part.numbers[key]))
                        for key in keys
                        if key in part.numbers
                    ]
                    _write_tree(writer, root, document, elements, numbers, part.next_key, role_map)
                details, info = _document_details(source, copier.value, writer, title)
                copier.drain()
                writer.put(
                    pages,
                    b"<< /Type /Pages /Kids %s /Count %d >>"
                    % (_array(_ref(n) for n in kids), len(kids)),
                )
                _write_catalog(writer, catalog, pages, root, details)
                return catalog, info

            out.append(to_bytes(write, source.pdf_version))
        return out
    finally:
        if not opened:
            source.close()


def join(pdfs: Sequence[PdfSource], links: dict[str, int] | None = None) -> bytes:
    """One PDF of all the pages of ``pdfs``, in order, tagged; document details from the first.

    ``links``: see :meth:`Booklet.add`. The same as adding each PDF to a
    :class:`Booklet` and finishing it.
    """
    buffer = io.BytesIO()
    booklet = Booklet(buffer)
    for n, pdf in enumerate(pdfs):
        booklet.add(n, pdf, links if n == 0 else None)
    booklet.finish()
    return buffer.getvalue()


class Booklet:
    """The booklet PDF, tagged, written to ``file`` part by part as the parts arrive.

    Parts are numbered by their place in the booklet (the front matter 0,
    whose links need every part's pages, last). Each part is copied into the
    file (:mod:`reportgen.formats.pdfstream`) when it and every part before
    it have been given, then closed: the parts' objects are not held, only
    their numbers, so memory stays that of one part whatever the booklet's
    length, and a part given early is read again from its file when its
    turn comes (the objects' numbers then follow the booklet's order, the
    same whichever LibreOffice finishes first). :meth:`finish` writes the
    front matter and what ties the parts together: the page tree, one
    structure tree (every part's elements under one Document element, in
    page order; their marked-content keys, ``/StructParents``, renumbered
    to follow one another; their parent trees and role maps merged: 공약시작,
    분류 … as standard types), the catalogue and the document details of
    the front matter.
    """

    def __init__(self, file: IO[bytes]) -> None:
        self.file = file
        self.writer: PdfWriter | None = None
        self.pages: dict[int, list[int]] = {}  # each part's pages, as objects of the file
        self.heights: dict[int, list[int]] = {}  # the top of each part's pages
        self.kids: dict[int, list[bytes]] = {}  # each part's elements under the Document
        self.numbers: list[tuple[int, bytes]] = []  # the parent tree
        self.role_map: dict[str, bytes] = {}
        self.next_key = 0
        self.root: int | None = None  # the structure tree's root and its Document element
        self.document: int | None = None
        self.details: tuple[dict[str, bytes], int | None] | None = None
        self.waiting: dict[int, tuple[PdfSource, dict[str, int] | None]] = {}
        self.next_index = 1

    def add(
        self,
        index: int,
        pdf: PdfSource | Any,
        links: dict[str, int] | None = None,
        opened: Any = None,
        cache: Cache | None = None,
        raw: RawObjects | None = None,
    ) -> None:
        """Part ``index``'s PDF (bytes or a file; ``opened``: the same, opened by pikepdf).

        ``links`` points the part's links at pages of the whole booklet: a
        link whose text is a key goes to the top of the page of that
        (0-based) index once the booklet is finished; its other links are
        dropped (they pointed into the part alone). A part given before the
        parts ahead of it is kept as ``pdf`` (a file is read again later;
        ``opened`` is not kept). ``cache``: what :func:`cut_pages` unparsed of
        ``opened`` (the same objects need not be unparsed twice); ``raw``: the
        objects of ``opened``'s file, where they are read faster than through
        qpdf (:class:`reportgen.formats.pdfstream.RawObjects`, also given to
        :func:`cut_pages`: it knows what was changed in ``opened``).
        """
        if index == self.next_index:
            self._write(index, pdf, links, opened, cache, raw)
            self.next_index += 1
            while self.next_index in self.waiting:
                self._write(self.next_index, *self.waiting.pop(self.next_index))
                self.next_index += 1
        else:
            self.waiting[index] = (pdf, links)

    def _write(
        self,
        index: int,
        pdf: PdfSource | Any,
        links: dict[str, int] | None,
        opened: Any = None,
        cache: Cache | None = None,
        raw: RawObjects | None = None,
    ) -> None:
        import pikepdf

        if opened is None and isinstance(pdf, pikepdf.Pdf):
            opened = pdf
        source: Any = opened if opened is not None else open_pdf(pdf)
        try:
            if opened is None:
                cache = raw = None  # they were of the PDF opened then
            self._copy(index, source, links, cache, raw)
        finally:
            if opened is None:
                source.close()

    def _copy(
        self,
        index: int,
        source: Any,
        links: dict[str, int] | None,
        cache: Cache | None,
        raw: RawObjects | None,
    ) -> None:
        import pikepdf

        if self.writer is None:
            self.writer = PdfWriter(self.file, source.pdf_version)
            self.catalog, self.page_tree = self.writer.new(), self.writer.new()
        writer = self.writer
        part = _Source.read(source)
        if part.tree is not None and self.root is None:
            self.root, self.document = writer.new(), writer.new()
        if links is not None:
            raw = None  # its links and structure tree are changed below
        copier = part.copier(writer, self.page_tree, self.document, cache, raw)
        tree = part.tree
        if links is not None:
            dropped: dict[int, tuple[int, int]] = {}  # links left out, by parent-tree key
            # The pages of the booklet, the front matter's (copied now) first.
            pages = [copier.ref(p.obj.objgen) for p in source.pages]
            heights = [int(p.mediabox[3]) for p in source.pages]
            for i in sorted(k for k in self.pages if k != index):
                pages += self.pages[i]
                heights += self.heights[i]
            for page in source.pages:
                annotations = page.obj.get("/Annots")
                if annotations is None:
                    continue
                kept = pikepdf.Array()
                for annotation in annotations:
                    target = links.get(str(annotation.get("/Contents", "")).strip())
                    if annotation.get("/Subtype") == "/Link" and target is not None:
                        # Its destination named a page of the part alone.
                        for name in ("/Dest", "/A"):
                            if name in annotation:
                                del annotation[name]
                        if 0 <= target < len(pages):
                            # A stand-in the copier replaces with the booklet's page.
                            stand_in = source.make_indirect(pikepdf.Dictionary())
                            copier.fix(stand_in.objgen, pages[target])
                            annotation.Dest = pikepdf.Array(
                                [stand_in, pikepdf.Name.XYZ, None, heights[target], None]
                            )
                        kept.append(annotation)
                    elif "/StructParent" in annotation:
                        dropped[int(annotation.StructParent)] = annotation.objgen
                page.obj.Annots = kept
            if tree is not None and dropped:
                _drop_annotations(tree, dropped)
            part.numbers = _numbers(tree.ParentTree) if tree is not None else {}
        offset = self.next_key
        for page in source.pages:
            # Changed here, if not already for the links: unparsed again.
            copier.forget(page.obj.objgen)
            for annotation in page.obj.get("/Annots") or ():
                copier.forget(annotation.objgen)
        if tree is not None:
            for page in source.pages:
                if "/StructParents" in page.obj:
                    page.obj.StructParents = int(page.obj.StructParents) + offset
                for annotation in page.obj.get("/Annots") or ():
                    if "/StructParent" in annotation:
                        annotation.StructParent = int(annotation.StructParent) + offset
        self.pages[index] = [copier.ref(p.obj.objgen) for p in source.pages]
        self.heights[index] = [int(p.mediabox[3]) for p in source.pages]
        if tree is not None:
            self.kids[index] = [copier.value(e) for e in part.top]
            self.numbers += [(k + offset, copier.value(v)) for k, v in part.numbers.items()]
            self.next_key = offset + part.next_key
            for name, standard in part.role_map().items():
                self.role_map.setdefault(name, standard)
        if index == 0:
            # The document details are the front matter's.
            self.details = _document_details(source, copier.value, writer)
        copier.drain()

    def finish(self) -> None:
        """Write the parts still waiting, the front matter, and what ties them together."""
        waiting = sorted(self.waiting.items(), key=lambda kv: (kv[0] == 0, kv[0]))
        self.waiting = {}
        for index, (pdf, links) in waiting:
            self._write(index, pdf, links)
        writer = self.writer
        if writer is None:
            raise ValueError("a booklet of no parts")
        pages = [n for index in sorted(self.pages) for n in self.pages[index]]
        writer.put(
            self.page_tree,
            b"<< /Type /Pages /Kids %s /Count %d >>" % (_array(map(_ref, pages)), len(pages)),
        )
        if self.root is not None and self.document is not None:
            kids = [kid for index in sorted(self.kids) for kid in self.kids[index]]
            _write_tree(
                writer,
                self.root,
                self.document,
                kids,
                self.numbers,
                self.next_key,
                self.role_map,
            )
        details, info = self.details or ({}, None)
        _write_catalog(writer, self.catalog, self.page_tree, self.root, details)
        writer.close(self.catalog, info)


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
