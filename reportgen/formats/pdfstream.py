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
expression finds every reference outside the strings. Each object is cut
there once (:func:`pieces`: its text between references, and the
references) and kept so by the cache the copies of one source share, so a
copy renumbers it with a dictionary look-up per reference and a join.

**Measured** (the Python side of a 300-pledge build replayed on the 28
parts LibreOffice exported, 1,510 pages, 0.92 M objects each copied twice:
into a pledge's PDF and into the booklet; CPU seconds, old and new
alternately in one process, the same bytes out): a regular expression
substituting every reference through a Python callback on each copy (1.8 M
substitutions, 5.8 M callbacks): the pledges' PDFs 14.3 s, the booklet 5.3
s; each object cut once, then joined: 14.6 s and 3.2 s. The pledges' copy
gains nothing (it pays for the cut); two thirds of it was qpdf reading each
object (``get_object``, ``unparse``: ~0.3 s a part) and cutting it. So the
objects LibreOffice wrote plainly are read from the part's file
(:class:`RawObjects`: the pages, which qpdf changes, and the streams still
through qpdf): against the regular expression, 15.4 -> 12.9 s and 5.9 ->
3.4 s (one replay each, alternately; the bytes differ only in how each
dictionary is spelt: LibreOffice's key order and spacing, not qpdf's).
"""

from __future__ import annotations

import hashlib
import io
import itertools
import operator
import re
import struct
import sys
import zlib
from array import array
from collections.abc import Callable
from decimal import Decimal
from typing import IO, Any

# A literal string (qpdf escapes the parentheses inside) or a reference. A
# match cannot start inside a number: qpdf writes a reference only as N G R,
# so where digits before N would make another reference, there is none.
_TOKEN = re.compile(rb"(\((?:[^\\()]|\\.)*\))|(\d+ \d+ R)\b")
# The same where there is no string: a split keeps the references.
_REFERENCE = re.compile(rb"(\d+ \d+ R)\b")
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
        # A number for an object to be written later (a counter's, without a
        # Python call: a booklet hands out a million); the arrays above grow
        # when an object is placed.
        self.new: Callable[[], int] = itertools.count(1).__next__
        major, _, minor = version.partition(".")
        if (int(major), int(minor or 0)) < (1, 5):
            version = "1.5"  # object streams
        # The comment of bytes over 127 marks the file binary (PDF/A asks for it).
        self._write(b"%%PDF-%s\n%%\xbf\xf7\xa2\xfe\n" % version.encode("ascii"))

    def _write(self, data: bytes) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.offset += len(data)

    def _grow(self, number: int) -> None:
        """Room in the arrays for object ``number``."""
        more = max(number + 1, 2 * len(self.kind)) - len(self.kind)
        self.kind.extend(bytes(more))
        self.where.frombytes(bytes(4 * more))
        self.index.frombytes(bytes(2 * more))

    def _place(self, number: int, kind: int, where: int, index: int) -> None:
        if number >= len(self.kind):
            self._grow(number)
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
        """The pending objects as one object stream (emptying ``pending``, the same list)."""
        if not self.pending:
            return
        number = self.new()
        numbers, bodies = zip(*self.pending, strict=True)
        self.pending.clear()
        count = len(bodies)
        # Each body's offset: the lengths before it, and a newline after each.
        offsets = [0, *map(operator.add, itertools.accumulate(map(len, bodies)), range(1, count))]
        kind, where, index = self.kind, self.where, self.index
        if max(numbers) >= len(kind):
            self._grow(max(numbers))
        for k, n in enumerate(numbers):
            if kind[n]:
                raise ValueError(f"object {n} written twice")
            kind[n] = 2
            where[n] = number
            index[n] = k
        first = " ".join(map("{} {}".format, numbers, offsets)).encode("ascii") + b"\n"
        data = zlib.compress(first + b"\n".join(bodies), LEVEL)
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
        # Every number handed out, and no more.
        del self.kind[xref + 1 :], self.where[xref + 1 :], self.index[xref + 1 :]
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


# An object as unparsed, cut at its references (see :func:`pieces`).
Pieces = bytes | list[bytes]


def pieces(body: bytes) -> Pieces:
    """``body`` cut at its references: text, reference, text … text; itself when it has none.

    The references are at the odd indexes, as qpdf unparses them (``b"12 0 R"``);
    one inside a literal string is text.
    """
    if b" R" not in body:  # found at C speed: a third of LibreOffice's objects
        return body
    if b"(" not in body:
        cut = _REFERENCE.split(body)
    else:
        split = _TOKEN.split(body)  # text, string, reference, text …
        cut = [split[0]]
        for k in range(1, len(split), 3):
            string, reference, text = split[k], split[k + 1], split[k + 2]
            if reference is None:
                cut[-1] += string + text
            else:
                cut += (reference, text)
    return body if len(cut) == 1 else cut


# A body of plain PDF syntax: each token whole (atomic: no backtracking),
# a reference only as ``N G R`` (what :func:`pieces` finds), a literal string
# only without parentheses or escapes inside, no stream, no comment. What
# does not read so is taken from qpdf instead.
_DELIMITED = rb"(?![^\x00\t\n\x0c\r ()<>\[\]{}/%])"
_PLAIN = re.compile(
    rb"(?>[\x00\t\n\x0c\r ]+|<<|>>|\[|\]|\d+ \d+ R"
    + _DELIMITED
    + rb"|[+-]?(?:\d+\.?\d*|\.\d+)"
    + _DELIMITED
    + rb"|/[^\x00\t\n\x0c\r ()<>\[\]{}/%]*|\([^()\\]*\)|<[0-9A-Fa-f\t\n\r ]*>"
    + rb"|(?:true|false|null)"
    + _DELIMITED
    + rb")*+"
)
_XREF = re.compile(rb"xref\r?\n0 (\d+)\r?\n")
_XREF_ENTRY = re.compile(rb"(\d{10}) (\d{5}) ([nf])\s{1,2}")


class RawObjects:
    """The objects of a PDF as its file spells them, found through its one cross-reference table.

    Reading an object through qpdf (``get_object``, then ``unparse``) was
    two thirds of copying a part (~10 µs an object, 33,000 objects a part);
    LibreOffice writes each object plainly (``N 0 obj … endobj``, one
    classic cross-reference table), so most can be taken from the file as
    they are. :meth:`body` answers None for what must still come from qpdf:
    a stream, what does not read as plain syntax (see ``_PLAIN``), and what
    was changed in qpdf's copy (:attr:`changed`: the pages, whose resources
    :func:`reportgen.formats.pdfbooklet.cut_pages` trims, what the booklet renumbers).
    """

    def __init__(self, data: bytes, offsets: dict[bytes, int]) -> None:
        self.data = data
        self.offsets = offsets  # a reference (b"12 0 R") -> where its object starts
        self.changed: set[bytes] = set()

    @classmethod
    def read(cls, data: bytes) -> RawObjects | None:
        """The objects of ``data``; None unless it has one classic table, from object 0."""
        tail = data[-1024:]
        if data.count(b"startxref") != 1 or b"/Prev" in tail or b"/XRefStm" in tail:
            return None
        at = re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", tail)
        if at is None:
            return None
        table = _XREF.match(data, int(at.group(1)))
        if table is None:
            return None
        count = int(table.group(1))
        offsets = {}
        position = table.end()
        for number in range(count):
            entry = _XREF_ENTRY.match(data, position)
            if entry is None:
                return None
            position = entry.end()
            if entry.group(3) == b"n":
                offsets[b"%d %d R" % (number, int(entry.group(2)))] = int(entry.group(1))
        if not data.startswith(b"trailer", position):
            return None  # another subsection: not LibreOffice's plain table
        return cls(data, offsets)

    def change(self, objgen: tuple[int, int]) -> None:
        """Object ``objgen`` was changed in qpdf's copy: its body is qpdf's, not the file's."""
        self.changed.add(_key(objgen))

    def body(self, key: bytes) -> bytes | None:
        """The object ``key`` as the file spells it, if plain and unchanged."""
        at = self.offsets.get(key)
        if at is None or key in self.changed:
            return None
        head = key[:-1] + b"obj"  # b"12 0 R" -> b"12 0 obj"
        if not self.data.startswith(head, at):
            return None
        start = at + len(head)
        end = self.data.find(b"endobj", start)
        if end < 0:
            return None
        body = self.data[start:end].strip()
        if not body or b"stream" in body or _PLAIN.fullmatch(body) is None:
            return None
        return body


