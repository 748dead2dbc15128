"""A workbook rebuilt after one pledge changed is the cold build's, byte for byte.

The rebuild reuses every unchanged pledge sheet and the frame by key, still
deflated, takes back each unchanged pledge's rows of the 총괄 and 재원별 sheets
as the previous build wrote them (their shared strings numbered anew), and a
summary sheet that comes out as before; whatever kind of change it is, the
workbook must be the one a build from scratch of the same records writes (its
live formulas, shared strings and sheet list alike). The rebuild runs in this
process (one worker) so that the rows it took back can be counted.
"""

from __future__ import annotations

import json
import re
import shutil
import time
import zlib
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reportgen.build import build
from reportgen.formats import ooxml, xlsx
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import report_view

from .synthetic import write_synthetic_records

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PERIOD = Period.parse("2022H1")


def _edit(records: Path, change: Callable[[dict[str, Any]], None]) -> str:
    """Change the first pledge that has a budget plan this period; its id."""
    for path in sorted(records.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        report = record.get("reports", {}).get(str(PERIOD))
        if record.get("id") and report and report.get("budget", {}).get("plan"):
            change(record)
            path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            return str(record["id"])
    raise AssertionError("no pledge with a budget plan in the synthetic records")


def _report(record: dict[str, Any]) -> dict[str, Any]:
    report: dict[str, Any] = record["reports"][str(PERIOD)]
    return report


def _figure(record: dict[str, Any]) -> None:
    sources = _report(record)["budget"]["plan"][0]["sources"]
    source = next(iter(sources))
    year = next(iter(sources[source]))
    sources[source][year] = sources[source][year] + 7


def _status(record: dict[str, Any]) -> None:
    report = _report(record)
    report["status"] = "정상추진" if report.get("status") != "정상추진" else "이행후계속추진"


def _department(record: dict[str, Any]) -> None:
    record["department"] = record["department"] + "팀"


def _new_source(record: dict[str, Any]) -> None:
    # A source of report.json's funding_sources this plan row did not use yet.
    sources = _report(record)["budget"]["plan"][0]["sources"]
    unused = [s for s in ("국비", "도비", "시비", "기타") if s not in sources]
    sources[unused[0]] = {"2022": 11}


def _workbooks(out: Path) -> dict[str, bytes]:
    found = {p.name: p.read_bytes() for p in out.rglob("*.xlsx")}
    assert found, f"no workbook in {out}"
    return found


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REPORTGEN_NO_CACHE", raising=False)
    write_synthetic_records(tmp_path / "records", 6)
    return tmp_path


def _build(records: Path, out: Path, workers: int | None = None) -> None:
    build(PERIOD, records, TEMPLATES, out, workers=workers)


def _pledge_sheets(workbook: bytes) -> set[str]:
    """The names of a workbook's pledge sheets (every sheet but the summary sheets)."""
    listed = ooxml.read_package(workbook)["xl/workbook.xml"].decode("utf-8")
    names = set(re.findall(r'<sheet name="([^"]*)"', listed))
    return {n for n in names if n not in xlsx.RESERVED_SHEETS and not n.endswith("부서별")}


@pytest.fixture
def taken(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Each pledge whose summary rows a build took back, counted once per sheet."""
    found: Counter[str] = Counter()
    row = xlsx._Kept.row

    def spy(self: Any, r: int, pledge_id: str) -> Any:
        kept = row(self, r, pledge_id)
        if kept is not None:
            found[pledge_id] += 1
        return kept

    monkeypatch.setattr(xlsx._Kept, "row", spy)
    return found


@pytest.mark.parametrize(
    "kind", ["figure", "status", "department", "new_source", "added", "removed"]
)
def test_a_rebuild_after_one_pledge_changed_is_the_cold_build(
    ws: Path, kind: str, taken: Counter[str]
):
    records = ws / "records"
    _build(records, ws / "out")
    assert not taken, "a cold build took rows back"
    changed = None
    time.sleep(0.05)  # an edit comes ticks of the file clock after the build read the file
    if kind == "added":
        source = sorted(p for p in records.glob("*.json") if p.name != "report.json")[0]
        record = json.loads(source.read_text(encoding="utf-8"))
        record["id"] = "9-9-9"
        record["title"] = record["title"] + " (추가)"
        (records / "9-9-9.json").write_text(
            json.dumps(record, ensure_ascii=False), encoding="utf-8"
        )
        changed = "9-9-9"
    elif kind == "removed":
        last = sorted(p for p in records.glob("*.json") if p.name != "report.json")[-1]
        changed = json.loads(last.read_text(encoding="utf-8"))["id"]
        last.unlink()
    else:
        change = {
            "figure": _figure,
            "status": _status,
            "department": _department,
            "new_source": _new_source,
        }[kind]
        changed = _edit(records, change)
    before = _workbooks(ws / "out")
    _build(records, ws / "out", workers=1)
    rebuilt = _workbooks(ws / "out")
    assert rebuilt != before, "the change did not reach the workbook"
    # Every unchanged pledge's rows were taken back, on both sheets; the changed one's written.
    (workbook,) = rebuilt.values()
    unchanged = _pledge_sheets(workbook) - {changed}
    assert unchanged, "no unchanged pledge sheet to take rows back for"
    assert taken == Counter({pledge_id: 2 for pledge_id in unchanged})
    shutil.rmtree(ws / "cache", ignore_errors=True)
    _build(records, ws / "cold")
    assert rebuilt == _workbooks(ws / "cold")


def _deflated(data: bytes) -> ooxml.Deflated:
    co = zlib.compressobj(6, zlib.DEFLATED, -15)
    return ooxml.Deflated(zlib.crc32(data), len(data), co.compress(data) + co.flush())


def test_a_kept_row_is_taken_only_for_its_own_pledge(tmp_path: Path, taken: Counter[str]):
    """A row whose first text is not its pledge's id is written, not taken; a damaged part is not read.

    The rows are found by a key of the layout and each pledge's sheet key; the
    id is checked besides, and a part whose entry lies about its bytes is left.
    """
    write_synthetic_records(tmp_path / "records", 5)
    records = load_records(tmp_path / "records")
    assert records.settings is not None
    report = report_view(records.pledges, PERIOD, records.settings)
    template = TEMPLATES / "workbook.xlsx"
    keys = {view.id: f"key-{view.id}" for view in report.pledges}
    cold, part_keys = xlsx.build_workbook(report, template, keys, None, "frame")
    before = ooxml.deflated_parts(cold)
    by_key = {key: before[part] for part, key in part_keys.items()}
    again, _keys = xlsx.build_workbook(report, template, keys, by_key.get, "frame")
    assert again == cold
    assert taken == Counter({view.id: 2 for view in report.pledges})
    # The second pledge's 총괄 row names the first pledge's id: it is written anew.
    summary = ooxml.read_package(cold)["xl/worksheets/sheet1.xml"].decode("utf-8")
    first, second = (
        re.search(rf'<c r="A{r}" s="[0-9]+" t="s"><v>([0-9]+)</v>', summary) for r in (6, 7)
    )
    assert first is not None and second is not None
    swapped = summary.replace(second.group(0), second.group(0).replace(second[1], first[1]))
    lied = dict(by_key)
    lied[part_keys["xl/worksheets/sheet1.xml"]] = _deflated(swapped.encode("utf-8"))
    taken.clear()
    again, _keys = xlsx.build_workbook(report, template, keys, lied.get, "frame")
    assert again == cold
    second_id = report.pledges[1].id
    assert taken[second_id] == 1 and sum(taken.values()) == 2 * len(report.pledges) - 1
    # A row referring to a shared string the previous table does not have: written anew.
    beyond = summary.replace(second.group(0), second.group(0).replace(second[1], "99999"))
    lied[part_keys["xl/worksheets/sheet1.xml"]] = _deflated(beyond.encode("utf-8"))
    taken.clear()
    again, _keys = xlsx.build_workbook(report, template, keys, lied.get, "frame")
    assert again == cold
    assert taken[second_id] == 1 and sum(taken.values()) == 2 * len(report.pledges) - 1
    # An entry whose bytes are not what its CRC says: no row of it is taken.
    real = before["xl/worksheets/sheet1.xml"]
    lied[part_keys["xl/worksheets/sheet1.xml"]] = ooxml.Deflated(
        real.crc, real.size, _deflated(b"x" * real.size).packed
    )
    taken.clear()
    again, _keys = xlsx.build_workbook(report, template, keys, lied.get, "frame")
    assert again == cold
    assert taken == Counter({view.id: 1 for view in report.pledges})  # 재원별's alone
    # The other way round: 총괄's rows kept, 재원별's written (their 집행률 refers to 총괄's).
    listed = ooxml.read_package(cold)["xl/workbook.xml"].decode("utf-8")
    names = re.findall(r'<sheet name="([^"]*)"', listed)
    sources = f"xl/worksheets/sheet{names.index(xlsx.SOURCES_SHEET) + 1}.xml"
    lied = dict(by_key)
    lied[part_keys[sources]] = ooxml.Deflated(
        before[sources].crc, before[sources].size, _deflated(b"x").packed
    )
    taken.clear()
    again, _keys = xlsx.build_workbook(report, template, keys, lied.get, "frame")
    assert again == cold
    assert taken == Counter({view.id: 1 for view in report.pledges})  # 총괄's alone


def _indicator(name: str, target: int) -> dict[str, Any]:
    return {"name": name, "unit": "개", "target": target, "results": {str(PERIOD): target // 3}}


@pytest.mark.parametrize("kind", ["figure", "indicator_added"])
def test_indicator_rows_are_taken_back_where_they_begin_as_before(
    ws: Path, kind: str, taken: Counter[str]
):
    """성과지표: a pledge's rows (one per indicator) are kept where they begin on the same row.

    An indicator added to the first pledge moves every later pledge's rows down
    one: those are written anew, their 총괄 and 재원별 rows still kept.
    """
    records = ws / "records"
    counts: dict[str, int] = {}
    for i, path in enumerate(sorted(p for p in records.glob("*.json") if p.name != "report.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        record["indicators"] = [_indicator(f"지표 {k}", 90 + 30 * k) for k in range(1 + i % 3)]
        counts[record["id"]] = len(record["indicators"])
        path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    _build(records, ws / "out")
    time.sleep(0.05)

    def add_indicator(record: dict[str, Any]) -> None:
        record["indicators"].append(_indicator("지표 추가", 40))

    changed = _edit(records, _figure if kind == "figure" else add_indicator)
    _build(records, ws / "out", workers=1)
    (rebuilt,) = _workbooks(ws / "out").values()
    listed = ooxml.read_package(rebuilt)["xl/workbook.xml"].decode("utf-8")
    assert f'<sheet name="{xlsx.INDICATORS_SHEET}"' in listed
    shutil.rmtree(ws / "cache", ignore_errors=True)
    _build(records, ws / "cold")
    assert _workbooks(ws / "out") == _workbooks(ws / "cold")
    unchanged = _pledge_sheets(rebuilt) - {changed}
    assert unchanged
    moved = kind == "indicator_added"  # the changed pledge comes first: the others move
    assert taken == Counter(
        {pledge_id: 2 + (0 if moved else counts[pledge_id]) for pledge_id in unchanged}
    )


def test_a_sheet_part_with_kept_rows_is_the_one_written_whole():
    """SheetPart: rows kept from a previous part give its bytes; a kept row written to is refused."""
    from reportgen.formats.xlsxsheet import KeptRow, SharedStrings, SheetPart, sheet_rows

    def written(first: str) -> SheetPart:
        ws = SheetPart("총괄")
        ws.write_string(0, 0, "제목", 1)
        for r in range(1, 40):
            ws.write_string(r, 0, f"{first if r == 1 else ''}{r}", 2)
            ws.write_formula(r, 3, f"=SUM(B{r + 1}:C{r + 1})", 3, r)
        return ws

    before_table = SharedStrings()
    before = written("").part(before_table)
    items = [item for item in before_table.index]
    rows = sheet_rows(before)
    # Row 2's text changes (a new string above the rest): the kept rows are renumbered.
    for first in ("", "새 "):
        again = SheetPart("총괄")
        full = written(first)
        again.write_string(0, 0, "제목", 1)
        again.rows[1] = full.rows[1]
        for r in range(2, 40):
            again.keep_row(r, KeptRow(before, *rows[r], items))
        table, whole = SharedStrings(items), SharedStrings()
        assert again.part(table) == full.part(whole)
        assert table.part() == whole.part() and table.in_step == (first == "")
    again.write_string(5, 1, "x", 1)
    with pytest.raises(ValueError):
        again.part(SharedStrings(items))
