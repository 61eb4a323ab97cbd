"""Reading an operator's file: checking what it is, then its rows in batches.

Every line of the file is accounted for: a row either becomes an event or is
quarantined with its line number, its text and the reason. Files are read in
blocks, so memory stays bounded whatever their size.
"""

from __future__ import annotations

import codecs
import io
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, cast

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from crossline.comms import normalise
from crossline.comms.profiles import Profile, detect
from crossline.core.errors import InvalidInput

if TYPE_CHECKING:
    from hashlib import _Hash as Hash

SNIFF_BYTES = 64 * 1024
BLOCK_BYTES = 4 * 1024 * 1024
DELIMITERS = (",", ";", "\t", "|")
NULL = pa.scalar(None, pa.string())


@dataclass(frozen=True)
class Sniffed:
    profile: Profile
    encoding: str
    header: list[str]


def sniff(
    path: Path,
    profiles: dict[str, Profile],
    *,
    profile_id: str | None = None,
    encoding: str | None = None,
) -> Sniffed:
    """What the file is: its encoding and its profile, or a clear refusal.

    Refuses an empty file, a binary file, text that is not in the encoding, a
    header that matches no profile (saying so when another delimiter would
    match), and a profile that does not fit the header.
    """
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if not head.strip():
        raise InvalidInput(f"{path.name} is empty: there is nothing to import.", field="file")
    chosen = encoding or _encoding_of(head)
    if b"\x00" in head and not chosen.startswith("utf-16"):
        raise InvalidInput(
            f"{path.name} is a binary file, not a CSV export. Check you chose "
            "the call data records and not, say, a spreadsheet or archive.",
            field="file",
        )
    try:
        text = codecs.getincrementaldecoder(chosen)().decode(head, final=False)
    except (UnicodeDecodeError, LookupError) as exc:
        raise InvalidInput(
            f"{path.name} is not {chosen} text (first problem at byte "
            f"{getattr(exc, 'start', 0)}). Give its encoding with --encoding, for example "
            "cp1252 for files saved by Excel on Windows.",
            field="file",
        ) from exc
    first_line = text.lstrip("\ufeff").splitlines()[0] if text.strip() else ""
    if profile_id is not None:
        if profile_id not in profiles:
            raise InvalidInput(
                f"There is no import profile '{profile_id}'. Known profiles: "
                f"{', '.join(profiles)}.",
                field="profile",
            )
        profile = profiles[profile_id]
        header = first_line.split(profile.delimiter)
        if [h.strip() for h in header] != list(profile.header):
            raise InvalidInput(
                f"{path.name}'s header does not fit profile '{profile_id}': expected "
                f"{', '.join(profile.header)}; found {first_line[:200]}.",
                field="profile",
            )
        return Sniffed(profile, chosen, header)
    for profile in profiles.values():
        header = first_line.split(profile.delimiter)
        if [h.strip() for h in header] == list(profile.header):
            return Sniffed(detect(header, profiles), chosen, header)
    for profile in profiles.values():
        for other in DELIMITERS:
            if other != profile.delimiter and [h.strip() for h in first_line.split(other)] == list(
                profile.header
            ):
                raise InvalidInput(
                    f"{path.name} looks like profile '{profile.id}' but is delimited by "
                    f"{other!r} instead of {profile.delimiter!r}. Re-export it, or add a "
                    "profile for this layout.",
                    field="file",
                )
    detect(first_line.split(","), profiles)  # raises, listing the known layouts
    raise AssertionError("unreachable")


