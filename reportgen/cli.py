"""The command line: a few lines per command over library functions."""

from __future__ import annotations

from pathlib import Path

import click

from . import __version__
from .errors import PeriodError, Problem
from .periods import Period

RECORDS = click.option(
    "--records",
    "records_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("records"),
    show_default=True,
    help="Directory of the canonical JSON records.",
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
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("records/schema"),
    show_default=True,
)
def schema(out: Path) -> None:
    """Write the JSON Schemas that editors use to complete and check records."""
    from .schema import write_schemas

    for path in write_schemas(out):
        click.echo(f"wrote {path}")
