"""Importing emergency departments' assault data: the ISTV minimum data set (the Cardiff model).

DOMAIN.md §CARDIFF: emergency department receptionists record, for each assault,
when and where it happened and the weapon or method; the data are shared
anonymised and aggregated, at least monthly, with community safety partnerships.
§CARDIFF.istv: **no patient identifiers leave the NHS**; by design this import
refuses a file with any column that could identify a patient, keeping nothing of
it. The columns (CSV, one row per assault; lower case, spaces or underscores):

- ``site_code`` (SITE CODE (OF TREATMENT)) and ``assault_date_time`` (ASSAULT DATE
  AND TIME, a date or a date and time), ``assault_method`` and
  ``assault_location_type``: required (the Data Dictionary's names in capitals
  are read as these);
- ``assault_location_description`` (the place, kept to show the places named
  most often); ``arrival_date_time``, ``assault_method_other_description``,
  ``reporting_period_start_date`` and ``reporting_period_end_date`` may be
  present and are not kept (a free-text description of a method is too close
  to the patient's story);
- any other column refuses the file, so that nothing else leaves with it.

A row without a required value, or with a date that is not one, is set aside
with its line and reason; the rest are kept; a file imported before adds nothing.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from crossline.core import clock
from crossline.core.calendar import UK
from crossline.core.errors import InvalidInput
from crossline.insight.importing import Imported, open_once
from crossline.insight.models import AssaultAttendance, CrimeImport, QuarantinedCrime

REQUIRED = ("site_code", "assault_date_time", "assault_method", "assault_location_type")
OPTIONAL = (
    "arrival_date_time",
    "assault_method_other_description",
    "assault_location_description",
    "reporting_period_start_date",
    "reporting_period_end_date",
)
# Any column named like one of these could identify a patient: the file is refused.
_IDENTIFYING = re.compile(
    r"nhs|patient|name|birth|dob|address|postcode|post_code|phone|email|mrn|"
    r"hospital_number|ethnic|gender|sex",
)


# The NHS Data Dictionary's names of the same items, as a file may head its columns.
_DICTIONARY_NAMES = {
    "site_code_of_treatment": "site_code",
    "assault_date_and_time": "assault_date_time",
    "arrival_date_and_time_at_a_e": "arrival_date_time",
}


def _column(name: str) -> str:
    """A column's name in this module's words, whatever its case, spacing or punctuation."""
    plain = re.sub(r"[^a-z0-9]+", "_", name.strip().lower()).strip("_")
    return _DICTIONARY_NAMES.get(plain, plain)


def import_istv_file(db: Session, path: Path, *, by: str) -> Imported:
    """Import one ISTV file; see the module's rules."""
    opened = open_once(db, path)
    if isinstance(opened, Imported):
        return opened
    digest, reader = opened.digest, opened.reader
    header = [_column(h) for h in next(reader, [])]
    identifying = [h for h in header if _IDENTIFYING.search(h)]
    if identifying:
        raise InvalidInput(
            f"{path.name} has a column that could identify a patient ({identifying[0]}). "
            "Assault data leave the NHS anonymised (DOMAIN.md §CARDIFF.istv): nothing of "
            "this file was kept; remove the column and import it again.",
            field="file",
        )
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    if unknown:
        raise InvalidInput(
            f"{path.name} has a column this import does not take ({unknown[0]}): only "
            f"{', '.join(REQUIRED + OPTIONAL)} are read, so that nothing else about a patient "
            "is kept. Remove the column and import it again.",
            field="file",
        )
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InvalidInput(
            f"{path.name} has no {', '.join(missing)} column: an ISTV file needs "
            f"{', '.join(REQUIRED)}.",
            field="file",
        )
    batch = CrimeImport(
        source="istv",
        file_name=path.name,
        sha256=digest,
        imported_at=clock.now(),
        imported_by=by,
        rows=0,
        quarantined=0,
    )
    db.add(batch)
    db.flush()
    months: set[str] = set()
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            reason: str | None = f"has {len(row)} fields, not {len(header)}"
            cells: dict[str, str] = {}
        else:
            cells = {h: c.strip() for h, c in zip(header, row, strict=True)}
            reason = next((f"no {c}" for c in REQUIRED if not cells.get(c)), None)
        when = None
        if reason is None:
            when = _moment(cells["assault_date_time"])
            if when is None:
                reason = f"assault_date_time {cells['assault_date_time']!r} is not a date"
        if reason is not None or when is None:
            # The line and reason only: a malformed row may hold what should not be kept.
            db.add(QuarantinedCrime(import_id=batch.id, line=line, reason=reason or "", raw=""))
            batch.quarantined += 1
            continue
        moment, timed = when
        db.add(
            AssaultAttendance(
                import_id=batch.id,
                site_code=cells["site_code"][:16],
                month=moment.strftime("%Y-%m"),
                hour=moment.hour if timed else None,
                weekday=moment.weekday(),
                method=cells["assault_method"][:100],
                location_type=cells["assault_location_type"][:100],
                location=(cells.get("assault_location_description") or "")[:200] or None,
            )
        )
        months.add(moment.strftime("%Y-%m"))
        batch.rows += 1
    db.commit()
    return Imported(path.name, batch.rows, batch.quarantined, tuple(sorted(months)), already=False)


def _moment(text: str) -> tuple[datetime, bool] | None:
    """A date and time (UK local time), or a date alone (then no hour is known)."""
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime(day.year, day.month, day.day), False
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        # A time with an offset is read in the UK, where the department is.
        return (moment.astimezone(UK).replace(tzinfo=None) if moment.tzinfo else moment), True
    except ValueError:
        return None
