"""The pledge list (공약 목록) as a city's 공약 실천계획서 keeps it, read from XLSX or CSV.

A city starts a term from the table of pledges it published: one row per
pledge, columns found by their Korean headings in any order — 공약번호 (or
번호), 공약명 (or 공약사업명), 분야 (and 전략 where the city has it), 소관부서
(or 주관부서, 부서) — with optional columns for planned amounts by funding
source and year (``국비 2027``, ``2027년 군비``, or a year above a row of
sources) and for the 성과지표 (지표, 단위, 목표). Other columns (연번, 비고 …)
are ignored with a note.

Everything wrong is collected first (file, row, column, what to write) and
raised once as :class:`PledgeListInvalid`: a city fixes its table in one pass.
What is read is bounded — the file's size, the unpacked size of a workbook,
the rows and columns looked at, the length of a cell — so a hostile or broken
file is refused instead of filling the memory.

``init --pledges`` and ``check-plan`` both read through :func:`read_pledge_list`.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from ..errors import ReportgenError, quote
from ..i18n import os_reason, tr
from ..josa import particle
from ..records import numbering

#: A 실천계획서 of a large city lists a few hundred pledges; more rows is the wrong file.
MAX_ROWS = 5000
#: Columns looked at; a pledge table has a dozen, with amounts a few dozen.
MAX_COLUMNS = 200
#: Rows searched for the heading row (a title and a date line may come first).
HEADING_ROWS = 20
#: The file itself, and a workbook's parts once unpacked (a zip bomb is refused).
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNPACKED_BYTES = 50 * 1024 * 1024
#: As the records allow (model.Text).
MAX_TEXT = 500
#: Problems listed per file; thousands of them mean the wrong file.
MAX_PROBLEMS = 200

# The headings of each column as cities write them, compared without blanks.
NUMBER = "number"
TITLE = "title"
FIELD = "field"
STRATEGY = "strategy"
DEPARTMENT = "department"
INDICATOR = "indicator"
UNIT = "unit"
TARGET = "target"

HEADINGS: dict[str, tuple[str, ...]] = {
    NUMBER: ("공약번호", "번호"),
    TITLE: ("공약명", "공약사업명"),
    FIELD: ("분야", "공약분야"),
    STRATEGY: ("전략", "추진전략"),
    DEPARTMENT: ("소관부서", "주관부서", "부서", "담당부서"),
    INDICATOR: ("성과지표", "지표", "지표명"),
    UNIT: ("단위",),
    TARGET: ("목표", "목표치", "목표값"),
}
REQUIRED = (NUMBER, TITLE, FIELD, DEPARTMENT)
LABELS = {
    NUMBER: "공약번호",
    TITLE: "공약명",
    FIELD: "분야",
    STRATEGY: "전략",
    DEPARTMENT: "소관부서",
    INDICATOR: "지표",
    UNIT: "단위",
    TARGET: "목표",
}
#: Totals are derived from the amounts, never read (they could disagree).
TOTALS = ("계", "합계", "총계", "소계", "총사업비", "사업비계")

_YEAR = re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})(?:년|년도)?(?![0-9])")
_BLANKS = re.compile(r"\s+")
_UNIT_NOTE = re.compile(r"[(\[]?(단위)?[:：]?\s*백만원[)\]]?")


@dataclass(frozen=True)
class PlannedAmount:
    """연도별 투자계획 of one cell: a funding source (재원), a year (or 기투자/임기후), 백만원."""

    source: str
    column: str
    amount: Decimal


@dataclass(frozen=True)
class PlannedIndicator:
    """성과지표 as the plan sets it: 지표명, 단위, 목표."""

    name: str
    unit: str
    target: Decimal


@dataclass(frozen=True)
class ListedPledge:
    """공약 목록의 한 줄: one pledge as the published list gives it."""

    row: int  # the row in the file, as the spreadsheet numbers it
    number: str
    title: str
    field: str  # 분야
    strategy: str | None  # 전략, where the city has it
    department: str  # 소관부서
    amounts: tuple[PlannedAmount, ...] = ()
    indicator: PlannedIndicator | None = None


@dataclass
class PledgeList:
    """공약 목록: the pledges of a list, and what was noticed while reading it."""

    path: Path
    pledges: list[ListedPledge]
    notes: list[str] = field(default_factory=list)
    has_strategy: bool = False


@dataclass(frozen=True)
class ListProblem:
    """One problem of the list: which file, which row and column, what to write."""

    file: str
    row: int | None
    column: str | None  # "C열 (공약명)", as composed by :func:`column_name`
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(tr(f"{self.row}행", f"row {self.row}"))
        if self.column is not None:
            where.append(self.column)
        place = f"{self.file}: {', '.join(where)}" if where else self.file
        return f"{place}: {self.message}"


class PledgeListInvalid(ReportgenError):
    """공약 목록에 문제가 있습니다: every problem of the file, nothing written."""

    def __init__(self, problems: Sequence[ListProblem]) -> None:
        self.problems = list(problems)
        lines = [str(p) for p in self.problems]
        lines.append(
            tr(
                f"공약 목록에 문제 {len(self.problems)}건이 있어 아무것도 쓰지 않았습니다. "
                "고친 뒤 다시 실행하십시오.",
                f"{len(self.problems)} problem(s) in the pledge list; nothing was written. "
                "Fix them and run again.",
            )
        )
        super().__init__("\n".join(lines))


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: the spreadsheet's name of a column."""
    from openpyxl.utils import get_column_letter  # as the reader: openpyxl only when used

    return get_column_letter(index + 1)


