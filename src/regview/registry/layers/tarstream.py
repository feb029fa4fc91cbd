"""A push-style tar parser: feed it bytes, it reports entries, and never keeps file data.

``tarfile`` wants a synchronous file object and silently treats a damaged header as the
end of the archive; a layer arrives as async chunks and a damaged one must say so. This
parser reads ustar/POSIX, GNU (long names and links, base-256 numbers, old sparse files)
and PAX (local and global extended headers: ``path``, ``linkpath``, ``size``, ``uid``,
``gid``, ``mtime``, ``uname``, ``gname``, the GNU sparse keys). File data is skipped as it
passes, unless a caller asks for one entry's bytes (``regview cat``). Metadata records
(PAX headers, GNU long names) are capped at :data:`MAX_META` bytes, so a hostile header
claiming gigabytes cannot allocate them.

Sparse files (GNU old sparse, PAX 0.0, 0.1 and 1.0) are reported with their real size,
and a caller that asks for their bytes gets the whole content, holes included, expanded
as it streams by :class:`~regview.registry.layers.sparse.SparseExpander`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from regview.registry.errors import LayerFormatError
from regview.registry.layers.entry import Entry, EntryType, normalize_path
from regview.registry.layers.sparse import (
    MAX_OFFSET,
    SparseExpander,
    check_map,
    parse_number_list,
)

if TYPE_CHECKING:
    from regview.registry.layers.hash_thread import HashThread

__all__ = [
    "BLOCK",
    "MAX_HASHED_SPARSE",
    "MAX_META",
    "OFFLOAD_MIN",
    "DataSink",
    "EntryHook",
    "TarParser",
]

BLOCK: Final = 512
MAX_META: Final = 1024 * 1024
#: Content of sparse files hashed per layer at most (holes included): past it, a sparse
#: file's sha256 is not recorded (a real size of exabytes must not keep the indexer
#: hashing zeros forever).
MAX_HASHED_SPARSE: Final = 1 << 30
#: Regular files this big or bigger are hashed by the hash thread, when there is one.
OFFLOAD_MIN: Final = 64 * 1024
#: Where PAX 0.0's repeated ``GNU.sparse.offset``/``numbytes`` records are gathered.
_PAX00_PAIRS: Final = "\0gnu.sparse.pairs"

#: Receives one entry's data, piece by piece; called with ``b""`` once at its end.
DataSink = Callable[[bytes], None]
#: Called for every entry; returns a sink to receive that entry's data, or None to skip it.
EntryHook = Callable[[Entry], DataSink | None]

_HEADER, _DATA, _PAD, _META, _SPARSE_EXT, _END = range(6)

_TYPES: Final = {
    b"0": EntryType.FILE,
    b"\0": EntryType.FILE,
    b"7": EntryType.FILE,
    b"S": EntryType.FILE,
    b"1": EntryType.HARDLINK,
    b"2": EntryType.SYMLINK,
    b"3": EntryType.CHAR,
    b"4": EntryType.BLOCK,
    b"5": EntryType.DIR,
    b"D": EntryType.DIR,  # GNU dump directory: a directory whose data lists its names
    b"6": EntryType.FIFO,
}
#: Types whose header is the whole entry: a size field on them announces no data.
_HEADER_ONLY: Final = frozenset(b"123456")
_META_TYPES: Final = frozenset(b"xgLK")
#: Volume labels and old GNU long-name records describe no file.
_IGNORED_TYPES: Final = frozenset(b"VN")


def _text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


def _cstring(field: bytes) -> bytes:
    end = field.find(b"\0")
    return field if end < 0 else field[:end]


def _number(field: bytes, what: str, offset: int) -> int:
    """An octal ASCII field, or GNU base-256 when the high bit of the first byte is set."""
    if field and field[0] & 0x80:
        value = int.from_bytes(bytes([field[0] & 0x7F]) + field[1:], "big")
        if field[0] == 0xFF:  # negative, two's complement
            value -= 1 << (8 * len(field) - 1)
        return value
    digits = field.split(b"\0", 1)[0].strip(b" ")
    if not digits:
        return 0
    try:
        return int(digits, 8)
    except ValueError:
        raise LayerFormatError(
            f"tar header at offset {offset:,} has an invalid {what} field {digits[:20]!r}"
        ) from None


def _checksum_ok(block: bytes, offset: int) -> bool:
    stored = _number(block[148:156], "checksum", offset)
    # The checksum field itself counts as eight spaces.
    unsigned = sum(block) - sum(block[148:156]) + 8 * 32
    if stored == unsigned:
        return True
    # Some historic tars summed signed chars.
    rest = block[:148] + block[156:]
    return stored == unsigned - 256 * sum(1 for b in rest if b > 127)


#: mode, uid, gid, size, mtime and checksum as GNU tar, Python's tarfile and Go write
#: them (zero-padded octal, NUL-terminated; the checksum then NUL and space).
_USUAL_NUMBERS: Final = re.compile(
    rb"([0-7]{7})\0([0-7]{7})\0([0-7]{7})\0([0-7]{11})\0([0-7]{11})\0([0-7]{6})\0 "
)


def _usual_numbers(block: bytes) -> tuple[int, int, int, int, int] | None:
    """(mode, uid, gid, size, mtime) of a header written the usual way whose checksum
    is right; None for any other (:func:`_number` and :func:`_checksum_ok` decide)."""
    m = _USUAL_NUMBERS.match(block, 100)
    if m is None:
        return None
    mode, uid, gid, size, mtime, checksum = m.groups()
    if int(checksum, 8) != sum(block) - sum(block[148:156]) + 8 * 32:
        return None
    return int(mode, 8), int(uid, 8), int(gid, 8), int(size, 8), int(mtime, 8)


#: The fields of :class:`Entry`, for :func:`_with_sha256`.
_ENTRY_FIELDS: Final = tuple(f.name for f in dataclasses.fields(Entry))


def _with_sha256(entry: Entry, digest: str) -> Entry:
    """A copy of ``entry`` with its content's sha256 (``dataclasses.replace``, faster)."""
    fields = {name: getattr(entry, name) for name in _ENTRY_FIELDS}
    fields["sha256"] = digest
    return Entry(**fields)


