"""A rebuild does not even read the record files stat() shows unchanged (records.load.Sources).

The build passes check() the record files lstat() sees exactly as the last
run recorded them, with their digests (:func:`reportgen.build.unchanged_records`).
With the memo of earlier checks, their bytes are never read: the memo, the
pages' keys and the manifest all go by the digest. Bytes asked for after all
are read then and must be those of the digest.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path

import pytest

from reportgen.build import build
from reportgen.records import load
from reportgen.records.load import RecordChanged, read_records
from reportgen.records.periods import Period
from reportgen.records.validate import check

from .memo import MemoryMemo

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PERIOD = Period.parse("2022H1")


@pytest.fixture
def ws(six_pledges: Path) -> Path:
    return six_pledges


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The record files read (by name), in order."""
    names: list[str] = []
    real = load._read_bytes

    def spy(directory: Path, name: str, root: Path | None = None) -> bytes | str:
        names.append(name)
        return real(directory, name, root)

    monkeypatch.setattr(load, "_read_bytes", spy)
    return names


def _build(ws: Path, out: str = "out") -> object:
    return build(PERIOD, ws / "records", TEMPLATES, ws / out, workers=1)


def _edit(path: Path, department: str) -> None:
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = department
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_rebuild_reads_only_the_changed_record(ws: Path, read: list[str]):
    assert _build(ws) is not None
    _build(ws)  # nothing changed: this run records how stat() saw every file
    time.sleep(0.05)
    _edit(ws / "records" / "1-1-4.json", "일자리경제과")
    time.sleep(0.05)
    read.clear()
    assert _build(ws) is not None
    assert read == ["report.json", "1-1-4.json"]  # report.json keys every memo: always read
    # The very files (manifest included) a cold build of the same records writes.
    shutil.rmtree(ws / "cache")
    assert _build(ws, "cold") is not None
    assert _tree(ws / "out") == _tree(ws / "cold")


def test_without_the_memo_every_record_is_read(ws: Path, read: list[str]):
    assert _build(ws) is not None
    _build(ws)
    time.sleep(0.05)
    _edit(ws / "records" / "1-1-4.json", "일자리경제과")
    time.sleep(0.05)
    shutil.rmtree(ws / "cache" / "reportgen")  # the memo of earlier checks is gone
    read.clear()
    assert _build(ws) is not None
    assert sorted(read) == sorted(
        p.name for p in (ws / "records").glob("*.json")
    )  # with report.json


def _digests(records: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in records.glob("*.json")
        if p.name != "report.json"
    }


def test_a_file_proven_unchanged_is_read_when_its_bytes_are_asked_for(ws: Path, read: list[str]):
    records = ws / "records"
    digests = _digests(records)
    memo = MemoryMemo()
    first, _ = check(records, PERIOD, workers=1, memo=memo)
    read.clear()
    again, _ = check(records, PERIOD, workers=1, memo=memo, unread=digests)
    assert read == ["report.json"]  # every pledge file known to the memo by its digest
    assert [again.digest(n) for n in digests] == [first.digest(n) for n in digests]
    name = next(iter(digests))
    assert again.sources[name] == (records / name).read_bytes()
    assert read == ["report.json", name]
    # Typing a pledge reads its file: the same pledge as the check that read it.
    assert [f.pledge for f in again.files] == [f.pledge for f in first.files]


def test_a_memo_miss_reads_the_file(ws: Path, read: list[str]):
    records = ws / "records"
    digests = _digests(records)
    read.clear()
    found, _ = check(records, PERIOD, workers=1, memo=MemoryMemo(), unread=digests)
    assert sorted(read) == sorted([*digests, "report.json"])  # nothing remembered: all read
    assert [found.digest(n) for n in sorted(digests)] == [digests[n] for n in sorted(digests)]


def test_a_file_changed_since_it_was_proven_is_an_error(ws: Path):
    records = ws / "records"
    digests = _digests(records)
    reading = read_records(records, unread=digests)
    name = sorted(digests)[0]
    _edit(records / name, "다른과")
    with pytest.raises(RecordChanged) as caught:
        reading.sources[name]
    assert name in caught.value.message and "다시 실행하십시오" in caught.value.message