def outside_term(year: int, years: tuple[int, int]) -> str | None:
    """Why an amount of ``year`` cannot be recorded in a term of ``years`` (None: it can)."""
    first, last = years
    if first <= year <= last:
        return None
    return tr(
        f"{year}년은 임기({first}~{last}년) 밖입니다: 임기 전 금액은 '기투자', 임기 뒤 "
        "금액은 '임기후' 열에 적으십시오",
        f"{year} is outside the term ({first}–{last}): amounts before it go in a '기투자' "
        "column, after it in '임기후'",
    )


def column_name(index: int, heading: str = "") -> str:
    """``C열 (공약명)``: a column as a message names it."""
    letter = column_letter(index)
    shown = f" ({heading})" if heading else ""
    return tr(f"{letter}열{shown}", f"column {letter}{shown}")


def _squeeze(text: str) -> str:
    return _BLANKS.sub("", text)


# ---------------------------------------------------------------------------
# Reading cells, bounded


@dataclass(frozen=True)
class _Cell:
    value: Any  # str, int, float, Decimal, datetime …, or None
    formula_without_value: bool = False


def _refuse(display: str, message: str) -> PledgeListInvalid:
    return PledgeListInvalid([ListProblem(display, None, None, message)])


def _read_bytes(path: Path, display: str) -> bytes:
    try:
        # Never blocks: a FIFO opened without O_NONBLOCK waits for a writer forever.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        with os.fdopen(fd, "rb") as fh:
            mode = os.fstat(fd).st_mode
            if stat.S_ISDIR(mode):
                raise IsADirectoryError
            if not stat.S_ISREG(mode):
                raise _refuse(
                    display,
                    tr(
                        "일반 파일이 아닙니다(파이프·장치 등): 공약 목록 파일 자체를 주십시오",
                        "not a regular file (a pipe, a device …): give the pledge list file itself",
                    ),
                )
            data = fh.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise _refuse(display, tr("파일이 아니라 폴더입니다", "a folder, not a file")) from None
    except OSError as exc:
        raise _refuse(
            display, tr(f"읽을 수 없습니다: {os_reason(exc)}", f"cannot be read: {os_reason(exc)}")
        ) from None
    if len(data) > MAX_FILE_BYTES:
        raise _refuse(
            display,
            tr(
                f"{MAX_FILE_BYTES // 1024 // 1024}MB가 넘습니다: 공약 목록 표만 담은 파일을 주십시오",
                f"larger than {MAX_FILE_BYTES // 1024 // 1024} MB: give a file holding the "
                "pledge table only",
            ),
        )
    return data


