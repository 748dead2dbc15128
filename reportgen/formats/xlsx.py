"""The budget workbook (``<period> 예산 집계.xlsx``), written with XlsxWriter.

Sheets, in order (each optional one only where the city's report has it):

- ``총괄``: one row per pledge (계획 / 확보 / 집행 totals, 집행률, 계획 by money
  column as the city labels them, 추진율 where recorded), a 합계 row, then the
  pledges by 추진상황: the statuses in the base of the shares, 계, 달성 and
  달성률, 이행률 and 평균진행률 where configured, then the excluded statuses
  and 미기재 apart, and the 총괄's ○ lines.
- ``분야·부서별`` (named after the city's group level): the same counts by 분야
  and by 부서, where the city groups its pledges.
- ``재원별``: 계획 / 확보 / 집행 per funding source, in the city's order, per pledge.
- ``성과지표``: one row per pledge indicator, and the indicators pledges share, added up.
- ``공약 조정``: 폐기 / 보류 / 변경 / 통폐합 with date and reason.
- one sheet per budgeted pledge, named after its id: □ 연도별 투자계획(사업비) and
  □ 연도별 확보(집행)액 laid out as on the form (FORM.md §4-5), with secured and
  executed amounts in separate columns so the figures can be computed with. A
  withdrawn (폐기) pledge prints no plan, and its plan is not planned money.

Every figure is a number. Every total (계 column, 소계 and 계 rows, the summary
sheets) is a live formula whose computed value is stored beside it, taken from
the view (which computed it once for every writer), so readers that do not
calculate see the same figures as Excel. The summary sheets refer to the
pledge sheets' cells, so an edit on a pledge sheet flows through. Nothing is
added up here: the whole report's totals and each pledge's totals per funding
source are the view's (:class:`~reportgen.report.view.MoneyTotals`).

Styling comes from the template ``workbook.xlsx``: its sheet ``styles`` holds
one styled sample cell per role (see :data:`ROLES` and
``tools/make_workbook_template.py``), read once with openpyxl and turned into
XlsxWriter formats, numbered in one fixed order (:data:`CATALOGUE`) on a
scratch sheet that is never published (:func:`_styles`). Output is
deterministic: a fixed creation date derived from the report period and a
normalized zip.

How the parts are made. Each sheet is laid out cell by cell through the calls
a worksheet has (``write_number``, ``write_formula(..., value)``,
``merge_range`` …) on a :class:`~reportgen.formats.xlsxsheet.SheetPart`, which
serializes the sheet's XML directly, exactly as XlsxWriter writes the same
calls (``tests/test_xlsx.py`` replays every sheet's calls on XlsxWriter and
compares the parts byte for byte). The parts around the sheets (sheet list,
print titles, properties, content types: :data:`FRAME_PARTS`) are serialized
the same way (:func:`~reportgen.formats.xlsxsheet.frame_parts`, compared with
XlsxWriter's in the tests); XlsxWriter itself, through its public API, writes
``styles.xml`` and the theme. Each pledge sheet is a part that depends on
nothing but its own inputs, so a rebuild reuses the part of every unchanged
pledge (:func:`build_workbook`), still deflated: its text is inline
(``inlineStr``) rather than in the workbook's shared-string table, and its
style indexes are the fixed ones. The frame is reused too while the sheet
list stands. The summary sheets, which read every pledge, keep a
shared-string table and are written each time, but the 총괄 and 재원별 rows of
every pledge whose sheet was reused are taken back as the previous build wrote
them (:class:`_Kept`: found by a key of the sheets' layout, their shared
strings numbered anew), and its 성과지표 rows where they begin on the same row
as before, so a one-pledge rebuild lays out one row of each. The result is
byte for byte the same either way.

Why not XlsxWriter for the cells (issue 26; CPU time, medians of 3-5, 300
synthetic pledges, 158,870 cells of which 42,044 formulas, on the shared
2-core machine): through XlsxWriter the workbook cost 2.6 s (5 s when the
machine was busier), 1.1-1.3x plain XlsxWriter writing as many cells; most of
it XlsxWriter's per-formula preparation (some 30 regular-expression
substitutions per formula for its future-function expansion, 1.2 million in
all) and its per-cell writer (``_write_cell`` alone about 0.7 s). The ways
out the issue named: formulas left off rows that can hold nothing were not
taken (every row of a money table takes a typed figure, so its totals must
stay live, and the per-cell cost of XlsxWriter would remain); shared formulas
are not in XlsxWriter's public API, and with the sheets serialized here they
would save little (a formula's text is built once per layout and cached);
serializing the sheets from the view costs 0.38 s for the very same bytes
(the identical workbook, sha256 compared), of which zlib is 0.08 s. The last
is what this module does. Now (``python -m tests.bench_xlsx``): 300 pledges
cold 0.35 s, one pledge changed 0.014 s (0.045 s while every pledge's rows of
the summary sheets were laid out anew, 0.17 s while reused sheets were
inflated and deflated again and XlsxWriter wrote the frame, about 0.94 s
before this work); 3,000 pledges cold 3.6 s (XlsxWriter's frame alone cost
0.6 s there: it checks every sheet name against every other), peak of Python
allocations 82 MB. A build writes the workbook in a forked process, where
every page it writes is first a copy-on-write fault (~3-4 us each here): the
same rebuild costs about twice its CPU there (25 ms, ~3,800 faults), so what
it copies counts as much as what it computes.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import hashlib
import io
import json
import re
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from lxml import etree

from ..bulk import bulk_allocation
from ..errors import TemplateError
from ..i18n import tr
from ..records.periods import Period
from ..report import tables
from ..report.view import MoneyRow, MoneyTable, PledgeView, ReportView
from ..report.widths import em
from . import codecache, ooxml
from .xlsxsheet import (
    KeptRow,
    SharedStrings,
    SheetPart,
    column_name,
    frame_parts,
    shared_items,
    sheet_rows,
    text_item,
)

if TYPE_CHECKING:
    from xlsxwriter.workbook import Workbook

__all__ = [
    "ROLES",
    "STYLE_SHEET",
    "build_workbook",
    "load_styles",
    "render_workbook",
    "sheet_names",
]

STYLE_SHEET = "styles"
# Role -> where it is used (the template documents the same in its column C).
ROLES: dict[str, str] = {
    "default": "every other cell: the workbook's default font name and size",
    "title": "sheet titles (first row, merged across the table)",
    "section": "table titles (□ 연도별 …) and the summary's subtitle",
    "unit": "the unit label (단위 : 백만원), right-aligned",
    "header": "table headers",
    "name": "pledge titles and sub-project names (merged down their block)",
    "label": "구분 (국비 …), pledge ids, 추진상황, 비예산",
    "figure": "amounts; figures with decimals get #,##0.0# automatically",
    "total": "amounts in 계 / 소계 / 합계 rows (formulas)",
    "total_label": "the name cells of 계 / 소계 / 합계 rows",
    "rate": "집행률, shares, 달성률 (its number format is also used in total rows)",
    "note": "notes",
}

SUMMARY_SHEET = "총괄"
SUMMARY_REF = "'" + SUMMARY_SHEET + "'"  # as formulas name it
SOURCES_SHEET = "재원별"
INDICATORS_SHEET = "성과지표"
ADJUSTMENTS_SHEET = "공약 조정"
TALLY_SHEET_SUFFIX = "·부서별"  # "분야·부서별": named after the city's group level
RESERVED_SHEETS = (
    SUMMARY_SHEET,
    SOURCES_SHEET,
    INDICATORS_SHEET,
    ADJUSTMENTS_SHEET,
    STYLE_SHEET,
    "History",
)
NOT_RECORDED_STATUS = "미기재"  # the view's label for a pledge without a status
NON_BUDGET = "비예산"
SECURED, EXECUTED = "확보", "집행"
BASIS_HEADER = "확보\n(집행 기재분)"
PLAN_MEASURES = ("amount",)
SECURED_MEASURES = ("amount", "executed")

# ---------------------------------------------------------------------------
# Cell addresses


_COLS = [column_name(i) for i in range(128)]


def _col(c: int) -> str:
    return _COLS[c] if c < len(_COLS) else column_name(c)


def _a1(r: int, c: int) -> str:
    """0-based row/column -> ``C7``."""
    return f"{_col(c)}{r + 1}"


def _abs(r: int, c: int) -> str:
    return f"${_col(c)}${r + 1}"


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _quote_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


def _intervals(rows: Iterable[int]) -> list[tuple[int, int]]:
    """Sorted rows -> runs of adjacent rows, so SUM gets few, contiguous ranges."""
    out: list[tuple[int, int]] = []
    for r in sorted(rows):
        if out and out[-1][1] + 1 == r:
            out[-1] = (out[-1][0], r)
        else:
            out.append((r, r))
    return out


def _sum_rows(col: int, rows: Iterable[int]) -> str:
    return "=" + _sum_body(col, tuple(rows))


# Formula bodies (no leading "="), as the cell table stores them. Pledge sheets
# share their layout far more often than not, so each distinct body is built
# once per process rather than once per cell; keys are plain ints, so the
# caches cannot change what is written.


@lru_cache(maxsize=8192)
def _sum_body(col: int, rows: tuple[int, ...]) -> str:
    parts = [_a1(a, col) if a == b else f"{_a1(a, col)}:{_a1(b, col)}" for a, b in _intervals(rows)]
    return f"SUM({','.join(parts)})" if parts else "0"


@lru_cache(maxsize=8192)
def _across_body(row: int, first: int, step: int, count: int) -> str:
    """The 계 of a row: every ``step``-th cell from ``first`` on (a range when adjacent)."""
    if step == 1:
        return f"SUM({_a1(row, first)}:{_a1(row, first + count - 1)})"
    return "SUM(" + ",".join(_a1(row, first + i * step) for i in range(count)) + ")"


def _like_rate_body(row: int, executed_col: int, basis_col: int) -> str:
    """집행률 like with like: 집행 ÷ 확보 of the columns with execution; blank without."""
    e, b = _a1(row, executed_col), _a1(row, basis_col)
    return f'IF({b}=0,"",{e}/{b})'


def _basis_body(row: int, pairs: Sequence[tuple[int, int]]) -> str:
    """확보 in the columns of one row where 집행 is recorded: the base of a like-with-like 집행률.

    ``pairs`` are (secured column, executed column); an executed cell left
    empty means execution is not known yet, and its secured amount is left out.
    """
    return "+".join(f'({_a1(row, e)}<>"")*{_a1(row, s)}' for s, e in pairs)


# ---------------------------------------------------------------------------
# Sheet names


_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
MAX_SHEET_NAME = 31


def sheet_names(ids: Sequence[str], reserved: Iterable[str] = RESERVED_SHEETS) -> list[str]:
    """Valid, unique Excel sheet names for pledge ids, in order.

    Excel refuses ``[]:*?/\\``, names over 31 characters, names starting or
    ending with an apostrophe, and duplicates compared case-insensitively.
    """
    used = {n.casefold() for n in reserved}
    out = []
    for pledge_id in ids:
        base = _BAD_SHEET_CHARS.sub("_", pledge_id).strip().strip("'")[:MAX_SHEET_NAME]
        base = base.strip("'") or "공약"
        name, n = base, 2
        while name.casefold() in used:
            suffix = f"({n})"
            name = base[: MAX_SHEET_NAME - len(suffix)].rstrip("'") + suffix
            n += 1
        used.add(name.casefold())
        out.append(name)
    return out


# ---------------------------------------------------------------------------
# The style template


_H_ALIGN = {
    "left": "left",
    "center": "center",
    "right": "right",
    "fill": "fill",
    "justify": "justify",
    "centerContinuous": "center_across",
    "distributed": "distributed",
}
_V_ALIGN = {
    "top": "top",
    "center": "vcenter",
    "bottom": "bottom",
    "justify": "vjustify",
    "distributed": "vdistributed",
}
_BORDERS = {
    "thin": 1,
    "medium": 2,
    "dashed": 3,
    "dotted": 4,
    "thick": 5,
    "double": 6,
    "hair": 7,
    "mediumDashed": 8,
    "dashDot": 9,
    "mediumDashDot": 10,
    "dashDotDot": 11,
    "mediumDashDotDot": 12,
    "slantDashDot": 13,
}
_PATTERNS = {
    "solid": 1,
    "mediumGray": 2,
    "darkGray": 3,
    "lightGray": 4,
    "darkHorizontal": 5,
    "darkVertical": 6,
    "darkDown": 7,
    "darkUp": 8,
    "darkGrid": 9,
    "darkTrellis": 10,
    "lightHorizontal": 11,
    "lightVertical": 12,
    "lightDown": 13,
    "lightUp": 14,
    "lightGrid": 15,
    "lightTrellis": 16,
    "gray125": 17,
    "gray0625": 18,
}
_UNDERLINE = {"single": 1, "double": 2, "singleAccounting": 33, "doubleAccounting": 34}
# Office's default theme, in the order styles index it (lt1, dk1, lt2, dk2, accents, links).
_OFFICE_THEME = (
    "FFFFFF",
    "000000",
    "E7E6E6",
    "44546A",
    "4472C4",
    "ED7D31",
    "A5A5A5",
    "FFC000",
    "5B9BD5",
    "70AD47",
    "0563C1",
    "954F72",
)
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


def _theme_colors(theme_xml: bytes | None) -> tuple[str, ...]:
    if not theme_xml:
        return _OFFICE_THEME
    try:
        root = etree.fromstring(theme_xml)
    except etree.XMLSyntaxError:
        return _OFFICE_THEME
    scheme = root.find(f".//{_A}clrScheme")
    if scheme is None:
        return _OFFICE_THEME
    values = []
    for slot in scheme:
        color = next(iter(slot), None)
        value = (
            None
            if color is None
            else (color.get("val") if color.tag == f"{_A}srgbClr" else color.get("lastClr"))
        )
        values.append((value or "000000").upper())
    if len(values) < 12:
        return _OFFICE_THEME
    dk1, lt1, dk2, lt2 = values[:4]
    return (lt1, dk1, lt2, dk2, *values[4:12])


def _tinted(rgb: str, tint: float) -> str:
    if not tint:
        return rgb
    r, g, b = (int(rgb[i : i + 2], 16) / 255 for i in (0, 2, 4))
    h, light, s = colorsys.rgb_to_hls(r, g, b)
    light = light * (1 + tint) if tint < 0 else light * (1 - tint) + tint
    r, g, b = colorsys.hls_to_rgb(h, min(max(light, 0.0), 1.0), s)
    return "".join(f"{round(v * 255):02X}" for v in (r, g, b))


def _indexed() -> tuple[str, ...]:
    from openpyxl.styles.colors import COLOR_INDEX

    return tuple(COLOR_INDEX)


def _color(color: Any, theme: tuple[str, ...]) -> str | None:
    """An openpyxl colour (rgb, indexed, theme + tint) -> ``#RRGGBB``; None for automatic."""
    if color is None:
        return None
    kind = getattr(color, "type", None)
    rgb: str | None = None
    if kind == "rgb" and isinstance(color.rgb, str) and len(color.rgb) in (6, 8):
        rgb = color.rgb[-6:]
    elif kind == "indexed" and isinstance(color.indexed, int) and color.indexed < len(_indexed()):
        rgb = _indexed()[color.indexed][-6:]
        if color.indexed >= 64:  # system foreground / background: automatic
            return None
    elif kind == "theme" and isinstance(color.theme, int) and color.theme < len(theme):
        rgb = _tinted(theme[color.theme], float(color.tint or 0))
    return f"#{rgb.upper()}" if rgb else None


