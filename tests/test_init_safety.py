"""``reportgen init`` with bad inputs (issue 27): one Korean line, exit non-zero, nothing made.

Into a read-only parent, a parent that is a file, an empty, blank or
40,000-character ``--city``, an over-long ``--term-name``; and a Ctrl-C at any
moment of start-up, where only the interpreter's own start-up (before any
line of reportgen runs) may still print a traceback.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPORTGEN = str(Path(sys.executable).with_name("reportgen"))
HANGUL = re.compile(r"[가-힣]")


def _env() -> dict[str, str]:
    return {**os.environ, "LANG": "ko_KR.UTF-8", "LC_ALL": "", "LANGUAGE": "", "HOME": "/tmp"}


# root may write anywhere: without these capabilities it meets the folder's
# permissions as a clerk would (setpriv is util-linux's, on every Debian).
AS_A_CLERK = [
    "setpriv",
    "--bounding-set=-dac_override,-dac_read_search",
    "--inh-caps=-dac_override,-dac_read_search",
]


def _init(cwd: Path, *args: str, unprivileged: bool = False) -> subprocess.CompletedProcess[str]:
    prefix = AS_A_CLERK if unprivileged and os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, REPORTGEN, "init", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=_env(),
        stdin=subprocess.DEVNULL,
        timeout=60,
    )


def _snapshot(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder any user may enter (pytest's own temporary folders are root's only)."""
    root = Path(tempfile.mkdtemp(prefix="reportgen-init-"))
    root.chmod(0o755)
    yield root
    for path in root.rglob("*"):
        if path.is_dir() and not path.is_symlink():
            path.chmod(0o755)
    shutil.rmtree(root)


def _one_korean_line(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode != 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert HANGUL.search(lines[0])
    for text in expected:
        assert text in lines[0], lines[0]
    assert len(lines[0]) < 400  # a 40,000-character value is quoted, not repeated


CITY = ["--kind", "군", "--start", "2022H2"]


def test_into_a_read_only_parent(place: Path) -> None:
    locked = place / "locked"
    locked.mkdir()
    locked.chmod(
        stat.S_IRUSR | stat.S_IXUSR | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH
    )
    before = _snapshot(place)
    done = _init(place, "locked/records-가람군", "--city", "가람군", *CITY, unprivileged=True)
    _one_korean_line(done, "locked", "기록 폴더를 만들 수 없습니다")
    assert _snapshot(place) == before
    done = _init(place, "locked/deeper/records", "--city", "가람군", *CITY, unprivileged=True)
    _one_korean_line(done, "기록 폴더를 만들 수 없습니다")
    assert _snapshot(place) == before


def test_into_a_parent_that_is_a_file(place: Path) -> None:
    (place / "memo.txt").write_text("not a folder")
    before = _snapshot(place)
    done = _init(place, "memo.txt/records", "--city", "가람군", *CITY)
    _one_korean_line(done, "memo.txt", "기록 폴더를 만들 수 없습니다")
    assert _snapshot(place) == before


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--city", ""], "--city가 비어 있습니다"),
        (["--city", "   "], "--city가 비어 있습니다"),
        (["--city", "가" * 40_000], "--city가 40,000자입니다"),
        (["--city", "가람군", "--term-name", "민" * 40_000], "--term-name가 40,000자입니다"),
        (["--city", "가람\x07군"], "제어 문자"),
    ],
)
def test_a_bad_city_or_term_name(place: Path, args: list[str], expected: str) -> None:
    before = _snapshot(place)
    done = _init(place, "new/records-가람군", *args, *CITY)
    _one_korean_line(done, expected)
    assert _snapshot(place) == before


def _interpreter_only(stderr: str) -> bool:
    """A traceback of Python's own start-up: no frame of reportgen or of a library it imports."""
    # The command's script importing the package's __init__ and reportgen.entry's first
    # lines (the handler is its first statement) are start-up; anything later is ours.
    frames = re.findall(r'File "([^"]+)", line \d+, in (\S+)', stderr)
    ours = [
        (path, where)
        for path, where in frames
        if ("/reportgen/" in path or "/click/" in path or "pydantic" in path)
        and not (
            path.endswith(("/reportgen/__init__.py", "/reportgen/entry.py")) and where == "<module>"
        )
    ]
    return not ours


def test_a_ctrl_c_during_start_up_prints_no_traceback_of_ours(place: Path) -> None:
    """20 Ctrl-Cs spread over start-up: each ends cleanly, and leaves all or nothing."""
    runs = 20
    for i in range(runs):
        target = place / f"r{i}"
        proc = subprocess.Popen(
            [REPORTGEN, "init", str(target), "--city", "가람군", *CITY],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=_env(),
        )
        time.sleep(0.6 * i / runs)
        proc.send_signal(signal.SIGINT)
        _stdout, stderr = proc.communicate(timeout=60)
        if "Traceback" in stderr:
            assert _interpreter_only(stderr), stderr
        # All or nothing: the records folder is complete, or absent, and no scratch is left.
        leftovers = [p.name for p in place.iterdir() if p.name.startswith(".reportgen-")]
        assert leftovers == []
        if target.exists():
            assert (target / "report.json").is_file() and (target / "1-1.json").is_file()


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
def test_a_pledge_list_that_is_no_regular_file(place: Path, kind: str) -> None:
    """``init --pledges`` reads the list without blocking on a FIFO or reading a device."""
    listed = place / "공약목록.xlsx"
    if kind == "fifo":
        os.mkfifo(listed)
    else:
        listed.symlink_to("/dev/zero")
    before = _snapshot(place)
    started = time.monotonic()
    done = _init(place, "records-가람군", "--pledges", str(listed), "--city", "가람군", *CITY)
    assert time.monotonic() - started < 30
    assert done.returncode != 0 and "Traceback" not in done.stderr
    # One line names the file and says what is wrong (the list's summary line follows).
    named = [line for line in done.stderr.splitlines() if "공약목록.xlsx" in line]
    assert len(named) == 1 and "일반 파일이 아닙니다" in named[0], done.stderr
    assert _snapshot(place) == before


def test_a_ctrl_c_a_library_turned_into_another_error_is_said_as_an_interrupt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """openpyxl's descriptors catch everything and raise TypeError: a Ctrl-C there is still one."""
    from reportgen import cli, entry

    def a_command_in_a_swallowing_library() -> None:
        try:
            signal.raise_signal(signal.SIGINT)  # the handler run() installed raises here
        except BaseException:  # noqa: BLE001 - as openpyxl.descriptors.base._convert does
            raise TypeError("expected <class 'float'>") from None

    monkeypatch.setattr(cli, "main", a_command_in_a_swallowing_library)
    monkeypatch.setattr(entry, "_seen", [])
    before = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(SystemExit) as ended:
            entry.run()
    finally:
        signal.signal(signal.SIGINT, before)
    assert ended.value.code == 130
    err = capsys.readouterr().err
    assert "Traceback" not in err and "TypeError" not in err
    assert "Ctrl-C" in err


def test_an_error_with_no_ctrl_c_is_not_taken_for_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen import cli, entry

    def a_bug() -> None:
        raise TypeError("a bug of ours")

    monkeypatch.setattr(cli, "main", a_bug)
    monkeypatch.setattr(entry, "_seen", [])
    before = signal.getsignal(signal.SIGINT)
    try:
        with pytest.raises(TypeError, match="a bug of ours"):
            entry.run()
    finally:
        signal.signal(signal.SIGINT, before)
