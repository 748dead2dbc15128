"""``reportgen diff OLD NEW``: the changes between two reports, the JSON and the 신·구 대비표."""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import docx
import pytest
from click.testing import CliRunner, Result
from lxml import etree

from reportgen.cli import main
from reportgen.formats.diff_docx import render_docx
from reportgen.formats.pdf import fontconfig_file
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.diff import (
    CONTACTS,
    PLAN_TABLE,
    PROBLEMS,
    PROGRESS,
    STATUS,
    Change,
    ReportDiff,
    Word,
    diff_records,
    diff_views,
    signed_amount,
    summary_lines,
    word_diff,
)
from reportgen.report.view import report_view

from .conftest import audit

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
P = Period.parse
RECORDS = Path(__file__).resolve().parents[1] / "records"
KORAIL = "코레일테크 업무협력협약(21.8.4.)"


def _diff(*args: str, color: bool = False, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["diff", *args], color=color, env=env)


def _changes(diff: ReportDiff, pledge: str, section: str | None = None) -> list[Change]:
    found = next(p for p in diff.pledges if p.id == pledge)
    return [c for c in found.changes if section is None or c.section == section]


# ---------------------------------------------------------------------------
# A revised copy of the records: 2021H2 gets its own report section (a copy of
# 2022H1's), then the two periods are made to differ in known ways.

SIBI_2021 = 1487  # 1-4-5, 「고양시통합일자리센터」…, 시비, '21 in the shipped 2022H1 report


def _revise(records: Path) -> Path:
    path = records / "1-4-5.json"
    pledge = json.loads(path.read_text(encoding="utf-8"))
    old = copy.deepcopy(pledge["reports"]["2022H1"])
    old["status"] = "정상추진"
    old["contacts"]["team_leader"] = {"name": "이해승", "phone": "8075-3701"}
    old["participation"] = {"media": 30}
    old["problems"]["problems"][2]["text"] = "50~60대 신중년의 취업처 확보의 어려움"
    old["budget"]["plan"][2]["sources"]["시비"]["2021"] = SIBI_2021 + 1920
    pledge["reports"]["2021H2"] = old
    # What 2021H2 planned, against what 2022H1 reports as achieved in 2021H2.
    pledge["plans"].append(
        {
            "period": "2021H2",
            "entries": [
                {
                    "text": "계층별 맞춤형 취업프로그램",
                    "children": [
                        {"text": "청년캣취업사관학교 3,4,5기 운영"},
                        {"text": "나 알기 학교 2,3,4기 운영"},
                        {"text": "드론 교육 시범 운영"},
                    ],
                }
            ],
        }
    )
    path.write_text(json.dumps(pledge, ensure_ascii=False, indent=2), encoding="utf-8")
    return records


