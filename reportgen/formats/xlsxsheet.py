"""One worksheet part (``xl/worksheets/sheetN.xml``) of the budget workbook, serialized directly.

:mod:`reportgen.formats.xlsx` lays the view out through the few calls a
worksheet needs (``write_string``, ``write_number``, ``write_formula``,
``merge_range`` …, the names XlsxWriter's ``Worksheet`` gives them) and this
class keeps each cell as the text of its ``<c>`` element, then writes the part
in one pass. It writes the same SpreadsheetML that XlsxWriter 3.x writes for
those calls, element for element (dimension, 16-row spans, column widths in
XlsxWriter's pixel arithmetic, frozen panes, merges, internal hyperlinks, print
setup), so a workbook written this way is byte for byte the one XlsxWriter
wrote; ``tests/test_xlsx.py`` checks that against XlsxWriter itself.

Why not XlsxWriter for the sheets: a 300-pledge workbook has some 160,000
cells, 42,000 of them formulas, and XlsxWriter runs each formula through
about 30 regular-expression substitutions (its future-function expansion)
and each cell through a general-purpose writer: about 5 s of CPU, where the
text of the same cells costs a tenth of that (measurements in
:mod:`reportgen.formats.xlsx`). The parts around the sheets are written here
too (:func:`frame_parts`); XlsxWriter, through its public API, writes the
styles and the theme.

Cells are kept per row as column -> the rest of the element after
``<c r="…"``; a text cell is kept as (style, text) until the part is written,
because it goes either inline (``inlineStr``: a pledge sheet, reused alone
by key) or into the shared-string table of the summary sheets
(:class:`SharedStrings`), numbered in the order the sheets read. A row of a
summary sheet may also be taken back whole from the previous build's part
(:class:`KeptRow`), its shared strings numbered anew.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache

__all__ = [
    "KeptRow",
    "SharedStrings",
    "SheetPart",
    "column_name",
    "frame_parts",
    "shared_items",
    "sheet_rows",
    "text_item",
]

XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_WORKSHEET = (
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
)
# Excel's limits, as XlsxWriter applies them.
MAX_ROWS, MAX_COLS = 1_048_576, 16_384
MAX_STRING = 32_767  # UTF-16 units in a cell
# XlsxWriter's column arithmetic: the default font's digit is 7 pixels, a cell pads 5.
_DIGIT_PIXELS, _PADDING_PIXELS, _DEFAULT_COL_PIXELS = 7, 5, 64
_DEFAULT_ROW_PIXELS = 20
SPAN_ROWS = 16  # a <row>'s spans attribute covers the columns of its block of 16 rows
ERROR_VALUES = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!")


def column_name(col: int) -> str:
    """0-based column -> ``A`` … ``XFD``, as XlsxWriter's ``xl_col_to_name`` names it.

    Spelled out here (bijective base 26; ``tests/test_xlsx.py`` compares every
    column with XlsxWriter's) because importing ``xlsxwriter.utility`` imports
    the whole of XlsxWriter, ~12 ms of a rebuild's workbook that otherwise
    needs nothing of it (its styles come from the per-user cache).
    """
    return _column_name(col)


@lru_cache(maxsize=MAX_COLS)  # remembered: every cell of every row asks for it
def _column_name(col: int) -> str:
    if col < 0:
        return ""
    name, n = "", col + 1
    while n:
        n, digit = divmod(n - 1, 26)
        name = chr(65 + digit) + name
    return name


def _cell(row: int, col: int) -> str:
    return f"{_column_name(col)}{row + 1}"


_ESCAPE_ATTR = re.compile('["&<>\n]')
_ESCAPED_ESCAPE = re.compile("(_x[0-9a-fA-F]{4}_)")
_CONTROL = re.compile(r"([\x00-\x08\x0b-\x1f])")
_LEADING_SPACE, _TRAILING_SPACE = re.compile(r"^\s"), re.compile(r"\s$")


def _data(text: str) -> str:
    """Text in an element: & < > escaped (quotes are left as Excel leaves them)."""
    if "&" in text or "<" in text or ">" in text:
        text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text


def _attr(text: str) -> str:
    if not _ESCAPE_ATTR.search(text):
        return text
    return (
        text.replace("&", "&amp;")
        .replace('"', "&quot;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\n", "&#xA;")
    )


def _controls(text: str) -> str:
    """Control characters as Excel's ``_xHHHH_`` (a literal ``_xHHHH_`` escaped first)."""
    text = _ESCAPED_ESCAPE.sub(r"_x005F\1", text)
    return _CONTROL.sub(lambda m: f"_x{ord(m.group(1)):04X}_", text)


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _truncated(text: str) -> str:
    """At most Excel's 32,767 UTF-16 units, never half a surrogate pair."""
    if len(text) <= MAX_STRING // 2 or _utf16_len(text) <= MAX_STRING:
        return text
    out, units = [], 0
    for ch in text:
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > MAX_STRING:
            break
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=65536)
def text_item(text: str) -> str:
    """The ``<t>`` of a string item (CT_Rst), the same inline and in the shared table."""
    text = _controls(text)
    space = (
        ' xml:space="preserve"'
        if _LEADING_SPACE.search(text) or _TRAILING_SPACE.search(text)
        else ""
    )
    return f"<t{space}>{_data(text)}</t>"


