"""National Referral Mechanism referrals and their decisions (DOMAIN.md §NRM).

Only a first responder organisation refers (§NRM.referrers): here, a user
holding ``nrm.refer`` in an organisation involved in the case that is a local
authority, a police force or the NCA (or a designated charity listed by key). A child
(under 18) needs no consent (§NRM.consent); an adult's consent is required.
The reasonable-grounds (RG) decision is due within 5 working days of referral
(§NRM.rg), or 45 days in a devolved pilot area for a child more than 100
days from their 18th birthday (§NRM.devolved); the threshold applied is
stored by decision date. A positive RG starts the recovery period, whose
length depends on the decision date (§NRM.recovery). The conclusive-grounds
(CG) decision has no target time (§NRM.cg): one still awaited when the
recovery period has ended is surfaced. Decision letters are never handed to
a child (§NRM.decision); Crossline records the decisions, not the letters.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.services import Operation
from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.calendar import uk_date
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound
from crossline.orgs.models import Organisation
from crossline.safeguarding.models import NrmReferral, YoungPerson
from crossline.safeguarding.reference import LIMITS, VOCABULARY, dated, label, working_days_after
from crossline.safeguarding.schemas import CgDecisionIn, NrmReferralIn, RgDecisionIn
from crossline.safeguarding.services.access import audit, case_filter, case_of, commit, event
from crossline.safeguarding.services.young_people import age_on

NO_SUCH_REFERRAL = "There is no such NRM referral in the cases your organisation works on."
# §NRM.referrers: local authorities, police forces and the NCA are first responders in every
# list found; the designated charities are organisations, listed here by key as they join.
FIRST_RESPONDER_KINDS = ("local_authority", "police_force", "national_crime_agency")
FIRST_RESPONDER_ORGANISATIONS: tuple[str, ...] = ()


def refer(
    db: Session, actor: Actor, young_person_id: uuid.UUID, data: NrmReferralIn, *, via: str = "web"
) -> NrmReferral:
    """A first responder's referral; the RG decision falls due from it."""
    young_person = case_of(db, actor, young_person_id, permission=Permission.NRM_REFER)
    organisation = db.get_one(Organisation, actor.organisation_id)
    if (
        organisation.kind not in FIRST_RESPONDER_KINDS
        and organisation.key not in FIRST_RESPONDER_ORGANISATIONS
    ):
        raise InvalidInput(
            "Only a first responder organisation refers to the NRM (DOMAIN.md §NRM.referrers). "
            "Ask the council's children's services or the police in this case to refer.",
            field="summary",
        )
    referred_at = data.referred_at or clock.now()
    if referred_at.tzinfo is None or referred_at > clock.now():
        raise InvalidInput(
            "Give the time of the referral, with its time zone, not in the future.",
            field="referred_at",
        )
    open_referral = db.scalar(
        select(NrmReferral.id).where(
            NrmReferral.young_person_id == young_person.id, NrmReferral.cg_decision.is_(None)
        )
    )
    if open_referral is not None:
        raise InvalidInput(
            "This young person already has an NRM referral awaiting a decision.", field="summary"
        )
    age = age_on(young_person, uk_date(referred_at))
    consent = _consent(age, data.consent)
    route, due = _rg_due(young_person, referred_at, age)
    referral = NrmReferral(
        young_person_id=young_person.id,
        organisation_id=actor.organisation_id,
        referred_at=referred_at,
        referred_by_name=actor.display_name,
        consent=consent,
        summary=data.summary.strip(),
        route=route,
        rg_due=due,
    )
    db.add(referral)
    db.flush()
    event(
        db,
        actor,
        young_person,
        "nrm_referred",
        f"Referred to the NRM by {actor.organisation_name}; consent: "
        f"{label('nrm_consent', consent)}; reasonable-grounds decision due by "
        f"{due:%-d %B %Y}",
        record_type="nrm_referral",
        record_id=referral.id,
    )
    audit(
        db,
        actor,
        Operation.DISCLOSURE,
        young_person,
        "referral to the National Referral Mechanism",
        via=via,
        recipient="Single Competent Authority"
        if route == "single_competent_authority"
        else "devolved decision-making panel",
        record_type="nrm_referral",
        record_id=referral.id,
    )
    commit(db)
    return referral


def reasonable_grounds(
    db: Session, actor: Actor, referral_id: uuid.UUID, data: RgDecisionIn, *, via: str = "web"
) -> NrmReferral:
    """Record the RG decision with the threshold of its date; a positive one starts the
    recovery period (§NRM.rg, §NRM.recovery)."""
    referral, young_person = _referral(db, actor, referral_id)
    check_version(referral, data.version)
    if data.decision not in VOCABULARY["nrm_rg_decisions"]:
        raise InvalidInput("Choose the decision.", field="decision")
    if referral.rg_decision is not None:
        raise InvalidInput("The reasonable-grounds decision is already recorded.", field="decision")
    _decision_date(data.decided_on, uk_date(referral.referred_at))
    threshold = dated(LIMITS.nrm_thresholds, data.decided_on)
    referral.rg_decision = data.decision
    referral.rg_decided_on = data.decided_on
    referral.rg_threshold = threshold.id
    if data.decision == "positive":
        recovery = dated(LIMITS.nrm_recovery, data.decided_on)
        assert recovery.days is not None
        referral.recovery_until = data.decided_on + timedelta(days=recovery.days)
    event(
        db,
        actor,
        young_person,
        "nrm_rg",
        f"Reasonable-grounds decision: {label('nrm_rg_decisions', data.decision)} on "
        f"{data.decided_on:%-d %B %Y} (threshold: {threshold.label})"
        + (
            f"; recovery period to {referral.recovery_until:%-d %B %Y}"
            if referral.recovery_until
            else ""
        ),
        record_type="nrm_referral",
        record_id=referral.id,
    )
    audit(db, actor, Operation.ALTERATION, young_person, "recording an NRM decision", via=via)
    commit(db)
    return referral


