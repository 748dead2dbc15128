"""`reportgen build` on broken and awkward records, through the real command line.

Broken records must stop the build cleanly: exit 1, no traceback, one line
naming the file and where in it (the JSON path, or line/column/byte when the
file cannot be parsed at all), and nothing written — no output directory and
no temporary directory left beside it.

Awkward but valid records must build: markup, quotes, emoji and NFD Hangul
print as NFC text; pasted control characters are removed with a warning that
names the file and the JSON path; a UTF-8 byte-order mark is accepted.

And the output location itself can be wrong: a file where the output
directory belongs.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner, Result
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph

from reportgen.build import build
from reportgen.cli import main
from reportgen.errors import OutputError
from reportgen.formats.writers import PLEDGE_DIR
from reportgen.records.load import load_records
from reportgen.records.periods import Period

from .conftest import REPO, make_pledge, write_records

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

TEMPLATES = REPO / "templates"


def run_build(records: Path, out: Path, period: str = "2022H1") -> Result:
    return CliRunner().invoke(
        main,
        [
            "build",
            period,
            "--records",
            str(records),
            "--templates",
            str(TEMPLATES),
            "--out",
            str(out),
        ],
    )


def leftovers(directory: Path) -> list[str]:
    """Temporary or half-swapped directories a build left behind."""
    if not directory.is_dir():
        return []
    return sorted(
        p.name
        for p in directory.iterdir()
        if p.name.startswith((".reportgen-tmp", ".reportgen-old"))
    )


def docx_text(path: Path) -> str:
    document = docx.Document(str(path))
    return "\n".join(Paragraph(p, document).text for p in document.element.body.iter(qn("w:p")))


def pledge_document(out: Path, pledge_id: str) -> Path:
    padded = "-".join(f"{int(x):02d}" for x in pledge_id.split("-"))
    (path,) = (out / PLEDGE_DIR).glob(f"{padded} *.docx")
    return path


def _json(record: dict[str, Any]) -> str:
    return json.dumps(record, ensure_ascii=False, indent=2)


# ---------------------------------------------------------------------------
# Broken records: exit 1, the file and the place named, nothing written


def _changed(change: Callable[[dict[str, Any]], None], pledge_id: str = "1-1-1") -> dict[str, Any]:
    record = make_pledge(pledge_id)
    change(record)
    return record


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A change that sets the value at a dotted path (list indexes as numbers)."""

    def change(record: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = record
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


GOOD = _json(make_pledge())
PLAN_CELL = "reports.2022H1.budget.plan.0.sources.시비.2018"
PLAN_CELL_PATH = "$.reports.2022H1.budget.plan[0].sources.시비.2018"


def _outside_report(record: dict[str, Any]) -> None:
    record["reports"]["2022H2"] = record["reports"]["2022H1"]


def _unknown_key(record: dict[str, Any]) -> None:
    record["reports"]["2022H1"]["statuss"] = "완료"


# (files, [(file, location, words of the message)]): every expected problem is one line.
BROKEN: dict[str, tuple[dict[str, Any], list[tuple[str, str, str]]]] = {
    "truncated JSON": (
        {"1-1-1": GOOD[: len(GOOD) // 2]},
        [("1-1-1.json", "", "not valid JSON at line ")],
    ),
    "empty file": ({"1-1-1": ""}, [("1-1-1.json", "", "the file is empty")]),
    "blank file": ({"1-1-1": " \n\t\n"}, [("1-1-1.json", "", "the file is empty")]),
    "invalid UTF-8": (
        {"1-1-1": GOOD.encode()[:40] + b"\xff\xfe\xc3" + GOOD.encode()[40:]},
        [("1-1-1.json", "", "not UTF-8 at byte 40 (line ")],
    ),
    "CP949 Hangul": (
        {"1-1-1": GOOD.encode("cp949")},
        [("1-1-1.json", "", "not UTF-8 at byte ")],
    ),
    "figure 'abc'": (
        {"1-1-1": _changed(_set(PLAN_CELL, "abc"))},
        [("1-1-1.json", PLAN_CELL_PATH, "an amount is a number")],
    ),
    "figure as text '20'": (
        {"1-1-1": _changed(_set(PLAN_CELL, "20"))},
        [("1-1-1.json", PLAN_CELL_PATH, "an amount is a number")],
    ),
    "list where an object belongs": (
        {"1-1-1": _changed(_set("reports.2022H1.contacts", []))},
        [("1-1-1.json", "$.reports.2022H1.contacts", "expected an object")],
    ),
    "object where a list belongs": (
        {"1-1-1": _changed(_set("plans", {"period": "2022H1"}))},
        [("1-1-1.json", "$.plans", "expected a list")],
    ),
    "a list at the top": ({"1-1-1": "[]"}, [("1-1-1.json", "$", "expected a JSON object")]),
    "duplicate pledge ids in two files": (
        {"1-1-1": make_pledge("1-1-1"), "1-1-2": make_pledge("1-1-1")},
        [
            ("1-1-1.json", "$.id", "pledge id 1-1-1 is also used by 1-1-2.json"),
            ("1-1-2.json", "$.id", "pledge id 1-1-1 is also used by 1-1-1.json"),
        ],
    ),
    "id '../../x'": (
        {"1-1-1": make_pledge("../../x")},
        [("1-1-1.json", "$.id", "is not a pledge number")],
    ),
    "id '1-4-5/..'": (
        {"1-4-5": make_pledge("1-4-5/..")},
        [("1-4-5.json", "$.id", "is not a pledge number")],
    ),
    "id '1:4:5'": (
        {"1:4:5": make_pledge("1:4:5")},
        [("1:4:5.json", "$.id", "is not a pledge number")],
    ),
    "id in a file of another name": (
        {"1-1-2": make_pledge("1-1-1")},
        [("1-1-2.json", "$.id", "must be named 1-1-1.json")],
    ),
    "achievement period outside the term": (
        {"1-1-1": _changed(_set("achievements.0.period", "2017H2"))},
        [("1-1-1.json", "$.achievements[0].period", "outside the term")],
    ),
    "item period outside the term": (
        {"1-1-1": _changed(_set("plans.0.entries.0.period", "2022H2"))},
        [("1-1-1.json", "$.plans[0].entries[0].period", "outside the term")],
    ),
    "report period outside the term": (
        {"1-1-1": _changed(_outside_report)},
        [("1-1-1.json", "$.reports.2022H2", "outside the term")],
    ),
    "negative amount": (
        {"1-1-1": _changed(_set(PLAN_CELL, -5))},
        [("1-1-1.json", PLAN_CELL_PATH, "cannot be negative")],
    ),
    "executed more than secured": (
        {
            "1-1-1": _changed(
                _set(
                    "reports.2022H1.budget.secured.0.sources.시비.2018",
                    {"secured": 10, "executed": 11},
                )
            )
        },
        [
            (
                "1-1-1.json",
                "$.reports.2022H1.budget.secured[0].sources.시비.2018",
                "exceeds secured",
            )
        ],
    ),
    "unknown key": (
        {"1-1-1": _changed(_unknown_key)},
        [("1-1-1.json", "$.reports.2022H1.statuss", "unknown key 'statuss'")],
    ),
    "200,000-character item": (
        {"1-1-1": _changed(_set("plans.0.entries.0.text", "가" * 200_000))},
        [("1-1-1.json", "$.plans[0].entries[0].text", "text is 200,000 characters")],
    ),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_records_stop_the_build_cleanly(case: str, tmp_path: Path) -> None:
    files, expected = BROKEN[case]
    records = write_records(tmp_path, files)
    out = tmp_path / "published" / "out"
    result = run_build(records, out)

    assert result.exit_code == 1, result.output
    # CliRunner swallows tracebacks: an unexpected exception shows up here, not in the text.
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = result.output.splitlines()
    for file, where, words in expected:
        prefix = f"{file}: {where}: error: " if where else f"{file}: error: "
        matching = [line for line in lines if prefix in line and words in line]
        assert matching, f"no line with {prefix!r} and {words!r} in:\n{result.output}"
    assert "nothing was written" in result.output
    assert not out.exists()
    assert leftovers(out.parent) == []
    for line in lines:  # a 200,000-character item is named, not echoed
        assert len(line) < 1000, line[:200]


def test_unknown_key_hint_names_a_key_valid_at_that_place(tmp_path: Path) -> None:
    records = write_records(tmp_path, {"1-1-1": _changed(_unknown_key)})
    result = run_build(records, tmp_path / "out")
    assert result.exit_code == 1
    assert "did you mean 'status'?" in result.output, result.output


def test_period_outside_the_term_on_the_command_line(tmp_path: Path) -> None:
    records = write_records(tmp_path, {"1-1-1": make_pledge()})
    out = tmp_path / "published" / "out"
    result = run_build(records, out, period="2023H1")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "2023H1 is outside the term" in result.output
    assert not out.exists() and leftovers(out.parent) == []


# ---------------------------------------------------------------------------
# Awkward but valid records: they build, and print what was meant

NFD_TITLE = unicodedata.normalize("NFD", "청년 일자리 공약")
NASTY = "A<B & \"C\" 'D' </w:t> ]]> {{ p.title }} {%p if x %} 😀 \u200f" + unicodedata.normalize(
    "NFD", "한글 항목"
)


def test_markup_emoji_and_nfd_hangul_print_as_nfc(tmp_path: Path) -> None:
    record = make_pledge(title=NFD_TITLE)
    record["plans"][0]["entries"][0]["text"] = NASTY
    record["reports"]["2022H1"]["problems"]["problems"][0]["text"] = NASTY
    records = write_records(tmp_path, {"1-1-1": record})
    assert not unicodedata.is_normalized("NFC", (records / "1-1-1.json").read_text("utf-8"))
    out = tmp_path / "out"
    result = run_build(records, out)
    assert result.exit_code == 0, result.output
    assert result.exception is None

    want = unicodedata.normalize("NFC", NASTY).replace("\u200f", "")  # the RLM is removed
    assert want != NASTY
    # Stored NFC once read …
    (pledge,) = load_records(records).pledges
    assert pledge.title == unicodedata.normalize("NFC", NFD_TITLE)
    assert pledge.plans[0].entries[0].text == want
    # … printed NFC, in the pledge's document and in the booklet.
    (booklet,) = out.glob("*.docx")
    for path in (pledge_document(out, "1-1-1"), booklet):
        text = docx_text(path)
        assert unicodedata.is_normalized("NFC", text), path.name
        assert text.count(want) >= 2, path.name  # the plan line and the problem line
        assert "청년 일자리 공약" in text
    assert pledge_document(out, "1-1-1").name == "01-01-01 청년 일자리 공약.docx"
    # The repair is reported, naming the file and the place.
    assert "1-1-1.json: $.plans[0].entries[0].text: warning: decomposed Hangul" in result.output


def test_pasted_control_characters_are_removed_with_a_warning(tmp_path: Path) -> None:
    record = make_pledge()
    record["plans"][0]["entries"][0]["text"] = "제어\x07문자\x1b[0m 끝\x00"
    record["department"] = "일자리\x00정책과"
    text = _json(record)
    for escaped in (
        "\\u0007",
        "\\u001b",
        "\\u0000",
    ):  # as JSON escapes, the way json.dumps writes them
        assert escaped in text
    records = write_records(tmp_path, {"1-1-1": text})
    out = tmp_path / "out"
    result = run_build(records, out)
    assert result.exit_code == 0, result.output
    assert result.exception is None

    printed = docx_text(pledge_document(out, "1-1-1"))
    assert "제어문자[0m 끝" in printed
    assert "일자리정책과" in printed
    assert not any(c in printed for c in "\x00\x07\x1b")
    for where in ("$.plans[0].entries[0].text", "$.department"):
        line = f"1-1-1.json: {where}: warning: control characters removed"
        assert line in result.output, result.output


def test_utf8_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    records = write_records(tmp_path, {"1-1-1": b"\xef\xbb\xbf" + _json(make_pledge()).encode()})
    settings = records / "report.json"
    settings.write_bytes(b"\xef\xbb\xbf" + settings.read_bytes())
    out = tmp_path / "out"
    result = run_build(records, out)
    assert result.exit_code == 0, result.output
    assert "상반기 계획" in docx_text(pledge_document(out, "1-1-1"))


def test_long_title_in_four_byte_characters_still_builds(tmp_path: Path) -> None:
    records = write_records(tmp_path, {"100-100-100": make_pledge("100-100-100", title="😀" * 70)})
    out = tmp_path / "out"
    result = run_build(records, out)
    assert result.exit_code == 0, result.output
    for path in out.rglob("*"):
        assert len(path.name.encode("utf-8")) <= 255, path.name


# ---------------------------------------------------------------------------
# The output location


def test_output_directory_that_is_a_file_is_refused_on_the_command_line(tmp_path: Path) -> None:
    records = write_records(tmp_path, {"1-1-1": make_pledge()})
    out = tmp_path / "out"
    out.write_text("precious", encoding="utf-8")
    result = run_build(records, out)
    # One line saying why, exit 1, as every other refused output.
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert str(out) in result.output and "is not a directory" in result.output
    assert out.read_text(encoding="utf-8") == "precious"
    assert leftovers(tmp_path) == []


def test_build_refuses_to_replace_a_file_with_the_output_directory(tmp_path: Path) -> None:
    records = write_records(tmp_path, {"1-1-1": make_pledge()})
    out = tmp_path / "out"
    out.write_text("precious", encoding="utf-8")
    try:
        with pytest.raises(OutputError, match="out"):
            build(Period.parse("2022H1"), records, TEMPLATES, out)
    finally:
        # Whatever happened, the file is where the user left it, and nothing is hidden beside it.
        assert out.is_file() and out.read_text(encoding="utf-8") == "precious"
        assert leftovers(tmp_path) == []


def test_output_directory_below_a_file_is_an_output_error(tmp_path: Path) -> None:
    records = write_records(tmp_path, {"1-1-1": make_pledge()})
    blocker = tmp_path / "blocker"
    blocker.write_text("precious", encoding="utf-8")
    result = run_build(records, blocker / "out")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert str(blocker) in result.output and "Not a directory" in result.output
    assert blocker.read_text(encoding="utf-8") == "precious"
    assert leftovers(tmp_path) == []
