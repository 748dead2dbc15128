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
    from reportgen.load import load_records
    from reportgen.periods import Period
    from reportgen.view import pledge_view

    records = load_records(ROOT / "records")
    assert records.settings is not None
    found = next(p for p in records.pledges if p.id == "1-4-5")
    pledge = pledge_view(found, Period.parse("2022H1"), records.settings)
    notes = [n for t in pledge.money_tables for n in t.notes]
    assert any("908(595)을 1,220(907)으로 바로잡음" in n for n in notes), notes
    assert any("4,335(2,590)를 5,729(3,845)로 바로잡음" in n for n in notes), notes


def test_no_text_leaves_the_particle_to_the_reader() -> None:
    """Nothing composed in the package or the templates writes 은(는), (으)로 …"""
    forms = ("은(는)", "는(은)", "이(가)", "을(를)", "를(을)", "(으)로", "과(와)", "와(과)")
    found = []
    for path in [*ROOT.glob("reportgen/**/*.py"), *ROOT.glob("reportgen/resources/**/*")]:
        if path.name == "josa.py" or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        found += [f"{path.name}: {f}" for f in forms if f in text]
    assert not found, found
