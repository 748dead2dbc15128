"""Time the HWPX writer on synthetic pledges, beside the DOCX writer (not collected by pytest).

    python -m tests.bench_hwpx                  # 300 pledges, median of 3 runs
    python -m tests.bench_hwpx --pledges 50 --runs 5

Run from the repository root. Prints milliseconds per pledge for each
pledge's own file (HWPX and DOCX, the same view) and for the HWPX booklet.
The first render is not timed (it reads the templates). Every timed run must
give the same bytes, or the script fails.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from reportgen.formats.docx import DocxWriter
from reportgen.formats.hwpx import booklet_hwpx, pledge_hwpx
from reportgen.records.periods import Period
from reportgen.records.validate import check
from reportgen.report.view import ReportInfo, ReportView, report_info, report_view

from .synthetic import write_synthetic_records

ROOT = Path(__file__).resolve().parent.parent


def _timed(work: Callable[[], list[bytes]], runs: int) -> tuple[float, str]:
    digests, seconds = set(), []
    for _ in range(runs):
        start = time.perf_counter()
        outputs = work()
        seconds.append(time.perf_counter() - start)
        digests.add(hashlib.sha256(b"".join(outputs)).hexdigest())
    if len(digests) != 1:
        raise SystemExit("two runs gave different bytes")
    return statistics.median(seconds), digests.pop()


def bench(pledges: int, runs: int, period: str = "2022H1") -> dict[str, float]:
    """Median milliseconds per pledge: HWPX file, DOCX file, HWPX booklet."""
    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "records"
        write_synthetic_records(records, pledges)
        records_set, _ = check(records)
        assert records_set.settings is not None
        when = Period.parse(period)
        report: ReportView = report_view(records_set.pledges, when, records_set.settings)
        info: ReportInfo = report_info(when, records_set.settings)
    docx = DocxWriter.from_directory(ROOT / "templates")

    def hwpx_files() -> list[bytes]:
        return [pledge_hwpx(v, info) for v in report.pledges]

    def docx_files() -> list[bytes]:
        return [
            docx.pledge_document(v, info, i, docx.pledge_content(v, info, i))
            for i, v in enumerate(report.pledges, start=1)
        ]

    def hwpx_booklet() -> list[bytes]:
        return [booklet_hwpx(report)]

    out = {}
    for name, work in (("hwpx", hwpx_files), ("docx", docx_files), ("hwpx booklet", hwpx_booklet)):
        work()  # warm: templates read, caches filled
        seconds, _ = _timed(work, runs)
        out[name] = seconds * 1000 / pledges
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pledges", type=int, default=300)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--period", default="2022H1")
    args = parser.parse_args()
    result = bench(args.pledges, args.runs, args.period)
    for name, ms in result.items():
        print(
            f"{name:>13}: {ms:6.2f} ms per pledge ({args.pledges} pledges, median of {args.runs})"
        )
    print(f"hwpx / docx per pledge file: {result['hwpx'] / result['docx']:.2f}")


if __name__ == "__main__":
    main()
