"""공공데이터: a report's pledges and money as files anyone can load, and an Atom feed.

Each period's site holds ``data/``, in the shape the 공공데이터포털 takes file
data (CSV in UTF-8 with a BOM so that Excel opens it, a JSON copy, and a data
dictionary in Korean):

- ``pledges.csv`` / ``pledges.json``: one row per pledge — 번호, 공약명, 분야,
  부서, 추진상황, 추진율, 성과지표 목표/실적, and the money planned, secured and
  executed, in total and by 재원 (백만원);
- ``money.csv``: one row per pledge × 공약사업 × 재원 × 기간 × 구분
  (투자계획/확보액/집행액), every amount the report's money tables print;
- ``dictionary.csv``: every column of those files, its meaning, type, unit and
  codes (데이터 사전); ``metadata.csv``: the file data's description (파일데이터명,
  제공기관, 업데이트 주기, 단위, 인코딩 …);
- ``changes.atom``: what changed since the previous report (Atom 1.0).

Every figure is the report view's, unformatted (a test checks they are equal);
the bytes depend only on the view: no timestamps but the period's own end.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from xml.sax.saxutils import escape

from ..records.periods import Period
from ..report.citizen import CitizenSummary
from ..report.view import MoneyTable, PledgeView, ReportView

DATA_DIR = "data"
UNRECORDED_STATUS = "추진상황 미기재"
MONEY_KINDS = ("투자계획", "확보액", "집행액")


def _decimal(value: Decimal | None) -> str:
    """A plain figure for a data file: ``1578``, ``12.5``; blank for none (not 0)."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(int(value))
    return f"{value:f}".rstrip("0").rstrip(".")


def _json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    if value == value.to_integral_value():
        return int(value)
    return float(_decimal(value))


def _group(view: PledgeView) -> str:
    return " > ".join(f"{g.key} {g.name}" for g in view.groups)


@dataclass(frozen=True)
class Column:
    """데이터 사전 한 줄: a column of a data file."""

    name: str
    meaning: str
    kind: str  # 문자 / 숫자
    unit: str = ""
    codes: str = ""


def pledge_columns(report: ReportView) -> tuple[Column, ...]:
    statuses = ", ".join(s.status for s in report.summary)
    cols = [
        Column("번호", "공약 번호 (보고서와 같은 표기)", "문자"),
        Column("공약명", "공약 이름", "문자"),
        Column("분야", "공약이 속한 분야·전략 (바깥쪽부터, ' > '로 구분)", "문자"),
        Column("부서", "소관부서", "문자"),
        Column(
            "추진상황", "이 보고서의 추진상황", "문자", codes=f"{statuses}, {UNRECORDED_STATUS}"
        ),
        Column("추진율", "공약별 추진율", "숫자", "%"),
        Column("성과지표명", "성과지표 이름 (여러 개면 ' | '로 구분)", "문자"),
        Column("성과지표단위", "성과지표 단위 (성과지표명과 같은 순서)", "문자"),
        Column("성과지표목표", "성과지표 목표 (같은 순서)", "숫자"),
        Column("성과지표실적", "성과지표 실적 (같은 순서, 누계 지표는 누계)", "숫자"),
        Column("예산구분", "예산 공약 여부", "문자", codes="예산, 비예산"),
        Column("투자계획", "투자계획 계 (임기 전체)", "숫자", "백만원"),
        Column("확보액", "확보액 계", "숫자", "백만원"),
        Column("집행액", "집행액 계", "숫자", "백만원"),
        Column("집행률기준확보액", "집행이 기재된 연도분 확보액 (집행률의 분모)", "숫자", "백만원"),
    ]
    for source in report.funding_sources:
        for kind in MONEY_KINDS:
            cols.append(Column(f"{kind}_{source}", f"{kind} 중 {source}", "숫자", "백만원"))
    return tuple(cols)


