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

from .synthetic import write_synthetic_records

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
PERIOD = Period.parse("2022H1")


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REPORTGEN_NO_CACHE", raising=False)
    write_synthetic_records(tmp_path / "records", 6)
    _settle()
    return tmp_path


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


def test_the_files_taken_back_are_not_hashed_again_for_the_manifest(
    ws: Path, monkeypatch: pytest.MonkeyPatch
):
    """Their digests are the ones they were checked against as they were read; the manifest is a cold build's."""
    from reportgen.formats.render import PreviousBuild

    assert _build(ws) is not None
    path = ws / "records" / "1-1-4.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    vouched: list[str] = []
    real = PreviousBuild.digest_of

    def spy(self: PreviousBuild, data: bytes) -> str | None:
        found = real(self, data)
        if found is not None:
            vouched.append(found)
        return found

    monkeypatch.setattr(PreviousBuild, "digest_of", spy)
    assert _build(ws) is not None
    manifest = json.loads((ws / "out" / "manifest.json").read_text(encoding="utf-8"))
    pledges = {n: d for n, d in manifest["files"].items() if n.startswith("공약별/")}
    assert len(pledges) == 6 and len(vouched) == 5 and set(vouched) < set(pledges.values())
    # Every digest is the file's, and the manifest is the one a cold build writes.
    for name, found in manifest["files"].items():
        assert hashlib.sha256((ws / "out" / name).read_bytes()).hexdigest() == found
    assert build(PERIOD, ws / "records", TEMPLATES, ws / "cold", workers=1) is not None
    assert (ws / "cold" / "manifest.json").read_bytes() == (
        ws / "out" / "manifest.json"
    ).read_bytes()


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
