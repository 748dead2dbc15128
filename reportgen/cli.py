"""The command line: a few lines per command over library functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .clicktr import Group, UsageError
from .errors import PeriodError, Problem, ReportgenError
from .i18n import tr
from .josa import attach
from .records.periods import Period

if TYPE_CHECKING:
    from .build import Build

RECORDS = click.option(
    "--records",
    "records_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("records"),
    help=tr(
        "공약별 기록(JSON)과 report.json이 있는 폴더입니다. [기본값: records]",
        "Directory of the canonical JSON records. [default: records]",
    ),
)


TEMPLATES = click.option(
    "--templates",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=tr(
        "서식 파일(DOCX, XLSX, HWPX)이 있는 폴더입니다. [기본값: 기록 폴더의 templates/ 또는 "
        "그 옆의 templates/, 없으면 reportgen에 들어 있는 서식]",
        "Directory of the templates (DOCX, XLSX, HWPX). [default: <records>/templates/ or a "
        "templates/ beside the records folder, else the templates shipped with reportgen]",
    ),
)


def _period(_ctx: click.Context, _param: click.Parameter, value: str | None) -> Period | None:
    if value is None:
        return None
    try:
        return Period.half_year(value)
    except PeriodError as exc:
        raise click.BadParameter(exc.message) from None


def _print_warnings(problems: list[Problem]) -> None:
    for problem in problems:
        click.secho(str(problem), fg="yellow", err=True)


@click.group(
    cls=Group,
    help=tr(
        "reportgen: 공약 추진실적 보고서를 공약별 기록(JSON)에서 다시 만듭니다.\n\n"
        "명령마다 자세한 설명은 reportgen 명령 --help로 봅니다.",
        "reportgen: regenerates the half-yearly pledge progress report from canonical "
        "records.\n\nEach command explains itself: reportgen COMMAND --help.",
    ),
)
@click.version_option(
    __version__,
    prog_name="reportgen",
    message=tr("%(prog)s 버전 %(version)s", "%(prog)s, version %(version)s"),
    help=tr("버전을 보이고 끝냅니다.", "Show the version and exit."),
)
def main() -> None:
    """reportgen: 공약 추진실적 보고서를 기록(JSON)에서 다시 만듭니다."""


@main.command(
    short_help=tr("기록을 점검합니다.", "Check the records."),
    help=tr(
        "기록을 점검합니다. 문제마다 한 줄로 파일, JSON 경로, 무엇이 잘못되었는지를 알립니다.",
        "Check the records: every problem, one line each (file, JSON path, what is wrong).",
    ),
)
@RECORDS
@click.option(
    "--period",
    callback=_period,
    help=tr(
        "빠진 내용을 점검할 보고 반기입니다. [기본값: 기록된 가장 최근 반기]",
        "Report period to check for gaps. [default: the newest recorded]",
    ),
)
def validate(records_dir: Path, period: Period | None) -> None:
    """Check the records: every problem, one line each (file, JSON path, what is wrong)."""
    from .formats import codecache
    from .records.validate import check

    records, warnings = check(records_dir, period, memo=codecache)
    _print_warnings(warnings)
    count, warned = len(records.pledges), len(warnings)
    click.echo(
        tr(
            f"{records_dir}: 공약 {count}개에 오류가 없습니다"
            + (f"(경고 {warned}개)." if warned else "."),
            f"{records_dir}: {count} pledge(s) sound"
            + (f", {warned} warning(s)" if warned else ""),
        )
    )


@main.command(
    short_help=tr("편집기가 쓰는 JSON 스키마를 씁니다.", "Write the JSON Schemas for editors."),
    help=tr(
        "편집기가 기록을 채우고 점검하는 데 쓰는 JSON 스키마를 씁니다.\n\n"
        "공약 기록의 스키마는 RECORDS/report.json에 맞춰 좁혀집니다. 재원, 추진상황, "
        "담당 역할, 시민참여 구분, 조정 항목, 분야가 그 시·군·구의 것만 허용됩니다.",
        "Write the JSON Schemas that editors use to complete and check records.\n\n"
        "Pledge records are narrowed to RECORDS/report.json: its funding sources, "
        "statuses, contact roles, participation categories, adjustments and groups.",
    ),
)
@RECORDS
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=tr(
        "스키마를 쓸 폴더입니다. [기본값: RECORDS/schema]",
        "Where to write them. [default: RECORDS/schema]",
    ),
)
def schema(records_dir: Path, out: Path | None) -> None:
    """Write the JSON Schemas that editors use to complete and check records.

    Pledge records are narrowed to RECORDS/report.json: its funding sources,
    statuses, contact roles, participation categories, adjustments and groups.
    """
    from .records.load import load_records
    from .records.schema import write_schemas

    if out is None and not records_dir.is_dir():
        # Writing RECORDS/schema would make a records folder where there is none.
        raise ReportgenError(
            tr(
                f"{records_dir}: 기록 폴더가 없습니다. 기록 폴더가 든 폴더로 옮겨 가서 "
                "실행하거나, --records로 기록 폴더를 알려 주십시오. 일반 스키마만 필요하면 "
                "--out으로 쓸 폴더를 주십시오.",
                f"{records_dir}: records directory not found: run reportgen in the folder "
                "that holds records/, or pass --records DIR (or --out DIR for the general "
                "schemas)",
            )
        )
    settings = load_records(records_dir).settings if records_dir.is_dir() else None
    for path in write_schemas(out or records_dir / "schema", settings):
        click.echo(tr(f"썼습니다: {path}", f"wrote {path}"))


@main.command(
    short_help=tr(
        "반기 보고서(DOCX, XLSX, 선택하면 PDF, HWPX, 웹)를 만듭니다.",
        "Build a half-year's report (DOCX, XLSX; PDF, HWPX, website on request).",
    ),
    help=tr(
        "PERIOD(예: 2022H1) 반기의 보고서를 만듭니다. 공약별 DOCX, 보고서 전체(책자), "
        "예산 집계 XLSX를 씁니다.\n\n"
        "PERIOD를 주지 않으면 기록이 보고하는 가장 최근 반기의 보고서를 만듭니다.",
        "Build the report of PERIOD (for example 2022H1): each pledge's DOCX, the booklet, "
        "the workbook.\n\nWithout PERIOD, the newest half-year the records report on.",
    ),
)
@click.argument("period", metavar="[PERIOD]", required=False, callback=_period)
@RECORDS
@TEMPLATES
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help=tr(
        "결과를 쓸 폴더입니다. [기본값: output/PERIOD]",
        "Output directory. [default: output/PERIOD]",
    ),
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help=tr(
        "메모리에서 다시 만들어 보고, 기록과 더 이상 맞지 않는 디스크의 파일을 알립니다.",
        "Rebuild in memory and report files on disk that no longer match.",
    ),
)
@click.option(
    "--strict",
    is_flag=True,
    help=tr(
        "확인하지 않은 초안이 보고서에 들어가면 만들지 않습니다.",
        "Refuse to build while unconfirmed drafts feed the report.",
    ),
)
@click.option(
    "--pdf",
    is_flag=True,
    help=tr(
        "보고서 전체와 공약별 PDF도 씁니다. LibreOffice가 있어야 합니다.",
        "Also write PDFs of the booklet and each pledge (needs LibreOffice).",
    ),
)
@click.option(
    "--hwpx",
    is_flag=True,
    help=tr(
        "보고서 전체와 공약별 문서를 한컴오피스 한글용 HWPX로도 씁니다.",
        "Also write the booklet and each pledge as HWPX, for Hancom Office (한글).",
    ),
)
@click.option(
    "--site",
    is_flag=True,
    help=tr(
        "이 파일들을 내려받게 하는 반기 웹사이트(index.html …)도 씁니다.",
        "Also write the period's website (index.html …) linking to these files.",
    ),
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help=tr(
        "함께 일할 프로세스 수입니다. 결과는 같습니다. [기본값: 코어 수, 많아야 4]",
        "Worker processes; output is the same. [default: the number of cores, at most 4]",
    ),
)
@click.option(
    "--force",
    is_flag=True,
    help=tr(
        "손으로 고친 결과 파일과, 새 파일이 덮어쓸 다른 파일도 바꿉니다. "
        "이 옵션이 없으면 그런 파일의 이름을 대며 만들지 않습니다.",
        "Replace output files changed by hand, and files not reportgen's that a new file "
        "would overwrite (otherwise the build refuses, naming them).",
    ),
)
@click.option("-q", "--quiet", is_flag=True, help=tr("오류만 출력합니다.", "Print errors only."))
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help=tr("쓴 파일을 모두 나열합니다.", "List every file written."),
)
@click.option("--preview", is_flag=True, hidden=True)  # publish --preview: every page 초안
def build(
    period: Period,
    records_dir: Path,
    templates: Path | None,
    out: Path | None,
    check_only: bool,
    strict: bool,
    pdf: bool,
    hwpx: bool,
    site: bool,
    jobs: int | None,
    force: bool,
    quiet: bool,
    verbose: bool,
    preview: bool = False,
) -> None:
    """Build the report of PERIOD (e.g. 2022H1): each pledge's DOCX, the booklet, the workbook.

    Without PERIOD, the newest half-year the records report on.
    """
    from .build import kept_files, latest_reported, templates_for, verify
    from .formats.writers import DEFAULT_FORMATS

    templates = templates_for(templates, records_dir)

    # Each flag adds its writer to the build (reportgen.formats.writers).
    formats = (
        *DEFAULT_FORMATS,
        *(["hwpx"] if hwpx else []),
        *(["html"] if site else []),
        *(["pdf"] if pdf else []),
    )

    if period is None:
        period = latest_reported(records_dir)
        if not quiet:
            click.echo(
                tr(
                    f"{period} 보고서를 만듭니다(기록이 보고하는 가장 최근 반기).",
                    f"building {period}, the newest period the records report",
                ),
                err=True,
            )

    target = out or Path("output") / str(period)
    if check_only:
        mismatches = verify(period, records_dir, templates, target)
        for line in mismatches:
            click.secho(f"{target}/{line}", fg="red", err=True)
        for name in kept_files(target) if not quiet else ():
            click.echo(
                tr(
                    f"{target}/{name}: reportgen이 만든 파일이 아닙니다(빌드해도 그대로 둡니다).",
                    f"{target}/{name}: not reportgen's (kept by every build)",
                )
            )
        if mismatches:
            raise SystemExit(1)
        if not quiet:
            click.echo(
                tr(
                    f"{target}: 모든 파일이 기록, 서식과 맞습니다.",
                    f"{target}: every file matches the records and templates",
                )
            )
        return

    result = _run_build(
        period, records_dir, templates, target, strict, formats, jobs, force, quiet, preview
    )
    if result is None:
        if not quiet:
            click.echo(
                tr(
                    f"{target}: 이미 최신입니다(기록과 서식이 바뀌지 않았습니다).",
                    f"{target}: up to date (records and templates unchanged)",
                )
            )
        return
    if not quiet:
        _print_warnings(result.warnings)
    for note in result.notes:
        click.secho(note, fg="yellow", err=True)
    if result.drafts:
        click.secho(
            tr(
                f"\n!! {period} 보고서에 확인하지 않은 초안 {len(result.drafts)}개가 들어 "
                "있습니다(초안 미확인). 제출하기 전에 확인하십시오:",
                f"\n!! The report of {period} uses {len(result.drafts)} UNCONFIRMED DRAFT(S) "
                "(초안 미확인) — check them before submitting:",
            ),
            fg="red",
            bold=True,
            err=True,
        )
        for line in result.drafts:
            click.secho(f"   {line}", fg="red", err=True)
    if verbose:
        for name in sorted(result.files):
            click.echo(f"  {target / name}")
    if not quiet:
        click.echo(
            tr(
                f"{target}: {period} 보고서 파일 {len(result.files)}개를 썼습니다.",
                f"{target}: {len(result.files)} file(s) written for {period}",
            )
        )


class _Bar:
    """A progress bar on a terminal, opened once the build knows how many pledges."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.done = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is False:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        # Workers report a chunk of pledges at a time: move by what was done since.
        self.bar.update(done - self.done)
        self.done = done

    def close(self) -> None:
        if self.bar is not None and self.bar is not False:
            self.bar.__exit__(None, None, None)
        self.bar = False  # closed: later updates are ignored


