"""End to end: `reportgen build` on the shipped records, atomic output, --check, faults."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner

from reportgen.build import render_report
from reportgen.cli import main
from reportgen.formats import xlsx
from reportgen.formats.writers import PLEDGE_DIR
from reportgen.records.periods import Period
from reportgen.workspace.output import (
    MANIFEST,
    manifest_bytes,
    pledge_file_stem,
    publish,
    safe_file_name,
)

from .synthetic import write_synthetic_records

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

ROOT = Path(__file__).resolve().parent.parent


def _tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def _leftovers(directory: Path) -> list[str]:
    """Temporary or displaced output directories left beside the target."""
    return [
        p.name
        for p in directory.iterdir()
        if p.name.startswith((".reportgen-tmp", ".reportgen-old"))
    ]


@pytest.fixture()
def workspace(tmp_path: Path) -> Path:
    """A copy of the repository's workspace: records/ and templates/."""
    shutil.copytree(ROOT / "records", tmp_path / "records")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    return tmp_path


def _build(ws: Path, *args: str) -> object:
    return CliRunner().invoke(
        main,
        [
            "build",
            *args,
            "--records",
            str(ws / "records"),
            "--templates",
            str(ws / "templates"),
        ],
    )


def test_build_writes_every_output_and_a_manifest(workspace):
    out = workspace / "out"
    result = _build(workspace, "2022H1", "--out", str(out))
    assert result.exit_code == 0, result.output
    files = _tree(out)
    assert f"{PLEDGE_DIR}/01-04-03 고양시 고용할당제 도입.docx" in files
    assert any(name.startswith(f"{PLEDGE_DIR}/01-04-05 ") for name in files)
    booklets = [n for n in files if "/" not in n and n.endswith(".docx")]
    workbooks = [n for n in files if n.endswith(".xlsx")]
    assert len(booklets) == 1 and len(workbooks) == 1
    manifest = json.loads((out / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["period"] == "2022H1"
    assert manifest["generator"].startswith("reportgen ")
    for name, digest in manifest["files"].items():
        assert files[name] == digest
    assert set(manifest["files"]) == set(files) - {MANIFEST}
    assert set(manifest["records"]) == {"report.json", "1-4-3.json", "1-4-5.json"}
    assert set(manifest["templates"]) >= {"pledge.docx", "booklet.docx", "workbook.xlsx"}
    # a real reader opens each output
    for name in files:
        if name.endswith(".docx"):
            docx.Document(str(out / name))
        elif name.endswith(".xlsx"):
            openpyxl.load_workbook(out / name)


def test_default_output_is_output_period_in_the_workspace(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    result = CliRunner().invoke(main, ["build", "2022H1", "-q"])
    assert result.exit_code == 0, result.output
    assert (workspace / "output" / "2022H1" / MANIFEST).is_file()


def test_two_builds_are_byte_identical(workspace):
    a, b = workspace / "a", workspace / "b"
    assert _build(workspace, "2022H1", "--out", str(a)).exit_code == 0
    assert _build(workspace, "2022H1", "--out", str(b)).exit_code == 0
    assert _tree(a) == _tree(b)
    for path in a.rglob("*.docx"):
        with zipfile.ZipFile(path) as zf:
            assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
            core = zf.read("docProps/core.xml").decode()
            assert str(workspace) not in core


def test_check_accepts_a_fresh_build_and_catches_tampering(workspace):
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out)).exit_code == 0
    ok = _build(workspace, "2022H1", "--out", str(out), "--check")
    assert ok.exit_code == 0, ok.output
    victim = next(out.rglob("*.xlsx"))
    victim.write_bytes(victim.read_bytes() + b"\0")
    (out / "extra.txt").write_text("hand-made")
    bad = _build(workspace, "2022H1", "--out", str(out), "--check")
    assert bad.exit_code == 1
    assert victim.name in bad.output and "differs" in bad.output
    assert "extra.txt: not reportgen's" in bad.output


def test_each_period_shows_its_own_labels(workspace):
    for period, label in (("2021H2", "(2018. ~ 2020.)"), ("2022H1", "(2018. ~ 2021.6.)")):
        build = render_report(Period.parse(period), workspace / "records", workspace / "templates")
        booklet = next(d for n, d in build.files.items() if "/" not in n and n.endswith(".docx"))
        with zipfile.ZipFile(io.BytesIO(booklet)) as zf:
            text = zf.read("word/document.xml").decode()
        assert label in text
        assert ("코레일테크" in text) == (period == "2022H1")


def test_every_half_year_of_the_term_builds(workspace):
    for period in ("2018H2", "2019H1", "2019H2", "2020H1", "2020H2", "2021H1", "2021H2", "2022H1"):
        build = render_report(Period.parse(period), workspace / "records", workspace / "templates")
        assert any("/" not in n and n.endswith(".docx") for n in build.files)


def test_period_outside_the_term_is_refused(workspace):
    result = _build(workspace, "2022H2", "--out", str(workspace / "out"))
    assert result.exit_code == 1
    assert "outside the term 민선7기" in result.output
    assert "Traceback" not in result.output
    bad = _build(workspace, "2022", "--out", str(workspace / "out"))
    assert bad.exit_code == 2 and "half-year" in bad.output


def test_failed_build_leaves_previous_output_untouched(workspace):
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out)).exit_code == 0
    before = _tree(out)
    # a bad record
    path = workspace / "records" / "1-4-5.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"title"', '"titel"', 1), encoding="utf-8"
    )
    result = _build(workspace, "2022H1", "--out", str(out))
    assert result.exit_code == 1
    assert "titel" in result.output and "did you mean 'title'" in result.output
    assert "Traceback" not in result.output
    assert _tree(out) == before
    assert _leftovers(workspace) == []


