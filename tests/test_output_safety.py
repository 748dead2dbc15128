"""Output belongs to reportgen, and nothing else does (issue 11).

Every case here once destroyed data or could have: an output path pointing at
the records, the templates, the workspace or a folder of the user's own files;
a review note saved into an output folder; a symbolic link; a poisoned
manifest; leftovers of killed builds.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reportgen.cli import main
from reportgen.workspace import fingerprint
from reportgen.workspace.output import MANIFEST

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

ROOT = Path(__file__).resolve().parent.parent


def _tree(path: Path) -> dict[str, str]:
    """Every file under ``path`` (links not followed) with its digest."""
    out = {}
    for p in sorted(path.rglob("*")):
        if p.is_symlink():
            out[p.relative_to(path).as_posix()] = "link:" + os.readlink(p)
        elif p.is_file():
            out[p.relative_to(path).as_posix()] = hashlib.sha256(p.read_bytes()).hexdigest()
        elif p.is_dir() and not any(p.iterdir()):
            out[p.relative_to(path).as_posix() + "/"] = "dir"
    return out


def _leftovers(directory: Path) -> list[str]:
    return [p.name for p in directory.iterdir() if p.name.startswith(".reportgen-")]


@pytest.fixture()
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace as a user has it: records/, templates/, and the current directory there."""
    shutil.copytree(ROOT / "records", tmp_path / "records")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _build(*args: str) -> Result:
    return CliRunner().invoke(main, ["build", "2022H1", *args])


def _refused(result: Result, *words: str) -> None:
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output  # one line saying why
    for word in words:
        assert word in result.output, result.output


# ---------------------------------------------------------------------------
# --out places that are not reportgen's


@pytest.mark.parametrize(
    ("out", "what"),
    [
        ("records", "the records directory"),
        ("records/schema", "the records directory"),
        ("templates", "the templates directory"),
        (".", "the workspace"),
        ("..", "the workspace"),
    ],
)
def test_out_that_would_replace_inputs_or_the_workspace_is_refused(ws: Path, out: str, what: str):
    before = _tree(ws)
    _refused(_build("--out", out), what)
    assert _tree(ws) == before
    assert _leftovers(ws) == [] and _leftovers(ws.parent) == []


def test_out_that_contains_the_records_is_refused(ws: Path, tmp_path: Path):
    """--out /the/parent/of/the/workspace: it contains the records."""
    before = _tree(ws)
    result = CliRunner().invoke(
        main,
        ["build", "2022H1", "--records", str(ws / "records"), "--out", str(ws.parent)],
    )
    _refused(result)
    assert _tree(ws) == before


def test_a_folder_of_the_users_own_files_is_refused_untouched(ws: Path):
    documents = ws / "Documents"
    (documents / "사진").mkdir(parents=True)
    (documents / "편지.hwp").write_bytes(b"my letter")
    (documents / "사진" / "a.jpg").write_bytes(b"jpeg")
    before = _tree(documents)
    _refused(_build("--out", "Documents"), "did not make", "nothing in it was touched")
    assert _tree(documents) == before
    assert _leftovers(ws) == []


def test_an_empty_folder_or_a_new_one_becomes_the_output(ws: Path):
    (ws / "empty").mkdir()
    assert _build("--out", "empty").exit_code == 0
    assert (ws / "empty" / MANIFEST).is_file()
    assert _build("--out", "new/deeper").exit_code == 0
    assert (ws / "new" / "deeper" / MANIFEST).is_file()


def test_a_file_as_output_is_refused(ws: Path):
    (ws / "out").write_text("mine")
    _refused(_build("--out", "out"), "not a directory")
    assert (ws / "out").read_text() == "mine"


# ---------------------------------------------------------------------------
# Files in an output folder that are not reportgen's


def test_hand_added_files_are_carried_into_every_new_build(ws: Path):
    assert _build().exit_code == 0
    out = ws / "output" / "2022H1"
    (out / "검토의견.txt").write_text("총괄부서 검토: 1-4-5 수정 필요", encoding="utf-8")
    (out / "공약별" / "1-4-5 수정본.docx").write_bytes(b"hand-edited copy")
    (out / "참고자료" / "비어 있음").mkdir(parents=True)
    (out / "링크").symlink_to("검토의견.txt")
    mine = {k: v for k, v in _tree(out).items() if "수정본" in k or "검토" in k or "참고" in k}
    mine["링크"] = "link:검토의견.txt"

    # A change in the records makes a real rebuild (not "up to date").
    record = ws / "records" / "1-4-5.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    data["department"] = "일자리경제과"
    record.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = _build()
    assert result.exit_code == 0, result.output
    assert "kept 3 file(s)" in result.output
    after = _tree(out)
    for name, digest in mine.items():
        assert after[name] == digest, name
    assert (out / "링크").is_symlink()
    # reportgen's own files were replaced, and the manifest does not claim the user's.
    listed = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert not any("수정본" in n or "검토" in n for n in listed)
    check = _build("--check")
    assert check.exit_code == 0, check.output
    assert "검토의견.txt: not reportgen's" in check.output
    assert _leftovers(ws / "output") == []