def _run_build(
    period: Period,
    records_dir: Path,
    templates: Path,
    target: Path,
    strict: bool,
    formats: tuple[str, ...],
    jobs: int | None,
    force: bool,
    quiet: bool,
    preview: bool = False,
) -> Build | None:
    from .build import build as run

    bar = (
        _Bar(tr(f"{period} 보고서 만드는 중", f"Building {period}"))
        if not quiet and sys.stderr.isatty()
        else None
    )
    pdf_bar = _Bar("PDF (LibreOffice)") if bar is not None and "pdf" in formats else None

    def pdf_progress(done: int, total: int) -> None:
        assert bar is not None and pdf_bar is not None
        bar.close()  # the documents are done: the PDF bar goes on a line of its own
        pdf_bar(done, total)

    try:
        return run(
            period,
            records_dir,
            templates,
            target,
            strict=strict,
            workers=jobs,
            force=force,
            progress=bar,
            pdf_progress=pdf_progress if pdf_bar is not None else None,
            formats=formats,
            preview=preview,
        )
    finally:
        if bar is not None:
            bar.close()
        if pdf_bar is not None:
            pdf_bar.close()


@main.command(
    short_help=tr("새 시·군·구의 기록을 시작합니다.", "Start a new city's records."),
    help=tr(
        "DIR에 새 시·군·구의 기록을 시작합니다. report.json, 스키마, 견본 공약 "
        "하나를 씁니다.\n\n"
        "--pledges FILE을 주면 견본 대신 공약 목록의 공약마다 기록 하나를 씁니다.",
        "Start a new city's records in DIR: report.json, schemas and one sample "
        "pledge.\n\nWith --pledges FILE, one record per pledge of the city's pledge list "
        "instead.",
    ),
)
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option(
    "--city",
    default=None,
    help=tr(
        "보고서에 인쇄되는 시·군·구 이름입니다. 예: 가람군.",
        "The city as printed: 가람군.",
    ),
)
@click.option(
    "--kind",
    type=click.Choice(["시", "군", "구"]),
    default=None,
    help=tr(
        "재원을 정합니다. 국비, 도비/시비 옆에 시비, 군비, 구비 중 하나가 붙습니다.",
        "Decides the funding sources: 시비, 군비 or 구비 beside 국비 and 도비/시비.",
    ),
)
@click.option(
    "--start",
    default=None,
    help=tr(
        "임기의 첫 반기입니다. 민선8기는 2022H2입니다. 1월이나 7월이 아닌 달에 "
        "시작하는 임기(재·보궐선거)는 그 달을 씁니다(예: 2021-04).",
        "The term's first half-year: 2022H2 for 민선8기. A term that starts in another "
        "month (a by-election) gives the month (e.g. 2021-04).",
    ),
)
@click.option(
    "--end",
    default=None,
    help=tr(
        "임기의 마지막 반기(또는 달, 예: 2022-06)입니다. [기본값: 4년 뒤, 예: 2026H1]",
        "Last half-year (or month, e.g. 2022-06). [default: four years on, 2026H1]",
    ),
)
@click.option(
    "--term-name",
    default=None,
    help=tr(
        "임기의 이름입니다. [기본값: --start로 정해지는 민선N기]",
        "The term's name. [default: 민선N기 from --start]",
    ),
)
@click.option(
    "--numbering",
    default=None,
    help=tr(
        "그 시·군·구가 쓰는 공약 번호 하나를 보기로 줍니다. 예: 1-4-5, III-①-1, 7-1). "
        "[기본값: 1-1, 또는 --pledges 목록의 첫 번호]",
        "One pledge number as the city writes them: 1-4-5, III-①-1, 7-1). "
        "[default: 1-1, or the first number of --pledges]",
    ),
)
@click.option(
    "--cutoff",
    type=click.Choice(["report-half", "previous-half"]),
    default="report-half",
    help=tr(
        "report-half는 보고서가 그 반기의 실적을 보입니다('6월말 기준'). previous-half는 "
        "앞 반기의 실적과 그 반기의 계획을 보입니다(고양시 서식). [기본값: report-half]",
        "report-half: a report shows its own half's achievements ('6월말 기준'); "
        "previous-half: the half before and the plan for its own (Goyang's form). "
        "[default: report-half]",
    ),
)
@click.option(
    "--pledges",
    "pledge_list",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    metavar="FILE",
    help=tr(
        "공약 실천계획서의 공약 목록(XLSX 또는 CSV)에서 공약마다 기록 하나를 만듭니다. "
        "이미 있는 기록 폴더에는 새 공약만 더합니다.",
        "Make one record per pledge from the pledge list (XLSX or CSV) of the 공약 "
        "실천계획서; into an existing records folder, add the new pledges only.",
    ),
)
@click.option(
    "--pledges-template",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    metavar="FILE",
    help=tr(
        "공약 목록의 빈 서식(.xlsx 또는 .csv)을 씁니다 (목록이 아직 없는 시·군·구용).",
        "Write an empty pledge-list table (.xlsx or .csv) for a city that has none.",
    ),
)
def init(
    directory: Path | None,
    city: str | None,
    kind: str | None,
    start: str | None,
    end: str | None,
    term_name: str | None,
    numbering: str | None,
    cutoff: str,
    pledge_list: Path | None,
    pledges_template: Path | None,
) -> None:
    """Start a new city's records in DIR: report.json, schemas and one sample pledge.

    With --pledges FILE, one record per pledge of the city's pledge list instead.
    """
    if pledges_template is not None:
        from .intake.termstart import write_template

        click.echo(tr(f"{write_template(pledges_template)} 작성", f"wrote {pledges_template}"))
        return
    if directory is None:
        raise UsageError(
            tr(
                "기록 폴더(DIR)를 주십시오: reportgen init 기록폴더 --pledges 목록.xlsx",
                "give the records folder: reportgen init DIR --pledges list.xlsx",
            )
        )
    if pledge_list is not None and (directory / "report.json").is_file():
        _init_into_records(directory, pledge_list)
        return
    city, kind, start = _init_answers(city, kind, start)
    from .intake.starter import new_city, write_city

    listed = None
    if pledge_list is not None:
        from .intake.pledgelist import read_pledge_list

        # The term's years first (a provisional number), so that the list's amount
        # columns are checked against them together with every other problem.
        term = new_city(city, kind, start, end, term_name, numbering or "1-1", cutoff)  # type: ignore[arg-type]
        listed = read_pledge_list(pledge_list, numbering, (term.start.year, term.end.year))
        for note in listed.notes:
            click.secho(note, fg="yellow", err=True)

    number = numbering or (listed.pledges[0].number if listed is not None else "1-1")
    answers = new_city(city, kind, start, end, term_name, number, cutoff)  # type: ignore[arg-type]
    if listed is not None:
        from .intake.termstart import write_city_from_list

        written = write_city_from_list(directory, answers, listed)
    else:
        written = write_city(directory, answers)
    for path in written:
        click.echo(tr(f"썼습니다: {path}", f"wrote {path}"))
    if listed is not None:
        click.echo(
            tr(
                f"공약 {len(listed.pledges)}개를 기록했습니다. 다음: reportgen intake export "
                f"PERIOD --records {directory}",
                f"{len(listed.pledges)} pledge(s) recorded; next: reportgen intake export "
                f"PERIOD --records {directory}",
            )
        )
        return
    commands = (
        f"reportgen validate --records {directory} && "
        f"reportgen build --records {directory} --out output-{directory.name}"
    )
    click.echo(
        tr(
            f"다음 할 일: {directory / 'report.json'}에서 추진상황, 분야, 열 등을 고치고 "
            f"견본 공약을 실제 공약으로 바꾼 다음 실행하십시오: {commands}",
            f"next: edit {directory / 'report.json'} (statuses, groups, columns …), replace "
            f"the sample pledge, then: {commands}",
        )
    )


