"""Local days and hours by arithmetic: the offset expression against the time zone database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import duckdb
import pyarrow as pa
import pytest

from crossline.analytics.engines import DuckDBEngine
from crossline.analytics.pipeline import local_day, local_offset


@pytest.mark.parametrize("zone_name", ["Europe/London", "America/New_York", "Australia/Sydney"])
def test_every_quarter_hour_of_a_year_gets_the_local_day_and_hour(zone_name: str) -> None:
    zone = ZoneInfo(zone_name)
    start = datetime(2025, 1, 1, tzinfo=UTC)
    times = [start + timedelta(minutes=15 * i) for i in range(4 * 24 * 365)]
    engine = DuckDBEngine(zone_name)
    try:
        engine._db.register(
            "events_arrow", pa.table({"start_time": pa.array(times, pa.timestamp("s", tz="UTC"))})
        )
        engine._db.execute("CREATE VIEW events AS FROM events_arrow")
        offset = local_offset(engine, zone)
    finally:
        engine.close()
    assert offset.count("WHEN") == 2  # two changes of the clocks in the year
    con = duckdb.connect()
    con.register("t", pa.table({"s": [int(t.timestamp()) for t in times]}))
    rows = con.sql(
        f"SELECT s, (s + {offset}) // 86400 AS day, ((s + {offset}) % 86400) // 3600 AS h "
        "FROM t ORDER BY s"
    ).fetchall()
    for (_, day, hour), when in zip(rows, times, strict=True):
        local = when.astimezone(zone)
        assert (local_day(day), hour) == (local.date(), local.hour), when