def _encoding_of(head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    return "utf-8"


@dataclass
class Batch:
    events: pa.Table  # normalised, without import_id
    quarantine: pa.Table  # line, raw, reason


def batches(
    path: Path,
    sniffed: Sniffed,
    progress: Callable[[int], None] | None = None,
    digest: Hash | None = None,
) -> Iterator[Batch]:
    """The file's rows in normalised batches, in file order, every line accounted for.

    The file is cut into blocks at line ends; blocks are parsed and normalised
    on a pool of threads (pyarrow releases the GIL), at most a few at a time,
    and come back in order. ``digest``, when given, is fed every byte of the
    file, so that it holds the file's hash once the last batch is out.
    """
    workers = max(1, os.cpu_count() or 1)
    with path.open("rb") as opened:
        raw_handle = cast(IO[bytes], _Hashing(opened, digest)) if digest is not None else opened
        handle = _utf8(raw_handle, sniffed.encoding)
        handle.readline()  # the header, checked by sniff()
        with ThreadPoolExecutor(max_workers=workers) as pool:
            pending: deque[Future[Batch]] = deque()
            previous = None
            for chunk, first_line in _chunks(handle, raw_handle, progress):
                pending.append(
                    pool.submit(_parse_chunk, chunk, first_line, sniffed.profile, previous)
                )
                previous = _last_line(chunk)
                if len(pending) > 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


class _Hashing(io.RawIOBase):
    """A file read once, front to back, that feeds every byte read to a hash."""

    def __init__(self, handle: IO[bytes], digest: Hash) -> None:
        self._handle = handle
        self._digest = digest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        read = self._handle.readinto(buffer)  # type: ignore[attr-defined]
        self._digest.update(memoryview(buffer)[:read])
        return int(read)

    def read(self, size: int | None = -1) -> bytes:
        data = self._handle.read(-1 if size is None else size)
        self._digest.update(data)
        return data

    def readline(self, size: int | None = -1) -> bytes:
        data = self._handle.readline(-1 if size is None else size)
        self._digest.update(data)
        return data

    def tell(self) -> int:
        return self._handle.tell()


def _utf8(handle: IO[bytes], encoding: str) -> IO[bytes]:
    """The file's bytes as UTF-8 (transcoded when it is in another encoding)."""
    if encoding in ("utf-8", "utf-8-sig"):
        return handle  # a byte-order mark is part of the header line, which is skipped
    return codecs.StreamRecoder(
        handle,
        codecs.getencoder("utf-8"),
        codecs.getdecoder("utf-8"),
        codecs.getreader(encoding),
        codecs.getwriter(encoding),
    )


def _chunks(
    handle: IO[bytes], raw: IO[bytes], progress: Callable[[int], None] | None
) -> Iterator[tuple[bytes, int]]:
    """Blocks of whole lines, each with the line number of its first line."""
    line = 2
    rest = b""
    while True:
        block = handle.read(BLOCK_BYTES)
        if progress:
            progress(raw.tell())
        if not block:
            if rest:
                yield rest + b"\n", line
            return
        data = rest + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        chunk, rest = data[:cut], data[cut:]
        yield chunk, line
        line += chunk.count(b"\n")


def _last_line(chunk: bytes) -> str:
    body = chunk[:-1]
    return body[body.rfind(b"\n") + 1 :].rstrip(b"\r").decode("utf-8", "replace")


def _parse_chunk(chunk: bytes, first_line: int, profile: Profile, previous: str | None) -> Batch:
    columns = [f"c{i}" for i in range(len(profile.header))]
    invalid: list[tuple[int, str, str]] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        invalid.append(
            (
                first_line + int(row.number or 1) - 1,
                row.text,
                f"{row.actual_columns} fields where the layout has {row.expected_columns}",
            )
        )
        return "skip"

    table = pacsv.read_csv(
        io.BytesIO(chunk),
        read_options=pacsv.ReadOptions(
            use_threads=False, block_size=len(chunk) + 1, column_names=columns
        ),
        parse_options=pacsv.ParseOptions(
            delimiter=profile.delimiter,
            quote_char=False,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in columns}, strings_can_be_null=False
        ),
    )
    marks = np.array([line - first_line - j for j, (line, _, _) in enumerate(invalid)], np.int64)
    k = np.arange(table.num_rows, dtype=np.int64)
    lines = k + first_line + np.searchsorted(marks, k, side="right")
    batch, _ = _normalise(table, lines, profile, profile.delimiter.join(profile.header), previous)
    if invalid:
        shape = pa.table(
            {
                "line": [f[0] for f in invalid],
                "raw": [f[1] for f in invalid],
                "reason": [f[2] for f in invalid],
            }
        )
        batch.quarantine = pa.concat_tables([batch.quarantine, shape])
    return batch


