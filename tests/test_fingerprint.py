"""The code's fingerprint (reportgen.workspace.fingerprint): kept in the user's cache only
while stat() shows everything it was made from unchanged; any change is hashed again."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from reportgen.workspace import fingerprint, usercache


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A package of three files in place of reportgen, and a cache of its own."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REPORTGEN_NO_CACHE", raising=False)
    root = tmp_path / "pkg"
    (root / "formats" / "__pycache__").mkdir(parents=True)
    (root / "__init__.py").write_text("VERSION = 1\n")
    (root / "formats" / "page.html").write_text("<p>{{ x }}</p>\n")
    (root / "formats" / "notes.txt").write_text("not a resource\n")
    (root / "formats" / "__pycache__" / "x.py").write_text("compiled, never hashed\n")
    monkeypatch.setattr(fingerprint, "PACKAGE", root)
    # Seen long after their last change: each is settled (the test with
    # file_clock 0 shows the other side).
    monkeypatch.setattr(fingerprint, "file_clock", lambda: 2**62)
    fingerprint.code_fingerprint.cache_clear()
    yield root
    fingerprint.code_fingerprint.cache_clear()


def _hashed(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    real = fingerprint._hash

    def spy(sources, python):  # type: ignore[no-untyped-def]
        calls.append(len(sources))
        return real(sources, python)

    monkeypatch.setattr(fingerprint, "_hash", spy)
    return calls


def _again() -> str:
    fingerprint.code_fingerprint.cache_clear()  # as a new process would
    return fingerprint.code_fingerprint()


def test_a_kept_fingerprint_is_the_one_hashed(package: Path, monkeypatch: pytest.MonkeyPatch):
    hashed = _hashed(monkeypatch)
    first = fingerprint.code_fingerprint()
    assert hashed == [2]  # __init__.py and page.html; not notes.txt nor __pycache__
    assert _again() == first and hashed == [2]  # taken from the cache, not hashed
    monkeypatch.setenv("REPORTGEN_NO_CACHE", "1")
    assert _again() == first and hashed == [2, 2]  # hashed anew: the same


def test_an_edit_is_hashed_again_even_with_its_times_put_back(
    package: Path, monkeypatch: pytest.MonkeyPatch
):
    hashed = _hashed(monkeypatch)
    first = fingerprint.code_fingerprint()
    source = package / "__init__.py"
    before = source.stat()
    source.write_text("VERSION = 2\n")  # the same size
    os.utime(source, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert source.stat().st_mtime_ns == before.st_mtime_ns
    changed = _again()
    assert changed != first and len(hashed) == 2  # its change time moved


def test_a_new_source_file_changes_the_fingerprint(package: Path):
    first = fingerprint.code_fingerprint()
    (package / "formats" / "site.css").write_text("p { color: black }\n")
    assert _again() != first


def test_a_library_installed_where_python_finds_libraries_is_seen(
    package: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    libraries = tmp_path / "site-packages"
    libraries.mkdir()
    monkeypatch.setattr(sys, "path", [str(libraries), *sys.path])
    hashed = _hashed(monkeypatch)
    fingerprint.code_fingerprint()
    _again()
    assert len(hashed) == 1
    (libraries / "jinja2-9.9.dist-info").mkdir()  # pip installs: the directory changes
    _again()
    assert len(hashed) == 2


def test_files_changed_within_the_clocks_tick_are_not_kept(
    package: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(fingerprint, "file_clock", lambda: 0)  # every file is as new as now
    hashed = _hashed(monkeypatch)
    first = fingerprint.code_fingerprint()
    assert _again() == first and len(hashed) == 2  # hashed each time: nothing was kept


def test_a_damaged_entry_is_not_used(package: Path, monkeypatch: pytest.MonkeyPatch):
    first = fingerprint.code_fingerprint()
    where = usercache.directory()
    assert where is not None
    (entry,) = where.glob("fingerprint-*.bin")
    usercache.store(entry.stem, ["not", "a", "fingerprint"])
    hashed = _hashed(monkeypatch)
    assert _again() == first and len(hashed) == 1
