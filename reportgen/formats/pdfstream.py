"""A PDF written to a file as its objects are made, copying them out of PDFs pikepdf reads.

qpdf (through pikepdf) writes a PDF from objects it holds in memory, every
one of them until the file is written. A tagged booklet is mostly its
structure tree, about 600 small objects a page, so joining its parts in
qpdf held ~1.8 MB a page (3.0 GB at 300 pledges). :class:`PdfWriter`
keeps only where each object went: a source PDF is opened with pikepdf
(qpdf parses each object when asked), each object qpdf unparses is written
with its references renumbered (:class:`Copier`), and the source can be
closed before the next is opened. Small objects are packed into deflated
object streams and the file ends with a cross-reference stream (PDF 1.5,
as qpdf writes with ``object_stream_mode=generate``; PDF/A-2 allows both);
streams (page contents, fonts, the ICC profile, the XMP) are copied as they
are, still compressed, with their exact /Length.

Renumbering works on qpdf's own unparsed syntax, where a reference is
``N G R`` and a literal string has every parenthesis escaped: one regular
expression finds every reference outside the strings.
"""

from __future__ import annotations

import hashlib
import io
import re
import sys
import zlib
from array import array
from collections.abc import Callable
from decimal import Decimal
from typing import IO, Any

# A literal string (qpdf escapes the parentheses inside) or a reference. A
# match cannot start inside a number: qpdf writes a reference only as N G R,
# so where digits before N would make another reference, there is none.
_TOKEN = re.compile(rb"\((?:[^\\()]|\\.)*\)|(\d+) (\d+) R\b")
OBJECTS_PER_STREAM = 100  # as qpdf packs them
LEVEL = 6  # zlib's default, as qpdf deflates
# The cross-reference stream is written last, when every part is done and the
# build waits for it: at level 6 a booklet's (6.5 MB, a million objects) took
# 0.67 s to deflate to 1.8 MB, at level 1 0.05 s to 2.5 MB.
XREF_LEVEL = 1


class PdfWriter:
    """Objects written to ``file`` as they come; :meth:`close` adds the cross-reference stream."""

    def __init__(self, file: IO[bytes], version: str = "1.5") -> None:
        self.file = file
        self.digest = hashlib.md5(usedforsecurity=False)
        self.offset = 0
        # The cross-reference stream's three fields, by object number, filled
        # in as objects are written (kept in arrays: a booklet has a million):
        # 1 in the file at offset, or 2 in object stream number at index.
        self.kind = bytearray(b"\x00")  # object 0: the head of the free list
        self.where = array("I", [0])
        self.index = array("H", [0xFFFF])
        self.pending: list[tuple[int, bytes]] = []  # small objects for the next object stream
        major, _, minor = version.partition(".")
        if (int(major), int(minor or 0)) < (1, 5):
            version = "1.5"  # object streams
        # The comment of bytes over 127 marks the file binary (PDF/A asks for it).
        self._write(b"%%PDF-%s\n%%\xbf\xf7\xa2\xfe\n" % version.encode("ascii"))

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.offset += len(data)

    def new(self) -> int:
        """A number for an object to be written later."""
        self.kind.append(0)
        self.where.append(0)
        self.index.append(0)
        return len(self.kind) - 1

    def _place(self, number: int, kind: int, where: int, index: int) -> None:
        if self.kind[number]:
            raise ValueError(f"object {number} written twice")
        self.kind[number] = kind
        self.where[number] = where
        self.index[number] = index

    def put(self, number: int, body: bytes) -> None:
        """A small object (no stream): packed into an object stream."""
        self.pending.append((number, body))
        if len(self.pending) >= OBJECTS_PER_STREAM:
            self._flush()

    def put_stream(self, number: int, dictionary: bytes, data: bytes) -> None:
        """A stream: ``dictionary`` (its /Length already ``len(data)``) and its data as stored."""
        self._place(number, 1, self.offset, 0)
        self._write(b"%d 0 obj\n%s\nstream\n" % (number, dictionary))
        self._write(data)
        self._write(b"\nendstream\nendobj\n")

    def _flush(self) -> None:
        if not self.pending:
            return
        number = self.new()
        bodies = [body for _n, body in self.pending]
        count = len(bodies)
        head, at = [], 0
        for k, (n, body) in enumerate(self.pending):
            head.append(b"%d %d" % (n, at))
            at += len(body) + 1
            self._place(n, 2, number, k)
        first = b" ".join(head) + b"\n"
        data = zlib.compress(first + b"\n".join(bodies), LEVEL)
        self.pending = []
        self.put_stream(
            number,
            b"<< /Type /ObjStm /N %d /First %d /Filter /FlateDecode /Length %d >>"
            % (count, len(first), len(data)),
            data,
        )

    def close(self, root: int, info: int | None) -> None:
        """Write what is pending and the cross-reference stream naming ``root`` and ``info``."""
        self._flush()
        xref = self.new()
        self._place(xref, 1, self.offset, 0)
        missing = self.kind.find(0, 1)
        if missing >= 0:
            raise ValueError(f"object {missing} numbered but never written")
        # Rows of 1 + 4 + 2 bytes, big-endian, laid out field by field.
        rows = bytearray(7 * len(self.kind))
        rows[0::7] = self.kind
        where, index = array("I", self.where), array("H", self.index)
        if sys.byteorder == "little":
            where.byteswap()
            index.byteswap()
        for k, (field, size) in enumerate(((where.tobytes(), 4), (index.tobytes(), 2))):
            for b in range(size):
                rows[1 + 4 * k + b :: 7] = field[b::size]
        data = zlib.compress(rows, XREF_LEVEL)
        # Deterministic: the identifier is a digest of what the file holds, as
        # qpdf's deterministic_id makes it.
        ident = self.digest.hexdigest().encode("ascii")
        trailer = b"<< /Type /XRef /Size %d /W [ 1 4 2 ] /Root %d 0 R%s /ID [ <%s> <%s> ]" % (
            xref + 1,
            root,
            b"" if info is None else b" /Info %d 0 R" % info,
            ident,
            ident,
        )
        start = self.offset
        self._write(
            b"%d 0 obj\n%s /Filter /FlateDecode /Length %d >>\nstream\n"
            % (xref, trailer, len(data))
        )
        self._write(data)
        self._write(b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % start)


