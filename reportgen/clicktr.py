"""click's own words (Usage:, Options:, its usage errors) in the interface's language.

click marks its strings for gettext, but the standard gettext lookup picks the
language from the locale alone, and reportgen speaks Korean when the locale
says nothing (``LANG=C``, or unset, as on most servers). So the command line
uses click's public customisation points instead: a formatter whose usage
prefix is Korean, commands whose section headings and help option are Korean,
and usage errors re-raised with a Korean sentence made from the error's own
attributes (which parameter, which option). A message that only exists as
click's formatted English (an extra argument, a value a type refused) is
matched against click's own message ids in ``_CATALOGUE``, as a gettext
catalogue would be; tests/test_i18n.py triggers every entry, so a click release
that rewords one fails a test instead of leaving English on the screen.
Under an English locale click's own strings are shown untouched.
"""

from __future__ import annotations

import re
import typing as t
import unicodedata
from collections.abc import Iterable, Sequence

import click

from .errors import ReportgenError
from .i18n import english, tr

# click's message ids (its gettext msgids) and their Korean. The names in
# braces are the format fields click fills in; the Korean uses the same ones.
_CATALOGUE: tuple[tuple[str, str], ...] = (
    ("Got unexpected extra argument ({args})", "필요 없는 인수가 더 있습니다: {args}"),
    ("Got unexpected extra arguments ({args})", "필요 없는 인수가 더 있습니다: {args}"),
    ("Option {name!r} requires an argument.", "{name} 옵션 뒤에 값을 쓰십시오."),
    ("Option {name!r} requires {nargs} arguments.", "{name} 옵션 뒤에 값 {nargs}개를 쓰십시오."),
    ("Option {name!r} does not take a value.", "{name} 옵션은 값을 받지 않습니다."),
    ("No such command {name!r}.", "{name} 명령은 없습니다."),
    ("Missing command.", "명령을 쓰십시오."),
    # The general "{value!r} is not {choice}." last: it would match the others.
    (
        "{value!r} is not one of {choices}.",
        "쓸 수 없는 값입니다: {value}. 다음 중 하나를 쓰십시오: {choices}.",
    ),
    ("{value!r} is not a valid {number_type}.", "수로 읽을 수 없습니다: {value}."),
    ("{value} is not in the range {range}.", "범위({range}) 밖의 값입니다: {value}."),
    ("{name} {filename!r} does not exist.", "없는 경로입니다: {filename}."),
    ("{name} {filename!r} is a file.", "폴더가 아니라 파일입니다: {filename}."),
    ("{name} {filename!r} is a directory.", "파일이 아니라 폴더입니다: {filename}."),
    ("{name} {filename!r} is not readable.", "읽을 수 없습니다: {filename}."),
    ("{name} {filename!r} is not writable.", "쓸 수 없습니다: {filename}."),
    ("{value!r} is not {choice}.", "쓸 수 없는 값입니다: {value}. {choice}만 쓸 수 있습니다."),
)


def _pattern(msgid: str) -> re.Pattern[str]:
    """A regular expression that matches what click formats from ``msgid``."""
    out = ""
    for literal, field in re.findall(r"([^{]*)(?:\{(\w+)(?:![rs])?\})?", msgid):
        out += re.escape(literal)
        if field:
            out += f"(?P<{field}>.+?)"
    return re.compile(out)


_COMPILED = tuple((_pattern(msgid), korean) for msgid, korean in _CATALOGUE)


def translate(message: str) -> str:
    """click's formatted English ``message`` in the interface's language."""
    if english():
        return message
    for pattern, korean in _COMPILED:
        match = pattern.fullmatch(message)
        if match:
            return korean.format(**match.groupdict())
    return message


class UsageError(click.UsageError):
    """A usage error whose usage line, hint and prefix speak the interface's language."""

    def show(self, file: t.IO[t.Any] | None = None) -> None:
        if self.ctx is not None:
            lines = [self.ctx.get_usage()]
            if self.ctx.command.get_help_option(self.ctx) is not None:
                help_call = f"{self.ctx.command_path} {self.ctx.help_option_names[0]}"
                lines.append(tr(f"도움말: {help_call}", f"Try '{help_call}' for help."))
            click.echo("\n".join(lines), file=file, err=file is None, color=self.ctx.color)
        click.echo(
            tr("오류: ", "Error: ") + self.format_message(),
            file=file,
            err=file is None,
            color=self.ctx.color if self.ctx is not None else None,
        )


def _hint(exc: click.BadParameter) -> str:
    hint: str | Sequence[str] | None = exc.param_hint
    if hint is None and exc.param is not None:
        return exc.param.get_error_hint(exc.ctx)  # type: ignore[arg-type]
    if isinstance(hint, str) or hint is None:
        return hint or ""
    return " / ".join(repr(item) for item in hint)