@lru_cache(maxsize=16384)
def _formula(formula: str) -> str:
    """A formula's ``<f>`` text: the leading ``=`` dropped, & < > escaped."""
    if formula[:1] == "=":
        formula = formula[1:]
    return _data(formula)


def _pixels(width: float) -> int:
    if width == 0:
        return 0
    if width < 1:
        return int(width * (_DIGIT_PIXELS + _PADDING_PIXELS) + 0.5)
    return int(width * _DIGIT_PIXELS + 0.5) + _PADDING_PIXELS


class SharedStrings:
    """The shared-string table of the summary sheets, numbered in the order they are written.

    Keyed by each string's item as the table writes it (:func:`text_item`, one
    item per text and one text per item), so that a row taken back from the
    previous build (:class:`KeptRow`) numbers the items it refers to without
    turning them back into text. ``before``, the previous build's table: while
    this one is, item for item, the start of it (:attr:`in_step`), a kept row's
    numbers stand as they are written.
    """

    def __init__(self, before: Sequence[str] = ()) -> None:
        self.index: dict[str, int] = {}  # a string's item (its <t>) -> its number
        self.count = 0  # cells that refer to the table
        self.before = before
        self.in_step = True

    def number(self, text: str) -> int:
        return self.number_item(text_item(text))

    def number_item(self, item: str) -> int:
        self.count += 1
        index = self.index
        found = index.get(item)
        if found is None:
            found = index[item] = len(index)
            if self.in_step and (found >= len(self.before) or self.before[found] != item):
                self.in_step = False
        return found

    def part(self) -> bytes:
        items = "".join(f"<si>{item}</si>" for item in self.index)
        return (
            f"{XML_HEAD}<sst "
            'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            f'count="{self.count}" uniqueCount="{len(self.index)}">{items}</sst>'
        ).encode()


def shared_items(part: str) -> list[str] | None:
    """The items of a shared-string part :meth:`SharedStrings.part` wrote, in order; None if not one."""
    start = part.find("<sst ")
    start = part.find(">", start) + 1 if start >= 0 else -1
    end = part.rfind("</sst>")
    if start <= 0 or end < start:
        return None
    body = part[start:end]
    if not body:
        return []
    if not (body.startswith("<si>") and body.endswith("</si>")):
        return None
    # An item's text has its "<" escaped: "</si><si>" only ever separates items.
    return body[4:-5].split("</si><si>")


_SHARED_REF = re.compile(rb' t="s"><v>([0-9]+)</v>')
_REF_HEAD = b' t="s"><v>'
_CELL_HEAD = b'<c r="'


