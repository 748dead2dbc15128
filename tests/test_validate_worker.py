"""check()'s two ways to go faster change nothing but the time.

A large record set is validated partly in a forked worker
(:class:`reportgen.records.validate._Worker`). These tests force it on small
sets and compare with one process: the same records, and the same problems in
the same order, whatever the files hold, wherever the worker's share begins,
and when the worker dies half-way. A memo of earlier checks
(:class:`reportgen.records.validate._Known`) is compared the same way: cold,
warm, after a file, report.json or the language changed, damaged, and with
the worker.
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
from tests.memo import MemoryMemo
from tests.synthetic import write_synthetic_records

PLEDGES = 40  # the worker takes the last 27 (WORKER_SHARE), the first 13 stay here


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
    monkeypatch.setattr(validate, "can_fork", lambda workers: workers != 1)
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


def _outcome(
    directory: Path, workers: int | None, period: Period | None = None, memo: Any = None
) -> Any:
    try:
        records, warnings = check(directory, period, workers=workers, memo=memo)
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

    first = PLEDGES - round(PLEDGES * validate.WORKER_SHARE)  # the worker's first file
    for path in files[first:]:
        _edit(path, earlier)
    outcome = _same(directory, _forking)
    assert outcome[0] == "valid"
    assert {p.file for p in outcome[1]} >= {p.name for p in files[first:]}
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


# ---------------------------------------------------------------------------
# The memo of earlier checks


@pytest.fixture(name="rules_run")
def _rules_run(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files whose pledge the rules were run on (in this process)."""
    ran: list[str] = []
    rules = validate._check_pledge

    def counted(pledge: Any, file: Path, form: Any, out: Any) -> None:
        ran.append(file.name)
        rules(pledge, file, form, out)

    monkeypatch.setattr(validate, "_check_pledge", counted)
    return ran


def _memo_same(directory: Path, memo: MemoryMemo, period: Period | None = None) -> Any:
    alone = _outcome(directory, 1, period)
    assert _outcome(directory, 1, period, memo) == alone
    return alone


def test_a_memo_warm_or_cold_changes_nothing(tmp_path, rules_run):
    directory, files = _records(tmp_path)
    _edit(files[3], _twice)
    _edit(files[4], _blank)  # not plain: never kept
    _edit(files[5], _no_plan)
    memo = MemoryMemo()
    outcome = _memo_same(directory, memo)  # cold: kept
    assert outcome[0] == "valid" and memo.stored == 1
    (entry,) = memo.entries.values()
    assert files[4].name not in {name for name, _ in entry}
    assert len(entry) == PLEDGES - 1
    rules_run.clear()
    assert _outcome(directory, 1, None, memo) == outcome  # warm
    assert rules_run == [files[4].name], "the kept pledges were checked again"
    assert memo.stored == 1, "an unchanged entry was written again"


def test_a_changed_file_or_report_json_is_checked_again(tmp_path, rules_run):
    directory, files = _records(tmp_path)
    memo = MemoryMemo()
    _memo_same(directory, memo)
    _edit(files[7], _twice)
    rules_run.clear()
    outcome = _memo_same(directory, memo)
    assert files[7].name in {p.file for p in outcome[1]}
    # The same bytes under another name: the file name is part of what is checked.
    (directory / "9-9-9.json").write_bytes(files[8].read_bytes())
    outcome = _memo_same(directory, memo)
    assert outcome[0] == "invalid"
    assert "9-9-9.json" in {p.file for p in outcome[1]}
    (directory / "9-9-9.json").unlink()
    # A status the settings no longer list: every pledge uses it.
    settings = json.loads((directory / "report.json").read_text(encoding="utf-8"))
    status = json.loads(files[0].read_text(encoding="utf-8"))["reports"]["2022H1"]["status"]
    settings["statuses"] = [s for s in settings["statuses"] if s != status]
    (directory / "report.json").write_text(json.dumps(settings, ensure_ascii=False))
    outcome = _memo_same(directory, memo)
    assert outcome[0] == "invalid" and len(outcome[1]) >= PLEDGES


def test_the_language_and_the_period_have_their_own_warnings(tmp_path, monkeypatch):
    directory, files = _records(tmp_path)
    _edit(files[1], _draft)
    _edit(files[2], _no_plan)
    memo = MemoryMemo()
    korean = _memo_same(directory, memo)
    monkeypatch.setenv("LANGUAGE", "en")
    monkeypatch.setenv("LC_ALL", "en_US.UTF-8")
    english = _memo_same(directory, memo)
    assert [p.message for p in english[1]] != [p.message for p in korean[1]]
    assert len(memo.entries) == 2
    _memo_same(directory, memo, Period.parse("2021H2"))
    _memo_same(directory, memo, Period.parse("2022H1"))


