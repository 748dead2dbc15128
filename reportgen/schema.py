"""JSON Schemas for the records, generated from the models.

Each record points at its schema with ``$schema`` so an editor (VS Code and
others) completes keys and flags mistakes while staff type. A test keeps the
files in ``records/schema/`` in step with :mod:`reportgen.model`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .model import Pledge, ReportSettings

SCHEMAS: dict[str, type[Pledge] | type[ReportSettings]] = {
    "pledge.schema.json": Pledge,
    "report.schema.json": ReportSettings,
}


def schema_of(model: type[Pledge] | type[ReportSettings]) -> dict[str, Any]:
    schema = model.model_json_schema(by_alias=True, mode="validation")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def render_schema(model: type[Pledge] | type[ReportSettings]) -> str:
    return json.dumps(schema_of(model), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, model in SCHEMAS.items():
        path = directory / name
        path.write_text(render_schema(model), encoding="utf-8")
        out.append(path)
    return out
