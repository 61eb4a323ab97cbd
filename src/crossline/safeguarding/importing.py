"""Importing other agencies' records of young people: missing episodes, custody,
hospital attendances after violence and school exclusions (docs/safeguarding.md).

Each row is about one person: the importing organisation's young person is
found (by the person record it came from, else by name and date of birth
among its own young people) or recorded. Then:

- **missing** — the episode is reported (``services.missing.report_missing``,
  which raises a concern about a child or a person of unknown age: a possible
  victim first, DOMAIN.md §CCE) and, when the row says so, found; a point
  where they were found gives the police force area, which links the episode
  to a line supplying that county area when the register has one
  (§MISSING.lines);
- **custody**, **hospital**, **exclusions** — a concern (source ``custody``,
  ``hospital``, ``exclusion``) when the person was a child on the day.

Rows about adults (18 or over on the day), and custody, hospital or exclusion
rows whose age is not known, are skipped and counted: this is a children's
record. A police force importing a file with a force column takes only its
own rows. Every bad row is quarantined with its file, line and reason; the
good ones are saved together, or none are (a row a service refuses is
quarantined and the import run again without it). Each row's record id is
kept as ``source_ref``, so importing the same file again adds nothing. Each
import is kept (:class:`AgencyImportRecord`) with its counts and the line and
reason of every row set aside, in the same transaction as what it made, so the
organisation can see later what came in and what did not.
"""

from __future__ import annotations

import csv
import json
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.orgs.reference import FORCES
from crossline.people.models import PersonRecord
from crossline.people.services.files import read_records_file
from crossline.safeguarding.models import (
    AgencyImportRecord,
    AgencyQuarantinedRow,
    Concern,
    MissingEpisode,
    YoungPerson,
)
from crossline.safeguarding.reference import VOCABULARY
from crossline.safeguarding.schemas import ConcernIn, FoundIn, MissingIn, YoungPersonIn
from crossline.safeguarding.services import concerns, missing, young_people
from crossline.safeguarding.services.access import commit

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Layout:
    """The columns of one kind of agency file; ``id`` is the record id column."""

    kind: str
    id: str
    when: str  # the column dating the row: the day the age is judged on
    columns: tuple[str, ...]  # every column that must be there (values may be empty)
    source: str  # the concern source (vocabulary.yaml concern_sources)
    by_record: bool  # the person is given by a person record id, not by name
    force: str | None = None  # the column naming the police force that holds the row


LAYOUTS = {
    "missing": Layout(
        "missing",
        "episode_id",
        "reported_at",
        (
            "episode_id",
            "record_id",
            "reported_at",
            "found_at",
            "found_place",
            "found_lat",
            "found_lon",
        ),
        "missing",
        by_record=True,
        force="reporting_force",
    ),
    "custody": Layout(
        "custody",
        "custody_id",
        "arrested_at",
        ("custody_id", "record_id", "arrested_at", "place", "offence"),
        "custody",
        by_record=True,
        force="force",
    ),
    "hospital": Layout(
        "hospital",
        "attendance_id",
        "arrived_at",
        ("attendance_id", "hospital", "arrived_at", "first_name", "surname", "dob", "injury"),
        "hospital",
        by_record=False,
    ),
    "exclusions": Layout(
        "exclusions",
        "exclusion_id",
        "start_date",
        ("exclusion_id", "school", "first_name", "surname", "dob", "start_date", "kind", "reason"),
        "exclusion",
        by_record=False,
    ),
}
KINDS = tuple(LAYOUTS)
# The indicators each kind of record shows (DOMAIN.md §INDICATORS).
INDICATORS = {
    "custody": ["VF23-01"],  # contact with the criminal justice system
    "hospital": ["CL18-06"],  # suspected assault, or injuries
    "exclusions": ["VF23-11"],  # excluded from mainstream education
}
NOT_A_CHILD = "an adult on the day (18 or over): not a young person's record"
AGE_NOT_KNOWN = "age not known: no date of birth"
ANOTHER_FORCE = "another force's record"


@dataclass(frozen=True)
class Person:
    """Who a row is about, as the agency wrote them down."""

    first_name: str | None
    surname: str | None
    dob: date | None
    postcode: str | None = None
    gender: str | None = None
    record_id: str | None = None  # the person record it came from


