"""A workbook rebuilt after one pledge changed is the cold build's, byte for byte.

The rebuild reuses every unchanged pledge sheet and the frame by key, still
deflated, and takes back a summary sheet that comes out as before; whatever
kind of change it is, the workbook must be the one a build from scratch of the
same records writes (its live formulas, shared strings and sheet list alike).
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from reportgen.build import build
from reportgen.records.periods import Period

from .synthetic import write_synthetic_records

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PERIOD = Period.parse("2022H1")


def _edit(records: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Change the first pledge that has a budget plan this period."""
    for path in sorted(records.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        report = record.get("reports", {}).get(str(PERIOD))
        if record.get("id") and report and report.get("budget", {}).get("plan"):
            change(record)
            path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            return
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


def _build(records: Path, out: Path) -> None:
    build(PERIOD, records, TEMPLATES, out, workers=None)


@pytest.mark.parametrize(
    "kind", ["figure", "status", "department", "new_source", "added", "removed"]
)
def test_a_rebuild_after_one_pledge_changed_is_the_cold_build(ws: Path, kind: str):
    records = ws / "records"
    _build(records, ws / "out")
    time.sleep(0.05)  # an edit comes ticks of the file clock after the build read the file
    if kind == "added":
        source = sorted(p for p in records.glob("*.json") if p.name != "report.json")[0]
        record = json.loads(source.read_text(encoding="utf-8"))
        record["id"] = "9-9-9"
        record["title"] = record["title"] + " (추가)"
        (records / "9-9-9.json").write_text(
            json.dumps(record, ensure_ascii=False), encoding="utf-8"
        )
    elif kind == "removed":
        sorted(p for p in records.glob("*.json") if p.name != "report.json")[-1].unlink()
    else:
        change = {
            "figure": _figure,
            "status": _status,
            "department": _department,
            "new_source": _new_source,
        }[kind]
        _edit(records, change)
    before = _workbooks(ws / "out")
    _build(records, ws / "out")
    rebuilt = _workbooks(ws / "out")
    assert rebuilt != before, "the change did not reach the workbook"
    shutil.rmtree(ws / "cache", ignore_errors=True)
    _build(records, ws / "cold")
    assert rebuilt == _workbooks(ws / "cold")
