"""Linking every organisation's person records, and what each may learn of the matches.

``relink`` runs Splink (``crossline.people.linkage``) over all organisations'
records together, trained on them alone, and keeps each pair at or above the
threshold as a ``PersonMatch`` with every field's contribution. Decisions
are remembered: a later linkage updates a pair's score but never its
decision; a pair decided the same stays whatever its new score, and an
undecided pair no longer found is withdrawn.

Who learns what (DESIGN.md, Security and data protection):

- a match between two organisations is an **alert** to each: its own record,
  the other organisation and its contact officer, how likely the match is;
  never the other's record. A national coordinator (``deconfliction.resolve``)
  sees both records with the evidence and decides;
- a match between two records of the same organisation is that
  organisation's to see and decide (``people.read``, ``people.write``).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Sequence

import pyarrow as pa
from sqlalchemy import ColumnElement, func, or_, select, text
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import Conflict, NotFound
from crossline.orgs.models import Organisation
from crossline.orgs.services import alert_contact, organisation_names
from crossline.people.linkage import (
    DEFAULT_THRESHOLD,
    LinkedPair,
    link_person_records,
)
from crossline.people.linkage.linking import DUCKDB_MEMORY_LIMIT, MIN_RECORDS
from crossline.people.linkage.records import records_table
from crossline.people.models import PersonMatch, PersonRecord
from crossline.people.schemas import (
    Decision,
    DecisionIn,
    LinkageRunRead,
    PersonAlertRead,
    PersonMatchRead,
    PersonRecordRead,
)

NO_SUCH_MATCH = "There is no such possible match for you to see."
# One linkage at a time: two would both insert the same new pairs.
LINKAGE_LOCK = 20180409  # the day the serious violence strategy was published

Progress = Callable[[str], None]


def relink(
    db: Session,
    actor: Actor | None = None,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    memory_limit: str = DUCKDB_MEMORY_LIMIT,
    via: str = "system",
    progress: Progress | None = None,
) -> LinkageRunRead:
    """Link every organisation's person records and bring the stored matches up to date.

    Run after records are recorded, corrected or imported, by whoever made the
    change (``actor``) or by the system (None); ``memory_limit`` is DuckDB's
    budget (the ``linkage_memory_limit`` setting). Audited: a **combination** of
    each organisation's records, and a **disclosure** to each owner of every
    new match between organisations (what is disclosed to one is that the
    other holds a record of the same person). Commits.
    """
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LINKAGE_LOCK})
    people = db.scalars(select(PersonRecord).order_by(PersonRecord.created_at)).all()
    if len(people) < MIN_RECORDS:
        db.commit()
        return LinkageRunRead(
            records=len(people),
            fields=[],
            pairs_scored=0,
            matches=0,
            new_matches=0,
            new_alerts=0,
            skipped_reason=(
                f"Linkage learns from the records themselves and needs at least {MIN_RECORDS}; "
                f"{len(people)} are held."
            ),
        )
    by_id = {str(p.id): p for p in people}
    linkage = link_person_records(
        _as_layout(people), threshold=threshold, progress=progress, memory_limit=memory_limit
    )
    stored = {(m.record_a_id, m.record_b_id): m for m in db.scalars(select(PersonMatch))}
    found: set[tuple[uuid.UUID, uuid.UUID]] = set()
    new: list[PersonMatch] = []
    for pair in linkage.pairs:
        a, b = sorted((by_id[pair.record_id_l], by_id[pair.record_id_r]), key=lambda p: str(p.id))
        key = (a.id, b.id)
        found.add(key)
        match = stored.get(key)
        if match is None:
            match = PersonMatch(
                id=uuid.uuid4(),
                record_a_id=a.id,
                owner_a_id=a.owner_id,
                record_b_id=b.id,
                owner_b_id=b.owner_id,
                created_at=clock.now(),
            )
            _score(match, pair, linkage.prior_match_weight)
            db.add(match)
            new.append(match)
        elif _score(match, pair, linkage.prior_match_weight):
            match.owner_a_id, match.owner_b_id = a.owner_id, b.owner_id
    for key, match in stored.items():
        if key not in found and match.decision is None:
            db.delete(match)  # no longer likely the same person, and nobody decided it
    for owner in {p.owner_id for p in people}:
        record(
            db,
            actor,
            Operation.COMBINATION,
            RecordRef.of("person_records", owner),
            why="person linkage across organisations, for deconfliction",
            owner=owner,
            via=via,
        )
    db.flush()
    alerted = [m for m in new if m.across_organisations]
    names = organisation_names(
        db, {m.owner_a_id for m in alerted} | {m.owner_b_id for m in alerted}
    )
    for match in alerted:
        for own, theirs in (
            (match.owner_a_id, match.owner_b_id),
            (match.owner_b_id, match.owner_a_id),
        ):
            record(
                db,
                actor,
                Operation.DISCLOSURE,
                RecordRef.of("person_match", match.id),
                why="deconfliction: another organisation may hold a record of the same person",
                recipient=names[own],
                owner=theirs,
                via=via,
            )
    db.commit()
    return LinkageRunRead(
        records=len(people),
        fields=list(linkage.fields),
        pairs_scored=linkage.pairs_scored,
        matches=len(linkage.pairs),
        new_matches=len(new),
        new_alerts=len(alerted),
        skipped_reason=None,
    )


def _as_layout(people: Sequence[PersonRecord]) -> pa.Table:
    """The records in linkage's layout, normalised by the same reader as ``people link`` files."""
    return records_table(
        (str(p.id), p.first_name, p.surname, p.dob, p.postcode, p.gender) for p in people
    )


