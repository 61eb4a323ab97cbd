"""Legal summaries: a young person's exploitation evidence for their legal representative.

A safeguarding practitioner (``safeguarding.write``) in an organisation involved
in the case releases the summary to a user holding the ``legal_representative``
role, named by the email address they sign in with. The release is a
disclosure in the audit log with the representative as its recipient, and an
entry in the case's timeline. The representative (``legal_summary.read``)
then reads that summary, on a page, through the API or as a PDF, and nothing
else: no other young person, no case record, no other representative's
release (DESIGN.md, "Security and data protection"). Each of their reads and
downloads is a consultation in the audit log. Withdrawing a release stops
their access at once.

The summary holds the young person's name and date of birth, their NRM
referrals and decisions with the reasonable-grounds threshold applied
(DOMAIN.md §NRM.rg), screenings, roles on lines, concerns and missing
episodes, and the law a defence needs in plain words (§S45). NRM decision
letters are never handed to a child (§NRM.decision): the summary is for the
representative, and says so on every page.

Errors: Forbidden without the permission; NotFound for a case or a release
that is not the actor's to see (whether or not it exists); InvalidInput for a
recipient who is not a legal representative, in words that name no one.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.analytics.models import Finding
from crossline.audit.services import Operation
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotFound
from crossline.lines.models import Line
from crossline.orgs.reference import FORCES
from crossline.orgs.services import organisation_names
from crossline.safeguarding.legal_document import (
    ConcernEntry,
    LawPoint,
    LegalSummary,
    LineRoleEntry,
    MissingEntry,
    NrmDecision,
    NrmEntry,
    ScreeningEntry,
    summary_pdf,
)
from crossline.safeguarding.models import (
    Concern,
    LegalRelease,
    MissingEpisode,
    NrmReferral,
    Screening,
    YoungPerson,
)
from crossline.safeguarding.reference import INDICATOR, LIMITS, is_indicator, label
from crossline.safeguarding.schemas import ReleaseIn
from crossline.safeguarding.services.access import audit, case_of, commit, event
from crossline.safeguarding.services.young_people import age_on

__all__ = [
    "LAW",
    "Client",
    "LegalSummary",
    "ReleaseRow",
    "client_release",
    "my_clients",
    "release",
    "release_row",
    "released_summary",
    "released_summary_pdf",
    "releases_of",
    "summary",
    "summary_pdf_of",
    "withdraw",
]

_Record = TypeVar("_Record", NrmReferral, Screening, Concern, MissingEpisode)
LEGAL_REPRESENTATIVE = "legal_representative"  # auth/data/roles.yaml
NO_SUCH_RELEASE = "There is no such legal summary released to you."
NO_SUCH_CASE_RELEASE = "There is no such release in the cases your organisation works on."
NOT_A_REPRESENTATIVE = (
    "No legal representative in Crossline signs in with that email address. Check the "
    "address with the representative, or ask their practice's administrator to give them "
    "the legal representative role."
)

# DOMAIN.md §S45 and §NRM.decision, in plain words; each point carries the confidence
# DOMAIN.md gives it. This is a digest of the sources, not legal advice.
LAW: tuple[LawPoint, ...] = (
    LawPoint(
        "The s.45 defence for a child (Modern Slavery Act 2015 s.45(4))",
        "In force since 31 July 2015. A person under 18 at the time of the act is not guilty "
        "of an offence when both of two limbs hold: (a) the act was a direct result of their "
        "being, or having been, a victim of slavery or relevant exploitation; and (b) a "
        "reasonable person in the same situation, sharing their relevant characteristics "
        "(age, sex, any physical or mental illness or disability), would do that act. For a "
        "child there is no compulsion limb and no 'no realistic alternative' limb: those "
        "belong to the adult defence (s.45(1)), for a person aged 18 or over at the time of "
        "the act. Age is judged at the time of the act, not today. (Confirmed.)",
        "legislation.gov.uk/ukpga/2015/30/section/45/enacted; College of Policing, "
        "section 45 statutory defence (DOMAIN.md §S45.child)",
    ),
    LawPoint(
        "Drug supply is not a Schedule 4 exclusion",
        "The defence does not apply to the offences listed in Schedule 4 (s.45(7)), among "
        "them murder, manslaughter, kidnapping, false imprisonment, threats to kill, "
        "wounding with intent and robbery. Drug supply is not excluded: s.45 has been raised "
        "against conspiracy to supply Class A drugs, by an adult in MK [2018] EWCA Crim 667 "
        "and by a 17-year-old in R v Brecani [2021] EWCA Crim 731 (confirmed). That Schedule "
        "4 lists no Misuse of Drugs Act 1971 offence is an inference from the Schedule "
        "(probable, not confirmed): check the Schedule in force for the offence charged.",
        "legislation.gov.uk/ukpga/2015/30/schedule/4; [2018] EWCA Crim 667; [2021] EWCA Crim "
        "731 (DOMAIN.md §S45.schedule4)",
    ),
    LawPoint(
        "The burden of proof, and NRM decisions at trial",
        "The defendant carries only an evidential burden; the prosecution must then disprove "
        "an element of the defence to the criminal standard (MK & Gega [2018] EWCA Crim 667; "
        "probable). A conclusive-grounds decision of the Single Competent Authority is "
        "inadmissible as expert evidence in a criminal trial (R v Brecani [2021] EWCA Crim "
        "731; confirmed): the NRM decisions in this summary inform the defence and the "
        "prosecutor's review, they do not prove exploitation at trial.",
        "[2018] EWCA Crim 667; [2021] EWCA Crim 731 (DOMAIN.md §S45.burden)",
    ),
    LawPoint(
        "What the prosecutor should do",
        "Prosecutors make proper inquiries when a suspect may be a victim and ask "
        "investigators to consider a referral to the National Referral Mechanism, which "
        "should always be made unless there is clear evidence the suspect is not a victim, "
        "even if a guilty plea is indicated; a charge on the threshold test may come before "
        "the NRM decision (confirmed). As reported, CPS policy sees a strong public interest "
        "in stopping the prosecution of a child who may have been trafficked and criminally "
        "exploited.",
        "CPS legal guidance, modern slavery, human trafficking and smuggling (DOMAIN.md §S45.cps)",
    ),
    LawPoint(
        "This summary is not for the child",
        "NRM decision letters are never handed to a child: they go to the child's "
        "representative or to the local authority. This summary, which records those "
        "decisions, is for the legal representative and must not be given to the child.",
        "DOMAIN.md §NRM.decision",
    ),
)


@dataclass(frozen=True)
class ReleaseRow:
    """A release of a young person's summary, as the practitioners of the case see it."""

    id: uuid.UUID
    young_person_id: uuid.UUID
    representative: str  # name and practice
    released_at: datetime
    released_by: str  # name and organisation
    reason: str
    withdrawn_at: datetime | None

    @property
    def is_active(self) -> bool:
        return self.withdrawn_at is None


