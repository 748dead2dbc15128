"""The budget workbook (``<period> 예산 집계.xlsx``), written with XlsxWriter.

Sheets, in order:

- ``총괄``: one row per pledge (계획 / 확보 / 집행 totals, 집행률, 계획 by fiscal
  column), a 합계 row, then the pledges by 추진상황 and the 달성률.
- ``재원별``: 계획 / 확보 / 집행 per funding source (국비 · 도비 · 시비 · 기타) per pledge.
- one sheet per budgeted pledge, named after its id: □ 연도별 투자계획(사업비) and
  □ 연도별 확보(집행)액 laid out as on the form (FORM.md §4-5), with secured and
  executed amounts in separate columns so the figures can be computed with.

Every figure is a number. Every total (계 column, 소계 and 계 rows, the summary
sheets) is a live formula whose computed value is stored beside it, taken from
the view (which computed it once for every writer), so readers that do not
calculate see the same figures as Excel. The summary sheets refer to the
pledge sheets' cells, so an edit on a pledge sheet flows through.

Styling comes from the template ``workbook.xlsx``: its sheet ``styles`` holds
one styled sample cell per role (see :data:`ROLES` and
``tools/make_workbook_template.py``), read once with openpyxl and turned into
XlsxWriter formats. Output is deterministic: a fixed creation date derived
from the report period and a normalized zip.

Speed: a 300-pledge workbook has some 150,000 cells, so the per-cell work is
kept small: formula texts are cached by layout, cells are stored as
XlsxWriter's own cell tuples in one call per row, ``<sheetData>`` is written
by a lean copy of XlsxWriter's loop (:class:`_Sheet`, checked byte for byte
against the stock one by the tests), the parts are zipped once, and the
cyclic garbage collector is paused meanwhile.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

import openpyxl
from lxml import etree
from openpyxl.styles.colors import COLOR_INDEX
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import (
    CellBlankTuple,
    CellFormulaTuple,
    CellNumberTuple,
    CellStringTuple,
    Worksheet,
)

from . import ooxml
from .bulk import bulk_allocation
from .errors import TemplateError
from .ooxml import write_package
from .periods import Period
from .view import MoneyCell, MoneyRow, MoneyTable, PledgeView, ReportView, pledge_money

__all__ = ["ROLES", "STYLE_SHEET", "render_workbook", "sheet_names", "load_styles"]

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
RESERVED_SHEETS = (SUMMARY_SHEET, SOURCES_SHEET, STYLE_SHEET, "History")
NOT_RECORDED_STATUS = "미기재"  # the view's label for a pledge without a status
NON_BUDGET = "비예산"
SECURED, EXECUTED = "확보", "집행"

# ---------------------------------------------------------------------------
# Cell addresses


_COLS = [xl_col_to_name(i) for i in range(128)]


def _col(c: int) -> str:
    return _COLS[c] if c < len(_COLS) else xl_col_to_name(c)


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


def _color(color: Any, theme: tuple[str, ...]) -> str | None:
    """An openpyxl colour (rgb, indexed, theme + tint) -> ``#RRGGBB``; None for automatic."""
    if color is None:
        return None
    kind = getattr(color, "type", None)
    rgb: str | None = None
    if kind == "rgb" and isinstance(color.rgb, str) and len(color.rgb) in (6, 8):
        rgb = color.rgb[-6:]
    elif kind == "indexed" and isinstance(color.indexed, int) and color.indexed < len(COLOR_INDEX):
        rgb = COLOR_INDEX[color.indexed][-6:]
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
        wb = openpyxl.load_workbook(io.BytesIO(checked))
    except ooxml.PackageError as exc:
        raise TemplateError(template, str(exc)) from None
    except Exception as exc:  # zipfile, XML and openpyxl errors alike: a damaged file
        raise TemplateError(template, f"not a readable XLSX workbook ({exc})") from None
    if STYLE_SHEET not in wb.sheetnames:
        raise TemplateError(
            template,
            f'has no sheet "{STYLE_SHEET}" (the sheet that holds one styled sample cell per '
            "role; tools/make_workbook_template.py makes a fresh one)",
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
            f'the sheet "{STYLE_SHEET}" lacks the role(s) {", ".join(missing)}: write each '
            "name in column A with a styled sample cell beside it in column B",
        )
    if len(_style_cache) > 16:
        _style_cache.clear()
    _style_cache[data] = styles
    return styles


# ---------------------------------------------------------------------------
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


def _add(total: Decimal | None, value: Decimal | None) -> Decimal | None:
    """Sum where None means "no figure": None + None stays None (printed blank)."""
    if value is None:
        return total
    return value if total is None else total + value