@dataclass(frozen=True)
class Row:
    line: int
    ref: str
    when: datetime
    values: dict[str, str]
    person: Person | None  # None until a record id is resolved


@dataclass(frozen=True)
class Quarantined:
    file: str
    line: int
    reason: str


@dataclass
class AgencyImport:
    """What an import did: counts only, so it may be printed and logged."""

    kind: str
    file: str
    rows: int = 0
    imported: int = 0
    already: int = 0
    young_people_added: int = 0
    concerns_raised: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    quarantined: list[Quarantined] = field(default_factory=list)
    id: uuid.UUID | None = None  # the import kept (AgencyImportRecord), once saved

    def as_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id) if self.id else None,
            "kind": self.kind,
            "file": self.file,
            "rows": self.rows,
            "imported": self.imported,
            "already_imported": self.already,
            "young_people_added": self.young_people_added,
            "concerns_raised": self.concerns_raised,
            "skipped": dict(self.skipped),
            "quarantined": [
                {"file": q.file, "line": q.line, "reason": q.reason} for q in self.quarantined
            ],
        }


class _Refused(Exception):
    """A service refused one row: quarantine it and import the rest again."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line = line
        self.reason = reason


def import_agency_file(
    db: Session,
    actor: Actor,
    kind: str,
    path: Path,
    *,
    people: Path | None = None,
    via: str = "cli",
    name: str | None = None,
) -> AgencyImport:
    """Import one agency file of ``kind`` (``KINDS``) into the actor's organisation.

    ``name`` is the file's name as its sender knows it (an upload's), when ``path``
    is where it was saved; else the path's own name.

    ``people`` is a person records file (docs/people-records.md) that resolves
    the record ids of missing and custody rows; without it, or for an id it
    lacks, the organisation's own person records are used. Needs
    ``safeguarding.write``; every record made is audited by the services.
    Raises InvalidInput for an unknown kind or a file that cannot be read.
    """
    actor.require(Permission.SAFEGUARDING_WRITE)
    layout = LAYOUTS.get(kind)
    if layout is None:
        raise InvalidInput(f"--kind is one of {', '.join(KINDS)}, not {kind!r}.", field="kind")
    file_name = (name or path.name)[:300]
    report = AgencyImport(kind=kind, file=file_name)
    organisation = db.get_one(Organisation, actor.organisation_id)
    rows = _read(path, layout, report, organisation)
    people_of = _people_file(people) if people is not None else {}
    while True:
        attempt = AgencyImport(kind=kind, file=file_name, rows=report.rows)
        attempt.quarantined = list(report.quarantined)
        attempt.skipped = Counter(report.skipped)
        try:
            _import_rows(db, actor, organisation, layout, rows, people_of, attempt, via)
        except _Refused as refused:
            db.rollback()
            report.quarantined.append(Quarantined(file_name, refused.line, refused.reason))
            rows = [r for r in rows if r.line != refused.line]
            continue
        break
    attempt.quarantined.sort(key=lambda q: q.line)
    attempt.id = _keep(db, actor, attempt, via)
    commit(db)
    log.info(
        "agency import (%s): %d rows, %d imported, %d already, %d quarantined",
        kind,
        attempt.rows,
        attempt.imported,
        attempt.already,
        len(attempt.quarantined),
    )
    return attempt


def _keep(db: Session, actor: Actor, done: AgencyImport, via: str) -> uuid.UUID:
    """Keep what an import did, with the line and reason of each row set aside."""
    record = AgencyImportRecord(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        kind=done.kind,
        file_name=done.file[:300],
        imported_at=clock.now(),
        imported_by_name=actor.display_name,
        via=via,
        rows=done.rows,
        imported=done.imported,
        already=done.already,
        young_people_added=done.young_people_added,
        concerns_raised=done.concerns_raised,
        skipped=json.dumps(dict(done.skipped), sort_keys=True),
        quarantined=len(done.quarantined),
    )
    db.add(record)
    db.add_all(
        AgencyQuarantinedRow(import_id=record.id, line=q.line, reason=q.reason)
        for q in done.quarantined
    )
    return record.id


def imports_of(db: Session, actor: Actor) -> list[AgencyImportRecord]:
    """The agency files the actor's organisation imported, newest first."""
    actor.require(Permission.SAFEGUARDING_READ)
    return list(
        db.scalars(
            select(AgencyImportRecord)
            .where(AgencyImportRecord.organisation_id == actor.organisation_id)
            .order_by(AgencyImportRecord.imported_at.desc())
        )
    )


