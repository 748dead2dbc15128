"""A department's workbook is hostile input (issue 27).

Each file below once hung ``intake import``, exhausted memory or ended in a
traceback. Now each is refused by ``reportgen intake import`` in a process of
its own: one line naming the file and saying in Korean what is wrong and what
to do, exit non-zero, the records unchanged, in under 10 s and 300 MB (peak
resident memory of the process, its own ``VmHWM`` (tests/peak.py); an address-space
limit keeps a regression from taking the machine down).
"""

from __future__ import annotations

import hashlib
import os
import re
import resource
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.intake import export_workbooks
from reportgen.records.periods import Period
from tests.peak import run_measured

ROOT = Path(__file__).resolve().parent.parent
SECONDS = 10.0
MEGABYTES = 300


def _tree(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _limit_memory() -> None:
    limit = 2 * 1024**3
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _import(records: Path, *files: Path) -> tuple[int, str, float, float]:
    """(exit code, stdout+stderr, seconds, peak MB) of ``reportgen intake import``."""
    env = {**os.environ, "LANG": "ko_KR.UTF-8", "LC_ALL": "", "LANGUAGE": ""}
    return run_measured(
        ["intake", "import", *map(str, files), "--records", str(records)],
        env=env,
        preexec_fn=_limit_memory,
        timeout=60,
    )


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The shipped records and a sound workbook exported from them (it imports)."""
    base = tmp_path_factory.mktemp("hostile")
    records = base / "records"
    shutil.copytree(ROOT / "records", records)
    books = export_workbooks(records, Period.half_year("2022H1"), None)
    name, data = sorted(books.items())[0]
    book = base / name
    book.write_bytes(data)
    return records, book


def _rewrite(
    book: Path,
    target: Path,
    change: Callable[[str, bytes], bytes | None],
    extra: Callable[[zipfile.ZipFile], None] | None = None,
) -> Path:
    """A copy of ``book`` with each part passed through ``change`` (None keeps it)."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info)
            changed = change(info.filename, data)
            dst.writestr(info.filename, data if changed is None else changed)
        if extra is not None:
            extra(dst)
    return target


def _first_sheet(book: Path) -> str:
    with zipfile.ZipFile(book) as z:
        return sorted(n for n in z.namelist() if n.startswith("xl/worksheets/sheet"))[-1]


def _huge_sheet(book: Path, target: Path, rows: int, cells: int) -> Path:
    """``book`` with its last sheet replaced by ``rows`` rows of ``cells`` numbers, streamed."""
    sheet = _first_sheet(book)
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != sheet:
                dst.writestr(info.filename, src.read(info))
                continue
            with dst.open(sheet, "w", force_zip64=True) as fh:
                fh.write(
                    b'<?xml version="1.0" encoding="UTF-8"?>\n<worksheet xmlns="http://'
                    b'schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
                )
                row_cells = b"".join(b"<c><v>%d</v></c>" % c for c in range(cells))
                batch = []
                for r in range(1, rows + 1):
                    batch.append(b'<row r="%d">%s</row>' % (r, row_cells))
                    if len(batch) == 10_000:
                        fh.write(b"".join(batch))
                        batch = []
                fh.write(b"".join(batch) + b"</sheetData></worksheet>")
    return target


def _giant_string(book: Path, target: Path) -> Path:
    """``book`` whose shared strings hold one string of 1 GiB (about 1 MB compressed)."""
    with zipfile.ZipFile(book) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "xl/sharedStrings.xml":
                dst.writestr(info.filename, src.read(info))
        with dst.open("xl/sharedStrings.xml", "w", force_zip64=True) as fh:
            fh.write(
                b'<?xml version="1.0" encoding="UTF-8"?>\n<sst xmlns="http://schemas.'
                b'openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>'
            )
            chunk = b"a" * (1 << 24)
            for _ in range(64):  # 64 × 16 MiB
                fh.write(chunk)
            fh.write(b"</t></si></sst>")
    return target


_DTD = b'<!DOCTYPE x [<!ENTITY e "boom">]>'


def _with_entity(part: str) -> Callable[[str, bytes], bytes | None]:
    def change(name: str, data: bytes) -> bytes | None:
        if name != part:
            return None
        head, sep, rest = data.partition(b"?>")
        return head + sep + _DTD + rest.replace(b"<v>", b"<v>&e;", 1)

    return change


def _utf16(part: str) -> Callable[[str, bytes], bytes | None]:
    def change(name: str, data: bytes) -> bytes | None:
        if name != part:
            return None
        text = data.decode("utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
        head, sep, rest = text.partition("?>")
        return (head + sep + _DTD.decode() + rest).encode("utf-16")

    return change


def _far_cell(name: str, data: bytes) -> bytes | None:
    if not name.startswith("xl/worksheets/sheet"):
        return None
    return data.replace(
        b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>', 1
    )


def _many_entries(dst: zipfile.ZipFile) -> None:
    for i in range(3_000):
        dst.writestr(f"xl/media/pad{i}.bin", b"x")


def _hostile(kind: str, book: Path, where: Path) -> Path:
    target = where / f"{kind}.xlsx"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "dev-zero":
        target.symlink_to("/dev/zero")
    elif kind == "million-rows":
        _huge_sheet(book, target, 1_000_000, 1)
    elif kind == "dense-cells":  # under every byte limit; too many cells to load in bounds
        _huge_sheet(book, target, 60_000, 8)
    elif kind == "giant-string":
        _giant_string(book, target)
    elif kind == "entity-in-sheet":
        _rewrite(book, target, _with_entity(_first_sheet(book)))
    elif kind == "entity-in-styles":
        _rewrite(book, target, _with_entity("xl/styles.xml"))
    elif kind == "utf16-entity":
        _rewrite(book, target, _utf16(_first_sheet(book)))
    elif kind == "far-cell":
        _rewrite(book, target, _far_cell)
    elif kind == "many-parts":
        _rewrite(book, target, lambda _n, _d: None, _many_entries)
    else:  # pragma: no cover
        raise AssertionError(kind)
    return target


EXPECTED = {
    "fifo": "일반 파일이 아닙니다",
    "dev-zero": "일반 파일이 아닙니다",
    "million-rows": "압축을 풀면 너무 큽니다",
    "dense-cells": "압축을 풀면 너무 큽니다",
    "giant-string": "압축을 풀면 너무 큽니다",
    "entity-in-sheet": "DOCTYPE/ENTITY 선언이 있습니다",
    "entity-in-styles": "DOCTYPE/ENTITY 선언이 있습니다",
    "utf16-entity": "UTF-8 XML이 아닙니다",
    "far-cell": "1,048,576행 16,384열까지 있습니다",
    "many-parts": "항목이 2,000개가 넘습니다",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_a_hostile_workbook_is_refused_in_one_line_within_bounds(
    exported: tuple[Path, Path], tmp_path: Path, kind: str
) -> None:
    records, book = exported
    hostile = _hostile(kind, book, tmp_path)
    before = _tree(records)
    code, output, seconds, peak_mb = _import(records, hostile)
    assert code != 0, output
    assert "Traceback" not in output, output
    lines = [line for line in output.splitlines() if hostile.name in line]
    assert len(lines) == 1, output
    assert EXPECTED[kind] in lines[0], output
    assert re.search(r"[가-힣]", lines[0])
    assert _tree(records) == before
    assert seconds < SECONDS, (kind, seconds)
    assert peak_mb < MEGABYTES, (kind, peak_mb)


def test_the_sound_workbook_the_hostile_ones_are_made_from_imports(
    exported: tuple[Path, Path], tmp_path: Path
) -> None:
    """The cases above differ from a workbook that imports only in what makes them hostile."""
    records, book = exported
    scratch = tmp_path / "records"
    shutil.copytree(records, scratch)
    code, output, seconds, peak_mb = _import(scratch, book)
    assert code == 0, output
    rewritten = _rewrite(book, tmp_path / "rewritten.xlsx", lambda _n, _d: None)
    code, output, _s, _m = _import(scratch, rewritten)
    assert code == 0, output