class _Formats:
    """XlsxWriter formats of one workbook, made once per (role, variant)."""

    def __init__(self, wb: Workbook, styles: dict[str, dict[str, Any]]) -> None:
        self.wb = wb
        self.styles = styles
        self.rate_format = styles["rate"].get("num_format", "0.0%")
        self.cache: dict[tuple[str, str], Format] = {}
        self.numerics: dict[str, _Numeric] = {}

    def __call__(self, role: str, variant: str = "") -> Format:
        key = (role, variant)
        fmt = self.cache.get(key)
        if fmt is None:
            props = dict(self.styles[role])
            base = props.get("num_format", "#,##0")
            if variant == "rate":
                props["num_format"] = self.rate_format
            else:
                if "dec" in variant:
                    base = with_decimals(base)
                if "blank" in variant:
                    base = blank_zero(base)
                if variant:
                    props["num_format"] = base
            fmt = self.wb.add_format(props)
            self.cache[key] = fmt
        return fmt

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
    """Cells for figures, totals and rates in one role, as XlsxWriter's cell table holds them."""

    __slots__ = ("plain", "dec", "blank", "rate", "empty")

    def __init__(self, plain: Format, dec: Format, blank: Format, rate: Format) -> None:
        self.plain, self.dec, self.blank, self.rate = plain, dec, blank, rate
        self.empty = CellBlankTuple(plain)  # immutable, so every empty figure shares it

    def figure(self, value: Decimal | None) -> tuple[Any, ...]:
        """A figure as typed: a number, or a formatted blank where there is none."""
        if value is None:
            return self.empty
        number, dec = _value(value)
        return CellNumberTuple(number, self.dec if dec else self.plain)

    def total(self, body: str, value: Decimal | None) -> tuple[Any, ...]:
        """A total: the formula, with the view's figure stored as its value.

        A total the form leaves blank (no figures at all) still gets its formula,
        so it fills in when someone types a figure, but prints nothing for 0.
        """
        if value is None:
            return CellFormulaTuple(body, self.blank, 0)
        number, dec = _value(value)
        return CellFormulaTuple(body, self.dec if dec else self.plain, number)

    def computed_rate(self, body: str, value: Decimal | None) -> tuple[Any, ...]:
        """A rate the view computed, with its formula; stored blank where there is none."""
        return CellFormulaTuple(body, self.rate, "" if value is None else float(value))


# ---------------------------------------------------------------------------
# Writing


@dataclass(frozen=True)
class _TablePlace:
    """Where a money table landed on its sheet (0-based rows)."""

    total_row: int
    first_row: int  # first row of the sub-project blocks
    last_row: int
    end: int  # first row after the table


@dataclass(frozen=True)
class _PledgeSheet:
    name: str
    ref: str  # quoted for formulas: '1-4-5'
    plan: _TablePlace
    secured: _TablePlace


BASIS_HEADER = "확보\n(집행 기재분)"
PLAN_MEASURES = ("amount",)
SECURED_MEASURES = ("amount", "executed")
NAME_WIDTH = 30
LABEL_WIDTH = 7
FIGURE_WIDTH = 9.5
RATE_WIDTH = 8


def _created(report: ReportView) -> dt.datetime:
    """The document's creation date: the start of the report period, never the clock."""
    try:
        period = Period.parse(report.period)
    except Exception:  # noqa: BLE001 - a view built by hand: any fixed date will do
        return dt.datetime(2000, 1, 1)
    return dt.datetime(period.year, 7 if period.half == 2 else 1, 1)


_FAST_CELLS = frozenset({CellNumberTuple, CellStringTuple, CellFormulaTuple, CellBlankTuple})


