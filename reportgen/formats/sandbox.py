"""Templates run in a sandbox with bounded work (the DOCX writer's Jinja, kept apart from it).

Templates are untrusted input: staff edit them in Word, and anyone may hand
over a hostile one. :func:`compile_source` compiles a tag source with no other
template reachable (``include``, ``extends`` and ``import`` are refused) and
every loop, slice and ``~`` charged to a budget; :func:`render` runs it within
that budget and a wall-clock alarm. The sandbox blocks private attributes;
only a short list of functions, text methods and filters can be called, each
checked for the size of what it would make. Every failure is a
:class:`~reportgen.errors.TemplateError` naming the template and the tag.

Jinja's own sandbox bounds attribute access, not work (``range(10**9)``,
``'x' * 10**9``, a self-calling macro): the limits below are what bound it.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import math
import operator
import re
import signal
import string
import threading
import time
import types
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any, TypeVar, cast

import jinja2
from jinja2 import nodes
from jinja2.filters import FILTERS, make_attrgetter
from jinja2.runtime import LoopContext, Macro, Undefined, markup_join, str_join
from jinja2.sandbox import SandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace
from jinja2.visitor import NodeTransformer
from lxml import etree
from markupsafe import Markup

from ..errors import TemplateError
from ..i18n import tr
from ..report import tables as tables_module
from ..report import view as view_module

# ---------------------------------------------------------------------------
# Limits on rendering. A pledge renders in a few milliseconds to ~90,000
# characters; the booklet's front matter adds ~4,000 characters per pledge.
# Each limit is two or more orders of magnitude above that and far below what
# would strain the machine.

#: Wall-clock seconds one render (one document's content) may take.
RENDER_SECONDS = 10.0
#: Seconds between repeated alarms once a render's deadline has passed.
_RETRY = 0.1
#: Characters one render may produce, output and intermediate values together
#: (each piece held in a list also costs 8, its reference): ~32 MB of text.
MAX_RENDER_CHARS = 32 * 1024 * 1024
#: Loop iterations in one render (nested loops multiply quickly).
MAX_LOOP_ITERATIONS = 1_000_000
#: Characters (or items) one operator, filter or text method may make at once.
MAX_VALUE_CHARS = 1_000_000
#: Items in one range(); a report counts years and rows, never more than this.
MAX_RANGE = 50_000
#: Bits in an integer a template computes (money fits in 64; printing stops at ~14,000).
MAX_INT_BITS = 4096
_PIECE = 8
_MAX_NESTING = 32


class TemplateLimitError(jinja2.TemplateRuntimeError):
    """A template asked for more than a report needs (see the limits above)."""


class _Timeout(BaseException):
    """Raised by the alarm; a BaseException so no ``except Exception`` swallows it."""


class _Budget:
    __slots__ = ("chars", "loops")

    def __init__(self) -> None:
        self.chars = MAX_RENDER_CHARS
        self.loops = MAX_LOOP_ITERATIONS


# The budget of the render in progress (None outside a render: compile-time
# constant folding checks sizes but charges nothing).
_BUDGET: ContextVar[_Budget | None] = ContextVar("reportgen_template_budget", default=None)


def _spend(chars: int) -> None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.chars -= chars
        if budget.chars < 0:
            raise TemplateLimitError(
                tr(
                    f"서식이 문서 하나에 {MAX_RENDER_CHARS:,}자보다 많은 글을 만듭니다",
                    f"the template makes more than {MAX_RENDER_CHARS:,} characters for one document",
                )
            )


def _spend_loops(budget: _Budget, count: int) -> None:
    budget.loops -= count
    if budget.loops < 0:
        raise TemplateLimitError(
            tr(
                f"반복문이 문서 하나에서 {MAX_LOOP_ITERATIONS:,}번보다 많이 돕니다",
                f"loops run more than {MAX_LOOP_ITERATIONS:,} times in one document",
            )
        )


def _check_value(what: str, size: int) -> int:
    if size > MAX_VALUE_CHARS:
        raise TemplateLimitError(
            tr(
                f"{what}: 글자나 항목 약 {size:,}개를 만듭니다. 서식의 값 하나는 많아야 "
                f"{MAX_VALUE_CHARS:,}개입니다",
                f"{what} would make about {size:,} characters or items; "
                f"a template value may have at most {MAX_VALUE_CHARS:,}",
            )
        )
    return size


def _check_bits(what: str, bits: float) -> None:
    if bits > MAX_INT_BITS:
        raise TemplateLimitError(
            tr(
                f"{what}: 약 {bits:,.0f}비트의 수를 만듭니다. 많아야 {MAX_INT_BITS:,}비트입니다",
                f"{what} would make a number of about {bits:,.0f} bits; at most {MAX_INT_BITS:,}",
            )
        )


def _check_int(what: str, value: Any) -> Any:
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise TemplateLimitError(
            tr(
                f"{what}: {MAX_INT_BITS:,}비트보다 큰 수를 만듭니다",
                f"{what} makes a number of more than {MAX_INT_BITS:,} bits",
            )
        )
    return value


_SMALL = (bool, float, complex, type(None), range)
_SEQUENCES: tuple[type, ...] = (
    list,
    tuple,
    set,
    frozenset,
    deque,
    type({}.keys()),
    type({}.values()),
    type({}.items()),
)


def _size(value: Any, limit: int = MAX_VALUE_CHARS, depth: int = 0) -> int:
    """About how many characters ``str(value)`` has; counting stops once past ``limit``."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, Undefined):
        return 0  # printing it raises the usual error
    if isinstance(value, int) and not isinstance(value, bool):
        return value.bit_length() // 3 + 2
    if isinstance(value, Decimal):  # '{:f}' writes out the exponent's zeros
        digits, exponent = len(value.as_tuple().digits), value.as_tuple().exponent
        return digits + (abs(exponent) if isinstance(exponent, int) else 0) + 8
    if isinstance(value, _SMALL):
        return 48
    if depth > _MAX_NESTING:
        raise TemplateLimitError(
            tr("값이 너무 깊이 중첩되어 찍을 수 없습니다", "a value is nested too deeply to print")
        )
    items: Iterable[Any]
    if isinstance(value, Namespace):
        items = chain.from_iterable(object.__getattribute__(value, "_Namespace__attrs").items())
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        items = (getattr(value, f.name) for f in dataclasses.fields(value))
    elif isinstance(value, Mapping):
        items = chain.from_iterable(value.items())
    elif isinstance(value, _SEQUENCES):
        items = cast(Iterable[Any], value)
    else:
        return 64  # functions, loop contexts, generators: a short repr
    total = 2
    item: Any
    for item in items:
        total += _size(item, limit - total, depth + 1) + 2
        if total > limit:
            break
    return total


