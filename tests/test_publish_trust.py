"""claim() trusts a file stat() sees exactly as reportgen recorded it after publishing it, and no other.

The record (:func:`reportgen.workspace.output.remember_output`, kept in the
per-user cache) holds each file's device, inode, size, modification and
change time. A rebuild's claim() hashes only the files not seen so: an edit
moves the change time even when the size and modification time are put
back, and nobody can set a change time back; a replaced file is another inode.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest

from reportgen.errors import OutputError
from reportgen.formats import codecache
from reportgen.workspace import output
from reportgen.workspace.output import (
    MANIFEST,
    Claim,
    Staging,
    claim,
    manifest_bytes,
    publish,
    remember_output,
)
from tests.memo import MemoryMemo
from tests.outputs import sample_files


def _digests(files: dict[str, bytes]) -> dict[str, str]:
    return {name: output.sha256(data) for name, data in files.items()}


def _publish(out: Path, files: dict[str, bytes], keeper: MemoryMemo) -> Claim:
    """As a build publishes: under its claim, then recorded once the staging directory is gone."""
    owned = claim(out, keeper=keeper)
    with Staging(owned.target) as stage:
        publish(owned, files, stage, _digests(files))
    remember_output(owned)
    return owned


@pytest.fixture(autouse=True)
def paced(monkeypatch: pytest.MonkeyPatch) -> None:
    """The swap comes a few ticks of the clock after the files are written, as in a build.

    Files written in the very tick of the swap are not recorded (see
    test_a_file_written_in_the_swaps_tick_is_not_recorded); a build writes
    its files for tens of milliseconds before it swaps, these tests' tiny files
    take microseconds.
    """
    real = output._write_tree

    def write_tree(*args: Any, **kwargs: Any) -> Any:
        made = real(*args, **kwargs)
        time.sleep(0.02)
        return made

    monkeypatch.setattr(output, "_write_tree", write_tree)


@pytest.fixture
def hashed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names claim() (or a link check) reads and hashes."""
    names: list[str] = []
    real = output.file_digest_seen

    def spy(root: Path, name: str) -> tuple[str | None, output.Seen | None]:
        names.append(name)
        return real(root, name)

    monkeypatch.setattr(output, "file_digest_seen", spy)
    return names


def _settle() -> None:
    # A kernel without fine-grained file times stamps a change with the
    # clock's last tick: a person's edit comes ticks after reportgen's write.
    time.sleep(0.05)


def test_a_file_seen_as_recorded_is_not_hashed(tmp_path: Path, hashed: list[str]):
    out, keeper = tmp_path / "out", MemoryMemo()
    _publish(out, sample_files(), keeper)
    _settle()
    # Published by this very run: both files are known without a read.
    owned = claim(out, keeper=keeper)
    assert hashed == []
    assert owned.intact and owned.digests == {
        "a.docx": output.sha256(b"A" * 5000),
        "sub/b.docx": output.sha256(b"B" * 7000),
    }
    # Without the record (another user, REPORTGEN_NO_CACHE): hashed as always.
    again = claim(out)
    assert sorted(hashed) == ["a.docx", "sub/b.docx"]
    assert again.digests == owned.digests and again.intact


def test_a_rebuild_records_its_linked_and_written_files(tmp_path: Path, hashed: list[str]):
    out, keeper = tmp_path / "out", MemoryMemo()
    _publish(out, sample_files(), keeper)
    _settle()
    changed = sample_files(**{"a.docx": b"C" * 5000})  # a.docx written anew, sub/b.docx linked
    owned = _publish(out, changed, keeper)
    assert owned.made is not None and owned.made["sub/b.docx"][2] and not owned.made["a.docx"][2]
    _settle()
    hashed.clear()
    assert claim(out, keeper=keeper).intact
    assert hashed == []


@pytest.mark.parametrize("how", ["same size, old times put back", "appended"])
def test_an_edit_is_caught_whatever_its_times(tmp_path: Path, hashed: list[str], how: str):
    out, keeper = tmp_path / "out", MemoryMemo()
    _publish(out, sample_files(), keeper)
    _settle()
    edited = out / "a.docx"
    before = edited.stat()
    with open(edited, "r+b") as fh:
        if how == "appended":
            fh.seek(0, os.SEEK_END)
        fh.write(b"Z")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    after = edited.stat()
    assert after.st_mtime_ns == before.st_mtime_ns and after.st_ino == before.st_ino
    # The change time moved: the record no longer vouches for the file.
    with pytest.raises(OutputError) as refused:
        claim(out, keeper=keeper)
    assert "a.docx" in str(refused.value)
    assert hashed == ["a.docx"]
    assert edited.read_bytes().startswith(b"Z") or edited.read_bytes().endswith(b"Z")


