"""Stage 1: read ``records/`` into typed models, collecting every problem.

Reading never stops at the first bad file: each file is decoded, parsed,
cleaned (:mod:`reportgen.text`) and typed (:mod:`reportgen.model`), and every
failure becomes a :class:`~reportgen.errors.Problem` naming the file and the
JSON path. :mod:`reportgen.validate` then applies the rules beyond the schema.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .errors import Problem, Severity
from .model import Pledge, Record, ReportSettings
from .text import clean_tree

SETTINGS_FILE = "report.json"
# A record file is a few hundred kilobytes at most; a much larger one is a
# mistake (a pasted export) and would only slow every reader down.
MAX_FILE_BYTES = 5 * 1024 * 1024


@dataclass
class RecordSet:
    """Everything read from one records directory."""

    directory: Path
    settings: ReportSettings | None
    origins: list[tuple[Pledge, Path]]  # each pledge with the file it came from
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, bytes] = field(default_factory=dict)  # file name -> bytes as read

    @property
    def pledges(self) -> list[Pledge]:
        return [pledge for pledge, _ in self.origins]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


class _Object(dict):  # type: ignore[type-arg]
    """A JSON object that remembers keys it held twice (JSON keeps only the last)."""

    duplicates: tuple[str, ...] = ()


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    plain = dict(pairs)
    if len(plain) == len(pairs):
        return plain  # the common case, and the fast one
    out = _Object(plain)  # the rare case: find which keys came twice
    seen: set[str] = set()
    dups = []
    for key, _ in pairs:
        if key in seen:
            dups.append(key)
        seen.add(key)
    out.duplicates = tuple(dups)
    return out


def _duplicates(node: Any, path: str, display: str, problems: list[Problem]) -> None:
    if isinstance(node, dict):
        for key in getattr(node, "duplicates", ()):
            problems.append(
                Problem(display, path, f"key {key!r} appears twice in this object; keep one")
            )
        for key, value in node.items():
            _duplicates(value, f"{path}.{key}", display, problems)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _duplicates(value, f"{path}[{i}]", display, problems)


def read_json(
    path: Path, display: str, problems: list[Problem], store: dict[str, bytes] | None = None
) -> Any | None:
    """Decode and parse one file; on failure add a problem and return None."""
    try:
        data = path.read_bytes()
        if store is not None:
            store[display] = data
    except OSError as exc:
        problems.append(Problem(display, "", f"cannot read the file: {exc.strerror}"))
        return None
    if len(data) > MAX_FILE_BYTES:
        problems.append(
            Problem(
                display, "", f"file is {len(data):,} bytes; a record is at most {MAX_FILE_BYTES:,}"
            )
        )
        return None
    try:
        # utf-8-sig accepts the byte-order mark Windows Notepad writes.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                display,
                "",
                f"not UTF-8 at byte {exc.start} (line {line}): save the file as UTF-8 "
                "(한글 파일은 UTF-8로 저장하세요; CP949/EUC-KR is not accepted)",
            )
        )
        return None
    if not text.strip():
        problems.append(Problem(display, "", "the file is empty; a record is a JSON object { … }"))
        return None
    try:
        tree = json.loads(text, parse_float=Decimal, object_pairs_hook=_object)
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                display, "", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            )
        )
        return None
    before = len(problems)
    _duplicates(tree, "$", display, problems)
    # Which of two values was meant is unknown: type nothing until it is fixed.
    return tree if len(problems) == before else None


def _models() -> list[type[BaseModel]]:
    out: list[type[BaseModel]] = []
    stack: list[type[BaseModel]] = [Record]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls is not Record:
            out.append(cls)
    return out


def _fields(cls: type[BaseModel]) -> set[str]:
    return {info.alias or name for name, info in cls.model_fields.items()}


def _all_field_names() -> list[str]:
    return sorted(set().union(*(_fields(cls) for cls in _models())))


def _keys_valid_beside(siblings: set[str]) -> list[str]:
    """Field names of the model that best fits an object holding ``siblings``.

    A typo inside a report ("statuss") should suggest that object's own key
    ("status"), not a look-alike from another file ("statuses").
    """
    best: set[str] = set()
    best_overlap = -1
    for cls in _models():
        fields = _fields(cls)
        overlap = len(fields & siblings)
        if overlap > best_overlap or (overlap == best_overlap and len(fields) < len(best)):
            best, best_overlap = fields, overlap
    return sorted(best) if best_overlap > 0 else _all_field_names()


def _parent(raw: Any, loc: tuple[int | str, ...]) -> Any:
    node = raw
    for part in loc[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _loc_path(loc: tuple[int | str, ...]) -> str:
    out = "$"
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "[key]":
            out += " (key)"
        else:
            out += f".{part}"
    return out


def _message(err: dict[str, Any], raw: Any) -> str:
    kind = err["type"]
    loc = err["loc"]
    if kind == "extra_forbidden":
        key = str(loc[-1])
        parent = _parent(raw, loc)
        siblings = set(parent) - {key} if isinstance(parent, dict) else set()
        close = difflib.get_close_matches(key, _keys_valid_beside(siblings), n=1)
        if not close:
            close = difflib.get_close_matches(key, _all_field_names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {key!r}{hint}"
    if kind == "missing":
        return f"required key {loc[-1]!r} is missing"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        return (
            f"text is {len(err['input']):,} characters; one item is one line of a report "
            f"(at most {limit:,}): split it into several items"
        )
    if kind == "string_too_short":
        return "text is empty: write the text or leave the entry out"
    if kind in ("dict_type", "model_type"):
        return f"expected an object {{ … }}, found {type(err['input']).__name__}"
    if kind == "list_type":
        return f"expected a list [ … ], found {type(err['input']).__name__}"
    if kind == "literal_error" and "[key]" in [str(x) for x in loc]:
        return f"{err['input']!r} is not a funding source; write 국비, 도비, 시비 or 기타"
    return msg


def type_record(
    model: type[BaseModel], raw: Any, display: str, problems: list[Problem]
) -> Any | None:
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                display,
                "$",
                f"expected a JSON object {{ … }} at the top, found {type(raw).__name__}",
            )
        )
        return None
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        for err in exc.errors():
            problems.append(Problem(display, _loc_path(err["loc"]), _message(dict(err), raw)))
        return None


def _read_clean(
    path: Path, display: str, problems: list[Problem], store: dict[str, bytes]
) -> Any | None:
    raw = read_json(path, display, problems, store)
    if raw is None:
        return None

    def warn(where: str, message: str) -> None:
        problems.append(Problem(display, where, message, Severity.WARNING))

    def error(where: str, message: str) -> None:
        problems.append(Problem(display, where, message))

    return clean_tree(raw, warn, error)


def load_records(directory: Path) -> RecordSet:
    """Read ``report.json`` and every pledge file (``<id>.json``) of ``directory``."""
    problems: list[Problem] = []
    settings: ReportSettings | None = None
    origins: list[tuple[Pledge, Path]] = []
    sources: dict[str, bytes] = {}
    if not directory.is_dir():
        problems.append(Problem(str(directory), "", "records directory not found"))
        return RecordSet(directory, None, [], problems)

    settings_path = directory / SETTINGS_FILE
    if settings_path.is_file():
        raw = _read_clean(settings_path, SETTINGS_FILE, problems, sources)
        if raw is not None:
            settings = type_record(ReportSettings, raw, SETTINGS_FILE, problems)
    else:
        problems.append(
            Problem(
                SETTINGS_FILE, "", "missing: the report settings (city, term, statuses) live here"
            )
        )

    for path in sorted(directory.glob("*.json")):
        if path.name == SETTINGS_FILE:
            continue
        display = path.name
        raw = _read_clean(path, display, problems, sources)
        if raw is None:
            continue
        pledge = type_record(Pledge, raw, display, problems)
        if pledge is not None:
            origins.append((pledge, path))
    origins.sort(key=lambda o: (o[0].sort_key, o[0].id, o[1].name))
    return RecordSet(directory, settings, origins, problems, sources)
