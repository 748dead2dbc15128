"""Property tests: any valid record set builds, and the outputs keep what the records say.

Hypothesis generates *valid* pledge records (ids, titles, departments, item
trees up to three levels of arbitrary Unicode text — markup, template tags,
CDATA ends, emoji, NFD Hangul, bidi marks, pasted control characters — dated
inside 민선7기, plans, per-period reports with statuses, contacts,
participation, problems and budget tables with int and Decimal amounts) and a
report period of the term. For each case:

- ``render_report`` succeeds and gives one DOCX per pledge, the booklet, the
  workbook and the manifest;
- every DOCX opens with python-docx, and every line the period's view shows
  (computed here from the *uncleaned* records, then cleaned the way the form
  requires: NFC, control characters removed, line breaks blanked, stripped)
  is in the pledge's own document and in the booklet;
- the workbook opens with openpyxl, and every stored 계 / 소계 / 합계 value is
  the sum of the recorded figures, exactly (Decimal, compared through the
  float the cell stores);
- rendering again, from a second copy of the records, gives the same bytes.

Plus properties of :class:`~reportgen.records.periods.Period` and
:func:`~reportgen.report.view.format_amount`.

Kept small (``max_examples=25``, a few pledges per case) so the file runs in
seconds; raise ``max_examples`` locally to search harder.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import openpyxl
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reportgen.build import render_report
from reportgen.formats.writers import PLEDGE_DIR
from reportgen.records.model import FUNDING_SOURCES, Pledge, ReportSettings, pledge_sort_key
from reportgen.records.periods import Period
from reportgen.records.text import BULLETS
from reportgen.report.view import format_amount, report_view
from reportgen.workspace.output import MANIFEST

from .conftest import RECORDS, REPO, write_records

TEMPLATES = REPO / "templates"
SETTINGS_RAW = json.loads((RECORDS / "report.json").read_text(encoding="utf-8"))
SETTINGS = ReportSettings.model_validate(SETTINGS_RAW)
TERM = SETTINGS.term.to_term()
HALF_YEARS = TERM.report_periods  # 2018H2 … 2022H1
YEARS = [Period(y) for y in range(TERM.start.year, TERM.end.year + 1) if TERM.contains(Period(y))]
ALL_PERIODS = sorted(HALF_YEARS + YEARS)
COLUMNS = TERM.fiscal_columns  # 기투자, 2018 … 2022, 임기후
COLUMN_KEYS = [c.key for c in COLUMNS]
PARTICIPATION_KEYS = ("meetings", "briefings", "advisory", "media", "other")

CI = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# ---------------------------------------------------------------------------
# The cleaning the form requires, written independently of reportgen.records.text:
# XML-forbidden, control and invisible characters go, line breaks become one blank,
# Hangul is composed (NFC), and the ends are stripped.

_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff\U0010fffe\U0010ffff]")
_BREAKS = re.compile("[\t\n\r\u2028\u2029]+")
# Bidirectional controls and zero-width characters go too; a ZWJ stays only
# where it joins two emoji (👩‍👩‍👧).
_INVISIBLE = set("\u061c\u180e\u200b\u200c\u200e\u200f\ufeff")
_INVISIBLE |= {
    chr(c) for c in [*range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x2070)]
}


def _emoji(c: str) -> bool:
    n = ord(c)
    return 0x2600 <= n <= 0x27BF or 0x2B00 <= n <= 0x2BFF or n == 0xFE0F or 0x1F000 <= n <= 0x1FAFF


def _visible(text: str) -> str:
    out = []
    for i, c in enumerate(text):
        joins = 0 < i < len(text) - 1 and _emoji(text[i - 1]) and _emoji(text[i + 1])
        if c in _INVISIBLE or (c == "\u200d" and not joins):
            continue
        out.append(c)
    return "".join(out)


def cleaned(text: str) -> str:
    text = _CONTROL.sub("", text)
    text = _visible(text)
    text = _BREAKS.sub(" ", text)
    return unicodedata.normalize("NFC", text).strip()


def _usable(text: str) -> bool:
    """Valid record text: something left once cleaned, and no typed level symbol in front."""
    out = cleaned(text)
    return bool(out) and out[0] not in BULLETS and len(out) <= 500


# ---------------------------------------------------------------------------
# Strategies

NASTY = (
    "<",
    ">",
    "&",
    "&amp;",
    '"',
    "'",
    "{{",
    "}}",
    "{%",
    "%}",
    "{{ p.title }}",
    "{%p if x %}",
    "{%tr endfor %}",
    "]]>",
    "<![CDATA[",
    "</w:t>",
    "<w:br/>",
    "_x0041_",
    "=SUM(A1)",
    "😀",
    "👩‍👩‍👧",
    "\u200f",  # RIGHT-TO-LEFT MARK
    "\u202e",  # RIGHT-TO-LEFT OVERRIDE
    "\u200b",
    "\ufeff",
    "\u00a0",
    "\x07",
    "\x1b",
    "\x00",
    "\x85",
    "\t",
    "\n",
    "\r\n",
    "\u2028",
    " ",
    "  ",
    "\\",
    "%",
    "مرحبا",
)

hangul = st.text(
    alphabet=st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3), min_size=1, max_size=6
)
segments = st.one_of(
    st.sampled_from(NASTY),
    hangul,
    hangul.map(lambda s: unicodedata.normalize("NFD", s)),  # as macOS pastes it
    st.text(max_size=6),  # arbitrary Unicode (no lone surrogates: JSON is UTF-8)
    st.text(alphabet="abcXYZ0129 .,()-·", min_size=1, max_size=8),
)
texts = st.lists(segments, min_size=1, max_size=5).map("".join).filter(_usable)

amounts = st.one_of(
    st.integers(0, 10**7),
    st.integers(0, 10**9).map(lambda cents: Decimal(cents).scaleb(-2)),  # up to 2 decimals
)


@st.composite
def amounts_up_to(draw: st.DrawFn, ceiling: int | Decimal) -> int | Decimal:
    if isinstance(ceiling, int) and draw(st.booleans()):
        return draw(st.integers(0, ceiling))
    cents = int(Decimal(ceiling) * 100)
    return Decimal(draw(st.integers(0, cents))).scaleb(-2)


@st.composite
def secured_amounts(draw: st.DrawFn) -> dict[str, Any]:
    secured = draw(amounts)
    cell: dict[str, Any] = {"secured": secured}
    if draw(st.integers(0, 3)):
        cell["executed"] = draw(amounts_up_to(secured))
    return cell


def _sources(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, dict[str, Any]]]:
    return st.dictionaries(
        st.sampled_from(FUNDING_SOURCES),
        st.dictionaries(st.sampled_from(COLUMN_KEYS), values, max_size=4),
        max_size=3,
    )


@st.composite
def budgets(draw: st.DrawFn) -> dict[str, Any]:
    plan_names = draw(st.lists(texts, max_size=3, unique_by=cleaned))
    secured_names = draw(st.lists(texts, max_size=2, unique_by=cleaned))
    return {
        "plan": [{"name": n, "sources": draw(_sources(amounts))} for n in plan_names],
        "secured": [
            {"name": n, "sources": draw(_sources(secured_amounts()))} for n in secured_names
        ],
    }


@st.composite
def item_lists(
    draw: st.DrawFn, inherited: Period | None, depth: int = 0, max_items: int = 3
) -> list[dict[str, Any]]:
    """Items and their children, three levels at most; a later period only where allowed."""
    out = []
    for _ in range(draw(st.integers(1, max_items))):
        item: dict[str, Any] = {"text": draw(texts)}
        if draw(st.integers(0, 4)) == 0:
            item["note"] = True
        effective = inherited
        if inherited is not None and draw(st.integers(0, 3)) == 0:
            effective = draw(st.sampled_from([p for p in ALL_PERIODS if p >= inherited]))
            item["period"] = str(effective)
        if depth < 2 and draw(st.integers(0, 2)) == 0:
            item["children"] = draw(item_lists(effective, depth + 1, 2))
        out.append(item)
    return out


@st.composite
def people(draw: st.DrawFn) -> dict[str, str]:
    return {"name": draw(texts), "phone": draw(texts)}


@st.composite
def period_reports(draw: st.DrawFn, non_budget: bool) -> dict[str, Any]:
    report: dict[str, Any] = {}
    if draw(st.integers(0, 9)) == 0:
        report["draft"] = True
    if draw(st.booleans()):
        report["status"] = draw(st.sampled_from(SETTINGS.statuses))
    if draw(st.booleans()):
        report["contacts"] = {
            role: draw(people()) for role in ("manager", "team_leader", "officer")
        }
    if draw(st.booleans()):
        report["participation"] = draw(
            st.dictionaries(
                st.sampled_from(PARTICIPATION_KEYS),
                st.one_of(st.none(), st.integers(0, 10**6)),
                max_size=5,
            )
        )
    if draw(st.booleans()):
        if draw(st.booleans()):
            report["problems"] = {"general": draw(item_lists(None, 1, 2))}
        else:
            shape = draw(st.sampled_from(["both", "problems", "measures"]))
            report["problems"] = {
                key: draw(item_lists(None, 1, 2))
                for key in ("problems", "measures")
                if shape in ("both", key)
            }
    if not non_budget and draw(st.integers(0, 2)):
        report["budget"] = draw(budgets())
    return report


def _near(focus: Period) -> st.SearchStrategy[Period]:
    """A half-year of the term, often the report's own or just before it."""
    near = [p for p in HALF_YEARS if focus.shift(-2) <= p <= focus]
    return st.one_of(st.sampled_from(near), st.sampled_from(HALF_YEARS))


