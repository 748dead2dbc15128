"""The returns log (부서 회신 기록): written atomically, read back typed, damage refused in Korean."""

from __future__ import annotations

import datetime
import os
from pathlib import Path

import pytest

from reportgen.intake.returns import (
    DepartmentReturn,
    ReturnsLogError,
    load_returns,
    log_path,
    record_return,
    with_returns,
)
from reportgen.records.load import load_records
from reportgen.records.periods import Period

P = Period.half_year("2026H2")
pytestmark = pytest.mark.usefixtures("korean_messages")  # asserts on the Korean sentences
WHEN = datetime.datetime(2027, 1, 5, 9, 30, tzinfo=datetime.UTC)


def _ret(department: str = "일자리정책과", sha: str = "a" * 64, **kw: object) -> DepartmentReturn:
    values: dict[str, object] = {
        "department": department,
        "file": f"2026H2_{department}.xlsx",
        "sha256": sha,
        "imported_at": WHEN,
        "pledges": ["1-1", "1-2"],
        "changed": ["1-1"],
        "unchanged": ["1-2"],
        "untouched": {"1-2": ["participation", "achieved"]},
    }
    values.update(kw)
    return DepartmentReturn.model_validate(values)


def test_a_return_is_recorded_and_read_back(copied_records: Path) -> None:
    assert load_returns(copied_records, P) == {}
    record_return(copied_records, P, _ret())
    record_return(copied_records, P, _ret("도시정책과", "b" * 64, changed=[], unchanged=["1-1"]))
    got = load_returns(copied_records, P)
    assert list(got) == ["도시정책과", "일자리정책과"]
    assert got["일자리정책과"] == _ret()
    assert got["도시정책과"].returned_unchanged
    assert not got["일자리정책과"].returned_unchanged
    # The log lives in a sub-folder: the loader does not take it for a pledge.
    assert log_path(copied_records, P).parent.name == "intake"
    assert not load_records(copied_records).problems
    # Another period has its own log.
    assert load_returns(copied_records, Period.half_year("2027H1")) == {}


def test_a_new_return_replaces_the_departments_earlier_one(copied_records: Path) -> None:
    record_return(copied_records, P, _ret())
    record_return(copied_records, P, _ret(sha="c" * 64, changed=[], unchanged=["1-1", "1-2"]))
    got = load_returns(copied_records, P)["일자리정책과"]
    assert got.sha256 == "c" * 64 and got.unchanged == ["1-1", "1-2"]


def test_the_same_file_again_changes_nothing(copied_records: Path) -> None:
    record_return(copied_records, P, _ret())
    before = log_path(copied_records, P).read_bytes()
    later = _ret(imported_at=WHEN + datetime.timedelta(days=1))
    assert with_returns(copied_records, P, [later]) is None
    record_return(copied_records, P, later)
    assert log_path(copied_records, P).read_bytes() == before


def test_the_log_is_readable_like_the_records(copied_records: Path) -> None:
    record_return(copied_records, P, _ret())
    path = log_path(copied_records, P)
    text = path.read_text("utf-8")
    assert "일자리정책과" in text and text.endswith("}\n")  # UTF-8, not \\u escapes
    assert os.stat(path).st_mode & 0o044  # not owner-only, as mkstemp would make it
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".reportgen-tmp-")]


def test_a_failed_write_leaves_no_folder_behind(
    copied_records: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import reportgen.records.rollforward as rollforward

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(rollforward.os, "replace", fail)
    with pytest.raises(Exception, match="No space left|빈 공간이 없습니다"):
        record_return(copied_records, P, _ret())
    assert not (copied_records / "intake").exists()


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b'{"period": "2026H2", "returns": {"x": {"department": "x"}}}',
        b'{"format": "reportgen-returns/1", "period": "2027H1", "returns": {}}',
        b'{"period": "2026H2", "returns": {}, "extra": 1}',
    ],
)
def test_a_damaged_log_is_refused_in_korean(copied_records: Path, content: bytes) -> None:
    path = log_path(copied_records, P)
    path.parent.mkdir()
    path.write_bytes(content)
    with pytest.raises(ReturnsLogError) as exc:
        load_returns(copied_records, P)
    assert str(path) in exc.value.message and "회신 기록이 손상되었습니다" in exc.value.message
    with pytest.raises(ReturnsLogError):
        record_return(copied_records, P, _ret())
    assert path.read_bytes() == content


def test_a_log_that_is_no_plain_file_is_refused(copied_records: Path) -> None:
    path = log_path(copied_records, P)
    path.parent.mkdir()
    os.mkfifo(path)
    with pytest.raises(ReturnsLogError, match="일반 파일이 아니거나"):
        load_returns(copied_records, P)