def _ask_yes(question: str) -> bool:
    """A yes/no question answered in Korean or English; no answer is no.

    click.confirm offers only "[y/N]" and says "Error: invalid input" in English.
    """
    while True:
        answer = str(
            click.prompt(
                question + tr(" (예/아니오) [아니오]", " [y/N]"), default="", show_default=False
            )
        )
        word = answer.strip().lower()
        if word in ("", "n", "no", "아니오", "아니요"):
            return False
        if word in ("y", "yes", "예", "네"):
            return True
        click.echo(tr("오류: 예 또는 아니오로 답하십시오.", "Error: answer y or n."), err=True)


def _ask_choice(question: str, choices: tuple[str, ...]) -> str:
    """Ask until the answer is one of ``choices`` (click's own retry says "Error:" in English)."""
    while True:
        answer = str(click.prompt(question)).strip()
        if answer in choices:
            return answer
        click.echo(
            tr(
                f"오류: 다음 중 하나를 쓰십시오: {', '.join(choices)}",
                f"Error: answer one of {', '.join(choices)}",
            ),
            err=True,
        )


def _init_answers(city: str | None, kind: str | None, start: str | None) -> tuple[str, str, str]:
    """Ask what init is not told (on a terminal, or from the input of a script)."""
    # An empty --city given is a wrong answer (new_city says so), not a question to ask.
    city = (
        city
        if city is not None
        else click.prompt(
            tr("시·군·구 이름(예: 가람군)", "City, county or district as printed (e.g. 가람군)")
        )
    )
    kind = kind or _ask_choice(
        tr("시, 군, 구(광역시 자치구) 중 하나", "시, 군 or 구 (광역시 자치구)"), ("시", "군", "구")
    )
    start = start or click.prompt(
        tr(
            "임기의 첫 반기(예: 2022H2, 재·보궐선거는 첫 달 2021-04)",
            "First half-year of the term (e.g. 2022H2; a by-election's first month, 2021-04)",
        )
    )
    return city, kind, start