@st.composite
def pledges(draw: st.DrawFn, pledge_id: str, focus: Period) -> dict[str, Any]:
    non_budget = draw(st.integers(0, 3)) == 0
    record: dict[str, Any] = {
        "$schema": "schema/pledge.schema.json",
        "id": pledge_id,
        "title": draw(texts),
        "department": draw(texts),
        "non_budget": non_budget,
        "year_headings": draw(st.booleans()),
        "achievements": [],
        "plans": [],
        "reports": {},
    }
    for _ in range(draw(st.integers(0, 3))):
        period = draw(st.one_of(st.sampled_from(ALL_PERIODS), _near(focus)))
        group: dict[str, Any] = {"period": str(period), "entries": draw(item_lists(period))}
        if draw(st.integers(0, 9)) == 0:
            group["draft"] = True
        record["achievements"].append(group)
    for _ in range(draw(st.integers(0, 2))):
        period = draw(_near(focus))
        record["plans"].append({"period": str(period), "entries": draw(item_lists(period))})
    for period in draw(st.lists(_near(focus), max_size=3, unique=True)):
        record["reports"][str(period)] = draw(period_reports(non_budget))
    return record


ids = st.tuples(st.integers(1, 12), st.integers(1, 12), st.integers(1, 120)).map(
    lambda t: "-".join(map(str, t))
)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Period, dict[str, dict[str, Any]]]:
    period = draw(st.sampled_from(HALF_YEARS))
    pledge_ids = draw(st.lists(ids, min_size=1, max_size=3, unique=True))
    return period, {pid: draw(pledges(pid, period)) for pid in pledge_ids}


