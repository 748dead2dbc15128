"""JSON Schemas for the records, generated from the models.

Each record points at its schema with ``$schema`` so an editor (VS Code and
others) completes keys and flags mistakes while staff type. A test keeps the
files in ``records/schema/`` in step with :mod:`reportgen.records.model`.
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


def _city_constraints(settings: ReportSettings | None) -> dict[tuple[str, str], dict[str, Any]]:
    """(definition, field) -> what the city's report.json allows there (None: the root model)."""
    if settings is None:
        return {}
    out: dict[tuple[str, str], dict[str, Any]] = {
        ("PeriodReport", "status"): {"enum": list(settings.statuses)},
        ("PeriodReport", "contacts"): {
            "propertyNames": {"enum": [r.key for r in settings.contact_roles]}
        },
        ("PeriodReport", "participation"): {
            "propertyNames": {"enum": [c.key for c in settings.participation]}
        },
        ("Adjustment", "kind"): {"enum": list(settings.adjustment_kinds)},
    }
    if settings.groups:
        out[("", "group")] = {"enum": [g.key for g in settings.groups]}
    if settings.numbering:
        out[("", "id")] = {"description": f"공약번호, written like {settings.numbering}"}
    return out


def schema_of(
    model: type[Pledge] | type[ReportSettings],
    funding_sources: Sequence[str] | None = None,
    settings: ReportSettings | None = None,
) -> dict[str, Any]:
    """The model's JSON Schema, narrowed to the city's own form where report.json says it.

    The model accepts any source, status, role or group (each city has its own
    lists, checked by ``validate``); the schema names the city's, so an editor
    completes 군비 or 구비, 장기추진, 담당자 where that city writes them.
    """
    if funding_sources is None:
        funding_sources = settings.funding_sources if settings else list(FUNDING_SOURCES)
    schema = model.model_json_schema(by_alias=True, mode="validation")
    for (definition, field), spec in _source_keyed(schema):
        spec["propertyNames"] = {"enum": list(funding_sources)}
        spec.setdefault("description", f"{definition}.{field}: keyed by 재원")
    for (definition, field), constraint in _city_constraints(settings).items():
        body = schema if not definition else schema.get("$defs", {}).get(definition, {})
        spec = body.get("properties", {}).get(field)
        if spec is None:
            continue
        # An optional field is anyOf [its type, null]: narrow the non-null branch.
        target = next((b for b in spec.get("anyOf", ()) if b.get("type") != "null"), spec)
        target.update(constraint)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _source_keyed(schema: dict[str, Any]) -> list[tuple[tuple[str, str], dict[str, Any]]]:
    found = []
    for definition, body in schema.get("$defs", {}).items():
        for field, spec in body.get("properties", {}).items():
            if (definition, field) in _SOURCE_KEYED:
                found.append(((definition, field), spec))
    return found


def render_schema(
    model: type[Pledge] | type[ReportSettings],
    funding_sources: Sequence[str] | None = None,
    settings: ReportSettings | None = None,
) -> str:
    doc = schema_of(model, funding_sources, settings)
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(directory: Path, settings: ReportSettings | None = None) -> list[Path]:
    """Write both schemas, narrowed to ``settings`` (the city's report.json) when given."""
    directory.mkdir(parents=True, exist_ok=True)
    out = []
    for name, model in SCHEMAS.items():
        path = directory / name
        # report.json itself is described by the general model: it is what defines the city.
        city = settings if model is Pledge else None
        path.write_text(render_schema(model, None, city), encoding="utf-8")
        out.append(path)
    return out
