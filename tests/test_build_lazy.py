"""A rebuild after one pledge changed reads, of every other pledge, only what the report's
totals need: the parts of the view made on first use (reportgen.bulk.made_on_first_use)
stay unmade for every pledge whose pages the previous build gives back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import reportgen.build
from reportgen.build import build
from reportgen.bulk import Deferred
from reportgen.records.load import RecordSet
from reportgen.records.periods import Period
from reportgen.records.validate import check
from reportgen.report.carried import pledge_views
from reportgen.report.view import MoneyTable, PledgeView, ReportView, assemble_report, report_view

from .conftest import REPO
from .synthetic import write_synthetic_records

TEMPLATES = REPO / "templates"
H1 = Period.parse("2022H1")
PLEDGE_PARTS = ("contacts", "progress", "problems", "indicator_table", "indicator_year_table")
MONEY_PARTS = ("rows", "widths", "weights", "table")


def _made(view: PledgeView) -> list[str]:
    found = [name for name in PLEDGE_PARTS if name in vars(view)]
    for table in (view.plan_table, view.secured_table):
        found += [f"{table.kind}.{name}" for name in MONEY_PARTS if name in vars(table)]
    return found


@pytest.mark.parametrize(
    "records",
    [REPO / "records", *(p for p in sorted((REPO / "examples").iterdir()) if p.is_dir())],
    ids=lambda p: p.name,
)
def test_a_money_tables_height_is_counted_without_making_its_rows(records: Path) -> None:
    found, _warnings = check(records)
    assert found.settings is not None
    for period in sorted({p for pledge in found.pledges for p in pledge.reports if not p.is_year}):
        report = report_view(found.pledges, period, found.settings)
        for view in report.pledges:
            for table in (view.plan_table, view.secured_table):
                height = table.height
                assert "rows" not in vars(table)
                assert height == len(table.rows), (view.id, period, table.kind)


def test_a_hand_made_money_tables_height_is_its_rows() -> None:
    report = report_view(*_shipped_inputs())
    table: MoneyTable = report.pledges[0].plan_table
    copy = MoneyTable(
        table.title,
        table.unit,
        table.kind,
        table.column_labels,
        table.column_keys,
        rows=table.rows[:1],
        grand_total=table.grand_total,
        non_budget=table.non_budget,
        recorded=table.recorded,
    )
    assert copy.height == 1


def _shipped_inputs() -> tuple:  # type: ignore[type-arg]
    records, _ = check(REPO / "records")
    assert records.settings is not None
    return records.pledges, H1, records.settings


def test_a_one_pledge_rebuild_makes_nothing_of_the_pledges_it_takes_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The default formats: each pledge's DOCX, the booklet by part, the workbook
    # by sheet. (The HWPX booklet and the website still lay out every pledge.)
    formats = ("docx", "xlsx")
    records = tmp_path / "records"
    write_synthetic_records(records, 30)
    out = tmp_path / "out"
    build(H1, records, TEMPLATES, out, workers=1, formats=formats)
    cold = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    path = records / "1-1-1.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "바뀐부서"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    seen: list[ReportView] = []
    read: list[RecordSet] = []

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(assemble_report(*args, **kwargs))
        return seen[-1]

    def views(records, *args, **kwargs):  # type: ignore[no-untyped-def]
        read.append(records)
        return pledge_views(records, *args, **kwargs)

    monkeypatch.setattr(reportgen.build, "assemble_report", watched)
    monkeypatch.setattr(reportgen.build, "pledge_views", views)
    result = build(H1, records, TEMPLATES, out, workers=1, formats=formats)
    assert result is not None
    report = seen[0]
    changed = [v for v in report.pledges if v.id == "1-1-1"]
    assert changed and _made(changed[0])  # laid out: its parts were made
    made = {v.id: _made(v) for v in report.pledges if v.id != "1-1-1"}
    assert made and all(parts == [] for parts in made.values()), {
        k: v for k, v in made.items() if v
    }
    # Nor were their records typed: their views came back from the last build.
    typed = [f.id for f in read[0].files if f.typed]
    assert typed == ["1-1-1"]
    carried = [v for v in report.pledges if v.id != "1-1-1"]
    assert all(type(vars(v)["_asof"]) is Deferred for v in carried)

    # And the rebuild is the cold build of the changed records, byte for byte.
    fresh = tmp_path / "fresh"
    monkeypatch.undo()
    build(H1, records, TEMPLATES, fresh, workers=1, formats=formats)
    rebuilt = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    again = {p.relative_to(fresh): p.read_bytes() for p in fresh.rglob("*") if p.is_file()}
    assert rebuilt == again
    assert rebuilt != cold
    shutil.rmtree(fresh)


def test_a_build_with_nothing_to_take_back_makes_every_view(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Into a new folder every pledge is laid out: a view taken back would only
    # make its parts again, from the record, in each process that lays it out.
    records = tmp_path / "records"
    write_synthetic_records(records, 6)
    build(H1, records, TEMPLATES, tmp_path / "first", workers=1, formats=("docx",))
    seen: list[ReportView] = []

    def watched(*args, **kwargs):  # type: ignore[no-untyped-def]
        seen.append(assemble_report(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(reportgen.build, "assemble_report", watched)
    build(H1, records, TEMPLATES, tmp_path / "second", workers=1, formats=("docx",))
    assert seen and not any(type(vars(v)["_asof"]) is Deferred for v in seen[0].pledges)