def test_a_hand_file_with_the_name_of_a_new_output_is_refused_without_force(ws: Path):
    """1-4-3's page did not exist in the last build; a note saved under its name is not lost."""
    shutil.move(ws / "records" / "1-4-3.json", ws / "1-4-3.json")
    assert _build().exit_code == 0
    out = ws / "output" / "2022H1"
    shutil.move(ws / "1-4-3.json", ws / "records" / "1-4-3.json")
    with_all = _build("--out", "reference")
    assert with_all.exit_code == 0
    name = next(
        p.relative_to(ws / "reference").as_posix()
        for p in (ws / "reference").rglob("*01-04-03*.docx")
    )
    (out / name).write_bytes(b"my own page")
    before = _tree(out)
    _refused(_build(), name, "--force")
    assert _tree(out) == before
    forced = _build("--force")
    assert forced.exit_code == 0, forced.output
    assert (out / name).read_bytes() == (ws / "reference" / name).read_bytes()


def test_a_file_edited_by_hand_is_not_overwritten_without_force(ws: Path):
    assert _build().exit_code == 0
    out = ws / "output" / "2022H1"
    booklet = next(out.glob("*.docx"))
    booklet.write_bytes(booklet.read_bytes() + b"edited in Word")
    before = _tree(out)
    _refused(_build(), booklet.name, "changed since reportgen wrote it")
    assert _tree(out) == before
    assert _build("--force").exit_code == 0
    assert _build("--check").exit_code == 0


# ---------------------------------------------------------------------------
# Symbolic links and leftovers


