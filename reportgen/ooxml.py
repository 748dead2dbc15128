"""Element helpers for raw OOXML, kept in this one small module.

Everything that touches WordprocessingML or the zip package directly lives
here, built on lxml trees (never regular expressions over serialized XML):
deterministic packaging, East Asian font slots, vertical merges, bookmarks.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable

from lxml import etree

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# 1980-01-01 00:00:00 is the earliest time a zip entry can carry; every
# entry gets it so two builds of the same input are byte-identical.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIRST_ENTRIES = ("[Content_Types].xml", "_rels/.rels")


_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00
_COMPRESS_LEVEL = 6
_LARGE_PART = 4 * 1024 * 1024
# Template parts (styles, theme, settings …) are the same bytes in every
# document: deflate each once. bytes objects cache their hash, so a lookup of
# the same object costs nothing after the first.
_deflated: dict[bytes, tuple[int, bytes]] = {}
_CACHE_LIMIT = 512


def _deflate(data: bytes, cache: bool) -> tuple[int, bytes]:
    if cache:
        hit = _deflated.get(data)
        if hit is not None:
            return hit
    # A booklet's document.xml runs to tens of megabytes of repetitive XML:
    # level 3 deflates it in half the time of level 6 for ~20% more bytes.
    level = _COMPRESS_LEVEL if len(data) < _LARGE_PART else 3
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    result = (zlib.crc32(data), co.compress(data) + co.flush())
    if cache:
        if len(_deflated) >= _CACHE_LIMIT:
            _deflated.clear()
        _deflated[data] = result
    return result


def write_package(
    entries: Iterable[tuple[str, bytes]], *, static: frozenset[str] = frozenset()
) -> bytes:
    """Zip OOXML parts deterministically: fixed times, fixed order, fixed attributes.

    ``[Content_Types].xml`` and the package relationships come first (some
    readers sniff them there); the other parts follow sorted by name. Parts
    named in ``static`` are deflated once and reused across documents.

    Written by hand rather than with :mod:`zipfile` only so that compressed
    template parts can be reused; the format is the plain PKZIP 2.0 subset
    that every OOXML reader accepts (deflate, no zip64, no extra fields).
    """
    parts = dict(entries)
    order = [n for n in _FIRST_ENTRIES if n in parts] + sorted(
        n for n in parts if n not in _FIRST_ENTRIES
    )
    out = bytearray()
    central = bytearray()
    for name in order:
        data = parts[name]
        crc, packed = _deflate(data, name in static)
        raw_name = name.encode("utf-8")
        flags = 0x800 if not raw_name.isascii() else 0  # UTF-8 names
        offset = len(out)
        out += struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            flags,
            8,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(packed),
            len(data),
            len(raw_name),
            0,
        )
        out += raw_name
        out += packed
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            flags,
            8,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            len(packed),
            len(data),
            len(raw_name),
            0,
            0,
            0,
            0,
            0o644 << 16,
            offset,
        )
        central += raw_name
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(order), len(order), len(central), start, 0
    )
    if len(out) >= 0xFFFFFFFF or len(order) >= 0xFFFF:
        raise ValueError("package too large for a plain zip")
    return bytes(out)


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


def add_bookmark(paragraph: etree._Element, bookmark_id: int | str, name: str) -> None:
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