@dataclass(frozen=True)
class Client:
    """A young person whose summary is released to the representative asking."""

    release_id: uuid.UUID
    name: str
    dob: date | None
    released_at: datetime
    released_by: str  # name and organisation


# --- releasing ---------------------------------------------------------------------------------


def release(
    db: Session, actor: Actor, young_person_id: uuid.UUID, data: ReleaseIn, *, via: str = "web"
) -> LegalRelease:
    """Release the young person's summary to their legal representative.

    Needs ``safeguarding.write`` in an organisation involved in the case. The
    recipient must be an active user with the legal representative role, and
    not already hold a release of this summary. Audited as a disclosure to
    the representative; added to the case's timeline.
    """
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    representative = _representative(db, data.representative_email)
    if _active_release(db, young_person.id, representative.id) is not None:
        raise InvalidInput(
            "The summary is already released to this representative. They can read it now.",
            field="representative_email",
        )
    reason = data.reason.strip()
    if not reason:
        raise InvalidInput("Say why you release the summary.", field="reason")
    released = LegalRelease(
        young_person_id=young_person.id,
        organisation_id=actor.organisation_id,
        representative_id=representative.id,
        released_at=clock.now(),
        released_by_name=actor.display_name,
        reason=reason,
    )
    db.add(released)
    db.flush()
    recipient = _representative_name(db, representative)
    event(
        db,
        actor,
        young_person,
        "legal_summary_released",
        f"Exploitation summary released to {recipient} (legal representative): {reason}",
        record_type="legal_release",
        record_id=released.id,
    )
    audit(
        db,
        actor,
        Operation.DISCLOSURE,
        young_person,
        f"exploitation summary released to the young person's legal representative: {reason}",
        via=via,
        recipient=f"{recipient} (legal representative)",
        record_type="legal_release",
        record_id=released.id,
    )
    commit(db)
    return released


