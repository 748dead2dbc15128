"""The interface speaks Korean by default and English when the locale asks (reportgen.i18n).

Help texts are fixed when reportgen.cli is imported, so every help page is
read in a fresh process under the locale being tested; messages are composed
when raised, so those are tested in-process under the fixtures of conftest.
"""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen import clicktr
from reportgen.cli import main
from reportgen.errors import PeriodError
from reportgen.records.periods import Period

from .conftest import set_locale

HANGUL = re.compile(r"[가-힣]")
# Three English words in a row is a sentence (or most of one); commands,
# options and file names ("reportgen build --pdf", "index.html") are not.
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z][a-z]+(?:,? [a-z]{2,}){2,}\b")

_DUMP_HELP = """
import json, click
from reportgen.cli import main
from reportgen.errors import PeriodError
from reportgen.records.periods import Period

pages = {}
def walk(command, name, parent):
    ctx = command.context_class(command, info_name=name, parent=parent)
    pages[ctx.command_path] = command.get_help(ctx)
    if isinstance(command, click.Group):
        for sub in command.list_commands(ctx):
            walk(command.get_command(ctx, sub), sub, ctx)
walk(main, "reportgen", None)
print(json.dumps(pages, ensure_ascii=False))
"""


def _help_pages(lang: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.pop("LANG", None)
    if lang is not None:
        env["LANG"] = lang
    done = subprocess.run(
        [sys.executable, "-c", _DUMP_HELP],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    pages: dict[str, str] = json.loads(done.stdout)
    return pages


def _english_sentences(text: str) -> list[str]:
    # A command line is not a sentence.
    text = re.sub(r"(?:reportgen|sudo apt-get)(?: [\w.-]+)*", "", text)
    return [match.group(0) for match in ENGLISH_SENTENCE.finditer(text)]


def test_every_help_page_is_korean_by_default() -> None:
    pages = _help_pages(None)
    assert {"reportgen", "reportgen build", "reportgen intake import"} <= set(pages)
    for path, page in pages.items():
        assert page.startswith("사용법: "), (path, page)
        assert "옵션:" in page and "이 도움말을 보이고 끝냅니다." in page, (path, page)
        assert not _english_sentences(page), (path, _english_sentences(page), page)
        # click's own "[default: …]" and "[required]" are English: write the default in the help.
        assert "[default:" not in page and "[required]" not in page, (path, page)
        # Every help line that says something says it in Korean.
        for line in page.splitlines():
            words = line.strip()
            if len(words) > 40:
                assert HANGUL.search(words), (path, line)


def test_the_command_summaries_are_whole_sentences() -> None:
    page = _help_pages(None)["reportgen"]
    listed = page.split("명령:", 1)[1]
    assert "(e.g." not in page and "예:" not in listed
    for line in listed.strip().splitlines():
        name, summary = line.split(None, 1)
        assert summary.endswith(("다.", "다).")), (name, summary)


def test_every_help_page_is_english_under_an_english_locale() -> None:
    pages = _help_pages("en_US.UTF-8")
    for path, page in pages.items():
        assert page.startswith("Usage: "), (path, page)
        assert "Options:" in page and "Show this message and exit." in page, (path, page)
        # Korean words remain only where they are the form's own terms (초안, 신·구 대비표 …):
        # no line is a Korean sentence.
        for line in page.splitlines():
            assert not re.search(r"[가-힣]+(?:니다|시오)\b", line), (path, line)
    assert "(e.g." not in pages["reportgen"]


# ---------------------------------------------------------------------------
# click's own errors


CLICK_ERRORS = [
    # (arguments, what the Korean error line says)
    (["buil"], "'buil' 명령은 없습니다."),
    (["diff"], "'OLD' 인수가 필요합니다."),
    (["build", "--foo"], "--foo 옵션은 없습니다. 비슷한 옵션:"),
    (["build", "--out"], "'--out' 옵션 뒤에 값을 쓰십시오."),
    (["build", "2022H1", "2022H2"], "필요 없는 인수가 더 있습니다: 2022H2"),
    (["build", "-j", "0"], "'-j' / '--jobs': 범위(x>=1) 밖의 값입니다: 0."),
    (["build", "-j", "x"], "'-j' / '--jobs': 수로 읽을 수 없습니다: 'x'."),
    (["build", "--quiet=1"], "'--quiet' 옵션은 값을 받지 않습니다."),
    (["init", "d", "--city", "가람군", "--kind", "도"], "쓸 수 없는 값입니다: '도'. 다음 중"),
    (["intake", "import", "없는파일.xlsx"], "없는 경로입니다: '없는파일.xlsx'."),
]


@pytest.mark.usefixtures("korean_messages")
@pytest.mark.parametrize(
    ("args", "expected"), CLICK_ERRORS, ids=[" ".join(a) for a, _ in CLICK_ERRORS]
)
def test_clicks_errors_speak_korean(args: list[str], expected: str) -> None:
    result = CliRunner().invoke(main, args, prog_name="reportgen")
    assert result.exit_code == 2, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("오류: ") and expected in last, result.output
    assert not _english_sentences(last), last
    if args[-1] not in ("--out", "--quiet=1"):  # click's parser names no command for these
        assert result.output.startswith("사용법: reportgen"), result.output
        assert "도움말: reportgen" in result.output


@pytest.mark.usefixtures("english_messages")
def test_clicks_errors_are_clicks_own_under_an_english_locale() -> None:
    result = CliRunner().invoke(main, ["diff"], prog_name="reportgen")
    assert result.exit_code == 2
    assert "Error: Missing argument 'OLD'." in result.output
    assert "Try 'reportgen diff --help' for help." in result.output
    result = CliRunner().invoke(main, ["build", "-j", "0"])
    assert "Error: Invalid value for '-j' / '--jobs': 0 is not in the range x>=1." in (
        result.output
    )


def test_every_catalogue_entry_is_met() -> None:
    """Each of click's message ids in the catalogue is one a test above makes click say.

    A click release that rewords one would otherwise leave its English on screen.
    """
    met = {
        "Got unexpected extra argument ({args})",
        "Option {name!r} requires an argument.",
        "Option {name!r} does not take a value.",
        "No such command {name!r}.",
        "{value!r} is not one of {choices}.",
        "{value!r} is not a valid {number_type}.",
        "{value} is not in the range {range}.",
        "{name} {filename!r} does not exist.",
    }
    untested = {msgid for msgid, _ in clicktr._CATALOGUE} - met
    # The rest are the plural or singular twins of the above, or messages no
    # reportgen option can produce today (a file where a folder is wanted …).
    assert untested <= {
        "Got unexpected extra arguments ({args})",
        "Option {name!r} requires {nargs} arguments.",
        "Missing command.",
        "{value!r} is not {choice}.",
        "{name} {filename!r} is a file.",
        "{name} {filename!r} is a directory.",
        "{name} {filename!r} is not readable.",
        "{name} {filename!r} is not writable.",
    }


@pytest.mark.usefixtures("korean_messages")
def test_korean_wrapping_keeps_lines_within_the_terminal() -> None:
    formatter = clicktr.Formatter(width=60)
    formatter.write_dl(
        [("--force", "손으로 고친 결과 파일과, 새 파일이 덮어쓸 다른 파일도 바꿉니다. " * 3)]
    )
    for line in formatter.getvalue().splitlines():
        assert clicktr.columns(line) <= 60, line


@pytest.mark.usefixtures("korean_messages")
def test_a_reportgen_error_is_prefixed_in_korean() -> None:
    result = CliRunner().invoke(main, ["validate", "--records", "없는폴더"])
    assert result.exit_code == 1
    assert result.output.startswith("오류: "), result.output
    assert isinstance(result.exception, SystemExit)


# ---------------------------------------------------------------------------
# What a person types


@pytest.mark.usefixtures("korean_messages")
def test_a_period_in_lower_case_is_accepted(records_dir: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["validate", "--records", str(records_dir), "--period", "2022h1"]
    )
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["diff", "2021h2", "2022h1", "--records", str(records_dir)])
    assert result.exit_code == 0, result.output
    assert "2021H2 (2021년 하반기) → 2022H1 (2022년 상반기)" in result.output
    assert Period.half_year("2022h1") == Period(2022, 1)
    with pytest.raises(PeriodError, match="'2022h3'"):  # the message quotes what was typed
        Period.half_year("2022h3")


@pytest.mark.usefixtures("korean_messages")
def test_diff_refuses_old_newer_than_new(records_dir: Path) -> None:
    result = CliRunner().invoke(main, ["diff", "2022H1", "2021H2", "--records", str(records_dir)])
    assert result.exit_code == 1
    assert "오류: OLD(2022H1)가 NEW(2021H2)보다 나중 반기입니다" in result.output
    assert "reportgen diff 2021H2 2022H1" in result.output


@pytest.mark.usefixtures("korean_messages")
@pytest.mark.parametrize(
    "args",
    [
        ["build", "2022H1"],
        ["validate"],
        ["intake", "export", "2022H1"],
        ["new-period", "2022H1"],
        ["diff", "2021H2", "2022H1"],
        ["status"],
        ["publish", "2022H1"],
        ["confirm", "2022H1", "--yes"],
        ["schema"],
    ],
    ids=lambda a: " ".join(a),
)
def test_outside_a_records_folder_says_where_to_go(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "--records" in result.output and "옮겨 가" in result.output, result.output
    assert list(tmp_path.iterdir()) == []  # no folder left behind


# ---------------------------------------------------------------------------
# Every error class, raised as the code raises it


def _raise_records_invalid(tmp: Path) -> None:
    from reportgen.records.validate import check

    (tmp / "records").mkdir()
    (tmp / "records" / "1-1.json").write_text("{", encoding="utf-8")
    check(tmp / "records")


def _raise_template_error(tmp: Path) -> None:
    from reportgen.formats.docx import compile_template

    compile_template(tmp / "pledge.docx")  # no such template


def _raise_period_error(tmp: Path) -> None:
    Period.half_year("2022")


def _raise_output_error(tmp: Path) -> None:
    from reportgen.workspace.output import claim

    (tmp / "문서").mkdir()
    (tmp / "문서" / "편지.txt").write_text("x", encoding="utf-8")
    claim(tmp / "문서")


def _raise_drafts_refused(tmp: Path) -> None:
    from reportgen.build import DraftsRefused

    raise DraftsRefused(Period(2022, 1), ["1-1: reports.2022H1"])


def _raise_intake_invalid(tmp: Path, records_dir: Path) -> None:
    import shutil

    from reportgen.intake import import_workbooks

    shutil.copytree(records_dir, tmp / "records")
    (tmp / "일자리정책과.xlsx").write_bytes(b"not a workbook")
    import_workbooks(tmp / "records", [tmp / "일자리정책과.xlsx"])


def _raise_pdf_error(tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen.formats.pdf import convert

    monkeypatch.setenv("PATH", str(tmp))  # no LibreOffice on it
    (tmp / "a.docx").write_bytes(b"x")
    convert([tmp / "a.docx"], tmp / "pdf")


def _raise_pledge_list_invalid(tmp: Path) -> None:
    from reportgen.intake.pledgelist import read_pledge_list

    (tmp / "공약목록.csv").write_text("연번,비고\n1,x\n", encoding="utf-8")
    read_pledge_list(tmp / "공약목록.csv")


def _raise_returns_log_error(tmp: Path) -> None:
    from reportgen.intake.returns import load_returns

    (tmp / "intake").mkdir()
    (tmp / "intake" / "2022H1.json").write_text("{", encoding="utf-8")
    load_returns(tmp, Period(2022, 1))


def _raise_confirm_error(tmp: Path, records_dir: Path) -> None:
    from reportgen.intake.review import select

    select(records_dir, Period(2022, 1), None, ["9-9-9"])


def _raise_workbook_refused(tmp: Path) -> None:
    from reportgen.intake.workbook_guard import read_untrusted

    read_untrusted(tmp)  # a folder, not a workbook


def _raise_record_changed(tmp: Path, records_dir: Path) -> None:
    from reportgen.records.load import read_records

    name = next(p.name for p in sorted(records_dir.glob("*.json")) if p.name != "report.json")
    # Proven unchanged with other bytes than it holds: read when asked, it is not those.
    read_records(records_dir, unread={name: "0" * 64}).sources[name]


def _raise_taken_file_changed(tmp: Path) -> None:
    import os

    from reportgen.workspace.output import Taken
    from reportgen.workspace.stamps import seen

    (tmp / "a.docx").write_bytes(b"as taken")
    taken = Taken(str(tmp), "a.docx", "0" * 64, 8, seen(os.stat(tmp / "a.docx")))
    os.unlink(tmp / "a.docx")
    (tmp / "a.docx").write_bytes(b"changed!")  # another file since it was taken
    taken.read()


def _raise_reportgen_error(tmp: Path, records_dir: Path) -> None:
    from reportgen.report.diff import diff_records

    diff_records(records_dir, Period(2021, 2), Period(2022, 1), "9-9-9")


def _exits(_state: object, _index: int) -> int:
    os._exit(3)  # a writer's background process killed, out of memory …


def _raise_background_died(tmp: Path) -> None:
    from reportgen.formats.render import in_background

    with in_background(_exits, None) as wait:
        wait()


RAISERS = {
    "ReportgenError": _raise_reportgen_error,
    "BackgroundDied": _raise_background_died,
    "RecordsInvalid": _raise_records_invalid,
    "TemplateError": _raise_template_error,
    "PeriodError": _raise_period_error,
    "OutputError": _raise_output_error,
    "DraftsRefused": _raise_drafts_refused,
    "IntakeInvalid": _raise_intake_invalid,
    "PdfError": _raise_pdf_error,
    "PledgeListInvalid": _raise_pledge_list_invalid,
    "ReturnsLogError": _raise_returns_log_error,
    "ConfirmError": _raise_confirm_error,
    "WorkbookRefused": _raise_workbook_refused,
    "RecordChanged": _raise_record_changed,
    "TakenFileChanged": _raise_taken_file_changed,
}


def _error_classes() -> set[str]:
    import importlib
    import pkgutil

    import reportgen
    from reportgen.errors import ReportgenError

    for module in pkgutil.walk_packages(reportgen.__path__, "reportgen."):
        # unoworker runs inside LibreOffice's Python, not reportgen's
        if not module.name.endswith((".unoworker", ".__main__")):
            importlib.import_module(module.name)
    found: set[str] = set()
    todo: list[type] = [ReportgenError]
    while todo:
        cls = todo.pop()
        found.add(cls.__name__)
        todo.extend(cls.__subclasses__())
    return found


def test_every_error_class_has_a_way_to_raise_it_here() -> None:
    """A new error class comes with its raiser above, so its language is tested too."""
    assert _error_classes() == set(RAISERS)


def _raised(name: str, tmp_path: Path, records_dir: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    from reportgen.errors import ReportgenError

    raiser = RAISERS[name]
    params = raiser.__code__.co_varnames[: raiser.__code__.co_argcount]
    kwargs = {"records_dir": records_dir, "monkeypatch": monkeypatch}
    with pytest.raises(ReportgenError) as caught:
        raiser(tmp_path, **{k: kwargs[k] for k in params[1:]})
    assert type(caught.value).__name__ == name, caught.value
    buffer = io.StringIO()
    caught.value.show(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(RAISERS))
def test_every_error_speaks_korean_by_default(
    name: str, tmp_path: Path, records_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_locale(monkeypatch, None)
    shown = _raised(name, tmp_path, records_dir, monkeypatch)
    assert shown.startswith("오류: "), shown
    assert HANGUL.search(shown.removeprefix("오류: ")), shown
    assert not _english_sentences(shown), (_english_sentences(shown), shown)


@pytest.mark.parametrize("name", sorted(RAISERS))
def test_every_error_speaks_english_under_an_english_locale(
    name: str, tmp_path: Path, records_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    set_locale(monkeypatch, "en_US.UTF-8")
    shown = _raised(name, tmp_path, records_dir, monkeypatch)
    assert shown.startswith("Error: "), shown
    assert _english_sentences(shown) or "Error: " in shown, shown
    assert not re.search(r"[가-힣]+(?:니다|시오)\b", shown), shown


WARNINGS = [
    # (records change, a word of the Korean warning)
    ({"reports": {"2022H1": {"draft": True, "status": "정상추진"}}}, "초안"),
    ({"achievements": [{"period": "2019", "entries": [{"text": "3.5. 착공"}]}]}, "달이 있습니다"),
    ({"reports": {"2022H1": {"status": "정상 추진"}}}, "추진상황"),
]


@pytest.mark.parametrize(("change", "word"), WARNINGS, ids=["draft", "whole-year", "status"])
def test_a_sample_of_warnings_speaks_korean(
    change: dict[str, object],
    word: str,
    tmp_path: Path,
    make_pledge: Callable[..., dict[str, object]],
    write_records: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from reportgen.records.validate import check

    set_locale(monkeypatch, None)
    directory = write_records(tmp_path, {"1-1-1": make_pledge(**change)})
    _records, warnings = check(directory, Period(2022, 1))
    lines = [str(w) for w in warnings]
    assert any(word in line for line in lines), lines
    for line in lines:
        assert ": 경고: " in line and not _english_sentences(line), line
    set_locale(monkeypatch, "en_US.UTF-8")
    _records, warnings = check(directory, Period(2022, 1))
    for warning in warnings:
        assert ": warning: " in str(warning), warning


@pytest.mark.usefixtures("korean_messages")
def test_prompts_and_their_end_speak_korean(tmp_path: Path) -> None:
    # A wrong answer is asked again in Korean; the end of input stops in Korean.
    result = CliRunner().invoke(main, ["init", str(tmp_path / "r")], input="가람군\n도\n")
    assert result.exit_code == 1, result.output
    assert "오류: 다음 중 하나를 쓰십시오: 시, 군, 구" in result.output
    assert "오류: 중단했습니다." in result.output
    assert "Aborted" not in result.output and not (tmp_path / "r").exists()


# ---------------------------------------------------------------------------
# Progress: on a terminal, not in scripts


def _build_with_stderr(tmp_path: Path, name: str, terminal: bool) -> str:
    """``reportgen build`` of 30 pledges on two workers; its stderr, a terminal's or a pipe's."""
    import pty

    from .synthetic import write_synthetic_records

    records = tmp_path / "records"
    if not records.exists():
        write_synthetic_records(records, 30)
    env = {k: v for k, v in os.environ.items() if k not in ("LANGUAGE", "LC_ALL", "LC_MESSAGES")}
    env.pop("LANG", None)
    run = "from reportgen.cli import main; main()"
    args = [sys.executable, "-c", run, "build", "2022H1", "--records", str(records)]
    args += ["--templates", str(Path(__file__).parent.parent / "templates")]
    args += ["--out", str(tmp_path / name), "-j", "2"]
    if not terminal:
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stderr
    master, slave = pty.openpty()
    with subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=slave) as proc:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: the build is over
                break
            if not chunk:
                break
            chunks.append(chunk)
        assert proc.wait(timeout=300) == 0
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_a_build_shows_progress_on_a_terminal_and_none_in_scripts(tmp_path: Path) -> None:
    shown = _build_with_stderr(tmp_path, "tty", terminal=True)
    assert "2022H1 보고서 만드는 중" in shown, shown
    # Workers report chunks of pledges: the bar still reaches the end.
    assert "100%" in shown, shown
    piped = _build_with_stderr(tmp_path, "pipe", terminal=False)
    assert "만드는 중" not in piped and "%" not in piped, piped


@pytest.mark.usefixtures("korean_messages")
def test_a_records_folder_without_report_json_says_where_to_go(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "records").mkdir()
    result = CliRunner().invoke(main, ["build", "2022H1"])
    assert result.exit_code == 1, result.output
    assert "report.json" in result.output and "--records" in result.output, result.output
    assert [p.name for p in tmp_path.iterdir()] == ["records"]


def test_the_systems_refusals_are_said_in_the_interfaces_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno

    from reportgen.i18n import os_reason

    denied = PermissionError(errno.EACCES, "Permission denied")
    set_locale(monkeypatch, None)
    assert os_reason(denied) == "권한이 없습니다"
    assert (
        os_reason(OSError(errno.ENOSPC, "No space left on device")) == "디스크에 빈 공간이 없습니다"
    )
    assert (
        os_reason(OSError(errno.EPIPE, "Broken pipe")) == "Broken pipe"
    )  # rare: as the system says
    set_locale(monkeypatch, "en_US.UTF-8")
    assert os_reason(denied) == "Permission denied"


@pytest.mark.usefixtures("korean_messages")
def test_a_yes_or_no_is_asked_in_korean(monkeypatch: pytest.MonkeyPatch) -> None:
    from reportgen import cli

    answers = iter(["몰라", "예"])
    monkeypatch.setattr(cli.click, "prompt", lambda *a, **k: next(answers))
    shown: list[str] = []
    monkeypatch.setattr(cli.click, "echo", lambda text="", **k: shown.append(str(text)))
    assert cli._ask_yes("확정할까요?") is True
    assert shown == ["오류: 예 또는 아니오로 답하십시오."]
    monkeypatch.setattr(cli.click, "prompt", lambda *a, **k: "")
    assert cli._ask_yes("확정할까요?") is False  # no answer is no


@pytest.mark.usefixtures("korean_messages")
@pytest.mark.parametrize(
    ("source", "said"),
    [
        ("{{ p.titel }}", "titel 속성이 없습니다"),
        ("{{ zz }}", "zz: 정의되지 않은 이름입니다"),
        ("{% foo %}", "알 수 없는 태그입니다: foo"),
        ("{% if x %}y", "블록이 닫히기 전에 서식이 끝났습니다"),
        ("{% for x in %}", "식이 와야 할 자리입니다. 있는 것: '%}'"),
    ],
)
def test_a_broken_template_tag_is_explained_in_korean(source: str, said: str) -> None:
    from reportgen.errors import TemplateError
    from reportgen.formats import sandbox

    with pytest.raises(TemplateError) as caught:
        compiled = sandbox.compile_source(source, Path("pledge.docx"))
        sandbox.render(compiled, {"p": {"title": "제목"}}, Path("pledge.docx"), source)
    assert said in caught.value.message and "근처)" in caught.value.message
    assert not _english_sentences(caught.value.message.replace("dict object", "")), caught.value


@pytest.mark.usefixtures("korean_messages")
def test_a_usage_error_raised_inside_a_command_is_korean(records_dir: Path) -> None:
    result = CliRunner().invoke(
        main, ["publish", "2022H1", "--all", "--records", str(records_dir)], prog_name="reportgen"
    )
    assert result.exit_code == 2, result.output
    assert "오류: --all과 기간은 함께 쓸 수 없습니다." in result.output
    assert "사용법: reportgen publish" in result.output and "Error" not in result.output
