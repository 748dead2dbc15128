"""Records are untrusted input: hostile files give one clear line each, never a hang or a traceback.

Each case is checked on its Problem (file, JSON path, message) from
``load_records`` and on ``reportgen validate --records DIR`` (exit 1, one line
per problem, no traceback, never "sound"):

- only regular files inside the records directory are read (no FIFO, device,
  directory, or link leaving the directory), their size checked before reading;
- nesting deeper than :data:`~reportgen.records.load.MAX_DEPTH` is one error;
- numbers a figure cannot be (NaN, 1e309, thousands of digits, more than 15
  significant digits) are errors at the number's path, and amounts and counts
  are bounded;
- overlong keys and values are quoted a few dozen characters at most;
- periods, pledge ids and fiscal columns take ASCII digits only;
- bidirectional controls and zero-width characters are removed with a warning.
"""

from __future__ import annotations

import json
import os
import signal
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.errors import PeriodError, Problem
from reportgen.records.load import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_PROBLEMS_PER_FILE,
    _read_bytes,
    load_records,
)
from reportgen.records.model import MAX_AMOUNT, MAX_COUNT
from reportgen.records.periods import Period, ascii_digits
from reportgen.records.text import clean_text

from .conftest import RECORDS

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

FILE = "1-1-1.json"
FIGURE = ["reports", "2022H1", "budget", "plan", 0, "sources", "시비", "2018"]
FIGURE_PATH = "$.reports.2022H1.budget.plan[0].sources.시비.2018"
LONGEST_LINE = 400  # a problem line names a file and a path and quotes a few dozen characters


