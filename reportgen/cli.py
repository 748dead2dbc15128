"""The command line: a few lines per command over library functions."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from . import __version__
from .errors import PeriodError, Problem
from .i18n import tr
from .josa import attach
from .periods import Period

if TYPE_CHECKING:
    from .build import Build

RECORDS = click.option(
    "--records",
    "records_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("records"),
    show_default=True,
    help="Directory of the canonical JSON records.",
)


TEMPLATES = click.option(
    "--templates",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("templates"),
    show_default=True,
    help="Directory of the templates (DOCX, XLSX, HWPX).",
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


@click.group()
@click.version_option(__version__, prog_name="reportgen")
def main() -> None:
    """reportgen: 공약 추진실적 보고서를 기록(JSON)에서 다시 만듭니다.

    Regenerates the half-yearly pledge progress report from canonical records.
    """


@main.command()
@RECORDS
@click.option(
    "--period",
    callback=_period,
    help="Report period to check for gaps (default: the newest recorded).",
)
def validate(records_dir: Path, period: Period | None) -> None:
    """Check the records: every problem, one line each (file, JSON path, what is wrong)."""
    from .validate import check

    records, warnings = check(records_dir, period)
    _print_warnings(warnings)
    click.echo(
        f"{records_dir}: {len(records.pledges)} pledge(s) sound"
        + (f", {len(warnings)} warning(s)" if warnings else "")
    )


@main.command()
@RECORDS
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where to write them [default: RECORDS/schema].",
)
def schema(records_dir: Path, out: Path | None) -> None:
    """Write the JSON Schemas that editors use to complete and check records.

    Pledge records are narrowed to RECORDS/report.json: its funding sources,
    statuses, contact roles, participation categories, adjustments and groups.
    """
    from .load import load_records
    from .schema import write_schemas

    settings = load_records(records_dir).settings if records_dir.is_dir() else None
    for path in write_schemas(out or records_dir / "schema", settings):
        click.echo(f"wrote {path}")


@main.command()
@click.argument("period", metavar="[PERIOD]", required=False, callback=_period)
@RECORDS
@TEMPLATES
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Output directory [default: output/PERIOD].",
)
@click.option(
    "--check",
    "check_only",
    is_flag=True,
    help="Rebuild in memory and report files on disk that no longer match.",
)
@click.option(
    "--strict", is_flag=True, help="Refuse to build while unconfirmed drafts feed the report."
)
@click.option(
    "--pdf",
    is_flag=True,
    help="Also write PDFs of the booklet and each pledge (needs LibreOffice).",
)
@click.option(
    "--hwpx",
    is_flag=True,
    help="Also write the booklet and each pledge as HWPX, for Hancom Office (한글).",
)
@click.option(
    "--site",
    is_flag=True,
    help="Also write the period's website (index.html …) linking to these files.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Worker processes [default: the number of cores, at most 4]; output is the same.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Replace output files changed by hand, and files not reportgen's that a new file "
    "would overwrite (otherwise the build refuses, naming them).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print errors only.")
@click.option("-v", "--verbose", is_flag=True, help="List every file written.")
def build(
    period: Period,
    records_dir: Path,
    templates: Path,
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
) -> None:
    """Build the report of PERIOD (e.g. 2022H1): each pledge's DOCX, the booklet, the workbook.

    Without PERIOD, the newest half-year the records report on.
    """
    from .build import kept_files, latest_reported, verify
    from .writers import DEFAULT_FORMATS

    formats = (*DEFAULT_FORMATS, *(["hwpx"] if hwpx else []), *(["html"] if site else []))

    if period is None:
        period = latest_reported(records_dir)
        if not quiet:
            click.echo(f"building {period}, the newest period the records report", err=True)

    target = out or Path("output") / str(period)
    if check_only:
        mismatches = verify(period, records_dir, templates, target)
        for line in mismatches:
            click.secho(f"{target}/{line}", fg="red", err=True)
        for name in kept_files(target) if not quiet else ():
            click.echo(f"{target}/{name}: not reportgen's (kept by every build)")
        if mismatches:
            raise SystemExit(1)
        if not quiet:
            click.echo(f"{target}: every file matches the records and templates")
        return

    result = _run_build(
        period, records_dir, templates, target, strict, pdf, formats, jobs, force, quiet
    )
    if result is None:
        if not quiet:
            click.echo(f"{target}: up to date (records and templates unchanged)")
        return
    if not quiet:
        _print_warnings(result.warnings)
    for note in result.notes:
        click.secho(note, fg="yellow", err=True)
    if result.drafts:
        click.secho(
            f"\n!! The report of {period} uses {len(result.drafts)} UNCONFIRMED DRAFT(S) "
            "(초안 미확인) — check them before submitting:",
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
        click.echo(f"{target}: {len(result.files)} file(s) written for {period}")


class _Bar:
    """A progress bar on a terminal, opened once the build knows how many pledges."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is False:
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1)

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
    pdf: bool,
    formats: tuple[str, ...],
    jobs: int | None,
    force: bool,
    quiet: bool,
) -> Build | None:
    from .build import build as run

    bar = _Bar(f"Building {period}") if not quiet and sys.stderr.isatty() else None
    pdf_bar = _Bar("PDF (LibreOffice)") if bar is not None and pdf else None

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
            pdf=pdf,
            workers=jobs,
            force=force,
            progress=bar,
            pdf_progress=pdf_progress if pdf_bar is not None else None,
            formats=formats,
        )
    finally:
        if bar is not None:
            bar.close()
        if pdf_bar is not None:
            pdf_bar.close()


