"""Element helpers for raw OOXML, kept in this one small module.

Everything that touches WordprocessingML or the zip package directly lives
here, built on lxml trees (never regular expressions over serialized XML):
deterministic packaging, East Asian font slots, vertical merges, bookmarks.
"""

from __future__ import annotations

import array
import hashlib
import io
import itertools
import os
import re
import stat
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from ..errors import TemplateError
from ..i18n import os_reason, tr

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
W = f"{{{W_NS}}}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

# 1980-01-01 00:00:00 is the earliest time a zip entry can carry; every
# entry gets it so two builds of the same input are byte-identical.
FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_FIRST_ENTRIES = ("[Content_Types].xml", "_rels/.rels")


_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1  # 1980-01-01 00:00:00
_COMPRESS_LEVEL = 6
_LARGE_PART = 4 * 1024 * 1024
# Template parts (styles, theme, settings …) are the same bytes in every
# document: deflate each once. bytes objects cache their hash, so a lookup of
# the same object costs nothing after the first.
_deflated: dict[bytes, tuple[int, bytes]] = {}
_CACHE_LIMIT = 512


def _deflate(data: bytes, cache: bool) -> tuple[int, bytes]:
    if cache:
        hit = _deflated.get(data)
        if hit is not None:
            return hit
    # A booklet's document.xml runs to tens of megabytes of repetitive XML:
    # level 3 deflates it in half the time of level 6 for ~20% more bytes.
    level = _COMPRESS_LEVEL if len(data) < _LARGE_PART else 3
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    result = (zlib.crc32(data), co.compress(data) + co.flush())
    if cache:
        if len(_deflated) >= _CACHE_LIMIT:
            _deflated.clear()
        _deflated[data] = result
    return result


def deflate_part(data: bytes, *, static: bool = False) -> Deflated:
    """``data`` deflated exactly as :func:`write_package` deflates a part (``static``: one named in its ``static``)."""
    crc, packed = _deflate(data, static)
    return Deflated(crc, len(data), packed)


def _deflate_chunks(chunks: Sequence[bytes]) -> tuple[int, int, bytes]:
    """(crc, size, deflated) of a part given in pieces, never joined into one string.

    Deflate's output does not depend on how its input is cut, so this is the
    same as deflating the joined bytes, without a second copy of a large part.
    """
    size = sum(len(c) for c in chunks)
    level = _COMPRESS_LEVEL if size < _LARGE_PART else 3
    co = zlib.compressobj(level, zlib.DEFLATED, -15)
    crc = 0
    packed = []
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
        packed.append(co.compress(chunk))
    packed.append(co.flush())
    return crc, size, b"".join(packed)


class Deflated(NamedTuple):
    """A part still deflated as a zip entry holds it: CRC-32, inflated size, raw deflate bytes.

    An unchanged part of a package reportgen wrote before (a workbook's
    sheet) goes into the next package as it is, never inflated and deflated
    again (:func:`deflated_parts`).
    """

    crc: int
    size: int
    packed: bytes


def deflate(data: bytes) -> Deflated:
    """``data`` deflated now, exactly as :func:`write_package` would deflate it.

    A writer that makes many parts (a workbook's sheets) holds each one
    deflated, a tenth of its size, until the package is written.
    """
    crc, packed = _deflate(data, False)
    return Deflated(crc, len(data), packed)


def deflated_parts(data: bytes, *, views: bool = False) -> dict[str, Deflated]:
    """Every deflated part of a package reportgen wrote, as it lies in the zip (nothing inflated).

    Only for bytes reportgen itself wrote and whose digest still matches
    (``read_package(..., own=True)``): the entries' CRCs are taken as they are.

    ``views``: each part's bytes a view into ``data``, not a copy (a booklet's
    body is megabytes): for a caller that only slices, measures and joins
    them (:func:`checked_segments`, :func:`write_package`).
    """
    source = memoryview(data) if views else data
    entries = _plain_directory(data)
    if entries is None:  # not laid out as write_package lays a zip out: zipfile reads it
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            entries = [
                (i.filename, i.compress_type, i.CRC, i.compress_size, i.file_size, i.header_offset)
                for i in zf.infolist()
            ]
    parts: dict[str, Deflated] = {}
    for name, method, crc, compressed, size, offset in entries:
        if name.endswith("/") or method != zipfile.ZIP_DEFLATED:
            continue
        header = data[offset : offset + 30]
        if len(header) != 30 or header[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"{name!r}: a damaged entry")
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_len + extra_len
        packed = source[start : start + compressed]
        if len(packed) != compressed:
            raise zipfile.BadZipFile(f"{name!r}: a damaged entry")
        # (A view stands in for bytes: sliced, measured and joined alike.)
        parts[name] = Deflated(crc, size, packed)  # type: ignore[arg-type]
    return parts


_DirectoryEntry = tuple[str, int, int, int, int, int]  # name, method, CRC, sizes, offset


def _plain_directory(data: bytes) -> list[_DirectoryEntry] | None:
    """The central directory of a plain zip as :func:`write_package` writes one, or None.

    Read with :mod:`struct` rather than :mod:`zipfile`, whose first use in a
    process imports the cp437 codec (~2 ms of a rebuild). None for anything
    else: a comment, zip64, names neither UTF-8-flagged nor ASCII, a record
    out of place (then zipfile reads it, or refuses it).
    """
    end = len(data) - 22
    if end < 0 or data[end : end + 4] != _END_OF_DIRECTORY:
        return None
    _sig, disk, first, here, count, size, start, comment = struct.unpack_from(
        "<IHHHHIIH", data, end
    )
    if disk or first or here != count or comment or start + size != end:
        return None
    out: list[_DirectoryEntry] = []
    at = start
    for _ in range(count):
        if at + 46 > end or data[at : at + 4] != b"PK\x01\x02":
            return None
        fields = struct.unpack_from("<IHHHHHHIIIHHHHHII", data, at)
        flags, method, crc, compressed, size_, name_len, extra_len, note_len = (
            fields[3],
            fields[4],
            *fields[7:13],
        )
        offset = fields[16]
        raw = data[at + 46 : at + 46 + name_len]
        if 0xFFFFFFFF in (compressed, size_, offset) or len(raw) != name_len:
            return None
        if flags & 0x800:
            name = raw.decode("utf-8")
        elif raw.isascii():
            name = raw.decode("ascii")
        else:
            return None
        out.append((name, method, crc, compressed, size_, offset))
        at += 46 + name_len + extra_len + note_len
    return out if at == end else None


# ---------------------------------------------------------------------------
# A part deflated in segments: a booklet's body, pledge by pledge

#: Deflate level of a segment (a booklet's body is tens of megabytes of
#: repetitive XML: level 3 deflates it in half the time of level 6).
SEGMENT_LEVEL = 3
# The empty stored block a sync flush ends with: every segment but the last ends so.
_SYNC_MARK = b"\x00\x00\xff\xff"
_CRC_POLY = 0xEDB88320  # CRC-32 (zip's), bit-reflected


