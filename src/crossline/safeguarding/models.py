"""Young people, and everything done to protect them: concerns, screenings, missing
episodes, NRM referrals, Custody Support Plans, ACE screenings and legal summaries.

A **young person** record belongs to one safeguarding organisation (its
*owner*); other organisations working with the child join the case as
**members** and then see it too (DESIGN.md, "Security and data protection":
safeguarding records are visible to safeguarding roles of the organisations
involved in the case). Every record below belongs to one young person and
names the organisation that made it. Every step is a :class:`CaseEvent`, the
case view's timeline.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from crossline.core import clock
from crossline.core.database import Base, HasCreated, HasId, Versioned


class YoungPerson(HasId, HasCreated, Versioned, Base):
    """A child or young person a safeguarding organisation is working to protect.

    Known facts only: every field but the reference may be empty, because a
    concern raised by analysis starts from a phone number on a line, with no
    name (``description`` then says who this is).
    """

    __tablename__ = "young_people"
    __table_args__ = (
        UniqueConstraint("owner_id", "reference", name="uq_young_people_owner_reference"),
    )

    owner_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))  # YP-2026-0001, per owner
    first_name: Mapped[str | None] = mapped_column(String(200))
    surname: Mapped[str | None] = mapped_column(String(200))
    dob: Mapped[date | None]
    gender: Mapped[str | None] = mapped_column(String(32))
    postcode: Mapped[str | None] = mapped_column(String(16))
    description: Mapped[str | None] = mapped_column(Text)  # who, when there is no name
    phone_number: Mapped[str | None] = mapped_column(String(32), index=True)  # E.164
    # Facts programmes' eligibility is judged on (programmes.catalogue.Person).
    country: Mapped[str | None] = mapped_column(String(32))
    force_area: Mapped[str | None] = mapped_column(String(100))  # orgs/data/forces.yaml id
    education: Mapped[str | None] = mapped_column(String(32))
    exclusion: Mapped[str | None] = mapped_column(String(32))
    custody: Mapped[str | None] = mapped_column(String(32))
    circumstances: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of ids
    family_problems: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of ids
    source_ref: Mapped[str | None] = mapped_column(String(100), index=True)  # imported from
    created_by_name: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)

    @property
    def name(self) -> str:
        named = " ".join(part for part in (self.first_name, self.surname) if part)
        return named or self.description or "Name not known"

    @property
    def url(self) -> str:
        return f"/safeguarding/young-people/{self.id}"


class CaseMember(HasId, HasCreated, Base):
    """Another organisation working with the young person, which therefore sees the case."""

    __tablename__ = "case_members"
    __table_args__ = (
        UniqueConstraint(
            "young_person_id", "organisation_id", name="uq_case_members_person_organisation"
        ),
    )

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    reason: Mapped[str] = mapped_column(Text)
    added_by_name: Mapped[str] = mapped_column(String(200))


class YoungPersonLink(HasId, HasCreated, Base):
    """A police person record that linkage says may be this young person."""

    __tablename__ = "young_person_links"
    __table_args__ = (
        UniqueConstraint("young_person_id", "person_record_id", name="uq_young_person_links"),
    )

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    person_record_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("person_records.id"), index=True
    )
    probability: Mapped[float]


class Concern(HasId, HasCreated, Versioned, Base):
    """A worry about a young person, from analysis, a practitioner, a school, a hospital,
    custody, an exclusion or a missing episode, and its triage."""

    __tablename__ = "concerns"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )  # who raised it and triages it
    source: Mapped[str] = mapped_column(String(32))  # a reference.ConcernSource
    summary: Mapped[str] = mapped_column(Text)
    indicators: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of indicator ids
    line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    finding_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("analysis_findings.id"))
    source_ref: Mapped[str | None] = mapped_column(String(100), index=True)  # agency record id
    raised_at: Mapped[datetime]
    raised_by_name: Mapped[str] = mapped_column(String(200))
    triage_due: Mapped[datetime]
    triaged_at: Mapped[datetime | None]
    triaged_by_name: Mapped[str | None] = mapped_column(String(200))
    triage_decision: Mapped[str | None] = mapped_column(String(32))  # a reference id
    triage_note: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16), default="open")  # open | triaged | closed


class Screening(HasId, HasCreated, Base):
    """One exploitation screening: each indicator present or not, where the answer came
    from, and the result with its reasons (DOMAIN.md §INDICATORS, §CCE)."""

    __tablename__ = "screenings"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    screened_at: Mapped[datetime]
    screened_by_name: Mapped[str] = mapped_column(String(200))
    answers: Mapped[str] = mapped_column(Text)  # JSON {indicator id: {present, source, note}}
    result: Mapped[str] = mapped_column(String(32))  # indicators_found | none_found
    reasons: Mapped[str] = mapped_column(Text)  # JSON list of sentences
    note: Mapped[str | None] = mapped_column(Text)


class MissingEpisode(HasId, HasCreated, Versioned, Base):
    """A young person reported missing, found, and their return-home interview
    (DOMAIN.md §MISSING)."""

    __tablename__ = "missing_episodes"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    reported_at: Mapped[datetime]
    reported_by: Mapped[str] = mapped_column(String(200))
    risk: Mapped[str] = mapped_column(String(16))  # §MISSING.risk grade
    found_at: Mapped[datetime | None]
    found_where: Mapped[str | None] = mapped_column(String(200))
    found_force_area: Mapped[str | None] = mapped_column(String(100))  # forces.yaml id
    found_lat: Mapped[float | None]
    found_lon: Mapped[float | None]
    found_by: Mapped[str | None] = mapped_column(String(200))
    rhi_due: Mapped[datetime | None]  # §MISSING.rhi: 72 hours after return
    rhi_done_at: Mapped[datetime | None]
    rhi_by: Mapped[str | None] = mapped_column(String(200))
    rhi_outcome: Mapped[str | None] = mapped_column(String(32))  # completed | declined
    rhi_note: Mapped[str | None] = mapped_column(Text)
    line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("lines.id"), index=True)
    source_ref: Mapped[str | None] = mapped_column(String(100), index=True)
    recorded_by_name: Mapped[str] = mapped_column(String(200))
    # Philomena protocol Part 2 (DOMAIN.md §MISSING.philomena), given with the report or
    # while the episode is open: what they were wearing, where and when last seen.
    clothing: Mapped[str | None] = mapped_column(Text)
    last_seen: Mapped[str | None] = mapped_column(Text)


class NrmReferral(HasId, HasCreated, Versioned, Base):
    """A first responder's referral to the National Referral Mechanism and the
    decisions on it (DOMAIN.md §NRM)."""

    __tablename__ = "nrm_referrals"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )  # the first responder organisation
    referred_at: Mapped[datetime]
    referred_by_name: Mapped[str] = mapped_column(String(200))
    consent: Mapped[str] = mapped_column(String(32))  # not_needed_child | given | ...
    summary: Mapped[str] = mapped_column(Text)
    route: Mapped[str] = mapped_column(String(32))  # single_competent_authority | devolved_pilot
    rg_due: Mapped[datetime]
    rg_decision: Mapped[str | None] = mapped_column(String(16))  # positive | negative
    rg_decided_on: Mapped[date | None]
    rg_threshold: Mapped[str | None] = mapped_column(String(32))  # §NRM.rg version applied
    recovery_until: Mapped[date | None]  # §NRM.recovery
    cg_decision: Mapped[str | None] = mapped_column(String(32))
    cg_decided_on: Mapped[date | None]
    reconsideration_asked_on: Mapped[date | None]


class CustodySupportPlan(HasId, HasCreated, Versioned, Base):
    """A plan for a young person in custody, with its reviews (DOMAIN.md §PROG.csp)."""

    __tablename__ = "custody_support_plans"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    establishment: Mapped[str] = mapped_column(String(200))
    officer: Mapped[str] = mapped_column(String(200))
    started_on: Mapped[date]
    goals: Mapped[str] = mapped_column(Text)
    review_every_days: Mapped[int]
    next_review_on: Mapped[date]
    ended_on: Mapped[date | None]
    created_by_name: Mapped[str] = mapped_column(String(200))


class AceScreening(HasId, HasCreated, Versioned, Base):
    """Adverse childhood experiences found at a police contact (DOMAIN.md
    §PROG.eat-wales), with reviews and a referral to the front door."""

    __tablename__ = "ace_screenings"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    screened_on: Mapped[date]
    contact: Mapped[str] = mapped_column(Text)  # the police contact it was done at
    experiences: Mapped[str] = mapped_column(Text, default="[]")  # JSON list of aces.yaml ids
    review_every_days: Mapped[int]
    next_review_on: Mapped[date]
    referred_to: Mapped[str | None] = mapped_column(String(64))  # a programme id
    created_by_name: Mapped[str] = mapped_column(String(200))


class PlanReview(HasId, HasCreated, Base):
    """A review of a Custody Support Plan or an ACE screening."""

    __tablename__ = "plan_reviews"

    plan_kind: Mapped[str] = mapped_column(String(32))  # custody_support_plan | ace_screening
    plan_id: Mapped[uuid.UUID] = mapped_column(Uuid(), index=True)
    reviewed_on: Mapped[date]
    reviewed_by_name: Mapped[str] = mapped_column(String(200))
    note: Mapped[str] = mapped_column(Text)
    next_review_on: Mapped[date | None]


class LegalRelease(HasId, HasCreated, Base):
    """A young person's exploitation summary released to their legal representative
    by a safeguarding practitioner; the representative sees nothing else."""

    __tablename__ = "legal_releases"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    representative_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("users.id"), index=True)
    released_at: Mapped[datetime]
    released_by_name: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    withdrawn_at: Mapped[datetime | None]


class CaseEvent(HasId, Base):
    """One thing that happened in a young person's case: the case view's timeline."""

    __tablename__ = "case_events"

    young_person_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    organisation_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("organisations.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(48))
    summary: Mapped[str] = mapped_column(Text)
    by_name: Mapped[str] = mapped_column(String(200))
    record_type: Mapped[str | None] = mapped_column(String(32))
    record_id: Mapped[uuid.UUID | None] = mapped_column(Uuid())
    line_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("lines.id"))


class YoungPersonMatch(HasId, HasCreated, Base):
    """Two young person records that linkage says may be the same child: both in one
    organisation (a possible duplicate) or in two (deconfliction between organisations).

    Stored once per pair, ``young_person_a_id`` the smaller id. ``probability`` is
    from the latest linkage that scored the pair; ``decision`` (a people
    ``Decision``, None until a practitioner who may read both records decides)
    survives every later linkage, as a person match's does.
    """

    __tablename__ = "young_person_matches"
    __table_args__ = (
        UniqueConstraint("young_person_a_id", "young_person_b_id", name="uq_young_person_matches"),
    )

    young_person_a_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    young_person_b_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("young_people.id"), index=True
    )
    probability: Mapped[float]
    decision: Mapped[str | None] = mapped_column(String(16))  # a Decision; None: undecided
    note: Mapped[str | None] = mapped_column(Text)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(Uuid(), ForeignKey("users.id"))
    decided_by_name: Mapped[str | None] = mapped_column(String(200))
    decided_at: Mapped[datetime | None]


class SchoolPartnership(HasId, HasCreated, Versioned, Base):
    """A school and a police force working together (DOMAIN.md §PROG.ssp), with the
    force's named partnership officer: the school's police contact.

    Holds staff contact details and what the partnership covers, never anything about
    a child. Current while ``ended_on`` is empty or still to come; a school and a force
    have at most one current partnership (``services/partnerships.py`` checks it).
    """

    __tablename__ = "school_partnerships"

    school_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )  # an organisation of kind school
    force_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )  # an organisation of kind police_force
    officer_name: Mapped[str] = mapped_column(String(200))
    officer_email: Mapped[str] = mapped_column(String(320))
    officer_phone: Mapped[str | None] = mapped_column(String(40))
    started_on: Mapped[date]
    ended_on: Mapped[date | None]
    agreement: Mapped[str] = mapped_column(Text)  # what the partnership covers
    created_by_name: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime] = mapped_column(default=clock.now)
    changed_by_name: Mapped[str] = mapped_column(String(200))

    @property
    def url(self) -> str:
        return f"/safeguarding/partnerships/{self.id}"

    def is_current(self, on: date) -> bool:
        """True on ``on`` unless the partnership has ended by then (``ended_on`` is the
        day it stopped)."""
        return self.ended_on is None or self.ended_on > on


class PartnershipActivity(HasId, HasCreated, Base):
    """Something a school-police partnership did with a group (an assembly, a lesson, a
    drop-in...): never about a named child."""

    __tablename__ = "partnership_activities"
    __table_args__ = (CheckConstraint("pupils_reached >= 0", name="pupils_reached_not_negative"),)

    partnership_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("school_partnerships.id"), index=True
    )
    held_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(32))  # a vocabulary partnership_activities id
    topic: Mapped[str] = mapped_column(String(200))
    pupils_reached: Mapped[int | None]
    notes: Mapped[str | None] = mapped_column(Text)
    recorded_by_name: Mapped[str] = mapped_column(String(200))


class PhilomenaProfile(HasId, HasCreated, Versioned, Base):
    """Philomena protocol Part 1 (DOMAIN.md §MISSING.philomena): what carers record in
    advance about a child at risk of going missing, for the police if they are reported
    missing.

    One current profile per young person; it belongs to the child's case, not to a
    placement, so it moves with the child (the organisation now caring for them
    updates it). ``organisation_id`` is the organisation that last recorded it, its
    holder. Every field is free text; no photograph is held. Police outside the case
    see it only while the child is missing (``services/philomena.py``).
    """

    __tablename__ = "philomena_profiles"
    __table_args__ = (
        UniqueConstraint("young_person_id", name="uq_philomena_profiles_young_person_id"),
    )

    young_person_id: Mapped[uuid.UUID] = mapped_column(Uuid(), ForeignKey("young_people.id"))
    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    description: Mapped[str] = mapped_column(Text)  # appearance, build, marks, how they speak
    associates: Mapped[str | None] = mapped_column(Text)  # friends, family, people of concern
    places: Mapped[str | None] = mapped_column(Text)  # places they may go
    phone_identifiers: Mapped[str | None] = mapped_column(Text)  # numbers and handsets
    past_episodes: Mapped[str | None] = mapped_column(Text)  # where found before
    vulnerabilities: Mapped[str | None] = mapped_column(Text)
    medical: Mapped[str | None] = mapped_column(Text)  # conditions, medication
    financial: Mapped[str | None] = mapped_column(Text)  # bank cards, accounts
    social_media: Mapped[str | None] = mapped_column(Text)  # accounts and names used
    transport: Mapped[str | None] = mapped_column(Text)  # travel passes, routes used
    updated_at: Mapped[datetime] = mapped_column(default=clock.now)
    updated_by_name: Mapped[str] = mapped_column(String(200))


class AgencyImportRecord(HasId, Base):
    """One agency file imported (safeguarding/importing.py): who, when, what it gave, and
    each row set aside. Counts and reasons only: never a row's values, which are personal
    data the file itself still holds."""

    __tablename__ = "agency_imports"

    organisation_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("organisations.id"), index=True
    )
    kind: Mapped[str] = mapped_column(String(16))  # importing.KINDS
    file_name: Mapped[str] = mapped_column(String(300))
    imported_at: Mapped[datetime]
    imported_by_name: Mapped[str] = mapped_column(String(200))
    via: Mapped[str] = mapped_column(String(8))  # cli | web | api
    rows: Mapped[int]
    imported: Mapped[int]
    already: Mapped[int]  # imported before: nothing added
    young_people_added: Mapped[int]
    concerns_raised: Mapped[int]
    skipped: Mapped[str] = mapped_column(Text, default="{}")  # JSON: reason -> count
    quarantined: Mapped[int]


class AgencyQuarantinedRow(HasId, Base):
    """A row of an agency file set aside: its line and why, not its values."""

    __tablename__ = "agency_quarantined_rows"

    import_id: Mapped[uuid.UUID] = mapped_column(
        Uuid(), ForeignKey("agency_imports.id"), index=True
    )
    line: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