def _init_into_records(directory: Path, pledge_list: Path) -> None:
    """``init DIR --pledges FILE`` where DIR holds records: add the new pledges only."""
    from .intake.pledgelist import read_pledge_list
    from .intake.termstart import import_list
    from .records.load import load_records

    settings = load_records(directory).settings
    years = None
    if settings is not None:
        term = settings.term.to_term()
        years = (term.start.year, term.end.year)
    listed = read_pledge_list(pledge_list, settings.numbering if settings else None, years)
    for note in listed.notes:
        click.secho(note, fg="yellow", err=True)
    result = import_list(directory, listed)
    for line in result.lines():
        click.echo(line)
    click.echo(
        tr(
            f"새 공약 {len(result.added)}개를 더했습니다",
            f"{len(result.added)} new pledge(s) added",
        )
    )


@main.command(
    short_help=tr("반기 웹사이트(웹소통)를 씁니다.", "Write the period's website (웹소통)."),
    help=tr(
        "PERIOD 반기의 웹사이트(웹소통)를 씁니다. 첫 화면, 공약마다 한 쪽, 바뀐 점, "
        "내려받을 파일이 들어 있습니다.\n\n"
        "build --site와 같은 빌드를 올릴 폴더 하나에 따로 씁니다. 폴더 맨 위의 "
        "index.html 옆에 그것이 연결하는 DOCX, HWPX, 예산 집계 XLSX(와 PDF)가 놓입니다.\n\n"
        "--all: 임기 중 보고된 모든 기간을 씁니다. 맨 위 index.html에 기간 목록, 기간마다 "
        "폴더 하나.",
        "Write the website of PERIOD (웹소통): index, a page per pledge, what changed, "
        "downloads.\n\nThe same build as `build --site`, into a folder of its own to "
        "upload: index.html at its root beside the DOCX, HWPX, workbook (and PDF) it links "
        "to.\n\n--all: every reported period of the term, listed by the top index.html, "
        "each in a folder of its own.",
    ),
)
@click.argument("period", metavar="[PERIOD]", required=False, callback=_period)
@RECORDS
@TEMPLATES
@click.option(
    "--all",
    "whole_term",
    is_flag=True,
    help=tr(
        "임기 중 보고된 모든 기간을 한 누리집으로 씁니다: DIR/index.html에 기간 목록(최신 순), "
        "기간마다 DIR/<기간>/ [기본 폴더: public]",
        "Write every reported period of the term: DIR/index.html lists them, latest first; "
        "each period in DIR/<period>/ [default: public].",
    ),
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=tr(
        "웹 서버에 올릴 폴더입니다. [기본값: public/PERIOD]",
        "Folder to upload. [default: public/PERIOD]",
    ),
)
@click.option(
    "--pdf/--no-pdf",
    default=None,
    help=tr(
        "PDF도 내려받게 합니다. [기본값: LibreOffice가 있으면 만듭니다]",
        "Offer PDFs for download too [default: when LibreOffice is installed].",
    ),
)
@click.option(
    "--hwpx/--no-hwpx",
    default=True,
    help=tr(
        "HWPX도 내려받게 합니다. [기본값: 내려받게 함]",
        "Offer HWPX for download too. [default: --hwpx]",
    ),
)
@click.option(
    "--force",
    is_flag=True,
    help=tr(
        "--out 폴더에서 손으로 고친 파일도 바꿉니다.",
        "Replace files in --out that were changed by hand.",
    ),
)
@click.option(
    "--preview",
    is_flag=True,
    help=tr(
        "초안이 있어도 내부 검토용 미리보기를 씁니다 (모든 쪽에 '초안' 표시, 기본 위치 preview/PERIOD).",
        "Write an internal preview even with drafts (every page marked 초안; "
        "default folder preview/PERIOD).",
    ),
)
@click.pass_context
def publish(
    ctx: click.Context,
    period: Period | None,
    records_dir: Path,
    templates: Path | None,
    whole_term: bool,
    out: Path | None,
    pdf: bool | None,
    hwpx: bool,
    force: bool,
    preview: bool,
) -> None:
    """Write the website of PERIOD (웹소통): index, a page per pledge, what changed, downloads.

    The same build as `build --site`, into a folder of its own to upload:
    index.html at its root beside the DOCX, workbook, HWPX (and PDF) it links to.
    With --all, every reported period of the term, each in a folder of its own.
    """
    from .build import templates_for

    templates = templates_for(templates, records_dir)
    if pdf is None:
        from .formats.pdf import missing

        pdf = missing() is None
    if whole_term:
        if period is not None:
            raise UsageError(
                tr("--all과 기간은 함께 쓸 수 없습니다.", "--all takes no PERIOD."), ctx
            )
        from .formats.writers import DEFAULT_FORMATS
        from .termsite import publish_term

        target = out or Path("preview" if preview else "public")
        formats = (
            *DEFAULT_FORMATS,
            *(["hwpx"] if hwpx else []),
            "html",
            *(["pdf"] if pdf else []),
        )
        result = publish_term(records_dir, templates, target, formats, force=force, preview=preview)
        _print_warnings(result.warnings)
        for note in result.notes:
            click.secho(note, fg="yellow", err=True)
        for line in result.drafts:
            click.secho(
                tr(f"   초안(미확인): {line}", f"   unconfirmed draft: {line}"), fg="red", err=True
            )
        click.echo(
            tr(
                f"{target}: {len(result.periods)}개 기간 ({', '.join(map(str, result.periods))}), "
                f"파일 {len(result.files)}개",
                f"{target}: {len(result.periods)} period(s) "
                f"({', '.join(map(str, result.periods))}), {len(result.files)} file(s)",
            )
        )
        click.echo(tr(f"열기: {target / 'index.html'}", f"open {target / 'index.html'}"))
        return
    if period is None:
        from .build import latest_reported

        period = latest_reported(records_dir)
    target = out or Path("preview" if preview else "public") / str(period)
    ctx.invoke(
        build,
        period=period,
        records_dir=records_dir,
        templates=templates,
        out=target,
        check_only=False,
        # What is published is confirmed: a draft refuses it (naming them), a preview marks it.
        strict=not preview,
        preview=preview,
        pdf=pdf,
        hwpx=hwpx,
        site=True,
        jobs=None,
        force=force,
        quiet=False,
        verbose=False,
    )
    click.echo(tr(f"열어 보십시오: {target / 'index.html'}", f"open {target / 'index.html'}"))