def deflate_segment(data: bytes, *, final: bool = False) -> Deflated:
    """``data`` deflated on its own, as one segment of a longer part.

    Each segment has a compressor of its own, so none refers back into
    another, and all but the last end in a sync flush (byte-aligned, no final
    block): segments laid end to end are one deflate stream of their pieces
    laid end to end (:func:`join_segments`), and a segment of an earlier
    package can be taken into a new one as it is. The last (``final``) ends
    the stream. The bytes depend on ``data`` alone, never on its neighbours.
    """
    co = zlib.compressobj(SEGMENT_LEVEL, zlib.DEFLATED, -15)
    packed = co.compress(data) + co.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH)
    return Deflated(zlib.crc32(data), len(data), packed)


def _multmodp(a: int, b: int) -> int:
    """a·b modulo the CRC-32 polynomial (bit-reflected), as zlib's crc32.c multiplies."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if a & (m - 1) == 0:
                return p
        m >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1


# x^(2^k) modulo the polynomial, k = 0 … 31 (zlib's x2n_table).
_X2N = [1 << 30]
for _ in range(31):
    _X2N.append(_multmodp(_X2N[-1], _X2N[-1]))

# Multiplying by a fixed x^(2^k) is a linear map of the 32 bits: tabled by
# byte (four tables of 256), built on first use, it costs four look-ups where
# _multmodp loops up to 32 times. Only the k a build's lengths need are built.
# Each table an array of 32-bit entries: kept for the next build as its bytes
# (add_byte_maps), read back without making 1,024 int objects a table.
_MAP_TYPE = "I" if array.array("I").itemsize == 4 else "L"
_MAP_BYTES = 256 * array.array(_MAP_TYPE).itemsize
_BYTE_MAPS: dict[int, tuple[array.array[int], ...]] = {}


def _byte_map(k: int) -> tuple[array.array[int], ...]:
    """Four tables: ``c·x^(2^k)`` mod the polynomial is the XOR of one entry per byte of ``c``."""
    found = _BYTE_MAPS.get(k)
    if found is not None:
        return found
    # The image of each bit: bit 31 is x^0 (reflected), so bit 31-i is x^i and
    # its image is x^(2^k)·x^i, each one multiplication by x after the other.
    image = _images(k)
    tables = []
    for byte in range(4):
        table = [0]  # entry v: the XOR of the images of v's bits, doubled bit by bit
        for bit in image[8 * byte : 8 * byte + 8]:
            table += [t ^ bit for t in table]
        tables.append(array.array(_MAP_TYPE, table))
    _BYTE_MAPS[k] = found = tuple(tables)
    return found


def byte_maps() -> dict[int, bytes]:
    """Every table :func:`_byte_map` has made in this process, by k, as bytes (for the next process)."""
    return {k: b"".join(t.tobytes() for t in tables) for k, tables in _BYTE_MAPS.items()}


def add_byte_maps(kept: object) -> int:
    """Take tables :func:`byte_maps` gave in an earlier process; how many were taken.

    Making the ~26 tables a booklet's lengths need costs ~2 ms a process.
    Tables of any other size are not taken, nor one whose 32 entries for a
    single bit are not that bit's image (every other entry is their XOR).
    """
    if not isinstance(kept, dict):
        return 0
    taken = 0
    for k, raw in kept.items():
        if not (isinstance(k, int) and 0 <= k < len(_X2N)) or k in _BYTE_MAPS:
            continue
        if not (isinstance(raw, bytes) and len(raw) == 4 * _MAP_BYTES):
            continue
        tables = []
        for byte in range(4):
            table = array.array(_MAP_TYPE)
            table.frombytes(raw[byte * _MAP_BYTES : (byte + 1) * _MAP_BYTES])
            tables.append(table)
        image = _images(k)
        if any(
            tables[byte][1 << bit] != image[8 * byte + bit] for byte in range(4) for bit in range(8)
        ):
            continue
        _BYTE_MAPS[k] = tuple(tables)
        taken += 1
    return taken


def _images(k: int) -> list[int]:
    """The image of each bit under multiplying by x^(2^k): bit 31 is x^0 (reflected), bit 31-i is x^i."""
    image = [0] * 32
    b = _X2N[k]
    for i in range(32):
        image[31 - i] = b
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1
    return image


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of ``A + B`` from ``crc32(A)``, ``crc32(B)`` and ``len(B)``; zlib's crc32_combine.

    Python's zlib does not offer it. The CRC of ``A`` is carried over
    ``len2`` bytes by multiplying it with x^(8·len2) modulo the polynomial:
    with x^(2^k) for each bit of the length in bits, as zlib finds that power
    (its x2n_table), each product a linear map of ``crc1`` looked up by byte
    (:func:`_byte_map`) rather than multiplied bit by bit.
    """
    if len2 < 0:
        raise ValueError("a negative length")
    c, k, n = crc1, 3, len2  # the length in bits is len2·2^3
    while n:
        if n & 1:
            t0, t1, t2, t3 = _BYTE_MAPS.get(k & 31) or _byte_map(k & 31)
            c = t0[c & 0xFF] ^ t1[(c >> 8) & 0xFF] ^ t2[(c >> 16) & 0xFF] ^ t3[c >> 24]
        n >>= 1
        k += 1
    return c ^ crc2


#: Segments per block of a part's CRC table (:class:`Blocks`).
BLOCK = 16


class Blocks(NamedTuple):
    """The CRC-32 and inflated size of each :data:`BLOCK` segments of a part laid end to end.

    Combining 300 CRC-32s costs ~3 ms in Python, once to check a previous
    booklet's segments and once to join the new one's: a table by block lets
    a rebuild combine only the blocks that changed, and the blocks themselves.
    """

    crcs: tuple[int, ...]
    sizes: tuple[int, ...]


class Earlier(NamedTuple):
    """The segments of a part of an earlier package, checked, with their :class:`Blocks`."""

    segments: Sequence[Deflated]
    blocks: Blocks


def _combined(pairs: Iterable[tuple[int, int]]) -> tuple[int, int]:
    """(CRC-32, size) of pieces laid end to end, from each one's (CRC-32, size)."""
    crc = size = 0
    for piece_crc, piece_size in pairs:
        crc = crc32_combine(crc, piece_crc, piece_size)
        size += piece_size
    return crc, size


def segment_blocks(pairs: Sequence[tuple[int, int]]) -> Blocks:
    """The :class:`Blocks` of segments given by their (CRC-32, size)."""
    made = [_combined(pairs[at : at + BLOCK]) for at in range(0, len(pairs), BLOCK)]
    return Blocks(tuple(c for c, _ in made), tuple(n for _, n in made))


def blocks_key(pairs: Sequence[tuple[int, int]], crc: int, size: int) -> str:
    """What a part's :class:`Blocks` are kept under: its segments' CRC-32s and sizes and its own."""
    h = hashlib.sha256(struct.pack("<QQQ", crc, size, len(pairs)))
    h.update(struct.pack(f"<{2 * len(pairs)}Q", *itertools.chain.from_iterable(pairs)))
    return h.hexdigest()


def join_segments(segments: Sequence[Deflated]) -> Deflated:
    """Segments of :func:`deflate_segment` (the last one final) as one deflated part.

    The CRC-32 of the whole is combined from the segments' own, so nothing
    is inflated or deflated again.
    """
    return join_blocks(segments)[0].deflated()