def pledge_row(view: PledgeView, report: ReportView) -> dict[str, Any]:
    """One pledge's row, unformatted: Decimal figures, None for blank."""
    budgeted = not view.non_budget and view.plan_table.recorded
    plan = view.plan_table.grand_total.total
    secured = view.secured_table.grand_total
    row: dict[str, Any] = {
        "번호": view.id,
        "공약명": view.title,
        "분야": _group(view),
        "부서": view.department,
        "추진상황": view.status or UNRECORDED_STATUS,
        "추진율": view.progress_rate,
        "성과지표명": " | ".join(i.name for i in view.indicators),
        "성과지표단위": " | ".join(i.unit for i in view.indicators),
        "성과지표목표": tuple(i.target for i in view.indicators),
        "성과지표실적": tuple(i.result for i in view.indicators),
        "예산구분": "비예산" if view.non_budget else "예산",
        "투자계획": plan.amount if budgeted and not view.withdrawn else None,
        "확보액": secured.total.amount if budgeted else None,
        "집행액": secured.total.executed if budgeted else None,
        "집행률기준확보액": secured.rate_basis if budgeted else None,
    }
    by_source = {m.source: m for m in view.by_source}
    for source in report.funding_sources:
        m = by_source.get(source)
        row[f"투자계획_{source}"] = m.planned if m and budgeted else None
        row[f"확보액_{source}"] = m.secured if m and budgeted else None
        row[f"집행액_{source}"] = m.executed if m and budgeted else None
    return row


# A text cell starting with one of these is a formula to Excel and 한셀 (CSV injection):
# a record's words are data, so such a cell is written with a leading apostrophe,
# which spreadsheets take as "text" and do not show.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str) -> str:
    return "'" + value if value.startswith(_FORMULA_START) else value


def _csv_cell(value: Any) -> str:
    if isinstance(value, tuple):
        return " | ".join(_decimal(v) for v in value)
    if isinstance(value, Decimal):
        return _decimal(value)
    return "" if value is None else _text(str(value))


def _json_value(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_json_number(v) for v in value]
    if isinstance(value, Decimal):
        return _json_number(value)
    return value


