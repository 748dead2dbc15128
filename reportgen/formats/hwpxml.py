"""Raw HWPX (OWPML) XML for the HWPX writer: element builders and the package.

Everything that spells an OWPML element or attribute lives here, as the
OOXML helpers live in :mod:`reportgen.formats.ooxml`; :mod:`reportgen.formats.hwpx` only lays
the report view out with these. The shapes follow what python-hwpx writes
(and its schemas accept): ``hp:p`` > ``hp:run`` > ``hp:t``; a table is a run
holding ``hp:tbl`` > ``hp:tr`` > ``hp:tc`` (``hp:subList`` of paragraphs,
``hp:cellAddr``, ``hp:cellSpan``, ``hp:cellSz``, ``hp:cellMargin``); a merged
cell carries its span and the cells it covers are left out.

Sizes are HWPUNIT: 1/7200 inch (1 pt = 100; 1 cm ≈ 2834.6).
"""

from __future__ import annotations

import copy
import io
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from lxml import etree

from ..i18n import tr

HP_NS = "http://www.hancom.co.kr/hwpml/2011/paragraph"
HS_NS = "http://www.hancom.co.kr/hwpml/2011/section"
HH_NS = "http://www.hancom.co.kr/hwpml/2011/head"
HC_NS = "http://www.hancom.co.kr/hwpml/2011/core"
HP = f"{{{HP_NS}}}"
HS = f"{{{HS_NS}}}"
HH = f"{{{HH_NS}}}"

MIMETYPE = b"application/hwp+zip"
SECTION_PART = "Contents/section0.xml"
HEADER_PART = "Contents/header.xml"
PREVIEW_TEXT_PART = "Preview/PrvText.txt"

# 1980-01-01 00:00:00, the earliest time a zip entry can carry.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
# The order Hancom Office writes its packages in: mimetype first (stored, so a
# reader can sniff it at a fixed offset, as EPUB and ODF do), then the rest.
_ORDER = (
    "mimetype",
    "version.xml",
    HEADER_PART,
    SECTION_PART,
    PREVIEW_TEXT_PART,
    "settings.xml",
    "Preview/PrvImage.png",
    "META-INF/container.rdf",
    "Contents/content.hpf",
    "META-INF/container.xml",
    "META-INF/manifest.xml",
)


def cm(value: float) -> int:
    """Centimetres to HWPUNIT."""
    return round(value * 7200 / 2.54)


def write_package(parts: dict[str, bytes]) -> bytes:
    """Zip an HWPX package deterministically.

    ``mimetype`` first and stored; the other parts in Hancom's order (then any
    others by name), deflated at a fixed level; every entry dated 1980-01-01
    with mode 0644, so the same parts always give the same bytes.
    """
    rank = {name: i for i, name in enumerate(_ORDER)}
    names = sorted(parts, key=lambda n: (rank.get(n, len(rank)), n))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            if name == "mimetype":
                info.compress_type = zipfile.ZIP_STORED
                zf.writestr(info, parts[name])
            else:
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, parts[name], compresslevel=6)
    return buf.getvalue()


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# ---------------------------------------------------------------------------
# What a template provides


@dataclass(frozen=True)
class StyleRef:
    """A named paragraph style and the shapes Hancom applies with it."""

    id: str
    para_pr: str
    char_pr: str


def styles_by_name(header: etree._Element) -> dict[str, StyleRef]:
    out: dict[str, StyleRef] = {}
    for style in header.iter(f"{HH}style"):
        name = style.get("name")
        if name and name not in out:
            out[name] = StyleRef(
                style.get("id", "0"), style.get("paraPrIDRef", "0"), style.get("charPrIDRef", "0")
            )
    return out


def first_paragraph(section: etree._Element) -> etree._Element:
    first = section.find(f"{HP}p")
    if first is None or first.find(f"{HP}run/{HP}secPr") is None:
        raise ValueError(
            tr(
                "구역이 쪽 설정(hp:secPr)으로 시작하지 않습니다",
                "its section does not start with the page setup (hp:secPr)",
            )
        )
    return first


def section_setup_runs(section: etree._Element) -> list[etree._Element]:
    """The runs of the first paragraph that hold the page setup: hp:secPr and the
    controls that start with it (columns, header, footer, page numbers)."""
    runs = []
    for run in first_paragraph(section).findall(f"{HP}run"):
        if run.find(f"{HP}secPr") is not None or run.find(f"{HP}ctrl") is not None:
            setup = etree.Element(run.tag, run.attrib)
            for child in run:
                if child.tag in (f"{HP}secPr", f"{HP}ctrl"):
                    setup.append(copy.deepcopy(child))
            runs.append(setup)
    return runs


