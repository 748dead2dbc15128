"""reportgen.records.schema: the committed JSON Schemas are in step with the models and check the records."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from reportgen.cli import main
from reportgen.records.model import Pledge, ReportSettings
from reportgen.records.schema import SCHEMAS, render_schema, write_schemas

pytestmark = pytest.mark.usefixtures("english_messages")  # asserts on English messages

PLEDGE_FILES = ["1-4-3.json", "1-4-5.json"]


def _validator(records_dir: Path, name: str) -> jsonschema.protocols.Validator:
    schema = json.loads((records_dir / "schema" / name).read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_schema_is_in_step_with_the_model(
    records_dir: Path, name: str, settings: ReportSettings
) -> None:
    committed = (records_dir / "schema" / name).read_text(encoding="utf-8")
    city = settings if name == "pledge.schema.json" else None
    assert committed == render_schema(SCHEMAS[name], None, city), (
        f"records/schema/{name} is out of step with reportgen/model.py: "
        "run `reportgen schema` and commit the result"
    )


def test_schema_command_writes_the_same_files(tmp_path: Path, records_dir: Path) -> None:
    result = CliRunner().invoke(main, ["schema", "--out", str(tmp_path / "schema")])
    assert result.exit_code == 0, result.output
    for name in SCHEMAS:
        assert f"wrote {tmp_path / 'schema' / name}" in result.output
        assert (tmp_path / "schema" / name).read_bytes() == (
            records_dir / "schema" / name
        ).read_bytes()


def test_write_schemas_is_deterministic(tmp_path: Path) -> None:
    first = {p.name: p.read_bytes() for p in write_schemas(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in write_schemas(tmp_path / "b")}
    assert first == second and set(first) == set(SCHEMAS)


def test_schema_keeps_korean_unescaped() -> None:
    text = render_schema(Pledge)
    assert "공약번호" in text and "\\u" not in text
    assert json.loads(render_schema(ReportSettings))["$schema"].startswith(
        "https://json-schema.org/"
    )


@pytest.mark.parametrize(
    ("file", "schema"),
    [("report.json", "report.schema.json")] + [(f, "pledge.schema.json") for f in PLEDGE_FILES],
)
def test_each_record_points_at_its_schema(records_dir: Path, file: str, schema: str) -> None:
    raw = json.loads((records_dir / file).read_text(encoding="utf-8"))
    ref = raw.get("$schema")
    assert ref == f"schema/{schema}", f"{file}: $schema should be schema/{schema}"
    assert (records_dir / ref).resolve() == (records_dir / "schema" / schema).resolve()
    assert (records_dir / ref).is_file()


def test_every_pledge_file_is_covered(records_dir: Path) -> None:
    files = sorted(p.name for p in records_dir.glob("*.json") if p.name != "report.json")
    assert files == PLEDGE_FILES


@pytest.mark.parametrize(
    ("file", "schema"),
    [("report.json", "report.schema.json")] + [(f, "pledge.schema.json") for f in PLEDGE_FILES],
)
def test_shipped_records_validate_against_the_schema(
    records_dir: Path, file: str, schema: str
) -> None:
    raw = json.loads((records_dir / file).read_text(encoding="utf-8"))
    errors = [e.message for e in _validator(records_dir, schema).iter_errors(raw)]
    assert errors == []


def test_minimal_pledge_validates_against_the_schema(records_dir: Path, make_pledge) -> None:
    validator = _validator(records_dir, "pledge.schema.json")
    assert list(validator.iter_errors(make_pledge())) == []


def _set(pledge: dict[str, Any], path: list[str | int], value: Any) -> dict[str, Any]:
    node: Any = pledge
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return pledge


BUDGET = ["reports", "2022H1", "budget"]
FIGURE = [*BUDGET, "plan", 0, "sources", "시비", "2018"]


@pytest.mark.parametrize(
    ("path", "value"),
    [
        pytest.param(["id"], "../../x", id="id"),
        pytest.param(["titel"], "x", id="unknown-key"),
        pytest.param(FIGURE, -5, id="negative"),
        pytest.param(FIGURE, "abc", id="text-figure"),
        pytest.param(["achievements", 0, "period"], "2022X", id="period"),
        pytest.param(["reports", "2022H1", "contacts"], [], id="list-for-object"),
        pytest.param(["achievements", 0, "entries", 0, "text"], "가" * 2001, id="long"),
        pytest.param(["reports", "2022H1", "participation", "media"], -1, id="count"),
    ],
)
def test_schema_and_model_reject_the_same_mistakes(
    records_dir: Path, make_pledge, path: list[str | int], value: Any
) -> None:
    pledge = _set(make_pledge(), path, value)
    validator = _validator(records_dir, "pledge.schema.json")
    assert list(validator.iter_errors(pledge)), "the schema accepts it"
    with pytest.raises(ValueError):
        Pledge.model_validate(pledge)


def test_schema_rejects_a_malformed_report_period_key(records_dir: Path, make_pledge) -> None:
    pledge = make_pledge()
    pledge["reports"]["2022X"] = pledge["reports"].pop("2022H1")
    with pytest.raises(ValueError):
        Pledge.model_validate(pledge)
    validator = _validator(records_dir, "pledge.schema.json")
    assert list(validator.iter_errors(pledge)), "the schema accepts reports.2022X"


def test_schema_names_the_citys_funding_sources(records_dir: Path, make_pledge, tmp_path) -> None:
    """Editor completion shows the city's 재원; the model leaves the check to validate."""
    pledge = _set(make_pledge(), [*BUDGET, "plan", 0, "sources", "구비"], {"2018": 1})
    goyang = _validator(records_dir, "pledge.schema.json")
    assert list(goyang.iter_errors(pledge)), "Goyang's schema accepts 구비"
    gu = json.loads(render_schema(SCHEMAS["pledge.schema.json"], ["국비", "시비", "구비", "민자"]))
    cls = jsonschema.validators.validator_for(gu)
    assert not list(cls(gu).iter_errors(pledge))
    # `reportgen schema` takes the list from the records' report.json.
    records = tmp_path / "records"
    records.mkdir()
    settings = json.loads((records_dir / "report.json").read_text(encoding="utf-8"))
    settings["funding_sources"] = ["국비", "시비", "구비", "민자"]
    (records / "report.json").write_text(json.dumps(settings, ensure_ascii=False), "utf-8")
    result = CliRunner().invoke(main, ["schema", "--records", str(records)])
    assert result.exit_code == 0, result.output
    written = json.loads((records / "schema" / "pledge.schema.json").read_text(encoding="utf-8"))
    assert written == json.loads(
        render_schema(SCHEMAS["pledge.schema.json"], None, ReportSettings.model_validate(settings))
    )
    assert not list(jsonschema.validators.validator_for(written)(written).iter_errors(pledge))


def test_schema_completes_the_citys_statuses_roles_and_groups(make_pledge) -> None:
    """A 군 with its own statuses, one contact role and 분야: the editor offers exactly those."""
    city = ReportSettings.model_validate(
        {
            "city": "가람군",
            "term": {"name": "민선8기", "start": "2022H2", "end": "2026H1"},
            "statuses": ["완료", "추진중", "장기추진"],
            "done_statuses": ["완료"],
            "contact_roles": [{"key": "officer", "label": "담당자"}],
            "groups": [{"key": "1", "name": "일자리"}],
        }
    )
    schema = json.loads(render_schema(SCHEMAS["pledge.schema.json"], None, city))
    validator = jsonschema.validators.validator_for(schema)(schema)
    pledge = make_pledge()
    assert list(validator.iter_errors(pledge))  # 정상추진 and 과장/팀장 are not this city's
    report = pledge["reports"]["2022H1"]
    report["status"] = "장기추진"
    report["contacts"] = {"officer": report["contacts"]["officer"]}
    pledge["group"] = "1"
    assert not list(validator.iter_errors(pledge))
    pledge["group"] = "9"
    assert list(validator.iter_errors(pledge))
