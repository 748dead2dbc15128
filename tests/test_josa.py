"""Korean particles chosen as a person writes them (reportgen/josa.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen import josa

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("word", "pair", "expected"),
    [
        # Figures are read as numbers: the last syllable said decides.
        ("908", "을", "908을"),  # 구백팔
        ("908(595)", "을(를)", "908(595)을"),  # the bracket aside, as a reader does
        ("1,220(907)", "(으)로", "1,220(907)으로"),  # 천이백이십
        ("1,220 (907)", "으로/로", "1,220 (907)으로"),
        ("7", "로", "7로"),  # 칠: ㄹ takes 로
        ("3", "로", "3으로"),  # 삼
        ("2", "은", "2는"),  # 이
        ("10,000", "이", "10,000이"),  # 만
        ("20,000,000", "을", "20,000,000을"),  # 이천만
        ("100", "과", "100과"),  # 백
        ("1,000", "와", "1,000과"),  # 천
        ("0", "은", "0은"),  # 영
        ("12.5", "이", "12.5가"),  # 십이 점 오
        ("64.0%", "이", "64.0%가"),  # 퍼센트
        # Words: the final consonant of the last syllable.
        ("고양시", "은", "고양시는"),
        ("가람군", "은", "가람군은"),
        ("서울", "으로", "서울로"),
        ("폐기 1개", "은(는)", "폐기 1개는"),
        ("「고양시통합일자리센터」", "을", "「고양시통합일자리센터」를"),
        ("LH", "이", "LH가"),  # 에이치
        ("CCTV", "와", "CCTV와"),  # 브이
        ("(가)", "을", "(가)를"),
    ],
)
def test_particle_follows_the_word_as_read(word: str, pair: str, expected: str) -> None:
    assert josa.attach(word, pair) == expected


def test_unreadable_word_keeps_both_forms() -> None:
    assert josa.particle("", "은") == "은(는)"
    assert josa.particle("—", "으로") == "(으)로"


def test_unknown_pair_is_refused() -> None:
    with pytest.raises(ValueError):
        josa.particle("고양시", "의")


def test_corrected_total_note_reads_as_written_on_goyang_page() -> None:
    """1-4-5's ※ notes choose their particles: 908(595)을 … 1,220(907)으로 바로잡음."""
    from reportgen.records.load import load_records
    from reportgen.records.periods import Period
    from reportgen.report.view import pledge_view

    records = load_records(ROOT / "records")
    assert records.settings is not None
    found = next(p for p in records.pledges if p.id == "1-4-5")
    pledge = pledge_view(found, Period.parse("2022H1"), records.settings)
    notes = [n for t in pledge.money_tables for n in t.notes]
    assert any("908(595)을 1,220(907)으로 바로잡음" in n for n in notes), notes
    assert any("4,335(2,590)를 5,729(3,845)로 바로잡음" in n for n in notes), notes


FORMS = ("은(는)", "는(은)", "이(가)", "을(를)", "를(을)", "(으)로", "과(와)", "와(과)")


def _outside_tr(source: str) -> list[str]:
    """Both-form particles in string literals that do not reach tr()'s Korean sentence."""
    import ast

    tree = ast.parse(source)
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "tr" and node.args:
            inside.update(id(n) for n in ast.walk(node.args[0]))
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            inside.add(id(node.value))  # a docstring: prose about particles, not composed
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in inside
        ):
            found += [f"line {node.lineno}: {f}" for f in FORMS if f in node.value]
    return found


def test_no_text_leaves_the_particle_to_the_reader() -> None:
    """Composed text chooses its particles: in the view and writers by josa.attach, in
    messages by tr(), which resolves "은(는)" … by the word before it when it runs."""
    found = []
    for path in ROOT.glob("reportgen/**/*.py"):
        if path.name != "josa.py":
            found += [f"{path.name} {f}" for f in _outside_tr(path.read_text(encoding="utf-8"))]
    for path in ROOT.glob("reportgen/resources/**/*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8", errors="replace")
            found += [f"{path.name}: {f}" for f in FORMS if f in text]
    for path in ROOT.glob("templates/*"):
        import zipfile

        with zipfile.ZipFile(path) as z:
            xml = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        found += [f"{path.name}: {f}" for f in FORMS if f in xml]
    assert not found, found


def test_messages_choose_their_particles_when_they_run() -> None:
    from reportgen.i18n import tr

    assert (
        josa.resolve("908(595)을(를) 1,220(907)(으)로 바로잡음")
        == "908(595)을 1,220(907)으로 바로잡음"
    )
    assert tr("공약 1-4-5이(가) 기록에 없습니다", "x") == "공약 1-4-5가 기록에 없습니다"
    assert tr("키 'a'와(과) '밥'은(는) 같습니다", "x") == "키 'a'와 '밥'은 같습니다"
    assert josa.resolve("(으)로 시작") == "(으)로 시작"  # nothing before it: left as written