# ---------------------------------------------------------------------------
# Writing records and reading outputs


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        as_float = float(value)
        assert Decimal(repr(as_float)) == value, value  # JSON carries it exactly
        return as_float
    raise TypeError(type(value))


def _dump(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2, default=_json_default)


def _write(directory: Path, records: dict[str, dict[str, Any]]) -> Path:
    return write_records(directory, {pid: _dump(rec) for pid, rec in records.items()})


def docx_text(data: bytes) -> str:
    """Every paragraph of the body (tables and nested tables included), one per line."""
    document = docx.Document(io.BytesIO(data))
    body = document.element.body
    return "\n".join(Paragraph(p, document).text for p in body.iter(qn("w:p")))


def _padded(pledge_id: str) -> str:
    return "-".join(f"{int(part):02d}" for part in pledge_id.split("-"))


def _dec(value: Any) -> Decimal:
    """A stored cell value as a Decimal: the float's shortest repr is the figure written."""
    if value is None:
        return Decimal(0)
    assert isinstance(value, int | float) and not isinstance(value, bool), value
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def _total(values: Iterable[Any]) -> Decimal:
    return sum((Decimal(v) for v in values), Decimal(0))


def budget_as_of(record: dict[str, Any], period: Period) -> dict[str, Any] | None:
    """The budget the report of ``period`` shows: the latest recorded at or before it."""
    if record["non_budget"]:
        return None
    recorded = [
        (Period.parse(key), report["budget"])
        for key, report in record["reports"].items()
        if "budget" in report and Period.parse(key) <= period
    ]
    return max(recorded, key=lambda pair: pair[0])[1] if recorded else None


