"""The examples (issue 12): each city's records validate, build and print that city's form.

``examples/goyang`` (a link to the shipped records), ``examples/gun`` (an
invented 군) and ``examples/gu`` (an invented 광역시 구) are complete records
directories. Each is validated, built through the CLI into tmp_path, and the
pages are read back: the labels must be the city's own (군비, 구비/민자, the
merged 2022~2023 column, its statuses, its 총괄 wording), never Goyang's
defaults leaking into another city's report. ``reportgen diff`` between each
example's two periods must report a change.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner, Result

from reportgen.cli import main
from reportgen.errors import Severity
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.records.text import blankless
from reportgen.records.validate import check
from reportgen.report.diff import ADJUSTMENTS, INDICATORS, PLEDGE, STATUS, diff_records

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
TEMPLATES = ROOT / "templates"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


@dataclass(frozen=True)
class Example:
    name: str
    city: str
    old: str  # the two periods the example reports
    new: str
    sources: tuple[str, ...]  # the city's 재원, in its order
    not_sources: tuple[str, ...]  # Goyang's that this city does not have
    column_labels: tuple[str, ...]  # money column labels its pages print
    statuses: tuple[str, ...]
    summary: tuple[str, ...]  # 총괄 lines of the newest report (compared without blanks)
    not_summary: tuple[str, ...]  # wording the city's rules must not produce
    # Warnings validate gives that the example's README explains: (file, start of message).
    warnings: tuple[tuple[str, str], ...] = ()
    pages: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> texts on its pages
    not_pages: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> texts absent
    diff_mentions: tuple[str, ...] = ()  # in `reportgen diff OLD NEW`'s output


GOYANG = Example(
    name="goyang",
    city="고양시",
    old="2021H2",
    new="2022H1",
    sources=("국비", "도비", "시비", "기타"),
    not_sources=(),
    column_labels=("기투자", "'18.7.", "'22.6.", "임기후"),
    statuses=("완료", "이행후계속추진", "정상추진"),
    summary=("완료(이행후계속추진포함)",),
    not_summary=("이행률", "평균진행률"),
    warnings=(
        # The seeds are pages of the 2022H1 report: 2021H2 has its achievements only.
        ("1-4-3.json", "nothing recorded for status"),
        ("1-4-5.json", "nothing recorded for status"),
        ("1-4-5.json", "the page printed 계"),
    ),
    pages={
        "1-4-5": ("2021년도 하반기 추진실적", "2022년도 상반기 추진계획", "언론/방송 보도", "팀장"),
        "1-4-3": ("비예산",),
    },
    diff_mentions=("1-4-5",),
)

GUN = Example(
    name="gun",
    city="가람군",
    old="2023H2",
    new="2024H1",
    sources=("국비", "도비", "군비", "기타"),
    not_sources=("시비",),
    column_labels=("기투자", "'22.7.", "'26.6.", "임기후"),
    statuses=("완료", "정상추진", "장기추진", "폐기"),
    summary=(
        "대상:2개분야공약6개(폐기1개는비율산정에서제외)",
        "완료1개,달성률20.0%",
        "평균진행률67.8%",
    ),
    not_summary=("이행후계속추진", "이행률"),
    warnings=(),
    pages={
        # "6월말 기준": the report of 2024H1 shows 2024H1's achievements, 2024H2's plan.
        "1-1": (
            "2024년도 상반기 추진실적",
            "2024년도 하반기 추진계획",
            "군비",
            "주민설명회",
            "자문위원회",
            "언론보도",
            "청년 일자리 창출",
            "1,000",
            "640",
            "64.0%",
            "담당자",
            "윤다온",
        ),
        "1-2": ("로컬푸드 신규 참여 농가", "105"),
        "1-3": (
            # Dated to the month as the decision was: no invented day.
            "폐기 (2024. 3., 공약이행평가단 심의)",
            "경제성(B/C 0.62) 미확보",
            "연도별 확보(집행)액",
        ),
        "2-1": ("완료",),
        "2-2": ("장기추진", "보건소(건강증진과)"),
    },
    not_pages={
        "1-1": ("2023년도 하반기 추진실적", "팀장", "과장", "공약 관련 회의", "시비"),
        # A withdrawn pledge: no plan row, no 투자계획 table.
        # The 보류's date is not known: none is invented ("보류 (2023. 8. 1.)").
        "1-3": ("연도별 투자계획", "2024년도 하반기 추진계획", "보류 ("),
    },
    diff_mentions=("1-3 가람산 관광 케이블카 조성", "공약이행평가단 심의", "420 → 640"),
)

GU = Example(
    name="gu",
    city="한빛광역시 누리구",
    old="2023H2",
    new="2024H1",
    sources=("국비", "시비", "구비", "민자"),
    not_sources=("도비",),
    column_labels=("기투자", "2022~2023", "2024", "2026", "임기후"),
    statuses=("완료", "정상추진", "통폐합"),
    summary=(
        "대상:3개분야공약6개(통폐합1개는비율산정에서제외)",
        "완료1개,달성률20.0%",
        "이행률60.0%(6개중5개기준,통폐합1개제외;가중치:완료100%,정상추진50%)",
    ),
    not_summary=("이행후계속추진", "평균진행률"),
    warnings=(),
    pages={
        "I-①-1": (
            "2022~2023",
            "구비",
            "민자",
            "지능형 CCTV 설치",
            "215",
            "53.8%",
            "과장",
            "담당자",
        ),
        # The merged column adds the years it holds: 국비 1,800 + 시비 900 + 구비 600.
        "I-①-2": ("3,300", "완료"),
        "II-①-1": (
            "통폐합 (2024. 2. 27., 주민배심원 심의)",
            "통합 공약: II-①-2",
            "연도별 확보(집행)액",
        ),
        "III-①-1": (
            "구립 복합체육센터 건립",
            "변경 (2024. 3. 12., 주민배심원 심의)",
            "변경 전: 구립 체육센터 건립 (지하 1층·지상 3층, 수영장 포함)",
            "변경 후: 구립 복합체육센터 건립 (지하 1층·지상 4층, 수영장·작은도서관 포함)",
        ),
        "III-①-2": ("비예산", "위원회 청년위원 비율", "17.2", "86.0%"),
    },
    not_pages={
        "I-①-1": ("도비", "팀장", "시민참여", "'22.7."),
        "II-①-1": ("연도별 투자계획", "2024년도 하반기 추진계획"),
    },
    diff_mentions=("II-①-1 골목상권 공유주방 조성", "주민배심원 심의", "I-①-2"),
)

EXAMPLE_LIST = (GOYANG, GUN, GU)
BY_NAME = {e.name: e for e in EXAMPLE_LIST}
NAMES = list(BY_NAME)


def _dir(example: Example) -> Path:
    return EXAMPLES / example.name


# ---------------------------------------------------------------------------
# Reading the output back


def _paragraph_texts(path: Path) -> list[str]:
    """Every paragraph of the document body, tables (and nested tables) included."""
    body = docx.Document(str(path)).element.body
    return ["".join(t.text or "" for t in p.iter(f"{W}t")) for p in body.iter(f"{W}p")]


def _first_table_cells(path: Path) -> set[str]:
    doc = docx.Document(str(path))
    if not doc.tables:
        return set()
    cells = doc.tables[0]._tbl.iter(f"{W}tc")
    return {"".join(t.text or "" for t in tc.iter(f"{W}t")).strip() for tc in cells}


def _workbook_strings(path: Path) -> list[str]:
    book = openpyxl.load_workbook(path)
    return [
        cell.strip()
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if isinstance(cell, str)
    ]


@dataclass
class Built:
    out: Path
    period: str
    result: Result

    @property
    def words(self) -> str:
        """The period as the file names say it: 2024년 상반기."""
        return Period.parse(self.period).in_words

    @property
    def booklet(self) -> Path:
        found = [p for p in self.out.glob("*.docx") if f"({self.words})" in p.name]
        assert len(found) == 1, f"one booklet of {self.period} in {sorted(self.out.iterdir())}"
        return found[0]

    @property
    def workbook(self) -> Path:
        found = list(self.out.glob(f"*({self.words}).xlsx"))
        assert len(found) == 1, f"one workbook of {self.period} in {sorted(self.out.iterdir())}"
        return found[0]

    def pledge_page(self, pledge_id: str) -> Path:
        """The pledge's own DOCX: the one whose header table holds its number."""
        pages = sorted((self.out / "공약별").glob("*.docx"))
        found = [p for p in pages if pledge_id in _first_table_cells(p)]
        assert len(found) == 1, f"one page of {pledge_id} among {[p.name for p in pages]}"
        return found[0]