def korean_usage_error(exc: click.UsageError) -> click.UsageError:
    """``exc`` said in Korean, with the parameter it names (click's own under English)."""
    if english():
        return exc
    if isinstance(exc, click.MissingParameter):
        kind = exc.param_type or (exc.param.param_type_name if exc.param else "parameter")
        noun = {"argument": "인수가", "option": "옵션이"}.get(kind, "값이")
        message = f"{_hint(exc)} {noun} 필요합니다.".strip()
    elif isinstance(exc, click.BadParameter):
        message = f"{_hint(exc)}: {translate(exc.message)}"
    elif isinstance(exc, click.NoSuchOption):
        message = f"{exc.option_name} 옵션은 없습니다."
        if exc.possibilities:
            message += " 비슷한 옵션: " + ", ".join(sorted(exc.possibilities)) + "."
    else:
        message = translate(exc.message)
        # click 8.2+ NoSuchCommand: the close matches of a mistyped command.
        close = getattr(exc, "possibilities", None)
        if close:
            message += " 비슷한 명령: " + ", ".join(sorted(close)) + "."
    error = UsageError(message, exc.ctx)
    return error


# click's own usage errors; a subclass that shows something else (the help page
# of a group called without a command) is left as it is.
_PLAIN = (
    click.UsageError,
    click.BadParameter,
    click.MissingParameter,
    click.NoSuchOption,
    click.BadOptionUsage,
    click.BadArgumentUsage,
)


def columns(text: str) -> int:
    """How many terminal columns ``text`` takes: a Hangul syllable takes two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrap(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` columns, broken between words.

    click wraps by characters, and a line of Korean is twice as wide on a
    terminal as it has characters: its help would run past the edge and the
    terminal would cut words in two. Paragraphs (blank lines) are kept.
    """
    lines: list[str] = []
    for number, paragraph in enumerate(re.split(r"\n\s*\n", text.strip())):
        if number:
            lines.append("")
        line = ""
        for word in paragraph.split():
            if line and columns(line) + 1 + columns(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def _metavar(kind: click.ParamType) -> str | None:
    """A short placeholder for click's type names ("DIRECTORY", "INTEGER RANGE")."""
    if isinstance(kind, click.Path):
        return "DIR" if not kind.file_okay else "FILE" if not kind.dir_okay else "PATH"
    if isinstance(kind, (click.IntRange, click.types.IntParamType)):
        return "N"
    return None


class Formatter(click.HelpFormatter):
    """The help page's writer: "사용법:", and lines measured in terminal columns."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, args, tr("사용법: ", "Usage: ") if prefix is None else prefix)

    def write_text(self, text: str) -> None:
        indent = " " * self.current_indent
        width = max(self.width - self.current_indent, 11)
        for line in wrap(text, width):
            self.write(f"{indent}{line}\n" if line else "\n")

    def write_dl(
        self, rows: Iterable[tuple[str, str]], col_max: int = 30, col_spacing: int = 2
    ) -> None:
        rows = list(rows)
        first_col = min(max((columns(first) for first, _ in rows), default=0), col_max)
        first_col += col_spacing
        text_width = max(self.width - first_col - 2, 10)
        margin = " " * (first_col + self.current_indent)
        for first, second in rows:
            self.write(" " * self.current_indent + first)
            lines = wrap(second, text_width) if second else []
            if not lines:
                self.write("\n")
                continue
            if columns(first) <= first_col - col_spacing:
                self.write(" " * (first_col - columns(first)))
            else:
                self.write("\n" + margin)
            self.write(lines[0] + "\n")
            for line in lines[1:]:
                self.write(f"{margin}{line}\n" if line else "\n")


class Context(click.Context):
    formatter_class = Formatter


class Command(click.Command):
    """A command whose help page and usage errors speak the interface's language."""

    context_class = Context

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        kwargs.setdefault("options_metavar", tr("[옵션]", "[OPTIONS]"))
        super().__init__(*args, **kwargs)
        for param in self.params:
            if param.metavar is None:
                param.metavar = _metavar(param.type)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = tr("이 도움말을 보이고 끝냅니다.", "Show this message and exit.")
        return option

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [
            record
            for param in self.get_params(ctx)
            if not isinstance(param, click.Argument)
            and (record := param.get_help_record(ctx)) is not None
        ]
        if rows:
            with formatter.section(tr("옵션", "Options")):
                formatter.write_dl(rows)

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: t.Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.UsageError as exc:
            if type(exc) not in _PLAIN:
                raise
            raise korean_usage_error(exc) from None


class Group(Command, click.Group):
    """A group of commands, said in the interface's language, whose commands are too."""

    command_class = Command
    group_class = type  # a sub-group is a Group as well

    def __init__(self, *args: t.Any, **kwargs: t.Any) -> None:
        kwargs.setdefault("subcommand_metavar", tr("명령 [인수]...", "COMMAND [ARGS]..."))
        super().__init__(*args, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        Command.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(limit=formatter.width)))
        if rows:
            with formatter.section(tr("명령", "Commands")):
                formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> t.Any:
        # click says "Aborted!" in English for a Ctrl-C or the end of input at a
        # prompt; by the time it reaches here every clean-up has run.
        try:
            return super().invoke(ctx)
        except click.UsageError as exc:
            # A command's own click.UsageError (its callback raised it): said as ours are.
            if type(exc) not in _PLAIN:
                raise
            raise korean_usage_error(exc) from None
        except (KeyboardInterrupt, EOFError, click.Abort):
            if ctx.parent is not None:
                raise
            click.echo(err=True)  # after the ^C the terminal shows
            raise ReportgenError(tr("중단했습니다.", "Aborted!")) from None

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as exc:
            if not isinstance(exc, _PLAIN):  # click 8.2+ raises NoSuchCommand
                raise
            raise korean_usage_error(exc) from None
