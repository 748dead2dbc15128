"""One run per output folder (issue 27): two runs into one ``--out`` never mix.

Two builds, two publishes, or a build and a publish started together into the
same folder: the second waits for the first, and the folder ends up holding
exactly one run's files, byte for byte, with nothing of the other run carried
over as if a person had saved it; ``--check`` agrees afterwards. These tests
start real processes at the same moment.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen.workspace.output import lock_path
from tests.synthetic import write_synthetic_records

ROOT = Path(__file__).resolve().parent.parent
REPORTGEN = str(Path(sys.executable).with_name("reportgen"))
WAITING = "다른 reportgen 실행이 이 폴더에 쓰고 있습니다"


def _tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def _env() -> dict[str, str]:
    return {**os.environ, "LANG": "ko_KR.UTF-8", "LC_ALL": "", "LANGUAGE": ""}


def _start(command: str, records: Path, out: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [REPORTGEN, command, "2022H1", "--records", str(records), "--out", str(out), *extra],
        cwd=records.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=_env(),
    )


def _run(command: str, records: Path, out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    proc = _start(command, records, out, *extra)
    stdout, stderr = proc.communicate(timeout=300)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)


def _hold(folder: Path) -> subprocess.Popen[str]:
    """Another process that takes ``folder``'s output lock, prints 'held' and keeps it until killed."""
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from reportgen.workspace.output import output_lock\n"
            "with output_lock(Path(sys.argv[1])):\n"
            "    print('held', flush=True)\n"
            "    time.sleep(600)\n",
            str(folder),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


# LibreOffice's PDFs are not byte-reproducible, and publish makes them when it
# can: the runs here compare byte for byte, so they make none.
_OPTIONS = {"build": ["-j", "1"], "publish": ["--no-pdf"]}


@pytest.fixture(scope="module")
def two(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two record sets of one period (2 shipped pledges; 40 synthetic ones), with references."""
    base = tmp_path_factory.mktemp("two")
    small = base / "small"
    shutil.copytree(ROOT / "records", small)
    shutil.copytree(ROOT / "templates", base / "templates")
    large = base / "large"
    write_synthetic_records(large, 40)
    refs = {}
    for name, records in (("small", small), ("large", large)):
        for command in ("build", "publish"):
            ref = base / f"ref-{command}-{name}"
            done = _run(command, records, ref, *_OPTIONS[command])
            assert done.returncode == 0, done.stderr
            refs[f"{command}-{name}"] = ref
    return {"small": small, "large": large, "base": base, **refs}


@pytest.mark.parametrize(
    ("first", "second"),
    [("build", "build"), ("publish", "publish"), ("build", "publish")],
)
def test_two_runs_started_together_leave_exactly_one_runs_output(
    two: dict[str, Path], first: str, second: str
) -> None:
    out = two["base"] / f"out-{first}-{second}"
    waited = 0
    # At least two rounds, and more (up to eight) until the runs have overlapped
    # once: a rebuild holds the lock so briefly that two runs started together
    # may still take turns without either waiting.
    for round_ in range(8):
        if round_ >= 2 and waited:
            break
        # Alternate which record set starts first; both start within milliseconds.
        a, b = ("large", "small") if round_ % 2 == 0 else ("small", "large")
        extra_a, extra_b = _OPTIONS[first], _OPTIONS[second]
        procs = [
            (f"{first}-{a}", _start(first, two[a], out, *extra_a)),
            (f"{second}-{b}", _start(second, two[b], out, *extra_b)),
        ]
        results = {name: p.communicate(timeout=300) + (p.returncode,) for name, p in procs}
        for name, (_stdout, stderr, code) in results.items():
            assert code == 0, (name, stderr)
            assert "Traceback" not in stderr
            waited += WAITING in stderr
        got = _tree(out)
        matches = [name for name in results if got == _tree(two[name])]
        assert len(matches) == 1, sorted(got)
        assert not any("reportgen가 보관" in name for name in got)
        winner = two[matches[0].split("-")[1]]
        check = _run("build", winner, out, "--check")
        assert check.returncode == 0, check.stderr + check.stdout
        assert not lock_path(out).exists()
    # The runs did overlap: one of them said it was waiting for the other.
    assert waited >= 1


def test_a_build_waits_while_another_run_holds_the_folder(tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    out = tmp_path / "output" / "2022H1"
    assert _run("build", records, out).returncode == 0
    before = _tree(out)
    (records / "1-4-3.json").unlink()  # the next build makes other files
    holder = _hold(out)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        waiting = _start("build", records, out)
        deadline = time.monotonic() + 60
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert WAITING in line, line
        assert time.monotonic() < deadline
        time.sleep(0.5)
        assert waiting.poll() is None  # still waiting …
        assert _tree(out) == before  # … and nothing touched
        holder.send_signal(signal.SIGKILL)  # kill -9 releases the lock
        holder.wait(timeout=30)
        stdout, stderr = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, stderr
        assert not any(name.startswith("01-04-03") for name in _tree(out))
    finally:
        holder.kill()
        holder.wait()
    assert _run("build", records, out, "--check").returncode == 0
    assert sorted(p.name for p in out.parent.iterdir()) == ["2022H1"]


def test_a_refused_run_leaves_no_lock_and_no_folder(tmp_path: Path) -> None:
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    mine = tmp_path / "new" / "deeper" / "mine"
    mine.mkdir(parents=True)
    (mine / "letter.txt").write_text("mine")
    done = _run("build", records, mine)
    assert done.returncode == 1
    assert sorted(p.name for p in mine.parent.iterdir()) == ["mine"]
    # A --check of a folder that does not exist makes nothing either.
    nowhere = tmp_path / "absent" / "2022H1"
    done = _run("build", records, nowhere, "--check")
    assert done.returncode == 1
    assert not (tmp_path / "absent").exists()


def test_a_link_to_the_folder_and_the_folder_share_one_lock(tmp_path: Path) -> None:
    """Two names for one output folder (a symbolic link) are one folder to lock."""
    real = tmp_path / "shared" / "2022H1"
    real.mkdir(parents=True)
    alias = tmp_path / "mine"
    alias.symlink_to(real, target_is_directory=True)
    holder = _hold(alias)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        assert lock_path(real).exists()
        probe = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys\n"
                "from pathlib import Path\n"
                "from reportgen.workspace.output import output_lock\n"
                "with output_lock(Path(sys.argv[1]), on_wait=lambda: sys.exit(3)):\n"
                "    pass\n",
                str(real),
            ],
            timeout=60,
        )
        assert probe.returncode == 3  # it had to wait for the holder
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.parametrize("command", ["diff", "intake-export"])
def test_diff_and_intake_export_wait_for_the_folder_too(tmp_path: Path, command: str) -> None:
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    out = tmp_path / "shared"
    holder = _hold(out)
    args = (
        ["diff", "2021H2", "2022H1", "--records", str(records), "--out", str(out)]
        if command == "diff"
        else ["intake", "export", "2022H1", "--records", str(records), "--out", str(out)]
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        waiting = subprocess.Popen(
            [REPORTGEN, *args],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        assert waiting.stderr is not None
        line = waiting.stderr.readline()
        assert WAITING in line, line
        assert not out.exists()  # nothing written while the other run holds the folder
        holder.kill()
        holder.wait(timeout=30)
        _stdout, stderr = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, stderr
        assert (out / "manifest.json").is_file()
    finally:
        holder.kill()
        holder.wait()
