"""Property-based tests of every normaliser: what operators write, and what Crossline stores."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pyarrow as pa
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crossline.comms import normalise
from crossline.comms.profiles import TimeSpec

UK = ZoneInfo("Europe/London")
subscriber = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(
    subscriber,
    st.sampled_from(
        [
            "07{d}",
            "+447{d}",
            "447{d}",
            "0044 7{d}",
            "+44 (0)7{d}",
            "07{a} {b}",
            "+44 7{a} {b}",
            "(07{a}) {b}",
            "07{a}-{b}",
        ]
    ),
)
def test_every_way_of_writing_a_uk_mobile_gives_one_e164(digits: str, pattern: str) -> None:
    written = pattern.format(d=digits, a=digits[:3], b=digits[3:])
    assert normalise.e164(written) == "+447" + digits


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ ", min_size=1, max_size=11))
def test_words_are_not_numbers(text: str) -> None:
    assert normalise.e164(text) is None


@given(st.lists(subscriber, min_size=1, max_size=30))
def test_the_column_normaliser_agrees_with_the_one_value_one(digits: list[str]) -> None:
    column = pa.array(["07" + d if i % 2 else "447" + d for i, d in enumerate(digits)])
    assert normalise.numbers(column).to_pylist() == [normalise.e164(v) for v in column.to_pylist()]


def _luhn(body: str) -> str:
    total = 0
    for i, char in enumerate(reversed(body)):
        d = int(char) * (2 if i % 2 == 0 else 1)  # the check digit will sit to the right
        total += d // 10 + d % 10
    return body + str((10 - total % 10) % 10)


imei_bodies = st.text(alphabet="0123456789", min_size=14, max_size=14)


@given(imei_bodies, st.integers(1, 9))
def test_an_imei_passes_only_with_its_check_digit(body: str, change: int) -> None:
    good = _luhn(body)
    bad = good[:-1] + str((int(good[-1]) + change) % 10)
    assert normalise.imei_ok(good)
    assert not normalise.imei_ok(bad)
    valid, given_ = normalise.imeis(pa.array([good, bad, "", good[:-1]]))
    assert valid.to_pylist() == [True, False, False, False]
    assert given_.to_pylist() == [True, True, False, True]


moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 12, 31))


@given(moments)
@example(datetime(2024, 3, 31, 1, 0))  # in the hour skipped when the clocks went forward
@example(datetime(2024, 10, 27, 1, 30))  # in the hour repeated when they went back
def test_uk_local_times_become_utc_or_a_reason(local: datetime) -> None:
    local = local.replace(microsecond=0)
    spec = TimeSpec(columns=("t",), format="%d/%m/%Y %H:%M:%S", zone="Europe/London")
    text = local.strftime(spec.format)
    utc, reasons = normalise.times([pa.array([text])], spec)
    first = local.replace(tzinfo=UK, fold=0)
    second = local.replace(tzinfo=UK, fold=1)
    # Through UTC: astimezone to a datetime's own zone returns it unchanged (no check at all).
    round_trip = first.astimezone(ZoneInfo("UTC")).astimezone(UK).replace(tzinfo=None)
    if first.utcoffset() != second.utcoffset() and round_trip == local:
        assert reasons[0].as_py().startswith("ambiguous")  # the hour repeated in autumn
    elif round_trip != local:
        assert reasons[0].as_py().startswith("local time that does not exist")  # spring
    else:
        assert reasons[0].as_py() is None
        assert utc[0].as_py() == first.astimezone(ZoneInfo("UTC"))


@pytest.mark.parametrize("zone", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_every_quarter_hour_of_a_year_is_read_as_zoneinfo_reads_it(zone: str) -> None:
    # One batch of a whole year, as a file would hold it: the clock changes are found
    # among ordinary days, whichever hemisphere and rules the zone has.
    tz = ZoneInfo(zone)
    spec = TimeSpec(columns=("t",), format="%Y-%m-%d %H:%M:%S", zone=zone)
    wall = [datetime(2025, 1, 1) + timedelta(minutes=15 * i) for i in range(4 * 24 * 365)]
    utc, reasons = normalise.times([pa.array([w.strftime(spec.format) for w in wall])], spec)
    for local, instant, reason in zip(wall, utc.to_pylist(), reasons.to_pylist(), strict=True):
        first, second = local.replace(tzinfo=tz, fold=0), local.replace(tzinfo=tz, fold=1)
        if first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
            assert reason.startswith("local time that does not exist"), local
        elif first.utcoffset() != second.utcoffset():
            assert reason.startswith("ambiguous"), local
        else:
            assert (reason, instant) == (None, first.astimezone(UTC)), local


@given(
    st.dates(min_value=datetime(2020, 1, 1).date(), max_value=datetime(2030, 1, 1).date()),
    st.integers(29, 35),
    st.integers(1, 12),
)
def test_impossible_dates_are_refused_not_rolled_over(day_in: object, day: int, month: int) -> None:
    text = f"{day:02d}/{month:02d}/2024 10:00:00"
    spec = TimeSpec(columns=("t",), format="%d/%m/%Y %H:%M:%S", zone="Europe/London")
    _, reasons = normalise.times([pa.array([text])], spec)
    try:
        datetime.strptime(text, spec.format)
    except ValueError:
        assert reasons[0].as_py() == "not a real date and time"
    else:
        assert reasons[0].as_py() in (
            None,
            "ambiguous local time (the hour repeated when clocks go back)",
        )


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    st.integers(-12, 14),
)
def test_times_with_an_offset_are_read_as_written(moment: datetime, hours: int) -> None:
    moment = moment.replace(microsecond=0)
    offset = timedelta(hours=hours)
    sign = "+" if hours >= 0 else "-"
    text = moment.strftime("%Y-%m-%dT%H:%M:%S") + f"{sign}{abs(hours):02d}:00"
    spec = TimeSpec(columns=("t",), format="%Y-%m-%dT%H:%M:%S%z", zone="offset")
    utc, reasons = normalise.times([pa.array([text])], spec)
    assert reasons[0].as_py() is None
    assert utc[0].as_py().replace(tzinfo=None) == moment - offset


OFFSET_SPEC = TimeSpec(columns=("t",), format="%Y-%m-%dT%H:%M:%S%z", zone="offset")


@given(
    st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1)),
    st.integers(1, 9),
    st.integers(-12 * 60, 14 * 60).map(lambda m: m - m % 15),
    st.sampled_from(["{sign}{h:02d}:{m:02d}", "{sign}{h:02d}{m:02d}", "Z"]),
)
def test_fractions_of_a_second_are_truncated_to_the_second_they_began_in(
    moment: datetime, digits: int, minutes: int, form: str
) -> None:
    offset = timedelta(minutes=0 if form == "Z" else minutes)
    sign = "-" if offset < timedelta(0) else "+"
    h, m = divmod(abs(minutes), 60)
    fraction = f"{moment.microsecond:06d}000"[:digits]
    text = f"{moment:%Y-%m-%dT%H:%M:%S}.{fraction}" + form.format(sign=sign, h=h, m=m)
    utc, reasons = normalise.times([pa.array([text])], OFFSET_SPEC)
    assert reasons[0].as_py() is None, text
    expected = (moment.replace(microsecond=0) - offset).replace(tzinfo=UTC)
    assert utc[0].as_py() == expected, text


NO_OFFSET = "time does not end with Z or an offset (+hh:mm, +hhmm or +hh)"
NOT_WRITTEN = "not a date and time written as 2025-10-13T09:30:00Z"


@pytest.mark.parametrize(
    ("text", "read", "reason"),
    [
        ("2024-11-25T09:31:31.622854+00:00", "2024-11-25 09:31:31", None),
        ("2025-10-13T09:30:33.5Z", "2025-10-13 09:30:33", None),
        ("2025-10-13T09:30:59.999999999Z", "2025-10-13 09:30:59", None),
        ("2025-10-13T00:00:00.5+01:00", "2025-10-12 23:00:00", None),
        ("2025-10-13T09:30:00+0100", "2025-10-13 08:30:00", None),
        ("2025-10-13T09:30:00+01", "2025-10-13 08:30:00", None),
        ("2025-10-13T09:30:00-05:30", "2025-10-13 15:00:00", None),
        ("2025-10-13T09:30:00-00:00", "2025-10-13 09:30:00", None),
        ("2025-10-13 09:30:00Z", None, NOT_WRITTEN),
        ("2025-10-13T09:30Z", None, NOT_WRITTEN),
        ("2025-10-13T9:30:00Z", None, NOT_WRITTEN),
        (" 2025-10-13T09:30:00Z", None, NOT_WRITTEN),
        ("2025-10-13T09:30:00 Z", None, NOT_WRITTEN),
        ("2025-10-13T09:30:00.Z", None, NOT_WRITTEN),
        ("2025-10-13T09:30:00.1234567891Z", None, NOT_WRITTEN),  # ten digits
        ("2025-10-13T09:30:00Zjunk", None, NO_OFFSET),
        ("2025-10-13T09:30:00+01:00junk", None, NO_OFFSET),
        ("2025-10-13T09:30:00z", None, NO_OFFSET),
        ("2025-10-13T09:30:00", None, NO_OFFSET),
        ("2025-10-13T09:30:00+1", None, NO_OFFSET),
        ("2025-10-13T09:30:00+24:00", None, NO_OFFSET),
        ("2025-10-13T09:30:00+01:60", None, NO_OFFSET),
        ("", None, NO_OFFSET),
        ("2024-02-31T10:00:00Z", None, "not a real date and time"),
        ("2025-10-13T24:00:00Z", None, "not a real date and time"),
        ("2025-10-13T09:30:60Z", None, "not a real date and time"),
    ],
)
def test_each_way_of_writing_an_iso_time_is_read_or_refused_with_its_reason(
    text: str, read: str | None, reason: str | None
) -> None:
    utc, reasons = normalise.times([pa.array([text])], OFFSET_SPEC)
    assert reasons[0].as_py() == reason
    if read is not None:
        assert utc[0].as_py() == datetime.fromisoformat(read).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("13/10/2025 09:30:60", "not a real date and time"),  # not rolled into 09:31
        ("31/02/2024 10:00:00", "not a real date and time"),
        ("13/10/2025 9:30:00", "not a date and time written as 13/10/2025 09:30:00"),
        ("2025-10-13T09:30:00", "not a date and time written as 13/10/2025 09:30:00"),
    ],
)
def test_a_local_time_that_does_not_read_back_is_refused_with_its_reason(
    text: str, reason: str
) -> None:
    spec = TimeSpec(columns=("t",), format="%d/%m/%Y %H:%M:%S", zone="Europe/London")
    assert normalise.times([pa.array([text])], spec)[1].to_pylist() == [reason]


def test_every_time_without_a_reason_has_been_read() -> None:
    texts = [
        "2025-10-13T09:30:00Z",
        "2025-10-13T09:30:00.5+01:00",
        "2025-10-13T09:30Z",
        "2025-10-13T09:30:00Zjunk",
        "2024-02-31T10:00:00Z",
        "nonsense",
    ]
    utc, reasons = normalise.times([pa.array(texts)], OFFSET_SPEC)
    for instant, reason in zip(utc.to_pylist(), reasons.to_pylist(), strict=True):
        assert instant is not None or reason is not None


def test_times_with_an_offset_need_a_format_ending_with_it() -> None:
    with pytest.raises(ValueError, match="ending with %z"):
        TimeSpec(columns=("t",), format="%z %Y-%m-%dT%H:%M:%S", zone="offset")


@given(st.integers(0, 999 * 3600))
def test_durations_read_back_in_seconds(seconds: int) -> None:
    hms = f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    assert normalise.durations(pa.array([hms]), "hms")[0][0].as_py() == seconds
    assert normalise.durations(pa.array([str(seconds)]), "seconds")[0][0].as_py() == seconds


@given(st.text(min_size=1, max_size=6).filter(lambda t: t not in {"MOC", "SMSMO"}))
def test_unknown_event_codes_are_reported(code: str) -> None:
    kinds, reasons = normalise.event_types(
        pa.array(["MOC", code, "SMSMO"]), {"MOC": "call", "SMSMO": "sms"}
    )
    assert kinds.to_pylist() == ["call", None, "sms"]
    assert reasons.to_pylist() == [None, "unknown event type code", None]


@given(
    st.lists(
        st.one_of(
            subscriber.map(lambda d: "07" + d),
            subscriber.map(lambda d: "447" + d),
            subscriber.map(lambda d: "+447" + d),
            subscriber.map(lambda d: "00447" + d),
            st.text(alphabet="+0123456789 ()", min_size=0, max_size=16),
        ),
        min_size=1,
        max_size=40,
    )
)
def test_the_fast_path_for_uk_mobiles_agrees_with_phonenumbers(values: list[str]) -> None:
    assert normalise.numbers(pa.array(values)).to_pylist() == [normalise.e164(v) for v in values]