class _Sheet(Worksheet):
    """A worksheet with a fast path for the plain cells this workbook is made of.

    A 300-pledge workbook has some 150,000 cells, so XlsxWriter's per-cell
    generality dominated the render time. This subclass (add_worksheet's
    ``worksheet_class`` is the documented hook) trims it without changing a
    byte of the output; tests/test_xlsx.py compares its XML with the stock
    methods' on every kind of sheet.

    - :meth:`_prepare_formula`: XlsxWriter runs some 30 regular expressions over
      every formula to prefix newer functions with ``_xlfn.``; the formulas
      written here use only SUM, SUMIF, COUNTIF and IF, which need none.
    - :meth:`put` / :meth:`put_row` store cells already built as XlsxWriter's
      own cell tuples (see :class:`_Numeric`), with one bounds check per run
      instead of the argument parsing and checks of a ``write_*`` call per cell.
    - :meth:`_calculate_spans` / :meth:`_write_rows` write ``<sheetData>`` with
      the cell tuples' fields put straight into the markup; any cell outside the
      fast path (no format, booleans, rich strings …) goes to the stock
      ``_write_cell``.
    """

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        return formula[1:] if formula.startswith("=") else formula

    # -- storing ----------------------------------------------------------------

    def put(self, row: int, col: int, cell: tuple[Any, ...]) -> None:
        """Store one prepared cell (a formula's text without the leading "=")."""
        if self._check_dimensions(row, col):
            raise IndexError(f"cell ({row}, {col}) is outside the worksheet")
        self.table[row][col] = cell

    def put_row(self, row: int, col: int, cells: Sequence[tuple[Any, ...]]) -> None:
        """Store prepared cells side by side in ``row``, the first at ``col``."""
        if not cells:
            return
        if self._check_dimensions(row, col) or self._check_dimensions(row, col + len(cells) - 1):
            raise IndexError(f"cells ({row}, {col}…) are outside the worksheet")
        self.table[row].update(enumerate(cells, col))

    # -- writing ----------------------------------------------------------------

    def _calculate_spans(self) -> None:
        if self.comments:
            super()._calculate_spans()
            return
        # Each block of 16 rows gets "first:last" over the columns its cells use.
        spans: dict[int, str] = {}
        lo = hi = -1
        table, last = self.table, self.dim_rowmax
        for row_num in range(self.dim_rowmin, last + 1):
            cells = table.get(row_num)
            if cells:
                a, b = min(cells), max(cells)
                if lo < 0:
                    lo, hi = a, b
                else:
                    lo, hi = min(lo, a), max(hi, b)
            if (row_num + 1) % 16 == 0 or row_num == last:
                if lo >= 0:
                    spans[row_num // 16] = f"{lo + 1}:{hi + 1}"
                lo = -1
        self.row_spans = spans

    def _write_rows(self) -> None:
        if self.constant_memory or self.comments:
            super()._write_rows()
            return
        self._calculate_spans()
        write = self.fh.write
        escape = self._escape_data
        table, row_info, spans = self.table, self.row_info, self.row_spans
        letters = [_col(c) for c in range(self.dim_colmax + 1)]
        # ' s="7"' per format, asked for in the stock order (the first use numbers a format).
        style: dict[Format, str] = {}
        for row_num in range(self.dim_rowmin, self.dim_rowmax + 1):
            cells = table.get(row_num)
            info = row_info.get(row_num)
            if not cells:
                if info is not None:
                    self._write_empty_row(row_num, spans.get(row_num // 16), info)
                continue
            self._write_row(row_num, spans.get(row_num // 16), info)
            r = str(row_num + 1)
            out: list[str] = []
            for col_num in sorted(cells):
                cell = cells[col_num]
                kind = cell.__class__
                fmt = cell.format
                if fmt is None or kind not in _FAST_CELLS:
                    write("".join(out))
                    out.clear()
                    self._write_cell(row_num, col_num, cell)
                    continue
                s = style.get(fmt)
                if s is None:
                    s = style[fmt] = f'" s="{fmt._get_xf_index()}"'
                if kind is CellNumberTuple:
                    out.append(f'<c r="{letters[col_num]}{r}{s}><v>{cell.number:.16G}</v></c>')
                elif kind is CellBlankTuple:
                    out.append(f'<c r="{letters[col_num]}{r}{s}/>')
                elif kind is CellStringTuple:
                    out.append(f'<c r="{letters[col_num]}{r}{s} t="s"><v>{cell.string}</v></c>')
                else:
                    value = cell.value
                    if value.__class__ is bool or (value.__class__ is str and value):
                        write("".join(out))  # t="b" / t="str" / t="e": the stock way
                        out.clear()
                        self._write_cell(row_num, col_num, cell)
                        continue
                    formula = escape(cell.formula)
                    out.append(f'<c r="{letters[col_num]}{r}{s}><f>{formula}</f><v>{value}</v></c>')
            out.append("</row>")
            write("".join(out))


class _Packager(Packager):
    """Keeps the package's parts rather than letting XlsxWriter zip them.

    The parts go to :func:`write_package`, which zips them deterministically;
    XlsxWriter's own zip would only be deflated to be inflated and deflated
    again. ``Workbook._get_packager`` exists so that the packager can be
    replaced; XlsxWriter zips what ``_create_package`` returns, here nothing.
    """

    def __init__(self, parts: dict[str, bytes]) -> None:
        super().__init__()
        self.parts = parts

    def _create_package(self) -> list[Any]:
        for data, name, is_binary in super()._create_package():
            value = data.getvalue()  # in_memory: StringIO / BytesIO, never a path
            self.parts[name] = value if is_binary else value.encode("utf-8")
        return []


class _Workbook(Workbook):
    """An in-memory workbook whose parts end up in :attr:`parts` when closed."""

    def __init__(self, options: dict[str, Any]) -> None:
        super().__init__(io.BytesIO(), {**options, "in_memory": True})
        self.parts: dict[str, bytes] = {}

    def _get_packager(self) -> Packager:
        return _Packager(self.parts)


class _Writer:
    def __init__(self, report: ReportView, styles: dict[str, dict[str, Any]]) -> None:
        self.report = report
        # Each pledge's 집행률 cell on the 총괄 sheet ("" for 합계), which 재원별 refers to.
        self.rate_cells: dict[str, tuple[str, Decimal | None]] = {}
        default = styles["default"]
        self.wb = _Workbook(
            {
                # Record text is data: never turn "=…" or "http…" into formulas or links.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "default_format_properties": {
                    "font_name": default.get("font_name", "맑은 고딕"),
                    "font_size": default.get("font_size", 10),
                },
            },
        )
        self.f = _Formats(self.wb, styles)
        self.n = len(report.column_labels)
        self.unit = next((p.plan_table.unit for p in report.pledges), "(단위 : 백만원)")

    # -- helpers -------------------------------------------------------------

    def _sheet(self, name: str) -> _Sheet:
        ws = self.wb.add_worksheet(name, worksheet_class=_Sheet)
        assert isinstance(ws, _Sheet)
        return ws

    def _title_rows(self, ws: _Sheet, last_col: int, section: str) -> None:
        """Rows 1-3 of a summary sheet: report title, sheet title, period and unit."""
        f, report = self.f, self.report
        ws.set_row(0, 28)
        self._merge(ws, 0, 0, 0, last_col, f"{report.city} {report.title}", f("title"))
        ws.write_string(1, 0, section, f("section"))
        ws.write_string(
            2, 0, f"{report.period_words} 기준 · {report.term_name} ({report.term_span})", f("note")
        )
        ws.write_string(2, last_col, self.unit, f("unit"))

    def _merge(self, ws: _Sheet, r1: int, c1: int, r2: int, c2: int, text: str, fmt: Any) -> None:
        if r1 == r2 and c1 == c2:
            ws.write_string(r1, c1, text, fmt)
        else:
            ws.merge_range(r1, c1, r2, c2, text, fmt)

    def _formula(
        self, ws: _Sheet, r: int, c: int, body: str, value: Decimal | None, role: str
    ) -> None:
        """A total (see :meth:`_Numeric.total`); ``body`` is the formula without "="."""
        ws.put(r, c, self.f.numeric(role).total(body, value))

    def _print_setup(self, ws: _Sheet, title_rows: int) -> None:
        ws.set_paper(9)  # A4
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0, title_rows - 1)
        ws.center_horizontally()
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
        ws.set_footer("&C&P / &N")

    # -- pledge sheets -------------------------------------------------------

    def money_table(
        self, ws: _Sheet, table: MoneyTable, top: int, measures: tuple[str, ...]
    ) -> _TablePlace:
        f, n, m = self.f, self.n, len(measures)
        first_fig = 2 + m  # first fiscal column
        # 확보(집행)액: 집행률 compares like with like, over the columns where
        # execution is recorded; that base gets its own column so it can be read.
        basis_col = first_fig + n * m if m == 2 else None
        rate_col = basis_col + 1 if basis_col is not None else None
        last_col = rate_col if rate_col is not None else first_fig + n * m - 1

        def col(i: int, k: int) -> int:  # fiscal column i, measure k
            return first_fig + i * m + k

        ws.write_string(top, 0, f"□ {table.title}", f("section"))
        ws.write_string(top, last_col, table.unit, f("unit"))
        head = top + 1
        if m == 1:
            ws.write_string(head, 0, "공약사업명", f("header"))
            ws.write_string(head, 1, "구분", f("header"))
            ws.write_string(head, 2, "계", f("header"))
            for i, label in enumerate(table.column_labels):
                ws.write_string(head, col(i, 0), label, f("header"))
            total_row = head + 1
        else:
            self._merge(ws, head, 0, head + 1, 0, "공약사업명", f("header"))
            self._merge(ws, head, 1, head + 1, 1, "구분", f("header"))
            self._merge(ws, head, 2, head, 3, "계", f("header"))
            for i, label in enumerate(table.column_labels):
                self._merge(ws, head, col(i, 0), head, col(i, 1), label, f("header"))
            for c in range(2, basis_col or 0, 2):
                ws.write_string(head + 1, c, SECURED, f("header"))
                ws.write_string(head + 1, c + 1, EXECUTED, f("header"))
            b = basis_col or 0
            self._merge(ws, head, b, head + 1, b, BASIS_HEADER, f("header"))
            self._merge(ws, head, rate_col or 0, head + 1, rate_col or 0, "집행률", f("header"))
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

        def write_row(ri: int, row: MoneyRow, role: str, down: tuple[int, ...] | None) -> None:
            fmt = self.f.numeric(role)
            total = row.total
            # The row's 계 (one per measure) in columns 2 …,
            cells = [
                fmt.total(_across_body(ri, first_fig + k, m, n), getattr(total, measure))
                for k, measure in enumerate(measures)
            ]
            # Then fiscal column by fiscal column, measure by measure: col(0, 0), col(0, 1) …
            if down is None:  # figures as recorded
                cells += [fmt.figure(getattr(cell, mz)) for cell in row.cells for mz in measures]
            else:  # 소계: each column summed down the block's source rows
                cells += [
                    fmt.total(_sum_body(col(i, k), down), getattr(cell, measure))
                    for i, cell in enumerate(row.cells)
                    for k, measure in enumerate(measures)
                ]
            ws.put_row(ri, 2, cells)
            if basis_col is not None and rate_col is not None:
                if down is None:
                    pairs = [(col(i, 0), col(i, 1)) for i in range(n)]
                    basis = _basis_body(ri, pairs)
                else:
                    basis = _sum_body(basis_col, down)
                ws.put(ri, basis_col, fmt.total(basis, row.rate_basis))
                ws.put(ri, rate_col, fmt.computed_rate(_like_rate_body(ri, 3, basis_col), row.rate))

        # The grand total sums each block's 소계, or its source rows where it has none.
        grand_rows: list[int] = []
        for block in blocks:
            sources = [ri for ri, row in block if row.kind == "source"]
            subtotals = [ri for ri, row in block if row.kind == "subtotal"]
            grand_rows.extend(subtotals or sources)
            start, height = block[0][0], block[0][1].block_rows
            name_end = min(start + max(height, 1) - 1, block[-1][0])
            self._merge(ws, start, 0, name_end, 0, block[0][1].name, f("name"))
            for ri, row in block:
                if row.kind == "subtotal":
                    ws.write_string(ri, 1, row.label, f("total_label"))
                    write_row(ri, row, "total", tuple(sources))
                else:
                    ws.write_string(ri, 1, row.label, f("label"))
                    write_row(ri, row, "figure", None)

        self._merge(ws, total_row, 0, total_row, 1, table.grand_total.label, f("total_label"))
        if len(_intervals(grand_rows)) > 200:  # too many arguments for SUM: add by label
            labels = f"{_abs(first_row, 1)}:{_abs(last_row, 1)}"

            def grand(c: int) -> str:
                return f'SUMIF({labels},"<>소계",{_a1(first_row, c)}:{_a1(last_row, c)})'
        else:
            grand_key = tuple(grand_rows)

            def grand(c: int) -> str:
                return _sum_body(c, grand_key)

        g = table.grand_total
        fmt = self.f.numeric("total")
        cells = [
            fmt.total(_across_body(total_row, first_fig + k, m, n), getattr(g.total, measure))
            for k, measure in enumerate(measures)
        ]
        cells += [
            fmt.total(grand(col(i, k)), getattr(cell, measure))
            for i, cell in enumerate(g.cells)
            for k, measure in enumerate(measures)
        ]
        ws.put_row(total_row, 2, cells)
        if basis_col is not None and rate_col is not None:
            ws.put(total_row, basis_col, fmt.total(grand(basis_col), g.rate_basis))
            ws.put(
                total_row,
                rate_col,
                fmt.computed_rate(_like_rate_body(total_row, 3, basis_col), g.rate),
            )
        return _TablePlace(total_row, first_row, last_row, last_row + 1)

    def pledge_sheet(self, view: PledgeView, name: str) -> _PledgeSheet:
        f, n = self.f, self.n
        ws = self._sheet(name)
        last_col = 2 + 2 + 2 * n + 1  # the secured table's 집행률 column (after its base)
        ws.set_column(0, 0, NAME_WIDTH)
        ws.set_column(1, 1, LABEL_WIDTH)
        ws.set_column(2, last_col - 1, FIGURE_WIDTH)
        ws.set_column(last_col, last_col, RATE_WIDTH)
        ws.set_row(0, 28)
        self._merge(ws, 0, 0, 0, last_col, f"{view.id} {view.title}", f("title"))
        status = view.status or NOT_RECORDED_STATUS
        line = f"{view.period_words} · {view.department} · 추진상황: {status}"
        if not view.plan_table.recorded:
            line += " · 이 기간의 예산이 기록되지 않았습니다 (빈 틀)"
        ws.write_string(1, 0, line, f("note"))
        plan = self.money_table(ws, view.plan_table, 3, PLAN_MEASURES)
        secured = self.money_table(ws, view.secured_table, plan.end + 1, SECURED_MEASURES)
        ws.write_string(
            secured.end + 1,
            0,
            "※ 계·소계는 수식입니다. 계 = 기투자 + 연도별 + 임기후. 집행률 = 집행 ÷ 확보(집행 기재분): "
            "집행이 아직 기재되지 않은 연도의 확보액은 빼고 같은 연도끼리 비교합니다",
            f("note"),
        )
        ws.freeze_panes(2, 2)
        self._print_setup(ws, 2)
        return _PledgeSheet(name, _quote_sheet(name), plan, secured)

    # -- 총괄 ------------------------------------------------------------------

    def summary(self, ws: _Sheet, placed: dict[str, _PledgeSheet]) -> None:
        f, n, report = self.f, self.n, self.report
        fiscal0 = 7  # planned per fiscal column start after 계획 확보 집행 집행률
        plan_end = fiscal0 + n - 1
        basis_col = plan_end + 1  # 확보(집행 기재분): the base of 집행률, like with like
        last_col = basis_col
        pledge_basis_col = 2 + 2 + 2 * n  # where money_table put it on a pledge sheet
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 36)
        ws.set_column(2, 2, 14)
        ws.set_column(3, 5, 10)
        ws.set_column(6, 6, RATE_WIDTH)
        ws.set_column(fiscal0, last_col, FIGURE_WIDTH)
        ws.set_column(basis_col, basis_col, FIGURE_WIDTH + 2)
        self._title_rows(ws, last_col, "공약사업 예산 집계 (총괄)")
        h = 3
        self._merge(ws, h, 0, h + 1, 0, "공약번호", f("header"))
        self._merge(ws, h, 1, h + 1, 1, "공약명", f("header"))
        self._merge(ws, h, 2, h + 1, 2, "추진상황", f("header"))
        self._merge(ws, h, 3, h, 6, "사업비 합계", f("header"))
        self._merge(ws, h, fiscal0, h, plan_end, "연도별 투자계획", f("header"))
        self._merge(ws, h, basis_col, h + 1, basis_col, BASIS_HEADER, f("header"))
        for c, label in enumerate(("계획", SECURED, EXECUTED, "집행률"), start=3):
            ws.write_string(h + 1, c, label, f("header"))
        for i, label in enumerate(report.column_labels):
            ws.write_string(h + 1, fiscal0 + i, label, f("header"))

        first = h + 2
        r = first
        totals: dict[int, Decimal | None] = {}
        money_rows: list[int] = []
        for view in report.pledges:
            money = pledge_money(view)
            sheet = placed.get(view.id)
            if sheet is not None:
                ws.write_url(
                    r, 0, f"internal:{sheet.ref}!A1", f("label"), view.id, f"{view.id} 시트로 이동"
                )
            else:
                ws.write_string(r, 0, view.id, f("label"))
            ws.write_string(r, 1, view.title, f("name"))
            ws.write_string(r, 2, view.status or NOT_RECORDED_STATUS, f("label"))
            if sheet is None:
                self._merge(ws, r, 3, r, last_col, NON_BUDGET, f("label"))
                r += 1
                continue
            money_rows.append(r)
            planned = money.planned.cells if money.planned else (None,) * n
            for i in range(n):
                cell: MoneyCell | None = planned[i]  # type: ignore[assignment]
                value = cell.amount if cell is not None else None
                ref = f"{sheet.ref}!{_abs(sheet.plan.total_row, 3 + i)}"
                self._formula(ws, r, fiscal0 + i, ref, value, "figure")
                totals[fiscal0 + i] = _add(totals.get(fiscal0 + i), value)
            plan_total = money.planned.total.amount if money.planned else None
            sec = money.secured.total if money.secured else MoneyCell(None, None, "")
            self._formula(
                ws, r, 3, f"SUM({_a1(r, fiscal0)}:{_a1(r, plan_end)})", plan_total, "figure"
            )
            self._formula(
                ws, r, 4, f"{sheet.ref}!{_abs(sheet.secured.total_row, 2)}", sec.amount, "figure"
            )
            self._formula(
                ws, r, 5, f"{sheet.ref}!{_abs(sheet.secured.total_row, 3)}", sec.executed, "figure"
            )
            basis = money.secured.rate_basis if money.secured else None
            ref = f"{sheet.ref}!{_abs(sheet.secured.total_row, pledge_basis_col)}"
            self._formula(ws, r, basis_col, ref, basis, "figure")
            rates = self.f.numeric("rate")
            ws.put(
                r, 6, rates.computed_rate(_like_rate_body(r, 5, basis_col), money.execution_rate)
            )
            self.rate_cells[view.id] = (f"{SUMMARY_REF}!{_abs(r, 6)}", money.execution_rate)
            for c, value in (
                (3, plan_total),
                (4, sec.amount),
                (5, sec.executed),
                (basis_col, basis),
            ):
                totals[c] = _add(totals.get(c), value)
            r += 1

        total_row = r
        self._merge(ws, total_row, 0, total_row, 2, "합계", f("total_label"))
        for c in [3, 4, 5, *range(fiscal0, last_col + 1)]:
            self._formula(
                ws,
                total_row,
                c,
                _sum_body(c, tuple(money_rows)),
                totals.get(c),
                "total",
            )
        base, executed = totals.get(basis_col), totals.get(5)
        rate = (executed or Decimal(0)) / base if base else None
        self.rate_cells[""] = (f"{SUMMARY_REF}!{_abs(total_row, 6)}", rate)
        ws.put(
            total_row,
            6,
            self.f.numeric("total").computed_rate(_like_rate_body(total_row, 5, basis_col), rate),
        )
        status_range = f"{_abs(first, 2)}:{_abs(max(total_row - 1, first), 2)}"
        self.status_block(ws, total_row + 2, status_range)
        ws.freeze_panes(first, 2)
        self._print_setup(ws, first)

    def status_block(self, ws: _Sheet, top: int, status_range: str) -> None:
        f, report = self.f, self.report
        ws.write_string(top, 0, "□ 추진상황별 현황", f("section"))
        head = top + 1
        for c, label in enumerate(("추진상황", "공약 수", "비율"), start=1):
            ws.write_string(head, c, label, f("header"))
        r = head + 1
        rows: dict[str, int] = {}
        for status_count in report.summary:
            criteria = "=" + re.sub(r"([~*?])", r"~\1", status_count.status)
            ws.write_string(r, 1, status_count.status, f("label"))
            ws.write_formula(
                r,
                2,
                f"=COUNTIF({status_range},{_quote_text(criteria)})",
                f("figure"),
                status_count.count,
            )
            rows[status_count.status] = r
            r += 1
        total_row = r
        ws.write_string(total_row, 1, "계", f("total_label"))
        # 계 is the base of every share: pledges with a status. Those without
        # one are counted apart below and in no share (as in the booklet).
        ws.write_formula(
            total_row, 2, _sum_rows(2, rows.values()) if rows else "=0", f("total"), report.base
        )
        ws.write_formula(
            total_row,
            3,
            f'=IF({_a1(total_row, 2)}=0,"",{_a1(total_row, 2)}/{_a1(total_row, 2)})',
            f("total", "rate"),
            1 if report.base else "",
        )
        for status_count in report.summary:
            ri, count = rows[status_count.status], status_count.count
            ws.write_formula(
                ri,
                3,
                f'=IF({_abs(total_row, 2)}=0,"",{_a1(ri, 2)}/{_abs(total_row, 2)})',
                f("rate", "rate"),
                count / report.base if report.base else "",
            )
        done_row = total_row + 1
        done_rows = [rows[s] for s in report.done_statuses if s in rows]
        ws.write_string(done_row, 1, f"달성 ({'·'.join(report.done_statuses)})", f("total_label"))
        ws.write_formula(
            done_row, 2, _sum_rows(2, done_rows) if done_rows else "=0", f("total"), report.done
        )
        ws.write_formula(
            done_row,
            3,
            f'=IF({_abs(total_row, 2)}=0,"",{_a1(done_row, 2)}/{_abs(total_row, 2)})',
            f("total", "rate"),
            report.done / report.base if report.base else "",
        )
        note_row = done_row + 1
        if report.unrecorded:
            criteria = _quote_text("=" + NOT_RECORDED_STATUS)
            ws.write_string(note_row, 1, "추진상황 미기재 (비율 제외)", f("label"))
            ws.write_formula(
                note_row,
                2,
                f"=COUNTIF({status_range},{criteria})",
                f("figure"),
                report.unrecorded,
            )
            note_row += 1
        ws.write_string(
            note_row, 1, "※ 달성률 = 달성 ÷ 추진상황이 기재된 공약 수 (미기재 제외)", f("note")
        )

    # -- 재원별 ----------------------------------------------------------------

    def by_source(self, ws: _Sheet, placed: dict[str, _PledgeSheet]) -> None:
        f, report = self.f, self.report
        sources = self.report.funding_sources
        groups = (*sources, "계")
        measures = ("계획", SECURED, EXECUTED)
        first_fig = 2
        rate_col = first_fig + len(groups) * 3
        last_col = rate_col
        ws.set_column(0, 0, 10)
        ws.set_column(1, 1, 36)
        ws.set_column(first_fig, rate_col - 1, FIGURE_WIDTH)
        ws.set_column(rate_col, rate_col, RATE_WIDTH)
        self._title_rows(ws, last_col, "재원별 사업비 (계획 · 확보 · 집행)")
        h = 3
        self._merge(ws, h, 0, h + 1, 0, "공약번호", f("header"))
        self._merge(ws, h, 1, h + 1, 1, "공약명", f("header"))
        for g, group in enumerate(groups):
            c0 = first_fig + 3 * g
            self._merge(ws, h, c0, h, c0 + 2, group, f("header"))
            for k, label in enumerate(measures):
                ws.write_string(h + 1, c0 + k, label, f("header"))
        self._merge(ws, h, rate_col, h + 1, rate_col, "집행률", f("header"))

        first = h + 2
        r = first
        money_rows: list[int] = []
        totals: dict[int, Decimal | None] = {}
        for view in report.pledges:
            sheet = placed.get(view.id)
            ws.write_string(r, 0, view.id, f("label"))
            ws.write_string(r, 1, view.title, f("name"))
            if sheet is None:
                self._merge(ws, r, first_fig, r, last_col, NON_BUDGET, f("label"))
                r += 1
                continue
            money_rows.append(r)
            plan_rows = _source_totals(view.plan_table, sources)
            sec_rows = _source_totals(view.secured_table, sources)
            for g, source in enumerate(sources):
                c0 = first_fig + 3 * g
                crit = _quote_text(source)
                for k, (place, sum_col, value) in enumerate(
                    (
                        (sheet.plan, 2, plan_rows[source][0]),
                        (sheet.secured, 2, sec_rows[source][0]),
                        (sheet.secured, 3, sec_rows[source][1]),
                    )
                ):
                    labels = f"{sheet.ref}!{_abs(place.first_row, 1)}:{_abs(place.last_row, 1)}"
                    sums = f"{sheet.ref}!{_abs(place.first_row, sum_col)}:{_abs(place.last_row, sum_col)}"
                    self._formula(ws, r, c0 + k, f"SUMIF({labels},{crit},{sums})", value, "figure")
                    totals[c0 + k] = _add(totals.get(c0 + k), value)
            c_total = first_fig + 3 * len(sources)
            grand_plan = view.plan_table.grand_total.total
            grand_sec = view.secured_table.grand_total.total
            for k, value in enumerate((grand_plan.amount, grand_sec.amount, grand_sec.executed)):
                parts = ",".join(_a1(r, first_fig + 3 * g + k) for g in range(len(sources)))
                self._formula(ws, r, c_total + k, f"SUM({parts})", value, "total")
                totals[c_total + k] = _add(totals.get(c_total + k), value)
            # 집행률 like with like, as the 총괄 sheet computes it (one figure, one place).
            ref, rate = self.rate_cells[view.id]
            ws.put(r, rate_col, self.f.numeric("rate").computed_rate(ref, rate))
            r += 1

        total_row = r
        self._merge(ws, total_row, 0, total_row, 1, "합계", f("total_label"))
        for c in range(first_fig, rate_col):
            self._formula(
                ws,
                total_row,
                c,
                _sum_body(c, tuple(money_rows)),
                totals.get(c),
                "total",
            )
        ref, rate = self.rate_cells[""]
        ws.put(total_row, rate_col, self.f.numeric("total").computed_rate(ref, rate))
        ws.write_string(
            total_row + 1,
            0,
            f"※ 재원별 금액은 공약별 시트의 구분({'·'.join(sources)}) 행을 더한 수식입니다.",
            f("note"),
        )
        ws.freeze_panes(first, 2)
        self._print_setup(ws, first)

    # -- the workbook ----------------------------------------------------------

    def render(self) -> bytes:
        report = self.report
        summary = self._sheet(SUMMARY_SHEET)
        sources = self._sheet(SOURCES_SHEET)
        budgeted = [v for v in report.pledges if not v.non_budget]
        names = sheet_names([v.id for v in budgeted])
        placed = {v.id: self.pledge_sheet(v, name) for v, name in zip(budgeted, names, strict=True)}
        self.summary(summary, placed)
        self.by_source(sources, placed)
        summary.activate()
        self.wb.set_properties(
            {
                "title": f"{report.city} {report.period_words} 공약사업 예산 집계",
                "subject": report.title,
                "author": report.city,
                "created": _created(report),
            }
        )
        self.wb.close()
        return write_package(self.wb.parts.items())


def _source_totals(
    table: MoneyTable, sources: Sequence[str]
) -> dict[str, tuple[Decimal | None, Decimal | None]]:
    """Per funding source: the sum of its rows' 계 (amount, executed) over all sub-projects.

    Layout only: the rows' totals come from the view; None where no row has a figure.
    """
    out: dict[str, tuple[Decimal | None, Decimal | None]] = {}
    for source in sources:
        amounts = [r.total.amount for r in table.rows if r.kind == "source" and r.label == source]
        executed = [
            r.total.executed for r in table.rows if r.kind == "source" and r.label == source
        ]
        a = [x for x in amounts if x is not None]
        e = [x for x in executed if x is not None]
        out[source] = (sum(a, Decimal(0)) if a else None, sum(e, Decimal(0)) if e else None)
    return out


def render_workbook(report: ReportView, template: Path) -> bytes:
    """The budget workbook of ``report`` as XLSX bytes, styled from ``template``.

    Byte-identical for the same report and template. Raises
    :class:`reportgen.errors.TemplateError` when the template is missing or
    broken.
    """
    styles = load_styles(Path(template))
    # 150,000 small cell objects live until the workbook is written: keep
    # the cyclic collector from scanning them over and over.
    with bulk_allocation():
        return _Writer(report, styles).render()