class Joined(NamedTuple):
    """A part of segments laid end to end, as :func:`write_package` takes it: CRC-32, size, the segments' bytes.

    Not copied into one string: a booklet's body is megabytes, and every copy
    of it costs a fresh allocation's page faults (~0.5 ms a megabyte).
    """

    crc: int
    size: int
    pieces: tuple[bytes, ...]

    def deflated(self) -> Deflated:
        return Deflated(self.crc, self.size, b"".join(self.pieces))


def join_blocks(
    segments: Sequence[Deflated], earlier: Earlier | None = None
) -> tuple[Joined, Blocks]:
    """:func:`join_segments`, with the part's :class:`Blocks`.

    A block whose segments are ``earlier``'s at the same place (the same
    CRC-32s and sizes: what a block's entry is made of) takes its entry
    from there instead of combining its segments again.
    """
    crcs, sizes = [], []
    for j, at in enumerate(range(0, len(segments), BLOCK)):
        block = segments[at : at + BLOCK]
        if earlier is not None and j < len(earlier.blocks.crcs):
            old = earlier.segments[at : at + BLOCK]
            if len(old) == len(block) and all(
                a is b or (a.crc, a.size) == (b.crc, b.size)
                for a, b in zip(block, old, strict=True)
            ):
                crcs.append(earlier.blocks.crcs[j])
                sizes.append(earlier.blocks.sizes[j])
                continue
        crc, size = _combined((s.crc, s.size) for s in block)
        crcs.append(crc)
        sizes.append(size)
    crc, size = _combined(zip(crcs, sizes, strict=True))
    return Joined(crc, size, tuple(s.packed for s in segments)), Blocks(tuple(crcs), tuple(sizes))


class Span(NamedTuple):
    """Where one segment lies in a deflated part: offset and length in its deflated bytes, its CRC-32, inflated size."""

    offset: int
    length: int
    crc: int
    size: int


def spans(segments: Sequence[Deflated]) -> list[Span]:
    """Each segment's :class:`Span` in the part :func:`join_segments` makes of ``segments``."""
    out, at = [], 0
    for segment in segments:
        out.append(Span(at, len(segment.packed), segment.crc, segment.size))
        at += len(segment.packed)
    return out


def span_name(part: str, span: Span, note: int = 0) -> str:
    """How a manifest names one segment of ``part``: ``word/document.xml;offset;length;crc;size;note``.

    ``note`` is a number the writer keeps with the segment (a pledge's page count).
    """
    return f"{part};{span.offset};{span.length};{span.crc};{span.size};{note}"


_SPAN_NAME = re.compile(r"([^;]*);([0-9]+);([0-9]+);([0-9]+);([0-9]+);([0-9]+)")


def parse_span_name(name: str) -> tuple[str, Span, int] | None:
    """(part, span, note) from :func:`span_name`; None for any other name (a workbook's sheet)."""
    found = _SPAN_NAME.fullmatch(name)
    if found is None:
        return None
    offset, length, crc, size, note = (int(f) for f in found.groups()[1:])
    if crc > 0xFFFFFFFF:
        return None
    return found.group(1), Span(offset, length, crc, size), note


def segments_of(entry: Deflated, held: Sequence[Span]) -> list[Deflated] | None:
    """The segments of a deflated part of an earlier package, or None if ``held`` does not describe it.

    ``held`` (from an untrusted manifest) must cover the part's deflated
    bytes exactly, one segment after the other; every segment but the last
    must end in a sync flush; the inflated sizes must add up to the part's
    and their CRC-32s combine to the part's. Checked without inflating
    anything: a segment whose CRC or length was altered is never taken.
    """
    found = checked_segments(entry, held)
    return None if found is None else list(found.segments)


def checked_segments(
    entry: Deflated, held: Sequence[Span], known: Blocks | None = None
) -> Earlier | None:
    """:func:`segments_of` with the part's :class:`Blocks`, or None.

    ``known``: the blocks kept, by :func:`blocks_key` of exactly these
    CRC-32s and sizes and the part's own, when this part was joined
    (:func:`join_blocks`): they stand for the combining of every segment's
    CRC-32, which is then left out. Every other check is made all the same,
    and the blocks must still add up to the part.
    """
    if not held:
        return None
    out, at = [], 0
    for i, span in enumerate(held):
        if span.offset != at or span.length <= 0 or span.size < 0:
            return None
        packed = entry.packed[at : at + span.length]
        if len(packed) != span.length:
            return None
        if i < len(held) - 1 and packed[-len(_SYNC_MARK) :] != _SYNC_MARK:  # (a view: no endswith)
            return None
        out.append(Deflated(span.crc, span.size, packed))
        at += span.length
    if at != len(entry.packed):
        return None
    count = (len(held) + BLOCK - 1) // BLOCK
    if known is not None and (
        len(known.crcs) != count
        or list(known.sizes)
        != [sum(s.size for s in held[at : at + BLOCK]) for at in range(0, len(held), BLOCK)]
    ):
        known = None
    blocks = known or segment_blocks([(s.crc, s.size) for s in held])
    if _combined(zip(blocks.crcs, blocks.sizes, strict=True)) != (entry.crc, entry.size):
        return None
    return Earlier(out, blocks)


def write_package(
    entries: Iterable[tuple[str, bytes | Sequence[bytes] | Deflated | Joined]],
    *,
    static: frozenset[str] = frozenset(),
) -> bytes:
    """Zip OOXML parts deterministically: fixed times, fixed order, fixed attributes.

        ``[Content_Types].xml`` and the package relationships come first (some
        readers sniff them there); the other parts follow sorted by name. Parts
        named in ``static`` are deflated once and reused across documents. A part
    may be given as a list of pieces, or already deflated (:class:`Deflated`: a
    part reused from an earlier package, or segments joined: :func:`join_segments`).

        Written by hand rather than with :mod:`zipfile` only so that compressed
        template parts can be reused; the format is the plain PKZIP 2.0 subset
        that every OOXML reader accepts (deflate, no zip64, no extra fields).
    """
    parts = dict(entries)
    order = [n for n in _FIRST_ENTRIES if n in parts] + sorted(
        n for n in parts if n not in _FIRST_ENTRIES
    )
    # The pieces, joined once at the end: a booklet's body is megabytes, and
    # each copy of it into a growing buffer (then out of it) cost ~1 ms of
    # page faults in a fresh process.
    out: list[bytes] = []
    at = 0
    central = bytearray()
    for name in order:
        data = parts[name]
        pieces: tuple[bytes, ...]
        if isinstance(data, bytes):
            crc, packed = _deflate(data, name in static)
            size, pieces = len(data), (packed,)
        elif isinstance(data, Deflated):
            crc, size, packed = data
            pieces = (packed,)
        elif isinstance(data, Joined):
            crc, size, pieces = data
        else:
            crc, size, packed = _deflate_chunks(data)
            pieces = (packed,)
        length = sum(len(p) for p in pieces)
        raw_name = name.encode("utf-8")
        flags = 0x800 if not raw_name.isascii() else 0  # UTF-8 names
        offset = at
        header = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            flags,
            8,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            length,
            size,
            len(raw_name),
            0,
        )
        out += (header, raw_name, *pieces)
        at += len(header) + len(raw_name) + length
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            flags,
            8,
            _DOS_TIME,
            _DOS_DATE,
            crc,
            length,
            size,
            len(raw_name),
            0,
            0,
            0,
            0,
            0o644 << 16,
            offset,
        )
        central += raw_name
    start = at
    out.append(bytes(central))
    out.append(
        struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(order), len(order), len(central), start, 0)
    )
    package = b"".join(out)
    if len(package) >= 0xFFFFFFFF or len(order) >= 0xFFFF:
        raise ValueError("package too large for a plain zip")
    return package