def _gnu_sparse_pairs(block: bytes, count: int, start: int, offset: int) -> list[tuple[int, int]]:
    """The (offset, length) pairs of an old GNU sparse header or extension block."""
    pairs: list[tuple[int, int]] = []
    for i in range(count):
        at = start + 24 * i
        if not any(block[at : at + 24]):
            break  # unused slots are empty
        pairs.append(
            (
                _number(block[at : at + 12], "sparse offset", offset),
                _number(block[at + 12 : at + 24], "sparse length", offset),
            )
        )
    return pairs


def parse_pax(data: bytes, offset: int) -> dict[str, bytes]:
    """Records ``"%d %s=%s\\n"``; a later record of the same key wins."""
    out: dict[str, bytes] = {}
    pairs: list[bytes] = []
    pos = 0
    n = len(data)
    while pos < n:
        if data[pos] == 0:  # padding some writers leave after the records
            break
        space = data.find(b" ", pos, pos + 24)
        if space < 0:
            raise LayerFormatError(f"malformed PAX header at offset {offset:,}")
        try:
            length = int(data[pos:space])
        except ValueError:
            raise LayerFormatError(f"malformed PAX record length at offset {offset:,}") from None
        end = pos + length
        if length <= space - pos + 1 or end > n or data[end - 1] != 0x0A:
            raise LayerFormatError(f"malformed PAX record at offset {offset:,}")
        key, eq, value = data[space + 1 : end - 1].partition(b"=")
        if not eq:
            raise LayerFormatError(f"PAX record without '=' at offset {offset:,}")
        name = key.decode("utf-8", "surrogateescape")
        if name in ("GNU.sparse.offset", "GNU.sparse.numbytes"):
            pairs.append(value)  # PAX sparse 0.0 repeats these two, in order: keep them all
        out[name] = value
        pos = end
    if pairs:
        out[_PAX00_PAIRS] = b",".join(pairs)
    return out