def test_bad_template_leaves_previous_output_untouched(workspace):
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out)).exit_code == 0
    before = _tree(out)
    (workspace / "templates" / "booklet.docx").write_bytes(b"PK\x03\x04 broken")
    result = _build(workspace, "2022H1", "--out", str(out))
    assert result.exit_code == 1
    assert "booklet.docx" in result.output
    assert _tree(out) == before


def _with_manifest(files: dict[str, bytes]) -> dict[str, bytes]:
    """What a build publishes: the files and a manifest that lists them."""
    manifest = manifest_bytes(files, version="test", period="2022H1", records={}, templates={})
    return {**files, MANIFEST: manifest}


def test_disk_error_while_writing_leaves_previous_output(workspace, monkeypatch):
    out = workspace / "out"
    publish(out, _with_manifest({"a.txt": b"old"}))
    before = _tree(out)
    real_open = open
    calls = {"n": 0}

    def failing_open(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
        if "w" in mode and ".reportgen-tmp-" in str(file):
            calls["n"] += 1
            if calls["n"] == 2:
                raise OSError(28, "No space left on device")
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr("builtins.open", failing_open)
    from reportgen.errors import OutputError

    with pytest.raises(OutputError, match="No space left"):
        publish(out, _with_manifest({"a.txt": b"new", "b.txt": b"new", "c.txt": b"new"}))
    monkeypatch.undo()
    assert _tree(out) == before
    assert _leftovers(workspace) == []


def test_killed_build_leaves_previous_output(workspace):
    """kill -9 at many moments of a build: the old output is always whole."""
    # Enough pledges that a build takes a while and can be killed mid-way.
    shutil.rmtree(workspace / "records")
    write_synthetic_records(workspace / "records", 60)
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out)).exit_code == 0
    before = _tree(out)
    # Records changed, so a completed build would change the output.
    path = workspace / "records" / "1-1-3.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["title"] = record["title"] + " (변경)"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    script = (
        "import sys; from reportgen.cli import main; "
        "sys.argv=['reportgen','build','2022H1','-q','--records',sys.argv[1],"
        "'--templates',sys.argv[2],'--out',sys.argv[3]]; main()"
    )
    # Builds are deterministic: the complete new output is known in advance.
    reference = workspace / "reference"
    assert _build(workspace, "2022H1", "--out", str(reference)).exit_code == 0
    new = _tree(reference)
    assert new != before
    killed = 0
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5, 1.8):
        proc = subprocess.Popen(
            [
                sys.executable,
                "-c",
                script,
                str(workspace / "records"),
                str(workspace / "templates"),
                str(out),
            ],
            cwd=workspace,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGKILL)
            killed += 1
        proc.wait()
        assert proc.returncode in (0, -signal.SIGKILL), f"the build failed: exit {proc.returncode}"
        # Whenever it was killed: the old output whole, or the new one whole.
        now = _tree(out)
        assert now in (before, new), f"killed after {delay}s left a mixed output"
        if now == new:
            break  # a later run would only find it up to date
    assert killed, "no build was slow enough to be killed; the test proved nothing"
    # ... and no orphaned worker of a killed build lingers (forked workers
    # keep the parent's command line, which names this output directory).
    time.sleep(0.5)
    orphans = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if str(out).encode() in cmdline.read_bytes():
                orphans.append(cmdline.parent.name)
        except OSError:
            pass
    assert orphans == [], f"processes of killed builds still running: {orphans}"
    # a later build cleans up whatever the killed ones left beside the output
    assert _build(workspace, "2022H1", "--out", str(out)).exit_code == 0
    assert _leftovers(workspace) == []