# Limits for reading a package (templates are untrusted: a hostile one may be a
# zip bomb). Word and Excel templates are a few hundred kilobytes in a few dozen
# parts; the largest realistic part is an embedded picture or a styles.xml of a
# few megabytes. The limits leave two orders of magnitude of room while keeping
# what one read can inflate to a size that fits comfortably in memory.
MAX_PART_BYTES = 64 * 1024 * 1024  # one part, as declared and as inflated
MAX_PACKAGE_BYTES = 128 * 1024 * 1024  # all parts together; also the file itself
MAX_ENTRIES = 5_000  # an Office file has dozens; each entry costs a ZipInfo
# The central directory is parsed into one ZipInfo per record before any limit
# above can be checked: 4 MiB holds 5,000 records with names of ~800 bytes.
MAX_DIRECTORY_BYTES = 4 * 1024 * 1024
_END_OF_DIRECTORY = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"


class PackageError(ValueError):
    """A file is not a package reportgen will read (too large, not a regular file …)."""


def _not_regular() -> str:
    return tr(
        "보통 파일이 아닙니다(폴더, 파이프, 장치인가요?).",
        "is not a regular file (a directory, pipe or device?)",
    )


def _too_big(size: int, limit: int) -> str:
    return tr(
        f"{size:,}바이트입니다. 많아야 {limit:,}바이트까지 읽습니다.",
        f"is {size:,} bytes; at most {limit:,} are read",
    )


def _too_many(entries: int) -> str:
    return tr(
        f"zip 항목이 {entries:,}개입니다. 많아야 {MAX_ENTRIES:,}개까지 읽습니다.",
        f"has {entries:,} zip entries; at most {MAX_ENTRIES:,} are read",
    )