def _largest(values: Iterable[Any]) -> int:
    return max((_size(v) for v in values), default=0)


_FORMATTER = string.Formatter()
_PRINTF_SPEC = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d*)(?:\.(\*|\d*))?[hlL]?(.)", re.DOTALL)


def _format_size(fmt: str, values: Iterable[Any]) -> int:
    """An upper bound of the length of ``fmt.format(*values)``, refusing computed widths."""
    biggest = _largest(values)
    total = 0
    for literal, name, spec, _conversion in _FORMATTER.parse(fmt):
        total += len(literal)
        if name is not None:
            if spec and "{" in spec:
                raise TemplateLimitError(
                    tr(
                        "인수에서 가져오는 너비({:{}})는 쓸 수 없습니다",
                        "a width taken from an argument ({:{}}) is not supported",
                    )
                )
            total += biggest + sum(int(n) for n in re.findall(r"\d+", spec or ""))
    return total


def _percent_size(fmt: str, values: Iterable[Any]) -> int:
    """An upper bound of the length of ``fmt % values``, refusing ``*`` widths."""
    biggest = _largest(values)
    total = len(fmt)
    for match in _PRINTF_SPEC.finditer(fmt):
        width, precision, _kind = match.groups()
        if width == "*" or precision == "*":
            raise TemplateLimitError(
                tr(
                    "% 형식의 '*' 너비는 쓸 수 없습니다",
                    "a '*' width in a % format is not supported",
                )
            )
        total += biggest + int(width or 0) + int(precision or 0)
    return total


def _percent_values(args: Any) -> Iterable[Any]:
    if isinstance(args, tuple):
        return args
    if isinstance(args, Mapping):
        return args.values()
    return (args,)


