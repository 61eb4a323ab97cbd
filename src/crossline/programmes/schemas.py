"""Shapes of deliveries and referrals in the API: separate ones to write and to read.

A referral is read in two shapes: :class:`ReferralRead` for the organisations
working on the young person's case, and :class:`ReceivedReferralRead` for the
provider, which holds only the summary it was sent (never the case).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

# --- states -------------------------------------------------------------------------------------


class ReferralState(StrEnum):
    """Where a referral is: sent, then accepted or declined; enrolled, completed; or withdrawn."""

    SENT = "sent"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


# --- input --------------------------------------------------------------------------------------


class DeliveryIn(BaseModel):
    """An organisation says it runs a catalogue programme and takes referrals to it."""

    programme_id: str = Field(min_length=1, max_length=64, title="Programme")
    note: str | None = Field(None, max_length=2000, title="Where, for whom, how to refer")


class ReferralIn(BaseModel):
    """A safeguarding practitioner refers a young person to a programme at a provider."""

    young_person_id: uuid.UUID = Field(title="Young person")
    programme_id: str = Field(min_length=1, max_length=64, title="Programme")
    provider_id: uuid.UUID = Field(title="Provider")
    reason: str = Field(min_length=1, max_length=5000, title="Why you refer them")
    # Needed when the young person does not meet the programme's rules; recorded with the step.
    override_reason: str | None = Field(
        None, max_length=5000, title="Why refer although the rules are not met"
    )


class StepIn(BaseModel):
    """Accept, enrol or withdraw a referral: the version seen, and an optional note."""

    version: int
    note: str | None = Field(None, max_length=5000, title="Note")


class DeclineIn(BaseModel):
    version: int
    reason: str = Field(min_length=1, max_length=5000, title="Why the referral is declined")


class CompleteIn(BaseModel):
    version: int
    outcome: str = Field(min_length=1, max_length=32, title="Outcome")  # referral_outcomes id
    note: str | None = Field(None, max_length=5000, title="Note on the outcome")


# --- output -------------------------------------------------------------------------------------


class DeliveryRead(BaseModel):
    programme_id: str
    programme: str  # the programme's label
    organisation_id: uuid.UUID
    organisation: str
    note: str | None


class ProviderOption(BaseModel):
    """An organisation that delivers a programme, to refer to."""

    organisation_id: uuid.UUID
    organisation: str
    note: str | None


class ProgrammeOption(BaseModel):
    """One catalogue programme for one young person: open or not, why, and who delivers it."""

    programme_id: str
    programme: str
    open: bool
    reasons: list[str]
    providers: list[ProviderOption]


class ProgrammesFor(BaseModel):
    """Every catalogue programme judged for a young person, as of ``assessed_on``."""

    young_person_id: uuid.UUID
    assessed_on: date
    date_of_birth_known: bool
    note: str | None  # what could not be judged, and what to do
    programmes: list[ProgrammeOption]


class SharedSummary(BaseModel):
    """What the provider is told about the young person: this and nothing else."""

    name: str
    date_of_birth: date | None
    reason: str  # why the referrer sends them
    eligibility: list[str]  # the programme's rules, met or not, in plain English


class ReferralEventRead(BaseModel):
    at: datetime
    state: ReferralState
    by: str
    organisation: str
    note: str | None


class ReceivedReferralRead(BaseModel):
    """A referral as its provider sees it: the summary sent, and the steps taken."""

    referral_id: uuid.UUID
    programme_id: str
    programme: str
    state: ReferralState
    referrer: str  # the referring organisation, to contact
    sent_at: datetime
    sent_by: str
    summary: SharedSummary
    decision_reason: str | None
    outcome: str | None
    outcome_label: str | None
    outcome_note: str | None
    history: list[ReferralEventRead]
    version: int


class ReferralRead(ReceivedReferralRead):
    """A referral as the organisations working on the case see it."""

    young_person_id: uuid.UUID
    provider_id: uuid.UUID
    provider: str
    eligible_when_sent: bool
    override_reason: str | None  # why referred although the rules were not met