@pytest.fixture(scope="module")
def revised(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("revised") / "records"
    shutil.copytree(RECORDS, target)
    return _revise(target)


@pytest.fixture(scope="module")
def revised_diff(revised: Path) -> ReportDiff:
    return diff_records(revised, P("2021H2"), P("2022H1"), None)


@pytest.fixture(scope="module")
def revised_docx(revised_diff: ReportDiff) -> bytes:
    return render_docx(revised_diff)


# ---------------------------------------------------------------------------
# The shipped records


def test_additions_between_2021h2_and_2022h1_list_the_new_half_year(records_dir: Path) -> None:
    result = _diff("2021H2", "2022H1", "--records", str(records_dir))
    assert result.exit_code == 0, result.output
    assert f"+ - {KORAIL}" in result.output

    diff = diff_records(records_dir, P("2021H2"), P("2022H1"), None)
    added = [c.new for c in _changes(diff, "1-4-3", PROGRESS) if c.kind == "added"]
    assert KORAIL in added
    korail = next(c for c in _changes(diff, "1-4-3", PROGRESS) if c.new == KORAIL)
    assert korail.role == "previous" and korail.where == (
        "2021년도 하반기 추진실적 (21. 7.~12. 실적)",
    )


def test_items_moving_from_the_previous_half_into_cumulative_are_not_added(
    records_dir: Path,
) -> None:
    diff = diff_records(records_dir, P("2021H2"), P("2022H1"), "1-4-3")
    progress = _changes(diff, "1-4-3", PROGRESS)
    texts = [c.new for c in progress if c.kind == "added"]
    # 2021H1's items were the previous half's row in 2021H2 and are 그동안 추진실적 in 2022H1.
    assert "중장년일자리박람회" not in texts
    assert "(2021.1.~6.) 42회" not in texts
    # A line printed twice in OLD and three times in NEW is added once (a multiset).
    assert texts.count("기업 채용행사 지원") == 1
    assert not [c for c in progress if c.kind == "removed"]
    # The row labels are matched by role and reported once for the whole report.
    labels = {c.where: c for c in diff.changes if c.section == "labels"}
    cumulative = labels[("그동안 추진실적",)]
    assert (cumulative.old, cumulative.new) == (
        "그동안 추진실적 (2018. ~ 2020.)",
        "그동안 추진실적 (2018. ~ 2021.6.)",
    )
    assert Word("insert", "2021.6.)") in cumulative.words


def test_the_same_period_twice_has_no_changes(records_dir: Path) -> None:
    for extra in ((), ("--exit-code",)):
        result = _diff("2022H1", "2022H1", "--records", str(records_dir), *extra)
        assert result.exit_code == 0, result.output
        assert "변경 없음" in result.output
    diff = diff_records(records_dir, P("2022H1"), P("2022H1"), None)
    assert not diff.changed
    assert all(p.state == "unchanged" and not p.changes for p in diff.pledges)


def test_exit_code_makes_a_difference_exit_1(records_dir: Path) -> None:
    assert _diff("2021H2", "2022H1", "--records", str(records_dir)).exit_code == 0
    result = _diff("2021H2", "2022H1", "--records", str(records_dir), "--exit-code")
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output


def test_pledge_option_restricts_the_comparison(records_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = _diff(
        "2021H2", "2022H1", "--records", str(records_dir), "--pledge", "1-4-3", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "1-4-3 고양시 고용할당제 도입" in result.output
    assert "1-4-5" not in result.output
    data = json.loads((out / "diff_2021H2_2022H1.json").read_text(encoding="utf-8"))
    assert [p["id"] for p in data["pledges"]] == ["1-4-3"]
    assert data["pledge"] == "1-4-3"
    # The 총괄 counts belong to the whole report, not to one pledge.
    assert not [c for c in data["changes"] if c["section"] == "summary"]


def test_bad_arguments_are_clean_errors(records_dir: Path) -> None:
    result = _diff("2021H2", "2022Q1", "--records", str(records_dir))
    assert result.exit_code == 2 and "is not a period" in result.output
    result = _diff("2021", "2022H1", "--records", str(records_dir))
    assert result.exit_code == 2 and "is a year" in result.output
    result = _diff("2021H2", "2022H2", "--records", str(records_dir))
    assert result.exit_code == 1 and "outside 민선7기" in result.output
    result = _diff("2021H2", "2022H1", "--records", str(records_dir), "--pledge", "9-9-9")
    assert result.exit_code == 1 and "no pledge '9-9-9'" in result.output
    assert "Traceback" not in result.output


def test_colour_on_a_terminal_plain_when_piped_or_no_color(records_dir: Path) -> None:
    args = ("2021H2", "2022H1", "--records", str(records_dir))
    assert "\x1b[" in _diff(*args, color=True).output
    assert "\x1b[" not in _diff(*args, color=False).output
    assert "\x1b[" not in _diff(*args, color=True, env={"NO_COLOR": "1"}).output


# ---------------------------------------------------------------------------
# Revised records: figures, rewording, status, contacts


def test_changed_figure_shows_the_cell_and_the_decrease_with_a_triangle(
    revised_diff: ReportDiff, revised: Path
) -> None:
    figures = _changes(revised_diff, "1-4-5", PLAN_TABLE)
    name = "「고양시통합일자리센터」 운영 및 계층별 일자리사업 추진"
    cell = next(c for c in figures if c.where == ("연도별 투자계획(사업비)", name, "시비", "'21"))
    assert (cell.old, cell.new) == (f"{SIBI_2021 + 1920:,}", f"{SIBI_2021:,}")
    assert cell.difference == "△1,920"
    assert cell.kind == "changed" and not cell.derived
    # The totals the change feeds are printed too, marked as derived.
    totals = {c.where[1:]: c for c in figures if c.derived}
    assert totals[(name, "시비", "계")].difference == "△1,920"
    assert totals[("계", "'21")].difference == "△1,920"
    assert all(c.section == PLAN_TABLE for c in figures)
    assert not _changes(revised_diff, "1-4-5", "secured_table")

    result = _diff("2021H2", "2022H1", "--records", str(revised), "--pledge", "1-4-5")
    assert f"시비 / '21: {SIBI_2021 + 1920:,} → {SIBI_2021:,} (증감 △1,920)" in result.output


def test_signed_amounts_follow_korean_practice() -> None:
    assert signed_amount(Decimal(-1920)) == "△1,920"
    assert signed_amount(Decimal(1920)) == "1,920"
    assert signed_amount(Decimal(0)) == "0"
    assert signed_amount(Decimal("-0.5")) == "△0.5"


def test_reworded_items_show_word_level_changes(revised_diff: ReportDiff, revised: Path) -> None:
    problems = _changes(revised_diff, "1-4-5", PROBLEMS)
    reworded = [c for c in problems if c.kind == "reworded"]
    assert len(reworded) == 1 and not [c for c in problems if c.kind != "reworded"]
    words = reworded[0].words
    assert Word("insert", "다양한") in words and Word("insert", "만성적인") in words
    assert reworded[0].where == ("○ 문제점",)

    # The plan for 2021H2 against what 2022H1 reports as achieved in 2021H2.
    progress = _changes(revised_diff, "1-4-5", PROGRESS)
    plan_to_result = next(c for c in progress if c.old == "청년캣취업사관학교 3,4,5기 운영")
    assert plan_to_result.kind == "reworded"
    assert plan_to_result.new == "청년캣취업사관학교 3,4,5기 수료"
    assert plan_to_result.words == (
        Word("equal", "청년캣취업사관학교 3,4,5기"),
        Word("delete", "운영"),
        Word("insert", "수료"),
    )
    removed = [c.old for c in progress if c.kind == "removed"]
    assert removed == ["드론 교육 시범 운영"]

    result = _diff("2021H2", "2022H1", "--records", str(revised), "--pledge", "1-4-5")
    assert "청년캣취업사관학교 3,4,5기 [-운영-] {+수료+}" in result.output


def test_word_diff_splits_on_blanks() -> None:
    assert word_diff("가 나 다", "가 라 다") == (
        Word("equal", "가"),
        Word("delete", "나"),
        Word("insert", "라"),
        Word("equal", "다"),
    )
    assert word_diff("같음", "같음") == (Word("equal", "같음"),)


def test_status_contacts_and_participation_changes(revised_diff: ReportDiff) -> None:
    (status,) = _changes(revised_diff, "1-4-5", STATUS)
    assert (status.kind, status.old, status.new) == ("changed", "정상추진", "이행후계속추진")
    (contact,) = _changes(revised_diff, "1-4-5", CONTACTS)
    assert contact.where == ("팀장",)
    assert (contact.old, contact.new) == ("이해승 (8075-3701)", "김혜실 (8075-3661)")
    (media,) = _changes(revised_diff, "1-4-5", "participation")
    assert (media.where, media.old, media.new) == (("언론/방송 보도",), "30회", "42회")


def test_status_spelled_with_blanks_is_the_same_status(
    tmp_path: Path, make_pledge: Any, write_records: Any
) -> None:
    pledge = make_pledge("1-1-1")
    pledge["reports"]["2021H2"] = {"status": "이행 후 계속추진"}
    pledge["reports"]["2022H1"]["status"] = "이행후계속추진"
    records = write_records(tmp_path, {"1-1-1": pledge})
    diff = diff_records(records, P("2021H2"), P("2022H1"), None)
    assert not _changes(diff, "1-1-1", STATUS)


def test_reordered_lines_are_moved_not_added(
    tmp_path: Path, make_pledge: Any, write_records: Any
) -> None:
    pledge = make_pledge("1-1-1")
    lines = ["첫째 개선 과제 추진", "둘째 개선 과제 추진", "셋째 전혀 다른 내용"]
    pledge["reports"]["2021H2"] = {"problems": {"general": [{"text": t} for t in lines]}}
    pledge["reports"]["2022H1"]["problems"] = {
        "general": [{"text": t} for t in (lines[2], lines[0], lines[1])]
    }
    records = write_records(tmp_path, {"1-1-1": pledge})
    diff = diff_records(records, P("2021H2"), P("2022H1"), None)
    problems = _changes(diff, "1-1-1", PROBLEMS)
    assert [(c.kind, c.new) for c in problems] == [("moved", "셋째 전혀 다른 내용")]


def test_pledges_added_or_dropped(tmp_path: Path, shipped: Any, write_records: Any) -> None:
    both = load_records(
        write_records(tmp_path / "a", {"1-4-3": shipped("1-4-3"), "1-4-5": shipped("1-4-5")})
    )
    one = load_records(write_records(tmp_path / "b", {"1-4-3": shipped("1-4-3")}))
    assert both.settings and one.settings
    old = report_view(one.pledges, P("2022H1"), one.settings)
    new = report_view(both.pledges, P("2022H1"), both.settings)
    diff = diff_views(old, new)
    states = {p.id: p.state for p in diff.pledges}
    assert states == {"1-4-3": "unchanged", "1-4-5": "added"}
    added = next(p for p in diff.pledges if p.id == "1-4-5")
    assert added.changes[0].kind == "added" and added.changes[0].section == "pledge"
    assert {p.state for p in diff_views(new, old).pledges} == {"unchanged", "dropped"}
    doc = docx.Document(io.BytesIO(render_docx(diff)))
    assert any("<신 설>" in p.text for p in doc.paragraphs if p.style.name == "Heading 1")


# ---------------------------------------------------------------------------
# Files: JSON and the 신·구 대비표


def test_json_is_written_and_deterministic(revised: Path, tmp_path: Path) -> None:
    outs = [tmp_path / "one", tmp_path / "two"]
    for out in outs:
        result = _diff("2021H2", "2022H1", "--records", str(revised), "--out", str(out))
        assert result.exit_code == 0, result.output
        assert f"wrote {out / 'diff_2021H2_2022H1.json'}" in result.output
    first, second = (o / "diff_2021H2_2022H1.json" for o in outs)
    assert first.read_bytes() == second.read_bytes()
    text = first.read_text(encoding="utf-8")
    data = json.loads(text)
    assert text == json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    assert "코레일테크" in text  # Hangul as is, not \\uXXXX
    assert data["old"] == "2021H2" and data["new"] == "2022H1" and data["changed"] is True
    assert data["counts"]["changed"] == 2
    cell = next(
        c
        for p in data["pledges"]
        for c in p["changes"]
        if c["section"] == "plan_table" and c["where"][-2:] == ["시비", "'21"]
    )
    assert cell["difference"] == "△1,920"
    assert oct((first.stat().st_mode) & 0o777) == oct(0o644)
    assert not [p for p in first.parent.iterdir() if p.name.startswith(".")]  # no temp files


def _document(data: bytes) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read("word/document.xml"))


def _part(data: bytes, name: str) -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read(name))


def test_docx_is_a_two_column_comparison_table(revised_docx: bytes) -> None:
    doc = docx.Document(io.BytesIO(revised_docx))
    comparisons = [t for t in doc.tables if t.rows[0].cells[0].text.startswith("현 행")]
    assert comparisons, [t.rows[0].cells[0].text for t in doc.tables]
    table = comparisons[-1]  # the pledge's (the first is the report-wide one)
    assert len(table.columns) == 2
    assert [c.text for c in table.rows[0].cells] == [
        "현 행 (2021년 하반기)",
        "개 정 안 (2022년 상반기)",
    ]
    assert table.rows[0]._tr.find(f"{W}trPr/{W}tblHeader") is not None
    old_text = "\n".join(r.cells[0].text for r in table.rows)
    new_text = "\n".join(r.cells[1].text for r in table.rows)
    assert "(생 략)" in old_text and "(생 략)" in new_text
    assert "<신 설>" in old_text and "<삭 제>" in new_text
    assert "드론 교육 시범 운영" in old_text and "드론 교육 시범 운영" not in new_text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "1-4-3  고양시 고용할당제 도입",
        "1-4-5  청년·여성·어르신 일자리 종합컨트롤타워 추진",
    ]
    # Figures: old | new | 증감, a decrease with △.
    money = next(t for t in doc.tables if t.rows[0].cells[0].text == "공약사업명")
    rows = [[c.text for c in r.cells] for r in money.rows]
    assert [f"{SIBI_2021 + 1920:,}", f"{SIBI_2021:,}", "△1,920"] in [r[3:] for r in rows]