def cell_fills(section: etree._Element) -> dict[str, str]:
    """The border fills of the template's sample cells, by the text in the cell."""
    out: dict[str, str] = {}
    for tc in section.iter(f"{HP}tc"):
        text = "".join(tc.itertext()).strip()
        if text and text not in out:
            out[text] = tc.get("borderFillIDRef", "1")
    return out


# ---------------------------------------------------------------------------
# Building the section


class Ids:
    """Paragraph and object ids in document order: the same view, the same ids."""

    def __init__(self) -> None:
        self.next = 1

    def __call__(self) -> str:
        value = self.next
        self.next += 1
        return str(value)


def paragraph(
    ids: Ids,
    style: StyleRef,
    text: str = "",
    *,
    page_break: bool = False,
    parent: etree._Element | None = None,
) -> etree._Element:
    """A paragraph of one run; made inside ``parent`` where given (lxml moves a
    node between documents at a cost, so cells build theirs in place)."""
    attrs = {
        "id": ids(),
        "paraPrIDRef": style.para_pr,
        "styleIDRef": style.id,
        "pageBreak": "1" if page_break else "0",
        "columnBreak": "0",
        "merged": "0",
    }
    p = (
        etree.Element(f"{HP}p", attrs)
        if parent is None
        else etree.SubElement(parent, f"{HP}p", attrs)
    )
    add_text(p, text, style.char_pr)
    return p


def add_text(p: etree._Element, text: str, char_pr: str) -> etree._Element:
    run = etree.SubElement(p, f"{HP}run", {"charPrIDRef": char_pr})
    t = etree.SubElement(run, f"{HP}t")
    if text:
        t.text = text
    return run


def _param(parent: etree._Element, kind: str, name: str, value: str) -> None:
    etree.SubElement(parent, f"{HP}{kind}", {"name": name}).text = value


# The field type id Hancom writes for a cross-reference (hwpx.oxml.field_marks).
_CROSSREF_FIELD_ID = "628650598"


def add_page_reference(p: etree._Element, ids: Ids, target: str, cached: str, char_pr: str) -> None:
    """A 상호참조 to the page of paragraph ``target`` (Hancom updates it on edit/save)."""
    run = etree.SubElement(p, f"{HP}run", {"charPrIDRef": char_pr})
    ctrl = etree.SubElement(run, f"{HP}ctrl")
    begin = etree.SubElement(
        ctrl,
        f"{HP}fieldBegin",
        {
            "id": ids(),
            "type": "CROSSREF",
            "name": "",
            "editable": "0",
            "dirty": "0",
            "zorder": "-1",
            "fieldid": _CROSSREF_FIELD_ID,
            "metaTag": "",
        },
    )
    params = etree.SubElement(begin, f"{HP}parameters", {"cnt": "8", "name": ""})
    _param(params, "booleanParam", "Fiexde", "1")  # sic: Hancom's own spelling
    _param(params, "integerParam", "Prop", "0")
    _param(params, "stringParam", "Command", f"?#{target};5;0;0;0;")
    _param(params, "stringParam", "RefPath", f"?#{target};")
    _param(params, "stringParam", "RefType", "TARGET_OUTLINE")
    _param(params, "stringParam", "RefContentType", "OBJECT_TYPE_PAGE")
    _param(params, "booleanParam", "RefHyperLink", "false")
    _param(params, "stringParam", "RefOpenType", "HWPHYPERLINK_JUMP_CURRENTTAB")
    add_text(p, cached, char_pr)
    end_run = etree.SubElement(p, f"{HP}run", {"charPrIDRef": char_pr})
    end_ctrl = etree.SubElement(end_run, f"{HP}ctrl")
    etree.SubElement(
        end_ctrl,
        f"{HP}fieldEnd",
        {"beginIDRef": begin.get("id", ""), "fieldid": _CROSSREF_FIELD_ID},
    )


def add_bookmark(p: etree._Element, name: str) -> None:
    """A 책갈피 at the start of ``p`` (after a leading page-setup run)."""
    run = etree.Element(
        f"{HP}run", {"charPrIDRef": p.findall(f"{HP}run")[-1].get("charPrIDRef", "0")}
    )
    ctrl = etree.SubElement(run, f"{HP}ctrl")
    etree.SubElement(ctrl, f"{HP}bookmark", {"name": name})
    runs = p.findall(f"{HP}run")
    setup = [r for r in runs if r.find(f"{HP}secPr") is not None or r.find(f"{HP}ctrl") is not None]
    p.insert(p.index(setup[-1]) + 1 if setup else 0, run)


@dataclass
class Cell:
    """One table cell as laid out: its paragraphs, fill and span."""

    # (style, text) pairs are made in the cell; elements are moved into it
    paragraphs: list[etree._Element | tuple[StyleRef, str]]
    fill: str
    col_span: int = 1
    row_span: int = 1
    valign: str = "CENTER"


