"""up_to_date() reads only the input files that stat() does not see as the last run recorded them.

A run records each record and template file it read, as lstat() saw it
before and after (device, inode, size, modification and change time), with
the digest the manifest lists (:func:`reportgen.build._inputs_proven`). The
next run reads only the files seen otherwise: an edit moves the change time
even when the size and modification time are put back; a file saved over
another is another inode. The first file found changed ends the comparison.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from pathlib import Path

import pytest

from reportgen import build as pipeline
from reportgen.build import build
from reportgen.records.periods import Period
from reportgen.workspace import output

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PERIOD = Period.parse("2022H1")


@pytest.fixture
def ws(six_pledges: Path) -> Path:
    return six_pledges


@pytest.fixture
def read(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The input files up_to_date() reads."""
    names: list[str] = []
    real = pipeline.read_member

    def spy(root: Path, name: str, limit: int | None = None) -> bytes | None:
        names.append(name)
        return real(root, name, limit)

    monkeypatch.setattr(pipeline, "read_member", spy)
    return names


def _build(ws: Path) -> object:
    return build(PERIOD, ws / "records", TEMPLATES, ws / "out", workers=1)


def _settle() -> None:
    # A person's edit comes ticks of the file clock after the build read the file.
    time.sleep(0.05)


def test_nothing_is_read_when_nothing_changed(ws: Path, read: list[str]):
    assert _build(ws) is not None
    _settle()
    read.clear()
    assert _build(ws) is None
    assert read == []


def test_only_the_changed_record_is_read(ws: Path, read: list[str]):
    assert _build(ws) is not None
    _settle()
    path = ws / "records" / "1-1-4.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    _settle()
    read.clear()
    assert _build(ws) is not None
    assert read == ["1-1-4.json"]  # found changed: nothing else is read
    read.clear()
    assert _build(ws) is None and read == []  # the rebuild recorded it as it read it


def test_a_record_changed_in_the_tick_of_the_build_is_read_again(
    ws: Path, read: list[str], monkeypatch: pytest.MonkeyPatch
):
    """Changed in the tick of the file clock the build looked in: a change after it would keep its change time."""
    assert _build(ws) is not None
    _settle()
    path = ws / "records" / "1-1-4.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    with monkeypatch.context() as tick:
        tick.setattr(output, "_file_clock", lambda: path.stat().st_ctime_ns)
        assert _build(ws) is not None  # not recorded: as new as the clock
    _settle()
    read.clear()
    assert _build(ws) is None and read == ["1-1-4.json"]  # read, found unchanged, recorded
    read.clear()
    assert _build(ws) is None and read == []


def test_an_edit_with_its_times_put_back_is_seen(ws: Path, read: list[str]):
    assert _build(ws) is not None
    _settle()
    path = ws / "records" / "1-1-2.json"
    before = path.stat()
    text = path.read_text(encoding="utf-8")
    # The same size, another department of the same length; the times put back.
    department = json.loads(text)["department"]
    data = text.replace(f'"{department}"', f'"{department[::-1]}"').encode("utf-8")
    assert data != text.encode("utf-8") and len(data) == before.st_size
    with open(path, "r+b") as fh:
        fh.truncate(0)
        fh.write(data)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    read.clear()
    assert _build(ws) is not None
    assert read == ["1-1-2.json"]


def test_the_same_bytes_saved_over_a_record_are_read_and_still_up_to_date(
    ws: Path, read: list[str]
):
    assert _build(ws) is not None
    _settle()
    path = ws / "records" / "1-1-3.json"
    shutil.copy2(path, ws / "copy.json")
    os.replace(ws / "copy.json", path)  # another inode, the same bytes and times
    read.clear()
    assert _build(ws) is None
    assert read == ["1-1-3.json"]


@pytest.mark.parametrize("how", ["added", "removed"])
def test_a_record_added_or_removed_is_not_up_to_date(ws: Path, read: list[str], how: str):
    assert _build(ws) is not None
    _settle()
    if how == "added":
        shutil.copy(ws / "records" / "1-1-3.json", ws / "records" / "x.json")
    else:
        (ws / "records" / "1-1-3.json").unlink()
    read.clear()
    assert (
        pipeline.up_to_date(
            PERIOD,
            ws / "records",
            TEMPLATES,
            pipeline.claim(ws / "out", keeper=pipeline.codecache),
        )
        is False
    )
    assert read == []  # the names alone tell


def test_a_template_changed_is_read(ws: Path, read: list[str]):
    templates = ws / "templates"
    shutil.copytree(TEMPLATES, templates)
    _settle()
    assert build(PERIOD, ws / "records", templates, ws / "out", workers=1) is not None
    _settle()
    read.clear()
    assert build(PERIOD, ws / "records", templates, ws / "out", workers=1) is None
    assert read == []
    (templates / "workbook.xlsx").write_bytes((templates / "workbook.xlsx").read_bytes())
    _settle()
    assert build(PERIOD, ws / "records", templates, ws / "out", workers=1) is None
    assert read == ["workbook.xlsx"]  # rewritten with the same bytes: read, and unchanged