def withdraw(db: Session, actor: Actor, release_id: uuid.UUID, *, via: str = "web") -> LegalRelease:
    """Withdraw a release: the representative loses access at once. Audited and added
    to the case's timeline. Needs ``safeguarding.write`` in an organisation involved in
    the case; a release already withdrawn is refused."""
    released = db.get(LegalRelease, release_id)
    if released is None:
        raise NotFound(NO_SUCH_CASE_RELEASE)
    try:
        young_person = case_of(
            db, actor, released.young_person_id, permission=Permission.SAFEGUARDING_WRITE
        )
    except NotFound:
        raise NotFound(NO_SUCH_CASE_RELEASE) from None
    if released.withdrawn_at is not None:
        raise InvalidInput(
            f"This release was withdrawn on {released.withdrawn_at:%-d %B %Y}.", field="form"
        )
    released.withdrawn_at = clock.now()
    representative = db.get(User, released.representative_id)
    recipient = _representative_name(db, representative) if representative else "a representative"
    event(
        db,
        actor,
        young_person,
        "legal_summary_withdrawn",
        f"Release of the exploitation summary to {recipient} withdrawn",
        record_type="legal_release",
        record_id=released.id,
    )
    audit(
        db,
        actor,
        Operation.ALTERATION,
        young_person,
        "withdrawing the release of the exploitation summary to a legal representative",
        via=via,
        record_type="legal_release",
        record_id=released.id,
    )
    commit(db)
    return released


def releases_of(db: Session, actor: Actor, young_person_id: uuid.UUID) -> list[ReleaseRow]:
    """Every release of the young person's summary, newest first (``safeguarding.read``)."""
    young_person = case_of(db, actor, young_person_id)
    found = db.scalars(
        select(LegalRelease)
        .where(LegalRelease.young_person_id == young_person.id)
        .order_by(LegalRelease.released_at.desc())
    ).all()
    return [release_row(db, r) for r in found]


def release_row(db: Session, released: LegalRelease) -> ReleaseRow:
    """A release as the case's practitioners see it."""
    representative = db.get(User, released.representative_id)
    names = organisation_names(db, {released.organisation_id})
    return ReleaseRow(
        id=released.id,
        young_person_id=released.young_person_id,
        representative=_representative_name(db, representative) if representative else "",
        released_at=released.released_at,
        released_by=f"{released.released_by_name}, {names.get(released.organisation_id, '')}",
        reason=released.reason,
        withdrawn_at=released.withdrawn_at,
    )


# --- the representative's view -----------------------------------------------------------------


def my_clients(db: Session, actor: Actor) -> list[Client]:
    """The young people whose summaries are released to the actor and not withdrawn."""
    actor.require(Permission.LEGAL_SUMMARY_READ)
    rows = db.execute(
        select(LegalRelease, YoungPerson)
        .join(YoungPerson, YoungPerson.id == LegalRelease.young_person_id)
        .where(
            LegalRelease.representative_id == actor.user_id,
            LegalRelease.withdrawn_at.is_(None),
        )
        .order_by(LegalRelease.released_at.desc())
    ).all()
    names = organisation_names(db, {r.organisation_id for r, _ in rows})
    return [
        Client(
            release_id=r.id,
            name=young_person.name,
            dob=young_person.dob,
            released_at=r.released_at,
            released_by=f"{r.released_by_name}, {names.get(r.organisation_id, '')}",
        )
        for r, young_person in rows
    ]


