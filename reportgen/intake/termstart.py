"""``reportgen init DIR --pledges FILE``: a term's records from its published pledge list.

The compiling office (총괄부서) starts a term from the table of pledges in its
공약 실천계획서 (:mod:`reportgen.intake.pledgelist`), not by writing JSON: one record
per pledge (번호, 공약명, 소관부서, its 분야/전략 group, the planned amounts and
성과지표 where the table has them), and ``report.json`` with the groups from
the 분야 (and 전략) column and the numbering from the numbers given.

Nothing is written unless the whole list is sound. Into an existing records
directory the same import adds the pledges it does not hold yet and never
touches one it holds (a confirmed pledge is the office's work; a changed row
is pointed out instead). ``--pledges-template`` writes the empty table for a
city that has none.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import tempfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..errors import OutputError, ReportgenError
from ..i18n import os_reason, tr
from ..josa import attach
from ..records import numbering
from ..records.load import load_records
from ..records.model import Pledge, ReportSettings
from ..records.periods import Period
from ..records.rawjson import dumps, file_bytes, parse
from ..records.rollforward import write_all
from .pledgelist import ListedPledge, ListProblem, PledgeList, PledgeListInvalid, outside_term
from .starter import NewCity, write_city

#: The template's headings, in the order a 실천계획서 usually prints them.
TEMPLATE_HEADINGS = (
    "공약번호",
    "분야",
    "전략",
    "공약명",
    "소관부서",
    "지표",
    "단위",
    "목표",
    "비고",
)


@dataclass
class GroupPlan:
    """The 분야/전략 groups of the list: report.json ``groups`` and each pledge's ``group``."""

    groups: list[dict[str, str]]
    pledge_group: dict[str, str]  # pledge number -> group key, where its number does not say
    new_keys: list[str] = field(default_factory=list)


def _head(number: str, count: int) -> str | None:
    """The first ``count`` parts of a number with their separators: ``1-4-5``, 2 -> ``1-4``."""
    parts = numbering.parts(number)
    values = [i for i, p in enumerate(parts) if p.kind != "separator"]
    if len(values) <= count:
        return None
    return "".join(p.text for p in parts[: values[count - 1] + 1])


def _encoded(names: dict[str, list[str]], count: int) -> dict[str, str] | None:
    """Name -> the number prefix all its pledges share, when the numbers encode the grouping."""
    keys: dict[str, str] = {}
    for name, numbers in names.items():
        heads = {_head(n, count) for n in numbers}
        if len(heads) != 1 or None in heads:
            return None
        keys[name] = heads.pop() or ""
    return keys if len(set(keys.values())) == len(keys) else None


def plan_groups(pledges: list[ListedPledge], existing: list[dict[str, Any]]) -> GroupPlan:
    """Groups from the 분야 (and 전략) column: keyed by the numbers when they encode them.

    Goyang's 1-4-5 is 분야 1, 전략 1-4: the keys are the numbers' own heads and
    a pledge needs no ``group``. A list whose numbers do not follow its 분야
    (1, 2, 3 … across every 분야) gets keys by order (1, 2 …; 1-1 for a 전략)
    and every pledge names its group.
    """
    by_name = {(g.get("level", "분야"), g["name"]): g["key"] for g in existing}
    taken = {g["key"] for g in existing}
    groups = [dict(g) for g in existing]
    plan = GroupPlan(groups, {})

    fields: dict[str, list[str]] = {}
    strategies: dict[tuple[str, str], list[str]] = {}
    for p in pledges:
        fields.setdefault(p.field, []).append(p.number)
        if p.strategy:
            strategies.setdefault((p.field, p.strategy), []).append(p.number)

    field_keys = _encoded(fields, 1)
    named = field_keys is None
    if field_keys is None:
        field_keys = {}
        counter = 0
        for name in fields:
            if ("분야", name) in by_name:
                field_keys[name] = by_name[("분야", name)]
                continue
            counter += 1
            while str(counter) in taken:
                counter += 1
            field_keys[name] = str(counter)
            taken.add(str(counter))
    strategy_keys: dict[tuple[str, str], str] = {}
    encoded = None if named else _encoded({f"{k[0]}\0{k[1]}": v for k, v in strategies.items()}, 2)
    if encoded is not None and all(
        encoded[f"{f}\0{s}"].startswith(field_keys[f]) for f, s in strategies
    ):
        strategy_keys = {k: encoded[f"{k[0]}\0{k[1]}"] for k in strategies}
    else:
        named_strategies = bool(strategies)
        counters: dict[str, int] = {}
        for f, s in strategies:
            if ("전략", s) in by_name and by_name[("전략", s)].startswith(field_keys[f]):
                strategy_keys[(f, s)] = by_name[("전략", s)]
                continue
            counters[f] = counters.get(f, 0) + 1
            while f"{field_keys[f]}-{counters[f]}" in taken:
                counters[f] += 1
            key = f"{field_keys[f]}-{counters[f]}"
            taken.add(key)
            strategy_keys[(f, s)] = key
        named = named or named_strategies

    for name, key in field_keys.items():
        if not any(g["key"] == key for g in groups):
            groups.append({"key": key, "name": name, "level": "분야"})
            plan.new_keys.append(key)
    for (_, s), key in strategy_keys.items():
        if not any(g["key"] == key for g in groups):
            groups.append({"key": key, "name": s, "level": "전략"})
            plan.new_keys.append(key)
    if named:
        for p in pledges:
            plan.pledge_group[p.number] = (
                strategy_keys[(p.field, p.strategy)] if p.strategy else field_keys[p.field]
            )
    return plan