@cache
def _build_once(name: str, out: Path) -> Built:
    example = BY_NAME[name]
    result = CliRunner().invoke(
        main,
        [
            "build",
            "--records",
            str(_dir(example)),
            "--templates",
            str(TEMPLATES),
            "--out",
            str(out),
        ],
    )
    return Built(out, example.new, result)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    """Build each example once (without PERIOD: its newest report) for the module's tests."""

    def get(example: Example) -> Built:
        out = tmp_path_factory.getbasetemp() / f"examples-{example.name}"
        b = _build_once(example.name, out)
        if b.result.exit_code != 0:
            detail = b.result.output
            if b.result.exception is not None and not isinstance(b.result.exception, SystemExit):
                detail += f"\n{type(b.result.exception).__name__}: {b.result.exception}"
            pytest.fail(f"reportgen build --records examples/{example.name} failed:\n{detail}")
        return b

    return get


# ---------------------------------------------------------------------------
# The records


@pytest.mark.parametrize("name", NAMES)
def test_example_is_a_complete_records_directory(name, tmp_path):
    example = BY_NAME[name]
    directory = _dir(example)
    assert (directory / "report.json").is_file()
    assert len(list(directory.glob("*.json"))) >= 3, "report.json and at least two pledges"
    records = load_records(directory)
    assert records.settings is not None and records.settings.city == example.city
    assert tuple(records.settings.funding_sources) == example.sources
    # schema/ is what `reportgen schema --records` writes (narrowed to this city's form).
    fresh = tmp_path / "schema"
    result = CliRunner().invoke(main, ["schema", "--records", str(directory), "--out", str(fresh)])
    assert result.exit_code == 0, result.output
    for file in ("pledge.schema.json", "report.schema.json"):
        assert (directory / "schema" / file).read_bytes() == (fresh / file).read_bytes(), (
            f"examples/{name}/schema/{file} is stale: run reportgen schema --records examples/{name}"
        )
    pledge_schema = (directory / "schema" / "pledge.schema.json").read_text(encoding="utf-8")
    for source in example.sources:
        assert f'"{source}"' in pledge_schema
    # Every record points its editor at that schema.
    for path in directory.glob("*.json"):
        wanted = (
            "schema/report.schema.json"
            if path.name == "report.json"
            else "schema/pledge.schema.json"
        )
        assert json.loads(path.read_text(encoding="utf-8")).get("$schema") == wanted, path.name