def test_file_names_are_safe_and_sort_in_pledge_order():
    assert pledge_file_stem("1-4-9", "a") < pledge_file_stem("1-4-10", "a")
    assert safe_file_name('a<b>:"c"/d\\e|f?g*h\x01') == "a b c d e f g h"
    assert safe_file_name("끝. ") == "끝"
    assert safe_file_name("...") == "_"
    # Format characters (bidi overrides, zero-width) never reach a name; others stay.
    assert safe_file_name("gpj\u202e.exe 공약\u200b명\u00ad") == "gpj.exe 공약명"
    assert safe_file_name("청년·여성 (1-4-5)") == "청년·여성 (1-4-5)"


def test_publish_refuses_paths_outside_the_output(tmp_path):
    from reportgen.errors import OutputError

    with pytest.raises(OutputError):
        publish(tmp_path / "out", {"../escape.txt": b"x"})
    assert not (tmp_path / "escape.txt").exists()


def test_strict_refuses_drafts_and_plain_build_warns(workspace):
    path = workspace / "records" / "1-4-5.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["reports"]["2022H1"]["draft"] = True
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    loud = _build(workspace, "2022H1", "--out", str(workspace / "out"))
    assert loud.exit_code == 0
    assert "UNCONFIRMED DRAFT" in loud.output and "1-4-5" in loud.output
    strict = _build(workspace, "2022H1", "--out", str(workspace / "out2"), "--strict")
    assert strict.exit_code == 1 and "1-4-5: reports.2022H1.status" in strict.output
    assert "unconfirmed draft" in strict.output or "확정되지 않은 초안" in strict.output
    assert not (workspace / "out2").exists()


def test_unchanged_rebuild_is_skipped_and_tampering_is_not(workspace):
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out)).exit_code == 0
    again = _build(workspace, "2022H1", "--out", str(out))
    assert again.exit_code == 0 and "up to date" in again.output
    victim = next(out.rglob("*.xlsx"))
    victim.write_bytes(b"damaged")
    # A file changed since reportgen wrote it may be someone's edit: not
    # overwritten silently, and nothing else is touched either.
    refused = _build(workspace, "2022H1", "--out", str(out))
    assert refused.exit_code == 1 and victim.name in refused.output
    assert "--force" in refused.output and victim.read_bytes() == b"damaged"
    repaired = _build(workspace, "2022H1", "--out", str(out), "--force")
    assert repaired.exit_code == 0 and "up to date" not in repaired.output
    assert _build(workspace, "2022H1", "--out", str(out), "--check").exit_code == 0