def _normalise(
    table: pa.Table, lines: np.ndarray, profile: Profile, header_text: str, previous_raw: str | None
) -> tuple[Batch, str | None]:
    """Normalise one batch of string columns; return it and its last raw line."""
    by_name = {
        name: table.column(f"c{i}").combine_chunks() for i, name in enumerate(profile.header)
    }
    raw = pc.binary_join_element_wise(*[by_name[h] for h in profile.header], profile.delimiter)
    before = pa.concat_arrays([pa.array([previous_raw], pa.string()), raw.slice(0, len(raw) - 1)])
    empty = pc.equal(pc.utf8_length(raw), len(profile.header) - 1)
    reasons = [
        pc.if_else(empty, "empty line", NULL),
        pc.if_else(pc.equal(raw, header_text), "header repeated in the middle of the file", NULL),
        pc.if_else(
            pc.fill_null(pc.equal(raw, before), False), "duplicate of the line before", NULL
        ),
    ]
    if profile.kind == "cells":
        events, more = _cells(by_name)
    else:
        events, more = _events(by_name, profile)
    reason = normalise.first_reason(*reasons, *more)
    bad = pc.is_valid(reason)
    good = pc.invert(bad)
    line_array = pa.array(lines, pa.int64())
    quarantine = pa.table(
        {
            "line": pc.filter(line_array, bad),
            "raw": pc.filter(raw, bad),
            "reason": pc.filter(reason, bad),
        }
    )
    events = events.append_column("line", line_array).filter(good)
    last = raw[len(raw) - 1].as_py() if len(raw) else previous_raw
    return Batch(events, quarantine), last


def _events(by_name: dict[str, pa.Array], profile: Profile) -> tuple[pa.Table, list[pa.Array]]:
    assert profile.fields is not None
    assert profile.time is not None
    f = profile.fields
    start, time_reason = normalise.times([by_name[c] for c in profile.time.columns], profile.time)
    a = normalise.numbers(by_name[f.a_number])
    b = normalise.numbers(by_name[f.b_number])
    kind, kind_reason = normalise.event_types(by_name[f.event_type], profile.event_types)
    seconds, duration_reason = normalise.durations(by_name[f.duration], profile.duration_unit)
    empty = pa.array([""] * len(a), pa.string())
    imei_text = by_name[f.a_imei] if f.a_imei else empty
    imei_valid, imei_given = normalise.imeis(imei_text)
    a_cell = by_name[f.a_cell] if f.a_cell else empty
    b_cell = by_name[f.b_cell] if f.b_cell else empty
    if f.direction:  # records of a target: an incoming one was made by the other party
        codes = profile.directions
        incoming = pc.is_in(
            by_name[f.direction],
            value_set=pa.array([k for k, v in codes.items() if v == "incoming"]),
        )
        a, b = pc.if_else(incoming, b, a), pc.if_else(incoming, a, b)
        a_cell, b_cell = pc.if_else(incoming, b_cell, a_cell), pc.if_else(incoming, a_cell, b_cell)
    reasons = [
        time_reason,
        # Every time without a reason has been read; should one ever not be, it is
        # quarantined rather than stored without a time.
        pc.if_else(pc.is_null(start), "unreadable time", NULL),
        pc.if_else(pc.is_null(a), "originating number is not a phone number", NULL),
        pc.if_else(pc.is_null(b), "terminating number is not a phone number", NULL),
        kind_reason,
        duration_reason,
        pc.if_else(
            pc.and_(imei_given, pc.invert(imei_valid)),
            "IMEI is not 15 digits with a valid check digit",
            NULL,
        ),
    ]
    imei = pc.if_else(imei_given, imei_text, NULL)
    events = pa.table(
        {
            "start_time": start,
            "a_number": a,
            "b_number": b,
            "event_type": kind,
            "duration_s": seconds,
            "a_imei": imei,
            "a_tac": pc.utf8_slice_codeunits(imei, 0, 8),
            "a_cell": pc.if_else(pc.equal(a_cell, ""), NULL, a_cell),
            "b_cell": pc.if_else(pc.equal(b_cell, ""), NULL, b_cell),
        }
    )
    return events, reasons


def _cells(by_name: dict[str, pa.Array]) -> tuple[pa.Table, list[pa.Array]]:
    number = r"^-?\d{1,3}(\.\d+)?$"
    lat_ok = pc.match_substring_regex(by_name["lat"], number)
    lon_ok = pc.match_substring_regex(by_name["lon"], number)
    lat = pc.cast(pc.if_else(lat_ok, by_name["lat"], "0"), pa.float64())
    lon = pc.cast(pc.if_else(lon_ok, by_name["lon"], "0"), pa.float64())
    in_range = pc.and_(pc.less_equal(pc.abs(lat), 90), pc.less_equal(pc.abs(lon), 180))
    reasons = [
        pc.if_else(pc.equal(by_name["cell_id"], ""), "no cell id", NULL),
        pc.if_else(
            pc.and_(pc.and_(lat_ok, lon_ok), in_range),
            NULL,
            "latitude or longitude is not a coordinate",
        ),
    ]
    return pa.table({"cell_id": by_name["cell_id"], "lat": lat, "lon": lon}), reasons