def _find_row(ws: Any, text: str, col: int = 1) -> int:
    for (cell,) in ws.iter_rows(min_col=col, max_col=col):
        if cell.value == text:
            return int(cell.row)
    raise AssertionError(f"{text!r} not in column {col} of sheet {ws.title}")


def _blocks(ws: Any, first: int) -> list[dict[str, int]]:
    """Sub-project blocks below a table's 계 row: [{label: row}], a block opens at 국비."""
    blocks: list[dict[str, int]] = []
    r = first
    while (label := ws.cell(r, 2).value) in (*FUNDING_SOURCES, "소계"):
        if label == FUNDING_SOURCES[0]:
            blocks.append({})
        assert blocks and label not in blocks[-1], (ws.title, r, label)
        blocks[-1][label] = r
        r += 1
    assert ws.cell(r, 2).value is None, (ws.title, r, ws.cell(r, 2).value)
    return blocks


def check_plan_table(ws: Any, subprojects: list[dict[str, Any]]) -> Decimal:
    """Every 계 of □ 연도별 투자계획 is the sum of the recorded figures; returns the grand 계."""
    top = _find_row(ws, "□ 연도별 투자계획(사업비)")
    head, total_row = top + 1, top + 2
    assert [ws.cell(head, 4 + i).value for i in range(len(COLUMNS))] == [c.label for c in COLUMNS]
    # The 계 row as the booklet prints it: the name cell blank, 계 under 구분.
    assert (ws.cell(total_row, 1).value, ws.cell(total_row, 2).value) == (None, "계")
    blocks = _blocks(ws, total_row + 1)
    assert len(blocks) == len(subprojects), (ws.title, blocks)
    for sub, rows in zip(subprojects, blocks, strict=True):
        sources = sub["sources"]
        assert set(rows) - {"소계"} == set(FUNDING_SOURCES)
        for source in FUNDING_SOURCES:
            cols = sources.get(source, {})
            r = rows[source]
            assert _dec(ws.cell(r, 3).value) == _total(cols.values()), (ws.title, r, source)
            for i, key in enumerate(COLUMN_KEYS):
                stored = ws.cell(r, 4 + i).value
                if key in cols:
                    assert _dec(stored) == Decimal(cols[key]), (ws.title, r, key)
                else:
                    assert stored is None, (ws.title, r, key, stored)
        with_figures = [s for s in FUNDING_SOURCES if sources.get(s)]
        assert ("소계" in rows) == (len(with_figures) > 1), (ws.title, rows, with_figures)
        if "소계" in rows:
            r = rows["소계"]
            everything = [v for cols in sources.values() for v in cols.values()]
            assert _dec(ws.cell(r, 3).value) == _total(everything), (ws.title, r)
            for i, key in enumerate(COLUMN_KEYS):
                column = [cols[key] for cols in sources.values() if key in cols]
                assert _dec(ws.cell(r, 4 + i).value) == _total(column), (ws.title, r, key)
    grand = _total(
        v for sub in subprojects for cols in sub["sources"].values() for v in cols.values()
    )
    assert _dec(ws.cell(total_row, 3).value) == grand, ws.title
    for i, key in enumerate(COLUMN_KEYS):
        column = [
            cols[key] for sub in subprojects for cols in sub["sources"].values() if key in cols
        ]
        assert _dec(ws.cell(total_row, 4 + i).value) == _total(column), (ws.title, key)
    return grand


