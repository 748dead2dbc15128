"""Create templates/report.hwpx, the HWPX writer's styles (run once; then staff own it).

    python tools/make_hwpx_template.py [--out templates]

Made with python-hwpx: A4 with the DOCX's margins, the page number "- N -" in
the footer, the fonts (휴먼명조 with 함초롬바탕 as its substitute, 맑은 고딕 with
함초롬돋움, HY헤드라인M with 함초롬돋움), one named paragraph style per style
the DOCX templates use (섹션제목, 표머리, 항목1 …), and a sample table whose
cells carry the table fills (표머리 칸, 표본문 칸, 합계 칸, 상태 칸). The writer
(reportgen/hwpx.py) finds every style by name and every fill by its sample
cell, takes the page setup from the first paragraph, and ignores the rest of
the body. Re-running this script overwrites staff's edits.
"""

from __future__ import annotations

import argparse
import copy
import io
import sys
import zipfile
from pathlib import Path

from hwpx import HwpxDocument
from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reportgen.formats.hwpxml import HC_NS, HH, HP, cm, write_package

SERIF = "휴먼명조"
SANS = "맑은 고딕"
HEAD = "HY헤드라인M"
SUBSTITUTES = {SERIF: "함초롬바탕", SANS: "함초롬돋움", HEAD: "함초롬돋움"}
TABLE_SIZE = 10
LEVEL_INDENT = {0: 0.0, 1: 0.35, 2: 0.8, 3: 1.25}  # cm, as tools/make_templates.py
HANG = 0.45
# Word's "multiple" line spacing against Hancom's percent of the font size:
# Word's single line of a Hangul face is about 1.3 em, Hancom's 100% is 1 em.
LINE = 130


def style_specs() -> list[dict]:
    """The DOCX templates' paragraph styles (tools/make_templates.define_styles)."""
    specs = [
        dict(
            name="보고서제목",
            face=HEAD,
            size=24,
            bold=True,
            align="CENTER",
            before=120,
            after=24,
            line=1.2,
        ),
        dict(name="표지문구", face=SERIF, size=16, align="CENTER", before=6, after=6),
        dict(name="장제목", face=HEAD, size=16, bold=True, after=12, keep=True),
        dict(name="공약시작", face=SANS, size=11, bold=True, align="RIGHT", after=4, keep=True),
        dict(name="섹션제목", face=SERIF, size=14, bold=True, before=12, after=4, keep=True),
        dict(name="단위", face=SANS, size=10, align="RIGHT", after=2, keep=True),
        dict(name="표머리", face=SANS, size=TABLE_SIZE, bold=True, align="CENTER", line=1.1),
        dict(name="표본문", face=SANS, size=TABLE_SIZE, align="CENTER", line=1.1),
        dict(name="표숫자", face=SANS, size=TABLE_SIZE, align="RIGHT", line=1.1),
        dict(name="표주석", face=SANS, size=9, hanging=0.42, before=2, line=1.2),
        dict(name="쪽번호", face=SANS, size=10, align="CENTER", line=1.0),
        dict(name="구분제목", face=SERIF, size=11, bold=True, align="CENTER", line=1.2),
        dict(name="구분주석", face=SERIF, size=10, align="CENTER", line=1.2),
        dict(name="상태", face=SANS, size=11, bold=True, align="RIGHT", after=4, keep=True),
    ]
    for level, left in LEVEL_INDENT.items():
        specs.append(
            dict(
                name=f"항목{level}",
                face=SERIF,
                size=11.5,
                bold=level == 0,
                left=left,
                hanging=HANG if level else 0.0,
                before=3 if level <= 1 else 0,
                line=1.3,
            )
        )
    specs += [
        dict(name="항목주", face=SANS, size=10, left=LEVEL_INDENT[2], hanging=HANG, line=1.2),
        dict(
            name="항목없음", face=SANS, size=10.5, left=LEVEL_INDENT[1], color="#595959", line=1.3
        ),
        dict(name="목차", face=SERIF, size=11, line=1.2),
        # The 분야 › 전략 line above a pledge, as the DOCX's 분류.
        dict(name="분류", face=SANS, size=10, color="#595959", after=2, keep=True),
    ]
    return specs


def define_styles(doc: HwpxDocument) -> None:
    header = doc.oxml.headers[0]
    for face, subst in SUBSTITUTES.items():
        doc.styles.ensure_font(face, subst_face=subst)
    for spec in style_specs():
        char_pr = doc.styles.ensure_run(
            font=spec["face"],
            size=spec["size"],
            bold=spec.get("bold", False),
            color=spec.get("color", "#000000"),
        )
        left = spec.get("left", 0.0) + spec.get("hanging", 0.0)
        para_pr = header.ensure_paragraph_format(
            alignment=spec.get("align", "JUSTIFY"),
            line_spacing_percent=round(spec.get("line", 1.25) * LINE),
            margins={
                "left": cm(left),
                "intent": -cm(spec.get("hanging", 0.0)),
                "prev": round(spec.get("before", 0) * 100),
                "next": round(spec.get("after", 0) * 100),
            },
            break_setting={"keep_with_next": spec.get("keep", False), "widow_orphan": True},
        )
        header.ensure_style(spec["name"], para_pr_id_ref=para_pr, char_pr_id_ref=char_pr)