def import_of(
    db: Session, actor: Actor, import_id: uuid.UUID
) -> tuple[AgencyImportRecord, list[AgencyQuarantinedRow]]:
    """One of the organisation's imports and the rows it set aside; another's is not found."""
    actor.require(Permission.SAFEGUARDING_READ)
    record = db.get(AgencyImportRecord, import_id)
    if record is None or record.organisation_id != actor.organisation_id:
        raise NotFound("There is no such import of your organisation's.")
    rows = db.scalars(
        select(AgencyQuarantinedRow)
        .where(AgencyQuarantinedRow.import_id == record.id)
        .order_by(AgencyQuarantinedRow.line)
    )
    return record, list(rows)


# --- reading ----------------------------------------------------------------------------------


def _read(
    path: Path, layout: Layout, report: AgencyImport, organisation: Organisation
) -> list[Row]:
    """The file's rows for ``organisation`` that are well formed; the others quarantined in
    ``report``. A police force's file rows of another force are skipped before any check."""
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file. Give a CSV file of {layout.kind} records.")
    rows: list[Row] = []
    seen: set[str] = set()
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
            absent = [c for c in layout.columns if c not in columns]
            if absent:
                raise InvalidInput(
                    f"{report.file} has no column {', '.join(absent)}. A {layout.kind} file needs "
                    f"the columns {', '.join(layout.columns)} (docs/safeguarding.md)."
                )
            for raw in reader:
                report.rows += 1
                values = {key: (raw.get(name) or "").strip() for key, name in columns.items()}
                if _another_forces(values, layout, organisation):
                    report.skipped[ANOTHER_FORCE] += 1
                    continue
                try:
                    row = _row(reader.line_num, values, layout)
                    if row.ref in seen:
                        raise ValueError(f"{layout.id}: the same record id is on an earlier line")
                    seen.add(row.ref)
                    rows.append(row)
                except ValueError as exc:
                    report.quarantined.append(Quarantined(report.file, reader.line_num, str(exc)))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{report.file} is not UTF-8 text: save it as UTF-8 CSV.") from exc
    return rows


def _another_forces(values: dict[str, str], layout: Layout, organisation: Organisation) -> bool:
    force = values.get(layout.force or "", "")
    return bool(force) and organisation.kind == "police_force" and force != organisation.key


def _row(line: int, values: dict[str, str], layout: Layout) -> Row:
    ref = values[layout.id]
    if not ref:
        raise ValueError(f"{layout.id}: empty; every row needs its record id")
    if len(ref) > 100:
        raise ValueError(f"{layout.id}: longer than 100 characters")
    if layout.when.endswith("_date"):
        day = _date(values[layout.when], layout.when, required=True)
        assert day is not None
        when = datetime.combine(day, time(0), UTC)
    else:
        when = _moment(values[layout.when], layout.when)
    if when > clock.now():
        raise ValueError(f"{layout.when}: in the future")
    if layout.kind == "missing":
        _check_missing(values, when)
    person = None
    if layout.by_record:
        if not values["record_id"]:
            raise ValueError("record_id: empty; give the person record the row is about")
    else:
        person = Person(
            first_name=values["first_name"] or None,
            surname=values["surname"] or None,
            dob=_date(values["dob"], "dob", required=False),
            postcode=values.get("postcode") or None,
            gender=values.get("gender") or None,
        )
        if not (person.first_name and person.surname):
            raise ValueError("first_name, surname: both are needed to know who this is")
    return Row(line, ref, when, values, person)


def _check_missing(values: dict[str, str], reported: datetime) -> None:
    if values.get("risk") and values["risk"] not in VOCABULARY["missing_risk"]:
        raise ValueError(f"risk: one of {', '.join(VOCABULARY['missing_risk'])}")
    if values["found_at"]:
        found = _moment(values["found_at"], "found_at")
        if found < reported:
            raise ValueError("found_at: before reported_at")
        if found > clock.now():
            raise ValueError("found_at: in the future")
    lat, lon = values["found_lat"], values["found_lon"]
    if bool(lat) != bool(lon):
        raise ValueError("found_lat, found_lon: give both or neither")
    if lat:
        _coordinate(lat, "found_lat", 90)
        _coordinate(lon, "found_lon", 180)