def check_secured_table(ws: Any, subprojects: list[dict[str, Any]]) -> tuple[Decimal, Decimal]:
    """Every 계 of □ 연도별 확보(집행)액, 확보 and 집행 apart; returns the grand 계 of both."""
    top = _find_row(ws, "□ 연도별 확보(집행)액")
    head, sub_head, total_row = top + 1, top + 2, top + 3
    assert ws.cell(head, 3).value == "계"
    assert [ws.cell(head, 5 + 2 * i).value for i in range(len(COLUMNS))] == [
        c.label for c in COLUMNS
    ]
    assert (ws.cell(sub_head, 3).value, ws.cell(sub_head, 4).value) == ("확보", "집행")
    blocks = _blocks(ws, total_row + 1)
    assert len(blocks) == len(subprojects), (ws.title, blocks)

    def parts(cells: Iterable[dict[str, Any]]) -> tuple[Decimal, Decimal]:
        cells = list(cells)
        return _total(c["secured"] for c in cells), _total(c.get("executed", 0) for c in cells)

    for sub, rows in zip(subprojects, blocks, strict=True):
        sources = sub["sources"]
        for source in FUNDING_SOURCES:
            cols = sources.get(source, {})
            r = rows[source]
            got, done = parts(cols.values())
            assert (_dec(ws.cell(r, 3).value), _dec(ws.cell(r, 4).value)) == (got, done), (
                ws.title,
                r,
                source,
            )
            for i, key in enumerate(COLUMN_KEYS):
                if key in cols:
                    assert _dec(ws.cell(r, 5 + 2 * i).value) == Decimal(cols[key]["secured"])
                    executed = ws.cell(r, 6 + 2 * i).value
                    if "executed" in cols[key]:
                        assert _dec(executed) == Decimal(cols[key]["executed"])
                    else:
                        assert executed is None
        if "소계" in rows:
            r = rows["소계"]
            everything = [c for cols in sources.values() for c in cols.values()]
            assert (_dec(ws.cell(r, 3).value), _dec(ws.cell(r, 4).value)) == parts(everything)
    everything = [
        c for sub in subprojects for cols in sub["sources"].values() for c in cols.values()
    ]
    grand = parts(everything)
    assert (_dec(ws.cell(total_row, 3).value), _dec(ws.cell(total_row, 4).value)) == grand
    for i, key in enumerate(COLUMN_KEYS):
        column = [
            cols[key] for sub in subprojects for cols in sub["sources"].values() if key in cols
        ]
        stored = (
            _dec(ws.cell(total_row, 5 + 2 * i).value),
            _dec(ws.cell(total_row, 6 + 2 * i).value),
        )
        assert stored == parts(column), (ws.title, key)
    return grand


def check_workbook(data: bytes, records: dict[str, dict[str, Any]], period: Period) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    summary = wb["총괄"]
    sums = [Decimal(0)] * 3
    for pid, record in records.items():
        r = _find_row(summary, pid)
        if record["non_budget"]:
            assert pid not in wb.sheetnames
            assert summary.cell(r, 4).value == "비예산"
            continue
        budget = budget_as_of(record, period)
        # Nothing recorded yet: the form's empty frame, one block of blank sources.
        plan = budget["plan"] if budget is not None else [{"sources": {}}]
        secured = budget["secured"] if budget is not None else [{"sources": {}}]
        planned = check_plan_table(wb[pid], plan)
        got, done = check_secured_table(wb[pid], secured)
        stored = [_dec(summary.cell(r, c).value) for c in (4, 5, 6)]
        assert stored == [planned, got, done], (pid, stored)
        sums = [a + b for a, b in zip(sums, stored, strict=True)]
    r = _find_row(summary, "합계")
    assert [_dec(summary.cell(r, c).value) for c in (4, 5, 6)] == sums


# ---------------------------------------------------------------------------
# The properties