def _cell_properties(cell: Any, theme: tuple[str, ...]) -> dict[str, Any]:
    """openpyxl cell style -> XlsxWriter format properties."""
    props: dict[str, Any] = {}
    font = cell.font
    if font.name:
        props["font_name"] = font.name
    if font.sz:
        props["font_size"] = float(font.sz)
    if font.b:
        props["bold"] = True
    if font.i:
        props["italic"] = True
    if font.u:
        props["underline"] = _UNDERLINE.get(font.u, 1)
    if font.strike:
        props["font_strikeout"] = True
    color = _color(font.color, theme)
    if color:
        props["font_color"] = color

    fill = cell.fill
    pattern = _PATTERNS.get(getattr(fill, "fill_type", None) or "")
    if pattern:
        fg = _color(fill.fgColor, theme)
        bg = _color(fill.bgColor, theme)
        props["pattern"] = pattern
        if pattern == 1:
            if fg:
                props["bg_color"] = fg  # XlsxWriter's solid fill colour
        else:
            if fg:
                props["fg_color"] = fg
            if bg:
                props["bg_color"] = bg

    border = cell.border
    for side in ("left", "right", "top", "bottom"):
        line = getattr(border, side, None)
        style = _BORDERS.get(getattr(line, "style", None) or "")
        if line is not None and style:
            props[side] = style
            side_color = _color(line.color, theme)
            if side_color:
                props[f"{side}_color"] = side_color

    align = cell.alignment
    if align.horizontal in _H_ALIGN:
        props["align"] = _H_ALIGN[align.horizontal]
    if align.vertical in _V_ALIGN:
        props["valign"] = _V_ALIGN[align.vertical]
    if align.wrap_text:
        props["text_wrap"] = True
    if align.shrink_to_fit:
        props["shrink"] = True
    if align.indent:
        props["indent"] = int(align.indent)
    if align.text_rotation:
        props["rotation"] = int(align.text_rotation)

    if cell.number_format and cell.number_format != "General":
        props["num_format"] = cell.number_format
    return props


_style_cache: dict[bytes, dict[str, dict[str, Any]]] = {}


def load_styles(template: Path) -> dict[str, dict[str, Any]]:
    """Read the role -> XlsxWriter properties table from the template (cached by content)."""
    # Untrusted input: a regular file (never a FIFO or device, which would
    # block), and a package checked before anything inflates it.
    data = ooxml.read_template(template)
    hit = _style_cache.get(data)
    if hit is not None:
        return hit
    try:
        # openpyxl gets the parts just read within the limits, never the file's own zip.
        checked = ooxml.repack(ooxml.read_package(data))
        # Imported here: a build whose style table is cached never needs openpyxl
        # (importing it alone costs ~0.1 s of CPU, a third of a one-pledge rebuild's workbook).
        import openpyxl

        wb = openpyxl.load_workbook(io.BytesIO(checked))
    except ooxml.PackageError as exc:
        raise TemplateError(template, str(exc)) from None
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: a damaged file
        raise TemplateError(
            template,
            tr(
                f"읽을 수 있는 XLSX 통합문서가 아닙니다({exc}).",
                f"not a readable XLSX workbook ({exc})",
            ),
        ) from None
    if STYLE_SHEET not in wb.sheetnames:
        raise TemplateError(
            template,
            tr(
                f'"{STYLE_SHEET}" 시트가 없습니다(역할마다 서식을 입힌 견본 칸이 있는 시트). '
                "tools/make_workbook_template.py로 새로 만들 수 있습니다.",
                f'has no sheet "{STYLE_SHEET}" (the sheet that holds one styled sample cell '
                "per role; tools/make_workbook_template.py makes a fresh one)",
            ),
        )
    ws = wb[STYLE_SHEET]
    theme = _theme_colors(getattr(wb, "loaded_theme", None))
    styles: dict[str, dict[str, Any]] = {}
    for row in ws.iter_rows(min_col=1, max_col=2):
        if len(row) < 2:
            continue
        key = row[0].value
        role = key.strip() if isinstance(key, str) else None
        if role in ROLES and role not in styles:
            styles[role] = _cell_properties(row[1], theme)
    missing = [r for r in ROLES if r not in styles]
    if missing:
        raise TemplateError(
            template,
            tr(
                f'"{STYLE_SHEET}" 시트에 역할이 없습니다: {", ".join(missing)}. A열에 이름을 '
                "쓰고 B열 옆 칸에 서식을 입힌 견본 칸을 두십시오.",
                f'the sheet "{STYLE_SHEET}" lacks the role(s) {", ".join(missing)}: write each '
                "name in column A with a styled sample cell beside it in column B",
            ),
        )
    if len(_style_cache) > 16:
        _style_cache.clear()
    _style_cache[data] = styles
    return styles


# Number formats


def _unquoted_positions(fmt: str) -> list[int]:
    """Indexes of '0' placeholders outside quoted literals, per the whole string."""
    out, quoted, escaped = [], False, False
    for i, ch in enumerate(fmt):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == "0" and not quoted:
            out.append(i)
    return out


def with_decimals(fmt: str) -> str:
    """``#,##0`` -> ``#,##0.0#``: the same format showing up to two decimals."""
    if fmt == "General":
        return fmt
    sections = fmt.split(";")
    out = []
    for section in sections:
        zeros = _unquoted_positions(section)
        if "." in section or not zeros:
            out.append(section)
        else:
            i = zeros[-1]
            out.append(section[: i + 1] + ".0#" + section[i + 1 :])
    return ";".join(out)


def blank_zero(fmt: str) -> str:
    """A format that prints nothing for 0: for totals of rows the form leaves blank."""
    if ";" in fmt:
        return fmt
    return f'{fmt};-{fmt};""'


def _value(value: Decimal) -> tuple[int | float, bool]:
    """A figure as the cell stores it, and whether it has decimals (for ``#,##0.0#``)."""
    whole = int(value)
    if whole == value:
        return whole, False
    return float(value), True


VARIANTS = ("", "dec", "blank", "rate")
# Every format a sheet may use, in the order their style indexes are given.
CATALOGUE: tuple[tuple[str, str], ...] = tuple((r, v) for r in ROLES for v in VARIANTS)


