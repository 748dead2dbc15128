"""Shared fixtures: the shipped records, the report settings, and small record sets in tmp_path."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reportgen.cli import main
from reportgen.records.model import ReportSettings
from reportgen.records.periods import Period, Term

REPO = Path(__file__).resolve().parents[1]
RECORDS = REPO / "records"
BAD_RECORDS = Path(__file__).resolve().parent / "bad_records"

TERM7 = Term("민선7기", Period(2018, 2), Period(2022, 1))
TERM8 = Term("민선8기", Period(2022, 2), Period(2026, 1))

# An invented 군 of 민선8기 (examples/gun is the same city): two 분야, "1-1"
# numbers, 군비, one 담당자, 추진율, 폐기 counted apart, "6월말 기준".
GUN_SETTINGS: dict[str, Any] = {
    "city": "가람군",
    "term": {"name": "민선8기", "start": "2022H2", "end": "2026H1"},
    "numbering": "1-1",
    "statuses": ["완료", "정상추진", "장기추진", "보류", "폐기"],
    "done_statuses": ["완료"],
    "excluded_statuses": ["폐기"],
    "progress_rate": True,
    "funding_sources": ["국비", "도비", "군비", "기타"],
    "groups": [{"key": "1", "name": "일자리 경제"}, {"key": "2", "name": "안전 복지"}],
    "contact_roles": [{"key": "officer", "label": "담당자"}],
    "participation": [
        {"key": "hearings", "label": "주민설명회"},
        {"key": "advisory", "label": "자문위원회"},
    ],
    "cutoff": "report-half",
}


def run(*args: Any, input: str | None = None) -> Result:
    """``reportgen ARGS…`` in-process (paths as strings), a traceback raised rather than caught."""
    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def init_city(tmp_path: Path, pledge_list: str, name: str = "list.csv") -> Path:
    """가람군 (a 군 from 2026H2) started with ``reportgen init --pledges`` from a CSV list.

    The list is written to ``tmp_path / name``; returns the records folder ``tmp_path / "records"``.
    """
    (tmp_path / name).write_text(pledge_list, encoding="utf-8")
    records = tmp_path / "records"
    common = ["--city", "가람군", "--kind", "군", "--start", "2026H2"]
    result = run("init", records, "--pledges", tmp_path / name, *common)
    assert result.exit_code == 0, result.output
    return records


def openxml_audit() -> str:
    """The openxml-audit program (a test dependency): beside this Python, else on PATH.

    ``.venv/bin/python -m pytest`` does not put ``.venv/bin`` on PATH. The
    checker is installed with the test extras, so its absence fails the test
    rather than skipping it.
    """
    here = Path(sys.executable).parent / "openxml-audit"
    found = str(here) if here.exists() else shutil.which("openxml-audit")
    if found is None:
        pytest.fail("openxml-audit is not installed: pip install -e '.[test]'")
    return found


def audit(path: Path, timeout: float = 300) -> list[dict[str, Any]]:
    """openxml-audit's JSON report on a file, or on every file in a folder: one result a file."""
    recursive = ["-r"] if path.is_dir() else []
    run = subprocess.run(
        [openxml_audit(), "-o", "json", *recursive, str(path)],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    found = json.loads(run.stdout)
    return found if isinstance(found, list) else [found]


# ---------------------------------------------------------------------------
# The shipped records


@pytest.fixture
def user_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own per-user cache, empty and on (reportgen.workspace.usercache's directory)."""
    from reportgen.workspace import usercache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("REPORTGEN_NO_CACHE", raising=False)
    where = usercache.directory()
    assert where == tmp_path / "cache" / "reportgen" / "templates"
    return where


@pytest.fixture
def six_pledges(tmp_path: Path, user_cache: Path) -> Path:
    """A workspace of six synthetic pledges in records/, with its own cache.

    The records are written ticks of the file clock before the test goes on,
    as a person's edit comes after the build that read them.
    """
    import time

    from .synthetic import write_synthetic_records

    write_synthetic_records(tmp_path / "records", 6)
    time.sleep(0.05)
    return tmp_path


@pytest.fixture
def records_dir() -> Path:
    """The repository's records/ (read only: copy it before changing anything)."""
    assert (RECORDS / "report.json").is_file(), RECORDS
    return RECORDS


@pytest.fixture
def settings(records_dir: Path) -> ReportSettings:
    raw = json.loads((records_dir / "report.json").read_text(encoding="utf-8"))
    return ReportSettings.model_validate(raw)


@pytest.fixture
def term7() -> Term:
    """민선7기 (2018.7. ~ 2022.6.), the seeds' term."""
    return TERM7


@pytest.fixture
def term8() -> Term:
    """민선8기 (2022.7. ~ 2026.6.)."""
    return TERM8


@pytest.fixture
def bad_records_dir() -> Path:
    """tests/bad_records/: broken record files, byte for byte as staff's tools write them."""
    return BAD_RECORDS


@pytest.fixture
def copied_records(tmp_path: Path, records_dir: Path) -> Path:
    """A writable copy of records/ (schema/ included) in tmp_path."""
    target = tmp_path / "records"
    shutil.copytree(records_dir, target)
    return target


def _shipped(pledge_id: str) -> dict[str, Any]:
    return json.loads((RECORDS / f"{pledge_id}.json").read_text(encoding="utf-8"))


@pytest.fixture
def shipped() -> Callable[[str], dict[str, Any]]:
    """``shipped("1-4-5")``: a shipped pledge record as a fresh dict, free to change."""
    return _shipped


# ---------------------------------------------------------------------------
# Writing small record sets


def write_records(
    tmp_path: Path,
    pledges: dict[str, dict[str, Any] | str | bytes],
    settings: dict[str, Any] | None = None,
) -> Path:
    """Write ``report.json`` (a copy of the shipped one unless given) and ``<id>.json`` files.

    A value may be a dict (dumped as UTF-8 JSON), or str/bytes written as is,
    so a test can write a broken file. The key is the file's stem.
    Returns the records directory.
    """
    directory = tmp_path / "records"
    directory.mkdir(parents=True, exist_ok=True)
    if settings is None:
        shutil.copyfile(RECORDS / "report.json", directory / "report.json")
    else:
        (directory / "report.json").write_text(
            json.dumps(settings, ensure_ascii=False, indent=2), encoding="utf-8"
        )
    for stem, content in pledges.items():
        path = directory / f"{stem}.json"
        if isinstance(content, bytes):
            path.write_bytes(content)
        elif isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_text(json.dumps(content, ensure_ascii=False, indent=2), encoding="utf-8")
    return directory


@pytest.fixture(name="write_records")
def write_records_fixture() -> Callable[..., Path]:
    return write_records


_MINIMAL: dict[str, Any] = {
    "$schema": "schema/pledge.schema.json",
    "id": "1-1-1",
    "title": "시험 공약",
    "department": "일자리정책과",
    "non_budget": False,
    "achievements": [
        {
            "period": "2019",
            "entries": [{"text": "2019년 실적", "children": [{"text": "세부 실적"}]}],
        },
        {"period": "2021H1", "entries": [{"text": "상반기 실적"}]},
        {"period": "2021H2", "entries": [{"text": "하반기 실적"}]},
    ],
    "plans": [{"period": "2022H1", "entries": [{"text": "상반기 계획"}]}],
    "reports": {
        "2022H1": {
            "status": "정상추진",
            "contacts": {
                "manager": {"name": "가과장", "phone": "8075-0001"},
                "team_leader": {"name": "나팀장", "phone": "8075-0002"},
                "officer": {"name": "다주무", "phone": "8075-0003"},
            },
            "participation": {"meetings": 1},
            "problems": {"problems": [{"text": "문제"}], "measures": [{"text": "대책"}]},
            "budget": {
                "plan": [{"name": "사업", "sources": {"시비": {"2018": 10, "2019": 20}}}],
                "secured": [
                    {
                        "name": "사업",
                        "sources": {"시비": {"2018": {"secured": 10, "executed": 5}}},
                    }
                ],
            },
        }
    },
}


def make_pledge(pledge_id: str = "1-1-1", **overrides: Any) -> dict[str, Any]:
    """A minimal pledge record that validates without a single problem, not even a warning."""
    pledge = copy.deepcopy(_MINIMAL)
    pledge["id"] = pledge_id
    pledge.update(copy.deepcopy(overrides))
    return pledge


@pytest.fixture(name="make_pledge")
def make_pledge_fixture() -> Callable[..., dict[str, Any]]:
    return make_pledge


# ---------------------------------------------------------------------------
# The interface's language (reportgen.i18n): Korean unless the locale asks for English

_LOCALE_VARIABLES = ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


def set_locale(monkeypatch: pytest.MonkeyPatch, lang: str | None) -> None:
    """Messages in the language of ``lang`` (None: no locale at all, as on a bare server)."""
    for name in _LOCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    if lang is not None:
        monkeypatch.setenv("LANG", lang)


@pytest.fixture
def english_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """For tests that assert on a message's English sentence (``LANG=en_US.UTF-8``).

    Help texts are fixed when reportgen.cli is imported; messages are composed
    when they are raised, so this fixture decides their language.
    """
    set_locale(monkeypatch, "en_US.UTF-8")


@pytest.fixture
def korean_messages(monkeypatch: pytest.MonkeyPatch) -> None:
    """The default: no locale variable set, so every message is Korean."""
    set_locale(monkeypatch, None)


# ---------------------------------------------------------------------------
# The command line

PROBLEM_LINE = re.compile(
    r"^(?:(?:Error|오류): )?\S+\.json(?:: .+)?: (?:error|warning|오류|경고): "
)


class ValidateCli:
    """``reportgen validate --records DIR`` through click's runner (the real entry point)."""

    def run(self, directory: Path, *args: str) -> Result:
        return CliRunner().invoke(main, ["validate", "--records", str(directory), *args])

    @staticmethod
    def problem_lines(result: Result) -> list[str]:
        """The lines that report one problem each (file: path: severity: message)."""
        return [line for line in result.output.splitlines() if PROBLEM_LINE.match(line)]

    def rejected(self, directory: Path, *args: str) -> list[str]:
        """Run it and check it refused the records cleanly: exit 1, no traceback.

        Returns the problem lines.
        """
        result = self.run(directory, *args)
        assert result.exit_code == 1, result.output
        assert isinstance(result.exception, SystemExit), repr(result.exception)
        assert "Traceback" not in result.output
        assert "nothing was written" in result.output or "아무것도 쓰지 않았습니다" in result.output
        lines = self.problem_lines(result)
        assert lines, result.output
        return lines

    def accepted(self, directory: Path, *args: str) -> Result:
        result = self.run(directory, *args)
        assert result.exit_code == 0, result.output
        assert result.exception is None
        return result


@pytest.fixture
def cli() -> ValidateCli:
    return ValidateCli()