@main.command(
    "check-plan",
    short_help=tr(
        "공표된 공약 목록과 기록이 맞는지(일치도) 봅니다.",
        "Check the records against the published pledge list (일치도).",
    ),
    help=tr(
        "공표된 공약 목록(FILE)과 기록을 맞춰 봅니다(일치도).\n\n"
        "공약 목록(XLSX 또는 CSV, init --pledges가 읽는 것과 같은 표)의 공약 가운데 기록에 "
        "없거나, 이름이 바뀌었거나, 통폐합되었거나, 나뉘었거나, 번호나 이름이 다른 것을 "
        "모두 나열하고, 저마다 그것을 설명하는 공약 조정이 있는지 밝힙니다. 설명되지 않은 "
        "것이 있으면 종료 코드 1로 끝납니다.",
        "Check the records against the published pledge list FILE (일치도).\n\n"
        "Lists every pledge of the published list (XLSX or CSV, as init --pledges reads it) "
        "that is missing from the records, renamed, merged or split, and number or title "
        "mismatches, each with the 공약 조정 that explains it or none; exit 1 when anything "
        "is unexplained.",
    ),
)
@click.argument(
    "file", metavar="FILE", type=click.Path(path_type=Path, dir_okay=False, exists=True)
)
@RECORDS
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help=tr("스크립트용 JSON으로 출력합니다.", "Print JSON, for scripts."),
)
def check_plan_command(file: Path, records_dir: Path, as_json: bool) -> None:
    """Check the records against the published pledge list (help: above, in both languages)."""
    from .intake.plancheck import check_plan

    found = check_plan(records_dir, file)
    if as_json:
        click.echo(found.to_json())
    else:
        for line in found.lines():
            click.echo(line)
    if found.unexplained:
        raise SystemExit(1)