def test_one_changed_pledge_is_the_only_one_rendered(workspace, monkeypatch):
    shutil.rmtree(workspace / "records")
    write_synthetic_records(workspace / "records", 30)
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out), "-j", "1").exit_code == 0
    path = workspace / "records" / "1-1-3.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    from reportgen.formats.docx import DocxWriter

    rendered = []
    real = DocxWriter.pledge_content

    def spy(self, view, report, number):  # type: ignore[no-untyped-def]
        rendered.append(view.id)
        return real(self, view, report, number)

    monkeypatch.setattr(DocxWriter, "pledge_content", spy)
    result = _build(workspace, "2022H1", "--out", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    assert rendered == ["1-1-3"]
    assert _build(workspace, "2022H1", "--out", str(out), "--check").exit_code == 0


def test_one_changed_pledge_rewrites_only_its_sheet_and_matches_a_cold_build(
    workspace, monkeypatch
):
    """The workbook by part: every other pledge sheet is reused by key, not rewritten.

    The summary sheets read every pledge and are rewritten; the result is the
    workbook (and the whole output) a build from scratch makes, byte for byte.
    """
    shutil.rmtree(workspace / "records")
    write_synthetic_records(workspace / "records", 30)
    out, cold = workspace / "out", workspace / "cold"
    assert _build(workspace, "2022H1", "--out", str(out), "-j", "1").exit_code == 0
    before = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["part_keys"]
    (workbook,) = [name for name in before if name.endswith(".xlsx")]
    # A part and its key per budgeted pledge sheet, and per part of the frame around them;
    # the layout key of the summary sheets whose pledge rows a rebuild takes back, and of
    # the shared strings they refer to.
    assert len(before[workbook]) == 30 + len(xlsx.FRAME_PARTS) + len(xlsx.ROW_SHEETS) + 1
    path = workspace / "records" / "1-1-3.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")

    written: list[str] = []
    real = xlsx._Writer.pledge_sheet
    real_skeleton = xlsx._Writer._skeleton

    def spy(self, view, name):  # type: ignore[no-untyped-def]
        written.append(view.id)
        return real(self, view, name)

    def skeleton_spy(self, order):  # type: ignore[no-untyped-def]
        written.append("(frame)")
        return real_skeleton(self, order)

    monkeypatch.setattr(xlsx._Writer, "pledge_sheet", spy)
    monkeypatch.setattr(xlsx._Writer, "_skeleton", skeleton_spy)
    result = _build(workspace, "2022H1", "--out", str(out), "-j", "1")
    assert result.exit_code == 0, result.output
    # A second department: the workbook gains a 부서별 sheet, so the frame around
    # the sheets (the sheet list) is written again; the other sheets are reused.
    assert written == ["1-1-3", "(frame)"]
    after = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["part_keys"][workbook]
    # By key, not by part name: a sheet may move when the summary sheets change in number.
    changed = [part for part, key in after.items() if key not in before[workbook].values()]
    changed = [part for part in changed if part not in xlsx.FRAME_PARTS]
    assert len(changed) == 1
    with zipfile.ZipFile(out / workbook) as zf:
        assert "1-1-3" in zf.read(changed[0]).decode("utf-8")
    written.clear()
    assert _build(workspace, "2022H1", "--out", str(cold), "-j", "1").exit_code == 0
    assert len(written) == 31  # every sheet, and the frame
    assert _tree(out) == _tree(cold)
    assert _build(workspace, "2022H1", "--out", str(out), "--check").exit_code == 0


def test_unchanged_files_are_linked_not_written_again(workspace):
    """A file the new output shares with the old one keeps its bytes on disk (same inode)."""
    shutil.rmtree(workspace / "records")
    write_synthetic_records(workspace / "records", 24)
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out), "-j", "1").exit_code == 0
    before = {p.name: p.stat().st_ino for p in (out / PLEDGE_DIR).iterdir()}
    path = workspace / "records" / "1-1-2.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert _build(workspace, "2022H1", "--out", str(out), "-j", "1").exit_code == 0
    after = {p.name: p.stat().st_ino for p in (out / PLEDGE_DIR).iterdir()}
    moved = sorted(name for name in after if before.get(name) != after[name])
    assert len(moved) == 1 and "1-1-2" in moved[0], moved
    assert all((out / PLEDGE_DIR / name).stat().st_nlink == 1 for name in after)
    assert _build(workspace, "2022H1", "--out", str(out), "--check").exit_code == 0


def test_a_one_pledge_rebuild_forks_only_the_workbooks_process(workspace, monkeypatch):
    """The one pledge is laid out here (a pool of workers costs more); the workbook beside it."""
    from reportgen.formats import render, writers

    shutil.rmtree(workspace / "records")
    write_synthetic_records(workspace / "records", 30)
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out), "-j", "2").exit_code == 0
    path = workspace / "records" / "1-1-2.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    pools: list[int] = []
    background: list[bool] = []
    real_pool, real_background = render.worker_pool, writers.in_background

    def pool(processes, *args, **kwargs):  # type: ignore[no-untyped-def]
        pools.append(processes)
        return real_pool(processes, *args, **kwargs)

    def beside(function, state, enabled=True):  # type: ignore[no-untyped-def]
        background.append(enabled)
        return real_background(function, state, enabled)

    monkeypatch.setattr(render, "worker_pool", pool)
    monkeypatch.setattr(writers, "in_background", beside)
    assert _build(workspace, "2022H1", "--out", str(out), "-j", "2").exit_code == 0
    assert pools == [] and background == [True]


