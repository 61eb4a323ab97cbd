"""Referrals of young people to programmes, and who delivers each programme.

An organisation's administrator says which catalogue programmes it delivers
(a :class:`ProgrammeDelivery`). A safeguarding practitioner of an organisation
working on a young person's case sees which programmes are open to them and
who delivers each, and refers them to one programme at one delivering
organisation (the *provider*). The provider is sent a short summary written
when the referral is sent (name, date of birth, the referral's reason, the
eligibility reasons) and never sees the case.

A referral is ``sent``, then ``accepted`` or ``declined`` (with a reason) by
the provider; an accepted one is ``enrolled`` then ``completed`` with an
outcome (``referral_outcomes`` in safeguarding's vocabulary). The referring
organisation may withdraw it while it is sent, accepted or enrolled. Each step
is a :class:`ReferralEvent`, an entry in the case's timeline and an entry in
the audit log (DOMAIN.md §AUDIT.s62); sending the summary is a disclosure to
the provider.

Who sees a referral: the provider sees only those made to it; the
organisations involved in the young person's case see those of their young
people. Anyone else is told there is no such referral, so that neither the
referral nor the case is disclosed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.calendar import uk_date
from crossline.core.database import check_version
from crossline.core.errors import Forbidden, InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.orgs.services import organisation_names
from crossline.programmes.catalogue import (
    PROGRAMMES,
    AgeRule,
    Check,
    Eligibility,
    Person,
    Programme,
    eligibility,
)
from crossline.programmes.models import ProgrammeDelivery, Referral, ReferralEvent
from crossline.programmes.schemas import (
    CompleteIn,
    DeclineIn,
    DeliveryIn,
    DeliveryRead,
    ProgrammeOption,
    ProgrammesFor,
    ProviderOption,
    ReceivedReferralRead,
    ReferralEventRead,
    ReferralIn,
    ReferralRead,
    ReferralState,
    SharedSummary,
    StepIn,
)
from crossline.safeguarding.facts import (
    Circumstance,
    Country,
    Custody,
    Education,
    Exclusion,
    FamilyProblem,
)
from crossline.safeguarding.models import YoungPerson
from crossline.safeguarding.reference import VOCABULARY, label
from crossline.safeguarding.services.access import (
    audit,
    case_filter,
    case_of,
    commit,
    dumps,
    event,
)

NO_SUCH_REFERRAL = "There is no such referral among those your organisation may see."
NO_DATE_OF_BIRTH = (
    "Their date of birth is not recorded, so no programme with an age rule can be judged "
    "open to them. Record their date of birth on the young person's page, then look again."
)

# From each state, the states a step may take a referral to.
STEPS: dict[ReferralState, frozenset[ReferralState]] = {
    ReferralState.SENT: frozenset(
        {ReferralState.ACCEPTED, ReferralState.DECLINED, ReferralState.WITHDRAWN}
    ),
    ReferralState.ACCEPTED: frozenset({ReferralState.ENROLLED, ReferralState.WITHDRAWN}),
    ReferralState.ENROLLED: frozenset({ReferralState.COMPLETED, ReferralState.WITHDRAWN}),
    ReferralState.DECLINED: frozenset(),
    ReferralState.COMPLETED: frozenset(),
    ReferralState.WITHDRAWN: frozenset(),
}
_ORDER = {
    ReferralState.SENT: 0,
    ReferralState.ACCEPTED: 1,
    ReferralState.DECLINED: 1,
    ReferralState.ENROLLED: 2,
    ReferralState.COMPLETED: 3,
    ReferralState.WITHDRAWN: 4,
}
OPEN_STATES = frozenset({ReferralState.SENT, ReferralState.ACCEPTED, ReferralState.ENROLLED})
# How each step reads in the case's timeline and in the error for a step not allowed.
STEP_WORDS: dict[ReferralState, str] = {
    ReferralState.SENT: "sent",
    ReferralState.ACCEPTED: "accepted",
    ReferralState.DECLINED: "declined",
    ReferralState.ENROLLED: "enrolled",
    ReferralState.COMPLETED: "completed",
    ReferralState.WITHDRAWN: "withdrawn",
}


def may_step(current: ReferralState, new: ReferralState) -> bool:
    return new in STEPS[current]


# --- deliveries ---------------------------------------------------------------------------------


def add_delivery(db: Session, actor: Actor, data: DeliveryIn, *, via: str = "web") -> DeliveryRead:
    """Say that the actor's organisation delivers a catalogue programme and takes referrals.

    Needs ``organisation.manage``. An unknown programme, or one the
    organisation already delivers, is InvalidInput. Audited as an alteration.
    """
    actor.require(Permission.ORGANISATION_MANAGE)
    programme = _programme(data.programme_id)
    if _delivery(db, actor.organisation_id, programme.id) is not None:
        raise InvalidInput(
            f"Your organisation already delivers {programme.label}. Change its note by "
            "removing it and adding it again.",
            field="programme_id",
        )
    delivery = ProgrammeDelivery(
        id=uuid.uuid4(),
        organisation_id=actor.organisation_id,
        programme_id=programme.id,
        note=_clean(data.note),
    )
    db.add(delivery)
    _audit_delivery(db, actor, delivery, f"now delivers {programme.label}", via)
    commit(db)
    return _delivery_read(delivery, actor.organisation_name)


def remove_delivery(db: Session, actor: Actor, programme_id: str, *, via: str = "web") -> None:
    """Say that the actor's organisation no longer delivers a programme.

    Needs ``organisation.manage``. Referrals already made to the organisation
    keep their course; no new ones can be made. Audited as an alteration.
    """
    actor.require(Permission.ORGANISATION_MANAGE)
    programme = _programme(programme_id)
    delivery = _delivery(db, actor.organisation_id, programme.id)
    if delivery is None:
        raise NotFound(f"Your organisation does not deliver {programme.label}.")
    _audit_delivery(db, actor, delivery, f"no longer delivers {programme.label}", via)
    db.delete(delivery)
    commit(db)


def deliveries(db: Session, programme_id: str | None = None) -> list[DeliveryRead]:
    """Who delivers each programme (or one programme), by programme then organisation.

    Open to every signed-in user: it names organisations, not people. An
    unknown programme is InvalidInput.
    """
    query = select(ProgrammeDelivery)
    if programme_id is not None:
        query = query.where(ProgrammeDelivery.programme_id == _programme(programme_id).id)
    found = db.scalars(query).all()
    names = organisation_names(db, {d.organisation_id for d in found})
    reads = [_delivery_read(d, names.get(d.organisation_id, "")) for d in found]
    return sorted(reads, key=lambda r: (r.programme, r.organisation))


# --- which programmes are open to a young person -----------------------------------------------


def programmes_for(
    db: Session, actor: Actor, young_person_id: uuid.UUID, *, via: str = "web"
) -> ProgrammesFor:
    """Each catalogue programme for a young person: open or not, why, and who delivers it.

    Needs ``safeguarding.read`` and an organisation involved in the case
    (else NotFound). Judged on the young person's recorded facts as of today
    (UK date). A young person whose date of birth is not recorded cannot be
    judged on age: a programme with an age rule is then not open, its age
    reason saying the date of birth is missing, and ``note`` says what to do;
    the other rules (and programmes without an age rule) are judged as usual.
    The look is audited as a consultation.
    """
    young_person = case_of(db, actor, young_person_id)
    on = uk_date(clock.now())
    providers = _providers(db)
    options = []
    for programme in PROGRAMMES.values():
        judged = judge(programme, young_person, on)
        options.append(
            ProgrammeOption(
                programme_id=programme.id,
                programme=programme.label,
                open=judged.open,
                reasons=judged.reasons,
                providers=providers.get(programme.id, []),
            )
        )
    audit(
        db,
        actor,
        Operation.CONSULTATION,
        young_person,
        "judging which programmes are open to them",
        via=via,
    )
    db.commit()
    return ProgrammesFor(
        young_person_id=young_person.id,
        assessed_on=on,
        date_of_birth_known=young_person.dob is not None,
        note=None if young_person.dob is not None else NO_DATE_OF_BIRTH,
        programmes=options,
    )


def judge(programme: Programme, young_person: YoungPerson, on: date) -> Eligibility:
    """Whether ``programme`` is open to ``young_person`` on ``on``, with its reasons.

    Without a date of birth an age rule cannot be met (an unknown fact meets
    no rule, as in the catalogue) and its reason says so; every other rule is
    judged as usual.
    """
    person = person_of(young_person, on)
    if young_person.dob is not None:
        return eligibility(programme, person)
    checks = [
        _age_unknown(rule) if isinstance(rule, AgeRule) else rule.check(person)
        for rule in programme.rules
    ]
    return Eligibility(open=all(c.met for c in checks), reasons=[c.reason for c in checks])


def person_of(young_person: YoungPerson, on: date) -> Person:
    """The catalogue's :class:`Person` from the young person's recorded facts.

    Without a date of birth ``born_on`` is ``on``: a stand-in that no age
    rule is ever checked against (see :func:`judge`).
    """
    return Person(
        born_on=young_person.dob or on,
        assessed_on=on,
        country=Country(young_person.country) if young_person.country else None,
        force_area=young_person.force_area or None,
        custody=Custody(young_person.custody) if young_person.custody else None,
        education=Education(young_person.education) if young_person.education else None,
        exclusion=Exclusion(young_person.exclusion) if young_person.exclusion else None,
        circumstances=frozenset(Circumstance(c) for c in json.loads(young_person.circumstances)),
        family_problems=frozenset(
            FamilyProblem(p) for p in json.loads(young_person.family_problems)
        ),
    )


def _age_unknown(rule: AgeRule) -> Check:
    return Check(False, f"Date of birth not recorded: cannot check the rule {rule.describe()}")


# --- sending and withdrawing (the case's side) -------------------------------------------------


def refer(
    db: Session, actor: Actor, young_person_id: uuid.UUID, data: ReferralIn, *, via: str = "web"
) -> Referral:
    """Refer a young person to a programme at an organisation that delivers it.

    Needs ``safeguarding.write`` and an organisation involved in the case
    (else NotFound). A young person who does not meet the programme's rules
    is referred only with an ``override_reason``, kept with the referral
    (the case sees it; the provider sees the unmet reasons in its summary).
    An open referral of the same young person to the same programme at the
    same provider is refused. The provider is sent only the shared summary,
    written now; that is audited as a disclosure to the provider.
    """
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    programme = _programme(data.programme_id)
    provider = _delivering(db, programme, data.provider_id)
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("Say why you refer them to this programme.", field="reason")
    judged = judge(programme, young_person, uk_date(clock.now()))
    override = None if judged.open else _clean(data.override_reason)
    if not judged.open and override is None:
        raise InvalidInput(
            f"This young person does not meet the rules of {programme.label} (the reasons are "
            "on their programmes list). Say why you refer them anyway, or choose another "
            "programme.",
            field="override_reason",
        )
    _refuse_open_duplicate(db, young_person.id, programme.id, provider.id)
    now = clock.now()
    referral = Referral(
        id=uuid.uuid4(),
        young_person_id=young_person.id,
        programme_id=programme.id,
        provider_id=provider.id,
        referrer_id=actor.organisation_id,
        state=ReferralState.SENT.value,
        reason=reason,
        shared_summary=shared_summary(young_person, reason, judged).model_dump_json(),
        eligibility=dumps(
            {"open": judged.open, "reasons": judged.reasons, "override_reason": override}
        ),
        sent_at=now,
        sent_by_name=actor.display_name,
        changed_at=now,
    )
    db.add(referral)
    db.flush()
    _history_entry(db, actor, referral, ReferralState.SENT, override)
    summary = f"Referred to {programme.label} at {provider.name}"
    if override is not None:
        summary += f", although the programme's rules are not met: {override}"
    event(
        db,
        actor,
        young_person,
        "referral_sent",
        summary,
        record_type="referral",
        record_id=referral.id,
    )
    audit(
        db,
        actor,
        Operation.DISCLOSURE,
        young_person,
        f"referring them to {programme.label}: the referral summary sent to the provider",
        via=via,
        recipient=provider.name,
        record_type="referral",
        record_id=referral.id,
    )
    commit(db)
    return referral


def shared_summary(young_person: YoungPerson, reason: str, judged: Eligibility) -> SharedSummary:
    """What the provider is told about the young person: nothing beyond these four facts."""
    return SharedSummary(
        name=young_person.name,
        date_of_birth=young_person.dob,
        reason=reason,
        eligibility=list(judged.reasons),
    )


def withdraw(
    db: Session, actor: Actor, referral_id: uuid.UUID, data: StepIn, *, via: str = "web"
) -> Referral:
    """The referring organisation withdraws a referral that is sent, accepted or enrolled.

    Needs ``safeguarding.write``; another organisation on the case may read
    the referral but not withdraw it (Forbidden). Audited as an alteration.
    """
    referral, young_person = _for_case(db, actor, referral_id, Permission.SAFEGUARDING_WRITE)
    if referral.referrer_id != actor.organisation_id:
        raise Forbidden(
            "Only the organisation that made this referral can withdraw it. Ask them to."
        )
    check_version(referral, data.version)
    _step(referral, ReferralState.WITHDRAWN)
    _record_step(db, actor, referral, young_person, ReferralState.WITHDRAWN, _clean(data.note), via)
    commit(db)
    return referral


# --- reading (the case's side) ------------------------------------------------------------------


def referrals_of_cases(
    db: Session, actor: Actor, young_person_id: uuid.UUID | None = None
) -> Sequence[Referral]:
    """The referrals of the young people whose cases the actor's organisation works on.

    Needs ``safeguarding.read``; given ``young_person_id``, that young person's
    only (NotFound if their case is not the organisation's). Latest first.
    """
    actor.require(Permission.SAFEGUARDING_READ)
    query = (
        select(Referral)
        .join(YoungPerson, YoungPerson.id == Referral.young_person_id)
        .where(case_filter(actor))
    )
    if young_person_id is not None:
        case_of(db, actor, young_person_id)
        query = query.where(Referral.young_person_id == young_person_id)
    return db.scalars(query.order_by(Referral.sent_at.desc())).all()


def referral_for_case(
    db: Session, actor: Actor, referral_id: uuid.UUID, *, via: str = "web"
) -> Referral:
    """One referral of a young person whose case the actor's organisation works on.

    Needs ``safeguarding.read``; NotFound otherwise. Audited as a consultation.
    """
    referral, young_person = _for_case(db, actor, referral_id, Permission.SAFEGUARDING_READ)
    audit(
        db,
        actor,
        Operation.CONSULTATION,
        young_person,
        "following up a referral to a programme",
        via=via,
        record_type="referral",
        record_id=referral.id,
    )
    db.commit()
    return referral


def read_for_case(db: Session, referral: Referral) -> ReferralRead:
    """A referral as the organisations on the case see it (the caller has checked and audited)."""
    received = _received_read(db, referral, provider_notes_only=False)
    judged = json.loads(referral.eligibility)
    names = organisation_names(db, {referral.provider_id})
    return ReferralRead(
        **received.model_dump(),
        young_person_id=referral.young_person_id,
        provider_id=referral.provider_id,
        provider=names.get(referral.provider_id, ""),
        eligible_when_sent=bool(judged.get("open")),
        override_reason=judged.get("override_reason"),
    )


# --- the provider's side ------------------------------------------------------------------------


def inbox(
    db: Session, actor: Actor, state: ReferralState | None = None, *, via: str = "web"
) -> Sequence[Referral]:
    """The referrals made to the actor's organisation (in one state, if given), latest first.

    Needs ``referrals.receive``. Each referral listed is audited as a
    consultation: the list shows the young person's name.
    """
    actor.require(Permission.REFERRALS_RECEIVE)
    query = select(Referral).where(Referral.provider_id == actor.organisation_id)
    if state is not None:
        query = query.where(Referral.state == state.value)
    found = db.scalars(query.order_by(Referral.sent_at.desc())).all()
    for referral in found:
        _audit_provider_read(db, actor, referral, "reading the referrals received", via)
    db.commit()
    return found


def received(db: Session, actor: Actor, referral_id: uuid.UUID, *, via: str = "web") -> Referral:
    """One referral made to the actor's organisation; NotFound for any other.

    Needs ``referrals.receive``. Audited as a consultation.
    """
    referral = _for_provider(db, actor, referral_id)
    _audit_provider_read(db, actor, referral, "reading a referral received", via)
    db.commit()
    return referral


def read_received(db: Session, referral: Referral) -> ReceivedReferralRead:
    """A referral as its provider sees it: the summary sent, the steps and its own notes."""
    return _received_read(db, referral, provider_notes_only=True)


def accept(
    db: Session, actor: Actor, referral_id: uuid.UUID, data: StepIn, *, via: str = "web"
) -> Referral:
    """The provider accepts a referral it was sent. Needs ``referrals.receive``."""
    return _provider_step(
        db, actor, referral_id, data.version, ReferralState.ACCEPTED, data.note, via
    )


def decline(
    db: Session, actor: Actor, referral_id: uuid.UUID, data: DeclineIn, *, via: str = "web"
) -> Referral:
    """The provider declines a referral it was sent, saying why (the referrer sees the reason).

    Needs ``referrals.receive``; a reason is required.
    """
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("Say why you decline this referral.", field="reason")
    referral = _for_provider(db, actor, referral_id)
    check_version(referral, data.version)
    _step(referral, ReferralState.DECLINED)
    referral.decision_reason = reason
    young_person = db.get_one(YoungPerson, referral.young_person_id)
    _record_step(db, actor, referral, young_person, ReferralState.DECLINED, reason, via)
    commit(db)
    return referral


def enrol(
    db: Session, actor: Actor, referral_id: uuid.UUID, data: StepIn, *, via: str = "web"
) -> Referral:
    """The provider enrols the young person of an accepted referral. Needs ``referrals.receive``."""
    return _provider_step(
        db, actor, referral_id, data.version, ReferralState.ENROLLED, data.note, via
    )


def complete(
    db: Session, actor: Actor, referral_id: uuid.UUID, data: CompleteIn, *, via: str = "web"
) -> Referral:
    """The provider records how an enrolment ended: an outcome and a note.

    Needs ``referrals.receive``. The outcome is an id of ``referral_outcomes``
    in safeguarding's vocabulary.
    """
    outcomes = VOCABULARY["referral_outcomes"]
    if data.outcome not in outcomes:
        raise InvalidInput(
            "Choose an outcome: " + ", ".join(t.label for t in outcomes.values()) + ".",
            field="outcome",
        )
    referral = _for_provider(db, actor, referral_id)
    check_version(referral, data.version)
    _step(referral, ReferralState.COMPLETED)
    referral.outcome = data.outcome
    referral.outcome_note = _clean(data.note)
    young_person = db.get_one(YoungPerson, referral.young_person_id)
    note = outcomes[data.outcome].label + (
        f": {referral.outcome_note}" if referral.outcome_note else ""
    )
    _record_step(db, actor, referral, young_person, ReferralState.COMPLETED, note, via)
    commit(db)
    return referral


# --- helpers ------------------------------------------------------------------------------------


def _programme(programme_id: str) -> Programme:
    programme = PROGRAMMES.get(programme_id)
    if programme is None:
        raise InvalidInput(
            f"There is no programme '{programme_id[:64]}' in the catalogue. Choose one of: "
            + ", ".join(sorted(PROGRAMMES))
            + ".",
            field="programme_id",
        )
    return programme


def _delivery(
    db: Session, organisation_id: uuid.UUID, programme_id: str
) -> ProgrammeDelivery | None:
    return db.scalar(
        select(ProgrammeDelivery).where(
            ProgrammeDelivery.organisation_id == organisation_id,
            ProgrammeDelivery.programme_id == programme_id,
        )
    )


def _delivering(db: Session, programme: Programme, provider_id: uuid.UUID) -> Organisation:
    provider = db.get(Organisation, provider_id)
    if provider is None or _delivery(db, provider.id, programme.id) is None:
        raise InvalidInput(
            f"Choose an organisation that delivers {programme.label}: the programmes list "
            "names them.",
            field="provider_id",
        )
    return provider


def _providers(db: Session) -> dict[str, list[ProviderOption]]:
    by_programme: dict[str, list[ProviderOption]] = {}
    for delivery in deliveries(db):
        by_programme.setdefault(delivery.programme_id, []).append(
            ProviderOption(
                organisation_id=delivery.organisation_id,
                organisation=delivery.organisation,
                note=delivery.note,
            )
        )
    return by_programme


def _delivery_read(delivery: ProgrammeDelivery, organisation: str) -> DeliveryRead:
    programme = PROGRAMMES.get(delivery.programme_id)
    return DeliveryRead(
        programme_id=delivery.programme_id,
        programme=programme.label if programme else delivery.programme_id,
        organisation_id=delivery.organisation_id,
        organisation=organisation,
        note=delivery.note,
    )


def _audit_delivery(
    db: Session, actor: Actor, delivery: ProgrammeDelivery, why: str, via: str
) -> None:
    record(
        db,
        actor,
        Operation.ALTERATION,
        RecordRef.of("programme_delivery", delivery.id),
        why=f"{actor.organisation_name} {why}",
        owner=actor.organisation_id,
        via=via,
    )


def _refuse_open_duplicate(
    db: Session, young_person_id: uuid.UUID, programme_id: str, provider_id: uuid.UUID
) -> None:
    existing = db.scalar(
        select(Referral.id).where(
            Referral.young_person_id == young_person_id,
            Referral.programme_id == programme_id,
            Referral.provider_id == provider_id,
            Referral.state.in_([s.value for s in OPEN_STATES]),
        )
    )
    if existing is not None:
        raise InvalidInput(
            "This young person already has an open referral to this programme at this "
            "provider. Follow that one up, or withdraw it before referring again.",
            field="programme_id",
        )


def _for_case(
    db: Session, actor: Actor, referral_id: uuid.UUID, permission: Permission
) -> tuple[Referral, YoungPerson]:
    actor.require(permission)
    referral = db.get(Referral, referral_id)
    if referral is None:
        raise NotFound(NO_SUCH_REFERRAL)
    try:
        young_person = case_of(db, actor, referral.young_person_id, permission=permission)
    except NotFound:
        raise NotFound(NO_SUCH_REFERRAL) from None
    return referral, young_person


def _for_provider(db: Session, actor: Actor, referral_id: uuid.UUID) -> Referral:
    actor.require(Permission.REFERRALS_RECEIVE)
    referral = db.get(Referral, referral_id)
    if referral is None or referral.provider_id != actor.organisation_id:
        raise NotFound(NO_SUCH_REFERRAL)
    return referral


def _provider_step(
    db: Session,
    actor: Actor,
    referral_id: uuid.UUID,
    version: int,
    new: ReferralState,
    note: str | None,
    via: str,
) -> Referral:
    referral = _for_provider(db, actor, referral_id)
    check_version(referral, version)
    _step(referral, new)
    young_person = db.get_one(YoungPerson, referral.young_person_id)
    _record_step(db, actor, referral, young_person, new, _clean(note), via)
    commit(db)
    return referral


def _step(referral: Referral, new: ReferralState) -> None:
    current = ReferralState(referral.state)
    if not may_step(current, new):
        raise InvalidInput(
            f"A referral that is {STEP_WORDS[current]} cannot be {STEP_WORDS[new]}. Reload "
            "the page to see where it is now.",
            field="state",
        )
    referral.state = new.value
    referral.changed_at = clock.now()


def _record_step(
    db: Session,
    actor: Actor,
    referral: Referral,
    young_person: YoungPerson,
    new: ReferralState,
    note: str | None,
    via: str,
) -> None:
    """The step's history entry, case timeline entry and audit entry (the caller commits)."""
    _history_entry(db, actor, referral, new, note)
    programme = PROGRAMMES.get(referral.programme_id)
    name = programme.label if programme else referral.programme_id
    summary = f"Referral to {name} {STEP_WORDS[new]} by {actor.organisation_name}"
    event(
        db,
        actor,
        young_person,
        f"referral_{new.value}",
        summary + (f": {note}" if note else ""),
        record_type="referral",
        record_id=referral.id,
    )
    audit(
        db,
        actor,
        Operation.ALTERATION,
        young_person,
        f"referral {STEP_WORDS[new]}",
        via=via,
        record_type="referral",
        record_id=referral.id,
    )


def _history_entry(
    db: Session, actor: Actor, referral: Referral, state: ReferralState, note: str | None
) -> None:
    db.add(
        ReferralEvent(
            id=uuid.uuid4(),
            referral_id=referral.id,
            at=clock.now(),
            state=state.value,
            note=note,
            by_name=actor.display_name,
            by_organisation_id=actor.organisation_id,
        )
    )


def _audit_provider_read(db: Session, actor: Actor, referral: Referral, why: str, via: str) -> None:
    young_person = db.get_one(YoungPerson, referral.young_person_id)
    audit(
        db,
        actor,
        Operation.CONSULTATION,
        young_person,
        why,
        via=via,
        record_type="referral",
        record_id=referral.id,
    )


def _received_read(
    db: Session, referral: Referral, *, provider_notes_only: bool
) -> ReceivedReferralRead:
    """The provider's shape; with ``provider_notes_only`` the referrer's notes stay out."""
    events = sorted(
        db.scalars(select(ReferralEvent).where(ReferralEvent.referral_id == referral.id)),
        # Steps only go forward, so within one instant the state gives the order.
        key=lambda e: (e.at, _ORDER[ReferralState(e.state)]),
    )
    names = organisation_names(db, {referral.referrer_id} | {e.by_organisation_id for e in events})
    programme = PROGRAMMES.get(referral.programme_id)
    return ReceivedReferralRead(
        referral_id=referral.id,
        programme_id=referral.programme_id,
        programme=programme.label if programme else referral.programme_id,
        state=ReferralState(referral.state),
        referrer=names.get(referral.referrer_id, ""),
        sent_at=referral.sent_at,
        sent_by=referral.sent_by_name,
        summary=SharedSummary.model_validate_json(referral.shared_summary),
        decision_reason=referral.decision_reason,
        outcome=referral.outcome,
        outcome_label=label("referral_outcomes", referral.outcome) or None,
        outcome_note=referral.outcome_note,
        history=[
            ReferralEventRead(
                at=e.at,
                state=ReferralState(e.state),
                by=e.by_name,
                organisation=names.get(e.by_organisation_id, ""),
                note=e.note
                if not provider_notes_only or e.by_organisation_id == referral.provider_id
                else None,
            )
            for e in events
        ],
        version=referral.version,
    )


def _clean(text: str | None) -> str | None:
    return text.strip() or None if text else None