def _figure(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def pledge_record(p: ListedPledge, group: str | None, first_report: Period) -> dict[str, Any]:
    """One pledge's record as the list gives it; the rest is the departments' to fill in."""
    record: dict[str, Any] = {
        "$schema": "schema/pledge.schema.json",
        "id": p.number,
        "title": p.title,
        "department": p.department,
    }
    if group is not None:
        record["group"] = group
    if p.indicator is not None:
        record["indicators"] = [
            {
                "name": p.indicator.name,
                "unit": p.indicator.unit,
                "target": _figure(p.indicator.target),
            }
        ]
    if p.amounts:
        sources: dict[str, dict[str, int | float]] = {}
        for amount in p.amounts:
            sources.setdefault(amount.source, {})[amount.column] = _figure(amount.amount)
        # The plan as published, for the first report; a draft until the office confirms
        # that report (a report without drafts counts as confirmed for intake).
        record["reports"] = {
            str(first_report): {
                "draft": True,
                "budget": {"plan": [{"name": p.title, "sources": sources}]},
            }
        }
    return record


def _check_amounts(
    listed: PledgeList, settings: dict[str, Any], first: Period, last: Period
) -> list[ListProblem]:
    """Amount columns whose year lies outside the term (they would print nowhere).

    The reader names them at their heading when it is given the term's years;
    this guards a list read without them.
    """
    problems = []
    seen: set[tuple[str, str]] = set()
    for p in listed.pledges:
        for amount in p.amounts:
            key = (amount.source, amount.column)
            if key in seen or not amount.column.isdigit():
                continue
            seen.add(key)
            wrong = outside_term(int(amount.column), (first.year, last.year))
            if wrong is not None:
                heading = f"{amount.source} {amount.column}"
                problems.append(ListProblem(str(listed.path), p.row, heading, wrong))
    return problems


def _settings_sources(settings: dict[str, Any], listed: PledgeList) -> list[str]:
    sources = list(settings.get("funding_sources") or [])
    for p in listed.pledges:
        for amount in p.amounts:
            if amount.source not in sources:
                sources.append(amount.source)
    return sources


def _records(
    listed: PledgeList, settings: dict[str, Any], existing_groups: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]], GroupPlan]:
    """report.json (with the groups) and each pledge's record, all validated."""
    plan = plan_groups(listed.pledges, existing_groups)
    new_settings = dict(settings)
    if plan.groups:
        new_settings["groups"] = plan.groups
    new_settings["funding_sources"] = _settings_sources(settings, listed)
    typed = ReportSettings.model_validate(new_settings)
    term = typed.term.to_term()
    first = term.start if typed.cutoff == "report-half" else term.start.next
    problems = _check_amounts(listed, new_settings, term.start, term.end)
    if problems:
        raise PledgeListInvalid(problems)
    records = {}
    for p in listed.pledges:
        record = pledge_record(p, plan.pledge_group.get(p.number), first)
        Pledge.model_validate(record)  # what is written must load
        records[p.number] = record
    return new_settings, records, plan


def write_city_from_list(directory: Path, answers: NewCity, listed: PledgeList) -> list[Path]:
    """A new records directory holding one record per listed pledge, all or nothing."""
    settings = answers.settings()
    new_settings, records, _plan = _records(listed, settings, [])
    files = {f"{number}.json": dumps(record) + "\n" for number, record in records.items()}
    return write_city(directory, answers, settings=new_settings, pledges=files)


@dataclass
class ListImport:
    """What an import of the list into existing records did."""

    added: list[Path] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # numbers already recorded, left as they are
    differs: list[str] = field(default_factory=list)  # lines: recorded title/부서 vs the list
    new_groups: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [tr(f"새 공약 {p.name}", f"new pledge {p.name}") for p in self.added]
        if self.kept:
            out.append(
                tr(
                    f"이미 기록된 공약 {len(self.kept)}개는 그대로 두었습니다",
                    f"{len(self.kept)} pledge(s) already recorded were left as they are",
                )
            )
        out.extend(self.differs)
        if self.new_groups:
            out.append(
                tr(
                    f"report.json에 분야/전략 {attach(', '.join(self.new_groups), '을')} 더했습니다",
                    f"added the groups {', '.join(self.new_groups)} to report.json",
                )
            )
        return out