def test_a_one_pledge_rebuild_lays_out_one_pledge_and_makes_a_cold_builds_bytes(
    workspace, monkeypatch
):
    """The other pledges' pages come from the previous build.

    Whatever was taken back, the files are the bytes a cold build makes, and a
    previous page that was tampered with is laid out again, not taken.
    """
    from reportgen.formats.docx import DocxWriter

    shutil.rmtree(workspace / "records")
    write_synthetic_records(workspace / "records", 30)
    out = workspace / "out"
    assert _build(workspace, "2022H1", "--out", str(out)).exit_code == 0
    path = workspace / "records" / "1-1-2.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    tampered = next(p for p in sorted((out / PLEDGE_DIR).iterdir()) if "1-1-3" in p.name)
    tampered.write_bytes(tampered.read_bytes() + b"\0")
    laid_out: list[str] = []
    content = DocxWriter.pledge_content

    def counting(self, view, report, number):  # type: ignore[no-untyped-def]
        laid_out.append(view.id)
        return content(self, view, report, number)

    monkeypatch.setattr(DocxWriter, "pledge_content", counting)
    # --force: a page changed by hand is otherwise refused (see test_output_safety).
    assert _build(workspace, "2022H1", "--out", str(out), "-j", "1", "--force").exit_code == 0
    assert sorted(laid_out) == ["1-1-2", "1-1-3"]
    cold = workspace / "cold"
    assert _build(workspace, "2022H1", "--out", str(cold), "-j", "1").exit_code == 0
    names = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(cold) for p in cold.rglob("*") if p.is_file())
    for name in names:
        assert (out / name).read_bytes() == (cold / name).read_bytes(), name


def test_a_damaged_previous_workbook_is_not_reused(workspace):
    shutil.rmtree(workspace / "records")
    write_synthetic_records(workspace / "records", 24)
    out, cold = workspace / "out", workspace / "cold"
    assert _build(workspace, "2022H1", "--out", str(out), "-j", "1").exit_code == 0
    victim = next(out.glob("*.xlsx"))
    victim.write_bytes(victim.read_bytes()[:-100])
    path = workspace / "records" / "1-1-2.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record["department"] = "일자리경제과"
    path.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    forced = _build(workspace, "2022H1", "--out", str(out), "-j", "1", "--force")
    assert forced.exit_code == 0, forced.output
    assert _build(workspace, "2022H1", "--out", str(cold), "-j", "1").exit_code == 0
    assert _tree(out) == _tree(cold)


def test_output_is_the_same_whatever_the_number_of_workers(workspace):
    shutil.rmtree(workspace / "records")
    write_synthetic_records(workspace / "records", 40)
    one, two = workspace / "one", workspace / "two"
    assert _build(workspace, "2022H1", "--out", str(one), "-j", "1").exit_code == 0
    assert _build(workspace, "2022H1", "--out", str(two), "-j", "2").exit_code == 0
    assert _tree(one) == _tree(two)


def test_build_without_period_builds_the_newest_reported(workspace, monkeypatch):
    monkeypatch.chdir(workspace)
    result = _build(workspace)
    assert result.exit_code == 0, result.output
    assert "building 2022H1" in result.output
    assert (workspace / "output" / "2022H1" / MANIFEST).is_file()


def test_build_without_period_and_nothing_recorded_says_what_to_do(tmp_path, monkeypatch):
    from .conftest import make_pledge, write_records

    pledge = make_pledge(plans=[], reports={})
    records = write_records(tmp_path, {"1-1-1": pledge})
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(
        main, ["build", "--records", str(records), "--templates", str(ROOT / "templates")]
    )
    assert result.exit_code == 1, result.output
    assert "no period is recorded yet" in result.output and "Traceback" not in result.output