@main.command(
    "status",
    short_help=tr(
        "부서별 회신, 검토, 확정 현황을 보입니다.", "Show who has returned, review, confirmed."
    ),
    help=tr(
        "PERIOD 반기의 현황을 부서마다 한 줄로 보입니다. 상태(미회신, 검토 대기, 확정), "
        "공약, 지난 보고를 그대로 옮긴 채 남은 부분, 남은 문제를 알리고 끝에 요약 한 줄을 "
        "붙입니다.",
        "One line per department: its state (미회신, 검토 대기, 확정), its pledges, the "
        "sections still untouched copies of the last report, open problems; a summary line.",
    ),
)
@click.argument("period", metavar="[PERIOD]", required=False, callback=_period)
@RECORDS
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help=tr("스크립트용 JSON으로 출력합니다.", "Print JSON, for scripts."),
)
def status_command(period: Period | None, records_dir: Path, as_json: bool) -> None:
    """부서별 회신·검토·확정 현황: 미회신, 검토 대기, 확정.

    One line per department: its state, its pledges, the sections still
    untouched copies of the last report, open problems; a summary line.
    """
    from .build import latest_reported
    from .intake.review import period_status

    if period is None:
        try:
            period = latest_reported(records_dir)
        except PeriodError:
            # Right after init --pledges nothing is reported yet: say which command to type.
            from .records.load import load_records

            settings = load_records(records_dir).settings
            first = settings.term.to_term().start if settings is not None else "2026H2"
            raise PeriodError(
                tr(
                    f"{records_dir}: 아직 보고된 반기가 없습니다. 반기를 주십시오. "
                    f"예: reportgen status {first} --records {records_dir}",
                    f"{records_dir}: no half-year is reported yet; name one, e.g. "
                    f"reportgen status {first} --records {records_dir}",
                )
            ) from None
    found = period_status(records_dir, period)
    if as_json:
        click.echo(found.to_json())
        return
    for dept in found.departments:
        click.echo(dept.line())
    click.echo(found.summary())


@main.command(
    "confirm",
    short_help=tr("초안을 확인하고 확정합니다.", "Review and confirm the drafts."),
    help=tr(
        "PERIOD 보고의 초안을 확인하고 확정합니다. 공약마다 지난 보고 뒤 바뀐 점을 "
        "보이고, 터미널에서 묻고(스크립트에서는 --yes), 초안 표시를 지운 뒤 누가 언제 "
        "확정했는지를 모든 파일에 한꺼번에 기록합니다.",
        "Confirm the drafts of the report of PERIOD: shows per pledge what changed since the "
        "last report, asks on a terminal (--yes for scripts), then removes the draft marks and "
        "records who confirmed it and when, all files at once.",
    ),
)
@click.argument("period", metavar="PERIOD", callback=_period)
@click.argument("pledge_ids", metavar="[PLEDGE…]", nargs=-1)
@RECORDS
@click.option(
    "--dept",
    default=None,
    metavar="NAME",
    help=tr("이 부서의 공약만 확정합니다.", "Confirm this department's pledges only."),
)
@click.option(
    "--by",
    default=None,
    metavar="NAME",
    help=tr(
        "확정한 사람으로 기록할 이름입니다. [기본값: 컴퓨터 사용자 이름]",
        "The name recorded as confirming. [default: the OS user]",
    ),
)
@click.option(
    "--yes",
    is_flag=True,
    help=tr("묻지 않고 확정합니다 (스크립트용).", "Confirm without asking (for scripts)."),
)
@click.option(
    "--undo",
    is_flag=True,
    help=tr(
        "확정을 취소하고 지웠던 초안 표시를 되돌립니다.",
        "Take the confirmation back: the draft marks it removed return.",
    ),
)
def confirm_command(
    period: Period,
    pledge_ids: tuple[str, ...],
    records_dir: Path,
    dept: str | None,
    by: str | None,
    yes: bool,
    undo: bool,
) -> None:
    """PERIOD 보고의 초안을 확인하고 확정합니다 (초안 표시를 지우고 누가 언제 확정했는지 기록).

    Shows per pledge what changed since the last report, asks on a terminal
    (--yes for scripts), then removes the draft marks, all files at once.
    """
    from .intake.review import ConfirmError, default_user, select, write_confirmation, write_undo

    chosen = select(records_dir, period, dept, pledge_ids, undo=undo)
    if not chosen.pledges:
        click.echo(
            tr(
                f"{period}: 확정을 취소할 공약이 없습니다"
                if undo
                else f"{period}: 확정할 초안이 없습니다",
                f"{period}: no confirmation to take back"
                if undo
                else f"{period}: no drafts to confirm",
            )
        )
        return
    if not undo:
        _show_changes(chosen)
    ids = ", ".join(p.id for p, _, _ in chosen.pledges)
    question = tr(
        f"공약 {len(chosen.pledges)}개({ids})의 "
        + ("확정을 취소할까요?" if undo else f"{period} 보고를 확정할까요?"),
        f"{'Take back the confirmation of' if undo else f'Confirm the report of {period} for'} "
        f"{len(chosen.pledges)} pledge(s) ({ids})?",
    )
    if not yes:
        if not _interactive():
            raise ConfirmError(
                tr(
                    "물어볼 터미널이 없습니다: 확인한 뒤 --yes를 붙여 실행하십시오. 아무것도 바꾸지 않았습니다.",
                    "no terminal to ask: run it with --yes once checked; nothing was changed",
                )
            )
        if not _ask_yes(question):
            click.echo(tr("아무것도 바꾸지 않았습니다", "nothing was changed"))
            raise SystemExit(1)
    written = write_undo(chosen) if undo else write_confirmation(chosen, by or default_user())
    for path in written:
        click.echo(tr(f"{path} 저장", f"wrote {path}"))
    click.echo(
        tr(
            f"공약 {len(written)}개의 확정을 취소했습니다 (초안 표시를 되돌림)"
            if undo
            else f"공약 {len(written)}개를 확정했습니다",
            f"took back the confirmation of {len(written)} pledge(s) (drafts again)"
            if undo
            else f"confirmed {len(written)} pledge(s)",
        )
    )


