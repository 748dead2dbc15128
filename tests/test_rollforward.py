"""``new-period``: roll the records forward to the next half-year as drafts, never overwriting."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from reportgen.cli import main
from reportgen.errors import OutputError, PeriodError, RecordsInvalid, ReportgenError
from reportgen.records import rollforward
from reportgen.records.asof import pledge_as_of
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.records.rawjson import dumps
from reportgen.records.rollforward import roll_forward, without_printed_totals

from .conftest import RECORDS, TERM7

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

P = Period(2022, 1)
PLEDGES = ("1-4-3", "1-4-5")


def new_period(directory: Path, period: str) -> Result:
    return CliRunner().invoke(main, ["new-period", period, "--records", str(directory)])


def snapshot(directory: Path) -> dict[str, bytes]:
    """Every file under ``directory`` (temporary files included) with its bytes."""
    return {
        str(p.relative_to(directory)): p.read_bytes()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def read(directory: Path, pledge_id: str) -> dict[str, Any]:
    return json.loads((directory / f"{pledge_id}.json").read_text(encoding="utf-8"))


def texts(entries: list[dict[str, Any]]) -> Iterator[str]:
    for entry in entries:
        yield entry["text"]
        yield from texts(entry.get("children", []))


def shipped_achievements(pledge: dict[str, Any], period: str) -> list[dict[str, Any]]:
    return [e for g in pledge["achievements"] if g["period"] == period for e in g["entries"]]


# ---------------------------------------------------------------------------
# The records as they stood for 2021H2


@pytest.fixture
def as_of_2021h2(copied_records: Path, shipped: Callable[[str], dict[str, Any]]) -> Path:
    """A copy of records/ with everything recorded for 2022H1 and the 2021H2 achievements removed.

    That leaves achievements up to 2021H1. Two stand-ins replace what the
    shipped records do not hold, because they were transcribed from the 2022H1
    report only:

    - the plan for 2021H2 (the 2021H2 report's 향후 추진계획) is not shipped:
      the shipped 2021H2 *achievements* (what staff wrote in the 2022H1 report)
      stand in for it, as if the plan had been carried out as written;
    - no 2021H2 report (status, contacts, …) is shipped: the shipped 2022H1
      report's sections stand in for it, as if nothing changed in between.
    """
    for pledge_id in PLEDGES:
        pledge = shipped(pledge_id)
        actual = shipped_achievements(pledge, "2021H2")
        assert actual, pledge_id
        pledge["achievements"] = [
            g for g in pledge["achievements"] if Period.parse(g["period"]) <= Period(2021, 1)
        ]
        pledge["plans"] = [{"period": "2021H2", "entries": actual}]  # stand-in, see above
        pledge["reports"] = {"2021H2": pledge["reports"]["2022H1"]}  # stand-in, see above
        (copied_records / f"{pledge_id}.json").write_text(
            json.dumps(pledge, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return copied_records


# ---------------------------------------------------------------------------
# Rolling 2021H2 -> 2022H1 on the real records


def test_roll_2021h2_to_2022h1_drafts_what_staff_wrote(
    as_of_2021h2: Path, shipped: Callable[[str], dict[str, Any]]
) -> None:
    result = new_period(as_of_2021h2, "2022H1")
    assert result.exit_code == 0, result.output
    assert "validate" in result.output and '"draft"' in result.output

    for pledge_id in PLEDGES:
        staff = shipped(pledge_id)
        rolled = read(as_of_2021h2, pledge_id)

        # The previous half's row: offered from the plan for 2021H2, marked draft, in order.
        groups = [g for g in rolled["achievements"] if g["period"] == "2021H2"]
        assert len(groups) == 1
        draft = groups[0]
        assert list(draft) == ["period", "draft", "entries"]
        assert draft["draft"] is True
        assert rolled["achievements"][-1] == draft
        periods = [Period.parse(g["period"]) for g in rolled["achievements"]]
        assert periods == sorted(periods)

        # Compared with what staff actually wrote for 2021H2 (the stand-in plan was
        # exactly that, so every line must be there, in the same structure).
        written = list(texts(shipped_achievements(staff, "2021H2")))
        drafted = list(texts(draft["entries"]))
        overlap = len(set(drafted) & set(written)) / len(set(written))
        assert overlap == 1.0, (pledge_id, set(written) - set(drafted))
        assert draft["entries"] == shipped_achievements(staff, "2021H2")

        # reports.2022H1: every section carried from the latest earlier report, as a
        # draft; the totals a filed page printed stay with that page (issue 22).
        report = rolled["reports"]["2022H1"]
        assert report["draft"] is True
        filed = staff["reports"]["2022H1"]
        actual_report = copy.deepcopy(filed)
        if "budget" in actual_report:
            actual_report["budget"] = without_printed_totals(actual_report["budget"])
        assert {k: v for k, v in report.items() if k != "draft"} == actual_report
        assert list(report) == ["draft", *actual_report]

        # No plan for 2022H1 is made up: staff write it.
        assert [g["period"] for g in rolled["plans"]] == ["2021H2"]

        # Confirm every draft, add the plan staff wrote, drop the 2021H2 stand-in:
        # the result is the shipped record.
        report.pop("draft")
        draft.pop("draft")
        rolled["plans"] = staff["plans"]
        del rolled["reports"]["2021H2"]
        rolled["reports"]["2022H1"] = filed
        assert rolled == staff
        assert list(rolled) == list(staff)

    assert "1-4-5.json (1-4-5): drafted reports.2022H1 (status, contacts" in result.output
    assert "1-4-3.json (1-4-3): drafted reports.2022H1 (contacts, problems from 2021H2)" in (
        result.output
    )
    assert result.output.count("to do: write the plan for 2022H1") == 2
    assert "2 file(s) written" in result.output


def test_report_of_2022h1_shows_the_drafts_and_says_so(as_of_2021h2: Path) -> None:
    roll_forward(as_of_2021h2, P)
    records = load_records(as_of_2021h2)
    for pledge in records.pledges:
        asof = pledge_as_of(pledge, P, TERM7)
        assert [item.text for item in asof.previous] == [
            e.text for g in pledge.achievements if g.period == P.previous for e in g.entries
        ]
        assert asof.contacts is not None and asof.contacts.recorded == P
        assert asof.contacts.draft
        assert any(s.startswith("achievements[") for s in asof.draft_sources)
        assert "reports.2022H1.contacts" in asof.draft_sources


def test_validate_afterwards_passes_and_lists_the_drafts(as_of_2021h2: Path, cli: Any) -> None:
    assert new_period(as_of_2021h2, "2022H1").exit_code == 0
    result = cli.accepted(as_of_2021h2)
    drafts = [line for line in result.output.splitlines() if "unconfirmed draft" in line]
    for pledge_id in PLEDGES:
        assert any(
            line.startswith(f"{pledge_id}.json: $.reports.2022H1.draft: warning:")
            for line in drafts
        ), result.output
        assert any(
            line.startswith(f"{pledge_id}.json: $.achievements[") and ".draft: warning:" in line
            for line in drafts
        ), result.output


def test_library_result_lists_per_pledge_actions(as_of_2021h2: Path) -> None:
    result = roll_forward(as_of_2021h2, P)
    by_id = {p.pledge_id: p for p in result.pledges}
    assert set(by_id) == set(PLEDGES)
    assert by_id["1-4-5"].carried == dict.fromkeys(
        ["status", "contacts", "participation", "problems", "budget"], Period(2021, 2)
    )
    assert by_id["1-4-3"].carried == dict.fromkeys(["contacts", "problems"], Period(2021, 2))
    assert by_id["1-4-5"].achievements_drafted == 2
    assert all(p.report_drafted and not p.skipped for p in result.pledges)
    assert sorted(p.name for p in result.written) == ["1-4-3.json", "1-4-5.json"]


# ---------------------------------------------------------------------------
# Carry-forward semantics


def _contacts(officer: str) -> dict[str, Any]:
    return {
        "manager": {"name": "가과장", "phone": "8075-0001"},
        "team_leader": {"name": "나팀장", "phone": "8075-0002"},
        "officer": {"name": officer, "phone": "8075-0003"},
    }


def test_each_section_comes_from_its_latest_earlier_report(
    tmp_path: Path, write_records: Callable[..., Path], make_pledge: Callable[..., dict[str, Any]]
) -> None:
    old_budget = make_pledge()["reports"]["2022H1"]["budget"]
    pledge = make_pledge(
        plans=[{"period": "2021H2", "entries": [{"text": "하반기 계획"}]}],
        achievements=[{"period": "2021H1", "entries": [{"text": "상반기 실적"}]}],
        reports={
            "2020H2": {"status": "정상추진", "contacts": _contacts("옛담당"), "budget": old_budget},
            "2021H1": {"participation": {"meetings": 3}, "contacts": _contacts("새담당")},
            "2021H2": {"problems": {"general": [{"text": "문제"}]}},
        },
    )
    directory = write_records(tmp_path, {"1-1-1": pledge})
    result = roll_forward(directory, P)

    report = read(directory, "1-1-1")["reports"]["2022H1"]
    assert report == {
        "draft": True,
        "status": "정상추진",
        "contacts": _contacts("새담당"),
        "participation": {"meetings": 3},
        "problems": {"general": [{"text": "문제"}]},
        "budget": old_budget,
    }
    assert result.pledges[0].carried == {
        "status": Period(2020, 2),
        "contacts": Period(2021, 1),
        "participation": Period(2021, 1),
        "problems": Period(2021, 2),
        "budget": Period(2020, 2),
    }
    assert list(read(directory, "1-1-1")["reports"]) == ["2020H2", "2021H1", "2021H2", "2022H1"]


def test_a_pledge_with_nothing_to_carry_is_opened_empty(
    tmp_path: Path, write_records: Callable[..., Path], make_pledge: Callable[..., dict[str, Any]]
) -> None:
    pledge = make_pledge(plans=[{"period": "2021H2", "entries": [{"text": "계획"}]}])
    del pledge["reports"]
    directory = write_records(tmp_path, {"1-1-1": pledge})
    result = new_period(directory, "2022H1")
    assert result.exit_code == 0, result.output
    rolled = read(directory, "1-1-1")
    assert rolled["reports"] == {"2022H1": {"draft": True}}
    assert list(rolled)[-1] == "reports"
    assert "nothing earlier to carry forward" in result.output


def test_draft_group_goes_in_period_order_and_key_order(
    tmp_path: Path, write_records: Callable[..., Path], make_pledge: Callable[..., dict[str, Any]]
) -> None:
    # No "achievements" key at all: it is inserted where the schema puts it, before "plans".
    first = make_pledge("1-1-1", plans=[{"period": "2021H2", "entries": [{"text": "계획"}]}])
    first["reports"] = {"2021H1": first["reports"]["2022H1"]}
    del first["achievements"]
    # An achievement already dated later than 2021H2 stays after the draft.
    second = make_pledge(
        "1-1-2",
        achievements=[
            {"period": "2021H1", "entries": [{"text": "상반기"}]},
            {"period": "2022H1", "entries": [{"text": "미리 적은 실적"}]},
        ],
        plans=[{"period": "2021H2", "entries": [{"text": "계획"}]}],
        reports={"2021H1": first["reports"]["2021H1"]},
    )
    directory = write_records(tmp_path, {"1-1-1": first, "1-1-2": second})
    roll_forward(directory, P)

    one = read(directory, "1-1-1")
    keys = list(one)
    assert keys.index("achievements") == keys.index("plans") - 1
    assert one["achievements"] == [
        {"period": "2021H2", "draft": True, "entries": [{"text": "계획"}]}
    ]
    two = read(directory, "1-1-2")
    assert [g["period"] for g in two["achievements"]] == ["2021H1", "2021H2", "2022H1"]


@pytest.mark.parametrize("existing", ["2021H2", "2021"])
def test_recorded_previous_achievements_are_left_alone(
    tmp_path: Path,
    write_records: Callable[..., Path],
    make_pledge: Callable[..., dict[str, Any]],
    existing: str,
) -> None:
    """A group for 2021H2, or for the year 2021 (it fills the same row), is not doubled."""
    groups = [{"period": existing, "entries": [{"text": "실제 실적"}]}]
    pledge = make_pledge(
        achievements=groups,
        plans=[{"period": "2021H2", "entries": [{"text": "계획"}]}],
        reports={"2021H2": make_pledge()["reports"]["2022H1"]},
    )
    directory = write_records(tmp_path, {"1-1-1": pledge})
    result = roll_forward(directory, P)
    rolled = read(directory, "1-1-1")
    assert rolled["achievements"] == groups
    assert rolled["reports"]["2022H1"]["draft"] is True
    assert result.pledges[0].achievements_drafted == 0
    assert "already recorded" in result.pledges[0].achievements_note


def test_a_skipped_half_year_is_noted(
    tmp_path: Path, write_records: Callable[..., Path], make_pledge: Callable[..., dict[str, Any]]
) -> None:
    pledge = make_pledge(
        achievements=[{"period": "2020H2", "entries": [{"text": "실적"}]}],
        plans=[{"period": "2021H1", "entries": [{"text": "계획"}]}],
        reports={"2021H1": make_pledge()["reports"]["2022H1"]},
    )
    directory = write_records(tmp_path, {"1-1-1": pledge})
    result = new_period(directory, "2022H1")
    assert result.exit_code == 0, result.output
    assert "nothing is recorded for 2021H2" in result.output
    assert "to do: write the achievements of 2021H2" in result.output
    rolled = read(directory, "1-1-1")
    assert [g["period"] for g in rolled["achievements"]] == ["2020H2"]
    assert rolled["reports"]["2022H1"]["status"] == "정상추진"


# ---------------------------------------------------------------------------
# Never overwriting; re-running


def test_an_existing_report_is_never_overwritten(as_of_2021h2: Path) -> None:
    # 1-4-5 is recorded for 2022H1 already (as shipped); 1-4-3 is not.
    shipped_bytes = (RECORDS / "1-4-5.json").read_bytes()
    (as_of_2021h2 / "1-4-5.json").write_bytes(shipped_bytes)
    before = snapshot(as_of_2021h2)

    result = new_period(as_of_2021h2, "2022H1")
    assert result.exit_code == 0, result.output
    assert "1-4-5.json (1-4-5): skipped: already recorded (reports.2022H1 exists)" in result.output
    assert "1-4-3.json (1-4-3): drafted reports.2022H1" in result.output
    assert "2022H1 is already the newest period recorded" in result.output
    after = snapshot(as_of_2021h2)
    assert after["1-4-5.json"] == shipped_bytes
    assert after["1-4-3.json"] != before["1-4-3.json"]
    assert set(after) == set(before)


def test_rerunning_changes_nothing(as_of_2021h2: Path) -> None:
    assert new_period(as_of_2021h2, "2022H1").exit_code == 0
    once = snapshot(as_of_2021h2)
    again = new_period(as_of_2021h2, "2022H1")
    assert again.exit_code == 0, again.output
    assert snapshot(as_of_2021h2) == once
    assert again.output.count("skipped: already recorded") == 2
    assert "0 file(s) written" in again.output


def test_a_deleted_draft_is_not_brought_back(as_of_2021h2: Path) -> None:
    """Staff delete the drafted achievements (nothing was done); a re-run respects that."""
    roll_forward(as_of_2021h2, P)
    pledge = read(as_of_2021h2, "1-4-3")
    pledge["achievements"] = [g for g in pledge["achievements"] if not g.get("draft")]
    (as_of_2021h2 / "1-4-3.json").write_text(
        json.dumps(pledge, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    before = snapshot(as_of_2021h2)
    roll_forward(as_of_2021h2, P)
    assert snapshot(as_of_2021h2) == before


# ---------------------------------------------------------------------------
# Periods refused


def _refused(directory: Path, period: str) -> str:
    before = snapshot(directory)
    result = new_period(directory, period)
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    assert result.output.startswith("Error: ")
    assert snapshot(directory) == before
    return result.output


@pytest.mark.parametrize("records", ["shipped", "as of 2021H2"])
def test_refuses_the_next_term(copied_records: Path, as_of_2021h2: Path, records: str) -> None:
    directory = copied_records if records == "shipped" else as_of_2021h2
    message = _refused(directory, "2022H2")
    assert "2022H2 is after the end of 민선7기 (2018.7. ~ 2022.6.)" in message
    assert "민선8기" in message
    assert "new records directory" in message
    assert "report.json" in message
    with pytest.raises(PeriodError):
        roll_forward(directory, Period(2022, 2))


@pytest.mark.parametrize(
    ("period", "says"),
    [
        ("2022", "is a year"),
        ("2022H3", "is not a period"),
        ("22H1", "is not a period"),
        ("2021H2", "earlier than 2022H1"),
        ("2018H1", "before the start of 민선7기"),
    ],
)
def test_refuses_periods_that_cannot_be_opened(
    copied_records: Path, period: str, says: str
) -> None:
    assert says in _refused(copied_records, period)


def test_library_refuses_a_year(copied_records: Path) -> None:
    with pytest.raises(ReportgenError, match="is a year"):
        roll_forward(copied_records, Period(2022))


def test_the_report_in_progress_is_accepted_and_changes_nothing(copied_records: Path) -> None:
    """2022H1 is recorded for every shipped pledge: a run for it skips them all."""
    before = snapshot(copied_records)
    result = new_period(copied_records, "2022H1")
    assert result.exit_code == 0, result.output
    assert result.output.count("skipped: already recorded") == 2
    assert snapshot(copied_records) == before


def test_invalid_records_are_refused(as_of_2021h2: Path) -> None:
    pledge = read(as_of_2021h2, "1-4-5")
    pledge["reports"]["2021H2"]["status"] = "잘되고있음"
    (as_of_2021h2 / "1-4-5.json").write_text(
        json.dumps(pledge, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    with pytest.raises(RecordsInvalid):
        roll_forward(as_of_2021h2, P)
    message = _refused(as_of_2021h2, "2022H1")
    assert "is not a status" in message and "nothing was written" in message


# ---------------------------------------------------------------------------
# Writing: all files or none


def test_a_failed_write_leaves_every_record_untouched(
    as_of_2021h2: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(as_of_2021h2)
    real = rollforward._write_temp
    calls: list[Path] = []

    def failing(target: Path, data: bytes, locks: list[int]) -> Path:
        calls.append(target)
        if target.name == "1-4-5.json":  # the second file: the first temporary is written
            raise OSError(28, "No space left on device", str(target))
        return real(target, data, locks)

    monkeypatch.setattr(rollforward, "_write_temp", failing)
    with pytest.raises(OutputError, match="nothing was written"):
        roll_forward(as_of_2021h2, P)
    assert len(calls) == 2
    assert snapshot(as_of_2021h2) == before  # same files (no temporaries), same bytes

    message = _refused(as_of_2021h2, "2022H1")
    assert "No space left on device" in message


def test_a_failed_rename_puts_back_what_was_replaced(
    as_of_2021h2: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(as_of_2021h2)
    real = os.replace
    calls: list[Any] = []

    def failing(src: Any, dst: Any) -> None:
        calls.append(dst)
        if len(calls) == 2:
            raise OSError(5, "Input/output error", str(dst))
        real(src, dst)

    monkeypatch.setattr(rollforward.os, "replace", failing)
    with pytest.raises(OutputError, match="left as they were"):
        roll_forward(as_of_2021h2, P)
    assert len(calls) == 2
    assert snapshot(as_of_2021h2) == before


def test_a_record_saved_meanwhile_is_not_overwritten(
    as_of_2021h2: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = rollforward._write_temp
    edited = b'{"edited": "in an editor meanwhile"}\n'

    def editor_saves(target: Path, data: bytes, locks: list[int]) -> Path:
        if target.name == "1-4-5.json":
            target.write_bytes(edited)
        return real(target, data, locks)

    monkeypatch.setattr(rollforward, "_write_temp", editor_saves)
    before = snapshot(as_of_2021h2)
    with pytest.raises(OutputError, match="changed on disk"):
        roll_forward(as_of_2021h2, P)
    after = snapshot(as_of_2021h2)
    assert after["1-4-5.json"] == edited
    assert {k: v for k, v in after.items() if k != "1-4-5.json"} == {
        k: v for k, v in before.items() if k != "1-4-5.json"
    }


# ---------------------------------------------------------------------------
# Writing: the file as it was, plus the drafts


def test_json_is_written_back_as_read(
    tmp_path: Path, write_records: Callable[..., Path], make_pledge: Callable[..., dict[str, Any]]
) -> None:
    pledge = make_pledge(plans=[{"period": "2021H2", "entries": [{"text": "계획"}]}])
    pledge["reports"] = {"2021H2": pledge["reports"]["2022H1"]}
    text = json.dumps(pledge, ensure_ascii=False, indent=2)
    # Decimal amounts written as the numerals they are; a byte-order mark from Notepad.
    text = text.replace('"2018": 10,', '"2018": 12.50,').replace('"2019": 20', '"2019": 1e3')
    assert "12.50" in text and "1e3" in text
    directory = write_records(tmp_path, {"1-1-1": b"\xef\xbb\xbf" + text.encode("utf-8")})

    roll_forward(directory, P)
    data = (directory / "1-1-1.json").read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.endswith(b"}\n") and not data.endswith(b"\n\n")
    out = data.decode("utf-8")
    assert "시험 공약" in out and "\\u" not in out
    assert out.count('"2018": 12.50') == 2  # the original and its copy in the draft
    assert out.count('"2019": 1E+3') == 2
    assert '"12.50"' not in out

    before = json.loads(text, parse_float=Decimal)
    after = json.loads(out, parse_float=Decimal)
    assert list(after) == list(before)
    assert after["reports"]["2021H2"] == before["reports"]["2021H2"]
    assert after["reports"]["2022H1"]["budget"] == before["reports"]["2021H2"]["budget"]
    secured = after["reports"]["2022H1"]["budget"]["secured"][0]["sources"]["시비"]["2018"]
    assert secured == {"secured": 10, "executed": 5}
    assert all(isinstance(v, int) for v in secured.values())
    load = load_records(directory)
    assert not load.errors, load.errors


@pytest.mark.parametrize("name", ["1-4-3.json", "1-4-5.json", "report.json"])
def test_dumps_writes_the_shipped_records_byte_for_byte(name: str) -> None:
    data = (RECORDS / name).read_bytes()
    parsed = json.loads(data, parse_float=Decimal)
    assert (dumps(parsed) + "\n").encode("utf-8") == data


def test_dumps_matches_json_dumps() -> None:
    value = {"a": [], "b": {}, "c": [1, True, None, '따옴표 " \n\t\u0001'], "d": {"e": [{"f": 0}]}}
    assert dumps(value) == json.dumps(value, ensure_ascii=False, indent=2)
    assert dumps({"x": Decimal("0.10"), "y": Decimal("-3")}) == '{\n  "x": 0.10,\n  "y": -3\n}'