def test_docx_marks_deletions_struck_and_insertions_underlined(revised_docx: bytes) -> None:
    body = _document(revised_docx)
    struck = [
        "".join(r.itertext()) for r in body.iter(f"{W}r") if r.find(f"{W}rPr/{W}strike") is not None
    ]
    underlined = [
        "".join(r.itertext()) for r in body.iter(f"{W}r") if r.find(f"{W}rPr/{W}u") is not None
    ]
    assert "운영" in struck and "수료" in underlined  # words inside a reworded line
    assert "정상추진" in struck and "이행후계속추진" in underlined
    assert "드론 교육 시범 운영" in struck
    for run in body.iter(f"{W}r"):
        rpr = run.find(f"{W}rPr")
        if rpr is None:
            continue
        colour = rpr.find(f"{W}color")
        if rpr.find(f"{W}strike") is not None:
            assert colour is not None and colour.get(f"{W}val") == "C00000"
        if rpr.find(f"{W}u") is not None:
            assert colour is not None and colour.get(f"{W}val") == "0070C0"


def test_docx_sets_korean_fonts_in_every_run_and_in_the_styles(revised_docx: bytes) -> None:
    parts = ["word/document.xml"] + [
        n
        for n in zipfile.ZipFile(io.BytesIO(revised_docx)).namelist()
        if "header" in n or "footer" in n
    ]
    for name in parts:
        runs = list(_part(revised_docx, name).iter(f"{W}r"))
        assert runs, name
        for run in runs:
            fonts = run.find(f"{W}rPr/{W}rFonts")
            assert fonts is not None, (name, etree.tostring(run))
            assert fonts.get(f"{W}eastAsia") == "맑은 고딕"
            assert fonts.get(f"{W}eastAsiaTheme") is None and fonts.get(f"{W}asciiTheme") is None
            assert run.find(f"{W}rPr/{W}lang").get(f"{W}eastAsia") == "ko-KR"
    styles = _part(revised_docx, "word/styles.xml")
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults.find(f"{W}rFonts").get(f"{W}eastAsia") == "맑은 고딕"
    assert defaults.find(f"{W}lang").get(f"{W}eastAsia") == "ko-KR"
    for fonts in styles.iter(f"{W}rFonts"):
        assert not [a for a in fonts.attrib if a.endswith(("Theme", "theme"))]


