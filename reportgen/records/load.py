"""Stage 1: read ``records/`` into typed models, collecting every problem.

Reading never stops at the first bad file: each file is decoded, parsed,
cleaned (:mod:`reportgen.records.text`) and typed (:mod:`reportgen.records.model`), and every
failure becomes a :class:`~reportgen.errors.Problem` naming the file and the
JSON path. :mod:`reportgen.records.validate` then applies the rules beyond the schema.
"""

from __future__ import annotations

import difflib
import functools
import gc
import hashlib
import json
import os
import re
import stat
import unicodedata
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..bulk import bulk_allocation
from ..errors import Problem, ReportgenError, Severity, quote
from ..i18n import os_reason, tr
from .model import Pledge, Record, ReportSettings, pledge_sort_key
from .periods import Period
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


@dataclass(frozen=True)
class Synopsis:
    """What the checks across pledges read of one pledge (공약 번호, 통합된 공약, 최근 반기).

    Kept with an earlier check of a plain file (:mod:`reportgen.records.validate`),
    so that a build after one record changed reads no other record's model.
    """

    id: str
    # Each adjustment's merged_into, by its index in ``adjustments``.
    merged_into: tuple[tuple[int, str], ...]
    # The newest half-year the pledge records anything for, by the settings'
    # cut-off rule (:func:`reportgen.records.validate.latest_period`); None: none.
    latest: str | None

    @classmethod
    def of(cls, pledge: Pledge, latest: Period | None) -> Synopsis:
        merged = tuple(
            (i, a.merged_into) for i, a in enumerate(pledge.adjustments) if a.merged_into
        )
        return cls(pledge.id, merged, None if latest is None else str(latest))


class RecordFile:
    """One pledge of a record set: the file it came from and its pledge.

    The pledge is typed when first read if an earlier check proved the file
    plain (:class:`Synopsis`): its bytes then type without a problem, and a
    rebuild that lays out none of its pages never pays for them.
    """

    __slots__ = ("path", "synopsis", "_pledge", "_make")

    def __init__(
        self,
        path: Path,
        pledge: Pledge | None = None,
        *,
        synopsis: Synopsis | None = None,
        make: Callable[[], Pledge | None] | None = None,
    ) -> None:
        self.path, self.synopsis, self._pledge, self._make = path, synopsis, pledge, make

    @property
    def id(self) -> str:
        return self.synopsis.id if self.synopsis is not None else self.pledge.id

    @property
    def typed(self) -> bool:
        """Whether the pledge has been typed (read, or given)."""
        return self._pledge is not None

    @property
    def pledge(self) -> Pledge:
        if self._pledge is None:
            assert self._make is not None
            made = self._make()
            if made is None or made.id != self.id:
                # The bytes were proven plain by this very code and report.json.
                raise RuntimeError(f"{self.path.name}: a proven record no longer types")
            self._pledge, self._make = made, None
        return self._pledge

    def merged_into(self) -> tuple[tuple[int, str], ...]:
        if self.synopsis is not None:
            return self.synopsis.merged_into
        return Synopsis.of(self.pledge, None).merged_into


@dataclass
class RecordSet:
    """Everything read from one records directory."""

    directory: Path
    settings: ReportSettings | None
    files: list[RecordFile]  # in the report's order, each with the file it came from
    problems: list[Problem] = field(default_factory=list)
    sources: Mapping[str, bytes] = field(default_factory=dict)  # file name -> bytes as read
    # file name -> the SHA-256 of its bytes, hashed once when first asked (digest()).
    digests: dict[str, str] = field(default_factory=dict)

    def digest(self, name: str) -> str:
        """The SHA-256 (hex) of the bytes of ``name`` as read: the check's memo, the
        pages' keys and the manifest all use it, and it is hashed once."""
        return _digest(self.sources, self.digests, name)

    @property
    def origins(self) -> list[tuple[Pledge, Path]]:
        """Each pledge with the file it came from (every pledge typed)."""
        return [(f.pledge, f.path) for f in self.files]

    @property
    def pledges(self) -> list[Pledge]:
        return [f.pledge for f in self.files]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


