"""``reportgen init DIR``: a new city's records directory, ready for its first build.

A city starts by describing its form, not by changing code: ``report.json``
with its name, term, kind of local government (which decides the default
funding sources: a 시 has 시비, a 군 군비, a 광역시 자치구 구비), its numbering
and its cut-off; the JSON Schemas narrowed to that form (editor completion);
and one sample pledge marked as a draft, so that ``validate`` and ``build``
work at once and warn until the sample is replaced by a real pledge.

The directory is written whole or not at all: everything goes into a hidden
sibling first and is renamed into place; an existing non-empty directory is
never touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from pydantic import ValidationError

from ..errors import OutputError, PeriodError, ReportgenError, quote
from ..i18n import os_reason, tr
from ..josa import attach
from ..records import numbering
from ..records.model import Pledge, ReportSettings, term_bound
from ..records.periods import Period, Term
from ..records.schema import write_schemas
from ..workspace.output import make_parents

Kind = Literal["시", "군", "구"]

#: Funding sources (재원) each kind of local government prints by default.
SOURCES: dict[str, list[str]] = {
    "시": ["국비", "도비", "시비", "기타"],
    "군": ["국비", "도비", "군비", "기타"],
    "구": ["국비", "시비", "구비", "기타"],  # a 광역시/특별시 자치구
}

#: 민선2기 began in July 1998 (민선1기, from 1995, was three years); each term since is four.
SECOND_TERM_YEAR = 1998


def term_name(start: Period) -> str:
    """``2022H2`` -> ``민선8기``, ``2018H2`` -> ``민선7기``."""
    return f"민선{max(start.year - SECOND_TERM_YEAR, -1) // 4 + 2}기"


def regular_end(start: Period) -> Period:
    """A regular term ends in June four years after it starts: 2022H2 -> 2026H1."""
    return Period(start.year + 4, 1)


@dataclass(frozen=True)
class NewCity:
    """What ``init`` asks: the form's few facts that differ from city to city."""

    city: str
    kind: Kind
    start: Period
    end: Period
    name: str
    numbering: str
    cutoff: Literal["previous-half", "report-half"]
    # The bounds as report.json keeps them: the half-years, or the months of a
    # term that starts or ends in another month ("2021-04", a by-election).
    start_bound: str = ""
    end_bound: str = ""

    def settings(self) -> dict[str, Any]:
        return {
            "$schema": "schema/report.schema.json",
            "city": self.city,
            "term": {
                "name": self.name,
                "start": self.start_bound or str(self.start),
                "end": self.end_bound or str(self.end),
            },
            "numbering": self.numbering,
            "funding_sources": SOURCES[self.kind],
            "cutoff": self.cutoff,
        }

    def sample(self) -> dict[str, Any]:
        """One pledge that validates and builds, every part marked as a draft to replace."""
        first = self.start if self.cutoff == "report-half" else self.start.next
        plan = first.next if self.cutoff == "report-half" else first
        local = SOURCES[self.kind][2]
        return {
            "$schema": "schema/pledge.schema.json",
            "id": self.numbering,
            "title": "(예시) 공약명을 적습니다",
            "department": "(예시) 소관부서",
            "achievements": [
                {
                    "period": str(self.start),
                    "draft": True,
                    "entries": [
                        {
                            "text": "(예시) 추진실적 항목: ○ 수준",
                            "children": [{"text": "(예시) 세부 내용: - 수준"}],
                        }
                    ],
                }
            ],
            "plans": [
                {
                    "period": str(plan),
                    "draft": True,
                    "entries": [{"text": "(예시) 향후 추진계획"}],
                }
            ],
            "reports": {
                str(first): {
                    "draft": True,
                    "status": "정상추진",
                    "contacts": {
                        "manager": {"name": "(예시) 과장", "phone": "000-0000"},
                        "team_leader": {"name": "(예시) 팀장", "phone": "000-0001"},
                        "officer": {"name": "(예시) 담당자", "phone": "000-0002"},
                    },
                    "problems": {"general": [{"text": "(예시) 문제점 및 개선대책"}]},
                    "budget": {
                        "plan": [
                            {
                                "name": "(예시) 공약사업명",
                                "sources": {local: {str(self.start.year): 100}},
                            }
                        ]
                    },
                }
            },
        }


