"""check() on two cores: the forked worker changes nothing but the time.

A large record set is validated partly in a forked worker
(:class:`reportgen.records.validate._Worker`). These tests force it on small
sets and compare with one process: the same records, and the same problems in
the same order, whatever the files hold, wherever the worker's share begins,
and when the worker dies half-way.
"""

from __future__ import annotations

import json
import os
import pickle
from pathlib import Path
from typing import Any

import pytest

from reportgen.errors import Problem, RecordsInvalid
from reportgen.records import validate
from reportgen.records.periods import Period
from reportgen.records.validate import check
from tests.synthetic import write_synthetic_records

PLEDGES = 40  # the worker takes the last 25 (WORKER_SHARE), the first 15 stay here


@pytest.fixture(autouse=True)
def _forking(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Fork for any set of more than a few files, and count the workers started."""
    started: list[int] = []
    start = validate._Worker.start

    def counted(*args: Any) -> validate._Worker | None:
        worker = start(*args)
        if worker is not None:
            started.append(worker.pid)
        return worker

    monkeypatch.setattr(validate, "PARALLEL_FILES", 8)
    monkeypatch.setattr(validate, "CHUNK", 4)  # several messages
    monkeypatch.setattr(validate, "_can_fork", lambda workers: workers != 1)
    monkeypatch.setattr(validate._Worker, "start", counted)
    return started


def _records(tmp_path: Path) -> tuple[Path, list[Path]]:
    directory = tmp_path / "records"
    write_synthetic_records(directory, PLEDGES)
    files = sorted((p for p in directory.glob("*.json") if p.name != "report.json"), key=str)
    files.sort(key=lambda p: p.name)
    return directory, files


def _edit(path: Path, change: Any) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    change(record)
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")


def _outcome(directory: Path, workers: int | None, period: Period | None = None) -> Any:
    try:
        records, warnings = check(directory, period, workers=workers)
    except RecordsInvalid as exc:
        return "invalid", exc.problems
    return "valid", warnings, records.origins, records.problems, records.sources


def _same(directory: Path, started: list[int], period: Period | None = None) -> Any:
    alone = _outcome(directory, 1, period)
    assert started == []
    forked = _outcome(directory, None, period)
    assert len(started) == 1, "the worker was not started"
    assert forked == alone
    _reaped(started[0])
    return alone


def _reaped(pid: int) -> None:
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def _twice(record: dict[str, Any]) -> None:
    """Two items with the same text: a warning of the rules."""
    entries = record["achievements"][0]["entries"]
    entries.insert(1, dict(entries[0]))


def _draft(record: dict[str, Any]) -> None:
    """A draft report: a warning of the rules and one of the report's sections."""
    record["reports"]["2022H1"]["draft"] = True


def _no_plan(record: dict[str, Any]) -> None:
    """No plan for the report: a section warning ('nothing recorded')."""
    record["plans"] = []


def _blank(record: dict[str, Any]) -> None:
    """A title with a blank in front: cleaned with a warning, so not plain."""
    record["title"] = " " + record["title"]


def _bad_status(record: dict[str, Any]) -> None:
    record["reports"]["2022H1"]["status"] = "엉터리"


def test_warnings_are_the_same_with_a_worker(tmp_path, _forking):
    directory, files = _records(tmp_path)
    _edit(files[2], _twice)  # here
    _edit(files[20], _twice)  # in the worker
    _edit(files[21], _draft)
    _edit(files[30], _no_plan)
    _edit(files[33], _blank)  # the worker leaves it to this process
    _edit(files[39], _draft)
    outcome = _same(directory, _forking)
    assert outcome[0] == "valid"
    warned = [p.file for p in outcome[1]]
    for i in (2, 20, 21, 30, 33, 39):
        assert files[i].name in warned, files[i].name
    assert len(outcome[2]) == PLEDGES


def test_errors_are_the_same_with_a_worker(tmp_path, _forking):
    directory, files = _records(tmp_path)
    _edit(files[1], _bad_status)
    _edit(files[25], _bad_status)
    _edit(files[26], _twice)
    _edit(files[27], _blank)
    files[30].write_text('{"id": "broken",', encoding="utf-8")  # no JSON
    files[31].write_bytes(b'{"id": "\xff"}')  # no UTF-8
    _edit(files[32], lambda r: r.update(title="\u0007" + r["title"]))  # a control character
    _edit(files[33], lambda r: r["reports"]["2022H1"].update(progress_rate=1e400))
    (directory / "zz-folder.json").mkdir()  # cannot be read
    outcome = _same(directory, _forking)
    assert outcome[0] == "invalid"
    named = {p.file for p in outcome[1]}
    for i in (1, 25, 26, 27, 30, 31, 32, 33):
        assert files[i].name in named, files[i].name
    assert "zz-folder.json" in named


def test_a_period_of_the_worker_that_is_not_the_latest(tmp_path, _forking):
    """The worker guesses the report's period from its own pledges; a wrong guess is redone here."""
    directory, files = _records(tmp_path)

    def earlier(record: dict[str, Any]) -> None:
        record["reports"] = {"2021H2": record["reports"]["2022H1"]}
        for group in record["plans"]:
            group["period"] = "2021H2"

    for path in files[PLEDGES // 2 :]:
        _edit(path, earlier)
    outcome = _same(directory, _forking)
    assert outcome[0] == "valid"
    assert {p.file for p in outcome[1]} >= {p.name for p in files[PLEDGES // 2 :]}
    # With the period given, the worker's guess is that period.
    _forking.clear()
    _same(directory, _forking, Period.parse("2022H1"))


def test_a_worker_that_dies_half_way_changes_nothing(tmp_path, monkeypatch, _forking):
    directory, files = _records(tmp_path)
    _edit(files[20], _twice)
    _edit(files[36], _twice)  # after the worker died
    work = validate._work

    def dying(reading: Any, indices: range, form: Any, period: Any, out: Any) -> None:
        work(reading, range(indices.start, indices.start + 6), form, period, out)
        out.write(pickle.dumps([(indices.start + 6, [])])[:5])  # a message cut short
        out.flush()
        os._exit(3)

    monkeypatch.setattr(validate, "_work", dying)
    outcome = _same(directory, _forking)
    assert outcome[0] == "valid"
    assert {files[20].name, files[36].name} <= {p.file for p in outcome[1]}


def test_the_worker_is_ended_when_the_check_fails(tmp_path, _forking):
    directory, _ = _records(tmp_path)
    with pytest.raises(Exception, match="2030H1"):
        check(directory, Period.parse("2030H1"))  # outside the term: raised before the rules
    assert len(_forking) == 1
    _reaped(_forking[0])


def test_small_sets_and_one_worker_do_not_fork(tmp_path, monkeypatch, _forking):
    directory, _ = _records(tmp_path)
    check(directory, workers=1)
    monkeypatch.setattr(validate, "PARALLEL_FILES", PLEDGES + 1)
    check(directory)
    assert _forking == []


def test_problems_compare_as_values():
    """The worker's problems come back pickled: they must compare equal to this process's."""
    problem = Problem("1-1-1.json", "$.id", "message")
    assert pickle.loads(pickle.dumps(problem)) == problem