def _format_properties(
    styles: dict[str, dict[str, Any]], role: str, variant: str
) -> dict[str, Any]:
    """XlsxWriter format properties of ``role`` in ``variant`` (decimals, blank zero, rate)."""
    props = dict(styles[role])
    base = props.get("num_format", "#,##0")
    if variant == "rate":
        props["num_format"] = styles["rate"].get("num_format", "0.0%")
    else:
        if "dec" in variant:
            base = with_decimals(base)
        if "blank" in variant:
            base = blank_zero(base)
        if variant:
            props["num_format"] = base
    return props


# Plain classes, not dataclasses: a frozen dataclass costs ~0.5 ms to define,
# paid again by the forked process that writes the workbook (it imports this).
class _Styles:
    """The workbook's ``xl/styles.xml`` and the cell-format index of every (role, variant)."""

    __slots__ = ("part", "index", "theme")

    def __init__(self, part: bytes, index: dict[tuple[str, str], int], theme: bytes) -> None:
        self.part = part
        self.index = index
        self.theme = theme  # XlsxWriter's theme part, as it writes it


_styles_cache: dict[str, _Styles] = {}
_PINNED_CELL = re.compile(rb'<c r="[A-Z]+1" s="([0-9]+)"/>')


def _styles(styles: dict[str, dict[str, Any]]) -> _Styles:
    """Every format of :data:`CATALOGUE` made once with XlsxWriter, in that fixed order.

    XlsxWriter numbers a workbook's cell formats in the order cells meet them
    and writes ``styles.xml`` to match. A scratch sheet with one blank cell
    per (role, variant), in :data:`CATALOGUE` order, numbers them all; the
    sheets themselves are serialized by :mod:`.xlsxsheet` with those numbers,
    so a sheet's ``s="…"`` indexes never depend on which other sheets were
    written, and a reused sheet part fits every build. The scratch sheet is
    never published. Cached per style table (the template's content).
    """
    key = json.dumps(styles, sort_keys=True, ensure_ascii=False)
    hit = _styles_cache.get(key)
    if hit is not None:
        return hit
    buffer = io.BytesIO()
    wb = _workbook(buffer, styles)
    ws = wb.add_worksheet(STYLE_SHEET)
    for c, (role, variant) in enumerate(CATALOGUE):
        ws.write_blank(0, c, None, wb.add_format(_format_properties(styles, role, variant)))
    wb.close()
    parts = ooxml.read_package(buffer.getvalue(), own=True)
    pinned = _PINNED_CELL.findall(parts["xl/worksheets/sheet1.xml"])
    assert len(pinned) == len(CATALOGUE), "a pinned format XlsxWriter wrote in another form"
    index = {k: int(i) for k, i in zip(CATALOGUE, pinned, strict=True)}
    found = _Styles(parts["xl/styles.xml"], index, parts["xl/theme/theme1.xml"])
    if len(_styles_cache) > 16:
        _styles_cache.clear()
    _styles_cache[key] = found
    return found


def template_styles(template: Path) -> _Styles:
    """The style table made from ``template``: kept in the per-user cache, made on a miss.

    What :func:`load_styles` and :func:`_styles` make is a function of the
    template's bytes and the code (reportgen's, XlsxWriter's, openpyxl's: the
    cache key's fingerprint), so a build reads it back instead of loading the
    template with openpyxl and writing a scratch workbook with XlsxWriter.
    Only a table made cleanly is kept: a broken template fails every time,
    with its error, before the cache is asked. The entry holds bytes, text
    and numbers only (:mod:`.codecache` stores with ``marshal``), checked for
    its shape and for every (role, variant) before it is used.
    """
    data = ooxml.read_template(template)
    entry = codecache.key("xlsx-styles", data)
    found = _stored_styles(codecache.load(entry))
    if found is not None:
        return found
    made = _styles(load_styles(template))
    codecache.store(entry, (made.part, [[r, v, i] for (r, v), i in made.index.items()], made.theme))
    return made


def _stored_styles(value: Any) -> _Styles | None:
    """A cache entry as a style table, or None when it is not one in every respect."""
    if not (isinstance(value, tuple) and len(value) == 3):
        return None
    part, pairs, theme = value
    if not (isinstance(part, bytes) and isinstance(theme, bytes) and isinstance(pairs, list)):
        return None
    index: dict[tuple[str, str], int] = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 3 and isinstance(pair[2], int)):
            return None
        index[(pair[0], pair[1])] = pair[2]
    if list(index) != list(CATALOGUE):
        return None
    return _Styles(part, index, theme)


class _Formats:
    """The cell-format indexes of one workbook, by (role, variant)."""

    def __init__(self, table: _Styles) -> None:
        self.table = table
        self.index = self.table.index
        self.numerics: dict[str, _Numeric] = {}

    def __call__(self, role: str, variant: str = "") -> int:
        return self.index[(role, variant)]

    def numeric(self, role: str) -> _Numeric:
        """The formats a figure cell of ``role`` takes, bundled for the inner loops."""
        bundle = self.numerics.get(role)
        if bundle is None:
            bundle = _Numeric(
                self(role), self(role, "dec"), self(role, "blank"), self(role, "rate")
            )
            self.numerics[role] = bundle
        return bundle


class _Numeric:
    """Writes figures, totals and rates of one role: the cell-format index of each kind."""

    __slots__ = ("plain", "dec", "blank", "rate")

    def __init__(self, plain: int, dec: int, blank: int, rate: int) -> None:
        self.plain, self.dec, self.blank, self.rate = plain, dec, blank, rate

    def figure(self, ws: SheetPart, r: int, c: int, value: Decimal | None) -> None:
        """A figure as typed: a number, or a formatted blank where there is none."""
        if value is None:
            ws.write_blank(r, c, None, self.plain)
        else:
            number, dec = _value(value)
            ws.write_number(r, c, number, self.dec if dec else self.plain)

    def total(self, ws: SheetPart, r: int, c: int, formula: str, value: Decimal | None) -> None:
        """A total: the formula, with the view's figure stored as its value.

        A total the form leaves blank (no figures at all) still gets its formula,
        so it fills in when someone types a figure, but prints nothing for 0.
        """
        if value is None:
            ws.write_formula(r, c, formula, self.blank, 0)
        else:
            number, dec = _value(value)
            ws.write_formula(r, c, formula, self.dec if dec else self.plain, number)

    def computed_rate(
        self, ws: SheetPart, r: int, c: int, formula: str, value: Decimal | float | str | None
    ) -> None:
        """A rate the view computed, with its formula; stored blank where there is none."""
        stored = "" if value is None or value == "" else float(value)
        ws.write_formula(r, c, formula, self.rate, stored)

    def share(self, ws: SheetPart, r: int, c: int, value: float | str) -> None:
        """A share the view printed, as a number (no formula: its inputs are not on the sheet)."""
        if value == "":
            ws.write_blank(r, c, None, self.rate)
        else:
            ws.write_number(r, c, float(value), self.rate)


# ---------------------------------------------------------------------------
# Layout: every row and column the sheets use, by name (0-based)

# Rows 1-5 of every summary sheet: title, sheet title, period and unit, two header rows.
TITLE_ROW, SECTION_ROW, PERIOD_ROW, HEAD_ROW = 0, 1, 2, 3
SUMMARY_FIRST_ROW = HEAD_ROW + 2  # the first pledge row under the two header rows
TITLE_HEIGHT = 28
FREEZE_COLS = 2  # 공약번호 and 공약명 stay in view when scrolling right

# 총괄: the pledge list (the fiscal columns and what follows depend on the city).
SUM_ID, SUM_TITLE, SUM_STATUS = 0, 1, 2
SUM_PLAN, SUM_SECURED, SUM_EXECUTED, SUM_RATE = 3, 4, 5, 6
SUM_FISCAL = 7  # 연도별 투자계획: one column per money column from here
# 총괄: the status block below the list.
STATUS_GAP = 2  # rows between 합계 and □ 추진상황별 현황
STATUS_LABEL, STATUS_COUNT, STATUS_SHARE = 1, 2, 3

# 재원별: 공약번호, 공약명, then (계획 확보 집행) per source and for 계, then 집행률.
SRC_ID, SRC_TITLE, SRC_FIRST = 0, 1, 2
SRC_MEASURES = ("계획", "확보", "집행")

# Pledge sheets: title, a note line, the money tables from PLEDGE_TABLE_TOP down.
PLEDGE_NOTE_ROW = 1
PLEDGE_TABLE_TOP = 3
PLEDGE_TITLE_ROWS = 2  # rows repeated on every printed page
MT_NAME, MT_LABEL, MT_TOTAL = 0, 1, 2  # 공약사업명, 구분, the row's 계 (one per measure)
SUBTOTAL_LABEL = "소계"
MAX_SUM_RANGES = 200  # more ranges than this in one SUM: add the column by label instead

# 분야·부서별, 성과지표, 공약 조정: one header row.
LIST_FIRST_ROW = HEAD_ROW + 1

# Column widths (characters).
ID_WIDTH = 10
TITLE_WIDTH = 36
STATUS_WIDTH = 14
NAME_WIDTH = 30
LABEL_WIDTH = 7
SUM_WIDTH = 10
FIGURE_WIDTH = 9.5
RATE_WIDTH = 8
TEXT_WIDTH = 50
#: A column's width is counted in the default font's digits (about 0.58 em each).
DIGIT_EM = 0.58


def _fitted(label: str, least: float = FIGURE_WIDTH) -> float:
    """A column wide enough for its heading on one line ("2022~2023" no longer wraps)."""
    return max(least, sum(em(ch) for ch in label) / DIGIT_EM + 1.5)


# Print setup.
PAPER_A4 = 9
MARGIN_SIDE, MARGIN_TOP_BOTTOM = 0.4, 0.6


def tally_sheet_name(report: ReportView) -> str:
    """``분야·부서별`` after the city's group level; ``부서별`` where it has none."""
    level = report.group_level
    return f"{level}{TALLY_SHEET_SUFFIX}" if level else TALLY_SHEET_SUFFIX.lstrip("·")


class _TablePlace(NamedTuple):
    """Where a money table landed on its sheet (0-based rows)."""

    total_row: int
    first_row: int  # first row of the sub-project blocks
    last_row: int
    end: int  # first row after the table


def _place(table: MoneyTable, top: int, measures: int) -> _TablePlace:
    """Where ``money_table`` puts ``table`` from row ``top``: title, header rows, 계, its rows."""
    total_row = top + 1 + (1 if measures == 1 else 2)
    last_row = total_row + table.height
    return _TablePlace(total_row, total_row + 1, last_row, last_row + 1)