def _change_one(ws: Path) -> None:
    path = ws / "records" / "1-1-4.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def _build_and_record(ws: Path) -> None:
    assert _build(ws) is not None
    _settle()
    # Nothing to do: the run records every file of the output as it proved it
    # (the first build left out those written in the last tick before its swap).
    assert _build(ws) is None


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every output file whose bytes the build reads (read_proven, read_member, Taken.read)."""
    from reportgen.formats import render

    names: list[str] = []
    for module in (output, render):
        real = module.read_proven

        def spy(root: Path, name: str, *a: object, real: object = real) -> object:
            names.append(name)
            return real(root, name, *a)  # type: ignore[operator]

        monkeypatch.setattr(module, "read_proven", spy)
    real_member = output.read_member

    def spy_member(root: Path, name: str, limit: int | None = None) -> bytes | None:
        names.append(name)
        return real_member(root, name, limit)

    monkeypatch.setattr(output, "read_member", spy_member)
    real_read = output.Taken.read

    def spy_read(self: output.Taken) -> bytes:
        names.append(self.name)
        return real_read(self)

    monkeypatch.setattr(output.Taken, "read", spy_read)
    return names


def test_the_files_taken_back_are_linked_unread_and_the_output_is_a_cold_builds(
    ws: Path, reads: list[str]
):
    """A one-pledge rebuild hands the 5 unchanged pledge files to publish by reference.

    None of them is read (their digests are the record's, their sizes
    stat()'s), each is the old output's file linked, and the output with its
    manifest is byte for byte what a cold build of the same records writes.
    """
    _build_and_record(ws)
    before = {p.name: p.stat().st_ino for p in (ws / "out" / "공약별").iterdir()}
    _change_one(ws)
    _settle()
    reads.clear()
    assert _build(ws) is not None
    pledges = sorted((ws / "out" / "공약별").iterdir())
    assert len(pledges) == 6
    assert not [n for n in reads if n.startswith("공약별/")]
    linked = [p.name for p in pledges if before.get(p.name) == p.stat().st_ino]
    assert len(linked) == 5 and not any("1-1-4" in n for n in linked)
    manifest = json.loads((ws / "out" / "manifest.json").read_text(encoding="utf-8"))
    for name, found in manifest["files"].items():
        assert hashlib.sha256((ws / "out" / name).read_bytes()).hexdigest() == found
    assert build(PERIOD, ws / "records", TEMPLATES, ws / "cold", workers=1) is not None
    assert _tree(ws / "cold") == _tree(ws / "out")


def _edit_before_publish(monkeypatch: pytest.MonkeyPatch, ws: Path, body: bytes | None) -> Path:
    """Overwrite an unchanged pledge's file of the old output after it was taken, before publish."""
    victim = next(p for p in (ws / "out" / "공약별").iterdir() if "1-1-2" in p.name)
    real = pipeline.publish

    def edit_then_publish(*a: object, **k: object) -> None:
        data = victim.read_bytes()
        victim.write_bytes(body if body is not None else data)
        real(*a, **k)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "publish", edit_then_publish)
    return victim


def test_a_taken_file_edited_before_publish_stops_the_build_and_changes_nothing(
    ws: Path, monkeypatch: pytest.MonkeyPatch
):
    from reportgen.workspace.output import TakenFileChanged

    _build_and_record(ws)
    _change_one(ws)
    _settle()
    victim = _edit_before_publish(monkeypatch, ws, b"edited by hand")
    old = _tree(ws / "out")
    with pytest.raises(TakenFileChanged) as caught:
        _build(ws)
    assert victim.name in str(caught.value) and "다시 실행하십시오" in str(caught.value)
    after = _tree(ws / "out")
    # The old output as it was (with the hand edit, which is not reportgen's to undo).
    assert after == {**old, f"공약별/{victim.name}": b"edited by hand"}
    assert not [p for p in ws.iterdir() if p.name.startswith(".reportgen-tmp-")]


def test_a_taken_file_saved_again_with_its_bytes_is_read_checked_and_published(
    ws: Path, monkeypatch: pytest.MonkeyPatch
):
    _build_and_record(ws)
    _change_one(ws)
    _settle()
    victim = _edit_before_publish(monkeypatch, ws, None)
    data = victim.read_bytes()
    assert _build(ws) is not None
    assert (ws / "out" / "공약별" / victim.name).read_bytes() == data
    monkeypatch.undo()
    assert build(PERIOD, ws / "records", TEMPLATES, ws / "cold", workers=1) is not None
    assert _tree(ws / "cold") == _tree(ws / "out")


def test_digest_of_is_only_for_the_very_bytes_given(tmp_path: Path):
    from reportgen.formats.render import PreviousBuild
    from reportgen.workspace.output import manifest_bytes, publish

    body = b"P" * 4000
    files = {"a.docx": body}
    manifest = manifest_bytes(
        files, version="t", period="2022H1", records={}, templates={}, render_keys={"a.docx": "k"}
    )
    publish(tmp_path / "out", {**files, "manifest.json": manifest})
    previous = PreviousBuild(tmp_path / "out")
    given = previous.get("k")
    assert given == body
    assert previous.digest_of(given) == hashlib.sha256(body).hexdigest()
    copy = given[:1] + given[1:]
    assert copy == given and copy is not given
    assert previous.digest_of(copy) is None  # equal bytes, another object: hashed
    assert previous.digest_of(body) is None


def test_the_fingerprint_reads_each_librarys_version_as_importlib_metadata_does():
    from importlib import metadata

    from reportgen.workspace import fingerprint

    for library in (*fingerprint.LIBRARIES, "reportgen", "no-such-library-here"):
        try:
            expected = metadata.version(library)
        except metadata.PackageNotFoundError:
            expected = "absent"
        assert fingerprint._version(library) == expected