def _xlsx_rows(data: bytes, display: str) -> Iterator[tuple[str, Iterator[list[_Cell]]]]:
    """Each sheet's name and rows, read-only, cached values beside formulas."""
    import openpyxl

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise _refuse(
            display,
            tr(
                "XLSX 통합 문서가 아닙니다: Excel 통합 문서(*.xlsx)나 CSV로 저장하십시오",
                "not an XLSX workbook: save it as Excel Workbook (*.xlsx) or as CSV",
            ),
        ) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise _refuse(
            display,
            tr(
                f"풀면 {unpacked:,}바이트가 되는 통합 문서입니다: 공약 목록 표만 담은 파일을 주십시오",
                f"unpacks to {unpacked:,} bytes: give a file holding the pledge table only",
            ),
        )
    try:
        values = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        formulas = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds on a broken file
        raise _refuse(
            display,
            tr(
                f"통합 문서를 열 수 없습니다 ({type(exc).__name__}): Excel에서 열어 "
                "Excel 통합 문서(*.xlsx)로 다시 저장하십시오",
                f"the workbook cannot be opened ({type(exc).__name__}): open it in Excel "
                "and save it again as Excel Workbook (*.xlsx)",
            ),
        ) from None
    for name in values.sheetnames[:20]:
        sheet_values = values[name]
        sheet_formulas = formulas[name]

        def rows(sv: Any = sheet_values, sf: Any = sheet_formulas) -> Iterator[list[_Cell]]:
            pairs = zip(
                sv.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS),
                sf.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS),
                strict=False,
            )
            for value_row, formula_row in pairs:
                cells = []
                for vc, fc in zip(value_row, formula_row, strict=False):
                    value = getattr(vc, "value", None)
                    is_formula = getattr(fc, "data_type", None) == "f"
                    cells.append(_Cell(value, is_formula and value is None))
                yield cells

        yield name, rows()