def new_city(
    city: str,
    kind: Kind,
    start_text: str,
    end_text: str | None = None,
    name: str | None = None,
    number: str = "1-1",
    cutoff: Literal["previous-half", "report-half"] = "report-half",
) -> NewCity:
    """Check the answers; raise :class:`ReportgenError` with what would be right."""
    city = _check_name("--city", city, "가람군")
    if name is not None:
        name = _check_name("--term-name", name, "민선8기")
    if kind not in SOURCES:
        raise ReportgenError(
            tr(
                f"{quote(kind)}: 지방자치단체의 종류가 아닙니다. 시, 군, 구 중 하나를 쓰십시오.",
                f"{quote(kind)} is not a kind of local government: use 시, 군 or 구",
            )
        )
    start, first_month, start_bound = term_bound(start_text)
    if end_text:
        end, last_month, end_bound = term_bound(end_text)
    else:
        end, last_month = regular_end(start), None
        end_bound = str(end)
    # As report.json's term is checked: by half-year, then by month within it.
    term = Term("", start, end, first_month, last_month)
    if (end.ordinal, term.end_month) < (start.ordinal, term.start_month):
        raise PeriodError(
            tr(
                f"임기가 끝나는 때({end_bound})가 시작하는 때({start_bound})보다 앞섭니다.",
                f"the term ends ({end_bound}) before it starts ({start_bound})",
            )
        )
    wrong = numbering.problem(number)
    if wrong:
        raise ReportgenError(
            tr(
                f"--numbering {quote(number)}: 공약 번호가 아닙니다. {wrong}",
                f"--numbering {quote(number)} is not a pledge number: {wrong}",
            )
        )
    answers = NewCity(
        city, kind, start, end, name or term_name(start), number, cutoff, start_bound, end_bound
    )
    # The same models validate and build use: what init writes must pass them.
    try:
        ReportSettings.model_validate(answers.settings())
        Pledge.model_validate(answers.sample())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise ReportgenError(
            tr(
                f"init에 준 값으로는 기록을 만들 수 없습니다({where}: {first['msg']}): "
                "--city, --start, --end, --term-name, --numbering을 고쳐 다시 실행하세요",
                f"the answers given to init make no valid records ({where}: {first['msg']}): "
                "correct --city, --start, --end, --term-name or --numbering and run it again",
            )
        ) from None
    return answers


#: The longest name a city or term has in print is about a dozen characters.
MAX_NAME_CHARS = 40


def _check_name(option: str, value: str, example: str) -> str:
    """A name as printed on the cover: not blank, one short line of visible characters."""
    text = " ".join(value.split())
    if not text:
        raise ReportgenError(
            tr(
                f"{attach(option, '이')} 비어 있습니다: 표지에 찍힐 이름을 주십시오(예: {option} {example})",
                f"{option} is empty: give the name as printed on the cover (e.g. {option} "
                f"{example})",
            )
        )
    if len(text) > MAX_NAME_CHARS:
        raise ReportgenError(
            tr(
                f"{attach(option, '이')} {len(text):,}자입니다({quote(text)}): 이름은 {MAX_NAME_CHARS}자 "
                f"이내로 주십시오(예: {option} {example})",
                f"{option} is {len(text):,} characters long ({quote(text)}): a name has at most "
                f"{MAX_NAME_CHARS} (e.g. {option} {example})",
            )
        )
    if not text.isprintable():
        raise ReportgenError(
            tr(
                f"{option} {quote(text)}에 제어 문자가 있습니다: 이름만 입력하십시오",
                f"{option} {quote(text)} holds control characters: type the name only",
            )
        )
    return text


def write_city(
    directory: Path,
    answers: NewCity,
    *,
    settings: dict[str, Any] | None = None,
    pledges: dict[str, str] | None = None,
) -> list[Path]:
    """Create ``directory`` with report.json, schema/ and the sample pledge, all or nothing.

    ``init --pledges`` gives the settings (with the list's groups) and the
    pledge files (name -> JSON text) instead of the sample.
    """
    if directory.exists() and (not directory.is_dir() or any(directory.iterdir())):
        raise OutputError(
            tr(
                f"{directory}: 이미 있고 비어 있지 않습니다. init은 새 기록 폴더를 만들 뿐 "
                "있는 폴더에는 쓰지 않습니다. 새 이름을 고르십시오.",
                f"{directory} already exists and is not empty: init starts a new records "
                "directory and never writes into one (choose a new name)",
            )
        )
    parent = directory.parent
    made: list[Path] = []
    try:
        made = make_parents(parent)
        scratch = Path(tempfile.mkdtemp(prefix=f".reportgen-init-{directory.name}.", dir=parent))
    except OSError as exc:
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise OutputError(
            tr(
                f"{parent}에 기록 폴더를 만들 수 없습니다({os_reason(exc)}): 쓸 수 있는 곳을 "
                "고르세요(예: reportgen init 기록-가람군)",
                f"cannot make the records folder in {parent} ({os_reason(exc)}): choose a place "
                "you can write to (e.g. reportgen init records-가람군)",
            )
        ) from None
    try:
        settings = settings if settings is not None else answers.settings()
        (scratch / "report.json").write_text(_dumps(settings), encoding="utf-8")
        write_schemas(scratch / "schema", ReportSettings.model_validate(settings))
        if pledges is None:
            pledges = {f"{answers.numbering}.json": _dumps(answers.sample())}
        for name, text in pledges.items():
            (scratch / name).write_text(text, encoding="utf-8")
        os.chmod(scratch, 0o755)  # mkdtemp makes it 0700; a records folder is shared
        if directory.exists():
            directory.rmdir()  # empty: checked above
        os.rename(scratch, directory)
    except BaseException as exc:
        shutil.rmtree(scratch, ignore_errors=True)
        for folder in reversed(made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, OSError):
            raise OutputError(
                tr(
                    f"{directory}을(를) 쓰지 못했습니다({os_reason(exc)}): 아무것도 바꾸지 "
                    "않았습니다. 쓸 수 있는 곳을 고르세요",
                    f"could not write {directory} ({os_reason(exc)}); nothing was changed. "
                    "Choose a place you can write to",
                )
            ) from None
        raise
    return sorted(p for p in directory.rglob("*") if p.is_file())


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"
