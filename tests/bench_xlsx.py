"""Time the budget workbook on synthetic pledges (not collected by pytest).

    python -m tests.bench_xlsx                  # 300 pledges, median of 5 runs
    python -m tests.bench_xlsx --pledges 50 --runs 9
    python -m tests.bench_xlsx --profile        # cProfile one run, top functions

Run from the repository root. Prints CPU time (``time.process_time``: the
machine is shared, wall clock is noise) of a cold workbook and of a rebuild
after one pledge changed (every other part reused by key, still deflated, as
``reportgen build`` does), with the peak of Python's allocations in a cold
render. The first render is not timed (it reads the style template). Every
timed run must give the same bytes, or the script fails; the rebuild must give
the cold workbook's bytes.
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import statistics
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

from reportgen.formats import ooxml
from reportgen.formats.xlsx import build_workbook, render_workbook
from reportgen.records.periods import Period
from reportgen.records.validate import check
from reportgen.report.view import report_view

from .synthetic import write_synthetic_records

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "templates" / "workbook.xlsx"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pledges", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--period", default="2022H1")
    parser.add_argument("--profile", action="store_true", help="profile one run instead")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        records = Path(tmp) / "records"
        write_synthetic_records(records, args.pledges)
        records_set, _ = check(records)
        assert records_set.settings is not None
        report = report_view(records_set.pledges, Period.parse(args.period), records_set.settings)

    first = render_workbook(report, TEMPLATE)
    with zipfile.ZipFile(io.BytesIO(first)) as zf:
        cells = sum(
            zf.read(n).count(b"<c ") for n in zf.namelist() if n.startswith("xl/worksheets/")
        )
    print(f"{args.pledges} pledges: {len(first):,} bytes, {cells:,} cells")

    if args.profile:
        profile = cProfile.Profile()
        profile.runcall(render_workbook, report, TEMPLATE)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return

    runs = []
    for _ in range(args.runs):
        start = time.process_time()
        data = render_workbook(report, TEMPLATE)
        runs.append(time.process_time() - start)
        if data != first:
            raise SystemExit("the workbook differs between runs")
    print(
        f"cold: CPU median {statistics.median(runs):.3f}s  min {min(runs):.3f}s  "
        f"runs {' '.join(f'{t:.3f}' for t in runs)}  sha256 {hashlib.sha256(first).hexdigest()[:16]}"
    )

    # One pledge changed: its key differs, every other part is found by key.
    keys = {view.id: f"key-{view.id}" for view in report.pledges}
    keyed, part_keys = build_workbook(report, TEMPLATE, keys, None, "frame")
    assert keyed == first
    deflated = ooxml.deflated_parts(keyed)
    by_key = {key: deflated[part] for part, key in part_keys.items()}
    keys[report.pledges[len(report.pledges) // 2].id] = "changed"
    again = []
    for _ in range(args.runs):
        start = time.process_time()
        data, _keys = build_workbook(report, TEMPLATE, keys, by_key.get, "frame")
        again.append(time.process_time() - start)
        if data != first:
            raise SystemExit("the rebuilt workbook differs from the cold one")
    print(
        f"one pledge changed: CPU median {statistics.median(again):.3f}s  "
        f"min {min(again):.3f}s ({statistics.median(again) / statistics.median(runs):.2f}x cold)"
    )
    tracemalloc.start()
    render_workbook(report, TEMPLATE)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"cold render: peak of Python allocations {peak / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