def _score(match: PersonMatch, pair: LinkedPair, prior: float) -> bool:
    """Store the pair's latest evidence on ``match``; False when it is what was stored."""
    contributions = json.dumps(
        [
            {"field": c.field, "level": c.level, "match_weight": round(c.match_weight, 4)}
            for c in pair.contributions
        ]
    )
    probability = round(pair.match_probability, 6)
    if match.contributions == contributions and match.match_probability == probability:
        return False
    match.match_probability = probability
    match.match_weight = round(pair.match_weight, 4)
    match.prior_match_weight = round(prior, 4)
    match.contributions = contributions
    match.scored_at = clock.now()
    return True


# --- what each organisation is told -------------------------------------------------------------


def alerts(db: Session, actor: Actor, *, via: str = "web") -> list[PersonAlertRead]:
    """Matches between the organisation's records and another's, newest first; audited.

    Needs ``people.read``. Each names the organisation's own record, the other
    organisation and its contact officer; a pair decided different is not shown.
    """
    actor.require(Permission.PEOPLE_READ)
    mine = actor.organisation_id
    matches = db.scalars(
        select(PersonMatch)
        .where(
            or_(PersonMatch.owner_a_id == mine, PersonMatch.owner_b_id == mine),
            PersonMatch.owner_a_id != PersonMatch.owner_b_id,
            or_(PersonMatch.decision.is_(None), PersonMatch.decision != Decision.DIFFERENT.value),
        )
        .order_by(PersonMatch.created_at.desc())
    ).all()
    found = [_alert(db, m, mine) for m in matches]
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("person_alerts", mine),
        why="reading person deconfliction alerts",
        owner=mine,
        via=via,
    )
    db.commit()
    return found


def _alert(db: Session, match: PersonMatch, mine: uuid.UUID) -> PersonAlertRead:
    if match.owner_a_id == mine:
        own_id, other_id = match.record_a_id, match.owner_b_id
    else:
        own_id, other_id = match.record_b_id, match.owner_a_id
    own = db.get_one(PersonRecord, own_id)
    other = db.get_one(Organisation, other_id)
    return PersonAlertRead(
        alert_id=match.id,
        record_id=own.id,
        record_reference=own.reference,
        other_organisation=other.name,
        contact=alert_contact(other),
        match_probability=match.match_probability,
        raised_at=match.created_at,
        decision=Decision(match.decision) if match.decision else None,
        decided_at=match.decided_at,
    )


# --- matches with their evidence, for those who decide -------------------------------------------


