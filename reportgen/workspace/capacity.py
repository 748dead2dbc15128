"""Will a build fit in memory? Asked before any work, so a build finishes or refuses cleanly.

A build holds every file it makes in memory until it publishes them all at
once (:mod:`reportgen.workspace.output`), and its peak grows with the number of
pledges. A build that outgrows the machine is killed by the kernel half-way
(issue 27: 10,000 pledges were killed at 9.7 GB), which tells the user
nothing. So before anything is loaded, :func:`require_memory` estimates the
peak from the number of pledge files and the formats asked for, and refuses
in one line when the estimate does not fit in the memory this process may
use: the machine's available memory, a container's (cgroup) limit, and the
process's own address-space limit (``ulimit -v``), whichever is least.

The figures are peak resident memory measured with ``tests/synthetic.py``
pledges (each about three pages, like 1-4-5) on the 2-core development
machine, all cores: the default formats 351 MB at 300 pledges, 640 MB at 600,
1,026 MB at 1,000; with HWPX 1,408 MB at 300; with the website 356 MB at 300.
PDFs are laid out by LibreOffice in processes of its own; reportgen cuts the
booklet's DOCX into parts and joins the tagged PDFs itself
(:mod:`reportgen.formats.pdfbooklet`), one part at a time, so what grows with
the pledges is above all writing the 목차's page numbers into the booklet's
DOCX afterwards (:func:`reportgen.formats.docx.with_page_numbers` parses it
whole): 705 MB at 300 pledges with ``--pdf`` (getrusage; 723 MB the largest
process by ``/usr/bin/time -v``), 3.0 GB while the booklet was joined in
qpdf's memory.
"""

from __future__ import annotations

import os
import resource
from collections.abc import Sequence
from pathlib import Path

from ..errors import ReportgenError
from ..i18n import tr
from ..josa import attach

BASE_MB = 100
# Peak megabytes per pledge each format adds (DOCX and XLSX measured together: 1.0).
# A PDF is laid out by LibreOffice, in its own process; here the booklet's
# DOCX is cut and its PDF joined part by part, and its 목차 numbered:
# ~2 MB a pledge of five pages (705 MB at 300, 128 MB before the PDFs).
PER_PLEDGE_MB = {"docx": 0.7, "xlsx": 0.3, "hwpx": 4.5, "html": 0.1, "pdf": 2.0}
# What a build may plan to use of what is free: the rest is for the other
# programs, the worker processes' own copies and the error of the estimate.
HEADROOM = 0.75


def pledge_count(records_dir: Path) -> int:
    """The pledge files in ``records_dir`` (every top-level ``*.json`` but report.json)."""
    try:
        with os.scandir(records_dir) as entries:
            return sum(1 for e in entries if e.name.endswith(".json") and e.name != "report.json")
    except OSError:
        return 0  # the loader explains what is wrong with the folder


def estimate_mb(pledges: int, formats: Sequence[str]) -> float:
    """The build's expected peak resident memory in MB."""
    return BASE_MB + pledges * sum(PER_PLEDGE_MB.get(f, 1.0) for f in formats)


def _read_int(path: str) -> int | None:
    try:
        with open(path, encoding="ascii") as fh:
            text = fh.read().strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdigit() else None


def _meminfo_kb(field: str) -> int | None:
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _vm_size_mb() -> float:
    """This process's own address space now (what ``ulimit -v`` counts)."""
    kb = None
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmSize:"):
                    kb = int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return 0.0
    return (kb or 0) / 1024


def available_mb() -> float | None:
    """The memory this process may still use, in MB (None where it cannot be told)."""
    limits: list[float] = []
    available = _meminfo_kb("MemAvailable")
    if available is not None:
        limits.append(available / 1024)
    # A container's limit (cgroup v2, then v1), minus what the container already uses.
    for limit_file, usage_file in (
        ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory.current"),
        (
            "/sys/fs/cgroup/memory/memory.limit_in_bytes",
            "/sys/fs/cgroup/memory/memory.usage_in_bytes",
        ),
    ):
        limit = _read_int(limit_file)
        if limit is not None and limit < 1 << 60:
            used = _read_int(usage_file) or 0
            limits.append(max(0, limit - used) / 1024 / 1024)
            break
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    if soft != resource.RLIM_INFINITY:
        limits.append(max(0.0, soft / 1024 / 1024 - _vm_size_mb()))
    return min(limits) if limits else None


def require_memory(records_dir: Path, formats: Sequence[str]) -> None:
    """Refuse, before any work, a build that would not fit in memory."""
    pledges = pledge_count(records_dir)
    needed = estimate_mb(pledges, formats)
    free = available_mb()
    if free is None or needed <= free * HEADROOM:
        return
    kinds = ", ".join(f.upper() for f in formats)
    options = {"hwpx": "--hwpx", "html": "--site", "pdf": "--pdf"}
    lighter = [options[f] for f in formats if f in options]
    if lighter:
        way_ko = f"{' '.join(lighter)} 없이 만들거나 "
        way_en = f"build without {' '.join(lighter)}, or "
    else:
        way_ko = way_en = ""
    raise ReportgenError(
        tr(
            f"{records_dir}: 공약 {pledges:,}개를 {attach(kinds, '으로')} 만들려면 메모리가 약 "
            f"{needed / 1024:,.1f}GB 필요한데, 지금 쓸 수 있는 메모리는 "
            f"{free / 1024:,.1f}GB입니다. 도중에 멈추지 않도록 시작하지 않았고 아무것도 "
            f"바꾸지 않았습니다. {way_ko}메모리가 더 큰 컴퓨터에서 실행하세요.",
            f"{records_dir}: building {pledges:,} pledges as {kinds} needs about "
            f"{needed / 1024:,.1f} GB of memory, and {free / 1024:,.1f} GB is available now. "
            f"Not started, so that it is not killed half-way; nothing was changed. "
            f"{way_en.capitalize() if way_en else ''}run it on a machine with more memory.",
        )
    )
