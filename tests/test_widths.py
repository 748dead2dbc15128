"""Column widths fitted to the cells (issue 24): no "(20,609" / ")", no "정상추/진",
no 분야 name over five lines; the DOCX and the HWPX take the view's widths."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.records.load import load_records
from reportgen.records.periods import Period
from reportgen.report.view import report_view
from reportgen.report.widths import fit, lines_cm, longest_word_cm, text_cm

ROOT = Path(__file__).resolve().parent.parent
TWIPS_PER_CM = 1440 / 2.54


def test_fit_gives_each_column_its_need_and_the_rest_by_share() -> None:
    widths = fit([4.0, 1.0, 1.0], [1.0, 2.0, 0.5], 6.0)
    assert widths[1] == pytest.approx(2.0) and sum(widths) == pytest.approx(6.0)
    assert widths[0] / widths[2] == pytest.approx(4.0)  # the others keep their proportions
    assert fit([1.0, 1.0], [4.0, 4.0], 6.0) == (3.0, 3.0)  # needs beyond the page: squeezed evenly
    assert longest_word_cm(["33,120 (20,609)"]) == pytest.approx(longest_word_cm(["(20,609)"]))
    assert text_cm("정상추진") > text_cm("1,234")


def _report(name: str, period: str):
    records = load_records(ROOT / "examples" / name)
    assert records.settings is not None
    return report_view(records.pledges, Period.parse(period), records.settings)


@pytest.mark.parametrize(
    ("name", "period"), [("gun", "2024H1"), ("gu", "2024H1"), ("goyang", "2022H1")]
)
def test_every_money_column_holds_its_longest_figure(name: str, period: str) -> None:
    for pledge in _report(name, period).pledges:
        for table in (pledge.plan_table, pledge.secured_table):
            assert len(table.widths) == 3 + len(table.column_labels)
            assert sum(table.widths) == pytest.approx(17.0)
            rows = (table.grand_total, *table.rows)
            totals = ["계", *(r.total.text for r in rows)]
            assert table.widths[2] >= longest_word_cm(totals) - 1e-9
            for i, label in enumerate(table.column_labels):
                cells = [label, *(r.cells[i].text for r in rows)]
                assert table.widths[3 + i] >= longest_word_cm(cells) - 1e-9


def test_a_wide_total_widens_the_total_column() -> None:
    """ "33,120 (20,609)": "(20,609)" does not fit the 1.6 cm 계; the column grows to it."""
    from reportgen.records.periods import FiscalColumn
    from reportgen.report.view import MoneyCell, MoneyRow, money_widths

    cell = MoneyCell(None, None, "33,120 (20,609)")
    row = MoneyRow("사업", "restart", 1, "국비", "source", cell, (cell,) * 7)
    columns = [
        FiscalColumn(k, k) for k in ("기투자", "2018", "2019", "2020", "2021", "2022", "임기후")
    ]
    widths = money_widths([c.key for c in columns], [c.label for c in columns], [row], row)
    assert widths[2] > 1.6 and widths[2] >= longest_word_cm(["(20,609)"])


@pytest.mark.parametrize("name", ["gun", "gu"])
def test_tally_headings_stay_whole_and_names_take_few_lines(name: str) -> None:
    report = _report(name, "2024H1")
    for table in (report.group_table, report.department_table):
        assert table is not None and len(table.weights) == len(table.columns)
        widths = [w / TWIPS_PER_CM for w in table.weights]
        for i, head in enumerate(table.head[0].cells):
            assert widths[i] >= longest_word_cm([head.text]) - 0.01, head.text  # 정상추진
        names = [r.cells[0].text for r in table.rows]
        assert widths[0] >= lines_cm(names, 3) - 0.01


def _wide_gun(tmp_path: Path) -> Path:
    """가람군 with a year of 33,120 secured and 20,609 executed: its 계 needs more than 1.6 cm."""
    import json
    import shutil

    records = tmp_path / "records"
    shutil.copytree(ROOT / "examples" / "gun", records)
    raw = json.loads((records / "1-1.json").read_text(encoding="utf-8"))
    raw["reports"]["2024H1"]["budget"]["secured"][0]["sources"]["국비"]["2022"] = {
        "secured": 33120,
        "executed": 20609,
    }
    (records / "1-1.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    return records


def test_the_docx_lays_out_the_views_widths(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["build", "--records", str(_wide_gun(tmp_path)), "--out", str(out)]
    result = CliRunner().invoke(main, [*args, "--templates", str(ROOT / "templates")])
    assert result.exit_code == 0, result.output
    (booklet,) = out.glob("*.docx")
    document = docx.Document(str(booklet))
    report = _report("gun", "2024H1")
    group = report.group_table
    assert group is not None
    money = tallies = wide = 0
    for table in document.tables:
        first = [c.text for c in table.rows[0].cells]
        if first[:3] == ["공약사업명", "구분", "계"]:
            grid = [c.width for c in table.columns]
            total = sum(grid)
            need = longest_word_cm(c.text for r in table.rows for c in r.cells[2:3])
            assert grid[2] / total * 17.0 >= need - 0.005
            money += 1
            wide += need > 1.6  # wider than the old fixed 계: this table was widened
        if first[0] == group.head[0].cells[0].text and len(first) == len(group.columns):
            grid = [c.width for c in table.columns]
            shares = [g / sum(grid) for g in grid]
            expected = [w / sum(group.weights) for w in group.weights]
            assert shares == pytest.approx(expected, abs=0.01)
            tallies += 1
    assert money >= 6 and tallies == 1 and wide >= 1


def test_the_hwpx_lays_out_the_views_widths(tmp_path: Path) -> None:
    """The HWPX takes the same widths: each money table's 계 holds its longest figure."""
    import io
    import re
    import zipfile

    from lxml import etree

    records = _wide_gun(tmp_path)
    out = tmp_path / "out"
    args = ["build", "--records", str(records), "--out", str(out), "--hwpx"]
    result = CliRunner().invoke(main, [*args, "--templates", str(ROOT / "templates")])
    assert result.exit_code == 0, result.output
    (booklet,) = out.glob("*.hwpx")
    hp = "{http://www.hancom.co.kr/hwpml/2011/paragraph}"
    checked = wide = 0
    with zipfile.ZipFile(io.BytesIO(booklet.read_bytes())) as z:
        for name in z.namelist():
            if not re.fullmatch(r"Contents/section\d+\.xml", name):
                continue
            for tbl in etree.fromstring(z.read(name)).iter(f"{hp}tbl"):
                rows = [
                    [("".join(tc.itertext()).strip(), tc) for tc in tr.findall(f"{hp}tc")]
                    for tr in tbl.findall(f"{hp}tr")
                ]
                if [t for t, _ in rows[0][:3]] != ["공약사업명", "구분", "계"]:
                    continue
                widths = [int(tc.find(f"{hp}cellSz").get("width")) for _, tc in rows[0]]
                totals = []
                for row in rows:
                    for text, tc in row:
                        if tc.find(f"{hp}cellAddr").get("colAddr") == "2":
                            totals.append(text)
                need = longest_word_cm(totals)
                assert widths[2] / sum(widths) * 17.0 >= need - 0.005, (totals, widths)
                checked += 1
                wide += need > 1.6  # wider than the old fixed 계: this table was widened
    assert checked >= 6 and wide >= 1  # the wide 계 was among them
