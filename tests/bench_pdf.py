"""Benchmark: every PDF of a large build. Prints figures; asserts nothing.

    python -m tests.bench_pdf [--pledges 300] [--runs 1] [--old]

Target (issue 26), on the 2-core machine when it is otherwise idle: every PDF
of 300 pledges (the booklet, ~1,500 pages, and each pledge's, all tagged and
PDF/A-2b) in under 45 s (issue 14 asked for 60 s). Each
run is a whole ``build --pdf`` in a child process, less the same build
without ``--pdf`` (measured in the same run: timing here is noisy), with the
CPU time of reportgen and of every LibreOffice it started. ``--old`` also
times what the build did before: one ``soffice --convert-to pdf`` call on the
booklet alone (103 s at 300 pledges; its 300 pledge files on top of that
did not finish).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from reportgen.build import build
from reportgen.records.periods import Period
records, templates, out, pdf = sys.argv[1:5]
t = time.perf_counter()
formats = ("docx", "xlsx", "pdf") if pdf == "1" else ("docx", "xlsx")
build(Period.parse("2022H1"), Path(records), Path(templates), Path(out), formats=formats)
elapsed = time.perf_counter() - t
me = resource.getrusage(resource.RUSAGE_SELF)
kids = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"seconds": elapsed,
                  "maxrss_mb": me.ru_maxrss / 1024,
                  "cpu_self": me.ru_utime + me.ru_stime,
                  "cpu_children": kids.ru_utime + kids.ru_stime}))
"""


def _build(records: Path, out: Path, pdf: bool) -> dict[str, float]:
    if out.exists():
        shutil.rmtree(out)
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _CHILD,
            str(records),
            str(ROOT / "templates"),
            str(out),
            "1" if pdf else "0",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{proc.stderr[-3000:]}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def _pages(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    return int(next(ln for ln in info.stdout.splitlines() if ln.startswith("Pages:")).split()[1])


def _old_way(booklet: Path, work: Path) -> float:
    """The booklet through one ``soffice --convert-to pdf`` call, as the build used to."""
    from reportgen.formats.pdf import find_soffice, fontconfig_file

    soffice = find_soffice()
    assert soffice is not None
    env = dict(os.environ, FONTCONFIG_FILE=str(fontconfig_file()))
    source = work / "booklet.docx"
    shutil.copy(booklet, source)
    t = time.perf_counter()
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={(work / 'profile').as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(work),
            str(source),
        ],
        capture_output=True,
        check=True,
        env=env,
    )
    return time.perf_counter() - t


def main() -> None:
    from .synthetic import write_synthetic_records

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pledges", type=int, default=300)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--old", action="store_true", help="also time the old one-call booklet")
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average {os.getloadavg()[0]:.1f} at the start")
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "records"
        write_synthetic_records(records, args.pledges)
        out = Path(tmp) / "out"
        plain, full = [], []
        for _ in range(args.runs):
            plain.append(_build(records, out, pdf=False))
            full.append(_build(records, out, pdf=True))
        pdfs = sorted(out.rglob("*.pdf"))
        booklet = next(p for p in pdfs if "공약별" not in p.parts)
        pages = _pages(booklet)
        pledge_bytes = sum(p.stat().st_size for p in pdfs if p != booklet)
        seconds = statistics.median(
            f["seconds"] - p["seconds"] for f, p in zip(full, plain, strict=True)
        )
        cpu_lo = statistics.median(f["cpu_children"] for f in full)
        cpu_me = statistics.median(
            f["cpu_self"] - p["cpu_self"] for f, p in zip(full, plain, strict=True)
        )
        print(f"{args.pledges} pledges: {len(pdfs)} PDFs, booklet {pages} pages")
        print(
            f"  build --pdf {statistics.median(f['seconds'] for f in full):.1f} s, "
            f"without --pdf {statistics.median(p['seconds'] for p in plain):.1f} s"
        )
        print(f"  every PDF: {seconds:.1f} s (target < 45 s)")
        print(
            f"  CPU: LibreOffice and its workers {cpu_lo:.1f} s "
            f"({1000 * cpu_lo / pages:.0f} ms a booklet page), reportgen {cpu_me:.1f} s"
        )
        tagged = (
            "Tagged:          yes"
            in subprocess.run(
                ["pdfinfo", str(booklet)], capture_output=True, text=True, check=True
            ).stdout
        )
        print(f"  booklet tagged: {'yes' if tagged else 'no'}")
        rss = statistics.median(f["maxrss_mb"] for f in full)
        plain_rss = statistics.median(p["maxrss_mb"] for p in plain)
        print(f"  peak memory of the build: {rss:.0f} MB with --pdf, {plain_rss:.0f} MB without")
        print(
            f"  sizes: booklet {booklet.stat().st_size / 1e6:.1f} MB, "
            f"pledge PDFs {pledge_bytes / 1e6:.1f} MB in all"
        )
        if args.old:
            docx = booklet.with_suffix(".docx")
            work = Path(tmp) / "old"
            work.mkdir()
            print(
                f"  old way, the booklet alone in one --convert-to call: {_old_way(docx, work):.1f} s"
            )
    print(
        f"load average {os.getloadavg()[0]:.1f} at the end (other work on the machine skews times)"
    )


if __name__ == "__main__":
    main()