def test_goyang_is_a_link_to_the_shipped_records_not_a_copy():
    link = EXAMPLES / "goyang"
    assert link.is_symlink()
    assert os.readlink(link) == "../records"  # relative: works wherever the repository is
    assert link.resolve() == (ROOT / "records").resolve()


@pytest.mark.parametrize("name", ["gun", "gu"])
def test_invented_example_readme_says_so_and_gives_the_commands(name):
    text = (EXAMPLES / name / "README.md").read_text(encoding="utf-8")
    assert "지어낸" in text and "invented" in text
    assert f"reportgen validate --records examples/{name}" in text
    assert f"reportgen build --records examples/{name}" in text
    index = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert "reportgen validate --records examples/<folder>" in index
    assert "goyang" in index and "../records" in index


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("when", ["old", "new"])
def test_example_validates_with_only_its_explained_warnings(name, when):
    example = BY_NAME[name]
    period = Period.parse(getattr(example, when))
    _records, problems = check(_dir(example), period)  # raises RecordsInvalid on any error
    assert not [p for p in problems if p.severity is Severity.ERROR]
    for problem in problems:
        explained = any(
            problem.file == file and problem.message.startswith(start)
            for file, start in example.warnings
        )
        assert explained, f"a warning its README does not explain: {problem}"


@pytest.mark.parametrize("name", NAMES)
def test_validate_cli_accepts_the_example(name):
    result = CliRunner().invoke(main, ["validate", "--records", str(_dir(BY_NAME[name]))])
    assert result.exit_code == 0, result.output
    assert "sound" in result.output


