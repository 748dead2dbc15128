"""Memory stays bounded (issue 26): a build holds no output twice, and the booklet is streamed.

Measured in a child process by its peak resident set (``VmHWM``), never
by time: the bounds are generous (the target is < 300 MB at 300 pledges,
where a build peaked at 410 MB before the booklet was streamed), so a
loaded machine does not make them fail, while holding every output twice
again would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .synthetic import write_synthetic_records

ROOT = Path(__file__).resolve().parent.parent

_CHILD = """
import json, resource, sys
from pathlib import Path
from reportgen.build import build
from reportgen.records.periods import Period
records, templates, out = sys.argv[1:4]
build(Period.parse("2022H1"), Path(records), Path(templates), Path(out), workers=1)
# VmHWM: this process's own peak. ru_maxrss would also count the process it
# was forked from before exec (Linux keeps the high-water mark across exec).
hwm = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:")]
kb = int(hwm[0].split()[1]) if hwm else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"peak_mb": kb / 1024}))
"""


def _peak(records: Path, out: Path) -> float:
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(records), str(ROOT / "templates"), str(out)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return float(json.loads(proc.stdout.strip().splitlines()[-1])["peak_mb"])


def test_peak_memory_of_a_build_is_bounded(tmp_path):
    records = tmp_path / "records"
    write_synthetic_records(records, 200)
    out = tmp_path / "out"
    cold = _peak(records, out)
    assert cold < 300, f"a cold build of 200 pledges peaked at {cold:.0f} MB"
    path = records / "1-1-1.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    again = _peak(records, out)  # one pledge changed: the rest read back from the output
    assert again < 300, f"a rebuild of 200 pledges peaked at {again:.0f} MB"
