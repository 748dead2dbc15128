"""One error hierarchy for everything a user can get wrong.

Every exception subclasses :class:`click.ClickException`, so the CLI shows a
message and exits non-zero instead of a traceback. Problems found while
checking records are collected as :class:`Problem` values first and raised
once, together, as :class:`RecordsInvalid` (the mkdocs way: all errors, then
abort once).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import IO, Any

import click

from .i18n import tr


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"

    @property
    def label(self) -> str:
        """The word a problem line prints: 오류/경고, or error/warning in English."""
        if self is Severity.ERROR:
            return tr("오류", "error")
        return tr("경고", "warning")


@dataclass(frozen=True, order=True)
class Problem:
    """One finding: which file, where in it (a JSON path), what is wrong."""

    file: str
    path: str  # JSON path such as ``$.reports.2022H1.budget.plan[0]``
    message: str
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = f"{self.file}: {self.path}" if self.path else self.file
        return f"{where}: {self.severity.label}: {self.message}"


def json_path(*parts: str | int) -> str:
    """Join keys and indexes into a JSON path: ``$.reports.2022H1.items[3]``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}"
    return out


class ReportgenError(click.ClickException):
    """Base of every error reportgen raises on purpose."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        # click's own show() prefixes "Error:" in English whatever the locale.
        click.echo(tr("오류: ", "Error: ") + self.format_message(), file=file, err=file is None)

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross from worker processes to the build: pickle the state,
        # not the constructor's arguments (subclasses take others), or the
        # pool's result thread dies unpickling one and the build waits forever.
        return (_rebuild, (type(self), dict(self.__dict__)))


def _rebuild(cls: type[ReportgenError], state: dict[str, Any]) -> ReportgenError:
    error = cls.__new__(cls)
    Exception.__init__(error, state.get("message", ""))
    error.__dict__.update(state)
    return error


def problems_message(problems: list[Problem], where_ko: str, where_en: str) -> str:
    """Every problem on a line of its own, then how many are errors and that nothing was written."""
    errors = sum(1 for p in problems if p.severity is Severity.ERROR)
    lines = [str(p) for p in problems]
    lines.append(
        tr(
            f"{where_ko}에 오류가 {errors}개 있습니다. 아무것도 쓰지 않았습니다.",
            f"{errors} error(s) in {where_en}; nothing was written.",
        )
    )
    return "\n".join(lines)


class RecordsInvalid(ReportgenError):
    """The records have errors; carries every problem found, not the first only."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        super().__init__(problems_message(self.problems, "기록", "the records"))


class TemplateError(ReportgenError):
    """A template is missing, unreadable, or has a broken tag."""

    def __init__(self, template: Path | str, message: str) -> None:
        self.template = str(template)
        super().__init__(f"{template}: {message}")


class PeriodError(ReportgenError):
    """A period given on the command line is malformed or outside the term."""


class OutputError(ReportgenError):
    """The output directory cannot be written, or --check found a mismatch."""


QUOTE_LIMIT = 40


def quote(value: object, limit: int = QUOTE_LIMIT) -> str:
    """``repr`` of a user's value for a message, cut to ``limit`` characters.

    A bad value may be megabytes long (a paste gone wrong); a message quotes
    enough of it to find it, never all of it.
    """
    text = value if isinstance(value, str) else repr(value)
    shown = repr(text[:limit]) if isinstance(value, str) else text[:limit]
    return shown + (
        tr(f"… ({len(text):,}자)", f"… ({len(text):,} characters)") if len(text) > limit else ""
    )