class Copier:
    """Objects of one source PDF copied into a :class:`PdfWriter`, each once, renumbered.

    ``fixed`` maps a source object (number, generation) to an object of the
    output that stands for it (the part's page tree: the booklet's): it is
    referred to, never copied. Everything a copied object refers to is copied
    too, when :meth:`drain` runs. ``cache`` (shared by the copiers of one
    source) keeps each object as unparsed and cut at its references
    (:func:`pieces`), so copying it again into another output costs only the
    renumbering; an object changed in the source must be taken out of it
    (:meth:`forget`).
    """

    def __init__(
        self,
        source: Any,
        writer: PdfWriter,
        fixed: dict[tuple[int, int], int],
        cache: dict[bytes, tuple[Pieces, bytes | None]] | None = None,
        raw: RawObjects | None = None,
    ) -> None:
        self.source = source
        self.writer = writer
        self.cache = {} if cache is None else cache
        self.raw = raw
        # A reference in the source, as unparsed -> the same reference in the output.
        self.refs = {_key(k): b"%d 0 R" % v for k, v in fixed.items()}
        # (reference in the source, number in the output), to be copied
        self.queue: list[tuple[bytes, int]] = []

    def fix(self, objgen: tuple[int, int], number: int) -> None:
        """Refer to the output's object ``number`` wherever the source refers to ``objgen``."""
        self.refs[_key(objgen)] = b"%d 0 R" % number

    def forget(self, objgen: tuple[int, int]) -> None:
        """``objgen`` was changed in the source: unparse it again (not from the file)."""
        key = _key(objgen)
        self.cache.pop(key, None)
        if self.raw is not None:
            self.raw.change(objgen)

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

    def renumbered(self, cut: list[bytes]) -> bytes:
        """An object cut by :func:`pieces`, its references the output's.

        A reference met for the first time gets the next number and is queued
        to be copied, in the order the references come (as a substitution
        from the left would meet them). (A step per reference measured
        faster than mapping the look-ups and numbering the new ones at once:
        a third of the references are new, and an object has one or two.)
        """
        refs, new, queue = self.refs, self.writer.new, self.queue
        out = cut.copy()
        for k in range(1, len(out), 2):
            key = out[k]
            found = refs.get(key)
            if found is None:
                number = new()
                found = refs[key] = b"%d 0 R" % number
                queue.append((key, number))
            out[k] = found
        return b"".join(out)

    def value(self, value: Any) -> bytes:
        """``value`` (of the source) in PDF syntax, its references renumbered."""
        import pikepdf

        if isinstance(value, pikepdf.Object) and value.is_indirect:
            return b"%d 0 R" % self.ref(value.objgen)
        cut = pieces(unparse(value))
        return cut if isinstance(cut, bytes) else self.renumbered(cut)

    def drain(self) -> None:
        """Copy every object referred to so far, and what they refer to."""
        import pikepdf

        get, cache, queue, renumbered = (
            self.source.get_object,
            self.cache,
            self.queue,
            self.renumbered,
        )
        writer = self.writer
        # PdfWriter.put without a call per object.
        pending, flush, put_stream = writer.pending, writer._flush, writer.put_stream
        stream, pdf_object = pikepdf.Stream, pikepdf.Object
        raw = self.raw.body if self.raw is not None else None
        while queue:
            key, number = queue.pop()
            entry = cache.get(key)
            if entry is None:
                plain = raw(key) if raw is not None else None
                if plain is None:
                    entry = cache[key] = unparsed(get, key, stream, pdf_object)
                else:
                    entry = cache[key] = (pieces(plain), None)
            body, stored = entry
            if body.__class__ is not bytes:
                body = renumbered(body)  # type: ignore[arg-type]
            if stored is None:
                pending.append((number, body))  # type: ignore[arg-type]
                if len(pending) >= OBJECTS_PER_STREAM:
                    flush()
            else:
                put_stream(number, body, stored)  # type: ignore[arg-type]