def csv_bytes(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    """CSV as Excel and the 공공데이터포털 read it: UTF-8 with a BOM, CRLF, every field quoted when needed."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")


def money_rows(view: PledgeView) -> list[list[str]]:
    """번호, 공약명, 구분, 공약사업명, 재원, 기간, 금액: every amount a source row of its tables holds."""
    out: list[list[str]] = []
    if view.non_budget or not view.plan_table.recorded:
        return out
    tables: list[tuple[MoneyTable, str, str]] = []
    if not view.withdrawn:
        tables.append((view.plan_table, "amount", "투자계획"))
    tables += [(view.secured_table, "amount", "확보액"), (view.secured_table, "executed", "집행액")]
    for table, attr, kind in tables:
        for row in table.rows:
            if row.kind != "source":
                continue  # 계 and 소계 rows are sums of these
            for label, cell in zip(table.column_labels, row.cells, strict=True):
                value = getattr(cell, attr)
                if value is None:
                    continue
                out.append(
                    [
                        *map(_text, (view.id, view.title, kind, row.name, row.label, label)),
                        _decimal(value),
                    ]
                )
    return out


MONEY_COLUMNS = (
    Column("번호", "공약 번호", "문자"),
    Column("공약명", "공약 이름", "문자"),
    Column("구분", "금액의 종류", "문자", codes="투자계획, 확보액, 집행액"),
    Column("공약사업명", "공약을 이루는 세부 사업", "문자"),
    Column("재원", "재원", "문자"),
    Column("기간", "보고서 표의 열 (기투자, 연도, 임기후)", "문자"),
    Column("금액", "금액 (기재되지 않은 칸은 행이 없음)", "숫자", "백만원"),
)


def open_data(
    report: ReportView, summary: CitizenSummary | None, base_url: str = ""
) -> dict[str, bytes]:
    """``data/…``: the period's open data files, relative path -> bytes."""
    columns = pledge_columns(report)
    names = [c.name for c in columns]
    rows = [pledge_row(v, report) for v in report.pledges]
    files = {
        f"{DATA_DIR}/pledges.csv": csv_bytes(
            names, [[_csv_cell(r[n]) for n in names] for r in rows]
        ),
        f"{DATA_DIR}/pledges.json": (
            json.dumps(
                {
                    "city": report.city,
                    "title": report.title,
                    "term": report.term_name,
                    "period": report.period,
                    "period_words": report.period_words,
                    "unit": "백만원",
                    "pledges": [{n: _json_value(r[n]) for n in names} for r in rows],
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n"
        ).encode("utf-8"),
        f"{DATA_DIR}/money.csv": csv_bytes(
            [c.name for c in MONEY_COLUMNS], [r for v in report.pledges for r in money_rows(v)]
        ),
    }
    dictionary = [
        [file, c.name, c.meaning, c.kind, c.unit, _text(c.codes)]
        for file, cols in (("pledges.csv", columns), ("money.csv", MONEY_COLUMNS))
        for c in cols
    ]
    files[f"{DATA_DIR}/dictionary.csv"] = csv_bytes(
        ["파일명", "항목명", "설명", "자료형", "단위", "코드값"], dictionary
    )
    files[f"{DATA_DIR}/metadata.csv"] = csv_bytes(["항목", "내용"], metadata(report, len(rows)))
    if summary is not None:
        files[f"{DATA_DIR}/changes.atom"] = atom_feed(
            report, [FeedEntry(report.period, report.period_words, summary, "../changes.html")]
        )
    return files


def metadata(report: ReportView, count: int) -> list[list[str]]:
    """The file data's description, with the fields the 공공데이터포털 asks of file data."""
    return [
        ["파일데이터명", f"{report.city} 공약 추진현황 ({report.period_words})"],
        ["제공기관", report.city],
        [
            "설명",
            f"{report.city} {report.term_name} 공약의 {report.period_words} 추진상황, 추진율, "
            "성과지표, 재원별 투자계획·확보액·집행액. 공약 추진실적 보고서와 같은 기록에서 "
            "만들어졌으며 숫자는 보고서와 같습니다.",
        ],
        ["보고 기간", report.period_words],
        ["임기", f"{report.term_name} ({report.term_span})"],
        ["업데이트 주기", "반기"],
        ["전체 행", f"pledges.csv {count}행 (공약마다 한 행)"],
        ["확장자", "CSV, JSON"],
        ["문자 인코딩", "UTF-8 (CSV는 BOM 포함)"],
        ["금액 단위", "백만원"],
        [
            "파일 목록",
            "pledges.csv·pledges.json 공약별 추진상황과 예산; money.csv 공약사업·재원·기간별 "
            "금액; dictionary.csv 항목 설명(데이터 사전); changes.atom 변경 사항",
        ],
        ["키워드", f"공약, 공약 추진실적, 매니페스토, {report.city}"],
        [
            "데이터 한계",
            "빈 칸은 기록되지 않은 값이며 0이 아닙니다. CSV에서 = + - @ 로 시작하는 글자 칸은 "
            "스프레드시트가 수식으로 읽지 않도록 앞에 작은따옴표(')를 붙였습니다(JSON은 그대로).",
        ],
    ]


@dataclass(frozen=True)
class FeedEntry:
    period: str
    period_words: str
    summary: CitizenSummary
    link: str  # relative to the feed


def period_end(period: str) -> str:
    """The last day of a report period, as an Atom date (deterministic: no clock is read)."""
    p = Period.parse(period)
    day = "06-30" if p.half == 1 else "12-31"
    return f"{p.year}-{day}T00:00:00+09:00"


def _tag(report: ReportView, *parts: str) -> str:
    # A tag URI (RFC 4151) names the entry without a web address of its own.
    name = quote(f"{report.city}-{report.term_name}", safe="")
    return f"tag:reportgen,2000:{name}" + "".join(f"/{p}" for p in parts)


def atom_feed(report: ReportView, entries: Sequence[FeedEntry]) -> bytes:
    """Atom 1.0 (RFC 4287): one entry per period, latest first, the citizen's summary as text."""
    ordered = sorted(entries, key=lambda e: e.period, reverse=True)
    updated = period_end(ordered[0].period) if ordered else period_end(report.period)
    title = f"{report.city} {report.title} 변경 사항"
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="ko">',
        f"<title>{escape(title)}</title>",
        f"<id>{escape(_tag(report))}</id>",
        f"<updated>{updated}</updated>",
        f"<author><name>{escape(report.city)}</name></author>",
    ]
    for e in ordered:
        text = "\n".join(e.summary.lines())
        parts += [
            "<entry>",
            f"<title>{escape(e.period_words)} 보고서: {escape(e.summary.old_words)} 대비 변경 사항</title>",
            f"<id>{escape(_tag(report, e.period))}</id>",
            f"<updated>{period_end(e.period)}</updated>",
            f'<link rel="alternate" type="text/html" href="{escape(e.link)}"/>',
            f'<content type="text">{escape(text)}</content>',
            "</entry>",
        ]
    parts.append("</feed>")
    return ("\n".join(parts) + "\n").encode("utf-8")