def _placement(view: PledgeView) -> tuple[_TablePlace | None, _TablePlace]:
    """Where the pledge sheet of ``view`` has its tables, without writing it (a reused sheet)."""
    top = PLEDGE_TABLE_TOP
    plan: _TablePlace | None = None
    secured: _TablePlace | None = None
    for table in view.money_tables:
        if table.kind == "plan":
            plan = _place(table, top, len(PLAN_MEASURES))
            top = plan.end + 1
        else:
            secured = _place(table, top, len(SECURED_MEASURES))
            top = secured.end + 1
    assert secured is not None, "every pledge view prints its 확보(집행)액"
    return plan, secured


class _PledgeSheet:
    """A pledge's sheet: its name, and where its tables lie (placed when first asked)."""

    __slots__ = ("name", "ref", "_view", "_places")

    def __init__(
        self,
        name: str,
        view: PledgeView,
        places: tuple[_TablePlace | None, _TablePlace] | None = None,
    ) -> None:
        self.name = name
        self.ref = _quote_sheet(name)  # quoted for formulas: '1-4-5'
        self._view = view
        # A reused sheet is placed only if a summary row that refers to it is
        # written: placing it counts its tables' rows, which a carried view makes
        # from its record (a kept row needs none of it).
        self._places = places

    def _placed(self) -> tuple[_TablePlace | None, _TablePlace]:
        if self._places is None:
            self._places = _placement(self._view)
        return self._places

    @property
    def plan(self) -> _TablePlace | None:
        """None: no 투자계획 printed (a withdrawn pledge)."""
        return self._placed()[0]

    @property
    def secured(self) -> _TablePlace:
        return self._placed()[1]


_PLAIN_ID = re.compile(r"[0-9A-Za-z-]+")


class _Kept:
    """The pledge rows of one summary sheet the previous build wrote, for rows taken back whole.

    ``rows``: each row's cells' XML (:func:`~.xlsxsheet.sheet_rows`), ``items``:
    the previous shared-string table's items. A pledge's row is taken back only
    where its sheet was reused by key: the key holds everything of the pledge
    the row shows (its record, settings, period, number, template and code) and
    its sheet's name, and the part it came from was found by this sheet's
    layout key (:meth:`_Writer.render`), so the row is the very one this build
    would write. Its id is checked besides. ``given``, ``raw``: the part as
    the previous build's package holds it and inflated, taken back whole when
    this build's comes out the same.
    """

    def __init__(self, given: bytes | ooxml.Deflated, raw: bytes, items: list[str]) -> None:
        self.given, self.raw, self.items = given, raw, items
        self.rows = sheet_rows(raw)

    def block(self, r: int, count: int, pledge_id: str) -> list[KeptRow] | None:
        """Rows ``r`` … of one pledge (성과지표: one per indicator), if its first row was ``r`` before too.

        Its key unchanged, it has as many rows as before; that they began on
        the same row makes each the one this build would write there.
        """
        if r - 1 in self.rows and self._take(r - 1, pledge_id) is not None:
            return None  # its rows began above: a row of it is not where it was
        rows = [self.row(r + i, pledge_id) for i in range(count)]
        return None if None in rows else rows  # type: ignore[return-value]

    def row(self, r: int, pledge_id: str) -> KeptRow | None:
        """Row ``r`` as the previous build wrote it, if it is ``pledge_id``'s; else None."""
        return self._take(r, pledge_id)

    def _take(self, r: int, pledge_id: str) -> KeptRow | None:
        found = self.rows.get(r)
        if found is None:
            return None
        try:
            kept = KeptRow(self.raw, *found, self.items)
            first = kept.first_item()
        except (IndexError, ValueError):  # a part not as this code writes it
            return None
        # An id of digits, letters and hyphens is its item as it is (text_item
        # escapes nothing in it), spelled out here rather than run through it.
        plain = _PLAIN_ID.fullmatch(pledge_id) is not None
        return kept if first == (f"<t>{pledge_id}</t>" if plain else text_item(pledge_id)) else None


def _created(report: ReportView) -> dt.datetime:
    """The document's creation date: the start of the report period, never the clock."""
    try:
        period = Period.parse(report.period)
    except Exception:  # noqa: BLE001 - a view built by hand: any fixed date will do
        return dt.datetime(2000, 1, 1)
    return dt.datetime(period.year, 7 if period.half == 2 else 1, 1)


def _table(view: PledgeView, kind: str) -> MoneyTable | None:
    """The pledge's printed money table of ``kind``: a withdrawn pledge prints no plan."""
    return next((t for t in view.money_tables if t.kind == kind), None)


# ---------------------------------------------------------------------------
# Figures the view does not carry (yet)


# ---------------------------------------------------------------------------
# Formula texts. Pledge sheets share their layout far more often than not, so
# each distinct text is built once per process rather than once per cell; keys
# are plain ints, so the caches cannot change what is written.


@lru_cache(maxsize=8192)
def _sum_formula(col: int, rows: tuple[int, ...]) -> str:
    return "=" + _sum_body(col, rows)


@lru_cache(maxsize=8192)
def _across_formula(row: int, first: int, step: int, count: int) -> str:
    return "=" + _across_body(row, first, step, count)


@lru_cache(maxsize=8192)
def _like_rate_formula(row: int, executed_col: int, basis_col: int) -> str:
    return "=" + _like_rate_body(row, executed_col, basis_col)


@lru_cache(maxsize=8192)
def _basis_formula(row: int, pairs: tuple[tuple[int, int], ...]) -> str:
    return "=" + _basis_body(row, pairs)


SHARE_STEP = Decimal("0.001")  # a share's ROUND(…, 3): a tenth of a percent


def _share_formula(count: str, base: str) -> str:
    """A share to one decimal of a percent, as the view prints it (37.5%)."""
    return f'=IF({base}=0,"",ROUND({count}/{base},3))'


# ---------------------------------------------------------------------------
# Writing


# A part a previous build wrote, by key: inflated, or still deflated; None when not found.
Reuse = Callable[[str], bytes | ooxml.Deflated | None]
# The previous build's part of the same name in this workbook (still deflated), or None.
Earlier = Callable[[str], ooxml.Deflated | None]
# The summary sheets with one row per pledge, whose rows a rebuild takes back; and
# with them 성과지표 (a pledge's indicators, row after row, where a city records them).
ROW_SHEETS = (SUMMARY_SHEET, SOURCES_SHEET)
KEPT_SHEETS = (*ROW_SHEETS, INDICATORS_SHEET)
# The parts XlsxWriter writes around the sheets, reused by key as the frame.
FRAME_PARTS = (
    "[Content_Types].xml",
    "_rels/.rels",
    "docProps/app.xml",
    "docProps/core.xml",
    "xl/_rels/workbook.xml.rels",
    "xl/theme/theme1.xml",
    "xl/workbook.xml",
)