def _interactive() -> bool:
    """Whether a person can answer a question (stdin is a terminal)."""
    return sys.stdin.isatty()


def _show_changes(chosen: Any) -> None:
    """Per pledge, what changed since the last report (as ``diff`` shows it)."""
    from .report.diff import diff_views, echo_summary
    from .report.view import report_view

    settings = chosen.records.settings
    period = chosen.period
    pledges = [p for p, _, _ in chosen.pledges]
    term = settings.term.to_term()
    previous = period.previous
    if not term.contains(previous):
        click.echo(
            tr(
                f"{attach(str(period), '은')} 이번 임기의 첫 보고입니다: 비교할 이전 보고가 없어 "
                "확정할 초안과 그 내용을 나열합니다",
                f"{period} is the term's first report: no earlier report to compare; the "
                "drafts to confirm and what they hold are listed",
            )
        )
    else:
        echo_summary(
            diff_views(
                report_view(pledges, previous, settings), report_view(pledges, period, settings)
            )
        )
    from .intake.review import describe_mark

    for pledge, _path, marks in chosen.pledges:
        held = ", ".join(describe_mark(pledge, m) for m in marks)
        click.echo(f"  {pledge.id} {pledge.title}: " + tr(f"초안 — {held}", f"drafts — {held}"))


@main.group(
    "intake",
    short_help=tr(
        "부서별 입력 통합문서를 내보내고 가져옵니다.",
        "Export and import the departments' workbooks.",
    ),
    help=tr(
        "부서가 반기마다 통합문서(XLSX)를 채웁니다. export가 부서마다 하나를 쓰고, "
        "import가 돌려받은 통합문서를 기록으로 가져옵니다.",
        "Departments fill in a workbook per half-year; export writes one per department, "
        "import brings them into the records.",
    ),
)
def intake() -> None:
    """Departments fill in a workbook per half-year; import brings it into the records."""


@intake.command(
    "export",
    short_help=tr(
        "부서마다 입력할 통합문서를 씁니다.", "Write a workbook per department to fill in."
    ),
    help=tr(
        "PERIOD 보고서에 쓸 통합문서(XLSX)를 부서마다 하나씩 씁니다. 부서가 채워서 돌려보냅니다.",
        "One XLSX per department for the report of PERIOD, to fill in and send back.",
    ),
)
@click.argument("period", metavar="PERIOD", callback=_period)
@RECORDS
@click.option(
    "--dept",
    default=None,
    metavar="NAME",
    help=tr(
        "이 부서의 통합문서만 씁니다(기록된 소관부서 이름).",
        "One department only (소관부서 as recorded).",
    ),
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help=tr(
        "통합문서를 쓸 폴더입니다. [기본값: intake-PERIOD]",
        "Folder for the workbooks. [default: intake-PERIOD]",
    ),
)
def intake_export(period: Period, records_dir: Path, dept: str | None, out: Path | None) -> None:
    """One XLSX per department for the report of PERIOD, to fill in and send back."""
    from .intake import export_workbooks
    from .workspace.output import add_files

    bar = (
        _Bar(tr("부서별 통합문서 만드는 중", "Making the workbooks"))
        if sys.stderr.isatty()
        else None
    )
    try:
        books = export_workbooks(records_dir, period, dept, progress=bar)
    finally:
        if bar is not None:
            bar.close()
    target = out or Path(f"intake-{period}")
    from .build import protected_paths, templates_for

    # A department's returned file is never overwritten: add_files refuses a
    # file changed since reportgen wrote it.
    protected = protected_paths(records_dir, templates_for(None, records_dir))
    for path in add_files(target, books, version=__version__, force=False, protected=protected):
        click.echo(tr(f"썼습니다: {path}", f"wrote {path}"))


