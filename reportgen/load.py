"""Stage 1: read ``records/`` into typed models, collecting every problem.

Reading never stops at the first bad file: each file is decoded, parsed,
cleaned (:mod:`reportgen.text`) and typed (:mod:`reportgen.model`), and every
failure becomes a :class:`~reportgen.errors.Problem` naming the file and the
JSON path. :mod:`reportgen.validate` then applies the rules beyond the schema.
"""

from __future__ import annotations

import difflib
import gc
import json
import os
import re
import stat
import unicodedata
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from .bulk import bulk_allocation
from .errors import Problem, Severity, quote
from .model import Pledge, Record, ReportSettings
from .text import BULLETS, FIRST_SUSPECT, PRINTABLE_IS_ENOUGH, clean_tree, printable

SETTINGS_FILE = "report.json"
# A record file is a few hundred kilobytes at most; a much larger one is a
# mistake (a pasted export) and would only slow every reader down.
MAX_FILE_BYTES = 5 * 1024 * 1024
# The shipped records nest 9 levels deep (pledge > reports > period > budget >
# table > sub-project > sources > source > cell); an item tree three levels
# deep is 9 too. 64 is far above any real record and far below Python's
# recursion limit, which every later stage (cleaning, typing, rules,
# rendering) walks the tree within.
MAX_DEPTH = 64
# Keys are field names, periods, funding sources and fiscal columns: at most
# 20 characters. A longer key is a value pasted in the wrong place.
MAX_KEY_CHARS = 64
# A file with thousands of mistakes is the wrong file: report the first ones.
MAX_PROBLEMS_PER_FILE = 100
# The workbook stores every figure as an IEEE double, which keeps 15
# significant decimal digits exactly; larger figures lose their last digits.
MAX_DIGITS = 15


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


class _BadNumber:
    """Stands in the parsed tree for a number no figure can be; reported with its path."""

    __slots__ = ("message",)

    def __init__(self, message: str) -> None:
        self.message = message


_ALLOWED_NUMBERS = (
    f"a number has at most {MAX_DIGITS} significant digits and is less than "
    f"10^{MAX_DIGITS} (the workbook keeps no more exactly)"
)


def _parse_int(text: str) -> int | _BadNumber:
    # Python refuses to convert an integer of more than 4,300 digits (a
    # ValueError inside json.loads); a figure has at most 15.
    if len(text) - text.startswith("-") > MAX_DIGITS:
        return _BadNumber(f"{quote(text, 20)} is too long; {_ALLOWED_NUMBERS}")
    return int(text)


def _parse_float(text: str) -> Decimal | _BadNumber:
    if len(text) > 3 * MAX_DIGITS:  # digits, sign, point, exponent and a few leading zeros
        return _BadNumber(f"{quote(text, 20)} is too long; {_ALLOWED_NUMBERS}")
    value = Decimal(text)
    digits = value.as_tuple().digits
    significant = len("".join(map(str, digits)).strip("0")) or 1
    if significant > MAX_DIGITS:
        return _BadNumber(f"{text} has {significant} significant digits; {_ALLOWED_NUMBERS}")
    if value and not -300 < value.adjusted() < MAX_DIGITS:
        return _BadNumber(f"{text} is out of range; {_ALLOWED_NUMBERS}")
    return value


def _parse_constant(text: str) -> _BadNumber:
    return _BadNumber(f"{text} is not a number a record can hold; write a figure such as 1578")


def _more(display: str, n: int) -> Problem:
    return Problem(
        display,
        "$",
        f"{n:,} more problems like these (only the first {MAX_PROBLEMS_PER_FILE:,} are listed)",
    )


def _path(trail: tuple[Any, ...] | None) -> str:
    parts: list[str] = []
    while trail is not None:
        trail, key = trail
        parts.append(f"[{key}]" if isinstance(key, int) else f".{printable(key)}")
    return "$" + "".join(reversed(parts))


def _short(path: str, limit: int = 160) -> str:
    return path if len(path) <= limit else f"{path[: limit // 2]}…{path[-limit // 2 :]}"