def test_gun_records_show_what_its_readme_claims():
    records = load_records(_dir(GUN))
    s = records.settings
    assert s is not None
    assert s.cutoff == "report-half" and s.progress_rate
    assert s.done_statuses == ["완료"] and s.excluded_statuses == ["폐기"]
    assert [g.key for g in s.groups] == ["1", "2"]
    assert [r.label for r in s.contact_roles] == ["담당자"]
    with_results = [
        p
        for p in records.pledges
        if any(
            {Period.parse("2023H2"), Period.parse("2024H1")} <= set(i.results) for i in p.indicators
        )
    ]
    assert len(with_results) >= 2
    withdrawn = [p for p in records.pledges if any(a.kind == "폐기" for a in p.adjustments)]
    assert len(withdrawn) == 1
    held, adj = withdrawn[0].adjustments
    # 보류 on a day nobody recorded, then 폐기 decided in a month known to the month only.
    assert held.kind == "보류" and held.date is None
    assert adj.date == "2024-03" and adj.reason and adj.decided_by == "공약이행평가단 심의"
    assert 5 <= len(records.pledges) <= 6


def test_gu_records_show_what_its_readme_claims():
    records = load_records(_dir(GU))
    s = records.settings
    assert s is not None
    assert [c.years for c in s.columns or []] == [
        "기투자",
        "2022~2023",
        "2024",
        "2025",
        "2026",
        "임기후",
    ]
    assert s.numbering == "III-①-1"
    assert {g.key for g in s.groups} >= {"I", "II", "III"}
    assert {k: int(v) for k, v in s.weights.items()} == {"완료": 100, "정상추진": 50}
    assert s.excluded_statuses == ["통폐합"]
    changed = [a for p in records.pledges for a in p.adjustments if a.kind == "변경"]
    assert len(changed) == 1 and changed[0].before and changed[0].after
    new = Period.parse(GU.new)
    merged = [
        p for p in records.pledges if p.reports.get(new) and p.reports[new].status == "통폐합"
    ]
    assert len(merged) == 1
    assert sum(p.non_budget for p in records.pledges) == 1
    assert 5 <= len(records.pledges) <= 6


# ---------------------------------------------------------------------------
# The built report


@pytest.mark.parametrize("name", NAMES)
def test_example_builds_its_newest_report(name, built):
    b = built(BY_NAME[name])
    assert b.booklet.is_file() and b.workbook.is_file()
    records = load_records(_dir(BY_NAME[name]))
    pages = sorted((b.out / "공약별").glob("*.docx"))
    assert len(pages) == len(records.pledges)


@pytest.mark.parametrize("name", NAMES)
def test_booklet_carries_the_citys_summary_and_statuses(name, built):
    example = BY_NAME[name]
    b = built(example)
    flat = [blankless(t) for t in _paragraph_texts(b.booklet)]
    assert any(blankless(example.city) in t for t in flat)
    for line in example.summary:
        assert any(line in t for t in flat), f"총괄 of {example.name} lacks {line!r}"
    for wording in example.not_summary:
        shown = [t for t in flat if wording in t]
        assert not shown, f"{example.name}'s booklet prints {wording!r}: {shown}"
    for status in example.statuses:
        assert any(status in t for t in flat), f"status {status!r} missing from the booklet"


@pytest.mark.parametrize("name", NAMES)
def test_pledge_pages_carry_the_citys_labels(name, built):
    example = BY_NAME[name]
    b = built(example)
    # Paragraph by paragraph, blanks ignored ("과 장" is 과장, "비 예 산" 비예산).
    for pledge_id, wanted in example.pages.items():
        flat = [blankless(t) for t in _paragraph_texts(b.pledge_page(pledge_id))]
        for item in wanted:
            assert any(blankless(item) in t for t in flat), f"{pledge_id}: {item!r} not printed"
    for pledge_id, unwanted in example.not_pages.items():
        flat = [blankless(t) for t in _paragraph_texts(b.pledge_page(pledge_id))]
        for item in unwanted:
            shown = [t for t in flat if blankless(item) in t]
            assert not shown, f"{pledge_id}: {item!r} printed in {shown}"


@pytest.mark.parametrize("name", NAMES)
def test_money_tables_use_the_citys_sources_and_columns(name, built):
    example = BY_NAME[name]
    b = built(example)
    budgeted = next(iter(example.pages))  # the first listed pledge has a budget
    cells = set(_paragraph_texts(b.pledge_page(budgeted)))
    for label in (*example.sources, *example.column_labels):
        assert label in cells, f"{budgeted}: no cell reads {label!r}"
    for label in example.not_sources:
        assert label not in cells, f"{budgeted}: Goyang's {label!r} printed"
    strings = _workbook_strings(b.workbook)
    for label in (*example.sources, *example.column_labels):
        assert label in strings, f"workbook: no cell reads {label!r}"
    for label in example.not_sources:
        assert not any(label in s for s in strings), f"workbook: Goyang's {label!r} in {name}"
    for status in example.statuses:
        if status != "이행후계속추진":
            assert status in strings or any(status in s for s in strings), f"workbook: {status!r}"