def client_release(db: Session, actor: Actor, release_id: uuid.UUID) -> LegalRelease:
    """A release to the actor that is not withdrawn; anything else is NotFound."""
    actor.require(Permission.LEGAL_SUMMARY_READ)
    released = db.get(LegalRelease, release_id)
    if (
        released is None
        or released.representative_id != actor.user_id
        or released.withdrawn_at is not None
    ):
        raise NotFound(NO_SUCH_RELEASE)
    return released


def released_summary(
    db: Session, actor: Actor, release_id: uuid.UUID, *, via: str = "web"
) -> LegalSummary:
    """The summary of a release to the actor, to read. Audited as a consultation."""
    released = client_release(db, actor, release_id)
    return _read(
        db,
        actor,
        released,
        "legal representative reading the exploitation summary released to them",
        via=via,
    )


def released_summary_pdf(
    db: Session, actor: Actor, release_id: uuid.UUID, *, via: str = "web"
) -> tuple[str, bytes]:
    """The file name and PDF of a release to the actor. Audited as a consultation."""
    released = client_release(db, actor, release_id)
    content = _read(
        db,
        actor,
        released,
        "legal representative downloading the exploitation summary released to them",
        via=via,
    )
    return _file_name(content), summary_pdf(content)


# --- the summary -------------------------------------------------------------------------------


def summary(
    db: Session, actor: Actor, young_person_id: uuid.UUID, *, via: str = "web"
) -> LegalSummary:
    """The young person's summary, for a representative it is released to, or for a
    practitioner of the case checking it before release. Audited as a consultation.

    Anyone else: Forbidden without either permission, NotFound otherwise.
    """
    if actor.can(Permission.LEGAL_SUMMARY_READ):
        found = db.scalar(
            select(LegalRelease.id).where(
                LegalRelease.young_person_id == young_person_id,
                LegalRelease.representative_id == actor.user_id,
                LegalRelease.withdrawn_at.is_(None),
            )
        )
        if found is not None:
            return released_summary(db, actor, found, via=via)
        if not actor.can(Permission.SAFEGUARDING_READ):
            raise NotFound(NO_SUCH_RELEASE)
    young_person = case_of(db, actor, young_person_id)
    audit(
        db,
        actor,
        Operation.CONSULTATION,
        young_person,
        "checking the legal summary of a young person before release",
        via=via,
    )
    content = _summary(db, young_person)
    db.commit()
    return content


def summary_pdf_of(
    db: Session, actor: Actor, young_person_id: uuid.UUID, *, via: str = "web"
) -> tuple[str, bytes]:
    """The file name and PDF of :func:`summary` (same access, same audit)."""
    content = summary(db, actor, young_person_id, via=via)
    return _file_name(content), summary_pdf(content)


def _read(db: Session, actor: Actor, released: LegalRelease, why: str, *, via: str) -> LegalSummary:
    young_person = db.get(YoungPerson, released.young_person_id)
    if young_person is None:
        raise NotFound(NO_SUCH_RELEASE)
    audit(db, actor, Operation.CONSULTATION, young_person, why, via=via)
    names = organisation_names(db, {released.organisation_id})
    content = _summary(
        db,
        young_person,
        released_to=f"{actor.display_name}, {actor.organisation_name}",
        released_by=f"{released.released_by_name}, {names.get(released.organisation_id, '')}",
        released_on=released.released_at.date(),
    )
    db.commit()
    return content