@intake.command(
    "import",
    short_help=tr(
        "돌려받은 통합문서를 기록에 초안으로 가져옵니다.",
        "Import the returned workbooks as drafts.",
    ),
    help=tr(
        "부서들이 돌려보낸 통합문서를 기록에 초안으로 가져옵니다. 폴더를 주면 그 안의 "
        "통합문서(.xlsx)를 모두 가져오고, Excel의 임시 파일(~$…)은 건너뜁니다. 모든 파일의 "
        "문제를 한 번에 알리며, 문제가 하나라도 있으면 아무것도 쓰지 않습니다. 부서마다 "
        "회신(변경 없음 포함)을 records/intake/<반기>.json에 기록합니다.",
        "Read the departments' workbooks into the records (as drafts), all or nothing. A "
        "folder imports every workbook (.xlsx) in it; Excel's owner files (~$…) are skipped. "
        "Every problem of every file is reported at once. Each department's return (also "
        "an unchanged one) is recorded in records/intake/<PERIOD>.json.",
    ),
)
@click.argument(
    "files",
    metavar="FILE|FOLDER…",
    nargs=-1,
    required=True,
    # A folder imports every workbook in it (Excel's ~$ owner files skipped).
    type=click.Path(path_type=Path, exists=True),
)
@RECORDS
@click.option(
    "--force",
    is_flag=True,
    help=tr(
        "확정된 보고서, 더 이전 반기, 내보낸 뒤 바뀐 기록에도 가져옵니다.",
        "Import into a confirmed report, an older period, or over records changed since "
        "the export.",
    ),
)
def intake_import(files: tuple[Path, ...], records_dir: Path, force: bool) -> None:
    """Read the departments' workbooks into the records (as drafts), all or nothing."""
    from .intake import import_workbooks

    result = import_workbooks(records_dir, list(files), force=force)
    for line in result.describe():
        click.echo(line)
    written = len(result.written)
    click.echo(
        tr(f"기록 {written}개를 썼습니다.", f"{written} record(s) written")
        if written
        else tr("바꿀 것이 없습니다.", "nothing to change")
    )


@main.command(
    "new-period",
    short_help=tr(
        "새 반기 보고서를 엽니다(지난 반기에서 초안을 가져옵니다).",
        "Open a new period (drafts carried forward).",
    ),
    help=tr(
        "PERIOD(예: 2022H1) 반기의 보고서를 엽니다. 지난 반기의 담당자, 추진상황, 예산, "
        "계획을 초안으로 가져오고, 이미 있는 것은 덮어쓰지 않습니다.",
        "Open the report of PERIOD (for example 2022H1): drafts carried forward, nothing "
        "overwritten.",
    ),
)
@click.argument("period_text", metavar="PERIOD")
@RECORDS
def new_period(period_text: str, records_dir: Path) -> None:
    """Open the report of PERIOD: drafts carried forward, nothing overwritten."""
    from .records.rollforward import roll_forward

    # A year or a malformed period is a PeriodError: exit 1 with the message.
    result = roll_forward(records_dir, Period.half_year(period_text))
    for line in result.lines():
        click.echo(line)


@main.command(
    "diff",
    short_help=tr(
        "두 반기의 보고서를 비교해 신·구 대비표를 만듭니다.",
        "Compare two periods' reports (신·구 대비표).",
    ),
    help=tr(
        "OLD와 NEW 반기(예: 2021H2 2022H1)의 보고서를 공약마다 비교합니다. OLD가 "
        "NEW보다 앞선 반기여야 합니다.",
        "Compare the reports of OLD and NEW (for example 2021H2 2022H1) pledge by pledge. "
        "OLD must come before NEW.",
    ),
)
@click.argument("old", metavar="OLD", callback=_period)
@click.argument("new", metavar="NEW", callback=_period)
@RECORDS
@click.option(
    "--pledge",
    "pledge_id",
    metavar="ID",
    help=tr("이 공약 하나만 비교합니다. 예: 1-4-3.", "Compare one pledge only (e.g. 1-4-3)."),
)
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help=tr(
        "diff_OLD_NEW.json과 신·구 대비표 diff_OLD_NEW.docx도 이 폴더에 씁니다.",
        "Also write diff_OLD_NEW.json and the 신·구 대비표 diff_OLD_NEW.docx here.",
    ),
)
@click.option(
    "--exit-code",
    is_flag=True,
    help=tr(
        "보고서가 다르면 종료 코드 1로 끝납니다(git diff처럼).",
        "Exit 1 when the reports differ (as git diff).",
    ),
)
@click.option(
    "--force",
    is_flag=True,
    help=tr(
        "--out 폴더에서 손으로 고친 비교 파일도 바꿉니다.",
        "Replace diff files in --out that were changed by hand.",
    ),
)
def diff_command(
    old: Period,
    new: Period,
    records_dir: Path,
    pledge_id: str | None,
    out: Path | None,
    exit_code: bool,
    force: bool,
) -> None:
    """Compare the reports of OLD and NEW (e.g. 2021H2 2022H1) pledge by pledge."""
    from .build import protected_paths, templates_for
    from .formats import codecache
    from .formats.diff_docx import render_docx
    from .report.diff import diff_records, echo_summary, output_names
    from .workspace.output import add_files

    # The memo of earlier checks, as build passes it: a file found plain is not checked again.
    result = diff_records(records_dir, old, new, pledge_id, memo=codecache)
    echo_summary(result)
    if out is not None:  # diff_OLD_NEW.json and the 신·구 대비표 diff_OLD_NEW.docx
        json_name, docx_name = output_names(result)
        files = {json_name: result.to_json().encode("utf-8"), docx_name: render_docx(result)}
        protected = protected_paths(records_dir, templates_for(None, records_dir))
        for path in add_files(out, files, version=__version__, force=force, protected=protected):
            click.echo(tr(f"썼습니다: {path}", f"wrote {path}"))
    if exit_code and result.changed:
        raise SystemExit(1)