def read_regular_file(path: str | os.PathLike[str], limit: int = MAX_PACKAGE_BYTES) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; never blocks on a FIFO or device.

    Raises FileNotFoundError when missing, PackageError when the path is a
    directory, pipe, socket or device, or the file is larger than ``limit``.
    """
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise PackageError(_not_regular())
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())  # the file opened, not whatever the path names now
        if not stat.S_ISREG(info.st_mode):
            raise PackageError(_not_regular())
        if info.st_size > limit:
            raise PackageError(_too_big(info.st_size, limit))
        # read(n) allocates n bytes up front: ask for what the file holds (one
        # more to see it grow), not for the limit.
        data = f.read(info.st_size + 1)
        if len(data) > info.st_size:
            data += f.read(limit + 1 - len(data))
    if len(data) > limit:
        raise PackageError(
            tr(
                f"{limit:,}바이트보다 큽니다. 많아야 {limit:,}바이트까지 읽습니다.",
                f"is more than {limit:,} bytes; at most {limit:,} are read",
            )
        )
    return data


def _check_directory(data: bytes) -> None:
    """Refuse an archive whose central directory is too large before zipfile parses it."""
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageError(_too_big(len(data), MAX_PACKAGE_BYTES))
    # Find the end record as zipfile does: the last 22 bytes when there is no
    # archive comment, else the last signature within a 64 KiB comment's reach.
    start = len(data) - 22
    if not (start >= 0 and data[start : start + 4] == _END_OF_DIRECTORY and data[-2:] == b"\0\0"):
        start = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 22 - 0xFFFF))
    if start < 0 or start + 22 > len(data):
        return  # not a zip: zipfile says so
    entries, size = struct.unpack_from("<HI", data, start + 10)
    if data[max(0, start - 20) : start - 16] == _ZIP64_LOCATOR:
        raise PackageError(
            tr(
                "ZIP64 압축 파일입니다. Word나 Excel 서식에는 필요 없는 형식입니다.",
                "is a ZIP64 archive, which no Word or Excel template needs",
            )
        )
    if entries > MAX_ENTRIES:
        raise PackageError(_too_many(entries))
    if size > MAX_DIRECTORY_BYTES:
        raise PackageError(
            tr(
                f"zip 목록이 {size:,}바이트입니다. 많아야 {MAX_DIRECTORY_BYTES:,}바이트까지 "
                "읽습니다.",
                f"has a zip directory of {size:,} bytes; at most {MAX_DIRECTORY_BYTES:,} are read",
            )
        )


def _checked_entries(zf: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    infos = zf.infolist()
    if len(infos) > MAX_ENTRIES:
        raise PackageError(_too_many(len(infos)))
    total = 0
    for info in infos:
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # bzip2 and lzma readers inflate without an output bound.
            raise PackageError(
                tr(
                    f"{info.filename!r}을(를) 지원하지 않는 방식으로 압축했습니다.",
                    f"compresses {info.filename!r} with an unsupported method",
                )
            )
        if info.file_size > MAX_PART_BYTES:
            raise PackageError(
                tr(
                    f"부분 {info.filename!r}이(가) 풀면 {info.file_size:,}바이트입니다. 많아야 "
                    f"{MAX_PART_BYTES:,}바이트까지 읽습니다.",
                    f"has a part {info.filename!r} of {info.file_size:,} bytes inflated; "
                    f"at most {MAX_PART_BYTES:,} are read",
                )
            )
        total += info.file_size
    if total > MAX_PACKAGE_BYTES:
        raise PackageError(
            tr(
                f"풀면 {total:,}바이트입니다. 많아야 {MAX_PACKAGE_BYTES:,}바이트까지 읽습니다.",
                f"inflates to {total:,} bytes; at most {MAX_PACKAGE_BYTES:,} are read",
            )
        )
    return infos


def check_package(data: bytes) -> None:
    """Raise PackageError if ``data`` would inflate beyond the limits above (nothing is inflated)."""
    _check_directory(data)
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        _checked_entries(zf)


def read_package(data: bytes, *, own: bool = False) -> dict[str, bytes]:
    """The parts of a zip package, refusing one that would inflate beyond the limits above.

    The sizes the archive declares are checked before anything is inflated,
    and each part is read with its declared size as the bound: ``zf.read``
    would hand a whole deflate stream to zlib at once, however large it
    really inflates.

    ``own``: bytes reportgen itself wrote, in this build or in an earlier one
    whose manifest digest they still match. The limits are for templates and
    other files from outside; a report of thousands of pledges makes a
    workbook of thousands of sheets and a booklet body of hundreds of
    megabytes (issue 27: 10,000 pledges failed on a limit after 16 minutes).
    """
    if not own:
        _check_directory(data)
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist() if own else _checked_entries(zf):
            if info.is_dir():
                continue
            with zf.open(info) as f:
                blob = f.read(info.file_size)  # reaching the size checks the CRC
            if len(blob) != info.file_size:
                raise zipfile.BadZipFile(f"{info.filename!r} is shorter than its declared size")
            parts[info.filename] = blob
    return parts


def read_parts(data: bytes, names: Iterable[str]) -> dict[str, bytes]:
    """The parts ``names`` of a zip package (those it has), under the limits of :func:`read_package`.

    Only what is asked for is inflated: a rebuild reads one part of each
    earlier document (its body, a workbook's sheets), not the styles and
    theme around it.
    """
    wanted = set(names)
    _check_directory(data)
    parts = {}
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in _checked_entries(zf):
            if info.is_dir() or info.filename not in wanted:
                continue
            with zf.open(info) as f:
                blob = f.read(info.file_size)  # reaching the size checks the CRC
            if len(blob) != info.file_size:
                raise zipfile.BadZipFile(f"{info.filename!r} is shorter than its declared size")
            parts[info.filename] = blob
    return parts


def repack(parts: dict[str, bytes]) -> bytes:
    """``parts`` as a plain stored zip, for libraries that read with ``ZipFile.read``.

    Give python-docx and openpyxl this instead of a template's own bytes: every
    part in it is exactly the bytes :func:`read_package` checked, so their
    unbounded reads cannot inflate anything larger.
    """
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
        for name, blob in parts.items():
            zf.writestr(zipfile.ZipInfo(name, FIXED_ZIP_TIME), blob)
    return buffer.getvalue()


def normalize_package(data: bytes) -> bytes:
    """Rewrite a zip written by another library (python-docx, XlsxWriter) deterministically."""
    return write_package(read_package(data, own=True).items())


def w(tag: str) -> str:
    return W + tag


def sub(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, w(tag))
    for key, value in attrs.items():
        el.set(w(key), value)
    return el


# ---------------------------------------------------------------------------
# Template pre-pass: tags in a table cell that become the cell's properties

# ---------------------------------------------------------------------------
# Child order of the property elements reportgen writes, declared once (as
# python-docx declares its _tag_seq): Word refuses out-of-order children
# (ECMA-376 Part 1: CT_RPr §17.3.2.28, CT_PPr §17.3.1.26, CT_TcPr §17.4.70,
# CT_TblPr §17.4.60, CT_Settings §17.15.1.78, borders §17.4.39).

CHILD_ORDER: dict[str, tuple[str, ...]] = {
    "rPr": (
        "rStyle",
        "rFonts",
        "b",
        "bCs",
        "i",
        "iCs",
        "caps",
        "smallCaps",
        "strike",
        "dstrike",
        "outline",
        "shadow",
        "emboss",
        "imprint",
        "noProof",
        "snapToGrid",
        "vanish",
        "webHidden",
        "color",
        "spacing",
        "w",
        "kern",
        "position",
        "sz",
        "szCs",
        "highlight",
        "u",
        "effect",
        "bdr",
        "shd",
        "fitText",
        "vertAlign",
        "rtl",
        "cs",
        "em",
        "lang",
        "eastAsianLayout",
        "specVanish",
        "oMath",
    ),
    "pPr": (
        "pStyle",
        "keepNext",
        "keepLines",
        "pageBreakBefore",
        "framePr",
        "widowControl",
        "numPr",
        "suppressLineNumbers",
        "pBdr",
        "shd",
        "tabs",
        "suppressAutoHyphens",
        "kinsoku",
        "wordWrap",
        "overflowPunct",
        "topLinePunct",
        "autoSpaceDE",
        "autoSpaceDN",
        "bidi",
        "adjustRightInd",
        "snapToGrid",
        "spacing",
        "ind",
        "contextualSpacing",
        "mirrorIndents",
        "suppressOverlap",
        "jc",
        "textDirection",
        "textAlignment",
        "textboxTightWrap",
        "outlineLvl",
        "divId",
        "cnfStyle",
        "rPr",
        "sectPr",
        "pPrChange",
    ),
    "tcPr": (
        "cnfStyle",
        "tcW",
        "gridSpan",
        "hMerge",
        "vMerge",
        "tcBorders",
        "shd",
        "noWrap",
        "tcMar",
        "textDirection",
        "tcFitText",
        "vAlign",
        "hideMark",
    ),
    "tblPr": (
        "tblStyle",
        "tblpPr",
        "tblOverlap",
        "bidiVisual",
        "tblStyleRowBandSize",
        "tblStyleColBandSize",
        "tblW",
        "jc",
        "tblCellSpacing",
        "tblInd",
        "tblBorders",
        "shd",
        "tblLayout",
        "tblCellMar",
        "tblLook",
    ),
    "settings": (
        "writeProtection",
        "view",
        "zoom",
        "removePersonalInformation",
        "removeDateAndTime",
        "doNotDisplayPageBoundaries",
        "displayBackgroundShape",
        "printPostScriptOverText",
        "printFractionalCharacterWidth",
        "printFormsData",
        "embedTrueTypeFonts",
        "embedSystemFonts",
        "saveSubsetFonts",
        "saveFormsData",
        "mirrorMargins",
        "alignBordersAndEdges",
        "bordersDoNotSurroundHeader",
        "bordersDoNotSurroundFooter",
        "gutterAtTop",
        "hideSpellingErrors",
        "hideGrammaticalErrors",
        "activeWritingStyle",
        "proofState",
        "formsDesign",
        "attachedTemplate",
        "linkStyles",
        "stylePaneFormatFilter",
        "stylePaneSortMethod",
        "documentType",
        "mailMerge",
        "revisionView",
        "trackRevisions",
        "doNotTrackMoves",
        "doNotTrackFormatting",
        "documentProtection",
        "autoFormatOverride",
        "styleLockTheme",
        "styleLockQFSet",
        "defaultTabStop",
        "autoHyphenation",
        "consecutiveHyphenLimit",
        "hyphenationZone",
        "doNotHyphenateCaps",
        "showEnvelope",
        "summaryLength",
        "clickAndTypeStyle",
        "defaultTableStyle",
        "evenAndOddHeaders",
        "bookFoldRevPrinting",
        "bookFoldPrinting",
        "bookFoldPrintingSheets",
        "drawingGridHorizontalSpacing",
        "drawingGridVerticalSpacing",
        "displayHorizontalDrawingGridEvery",
        "displayVerticalDrawingGridEvery",
        "doNotUseMarginsForDrawingGridOrigin",
        "drawingGridHorizontalOrigin",
        "drawingGridVerticalOrigin",
        "doNotShadeFormData",
        "noPunctuationKerning",
        "characterSpacingControl",
        "printTwoOnOne",
        "strictFirstAndLastChars",
        "noLineBreaksAfter",
        "noLineBreaksBefore",
        "savePreviewPicture",
        "doNotValidateAgainstSchema",
        "saveInvalidXml",
        "ignoreMixedContent",
        "alwaysShowPlaceholderText",
        "doNotDemarcateInvalidXml",
        "saveXmlDataOnly",
        "useXSLTWhenSaving",
        "saveThroughXslt",
        "showXMLTags",
        "alwaysMergeEmptyNamespace",
        "updateFields",
        "hdrShapeDefaults",
        "footnotePr",
        "endnotePr",
        "compat",
        "docVars",
        "rsids",
        "mathPr",
        "attachedSchema",
        "themeFontLang",
        "clrSchemeMapping",
        "doNotIncludeSubdocsInStats",
        "doNotAutoCompressPictures",
        "forceUpgrade",
        "captions",
        "readModeInkLockDown",
        "smartTagType",
        "schemaLibrary",
        "shapeDefaults",
        "doNotEmbedSmartTags",
        "decimalSymbol",
        "listSeparator",
    ),
    "tcBorders": ("top", "left", "bottom", "right", "insideH", "insideV", "tl2br", "tr2bl"),
    "pBdr": ("top", "left", "bottom", "right", "between", "bar"),
    "tblBorders": ("top", "left", "bottom", "right", "insideH", "insideV"),
    "tblCellMar": ("top", "left", "bottom", "right"),
    "tcMar": ("top", "left", "bottom", "right"),
    "docDefaults": ("rPrDefault", "pPrDefault"),
}
_RANKS = {
    parent: {name: i for i, name in enumerate(names)} for parent, names in CHILD_ORDER.items()
}


def _local(element: etree._Element) -> str:
    """``etree.QName(element).localname``, read off the tag: no QName made (a writer ranks ~10^5)."""
    tag = element.tag
    return tag.rpartition("}")[2] if isinstance(tag, str) else etree.QName(element).localname


def _rank_of(parent: etree._Element) -> dict[str, int]:
    return _RANKS[_local(parent)]


def order_children(parent: etree._Element) -> None:
    """Put ``parent``'s children in schema order (unknown ones last, in their order)."""
    rank = _rank_of(parent)
    children = sorted(parent, key=lambda el: rank.get(_local(el), len(rank)))
    for child in children:
        parent.remove(child)
        parent.append(child)


def put_child(parent: etree._Element, element: etree._Element) -> etree._Element:
    """Insert ``element`` into ``parent`` in schema order, replacing one of its kind."""
    old = parent.find(element.tag)
    if old is not None:
        parent.remove(old)
    rank = _rank_of(parent)
    unknown = len(rank)
    mine = rank.get(_local(element), unknown)
    index = 0
    for i, child in enumerate(parent):
        if rank.get(_local(child), unknown) <= mine:
            index = i + 1
    parent.insert(index, element)
    return element


def child(parent: etree._Element, tag: str) -> etree._Element:
    """``parent``'s child ``w:tag``, created in schema order if missing."""
    found = parent.find(w(tag))
    return found if found is not None else put_child(parent, etree.Element(w(tag)))


VMERGE_OPEN = "{% vmerge "
COLWIDTH_OPEN = "{% colwidth "
VMERGE_CLOSE = "%}"
_CELL_TAG_CLOSE = VMERGE_CLOSE

#: A cell width of this type in a template marks a column that shares the
#: table's free width (:func:`fit_tables`); rendered documents never keep it.
FLEX_TYPE = "pct"
#: Narrowest share of a flexible column (0.1 cm) before fixed columns give way.
MIN_FLEX_WIDTH = 57


def _cell_properties(tc: etree._Element) -> etree._Element:
    tcpr = tc.find(w("tcPr"))
    if tcpr is None:
        tcpr = etree.Element(w("tcPr"))
        tc.insert(0, tcpr)
    return tcpr


def _set_cell_property(tcpr: etree._Element, element: etree._Element) -> None:
    """Put ``element`` into ``tcpr`` in schema order, replacing one of its kind."""
    put_child(tcpr, element)


def _vmerge(expr: str) -> etree._Element:
    vmerge = etree.Element(w("vMerge"))
    vmerge.set(w("val"), "{{ " + expr + " }}")
    return vmerge


def _colwidth(expr: str) -> etree._Element:
    width = etree.Element(w("tcW"))
    width.set(w("w"), "{{ " + expr + " }}")
    width.set(w("type"), FLEX_TYPE)
    return width


_CELL_TAGS = ((VMERGE_OPEN, _vmerge), (COLWIDTH_OPEN, _colwidth))


def apply_cell_tags(body: etree._Element) -> list[str]:
    """Turn the cell tags staff see in Word into the cell properties they stand for.

    - ``{% vmerge EXPR %}`` becomes ``<w:vMerge w:val="{{ EXPR }}"/>``: the
      merge comes from the view's merge marks (restart/continue) rather than
      from docxtpl's loop-position heuristics.
    - ``{% colwidth EXPR %}`` becomes ``<w:tcW w:w="{{ EXPR }}" w:type="pct"/>``:
      the cell's column has no width of its own but shares the table's free
      width, in proportion to EXPR, with the other such columns
      (:func:`fit_tables` settles every width after rendering). A column
      repeated by a ``{%tc for %}`` loop carries it, so a table may have
      any number of columns.

    The tags are text in a cell (Word keeps them when staff edit); the
    attributes they become live only in memory. Returns the expressions found.
    """
    found = []
    for t in body.iter(w("t")):
        while True:
            text = t.text or ""
            hits = [(text.find(opening), opening, make) for opening, make in _CELL_TAGS]
            hits = [hit for hit in hits if hit[0] >= 0]
            if not hits:
                break
            start, opening, make = min(hits, key=lambda hit: hit[0])
            end = text.find(_CELL_TAG_CLOSE, start)
            if end < 0:
                break
            expr = text[start + len(opening) : end].strip()
            t.text = text[:start] + text[end + len(_CELL_TAG_CLOSE) :]
            tc = next((a for a in t.iterancestors(w("tc"))), None)
            if tc is None:
                continue
            _set_cell_property(_cell_properties(tc), make(expr))
            found.append(expr)
    return found


def apply_vmerge_tags(body: etree._Element) -> list[str]:
    """The cell tags of :func:`apply_cell_tags` (``vmerge`` was the first of them)."""
    return apply_cell_tags(body)


# ---------------------------------------------------------------------------
# Post-render pass: table grids and cell widths that agree with the cells


def text_width(body: etree._Element) -> int | None:
    """The width between the margins, in twips, of the body's (last) section."""
    sect = body.find(w("sectPr"))
    if sect is None:
        return None
    size, margins = sect.find(w("pgSz")), sect.find(w("pgMar"))
    try:
        page = int(size.get(w("w"), "")) if size is not None else 0
        left = int(margins.get(w("left"), "0")) if margins is not None else 0
        right = int(margins.get(w("right"), "0")) if margins is not None else 0
        gutter = int(margins.get(w("gutter"), "0") or 0) if margins is not None else 0
    except ValueError:
        return None
    width = page - left - right - gutter
    return width if width > 0 else None


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


_TCPR, _TCW, _GRID_SPAN = w("tcPr"), w("tcW"), w("gridSpan")
_VAL, _TYPE, _W = w("val"), w("type"), w("w")


_XPATH_NS = {"w": W_NS}


def _has_flex(tbl: etree._Element) -> bool:
    """Does the table (or one inside it) have a column marked by {% colwidth %}?"""
    # iter(tag) filters in C; an XPath predicate over every descendant cost
    # eight times as much (a quarter of fitting a pledge's tables).
    return any(width.get(_TYPE) == FLEX_TYPE for width in tbl.iter(_TCW))


# Grid columns one row covers: its cells, their extra spans, gridBefore/gridAfter.
_ROW_COLUMNS = etree.XPath(
    "count(w:tc) + sum(w:tc/w:tcPr/w:gridSpan/@w:val) - count(w:tc/w:tcPr/w:gridSpan)"
    " + sum(w:trPr/w:gridBefore/@w:val) + sum(w:trPr/w:gridAfter/@w:val)",
    namespaces=_XPATH_NS,
)


class _Cell:
    """A table cell read once: its preferred width and span (from its first tcPr).

    ``tcpr`` is found when a property must be added or changed
    (:func:`_cell_properties`: the first tcPr, or a new one).
    """

    __slots__ = ("kind", "span", "tc", "tcpr", "type_text", "value", "w_text", "width_el")

    def __init__(
        self, tc: etree._Element, width_el: etree._Element | None, span_el: etree._Element | None
    ) -> None:
        self.tc = tc
        self.tcpr: etree._Element | None = None
        self.width_el = width_el
        span = _int(span_el.get(_VAL)) if span_el is not None else None
        self.span = span if span is not None and span > 0 else 1
        if width_el is None:
            self.kind, self.value = "", None
            self.w_text = self.type_text = None
        else:
            self.type_text = width_el.get(_TYPE)
            self.w_text = width_el.get(_W)
            self.kind = self.type_text or "dxa"
            self.value = _int(self.w_text)

    def set_width(self, twips: int) -> None:
        if self.tcpr is None:
            self.tcpr = _cell_properties(self.tc)
        if self.width_el is None:
            self.width_el = etree.Element(_TCW)
            _set_cell_property(self.tcpr, self.width_el)
        self.width_el.set(_W, str(twips))
        self.width_el.set(_TYPE, "dxa")

    def set_span(self, span: int) -> None:
        if span == self.span:
            return
        assert self.tcpr is not None  # a cell spanning columns has properties, or gets them
        old = self.tcpr.find(_GRID_SPAN)
        if span == 1:
            if old is not None:
                self.tcpr.remove(old)
        elif old is not None:
            old.set(_VAL, str(span))
        else:
            el = etree.Element(_GRID_SPAN)
            el.set(_VAL, str(span))
            _set_cell_property(self.tcpr, el)
        self.span = span


_TR, _TC = w("tr"), w("tc")


# Each cell's first tcW and first gridSpan, in its first tcPr (as
# next(iterchildren(tag)) would find them): two XPath calls a table. Walking
# every cell's properties in Python cost 3 µs a cell, a money table 150 cells.
_CELL_WIDTHS = etree.XPath("w:tr/w:tc/w:tcPr[1]/w:tcW[1]", namespaces=_XPATH_NS)
_CELL_SPANS = etree.XPath("w:tr/w:tc/w:tcPr[1]/w:gridSpan[1]", namespaces=_XPATH_NS)


def _row_cells(tbl: etree._Element) -> Iterator[tuple[etree._Element, list[_Cell]]]:
    """Each row of ``tbl`` (its own, not a nested table's) with its cells read."""
    # Keyed by the cell's element: lxml gives one proxy per node while it is
    # referenced, and the keys keep them so while the rows are read.
    widths = {el.getparent().getparent(): el for el in _CELL_WIDTHS(tbl)}
    spans = {el.getparent().getparent(): el for el in _CELL_SPANS(tbl)}
    for row in tbl.iterchildren(_TR):
        yield row, [_Cell(tc, widths.get(tc), spans.get(tc)) for tc in row.iterchildren(_TC)]


def _row_extra(tr: etree._Element) -> tuple[int, int]:
    """Grid columns a row skips before and after its cells (w:gridBefore, w:gridAfter)."""
    trpr = next(tr.iterchildren(_TRPR), None)
    if trpr is None:
        return 0, 0
    skipped = []
    for tag in _GRID_SKIPS:
        el = next(trpr.iterchildren(tag), None)
        skipped.append((_int(el.get(_VAL)) or 0) if el is not None else 0)
    return skipped[0], skipped[1]


_TRPR, _GRID_SKIPS = w("trPr"), (w("gridBefore"), w("gridAfter"))


def _shares(total: int, weights: list[int]) -> list[int]:
    """``total`` split in proportion to ``weights``, in whole twips adding up exactly.

    Each share is its exact value rounded down or up; the odd twips go to
    the heaviest columns first (then the earlier), so equal columns stay
    equal wherever the total allows it.
    """
    whole = sum(weights)
    if whole <= 0 or total <= 0:
        return [0] * len(weights)
    out = [total * wt // whole for wt in weights]
    left = total - sum(out)
    for i in sorted(range(len(weights)), key=lambda i: (-weights[i], i))[:left]:
        out[i] += 1
    return out


def _columns(cells: list[_Cell], grid: list[int], width: int) -> list[int]:
    """The grid of a table whose defining row is ``cells`` (each one grid column).

    A cell with a fixed width (dxa) keeps it; cells marked ``colwidth`` share
    what the fixed ones leave of ``width`` in proportion to their weights. A
    table with no such cells keeps its widths unless they are wider than
    ``width``, which they are then scaled down to.
    """
    fixed: dict[int, int] = {}
    weights: dict[int, int] = {}
    for i, cell in enumerate(cells):
        if cell.kind == FLEX_TYPE:
            weights[i] = max(cell.value or 0, 1)
        elif cell.kind == "dxa" and cell.value is not None and cell.value > 0:
            fixed[i] = cell.value
        elif i < len(grid) and grid[i] > 0:
            fixed[i] = grid[i]
        else:
            weights[i] = 100
    if weights:
        free = width - sum(fixed.values())
        if free < MIN_FLEX_WIDTH * len(weights):
            # The fixed columns leave (almost) nothing: every column shares the
            # width, each flexible one counted as wide as the narrowest fixed one.
            narrowest = min(fixed.values(), default=MIN_FLEX_WIDTH)
            return _shares(width, [fixed.get(i, narrowest) for i in range(len(cells))])
        shared = dict(zip(weights, _shares(free, list(weights.values())), strict=True))
        return [fixed[i] if i in fixed else shared[i] for i in range(len(cells))]
    widths = [fixed[i] for i in range(len(cells))]
    if sum(widths) > width:
        return _shares(width, widths)
    return widths


def fit_table(tbl: etree._Element, width: int) -> bool:
    """Make one rendered table's grid and cell widths agree with its cells.

    After a ``{%tc for %}`` loop the template's grid no longer matches the
    cells: the grid is rebuilt from the table's defining row (the first row
    with ``colwidth`` cells, else the first row of single cells with the most
    cells), a merged cell in any other row is stretched or shrunk to cover
    the same number of columns (the "비 예 산" cell spans however many
    fiscal columns there are), and every cell's width (w:tcW) becomes the sum
    of the columns it covers. Returns whether anything was changed; a table
    that already agrees and has no ``colwidth`` cells is left as it is.
    """
    grid_el = tbl.find(w("tblGrid"))
    if grid_el is not None and not _has_flex(tbl):
        # Most tables (the header block, 추진실적 rows) have no column loop:
        # one XPath count per row proves them consistent, cell objects unmade.
        count = len(grid_el.findall(w("gridCol")))
        if all(_ROW_COLUMNS(row) == count for row in tbl.iterchildren(w("tr"))):  # NaN: no
            return False
    rows = [(row, cells, _row_extra(row)) for row, cells in _row_cells(tbl) if cells]
    if not rows:
        return False
    grid = (
        [_int(c.get(w("w"))) or 0 for c in grid_el.iterchildren(w("gridCol"))]
        if grid_el is not None
        else []
    )
    flexible = [any(c.kind == FLEX_TYPE for c in cells) for _, cells, _ in rows]
    if not any(flexible) and all(
        sum(c.span for c in cells) + before + after == len(grid)
        for _, cells, (before, after) in rows
    ):
        return False
    singles = [
        (cells, flex)
        for (_, cells, extra), flex in zip(rows, flexible, strict=True)
        if extra == (0, 0) and all(c.span == 1 for c in cells)
    ]
    defining = next((cells for cells, flex in singles if flex), None)
    if defining is None and singles:
        defining = max((cells for cells, _ in singles), key=len)
    if defining is None:
        return False  # every row merges cells: nothing says what the columns are
    columns = _columns(defining, grid, width)
    count = len(columns)

    if grid_el is None:
        grid_el = etree.Element(w("tblGrid"))
        tblpr = tbl.find(w("tblPr"))
        tbl.insert(0 if tblpr is None else tbl.index(tblpr) + 1, grid_el)
    for old in grid_el.findall(w("gridCol")):
        grid_el.remove(old)
    for i, value in enumerate(columns):
        col = etree.Element(w("gridCol"))
        col.set(w("w"), str(value))
        grid_el.insert(i, col)  # before a w:tblGridChange, if any

    edges = list(itertools.accumulate(columns, initial=0))  # cells cover columns[at:at+span]
    for _tr, cells, (before, after) in rows:
        spans = [c.span for c in cells]
        missing = count - sum(spans) - before - after
        # A merged cell (or else the last) takes up the columns the row lacks,
        # or gives back those it has too many of.
        merged = [i for i, s in enumerate(spans) if s > 1]
        for i in reversed(merged or [len(cells) - 1]):
            if missing == 0:
                break
            change = max(missing, 1 - spans[i])
            spans[i] += change
            missing -= change
        at = before
        for cell, span in zip(cells, spans, strict=True):
            end = at + span
            # (A row a hostile template sets beside the grid keeps the slice's sum.)
            twips = edges[end] - edges[at] if at >= 0 and end <= count else sum(columns[at:end])
            width_el = cell.width_el
            if width_el is None:
                cell.set_width(twips)
            else:  # the common case, without the call
                # An attribute set to the value it holds stays as it is:
                # only those that change are set (each set is counted).
                text = str(twips)
                if cell.w_text != text:
                    width_el.set(_W, text)
                if cell.type_text != "dxa":
                    width_el.set(_TYPE, "dxa")
            if span != cell.span:
                if cell.tcpr is None:
                    cell.tcpr = _cell_properties(cell.tc)
                cell.set_span(span)
            at += span
    return True


# The name of the element that starts at a position (a start tag, not a comment,
# a processing instruction or text).
_ELEMENT_AT = re.compile(rb"<([A-Za-z_][-.\w]*(?::[A-Za-z_][-.\w]*)?)(?=[\s/>])")


def _opened(content: bytes, opener: bytes, start: int, end: int) -> int:
    """Start tags ``opener`` (``<`` and a name) in ``content[start:end]``, not longer names'."""
    count = 0
    at = content.find(opener, start, end)
    while at >= 0:
        if content[at + len(opener) : at + len(opener) + 1] in (
            b">",
            b" ",
            b"/",
            b"\t",
            b"\n",
            b"\r",
        ):
            count += 1
        at = content.find(opener, at + len(opener), end)
    return count


def top_level_pieces(content: bytes) -> list[bytes] | None:
    """``content`` (body content) cut after each of its top-level elements, or None.

    A quick scan, not a parse: an element ends at the close tag of its name
    where as many have closed as opened. None where the scan cannot tell
    (text, a comment or a processing instruction between elements, a tag
    left open). The scan can be fooled (a ``>`` inside an attribute value, a
    self-closing tag of the same name inside), so a caller takes a piece only
    once it has parsed on its own, or had before: pieces that are each
    well-formed content make well-formed content laid end to end, however
    many elements each holds.
    """
    pieces: list[bytes] = []
    at, size = 0, len(content)
    while at < size:
        start = _ELEMENT_AT.match(content, at)
        if start is None:
            return None
        name = start.group(1)
        gt = content.find(b">", start.end())
        if gt < 0:
            return None
        end = gt + 1
        if content[gt - 1] != 0x2F:  # not "/>": find its close tag
            close, opener = b"</" + name + b">", b"<" + name
            depth = 1
            while depth:
                found = content.find(close, end)
                if found < 0:
                    return None
                # Elements of the same name opened inside it (a table in a cell).
                depth += _opened(content, opener, end, found) - 1
                end = found + len(close)
        pieces.append(content[at:end])
        at = end
    return pieces


def fit_tables(root: etree._Element, width: int) -> bool:
    """:func:`fit_table` on every table under ``root``; whether any changed."""
    changed = False
    for tbl in root.iter(w("tbl")):
        changed = fit_table(tbl, width) or changed
    return changed


def referenced_styles(element: etree._Element) -> set[str]:
    """Style ids a body refers to (paragraph, run and table styles)."""
    out = set()
    for tag in ("pStyle", "rStyle", "tblStyle"):
        for el in element.iter(w(tag)):
            value = el.get(w("val"))
            if value:
                out.add(value)
    return out


def defined_styles(styles_xml: bytes) -> set[str]:
    root = etree.fromstring(styles_xml)
    return {s.get(w("styleId")) for s in root.iter(w("style")) if s.get(w("styleId"))}


def add_bookmark(paragraph: etree._Element, bookmark_id: int | str, name: str) -> None:
    """Wrap the start of ``paragraph`` in a bookmark (target of a PAGEREF field)."""
    start = etree.Element(w("bookmarkStart"))
    start.set(w("id"), str(bookmark_id))
    start.set(w("name"), name)
    end = etree.Element(w("bookmarkEnd"))
    end.set(w("id"), str(bookmark_id))
    ppr = paragraph.find(w("pPr"))
    index = 0 if ppr is None else list(paragraph).index(ppr) + 1
    paragraph.insert(index, start)
    paragraph.insert(index + 1, end)


def read_template(path: Path) -> bytes:
    """A template file's bytes: a regular file within the package size limit."""
    try:
        return read_regular_file(path)
    except FileNotFoundError:
        raise TemplateError(
            path,
            tr(
                "서식 파일이 없습니다. --templates로 서식 폴더를 알려 주십시오.",
                "template not found",
            ),
        ) from None
    except PackageError as exc:
        raise TemplateError(path, str(exc)) from None
    except OSError as exc:
        raise TemplateError(
            path,
            tr(
                f"읽을 수 없습니다({os_reason(exc)}).",
                f"cannot be read ({os_reason(exc)})",
            ),
        ) from None