def test_a_replaced_file_is_caught(tmp_path: Path, hashed: list[str]):
    out, keeper = tmp_path / "out", MemoryMemo()
    _publish(out, sample_files(), keeper)
    _settle()
    old = (out / "sub/b.docx").stat()
    # Another file of the same size and times, saved over it (as an editor saves).
    other = tmp_path / "other.docx"
    other.write_bytes(b"X" * 7000)
    os.utime(other, ns=(old.st_atime_ns, old.st_mtime_ns))
    os.replace(other, out / "sub/b.docx")
    assert (out / "sub/b.docx").stat().st_ino != old.st_ino
    with pytest.raises(OutputError):
        claim(out, keeper=keeper)
    assert hashed == ["sub/b.docx"]
    # The same bytes under a new inode are hashed, found intact, and recorded again.
    shutil.copy2(tmp_path / "out" / "a.docx", tmp_path / "copy")
    os.replace(tmp_path / "copy", out / "a.docx")
    (out / "sub/b.docx").write_bytes(b"B" * 7000)
    _settle()
    hashed.clear()
    owned = claim(out, keeper=keeper)
    assert sorted(hashed) == ["a.docx", "sub/b.docx"] and owned.intact
    remember_output(owned)  # nothing was published: what claim() proved
    hashed.clear()
    assert claim(out, keeper=keeper).intact and hashed == []


def test_a_record_that_does_not_fit_the_manifest_is_not_trusted(tmp_path: Path, hashed: list[str]):
    out, keeper = tmp_path / "out", MemoryMemo()
    _publish(out, sample_files(), keeper)
    _settle()
    # A manifest edited to list other digests: the record's are not the manifest's.
    doc = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    doc["files"]["a.docx"] = "0" * 64
    (out / MANIFEST).write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(OutputError):
        claim(out, keeper=keeper)
    assert hashed == ["a.docx"]


@pytest.mark.parametrize(
    "stored",
    [
        None,
        "garbage",
        ("/elsewhere", [], []),
        (None, [("a.docx", 1, 2, 3, 4, 5, "x" * 64)], []),
        ("TARGET", [("a.docx", "1", 2, 3, 4, 5, "x" * 64), ["sub/b.docx"]], []),
        ("TARGET", "not a list", []),
        ("TARGET", []),
    ],
)
def test_a_damaged_or_foreign_record_is_not_used(tmp_path: Path, hashed: list[str], stored: object):
    out, keeper = tmp_path / "out", MemoryMemo()
    _publish(out, sample_files(), keeper)
    (entry,) = keeper.entries
    if isinstance(stored, tuple) and stored[0] == "TARGET":
        stored = (os.fsdecode(output.real_path(out)), *stored[1:])
    keeper.entries[entry] = stored
    assert claim(out, keeper=keeper).intact
    assert sorted(hashed) == ["a.docx", "sub/b.docx"]


def test_a_file_written_in_the_swaps_tick_is_not_recorded(
    tmp_path: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
):
    """A change in the same tick of the clock as the last write keeps the change time: no record."""
    out, keeper = tmp_path / "out", MemoryMemo()
    _publish(out, sample_files(), keeper)
    _settle()
    monkeypatch.setattr(output, "_file_clock", lambda: 0)  # every file is as new as the swap
    _publish(out, sample_files(**{"a.docx": b"C" * 5000}), keeper)
    monkeypatch.undo()
    monkeypatch.setattr(output, "file_digest_seen", _spy_on(hashed))
    hashed.clear()
    claim(out, keeper=keeper)
    # The linked file was proven by claim() before: it is recorded as it is now.
    assert hashed == ["a.docx"]


def _spy_on(names: list[str]):  # type: ignore[no-untyped-def]
    real = output.file_digest_seen

    def spy(root: Path, name: str) -> tuple[str | None, output.Seen | None]:
        names.append(name)
        return real(root, name)

    return spy