@main.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path, file_okay=False))
@click.option("--city", default=None, help="The city as printed: 가람군.")
@click.option(
    "--kind",
    type=click.Choice(["시", "군", "구"]),
    default=None,
    help="Decides the funding sources: 시비, 군비 or 구비 beside 국비 and 도비/시비.",
)
@click.option("--start", default=None, help="The term's first half-year: 2022H2 for 민선8기.")
@click.option("--end", default=None, help="Last half-year [default: four years on, 2026H1].")
@click.option("--term-name", default=None, help="[default: 민선N기 from --start].")
@click.option(
    "--numbering",
    default=None,
    help="One pledge number as the city writes them: 1-4-5, III-①-1, 7-1) "
    "[default: 1-1, or the first number of --pledges].",
)
@click.option(
    "--cutoff",
    type=click.Choice(["report-half", "previous-half"]),
    default="report-half",
    show_default=True,
    help="report-half: a report shows its own half's achievements ('6월말 기준'); "
    "previous-half: the half before and the plan for its own (Goyang's form).",
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
    """Start a new city's records in DIRECTORY: report.json, schemas and one sample pledge.

    With --pledges FILE, one record per pledge of the city's pledge list instead.
    """
    if pledges_template is not None:
        from .termstart import write_template

        click.echo(tr(f"{write_template(pledges_template)} 작성", f"wrote {pledges_template}"))
        return
    if directory is None:
        raise click.UsageError(
            tr(
                "기록 폴더(DIRECTORY)를 주십시오: reportgen init 기록폴더 --pledges 목록.xlsx",
                "give the records folder: reportgen init DIRECTORY --pledges list.xlsx",
            )
        )
    if pledge_list is not None and (directory / "report.json").is_file():
        _init_into_records(directory, pledge_list)
        return
    listed = None
    if pledge_list is not None:
        from .pledgelist import read_pledge_list

        listed = read_pledge_list(pledge_list, numbering)
        for note in listed.notes:
            click.secho(note, fg="yellow", err=True)
    city, kind, start = _init_answers(city, kind, start)
    from .starter import new_city, write_city

    number = numbering or (listed.pledges[0].number if listed is not None else "1-1")
    answers = new_city(city, kind, start, end, term_name, number, cutoff)  # type: ignore[arg-type]
    if listed is not None:
        from .termstart import write_city_from_list

        written = write_city_from_list(directory, answers, listed)
    else:
        written = write_city(directory, answers)
    for path in written:
        click.echo(f"wrote {path}")
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
    click.echo(
        f"next: edit {directory / 'report.json'} (statuses, groups, columns …), replace the "
        f"sample pledge, then: reportgen validate --records {directory} && "
        f"reportgen build --records {directory} --out output-{directory.name}"
    )


def _init_answers(city: str | None, kind: str | None, start: str | None) -> tuple[str, str, str]:
    """Ask what init is not told (on a terminal, or from the input of a script)."""
    city = city or click.prompt("시·군·구 이름 (e.g. 가람군)")
    kind = kind or click.prompt(
        "시, 군 or 구 (광역시 자치구)", type=click.Choice(["시", "군", "구"])
    )
    start = start or click.prompt("first half-year of the term (e.g. 2022H2)")
    return city, kind, start


def _init_into_records(directory: Path, pledge_list: Path) -> None:
    """``init DIR --pledges FILE`` where DIR holds records: add the new pledges only."""
    from .load import load_records
    from .pledgelist import read_pledge_list
    from .termstart import import_list

    settings = load_records(directory).settings
    listed = read_pledge_list(pledge_list, settings.numbering if settings else None)
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


@main.command()
@click.argument("period", metavar="[PERIOD]", required=False, callback=_period)
@RECORDS
@TEMPLATES
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder to upload [default: public/PERIOD].",
)
@click.option("--pdf", is_flag=True, help="Offer PDFs for download too (needs LibreOffice).")
@click.option("--hwpx", is_flag=True, help="Offer HWPX for download too.")
@click.option("--force", is_flag=True, help="Replace files in --out that were changed by hand.")
@click.pass_context
def publish(
    ctx: click.Context,
    period: Period | None,
    records_dir: Path,
    templates: Path,
    out: Path | None,
    pdf: bool,
    hwpx: bool,
    force: bool,
) -> None:
    """Write the website of PERIOD (웹소통): index, a page per pledge, what changed, downloads.

    The same build as `build --site`, into a folder of its own to upload:
    index.html at its root beside the DOCX, workbook (and PDF/HWPX) it links to.
    """
    if period is None:
        from .build import latest_reported

        period = latest_reported(records_dir)
    target = out or Path("public") / str(period)
    ctx.invoke(
        build,
        period=period,
        records_dir=records_dir,
        templates=templates,
        out=target,
        check_only=False,
        strict=False,
        pdf=pdf,
        hwpx=hwpx,
        site=True,
        jobs=None,
        force=force,
        quiet=False,
        verbose=False,
    )
    click.echo(f"open {target / 'index.html'}")