def import_list(records_dir: Path, listed: PledgeList) -> ListImport:
    """Add the listed pledges the records do not hold; never change one they hold."""
    records = load_records(records_dir)
    if records.settings is None or records.errors:
        from ..errors import RecordsInvalid

        raise RecordsInvalid(records.problems)
    settings_path = records_dir / "report.json"
    old_settings_bytes = records.sources["report.json"]
    settings = parse(old_settings_bytes)
    known = {p.id: p for p in records.pledges}
    result = ListImport()
    fresh = []
    for p in listed.pledges:
        have = known.get(p.number)
        if have is None:
            fresh.append(p)
            continue
        result.kept.append(p.number)
        if (have.title, have.department) != (p.title, p.department):
            result.differs.append(
                tr(
                    f"{listed.path}: {p.row}행: 공약 {p.number}의 기록({have.title} / "
                    f"{have.department})이 목록({p.title} / {p.department})과 다릅니다: "
                    "기록을 바꾸지 않았습니다 (이름이 바뀌었으면 공약 조정으로 기록하십시오)",
                    f"{listed.path}: row {p.row}: pledge {p.number} is recorded as "
                    f"{have.title} / {have.department}, the list says {p.title} / "
                    f"{p.department}: the record was not changed (record a 공약 조정 "
                    "if it was renamed)",
                )
            )
    if not fresh:
        return result
    subset = PledgeList(listed.path, fresh, listed.notes, listed.has_strategy)
    new_settings, new_records, plan = _records(subset, settings, settings.get("groups") or [])
    result.new_groups = plan.new_keys
    files: dict[Path, bytes] = {
        records_dir / f"{number}.json": file_bytes(record) for number, record in new_records.items()
    }
    settings_bytes = file_bytes(new_settings)
    # New records are created (refused if one appeared meanwhile); report.json is
    # replaced only if it still holds what was read; all of it or nothing.
    writes: list[tuple[Path, bytes | None, bytes]] = [(p, None, d) for p, d in files.items()]
    if settings_bytes != old_settings_bytes:
        writes.append((settings_path, old_settings_bytes, settings_bytes))
    write_all(writes)
    result.added = sorted(files)
    return result


def write_template(path: Path) -> Path:
    """An empty pledge table (XLSX or CSV by the suffix) for a city that has none."""
    if path.exists():
        raise OutputError(
            tr(
                f"{attach(str(path), '이')} 이미 있습니다: 덮어쓰지 않습니다 (다른 이름을 주십시오)",
                f"{path} already exists and is not overwritten: choose another name",
            )
        )
    example = ["1-1", "일자리 경제", "청년 일자리", "(예시) 청년 창업 공간 조성", "일자리정책과"]
    example += ["창업 공간", "개소", "3", "이 행은 지우고 적으십시오"]
    if path.suffix.lower() == ".csv":
        import csv
        import io

        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(TEMPLATE_HEADINGS)
        writer.writerow(example)
        data = buffer.getvalue().encode("utf-8-sig")  # Excel opens UTF-8 with its BOM
    elif path.suffix.lower() == ".xlsx":
        data = _template_xlsx(example)
    else:
        raise ReportgenError(
            tr(
                f"{path}: 서식 파일 이름은 .xlsx나 .csv로 끝나야 합니다",
                f"{path}: the template's name ends in .xlsx or .csv",
            )
        )
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=".reportgen-tmp-template.")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(name, 0o644)
        os.link(name, path)
    except OSError as exc:
        raise OutputError(
            tr(
                f"{path}에 쓸 수 없습니다: {os_reason(exc)}",
                f"cannot write {path}: {os_reason(exc)}",
            )
        ) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(name)
    return path


def _template_xlsx(example: list[str]) -> bytes:
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": "공약 목록", "created": _EPOCH})
    head = book.add_format({"bold": True, "bg_color": "#D9D9D9", "border": 1, "align": "center"})
    text = book.add_format({"num_format": "@", "border": 1})
    sheet = book.add_worksheet("공약 목록")
    widths = (10, 14, 16, 36, 14, 14, 8, 8, 24)
    for col, (heading, width) in enumerate(zip(TEMPLATE_HEADINGS, widths, strict=True)):
        sheet.set_column(col, col, width, text)
        sheet.write_string(0, col, heading, head)
    for col, value in enumerate(example):
        sheet.write_string(1, col, value, text)
    sheet.freeze_panes(1, 0)
    book.close()
    return buffer.getvalue()


# A fixed creation date: the same template is the same bytes.
_EPOCH = datetime.datetime(2026, 1, 1)
