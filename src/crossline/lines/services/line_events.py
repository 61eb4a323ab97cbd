"""A line's calls and texts in the comms store, for its charts.

Only the events of **the line owner's own imports** are read: whoever reads
a line (its owner's analysts, a national coordinator) sees what its owner
holds, and no chart draws on another organisation's communications data.
Each number counts within the period the line held it. DuckDB reads the
owner's Parquet files for the days the periods cover, as the analysis does.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timedelta

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.engines import DuckDBEngine, Step
from crossline.analytics.parameters import load_parameters
from crossline.comms import store
from crossline.comms.models import CommsImport
from crossline.core.settings import Settings
from crossline.lines.models import Line

Period = tuple[str, datetime, datetime | None]  # a number, from, until (None: still)


def time_zone() -> str:
    """The zone whose days and hours the charts count in: the analysis parameters' (UK)."""
    return load_parameters().time_zone


@contextmanager
def line_events(
    db: Session,
    settings: Settings,
    line: Line,
    periods: Sequence[Period] | None = None,
) -> Iterator[DuckDBEngine | None]:
    """An engine holding ``line_events``: the owner's calls and texts of the line's numbers.

    One row per event in which a number of ``periods`` (default: the line's
    numbers and their periods) took part within its period: ``n`` that number,
    ``other`` the party at the other end, ``k`` call or sms, ``t`` the time and
    ``s`` its seconds since 1970. Also ``events``, the files read, for the
    local clock. None when the owner holds no events for those days.
    """
    held = (
        list(periods)
        if periods is not None
        else [(n.number, n.valid_from, n.valid_to) for n in line.numbers]
    )
    files = _files_for(db, settings, line.owner_id, held)
    if not files:
        yield None
        return
    spill = settings.data_dir / "analysis"
    spill.mkdir(parents=True, exist_ok=True)
    engine = DuckDBEngine(time_zone(), settings.analysis_memory_limit, spill)
    try:
        engine.register_parquet("events", files)
        engine.register_arrow(
            "held",
            pa.table(
                {
                    "n": pa.array([n for n, _, _ in held], pa.string()),
                    "lo": pa.array([int(a.timestamp()) for _, a, _ in held], pa.int64()),
                    "hi": pa.array(
                        [None if b is None else int(b.timestamp()) for _, _, b in held], pa.int64()
                    ),
                }
            ),
        )
        # An event between two held numbers is one event: DISTINCT on its place in the store.
        engine.materialise(
            Step(
                "line_events",
                """
            SELECT DISTINCT ON (e.import_id, e.line)
                   h.n, CASE WHEN e.a_number = h.n THEN e.b_number ELSE e.a_number END AS other,
                   e.event_type AS k, e.start_time AS t, CAST(epoch(e.start_time) AS BIGINT) AS s
            FROM events e
            JOIN held h ON (e.a_number = h.n OR e.b_number = h.n)
                       AND CAST(epoch(e.start_time) AS BIGINT) >= h.lo
                       AND (h.hi IS NULL OR CAST(epoch(e.start_time) AS BIGINT) <= h.hi)
            WHERE e.event_type IN ('call', 'sms')
            ORDER BY e.import_id, e.line, h.n
            """,
            )
        )
        yield engine
    finally:
        engine.close()


def _files_for(
    db: Session,
    settings: Settings,
    owner_id: uuid.UUID,
    held: Sequence[Period],
) -> list[str]:
    """The owner's event files for the days the periods cover (a day either side: UTC files)."""
    if not held:
        return []
    imports = {
        str(i)
        for i in db.scalars(
            select(CommsImport.id).where(
                CommsImport.owner_id == owner_id, CommsImport.kind == "events"
            )
        )
    }
    first = min(start for _, start, _ in held).date() - timedelta(days=1)
    ends = [end for _, _, end in held]
    last = (
        None if None in ends else max(e for e in ends if e is not None).date() + timedelta(days=1)
    )
    return [
        str(f.path)
        for f in store.stored_event_files(settings.data_dir)
        if f.import_id in imports and f.day >= first and (last is None or f.day <= last)
    ]
