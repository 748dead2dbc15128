"""JSON Schemas for the records, generated from the models.

Each record points at its schema with ``$schema`` so an editor (VS Code and
others) completes keys and flags mistakes while staff type. A test keeps the
files in ``records/schema/`` in step with :mod:`reportgen.model`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .model import FUNDING_SOURCES, Pledge, ReportSettings

SCHEMAS: dict[str, type[Pledge] | type[ReportSettings]] = {
    "pledge.schema.json": Pledge,
    "report.schema.json": ReportSettings,
}


# Objects keyed by funding source (재원) in the budget tables.
_SOURCE_KEYED = {("PlannedSubproject", "sources"), ("PlannedSubproject", "printed_totals")}
_SOURCE_KEYED |= {("SecuredSubproject", "sources"), ("SecuredSubproject", "printed_totals")}


def schema_of(
    model: type[Pledge] | type[ReportSettings], funding_sources: Sequence[str] = FUNDING_SOURCES
) -> dict[str, Any]:
    """The model's JSON Schema; budget tables keyed by the city's own funding sources.

    The model accepts any source name (each city has its own list, checked by
    ``validate``); the schema names the city's, so an editor completes 군비 or
    구비 where that city writes them.
    """
    schema = model.model_json_schema(by_alias=True, mode="validation")
    for (definition, field), spec in _source_keyed(schema):
        spec["propertyNames"] = {"enum": list(funding_sources)}
        spec.setdefault("description", f"{definition}.{field}: keyed by 재원")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _source_keyed(schema: dict[str, Any]) -> list[tuple[tuple[str, str], dict[str, Any]]]:
    found = []
    for definition, body in schema.get("$defs", {}).items():
        for field, spec in body.get("properties", {}).items():
            if (definition, field) in _SOURCE_KEYED:
                found.append(((definition, field), spec))
    return found


def render_schema(
    model: type[Pledge] | type[ReportSettings], funding_sources: Sequence[str] = FUNDING_SOURCES
) -> str:
    doc = schema_of(model, funding_sources)
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path, funding_sources: Sequence[str] = FUNDING_SOURCES) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, model in SCHEMAS.items():
        path = directory / name
        path.write_text(render_schema(model, funding_sources), encoding="utf-8")
        out.append(path)
    return out