#: The creation time every ICC profile is given: the one reproducible_pdf gives the PDF.
PROFILE_TIME = struct.pack(">6H", 2000, 1, 1, 0, 0, 0)


def fixed_profile(data: bytes, filter: Any, parameters: Any) -> bytes:
    """An ICC profile's stream data, its creation time fixed (anything else as it is).

    LibreOffice embeds its sRGB profile (a PDF/A file's output intent)
    stamped with the time of the export, in the profile's header (bytes
    24-35: year, month, day, hour, minute, second): two builds a minute apart
    differed only there. The stream is deflated (/FlateDecode, without
    parameters) as LibreOffice writes it; any other is left alone.
    """
    if str(filter) != "/FlateDecode" or parameters is not None:
        return data
    try:
        raw = zlib.decompress(data)
    except zlib.error:
        return data
    if len(raw) < 128 or raw[36:40] != b"acsp" or raw[24:36] == PROFILE_TIME:
        return data
    return zlib.compress(raw[:24] + PROFILE_TIME + raw[36:], LEVEL)


def unparsed(get: Any, key: bytes, stream: Any, pdf_object: Any) -> tuple[Pieces, bytes | None]:
    """The object ``key`` (a reference, ``b"12 0 R"``) of a source as qpdf unparses it, cut.

    A stream's dictionary then its data as stored, its /Length that data's.
    The text is cut at its references (:func:`pieces`).
    """
    n, g, _ = key.split(b" ")
    obj = get(int(n), int(g))
    if isinstance(obj, stream):
        data = obj.read_raw_bytes()
        if "/N" in obj.stream_dict:  # an ICC profile's dictionary has /N, its components
            data = fixed_profile(
                data, obj.stream_dict.get("/Filter"), obj.stream_dict.get("/DecodeParms")
            )
        obj.stream_dict.Length = len(data)  # the source is never written back
        return pieces(obj.stream_dict.unparse(resolved=True)), data
    if isinstance(obj, pdf_object):
        return pieces(obj.unparse(resolved=True)), None
    return pieces(unparse(obj)), None


def to_bytes(write: Callable[[PdfWriter], tuple[int, int | None]], version: str) -> bytes:
    """The bytes of a PDF ``write(writer)`` makes, returning its root and info objects."""
    buffer = io.BytesIO()
    writer = PdfWriter(buffer, version)
    root, info = write(writer)
    writer.close(root, info)
    return buffer.getvalue()