def test_docx_page_and_properties(revised_docx: bytes) -> None:
    doc = docx.Document(io.BytesIO(revised_docx))
    section = doc.sections[0]
    assert abs(section.page_width.cm - 21.0) < 0.01 and abs(section.page_height.cm - 29.7) < 0.01
    assert section.page_height > section.page_width  # portrait
    props = doc.core_properties
    assert props.created.year == 2000 and props.modified == props.created
    assert props.last_modified_by == "reportgen"
    names = zipfile.ZipFile(io.BytesIO(revised_docx)).namelist()
    assert "word/stylesWithEffects.xml" not in names


def test_docx_is_byte_identical_across_runs(revised: Path, tmp_path: Path) -> None:
    outs = [tmp_path / "a", tmp_path / "b"]
    for out in outs:
        assert (
            _diff("2021H2", "2022H1", "--records", str(revised), "--out", str(out)).exit_code == 0
        )
    a, b = (o / "diff_2021H2_2022H1.docx" for o in outs)
    assert a.read_bytes() == b.read_bytes()
    again = render_docx(diff_records(revised, P("2021H2"), P("2022H1"), None))
    assert again == a.read_bytes()


def test_docx_of_no_changes_says_so(records_dir: Path, tmp_path: Path) -> None:
    result = _diff("2022H1", "2022H1", "--records", str(records_dir), "--out", str(tmp_path))
    assert result.exit_code == 0, result.output
    doc = docx.Document(str(tmp_path / "diff_2022H1_2022H1.docx"))
    assert any("변경 없음" in p.text for p in doc.paragraphs)