def _summary(
    db: Session,
    young_person: YoungPerson,
    *,
    released_to: str | None = None,
    released_by: str | None = None,
    released_on: date | None = None,
) -> LegalSummary:
    now = clock.now()
    referrals = _records(db, NrmReferral, young_person, "referred_at")
    screenings = _records(db, Screening, young_person, "screened_at")
    concerns = _records(db, Concern, young_person, "raised_at")
    episodes = _records(db, MissingEpisode, young_person, "reported_at")
    names = organisation_names(
        db,
        {young_person.owner_id}
        | {r.organisation_id for r in referrals}
        | {s.organisation_id for s in screenings}
        | {c.organisation_id for c in concerns},
    )
    return LegalSummary(
        young_person_id=young_person.id,
        reference=young_person.reference,
        name=young_person.name,
        dob=young_person.dob,
        age=age_on(young_person, now.date()),
        phone_number=young_person.phone_number,
        case_owner=names.get(young_person.owner_id, ""),
        prepared_at=now,
        nrm_status=_nrm_status(referrals),
        nrm=tuple(_nrm_entry(r, names) for r in referrals),
        screenings=tuple(_screening_entry(s, names) for s in screenings),
        line_roles=tuple(_line_roles(db, concerns)),
        concerns=tuple(_concern_entry(c, names) for c in concerns),
        missing=tuple(_missing_entry(m) for m in episodes),
        law=LAW,
        released_to=released_to,
        released_by=released_by,
        released_on=released_on,
    )


def _records(
    db: Session, model: type[_Record], young_person: YoungPerson, order: str
) -> Sequence[_Record]:
    """The young person's records of one kind, oldest first."""
    return db.scalars(
        select(model)
        .where(model.young_person_id == young_person.id)
        .order_by(getattr(model, order))
    ).all()


def _nrm_status(referrals: Sequence[NrmReferral]) -> str:
    """Where the latest referral stands (§NRM.rg, §NRM.cg)."""
    if not referrals:
        return "Not referred to the National Referral Mechanism."
    latest = referrals[-1]
    if latest.cg_decision is not None and latest.cg_decided_on is not None:
        return (
            f"Conclusive-grounds decision on {latest.cg_decided_on:%-d %B %Y}: "
            f"{label('nrm_cg_decisions', latest.cg_decision)}."
        )
    if latest.rg_decision == "positive":
        return "Positive reasonable-grounds decision; the conclusive-grounds decision is awaited."
    if latest.rg_decision is not None:
        return f"Reasonable-grounds decision: {label('nrm_rg_decisions', latest.rg_decision)}."
    return "Referred; the reasonable-grounds decision is awaited."


def _nrm_entry(referral: NrmReferral, names: dict[uuid.UUID, str]) -> NrmEntry:
    decisions: list[NrmDecision] = []
    if referral.rg_decision and referral.rg_decided_on:
        decisions.append(
            NrmDecision(
                "Reasonable grounds",
                label("nrm_rg_decisions", referral.rg_decision),
                referral.rg_decided_on,
                _threshold(referral.rg_threshold),
            )
        )
    if referral.cg_decision and referral.cg_decided_on:
        decisions.append(
            NrmDecision(
                "Conclusive grounds",
                label("nrm_cg_decisions", referral.cg_decision),
                referral.cg_decided_on,
                None,
            )
        )
    return NrmEntry(
        referred_on=referral.referred_at.date(),
        referred_by=names.get(referral.organisation_id, ""),
        route="Single Competent Authority"
        if referral.route == "single_competent_authority"
        else "devolved decision-making panel",
        consent=label("nrm_consent", referral.consent),
        rg_due=referral.rg_due.date(),
        decisions=tuple(decisions),
        recovery_until=referral.recovery_until,
        reconsideration_asked_on=referral.reconsideration_asked_on,
    )


def _threshold(threshold_id: str | None) -> str | None:
    """The label of the RG threshold version stored with a decision (§NRM.rg)."""
    if threshold_id is None:
        return None
    for version in LIMITS.nrm_thresholds:
        if version.id == threshold_id:
            return version.label or threshold_id
    return threshold_id


def _screening_entry(screening: Screening, names: dict[uuid.UUID, str]) -> ScreeningEntry:
    present = sorted(i for i, a in json.loads(screening.answers).items() if a["present"])
    known = [i for i in present if i in INDICATOR]
    return ScreeningEntry(
        screened_on=screening.screened_at.date(),
        organisation=names.get(screening.organisation_id, ""),
        result="Indicators of exploitation found"
        if screening.result == "indicators_found"
        else "No indicator of exploitation found",
        indicators=tuple(f"{INDICATOR[i].label} ({i})" for i in known if is_indicator(i)),
        vulnerability_factors=tuple(
            f"{INDICATOR[i].label} ({i})" for i in known if not is_indicator(i)
        ),
    )