def unparse(value: Any) -> bytes:
    """A direct value (a Python scalar or a pikepdf object) in PDF syntax."""
    import pikepdf

    if isinstance(value, pikepdf.Object):
        return value.unparse(resolved=True)
    if value is None:
        return b"null"
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, int | Decimal):
        return str(value).encode("ascii")
    return pikepdf.Array([value]).unparse()[2:-2]


def _key(objgen: tuple[int, int]) -> bytes:
    """A reference as qpdf unparses it."""
    return b"%d %d R" % objgen


class Copier:
    """Objects of one source PDF copied into a :class:`PdfWriter`, each once, renumbered.

    ``fixed`` maps a source object (number, generation) to an object of the
    output that stands for it (the part's page tree: the booklet's): it is
    referred to, never copied. Everything a copied object refers to is copied
    too, when :meth:`drain` runs. ``cache`` (shared by the copiers of one
    source) keeps each object as unparsed, so copying it again into another
    output costs only the renumbering; an object changed in the source must
    be taken out of it (:meth:`forget`).
    """

    def __init__(
        self,
        source: Any,
        writer: PdfWriter,
        fixed: dict[tuple[int, int], int],
        cache: dict[bytes, tuple[bytes, bytes | None]] | None = None,
    ) -> None:
        self.source = source
        self.writer = writer
        self.cache = {} if cache is None else cache
        # A reference in the source, as unparsed -> the same reference in the output.
        refs = self.refs = {_key(k): b"%d 0 R" % v for k, v in fixed.items()}
        queue: list[tuple[bytes, int]] = []  # (reference in the source, number in the output)
        self.queue = queue
        new = writer.new

        def renumber(match: re.Match[bytes]) -> bytes:
            key = match[0]
            out = refs.get(key)
            if out is None:
                if match[1] is None:
                    return key  # a string
                number = new()
                out = refs[key] = b"%d 0 R" % number
                queue.append((key, number))
            return out

        self.renumber = renumber

    def fix(self, objgen: tuple[int, int], number: int) -> None:
        """Refer to the output's object ``number`` wherever the source refers to ``objgen``."""
        self.refs[_key(objgen)] = b"%d 0 R" % number

    def forget(self, objgen: tuple[int, int]) -> None:
        """``objgen`` was changed in the source: unparse it again."""
        self.cache.pop(_key(objgen), None)

    def ref(self, objgen: tuple[int, int]) -> int:
        """The output's number for the source's object ``objgen`` (copied by :meth:`drain`)."""
        key = _key(objgen)
        out = self.refs.get(key)
        if out is None:
            number = self.writer.new()
            self.refs[key] = b"%d 0 R" % number
            self.queue.append((key, number))
            return number
        return int(out.split(b" ", 1)[0])

    def value(self, value: Any) -> bytes:
        """``value`` (of the source) in PDF syntax, its references renumbered."""
        import pikepdf

        if isinstance(value, pikepdf.Object) and value.is_indirect:
            return b"%d 0 R" % self.ref(value.objgen)
        return _TOKEN.sub(self.renumber, unparse(value))

    def drain(self) -> None:
        """Copy every object referred to so far, and what they refer to."""
        import pikepdf

        get, cache, queue, renumber, sub = (
            self.source.get_object,
            self.cache,
            self.queue,
            self.renumber,
            _TOKEN.sub,
        )
        put, put_stream = self.writer.put, self.writer.put_stream
        stream, pdf_object = pikepdf.Stream, pikepdf.Object
        while queue:
            key, number = queue.pop()
            entry = cache.get(key)
            if entry is None:
                entry = cache[key] = unparsed(get, key, stream, pdf_object)
            body, stored = entry
            if stored is None:
                put(number, sub(renumber, body))
            else:
                put_stream(number, sub(renumber, body), stored)


def unparsed(get: Any, key: bytes, stream: Any, pdf_object: Any) -> tuple[bytes, bytes | None]:
    """The object ``key`` (a reference, ``b"12 0 R"``) of a source as qpdf unparses it.

    A stream's dictionary then its data as stored, its /Length that data's.
    """
    n, g, _ = key.split(b" ")
    obj = get(int(n), int(g))
    if isinstance(obj, stream):
        data = obj.read_raw_bytes()
        obj.stream_dict.Length = len(data)  # the source is never written back
        return obj.stream_dict.unparse(resolved=True), data
    if isinstance(obj, pdf_object):
        return obj.unparse(resolved=True), None
    return unparse(obj), None


def to_bytes(write: Callable[[PdfWriter], tuple[int, int | None]], version: str) -> bytes:
    """The bytes of a PDF ``write(writer)`` makes, returning its root and info objects."""
    buffer = io.BytesIO()
    writer = PdfWriter(buffer, version)
    root, info = write(writer)
    writer.close(root, info)
    return buffer.getvalue()