def conclusive_grounds(
    db: Session, actor: Actor, referral_id: uuid.UUID, data: CgDecisionIn, *, via: str = "web"
) -> NrmReferral:
    """Record the CG decision, which follows a positive RG decision (§NRM.cg)."""
    referral, young_person = _referral(db, actor, referral_id)
    check_version(referral, data.version)
    if data.decision not in VOCABULARY["nrm_cg_decisions"]:
        raise InvalidInput("Choose the decision.", field="decision")
    if referral.rg_decision != "positive" or referral.rg_decided_on is None:
        raise InvalidInput(
            "A conclusive-grounds decision follows a positive reasonable-grounds decision.",
            field="decision",
        )
    if referral.cg_decision is not None:
        raise InvalidInput("The conclusive-grounds decision is already recorded.", field="decision")
    _decision_date(data.decided_on, referral.rg_decided_on)
    referral.cg_decision = data.decision
    referral.cg_decided_on = data.decided_on
    event(
        db,
        actor,
        young_person,
        "nrm_cg",
        f"Conclusive-grounds decision: {label('nrm_cg_decisions', data.decision)} on "
        f"{data.decided_on:%-d %B %Y}",
        record_type="nrm_referral",
        record_id=referral.id,
    )
    audit(db, actor, Operation.ALTERATION, young_person, "recording an NRM decision", via=via)
    commit(db)
    return referral


def referrals_of(db: Session, young_person: YoungPerson) -> Sequence[NrmReferral]:
    return db.scalars(
        select(NrmReferral)
        .where(NrmReferral.young_person_id == young_person.id)
        .order_by(NrmReferral.referred_at.desc())
    ).all()


def get_referral(
    db: Session, actor: Actor, referral_id: uuid.UUID
) -> tuple[NrmReferral, YoungPerson]:
    return _referral(db, actor, referral_id, write=False)


def overdue_decisions(
    db: Session, actor: Actor, *, at: datetime | None = None
) -> list[tuple[NrmReferral, str]]:
    """Referrals whose RG decision is past due, or whose CG decision is still awaited after
    the recovery period (plus the configured days), each with what is awaited."""
    actor.require(Permission.SAFEGUARDING_READ)
    moment = at or clock.now()
    today = uk_date(moment)
    waiting = LIMITS.nrm_conclusive_grounds.days_after_recovery or 0
    found: list[tuple[NrmReferral, str]] = []
    for referral in db.scalars(
        select(NrmReferral)
        .join(YoungPerson, YoungPerson.id == NrmReferral.young_person_id)
        .where(case_filter(actor), NrmReferral.cg_decision.is_(None))
        .order_by(NrmReferral.referred_at)
    ):
        if referral.rg_decision is None and referral.rg_due < moment:
            found.append((referral, "reasonable-grounds decision"))
        elif (
            referral.rg_decision == "positive"
            and referral.recovery_until is not None
            and referral.recovery_until + timedelta(days=waiting) < today
        ):
            found.append((referral, "conclusive-grounds decision"))
    return found


def _consent(age: int | None, consent: str | None) -> str:
    """§NRM.consent: a child need not consent; an adult must."""
    if age is not None and age < 18:
        return "not_needed_child"
    if age is None and consent is None:
        return "not_needed_child"  # age unknown: treated as a child (§CCE, possible victim first)
    if consent != "given":
        raise InvalidInput(
            "An adult must consent to an NRM referral. Without consent, notify the Home "
            "Office anonymously on form MS1 instead (§NRM.notify).",
            field="consent",
        )
    return consent


def _rg_due(
    young_person: YoungPerson, referred_at: datetime, age: int | None
) -> tuple[str, datetime]:
    """§NRM.rg: 5 working days; §NRM.devolved: 45 days for a child in a pilot area who is
    more than 100 days from their 18th birthday."""
    pilot = LIMITS.nrm_devolved_pilot
    if (
        young_person.force_area in pilot.force_areas
        and young_person.dob is not None
        and age is not None
        and age < 18
        and pilot.days is not None
        and pilot.days_before_eighteen is not None
    ):
        born = young_person.dob
        eighteenth = (
            born.replace(year=born.year + 18)
            if not (born.month == 2 and born.day == 29)
            else date(born.year + 18, 3, 1)
        )
        if (eighteenth - uk_date(referred_at)).days > pilot.days_before_eighteen:
            return "devolved_pilot", referred_at + timedelta(days=pilot.days)
    assert LIMITS.nrm_reasonable_grounds.working_days is not None
    due = working_days_after(
        referred_at, LIMITS.nrm_reasonable_grounds.working_days, field="referred_at"
    )
    return "single_competent_authority", due


def _decision_date(decided_on: date, not_before: date) -> None:
    if decided_on < not_before or decided_on > clock.now().date():
        raise InvalidInput(
            "The decision date must be after the step before it and not in the future.",
            field="decided_on",
        )


def _referral(
    db: Session, actor: Actor, referral_id: uuid.UUID, *, write: bool = True
) -> tuple[NrmReferral, YoungPerson]:
    referral = db.get(NrmReferral, referral_id)
    if referral is None:
        raise NotFound(NO_SUCH_REFERRAL)
    permission = Permission.NRM_REFER if write else Permission.SAFEGUARDING_READ
    try:
        young_person = case_of(db, actor, referral.young_person_id, permission=permission)
    except NotFound:
        raise NotFound(NO_SUCH_REFERRAL) from None
    return referral, young_person