class _Writer:
    def __init__(self, report: ReportView, table: _Styles) -> None:
        self.report = report
        # Each pledge's 집행률 cell on the 총괄 sheet ("" for 합계), which 재원별 refers to.
        self.rate_cells: dict[str, tuple[str, Decimal | None]] = {}
        self.kept_rows: dict[str, int] = {}  # pledges whose 총괄 row was kept: that row
        self.f = _Formats(table)
        # Sheet name -> its part, written here or reused (perhaps still deflated).
        self.parts: dict[str, bytes | ooxml.Deflated] = {}
        self.title_rows: dict[str, int] = {}  # per sheet: rows repeated on each printed page
        self.reused: set[str] = set()  # pledges whose sheet was reused by key
        # Per summary sheet: the previous build's pledge rows, where it had this layout.
        self.kept: dict[str, _Kept] = {}
        self.items: list[str] = []  # the previous build's shared strings, where rows are kept
        self.n = len(report.column_labels)
        self.unit = next((p.plan_table.unit for p in report.pledges), "(단위 : 백만원)")
        self.with_progress = bool(report.average_progress) or any(
            v.progress_rate is not None for v in report.pledges
        )
        # 연차별 목표 beside the term's on 성과지표, where a pledge sets them (the report's year).
        self.yearly = any(ind.year_label for v in report.pledges for ind in v.indicators)

    # -- helpers -------------------------------------------------------------

    def _title_rows(self, ws: SheetPart, last_col: int, section: str, unit: bool = True) -> None:
        """Rows 1-3 of a summary sheet: report title, sheet title, period and unit."""
        f, report = self.f, self.report
        ws.set_row(TITLE_ROW, TITLE_HEIGHT)
        self._merge(
            ws, TITLE_ROW, 0, TITLE_ROW, last_col, f"{report.city} {report.title}", f("title")
        )
        ws.write_string(SECTION_ROW, 0, section, f("section"))
        ws.write_string(
            PERIOD_ROW,
            0,
            f"{report.as_of_text or report.period_words + ' 기준'} · {report.term_name} "
            f"({report.term_span})",
            f("note"),
        )
        if unit:
            ws.write_string(PERIOD_ROW, last_col, self.unit, f("unit"))
        if report.draft_mark:  # on screen too, where the sheet's title is read
            ws.write_string(SECTION_ROW, last_col, report.draft_mark, f("unit"))

    def _merge(
        self, ws: SheetPart, r1: int, c1: int, r2: int, c2: int, text: str, fmt: int
    ) -> None:
        if r1 == r2 and c1 == c2:
            ws.write_string(r1, c1, text, fmt)
        else:
            ws.merge_range(r1, c1, r2, c2, text, fmt)

    def _headers(self, ws: SheetPart, row: int, first_col: int, labels: Sequence[str]) -> None:
        for c, label in enumerate(labels, start=first_col):
            ws.write_string(row, c, label, self.f("header"))

    def _print_setup(self, ws: SheetPart, title_rows: int) -> None:
        """A4 landscape, one page wide, centred; page numbers below, the title rows repeated."""
        self.title_rows[ws.get_name()] = title_rows  # the skeleton's print titles
        header = ""
        if self.report.draft_mark:
            # 초안 on every printed page, top right, in bold dark red ('&' doubled for Excel).
            mark = self.report.draft_mark.replace("&", "&&")
            header = f'&R&"-,Bold"&KC00000{mark}'
        ws.print_setup("&C&P / &N", header)

    def _count(self, ws: SheetPart, r: int, c: int, value: int, role: str = "figure") -> None:
        ws.write_number(r, c, value, self.f(role))

    # -- pledge sheets -------------------------------------------------------

    def money_table(
        self, ws: SheetPart, table: MoneyTable, top: int, measures: tuple[str, ...]
    ) -> _TablePlace:
        f, n, m = self.f, self.n, len(measures)
        first_fig = MT_TOTAL + m  # first fiscal column
        # 확보(집행)액: 집행률 compares like with like, over the columns where
        # execution is recorded; that base gets its own column so it can be read.
        basis_col = first_fig + n * m if m == 2 else None
        rate_col = basis_col + 1 if basis_col is not None else None
        last_col = rate_col if rate_col is not None else first_fig + n * m - 1

        def col(i: int, k: int) -> int:  # fiscal column i, measure k
            return first_fig + i * m + k

        ws.write_string(top, MT_NAME, f"□ {table.title}", f("section"))
        ws.write_string(top, last_col, table.unit, f("unit"))
        head = top + 1
        if m == 1:
            self._headers(ws, head, MT_NAME, ("공약사업명", "구분", "계"))
            self._headers(ws, head, first_fig, table.column_labels)
            total_row = head + 1
        else:
            self._merge(ws, head, MT_NAME, head + 1, MT_NAME, "공약사업명", f("header"))
            self._merge(ws, head, MT_LABEL, head + 1, MT_LABEL, "구분", f("header"))
            self._merge(ws, head, MT_TOTAL, head, MT_TOTAL + 1, "계", f("header"))
            for i, label in enumerate(table.column_labels):
                self._merge(ws, head, col(i, 0), head, col(i, 1), label, f("header"))
            for c in range(MT_TOTAL, basis_col or 0, 2):
                ws.write_string(head + 1, c, SECURED, f("header"))
                ws.write_string(head + 1, c + 1, EXECUTED, f("header"))
            b, rc = basis_col or 0, rate_col or 0
            self._merge(ws, head, b, head + 1, b, BASIS_HEADER, f("header"))
            self._merge(ws, head, rc, head + 1, rc, "집행률", f("header"))
            total_row = head + 2

        # Group the flattened rows into blocks (a "restart" opens one).
        blocks: list[list[tuple[int, MoneyRow]]] = []
        r = total_row + 1
        for row in table.rows:
            if row.merge != "continue" or not blocks:
                blocks.append([])
            blocks[-1].append((r, row))
            r += 1
        first_row, last_row = total_row + 1, r - 1
        pairs = tuple((col(i, 0), col(i, 1)) for i in range(n))

        def write_row(ri: int, row: MoneyRow, role: str, down: tuple[int, ...] | None) -> None:
            fmt = self.f.numeric(role)
            total = row.total
            # The row's 계 (one per measure) in columns MT_TOTAL …,
            for k, measure in enumerate(measures):
                across = _across_formula(ri, first_fig + k, m, n)
                fmt.total(ws, ri, MT_TOTAL + k, across, getattr(total, measure))
            # then fiscal column by fiscal column, measure by measure.
            for i, cell in enumerate(row.cells):
                for k, measure in enumerate(measures):
                    if down is None:  # figures as recorded
                        fmt.figure(ws, ri, col(i, k), getattr(cell, measure))
                    else:  # 소계: each column summed down the block's source rows
                        formula = _sum_formula(col(i, k), down)
                        fmt.total(ws, ri, col(i, k), formula, getattr(cell, measure))
            if basis_col is not None and rate_col is not None:
                basis = _basis_formula(ri, pairs) if down is None else _sum_formula(basis_col, down)
                fmt.total(ws, ri, basis_col, basis, row.rate_basis)
                rate = _like_rate_formula(ri, MT_TOTAL + 1, basis_col)
                fmt.computed_rate(ws, ri, rate_col, rate, row.rate)

        # The grand total sums each block's 소계, or its source rows where it has none.
        grand_rows: list[int] = []
        for block in blocks:
            sources = [ri for ri, row in block if row.kind == "source"]
            subtotals = [ri for ri, row in block if row.kind == "subtotal"]
            grand_rows.extend(subtotals or sources)
            start, height = block[0][0], block[0][1].block_rows
            name_end = min(start + max(height, 1) - 1, block[-1][0])
            self._merge(ws, start, MT_NAME, name_end, MT_NAME, block[0][1].name, f("name"))
            for ri, row in block:
                if row.kind == "subtotal":
                    ws.write_string(ri, MT_LABEL, row.label, f("total_label"))
                    write_row(ri, row, "total", tuple(sources))
                else:
                    ws.write_string(ri, MT_LABEL, row.label, f("label"))
                    write_row(ri, row, "figure", None)

        g = table.grand_total
        # The view's 계 row: its name cell empty, 계 under 구분 (as every format prints it).
        ws.write_blank(total_row, MT_NAME, None, f("total_label"))
        ws.write_string(total_row, MT_LABEL, g.label, f("total_label"))
        if len(_intervals(grand_rows)) > MAX_SUM_RANGES:  # too many for SUM: add by label
            labels = f"{_abs(first_row, MT_LABEL)}:{_abs(last_row, MT_LABEL)}"
            subtotal = _quote_text("<>" + SUBTOTAL_LABEL)

            def grand(c: int) -> str:
                return f"=SUMIF({labels},{subtotal},{_a1(first_row, c)}:{_a1(last_row, c)})"
        else:
            grand_key = tuple(grand_rows)

            def grand(c: int) -> str:
                return _sum_formula(c, grand_key)

        fmt = self.f.numeric("total")
        for k, measure in enumerate(measures):
            across = _across_formula(total_row, first_fig + k, m, n)
            fmt.total(ws, total_row, MT_TOTAL + k, across, getattr(g.total, measure))
        for i, cell in enumerate(g.cells):
            for k, measure in enumerate(measures):
                fmt.total(ws, total_row, col(i, k), grand(col(i, k)), getattr(cell, measure))
        if basis_col is not None and rate_col is not None:
            fmt.total(ws, total_row, basis_col, grand(basis_col), g.rate_basis)
            rate = _like_rate_formula(total_row, MT_TOTAL + 1, basis_col)
            fmt.computed_rate(ws, total_row, rate_col, rate, g.rate)
        placed = _TablePlace(total_row, first_row, last_row, last_row + 1)
        # Reused sheets are placed by _place alone: both must agree.
        assert placed == _place(table, top, m), (placed, _place(table, top, m))
        return placed

    def pledge_sheet(self, view: PledgeView, name: str) -> _PledgeSheet:
        f, n = self.f, self.n
        ws = SheetPart(name)
        # The secured table is the widest: 계 (확보 집행), n × (확보 집행), its base, 집행률.
        rate_col = MT_TOTAL + 2 + 2 * n + 1
        ws.set_column(MT_NAME, MT_NAME, NAME_WIDTH)
        ws.set_column(MT_LABEL, MT_LABEL, LABEL_WIDTH)
        ws.set_column(MT_TOTAL, rate_col - 1, FIGURE_WIDTH)
        ws.set_column(rate_col, rate_col, RATE_WIDTH)
        ws.set_row(TITLE_ROW, TITLE_HEIGHT)
        self._merge(ws, TITLE_ROW, 0, TITLE_ROW, rate_col, f"{view.id} {view.title}", f("title"))
        status = view.status or NOT_RECORDED_STATUS
        line = f"{view.period_words} · {view.department} · 추진상황: {status}"
        if view.progress_rate_text:
            line += f" · 추진율: {view.progress_rate_text}"
        if not view.plan_table.recorded:
            line += " · 이 기간의 예산이 기록되지 않았습니다 (빈 틀)"
        for adjustment in view.adjustments:
            line += f" · {adjustment.heading}"
        if view.withdrawn:
            line += " · 투자계획은 싣지 않습니다 (확보·집행액만)"
        ws.write_string(PLEDGE_NOTE_ROW, 0, line, f("note"))
        top = PLEDGE_TABLE_TOP
        plan: _TablePlace | None = None
        secured: _TablePlace | None = None
        for table in view.money_tables:
            if table.kind == "plan":
                plan = self.money_table(ws, table, top, PLAN_MEASURES)
                top = plan.end + 1
            else:
                secured = self.money_table(ws, table, top, SECURED_MEASURES)
                top = secured.end + 1
        assert secured is not None, "every pledge view prints its 확보(집행)액"
        ws.write_string(
            secured.end + 1,
            0,
            "※ 계·소계는 수식입니다. 계 = 기투자 + 연도별 + 임기후. 집행률 = 집행 ÷ 확보(집행 기재분): "
            "집행이 아직 기재되지 않은 연도의 확보액은 빼고 같은 연도끼리 비교합니다",
            f("note"),
        )
        ws.freeze_panes(PLEDGE_TITLE_ROWS, FREEZE_COLS)
        self._print_setup(ws, PLEDGE_TITLE_ROWS)
        # Its text inline, the part stands alone; held deflated until the package
        # is written (3,000 pledge sheets: some 80 MB of XML, 9 MB deflated).
        self.parts[name] = ooxml.deflate(ws.part())
        return _PledgeSheet(name, view, (plan, secured))

    # -- 총괄 ------------------------------------------------------------------

    def summary(self, ws: SheetPart, placed: dict[str, _PledgeSheet]) -> None:
        f, n, report = self.f, self.n, self.report
        plan_end = SUM_FISCAL + n - 1
        basis_col = plan_end + 1  # 확보(집행 기재분): the base of 집행률, like with like
        progress_col = basis_col + 1 if self.with_progress else None
        last_col = progress_col if progress_col is not None else basis_col
        pledge_basis_col = MT_TOTAL + 2 + 2 * n  # where money_table put it on a pledge sheet
        ws.set_column(SUM_ID, SUM_ID, ID_WIDTH)
        ws.set_column(SUM_TITLE, SUM_TITLE, TITLE_WIDTH)
        ws.set_column(SUM_STATUS, SUM_STATUS, STATUS_WIDTH)
        ws.set_column(SUM_PLAN, SUM_EXECUTED, SUM_WIDTH)
        ws.set_column(SUM_RATE, SUM_RATE, RATE_WIDTH)
        for col, label in enumerate(report.column_labels, start=SUM_FISCAL):
            ws.set_column(col, col, _fitted(label))
        ws.set_column(basis_col, basis_col, FIGURE_WIDTH + 2)
        if progress_col is not None:
            ws.set_column(progress_col, progress_col, RATE_WIDTH)
        self._title_rows(ws, last_col, "공약사업 예산 집계 (총괄)")
        h = HEAD_ROW
        self._merge(ws, h, SUM_ID, h + 1, SUM_ID, "공약번호", f("header"))
        self._merge(ws, h, SUM_TITLE, h + 1, SUM_TITLE, "공약명", f("header"))
        self._merge(ws, h, SUM_STATUS, h + 1, SUM_STATUS, "추진상황", f("header"))
        self._merge(ws, h, SUM_PLAN, h, SUM_RATE, "사업비 합계", f("header"))
        self._merge(ws, h, SUM_FISCAL, h, plan_end, "연도별 투자계획", f("header"))
        self._merge(ws, h, basis_col, h + 1, basis_col, BASIS_HEADER, f("header"))
        if progress_col is not None:
            self._merge(ws, h, progress_col, h + 1, progress_col, "추진율", f("header"))
        self._headers(ws, h + 1, SUM_PLAN, ("계획", SECURED, EXECUTED, "집행률"))
        self._headers(ws, h + 1, SUM_FISCAL, report.column_labels)

        r = SUMMARY_FIRST_ROW
        money_rows: list[int] = []
        figure, rates = self.f.numeric("figure"), self.f.numeric("rate")
        kept = self.kept.get(SUMMARY_SHEET)
        for view in report.pledges:
            sheet = placed.get(view.id)
            if kept is not None and sheet is not None and view.id in self.reused:
                row = kept.row(r, view.id)
                if row is not None:  # the previous build's row: this build's, unwritten
                    ws.keep_row(r, row)
                    ws.links[(r, SUM_ID)] = (f"{sheet.ref}!A1", f"{view.id} 시트로 이동", view.id)
                    money_rows.append(r)
                    # Its 집행률 cell is looked up only if its 재원별 row is written: in
                    # the forked process each view object read is a page copied.
                    self.kept_rows[view.id] = r
                    r += 1
                    continue
            if sheet is not None:
                link = f"internal:{sheet.ref}!A1"
                ws.write_url(r, SUM_ID, link, f("label"), view.id, f"{view.id} 시트로 이동")
            else:
                ws.write_string(r, SUM_ID, view.id, f("label"))
            ws.write_string(r, SUM_TITLE, view.title, f("name"))
            ws.write_string(r, SUM_STATUS, view.status or NOT_RECORDED_STATUS, f("label"))
            if progress_col is not None:
                progress = None if view.progress_rate is None else view.progress_rate / 100
                rates.share(ws, r, progress_col, "" if progress is None else float(progress))
            if sheet is None:
                self._merge(ws, r, SUM_PLAN, r, basis_col, NON_BUDGET, f("label"))
                r += 1
                continue
            money_rows.append(r)
            plan = _table(view, "plan")
            if plan is not None and sheet.plan is not None:
                for i, cell in enumerate(plan.grand_total.cells):
                    ref = f"={sheet.ref}!{_abs(sheet.plan.total_row, MT_TOTAL + 1 + i)}"
                    figure.total(ws, r, SUM_FISCAL + i, ref, cell.amount)
                plan_total = plan.grand_total.total.amount
                across = f"=SUM({_a1(r, SUM_FISCAL)}:{_a1(r, plan_end)})"
                figure.total(ws, r, SUM_PLAN, across, plan_total)
            else:  # withdrawn: its plan is not planned money any more
                for c in (SUM_PLAN, *range(SUM_FISCAL, plan_end + 1)):
                    figure.figure(ws, r, c, None)
            g = view.secured_table.grand_total
            at = sheet.secured.total_row
            for c, src, value in (
                (SUM_SECURED, MT_TOTAL, g.total.amount),
                (SUM_EXECUTED, MT_TOTAL + 1, g.total.executed),
                (basis_col, pledge_basis_col, g.rate_basis),
            ):
                figure.total(ws, r, c, f"={sheet.ref}!{_abs(at, src)}", value)
            like = _like_rate_formula(r, SUM_EXECUTED, basis_col)
            rates.computed_rate(ws, r, SUM_RATE, like, g.rate)
            self.rate_cells[view.id] = (f"={SUMMARY_REF}!{_abs(r, SUM_RATE)}", g.rate)
            r += 1

        total_row = r
        self._merge(ws, total_row, SUM_ID, total_row, SUM_STATUS, "합계", f("total_label"))
        total = self.f.numeric("total")
        money = report.money_totals
        assert money is not None  # assemble_report always sets it
        # The 합계 row: the view's totals, with the formulas that give them.
        totals: dict[int, Decimal | None] = {
            SUM_PLAN: money.planned,
            SUM_SECURED: money.secured,
            SUM_EXECUTED: money.executed,
            basis_col: money.basis,
            **{SUM_FISCAL + i: v for i, v in enumerate(money.columns)},
        }
        for c, value in totals.items():
            total.total(ws, total_row, c, _sum_formula(c, tuple(money_rows)), value)
        whole = money.rate
        self.rate_cells[""] = (f"={SUMMARY_REF}!{_abs(total_row, SUM_RATE)}", whole)
        formula = _like_rate_formula(total_row, SUM_EXECUTED, basis_col)
        total.computed_rate(ws, total_row, SUM_RATE, formula, whole)
        if progress_col is not None:
            average = report.average_rate
            stored = "" if average is None or average.value is None else float(average.value)
            total.share(ws, total_row, progress_col, stored)
        last = max(total_row - 1, SUMMARY_FIRST_ROW)
        status_range = f"{_abs(SUMMARY_FIRST_ROW, SUM_STATUS)}:{_abs(last, SUM_STATUS)}"
        self.status_block(ws, total_row + STATUS_GAP, status_range)
        ws.freeze_panes(SUMMARY_FIRST_ROW, FREEZE_COLS)
        self._print_setup(ws, SUMMARY_FIRST_ROW)

    def status_block(self, ws: SheetPart, top: int, status_range: str) -> None:
        """□ 추진상황별 현황: the view's 총괄표, row by row, with live formulas.

        A status row counts its status in the list above (COUNTIF), 계 adds up
        the rows in the base, 전체 공약 the 계 and what is counted apart; every
        formula stores the view's figure as its value. The rows, their order
        and labels are the view's (:attr:`ReportView.status_table`).
        """
        f, report = self.f, self.report
        table = report.status_table
        assert table is not None  # assemble_report always sets it
        share = self.f.numeric("rate")
        total_share = self.f.numeric("total")
        ws.write_string(top, 0, "□ 추진상황별 현황", f("section"))
        head = top + 1
        self._headers(ws, head, STATUS_LABEL, [c.text for c in table.head[0].cells])
        r = head + 1
        base_rows: list[int] = []
        apart_rows: list[int] = []
        keys = [row.key for row in table.rows]
        base_row = r + keys.index("base")
        base_ref = _abs(base_row, STATUS_COUNT)
        for row in table.rows:
            label, count, rate = row.cells
            total = row.kind == "total"
            ws.write_string(r, STATUS_LABEL, label.text, f("total_label" if total else "label"))
            if row.key == "base":
                formula = _sum_formula(STATUS_COUNT, tuple(base_rows)) if base_rows else "=0"
                ws.write_formula(r, STATUS_COUNT, formula, f("total"), count.value)
            elif row.key == "all":
                formula = _sum_formula(STATUS_COUNT, (base_row, *apart_rows))
                ws.write_formula(r, STATUS_COUNT, formula, f("total"), count.value)
            else:
                status = NOT_RECORDED_STATUS if row.key == tables.UNRECORDED else row.key
                criteria = "=" + re.sub(r"([~*?])", r"~\1", status)
                ws.write_formula(
                    r,
                    STATUS_COUNT,
                    f"=COUNTIF({status_range},{_quote_text(criteria)})",
                    f("figure"),
                    count.value,
                )
                (base_rows if row.kind == "body" else apart_rows).append(r)
            numeric = total_share if total else share
            if row.kind == "body" or row.key == "base":
                formula = _share_formula(_a1(r, STATUS_COUNT), base_ref)
                # Stored as the formula computes it: rounded to a tenth of a percent.
                stored = (
                    None
                    if rate.value is None
                    else Decimal(rate.value).quantize(SHARE_STEP, ROUND_HALF_UP)
                )
                numeric.computed_rate(ws, r, STATUS_SHARE, formula, stored)
            elif rate.text:
                ws.write_string(r, STATUS_SHARE, rate.text, f("label"))
            r += 1
        for note in table.notes:
            ws.write_string(r, STATUS_LABEL, f"※ {note}", f("note"))
            r += 1
        r += 1
        ws.write_string(r, 0, "□ 총괄", f("section"))
        for i, line in enumerate(report.summary_lines, start=1):
            ws.write_string(r + i, STATUS_LABEL, line, f("note"))

    # -- 분야·부서별 -------------------------------------------------------------

    def tallies(self, ws: SheetPart) -> None:
        """The view's 분야별 and 부서별 tables, one below the other, as they are.

        Counts and shares are numbers (a share from its :class:`Rate`, never
        from its text); the 계 row's counts are SUMs of the lines above it,
        storing the view's figures.
        """
        f, report = self.f, self.report
        found = [t for t in (report.group_table, report.department_table) if t is not None]
        width = max(len(t.columns) for t in found)
        ws.set_column(0, 0, TITLE_WIDTH)
        ws.set_column(1, width - 1, SUM_WIDTH)
        level = report.group_level or "부서"
        self._title_rows(ws, width - 1, f"{level}별 · 부서별 추진상황", unit=False)
        count, total = self.f.numeric("figure"), self.f.numeric("total")
        rate, total_rate = self.f.numeric("rate"), self.f.numeric("total")
        r = HEAD_ROW
        for table in found:
            self._headers(ws, r, 0, [c.text for c in table.head[0].cells])
            r += 1
            first = r
            for row in table.rows:
                is_total = row.kind != "body"
                label, *cells = row.cells
                ws.write_string(r, 0, label.text, f("total_label" if is_total else "label"))
                for c, cell in enumerate(cells, start=1):
                    value = cell.value
                    if table.columns[c].kind == "rate" and value is None and cell.text:
                        ws.write_string(r, c, cell.text, f("label"))  # "-": nothing to share
                    elif table.columns[c].kind == "rate":
                        (total_rate if is_total else rate).share(
                            ws, r, c, "" if value is None else float(value)
                        )
                    elif is_total:
                        formula = _sum_formula(c, tuple(range(first, r)))
                        total.total(ws, r, c, formula, None if value is None else Decimal(value))
                    else:
                        count.figure(ws, r, c, None if value is None else Decimal(value))
                r += 1
            for note in table.notes:
                ws.write_string(r, 0, f"※ {note}", f("note"))
                r += 1
            r += 1
        ws.freeze_panes(LIST_FIRST_ROW, 1)
        self._print_setup(ws, LIST_FIRST_ROW)

    # -- 재원별 ----------------------------------------------------------------

    def by_source(self, ws: SheetPart, placed: dict[str, _PledgeSheet]) -> None:
        f, report = self.f, self.report
        sources = report.funding_sources
        groups = (*sources, "계")
        width = len(SRC_MEASURES)
        rate_col = SRC_FIRST + len(groups) * width
        last_col = rate_col
        ws.set_column(SRC_ID, SRC_ID, ID_WIDTH)
        ws.set_column(SRC_TITLE, SRC_TITLE, TITLE_WIDTH)
        ws.set_column(SRC_FIRST, rate_col - 1, FIGURE_WIDTH)
        ws.set_column(rate_col, rate_col, RATE_WIDTH)
        self._title_rows(ws, last_col, "재원별 사업비 (계획 · 확보 · 집행)")
        h = HEAD_ROW
        self._merge(ws, h, SRC_ID, h + 1, SRC_ID, "공약번호", f("header"))
        self._merge(ws, h, SRC_TITLE, h + 1, SRC_TITLE, "공약명", f("header"))
        for g, group in enumerate(groups):
            c0 = SRC_FIRST + width * g
            self._merge(ws, h, c0, h, c0 + width - 1, group, f("header"))
            self._headers(ws, h + 1, c0, SRC_MEASURES)
        self._merge(ws, h, rate_col, h + 1, rate_col, "집행률", f("header"))

        r = SUMMARY_FIRST_ROW
        money_rows: list[int] = []
        figure, rates = self.f.numeric("figure"), self.f.numeric("rate")
        total = self.f.numeric("total")
        c_total = SRC_FIRST + width * len(sources)
        kept = self.kept.get(SOURCES_SHEET)
        for view in report.pledges:
            sheet = placed.get(view.id)
            if kept is not None and sheet is not None and view.id in self.reused:
                row = kept.row(r, view.id)
                if row is not None:  # the previous build's row: this build's, unwritten
                    ws.keep_row(r, row)
                    money_rows.append(r)
                    r += 1
                    continue
            ws.write_string(r, SRC_ID, view.id, f("label"))
            ws.write_string(r, SRC_TITLE, view.title, f("name"))
            if sheet is None:
                self._merge(ws, r, SRC_FIRST, r, last_col, NON_BUDGET, f("label"))
                r += 1
                continue
            money_rows.append(r)
            plan = _table(view, "plan")
            # Per measure, the ranges SUMIF reads on the pledge's sheet (the same
            # for every source): "('1-4-5'!$B$7:$B$9,", "'1-4-5'!$C$7:$C$9)"; None:
            # withdrawn (no plan), or a table with no rows (nothing secured yet),
            # so no range to add up, and none written backwards ($B$17:$B$16).
            ranges = [
                None
                if place is None or place.last_row < place.first_row
                else (
                    f"=SUMIF({sheet.ref}!{_abs(place.first_row, MT_LABEL)}:"
                    f"{_abs(place.last_row, MT_LABEL)},",
                    f",{sheet.ref}!{_abs(place.first_row, sum_col)}:"
                    f"{_abs(place.last_row, sum_col)})",
                )
                for place, sum_col in (
                    (sheet.plan, MT_TOTAL),
                    (sheet.secured, MT_TOTAL),
                    (sheet.secured, MT_TOTAL + 1),
                )
            ]
            for g, money in enumerate(view.by_source):
                c0 = SRC_FIRST + width * g
                crit = _quote_text(money.source)
                values = (money.planned, money.secured, money.executed)
                for k, (around, value) in enumerate(zip(ranges, values, strict=True)):
                    if around is None:
                        figure.figure(ws, r, c0 + k, value)
                    else:
                        figure.total(ws, r, c0 + k, around[0] + crit + around[1], value)
            grand_plan = plan.grand_total.total.amount if plan is not None else None
            grand_sec = view.secured_table.grand_total.total
            for k, value in enumerate((grand_plan, grand_sec.amount, grand_sec.executed)):
                if k == 0 and plan is None:
                    total.figure(ws, r, c_total, None)
                    continue
                parts = ",".join(_a1(r, SRC_FIRST + width * g + k) for g in range(len(sources)))
                total.total(ws, r, c_total + k, f"=SUM({parts})", value)
            # 집행률 like with like, as the 총괄 sheet has it (one figure, one place).
            found = self.rate_cells.get(view.id)
            if found is None:  # its 총괄 row was kept
                at = self.kept_rows[view.id]
                found = (
                    f"={SUMMARY_REF}!{_abs(at, SUM_RATE)}",
                    view.secured_table.grand_total.rate,
                )
            ref, rate = found
            rates.computed_rate(ws, r, rate_col, ref, rate)
            r += 1

        total_row = r
        self._merge(ws, total_row, SRC_ID, total_row, SRC_TITLE, "합계", f("total_label"))
        whole = report.money_totals
        assert whole is not None
        row_totals: list[Decimal | None] = []
        for m in whole.by_source:
            row_totals += [m.planned, m.secured, m.executed]
        row_totals += [whole.planned, whole.secured, whole.executed]
        for c, value in zip(range(SRC_FIRST, rate_col), row_totals, strict=True):
            total.total(ws, total_row, c, _sum_formula(c, tuple(money_rows)), value)
        ref, rate = self.rate_cells[""]
        total.computed_rate(ws, total_row, rate_col, ref, rate)
        ws.write_string(
            total_row + 1,
            0,
            f"※ 재원별 금액은 공약별 시트의 구분({'·'.join(sources)}) 행을 더한 수식입니다.",
            f("note"),
        )
        ws.freeze_panes(SUMMARY_FIRST_ROW, FREEZE_COLS)
        self._print_setup(ws, SUMMARY_FIRST_ROW)

    # -- 성과지표 ----------------------------------------------------------------

    def indicators(self, ws: SheetPart) -> None:
        f, report = self.f, self.report
        labels: tuple[str, ...] = (
            "공약번호",
            "공약명",
            "지표명",
            "단위",
            "목표",
            "실적",
            "달성률",
            "기준",
        )
        ID, TITLE, NAME, UNIT, TARGET, RESULT, RATE, AS_OF = range(len(labels))
        yearly = self.yearly
        if yearly:
            labels += ("연차", "연차별 목표", "연차별 실적", "연차별 달성률")
        YEAR, Y_TARGET, Y_RESULT, Y_RATE = range(AS_OF + 1, AS_OF + 5)
        widths = (ID_WIDTH, TITLE_WIDTH, NAME_WIDTH, LABEL_WIDTH, SUM_WIDTH, SUM_WIDTH)
        for c, width in enumerate(widths):
            ws.set_column(c, c, width)
        ws.set_column(RATE, RATE, RATE_WIDTH)
        ws.set_column(AS_OF, AS_OF, STATUS_WIDTH + 4)
        if yearly:
            ws.set_column(YEAR, YEAR, LABEL_WIDTH)
            ws.set_column(Y_TARGET, Y_RESULT, SUM_WIDTH)
            ws.set_column(Y_RATE, Y_RATE, RATE_WIDTH)
        self._title_rows(ws, len(labels) - 1, "성과지표 (목표 대비 실적)", unit=False)
        self._headers(ws, HEAD_ROW, 0, labels)
        figure, rates = self.f.numeric("figure"), self.f.numeric("rate")
        r = LIST_FIRST_ROW
        kept = self.kept.get(INDICATORS_SHEET)
        for view in report.pledges:
            count = len(view.indicators)
            if count and kept is not None and view.id in self.reused:
                # Its rows as the previous build wrote them, where they began on
                # the same row (the indicators before it unchanged in number).
                rows = kept.block(r, count, view.id)
                if rows is not None:
                    for taken in rows:
                        ws.keep_row(r, taken)
                        r += 1
                    continue
            for ind in view.indicators:
                ws.write_string(r, ID, view.id, f("label"))
                ws.write_string(r, TITLE, view.title, f("name"))
                ws.write_string(r, NAME, ind.name, f("name"))
                ws.write_string(r, UNIT, ind.unit, f("label"))
                figure.figure(ws, r, TARGET, ind.target)
                figure.figure(ws, r, RESULT, ind.result)
                t, v = _a1(r, TARGET), _a1(r, RESULT)
                formula = f'=IF(OR({v}="",{t}=0),"",{v}/{t})'
                rates.computed_rate(ws, r, RATE, formula, ind.rate)
                ws.write_string(r, AS_OF, ind.as_of_label, f("label"))
                if yearly:
                    ws.write_string(r, YEAR, ind.year_label, f("label"))
                    figure.figure(ws, r, Y_TARGET, ind.year_target)
                    figure.figure(ws, r, Y_RESULT, ind.year_result)
                    t, v = _a1(r, Y_TARGET), _a1(r, Y_RESULT)
                    formula = f'=IF(OR({v}="",{t}="",{t}=0),"",{v}/{t})'
                    rates.computed_rate(ws, r, Y_RATE, formula, ind.year_rate)
                r += 1
        table = report.indicator_totals_table
        if table is not None:  # the view's 성과지표 집계, as it is
            r += 1
            ws.write_string(r, 0, table.title, f("section"))
            r += 1
            self._headers(ws, r, NAME, [c.text for c in table.head[0].cells])
            r += 1
            total = self.f.numeric("total")
            for row in table.rows:
                for c, cell in enumerate(row.cells, start=NAME):
                    if cell.kind == "text":
                        ws.write_string(r, c, cell.text, f("total_label" if c == NAME else "label"))
                    elif cell.kind == "rate":
                        total.share(ws, r, c, "" if cell.value is None else float(cell.value))
                    else:
                        value = cell.value
                        total.figure(ws, r, c, None if value is None else Decimal(value))
                r += 1
        ws.freeze_panes(LIST_FIRST_ROW, FREEZE_COLS)
        self._print_setup(ws, LIST_FIRST_ROW)

    # -- 공약 조정 ---------------------------------------------------------------

    def adjustments(self, ws: SheetPart) -> None:
        f, report = self.f, self.report
        labels = ("공약번호", "공약명", "구분", "결정일", "사유")
        ID, TITLE, KIND, DATE, REASON = range(len(labels))
        for c, width in enumerate(
            (ID_WIDTH, TITLE_WIDTH, LABEL_WIDTH + 2, STATUS_WIDTH, TEXT_WIDTH)
        ):
            ws.set_column(c, c, width)
        self._title_rows(ws, REASON, "공약 조정 (폐기 · 보류 · 변경 · 통폐합)", unit=False)
        self._headers(ws, HEAD_ROW, 0, labels)
        r = LIST_FIRST_ROW
        for view in report.pledges:
            for adj in view.adjustments:
                ws.write_string(r, ID, view.id, f("label"))
                ws.write_string(r, TITLE, view.title, f("name"))
                ws.write_string(r, KIND, adj.kind, f("label"))
                ws.write_string(r, DATE, adj.date, f("label"))
                ws.write_string(r, REASON, "\n".join(line.text for line in adj.lines), f("name"))
                r += 1
        ws.freeze_panes(LIST_FIRST_ROW, FREEZE_COLS)
        self._print_setup(ws, LIST_FIRST_ROW)

    # -- the workbook ----------------------------------------------------------

    def render(
        self,
        keys: Mapping[str, str],
        reuse: Reuse,
        frame: str | None = None,
        earlier: Earlier | None = None,
    ) -> tuple[bytes, dict[str, str]]:
        """The workbook, and the key of each pledge sheet's part (see :func:`build_workbook`)."""
        report = self.report
        tally_name = tally_sheet_name(report)
        with_tallies = bool(report.group_table or report.department_table)
        with_indicators = any(v.indicators for v in report.pledges)
        with_adjustments = any(v.adjustments for v in report.pledges)
        order = [SUMMARY_SHEET]
        order += [tally_name] if with_tallies else []
        order += [SOURCES_SHEET]
        order += [INDICATORS_SHEET] if with_indicators else []
        order += [ADJUSTMENTS_SHEET] if with_adjustments else []
        budgeted = [v for v in report.pledges if not v.non_budget]
        names = sheet_names([v.id for v in budgeted], (*RESERVED_SHEETS, tally_name))
        placed: dict[str, _PledgeSheet] = {}
        parts = self.parts
        sheet_keys: dict[str, str] = {}  # sheet name -> what it is made from
        for view, name in zip(budgeted, names, strict=True):
            order.append(name)
            key = keys.get(view.id)
            if key is not None:
                sheet_keys[name] = key = _digest(key, name)
                found = reuse(key)
                if found is not None:
                    placed[view.id] = _PledgeSheet(name, view)
                    self.reused.add(view.id)
                    parts[name] = found
                    self.title_rows[name] = PLEDGE_TITLE_ROWS
                    continue
            placed[view.id] = self.pledge_sheet(view, name)

        rows_key = None if frame is None else self._take_rows(frame, reuse)
        summary = SheetPart(SUMMARY_SHEET)
        self.summary(summary, placed)
        summary.activate()
        written = [summary]
        if with_tallies:
            written.append(SheetPart(tally_name))
            self.tallies(written[-1])
        written.append(SheetPart(SOURCES_SHEET))
        self.by_source(written[-1], placed)
        if with_indicators:
            written.append(SheetPart(INDICATORS_SHEET))
            self.indicators(written[-1])
        if with_adjustments:
            written.append(SheetPart(ADJUSTMENTS_SHEET))
            self.adjustments(written[-1])
        # The summary sheets, rewritten every time, keep a shared-string table
        # of their own (Excel expects one); a pledge sheet's text goes inline.
        shared = SharedStrings(self.items)
        for ws in written:
            made = ws.part(shared)
            kept = self.kept.get(ws.get_name())
            # The previous part as it lies where this one comes out the same.
            parts[ws.get_name()] = kept.given if kept is not None and kept.raw == made else made
        package: dict[str, bytes | ooxml.Deflated] = {}
        part_keys: dict[str, str] = {}
        package.update(self._frame(order, frame, reuse, part_keys))
        package["xl/sharedStrings.xml"] = shared.part()
        package["xl/styles.xml"] = self.f.table.part
        row_parts: set[str] = set()
        for i, name in enumerate(order):
            part = f"xl/worksheets/sheet{i + 1}.xml"
            package[part] = parts[name]
            if name in ROW_SHEETS:
                row_parts.add(part)
            if name in sheet_keys:
                part_keys[part] = sheet_keys[name]
            elif rows_key is not None and name in KEPT_SHEETS:
                # Not what the part holds, but the layout its pledge rows were
                # written in: a later build takes back rows of a part of that key.
                part_keys[part] = _digest(rows_key, name)
        if rows_key is not None:
            part_keys["xl/sharedStrings.xml"] = _digest(rows_key, "xl/sharedStrings.xml")
        for part, data in package.items():
            if isinstance(data, bytes):
                found = data if earlier is None else _as_before(data, earlier(part))
                package[part] = _quickly(found) if part in row_parts else found
        return ooxml.write_package(package.items()), part_keys

    def _rows_key(self, frame: str) -> str:
        """The layout of the summary sheets' pledge rows: all a row shows besides its pledge's.

        With a pledge's sheet key (its record, settings, period, number,
        template, code; its sheet's name), it makes the row what it is.
        """
        report = self.report
        layout = {
            "period": report.period,
            "columns": list(report.column_labels),
            "sources": list(report.funding_sources),
            "progress": self.with_progress,
            "yearly": self.yearly,
        }
        return _digest(frame, "summary rows", json.dumps(layout, ensure_ascii=False))

    def _take_rows(self, frame: str, reuse: Reuse) -> str:
        """The key of this workbook's row layout; the previous build's pledge rows, where it had it."""
        key = self._rows_key(frame)
        if not self.reused:  # no pledge's sheet reused: no row to take back either
            return key
        try:
            table = _inflated(reuse(_digest(key, "xl/sharedStrings.xml")))
            items = None if table is None else shared_items(table[1].decode("utf-8"))
            if items is None:
                return key
            for name in KEPT_SHEETS:
                found = _inflated(reuse(_digest(key, name)))
                if found is not None:
                    self.kept[name] = _Kept(*found, items)
        except ValueError:  # not UTF-8, a row number not a number: not this code's part
            self.kept.clear()
            return key
        if self.kept:
            self.items = items
        return key

    def _frame(
        self, order: Sequence[str], frame: str | None, reuse: Reuse, part_keys: dict[str, str]
    ) -> dict[str, bytes | ooxml.Deflated]:
        """The parts around the sheets (:data:`FRAME_PARTS`), reused by key when the frame is unchanged.

        They depend on the sheet list, the print titles and the properties
        alone (and on the code and template, which ``frame`` carries), so a
        pledge whose figures changed reuses them as they are.
        """
        layout = {
            "sheets": [[name, self.title_rows[name]] for name in order],
            "properties": {k: str(v) for k, v in self._properties().items()},
        }
        key = None
        if frame is not None:
            key = _digest(frame, "frame", json.dumps(layout, ensure_ascii=False, sort_keys=True))
            found = {name: reuse(_digest(key, name)) for name in FRAME_PARTS}
            if all(data is not None for data in found.values()):
                part_keys.update({name: _digest(key, name) for name in FRAME_PARTS})
                return {name: data for name, data in found.items() if data is not None}
        parts = self._skeleton(order)
        if key is not None:
            part_keys.update({name: _digest(key, name) for name in FRAME_PARTS})
        return dict(parts)

    def _properties(self) -> dict[str, Any]:
        report = self.report
        return {
            "title": f"{report.city} {report.period_words} 공약사업 예산 집계",
            "subject": report.title,
            "author": report.city,
            "created": _created(report),
        }

    def _skeleton(self, order: Sequence[str]) -> dict[str, bytes]:
        """The parts around the sheets (:data:`FRAME_PARTS`): sheet list, print titles, properties.

        Serialized as XlsxWriter writes them (:func:`.xlsxsheet.frame_parts`,
        compared with XlsxWriter's in the tests), its theme as it is; each
        sheet's own part is put in beside them, written here or reused.
        """
        # Imported here: a rebuild that reuses the frame never loads XlsxWriter.
        from xlsxwriter.utility import quote_sheetname

        assert order[0] == SUMMARY_SHEET, "the active sheet comes first"
        props = self._properties()
        parts = frame_parts(
            [(name, self.title_rows[name]) for name in order],
            {k: props[k] for k in ("title", "subject", "author")},
            props["created"],
            quote_sheetname,
        )
        parts["xl/theme/theme1.xml"] = self.f.table.theme
        return parts