_TOO_DEEP = (
    f"nested more than {MAX_DEPTH} levels deep; a record nests about 10 "
    "(an item's children a few levels at most)"
)


def _inspect(tree: Any, display: str, problems: list[Problem]) -> None:
    """Problems of a parsed tree that no later stage could cope with.

    Keys given twice, numbers no figure can be, keys too long to be a key,
    and nesting deeper than :data:`MAX_DEPTH`. Iterative, so depth itself
    cannot break it; paths are built only for what is reported.
    """
    found: list[Problem] = []
    deep = False
    # (container, depth, trail): a trail is (parent trail, key), None at the top.
    stack: list[tuple[Any, int, tuple[Any, ...] | None]] = [(tree, 1, None)]
    while stack:
        node, depth, trail = stack.pop()
        if depth > MAX_DEPTH:
            if not deep:
                deep = True
                found.append(Problem(display, _short(_path(trail)), _TOO_DEEP))
            continue
        if isinstance(node, dict):
            for key in getattr(node, "duplicates", ()):
                found.append(
                    Problem(
                        display,
                        _path(trail),
                        f"key {quote(key)} appears twice in this object; keep one",
                    )
                )
            items: Any = node.items()
        else:
            items = enumerate(node)
        for key, value in items:
            if type(key) is str and len(key) > MAX_KEY_CHARS:
                found.append(
                    Problem(
                        display,
                        f"{_path(trail)}.{printable(key[:24])}…",
                        f"key {quote(key)} is too long to be a key (at most {MAX_KEY_CHARS} "
                        "characters): is a value in the place of a key?",
                    )
                )
                continue
            if isinstance(value, (dict, list)):
                stack.append((value, depth + 1, (trail, key)))
            elif type(value) is _BadNumber:
                found.append(Problem(display, _path((trail, key)), value.message))
    problems.extend(found[:MAX_PROBLEMS_PER_FILE])
    if len(found) > MAX_PROBLEMS_PER_FILE:
        problems.append(_more(display, len(found) - MAX_PROBLEMS_PER_FILE))


_OPEN_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NONBLOCK", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _open_direct(root: Path, name: str) -> int | None:
    """A descriptor of ``name`` if it is an entry of ``root`` itself and no link; else None.

    ``root`` is already resolved (no link on its path) and ``name`` is one path
    component, so what ``O_NOFOLLOW`` opens is inside the records directory:
    the two ``resolve`` calls of the general case (a stat per component of the
    path, twice) are not needed. Anything else (a link, a missing file, a
    platform without ``O_NOFOLLOW``) takes the general way, which says why.
    """
    if not getattr(os, "O_NOFOLLOW", 0) or name in ("", ".", "..") or os.sep in name:
        return None
    if os.altsep and os.altsep in name:
        return None
    try:
        return os.open(os.path.join(root, name), _OPEN_FLAGS)
    except (OSError, ValueError):  # ValueError: a NUL in the name
        return None


def _read_bytes(directory: Path, name: str, root: Path | None = None) -> bytes | str:
    """The bytes of the regular file ``name`` inside ``directory``, or why they cannot be read.

    Records are untrusted: a FIFO would block a read forever, a device may
    never end, and a link may point anywhere. Only a regular file inside the
    records directory (directly, or through a link that stays inside) is read,
    and its size is checked before reading it. ``root``, if given, is
    ``directory`` resolved (by a caller that reads many files of it).
    """
    fd = _open_direct(root, name) if root is not None else None
    if fd is None:
        try:
            root = directory.resolve(strict=True)
            target = (directory / name).resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # RuntimeError: a symlink loop (Python < 3.13)
            return f"cannot read the file: {getattr(exc, 'strerror', None) or exc}"
        if target != root and root not in target.parents:
            return (
                "is a link to a file outside the records directory; copy the file into it instead"
            )
        try:
            fd = os.open(target, _OPEN_FLAGS)
        except OSError as exc:
            return f"cannot read the file: {exc.strerror}"
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                "a directory"
                if stat.S_ISDIR(info.st_mode)
                else "a named pipe (FIFO)"
                if stat.S_ISFIFO(info.st_mode)
                else "a device"
                if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                else "a special file"
            )
            return f"is {kind}, not a file; a record is a plain .json file"
        if info.st_size > MAX_FILE_BYTES:
            return _too_large(info.st_size)
        chunks = []
        left = MAX_FILE_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        data = b"".join(chunks)
    except OSError as exc:
        return f"cannot read the file: {exc.strerror}"
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        return _too_large(len(data))
    return data