@main.command("status")
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
    from .review import period_status

    when = period or latest_reported(records_dir)
    found = period_status(records_dir, when)
    if as_json:
        click.echo(found.to_json())
        return
    for dept in found.departments:
        click.echo(dept.line())
    click.echo(found.summary())


@main.command("confirm")
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
        "확정한 사람으로 기록할 이름 [기본: 컴퓨터 사용자 이름]",
        "The name recorded as confirming [default: the OS user].",
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
    from .review import ConfirmError, default_user, select, write_confirmation, write_undo

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
        if not click.confirm(question, default=False):
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
    from .diff import diff_views, echo_summary
    from .view import report_view

    settings = chosen.records.settings
    period = chosen.period
    pledges = [p for p, _, _ in chosen.pledges]
    term = settings.term.to_term()
    previous = period.previous
    if not term.contains(previous):
        click.echo(
            tr(
                f"{attach(str(period), '은')} 이번 임기의 첫 보고입니다: 비교할 이전 보고가 없어 초안을 나열합니다",
                f"{period} is the term's first report: no earlier report to compare, the "
                "drafts are listed",
            )
        )
    else:
        echo_summary(
            diff_views(
                report_view(pledges, previous, settings), report_view(pledges, period, settings)
            )
        )
    for pledge, _path, marks in chosen.pledges:
        click.echo(f"  {pledge.id} {pledge.title}: " + tr("초안 ", "drafts ") + ", ".join(marks))


@main.group("intake")
def intake() -> None:
    """Departments fill in a workbook per half-year; import brings it into the records."""


@intake.command("export")
@click.argument("period", metavar="PERIOD", callback=_period)
@RECORDS
@click.option(
    "--dept", default=None, metavar="NAME", help="One department only (소관부서 as recorded)."
)
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Folder for the workbooks [default: intake-PERIOD].",
)
def intake_export(period: Period, records_dir: Path, dept: str | None, out: Path | None) -> None:
    """One XLSX per department for the report of PERIOD, to fill in and send back."""
    from .intake import export_workbooks
    from .output import add_files

    books = export_workbooks(records_dir, period, dept)
    target = out or Path(f"intake-{period}")
    from .build import protected_paths

    # A department's returned file is never overwritten: add_files refuses a
    # file changed since reportgen wrote it.
    protected = protected_paths(records_dir, Path("templates"))
    for path in add_files(target, books, version=__version__, force=False, protected=protected):
        click.echo(f"wrote {path}")


@intake.command("import")
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
    help="Import into a confirmed report, an older period, or over records changed since "
    "the export.",
)
def intake_import(files: tuple[Path, ...], records_dir: Path, force: bool) -> None:
    """Read the departments' workbooks into the records (as drafts), all or nothing."""
    from .intake import import_workbooks

    result = import_workbooks(records_dir, list(files), force=force)
    for line in result.describe():
        click.echo(line)
    click.echo(
        f"{len(result.written)} record(s) written" if result.written else "nothing to change"
    )


@main.command("new-period")
@click.argument("period_text", metavar="PERIOD")
@RECORDS
def new_period(period_text: str, records_dir: Path) -> None:
    """Open the report of PERIOD (e.g. 2022H1): drafts carried forward, nothing overwritten."""
    from .rollforward import roll_forward

    # A year or a malformed period is a PeriodError: exit 1 with the message.
    result = roll_forward(records_dir, Period.half_year(period_text))
    for line in result.lines():
        click.echo(line)


@main.command("diff")
@click.argument("old", metavar="OLD", callback=_period)
@click.argument("new", metavar="NEW", callback=_period)
@RECORDS
@click.option("--pledge", "pledge_id", metavar="ID", help="Compare one pledge only (e.g. 1-4-3).")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=None,
    help="Also write diff_OLD_NEW.json and the 신·구 대비표 diff_OLD_NEW.docx here.",
)
@click.option("--exit-code", is_flag=True, help="Exit 1 when the reports differ (as git diff).")
@click.option(
    "--force", is_flag=True, help="Replace diff files in --out that were changed by hand."
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
    from .build import protected_paths
    from .diff import diff_records, echo_summary, output_names
    from .diff_docx import render_docx
    from .output import add_files

    result = diff_records(records_dir, old, new, pledge_id)
    echo_summary(result)
    if out is not None:  # diff_OLD_NEW.json and the 신·구 대비표 diff_OLD_NEW.docx
        json_name, docx_name = output_names(result)
        files = {json_name: result.to_json().encode("utf-8"), docx_name: render_docx(result)}
        protected = protected_paths(records_dir, Path("templates"))
        for path in add_files(out, files, version=__version__, force=force, protected=protected):
            click.echo(f"wrote {path}")
    if exit_code and result.changed:
        raise SystemExit(1)