def stamp_char_shape(doc: HwpxDocument, border_fill: str) -> None:
    """상태 draws its text in a box (글자 테두리): its own char shape with a border fill."""
    root = doc.oxml.headers[0].element
    style = next(s for s in root.iter(f"{HH}style") if s.get("name") == "상태")
    chars = next(root.iter(f"{HH}charProperties"))
    base = next(c for c in chars if c.get("id") == style.get("charPrIDRef"))
    boxed = copy.deepcopy(base)
    boxed.set("id", str(max(int(c.get("id", "0")) for c in chars) + 1))
    boxed.set("borderFillIDRef", border_fill)
    chars.append(boxed)
    chars.set("itemCnt", str(len(chars)))
    style.set("charPrIDRef", boxed.get("id", "0"))


def sample_body(doc: HwpxDocument, fills: dict[str, str]) -> None:
    doc.paragraphs[
        0
    ].text = "보고서 견본: 이 문서의 스타일(F6)과 아래 표의 칸 모양을 고치면 보고서가 따릅니다."
    for spec in style_specs():
        doc.add_paragraph(f"{spec['name']}: 가나다라 1,234 (2022. 6.)", style=spec["name"])
    table = doc.add_table(1, len(fills), style="표본문")
    for i, (text, fill) in enumerate(fills.items()):
        cell = table.cell(0, i)
        cell.text = text
        cell.element.set("borderFillIDRef", fill)


def deterministic(data: bytes) -> bytes:
    """python-hwpx numbers paragraphs and controls at random: number them in order."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = {n: zf.read(n) for n in zf.namelist()}
    section = etree.fromstring(parts["Contents/section0.xml"])
    # set_footer also leaves a copy of the footer (and a footerApply) inside
    # hp:secPr, which OWPML does not define and Hancom ignores: only the
    # hp:ctrl footer stays.
    for sec_pr in section.iter(f"{HP}secPr"):
        for child in list(sec_pr):
            if etree.QName(child).localname in ("header", "footer", "headerApply", "footerApply"):
                sec_pr.remove(child)
    counter = 0
    for el in section.iter():
        if el.tag in (f"{HP}p", f"{HP}tbl", f"{HP}footer", f"{HP}header") and el.get("id"):
            counter += 1
            el.set("id", str(counter))
    parts["Contents/section0.xml"] = etree.tostring(
        section, xml_declaration=True, encoding="UTF-8", standalone=True
    )
    parts["Preview/PrvText.txt"] = "보고서 견본".encode()
    return write_package(parts)


def build_template() -> bytes:
    doc = HwpxDocument.new()
    # A4; the body 2.0 cm from the top and 1.8 cm from the bottom, the header
    # 1.0 cm and the footer 0.8 cm from the paper's edge (make_templates.set_page).
    # Hancom measures 위쪽/아래쪽 to the header/footer and adds 머리말/꼬리말 to them.
    doc.page.set_size(width=cm(21.0), height=cm(29.7))
    doc.page.set_margins(
        left=cm(2.0),
        right=cm(2.0),
        top=cm(1.0),
        header=cm(1.0),
        bottom=cm(0.8),
        footer=cm(1.0),
    )
    define_styles(doc)
    fills = {
        "표머리 칸": doc.styles.ensure_border_fill(border_color="#000000", fill_color="#E7E6E6"),
        "표본문 칸": doc.styles.ensure_border_fill(border_color="#000000"),
        "합계 칸": doc.styles.ensure_border_fill(border_color="#000000", fill_color="#F2F2F2"),
    }
    stamp_char_shape(
        doc, doc.styles.ensure_border_fill(border_color="#000000", border_width="0.4 mm")
    )
    footer = doc.page.set_footer(text="- ")
    number_footer(doc, footer)
    sample_body(doc, fills)
    report = doc.validate()
    if report.issues:
        raise SystemExit(f"python-hwpx finds the template invalid: {report.issues}")
    return deterministic(doc.to_bytes())


def number_footer(doc: HwpxDocument, footer) -> None:
    """The footer reads "- N -" in the 쪽번호 style: an automatic page number between dashes."""
    style = doc.styles.resolve("쪽번호")
    para = footer.element.find(f".//{HP}p")
    para.set("styleIDRef", str(style.id))
    para.set("paraPrIDRef", str(style.para_pr_id_ref))
    for run in para.findall(f"{HP}run"):
        run.set("charPrIDRef", str(style.char_pr_id_ref))
    number = etree.SubElement(para, f"{HP}run", {"charPrIDRef": str(style.char_pr_id_ref)})
    ctrl = etree.SubElement(number, f"{HP}ctrl")
    auto = etree.SubElement(ctrl, f"{HP}autoNum", {"num": "1", "numType": "PAGE"})
    etree.SubElement(
        auto,
        f"{HP}autoNumFormat",
        {"type": "DIGIT", "userChar": "", "prefixChar": "", "suffixChar": "", "supscript": "0"},
    )
    tail = etree.SubElement(para, f"{HP}run", {"charPrIDRef": str(style.char_pr_id_ref)})
    etree.SubElement(tail, f"{HP}t").text = " -"
    doc.oxml.sections[0].mark_dirty()
    assert HC_NS  # the core namespace is declared by python-hwpx's section root


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("templates"))
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    target = args.out / "report.hwpx"
    target.write_bytes(build_template())
    print(f"wrote {target}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