def test_the_record_survives_the_per_user_cache(
    tmp_path: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REPORTGEN_NO_CACHE", raising=False)
    out = tmp_path / "out"
    owned = claim(out, keeper=codecache)
    with Staging(owned.target) as stage:
        publish(owned, sample_files(), stage, _digests(sample_files()))
    remember_output(owned)
    _settle()
    assert claim(out, keeper=codecache).intact and hashed == []
    monkeypatch.setenv("REPORTGEN_NO_CACHE", "1")
    assert claim(out, keeper=codecache).intact
    assert sorted(hashed) == ["a.docx", "sub/b.docx"]


def test_a_one_pledge_rebuild_hashes_nothing_it_published_and_catches_an_edit(
    tmp_path: Path, hashed: list[str], monkeypatch: pytest.MonkeyPatch
):
    """The whole build: claim() of a rebuild reads none of the files the previous build left."""
    from reportgen.build import build
    from reportgen.records.periods import Period

    from .synthetic import write_synthetic_records

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REPORTGEN_NO_CACHE", raising=False)
    records, out = tmp_path / "records", tmp_path / "out"
    templates = Path(__file__).resolve().parent.parent / "templates"
    write_synthetic_records(records, 6)
    period = Period.parse("2022H1")
    assert build(period, records, templates, out, workers=1) is not None
    listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    _settle()
    path = records / "1-1-2.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    hashed.clear()
    assert build(period, records, templates, out, workers=1) is not None
    assert [name for name in hashed if name in listed] == []
    _settle()
    hashed.clear()
    assert build(period, records, templates, out, workers=1) is None  # up to date
    assert hashed == []
    # An edit of the booklet that keeps its size and puts its times back.
    (booklet,) = [name for name in listed if name.endswith(".docx") and "/" not in name]
    before = (out / booklet).stat()
    with open(out / booklet, "r+b") as fh:
        byte = fh.read(101)[100]
        fh.seek(100)
        fh.write(bytes([byte ^ 1]))
    os.utime(out / booklet, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(OutputError) as refused:
        build(period, records, templates, out, workers=1)
    assert booklet in str(refused.value) and hashed == [booklet]


def test_the_previous_build_gives_back_a_recorded_file_unhashed_and_an_edited_one_not(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """PreviousBuild reads through read_proven: a file seen as recorded is its digest's bytes."""
    from reportgen.formats.render import PreviousBuild

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REPORTGEN_NO_CACHE", raising=False)
    out = tmp_path / "out"
    files = {"a.docx": b"A" * 5000, "b.docx": b"B" * 5000}
    files[MANIFEST] = manifest_bytes(
        files,
        version="t",
        period="2022H1",
        records={},
        templates={},
        render_keys={"a.docx": "ka", "b.docx": "kb"},
    )
    owned = claim(out, keeper=codecache)
    with Staging(owned.target) as stage:
        publish(owned, files, stage, _digests(files))
    remember_output(owned)
    _settle()
    edited = out / "b.docx"
    before = edited.stat()
    with open(edited, "r+b") as fh:
        fh.write(b"Z")
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    hashed: list[int] = []
    real = output.sha256

    def spy(data: bytes) -> str:
        if len(data) == 5000:  # the files, not the record's name
            hashed.append(len(data))
        return real(data)

    monkeypatch.setattr(output, "sha256", spy)
    previous = PreviousBuild(out)
    assert previous.get("ka") == b"A" * 5000 and hashed == []
    assert previous.get("kb") is None and hashed == [5000]  # hashed, and found edited


def test_a_manifest_read_again_unchanged_is_not_parsed_again_and_an_edited_one_is(
    tmp_path: Path,
):
    out = tmp_path / "out"
    publish(out, sample_files())
    _settle()
    first, _ = output.read_manifest(out)
    again, _ = output.read_manifest(out)
    assert first is not None and again is first
    path = out / MANIFEST
    before = path.stat()
    doc = json.loads(path.read_text(encoding="utf-8"))
    doc["period"] = "2021H2"  # the same length as 2022H1
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert len(text.encode()) == before.st_size
    with open(path, "r+", encoding="utf-8") as fh:
        fh.write(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    edited, _ = output.read_manifest(out)
    assert edited is not None and edited is not first and edited.data["period"] == "2021H2"


def test_a_change_time_of_a_coarse_file_system_must_lie_two_seconds_back():
    """ext3 and FAT stamp whole seconds: a change in the same second keeps the change time."""
    second = 1_700_000_000 * 1_000_000_000
    coarse = (1, 2, 3, second, second)
    assert not output._settled(coarse, second + 1_999_999_999)
    assert output._settled(coarse, second + 2_000_000_000)
    fine = (1, 2, 3, second + 123_456_789, second + 123_456_789)
    assert not output._settled(fine, second + 124_000_000)
    assert output._settled(fine, second + 124_456_789)


def test_read_proven_never_reads_through_a_folder_link_what_it_did_not_record(tmp_path: Path):
    out, keeper = tmp_path / "out", MemoryMemo()
    _publish(out, sample_files(), keeper)
    record = output._recorded(keeper, output.real_path(out))[0]
    digest = output.sha256(b"B" * 7000)
    assert output.read_proven(out, "sub/b.docx", digest, record) == b"B" * 7000
    # The folder swapped for a link to another one holding the same bytes: not
    # the recorded file, and not a plain member of the output either.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "b.docx").write_bytes(b"B" * 7000)
    (out / "sub").rename(tmp_path / "moved")
    (out / "sub").symlink_to(elsewhere)
    assert output.read_proven(out, "sub/b.docx", digest, record) is None
    assert output.read_proven(out, "sub/b.docx", digest, {}) is None