class KeptRow:
    """A row of a summary sheet as the previous build wrote it, taken back whole.

    ``part[start:end]``: the XML of its cells, as :meth:`SheetPart.part` wrote
    them at the same row in the previous part; ``before``: the previous
    build's shared-string items. The row is written again as it was, its
    ``<row>`` element's attributes made anew (its spans depend on the rows
    around it) and each shared-string number given anew in this build's
    table: the same item, numbered where this build's order puts it. While
    the table keeps in step with the previous one, that is the number the row
    holds, and the row goes into the part as it lies: a view of the previous
    part's bytes, never copied or decoded until the new part is joined (in
    the forked workbook process every page written costs a copy-on-write fault).
    """

    __slots__ = ("part", "start", "end", "before", "numbers", "first", "last")

    def __init__(self, part: bytes, start: int, end: int, before: Sequence[str]) -> None:
        """Raises ValueError where the cells are not as :meth:`SheetPart.part` writes them."""
        self.part, self.start, self.end, self.before = part, start, end, before
        # The shared-string number of each text cell, in order; each one the table has.
        self.numbers = [int(n) for n in _SHARED_REF.findall(part, start, end)]
        if self.numbers and max(self.numbers) >= len(before):
            raise ValueError("a shared string the previous table does not have")
        self.first = _column_index(part, part.find(_CELL_HEAD, start, end))
        self.last = _column_index(part, part.rfind(_CELL_HEAD, start, end))

    def first_item(self) -> str | None:
        """The item its first shared-string reference names (the row's first text)."""
        return self.before[self.numbers[0]] if self.numbers else None

    def write(self, out: list[bytes | memoryview], shared: SharedStrings) -> None:
        part, start, end, before = self.part, self.start, self.end, self.before
        numbers = self.numbers
        done = 0  # references numbered as they stand
        if shared.in_step and shared.before is before:
            # The table holds the previous one's first items, in its order: an
            # item it holds keeps its number; the next new one is the next number.
            index = shared.index
            for number in numbers:
                held = len(index)
                if number == held:
                    index[before[number]] = number
                elif number > held:  # an item numbered before is gone: out of step
                    break
                done += 1
            shared.count += done
            if done == len(numbers):
                out.append(memoryview(part)[start:end])
                return
            shared.in_step = False
        number_item = shared.number_item
        met = 0

        def renumber(match: re.Match[bytes]) -> bytes:
            nonlocal met
            met += 1
            if met <= done:
                return match.group(0)
            return b"%s%d</v>" % (_REF_HEAD, number_item(before[int(match.group(1))]))

        out.append(_SHARED_REF.sub(renumber, part[start:end]))


def _column_index(part: bytes, at: int) -> int:
    """The 0-based column of the cell whose ``<c r="`` starts at ``at``."""
    if at < 0:
        raise ValueError("a kept row without cells")
    col, i = 0, at + len(_CELL_HEAD)
    while i < len(part) and 65 <= part[i] <= 90:  # A-Z
        col = col * 26 + part[i] - 64
        i += 1
    if not 0 < col <= MAX_COLS:
        raise ValueError("a cell reference without its column")
    return col - 1


def sheet_rows(part: bytes) -> dict[int, tuple[int, int]]:
    """Where the cells of each row of a sheet part :meth:`SheetPart.part` wrote lie, by 0-based row."""
    start, end = part.find(b"<sheetData>"), part.rfind(b"</sheetData>")
    if start < 0 or end < start:
        return {}
    out: dict[int, tuple[int, int]] = {}
    at = part.find(b'<row r="', start, end)
    while at >= 0:
        quote = part.find(b'"', at + 8)
        close = part.find(b">", quote)
        following = part.find(b'<row r="', close, end)
        stop = (end if following < 0 else following) - len(b"</row>")
        if part[close - 1] != 47 and part.startswith(b"</row>", stop):  # else a height alone
            out[int(part[at + 8 : quote]) - 1] = (close + 1, stop)
        at = following
    return out


