"""publish() links a file the new output shares with the old one, and never a changed one.

A rebuild publishes its unchanged files as hard links to the old output's,
checked against how :func:`claim` saw them when it hashed them (stat, not a
second read). A file someone wrote after that is written anew from the
build's bytes, and the edited file is left as it was.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from reportgen.workspace import output
from reportgen.workspace.output import claim, publish
from tests.outputs import sample_files


def test_an_unchanged_file_is_linked_not_written(tmp_path: Path):
    out = tmp_path / "out"
    publish(out, sample_files())
    inode = (out / "sub/b.docx").stat().st_ino
    owned = claim(out)
    assert set(owned.seen) == {"a.docx", "sub/b.docx"}
    publish(owned, sample_files())
    assert (out / "sub/b.docx").stat().st_ino == inode
    assert (out / "sub/b.docx").read_bytes() == b"B" * 7000


@pytest.mark.parametrize("how", ["write", "write, then its old times put back"])
def test_a_file_written_after_the_claim_is_written_anew(tmp_path: Path, how: str):
    out = tmp_path / "out"
    publish(out, sample_files())
    owned = claim(out)
    # A kernel without fine-grained file times stamps a write with the
    # clock's last tick: the edit comes a few ticks after the claim's read,
    # as a person's does.
    time.sleep(0.05)
    edited = out / "a.docx"
    before = edited.stat()
    with open(edited, "r+b") as fh:  # same size, other bytes: only the contents differ
        fh.write(b"Z")
    if how != "write":
        os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    old = out / "a.docx"
    kept = os.open(old, os.O_RDONLY)  # the edited file, wherever the swap moves it
    try:
        publish(owned, sample_files())
        assert (out / "a.docx").read_bytes() == b"A" * 5000
        assert os.fstat(kept).st_ino != (out / "a.docx").stat().st_ino
        assert os.pread(kept, 2, 0) == b"ZA"  # the edit itself untouched
    finally:
        os.close(kept)


def test_without_what_stat_saw_the_linked_file_is_hashed_again(tmp_path: Path, monkeypatch):
    out = tmp_path / "out"
    publish(out, sample_files())
    owned = claim(out)
    owned.seen.clear()  # as for a file that changed while claim() read it
    hashed: list[str] = []
    real = output.file_digest_seen

    def spy(root: Path, name: str) -> tuple[str | None, output.Seen | None]:
        hashed.append(name)
        return real(root, name)

    monkeypatch.setattr(output, "file_digest_seen", spy)
    publish(owned, sample_files())
    assert sorted(hashed) == ["a.docx", "b.docx"]
    assert (out / "a.docx").read_bytes() == b"A" * 5000


def test_a_write_that_fails_while_files_are_linked_leaves_the_old_output(
    tmp_path: Path, monkeypatch
):
    """The links are made in the calling thread while the pool writes: a failed write still fails the whole."""
    from reportgen.errors import OutputError

    out = tmp_path / "out"
    many = {f"sub/{i:03d}.docx": bytes([i]) * 3000 for i in range(40)}
    publish(out, sample_files(**many))
    before = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    owned = claim(out)
    real_open = open

    def failing_open(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "w" in mode and str(file).endswith("a.docx"):
            raise OSError(28, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    with pytest.raises(OutputError, match="빈 공간|No space left"):
        publish(owned, sample_files(**many, **{"a.docx": b"C" * 5000}))
    monkeypatch.undo()
    after = {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
