"""Normalisers: from what an operator wrote to Crossline's schema, or a reason why not.

Each works on a whole column at once (pyarrow arrays), because files hold
millions of rows; each has a one-value twin used by the tests. A value that
cannot be normalised gets a reason, never a guess: a local time in the hour
repeated when clocks go back is reported as ambiguous, not assigned to one of
its two instants.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from crossline.comms.profiles import TimeSpec

# Re-exported: the importers' normalisers and the line register use them from here.
from crossline.core.phones import DEFAULT_REGION as DEFAULT_REGION
from crossline.core.phones import e164 as e164

# --- numbers -------------------------------------------------------------------------------------


# UK mobiles as operators write them, turned to E.164 without Python per value;
# anything else goes through phonenumbers. Both give the same answer (a test checks).
_UK_MOBILE = r"^(?:\+44|0044|44|0)(7\d{9})$"


def numbers(column: pa.Array) -> pa.Array:
    """E.164 for each value (null where it is not a phone number).

    Each distinct value is converted once: a batch holds the same numbers many times.
    """
    encoded = pc.dictionary_encode(column)
    return pc.take(_distinct_numbers(encoded.dictionary), encoded.indices)


def _distinct_numbers(column: pa.Array) -> pa.Array:
    fast = pc.match_substring_regex(column, _UK_MOBILE)
    converted = pc.replace_substring_regex(column, _UK_MOBILE, r"+44\1")
    if pc.all(fast).as_py():
        return converted
    others = pc.unique(pc.filter(column, pc.invert(fast)))
    normalised = pa.array([e164(v) for v in others.to_pylist()], pa.string())
    slow = pc.take(normalised, pc.index_in(column, value_set=others))
    return pc.if_else(fast, converted, slow)


# --- handsets ------------------------------------------------------------------------------------


def imei_ok(text: str) -> bool:
    """Whether ``text`` is a 15-digit IMEI whose last digit is its Luhn check digit."""
    if len(text) != 15 or not text.isascii() or not text.isdigit():
        return False
    total = 0
    for position, char in enumerate(reversed(text)):
        digit = int(char) * (2 if position % 2 else 1)
        total += digit // 10 + digit % 10
    return total % 10 == 0


def imeis(column: pa.Array) -> tuple[pa.Array, pa.Array]:
    """(valid, given): whether each IMEI passes its check, and whether one was given.

    Each distinct IMEI is checked once (a handset makes many calls).
    """
    encoded = pc.dictionary_encode(column)
    valid, given = _check_imeis(encoded.dictionary)
    return pc.take(valid, encoded.indices), pc.take(given, encoded.indices)


def _check_imeis(column: pa.Array) -> tuple[pa.Array, pa.Array]:
    given = pc.not_equal(pc.utf8_length(column), 0)
    shaped = pc.and_(pc.equal(pc.utf8_length(column), 15), pc.utf8_is_digit(column))
    ok_shape = shaped.to_numpy(zero_copy_only=False)
    valid = np.zeros(len(column), bool)
    if ok_shape.any():
        # 15 digits fit an int64: peel them off with integer arithmetic, right to left.
        value = pc.cast(pc.filter(column, shaped), pa.int64()).to_numpy()
        from_right = (value[:, None] // 10 ** np.arange(15, dtype=np.int64)) % 10
        doubled = from_right[:, 1::2] * 2
        total = from_right[:, 0::2].sum(axis=1) + (doubled // 10 + doubled % 10).sum(axis=1)
        valid[ok_shape] = total % 10 == 0
    return pa.array(valid), given


# --- times ---------------------------------------------------------------------------------------


def times(parts: list[pa.Array], spec: TimeSpec) -> tuple[pa.Array, pa.Array]:
    """(UTC timestamps, reasons): a reason where the time is impossible or not one instant.

    Every time without a reason has a timestamp, to the second: a fraction of a
    second (allowed where times carry an offset) is truncated, not rounded.
    """
    text = parts[0] if len(parts) == 1 else pc.binary_join_element_wise(*parts, "")
    if spec.zone == "offset":
        return _times_with_offsets(text, spec.format.removesuffix("%z"))
    return _local_times(text, spec.format, spec.zone)


def _local_times(text: pa.Array, form: str, zone: str) -> tuple[pa.Array, pa.Array]:
    """Local times of ``zone`` written as ``form``, to UTC."""
    local = pc.strptime(text, format=form, unit="s", error_is_null=True)
    # arrow rolls 31/02 over into March: a real date reads back as it was written.
    real = _reads_back(text, local, form)
    earliest = pc.assume_timezone(
        local, timezone=zone, ambiguous="earliest", nonexistent="earliest"
    )
    # A repeated hour maps to two instants an hour apart; a skipped hour to none,
    # which arrow resolves either side of the gap: both differ, neither is guessed.
    # Only days around a clock change can have either, so only those are read twice.
    near = _near_clock_changes(local, zone)
    found = np.zeros(len(local), bool)
    where = near.to_numpy(zero_copy_only=False)
    if where.any():
        latest = pc.assume_timezone(
            pc.filter(local, near), timezone=zone, ambiguous="latest", nonexistent="latest"
        )
        found[where] = pc.fill_null(
            pc.not_equal(pc.filter(earliest, near), latest), False
        ).to_numpy(zero_copy_only=False)
    differs = pa.array(found)
    nonexistent = _skipped(local, zone, differs)
    ambiguous = pc.and_(differs, pc.invert(nonexistent))
    reasons = pc.if_else(
        pc.invert(real),
        _unreal(text, real, form),
        pc.if_else(
            ambiguous,
            "ambiguous local time (the hour repeated when clocks go back)",
            pc.if_else(
                nonexistent,
                "local time that does not exist (the hour skipped when clocks go forward)",
                pa.scalar(None, pa.string()),
            ),
        ),
    )
    return pc.cast(earliest, pa.timestamp("s", tz="UTC")), reasons


# What ISO 8601 allows after the seconds: a fraction of 1 to 9 digits, then Z or an
# offset in hours and minutes (+01:00, +0100) or hours alone (+01). Not lower-case z,
# an offset of 24 hours or more, or anything after the offset.
_FRACTION_AND_OFFSET = r"(?:\.\d{1,9})?(?P<offset>Z|[+-](?:[01]\d|2[0-3])(?::?[0-5]\d)?)$"
NO_OFFSET = "time does not end with Z or an offset (+hh:mm, +hhmm or +hh)"
NOT_REAL = "not a real date and time"


def _times_with_offsets(text: pa.Array, wall_form: str) -> tuple[pa.Array, pa.Array]:
    """Times that carry their own offset, the wall time written as ``wall_form``, to UTC.

    The fraction of a second is dropped from the wall time; offsets are whole
    minutes, so the UTC time is truncated to the second the event began in.
    """
    written = f"^(?P<wall>{_shape(wall_form) or '.*?'}){_FRACTION_AND_OFFSET}"
    parts = pc.extract_regex(text, written)
    wall = pc.struct_field(parts, "wall")  # null where the text is not written so
    local = pc.strptime(wall, format=wall_form, unit="s", error_is_null=True)
    real = _reads_back(wall, local, wall_form)
    utc = pc.subtract(local, _offsets(pc.struct_field(parts, "offset")))
    example = _example(wall_form) + "Z"
    not_written = pc.is_null(wall)
    reasons = pc.if_else(
        real,
        pa.scalar(None, pa.string()),
        pc.if_else(not_written, _why_not_written(text, not_written, example), NOT_REAL),
    )
    return pc.cast(utc, pa.timestamp("s", tz="UTC")), reasons


def _why_not_written(text: pa.Array, not_written: pa.Array, example: str) -> pa.Array:
    """Why each time not written as the profile writes them is refused: it does not
    end with an offset, or what comes before the offset is written some other way.

    Only those times are looked at again: in a good file there are none.
    """
    no_offset = np.zeros(len(text), bool)
    where = not_written.to_numpy(zero_copy_only=False)
    if where.any():
        ends = pc.match_substring_regex(pc.filter(text, not_written), _FRACTION_AND_OFFSET)
        no_offset[where] = ~pc.fill_null(ends, False).to_numpy(zero_copy_only=False)
    return pc.if_else(pa.array(no_offset), NO_OFFSET, f"not a date and time written as {example}")


def _offsets(written: pa.Array) -> pa.Array:
    """Each offset as written (Z, +hh:mm, +hhmm, +hh) as a duration east of UTC.

    A file holds few distinct offsets (Z, and a zone's summer and winter ones),
    so each is worked out once.
    """
    encoded = pc.dictionary_encode(written)
    seconds = [_offset_seconds(o) for o in encoded.dictionary.to_pylist()]
    return pc.take(pa.array(seconds, pa.duration("s")), encoded.indices)


def _offset_seconds(offset: str) -> int:
    if offset == "Z":
        return 0
    digits = offset[1:].replace(":", "")
    seconds = int(digits[:2]) * 3600 + int(digits[2:] or 0) * 60
    return -seconds if offset[0] == "-" else seconds


def _unreal(text: pa.Array, real: pa.Array, form: str) -> pa.Array:
    """Why each time that does not read back is wrong: written some other way than
    ``form``, or written that way but not a real date and time (31 February).

    Only the times that failed are looked at again: in a good file there are none.
    """
    shape = _shape(form)
    failed = pc.invert(real)
    other_way = np.zeros(len(text), bool)
    where = failed.to_numpy(zero_copy_only=False)
    if shape is not None and where.any():
        matches = pc.match_substring_regex(pc.filter(text, failed), f"^{shape}$")
        other_way[where] = ~pc.fill_null(matches, False).to_numpy(zero_copy_only=False)
    return pc.if_else(
        pa.array(other_way), f"not a date and time written as {_example(form)}", NOT_REAL
    )


def _example(form: str) -> str:
    """A time written as ``form``, to show in a reason."""
    return datetime(2025, 10, 13, 9, 30).strftime(form)


def _shape(form: str) -> str | None:
    """A pattern of the texts ``form`` writes, if every directive has a fixed width."""
    if _width(form) is None:
        return None
    return re.sub(
        r"%[a-zA-Z]|[^%]+",
        lambda m: rf"\d{{{_WIDTHS[m[0]]}}}" if m[0] in _WIDTHS else re.escape(m[0]),
        form,
    )


_WIDTHS = {"%Y": 4, "%m": 2, "%d": 2, "%H": 2, "%M": 2, "%S": 2, "%y": 2}


def _width(form: str) -> int | None:
    """How many characters ``form`` writes, if every directive has a fixed width."""
    width, i = 0, 0
    while i < len(form):
        if form[i] == "%":
            directive = form[i : i + 2]
            if directive not in _WIDTHS:
                return None
            width += _WIDTHS[directive]
            i += 2
        else:
            width += 1
            i += 1
    return width


def _reads_back(text: pa.Array, parsed: pa.Array, form: str) -> pa.Array:
    """Whether each parsed time has the day, hour and second its text gives (arrow rolls
    impossible dates over into the next month, and seconds 60 and 61 into the next
    minute, instead of failing)."""
    day_at, hour_at, second_at = (_offset(form, d) for d in ("%d", "%H", "%S"))
    if day_at is None or hour_at is None:  # a format of variable width: compare whole
        return pc.fill_null(pc.equal(pc.strftime(parsed, format=form), text), False)
    same = pc.and_(
        pc.equal(pc.day(parsed), _digits(text, day_at)),
        pc.equal(pc.hour(parsed), _digits(text, hour_at)),
    )
    if second_at is not None:
        same = pc.and_(same, pc.equal(pc.second(parsed), _digits(text, second_at)))
    return pc.fill_null(same, False)


def _digits(text: pa.Array, at: int) -> pa.Array:
    """The two-digit number at character ``at`` of each text (-1 where there are no digits).

    Sliced as bytes, which is quicker: in a time that parsed, these are ASCII digits.
    """
    piece = pc.binary_slice(text.view(pa.binary()), at, at + 2).view(pa.string())
    return pc.cast(pc.if_else(pc.ascii_is_decimal(piece), piece, "-1"), pa.int64())


def _offset(form: str, wanted: str) -> int | None:
    """Where ``wanted``'s value starts in text written with ``form`` (fixed widths only)."""
    at = form.find(wanted)
    return None if at < 0 else _width(form[:at])


def _near_clock_changes(local: pa.Array, zone: str) -> pa.Array:
    """Whether each local time falls on a day next to a change of the zone's UTC offset."""
    years = pc.unique(pc.year(local)).drop_null().to_pylist()
    days = [day for year in years for day in _clock_change_days(zone, year)]
    return pc.fill_null(pc.is_in(pc.cast(local, pa.date32()), pa.array(days, pa.date32())), False)


@lru_cache(maxsize=256)
def _clock_change_days(zone: str, year: int) -> tuple[date, ...]:
    """The local days of ``year`` on which ``zone``'s offset changes, with the days either side."""
    if not date.min.year < year < date.max.year:  # no room for the days either side
        return ()
    tz = ZoneInfo(zone)
    days: set[date] = set()
    day = date(year, 1, 1)
    before = datetime(year, 1, 1, tzinfo=tz).utcoffset()
    while day.year == year:
        after_day = day + timedelta(days=1)
        after = datetime.combine(after_day, time(), tzinfo=tz).utcoffset()
        if after != before:
            days.update((day - timedelta(days=1), day, after_day))
        day, before = after_day, after
    return tuple(sorted(days))


def _skipped(local: pa.Array, zone: str, candidates: pa.Array) -> pa.Array:
    """Whether each local time falls in the hour skipped when clocks go forward.

    Only ``candidates`` (times with two readings) are examined: a skipped time
    does not read back as itself, a repeated one does.
    """
    skipped = np.zeros(len(local), bool)
    where = candidates.to_numpy(zero_copy_only=False)
    if where.any():
        few = pc.filter(local, candidates)
        utc = pc.assume_timezone(few, timezone=zone, ambiguous="earliest", nonexistent="earliest")
        back = pc.cast(
            pc.local_timestamp(pc.cast(utc, pa.timestamp("s", tz=zone))), pa.timestamp("s")
        )
        skipped[where] = pc.fill_null(pc.not_equal(back, few), False).to_numpy(zero_copy_only=False)
    return pa.array(skipped)


# --- durations and codes -------------------------------------------------------------------

_HMS = r"^\d{1,3}:[0-5]\d:[0-5]\d$"


def durations(column: pa.Array, unit: str) -> tuple[pa.Array, pa.Array]:
    """(seconds, reasons) for each duration as written in ``unit``."""
    if unit == "hms":
        ok = pc.match_substring_regex(column, _HMS)
        safe = pc.if_else(ok, column, "0:00:00")
        pieces = pc.split_pattern(safe, ":")
        seconds = pc.add(
            pc.add(
                pc.multiply(pc.cast(pc.list_element(pieces, 0), pa.int64()), 3600),
                pc.multiply(pc.cast(pc.list_element(pieces, 1), pa.int64()), 60),
            ),
            pc.cast(pc.list_element(pieces, 2), pa.int64()),
        )
    elif unit == "minutes":
        ok = pc.match_substring_regex(column, r"^\d+(\.\d+)?$")
        safe = pc.if_else(ok, column, "0")
        seconds = pc.cast(pc.round(pc.multiply(pc.cast(safe, pa.float64()), 60)), pa.int64())
    else:
        ok = pc.match_substring_regex(column, r"^\d{1,7}$")
        seconds = pc.cast(pc.if_else(ok, column, "0"), pa.int64())
    reasons = pc.if_else(ok, pa.scalar(None, pa.string()), f"not a duration in {unit}")
    return pc.cast(seconds, pa.int32()), reasons


def event_types(column: pa.Array, codes: Mapping[str, str]) -> tuple[pa.Array, pa.Array]:
    """(call/sms/data, reasons) from the profile's codes."""
    keys = pa.array(list(codes), pa.string())
    values = pa.array([str(v) for v in codes.values()], pa.string())
    position = pc.index_in(column, value_set=keys)
    mapped = pc.take(values, position)
    reasons = pc.if_else(
        pc.is_null(position), "unknown event type code", pa.scalar(None, pa.string())
    )
    return mapped, reasons


def first_reason(*reasons: pa.Array) -> pa.Array:
    """Per row, the first non-null reason in order of the arguments."""
    return pc.coalesce(*reasons)
