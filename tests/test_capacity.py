"""A build that would not fit in memory refuses before it starts (issue 27).

10,000 pledges were killed by the kernel at 9.7 GB, half-way and without a
word. Now the build estimates its peak from the pledge files and the formats
(:mod:`reportgen.workspace.capacity`) and, when that does not fit in what the process
may use, refuses in one Korean line, in seconds, touching nothing. The memory
a process may use is bounded here with ``ulimit -v`` (RLIMIT_AS), as an
administrator would bound it.
"""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from reportgen.workspace.capacity import available_mb, estimate_mb, pledge_count
from tests.peak import run_measured

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 3 * 1024**3  # bytes of address space the build may use


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))


def _build(records: Path, out: Path, *extra: str) -> tuple[int, str, float, float]:
    env = {**os.environ, "LANG": "ko_KR.UTF-8", "LC_ALL": "", "LANGUAGE": ""}
    return run_measured(
        ["build", "2022H1", "--records", str(records), "--out", str(out), *extra],
        cwd=records.parent,
        env=env,
        preexec_fn=_limited,
    )


@pytest.fixture(scope="module")
def ten_thousand(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """10,000 pledge files (hard links of one record: the refusal comes before loading)."""
    base = tmp_path_factory.mktemp("scale")
    records = base / "records"
    shutil.copytree(ROOT / "records", records)
    shutil.copytree(ROOT / "templates", base / "templates")
    seed = records / "1-4-5.json"
    for i in range(10_000):
        os.link(seed, records / f"9-{i // 100}-{i % 100}.json")
    return records


def test_the_estimate_grows_with_pledges_and_formats(ten_thousand: Path) -> None:
    assert pledge_count(ten_thousand) == 10_002
    small, large = estimate_mb(300, ("docx", "xlsx")), estimate_mb(10_000, ("docx", "xlsx"))
    assert small < 500 < 9_000 < large  # measured: 351 MB at 300 pledges; killed at 9.7 GB
    assert estimate_mb(300, ("docx", "xlsx", "hwpx")) > 1_300  # measured: 1,408 MB
    # With --pdf: measured 0.7 GB at 300 (3.0 GB while the booklet was joined in memory).
    assert 700 < estimate_mb(300, ("docx", "xlsx", "pdf")) < 1_200


@pytest.mark.parametrize("extra", [[], ["--hwpx"], ["--pdf"]])
def test_ten_thousand_pledges_refuse_cleanly_before_starting(
    ten_thousand: Path, extra: list[str]
) -> None:
    out = ten_thousand.parent / "output" / "2022H1"
    code, output, seconds, peak_mb = _build(ten_thousand, out, *extra)
    assert code == 1, output
    assert "Traceback" not in output
    lines = output.strip().splitlines()
    assert len(lines) == 1, output
    assert "공약 10,002개를" in lines[0] and "메모리가 약" in lines[0], lines[0]
    assert "아무것도 바꾸지 않았습니다" in lines[0]
    if extra:
        assert f"{extra[0]} 없이" in lines[0]
    assert re.search(r"[가-힣]", lines[0])
    assert not out.parent.exists()
    assert seconds < 10 and peak_mb < 300, (seconds, peak_mb)


def test_a_build_that_fits_is_not_refused_under_the_same_limit(tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    code, output, _seconds, _peak = _build(records, tmp_path / "out", "-q")
    assert code == 0, output


def test_the_limit_of_the_process_counts() -> None:
    """``ulimit -v`` bounds what this process may still use, below the machine's memory."""
    probe = (
        "import resource; from reportgen.workspace.capacity import available_mb\n"
        f"resource.setrlimit(resource.RLIMIT_AS, ({LIMIT}, {LIMIT}))\n"
        "print(available_mb())\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    limited = float(done.stdout)
    assert 0 < limited < LIMIT / 1024 / 1024
    unlimited = available_mb()
    assert unlimited is None or unlimited > 0


def test_a_package_reportgen_wrote_is_read_whatever_its_size() -> None:
    """A workbook of 10,000 pledges has 10,000 sheets: reportgen reads its own back.

    The limits of :func:`reportgen.formats.ooxml.read_package` are for templates from
    outside; 10,000 pledges once failed on them after 16 minutes of building.
    """
    import io
    import zipfile

    from reportgen.formats import ooxml

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for i in range(ooxml.MAX_ENTRIES + 12):
            zf.writestr(f"xl/worksheets/sheet{i + 1}.xml", b"<worksheet/>")
    data = buffer.getvalue()
    with pytest.raises(ooxml.PackageError):
        ooxml.read_package(data)  # from outside: refused
    assert len(ooxml.read_package(data, own=True)) == ooxml.MAX_ENTRIES + 12
    assert (
        len(ooxml.read_package(ooxml.normalize_package(data), own=True)) == ooxml.MAX_ENTRIES + 12
    )