@CI
@given(case=cases())
def test_any_valid_records_build_and_keep_every_line_and_figure(
    case: tuple[Period, dict[str, dict[str, Any]]],
) -> None:
    period, records = case
    with tempfile.TemporaryDirectory() as tmp:
        first = render_report(period, _write(Path(tmp) / "a", records), TEMPLATES)
        # Again, from another copy: no path, clock or dict order may reach the bytes.
        second = render_report(period, _write(Path(tmp) / "b", records), TEMPLATES)
    assert first.files.keys() == second.files.keys()
    for name in first.files:
        assert first.files[name] == second.files[name], f"{name} differs between two renders"

    pledge_files = {
        pid: [n for n in first.files if n.startswith(f"{PLEDGE_DIR}/{_padded(pid)} ")]
        for pid in records
    }
    assert all(len(names) == 1 for names in pledge_files.values()), pledge_files
    booklets = [n for n in first.files if "/" not in n and n.endswith(".docx")]
    workbooks = [n for n in first.files if n.endswith(".xlsx")]
    assert len(booklets) == 1 and len(workbooks) == 1 and MANIFEST in first.files
    assert len(first.files) == len(records) + 3

    # The view of the *uncleaned* records says what each page shows.
    raw = sorted(
        (Pledge.model_validate(rec) for rec in records.values()),
        key=lambda p: pledge_sort_key(p.id),
    )
    report = report_view(raw, period, SETTINGS)
    booklet = docx_text(first.files[booklets[0]])
    for view in report.pledges:
        own = docx_text(first.files[pledge_files[view.id][0]])
        lines = [line for row in view.progress for line in row.lines]
        lines += [line for _heading, section in view.problems.sections for line in section]
        assert lines  # every row prints at least its "nothing recorded" line
        for line in lines:
            text = cleaned(line.text)
            assert text in own, (view.id, text)
            assert text in booklet, (view.id, text)

    check_workbook(first.files[workbooks[0]], records, period)


# -- Period ------------------------------------------------------------------

years4 = st.integers(1000, 9999)
halves = st.sampled_from([1, 2, None])
periods = st.builds(Period, years4, halves)
half_years = st.builds(Period, years4, st.sampled_from([1, 2]))


@given(p=periods, q=periods)
def test_period_order_is_total_and_follows_the_calendar(p: Period, q: Period) -> None:
    assert sum([p < q, p == q, p > q]) == 1
    assert (p < q) == ((p.ordinal, p.is_year) < (q.ordinal, q.is_year))
    assert (p == q) == (str(p) == str(q))
    if not (p.is_year or q.is_year):
        assert (p < q) == ((p.year, p.half) < (q.year, q.half))


@given(p=periods)
def test_period_text_round_trips(p: Period) -> None:
    assert Period.parse(str(p)) == p
    assert Period.parse(f" {p} ") == p
    if not p.is_year:
        assert Period.half_year(str(p)) == p


@given(p=half_years, a=st.integers(-200, 200), b=st.integers(-200, 200))
def test_period_shift_round_trips(p: Period, a: int, b: int) -> None:
    moved = p.shift(a)
    assert not moved.is_year
    assert moved.shift(-a) == p
    assert moved.shift(b) == p.shift(a + b)
    assert moved.ordinal - p.ordinal == a
    assert (moved > p) == (a > 0) and (moved < p) == (a < 0)
    assert p.next.previous == p == p.previous.next
    assert sorted([p.shift(2), p, p.shift(-1)]) == [p.shift(-1), p, p.shift(2)]


# -- format_amount -----------------------------------------------------------

_GROUPED = re.compile(r"^\d{1,3}(,\d{3})*(\.\d*[1-9])?$")


@given(value=amounts)
def test_format_amount_round_trips(value: int | Decimal) -> None:
    amount = Decimal(value)
    text = format_amount(amount)
    assert Decimal(text.replace(",", "")) == amount
    assert _GROUPED.match(text), text  # thousands grouped, no trailing zeros, no exponent
    assert format_amount(None) == ""


@given(
    value=st.decimals(min_value=0, allow_nan=False, allow_infinity=False, places=None).filter(
        lambda d: len(d.as_tuple().digits) <= 28  # decimal's default context precision
    )
)
def test_format_amount_round_trips_any_non_negative_decimal(value: Decimal) -> None:
    text = format_amount(value)
    assert "E" not in text.upper(), text
    assert Decimal(text.replace(",", "")) == value


def test_format_amount_keeps_every_digit_of_a_long_figure() -> None:
    value = Decimal("37673764072181455397752.092025")  # 29 significant digits, found by Hypothesis
    assert Decimal(format_amount(value).replace(",", "")) == value