def _too_large(size: int) -> str:
    return f"file is {size:,} bytes; a record is at most {MAX_FILE_BYTES:,}"


_TOKENS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{},:]')


def _too_deep_at(text: str) -> tuple[str, int, int]:
    """JSON path, line and column where ``text`` first nests deeper than :data:`MAX_DEPTH`.

    For text too deep for :func:`json.loads` itself: a scan of its brackets,
    strings (which may hold brackets) and the keys and commas that name a place.
    """
    stack: list[list[Any]] = []  # per open container: [is an object, key or index]
    last = ""
    for m in _TOKENS.finditer(text):
        token = m.group()
        if token[0] == '"':
            last = token
        elif token in "[{":
            if len(stack) >= MAX_DEPTH:
                trail: tuple[Any, ...] | None = None
                for _, key in stack:
                    trail = (trail, key)
                line = text.count("\n", 0, m.start()) + 1
                column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
                return _short(_path(trail)), line, column
            stack.append([token == "{", "" if token == "{" else 0])
        elif token in "]}":
            if stack:
                stack.pop()
        elif stack and token == ",":
            if not stack[-1][0]:
                stack[-1][1] += 1
        elif stack and token == ":":
            try:
                stack[-1][1] = json.loads(last)
            except ValueError:
                stack[-1][1] = last
    return "", 1, 1


def read_json(
    path: Path, display: str, problems: list[Problem], store: dict[str, bytes] | None = None
) -> Any | None:
    """Read, decode and parse one file of the records directory; on failure add a problem."""
    read = _read_text(path, display, problems, store)
    return None if read is None else _parse(read[1], display, problems)


def _read_text(
    path: Path,
    display: str,
    problems: list[Problem],
    store: dict[str, bytes] | None = None,
    root: Path | None = None,
) -> tuple[bytes, str] | None:
    """The bytes and the text of one file of the records directory; on failure add a problem."""
    data = _read_bytes(path.parent, path.name, root)
    if isinstance(data, str):
        problems.append(Problem(display, "", data))
        return None
    if store is not None:
        store[path.name] = data
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
    return data, text


def _parse(text: str, display: str, problems: list[Problem]) -> Any | None:
    """Parse one file's text, with every problem of :func:`_inspect`; None if there are any."""
    try:
        tree = json.loads(
            text,
            parse_float=_parse_float,
            parse_int=_parse_int,
            parse_constant=_parse_constant,
            object_pairs_hook=_object,
        )
    except json.JSONDecodeError as exc:
        problems.append(
            Problem(
                display, "", f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
            )
        )
        return None
    except RecursionError:  # deeper than the parser goes: thousands of levels
        where, line, column = _too_deep_at(text)
        problems.append(Problem(display, where, f"{_TOO_DEEP} (line {line}, column {column})"))
        return None
    before = len(problems)
    _inspect(tree, display, problems)
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