def test_docx_passes_openxml_audit(revised_docx: bytes, tmp_path: Path) -> None:
    path = tmp_path / "diff.docx"
    path.write_bytes(revised_docx)
    results = audit(path, timeout=120)
    findings = [
        f
        for r in results
        for f in (*r.get("errors", ()), *r.get("warnings", ()))
        # python-docx's default template's own part (PITFALLS.md); we leave it out anyway.
        if "stylesWithEffects" not in f.get("part_uri", "")
    ]
    assert findings == [], json.dumps(findings, ensure_ascii=False, indent=2)


def test_docx_converts_to_pdf_with_libreoffice(revised_docx: bytes, tmp_path: Path) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not on PATH: no PDF conversion check")
    path = tmp_path / "diff.docx"
    path.write_bytes(revised_docx)
    profile = tmp_path / "lo-profile"
    env = dict(os.environ, FONTCONFIG_FILE=str(fontconfig_file()))
    proc = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        stdin=subprocess.DEVNULL,
    )
    pdf = tmp_path / "diff.pdf"
    assert pdf.is_file() and pdf.stat().st_size > 1000, proc.stdout + proc.stderr
    assert pdf.read_bytes().startswith(b"%PDF")
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(
            [pdftotext, "-layout", str(pdf), "-"], capture_output=True, text=True, timeout=60
        ).stdout
        assert "신·구 대비표" in text and "△1,920" in text