def _digest(sources: Mapping[str, bytes], digests: dict[str, str], name: str) -> str:
    found = digests.get(name)
    if found is None:
        found = digests[name] = hashlib.sha256(sources[name]).hexdigest()
    return found


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


def _allowed_numbers() -> str:
    return tr(
        f"수는 유효숫자 {MAX_DIGITS}자리까지, 10^{MAX_DIGITS}보다 작아야 합니다(통합문서가 "
        "그보다 큰 수는 정확히 담지 못합니다).",
        f"a number has at most {MAX_DIGITS} significant digits and is less than "
        f"10^{MAX_DIGITS} (the workbook keeps no more exactly)",
    )


def _too_long_number(text: str) -> _BadNumber:
    return _BadNumber(
        tr(
            f"{quote(text, 20)}: 수가 너무 깁니다. {_allowed_numbers()}",
            f"{quote(text, 20)} is too long; {_allowed_numbers()}",
        )
    )


def _parse_int(text: str) -> int | _BadNumber:
    # Python refuses to convert an integer of more than 4,300 digits (a
    # ValueError inside json.loads); a figure has at most 15.
    if len(text) - text.startswith("-") > MAX_DIGITS:
        return _too_long_number(text)
    return int(text)


def _parse_float(text: str) -> Decimal | _BadNumber:
    if len(text) > 3 * MAX_DIGITS:  # digits, sign, point, exponent and a few leading zeros
        return _too_long_number(text)
    value = Decimal(text)
    digits = value.as_tuple().digits
    significant = len("".join(map(str, digits)).strip("0")) or 1
    if significant > MAX_DIGITS:
        return _BadNumber(
            tr(
                f"{text}: 유효숫자가 {significant}자리입니다. {_allowed_numbers()}",
                f"{text} has {significant} significant digits; {_allowed_numbers()}",
            )
        )
    if value and not -300 < value.adjusted() < MAX_DIGITS:
        return _BadNumber(
            tr(
                f"{text}: 범위 밖의 수입니다. {_allowed_numbers()}",
                f"{text} is out of range; {_allowed_numbers()}",
            )
        )
    return value


def _parse_constant(text: str) -> _BadNumber:
    return _BadNumber(
        tr(
            f"{text}: 기록에 담을 수 있는 수가 아닙니다. 1578처럼 숫자를 쓰십시오.",
            f"{text} is not a number a record can hold; write a figure such as 1578",
        )
    )


def _more(display: str, n: int) -> Problem:
    return Problem(
        display,
        "$",
        tr(
            f"이런 문제가 {n:,}개 더 있습니다(처음 {MAX_PROBLEMS_PER_FILE:,}개만 보입니다).",
            f"{n:,} more problems like these (only the first {MAX_PROBLEMS_PER_FILE:,} are listed)",
        ),
    )


def _path(trail: tuple[Any, ...] | None) -> str:
    parts: list[str] = []
    while trail is not None:
        trail, key = trail
        parts.append(f"[{key}]" if isinstance(key, int) else f".{printable(key)}")
    return "$" + "".join(reversed(parts))


def _short(path: str, limit: int = 160) -> str:
    return path if len(path) <= limit else f"{path[: limit // 2]}…{path[-limit // 2 :]}"


