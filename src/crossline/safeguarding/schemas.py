"""Shapes of safeguarding records in the API: separate ones to write and to read."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from crossline.people.schemas import Decision

# --- input ------------------------------------------------------------------------------------


class YoungPersonIn(BaseModel):
    """A young person as a practitioner records them; every fact may be unknown."""

    first_name: str | None = Field(None, max_length=200, title="First name")
    surname: str | None = Field(None, max_length=200, title="Surname")
    dob: date | None = Field(None, title="Date of birth")
    gender: str | None = Field(None, max_length=32, title="Gender")
    postcode: str | None = Field(None, max_length=16, title="Postcode")
    description: str | None = Field(None, max_length=2000, title="Who this is, if no name")
    phone_number: str | None = Field(None, max_length=40, title="Phone number")
    country: str | None = Field(None, title="Country they live in")  # catalogue Country
    force_area: str | None = Field(None, title="Police force area")  # forces.yaml id
    education: str | None = Field(None, title="Education")  # catalogue Education
    exclusion: str | None = Field(None, title="Exclusion")  # catalogue Exclusion
    custody: str | None = Field(None, title="Custody")  # catalogue Custody
    circumstances: list[str] = Field(default_factory=list, title="Circumstances")
    family_problems: list[str] = Field(default_factory=list, title="Family problems")


class YoungPersonChange(YoungPersonIn):
    version: int


class CaseMemberIn(BaseModel):
    organisation_id: uuid.UUID = Field(title="Organisation")
    reason: str = Field(min_length=1, max_length=2000, title="Why they join the case")


class ConcernIn(BaseModel):
    source: str = Field("practitioner", title="Where the concern comes from")
    summary: str = Field(min_length=1, max_length=20_000, title="What the concern is")
    indicators: list[str] = Field(default_factory=list, title="Indicators seen")
    line_id: uuid.UUID | None = None
    source_ref: str | None = Field(None, max_length=100)
    raised_at: datetime | None = None  # default: now


class TriageIn(BaseModel):
    decision: str = Field(title="Decision")  # a triage_decisions id
    note: str = Field(min_length=1, max_length=20_000, title="Reasons")
    version: int


class ScreeningAnswer(BaseModel):
    present: bool
    note: str | None = Field(None, max_length=2000)


class ScreeningIn(BaseModel):
    answers: dict[str, ScreeningAnswer] = Field(title="Indicators")  # by indicator id
    note: str | None = Field(None, max_length=20_000, title="Notes")


class MissingIn(BaseModel):
    reported_at: datetime = Field(title="When reported missing")
    reported_by: str = Field(min_length=1, max_length=200, title="Reported by")
    risk: str = Field("medium", title="Risk")  # a missing_risk id
    source_ref: str | None = Field(None, max_length=100)


class FoundIn(BaseModel):
    found_at: datetime = Field(title="When found or returned")
    found_where: str = Field(min_length=1, max_length=200, title="Where")
    found_by: str = Field(min_length=1, max_length=200, title="Found by")
    found_force_area: str | None = Field(None, title="Police force area")  # forces.yaml id
    found_lat: float | None = Field(None, ge=-90, le=90)
    found_lon: float | None = Field(None, ge=-180, le=180)
    version: int


class RegradeIn(BaseModel):
    risk: str = Field(title="Risk")
    reason: str = Field(min_length=1, max_length=2000, title="Why")
    version: int


class InterviewIn(BaseModel):
    outcome: str = Field(title="Outcome")  # an rhi_outcomes id
    done_at: datetime | None = Field(None, title="When")
    by: str = Field(min_length=1, max_length=200, title="Interviewer")
    note: str | None = Field(None, max_length=20_000, title="What was learned")
    version: int


class StrategyMeetingIn(BaseModel):
    held_on: date = Field(title="Date of the meeting")
    attendees: str = Field(min_length=1, max_length=2_000, title="Who took part")
    outcome: str = Field(min_length=1, max_length=20_000, title="What was decided")


class NrmReferralIn(BaseModel):
    summary: str = Field(min_length=1, max_length=20_000, title="Why you believe they are a victim")
    consent: str | None = Field(None, title="Consent")  # nrm_consent id; a child needs none
    referred_at: datetime | None = None


class RgDecisionIn(BaseModel):
    decision: str = Field(title="Decision")  # nrm_rg_decisions id
    decided_on: date = Field(title="Date of the decision")
    version: int


class CgDecisionIn(BaseModel):
    decision: str = Field(title="Decision")  # nrm_cg_decisions id
    decided_on: date = Field(title="Date of the decision")
    version: int


class PlanIn(BaseModel):
    establishment: str = Field(min_length=1, max_length=200, title="Establishment")
    officer: str = Field(min_length=1, max_length=200, title="Dedicated officer")
    started_on: date = Field(title="Start date")
    goals: str = Field(min_length=1, max_length=20_000, title="Goals")
    review_every_days: int | None = Field(None, ge=1, le=365, title="Review every (days)")


class AceIn(BaseModel):
    screened_on: date = Field(title="Date")
    contact: str = Field(min_length=1, max_length=2000, title="The police contact")
    experiences: list[str] = Field(default_factory=list, title="Experiences")
    refer: bool = Field(False, title="Refer to the vulnerability front door")
    review_every_days: int | None = Field(None, ge=1, le=365)


class ReviewIn(BaseModel):
    reviewed_on: date = Field(title="Date of review")
    note: str = Field(min_length=1, max_length=20_000, title="What the review found")
    end: bool = Field(False, title="End the plan")


class OtherRecordDecisionIn(BaseModel):
    """Whether another record of a young person is of the same child; ``different`` and
    ``unsure`` need a note saying why."""

    decision: Decision = Field(title="Decision")
    note: str | None = Field(None, max_length=2000, title="Why")


class ReleaseIn(BaseModel):
    representative_email: str = Field(min_length=3, max_length=320, title="Representative")
    reason: str = Field(min_length=1, max_length=2000, title="Why you release it")


# --- output -----------------------------------------------------------------------------------


class YoungPersonRead(BaseModel):
    id: uuid.UUID
    reference: str
    name: str
    first_name: str | None
    surname: str | None
    dob: date | None
    gender: str | None
    postcode: str | None
    description: str | None
    phone_number: str | None
    country: str | None
    force_area: str | None
    education: str | None
    exclusion: str | None
    custody: str | None
    circumstances: list[str]
    family_problems: list[str]
    owner: str
    version: int


# --- school-police partnerships (services/partnerships.py) ------------------------------------


class PartnershipIn(BaseModel):
    """A partnership as one side starts it: ``partner_id`` is the other organisation (a
    police force when you are a school, a school when you are a force)."""

    partner_id: uuid.UUID = Field(title="The other organisation")
    officer_name: str = Field(min_length=1, max_length=200, title="The partnership officer's name")
    officer_email: str = Field(
        min_length=1, max_length=320, title="The partnership officer's email address"
    )
    officer_phone: str | None = Field(
        None, max_length=40, title="The partnership officer's phone number"
    )
    started_on: date = Field(title="Start date")
    agreement: str = Field(min_length=1, max_length=2000, title="What the partnership covers")


class PartnershipEndIn(BaseModel):
    ended_on: date = Field(title="End date")
    version: int


class PartnershipActivityIn(BaseModel):
    """Something done with a group; never about a named child. ``pupils_reached`` is
    checked by the service (0 or more), so its message is the service's."""

    held_on: date = Field(title="Date")
    kind: str = Field(title="Kind of activity")  # a vocabulary partnership_activities id
    topic: str = Field(min_length=1, max_length=200, title="Topic")
    pupils_reached: int | None = Field(None, title="Pupils reached")
    notes: str | None = Field(None, max_length=20_000, title="Notes")


class PartnershipActivityRead(BaseModel):
    id: uuid.UUID
    held_on: date
    kind: str
    kind_label: str
    topic: str
    pupils_reached: int | None
    notes: str | None
    recorded_by: str
    recorded_at: datetime


class PartnershipRead(BaseModel):
    id: uuid.UUID
    school_id: uuid.UUID
    school: str
    force_id: uuid.UUID
    force: str
    officer_name: str
    officer_email: str
    officer_phone: str | None
    started_on: date
    ended_on: date | None
    is_current: bool
    agreement: str
    created_by: str
    created_at: datetime
    changed_by: str
    changed_at: datetime
    version: int
    activities: list[PartnershipActivityRead]


class PoliceContactRead(BaseModel):
    """A school's police contact: the officer of a current school-police partnership."""

    partnership_id: uuid.UUID
    school: str
    force: str
    officer_name: str
    officer_email: str
    officer_phone: str | None