def _decode(data: bytes, display: str) -> str:
    for encoding in ("utf-8-sig", "cp949"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(
        display,
        tr(
            "UTF-8도 CP949(EUC-KR)도 아닌 글자가 있습니다: Excel에서 'CSV UTF-8'로 저장하십시오",
            "neither UTF-8 nor CP949 (EUC-KR): save it from Excel as 'CSV UTF-8'",
        ),
    )


def _csv_rows(data: bytes, display: str) -> Iterator[list[_Cell]]:
    text = _decode(data, display)
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    # The file is at most MAX_FILE_BYTES, so no field can be larger.
    csv.field_size_limit(MAX_FILE_BYTES)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for index, row in enumerate(reader):
            if index > MAX_ROWS:
                break
            yield [_Cell(v) for v in row[:MAX_COLUMNS]]
    except csv.Error as exc:
        raise _refuse(
            display,
            tr(
                f"CSV로 읽을 수 없습니다 ({exc}): Excel에서 'CSV UTF-8'로 다시 저장하십시오",
                f"cannot be read as CSV ({exc}): save it again from Excel as 'CSV UTF-8'",
            ),
        ) from None


# ---------------------------------------------------------------------------
# Headings


@dataclass
class _Layout:
    heading_row: int  # 1-based
    columns: dict[str, int]  # role -> 0-based column
    amounts: dict[int, tuple[str, str]]  # column -> (source, year column key)
    notes: list[str]


def _role(heading: str) -> str | None:
    key = _squeeze(heading)
    for role, names in HEADINGS.items():
        if key in names:
            return role
    return None


def _amount_heading(heading: str, above: str) -> tuple[str, str] | None:
    """``국비 2027``, ``2027년 군비``, or ``군비`` under a ``2027`` -> (source, column)."""
    text = _UNIT_NOTE.sub("", heading)
    found = _YEAR.search(text) or _YEAR.search(_UNIT_NOTE.sub("", above))
    column = found.group(1) if found else None
    for word in ("기투자", "임기후"):
        if word in text or (column is None and word in above):
            column = word
            text = text.replace(word, "")
    if column is None:
        return None
    source = _squeeze(_YEAR.sub("", text)).strip("()[]-_/·.,")
    if not source or len(source) > 20 or not all(ch.isalpha() for ch in source):
        return None
    if source in TOTALS:
        return None
    return source, column


def _text(cell: _Cell | None) -> str:
    if cell is None or cell.value is None:
        return ""
    return str(cell.value).strip()


def _find_layout(
    rows: list[list[_Cell]],
    display: str,
    problems: list[ListProblem],
    years: tuple[int, int] | None = None,
) -> _Layout | None:
    best: tuple[int, int] | None = None  # (roles found, row index)
    for index, row in enumerate(rows[:HEADING_ROWS]):
        roles = {_role(_text(c)) for c in row} - {None}
        found = len(roles & set(REQUIRED))
        if found and (best is None or found > best[0]):
            best = (found, index)
        if found == len(REQUIRED):
            break
    if best is None:
        problems.append(
            ListProblem(
                display,
                None,
                None,
                tr(
                    f"첫 {HEADING_ROWS}행에 제목 행이 없습니다: 한 행에 "
                    "'공약번호', '공약명', '분야', '소관부서' 제목을 적으십시오",
                    f"no heading row in the first {HEADING_ROWS} rows: write the headings "
                    "'공약번호', '공약명', '분야', '소관부서' in one row",
                ),
            )
        )
        return None
    at = best[1]
    heading_row = rows[at]
    # The row above may name the years of merged amount headings (2027 over 국비 도비 …):
    # a merged cell holds its text in its first column only, so carry it to the right.
    above: list[str] = []
    last = ""
    for cell in rows[at - 1] if at > 0 else []:
        text = _text(cell)
        last = text or last
        above.append(last)

    columns: dict[str, int] = {}
    amounts: dict[int, tuple[str, str]] = {}
    notes: list[str] = []
    for col, cell in enumerate(heading_row):
        heading = _text(cell)
        if not heading:
            continue
        letter = column_letter(col)
        role = _role(heading)
        if role is not None:
            if role in columns:
                first = column_letter(columns[role])
                problems.append(
                    ListProblem(
                        display,
                        at + 1,
                        column_name(col, heading),
                        tr(
                            f"'{LABELS[role]}' 열이 {first}열에도 있습니다: 한 열만 남기십시오",
                            f"a second '{LABELS[role]}' column (the first is {first}): keep one",
                        ),
                    )
                )
                continue
            columns[role] = col
            continue
        amount = _amount_heading(heading, above[col] if col < len(above) else "")
        if amount is not None:
            wrong = (
                outside_term(int(amount[1]), years)
                if years is not None and amount[1].isdigit()
                else None
            )
            if wrong is not None:
                problems.append(
                    ListProblem(
                        display, at + 1, column_name(col, f"{amount[0]} {amount[1]}"), wrong
                    )
                )
            amounts[col] = amount
            continue
        notes.append(
            tr(
                f"{display}: {at + 1}행 {letter}열 '{heading[:40]}': 읽지 않는 열입니다 (무시함)",
                f"{display}: row {at + 1}, column {letter} '{heading[:40]}': "
                "not a column reportgen reads (ignored)",
            )
        )
    missing = [LABELS[r] for r in REQUIRED if r not in columns]
    if missing:
        names = ", ".join(f"'{m}'" for m in missing)
        alternatives = {
            "공약번호": "공약번호 또는 번호",
            "공약명": "공약명 또는 공약사업명",
            "분야": "분야",
            "소관부서": "소관부서, 주관부서 또는 부서",
        }
        hint = "; ".join(alternatives[m] for m in missing)
        problems.append(
            ListProblem(
                display,
                at + 1,
                None,
                tr(
                    f"제목 행에 {names} 열이 없습니다: 그 열을 더하고 제목을 적으십시오 ({hint})",
                    f"the heading row has no {names} column: add it with its heading ({hint})",
                ),
            )
        )
        return None
    indicator = [r for r in (INDICATOR, UNIT, TARGET) if r in columns]
    if indicator and len(indicator) < 3:
        lacking = ", ".join(f"'{LABELS[r]}'" for r in (INDICATOR, UNIT, TARGET) if r not in columns)
        problems.append(
            ListProblem(
                display,
                at + 1,
                None,
                tr(
                    f"성과지표에는 지표, 단위, 목표 세 열이 함께 있어야 합니다: {lacking} 열을 더하십시오",
                    f"a 성과지표 needs the three columns 지표, 단위, 목표: add {lacking}",
                ),
            )
        )
    return _Layout(at + 1, columns, amounts, notes)


# ---------------------------------------------------------------------------
# Rows


def _figure(value: Any) -> Decimal | None:
    """A cell's number: 1578, 12.5, "1,578" — None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, Decimal)):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        text = value.strip().replace(",", "")
        if not re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
            return None
        try:
            return Decimal(text)
        except InvalidOperation:
            return None
    return None


def _number_text(value: Any) -> str | None:
    """A pledge number from its cell: text as written; a whole number typed as a figure."""
    if value is None:
        return None
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


class _Rows:
    """Turns the rows under the heading into pledges, collecting every problem."""

    def __init__(
        self, display: str, layout: _Layout, example: str | None, problems: list[ListProblem]
    ) -> None:
        self.display = display
        self.layout = layout
        self.example = example
        self.problems = problems
        self.seen: dict[str, int] = {}
        self.carried: dict[str, str] = {}  # 분야/전략 of the row above (merged cells)

    def problem(self, row: int, col: int | None, message: str) -> None:
        column = None if col is None else column_name(col, self._heading(col))
        self.problems.append(ListProblem(self.display, row, column, message))

    def _heading(self, col: int) -> str:
        for role, at in self.layout.columns.items():
            if at == col:
                return LABELS[role]
        if col in self.layout.amounts:
            source, year = self.layout.amounts[col]
            return f"{source} {year}"
        return ""

    def cell(self, cells: list[_Cell], role: str) -> tuple[int | None, _Cell | None]:
        col = self.layout.columns.get(role)
        if col is None:
            return None, None
        return col, cells[col] if col < len(cells) else None

    def text(self, row: int, cells: list[_Cell], role: str, required: bool) -> str | None:
        col, cell = self.cell(cells, role)
        if col is None:
            return None
        if cell is not None and cell.formula_without_value:
            self.problem(
                row,
                col,
                tr(
                    "수식의 값이 저장되어 있지 않습니다: 그 칸을 복사해 '값으로 붙여넣기' 하십시오",
                    "a formula whose value was never saved: copy the cell and paste it as values",
                ),
            )
            return None
        value = cell.value if cell is not None else None
        if role == NUMBER:
            text = _number_text(value) or ""
        elif value is None:
            text = ""
        elif isinstance(value, str):
            text = " ".join(value.split())
        elif isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            text = str(value)
        else:
            self.problem(
                row,
                col,
                tr(
                    f"글이 아닌 값({type(value).__name__})입니다: 칸 서식을 '텍스트'로 하고 다시 적으십시오",
                    f"not text ({type(value).__name__}): format the cell as text and type it again",
                ),
            )
            return None
        if not text:
            if role in (FIELD, STRATEGY) and role in self.carried:
                return self.carried[role]  # a merged 분야 cell spans the rows below it
            if required:
                merged = (
                    tr(
                        " (병합된 칸이면 병합을 풀고 행마다 적으십시오)",
                        " (if the cell is merged, unmerge it and fill in every row)",
                    )
                    if role == DEPARTMENT
                    else ""
                )
                self.problem(
                    row,
                    col,
                    tr(
                        f"'{LABELS[role]}'{particle(LABELS[role], '이')} 비어 있습니다: 적으십시오{merged}",
                        f"'{LABELS[role]}' is empty: fill it in{merged}",
                    ),
                )
            return None
        if len(text) > MAX_TEXT:
            self.problem(
                row,
                col,
                tr(
                    f"{len(text):,}자입니다: {MAX_TEXT}자 이내로 줄이십시오",
                    f"{len(text):,} characters: shorten it to {MAX_TEXT} at most",
                ),
            )
            return None
        if role in (FIELD, STRATEGY):
            self.carried[role] = text
            if role == FIELD:
                self.carried.pop(STRATEGY, None)  # a new 분야 starts its own 전략
        return text

    def number(self, row: int, cells: list[_Cell]) -> str | None:
        text = self.text(row, cells, NUMBER, required=True)
        if text is None:
            return None
        col = self.layout.columns[NUMBER]
        wrong = numbering.problem(text, self.example)
        if wrong is not None:
            self.problem(
                row,
                col,
                tr(
                    f"{quote(text)}{particle(text, '은')} 공약번호의 모양이 아닙니다 ({wrong})",
                    f"{quote(text)} is not a pledge number ({wrong})",
                ),
            )
            return None
        if self.example is None:
            self.example = text  # the first number sets the city's shape
        if text in self.seen:
            self.problem(
                row,
                col,
                tr(
                    f"공약번호 {text}{particle(text, '이')} {self.seen[text]}행에도 있습니다: 번호는 공약마다 달라야 합니다",
                    f"pledge number {text} is also in row {self.seen[text]}: every pledge "
                    "has its own number",
                ),
            )
            return None
        self.seen[text] = row
        return text

    def amounts(self, row: int, cells: list[_Cell]) -> tuple[PlannedAmount, ...]:
        out = []
        for col, (source, year) in sorted(self.layout.amounts.items()):
            cell = cells[col] if col < len(cells) else None
            if cell is None or cell.value is None or _text(cell) in ("", "-"):
                if cell is not None and cell.formula_without_value:
                    self.problem(
                        row,
                        col,
                        tr(
                            "수식의 값이 저장되어 있지 않습니다: '값으로 붙여넣기' 하십시오",
                            "a formula whose value was never saved: paste it as values",
                        ),
                    )
                continue
            figure = _figure(cell.value)
            if figure is None or not figure.is_finite() or figure >= 10**9:
                self.problem(
                    row,
                    col,
                    tr(
                        f"{quote(_text(cell))}{particle(_text(cell), '은')} 금액이 아닙니다: 백만원 단위 숫자(예: 1578, 12.5)를 적거나 비워 두십시오",
                        f"{quote(_text(cell))} is not an amount: write a figure in 백만원 "
                        "(1578, 12.5) or leave it empty",
                    ),
                )
                continue
            if figure != figure.quantize(Decimal("0.001")):
                self.problem(
                    row,
                    col,
                    tr(
                        "소수점 아래 셋째 자리(천원)까지만 적으십시오",
                        "keep at most 3 decimal places (천원)",
                    ),
                )
                continue
            if figure:
                out.append(PlannedAmount(source, year, figure))
        return tuple(out)

    def indicator(self, row: int, cells: list[_Cell]) -> PlannedIndicator | None:
        if not all(r in self.layout.columns for r in (INDICATOR, UNIT, TARGET)):
            return None
        raw = [self.cell(cells, r)[1] for r in (INDICATOR, UNIT, TARGET)]
        if all(_text(c) in ("", "-") for c in raw):
            return None
        name = self.text(row, cells, INDICATOR, required=True)
        unit = self.text(row, cells, UNIT, required=True)
        col, cell = self.cell(cells, TARGET)
        target = _figure(cell.value if cell is not None else None)
        if target is None or target >= 10**9:
            self.problem(
                row,
                col,
                tr(
                    f"목표 {quote(_text(cell))}{particle(_text(cell), '은')} 숫자가 아닙니다: 단위 없이 숫자(예: 1000)만 적으십시오",
                    f"target {quote(_text(cell))} is not a figure: write the number only "
                    "(1000), the unit goes in 단위",
                ),
            )
            return None
        if name is None or unit is None:
            return None
        if len(unit) > 20:
            self.problem(
                row,
                self.layout.columns[UNIT],
                tr("단위는 20자 이내로 적으십시오", "a unit has at most 20 characters"),
            )
            return None
        return PlannedIndicator(name, unit, target)

    def read(self, row: int, cells: list[_Cell]) -> ListedPledge | None:
        before = len(self.problems)
        number = self.number(row, cells)
        title = self.text(row, cells, TITLE, required=True)
        field_name = self.text(row, cells, FIELD, required=True)
        strategy = self.text(row, cells, STRATEGY, required=False)
        department = self.text(row, cells, DEPARTMENT, required=True)
        amounts = self.amounts(row, cells)
        indicator = self.indicator(row, cells)
        if len(self.problems) > before:
            return None
        assert number and title and field_name and department
        return ListedPledge(
            row, number, title, field_name, strategy, department, amounts, indicator
        )


def _blank(cells: list[_Cell]) -> bool:
    return all(_text(c) == "" and not c.formula_without_value for c in cells)


def _read_table(
    display: str,
    rows_iter: Iterator[list[_Cell]],
    example: str | None,
    years: tuple[int, int] | None = None,
) -> tuple[PledgeList | None, list[ListProblem]]:
    problems: list[ListProblem] = []
    head: list[list[_Cell]] = []
    for cells in rows_iter:
        head.append(cells)
        if len(head) >= HEADING_ROWS:
            break
    layout = _find_layout(head, display, problems, years)
    if layout is None:
        return None, problems
    reader = _Rows(display, layout, example, problems)
    pledges: list[ListedPledge] = []
    row = layout.heading_row
    rest = head[layout.heading_row :]

    def all_rows() -> Iterator[list[_Cell]]:
        yield from rest
        yield from rows_iter

    for cells in all_rows():
        row += 1
        if row > MAX_ROWS:
            problems.append(
                ListProblem(
                    display,
                    row,
                    None,
                    tr(
                        f"{MAX_ROWS:,}행이 넘습니다: 공약 목록 표만 남기십시오",
                        f"more than {MAX_ROWS:,} rows: keep the pledge table only",
                    ),
                )
            )
            break
        if _blank(cells):
            continue
        pledge = reader.read(row, cells)
        if pledge is not None:
            pledges.append(pledge)
        if len(problems) >= MAX_PROBLEMS:
            problems.append(
                ListProblem(
                    display,
                    None,
                    None,
                    tr(
                        f"문제가 {MAX_PROBLEMS}건이 넘어 여기서 멈췄습니다: 맞는 파일인지 확인하십시오",
                        f"more than {MAX_PROBLEMS} problems, stopped here: is it the right file?",
                    ),
                )
            )
            break
    if not pledges and not problems:
        problems.append(
            ListProblem(
                display,
                layout.heading_row,
                None,
                tr(
                    "제목 행 아래에 공약이 한 줄도 없습니다: 공약마다 한 행씩 적으십시오",
                    "no pledge under the heading row: write one row per pledge",
                ),
            )
        )
    listed = PledgeList(Path(display), pledges, layout.notes, STRATEGY in layout.columns)
    return listed, problems


def read_pledge_list(
    path: Path, numbering_example: str | None = None, years: tuple[int, int] | None = None
) -> PledgeList:
    """Read a pledge list (XLSX or CSV); raise :class:`PledgeListInvalid` with every problem.

    ``numbering_example`` is the city's numbering (report.json ``numbering``);
    without it the first number of the list sets the shape the others must have.
    ``years`` (the term's first and last year) names amount columns outside the term.
    """
    display = str(path)
    data = _read_bytes(path, display)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm") or data[:2] == b"PK":
        first: list[ListProblem] | None = None
        for name, rows in _xlsx_rows(data, display):
            listed, problems = _read_table(f"{display} [{name}]", rows, numbering_example, years)
            if listed is not None:  # the sheet with the headings speaks for the file
                if problems:
                    raise PledgeListInvalid(problems)
                listed.path = path
                return listed
            first = first if first is not None else problems
        raise PledgeListInvalid(first or [])
    if suffix in (".xls", ".hwp", ".hwpx", ".docx", ".pdf") or data[:4] == b"\xd0\xcf\x11\xe0":
        raise _refuse(
            display,
            tr(
                "읽을 수 있는 것은 XLSX와 CSV입니다: 표를 Excel 통합 문서(*.xlsx)나 CSV로 저장하십시오",
                "reportgen reads XLSX and CSV: save the table as Excel Workbook (*.xlsx) or CSV",
            ),
        )
    listed, problems = _read_table(display, _csv_rows(data, display), numbering_example, years)
    if problems or listed is None:
        raise PledgeListInvalid(problems)
    listed.path = path
    return listed
