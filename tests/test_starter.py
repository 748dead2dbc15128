"""``reportgen init``: a new city's records directory that validates and builds at once."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.intake.starter import SOURCES, term_name
from reportgen.records.periods import Period

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages


def _init(directory: Path, *args: str, input: str | None = None):
    return CliRunner().invoke(main, ["init", str(directory), *args], input=input)


def test_init_writes_a_city_that_validates_and_builds(tmp_path: Path) -> None:
    city = tmp_path / "가람군"
    result = _init(city, "--city", "가람군", "--kind", "군", "--start", "2022H2")
    assert result.exit_code == 0, result.output
    settings = json.loads((city / "report.json").read_text(encoding="utf-8"))
    assert settings["term"] == {"name": "민선8기", "start": "2022H2", "end": "2026H1"}
    assert settings["funding_sources"] == ["국비", "도비", "군비", "기타"]
    schema = json.loads((city / "schema" / "pledge.schema.json").read_text(encoding="utf-8"))
    assert "군비" in json.dumps(schema, ensure_ascii=False)
    runner = CliRunner()
    checked = runner.invoke(main, ["validate", "--records", str(city)])
    assert checked.exit_code == 0, checked.output
    assert "unconfirmed draft" in checked.output  # the sample says it is one
    out = tmp_path / "out"
    built = runner.invoke(main, ["build", "--records", str(city), "--out", str(out)])
    assert built.exit_code == 0, built.output
    assert (out / "manifest.json").is_file()


def test_a_by_election_term_starts_and_ends_in_its_months(tmp_path: Path) -> None:
    """--start 2021-04 (a by-election) is kept as the month; the cover then says 2021.4."""
    city = tmp_path / "보궐시"
    args = ["--city", "보궐시", "--kind", "시", "--start", "2021-04", "--end", "2022-06"]
    result = _init(city, *args)
    assert result.exit_code == 0, result.output
    settings = json.loads((city / "report.json").read_text(encoding="utf-8"))
    assert settings["term"] == {"name": "민선7기", "start": "2021-04", "end": "2022-06"}
    runner = CliRunner()
    checked = runner.invoke(main, ["validate", "--records", str(city)])
    assert checked.exit_code == 0, checked.output
    from reportgen.records.load import load_records

    term = load_records(city).settings.term.to_term()  # type: ignore[union-attr]
    assert (term.start_month, term.end_month, term.span_label) == (4, 6, "2021.4. ~ 2022.6.")


def test_init_asks_what_it_is_not_told(tmp_path: Path) -> None:
    city = tmp_path / "누리구"
    result = _init(city, input="누리구\n구\n2022H2\n")
    assert result.exit_code == 0, result.output
    settings = json.loads((city / "report.json").read_text(encoding="utf-8"))
    assert settings["city"] == "누리구"
    assert settings["funding_sources"] == SOURCES["구"] == ["국비", "시비", "구비", "기타"]


def test_init_never_writes_into_an_existing_folder(tmp_path: Path) -> None:
    city = tmp_path / "city"
    city.mkdir()
    (city / "mine.txt").write_text("hand-written", encoding="utf-8")
    result = _init(city, "--city", "가람군", "--kind", "군", "--start", "2022H2")
    assert result.exit_code == 1
    assert "already exists and is not empty" in result.output
    assert [p.name for p in city.iterdir()] == ["mine.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".reportgen-init")]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--start", "2022"], "is a year"),
        (["--start", "2022H2", "--end", "2020H1"], "ends (2020H1) before it starts"),
        (["--start", "2021-09", "--end", "2021-08"], "ends (2021-08) before it starts (2021-09)"),
        (["--start", "2021-13"], "2021-13"),
        (["--start", "2022H2", "--numbering", "1/1"], "cannot hold '/'"),
    ],
)
def test_bad_answers_get_a_clear_error(tmp_path: Path, args: list[str], words: str) -> None:
    result = _init(tmp_path / "c", "--city", "가람군", "--kind", "군", *args)
    assert result.exit_code == 1, result.output
    assert words in result.output and "Traceback" not in result.output
    assert not (tmp_path / "c").exists()


def test_term_names() -> None:
    assert [term_name(Period.parse(p)) for p in ("2018H2", "2022H2", "2026H2")] == [
        "민선7기",
        "민선8기",
        "민선9기",
    ]