def _replace_size(s: str, old: Any, new: Any, count: Any, escaped: bool) -> int:
    old_text, new_text = str(old), str(new)
    times = len(s) + 1 if old_text == "" else s.count(old_text)
    if count is not None and operator.index(count) >= 0:
        times = min(times, operator.index(count))
    grow = len(new_text) * (5 if escaped else 1) - len(old_text)  # escaping: & -> &amp;
    return len(s) + times * max(grow, 0)


def _repeat_size(left: Any, right: Any) -> int | None:
    """The size of ``left * right`` when one is a text or list repeated; else None."""
    if isinstance(right, int) and isinstance(left, (str, list, tuple)):
        seq, times = left, right
    elif isinstance(left, int) and isinstance(right, (str, list, tuple)):
        seq, times = right, left
    else:
        return None
    if times <= 0 or not seq:
        return 0
    return _size(seq, MAX_VALUE_CHARS // times + 1) * times


def _binop_size(op: str, left: Any, right: Any) -> int:
    """Refuse an operation whose result would be too large; return its size to charge."""
    if op == "**":
        if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
            _check_bits("'**'", math.log2(abs(left)) * right)
        return 0
    if op == "*":
        if isinstance(left, int) and isinstance(right, int):
            _check_bits("'*'", left.bit_length() + right.bit_length() - 1)
            return 0
        size = _repeat_size(left, right)
        return 0 if size is None else _check_value("'*'", size)
    if op == "+":
        if isinstance(left, (str, list, tuple)) and isinstance(right, (str, list, tuple)):
            return _check_value("'+'", _size(left) + _size(right))
        return 0
    if op == "%" and isinstance(left, str):
        return _check_value("'%'", _percent_size(left, _percent_values(right)))
    return 0


# ---------------------------------------------------------------------------
# Filters: a whitelist, each wrapped to check what it would make.

F = TypeVar("F", bound=Callable[..., Any])

# Harmless filters: the result is no larger than the input.
_PLAIN_FILTERS = (  # noqa: SIM905 - a word list
    "abs attr capitalize count d default dictsort e escape filesizeformat first float "
    "forceescape groupby int items last length list lower map max min reject rejectattr "
    "reverse round select selectattr sort string striptags title trim truncate unique "
    "upper wordcount"
).split()
# Filters that turn their input into text (a list's text is its repr).
_STRINGIFYING = frozenset(
    (  # noqa: SIM905 - a word list
        "capitalize center e escape forceescape format indent lower replace string striptags "
        "title trim truncate upper wordcount wordwrap"
    ).split()
)
# Left out: safe (record text would become markup), random (not reproducible),
# tojson/pprint/urlize/urlencode/xmlattr (not for Word, and tojson takes an indent).


def _width(value: Any) -> int:
    return len(value) if isinstance(value, str) else operator.index(value)


def _filter(name: str) -> str:
    return tr(f"{name} 필터", f"the filter {name}")


def _check_center(a: dict[str, Any]) -> None:
    _check_value(_filter("center"), max(len(str(a["value"])), _width(a["width"])))


def _check_indent(a: dict[str, Any]) -> None:
    text = str(a["s"])
    lines = text.count("\n") + 1
    _check_value(_filter("indent"), len(text) + lines * max(_width(a["width"]), 0))


def _check_wordwrap(a: dict[str, Any]) -> None:
    text = str(a["s"])
    wrap = a["wrapstring"] if a["wrapstring"] is not None else "\n"
    _check_value(_filter("wordwrap"), len(text) + (len(text) + 1) * len(str(wrap)))


def _check_format(a: dict[str, Any]) -> None:
    values = a["kwargs"].values() if a["kwargs"] else a["args"]
    _check_value(_filter("format"), _percent_size(str(a["value"]), values))


def _check_replace(a: dict[str, Any]) -> None:
    escaped = a["eval_ctx"].autoescape
    size = _replace_size(str(a["s"]), a["old"], a["new"], a["count"], escaped)
    _check_value(_filter("replace"), size)


def _check_join(a: dict[str, Any]) -> None:
    items = list(a["value"])
    if a["attribute"] is not None:
        getter = make_attrgetter(a["eval_ctx"].environment, a["attribute"])
        items = [getter(item) for item in items]
        a["attribute"] = None
    a["value"] = items
    size = sum(_size(item) for item in items) + len(str(a["d"])) * max(len(items) - 1, 0)
    _check_value(_filter("join"), size)


def _check_batch(a: dict[str, Any]) -> None:
    if a["fill_with"] is not None and operator.index(a["linecount"]) > MAX_RANGE:
        raise TemplateLimitError(
            tr(
                f"채울 값을 준 batch()는 한 줄에 많아야 {MAX_RANGE:,}개입니다",
                f"batch() with a fill value takes at most {MAX_RANGE:,} per line",
            )
        )


def _check_slice(a: dict[str, Any]) -> None:
    if operator.index(a["slices"]) > MAX_RANGE:
        raise TemplateLimitError(
            tr(
                f"slice()는 많아야 {MAX_RANGE:,}조각으로 나눕니다",
                f"slice() makes at most {MAX_RANGE:,} slices",
            )
        )


def _check_sum(a: dict[str, Any]) -> None:
    if not isinstance(a["start"], (int, float, Decimal)):
        raise TemplateLimitError(tr("sum()은 수만 더합니다", "sum() adds numbers only"))


_CHECKED_FILTERS: dict[str, Callable[[dict[str, Any]], None]] = {
    "center": _check_center,
    "indent": _check_indent,
    "wordwrap": _check_wordwrap,
    "format": _check_format,
    "replace": _check_replace,
    "join": _check_join,
    "batch": _check_batch,
    "slice": _check_slice,
    "sum": _check_sum,
}


def _charge_result(result: Any) -> Any:
    if isinstance(result, str):
        _spend(len(result))
    elif isinstance(result, (list, tuple)):
        _spend(_PIECE * len(result))
    return _check_int("a filter", result)


def _bounded_filter(name: str, func: F) -> F:
    offset = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
    check = _CHECKED_FILTERS.get(name)
    signature = inspect.signature(func) if check else None
    stringifies = name in _STRINGIFYING

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if stringifies and len(args) > offset and not isinstance(args[offset], str):
            _check_value(f"the filter {name}", _size(args[offset]))
        if check is not None and signature is not None:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            check(bound.arguments)
            return _charge_result(func(*bound.args, **bound.kwargs))
        return _charge_result(func(*args, **kwargs))

    return wrapper  # type: ignore[return-value]


_LOOP_FILTER = "_reportgen_loop"
_SLICE_FILTER = "_reportgen_slice"
_CONCAT_FILTER = "_reportgen_concat"


def _counted(items: Iterable[Any], budget: _Budget, cost: int) -> Iterator[Any]:
    for item in items:
        _spend_loops(budget, 1)
        _spend(cost)
        yield item


@jinja2.pass_context  # never folded into a constant when compiling, so always charged
def _loop_items(context: Any, items: Any, cost: int = 0) -> Any:
    """What a ``for`` loop iterates, charged to the render's budgets as it starts.

    ``cost`` is what one pass over the loop's body outputs besides its
    ``{{ … }}`` values (those are charged as they are printed): its literal
    XML, and a reference for each piece.
    """
    budget = _BUDGET.get()
    if budget is None:
        return items
    try:
        count = len(items)
    except TypeError:
        return _counted(items, budget, cost)
    _spend_loops(budget, count)
    _spend(count * cost)
    return items


@jinja2.pass_eval_context
def _joined(eval_ctx: nodes.EvalContext, operands: tuple[Any, ...]) -> str:
    """``a ~ b ~ c``: the operands' text is checked before it is made and joined."""
    size = 0
    for operand in operands:
        size += _size(operand, MAX_VALUE_CHARS - size)
        _check_value("'~'", size)
    _spend(size)
    return markup_join(operands) if eval_ctx.autoescape else str_join(operands)


def _sliced(value: Any) -> Any:
    """A slice ``x[a:b]`` is a copy: charged to the budget."""
    if isinstance(value, (str, list, tuple)):
        _spend(len(value))
    return value


def _filters() -> dict[str, Callable[..., Any]]:
    out: dict[str, Callable[..., Any]] = {
        name: _bounded_filter(name, FILTERS[name]) for name in (*_PLAIN_FILTERS, *_CHECKED_FILTERS)
    }
    out[_LOOP_FILTER] = _loop_items
    out[_SLICE_FILTER] = _sliced
    out[_CONCAT_FILTER] = _joined
    return out


# ---------------------------------------------------------------------------
# Functions and methods a template may call.


def _range(*args: int) -> range:
    values = range(*args)
    try:
        count = len(values)
    except OverflowError:
        count = MAX_RANGE + 1
    if count > MAX_RANGE:
        raise TemplateLimitError(
            tr(
                f"range()가 {MAX_RANGE:,}개보다 많이 셉니다(서식이 셀 수 있는 최대)",
                f"range() would count more than {MAX_RANGE:,} items (the most a template may "
                "count)",
            )
        )
    return values


_GLOBALS: dict[str, Any] = {
    "range": _range,
    "dict": dict,
    "namespace": Namespace,
    "cycler": Cycler,
    "joiner": Joiner,
}
_CALLABLE_GLOBALS = tuple(_GLOBALS.values())

_TEXT_METHODS = frozenset(
    (  # noqa: SIM905 - a word list
        "capitalize casefold count endswith find index isalnum isalpha isascii isdecimal "
        "isdigit isidentifier islower isnumeric isprintable isspace istitle isupper lower "
        "lstrip partition removeprefix removesuffix rfind rindex rpartition rsplit rstrip "
        "split splitlines startswith strip swapcase title upper striptags unescape"
    ).split()
)
_PADDING_METHODS = frozenset({"center", "ljust", "rjust", "zfill"})
_CONTAINER_METHODS = frozenset({"items", "keys", "values", "get", "count", "index", "copy"})


def _call_text_method(method: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    text: str = method.__self__
    name: str = method.__name__
    what = f"'{name}'"
    if name in _PADDING_METHODS:
        width = args[0] if args else kwargs.get("width", 0)
        _check_value(what, max(len(text), operator.index(width)))
    elif name == "expandtabs":
        size = args[0] if args else kwargs.get("tabsize", 8)
        _check_value(what, len(text) + text.count("\t") * max(operator.index(size), 0))
    elif name == "replace" and len(args) >= 2:
        count = args[2] if len(args) > 2 else kwargs.get("count")
        size = _replace_size(text, args[0], args[1], count, isinstance(text, Markup))
        _check_value(what, size)
    elif name == "join":
        items = list(args[0] if args else kwargs.get("iterable", ()))
        size = sum(_size(item) for item in items) + len(text) * max(len(items) - 1, 0)
        _check_value(what, size)
        args, kwargs = (items,), {}
    elif name not in _TEXT_METHODS:
        raise SecurityError(
            tr(
                f"글 메서드 {name!r}은(는) 서식에서 부를 수 없습니다",
                f"the text method {name!r} cannot be called in a template",
            )
        )
    return _charge_result(method(*args, **kwargs))


def _callable_name(obj: Any) -> str:
    name = getattr(obj, "__qualname__", None) or getattr(type(obj), "__qualname__", "object")
    return str(name)


# ---------------------------------------------------------------------------
# The environment


class _ReportSandbox(SandboxedEnvironment):
    """Jinja's sandbox, bounded, with a fast path for reportgen's own view objects.

    The view is frozen dataclasses of plain data (:mod:`reportgen.report.view`);
    their public fields are safe by construction, so attribute access on them
    skips the generic checks, which cost more than the rendering itself.
    Everything else (and any ``_private`` name) goes through the sandbox.

    Calls, the operators ``+ * ** %``, ``~``, slices and filters are checked
    for the size of what they would make; the shipped templates use none of
    them, so the checks cost their rendering nothing.
    """

    intercepted_binops = frozenset({"+", "*", "**", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if type(obj) in _VIEW_TYPES:
            return not attr.startswith("_")
        return super().is_safe_attribute(obj, attr, value)

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) in _VIEW_TYPES and not attribute.startswith("_"):
            try:
                return getattr(obj, attribute)
            except AttributeError:
                pass  # let Jinja produce its usual undefined / error
        return super().getattr(obj, attribute)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        size = _binop_size(operator, left, right)
        result = self.binop_table[operator](left, right)
        _spend(size)
        return _check_int(f"'{operator}'", result)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text: str = value.__self__
        mapping = value.__name__ == "format_map"

        def checked(*args: Any, **kwargs: Any) -> str:
            if mapping and args and isinstance(args[0], Mapping):
                values: Iterable[Any] = args[0].values()
            else:
                values = (*args, *kwargs.values())
            _check_value(f"'{value.__name__}'", _format_size(text, values))
            result = wrapped(*args, **kwargs)
            _spend(len(result))
            return result

        checked.reportgen_checked = True  # type: ignore[attr-defined]
        return functools.update_wrapper(checked, value)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        """Call an object from a template: only what a report needs, each checked."""
        if isinstance(__obj, Undefined):
            return __obj(*args, **kwargs)  # raises the usual "is undefined"
        if not __self.is_safe_callable(__obj):
            raise SecurityError(
                tr(
                    f"{__obj!r}은(는) 안전하게 부를 수 없습니다",
                    f"{__obj!r} is not safely callable",
                )
            )
        if isinstance(__obj, LoopContext) and args:  # loop(children) in a recursive loop
            args = (_loop_items(__context, args[0]), *args[1:])
        elif isinstance(__obj, (types.MethodType, types.BuiltinMethodType)):
            owner = __obj.__self__
            if isinstance(owner, str):
                return _call_text_method(__obj, args, kwargs)
            allowed = isinstance(owner, (LoopContext, Cycler)) or (
                isinstance(owner, (dict, list, tuple)) and __obj.__name__ in _CONTAINER_METHODS
            )
            if not allowed:
                raise SecurityError(
                    tr(
                        f"{_callable_name(__obj)}()은(는) 서식에서 부를 수 없습니다",
                        f"{_callable_name(__obj)}() cannot be called in a template",
                    )
                )
        elif not (
            isinstance(__obj, (Macro, Joiner))
            or any(__obj is f for f in _CALLABLE_GLOBALS)
            or (
                isinstance(__obj, types.FunctionType)
                and getattr(__obj, "reportgen_checked", False) is True
            )
        ):
            raise SecurityError(
                tr(
                    f"{_callable_name(__obj)}()은(는) 서식에서 부를 수 없습니다(매크로, range, dict, "
                    "namespace, cycler, joiner, loop.cycle, upper 같은 글 메서드는 부를 수 "
                    "있습니다)",
                    f"{_callable_name(__obj)}() cannot be called in a template (macros, range, "
                    "dict, namespace, cycler, joiner, loop.cycle and text methods such as upper "
                    "can)",
                )
            )
        return __context.call(__obj, *args, **kwargs)


# The view's dataclasses and its finished tables' (reportgen.report.tables:
# Table, TableRow, TableCell …), which the templates lay out cell by cell.
_VIEW_TYPES = frozenset(
    cls
    for module in (view_module, tables_module)
    for cls in vars(module).values()
    if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
)
_PLAIN_OUTPUT = frozenset({str, Markup, int, Decimal, float, bool, type(None)})


def _finalize(value: Any) -> Any:
    """Every ``{{ … }}`` value, charged to the budget; a list's text is checked before it is made."""
    budget = _BUDGET.get()
    if type(value) in _PLAIN_OUTPUT:
        size = len(value) if isinstance(value, str) else 24
    else:
        size = _check_value(tr("이 값을 찍는 일", "printing this value"), _size(value))
    if budget is not None:
        budget.chars -= size + _PIECE
        if budget.chars < 0:
            _spend(0)  # raises with the message
    return value


def _environment() -> _ReportSandbox:
    # Sandboxed: a template cannot reach files, modules or private attributes.
    # Autoescape: record text with < & " is data, never markup.
    env = _ReportSandbox(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_finalize,
    )
    env.filters = _filters()
    env.globals = dict(_GLOBALS)
    return env


_ENV = _environment()
_LENIENT = etree.XMLParser(recover=True)


# Jinja's own messages a person editing a template meets most, in Korean (the
# names in them are the template's own words).
_JINJA_KO = (
    (re.compile(r"'(.+)' is undefined"), "{0}: 정의되지 않은 이름입니다"),
    (re.compile(r"'(.+)' has no attribute '(.+)'"), "{0}에는 {1} 속성이 없습니다"),
    (re.compile(r"Encountered unknown tag '(.+?)'\.?(.*)"), "알 수 없는 태그입니다: {0}"),
    (re.compile(r"unexpected '(.+)'"), "여기에 올 수 없는 '{0}'입니다"),
    (re.compile(r"unexpected end of template.*", re.S), "태그가 닫히기 전에 서식이 끝났습니다"),
    (re.compile(r"Unexpected end of template.*", re.S), "블록이 닫히기 전에 서식이 끝났습니다"),
    (
        re.compile(r"expected token '(.+)', got '(.+)'"),
        "와야 할 것: '{0}', 있는 것: '{1}'",
    ),
    (re.compile(r"unexpected char '(.+)' at \d+"), "쓸 수 없는 문자 '{0}'입니다"),
    (re.compile(r"Expected an expression, got '(.+)'"), "식이 와야 할 자리입니다. 있는 것: '{0}'"),
)


# How Jinja names the tokens it expected or found, shown as the template writes them.
_TOKENS_KO = {
    "end of statement block": "%}",
    "end of print statement": "}}",
    "end of template": "서식의 끝",
    "end of comment": "#}",
}


def _jinja_message(message: str) -> str:
    """Jinja's English ``message`` in the interface's language, when it is a common one."""
    for pattern, korean in _JINJA_KO:
        match = pattern.fullmatch(message.strip())
        if match:
            words = [_TOKENS_KO.get(word, word) for word in match.groups()]
            return tr(korean.format(*words), message)
    return message


def _tag_near(source: str, lineno: int | None) -> str:
    """The visible text of the template around a Jinja error, tags stripped."""
    if not lineno:
        return ""
    lines = source.split("\n")
    snippet = "".join(lines[max(lineno - 1, 0) : lineno])
    try:
        text = "".join(etree.fromstring(f"<x>{snippet}</x>".encode(), _LENIENT).itertext())
    except etree.XMLSyntaxError:
        text = snippet
    text = " ".join(text.split())
    return tr(f" (“{text[:160]}” 근처)", f" near “{text[:160]}”") if text else ""


def _template_line(exc: BaseException) -> int | None:
    """The template line an exception was raised at, from its traceback."""
    line = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        template = frame.f_globals.get("__jinja_template__")
        if isinstance(template, jinja2.Template):
            line = template.get_corresponding_lineno(tb.tb_lineno)
        elif frame.f_code.co_filename == "<template>":  # a frame Jinja rewrote
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Raise :class:`_Timeout` in this block after ``seconds`` (main thread only).

    Uses SIGALRM and the real-time interval timer; the previous handler and
    timer are put back afterwards. An outer timer due sooner is left alone.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return
    previous = signal.getsignal(signal.SIGALRM)
    outer, interval = signal.getitimer(signal.ITIMER_REAL)
    if previous is None or (outer and outer <= seconds):
        yield  # a handler not set from Python, or an outer deadline that comes first
        return
    armed = True

    def expire(signum: int, frame: Any) -> None:
        if armed:
            raise _Timeout

    started = time.monotonic()
    signal.signal(signal.SIGALRM, expire)
    # Repeating: an alarm that lands in a garbage-collector callback or a
    # __del__ is reported as "Exception ignored" and lost, and a one-shot timer
    # would then never end the render. The next one comes _RETRY later.
    signal.setitimer(signal.ITIMER_REAL, seconds, _RETRY)
    try:
        yield
    finally:
        armed = False
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:
            left = outer - (time.monotonic() - started)
            signal.setitimer(signal.ITIMER_REAL, max(left, 1e-6), interval)


T = TypeVar("T")


def _guarded(where: Path | str, source: str, work: Callable[[], T]) -> T:
    """Run ``work`` (a compile or a render) within the limits; every failure a TemplateError."""
    token = _BUDGET.set(_Budget())
    try:
        with _deadline(RENDER_SECONDS):
            return work()
    except TemplateError:
        raise
    except _Timeout as exc:
        near = _tag_near(source, _template_line(exc))
        raise TemplateError(
            where,
            tr(
                f"{RENDER_SECONDS:g}초보다 오래 걸렸습니다(끝나지 않는 반복문인가요?){near}",
                f"took longer than {RENDER_SECONDS:g} seconds (a loop that never ends?){near}",
            ),
        ) from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(
            where,
            tr("깨진 태그: ", "broken tag: ")
            + _jinja_message(exc.message or "")
            + _tag_near(source, exc.lineno),
        ) from None
    except RecursionError as exc:
        near = _tag_near(source, _template_line(exc))
        raise TemplateError(
            where,
            tr(
                f"매크로나 반복문이 자신을 너무 깊이 부릅니다{near}",
                f"a macro or loop calls itself too deeply{near}",
            ),
        ) from None
    except MemoryError as exc:
        near = _tag_near(source, _template_line(exc))
        raise TemplateError(
            where, tr(f"메모리가 모자랍니다{near}", f"needs more memory than there is{near}")
        ) from None
    except jinja2.TemplateError as exc:
        near = _tag_near(source, getattr(exc, "lineno", None) or _template_line(exc))
        raise TemplateError(where, f"{_jinja_message(str(exc))}{near}") from None
    except Exception as exc:  # TypeError, ZeroDivisionError, … from an expression in a tag
        near = _tag_near(source, _template_line(exc))
        raise TemplateError(where, f"{type(exc).__name__}: {exc}{near}") from None
    finally:
        _BUDGET.reset(token)


def render(
    template: jinja2.Template, context: dict[str, Any], where: Path | str, source: str
) -> str:
    return _guarded(where, source, lambda: template.render(context))


_OTHER_TEMPLATES = (
    (nodes.Extends, "{% extends %}"),
    (nodes.Include, "{% include %}"),
    (nodes.FromImport, "{% from … import %}"),
    (nodes.Import, "{% import %}"),
)


class _Bounding(NodeTransformer):
    """Rewrite a parsed template so its loops, slices and ``~`` charge the render's budget.

    Output outside loops is bounded by the template's own size, and every
    ``{{ … }}`` value is charged when printed (:func:`_finalize`); what is
    left is a loop repeating its body's literal XML, charged as it starts.
    """

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        cost = _literal_cost(node.body)
        node.iter = self._filter(cast(nodes.Expr, node.iter), _LOOP_FILTER, [nodes.Const(cost)])
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        operands = nodes.Tuple(node.nodes, "load", lineno=node.lineno)
        return self._filter(operands, _CONCAT_FILTER, [])

    def visit_Getitem(self, node: nodes.Getitem) -> nodes.Node:
        self.generic_visit(node)
        if isinstance(node.arg, nodes.Slice):
            return self._filter(node, _SLICE_FILTER, [])
        return node

    @staticmethod
    def _filter(node: nodes.Expr, name: str, args: list[nodes.Expr]) -> nodes.Filter:
        wrapped = nodes.Filter(node, name, args, [], None, None, lineno=node.lineno)
        wrapped.set_environment(_ENV)
        return wrapped


def _literal_cost(body: Iterable[nodes.Node]) -> int:
    """What one pass over ``body`` outputs without calling finalize: constant text.

    Nested loops charge for themselves (but their ``else`` runs in this pass).
    """
    cost = 0
    eval_ctx = nodes.EvalContext(_ENV)
    stack = list(body)
    while stack:
        node = stack.pop()
        if isinstance(node, nodes.For):
            stack.extend(node.else_)
            continue
        if isinstance(node, nodes.Output):
            for child in node.nodes:
                cost += _PIECE
                if isinstance(child, nodes.TemplateData):
                    cost += len(child.data)
                    continue
                with suppress(Exception):  # not constant: finalize charges it
                    cost += len(str(child.as_const(eval_ctx)))  # folded at compile time
        stack.extend(node.iter_child_nodes())
    return cost


def compile_source(source: str, where: Path | str) -> jinja2.Template:
    """Compile a tag source: no other templates, every loop charged to the budget."""
    return from_code(compile_code(source, where))


def from_code(code: types.CodeType) -> jinja2.Template:
    """The template whose code :func:`compile_code` made, in this sandbox's environment.

    The code carries the bounds (loops, slices and ``~`` call the budget's
    filters; every value goes through :func:`_finalize`), so a template made
    from code kept in a cache runs within the same limits as one compiled now.
    """
    return _ENV.template_class.from_code(_ENV, code, _ENV.make_globals(None), None)


def compile_code(source: str, where: Path | str) -> types.CodeType:
    """:func:`compile_source` up to Python code (what a cache of compiled templates keeps)."""

    def work() -> types.CodeType:
        tree = _ENV.parse(source)
        for kind, tag in _OTHER_TEMPLATES:
            found = tree.find(kind)
            if found is not None:
                raise TemplateError(
                    where,
                    tr(
                        f"{tag}은(는) 쓸 수 없습니다(서식은 문서 하나이고 다른 파일을 읽지 "
                        f"않습니다){_tag_near(source, found.lineno)}",
                        f"{tag} is not supported (a template is one document and reads no other "
                        f"file){_tag_near(source, found.lineno)}",
                    ),
                )
        _Bounding().visit(tree)
        return cast(types.CodeType, _ENV.compile(tree))

    return _guarded(where, source, work)