class SheetPart:
    """The cells and settings of one worksheet, written as its XML part by :meth:`part`.

    Style arguments are the workbook's cell-format (``xf``) indexes. A cell
    written twice keeps the last write, as in XlsxWriter.
    """

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: dict[int, dict[int, str | tuple[int, str]]] = {}
        self.kept: dict[int, KeptRow] = {}  # rows taken back whole (summary sheets only)
        self.heights: dict[int, float] = {}  # row -> height in points
        self.touched: list[tuple[int, int]] = []  # what set_row adds to the dimension
        self.widths: dict[int, float] = {}  # column -> width in characters
        self.merges: list[tuple[int, int, int, int]] = []
        self.links: dict[tuple[int, int], tuple[str, str, str]] = {}  # location, tip, text
        self.frozen: tuple[int, int] | None = None
        self.selected = False
        self.print_header = ""
        self.print_footer = ""
        self.printed = False

    def get_name(self) -> str:
        return self.name

    # -- cells ----------------------------------------------------------------

    def _put(self, row: int, col: int, cell: str | tuple[int, str]) -> None:
        if not (0 <= row < MAX_ROWS and 0 <= col < MAX_COLS):
            raise ValueError(f"cell ({row}, {col}) is outside a worksheet")
        cells = self.rows.get(row)
        if cells is None:
            cells = self.rows[row] = {}
        cells[col] = cell

    def write_string(self, row: int, col: int, text: str, xf: int) -> None:
        self._put(row, col, (xf, _truncated(text)))

    def write_number(self, row: int, col: int, number: float, xf: int) -> None:
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError(f"a NaN or infinite number in cell {_cell(row, col)}")
        self._put(row, col, f' s="{xf}"><v>{number:.16G}</v></c>')

    def write_blank(self, row: int, col: int, _blank: None, xf: int | None) -> None:
        if xf is not None:  # a blank without a style is no cell at all
            self._put(row, col, f' s="{xf}"/>')

    def write_formula(self, row: int, col: int, formula: str, xf: int, value: object = 0) -> None:
        kind = ""
        if isinstance(value, bool):
            kind, value = ' t="b"', int(value)
        elif isinstance(value, str) and value:
            kind = ' t="e"' if value in ERROR_VALUES else ' t="str"'
            value = _data(value)
        self._put(row, col, f' s="{xf}"{kind}><f>{_formula(formula)}</f><v>{value}</v></c>')

    def merge_range(
        self, first_row: int, first_col: int, last_row: int, last_col: int, text: str, xf: int
    ) -> None:
        """One merged range: its text in the first cell, its style on every cell."""
        if (first_row, first_col) == (last_row, last_col):
            raise ValueError("a merged range of one cell")
        self.merges.append((first_row, first_col, last_row, last_col))
        # Every cell gets the style (its borders are drawn), the first the text.
        blank = f' s="{xf}"/>'
        for r in range(first_row, last_row + 1):
            for c in range(first_col, last_col + 1):
                self._put(r, c, blank)
        if text:
            self._put(first_row, first_col, (xf, _truncated(text)))

    def write_url(self, row: int, col: int, url: str, xf: int, string: str, tip: str = "") -> None:
        """A link to a place in the workbook (``internal:'Sheet'!A1``), shown as ``string``."""
        if not url.startswith("internal:"):
            raise ValueError(f"only links inside the workbook are written: {url}")
        if _utf16_len(tip) > 255:
            raise ValueError("a hyperlink's tip is longer than Excel's 255 characters")
        self._put(row, col, (xf, _truncated(string)))
        self.links[(row, col)] = (url[len("internal:") :], tip, string)

    def keep_row(self, row: int, kept: KeptRow) -> None:
        """Row ``row`` as the previous build wrote it: its cells, never written here too."""
        if row in self.rows:
            raise ValueError(f"row {row + 1} is written and kept at once")
        self.kept[row] = kept

    # -- rows, columns, views --------------------------------------------------

    def set_row(self, row: int, height: float) -> None:
        """A row's height in points (stored in XlsxWriter's whole pixels)."""
        cols = [c for cells in self.rows.values() for c in cells]
        self.touched.append((row, min(cols) if cols else 0))
        self.heights[row] = float(int(height * 4.0 / 3.0 + 0.5))

    def set_column(self, first: int, last: int, width: float) -> None:
        for col in range(min(first, last), max(first, last) + 1):
            self.widths[col] = width

    def freeze_panes(self, row: int, col: int) -> None:
        self.frozen = (row, col)

    def activate(self) -> None:
        self.selected = True

    def print_setup(self, footer: str, header: str = "") -> None:
        """A4 landscape, one page wide, centred, narrow margins, ``header``/``footer`` lines."""
        self.printed = True
        self.print_header, self.print_footer = header, footer

    # -- the part ---------------------------------------------------------------

    def part(self, shared: SharedStrings | None = None) -> bytes:
        """The worksheet's XML; text inline, or numbered in ``shared`` when given."""
        rows = self.rows
        out: list[str] = [XML_HEAD, _WORKSHEET]
        # Kept rows go in as the previous part's bytes; the text around them
        # is encoded run by run into ``joined``.
        joined: list[bytes | memoryview] = []
        if self.printed:
            out.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        out.append(f'<dimension ref="{self._dimension()}"/>')
        out.append(self._view())
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        out.append(self._cols())
        if not rows and not self.heights and not self.kept:
            out.append("<sheetData/>")
        else:
            out.append("<sheetData>")
            self._sheet_data(out, shared, joined)
            out.append("</sheetData>")
        if self.merges:
            out.append(f'<mergeCells count="{len(self.merges)}">')
            out.extend(
                f'<mergeCell ref="{_cell(r1, c1)}:{_cell(r2, c2)}"/>'
                for r1, c1, r2, c2 in self.merges
            )
            out.append("</mergeCells>")
        if self.links:
            out.append("<hyperlinks>")
            for (r, c), (location, tip, text) in sorted(self.links.items()):
                tooltip = f' tooltip="{_attr(tip)}"' if tip else ""
                out.append(
                    f'<hyperlink ref="{_cell(r, c)}" location="{_attr(location)}"'
                    f'{tooltip} display="{_attr(text)}"/>'
                )
            out.append("</hyperlinks>")
        if self.printed:
            out.append(
                '<printOptions horizontalCentered="1"/>'
                '<pageMargins left="0.4" right="0.4" top="0.6" bottom="0.6" '
                'header="0.3" footer="0.3"/>'
                '<pageSetup paperSize="9" fitToHeight="0" orientation="landscape"/>'
                "<headerFooter>"
            )
            if self.print_header:
                out.append(f"<oddHeader>{_controls(_data(self.print_header))}</oddHeader>")
            if self.print_footer:
                out.append(f"<oddFooter>{_controls(_data(self.print_footer))}</oddFooter>")
            out.append("</headerFooter>")
        else:
            out.append(
                '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" '
                'header="0.3" footer="0.3"/>'
            )
        out.append("</worksheet>")
        if not joined:
            return "".join(out).encode()
        joined.append("".join(out).encode())
        return b"".join(joined)

    def _bounds(self) -> tuple[int, int, int, int] | None:
        rows = [*self.rows, *(r for r, _ in self.touched), *self.kept]
        cols = [c for cells in self.rows.values() for c in cells]
        cols += [c for _, c in self.touched]
        cols += [c for kept in self.kept.values() for c in (kept.first, kept.last)]
        if not rows:
            return None
        return min(rows), min(cols), max(rows), max(cols)

    def _dimension(self) -> str:
        bounds = self._bounds()
        if bounds is None:
            return "A1"
        r1, c1, r2, c2 = bounds
        if (r1, c1) == (r2, c2):
            return _cell(r1, c1)
        return f"{_cell(r1, c1)}:{_cell(r2, c2)}"

    def _view(self) -> str:
        selected = ' tabSelected="1"' if self.selected else ""
        if self.frozen is None:
            return f'<sheetViews><sheetView{selected} workbookViewId="0"/></sheetViews>'
        row, col = self.frozen
        if row and col:
            pane = "bottomRight"
            selections = (
                f'<selection pane="topRight" activeCell="{_cell(0, col)}" sqref="{_cell(0, col)}"/>'
                f'<selection pane="bottomLeft" activeCell="{_cell(row, 0)}" sqref="{_cell(row, 0)}"/>'
                '<selection pane="bottomRight"/>'
            )
        else:
            pane = "topRight" if col else "bottomLeft"
            selections = f'<selection pane="{pane}"/>'
        split = (f' xSplit="{col}"' if col else "") + (f' ySplit="{row}"' if row else "")
        return (
            f'<sheetViews><sheetView{selected} workbookViewId="0">'
            f'<pane{split} topLeftCell="{_cell(row, col)}" activePane="{pane}" state="frozen"/>'
            f"{selections}</sheetView></sheetViews>"
        )

    def _cols(self) -> str:
        if not self.widths:
            return ""
        out = ["<cols>"]
        runs: list[list[int]] = []  # [first, last, pixels]
        for col in sorted(self.widths):
            pixels = _pixels(self.widths[col])
            if runs and runs[-1][1] + 1 == col and runs[-1][2] == pixels:
                runs[-1][1] = col
            else:
                runs.append([col, col, pixels])
        for first, last, pixels in runs:
            width = f"{(pixels * 256 // _DIGIT_PIXELS) / 256.0:.16g}"
            custom = "" if pixels == _DEFAULT_COL_PIXELS else ' customWidth="1"'
            out.append(f'<col min="{first + 1}" max="{last + 1}" width="{width}"{custom}/>')
        out.append("</cols>")
        return "".join(out)

    def _sheet_data(
        self, out: list[str], shared: SharedStrings | None, joined: list[bytes | memoryview]
    ) -> None:
        rows, heights = self.rows, self.heights
        # The spans of each block of 16 rows: its cells' first and last column.
        bounds: dict[int, tuple[int, int]] = {}
        for r, cells in rows.items():
            if cells:
                block = r // SPAN_ROWS
                lo, hi = min(cells), max(cells)
                found = bounds.get(block)
                if found is not None:
                    lo, hi = min(lo, found[0]), max(hi, found[1])
                bounds[block] = (lo, hi)
        for r, whole in self.kept.items():
            block = r // SPAN_ROWS
            lo, hi = whole.first, whole.last
            found = bounds.get(block)
            if found is not None:
                lo, hi = min(lo, found[0]), max(hi, found[1])
            bounds[block] = (lo, hi)
        spans = {block: f"{lo + 1}:{hi + 1}" for block, (lo, hi) in bounds.items()}
        item: Callable[[int, str], str]
        if shared is None:

            def item(xf: int, text: str) -> str:
                return f' s="{xf}" t="inlineStr"><is>{text_item(text)}</is></c>'
        else:
            number = shared.number

            def item(xf: int, text: str) -> str:
                return f' s="{xf}" t="s"><v>{number(text)}</v></c>'

        kept = self.kept
        if kept and shared is None:
            raise ValueError("a kept row refers to shared strings: the sheet needs the table")
        for r in sorted({*rows, *heights, *kept}):
            n = r + 1
            span = spans.get(r // SPAN_ROWS)
            attrs = f' spans="{span}"' if span is not None else ""
            height = heights.get(r)
            if height is not None and height != _DEFAULT_ROW_PIXELS:
                attrs += f' ht="{height * 0.75:.16g}" customHeight="1"'
            in_row = rows.get(r)
            if not in_row:
                kept_row = kept.get(r)
                if kept_row is not None and shared is not None:
                    out.append(f'<row r="{n}"{attrs}>')
                    joined.append("".join(out).encode())
                    out.clear()
                    kept_row.write(joined, shared)
                    out.append("</row>")
                    continue
                out.append(f'<row r="{n}"{attrs}/>')
                continue
            if r in kept:  # a cell written on a kept row would be lost
                raise ValueError(f"row {n} is written and kept at once")
            cells = in_row
            out.append(f'<row r="{n}"{attrs}>')
            suffix = str(n)
            for c in sorted(cells):
                cell = cells[c]
                if isinstance(cell, str):
                    out.append(f'<c r="{_column_name(c)}{suffix}"{cell}')
                else:
                    xf, text = cell
                    out.append(f'<c r="{_column_name(c)}{suffix}"{item(xf, text)}')
            out.append("</row>")


# ---------------------------------------------------------------------------
# The frame: the parts around the sheets

_CT = "application/vnd.openxmlformats-officedocument."
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_WORKBOOK_HEAD = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<fileVersion appName="xl" lastEdited="4" lowestEdited="4" rupBuild="4505"/>'
    '<workbookPr defaultThemeVersion="124226"/><bookViews><workbookView xWindow="240" '
    'yWindow="15" windowWidth="16095" windowHeight="9660"/></bookViews>'
)