def test_an_output_that_is_a_symbolic_link_stays_one(ws: Path, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("shared") / "보고서"
    (ws / "output").mkdir()
    link = ws / "output" / "2022H1"
    link.symlink_to(elsewhere, target_is_directory=True)  # dangling until the first build
    for _ in range(2):
        record = ws / "records" / "1-4-5.json"
        data = json.loads(record.read_text(encoding="utf-8"))
        data["title"] += "."
        record.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        result = _build()
        assert result.exit_code == 0, result.output
        assert link.is_symlink() and os.readlink(link) == str(elsewhere)
        assert (elsewhere / MANIFEST).is_file()
        assert _leftovers(ws / "output") == [] and _leftovers(elsewhere.parent) == []


def test_leftovers_of_a_killed_build_are_removed_by_the_next_even_a_no_op(ws: Path):
    assert _build().exit_code == 0
    out_parent = ws / "output"
    dead = out_parent / ".reportgen-tmp-2022H1.dead1234"
    (dead / "new").mkdir(parents=True)
    (dead / "new" / "half.docx").write_bytes(b"half-written")
    result = _build()
    assert "up to date" in result.output
    assert _leftovers(out_parent) == []


def test_a_running_builds_staging_directory_is_left_alone(ws: Path):
    """The lock tells a live build's staging directory from a dead one's."""
    assert _build().exit_code == 0
    live = ws / "output" / ".reportgen-tmp-2022H1.live5678"
    live.mkdir()
    fd = os.open(live, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        assert "up to date" in _build().output
        assert live.is_dir()
    finally:
        os.close(fd)
    assert "up to date" in _build().output
    assert not live.exists()


def test_a_failed_build_leaves_nothing_behind(ws: Path):
    assert _build().exit_code == 0
    out = ws / "output" / "2022H1"
    before = _tree(out)
    (ws / "records" / "1-4-5.json").write_text("{ broken", encoding="utf-8")
    assert _build().exit_code == 1
    assert _tree(out) == before
    assert _leftovers(ws / "output") == []


# ---------------------------------------------------------------------------
# The manifest of an earlier output is untrusted


def _poison(out: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = out / MANIFEST
    doc = json.loads(path.read_text(encoding="utf-8"))
    change(doc)
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


@pytest.mark.parametrize(
    "poison",
    [
        "outside",
        "absolute",
        "render-key-outside",
        "not-json",
        "not-an-object",
        "huge",
        "link",
        "bad-digest",
    ],
)
def test_a_poisoned_manifest_warns_and_rebuilds_everything(ws: Path, poison: str):
    assert _build().exit_code == 0
    out = ws / "output" / "2022H1"
    victim = ws / "victim.txt"
    victim.write_text("do not touch")
    stolen = hashlib.sha256(victim.read_bytes()).hexdigest()
    if poison == "outside":
        _poison(out, lambda d: d["files"].update({"../../victim.txt": stolen}))
    elif poison == "absolute":
        _poison(out, lambda d: d["files"].update({str(victim): stolen}))
    elif poison == "render-key-outside":

        def steal(d):  # type: ignore[no-untyped-def]
            key = next(iter(d["render_keys"].values()))
            d["files"]["../../victim.txt"] = stolen
            d["render_keys"] = {"../../victim.txt": key}

        _poison(out, steal)
    elif poison == "not-json":
        (out / MANIFEST).write_bytes(b"\xff{{{ not json")
    elif poison == "not-an-object":
        (out / MANIFEST).write_text("[1, 2, 3]")
    elif poison == "huge":
        with open(out / MANIFEST, "wb") as fh:
            fh.truncate(64 * 1024 * 1024)
    elif poison == "link":
        (out / MANIFEST).unlink()
        (out / MANIFEST).symlink_to(victim)
    elif poison == "bad-digest":
        _poison(out, lambda d: d["files"].update({"a.docx": {"nested": True}}))
    result = _build()
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    assert "manifest.json is damaged" in result.output
    assert victim.read_text() == "do not touch"
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert all(".." not in name for name in manifest["files"])
    # Later builds are not blocked: the output is reportgen's again.
    assert _build("--check").exit_code == 0
    assert "up to date" in _build().output


# ---------------------------------------------------------------------------
# Reuse of earlier outputs is keyed on the code too


def test_a_changed_writer_is_never_up_to_date(ws: Path, monkeypatch: pytest.MonkeyPatch):
    assert _build("-j", "1").exit_code == 0
    assert "up to date" in _build().output
    from reportgen.formats.docx import DocxWriter

    rendered = []
    real = DocxWriter.pledge_content

    def spy(self, view, report, number):  # type: ignore[no-untyped-def]
        rendered.append(view.id)
        return real(self, view, report, number)

    monkeypatch.setattr(DocxWriter, "pledge_content", spy)
    monkeypatch.setattr(fingerprint, "code_fingerprint", lambda: "0" * 64)
    monkeypatch.setattr("reportgen.build.code_fingerprint", lambda: "0" * 64)
    monkeypatch.setattr("reportgen.build.code_fingerprint", lambda: "0" * 64)
    result = _build("-j", "1")
    assert result.exit_code == 0 and "up to date" not in result.output
    assert sorted(rendered) == ["1-4-3", "1-4-5"]  # nothing reused from the old code


def test_the_code_fingerprint_covers_the_source_and_the_libraries():
    value = fingerprint.code_fingerprint()
    assert len(value) == 64
    fingerprint.code_fingerprint.cache_clear()
    assert fingerprint.code_fingerprint() == value  # deterministic
    assert "XlsxWriter" in fingerprint.LIBRARIES and "python-docx" in fingerprint.LIBRARIES


# ---------------------------------------------------------------------------
# diff --out and new-period obey the same rules


def _diff(*args: str) -> Result:
    return CliRunner().invoke(main, ["diff", "2021H2", "2022H1", *args])


@pytest.mark.parametrize("out", ["records", ".", "templates"])
def test_diff_out_refuses_inputs_and_the_workspace(ws: Path, out: str):
    before = _tree(ws)
    result = _diff("--out", out)
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert _tree(ws) == before


def test_diff_out_refuses_a_folder_of_the_users_files_and_collects_diffs(ws: Path):
    (ws / "Documents").mkdir()
    (ws / "Documents" / "mine.txt").write_text("mine")
    result = _diff("--out", "Documents")
    assert result.exit_code == 1 and "did not make" in result.output
    assert sorted(p.name for p in (ws / "Documents").iterdir()) == ["mine.txt"]

    assert _diff("--out", "output/diff").exit_code == 0
    (ws / "output" / "diff" / "메모.txt").write_text("note")
    second = CliRunner().invoke(main, ["diff", "2021H1", "2021H2", "--out", "output/diff"])
    assert second.exit_code == 0, second.output
    names = sorted(p.name for p in (ws / "output" / "diff").iterdir())
    assert names == [
        "diff_2021H1_2021H2.docx",
        "diff_2021H1_2021H2.json",
        "diff_2021H2_2022H1.docx",
        "diff_2021H2_2022H1.json",
        MANIFEST,
        "메모.txt",
    ]


def test_new_period_keeps_a_linked_record_a_link_and_cleans_dead_leftovers(tmp_path: Path):
    records = tmp_path / "records"
    shutil.copytree(ROOT / "records", records)
    # A record kept under another name inside the records directory, linked,
    # and without its 2022H1 report, so that new-period drafts one.
    data = json.loads((records / "1-4-3.json").read_text(encoding="utf-8"))
    del data["reports"]["2022H1"]
    (records / "1-4-3.json").unlink()
    (records / "keep-1-4-3.data").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
    (records / "1-4-3.json").symlink_to("keep-1-4-3.data")
    dead = records / ".reportgen-tmp-1-4-5.json.abcd1234.tmp"
    dead.write_bytes(b"half")
    result = CliRunner().invoke(main, ["new-period", "2022H1", "--records", str(records)])
    assert result.exit_code == 0, result.output
    assert not dead.exists()
    assert (records / "1-4-3.json").is_symlink()
    drafted = json.loads((records / "keep-1-4-3.data").read_text(encoding="utf-8"))
    assert drafted["reports"]["2022H1"]["draft"] is True
    assert [p.name for p in records.iterdir() if p.name.startswith(".reportgen-")] == []