def _moment(text: str, column: str) -> datetime:
    if not text:
        raise ValueError(f"{column}: empty")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{column}: not a date and time like 2024-03-01T18:30:00Z") from None
    if moment.tzinfo is None:
        raise ValueError(f"{column}: no time zone; write it like 2024-03-01T18:30:00Z")
    return moment


def _date(text: str, column: str, *, required: bool) -> date | None:
    if not text:
        if required:
            raise ValueError(f"{column}: empty")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{column}: not a date like 2008-05-17") from None


def _coordinate(text: str, column: str, limit: float) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{column}: not a number") from None
    if not -limit <= value <= limit:
        raise ValueError(f"{column}: out of range")
    return value


def _people_file(path: Path) -> dict[str, Person]:
    """Person records by record id, from a person records file (its bad lines ignored)."""
    found, _ = read_records_file(path)
    return {
        r.reference: Person(r.first_name, r.surname, r.dob, r.postcode, r.gender, r.reference)
        for _, r in found
    }


# --- importing --------------------------------------------------------------------------------


def _import_rows(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    layout: Layout,
    rows: Iterable[Row],
    people_of: dict[str, Person],
    report: AgencyImport,
    via: str,
) -> None:
    raised_before = _concern_count(db, actor)
    people_before = _young_people_count(db, actor)
    handle: Callable[..., None] = _missing_row if layout.kind == "missing" else _concern_row
    for row in rows:
        if _imported_before(db, actor, layout, row.ref):
            report.already += 1
            continue
        person = row.person or _resolve(db, actor, row, people_of)
        if person is None:
            report.quarantined.append(
                Quarantined(
                    report.file,
                    row.line,
                    "record_id: no person record with this id (give --people, or import your "
                    "person records first)",
                )
            )
            continue
        child = _is_child(person.dob, row.when.date())
        if child is False:
            report.skipped[NOT_A_CHILD] += 1
            continue
        if child is None and layout.kind != "missing":
            report.skipped[AGE_NOT_KNOWN] += 1
            continue
        try:
            young_person = _young_person(db, actor, person, row, via)
            handle(db, actor, organisation, layout, row, young_person, via)
        except InvalidInput as exc:
            where = next(iter(exc.errors), "row")
            raise _Refused(row.line, f"{where}: {exc.message}") from exc
        except ValidationError as exc:
            # Field names and the rule only: pydantic's own message repeats the value,
            # which is personal data and would be kept with the import.
            raise _Refused(row.line, _refusal(exc)) from exc
        report.imported += 1
    report.concerns_raised = _concern_count(db, actor) - raised_before
    report.young_people_added = _young_people_count(db, actor) - people_before


def _refusal(exc: ValidationError) -> str:
    """Why a service's schema refused a row, by field and rule, without the values."""
    parts = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "row"
        limit = error.get("ctx", {}).get("max_length")
        rule = f"longer than {limit} characters" if limit else error["type"].replace("_", " ")
        parts.append(f"{field}: {rule}")
    return "; ".join(parts)


def _imported_before(db: Session, actor: Actor, layout: Layout, ref: str) -> bool:
    if layout.kind == "missing":
        query = select(MissingEpisode.id).where(
            MissingEpisode.organisation_id == actor.organisation_id,
            MissingEpisode.source_ref == ref,
        )
    else:
        query = select(Concern.id).where(
            Concern.organisation_id == actor.organisation_id,
            Concern.source == layout.source,
            Concern.source_ref == ref,
        )
    return db.scalar(query.limit(1)) is not None


def _resolve(db: Session, actor: Actor, row: Row, people_of: dict[str, Person]) -> Person | None:
    """The person record a row's record id names: from the file given, else the organisation's."""
    record_id = row.values["record_id"]
    if record_id in people_of:
        return people_of[record_id]
    record = db.scalar(
        select(PersonRecord).where(
            PersonRecord.owner_id == actor.organisation_id, PersonRecord.reference == record_id
        )
    )
    if record is None:
        return None
    return Person(
        record.first_name, record.surname, record.dob, record.postcode, record.gender, record_id
    )


