"""reportgen.records.load (+ reportgen.records.text): reading records, one Problem per mistake, text hygiene.

Each mistake is checked twice: the Problem (file, JSON path, message) from
``load_records``, and ``reportgen validate --records DIR`` exiting 1 with one
line per problem and no traceback.
"""

from __future__ import annotations

import json
import shutil
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from reportgen.errors import Problem, RecordsInvalid, Severity
from reportgen.records.load import MAX_FILE_BYTES, load_records
from reportgen.records.text import BULLETS, blankless, clean_text, clean_tree
from reportgen.records.validate import check

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

FILE = "1-1-1.json"
FIGURE_PATH = "$.reports.2022H1.budget.plan[0].sources.시비.2018"


def _problems(directory: Path, severity: Severity | None = None) -> list[Problem]:
    found = load_records(directory).problems
    return [p for p in found if severity is None or p.severity is severity]


def _only(directory: Path) -> Problem:
    problems = _problems(directory)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def _set(pledge: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    node: Any = pledge
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return pledge


FIGURE = ["reports", "2022H1", "budget", "plan", 0, "sources", "시비", "2018"]


# ---------------------------------------------------------------------------
# The baseline every negative test starts from


def test_minimal_pledge_loads_without_any_problem(tmp_path, write_records, make_pledge, cli):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    records = load_records(directory)
    assert records.problems == []
    assert [p.id for p in records.pledges] == ["1-1-1"]
    assert records.settings is not None and records.settings.city == "고양시"
    result = cli.accepted(directory)
    assert "1 pledge(s) sound" in result.output
    assert "warning" not in result.output


def test_pledges_are_sorted_by_number_not_text(tmp_path, write_records, make_pledge):
    ids = ["1-4-10", "1-4-9", "1-10-1", "1-4-5"]
    directory = write_records(tmp_path, {i: make_pledge(i) for i in ids})
    records = load_records(directory)
    assert records.problems == []
    assert [p.id for p in records.pledges] == ["1-4-5", "1-4-9", "1-4-10", "1-10-1"]
    assert [f.name for _, f in records.origins] == [
        f"{i}.json" for i in ["1-4-5", "1-4-9", "1-4-10", "1-10-1"]
    ]


# ---------------------------------------------------------------------------
# Files that are not JSON objects at all (tests/bad_records/)

CORPUS = {
    "truncated.json": "not valid JSON at line",
    "trailing_comma.json": "not valid JSON at line 15, column 1",
    "empty.json": "the file is empty",
    "blank.json": "the file is empty",
    "cp949.json": "not UTF-8 at byte 31 (line 3)",
    "utf16.json": "not UTF-8 at byte 0 (line 1)",
    "duplicate_key.json": "key 'title' appears twice in this object",
    "top_level_list.json": "expected a JSON object { … } at the top, found list",
}


def test_every_corpus_file_has_an_expectation(bad_records_dir: Path) -> None:
    assert sorted(p.name for p in bad_records_dir.iterdir()) == sorted(CORPUS)


@pytest.mark.parametrize(("name", "message"), sorted(CORPUS.items()))
def test_bad_file_is_one_clear_problem(
    tmp_path, write_records, bad_records_dir, cli, name, message
):
    directory = write_records(tmp_path, {})
    shutil.copyfile(bad_records_dir / name, directory / name)
    problem = _only(directory)
    assert problem.file == name
    assert problem.path == ("$" if name in ("top_level_list.json", "duplicate_key.json") else "")
    assert problem.severity is Severity.ERROR
    assert message in problem.message
    lines = cli.rejected(directory)
    assert len(lines) == 1
    assert lines[0].startswith(f"Error: {name}: ") and message in lines[0]


def test_cp949_message_says_how_to_fix_it(tmp_path, write_records, bad_records_dir):
    directory = write_records(tmp_path, {})
    shutil.copyfile(bad_records_dir / "cp949.json", directory / "cp949.json")
    assert "UTF-8로 저장" in _only(directory).message


def test_truncated_json_names_line_and_column(tmp_path, write_records, make_pledge):
    text = json.dumps(make_pledge(), ensure_ascii=False, indent=2)
    cut = text[: text.index('"plans"')]
    directory = write_records(tmp_path, {"1-1-1": cut})
    problem = _only(directory)
    assert problem.file == FILE
    line = cut.count("\n") + 1
    assert f"not valid JSON at line {line}, column" in problem.message


def test_utf8_bom_is_accepted(tmp_path, write_records, make_pledge, cli):
    data = b"\xef\xbb\xbf" + json.dumps(make_pledge(), ensure_ascii=False).encode("utf-8")
    directory = write_records(tmp_path, {"1-1-1": data})
    records = load_records(directory)
    assert records.problems == []
    assert records.pledges[0].title == "시험 공약"
    cli.accepted(directory)


def test_bom_in_report_json_is_accepted(tmp_path, write_records, make_pledge, records_dir):
    directory = write_records(tmp_path, {"1-1-1": make_pledge()})
    (directory / "report.json").write_bytes(
        b"\xef\xbb\xbf" + (records_dir / "report.json").read_bytes()
    )
    assert load_records(directory).problems == []


def test_file_too_large_is_refused_before_parsing(tmp_path, write_records):
    directory = write_records(tmp_path, {"1-1-1": b" " * (MAX_FILE_BYTES + 1)})
    problem = _only(directory)
    assert problem.file == FILE and "bytes; a record is at most" in problem.message


def test_missing_settings_and_missing_directory(tmp_path, make_pledge, cli):
    directory = tmp_path / "records"
    directory.mkdir()
    (directory / FILE).write_text(json.dumps(make_pledge(), ensure_ascii=False), encoding="utf-8")
    problem = _only(directory)
    assert problem.file == "report.json" and "missing" in problem.message
    assert len(cli.rejected(directory)) == 1

    nowhere = tmp_path / "nowhere"
    assert "records directory not found" in _only(nowhere).message
    result = cli.run(nowhere)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "records directory not found" in result.output


def test_duplicate_key_deep_in_the_file_is_still_found(tmp_path, write_records, make_pledge):
    text = json.dumps(make_pledge(), ensure_ascii=False, indent=2)
    text = text.replace('"text": "하반기 실적"', '"text": "하반기 실적", "text": "또"')
    directory = write_records(tmp_path, {"1-1-1": text})
    problem = _only(directory)
    assert problem.file == FILE
    assert "key 'text' appears twice" in problem.message


def test_duplicate_key_names_where_it_is(tmp_path, write_records, make_pledge):
    text = json.dumps(make_pledge(), ensure_ascii=False, indent=2)
    text = text.replace('"text": "하반기 실적"', '"text": "하반기 실적", "text": "또"')
    directory = write_records(tmp_path, {"1-1-1": text})
    assert _only(directory).path == "$.achievements[2].entries[0]"


def test_keys_that_collide_after_cleaning_are_an_error(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    sources = pledge["reports"]["2022H1"]["budget"]["plan"][0]["sources"]
    sources[unicodedata.normalize("NFD", "도비")] = {"2019": 5}
    sources["도비"] = {"2018": 7}
    directory = write_records(tmp_path, {"1-1-1": pledge})
    assert [p for p in _problems(directory) if p.severity is Severity.ERROR]


# ---------------------------------------------------------------------------
# Typing mistakes: one Problem each, at its JSON path


@pytest.mark.parametrize(
    ("path", "value", "where", "message"),
    [
        pytest.param(
            FIGURE,
            "abc",
            FIGURE_PATH,
            "an amount is a number such as 1578 or 12.5, not 'abc'",
            id="figure-text",
        ),
        pytest.param(FIGURE, "20", FIGURE_PATH, "not '20'", id="figure-quoted-number"),
        pytest.param(FIGURE, -5, FIGURE_PATH, "an amount cannot be negative (-5)", id="negative"),
        pytest.param(
            ["reports", "2022H1", "budget", "secured", 0, "sources", "시비", "2018", "executed"],
            -1,
            "$.reports.2022H1.budget.secured[0].sources.시비.2018.executed",
            "cannot be negative",
            id="negative-executed",
        ),
        pytest.param(
            ["reports", "2022H1", "contacts"],
            [],
            "$.reports.2022H1.contacts",
            "expected an object { … }, found list",
            id="list-for-object",
        ),
        pytest.param(
            ["achievements", 0, "entries"],
            {"text": "a"},
            "$.achievements[0].entries",
            "expected a list [ … ], found dict",
            id="object-for-list",
        ),
        pytest.param(
            ["reports", "2022H1", "participation", "media"],
            "42",
            "$.reports.2022H1.participation.media",
            "integer",
            id="count-text",
        ),
        pytest.param(["id"], "../../x", "$.id", "cannot hold '/'", id="id-path"),
        pytest.param(["id"], "1:4:5", "$.id", "cannot hold ':'", id="id-colon"),
        pytest.param(
            ["achievements", 0, "period"],
            "2022X",
            "$.achievements[0].period",
            "'2022X' is not a period: write a half-year such as 2022H1",
            id="period-malformed",
        ),
        pytest.param(
            ["achievements", 1, "entries", 0, "period"],
            2021,
            "$.achievements[1].entries[0].period",
            'a period is a string such as "2022H1"',
            id="period-number",
        ),
        pytest.param(
            ["achievements", 0, "entries", 0, "text"],
            "가" * 200_000,
            "$.achievements[0].entries[0].text",
            "text is 200,000 characters; one item is one line of a report (at most 2,000)",
            id="huge-item",
        ),
        pytest.param(
            ["achievements", 0, "entries", 0, "text"],
            "   ",
            "$.achievements[0].entries[0].text",
            "text is empty",
            id="blank-item",
        ),
        pytest.param(
            ["reports", "2022H1", "problems"],
            {"general": [{"text": "a"}], "problems": [{"text": "b"}]},
            "$.reports.2022H1.problems",
            "not both",
            id="problems-two-shapes",
        ),
    ],
)
def test_typing_mistake(tmp_path, write_records, make_pledge, cli, path, value, where, message):
    directory = write_records(tmp_path, {"1-1-1": _set(make_pledge(), path, value)})
    errors = _problems(directory, Severity.ERROR)
    assert len(errors) == 1, "\n".join(map(str, errors))
    assert (errors[0].file, errors[0].path) == (FILE, where)
    assert message in errors[0].message
    lines = [line for line in cli.rejected(directory) if ": error: " in line]
    assert len(lines) == 1 and where in lines[0]


def test_malformed_report_period_key(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    pledge["reports"]["2022X"] = pledge["reports"].pop("2022H1")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    problem = _only(directory)
    assert problem.path == "$.reports.2022X (key)"
    assert "'2022X' is not a period" in problem.message


def test_unknown_key_suggests_the_right_one(tmp_path, write_records, make_pledge, cli):
    pledge = make_pledge()
    pledge["titel"] = pledge.pop("title")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    found = {(p.path, p.message) for p in _problems(directory)}
    assert found == {
        ("$.titel", "unknown key 'titel' (did you mean 'title'?)"),
        ("$.title", "required key 'title' is missing"),
    }
    assert len(cli.rejected(directory)) == 2


def test_unknown_nested_key_suggests_the_right_one(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    contacts = pledge["reports"]["2022H1"]["contacts"]
    contacts["manger"] = contacts.pop("manager")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    # Roles are the city's (report.json contact_roles): validate knows them, not the loader.
    from reportgen.records.validate import validate_records

    messages = {p.path: p.message for p in validate_records(load_records(directory))}
    assert messages["$.reports.2022H1.contacts.manger"].startswith(
        "unknown key 'manger' (did you mean 'manager'?)"
    )


def test_unknown_key_far_from_any_gets_no_suggestion(tmp_path, write_records, make_pledge):
    directory = write_records(tmp_path, {"1-1-1": make_pledge(zzqqxx=1)})
    assert _only(directory).message == "unknown key 'zzqqxx'"


def test_three_mistakes_in_one_file_give_three_lines(tmp_path, write_records, make_pledge, cli):
    pledge = make_pledge(colour="red")
    _set(pledge, FIGURE, -5)
    _set(pledge, ["plans", 0, "period"], "2022X")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    problems = _problems(directory)
    assert {p.path for p in problems} == {"$.colour", FIGURE_PATH, "$.plans[0].period"}
    lines = cli.rejected(directory)
    assert len(lines) == 3
    assert all(f"{FILE}: $." in line for line in lines)
    assert "3 error(s) in the records" in cli.run(directory).output


def test_every_broken_file_is_reported_not_only_the_first(
    tmp_path, write_records, make_pledge, cli
):
    directory = write_records(
        tmp_path,
        {
            "1-1-1": b"\xb0\xed",
            "1-1-2": "{",
            "1-1-3": make_pledge("1-1-3", title=""),
            "1-1-4": make_pledge("1-1-4"),
        },
    )
    files = sorted(p.file for p in _problems(directory))
    assert files == ["1-1-1.json", "1-1-2.json", "1-1-3.json"]
    lines = cli.rejected(directory)
    assert len(lines) == 3
    with pytest.raises(RecordsInvalid) as info:
        check(directory)
    assert len(info.value.problems) == 3


def test_bad_settings_are_reported(tmp_path, write_records, make_pledge, cli):
    settings = {
        "city": "고양시",
        "term": {"name": "민선7기", "start": "2018H2", "end": "2022H1"},
        "citty": 1,
    }
    directory = write_records(tmp_path, {"1-1-1": make_pledge()}, settings=settings)
    problem = _only(directory)
    assert (problem.file, problem.path) == ("report.json", "$.citty")
    assert "did you mean 'city'" in problem.message
    assert len(cli.rejected(directory)) == 1


# ---------------------------------------------------------------------------
# Text hygiene: repaired with a warning; the record still loads


def _item_text(pledge_raw: dict[str, Any], text: str) -> dict[str, Any]:
    return _set(pledge_raw, ["achievements", 1, "entries", 0, "text"], text)


ITEM = "$.achievements[1].entries[0].text"


@pytest.mark.parametrize(
    ("typed", "stored", "warning"),
    [
        pytest.param(
            "상반기\x00 실적\x07\x1b", "상반기 실적", "control characters removed", id="control"
        ),
        pytest.param(
            "상반기\u0085 실적\x7f", "상반기 실적", "control characters removed", id="c1-control"
        ),
        pytest.param(
            unicodedata.normalize("NFD", "고양시") + " 실적",
            "고양시 실적",
            "decomposed Hangul (NFD)",
            id="nfd",
        ),
        pytest.param(
            "  상반기 실적\u3000 ", "상반기 실적", "leading or trailing blanks", id="blanks"
        ),
        pytest.param("상반기\n실적", "상반기 실적", "line breaks or tabs", id="newline"),
        pytest.param(
            "○ 상반기 실적", "상반기 실적", "starts with the symbol '○'", id="bullet-circle"
        ),
        pytest.param(
            "ㅇ 상반기 실적", "상반기 실적", "starts with the symbol 'ㅇ'", id="bullet-ieung"
        ),
        pytest.param(
            "- 상반기 실적", "상반기 실적", "starts with the symbol '-'", id="bullet-dash"
        ),
        pytest.param(
            "□상반기 실적", "상반기 실적", "starts with the symbol '□'", id="bullet-no-blank"
        ),
    ],
)
def test_text_is_repaired_with_a_warning(
    tmp_path, write_records, make_pledge, cli, typed, stored, warning
):
    directory = write_records(tmp_path, {"1-1-1": _item_text(make_pledge(), typed)})
    records = load_records(directory)
    assert records.errors == []
    assert [(p.file, p.path) for p in records.warnings] == [(FILE, ITEM)] * len(records.warnings)
    assert any(warning in p.message for p in records.warnings), records.warnings
    assert records.pledges[0].achievements[1].entries[0].text == stored
    result = cli.accepted(directory)
    assert warning in result.output


def test_nfd_title_is_recomposed(tmp_path, write_records, make_pledge):
    nfd = unicodedata.normalize("NFD", "고양시")
    assert nfd != "고양시"
    directory = write_records(tmp_path, {"1-1-1": make_pledge(title=nfd + " 공약")})
    records = load_records(directory)
    assert records.pledges[0].title == "고양시 공약"
    assert unicodedata.is_normalized("NFC", records.pledges[0].title)
    assert [(p.path, p.severity) for p in records.problems] == [("$.title", Severity.WARNING)]


def test_several_repairs_on_one_text(tmp_path, write_records, make_pledge):
    typed = " ○ " + unicodedata.normalize("NFD", "고양시") + "\x0c 실적 "
    directory = write_records(tmp_path, {"1-1-1": _item_text(make_pledge(), typed)})
    records = load_records(directory)
    assert records.pledges[0].achievements[1].entries[0].text == "고양시 실적"
    assert len(records.warnings) == 4


@pytest.mark.parametrize(
    "text",
    [
        "<b>R&D</b> & \"인용\" '작은' ‘곧은’ 😀 👍🏽 ①",
        "9.21.~25. 온라인 91개 업체 4,500명 참여",
        "-5% 감소",
        "50~60대 신중년 · 취업처",
        "<![CDATA[x]]> &amp; &#0;",
    ],
)
def test_ordinary_text_passes_untouched(tmp_path, write_records, make_pledge, text):
    directory = write_records(tmp_path, {"1-1-1": _item_text(make_pledge(), text)})
    records = load_records(directory)
    assert records.problems == []
    assert records.pledges[0].achievements[1].entries[0].text == text


def test_bullet_is_stripped_only_from_item_text(tmp_path, write_records, make_pledge):
    directory = write_records(tmp_path, {"1-1-1": make_pledge(title="○ 공약")})
    records = load_records(directory)
    assert records.problems == []
    assert records.pledges[0].title == "○ 공약"


def test_keys_are_cleaned_too(tmp_path, write_records, make_pledge):
    pledge = make_pledge()
    pledge[unicodedata.normalize("NFD", "title") + " "] = pledge.pop("title")
    directory = write_records(tmp_path, {"1-1-1": pledge})
    records = load_records(directory)
    assert records.errors == []
    assert records.pledges[0].title == "시험 공약"


def test_clean_text_unit() -> None:
    seen: list[tuple[str, str]] = []
    out = clean_text("\u2028 ❍ 가\ud800나", "$.x", lambda p, m: seen.append((p, m)), item_text=True)
    assert out == "가나"
    assert [path for path, _ in seen] == ["$.x"] * 4
    assert clean_text("○ 가", "$.y", lambda p, m: None) == "○ 가"  # not item text: kept


def test_clean_tree_paths() -> None:
    seen: list[str] = []
    tree = {"a": [" x", {"text": "○ y"}], "b": 1, "c": None}
    out = clean_tree(tree, lambda p, _m: seen.append(p), lambda p, m: pytest.fail(m))
    assert out == {"a": ["x", {"text": "y"}], "b": 1, "c": None}
    assert seen == ["$.a[0]", "$.a[1].text"]
    assert tree == {"a": [" x", {"text": "○ y"}], "b": 1, "c": None}  # the input is not changed


def test_every_bullet_lookalike_is_known() -> None:
    for symbol in "□○-·※ㅁㅇ❍◦∘―ㆍ˙":
        assert symbol in BULLETS


def test_blankless() -> None:
    assert blankless("이행 후 계속추진") == blankless("이행후계속추진") == "이행후계속추진"
    assert blankless(" 정상\u3000추진\t") == "정상추진"
