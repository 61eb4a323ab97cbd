"""Young people linked to the people police forces know, and to each other, through
person linkage.

Young person records and every organisation's person records are linked
together with the same Splink model as person records across forces
(``people.linkage``). A pair of a young person and a police person record at
or above the threshold is stored as a :class:`YoungPersonLink`. What the case
then shows follows DESIGN.md's deconfliction rule: the organisation holding
the person record and whom to contact, never the record itself; a reader
whose own organisation holds the record (police safeguarding) gets a link to
it when they may read person records. Two young person records that may be one child
are a :class:`YoungPersonMatch`: a possible duplicate within an organisation, or, between
two organisations, a warning that names the other organisation and its contact only.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.orgs.models import Organisation
from crossline.orgs.services import alert_contact
from crossline.people.linkage import link_person_records
from crossline.people.linkage.linking import DEFAULT_THRESHOLD, DUCKDB_MEMORY_LIMIT, MIN_RECORDS
from crossline.people.linkage.records import records_table
from crossline.people.models import PersonRecord
from crossline.safeguarding.models import YoungPerson, YoungPersonLink, YoungPersonMatch
from crossline.safeguarding.services.access import involved

YOUNG, KNOWN = "y:", "p:"  # record id prefixes in the combined table


@dataclass(frozen=True)
class KnownToPolice:
    """A person record that may be this young person, as far as the reader may know it."""

    held_by: str
    contact: str | None  # whom to call, when the reader's organisation does not hold it
    probability: float
    url: str | None  # the record itself, for its own organisation's readers


@dataclass(frozen=True)
class LinkageSummary:
    young_people: int
    person_records: int
    links: int  # young people to police person records
    skipped_reason: str | None = None
    twins: int = 0  # pairs of young person records that may be one child


@dataclass(frozen=True)
class OtherRecord:
    """Another young person record that may be this child, as far as the reader may know it.

    In the reader's own organisation (or a case it is in) it is named and linked: a
    possible duplicate. Elsewhere only the organisation and its contact are given
    (DESIGN.md: deconfliction names whom to contact, never the record)."""

    held_by: str
    probability: float
    reference: str | None
    url: str | None
    contact: str | None


def relink_young_people(
    db: Session,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    memory_limit: str = DUCKDB_MEMORY_LIMIT,
    via: str = "system",
) -> LinkageSummary:
    """Link every young person with every person record again and store the links.

    Run after a young person is recorded or corrected (pages and API) and after
    an import of agency records; like person linkage across forces it links
    everything again, which costs seconds at demo size (docs/safeguarding.md,
    "Not built yet"). Audited as a combination of safeguarding and police
    records (DOMAIN.md §AUDIT.s62), once per run. Commits.
    """
    young = db.scalars(select(YoungPerson)).all()
    known = db.scalars(select(PersonRecord)).all()
    named = [y for y in young if y.first_name or y.surname]
    if len(named) < 1 or len(named) + len(known) < MIN_RECORDS:
        return LinkageSummary(len(young), len(known), 0, "too few records to link")
    table = records_table(
        [
            *(
                (f"{YOUNG}{y.id}", y.first_name, y.surname, y.dob, y.postcode, y.gender)
                for y in named
            ),
            *(
                (f"{KNOWN}{p.id}", p.first_name, p.surname, p.dob, p.postcode, p.gender)
                for p in known
            ),
        ]
    )
    linkage = link_person_records(table, threshold=threshold, memory_limit=memory_limit)
    pairs: dict[tuple[uuid.UUID, uuid.UUID], float] = {}
    twins: dict[tuple[uuid.UUID, uuid.UUID], float] = {}  # two young person records
    for pair in linkage.pairs:
        ends = sorted((pair.record_id_l, pair.record_id_r))  # "p:..." sorts before "y:..."
        if ends[0].startswith(KNOWN) and ends[1].startswith(YOUNG):
            key = (uuid.UUID(ends[1][2:]), uuid.UUID(ends[0][2:]))
            pairs[key] = max(pairs.get(key, 0.0), pair.match_probability)
        elif ends[0].startswith(YOUNG) and ends[1].startswith(YOUNG):
            key = (uuid.UUID(ends[0][2:]), uuid.UUID(ends[1][2:]))
            twins[key] = max(twins.get(key, 0.0), pair.match_probability)
    db.execute(delete(YoungPersonLink))
    db.execute(delete(YoungPersonMatch))
    for (a, b), probability in twins.items():
        db.add(
            YoungPersonMatch(
                young_person_a_id=a, young_person_b_id=b, probability=round(probability, 6)
            )
        )
    for (young_person_id, person_record_id), probability in pairs.items():
        db.add(
            YoungPersonLink(
                young_person_id=young_person_id,
                person_record_id=person_record_id,
                probability=round(probability, 6),
            )
        )
    record(
        db,
        None,
        Operation.COMBINATION,
        RecordRef.of("young_person_linkage", "all"),
        why="linking young people to people known to police, to safeguard them",
        via=via,
    )
    db.commit()
    return LinkageSummary(len(young), len(known), len(pairs), twins=len(twins))


def known_to_police(
    db: Session, actor: Actor, young_person: YoungPerson
) -> Sequence[KnownToPolice]:
    """The person records that may be this young person, as ``actor`` may know them."""
    rows = db.execute(
        select(YoungPersonLink, PersonRecord)
        .join(PersonRecord, PersonRecord.id == YoungPersonLink.person_record_id)
        .where(YoungPersonLink.young_person_id == young_person.id)
        .order_by(YoungPersonLink.probability.desc())
    ).all()
    out: list[KnownToPolice] = []
    for link, person in rows:
        holder = db.get(Organisation, person.owner_id)
        if holder is None:
            continue
        own = person.owner_id == actor.organisation_id and actor.can(Permission.PEOPLE_READ)
        contact = None
        if not own:
            who = alert_contact(holder)
            contact = ", ".join(p for p in (who.name, who.email) if p) or who.note
        out.append(
            KnownToPolice(holder.name, contact, link.probability, person.url if own else None)
        )
    return out


def other_records(db: Session, actor: Actor, young_person: YoungPerson) -> Sequence[OtherRecord]:
    """Young person records that may be the same child as ``young_person``."""
    rows = db.scalars(
        select(YoungPersonMatch)
        .where(
            (YoungPersonMatch.young_person_a_id == young_person.id)
            | (YoungPersonMatch.young_person_b_id == young_person.id)
        )
        .order_by(YoungPersonMatch.probability.desc())
    ).all()
    out: list[OtherRecord] = []
    for match in rows:
        other_id = (
            match.young_person_b_id
            if match.young_person_a_id == young_person.id
            else match.young_person_a_id
        )
        other = db.get(YoungPerson, other_id)
        holder = db.get(Organisation, other.owner_id) if other else None
        if other is None or holder is None:
            continue
        if involved(db, actor, other):
            out.append(
                OtherRecord(holder.name, match.probability, other.reference, other.url, None)
            )
        else:
            who = alert_contact(holder)
            contact = ", ".join(p for p in (who.name, who.email) if p) or who.note
            out.append(OtherRecord(holder.name, match.probability, None, None, contact))
    return out