def _keys_valid_beside(keys: Any, unknown: str) -> list[str]:
    """Field names of the model that best fits an object holding ``keys`` besides ``unknown``.

    A typo inside a report ("statuss") should suggest that object's own key
    ("status"), not a look-alike from another file ("statuses").
    """
    best: set[str] = set()
    best_overlap = -1
    for cls in _models():
        fields = _fields(cls)
        # keys() & set iterates over the smaller of the two: an object of a
        # hundred thousand keys costs no more than a small one.
        overlap = len(keys & fields) - (unknown in fields)
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
        keys = parent.keys() if isinstance(parent, dict) else set()
        close = difflib.get_close_matches(key, _keys_valid_beside(keys, key), n=1)
        if not close:
            close = difflib.get_close_matches(key, _all_field_names(), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"unknown key {quote(key)}{hint}"
    if kind == "missing":
        return f"required key {loc[-1]!r} is missing"
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        size = f"text is {len(err['input']):,} characters"
        if loc and loc[-1] == "text":
            return f"{size}; one item is one line of a report (at most {limit:,}): split it into several items"
        return f"{size}; at most {limit:,} fit here"
    if kind == "string_too_short":
        return "text is empty: write the text or leave the entry out"
    if kind in ("dict_type", "model_type"):
        return f"expected an object {{ … }}, found {type(err['input']).__name__}"
    if kind == "list_type":
        return f"expected a list [ … ], found {type(err['input']).__name__}"
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
        errors = exc.errors(include_url=False)
        for err in errors[:MAX_PROBLEMS_PER_FILE]:
            problems.append(Problem(display, _loc_path(err["loc"]), _message(dict(err), raw)))
        if len(errors) > MAX_PROBLEMS_PER_FILE:
            problems.append(_more(display, len(errors) - MAX_PROBLEMS_PER_FILE))
        return None


# The fast path of _read_clean. Nearly every record file has nothing to report
# and nothing to clean; what proves it for a file without a backslash (and
# so without escapes: every string is exactly the text between two quotes, and
# every '"' opens or closes one) is cheap, done on the whole text in C:
_DIGITS = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))  # digits "0", the rest " "
_TOO_MANY_DIGITS = b"0" * (MAX_DIGITS + 1)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_LEADING = re.compile('"[' + re.escape(" " + BULLETS) + "]")
_UNPROVEN = object()


