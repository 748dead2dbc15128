"""Benchmark: reading and validating many pledges. Prints figures; asserts nothing.

    python -m tests.bench_validate [--pledges 10000] [--repeat 5] [--records DIR] [--workers 1]
                                   [--memo] [--profile]

Target (issue 26; 10 s in issue 13): 10,000 pledges validate in under 5 s on
the 2-core machine.
The records are synthetic pledges shaped like the seed pledge 1-4-5
(:mod:`tests.synthetic`). Each figure is the median of ``--repeat`` runs in
this one process (the files are in the page cache after the first): the time
of :func:`reportgen.records.load.load_records` alone, and of
:func:`reportgen.records.validate.check`, which loads, validates and checks the
sections of the report in progress. The result of each call is kept until
its time is taken: freeing it is not part of validating. ``--records DIR``
keeps the synthetic records in DIR (written once, reused while their number
matches) for comparing two versions on the same files.
"""

from __future__ import annotations

import argparse
import cProfile
import functools
import pstats
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from reportgen.formats import codecache
from reportgen.records.load import load_records
from reportgen.records.validate import check
from tests.synthetic import write_synthetic_records

TARGET_SECONDS_PER_10K = 5.0


def _times(fn, directory: Path, repeat: int) -> list[tuple[float, float, float]]:  # type: ignore[no-untyped-def]
    """(wall, CPU of this process, CPU with the worker) of each run."""
    out = []
    for _ in range(repeat):
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        t, c = time.perf_counter(), time.process_time()
        result = fn(directory)
        wall, cpu = time.perf_counter() - t, time.process_time() - c
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        worker = (after.ru_utime + after.ru_stime) - (kids.ru_utime + kids.ru_stime)
        out.append((wall, cpu, cpu + worker))
        del result
    return out


def _median(runs: list[tuple[float, float, float]], i: int) -> float:
    return statistics.median(r[i] for r in runs)


def _records(directory: Path, pledges: int) -> Path:
    if sum(1 for _ in directory.glob("*.json")) != pledges + 1:  # + report.json
        if directory.exists():
            shutil.rmtree(directory)
        write_synthetic_records(directory, pledges)
    return directory


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pledges", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=5, help="runs per figure (the median is printed)")
    ap.add_argument("--records", type=Path, help="keep the synthetic records here (reused)")
    ap.add_argument("--workers", type=int, help="check(workers=...): 1 validates in one process")
    ap.add_argument("--memo", action="store_true", help="check with the memo of earlier checks")
    ap.add_argument("--profile", action="store_true", help="also print a cProfile of one check")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-validate-") as tmp:
        records = _records(args.records or Path(tmp) / "records", args.pledges)
        memo = codecache if args.memo else None
        checked = functools.partial(check, workers=args.workers, memo=memo)
        checked(records)  # warm: imports, pydantic schemas, page cache
        load = _times(load_records, records, args.repeat)
        full = _times(checked, records, args.repeat)
        n = args.pledges
        target = TARGET_SECONDS_PER_10K * n / 10_000
        load_s, check_s = _median(load, 0), _median(full, 0)
        print(f"pledges           {n:,}  (median of {args.repeat} runs)")
        print(
            f"load_records  {load_s:8.3f} s   {1000 * load_s / n:6.3f} ms per pledge"
            f"   cpu {_median(load, 1):.3f} s"
        )
        print(
            f"check         {check_s:8.3f} s   {1000 * check_s / n:6.3f} ms per pledge"
            f"   (target < {target:.2f} s: {'met' if check_s < target else 'NOT met'})"
            f"   cpu {_median(full, 1):.3f} s, with the worker {_median(full, 2):.3f} s"
        )
        if args.profile:
            prof = cProfile.Profile()
            prof.runcall(checked, records)
            pstats.Stats(prof).sort_stats("cumulative").print_stats(30)


if __name__ == "__main__":
    main()
