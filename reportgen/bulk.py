"""Speed for stages that create millions of small objects at once.

Three ways: pause the cyclic collector while they are made
(:func:`bulk_allocation`), make a part only when something reads it
(:func:`made_on_first_use`), and make a frozen dataclass without a setattr
call per field where one is made by the ten thousand (:func:`built`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import gc
from collections.abc import Callable, Iterator
from typing import Any, Generic, TypeVar, cast

_T = TypeVar("_T")

_new = object.__new__


@contextlib.contextmanager
def bulk_allocation() -> Iterator[None]:
    """Pause the cyclic garbage collector while a build allocates its objects.

    Loading and viewing hundreds of records creates millions of small,
    acyclic objects; the collector's repeated scans of them cost more than
    the work itself (about half the time of loading and viewing, measured).
    Reference counting still frees everything; cycles are collected after.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _Unmade:
    """The default of a field made on first use: "not made yet, make it when read"."""

    def __repr__(self) -> str:
        return "<made on first use>"


UNMADE: Any = _Unmade()


class _Lazy(Generic[_T]):
    """A dataclass field whose value is made the first time it is read, then kept.

    Most of a report's view is read by few: a rebuild after one pledge changed
    takes 299 pledges' files back by key and reads of them only what the
    report-wide totals need. The rest (a money table's rows, widths and
    finished table, a pledge's progress lines …) is made when a writer or a
    test first reads it.

    It stays a field: the constructor takes it (a value given is kept as is),
    and ``==``, ``hash``, ``repr``, :func:`dataclasses.replace` and
    :func:`dataclasses.fields` see it, each reading (so making) it. It is a
    non-data descriptor, as :func:`functools.cached_property` is: once made,
    the value sits in the instance's ``__dict__`` and is read at full speed.
    The class's ``__post_init__`` calls :func:`unmade`, which clears
    :data:`UNMADE` from ``__dict__`` so that the first read reaches the
    descriptor. What ``make`` reads beside the fields is kept in the
    instance's ``__dict__`` under a private name (:func:`made_from`), so a
    copy or a pickle carries it.
    """

    def __init__(self, make: Callable[[Any], _T]) -> None:
        self.make = make
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, obj: Any, owner: type | None = None) -> _T:
        if obj is None:
            return cast(_T, UNMADE)  # the field's default, as dataclasses reads it
        value = self.make(obj)
        obj.__dict__[self.name] = value  # a frozen instance too: made once, then kept
        return value


def made_on_first_use(make: Callable[[Any], _T]) -> _T:
    """A dataclass field's default: the value ``make(instance)``, made when first read.

    The class lists these fields in its ``__post_init__``:
    ``unmade(self, ("rows", …))`` (see :class:`_Lazy`).
    """
    return cast(_T, _Lazy(make))


def unmade(obj: object, names: tuple[str, ...]) -> None:
    """Clear the fields of ``names`` given no value, so that reading them makes them."""
    state = obj.__dict__
    for name in names:
        if state[name] is UNMADE:
            del state[name]


class Deferred:
    """What an object's fields made on first use are made from, itself made when first needed.

    A view carried from an earlier build (:mod:`reportgen.report.carried`)
    holds its report-wide fields but not what its pages are made from: that
    is made again, from the record, only if some writer reads a page's part.
    """

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]) -> None:
        self.make = make


def made_from(obj: object, name: str) -> Any:
    """What ``obj``'s fields made on first use are made from, kept under ``name`` beside them."""
    state = obj.__dict__
    try:
        value = state[name]
    except KeyError:
        raise TypeError(
            f"{type(obj).__name__} was built without {name}: give every field made on "
            "first use a value, or build it with the function that makes it"
        ) from None
    if type(value) is Deferred:
        value = state[name] = value.make()
    return value


def lazy_fields(cls: type) -> tuple[str, ...]:
    """The names of ``cls``'s fields made on first use (:func:`made_on_first_use`)."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.default is UNMADE)


def built(cls: type[_T], /, **fields: Any) -> _T:
    """``cls(**fields)`` for a frozen dataclass made by the ten thousand, at about half the cost.

    A frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, one call a field; a view of 300 pledges makes
    some 100,000 lines, cells and rows, and a diff as many changes. This
    fills the new instance's ``__dict__`` at once: the same value (``==``,
    ``hash``, ``repr``, pickling) as ``cls(**fields)`` when *every* field is
    given by name. Nothing else is done: no default is filled in and no
    ``__post_init__`` runs, so it is only for plain frozen dataclasses, with
    every field given (each caller's test compares with the constructor).
    """
    obj = _new(cls)
    obj.__dict__.update(fields)
    return obj
