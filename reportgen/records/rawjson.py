"""A record file's raw JSON, edited in place (원본 JSON 편집): parse, add keys in order, write back.

The commands that change records (``new-period``, ``intake import``, ``confirm``, ``init --pledges``)
edit the file's own JSON rather than the typed model, so that a rewritten file keeps
its key order and its numerals (amounts as :class:`~decimal.Decimal`, 12.50 stays
12.50), and a diff shows only what was added.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from .model import PeriodReport, Pledge

# Keys of a pledge file, and of one report in it, in the order the model (and the schema) lists them.
PLEDGE_KEYS = [info.alias or name for name, info in Pledge.model_fields.items()]
REPORT_KEYS = [info.alias or name for name, info in PeriodReport.model_fields.items()]
# Keys of an achievements/plans group.
GROUP_KEYS = ["period", "draft", "entries"]


def parse(data: bytes) -> Any:
    """A record file's bytes as JSON, amounts as Decimal.

    The same decoding as load.read_json (a byte-order mark is accepted, not written back).
    """
    return json.loads(data.decode("utf-8-sig"), parse_float=Decimal)


def _number(value: int | float | Decimal) -> str:
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a JSON number")
        return str(value)  # the numeral as written: 12.50 stays 12.50, 1E+3 is JSON too
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{value} is not a JSON number")
        return float.__repr__(value)
    return int.__repr__(value)


def dumps(value: Any, indent: str = "") -> str:
    """JSON text as ``json.dumps(value, ensure_ascii=False, indent=2)`` writes it, Decimals as numbers."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float, Decimal)):
        return _number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    inner = indent + "  "
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{dumps(str(k))}: {dumps(v, inner)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        items = [inner + dumps(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def file_bytes(value: Any) -> bytes:
    """A record file's bytes as reportgen writes one: UTF-8 (no BOM), :func:`dumps`, a final newline."""
    return (dumps(value) + "\n").encode("utf-8")


def insert_key(obj: dict[str, Any], key: str, value: Any, order: list[str]) -> dict[str, Any]:
    """A copy of ``obj`` with ``key`` added before the first key that ``order`` puts after it."""
    rank = {k: i for i, k in enumerate(order)}
    mine = rank.get(key, len(order))
    out: dict[str, Any] = {}
    placed = False
    for k, v in obj.items():
        if not placed and rank.get(k, -1) > mine:
            out[key] = value
            placed = True
        out[k] = v
    if not placed:
        out[key] = value
    return out


def put_key(obj: dict[str, Any], key: str, value: Any, order: list[str]) -> dict[str, Any]:
    """A copy of ``obj`` with ``key`` set to ``value``: in its place if present, else in ``order``."""
    if key in obj:
        out = dict(obj)
        out[key] = value
        return out
    return insert_key(obj, key, value, order)
