"""Views carried from one build to the next (reportgen.report.carried) are the views made anew.

A view taken back from the memo must equal the one :func:`pledge_view` makes,
every field of it — the pages' parts included, which are made again from the
record when read — for every record set shipped and every period they
report; a changed record, report.json or period is viewed anew, and a damaged
entry is no entry.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest

from reportgen.bulk import Deferred
from reportgen.records.periods import Period
from reportgen.records.validate import check
from reportgen.report.carried import pledge_views
from reportgen.report.view import report_view

from .conftest import REPO
from .memo import MemoryMemo
from .synthetic import write_synthetic_records

H1 = Period.parse("2022H1")


@pytest.mark.parametrize(
    "records",
    [REPO / "records", *(p for p in sorted((REPO / "examples").iterdir()) if p.is_dir())],
    ids=lambda p: p.name,
)
def test_a_carried_view_is_the_view_made_anew(records: Path) -> None:
    found, _warnings = check(records)
    assert found.settings is not None
    periods = sorted({p for pledge in found.pledges for p in pledge.reports if not p.is_year})
    memo = MemoryMemo()
    for period in periods:
        made = pledge_views(found, period, memo)
        assert made == report_view(found.pledges, period, found.settings).pledges
    for period in periods:
        again, _ = check(records)
        views = pledge_views(again, period, memo)
        assert all(type(vars(v)["_asof"]) is Deferred for v in views)
        # Comparing reads every field: the pages' parts are made again, from the records.
        assert views == report_view(found.pledges, period, found.settings).pledges
        assert repr(views) == repr(report_view(found.pledges, period, found.settings).pledges)


def test_a_carried_views_height_needs_no_record(tmp_path: Path) -> None:
    records = tmp_path / "records"
    write_synthetic_records(records, 5)
    memo, checked = MemoryMemo(), MemoryMemo()
    found, _ = check(records, memo=checked)
    pledge_views(found, H1, memo)
    again, _ = check(records, memo=checked)  # plain records: typed when read
    views = pledge_views(again, H1, memo)
    heights = [t.height for v in views for t in (v.plan_table, v.secured_table)]
    assert not any(f.typed for f in again.files)
    assert heights == [len(t.rows) for v in views for t in (v.plan_table, v.secured_table)]
    assert all(f.typed for f in again.files)  # the rows were made from the records


def test_what_changed_is_viewed_anew(tmp_path: Path) -> None:
    records = tmp_path / "records"
    write_synthetic_records(records, 6)
    memo, checked = MemoryMemo(), MemoryMemo()
    found, _ = check(records, memo=checked)
    pledge_views(found, H1, memo)
    assert memo.stored == 1
    path = records / "1-1-2.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "바뀐부서"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    again, _ = check(records, memo=checked)
    views = pledge_views(again, H1, memo)
    assert [v.department for v in views if v.id == "1-1-2"] == ["바뀐부서"]
    assert [f.id for f in again.files if f.typed] == ["1-1-2"]
    assert views == report_view(again.pledges, H1, again.settings).pledges  # type: ignore[arg-type]
    assert memo.stored == 2
    # The same records again: nothing new to keep.
    pledge_views(again, H1, memo)
    assert memo.stored == 2
    # Another period, another report.json: their own entries, made anew.
    other = pledge_views(again, Period.parse("2021H2"), memo)
    assert other == report_view(again.pledges, Period.parse("2021H2"), again.settings).pledges  # type: ignore[arg-type]
    assert len(memo.entries) == 2
    settings = json.loads((records / "report.json").read_text(encoding="utf-8"))
    settings["city"] = "다른시"
    (records / "report.json").write_text(json.dumps(settings, ensure_ascii=False))
    third, _ = check(records)
    assert pledge_views(third, H1, memo) == report_view(third.pledges, H1, third.settings).pledges  # type: ignore[arg-type]
    assert len(memo.entries) == 3


def test_a_damaged_entry_is_no_entry(tmp_path: Path) -> None:
    records = tmp_path / "records"
    write_synthetic_records(records, 4)
    memo, checked = MemoryMemo(), MemoryMemo()
    found, _ = check(records, memo=checked)
    expected = pledge_views(found, H1, memo)
    (entry,) = memo.entries
    kept = memo.entries[entry]
    fields, states = pickle.loads(next(iter(kept.values())))
    for damaged in (
        "text",
        {key: "text" for key in kept},
        {key: b"not a pickle" for key in kept},
        {key: pickle.dumps(({}, states)) for key in kept},
        {key: pickle.dumps((fields, states[:1])) for key in kept},
        {key: pickle.dumps((fields, [(s, "3") for s, _ in states])) for key in kept},
    ):
        memo.entries[entry] = damaged
        again, _ = check(records, memo=checked)
        assert not any(f.typed for f in again.files)
        views = pledge_views(again, H1, memo)
        assert all(f.typed for f in again.files)  # each made anew
        assert views == expected
        assert memo.entries[entry] == kept  # and kept right again


def test_carry_false_makes_every_view_anew_and_keeps_them(tmp_path: Path) -> None:
    records = tmp_path / "records"
    write_synthetic_records(records, 4)
    memo, checked = MemoryMemo(), MemoryMemo()
    found, _ = check(records, memo=checked)
    first = pledge_views(found, H1, memo, carry=False)
    assert memo.stored == 1
    again, _ = check(records, memo=checked)
    made = pledge_views(again, H1, memo, carry=False)
    assert not any(type(vars(v)["_asof"]) is Deferred for v in made)
    assert made == first and memo.stored == 1
    taken = pledge_views(again, H1, memo)
    assert all(type(vars(v)["_asof"]) is Deferred for v in taken)
    assert taken == first