def _set(pledge: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    node: Any = pledge
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return pledge


def _errors(directory: Path) -> list[Problem]:
    """Every error reading and validating ``directory`` finds (load, then the rules)."""
    from reportgen.errors import RecordsInvalid, Severity
    from reportgen.records.validate import check

    try:
        check(directory)
    except RecordsInvalid as exc:
        return [p for p in exc.problems if p.severity is Severity.ERROR]
    return []


def _only_error(directory: Path) -> Problem:
    errors = _errors(directory)
    assert len(errors) == 1, "\n".join(map(str, errors))
    return errors[0]


def _refused(cli: Any, directory: Path, *args: str) -> list[str]:
    """validate refuses the records: exit 1, no traceback, short lines, never 'sound'."""
    lines = cli.rejected(directory, *args)
    output = cli.run(directory, *args).output
    assert "sound" not in output
    assert "MemoryError" not in output and "RecursionError" not in output
    assert all(len(line) <= LONGEST_LINE for line in output.splitlines()), max(
        map(len, output.splitlines())
    )
    return [line for line in lines if ": error: " in line]


@contextmanager
def _within(seconds: int) -> Iterator[None]:
    """Fail instead of hanging (a FIFO opened for reading blocks until a writer comes)."""

    def expired(_signum: int, _frame: Any) -> None:
        raise TimeoutError(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _json_with(pledge: dict[str, Any], placeholder: str, raw: str) -> str:
    """The pledge as JSON text with ``"placeholder"`` replaced by raw JSON (NaN, 1e309 …)."""
    text = json.dumps(pledge, ensure_ascii=False)
    assert text.count(f'"{placeholder}"') == 1
    return text.replace(f'"{placeholder}"', raw)


# ---------------------------------------------------------------------------
# 1. Only regular files inside the records directory are read


def test_fifo_named_like_a_record_is_refused_without_blocking(
    tmp_path, write_records, make_pledge, cli
):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    os.mkfifo(directory / "x.json")
    with _within(20):
        problem = _only_error(directory)
        assert (problem.file, problem.path) == ("x.json", "")
        assert "named pipe (FIFO)" in problem.message and "plain .json file" in problem.message
        (line,) = _refused(cli, directory)
    assert line.startswith("Error: x.json: error: is a named pipe")


def test_fifo_as_report_json_is_refused_without_blocking(tmp_path, write_records, make_pledge):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    (directory / "report.json").unlink()
    os.mkfifo(directory / "report.json")
    with _within(20):
        problem = _only_error(directory)
    assert problem.file == "report.json" and "named pipe" in problem.message


def test_directory_named_like_a_record_is_refused(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    (directory / "1-1-2.json").mkdir()
    problem = _only_error(directory)
    assert problem.file == "1-1-2.json" and "is a directory" in problem.message
    assert len(_refused(cli, directory)) == 1


def test_device_named_like_a_record_is_refused(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    try:
        os.mknod(directory / "zero.json", 0o600 | stat.S_IFCHR, os.makedev(1, 5))  # /dev/zero
    except (PermissionError, OSError) as exc:
        pytest.skip(f"cannot make a device node here: {exc}")
    with _within(20):
        problem = _only_error(directory)
        assert problem.file == "zero.json" and "is a device" in problem.message
        assert len(_refused(cli, directory)) == 1


def test_device_is_refused_before_reading_it() -> None:
    # Without the rights to make a device node: /dev itself as the directory.
    with _within(20):
        assert "is a device" in str(_read_bytes(Path("/dev"), "zero"))


@pytest.mark.parametrize(
    "target",
    [
        pytest.param("/etc/passwd", id="absolute"),
        pytest.param("../outside.json", id="relative"),
        pytest.param("../records2/1-1-1.json", id="sibling-directory"),
    ],
)
def test_link_leaving_the_directory_is_refused(tmp_path, write_records, make_pledge, cli, target):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    # A valid pledge outside the directory: the link is refused, not its content.
    (tmp_path / "outside.json").write_text(json.dumps(make_pledge("1-1-2")), encoding="utf-8")
    (tmp_path / "records2").mkdir()
    (tmp_path / "records2" / "1-1-1.json").write_text(json.dumps(make_pledge("1-1-2")))
    (directory / "1-1-2.json").symlink_to(target)
    records = load_records(directory)
    (problem,) = records.errors
    assert problem.file == "1-1-2.json"
    assert "link to a file outside the records directory" in problem.message
    assert [p.id for p in records.pledges] == ["1-1-1"]
    assert "1-1-2.json" not in records.sources
    assert len(_refused(cli, directory)) == 1


def test_report_json_linked_from_outside_is_refused(tmp_path, write_records, make_pledge):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    outside = tmp_path / "report.json"
    outside.write_bytes((directory / "report.json").read_bytes())
    (directory / "report.json").unlink()
    (directory / "report.json").symlink_to(outside)
    problem = _only_error(directory)
    assert problem.file == "report.json" and "outside the records directory" in problem.message


def test_link_to_a_file_inside_the_directory_is_read(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    (directory / "kept").mkdir()
    (directory / "kept" / "1-1-2.json").write_text(
        json.dumps(make_pledge("1-1-2"), ensure_ascii=False), encoding="utf-8"
    )
    (directory / "1-1-2.json").symlink_to("kept/1-1-2.json")
    records = load_records(directory)
    assert records.problems == []
    assert [p.id for p in records.pledges] == ["1-1-1", "1-1-2"]
    cli.accepted(directory)


@pytest.mark.parametrize(
    "make_link",
    [
        pytest.param(lambda d: (d / "1-1-2.json").symlink_to("missing.json"), id="dangling"),
        pytest.param(
            lambda d: (
                (d / "1-1-2.json").symlink_to("a.json"),
                (d / "a.json").symlink_to("1-1-2.json"),
            ),
            id="loop",
        ),
        pytest.param(lambda d: (d / "1-1-2.json").symlink_to("."), id="the-directory"),
    ],
)
def test_broken_links_are_one_error_each(tmp_path, write_records, make_pledge, cli, make_link):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    make_link(directory)
    errors = _errors(directory)
    assert errors and {p.path for p in errors} == {""}
    assert all(p.file.endswith(".json") for p in errors)
    _refused(cli, directory)


def test_size_is_checked_before_reading(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    with open(directory / "1-1-2.json", "wb") as sparse:
        sparse.truncate(64 * 1024**3)  # 64 GiB, no block written: reading it would never end
    with _within(20):
        problem = _only_error(directory)
        assert problem.file == "1-1-2.json"
        assert f"file is {64 * 1024**3:,} bytes; a record is at most {MAX_FILE_BYTES:,}" == (
            problem.message
        )
        assert len(_refused(cli, directory)) == 1


# ---------------------------------------------------------------------------
# 2. Nesting


def test_shipped_records_nest_far_below_the_limit() -> None:
    def depth(node: Any) -> int:
        if isinstance(node, dict):
            return 1 + max(map(depth, node.values()), default=0)
        if isinstance(node, list):
            return 1 + max(map(depth, node), default=0)
        return 0

    deepest = max(
        depth(json.loads(path.read_text(encoding="utf-8"))) for path in RECORDS.glob("*.json")
    )
    assert deepest <= 12 and 4 * deepest <= MAX_DEPTH


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("[" * 100_000 + "]" * 100_000, "$[0][0][0]", id="top-level-list"),
        pytest.param(
            '{"id": "1-1-1", "title": ' + "[" * 100_000 + "]" * 100_000 + "}",
            "$.title[0][0]",
            id="in-a-value",
        ),
        pytest.param(
            '{"a": {"b": [1, ' + '{"c": ' * 50_000 + "1" + "}" * 50_000 + "]}}",
            "$.a.b[1].c.c.c",
            id="objects",
        ),
    ],
)
def test_nesting_too_deep_for_the_parser_is_one_error(tmp_path, write_records, cli, text, where):
    directory = write_records(tmp_path, {"1-1-1": text})
    problem = _only_error(directory)
    assert problem.file == FILE
    assert problem.path.startswith(where) and len(problem.path) <= 200
    assert f"nested more than {MAX_DEPTH} levels deep" in problem.message
    assert "line 1, column" in problem.message
    (line,) = _refused(cli, directory)
    assert "nested more than" in line


def _children(levels: int) -> dict[str, Any]:
    item: dict[str, Any] = {"text": "맨 아래"}
    for i in range(levels):
        item = {"text": f"{levels - i}단계", "children": [item]}
    return item


def test_two_hundred_levels_of_children_are_one_error(tmp_path, write_records, make_pledge, cli):
    pledge = make_pledge()
    pledge["achievements"][1]["entries"] = [_children(200)]
    directory = write_records(tmp_path, {"1-1-1": pledge})
    problem = _only_error(directory)
    assert problem.path.startswith("$.achievements[1].entries[0].children[0].children[0]")
    assert len(problem.path) <= 200
    assert f"nested more than {MAX_DEPTH} levels deep" in problem.message
    assert len(_refused(cli, directory)) == 1


def test_a_deep_but_plausible_item_tree_still_loads(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    pledge["achievements"][1]["entries"] = [_children(20)]  # 45 levels in all
    directory = write_records(tmp_path, {"1-1-1": pledge})
    assert load_records(directory).errors == []


# ---------------------------------------------------------------------------
# 3. Numbers


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        pytest.param("1e309", "1e309 is out of range", id="overflow"),
        pytest.param("-1e309", "-1e309 is out of range", id="negative-overflow"),
        pytest.param("1e-400", "1e-400 is out of range", id="underflow"),
        pytest.param("NaN", "NaN is not a number a record can hold", id="nan"),
        pytest.param("Infinity", "Infinity is not a number", id="infinity"),
        pytest.param("-Infinity", "-Infinity is not a number", id="minus-infinity"),
        pytest.param(
            "9" * 5000, "'99999999999999999999'… (5,000 characters) is too long", id="int-5000"
        ),
        pytest.param("1" + "0" * 20, "is too long", id="int-21-digits"),
        pytest.param("1234567890123456", "is too long", id="int-16-digits"),
        pytest.param("1.23456789012345678", "has 18 significant digits", id="too-precise"),
        pytest.param("0." + "1" * 16, "has 16 significant digits", id="too-many-decimals"),
        pytest.param("1." + "0" * 5000, "is too long", id="float-5000"),
        pytest.param("1e15", "1e15 is out of range", id="1e15"),
    ],
)
def test_number_no_figure_can_be_is_an_error_at_its_path(
    tmp_path, write_records, make_pledge, cli, raw, message
):
    text = _json_with(_set(make_pledge(), FIGURE, "NUMBER"), "NUMBER", raw)
    directory = write_records(tmp_path, {"1-1-1": text})
    problem = _only_error(directory)
    assert (problem.file, problem.path) == (FILE, FIGURE_PATH)
    assert message in problem.message
    assert "at most 15 significant digits" in problem.message or "write a figure" in problem.message
    (line,) = _refused(cli, directory)
    assert f"{FILE}: {FIGURE_PATH}: error: " in line


def test_a_number_anywhere_is_checked(tmp_path, write_records, make_pledge, records_dir):
    text = _json_with(make_pledge(note="X"), "X", "NaN")
    settings = (records_dir / "report.json").read_text(encoding="utf-8")
    directory = write_records(tmp_path, {"1-1-1": text})
    (directory / "report.json").write_text(
        settings.replace('"city"', '"zz": ' + "7" * 5000 + ', "city"', 1), encoding="utf-8"
    )
    found = {(p.file, p.path) for p in _errors(directory)}
    assert found == {(FILE, "$.note"), ("report.json", "$.zz")}


@pytest.mark.parametrize("value", [0, 12, 12.5, 0.001, 12.345, 999_999_999, 999_999_999.999, 1.5e3])
def test_plausible_numbers_are_kept(tmp_path, write_records, make_pledge, value):
    directory = write_records(tmp_path, {"1-1-1": _set(make_pledge(), FIGURE, value)})
    records = load_records(directory)
    assert records.errors == []
    budget = records.pledges[0].reports[Period(2022, 1)].budget
    assert budget is not None
    assert budget.plan[0].sources["시비"]["2018"] == Decimal(repr(value))


@pytest.mark.parametrize(
    ("path", "value", "where", "message"),
    [
        pytest.param(FIGURE, MAX_AMOUNT, FIGURE_PATH, "below 1,000,000,000", id="amount-huge"),
        pytest.param(FIGURE, 10**14, FIGURE_PATH, "not a plausible amount", id="amount-10e14"),
        pytest.param(FIGURE, 12.3456, FIGURE_PATH, "more than 3 decimal places", id="decimals"),
        pytest.param(
            ["reports", "2022H1", "budget", "secured", 0, "sources", "시비", "2018", "executed"],
            2 * MAX_AMOUNT,
            "$.reports.2022H1.budget.secured[0].sources.시비.2018.executed",
            "not a plausible amount",
            id="executed-huge",
        ),
        pytest.param(
            ["reports", "2022H1", "participation", "meetings"],
            MAX_COUNT,
            "$.reports.2022H1.participation.meetings",
            f"less than {MAX_COUNT}",
            id="count-huge",
        ),
    ],
)
def test_amounts_and_counts_are_bounded(
    tmp_path, write_records, make_pledge, cli, path, value, where, message
):
    directory = write_records(tmp_path, {"1-1-1": _set(make_pledge(), path, value)})
    problem = _only_error(directory)
    assert (problem.file, problem.path) == (FILE, where)
    assert message in problem.message
    assert len(_refused(cli, directory)) == 1


def test_count_just_below_the_bound_is_kept(tmp_path, write_records, make_pledge):
    pledge = _set(make_pledge(), ["reports", "2022H1", "participation", "meetings"], 10**6)
    assert load_records(write_records(tmp_path, {"1-1-1": pledge})).errors == []


# ---------------------------------------------------------------------------
# 4. Overlong keys and values


MEGA = 1_000_000


@pytest.mark.parametrize(
    ("change", "where", "message"),
    [
        pytest.param(
            lambda p: p.update({"k" * MEGA: 1}),
            "$.kkkkkkkkkkkkkkkkkkkkkkkk…",
            "(1,000,000 characters) is too long to be a key",
            id="key-top",
        ),
        pytest.param(
            lambda p: p["reports"]["2022H1"].update({"가" * MEGA: {}}),
            "$.reports.2022H1.가가가가가가가가가가가가가가가가가가가가가가가가…",
            "is too long to be a key (at most 64 characters)",
            id="key-nested",
        ),
        pytest.param(
            lambda p: p["reports"]["2022H1"]["budget"]["plan"][0]["sources"].update(
                {"구" * 60: {"2019": 1}}
            ),
            "$.reports.2022H1.budget.plan[0].sources." + "구" * 60,
            "… (60 characters) is not a funding source",
            id="funding-source",
        ),
        pytest.param(
            lambda p: p.update(title="가" * MEGA),
            "$.title",
            "text is 1,000,000 characters",
            id="title",
        ),
        pytest.param(
            lambda p: p["achievements"][0].update(period="2" * MEGA),
            "$.achievements[0].period",
            "(1,000,000 characters) is not a period",
            id="period",
        ),
        pytest.param(
            lambda p: p.update(id="1-1-" + "1" * MEGA),
            "$.id",
            "(1,000,004 characters) is not a pledge number: a pledge number has at most 24",
            id="id",
        ),
        pytest.param(
            lambda p: p.update({"$schema": "s" * MEGA}),
            "$.$schema",
            "text is 1,000,000 characters",
            id="schema",
        ),
        pytest.param(
            lambda p: _set(p, FIGURE, "x" * MEGA),
            FIGURE_PATH,
            "not 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… (1,000,000 characters)",
            id="figure-text",
        ),
        pytest.param(
            lambda p: p["reports"]["2022H1"].update(status="보" * MEGA),
            "$.reports.2022H1.status",
            "text is 1,000,000 characters",
            id="status",
        ),
        pytest.param(
            lambda p: p.update({"x" * 60: 1}),
            "$." + "x" * 60,
            "unknown key 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'… (60 characters)",
            id="unknown-key",
        ),
    ],
)
def test_overlong_values_are_quoted_short(
    tmp_path, write_records, make_pledge, cli, change, where, message
):
    pledge = make_pledge()
    change(pledge)
    directory = write_records(tmp_path, {"1-1-1": pledge})
    problem = _only_error(directory)
    assert (problem.file, problem.path) == (FILE, where)
    assert message in problem.message
    assert len(str(problem)) <= LONGEST_LINE
    assert len(_refused(cli, directory)) == 1


def test_overlong_settings_title_is_an_error(tmp_path, write_records, make_pledge, records_dir):
    settings = json.loads((records_dir / "report.json").read_text(encoding="utf-8"))
    settings["title"] = "보" * MEGA
    directory = write_records(tmp_path, {"1-1-1": make_pledge()}, settings=settings)
    problem = _only_error(directory)
    assert (problem.file, problem.path) == ("report.json", "$.title")
    assert len(str(problem)) <= LONGEST_LINE


def test_overlong_values_are_quoted_short_by_the_rules(tmp_path, write_records, make_pledge, cli):
    pledge = make_pledge()
    budget = pledge["reports"]["2022H1"]["budget"]
    budget["plan"].append(dict(budget["plan"][0]))
    budget["plan"][0]["name"] = budget["plan"][1]["name"] = "사" * 500
    pledge["reports"]["2022H1"]["status"] = "상" * 500
    directory = write_records(tmp_path, {"1-1-1": pledge})
    lines = _refused(cli, directory)
    assert len(lines) >= 3  # the sub-project twice, the status
    assert all("(500 characters)" in line for line in lines)


def test_a_file_name_cannot_break_a_line(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    (directory / "a\nb\u202e.json").write_text("{", encoding="utf-8")
    problem = _only_error(directory)
    assert problem.file == "a\\u000ab\\u202e.json"
    (line,) = _refused(cli, directory)
    assert line.startswith("Error: a\\u000ab\\u202e.json: error: not valid JSON")


# ---------------------------------------------------------------------------
# 5. ASCII digits only


FULL_WIDTH = "２０２２H1"
ARABIC_INDIC = "\u0662\u0660\u0662\u0662H1"  # ٢٠٢٢H1


@pytest.mark.parametrize("typed", [FULL_WIDTH, ARABIC_INDIC, "２０２２Ｈ１"])
def test_period_with_other_digits_says_what_was_meant(typed: str) -> None:
    with pytest.raises(PeriodError) as info:
        Period.parse(typed)
    assert "is not a period: write ASCII digits: '2022H1'" in info.value.message
    assert ascii_digits(typed) == "2022H1"


@pytest.mark.parametrize("typed", [FULL_WIDTH, ARABIC_INDIC])
def test_report_key_with_other_digits_is_an_error(tmp_path, write_records, make_pledge, cli, typed):
    pledge = make_pledge()
    pledge["reports"][typed] = pledge["reports"].pop("2022H1")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    problem = _only_error(directory)
    assert problem.path == f"$.reports.{typed} (key)"
    assert problem.message.endswith("is not a period: write ASCII digits: '2022H1'")
    assert len(_refused(cli, directory)) == 1


def test_report_key_with_other_digits_beside_the_ascii_one(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    pledge["reports"][FULL_WIDTH] = {"status": "완료"}
    directory = write_records(tmp_path, {"1-1-1": pledge})
    problem = _only_error(directory)
    assert problem.path == f"$.reports.{FULL_WIDTH} (key)"
    assert "write ASCII digits: '2022H1'" in problem.message


@pytest.mark.parametrize(
    ("path", "typed", "where", "meant"),
    [
        pytest.param(
            ["achievements", 1, "period"],
            "２０２１H1",
            "$.achievements[1].period",
            "2021H1",
            id="group-period",
        ),
        pytest.param(
            ["achievements", 1, "entries", 0, "period"],
            "\u0662\u0660\u0662\u0661H1",
            "$.achievements[1].entries[0].period",
            "2021H1",
            id="item-period",
        ),
        pytest.param(
            ["plans", 0, "period"], "２０２２H1", "$.plans[0].period", "2022H1", id="plan"
        ),
        pytest.param(["id"], "1-４-5", "$.id", "1-4-5", id="pledge-id"),
    ],
)
def test_other_digits_in_a_pledge_say_what_was_meant(
    tmp_path, write_records, make_pledge, cli, path, typed, where, meant
):
    pledge = _set(make_pledge(), path, typed)
    directory = write_records(tmp_path, {typed if path == ["id"] else "1-1-1": pledge})
    errors = _errors(directory)
    assert [p.path for p in errors] == [where], errors
    assert f"write ASCII digits: '{meant}'" in errors[0].message
    assert len(_refused(cli, directory)) == 1


@pytest.mark.parametrize(
    ("path", "where", "meant"),
    [
        pytest.param(
            ["reports", "2022H1", "budget", "plan", 0, "sources", "시비", "２０１９"],
            "$.reports.2022H1.budget.plan[0].sources.시비.２０１９",
            "2019",
            id="plan-column",
        ),
        pytest.param(
            [
                "reports",
                "2022H1",
                "budget",
                "secured",
                0,
                "sources",
                "시비",
                "\u0662\u0660\u0662\u0660",
            ],
            "$.reports.2022H1.budget.secured[0].sources.시비.\u0662\u0660\u0662\u0660",
            "2020",
            id="secured-column",
        ),
        pytest.param(
            ["reports", "2022H1", "budget", "printed_grand_total"],
            "$.reports.2022H1.budget.printed_grand_total.２０１８",
            "2018",
            id="printed-total-column",
        ),
    ],
)
def test_fiscal_column_with_other_digits_says_what_was_meant(
    tmp_path, write_records, make_pledge, cli, path, where, meant
):
    value: Any = {"secured": 1} if "secured" in path else 1
    if path[-1] == "printed_grand_total":
        value = {"２０１８": 1}
    directory = write_records(tmp_path, {"1-1-1": _set(make_pledge(), path, value)})
    assert load_records(directory).errors == []  # which columns a term has is a rule
    (line,) = _refused(cli, directory)
    assert f"{FILE}: {where}: error: " in line
    assert line.endswith(f"is not a column: write ASCII digits: '{meant}'")


def test_term_with_other_digits_is_an_error(tmp_path, write_records, make_pledge, records_dir):
    settings = json.loads((records_dir / "report.json").read_text(encoding="utf-8"))
    settings["term"]["start"] = "２０１８H2"
    directory = write_records(tmp_path, {"1-1-1": make_pledge()}, settings=settings)
    problem = _only_error(directory)
    assert (problem.file, problem.path) == ("report.json", "$.term.start")
    assert "write ASCII digits: '2018H2'" in problem.message


@pytest.mark.parametrize("typed", [FULL_WIDTH, ARABIC_INDIC])
def test_period_on_the_command_line_takes_ascii_digits(tmp_path, write_records, make_pledge, typed):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    result = CliRunner().invoke(main, ["validate", "--records", str(directory), "--period", typed])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and "sound" not in result.output
    assert "write ASCII digits: '2022H1'" in result.output


# ---------------------------------------------------------------------------
# 6. Invisible characters


INVISIBLE = [
    *map(chr, range(0x202A, 0x202F)),  # LRE RLE PDF LRO RLO
    *map(chr, range(0x2066, 0x206A)),  # LRI RLI FSI PDI
    "\u200e",  # LRM
    "\u200f",  # RLM
    "\u061c",  # ALM
    "\u200b",  # ZWSP
    "\u200c",  # ZWNJ
    "\u200d",  # ZWJ
    "\u2060",  # WORD JOINER
    "\ufeff",  # BOM inside text
]


@pytest.mark.parametrize("char", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
def test_invisible_character_is_removed_with_a_warning(
    tmp_path, write_records, make_pledge, cli, char
):
    pledge = make_pledge(title=f"시험{char} 공약", department=f"{char}일자리정책과")
    pledge["achievements"][1]["entries"][0]["text"] = f"상반기 {char}실적{char}"
    directory = write_records(tmp_path, {"1-1-1": pledge})
    records = load_records(directory)
    assert records.errors == []
    (loaded,) = records.pledges
    assert loaded.title == "시험 공약"
    assert loaded.department == "일자리정책과"
    assert loaded.achievements[1].entries[0].text == "상반기 실적"
    assert {p.path for p in records.warnings} == {
        "$.title",
        "$.department",
        "$.achievements[1].entries[0].text",
    }
    assert all("invisible characters removed" in p.message for p in records.warnings)
    result = cli.accepted(directory)
    assert char not in result.output


def test_invisible_character_in_a_key_is_removed(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    pledge["title\u200b"] = pledge.pop("title")
    pledge["reports"]["2022H1\u202e"] = pledge["reports"].pop("2022H1")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    records = load_records(directory)
    assert records.errors == []
    assert {p.path for p in records.warnings} == {"$.title\\u200b", "$.reports.2022H1\\u202e"}
    assert records.pledges[0].title == "시험 공약"


def test_keys_equal_once_invisible_characters_go_are_an_error(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    pledge["title\u200b"] = "다른 공약"
    problem = _only_error(write_records(tmp_path, {"1-1-1": pledge}))
    assert problem.path == "$.title" and "are the same key" in problem.message


@pytest.mark.parametrize("text", ["👩\u200d👩\u200d👧 가족", "🏳️\u200d🌈", "👨\u200d💻 개발"])
def test_a_zwj_joining_emoji_stays(text: str) -> None:
    seen: list[str] = []
    assert clean_text(text, "$.x", lambda _p, m: seen.append(m)) == text
    assert seen == []


def test_removing_invisible_characters_leaves_other_repairs_working() -> None:
    seen: list[str] = []
    out = clean_text(
        "\u202e ○ 가\u200b나\n다 ", "$.x", lambda _p, m: seen.append(m), item_text=True
    )
    assert out == "가나 다"
    assert len(seen) == 4


# ---------------------------------------------------------------------------
# Every hostile case at once: all reported, none stops the others


def test_every_hostile_file_is_reported_in_one_run(tmp_path, write_records, make_pledge, cli):
    directory = write_records(
        tmp_path,
        {
            "1-1-1": make_pledge(),
            "1-1-2": "[" * 100_000 + "]" * 100_000,
            "1-1-3": _json_with(_set(make_pledge("1-1-3"), FIGURE, "N"), "N", "1e309"),
            "1-1-4": make_pledge("1-1-4", title="가" * MEGA),
        },
    )
    os.mkfifo(directory / "1-1-5.json")
    (directory / "1-1-6.json").symlink_to("/etc/passwd")
    with _within(30):
        errors = _errors(directory)
        assert sorted(p.file for p in errors) == [f"1-1-{i}.json" for i in range(2, 7)]
        assert len(_refused(cli, directory)) == 5


# ---------------------------------------------------------------------------
# Thousands of mistakes in one file: the first ones, quickly


@pytest.mark.parametrize(
    "mistakes",
    [
        pytest.param(lambda p: p.update({f"zz{i}": 0 for i in range(50_000)}), id="unknown-keys"),
        pytest.param(lambda p: p.update(nan=["NAN"] * 50_000), id="nan"),
        pytest.param(
            lambda p: p["achievements"][1].update(
                entries=[{"text": f"{i}\x00"} for i in range(50_000)]
            ),
            id="repairs",
        ),
    ],
)
def test_a_file_of_many_mistakes_lists_the_first_hundred(
    tmp_path, write_records, make_pledge, cli, mistakes
):
    pledge = make_pledge()
    mistakes(pledge)
    text = json.dumps(pledge, ensure_ascii=False).replace('"NAN"', "NaN")
    directory = write_records(tmp_path, {"1-1-1": text})
    with _within(30):
        problems = load_records(directory).problems
        assert len(problems) == MAX_PROBLEMS_PER_FILE + 1
        assert problems[-1].message.startswith(
            f"{50_000 - MAX_PROBLEMS_PER_FILE:,} more problems like these"
        )
        assert len(cli.run(directory).output.splitlines()) < MAX_PROBLEMS_PER_FILE + 5