def _workbook(buffer: io.BytesIO, styles: dict[str, dict[str, Any]]) -> Workbook:
    from xlsxwriter.workbook import Workbook

    default = styles["default"]
    return Workbook(
        buffer,
        {
            "in_memory": True,
            # Record text is data: never turn "=…" or "http…" into formulas or links.
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "default_format_properties": {
                "font_name": default.get("font_name", "맑은 고딕"),
                "font_size": default.get("font_size", 10),
            },
        },
    )


# 총괄 and 재원별 are deflated at level 1: 0.7 MB of XML at 300 pledges, written
# anew whenever a pledge's figure changes. Level 6 cost ~9 ms of CPU there (half
# the workbook process of a one-pledge rebuild once their rows were kept), level 1
# ~2.7 ms, for 26 KB more of a 1.6 MB workbook.
SUMMARY_LEVEL = 1


def _quickly(data: bytes | ooxml.Deflated) -> ooxml.Deflated:
    """A summary sheet's part deflated at :data:`SUMMARY_LEVEL` (one taken as it lies kept)."""
    if isinstance(data, ooxml.Deflated):
        return data
    co = zlib.compressobj(SUMMARY_LEVEL, zlib.DEFLATED, -15)
    return ooxml.Deflated(zlib.crc32(data), len(data), co.compress(data) + co.flush())


