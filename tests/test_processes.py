"""Ctrl-C and kill -9 at any moment of a build: nothing left running, nothing half-written.

Each test runs many rounds at different moments (the first milliseconds
after the workers are forked included), because a race shows only sometimes.
Processes of a build are found by their command line: forked workers keep
the parent's, which names the output directory, and LibreOffice's names its
profile inside the build's staging directory beside the output.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from reportgen.formats.pdf import find_soffice

from .synthetic import write_synthetic_records

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = (
    "import sys; from reportgen.cli import main; "
    "sys.argv=['reportgen','build','2022H1','--records',sys.argv[1],"
    "'--templates',sys.argv[2],'--out',sys.argv[3]] + sys.argv[4:]; main()"
)


def _tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def _processes_naming(marker: str) -> list[str]:
    found = []
    me = str(os.getpid())
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker.encode() in cmdline.read_bytes() and cmdline.parent.name != me:
                found.append(cmdline.parent.name)
        except OSError:
            pass
    return found


def _wait_until_gone(marker: str, seconds: float = 5.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while True:
        left = _processes_naming(marker)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def _start(ws: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            sys.executable,
            "-c",
            SCRIPT,
            str(ws / "records"),
            str(ws / "templates"),
            str(out),
            *extra,
        ],
        cwd=ws,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group, as a terminal's job is
    )


def _change_a_record(ws: Path) -> None:
    path = ws / "records" / "1-1-3.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["title"] += " (변경)"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


@pytest.fixture()
def big_ws(tmp_path: Path) -> Path:
    """A workspace of 60 pledges: a build takes long enough to be interrupted."""
    write_synthetic_records(tmp_path / "records", 60)
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path


@pytest.mark.parametrize("how", ["ctrl-c", "kill-9"])
def test_interrupted_builds_leave_no_process_no_temporary_and_a_whole_output(
    big_ws: Path, how: str
) -> None:
    out = big_ws / "out"
    first = _start(big_ws, out, "-q")
    assert first.wait(timeout=120) == 0, first.stderr.read() if first.stderr else ""
    before = _tree(out)
    shutil.copytree(out, big_ws / "old")
    _change_a_record(big_ws)
    # Builds are deterministic: the whole new output is known in advance.
    reference = _start(big_ws, big_ws / "reference", "-q")
    assert reference.wait(timeout=120) == 0
    new = _tree(big_ws / "reference")
    interrupted = 0
    # Right after the workers are forked (seen as a second process of the
    # build), then at moments spread over the whole build. Before Python has
    # started reportgen at all, a Ctrl-C is the interpreter's business.
    at_fork = [0.0, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05]
    spread = [0.25 + 0.13 * i for i in range(16)]
    rounds = [("fork", d) for d in at_fork] + [("start", d) for d in spread]
    for moment, delay in rounds:
        proc = _start(big_ws, out, "-q", "-j", "2")
        if moment == "fork":
            deadline = time.monotonic() + 30
            while len(_processes_naming(str(out))) < 2 and proc.poll() is None:
                assert time.monotonic() < deadline
                time.sleep(0.001)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
            interrupted += 1
        _stdout, stderr = proc.communicate(timeout=60)
        assert b"Traceback" not in stderr, stderr.decode("utf-8", "replace")
        assert proc.returncode in (0, 1, -signal.SIGINT, -signal.SIGKILL, 130), (
            f"exit {proc.returncode}: {stderr.decode('utf-8', 'replace')}"
        )
        assert _wait_until_gone(str(out)) == [], f"processes left after {how} at {delay}s"
        now = _tree(out)
        if now not in (before, new):
            mixed = sorted(
                n for n in set(now) | set(new) if now.get(n) not in (before.get(n), new.get(n))
            )
            olds = sorted(n for n in now if now[n] == before.get(n) != new.get(n))
            pytest.fail(f"{how} at {delay}s left a mixed output: {mixed} neither; {olds} old")
        if how == "ctrl-c":
            # The build cleans up after itself on Ctrl-C.
            assert [p.name for p in big_ws.iterdir() if p.name.startswith(".reportgen")] == []
        if now != before:
            shutil.rmtree(out)  # the build completed: start again from the old output
            shutil.copytree(big_ws / "old", out)
    assert interrupted >= 5, "too few builds were interrupted; the test proved little"
    # After kill -9, the next build removes what the killed ones left.
    final = _start(big_ws, out, "-q")
    assert final.wait(timeout=120) == 0
    assert [p.name for p in big_ws.iterdir() if p.name.startswith(".reportgen")] == []


def test_worker_that_outlives_its_parent_exits(tmp_path: Path) -> None:
    """The race a parent-death signal leaves open: the parent died before it was asked for."""
    code = (
        "import os, sys, time\n"
        "from reportgen.formats.render import die_with_parent\n"
        "parent = os.getpid()\n"
        "if os.fork() == 0:\n"
        "    time.sleep(0.5)  # the parent is gone by now\n"
        "    die_with_parent(parent)\n"
        "    open(sys.argv[1], 'w').write('survived')\n"
        "    os._exit(0)\n"
        "os._exit(0)\n"
    )
    flag = tmp_path / "flag"
    subprocess.run([sys.executable, "-c", code, str(flag)], check=True, timeout=30)
    time.sleep(1.5)
    assert not flag.exists(), "a worker whose parent had died went on working"


def _soffice_required() -> None:
    if find_soffice() is None:
        if os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE"):
            pytest.fail("LibreOffice is required here (REPORTGEN_REQUIRE_LIBREOFFICE is set)")
        pytest.skip("LibreOffice is not installed")


@pytest.mark.parametrize("how", ["ctrl-c", "kill-9"])
def test_libreoffice_dies_with_an_interrupted_pdf_build(tmp_path: Path, how: str) -> None:
    _soffice_required()
    shutil.copytree(ROOT / "records", tmp_path / "records")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    out = tmp_path / "out"
    for round_ in range(3):
        proc = _start(tmp_path, out, "-q", "--pdf")
        # Wait until LibreOffice runs for this build (its profile is in the staging dir).
        deadline = time.monotonic() + 60
        while not _processes_naming(f"{tmp_path}/.reportgen-tmp-out.") and proc.poll() is None:
            assert time.monotonic() < deadline, "LibreOffice never started"
            time.sleep(0.02)
        assert proc.poll() is None, "the build ended before LibreOffice could be seen"
        time.sleep(0.2 * round_)
        os.killpg(proc.pid, signal.SIGINT if how == "ctrl-c" else signal.SIGKILL)
        _stdout, stderr = proc.communicate(timeout=60)
        assert b"Traceback" not in stderr, stderr.decode("utf-8", "replace")
        assert _wait_until_gone(f"{tmp_path}/.reportgen-tmp-out.") == [], "LibreOffice lingers"
        assert _wait_until_gone(str(out)) == []
        assert not out.exists()
        if how == "ctrl-c":
            assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".reportgen")] == []


def test_errors_cross_from_workers_to_the_build() -> None:
    """An error raised in a worker reaches the build: never a pool waiting forever."""
    import pickle

    from reportgen.errors import RecordsInvalid, TemplateError
    from reportgen.formats.render import PARALLEL_THRESHOLD, in_background, parallel_map

    error = pickle.loads(pickle.dumps(TemplateError("templates/x.docx", "broken tag")))
    assert isinstance(error, TemplateError) and error.template == "templates/x.docx"
    assert error.message == "templates/x.docx: broken tag"
    assert pickle.loads(pickle.dumps(RecordsInvalid([]))).problems == []

    def fails(_state: object, i: int) -> int:
        if i == 3:
            raise TemplateError("t.docx", "broken")
        return i

    with pytest.raises(TemplateError, match="t.docx: broken"):
        parallel_map(fails, PARALLEL_THRESHOLD, None, 2)

    class Unpicklable(Exception):
        def __init__(self, a: int, b: int) -> None:
            super().__init__(f"{a} {b}")

    def odd(_state: object, _i: int) -> int:
        raise Unpicklable(1, 2)

    with pytest.raises(RuntimeError, match="Unpicklable: 1 2"), in_background(odd, None) as wait:
        wait()


def test_a_background_process_that_dies_without_an_answer_is_an_error() -> None:
    """Killed or out of memory: the build says so, never waits for an answer that cannot come."""
    from reportgen.formats.render import BackgroundDied, in_background

    def dies(_state: object, _i: int) -> int:
        os._exit(3)

    with pytest.raises(BackgroundDied) as raised, in_background(dies, None) as wait:
        wait()
    assert raised.value.status == 3 and "Nothing was written" in raised.value.message

    def killed(_state: object, _i: int) -> int:
        os.kill(os.getpid(), signal.SIGKILL)
        return 0

    with pytest.raises(BackgroundDied, match="signal 9"), in_background(killed, None) as wait:
        wait()


def test_a_background_process_not_waited_for_is_ended(tmp_path: Path) -> None:
    """Leaving the block before the answer (an error elsewhere, Ctrl-C) ends the process, reaped."""
    from reportgen.formats.render import in_background

    flag = tmp_path / "pid"

    def slow(_state: object, _i: int) -> int:
        flag.write_text(str(os.getpid()))
        time.sleep(30)
        return 1

    started = time.monotonic()
    with pytest.raises(KeyError), in_background(slow, None):
        while not flag.exists():
            time.sleep(0.01)
        raise KeyError("elsewhere")
    assert time.monotonic() - started < 10
    pid = int(flag.read_text())
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # already reaped: no zombie left
    assert not Path(f"/proc/{pid}").exists()


def test_a_background_result_and_its_error_come_back() -> None:
    from reportgen.errors import TemplateError
    from reportgen.formats.render import in_background

    big = b"x" * 3_000_000  # more than a pipe holds: written while the build reads

    with in_background(lambda state, i: (state, i, big), "state") as wait:
        assert wait() == ("state", 0, big)
        assert wait() == ("state", 0, big)  # asked again: the same answer

    def fails(_state: object, _i: int) -> int:
        raise TemplateError("t.xlsx", "broken")

    with pytest.raises(TemplateError, match="t.xlsx: broken"), in_background(fails, None) as wait:
        wait()
