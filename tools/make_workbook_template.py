"""Create the initial workbook style template, templates/workbook.xlsx (run once; then staff own it).

    python tools/make_workbook_template.py [--out templates/workbook.xlsx]

The template is an ordinary Excel workbook with one sheet, ``styles``. Each
row names a role in column A and holds a styled sample cell in column B;
reportgen.formats.xlsx reads the sample's font (name, size, bold, italic, underline,
colour), fill, borders, alignment (horizontal, vertical, wrap, indent) and
number format, and applies it to every cell of that role in the budget
workbook. Staff restyle the workbook by formatting the B cells in Excel
(서식 복사 works too); they must not rename the roles in column A.

Once staff have edited it, templates/workbook.xlsx is the source of truth:
re-running this script overwrites their edits. The output is byte-identical
on every run (fixed document dates, normalized zip).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
from pathlib import Path

from lxml import etree
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportgen.formats.ooxml import read_package, write_package

FONT = "맑은 고딕"  # LibreOffice renders it with NanumGothic (reportgen/resources/fonts.conf)
FIXED_TIME = dt.datetime(2000, 1, 1)
THIN = Side(style="thin", color="FF000000")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
HEADER_FILL = PatternFill("solid", fgColor="FFD9D9D9")
TOTAL_FILL = PatternFill("solid", fgColor="FFF2F2F2")
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)


def font(size: float = 10, bold: bool = False, color: str = "FF000000") -> Font:
    return Font(name=FONT, size=size, bold=bold, color=color)


# (role, sample text or number, what it styles, font, fill, border, alignment, number format)
ROLES: list[tuple[str, object, str, Font, PatternFill | None, Border | None, Alignment, str]] = [
    (
        "default",
        "가나다 123",
        "그 밖의 모든 셀: 통합문서의 기본 글꼴과 크기 (글꼴·크기만 읽습니다)",
        font(10),
        None,
        None,
        Alignment(vertical="center"),
        "General",
    ),
    (
        "title",
        "고양시 민선7기 공약 추진실적 보고서",
        "시트 제목 (첫 줄, 표 너비만큼 병합)",
        font(16, bold=True),
        None,
        None,
        Alignment(horizontal="center", vertical="center"),
        "General",
    ),
    (
        "section",
        "□ 연도별 투자계획(사업비)",
        "표 제목, 보고 기간 줄",
        font(12, bold=True),
        None,
        None,
        Alignment(horizontal="left", vertical="center"),
        "General",
    ),
    (
        "unit",
        "(단위 : 백만원)",
        "단위 표시 (표의 오른쪽 끝 칸)",
        font(9),
        None,
        None,
        Alignment(horizontal="right", vertical="center"),
        "General",
    ),
    (
        "header",
        "공약사업명",
        "표 머리글 (구분, 계, 기투자, 연도, 임기후, 확보/집행 …)",
        font(10, bold=True),
        HEADER_FILL,
        BOX,
        CENTER,
        "General",
    ),
    (
        "name",
        "통합일자리정보 시스템 구축",
        "공약명, 공약사업명 (사업별 칸은 아래로 병합)",
        font(10),
        None,
        BOX,
        Alignment(horizontal="left", vertical="center", wrap_text=True, indent=1),
        "General",
    ),
    (
        "label",
        "시비",
        "구분(국비·도비·시비·기타), 공약번호, 추진상황, 비예산",
        font(10),
        None,
        BOX,
        CENTER,
        "General",
    ),
    (
        "figure",
        1578,
        "금액 (백만원). 소수가 있는 금액은 자동으로 #,##0.0# 으로 바뀝니다",
        font(10),
        None,
        BOX,
        Alignment(horizontal="right", vertical="center"),
        "#,##0",
    ),
    (
        "total",
        8291,
        "계·소계·합계 행의 금액 (모두 수식)",
        font(10, bold=True),
        TOTAL_FILL,
        BOX,
        Alignment(horizontal="right", vertical="center"),
        "#,##0",
    ),
    (
        "total_label",
        "계",
        "계·소계·합계 행의 이름 칸",
        font(10, bold=True),
        TOTAL_FILL,
        BOX,
        CENTER,
        "General",
    ),
    (
        "rate",
        0.685,
        "집행률, 비율, 달성률 (표시 형식만 합계 행에도 쓰입니다)",
        font(10),
        None,
        BOX,
        Alignment(horizontal="right", vertical="center"),
        "0.0%",
    ),
    (
        "note",
        "※ 계·소계·합계는 수식입니다",
        "주석, 안내 문장",
        font(9, color="FF595959"),
        None,
        None,
        Alignment(horizontal="left", vertical="center"),
        "General",
    ),
]

INTRO = (
    "B열 견본 셀의 서식(글꼴·크기·굵게·색·채우기·테두리·맞춤·표시 형식)을 바꾸면 "
    "reportgen이 만드는 예산 집계 통합문서에 그대로 쓰입니다. A열의 역할 이름은 바꾸거나 "
    "지우지 마세요. 1~2행은 설명이며 읽지 않습니다."
)


def build() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "styles"
    ws["A1"] = "역할 (role)"
    ws["B1"] = "견본 (이 셀의 서식을 바꾸세요)"
    ws["C1"] = "쓰이는 곳"
    for cell in ws[1]:
        cell.font = font(10, bold=True)
    ws["A2"] = INTRO
    ws["A2"].font = font(9, color="FF595959")
    ws["A2"].alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells("A2:C2")
    ws.row_dimensions[2].height = 42
    for i, (role, sample, usage, fnt, fill, border, align, numfmt) in enumerate(ROLES, start=3):
        ws.cell(i, 1, role).font = font(10)
        cell = ws.cell(i, 2, sample)
        cell.font = fnt
        if fill is not None:
            cell.fill = fill
        if border is not None:
            cell.border = border
        cell.alignment = align
        cell.number_format = numfmt
        ws.cell(i, 3, usage).font = font(9)
        ws.row_dimensions[i].height = 30 if role == "title" else 20
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 40
    ws.column_dimensions["C"].width = 70
    wb.properties.creator = "reportgen"
    wb.properties.created = FIXED_TIME

    buffer = io.BytesIO()
    wb.save(buffer)
    parts = read_package(buffer.getvalue())
    parts["docProps/core.xml"] = _fixed_dates(parts["docProps/core.xml"])
    return write_package(parts.items())


def _fixed_dates(core: bytes) -> bytes:
    """openpyxl stamps ``dcterms:modified`` with the time of saving: fix it."""
    root = etree.fromstring(core)
    stamp = FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ")
    for tag in ("created", "modified"):
        for el in root.iter("{http://purl.org/dc/terms/}" + tag):
            el.text = stamp
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent.parent / "templates" / "workbook.xlsx",
    )
    args = parser.parse_args()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(build())
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