def _line_roles(db: Session, concerns: Sequence[Concern]) -> list[LineRoleEntry]:
    """The roles analysis found: role, the line's reference, dates and areas. Never the
    line's numbers or anyone else on it (DESIGN.md: the representative sees only the
    child's own evidence)."""
    roles: list[LineRoleEntry] = []
    for concern in concerns:
        if concern.source not in ("analysis", "register") or (
            concern.finding_id is None and concern.line_id is None
        ):
            continue
        finding = db.get(Finding, concern.finding_id) if concern.finding_id else None
        detail = json.loads(finding.detail) if finding else {}
        line = db.get(Line, concern.line_id) if concern.line_id else None
        journeys = detail.get("journeys")
        role = detail.get("role") or _role_on(db, line, concern)
        roles.append(
            LineRoleEntry(
                role=str(role or "role not recorded").capitalize(),
                line=line.reference if line else "Found by analysis; not in the line register",
                identified_on=concern.raised_at.date(),
                hub_area=_area(line.hub_area if line else None),
                county_area=_area(line.county_area if line else None),
                journeys=journeys if isinstance(journeys, int) else None,
            )
        )
    return roles


def _role_on(db: Session, line: Line | None, concern: Concern) -> str | None:
    """The child's role on a register line, as the line now holds it (a concern an analyst
    raised by recording them on it), found by the young person's phone number."""
    young_person = db.get(YoungPerson, concern.young_person_id)
    if line is None or young_person is None or not young_person.phone_number:
        return None
    return next((p.role for p in line.people if p.number == young_person.phone_number), None)


def _area(force_id: str | None) -> str | None:
    if force_id is None:
        return None
    force = FORCES.get(force_id)
    return (force.area_name or force.name) if force else force_id


def _concern_entry(concern: Concern, names: dict[uuid.UUID, str]) -> ConcernEntry:
    return ConcernEntry(
        raised_on=concern.raised_at.date(),
        organisation=names.get(concern.organisation_id, ""),
        source=label("concern_sources", concern.source),
        summary=concern.summary,
        triage=label("triage_decisions", concern.triage_decision)
        if concern.triage_decision
        else "Not yet triaged",
        triaged_on=concern.triaged_at.date() if concern.triaged_at else None,
    )


def _missing_entry(episode: MissingEpisode) -> MissingEntry:
    return MissingEntry(
        reported_on=episode.reported_at.date(),
        risk=label("missing_risk", episode.risk),
        found_on=episode.found_at.date() if episode.found_at else None,
        found_where=episode.found_where,
        return_interview=label("rhi_outcomes", episode.rhi_outcome)
        if episode.rhi_outcome
        else "Not recorded",
    )


# --- helpers -----------------------------------------------------------------------------------


def _representative(db: Session, email: str) -> User:
    """The active user with the legal representative role who signs in with ``email``.

    One message for every failure, so the form does not tell who has an account.
    """
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active or LEGAL_REPRESENTATIVE not in user.roles:
        raise InvalidInput(NOT_A_REPRESENTATIVE, field="representative_email")
    return user


def _representative_name(db: Session, user: User) -> str:
    practice = organisation_names(db, {user.organisation_id}).get(user.organisation_id, "")
    return f"{user.display_name}, {practice}" if practice else user.display_name


def _active_release(
    db: Session, young_person_id: uuid.UUID, representative_id: uuid.UUID
) -> LegalRelease | None:
    return db.scalar(
        select(LegalRelease).where(
            LegalRelease.young_person_id == young_person_id,
            LegalRelease.representative_id == representative_id,
            LegalRelease.withdrawn_at.is_(None),
        )
    )


def _file_name(content: LegalSummary) -> str:
    return f"legal-summary-{content.reference}.pdf"
