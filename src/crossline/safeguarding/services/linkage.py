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
A practitioner who may read both records decides whether they are the same child
(:func:`decide_other_record`); like a person match's, the decision survives every
later linkage.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.orgs.services import alert_contact
from crossline.people.linkage import link_person_records
from crossline.people.linkage.linking import DEFAULT_THRESHOLD, DUCKDB_MEMORY_LIMIT, MIN_RECORDS
from crossline.people.linkage.records import records_table
from crossline.people.models import PersonRecord
from crossline.people.schemas import Decision
from crossline.safeguarding.models import YoungPerson, YoungPersonLink, YoungPersonMatch
from crossline.safeguarding.services.access import (
    NO_SUCH_YOUNG_PERSON,
    audit,
    case_of,
    commit,
    event,
    involved,
)

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
    # The rest only for a record the reader may see (None otherwise).
    match_id: uuid.UUID | None = None
    decision: Decision | None = None
    note: str | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    may_decide: bool = False  # the reader may record a decision on it

    @property
    def decision_label(self) -> str:
        return DECISION_LABELS[self.decision] if self.decision else ""


# How a decision on two young person records reads on the case page.
DECISION_LABELS = {
    Decision.SAME: "The same child",
    Decision.DIFFERENT: "Not the same child",
    Decision.UNSURE: "Not sure",
}
# A decision that they are not the same child, or that nobody can tell, says why.
NOTE_NEEDED = {
    Decision.DIFFERENT: "Say why they are not the same child.",
    Decision.UNSURE: "Say why you are not sure they are the same child.",
}
NOTE_MAX_LENGTH = 2000


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
    # Decided pairs are remembered: their probability follows the latest scoring, or stays
    # as it was when linkage no longer finds them. Undecided pairs are found afresh.
    decided = {
        (m.young_person_a_id, m.young_person_b_id): m
        for m in db.scalars(select(YoungPersonMatch).where(YoungPersonMatch.decision.is_not(None)))
    }
    db.execute(delete(YoungPersonMatch).where(YoungPersonMatch.decision.is_(None)))
    for (a, b), probability in twins.items():
        kept = decided.get((a, b))
        if kept is not None:
            kept.probability = round(probability, 6)
            continue
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
    found = (_other_record(db, actor, young_person, match) for match in rows)
    return [o for o in found if o is not None]


def decide_other_record(
    db: Session,
    actor: Actor,
    young_person_id: uuid.UUID,
    match_id: uuid.UUID,
    decision: Decision | str,
    note: str | None,
    *,
    via: str = "web",
) -> OtherRecord:
    """Record whether another record of this young person is of the same child.

    Only a practitioner who may change cases (``safeguarding.write``) and whose
    organisation is involved in *both* cases decides; anyone else is told there
    is no such young person, so that neither the other record nor the match is
    disclosed. ``different`` and ``unsure`` need a note saying why. Deciding
    again replaces the decision; every decision is an alteration in the audit
    log (the history) and an entry on both cases' timelines. Commits.
    """
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    match = db.get(YoungPersonMatch, match_id)
    if match is None or young_person.id not in (match.young_person_a_id, match.young_person_b_id):
        raise NotFound(NO_SUCH_YOUNG_PERSON)
    other = db.get_one(YoungPerson, _other_id(match, young_person))
    if not involved(db, actor, other):
        raise NotFound(NO_SUCH_YOUNG_PERSON)
    try:
        chosen = Decision(decision)
    except ValueError:
        raise InvalidInput("Choose the decision.", field="decision") from None
    why = (note or "").strip() or None
    if why is not None and len(why) > NOTE_MAX_LENGTH:
        raise InvalidInput(f"Shorten why to {NOTE_MAX_LENGTH} characters or fewer.", field="note")
    if why is None and chosen in NOTE_NEEDED:
        raise InvalidInput(NOTE_NEEDED[chosen], field="note")
    match.decision = chosen.value
    match.note = why
    match.decided_by_id = actor.user_id
    match.decided_by_name = actor.display_name
    match.decided_at = clock.now()
    said = DECISION_LABELS[chosen].lower()
    for case, theirs in ((young_person, other), (other, young_person)):
        holder = db.get_one(Organisation, theirs.owner_id)
        event(
            db,
            actor,
            case,
            "duplicate_decided",
            f"Another record of this young person, held by {holder.name}, decided: {said}",
            record_type="young_person_match",
            record_id=match.id,
        )
    for owner_case in {young_person.owner_id: young_person, other.owner_id: other}.values():
        audit(
            db,
            actor,
            Operation.ALTERATION,
            owner_case,
            f"possible duplicate young person decided: {chosen.value}",
            via=via,
            record_type="young_person_match",
            record_id=match.id,
        )
    commit(db)
    found = _other_record(db, actor, young_person, match)
    assert found is not None  # the actor is involved in both cases
    return found


def _other_id(match: YoungPersonMatch, young_person: YoungPerson) -> uuid.UUID:
    if match.young_person_a_id == young_person.id:
        return match.young_person_b_id
    return match.young_person_a_id


def _other_record(
    db: Session, actor: Actor, young_person: YoungPerson, match: YoungPersonMatch
) -> OtherRecord | None:
    """The match's other record as ``actor`` may know it; None if it has gone."""
    other = db.get(YoungPerson, _other_id(match, young_person))
    holder = db.get(Organisation, other.owner_id) if other else None
    if other is None or holder is None:
        return None
    if involved(db, actor, other):
        return OtherRecord(
            holder.name,
            match.probability,
            other.reference,
            other.url,
            None,
            match_id=match.id,
            decision=Decision(match.decision) if match.decision else None,
            note=match.note,
            decided_by=match.decided_by_name,
            decided_at=match.decided_at,
            may_decide=actor.can(Permission.SAFEGUARDING_WRITE),
        )
    if match.decision == Decision.DIFFERENT.value:
        # someone who may read both records has said they are two children: the
        # warning to contact the other organisation is answered
        return None
    who = alert_contact(holder)
    contact = ", ".join(p for p in (who.name, who.email) if p) or who.note
    return OtherRecord(holder.name, match.probability, None, None, contact)