CELL_MARGIN = (cm(0.18), cm(0.18), cm(0.05), cm(0.05))  # left, right, top, bottom
ROW_HEIGHT = 1000  # a minimum; Hancom grows a row to its text


def table(
    parent: etree._Element,
    ids: Ids,
    holder_style: StyleRef,
    widths: Sequence[int],
    rows: Iterable[Sequence[Cell | None]],
    *,
    header_rows: int = 0,
    fill: str,
    margin: tuple[int, int, int, int] = CELL_MARGIN,
) -> etree._Element:
    """A paragraph (in ``parent``) holding a table that flows across pages (split between rows,
    the first ``header_rows`` repeated on every page).

    ``rows`` give one entry per grid column: a :class:`Cell`, or None where a
    cell above or to the left spans over it (python-hwpx's merge leaves such
    covered cells out, as Hancom does).
    """
    grid = list(rows)
    p = etree.SubElement(
        parent,
        f"{HP}p",
        {
            "id": ids(),
            "paraPrIDRef": holder_style.para_pr,
            "styleIDRef": holder_style.id,
            "pageBreak": "0",
            "columnBreak": "0",
            "merged": "0",
        },
    )
    run = etree.SubElement(p, f"{HP}run", {"charPrIDRef": holder_style.char_pr})
    width = sum(widths)
    tbl = etree.SubElement(
        run,
        f"{HP}tbl",
        {
            "id": ids(),
            "zOrder": "0",
            "numberingType": "TABLE",
            "textWrap": "TOP_AND_BOTTOM",
            "textFlow": "BOTH_SIDES",
            "lock": "0",
            "dropcapstyle": "None",
            "pageBreak": "CELL",
            "repeatHeader": "1" if header_rows else "0",
            "rowCnt": str(len(grid)),
            "colCnt": str(len(widths)),
            "cellSpacing": "0",
            "borderFillIDRef": fill,
            "noAdjust": "0",
        },
    )
    etree.SubElement(
        tbl,
        f"{HP}sz",
        {
            "width": str(width),
            "widthRelTo": "ABSOLUTE",
            "height": str(ROW_HEIGHT * len(grid)),
            "heightRelTo": "ABSOLUTE",
            "protect": "0",
        },
    )
    # Not treated as a character: a table that is may not split across pages.
    etree.SubElement(
        tbl,
        f"{HP}pos",
        {
            "treatAsChar": "0",
            "affectLSpacing": "0",
            "flowWithText": "1",
            "allowOverlap": "0",
            "holdAnchorAndSO": "0",
            "vertRelTo": "PARA",
            "horzRelTo": "COLUMN",
            "vertAlign": "TOP",
            "horzAlign": "CENTER",
            "vertOffset": "0",
            "horzOffset": "0",
        },
    )
    etree.SubElement(tbl, f"{HP}outMargin", {"left": "0", "right": "0", "top": "0", "bottom": "0"})
    left, right, top, bottom = margin
    etree.SubElement(
        tbl,
        f"{HP}inMargin",
        {"left": str(left), "right": str(right), "top": str(top), "bottom": str(bottom)},
    )
    for r, cells in enumerate(grid):
        tr = etree.SubElement(tbl, f"{HP}tr")
        for c, cell in enumerate(cells):
            if cell is None:
                continue
            tc = etree.SubElement(
                tr,
                f"{HP}tc",
                {
                    "name": "",
                    "header": "1" if r < header_rows else "0",
                    "hasMargin": "0",
                    "protect": "0",
                    "editable": "0",
                    "dirty": "0",
                    "borderFillIDRef": cell.fill,
                },
            )
            sub = etree.SubElement(
                tc,
                f"{HP}subList",
                {
                    "id": "",
                    "textDirection": "HORIZONTAL",
                    "lineWrap": "BREAK",
                    "vertAlign": cell.valign,
                    "linkListIDRef": "0",
                    "linkListNextIDRef": "0",
                    "textWidth": "0",
                    "textHeight": "0",
                    "hasTextRef": "0",
                    "hasNumRef": "0",
                },
            )
            for para in cell.paragraphs:
                if isinstance(para, tuple):
                    paragraph(ids, para[0], para[1], parent=sub)
                else:
                    sub.append(para)
            etree.SubElement(tc, f"{HP}cellAddr", {"colAddr": str(c), "rowAddr": str(r)})
            etree.SubElement(
                tc, f"{HP}cellSpan", {"colSpan": str(cell.col_span), "rowSpan": str(cell.row_span)}
            )
            etree.SubElement(
                tc,
                f"{HP}cellSz",
                {
                    "width": str(sum(widths[c : c + cell.col_span])),
                    "height": str(ROW_HEIGHT * cell.row_span),
                },
            )
            etree.SubElement(
                tc,
                f"{HP}cellMargin",
                {"left": str(left), "right": str(right), "top": str(top), "bottom": str(bottom)},
            )
    return p