def _inflated(
    data: bytes | ooxml.Deflated | None,
) -> tuple[bytes | ooxml.Deflated, bytes] | None:
    """A part a previous build wrote, as given and inflated; None when missing or not what its entry says."""
    if data is None or isinstance(data, bytes):
        return None if data is None else (data, data)
    try:
        raw = zlib.decompress(data.packed, -15)
    except zlib.error:
        return None
    if len(raw) != data.size or zlib.crc32(raw) != data.crc:
        return None
    return data, raw


def _as_before(data: bytes, before: ooxml.Deflated | None) -> bytes | ooxml.Deflated:
    """``before`` where it holds exactly ``data``, so that it is not deflated again; else ``data``.

    A summary sheet reads every pledge, so it is written each time; but a
    pledge whose record changed in what no summary shows (its department's
    name is in the shared strings, not the sheet) leaves the sheets' XML as
    it was. The earlier part is taken only when its size and CRC match and
    its inflated bytes are these very bytes (inflating ~0.7 MB costs a tenth
    of deflating it): made by the same code, it is what deflating gives.
    """
    if before is None or before.size != len(data) or before.crc != zlib.crc32(data):
        return data
    try:
        same = zlib.decompress(before.packed, -15) == data
    except zlib.error:
        return data
    return before if same else data


