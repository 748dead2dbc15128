"""Element helpers for raw OOXML, kept in this one small module.

Everything that touches WordprocessingML or the zip package directly lives
here, built on lxml trees (never regular expressions over serialized XML):
deterministic packaging, East Asian font slots, vertical merges, bookmarks.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# 1980-01-01 00:00:00 is the earliest time a zip entry can carry; every
# entry gets it so two builds of the same input are byte-identical.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)

_FIRST_ENTRIES = ("[Content_Types].xml", "_rels/.rels")


def write_package(entries: Iterable[tuple[str, bytes]]) -> bytes:
    """Zip OOXML parts deterministically: fixed times, fixed order, fixed attributes.

    ``[Content_Types].xml`` and the package relationships come first (some
    readers sniff them there); the other parts follow sorted by name.
    """
    parts = dict(entries)
    order = [n for n in _FIRST_ENTRIES if n in parts] + sorted(
        n for n in parts if n not in _FIRST_ENTRIES
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0  # the same bytes whichever OS builds it
            zf.writestr(info, parts[name], compresslevel=6)
    return buffer.getvalue()


def read_package(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {info.filename: zf.read(info) for info in zf.infolist() if not info.is_dir()}


def normalize_package(data: bytes) -> bytes:
    """Rewrite a zip written by another library (python-docx, XlsxWriter) deterministically."""
    return write_package(read_package(data).items())


def w(tag: str) -> str:
    return W + tag


def sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, w(tag))
    for key, value in attrs.items():
        el.set(w(key), value)
    return el


# ---------------------------------------------------------------------------
# Template pre-pass: data-driven vertical merges

VMERGE_OPEN = "{% vmerge "
VMERGE_CLOSE = "%}"

# CT_TcPr child order (ECMA-376 §17.4.70): vMerge goes after these.
_TCPR_BEFORE_VMERGE = {w("cnfStyle"), w("tcW"), w("gridSpan"), w("hMerge")}


def apply_vmerge_tags(body: etree._Element) -> list[str]:
    """Turn ``{% vmerge EXPR %}`` in a table cell into ``<w:vMerge w:val="{{ EXPR }}"/>``.

    The tag is text staff can see and move in Word; the attribute it becomes
    is filled by Jinja from the view's merge marks (restart/continue), so the
    merge comes from the data rather than from docxtpl's loop-position
    heuristics. Returns the expressions found (for tests and error messages).
    """
    found = []
    for t in body.iter(w("t")):
        text = t.text or ""
        start = text.find(VMERGE_OPEN)
        if start < 0:
            continue
        end = text.find(VMERGE_CLOSE, start)
        if end < 0:
            continue
        expr = text[start + len(VMERGE_OPEN) : end].strip()
        t.text = text[:start] + text[end + len(VMERGE_CLOSE) :]
        tc = next((a for a in t.iterancestors(w("tc"))), None)
        if tc is None:
            continue
        tcpr = tc.find(w("tcPr"))
        if tcpr is None:
            tcpr = etree.Element(w("tcPr"))
            tc.insert(0, tcpr)
        old = tcpr.find(w("vMerge"))
        if old is not None:
            tcpr.remove(old)
        vmerge = etree.Element(w("vMerge"))
        vmerge.set(w("val"), "{{ " + expr + " }}")
        index = 0
        for i, child in enumerate(tcpr):
            if child.tag in _TCPR_BEFORE_VMERGE:
                index = i + 1
        tcpr.insert(index, vmerge)
        found.append(expr)
    return found


def referenced_styles(element: etree._Element) -> set[str]:
    """Style ids a body refers to (paragraph, run and table styles)."""
    out = set()
    for tag in ("pStyle", "rStyle", "tblStyle"):
        for el in element.iter(w(tag)):
            value = el.get(w("val"))
            if value:
                out.add(value)
    return out


def defined_styles(styles_xml: bytes) -> set[str]:
    root = etree.fromstring(styles_xml)
    return {s.get(w("styleId")) for s in root.iter(w("style")) if s.get(w("styleId"))}


def add_bookmark(paragraph: etree._Element, bookmark_id: int, name: str) -> None:
    """Wrap the start of ``paragraph`` in a bookmark (target of a PAGEREF field)."""
    start = etree.Element(w("bookmarkStart"))
    start.set(w("id"), str(bookmark_id))
    start.set(w("name"), name)
    end = etree.Element(w("bookmarkEnd"))
    end.set(w("id"), str(bookmark_id))
    ppr = paragraph.find(w("pPr"))
    index = 0 if ppr is None else list(paragraph).index(ppr) + 1
    paragraph.insert(index, start)
    paragraph.insert(index + 1, end)


def body_content(body: etree._Element) -> list[etree._Element]:
    """The block-level children of ``w:body`` without its section properties."""
    return [child for child in body if child.tag != w("sectPr")]
