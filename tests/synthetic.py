"""Realistic synthetic records for benchmarks and fault tests.

Each synthetic pledge is shaped like the seed pledge 1-4-5 (about three
pages: dozens of items over five periods, three budget sub-projects, two
money tables, problems and measures), with its own id, title and figures,
drawn from a seeded generator so every run makes the same records.
"""

from __future__ import annotations

import copy
import json
import random
import shutil
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED_PLEDGE = ROOT / "records" / "1-4-5.json"


def _ids(n: int) -> list[str]:
    out: list[str] = []
    area, strategy, item = 1, 1, 1
    while len(out) < n:
        out.append(f"{area}-{strategy}-{item}")
        item += 1
        if item > 12:
            item, strategy = 1, strategy + 1
        if strategy > 5:
            strategy, area = 1, area + 1
    return out


def _vary_amounts(node: Any, rng: random.Random) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key in ("printed_totals", "printed_grand_total"):
                continue  # legacy totals would not match varied figures
            out[key] = _vary_amounts(value, rng)
        if "secured" in out and "executed" in out and isinstance(out["secured"], int):
            out["executed"] = min(out["executed"], out["secured"])
        return out
    if isinstance(node, list):
        return [_vary_amounts(v, rng) for v in node]
    if isinstance(node, int) and not isinstance(node, bool):
        return max(0, node + rng.randint(-node // 5 - 1, node // 5 + 1))
    return node


def _vary_text(node: Any, rng: random.Random, tag: str) -> Any:
    if isinstance(node, dict):
        return {
            k: (f"{v} ({tag})" if k == "text" and rng.random() < 0.2 else _vary_text(v, rng, tag))
            for k, v in node.items()
        }
    if isinstance(node, list):
        return [_vary_text(v, rng, tag) for v in node]
    return node


def synthetic_pledge(pledge_id: str, rng: random.Random, base: dict[str, Any]) -> dict[str, Any]:
    record = copy.deepcopy(base)
    record["id"] = pledge_id
    record["title"] = f"{base['title']} {pledge_id}"
    record["achievements"] = _vary_text(record["achievements"], rng, pledge_id)
    record["plans"] = _vary_text(record["plans"], rng, pledge_id)
    for report in record["reports"].values():
        if "budget" in report:
            report["budget"] = _vary_amounts(report["budget"], rng)
    return record


def write_synthetic_records(directory: Path, n: int, seed: int = 7) -> list[str]:
    """Write report.json and ``n`` pledge files into ``directory``; return the ids."""
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "records" / "report.json", directory / "report.json")
    schema = ROOT / "records" / "schema"
    if schema.is_dir():
        shutil.copytree(schema, directory / "schema", dirs_exist_ok=True)
    base = json.loads(SEED_PLEDGE.read_text(encoding="utf-8"))
    rng = random.Random(seed)
    ids = _ids(n)
    for pledge_id in ids:
        record = synthetic_pledge(pledge_id, rng, base)
        (directory / f"{pledge_id}.json").write_text(
            json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
        )
    return ids