def _element(tag: str, text: str, attrs: str = "") -> str:
    return f"<{tag}{attrs}>{_controls(_data(text))}</{tag}>"


def frame_parts(
    sheets: Sequence[tuple[str, int]],
    properties: Mapping[str, str],
    created: dt.datetime,
    quote: Callable[[str], str],
) -> dict[str, bytes]:
    """The parts XlsxWriter writes around the sheets of a workbook like ours, without it.

    ``sheets``: (name, rows repeated on each printed page) in order, the first
    the active one; ``properties``: title, subject, author; ``quote``:
    XlsxWriter's public ``quote_sheetname``. The theme is XlsxWriter's and
    is added by the caller. XlsxWriter checks every new sheet's name against
    every earlier one (quadratic: about half a second at 3,000 sheets), and a
    workbook's names are already checked by :func:`~reportgen.formats.xlsx.sheet_names`.
    ``tests/test_xlsx.py`` compares these parts with XlsxWriter's, byte for byte.
    """
    n = len(sheets)
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        f'ContentType="{_CT}spreadsheetml.worksheet+xml"/>'
        for i in range(1, n + 1)
    )
    content_types = (
        f"{XML_HEAD}"
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/docProps/app.xml" ContentType="{_CT}extended-properties+xml"/>'
        '<Override PartName="/docProps/core.xml" '
        'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{_CT}spreadsheetml.styles+xml"/>'
        f'<Override PartName="/xl/theme/theme1.xml" ContentType="{_CT}theme+xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        f'ContentType="{_CT}spreadsheetml.sheet.main+xml"/>'
        f"{overrides}"
        '<Override PartName="/xl/sharedStrings.xml" '
        f'ContentType="{_CT}spreadsheetml.sharedStrings+xml"/></Types>'
    )
    package_rels = (
        f"{XML_HEAD}"
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{_REL}officeDocument" Target="xl/workbook.xml"/>'
        '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
        'relationships/metadata/core-properties" Target="docProps/core.xml"/>'
        f'<Relationship Id="rId3" Type="{_REL}extended-properties" Target="docProps/app.xml"/>'
        "</Relationships>"
    )
    rels = [
        f'<Relationship Id="rId{i}" Type="{_REL}worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, n + 1)
    ]
    rels += [
        f'<Relationship Id="rId{n + 1}" Type="{_REL}theme" Target="theme/theme1.xml"/>',
        f'<Relationship Id="rId{n + 2}" Type="{_REL}styles" Target="styles.xml"/>',
        f'<Relationship Id="rId{n + 3}" Type="{_REL}sharedStrings" Target="sharedStrings.xml"/>',
    ]
    workbook_rels = (
        f"{XML_HEAD}"
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{''.join(rels)}</Relationships>"
    )
    # Print titles, sorted as XlsxWriter sorts defined names (by the quoted range).
    titles = sorted(
        ((i, f"{quote(name)}!$1:${rows}") for i, (name, rows) in enumerate(sheets)),
        key=lambda t: t[1].lstrip("'").lower(),
    )
    listed = "".join(
        f'<sheet name="{_attr(name)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, (name, _rows) in enumerate(sheets, start=1)
    )
    defined = "".join(
        _element("definedName", area, f' name="_xlnm.Print_Titles" localSheetId="{i}"')
        for i, area in titles
    )
    workbook = (
        f"{XML_HEAD}{_WORKBOOK_HEAD}<sheets>{listed}</sheets>"
        f"{f'<definedNames>{defined}</definedNames>' if titles else ''}"
        '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
    )
    parts = [_element("vt:lpstr", name) for name, _rows in sheets]
    parts += [_element("vt:lpstr", area.split("!", 1)[0] + "!Print_Titles") for _i, area in titles]
    pairs = "<vt:variant><vt:lpstr>Worksheets</vt:lpstr></vt:variant>"
    pairs += f"<vt:variant><vt:i4>{n}</vt:i4></vt:variant>"
    if titles:
        pairs += "<vt:variant><vt:lpstr>Named Ranges</vt:lpstr></vt:variant>"
        pairs += f"<vt:variant><vt:i4>{len(titles)}</vt:i4></vt:variant>"
    app = (
        f"{XML_HEAD}"
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/'
        '2006/docPropsVTypes"><Application>Microsoft Excel</Application>'
        "<DocSecurity>0</DocSecurity><ScaleCrop>false</ScaleCrop>"
        f'<HeadingPairs><vt:vector size="{4 if titles else 2}" baseType="variant">{pairs}'
        f'</vt:vector></HeadingPairs><TitlesOfParts><vt:vector size="{len(parts)}" '
        f'baseType="lpstr">{"".join(parts)}</vt:vector></TitlesOfParts>'
        "<Company></Company><LinksUpToDate>false</LinksUpToDate><SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged><AppVersion>12.0000</AppVersion>"
        "</Properties>"
    )
    date = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    stamp = ' xsi:type="dcterms:W3CDTF"'
    core = (
        f"{XML_HEAD}"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"{_element('dc:title', properties['title'])}"
        f"{_element('dc:subject', properties['subject'])}"
        f"{_element('dc:creator', properties['author'])}"
        f"{_element('cp:lastModifiedBy', properties['author'])}"
        f"{_element('dcterms:created', date, stamp)}{_element('dcterms:modified', date, stamp)}"
        "</cp:coreProperties>"
    )
    return {
        "[Content_Types].xml": content_types.encode(),
        "_rels/.rels": package_rels.encode(),
        "docProps/app.xml": app.encode(),
        "docProps/core.xml": core.encode(),
        "xl/_rels/workbook.xml.rels": workbook_rels.encode(),
        "xl/workbook.xml": workbook.encode(),
    }