class TarParser:
    """Parse a tar stream fed in arbitrary pieces; entries go to ``on_entry``/``entries``.

    With ``hash_files``, every regular file's content is hashed as it passes (no copy),
    and its entry in :attr:`entries` gets :attr:`Entry.sha256` once its data has ended
    (``on_entry`` sees the entry before its data, so without it; then the list gets a
    copy with the sha256, and without a hook the entry, seen by no one else yet, is
    completed in place). A sparse file's hash
    is that of its expanded content, holes included (up to :data:`MAX_HASHED_SPARSE`
    bytes of sparse content per layer; past that its sha256 stays None). A sink given
    by ``on_entry`` for a sparse file receives the expanded content too.

    Given a ``hash_thread`` (:class:`~.hash_thread.HashThread`), a regular file of at
    least :data:`OFFLOAD_MIN` bytes is hashed by its worker, on another core, while
    parsing goes on, unless the worker is behind when the file starts
    (:attr:`~.hash_thread.HashThread.busy`); small files stay here (a short update on
    another thread costs more than it saves). The sha256 of what the worker hashed is
    filled in by :meth:`complete_hashes`, once the worker has drained. The pieces fed
    must then be ``bytes`` (the worker reads them later); others are copied.
    """

    def __init__(
        self,
        on_entry: EntryHook | None = None,
        *,
        collect: bool = True,
        hash_files: bool = False,
        hash_thread: HashThread | None = None,
    ) -> None:
        self._on_entry = on_entry
        self._hash_thread = hash_thread if hash_files and collect else None
        #: The current file is hashed by the worker; files whose digest it still owes.
        self._offloaded = False
        self._deferred: list[tuple[int, hashlib._Hash]] = []
        self._collect = collect
        self._hash_files = hash_files and collect
        self._hasher: hashlib._Hash | None = None
        self._sparse = False
        #: Every entry so far, in archive order (when ``collect``).
        self.entries: list[Entry] = []
        #: Uncompressed bytes consumed so far.
        self.offset = 0
        #: True once the end-of-archive marker (a zero block) was read.
        self.ended = False
        self._state = _HEADER
        self._buf = bytearray()
        self._remaining = 0
        self._pad = 0
        self._sink: DataSink | None = None
        self._meta_type = b""
        self._meta = bytearray()
        self._pending: dict[str, bytes] = {}  # from the PAX 'x' / GNU L/K before an entry
        self._globals: dict[str, bytes] = {}
        self._sparse_entry: Entry | None = None
        self._entry_offset = 0
        #: The sparse map of the entry being built: pairs from its header(s), or None
        #: when the map leads the data (PAX 1.0); its real size.
        self._sparse_map: list[tuple[int, int]] | None = None
        self._sparse_realsize = 0
        self._expander: SparseExpander | None = None
        self._sparse_blocks = 0  # extension blocks of an old GNU sparse map so far
        self._sparse_hashed = 0
        self._meta_start: int | None = None  # where the headers before this entry began
        self._first_offset: int | None = None

    # --- feeding -------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        if self._hash_thread is not None and type(data) is not bytes:
            data = bytes(data)  # the worker hashes it later: it must not change
        mv = memoryview(data)
        pos = 0
        n = len(data)
        while pos < n:
            state = self._state
            if state == _END:
                self.offset += n - pos
                break
            if state == _HEADER and not self._buf and n - pos >= BLOCK:
                # A whole header in this piece: no gathering.
                pos += BLOCK
                self.offset += BLOCK
                self._header(bytes(mv[pos - BLOCK : pos]))
                continue
            if state in (_DATA, _PAD):
                take = min(self._remaining, n - pos)
                if state == _DATA:
                    if self._expander is not None:
                        self._expander.feed(mv[pos : pos + take])
                    else:
                        if self._hasher is not None:
                            if self._offloaded:
                                assert self._hash_thread is not None
                                self._hash_thread.update(self._hasher, mv[pos : pos + take])
                            else:
                                self._hasher.update(mv[pos : pos + take])
                        if self._sink is not None:
                            self._sink(bytes(data) if take == n else bytes(mv[pos : pos + take]))
                pos += take
                self.offset += take
                self._remaining -= take
                if self._remaining == 0:
                    self._after_chunk()
                continue
            if state == _META:
                take = min(self._remaining, n - pos)
                self._meta += mv[pos : pos + take]
                pos += take
                self.offset += take
                self._remaining -= take
                if self._remaining == 0:
                    self._meta_done()
                continue
            # _HEADER or _SPARSE_EXT: gather one block.
            take = min(BLOCK - len(self._buf), n - pos)
            self._buf += mv[pos : pos + take]
            pos += take
            self.offset += take
            if len(self._buf) == BLOCK:
                block = bytes(self._buf)
                self._buf.clear()
                if state == _HEADER:
                    self._header(block)
                else:
                    self._sparse_extension(block)

    def finish(self) -> None:
        """The stream ended: complain if it ended inside an entry."""
        if self._state == _END:
            return
        if self._state == _HEADER and not self._buf and not self._pending:
            return  # no end-of-archive marker: tolerated, as by tar(1)
        what = {
            _HEADER: "a header",
            _DATA: "the data of an entry",
            _PAD: "the padding of an entry",
            _META: "an extended header",
            _SPARSE_EXT: "a sparse map",
        }[self._state]
        raise LayerFormatError(
            f"the tar archive is truncated: it ends inside {what} "
            f"(at uncompressed offset {self.offset:,})"
        )

    # --- state changes -------------------------------------------------------------------

    def _hashed(self) -> None:
        """The data of the last entry ended: record its content's sha256."""
        hasher, self._hasher = self._hasher, None
        if hasher is None:
            return
        if self._offloaded:  # the worker still hashes it: filled in by complete_hashes
            self._offloaded = False
            self._deferred.append((len(self.entries) - 1, hasher))
            return
        entry = self.entries[-1]
        if self._on_entry is None:
            # Nobody but this list has seen the entry yet: complete it where it is (a
            # copy costs as much as building it). A hook holds the entry as it was, so
            # with one the list gets a copy.
            object.__setattr__(entry, "sha256", hasher.hexdigest())
        else:
            self.entries[-1] = _with_sha256(entry, hasher.hexdigest())

    def complete_hashes(self) -> None:
        """Record the sha256 of the files the hash thread hashed; call once it drained."""
        deferred, self._deferred = self._deferred, []
        for index, hasher in deferred:
            self.entries[index] = _with_sha256(self.entries[index], hasher.hexdigest())

    def _data_done(self) -> None:
        """An entry's data ended: the trailing hole of a sparse file, then its hash."""
        expander, self._expander = self._expander, None
        if expander is not None:
            expander.finish()
        self._hashed()

    def _after_chunk(self) -> None:
        if self._state == _DATA:
            self._data_done()
            if self._sink is not None:
                sink, self._sink = self._sink, None
                sink(b"")
            if self._pad:
                self._state = _PAD
                self._remaining = self._pad
                self._pad = 0
                return
        self._state = _HEADER

    def _skip(self, size: int, sink: DataSink | None) -> None:
        """Pass over ``size`` data bytes (and their padding) next."""
        self._pad = -size % BLOCK
        self._sink = sink
        if size > 0:
            self._state = _DATA
            self._remaining = size
        else:
            self._data_done()
            if sink is not None:
                sink(b"")
                self._sink = None
            if self._pad:
                self._state = _PAD
                self._remaining = self._pad
                self._pad = 0
            else:
                self._state = _HEADER

    def _header(self, block: bytes) -> None:
        header_offset = self.offset - BLOCK
        if not any(block):
            self._state = _END
            self.ended = True
            return
        numbers = _usual_numbers(block)
        if numbers is not None:
            size = numbers[3]
        elif not _checksum_ok(block, header_offset):
            raise LayerFormatError(
                f"tar header checksum mismatch at uncompressed offset {header_offset:,} "
                "(the layer is not a tar archive, or it is damaged)"
            )
        else:
            size = _number(block[124:136], "size", header_offset)
        typeflag = block[156:157]
        if size < 0:
            raise LayerFormatError(f"negative size in the tar header at offset {header_offset:,}")
        if typeflag and typeflag[0] in _META_TYPES:
            if size > MAX_META:
                raise LayerFormatError(
                    f"extended tar header of {size:,} bytes at offset {header_offset:,} "
                    f"is larger than the {MAX_META:,} byte limit"
                )
            if self._meta_start is None:
                self._meta_start = header_offset
            self._meta_type = typeflag
            self._meta = bytearray()
            self._pad = -size % BLOCK
            if size == 0:
                self._meta_done()
            else:
                self._state = _META
                self._remaining = size
            return
        if typeflag and typeflag[0] in _IGNORED_TYPES:
            self._pending = {}
            self._meta_start = None
            self._skip(size, None)
            return
        first = header_offset if self._meta_start is None else self._meta_start
        self._meta_start = None
        self._entry_offset = header_offset
        self._first_offset = None if self._globals else first
        entry, data_size = self._make_entry(block, typeflag, size, header_offset, numbers)
        if typeflag == b"S" and block[482]:
            # Old GNU sparse: extension blocks of the sparse map come before the data.
            self._sparse_entry = entry
            self._sparse_blocks = 0
            self._remaining = data_size
            self._state = _SPARSE_EXT
            return
        self._emit(entry, data_size)

    def _emit(self, entry: Entry | None, data_size: int) -> None:
        sink: DataSink | None = None
        if entry is not None:
            if self._collect:
                self.entries.append(entry)
                if self._hash_files and entry.type is EntryType.FILE and self._may_hash(entry):
                    self._hasher = hashlib.sha256()
                    self._offloaded = (
                        self._hash_thread is not None
                        and not self._sparse
                        and entry.size >= OFFLOAD_MIN
                        and not self._hash_thread.busy
                    )
            if self._on_entry is not None:
                sink = self._on_entry(entry)
            if self._sparse:
                self._expand(entry, data_size, sink)
        self._skip(data_size, sink)

    def _may_hash(self, entry: Entry) -> bool:
        if not self._sparse:
            return True
        if self._sparse_hashed + entry.size > MAX_HASHED_SPARSE:
            return False
        self._sparse_hashed += entry.size
        return True

    def _expand(self, entry: Entry, data_size: int, sink: DataSink | None) -> None:
        """Route a sparse file's data through an expander, when someone wants its bytes."""
        hasher = self._hasher
        if hasher is None and sink is None:
            return

        def out(piece: bytes) -> None:
            if hasher is not None:
                hasher.update(piece)
            if sink is not None:
                sink(piece)

        self._expander = SparseExpander(
            out, entry.size, self._sparse_map, data_size, self._entry_offset
        )

    def _sparse_extension(self, block: bytes) -> None:
        assert self._sparse_map is not None
        self._sparse_blocks += 1
        if self._sparse_blocks > MAX_META // BLOCK:
            raise LayerFormatError(
                f"the sparse map of the tar entry at offset {self._entry_offset:,} "
                "has too many extension blocks"
            )
        self._sparse_map += _gnu_sparse_pairs(block, 21, 0, self._entry_offset)
        if block[504]:
            return  # another extension block follows
        entry, self._sparse_entry = self._sparse_entry, None
        data_size = self._remaining
        self._state = _HEADER
        check_map(self._sparse_map, self._sparse_realsize, data_size, self._entry_offset)
        self._emit(entry, data_size)

    def _meta_done(self) -> None:
        data = bytes(self._meta)
        self._meta = bytearray()
        kind = self._meta_type
        meta_offset = self.offset - len(data)
        if kind == b"x":
            self._pending.update(parse_pax(data, meta_offset))
        elif kind == b"g":
            for key, value in parse_pax(data, meta_offset).items():
                if value:
                    self._globals[key] = value
                else:
                    self._globals.pop(key, None)
        elif kind == b"L":
            self._pending["\0gnu.longname"] = _cstring(data)
        elif kind == b"K":
            self._pending["\0gnu.longlink"] = _cstring(data)
        if self._pad:
            self._state = _PAD
            self._remaining = self._pad
            self._pad = 0
        else:
            self._state = _HEADER

    # --- building an entry ---------------------------------------------------------------

    def _make_entry(
        self,
        block: bytes,
        typeflag: bytes,
        size: int,
        offset: int,
        numbers: tuple[int, int, int, int, int] | None = None,
    ) -> tuple[Entry | None, int]:
        if not self._pending and not self._globals and typeflag != b"S":
            return self._plain_entry(block, typeflag, size, offset, numbers)
        pax = {**self._globals, **{k: v for k, v in self._pending.items() if v != b""}}
        gnu_name = self._pending.get("\0gnu.longname")
        gnu_link = self._pending.get("\0gnu.longlink")
        pax00_pairs = self._pending.get(_PAX00_PAIRS)
        self._pending = {}

        magic = block[257:265]
        name = _cstring(block[0:100])
        if magic[:6] == b"ustar\0":
            prefix = _cstring(block[345:500])
            if prefix:
                name = prefix + b"/" + name
        if gnu_name is not None:
            name = gnu_name
        link = _cstring(block[157:257])
        if gnu_link is not None:
            link = gnu_link

        def pax_int(key: str, default: int) -> int:
            raw = pax.get(key)
            if raw is None:
                return default
            try:
                return int(raw.split(b".", 1)[0] or b"0")
            except ValueError:
                raise LayerFormatError(
                    f"PAX header before offset {offset:,} has an invalid {key} {raw[:20]!r}"
                ) from None

        if "path" in pax:
            name = pax["path"]
        if "linkpath" in pax:
            link = pax["linkpath"]
        data_size = pax_int("size", size)
        reported = data_size
        kind = _TYPES.get(typeflag, EntryType.FILE)
        if typeflag == b"\0" and name.endswith(b"/"):
            kind = EntryType.DIR  # pre-POSIX tars mark directories by a trailing slash
        sparse = kind is EntryType.FILE and (
            typeflag == b"S" or any(k.startswith("GNU.sparse.") for k in pax)
        )
        self._sparse = sparse
        if sparse:
            if typeflag == b"S":
                reported = _number(block[483:495], "sparse size", offset)
            if "GNU.sparse.name" in pax:
                name = pax["GNU.sparse.name"]
            reported = pax_int("GNU.sparse.realsize", pax_int("GNU.sparse.size", reported))
            self._sparse_map = self._sparse_pairs(block, typeflag, pax, pax00_pairs, offset)
            self._sparse_realsize = reported
            if not 0 <= reported <= MAX_OFFSET:
                raise LayerFormatError(
                    f"the sparse tar entry at offset {offset:,} has an impossible "
                    f"real size {reported:,}"
                )
            if self._sparse_map is not None and not (typeflag == b"S" and block[482]):
                check_map(self._sparse_map, reported, data_size, offset)
        if typeflag and typeflag[0] in _HEADER_ONLY:
            data_size = reported = 0

        path = normalize_path(_text(name))
        is_link = kind in (EntryType.SYMLINK, EntryType.HARDLINK)
        link_text: str | None = None
        if is_link:
            link_text = _text(link)
            if kind is EntryType.HARDLINK:
                link_text = normalize_path(link_text)
        mtime_raw = pax.get("mtime")
        if mtime_raw is not None:
            try:
                mtime = int(float(mtime_raw))
            except (ValueError, OverflowError):
                raise LayerFormatError(
                    f"PAX header before offset {offset:,} has an invalid mtime"
                ) from None
        else:
            mtime = _number(block[136:148], "mtime", offset)
        entry = Entry(
            path=path,
            type=kind,
            size=reported,
            mode=_number(block[100:108], "mode", offset) & 0o7777,
            uid=pax_int("uid", _number(block[108:116], "uid", offset)),
            gid=pax_int("gid", _number(block[116:124], "gid", offset)),
            mtime=mtime,
            link=link_text,
            uname=_text(pax.get("uname", _cstring(block[265:297]))),
            gname=_text(pax.get("gname", _cstring(block[297:329]))),
            devmajor=_number(block[329:337], "devmajor", offset)
            if kind in (EntryType.CHAR, EntryType.BLOCK)
            else 0,
            devminor=_number(block[337:345], "devminor", offset)
            if kind in (EntryType.CHAR, EntryType.BLOCK)
            else 0,
            offset=self._first_offset,
        )
        if not path:
            return None, data_size  # the root directory itself ("./")
        return entry, data_size

    def _plain_entry(
        self,
        block: bytes,
        typeflag: bytes,
        size: int,
        offset: int,
        numbers: tuple[int, int, int, int, int] | None,
    ) -> tuple[Entry | None, int]:
        """:meth:`_make_entry` for the usual header: no PAX or GNU records before it, not
        old GNU sparse. The same fields, without the look-ups that cannot apply;
        ``numbers`` are the header's (mode, uid, gid, size, mtime) if already parsed."""
        self._sparse = False
        name = block[0:100].split(b"\0", 1)[0]
        if block[257:263] == b"ustar\0":
            prefix = _cstring(block[345:500])
            if prefix:
                name = prefix + b"/" + name
        kind = _TYPES.get(typeflag, EntryType.FILE)
        if typeflag == b"\0" and name.endswith(b"/"):
            kind = EntryType.DIR  # pre-POSIX tars mark directories by a trailing slash
        if typeflag and typeflag[0] in _HEADER_ONLY:
            size = 0
        link_text: str | None = None
        if kind is EntryType.SYMLINK:
            link_text = _text(_cstring(block[157:257]))
        elif kind is EntryType.HARDLINK:
            link_text = normalize_path(_text(_cstring(block[157:257])))
        device = kind is EntryType.CHAR or kind is EntryType.BLOCK
        path = normalize_path(_text(name))
        if numbers is not None:
            mode, uid, gid, _, mtime = numbers
            mode &= 0o7777
        else:
            mode = _number(block[100:108], "mode", offset) & 0o7777
            uid = _number(block[108:116], "uid", offset)
            gid = _number(block[116:124], "gid", offset)
            mtime = _number(block[136:148], "mtime", offset)
        devmajor = _number(block[329:337], "devmajor", offset) if device else 0
        devminor = _number(block[337:345], "devminor", offset) if device else 0
        if not path:
            return None, size  # the root directory itself ("./")
        entry = Entry(
            path=path,
            type=kind,
            size=size,
            mode=mode,
            uid=uid,
            gid=gid,
            mtime=mtime,
            link=link_text,
            uname=block[265:297].split(b"\0", 1)[0].decode("utf-8", "surrogateescape"),
            gname=block[297:329].split(b"\0", 1)[0].decode("utf-8", "surrogateescape"),
            devmajor=devmajor,
            devminor=devminor,
            offset=self._first_offset,
        )
        return entry, size

    def _sparse_pairs(
        self, block: bytes, typeflag: bytes, pax: dict[str, bytes], pairs: bytes | None, offset: int
    ) -> list[tuple[int, int]] | None:
        """A sparse entry's map from its headers; None when it leads the data (PAX 1.0)."""
        if pax.get("GNU.sparse.major") == b"1":
            return None
        if "GNU.sparse.map" in pax:
            numbers = parse_number_list(pax["GNU.sparse.map"], "GNU.sparse.map", offset)
        elif pairs is not None:
            numbers = parse_number_list(pairs, "GNU.sparse.offset/numbytes", offset)
        elif typeflag == b"S":
            return _gnu_sparse_pairs(block, 4, 386, offset)
        else:
            numbers = []
        if len(numbers) % 2:
            raise LayerFormatError(
                f"the sparse map of the tar entry at offset {offset:,} has an odd count of numbers"
            )
        return list(zip(numbers[0::2], numbers[1::2], strict=True))