def _digest(*parts: str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8")
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def render_workbook(report: ReportView, template: Path) -> bytes:
    """The budget workbook of ``report`` as XLSX bytes, styled from ``template``.

    Byte-identical for the same report and template. Raises
    :class:`reportgen.errors.TemplateError` when the template is missing or
    broken.
    """
    return build_workbook(report, template)[0]


def build_workbook(
    report: ReportView,
    template: Path,
    keys: Mapping[str, str] | None = None,
    reuse: Reuse | None = None,
    frame: str | None = None,
    earlier: Earlier | None = None,
) -> tuple[bytes, dict[str, str]]:
    """The workbook, reusing the part of every pledge sheet whose inputs are unchanged.

    ``keys`` gives per pledge id what its sheet is made from (the record,
    settings, period, its number, the template and the code); the sheet's
    key adds its name. A pledge's rows of the summary sheets are taken back
    from the previous build's where its sheet is reused (so its key must hold
    its number: the row it lies on) and the sheets' layout is unchanged
    (:meth:`_Writer._rows_key`, keyed under ``frame``). ``frame``, what the whole workbook is made from
    besides the view (the code and the template), keys the parts around the
    sheets (:data:`FRAME_PARTS`) with the sheet list and properties. ``reuse(key)`` returns the part a previous build wrote
    for that key (inflated, or still deflated: :class:`~reportgen.formats.ooxml.Deflated`),
    or None. Returns the workbook and, per part it keyed, the key.
    Each sheet's part depends on itself alone (inline strings, style indexes
    in a fixed order), so a workbook with reused parts is byte for byte the
    one written from scratch. ``earlier(part)``: the previous build's part of
    that name in this workbook (made by the same code), taken instead of
    deflating a part written now when it holds the same bytes (:func:`_as_before`).
    """
    table = template_styles(Path(template))
    # A summary sheet holds a cell text per cell until it is serialized (tens
    # of thousands at 300 pledges): keep the cyclic collector from scanning them.
    with bulk_allocation():
        return _Writer(report, table).render(
            keys or {}, reuse or (lambda _key: None), frame, earlier
        )