def test_a_damaged_memo_is_no_memo(tmp_path, rules_run):
    directory, files = _records(tmp_path)
    memo = MemoryMemo()
    _memo_same(directory, memo)
    (entry,) = memo.entries
    kept = memo.entries[entry]
    synopsis = ("1-1-1", (), "2022H1")
    for damaged in (
        "text",
        {key: "text" for key in kept},
        {key: ((), None, ()) for key in kept},  # an entry of before synopses
        {key: ((("$.id", "message", "fatal"),), None, (), synopsis) for key in kept},
        {key: ((("$.id", 3, "error"),), None, (), synopsis) for key in kept},
        {key: ((), 2022, (), synopsis) for key in kept},
        {key: ((), None, (), ("1-1-1", (), "2022H9")) for key in kept},
        {key: ((), None, (), ("1-1-1", ((0, 7),), None)) for key in kept},
        {key: ((), None, (), ("1-1-1", ((0,),), None)) for key in kept},
        {key: ((), None, (), (7, (), None)) for key in kept},
    ):
        memo.entries[entry] = damaged
        rules_run.clear()
        _memo_same(directory, memo)
        assert len(rules_run) == 2 * PLEDGES  # alone, then with the damaged memo


def test_a_memo_with_the_worker(tmp_path, _forking):
    directory, files = _records(tmp_path)
    memo = MemoryMemo()
    alone = _outcome(directory, 1)
    assert _outcome(directory, None, None, memo) == alone  # cold, with the worker
    assert len(_forking) == 1
    for i in (0, 10, 20, 30, 35):  # a few changed: too few for a worker
        _edit(files[i], _twice)
    alone = _outcome(directory, 1)
    assert _outcome(directory, None, None, memo) == alone
    assert len(_forking) == 1
    for path in files[5:]:  # most changed: the worker takes the last of those
        _edit(path, _draft)
    alone = _outcome(directory, 1)
    assert _outcome(directory, None, None, memo) == alone
    assert len(_forking) == 2
    _reaped(_forking[1])


def test_a_warm_check_types_no_plain_file(tmp_path, rules_run):
    """A plain file an earlier check kept is typed only when its model is read."""
    directory, files = _records(tmp_path)
    _edit(files[4], _blank)  # not plain: typed the full way every time
    memo = MemoryMemo()
    _memo_same(directory, memo)
    records, _warnings = check(directory, None, workers=1, memo=memo)
    typed = [f.path.name for f in records.files if f.typed]
    assert typed == [files[4].name]
    assert [f.id for f in records.files] == [p.id for p in records.pledges]  # typed now
    assert all(f.typed for f in records.files)


def _merged_into(target: str):  # type: ignore[no-untyped-def]
    def change(record: dict[str, Any]) -> None:
        record["adjustments"] = [
            {"kind": "변경", "period": "2022H1", "reason": "통합", "merged_into": target}
        ]

    return change


def test_the_rules_across_pledges_read_the_synopsis(tmp_path, rules_run):
    """Numbers used twice and merged_into of an unknown pledge: the same from a warm memo."""
    directory, files = _records(tmp_path)
    _edit(files[2], _merged_into("9-9-9"))  # not a pledge of these records: a warning
    _edit(files[3], _merged_into(json.loads(files[0].read_text(encoding="utf-8"))["id"]))
    memo = MemoryMemo()
    cold = _memo_same(directory, memo)
    assert cold[0] == "valid"
    assert "$.adjustments[0].merged_into" in [p.path for p in cold[1] if p.file == files[2].name]
    assert "$.adjustments[0].merged_into" not in [
        p.path for p in cold[1] if p.file == files[3].name
    ]
    warm = _memo_same(directory, memo)
    assert warm == cold
    # The same number twice: an error on both files, found from their synopses.
    twin = json.loads(files[5].read_text(encoding="utf-8"))["id"]
    _edit(files[6], lambda record: record.update(id=twin))
    first = _outcome(directory, 1)
    assert first[0] == "invalid"
    assert {p.file for p in first[1] if p.path == "$.id"} == {files[5].name, files[6].name}
    assert _outcome(directory, 1, None, memo) == first


def test_the_latest_period_comes_from_the_synopsis(tmp_path):
    directory, files = _records(tmp_path)
    _edit(files[9], lambda record: record["reports"].pop("2022H1"))
    memo = MemoryMemo()
    cold, _ = check(directory, None, workers=1, memo=memo)
    warm, _ = check(directory, None, workers=1, memo=memo)
    assert not any(f.typed for f in warm.files)
    assert validate.latest_period(warm) == validate.latest_period(cold) is not None
    assert not any(f.typed for f in warm.files)
    for f in warm.files:  # each pledge's own, as the settings' cut-off rule gives it
        latest = validate._latest([f.pledge], warm.settings)
        assert f.synopsis is not None and f.synopsis.latest == str(latest)