def _too_deep() -> str:
    return tr(
        f"{MAX_DEPTH}단계보다 깊이 중첩되어 있습니다. 기록은 10단계쯤 중첩됩니다(항목의 하위 "
        "항목은 많아야 몇 단계입니다).",
        f"nested more than {MAX_DEPTH} levels deep; a record nests about 10 "
        "(an item's children a few levels at most)",
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
                found.append(Problem(display, _short(_path(trail)), _too_deep()))
            continue
        if isinstance(node, dict):
            for key in getattr(node, "duplicates", ()):
                found.append(
                    Problem(
                        display,
                        _path(trail),
                        tr(
                            f"이 객체에 키 {quote(key)}이(가) 두 번 나옵니다. 하나만 남기십시오.",
                            f"key {quote(key)} appears twice in this object; keep one",
                        ),
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
                        tr(
                            f"키 {quote(key)}: 키로는 너무 깁니다(많아야 {MAX_KEY_CHARS}자). "
                            "키 자리에 값을 쓰지 않았는지 보십시오.",
                            f"key {quote(key)} is too long to be a key (at most {MAX_KEY_CHARS} "
                            "characters): is a value in the place of a key?",
                        ),
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
            return _unreadable(getattr(exc, "strerror", None) or str(exc))
        if target != root and root not in target.parents:
            return tr(
                "기록 폴더 밖의 파일로 연결된 링크입니다. 파일을 기록 폴더 안으로 복사하십시오.",
                "is a link to a file outside the records directory; copy the file into it instead",
            )
        try:
            fd = os.open(target, _OPEN_FLAGS)
        except OSError as exc:
            return _unreadable(os_reason(exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = (
                tr("폴더", "a directory")
                if stat.S_ISDIR(info.st_mode)
                else tr("이름 있는 파이프(FIFO)", "a named pipe (FIFO)")
                if stat.S_ISFIFO(info.st_mode)
                else tr("장치", "a device")
                if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
                else tr("특수 파일", "a special file")
            )
            return tr(
                f"파일이 아니라 {kind}입니다. 기록은 보통의 .json 파일이어야 합니다.",
                f"is {kind}, not a file; a record is a plain .json file",
            )
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
        return _unreadable(os_reason(exc))
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # it grew while being read
        return _too_large(len(data))
    return data


def _too_large(size: int) -> str:
    return tr(
        f"파일이 {size:,}바이트입니다. 기록 하나는 많아야 {MAX_FILE_BYTES:,}바이트입니다.",
        f"file is {size:,} bytes; a record is at most {MAX_FILE_BYTES:,}",
    )


def _unreadable(reason: str | None) -> str:
    return tr(f"파일을 읽을 수 없습니다: {reason}", f"cannot read the file: {reason}")


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
    text = _decode(data, display, problems)
    return None if text is None else (data, text)


def _decode(data: bytes, display: str, problems: list[Problem]) -> str | None:
    """The text of a record file's bytes; None, with a problem, if it is no UTF-8 or empty."""
    try:
        # utf-8-sig accepts the byte-order mark Windows Notepad writes.
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        problems.append(
            Problem(
                display,
                "",
                tr(
                    f"{exc.start}번째 바이트(줄 {line})가 UTF-8이 아닙니다. 파일을 UTF-8로 "
                    "저장하십시오(CP949/EUC-KR은 받지 않습니다).",
                    f"not UTF-8 at byte {exc.start} (line {line}): save the file as UTF-8 "
                    "(한글 파일은 UTF-8로 저장하세요; CP949/EUC-KR is not accepted)",
                ),
            )
        )
        return None
    if not text.strip():
        problems.append(
            Problem(
                display,
                "",
                tr(
                    "파일이 비어 있습니다. 기록은 JSON 객체 { … }입니다.",
                    "the file is empty; a record is a JSON object { … }",
                ),
            )
        )
        return None
    return text


# The json module's messages (CPython's _json.c and json/decoder.py), said in Korean.
_JSON_ERRORS = {
    "Expecting ',' delimiter": "쉼표(,)가 있어야 할 자리입니다.",
    "Expecting ':' delimiter": "쌍점(:)이 있어야 할 자리입니다.",
    "Expecting value": "값이 있어야 할 자리입니다.",
    "Expecting property name enclosed in double quotes": "큰따옴표로 싼 키가 있어야 할 자리입니다.",
    "Unterminated string starting at": "여기서 시작한 문자열이 닫히지 않았습니다.",
    "Extra data": "JSON이 끝난 뒤에 다른 내용이 더 있습니다.",
    "Invalid control character at": "문자열 안에 제어 문자(줄바꿈, 탭 …)가 있습니다. \\n처럼 쓰십시오.",
    "Invalid \\escape": "잘못된 역슬래시 이스케이프입니다.",
    "Invalid \\uXXXX escape": "잘못된 \\uXXXX 이스케이프입니다.",
    "Illegal trailing comma before end of object": "객체를 닫기 전에 쉼표가 남았습니다.",
    "Illegal trailing comma before end of array": "목록을 닫기 전에 쉼표가 남았습니다.",
}


def _json_error(message: str) -> str:
    return _JSON_ERRORS.get(message, message)


def json_syntax(exc: json.JSONDecodeError) -> str:
    """Where a JSON text breaks and what it wants there, in the interface's language."""
    return tr(f"줄 {exc.lineno}, 열 {exc.colno}: {_json_error(exc.msg)}", str(exc))


def _json_kind(value: Any) -> str:
    """What a JSON value is, in the words of the message's language."""
    if isinstance(value, bool):
        return "true/false"
    if value is None:
        return "null"
    if isinstance(value, str):
        return tr("문자열", "str")
    if isinstance(value, (int, float, Decimal)):
        return tr("수", type(value).__name__)
    if isinstance(value, list):
        return tr("목록 [ … ]", "list")
    if isinstance(value, dict):
        return tr("객체 { … }", "dict")
    return type(value).__name__


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
                display,
                "",
                tr(
                    f"줄 {exc.lineno}, 열 {exc.colno}: JSON 문법이 틀렸습니다. {_json_error(exc.msg)}",
                    f"not valid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                ),
            )
        )
        return None
    except RecursionError:  # deeper than the parser goes: thousands of levels
        where, line, column = _too_deep_at(text)
        problems.append(
            Problem(
                display,
                where,
                _too_deep() + tr(f" (줄 {line}, 열 {column})", f" (line {line}, column {column})"),
            )
        )
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
        return tr(
            f"알 수 없는 키입니다: {quote(key)}." + (f" 비슷한 키: {close[0]!r}." if close else ""),
            f"unknown key {quote(key)}" + (f" (did you mean {close[0]!r}?)" if close else ""),
        )
    if kind == "missing":
        return tr(
            f"꼭 있어야 할 키가 없습니다: {loc[-1]!r}.", f"required key {loc[-1]!r} is missing"
        )
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    if kind == "string_too_long":
        limit = err.get("ctx", {}).get("max_length")
        chars = len(err["input"])
        if loc and loc[-1] == "text":
            return tr(
                f"글이 {chars:,}자입니다. 항목 하나는 보고서의 한 줄입니다(많아야 {limit:,}자). "
                "여러 항목으로 나누십시오.",
                f"text is {chars:,} characters; one item is one line of a report "
                f"(at most {limit:,}): split it into several items",
            )
        return tr(
            f"글이 {chars:,}자입니다. 이 자리에는 많아야 {limit:,}자가 들어갑니다.",
            f"text is {chars:,} characters; at most {limit:,} fit here",
        )
    if kind == "string_too_short":
        return tr(
            "글이 비어 있습니다. 글을 쓰거나 그 항목을 빼십시오.",
            "text is empty: write the text or leave the entry out",
        )
    found = _json_kind(err["input"])
    if kind in ("dict_type", "model_type"):
        return tr(
            f"객체 {{ … }}가 있어야 할 자리에 {found}이(가) 있습니다.",
            f"expected an object {{ … }}, found {type(err['input']).__name__}",
        )
    if kind == "list_type":
        return tr(
            f"목록 [ … ]이 있어야 할 자리에 {found}이(가) 있습니다.",
            f"expected a list [ … ], found {type(err['input']).__name__}",
        )
    return _pydantic_message(kind, err, msg, found)


def _pydantic_message(kind: str, err: dict[str, Any], msg: str, found: str) -> str:
    """pydantic's own message for ``kind``, in Korean unless the locale asks for English.

    The messages our validators write (model.py) come through ``msg`` already
    in the interface's language; pydantic's own are English, so the common
    ones are said again from their type and context.
    """
    ctx = err.get("ctx") or {}
    korean = {
        "int_type": f"정수를 쓰십시오. 지금은 {found}입니다.",
        "int_parsing": "정수를 쓰십시오.",
        "int_from_float": "소수점 없는 정수를 쓰십시오.",
        "float_type": f"수를 쓰십시오. 지금은 {found}입니다.",
        "float_parsing": "수를 쓰십시오.",
        "decimal_type": f"수를 쓰십시오. 지금은 {found}입니다.",
        "decimal_parsing": "수를 쓰십시오.",
        "string_type": f'큰따옴표로 싼 글("…")을 쓰십시오. 지금은 {found}입니다.',
        "bool_type": f"true나 false를 쓰십시오. 지금은 {found}입니다.",
        "bool_parsing": "true나 false를 쓰십시오.",
        "literal_error": f"다음 중 하나를 쓰십시오: {ctx.get('expected')}.",
        "enum": f"다음 중 하나를 쓰십시오: {ctx.get('expected')}.",
        "greater_than_equal": f"{ctx.get('ge')} 이상이어야 합니다.",
        "greater_than": f"{ctx.get('gt')}보다 커야 합니다.",
        "less_than_equal": f"{ctx.get('le')} 이하여야 합니다.",
        "less_than": f"{ctx.get('lt')}보다 작아야 합니다.",
        "too_short": f"항목이 적어도 {ctx.get('min_length')}개 있어야 합니다.",
        "too_long": f"항목은 많아야 {ctx.get('max_length')}개입니다.",
        "string_pattern_mismatch": f"형식이 맞지 않습니다: {ctx.get('pattern')}.",
        "none_required": "null이어야 합니다.",
        "date_type": "2022-06-30처럼 날짜를 쓰십시오.",
        "date_parsing": "2022-06-30처럼 날짜를 쓰십시오.",
        "date_from_datetime_parsing": "2022-06-30처럼 날짜를 쓰십시오.",
        "union_tag_invalid": f"다음 중 하나를 쓰십시오: {ctx.get('expected_tags')}.",
    }.get(kind)
    return tr(korean, msg) if korean is not None else msg


def type_record(
    model: type[BaseModel], raw: Any, display: str, problems: list[Problem]
) -> Any | None:
    if not isinstance(raw, dict):
        problems.append(
            Problem(
                display,
                "$",
                tr(
                    f"맨 위에는 JSON 객체 {{ … }}가 있어야 하는데 {_json_kind(raw)}이(가) 있습니다.",
                    f"expected a JSON object {{ … }} at the top, found {type(raw).__name__}",
                ),
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
      or line-separator character (:data:`reportgen.records.text.PRINTABLE_IS_ENOUGH`),
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
    return None if read is None else _clean(read[0], read[1], display, problems)


def _clean(data: bytes, text: str, display: str, problems: list[Problem]) -> Any | None:
    """The parsed and cleaned tree of one file's text, adding its problems; None on an error."""
    tree = _plain_tree(data, text)
    if tree is not _UNPROVEN:
        return tree
    return _clean_general(text, display, problems)


def _clean_general(text: str, display: str, problems: list[Problem]) -> Any | None:
    """:func:`_clean` for a text :func:`_plain_tree` could not prove plain."""
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


def promote_to_old() -> None:
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
        reading = read_records(directory)
        records = reading.records([reading.pledge(i) for i in range(len(reading.files))])
        promote_to_old()
    return records


class RecordChanged(ReportgenError):
    """기록 파일이 실행 중에 바뀌었습니다: a file proven unchanged when the run began no longer is."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            tr(
                f"{path}: 실행을 시작한 뒤에 바뀌었습니다. 아무것도 쓰지 않았습니다. "
                "파일을 다 고친 뒤 다시 실행하십시오.",
                f"{path}: changed after the run began; nothing was written. "
                "Run again once the file is saved.",
            )
        )


class Sources(Mapping[str, bytes]):
    """The bytes of a records directory's files by name: as read, or read when first asked.

    A file its caller proved unchanged since an earlier run (stat() sees it
    exactly as that run recorded it after reading it: git's rule, see
    :mod:`reportgen.workspace.stamps`) is not read at all: its SHA-256 is
    known, and a check that remembers the file by that digest (its memo)
    needs nothing else (issue 26: reading and hashing 300 records was ~10 ms
    of a rebuild after one pledge changed). If something asks for its bytes
    after all, they are read then and must be those of that digest
    (:class:`RecordChanged` otherwise: the run began with other bytes).
    """

    def __init__(
        self,
        directory: Path,
        root: Path | None,
        names: list[str],
        read: dict[str, bytes],
        unread: Mapping[str, str],
    ) -> None:
        self.directory, self.root, self._names = directory, root, names
        self._read, self._unread = read, dict(unread)

    def __getitem__(self, name: str) -> bytes:
        found = self._read.get(name)
        if found is not None:
            return found
        digest = self._unread.get(name)
        if digest is None:
            raise KeyError(name)
        data = _read_bytes(self.directory, name, self.root)
        if isinstance(data, str) or hashlib.sha256(data).hexdigest() != digest:
            raise RecordChanged(self.directory / name)
        self._read[name] = data
        return data

    def __contains__(self, name: object) -> bool:
        return name in self._read or name in self._unread

    def __iter__(self) -> Iterator[str]:
        return iter(self._names)

    def __len__(self) -> int:
        return len(self._names)


@dataclass
class PledgeFile:
    """One pledge file of a records directory as read: its bytes, or why they cannot be read.

    ``data`` is None for a file not read, proven unchanged (:class:`Sources`):
    :meth:`Reading.data` reads it when asked.
    """

    path: Path
    display: str  # its name as a message shows it
    data: bytes | str | None


@dataclass
class Reading:
    """A records directory read into memory: the settings typed, the pledge files not yet.

    Every file is read before any pledge is typed, so that a worker forked
    then (:func:`reportgen.records.validate.check`) sees the very bytes this
    process types; the problems still come out file by file, by name.
    """

    directory: Path
    settings: ReportSettings | None
    problems: list[Problem]
    sources: Mapping[str, bytes]
    files: list[PledgeFile]
    # The files :meth:`pledge` found plain (:func:`_plain_tree`), typed without a problem.
    plain: set[int] = field(default_factory=set)
    digests: dict[str, str] = field(default_factory=dict)  # as RecordSet.digests

    def digest(self, name: str) -> str:
        """The SHA-256 (hex) of the bytes of ``name`` as read (:meth:`RecordSet.digest`)."""
        return _digest(self.sources, self.digests, name)

    def data(self, index: int) -> bytes | str:
        """The bytes of ``files[index]`` (or why they cannot be read), read now if not yet."""
        file = self.files[index]
        if file.data is None:
            file.data = self.sources[file.path.name]
        return file.data

    def pledge(self, index: int) -> Pledge | None:
        """The pledge of ``files[index]``, adding every problem of it to :attr:`problems`."""
        file = self.files[index]
        data = self.data(index)
        if isinstance(data, str):
            self.problems.append(Problem(file.display, "", data))
            return None
        text = _decode(data, file.display, self.problems)
        if text is None:
            return None
        raw = _plain_tree(data, text)
        if raw is _UNPROVEN:
            raw = _clean_general(text, file.display, self.problems)
            if raw is None:
                return None
            return type_record(Pledge, raw, file.display, self.problems)  # type: ignore[no-any-return]
        before = len(self.problems)
        pledge = type_record(Pledge, raw, file.display, self.problems)
        if pledge is not None and len(self.problems) == before:
            self.plain.add(index)
        return pledge  # type: ignore[no-any-return]

    def plain_pledge(self, index: int) -> Pledge | None:
        """The pledge of ``files[index]`` if its file has nothing to report and nothing to
        clean (:func:`_plain_tree`) and types without a problem; else None, adding nothing."""
        data = self.data(index)
        if isinstance(data, str):
            return None
        found: list[Problem] = []
        text = _decode(data, "", found)
        if text is None:
            return None
        tree = _plain_tree(data, text)
        if tree is _UNPROVEN:
            return None
        pledge = type_record(Pledge, tree, "", found)
        return None if found else pledge  # type: ignore[no-any-return]

    def proven_pledge(self, index: int) -> Pledge | None:
        """The pledge of a file that :meth:`plain_pledge` typed in a forked worker.

        The worker proved these very bytes plain: decoded, they parse to the
        tree :func:`_plain_tree` returns (no number refused, no key given
        twice, nothing to clean), which types without a problem. So they are
        parsed here without the proof; should typing fail after all, its
        problems are added as for any file.
        """
        file = self.files[index]
        data = self.data(index)
        assert isinstance(data, bytes)
        tree = json.loads(data.decode("utf-8-sig"), parse_float=Decimal)
        return type_record(Pledge, tree, file.display, self.problems)  # type: ignore[no-any-return]

    def records(self, pledges: list[Pledge | Synopsis | None]) -> RecordSet:
        """The record set of ``pledges``, one (or None) per file of :attr:`files`.

        A :class:`Synopsis` stands for a file an earlier check proved plain:
        its pledge is typed from these bytes when first read.
        """
        files = []
        for index, (p, f) in enumerate(zip(pledges, self.files, strict=True)):
            if isinstance(p, Synopsis):
                make = functools.partial(self.proven_pledge, index)
                files.append(RecordFile(f.path, synopsis=p, make=make))
            elif p is not None:
                files.append(RecordFile(f.path, p))
        files.sort(key=lambda r: (pledge_sort_key(r.id), r.id, r.path.name))
        return RecordSet(
            self.directory, self.settings, files, self.problems, self.sources, self.digests
        )


def read_records(directory: Path, unread: Mapping[str, str] | None = None) -> Reading:
    """Read and type ``report.json``, and read the bytes of every pledge file of ``directory``.

    ``unread``: pledge files (by name) proven unchanged since an earlier run,
    with their SHA-256: not read unless asked for (:class:`Sources`).
    """
    problems: list[Problem] = []
    settings: ReportSettings | None = None
    sources: dict[str, bytes] = {}
    files: list[PledgeFile] = []
    if not directory.is_dir():
        problems.append(
            Problem(
                str(directory),
                "",
                tr(
                    "기록 폴더가 없습니다. 기록 폴더(report.json이 있는 records)가 든 폴더로 "
                    "옮겨 가서 실행하거나, --records로 기록 폴더를 알려 주십시오.",
                    "records directory not found: run reportgen in the folder that holds "
                    "records/ (with report.json), or pass --records DIR",
                ),
            )
        )
        return Reading(directory, None, problems, sources, files)

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
                SETTINGS_FILE,
                "",
                tr(
                    f"{directory}에 없습니다. 보고서 설정(시·군·구, 임기, 추진상황)이 이 파일에 "
                    "있습니다. 기록 폴더로 옮겨 가거나 --records로 기록 폴더를 알려 주십시오.",
                    "missing: the report settings (city, term, statuses) live here; "
                    "run reportgen beside the records or pass --records DIR",
                ),
            )
        )

    # By name: the order of the paths (all in this one folder), without comparing Paths.
    skipped: dict[str, str] = {}
    names = [SETTINGS_FILE] if SETTINGS_FILE in sources else []
    for path in sorted(directory.glob("*.json"), key=lambda p: p.name):
        if path.name == SETTINGS_FILE:
            continue
        digest = unread.get(path.name) if unread else None
        if digest is not None and root is not None:
            skipped[path.name] = digest
            names.append(path.name)
            files.append(PledgeFile(path, printable(path.name), None))
            continue
        data = _read_bytes(path.parent, path.name, root)
        if not isinstance(data, str):
            sources[path.name] = data
            names.append(path.name)
        files.append(PledgeFile(path, printable(path.name), data))
    if not skipped:
        return Reading(directory, settings, problems, sources, files)
    kept = Sources(directory, root, names, sources, skipped)
    return Reading(directory, settings, problems, kept, files, digests=dict(skipped))