def test_changes_and_pairs_built_fast_are_the_constructors_values(revised_diff: ReportDiff) -> None:
    """diff's _change and _pair (bulk.built): every field given, the same values."""
    import dataclasses

    made: list[Any] = [*revised_diff.changes]
    for pledge in revised_diff.pledges:
        made += pledge.changes
        for text in pledge.texts:
            made += text.pairs
            made += [line for pair in text.pairs for line in (pair.old, pair.new) if line]
    assert {type(x).__name__ for x in made} >= {"Change", "Pair", "TextLine"}
    for value in made:
        again = type(value)(**{f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
        assert vars(value) == vars(again) and value == again and hash(value) == hash(again)


def test_to_dict_is_asdict(revised_diff: ReportDiff) -> None:
    """to_dict gives what dataclasses.asdict gives (without its deep copies)."""
    import dataclasses

    data = revised_diff.to_dict()
    assert {k: v for k, v in data.items() if k not in ("changed", "counts")} == (
        dataclasses.asdict(revised_diff)
    )
    assert data["changed"] is True and sum(data["counts"].values()) == len(revised_diff.pledges)


def test_diff_with_the_memo_of_earlier_checks_is_the_same(revised: Path) -> None:
    """diff_records passes its memo to check: warm or cold, the same diff."""
    kept: dict[str, Any] = {}

    class Memo:
        def key(self, kind: str, data: bytes, *options: str) -> str:
            import hashlib

            return hashlib.sha256(repr((kind, data, options)).encode()).hexdigest()

        def load(self, entry: str) -> Any | None:
            return kept.get(entry)

        def store(self, entry: str, value: Any) -> None:
            kept[entry] = value

    plain = diff_records(revised, P("2021H2"), P("2022H1"), None)
    cold = diff_records(revised, P("2021H2"), P("2022H1"), None, Memo())
    assert kept  # the check stored what it found
    warm = diff_records(revised, P("2021H2"), P("2022H1"), None, Memo())
    assert plain.to_json() == cold.to_json() == warm.to_json()


# ---------------------------------------------------------------------------
# Speed: one-sided sections, and a worker on the second core


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Ten synthetic pledges: the odd ones report nothing in 2021H2, the even ones do (revised)."""
    from .synthetic import write_synthetic_records

    records = tmp_path_factory.mktemp("mixed") / "records"
    ids = write_synthetic_records(records, 10)
    for n, pledge_id in enumerate(ids):
        if n % 2:
            continue
        path = records / f"{pledge_id}.json"
        pledge = json.loads(path.read_text(encoding="utf-8"))
        old = copy.deepcopy(pledge["reports"]["2022H1"])
        old["status"] = "정상추진"
        old["problems"]["problems"].reverse()
        old["problems"]["measures"][0]["text"] += " 검토"
        plan = old["budget"]["plan"][-1]["sources"]["시비"]
        plan["2021"] = plan.get("2021", 0) + 10 * n - 20  # up, down or the same
        if n == 4:
            del old["budget"]["secured"]
        pledge["reports"]["2021H2"] = old
        pledge["plans"].append(
            {"period": "2021H2", "entries": copy.deepcopy(pledge["plans"][0]["entries"])}
        )
        path.write_text(json.dumps(pledge, ensure_ascii=False), encoding="utf-8")
    return records


def test_one_sided_sections_give_what_the_general_way_gives(
    mixed: Path, revised: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Where OLD prints nothing (a section, a money table), every line and figure of NEW is
    added without aligning or looking up a cell: the same changes and pairs, in the same order."""
    from reportgen.report import diff as diff_module
    from reportgen.report.view import MoneyTable

    blank = MoneyTable.blank
    answers: list[bool] = []

    def spied(table: MoneyTable) -> bool:
        answers.append(blank.fget(table))  # type: ignore[attr-defined]
        return answers[-1]

    aligned: list[int] = []
    align = diff_module._align

    def counted(old: Any, new: Any) -> Any:
        aligned.append(bool(old.lines) and bool(new.lines))
        return align(old, new)

    monkeypatch.setattr(MoneyTable, "blank", property(spied))
    monkeypatch.setattr(diff_module, "_align", counted)
    fast = [diff_records(d, P("2021H2"), P("2022H1"), None, workers=1) for d in (mixed, revised)]
    # Both ways were taken: OLD blank (the odd pledges; 1-4-3) and not.
    assert True in answers and False in answers
    assert True in aligned and False in aligned

    monkeypatch.setattr(MoneyTable, "blank", property(lambda table: False))
    monkeypatch.setattr(diff_module, "_align", diff_module._aligned)
    general = [diff_records(d, P("2021H2"), P("2022H1"), None, workers=1) for d in (mixed, revised)]
    for one, other in zip(fast, general, strict=True):
        assert one == other
        assert one.to_json() == other.to_json()
        assert diff_module.summary_lines(one) == diff_module.summary_lines(other)


def test_a_money_table_knows_it_is_blank_without_making_its_rows(mixed: Path) -> None:
    records = load_records(mixed)
    assert records.settings
    old = report_view(records.pledges, P("2021H2"), records.settings)
    new = report_view(records.pledges, P("2022H1"), records.settings)
    frame = old.pledges[1].plan_table  # nothing recorded for 2021H2
    assert frame.blank and "rows" not in vars(frame)
    assert not any(c.text for r in frame.rows for c in (r.total, *r.cells))
    recorded = new.pledges[1].plan_table
    assert not recorded.blank
    assert any(c.text for r in recorded.rows for c in (r.total, *r.cells))


def _record_sets(*more: Path) -> list[Path]:
    root = RECORDS.parent
    found = [RECORDS, *sorted((root / "examples").glob("*/")), *more]
    return [d for d in found if (d / "report.json").is_file()]


@pytest.mark.parametrize("cutoff", ["previous-half", "report-half"])
def test_progress_made_together_is_what_each_view_makes_alone(mixed: Path, cutoff: str) -> None:
    """The diff makes both reports' progress rows of a pledge in one walk of its items
    (view.progress_together): the rows each view makes alone, line for line, for every
    pair of periods of every example, the shipped records and synthetic ones."""
    from reportgen.report.view import pledge_view, progress_together

    compared = 0
    for directory in _record_sets(mixed):
        records = load_records(directory)
        assert records.settings
        settings = records.settings.model_copy(update={"cutoff": cutoff})
        periods = settings.term.to_term().report_periods
        for pledge in records.pledges:
            for old in periods:
                for new in periods:
                    if new < old:
                        continue
                    alone = [pledge_view(pledge, p, settings) for p in (old, new)]
                    together = [pledge_view(pledge, p, settings) for p in (old, new)]
                    progress_together(together)
                    assert all("progress" in vars(v) for v in together)
                    for one, other in zip(alone, together, strict=True):
                        assert one.progress == other.progress
                        assert json.dumps(
                            [[vars(x) for x in r.lines] for r in one.progress], ensure_ascii=False
                        ) == json.dumps(
                            [[vars(x) for x in r.lines] for r in other.progress],
                            ensure_ascii=False,
                        )
                    compared += 1
            # A view made already, or one whose as-of's items are made, is left as it is.
            made = pledge_view(pledge, periods[-1], settings)
            rows = made.progress
            other = pledge_view(pledge, periods[-1], settings)
            progress_together([made, other])
            assert made.progress is rows and "progress" not in vars(other)
            items_made = pledge_view(pledge, periods[-1], settings)
            assert vars(items_made)["_asof"].cumulative is not None  # a check read the items
            fresh = pledge_view(pledge, periods[-1], settings)
            progress_together([items_made, fresh])
            assert "progress" not in vars(items_made) and "progress" not in vars(fresh)
            assert items_made.progress == fresh.progress == other.progress
    assert compared > 100


def test_budget_tables_built_fast_are_the_constructors_values(mixed: Path) -> None:
    """budget's rows and figures (bulk.built, _figure): every field given, the same values."""
    import dataclasses

    from reportgen.records.asof import budget_of, pledge_as_of
    from reportgen.records.budget import plan_table, secured_table

    records = load_records(mixed)
    assert records.settings
    term, columns = records.settings.term.to_term(), records.settings.money_columns()
    made: list[Any] = []
    for pledge in records.pledges:
        budget = budget_of(pledge_as_of(pledge, P("2022H1"), term))
        assert budget is not None
        for table in (plan_table(budget, columns), secured_table(budget, columns)):
            for row in (table.grand_total, *(r for b in table.blocks for r in b.rows)):
                made += [row, row.total, *row.cells]
    assert {type(x).__name__ for x in made} == {"BudgetRow", "Figure"}
    assert any(f.executed is not None for f in made if type(f).__name__ == "Figure")
    for value in made:
        again = type(value)(**{f.name: getattr(value, f.name) for f in dataclasses.fields(value)})
        assert vars(value) == vars(again) and value == again and hash(value) == hash(again)


def _parallel(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Let a worker compare part of even a small report; count the workers started."""
    from reportgen.report import diff as diff_module

    monkeypatch.setattr(diff_module, "PARALLEL_PLEDGES", 2)
    monkeypatch.setattr(diff_module, "_DIFF_CHUNK", 2)  # several messages
    started: list[int] = []
    start = diff_module._DiffWorker.start

    def counted(*args: Any) -> Any:
        worker = start(*args)
        started.append(worker is not None)
        return worker

    monkeypatch.setattr(diff_module._DiffWorker, "start", counted)
    return started


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_a_worker_on_the_second_core_gives_the_same_diff(
    mixed: Path, revised: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    serial = [diff_records(d, P("2021H2"), P("2022H1"), None, workers=1) for d in (mixed, revised)]
    started = _parallel(monkeypatch)
    # The worker makes its pledges' views itself (diff_records), or is given them (diff_views).
    both = [diff_records(d, P("2021H2"), P("2022H1"), None, workers=2) for d in (mixed, revised)]
    records = load_records(mixed)
    assert records.settings
    views = [report_view(records.pledges, P(p), records.settings) for p in ("2021H2", "2022H1")]
    assert diff_views(*views, workers=2) == serial[0] == diff_views(*views)
    assert started == [True, True, True]
    for one, other in zip(serial, both, strict=True):
        assert one == other
        assert one.to_json() == other.to_json()
        assert summary_lines(one) == summary_lines(other)
        assert render_docx(one) == render_docx(other)
    # Pledge order kept; the worker's answers are PledgeDiffs built as the constructors build them.
    assert [p.id for p in both[0].pledges] == [p.id for p in serial[0].pledges]
    for pledge in both[0].pledges:
        for change in pledge.changes:
            assert vars(change) == vars(Change(**vars(change)))


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
@pytest.mark.parametrize(
    "fault", ["killed at once", "killed midway", "garbage", "wrong pledge", "mislabelled"]
)
def test_a_failed_worker_loses_nothing(
    mixed: Path, monkeypatch: pytest.MonkeyPatch, fault: str
) -> None:
    """Whatever the worker did not send whole, this process compares itself."""
    import marshal
    import signal

    from reportgen.report import diff as diff_module

    serial = diff_records(mixed, P("2021H2"), P("2022H1"), None, workers=1)
    started = _parallel(monkeypatch)
    work = diff_module._diff_work

    def failing(compare: Any, ids: list[str], out: Any) -> None:
        if fault == "killed midway":
            work(compare, ids[:2], out)  # one message of two pledges, then death
        elif fault == "garbage":
            out.write((5).to_bytes(8, "little") + b"\xff\x00\x01\x02\x03")
        elif fault == "wrong pledge":  # well formed, for a pledge it was not given
            first = serial.pledges[0]
            data = marshal.dumps(((first.id, diff_module._packed(first)),))
            out.write(len(data).to_bytes(8, "little") + data)
        elif fault == "mislabelled":  # its first pledge's id, another pledge's answer
            first = serial.pledges[0]
            packed = diff_module._packed(first)
            answer = compare(ids[0])
            if isinstance(answer, tuple) and len(answer) == 3:  # with the views (diff_records)
                packed = (packed, *answer[1:])
            data = marshal.dumps(((ids[0], packed),))
            out.write(len(data).to_bytes(8, "little") + data)
        out.flush()
        os.kill(os.getpid(), signal.SIGKILL)

    monkeypatch.setattr(diff_module, "_diff_work", failing)
    both = diff_records(mixed, P("2021H2"), P("2022H1"), None, workers=2)
    # The same faults where the worker is given the views (diff_views).
    records = load_records(mixed)
    assert records.settings
    views = [report_view(records.pledges, P(p), records.settings) for p in ("2021H2", "2022H1")]
    given = diff_views(*views, workers=2)
    assert started == [True, True]
    assert both == serial and both.to_json() == serial.to_json()
    assert given == serial and given.to_json() == serial.to_json()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_answers_sent_are_taken_without_waiting_for_the_rest(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker sends each message as made; ready() takes what has come, and never waits."""
    import time

    from reportgen.report import diff as diff_module

    monkeypatch.setattr(diff_module, "_DIFF_CHUNK", 1)

    def answer(pledge_id: str) -> str:
        if pledge_id == "c":
            time.sleep(60)  # still at work when this process looks
        return pledge_id.upper()

    worker = diff_module._DiffWorker.start(answer, ["a", "b", "c"])
    assert worker is not None
    try:
        taken: list[str] = []
        deadline = time.monotonic() + 30
        while len(taken) < 2 and time.monotonic() < deadline:
            taken += worker.ready()
            time.sleep(0.01)
        assert taken == ["A", "B"]
        started = time.monotonic()
        assert worker.ready() == []  # "c" is not sent yet: nothing, at once
        assert time.monotonic() - started < 5
        assert worker.received == 2 and not worker.failed
    finally:
        worker.close()
    with pytest.raises(ChildProcessError):
        os.waitpid(worker.pid, os.WNOHANG)  # ended and reaped


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_a_worker_comparing_other_pledges_is_not_used(mixed: Path) -> None:
    from reportgen.report import diff as diff_module

    records = load_records(mixed)
    assert records.settings
    old, new = (report_view(records.pledges, P(p), records.settings) for p in ("2021H2", "2022H1"))
    serial = diff_views(old, new)
    wrong = serial.pledges[0]
    worker = diff_module._DiffWorker.start(lambda _id: diff_module._packed(wrong), ["9-9-9"])
    assert worker is not None
    assert diff_module._compared(old, new, None, worker) == serial
    with pytest.raises(ChildProcessError):
        os.waitpid(worker.pid, os.WNOHANG)  # ended and reaped


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork on this system")
def test_an_error_here_leaves_no_worker_behind(
    mixed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from reportgen.report import diff as diff_module

    _parallel(monkeypatch)
    workers: list[Any] = []
    start = diff_module._DiffWorker.start

    def kept(*args: Any) -> Any:
        workers.append(start(*args))
        return workers[-1]

    def failing(*_args: Any) -> Any:
        raise MemoryError("the view failed")

    monkeypatch.setattr(diff_module._DiffWorker, "start", kept)
    monkeypatch.setattr(diff_module, "pledge_view", failing)
    with pytest.raises(MemoryError):
        diff_records(mixed, P("2021H2"), P("2022H1"), None, workers=2)
    (worker,) = workers
    assert worker is not None and worker.pipe.closed
    with pytest.raises(ChildProcessError):
        os.waitpid(worker.pid, os.WNOHANG)  # ended and reaped


def test_figure_tables_merge_as_python_docx_merges(
    revised_diff: ReportDiff, monkeypatch: pytest.MonkeyPatch
) -> None:
    """merge_down writes what python-docx's _Cell.merge writes, without its walks; the
    alignment reaches every cell python-docx's row.cells gives and no merged-away one."""
    from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT

    from reportgen.formats import diff_docx

    quick = render_docx(revised_diff)
    monkeypatch.setattr(diff_docx, "merge_down", lambda top, below: top.merge(below))
    assert render_docx(revised_diff) == quick
    doc = docx.Document(io.BytesIO(quick))
    merged = aligned = 0
    for table in doc.tables:
        if table.rows[0].cells[0].text != "공약사업명":
            continue  # a text table
        for row in table.rows[1:]:
            for cell in row.cells:
                assert cell.vertical_alignment == WD_CELL_VERTICAL_ALIGNMENT.CENTER
                aligned += 1
            for tc in row._tr.tc_lst:
                if tc.vMerge == "continue":
                    merged += 1
                    assert tc.tcPr.find(f"{W}vAlign") is None
    assert merged and aligned