def _is_child(dob: date | None, on: date) -> bool | None:
    if dob is None:
        return None
    age = on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))
    return age < young_people.CHILD_UNDER


def _young_person(db: Session, actor: Actor, person: Person, row: Row, via: str) -> YoungPerson:
    """The organisation's young person this row is about, recorded if it has none."""
    found = None
    if person.record_id:
        found = db.scalar(
            select(YoungPerson)
            .where(
                YoungPerson.owner_id == actor.organisation_id,
                YoungPerson.source_ref == person.record_id,
            )
            .limit(1)
        )
    if found is None and person.first_name and person.surname:
        found = young_people.find(
            db,
            actor.organisation_id,
            first_name=person.first_name,
            surname=person.surname,
            dob=person.dob,
        )
    if found is not None:
        return found
    described = None if person.first_name or person.surname else f"Person in record {row.ref}"
    return young_people.create(
        db,
        actor,
        YoungPersonIn(
            first_name=person.first_name,
            surname=person.surname,
            dob=person.dob,
            postcode=person.postcode,
            gender=person.gender,
            description=described,
        ),
        via=via,
        source_ref=person.record_id or row.ref,
        why="recording a young person from another agency's records",
        commit_now=False,
    )


def _missing_row(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    layout: Layout,
    row: Row,
    young_person: YoungPerson,
    via: str,
) -> None:
    v = row.values
    reported_by = v.get("reported_by") or _force_name(v.get("reporting_force")) or organisation.name
    episode = missing.report_missing(
        db,
        actor,
        young_person.id,
        MissingIn(
            reported_at=row.when,
            reported_by=reported_by[:200],
            risk=v.get("risk") or "medium",
            source_ref=row.ref,
        ),
        via=via,
        commit_now=False,
    )
    if v["found_at"]:
        located = bool(v["found_lat"])
        by_force = v.get("found_by_force") or ""
        missing.found(
            db,
            actor,
            episode.id,
            FoundIn(
                found_at=_moment(v["found_at"], "found_at"),
                found_where=(v["found_place"] or "not recorded")[:200],
                found_by=(_force_name(by_force) or by_force or "not recorded")[:200],
                found_force_area=by_force if not located and by_force in FORCES else None,
                found_lat=float(v["found_lat"]) if located else None,
                found_lon=float(v["found_lon"]) if located else None,
                version=episode.version,
            ),
            via=via,
            commit_now=False,
        )


def _concern_row(
    db: Session,
    actor: Actor,
    organisation: Organisation,
    layout: Layout,
    row: Row,
    young_person: YoungPerson,
    via: str,
) -> None:
    concerns.raise_concern(
        db,
        actor,
        young_person.id,
        ConcernIn(
            source=layout.source,
            summary=_summary(layout.kind, row),
            indicators=INDICATORS[layout.kind],
            source_ref=row.ref,
            raised_at=row.when,
        ),
        via=via,
        commit_now=False,
    )


def _summary(kind: str, row: Row) -> str:
    v, day = row.values, f"{row.when:%-d %B %Y}"
    if kind == "custody":
        where = f" in {v['place']}" if v["place"] else ""
        return f"Arrested{where} on {day} ({v['offence'] or 'offence not recorded'}) as a child."
    if kind == "hospital":
        return (
            f"Attended {v['hospital'] or 'hospital'} on {day} after violence: "
            f"{v['injury'] or 'injury not recorded'}."
        )
    what = {"permanent": "Permanently excluded", "suspension": "Suspended"}.get(
        v["kind"], "Excluded"
    )
    return f"{what} from {v['school'] or 'school'} from {day}: {v['reason'] or 'no reason given'}."


def _force_name(force: str | None) -> str | None:
    return FORCES[force].name if force and force in FORCES else None


def _concern_count(db: Session, actor: Actor) -> int:
    return (
        db.scalar(
            select(func.count(Concern.id)).where(Concern.organisation_id == actor.organisation_id)
        )
        or 0
    )


def _young_people_count(db: Session, actor: Actor) -> int:
    return (
        db.scalar(
            select(func.count(YoungPerson.id)).where(YoungPerson.owner_id == actor.organisation_id)
        )
        or 0
    )