# ---------------------------------------------------------------------------
# diff between the example's two periods


@pytest.mark.parametrize("name", NAMES)
def test_diff_between_the_examples_periods_reports_changes(name, tmp_path):
    example = BY_NAME[name]
    out = tmp_path / "diff"
    result = CliRunner().invoke(
        main,
        ["diff", example.old, example.new, "--records", str(_dir(example)), "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert "변경 없음" not in result.output
    # The 총괄 counts compare under the city's own wording, not Goyang's rule.
    for wording in example.not_summary:
        shown = [line for line in result.output.splitlines() if wording in blankless(line)]
        assert not shown, f"diff of {name} prints {wording!r}: {shown}"
    for text in example.diff_mentions:
        assert text in result.output, f"diff does not mention {text!r}:\n{result.output}"
    assert (out / f"diff_{example.old}_{example.new}.docx").is_file()
    data = json.loads((out / f"diff_{example.old}_{example.new}.json").read_text(encoding="utf-8"))
    assert data  # the JSON was written and parses


def _sections(name: str, pledge_id: str) -> set[str]:
    example = BY_NAME[name]
    diff = diff_records(_dir(example), Period.parse(example.old), Period.parse(example.new), None)
    (found,) = [p for p in diff.pledges if p.id == pledge_id]
    return {c.section for c in found.changes}


def test_gun_diff_shows_the_withdrawal_and_the_indicator():
    assert {ADJUSTMENTS, STATUS} <= _sections("gun", "1-3")
    assert INDICATORS in _sections("gun", "1-1")


def test_gu_diff_shows_the_change_the_merger_and_the_rename():
    assert {ADJUSTMENTS, PLEDGE} <= _sections("gu", "III-①-1")  # 변경, and the new 공약명
    assert {ADJUSTMENTS, STATUS} <= _sections("gu", "II-①-1")
    assert STATUS in _sections("gu", "I-①-2")


def test_a_term_from_april_prints_its_months(tmp_path: Path) -> None:
    """가람군's records under a by-election term from April (issue 24): cover, columns, rows."""
    import shutil

    records = tmp_path / "records"
    shutil.copytree(_dir(GUN), records)
    settings = json.loads((records / "report.json").read_text(encoding="utf-8"))
    settings["term"] = {"name": "민선8기", "start": "2022-04", "end": "2026-06"}
    (records / "report.json").write_text(json.dumps(settings, ensure_ascii=False), "utf-8")
    out = tmp_path / "out"
    args = ["build", "2023H2", "--records", str(records), "--templates", str(TEMPLATES)]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    booklet = Built(out, "2023H2", result).booklet
    texts = _paragraph_texts(booklet)
    assert any("(2022.4. ~ 2026.6.)" in t for t in texts), texts[:10]
    assert not any("2022.1." in t or "2022.7. ~" in t for t in texts)
    cells = [c.text for t in docx.Document(str(booklet)).tables for r in t.rows for c in r.cells]
    assert "'22.4." in cells and "'26.6." in cells and "'22.7." not in cells


@pytest.mark.parametrize(
    ("name", "as_of"), [("gun", "6월말 기준"), ("gu", "2024. 6. 30. 기준"), ("goyang", "")]
)
def test_the_cut_off_prints_where_the_city_form_does(built, name: str, as_of: str) -> None:
    """report.json ``as_of``: the cover, the 총괄 and the website say the cut-off (issue 24)."""
    from reportgen.records.load import load_records as load
    from reportgen.report.view import report_view

    example = BY_NAME[name]
    texts = _paragraph_texts(built(example).booklet)
    records = load(_dir(example))
    assert records.settings is not None
    report = report_view(records.pledges, Period.parse(example.new), records.settings)
    assert report.as_of_text == as_of
    words = Period.parse(example.new).in_words
    if as_of:
        assert f"{words} 추진실적 ({as_of})" in texts  # the cover
        assert f"({as_of}, 단위 : 개, %)" in texts  # the 총괄
    else:  # Goyang's form prints none
        assert f"{words} 추진실적" in texts and "(단위 : 개, %)" in texts
        assert not any("기준, 단위" in t for t in texts)
    from reportgen.formats.site import build_site

    site = build_site(report)
    index = site["index.html"].decode("utf-8")
    assert (f" · {as_of}</p>" in index) if as_of else ("기준</p>" not in index)
    page = next(v.decode("utf-8") for k, v in site.items() if k.startswith("pledge/"))
    assert (f"({as_of})</dd>" in page) if as_of else ("기준)</dd>" not in page)


def test_files_are_named_by_the_title_and_the_period_in_words(built) -> None:
    """ "가람군 민선8기 군수 공약 추진실적 보고서 (2024년 상반기).docx", never "2024H1 …" (issue 24)."""
    names = sorted(p.name for p in built(GUN).out.iterdir() if p.is_file())
    assert "가람군 민선8기 군수 공약 추진실적 보고서 (2024년 상반기).docx" in names, names
    assert "가람군 공약사업 예산 집계 (2024년 상반기).xlsx" in names, names
    assert not [n for n in names if "2024H1" in n], names
    goyang = sorted(p.name for p in built(GOYANG).out.iterdir() if p.is_file())
    assert "고양시 민선7기 공약 추진실적 보고서 (2022년 상반기).docx" in goyang, goyang


def test_a_title_that_names_the_city_is_not_repeated_and_names_stay_safe() -> None:
    from reportgen.formats.writers import booklet_name, workbook_name

    @dataclass
    class Report:  # what the names read of a report view
        city: str
        title: str
        period_words: str

    title = "고창군 민선8기 군수 공약사업 추진상황 보고"
    report = Report("고창군", title, "2024년 상반기")
    assert booklet_name(report) == f"{title} (2024년 상반기).docx"  # type: ignore[arg-type]
    assert booklet_name(report, "hwpx").endswith("(2024년 상반기).hwpx")  # type: ignore[arg-type]
    hostile = Report("가람군", "공약/추진\\보고:서*", "2024년 상반기")
    name = booklet_name(hostile)  # type: ignore[arg-type]
    assert "/" not in name and "\\" not in name and ":" not in name and "*" not in name
    assert name == booklet_name(hostile)  # type: ignore[arg-type]
    assert workbook_name(report) == "고창군 공약사업 예산 집계 (2024년 상반기).xlsx"  # type: ignore[arg-type]


def test_columns_from_2024_count_earlier_years_under_gitouja(tmp_path: Path) -> None:
    """기투자 is "before the first column" (issue 24): 가람군's 2022–2023 amounts go there."""
    import shutil

    from reportgen.report.view import pledge_view

    records = tmp_path / "records"
    shutil.copytree(_dir(GUN), records)
    settings = json.loads((records / "report.json").read_text(encoding="utf-8"))
    years = ["기투자", "2024", "2025", "2026", "임기후"]
    settings["columns"] = [{"years": y} for y in years]
    (records / "report.json").write_text(json.dumps(settings, ensure_ascii=False), "utf-8")
    loaded, problems = check(records)  # raises RecordsInvalid on any error (2023 refused)
    assert not [p for p in problems if "column" in p.message], problems
    assert loaded.settings is not None
    pledge = next(p for p in loaded.pledges if p.id == "1-1")
    view = pledge_view(pledge, Period.parse("2024H1"), loaded.settings)
    assert view.plan_table.column_labels == tuple(years)
    raw = pledge.reports[Period.parse("2024H1")].budget
    assert raw is not None
    gukbi = raw.plan[0].sources["국비"]
    row = next(r for r in view.plan_table.rows if r.label == "국비")
    assert row.cells[0].amount == gukbi["2022"] + gukbi["2023"] + gukbi.get("기투자", 0)
    assert row.cells[1].amount == gukbi["2024"]


def test_diff_says_a_withdrawn_pledge_dropped_its_plan():
    """가람군 1-3: the 2023H2 report printed its 투자계획; after the 폐기 there is none (issue 24)."""
    from reportgen.report.diff import PLAN_TABLE

    example = BY_NAME["gun"]
    diff = diff_records(_dir(example), Period.parse(example.old), Period.parse(example.new), None)
    (found,) = [p for p in diff.pledges if p.id == "1-3"]
    plan = [c for c in found.changes if c.section == PLAN_TABLE]
    assert len(plan) == 1, plan  # said once, not cell by cell
    (change,) = plan
    assert change.kind == "removed" and change.where[-1] == "계"
    assert change.old == "45,050" and change.difference == "△45,050"
    assert change.new == "없음 (폐기로 투자계획 철회)"


def test_an_empty_secured_table_prints_no_zero_and_the_workbook_no_reversed_range(tmp_path):
    """가람군 2-2 secured nothing by 2023H2: its 계 is blank (not "0"), and the workbook's
    formulas never name a range that runs backwards ($B$17:$B$16) (issue 24)."""
    import re
    import zipfile

    from reportgen.report.view import pledge_view

    records = load_records(_dir(GUN))
    assert records.settings is not None
    pledge = next(p for p in records.pledges if p.id == "2-2")
    view = pledge_view(pledge, Period.parse("2023H2"), records.settings)
    assert not view.secured_table.rows and view.secured_table.grand_total.total.text == ""
    for example in EXAMPLE_LIST:
        for period in (example.old, example.new):
            out = tmp_path / f"{example.name}-{period}"
            args = ["build", period, "--records", str(_dir(example)), "--out", str(out)]
            result = CliRunner().invoke(main, [*args, "--templates", str(TEMPLATES)])
            assert result.exit_code == 0, result.output
            (book,) = out.glob("*.xlsx")
            with zipfile.ZipFile(book) as z:
                xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
            ranges = re.findall(r"\$?[A-Z]+\$?(\d+):\$?[A-Z]+\$?(\d+)", xml)
            backwards = [r for r in ranges if int(r[1]) < int(r[0])]
            assert not backwards, (example.name, period, backwards[:3])


def test_yearly_targets_print_beside_the_terms(built) -> None:
    """가람군 1-1 sets 연차별 목표 (issue 24): the 2024H1 page prints 2024's 목표, 실적 and
    달성률 under the term's, in the DOCX and on the website."""
    from reportgen.formats.site import build_site, pledge_paths
    from reportgen.report.view import report_view

    b = built(GUN)
    cells = [
        c.text
        for t in docx.Document(str(b.pledge_page("1-1"))).tables
        for r in t.rows
        for c in r.cells
    ]
    assert "1,000" in cells and "640" in cells  # the term's
    for text in ("2024년 목표", "2024년 실적", "300", "220", "73.3%"):
        assert text in cells, text
    records = load_records(_dir(GUN))
    assert records.settings is not None
    report = report_view(records.pledges, Period.parse("2024H1"), records.settings)
    paths = pledge_paths(p.id for p in report.pledges)
    page = build_site(report)[paths["1-1"]]
    assert "2024년 목표" in page.decode("utf-8") and "73.3%" in page.decode("utf-8")


def test_the_workbook_lists_the_yearly_targets_beside_the_terms(built) -> None:
    book = openpyxl.load_workbook(built(GUN).workbook)
    ws = book["성과지표"]
    rows = [[c for c in row] for row in ws.iter_rows(values_only=True)]
    head = next(r for r in rows if r and r[0] == "공약번호")
    assert list(head[-4:]) == ["연차", "연차별 목표", "연차별 실적", "연차별 달성률"]
    line = next(r for r in rows if r and r[0] == "1-1")
    assert line[head.index("목표")] == 1000 and line[head.index("연차")] == "2024년"
    assert line[head.index("연차별 목표")] == 300 and line[head.index("연차별 실적")] == 220


@pytest.mark.skipif(
    shutil.which("soffice") is None and not os.environ.get("REPORTGEN_REQUIRE_LIBREOFFICE"),
    reason="LibreOffice (soffice) is not installed",
)
def test_the_gun_workbook_recalculates_to_its_stored_values_and_audits_clean(built, tmp_path):
    """The 연차별 columns' formulas and the 재원별 sheet without reversed ranges, checked by
    LibreOffice's recalculation and by openxml-audit."""
    from tests.test_xlsx import (
        assert_recalculation_matches,
        libreoffice_recalculated,
        openxml_findings,
    )

    data = built(GUN).workbook.read_bytes()
    assert assert_recalculation_matches(data, libreoffice_recalculated(tmp_path, data)) > 50
    findings = openxml_findings(tmp_path, data)
    assert findings["valid"] and findings["error_count"] == 0, findings
