"""Importing police.uk street-level crime files (the standard 12-column layout).

DESIGN.md, Bad input: a file without the layout's columns is refused whole; a
row whose month is not a month, or which has no crime type or force, is
quarantined with its line and reason, the others kept; rows without a crime id
(anti-social behaviour) or without a location are kept, as police.uk publishes
them, under the area "No location"; each crime is placed in a district, by its area's
name or else its point (districts.py); the file is imported in one transaction,
and a file imported before (by its SHA-256) adds nothing. A later file for a
force and month already imported (police.uk republishes months as records
change) replaces the earlier file's crimes for them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crossline.core import clock
from crossline.core.errors import InvalidInput
from crossline.insight import districts
from crossline.insight.models import CrimeImport, QuarantinedCrime, RecordedCrime

COLUMNS = (
    "Crime ID",
    "Month",
    "Reported by",
    "Falls within",
    "Longitude",
    "Latitude",
    "Location",
    "LSOA code",
    "LSOA name",
    "Crime type",
    "Last outcome category",
    "Context",
)
NO_LOCATION = "No location"
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
# An LSOA name is its district's name and a code: "Camden 027B", "City of London 001F".
_LSOA_NAME = re.compile(r"^(.*\S)\s+\d{3}[A-Z]$")


@dataclass(frozen=True)
class Imported:
    file_name: str
    rows: int
    quarantined: int
    months: tuple[str, ...]
    already: bool  # the same file was imported before: nothing added
    replaced: int = 0  # crimes of an earlier file for the same force and month, replaced


@dataclass(frozen=True)
class Opened:
    """A file not imported before: its SHA-256 and its text as CSV rows."""

    digest: str
    reader: Iterator[list[str]]


def open_once(db: Session, path: Path) -> Opened | Imported:
    """The file's rows, or, for a file imported before (by its SHA-256), what it gave then."""
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    before = db.scalar(select(CrimeImport).where(CrimeImport.sha256 == digest))
    if before is not None:
        return Imported(path.name, before.rows, before.quarantined, (), already=True)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text.", field="file") from exc
    return Opened(digest, csv.reader(io.StringIO(text)))


def import_street_file(db: Session, path: Path, *, by: str) -> Imported:
    """Import one police.uk street-level CSV; see the module's rules."""
    opened = open_once(db, path)
    if isinstance(opened, Imported):
        return opened
    digest, reader = opened.digest, opened.reader
    header = next(reader, None)
    if header is None or tuple(h.strip() for h in header) != COLUMNS:
        raise InvalidInput(
            f"{path.name} does not have police.uk's street-level columns ({', '.join(COLUMNS)}).",
            field="file",
        )
    batch = CrimeImport(
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
    published: set[tuple[str, str]] = set()  # (month, force) this file publishes
    crimes: list[RecordedCrime] = []
    points: list[tuple[float, float] | None] = []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        reason = _problem(row)
        if reason:
            db.add(
                QuarantinedCrime(import_id=batch.id, line=line, reason=reason, raw=",".join(row))
            )
            batch.quarantined += 1
            continue
        cells = dict(zip(COLUMNS, (c.strip() for c in row), strict=True))
        crimes.append(
            RecordedCrime(
                import_id=batch.id,
                month=cells["Month"],
                force=cells["Falls within"],
                lsoa_code=cells["LSOA code"] or None,
                area=area_of(cells["LSOA name"]),
                crime_type=cells["Crime type"],
                outcome=cells["Last outcome category"] or None,
            )
        )
        points.append(districts.point(cells["Longitude"], cells["Latitude"]))
        months.add(cells["Month"])
        published.add((cells["Month"], cells["Falls within"]))
        batch.rows += 1
    # By its area's name; else by its point, all placed at once (one spatial query a file).
    for crime, district in zip(crimes, districts.at(points), strict=True):
        crime.district = districts.by_name(crime.area) or district
    db.add_all(crimes)
    replaced = _replace_earlier(db, batch, published)
    db.commit()
    return Imported(
        path.name, batch.rows, batch.quarantined, tuple(sorted(months)), False, replaced
    )


def _replace_earlier(db: Session, batch: CrimeImport, published: set[tuple[str, str]]) -> int:
    """Remove the crimes an earlier file gave for a force and month this file gives too.

    police.uk republishes a month's file as records change; the newer file replaces the
    older one's figures, so re-importing a month never counts its crimes twice.
    """
    removed = 0
    for month, force in published:
        result = db.execute(
            delete(RecordedCrime).where(
                RecordedCrime.month == month,
                RecordedCrime.force == force,
                RecordedCrime.import_id != batch.id,
            )
        )
        removed += int(getattr(result, "rowcount", 0) or 0)
    return removed


def _problem(row: list[str]) -> str | None:
    if len(row) != len(COLUMNS):
        return f"has {len(row)} fields, not {len(COLUMNS)}"
    cells = dict(zip(COLUMNS, (c.strip() for c in row), strict=True))
    if not _MONTH.match(cells["Month"]):
        return f"month {cells['Month']!r} is not a month written YYYY-MM"
    if not cells["Crime type"]:
        return "no crime type"
    if not cells["Falls within"]:
        return "no force ('Falls within')"
    return None


def area_of(lsoa_name: str) -> str:
    """The district part of an LSOA name ("Camden 027B" -> "Camden"), or "No location"."""
    match = _LSOA_NAME.match(lsoa_name.strip())
    return match.group(1) if match else NO_LOCATION