def _plain_tree(data: bytes, text: str) -> Any:
    """The parsed tree of a file with nothing to report and nothing to clean, else _UNPROVEN.

    The tree is then what :func:`_parse` and :func:`clean_tree` would return,
    without their walks over it; for anything else the caller takes that way,
    which finds and words every problem. Each check covers one guarantee:

    - every string printable: none holds a control, format, bidi, zero-width
      or line-separator character (:data:`reportgen.text.PRINTABLE_IS_ENOUGH`),
      and no string starts with a blank or bullet or ends with a blank;
    - the strings NFC: a '"' never composes with its neighbours, so the
      strings joined by '"' are NFC exactly when each one is;
    - no run of 16 digits outside the strings: no integer has more than
      ``MAX_DIGITS`` digits (the parser's own ``int`` is then ``_parse_int``);
      decimals and NaN/Infinity still go through ``_parse_float`` and
      ``_parse_constant``, and any number they refuse takes the general way;
    - the brackets outside the strings nest at most ``MAX_DEPTH`` deep;
    - as many keys in the parsed objects as key separators (':' outside the
      strings) in the text: no key was given twice in one object;
    - no key longer than ``MAX_KEY_CHARS``.
    """
    if b"\\" in data or not PRINTABLE_IS_ENOUGH:
        return _UNPROVEN
    parts = text.split('"')  # outside, string, outside, …, outside
    inside = '"'.join(parts[1::2])
    if (
        not inside.isprintable()
        or not unicodedata.is_normalized("NFC", inside)
        or ' "' in inside
        or inside[-1:] == " "
        or _LEADING.search(inside)
        or inside[:1] in FIRST_SUSPECT
    ):
        return _UNPROVEN
    outside = "".join(parts[0::2])  # JSON: blanks, brackets, ':', ',', numbers, literals
    if not outside.isascii():  # not JSON: the general way says why
        return _UNPROVEN
    plain = outside.encode("ascii")
    if _TOO_MANY_DIGITS in plain.translate(_DIGITS):
        return _UNPROVEN
    brackets = plain.translate(None, _NOT_BRACKETS)
    # One round removes the innermost pairs of each kind: one or two levels.
    for _ in range(MAX_DEPTH // 2):
        if not brackets:
            break
        brackets = brackets.replace(b"{}", b"").replace(b"[]", b"")
    if brackets:  # maybe deeper than MAX_DEPTH, or not JSON
        return _UNPROVEN

    keys: list[str] = []
    bad: list[str] = []

    def keyed(obj: dict[str, Any]) -> dict[str, Any]:
        keys.extend(obj)
        return obj

    def decimal(token: str) -> Decimal | _BadNumber:
        value = _parse_float(token)
        if type(value) is _BadNumber:
            bad.append(token)
        return value

    def constant(token: str) -> _BadNumber:
        bad.append(token)
        return _parse_constant(token)

    try:
        tree = json.loads(text, parse_float=decimal, parse_constant=constant, object_hook=keyed)
    except (ValueError, RecursionError):  # the general way words the error
        return _UNPROVEN
    if bad or len(keys) != plain.count(b":"):
        return _UNPROVEN
    if keys and max(map(len, keys)) > MAX_KEY_CHARS:
        return _UNPROVEN
    return tree


def _read_clean(
    path: Path,
    display: str,
    problems: list[Problem],
    store: dict[str, bytes],
    root: Path | None = None,
) -> Any | None:
    read = _read_text(path, display, problems, store, root)
    if read is None:
        return None
    data, text = read
    tree = _plain_tree(data, text)
    if tree is not _UNPROVEN:
        return tree
    raw = _parse(text, display, problems)
    if raw is None:
        return None

    found: list[Problem] = []

    def warn(where: str, message: str) -> None:
        found.append(Problem(display, where, message, Severity.WARNING))

    def error(where: str, message: str) -> None:
        found.append(Problem(display, where, message))

    clean = clean_tree(raw, warn, error)
    problems.extend(found[:MAX_PROBLEMS_PER_FILE])
    if len(found) > MAX_PROBLEMS_PER_FILE:
        more = found[MAX_PROBLEMS_PER_FILE:]
        severity = max(p.severity is Severity.ERROR for p in more)
        problems.append(
            replace(
                _more(display, len(more)),
                severity=Severity.ERROR if severity else Severity.WARNING,
            )
        )
    return clean


def _promote_to_old() -> None:
    """Move every object alive to the oldest generation, as a collection would, without a walk.

    Loading makes millions of small objects and no cycles, so
    :func:`~reportgen.bulk.bulk_allocation` pauses the collector meanwhile; but
    then they are all still young, and the next collections would walk every
    one of them up through the generations (three walks over 10,000 pledges).
    ``freeze`` and ``unfreeze`` move them to the oldest generation in one step;
    the next full collection still walks them, so no cycle is ever missed.
    Skipped where something keeps objects frozen on purpose: unfreeze would undo it.
    """
    if gc.get_freeze_count() == 0:
        gc.freeze()
        gc.unfreeze()


def load_records(directory: Path) -> RecordSet:
    """Read ``report.json`` and every pledge file (``<id>.json``) of ``directory``."""
    with bulk_allocation():
        records = _load_records(directory)
        _promote_to_old()
    return records


def _load_records(directory: Path) -> RecordSet:
    problems: list[Problem] = []
    settings: ReportSettings | None = None
    origins: list[tuple[Pledge, Path]] = []
    sources: dict[str, bytes] = {}
    if not directory.is_dir():
        problems.append(Problem(str(directory), "", "records directory not found"))
        return RecordSet(directory, None, [], problems)

    try:  # once, not for every file (which may still be a link: then it is resolved too)
        root: Path | None = directory.resolve(strict=True)
    except (OSError, RuntimeError):
        root = None
    settings_path = directory / SETTINGS_FILE
    if os.path.lexists(settings_path):  # read_json says why if it is no plain file
        raw = _read_clean(settings_path, SETTINGS_FILE, problems, sources, root)
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
        display = printable(path.name)
        raw = _read_clean(path, display, problems, sources, root)
        if raw is None:
            continue
        pledge = type_record(Pledge, raw, display, problems)
        if pledge is not None:
            origins.append((pledge, path))
    origins.sort(key=lambda o: (o[0].sort_key, o[0].id, o[1].name))
    return RecordSet(directory, settings, origins, problems, sources)