def list_matches(
    db: Session,
    actor: Actor,
    *,
    national: bool = False,
    undecided_only: bool = False,
    record_id: uuid.UUID | None = None,
    via: str = "web",
) -> list[PersonMatchRead]:
    """Matches the actor may decide, strongest first, with both records; audited.

    ``national``: every match between organisations, for a national
    coordinator (``deconfliction.resolve``); otherwise the matches between two
    records of the actor's own organisation (``people.read``). ``record_id``
    keeps those involving one record.
    """
    query = select(PersonMatch).where(_decidable_by(actor, national))
    if undecided_only:
        query = query.where(PersonMatch.decision.is_(None))
    if record_id is not None:
        query = query.where(
            or_(PersonMatch.record_a_id == record_id, PersonMatch.record_b_id == record_id)
        )
    matches = db.scalars(query.order_by(PersonMatch.match_weight.desc())).all()
    found = [_read(db, actor, m, via) for m in matches]
    db.commit()
    return found


def count_undecided(db: Session, actor: Actor, *, national: bool = False) -> int:
    """How many matches the actor may decide are undecided; a count, so not audited."""
    query = select(func.count(PersonMatch.id)).where(
        _decidable_by(actor, national), PersonMatch.decision.is_(None)
    )
    return int(db.scalar(query) or 0)


def get_match(
    db: Session, actor: Actor, match_id: uuid.UUID, *, national: bool = False, via: str = "web"
) -> PersonMatchRead:
    """One match with both records and the evidence, if the actor may decide it; audited."""
    query = select(PersonMatch).where(PersonMatch.id == match_id, _decidable_by(actor, national))
    match = db.scalar(query)
    if match is None:
        raise NotFound(NO_SUCH_MATCH)
    found = _read(db, actor, match, via)
    db.commit()
    return found


def decide(
    db: Session,
    actor: Actor,
    match_id: uuid.UUID,
    data: DecisionIn,
    *,
    national: bool = False,
    via: str = "web",
) -> PersonMatchRead:
    """Record whether the two records are the same person; remembered by every later linkage.

    Between organisations, a national coordinator decides (``national``,
    ``deconfliction.resolve``); within one, its ``people.write`` users.
    Audited as an alteration for each owner. A decision made from an older
    version is refused (409).
    """
    if not national:
        actor.require(Permission.PEOPLE_WRITE)
    query = select(PersonMatch).where(PersonMatch.id == match_id, _decidable_by(actor, national))
    match = db.scalar(query)
    if match is None:
        raise NotFound(NO_SUCH_MATCH)
    check_version(match, data.version)
    match.decision = data.decision.value
    match.note = (data.note or "").strip() or None
    match.decided_by_id = actor.user_id
    match.decided_by_name = actor.display_name
    match.decided_at = clock.now()
    for owner in sorted({match.owner_a_id, match.owner_b_id}, key=str):
        record(
            db,
            actor,
            Operation.ALTERATION,
            RecordRef.of("person_match", match.id),
            why=f"person match decided: {data.decision.value}",
            owner=owner,
            via=via,
        )
    try:
        db.commit()
    except StaleDataError as exc:
        db.rollback()
        raise Conflict(
            "Someone else decided this match, or linkage scored it again, while you were "
            "saving. Reload it to see the latest, then decide again."
        ) from exc
    return _read(db, actor, match, via)


def _decidable_by(actor: Actor, national: bool) -> ColumnElement[bool]:
    """Matches between organisations for a national coordinator; else the actor's own."""
    if national:
        actor.require(Permission.DECONFLICTION_RESOLVE)
        return PersonMatch.owner_a_id != PersonMatch.owner_b_id
    actor.require(Permission.PEOPLE_READ)
    mine = actor.organisation_id
    return (PersonMatch.owner_a_id == mine) & (PersonMatch.owner_b_id == mine)


def _read(db: Session, actor: Actor, match: PersonMatch, via: str) -> PersonMatchRead:
    names = organisation_names(db, {match.owner_a_id, match.owner_b_id})
    records = []
    for record_id in (match.record_a_id, match.record_b_id):
        person = db.get_one(PersonRecord, record_id)
        records.append(PersonRecordRead.of(person, names[person.owner_id]))
        record(
            db,
            actor,
            Operation.CONSULTATION,
            RecordRef.of("person_record", person.id),
            why="reviewing a possible match of person records",
            owner=person.owner_id,
            via=via,
        )
    return PersonMatchRead.of(match, records)
