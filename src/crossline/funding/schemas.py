"""Shapes of funds, bids, scores and monitoring returns in forms and the API."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class BidStatus(StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    AWARDED = "awarded"
    DECLINED = "declined"


class ServiceStatus(StrEnum):
    """Where a grant's naming of a service stands with the service's provider."""

    REQUESTED = "requested"  # named by the bid's lead, waiting for the provider
    CONFIRMED = "confirmed"  # the provider agrees: its referrals count as the bid's outcomes
    REFUSED = "refused"  # the provider does not: nothing of it counts


class FundIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, title="Name")
    budget: int = Field(gt=0, title="Budget in pounds")
    cap_per_bid: int = Field(gt=0, title="Most a bid may ask for, in pounds")
    years: int = Field(ge=1, le=10, title="Years of funding")
    opens_on: date = Field(title="Opening date")
    closes_on: date = Field(title="Closing date")


class FundRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    budget: int
    cap_per_bid: int
    years: int
    opens_on: date
    closes_on: date
    version: int


class FundSummary(BaseModel):
    """A fund and where its money stands."""

    fund: FundRead
    owner: str
    awarded: int
    remaining: int
    bids: dict[str, int]  # status -> count
    young_people_reached: int  # from accepted monitoring returns
    payable: int  # grants whose year's return is accepted: paid in arrears


class BidIn(BaseModel):
    title: str = Field(min_length=1, max_length=200, title="Project title")
    summary: str = Field(min_length=1, max_length=10000, title="What the project will do")
    partners: str = Field(min_length=1, max_length=4000, title="Partners")
    amount_requested: int = Field(gt=0, title="Amount requested in pounds")
    consortium_reason: str | None = Field(None, max_length=4000, title="Why more than the cap")
    match_funding: int = Field(ge=0, title="Match funding in pounds")
    age_from: int = Field(ge=0, le=30, title="Youngest age reached")
    age_to: int = Field(ge=0, le=30, title="Oldest age reached")
    young_people_planned: int = Field(gt=0, title="Young people the project will reach")


class BidRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    fund_id: uuid.UUID
    lead_id: uuid.UUID
    lead: str = ""
    title: str
    summary: str
    partners: list[str]
    amount_requested: int
    per_year: int
    consortium_reason: str | None
    match_funding: int
    age_from: int
    age_to: int
    young_people_planned: int
    status: str
    submitted_at: datetime | None
    amount_awarded: int | None
    decision_reason: str | None
    decided_at: datetime | None
    decided_by_name: str | None
    panel_score: float | None  # 0-100, the mean of the assessors' weighted scores
    assessors: int
    version: int


class ScoreIn(BaseModel):
    """One assessor's scores of a bid: criterion id -> score, and an optional comment each."""

    scores: dict[str, int]
    comments: dict[str, str] = Field(default_factory=dict)


class ScoreRead(BaseModel):
    criterion: str
    label: str
    score: int
    comment: str | None
    assessor_name: str


class DecisionIn(BaseModel):
    award: bool = Field(title="The decision")
    amount: int | None = Field(None, gt=0, title="Amount awarded in pounds")
    reason: str | None = Field(None, max_length=4000, title="Reason")
    version: int


class ReturnIn(BaseModel):
    year: int = Field(ge=1, title="Year of the grant")
    spend: int = Field(ge=0, title="Grant spent in pounds")
    match_spend: int = Field(ge=0, title="Match funding spent in pounds")
    young_people_reached: int = Field(ge=0, title="Young people reached")
    of_them_under_18: int = Field(ge=0, title="Of them, under 18")
    narrative: str = Field(min_length=1, max_length=10000, title="What happened")


class ReturnRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    bid_id: uuid.UUID
    year: int
    spend: int
    match_spend: int
    young_people_reached: int
    of_them_under_18: int
    narrative: str
    submitted_by_name: str
    accepted_at: datetime | None
    accepted_by_name: str | None
    version: int


class FundedServiceIn(BaseModel):
    """A service the grant pays for: an organisation and the catalogue programme it delivers."""

    organisation_id: uuid.UUID = Field(title="Organisation")
    programme_id: str = Field(min_length=1, max_length=64, title="Programme")


class FundedServiceRead(BaseModel):
    id: uuid.UUID
    organisation_id: uuid.UUID
    organisation: str
    programme_id: str
    programme: str
    added_by_name: str
    created_at: datetime
    status: ServiceStatus
    decided_by_name: str | None  # who at the provider confirmed or refused it
    decided_at: datetime | None
    refusal_reason: str | None


class ServiceRequestRead(FundedServiceRead):
    """A grant naming one of the provider's services, as the provider's administrator
    sees it: which fund and bid, and who leads it; nothing else of the bid."""

    bid_id: uuid.UUID
    bid_title: str
    fund: str
    lead: str


class ServiceDecisionIn(BaseModel):
    """The provider's answer: confirm that the grant pays for the service, or refuse."""

    confirm: bool = Field(title="The answer")
    reason: str | None = Field(None, max_length=4000, title="Why the service is refused")


class ServiceOption(BaseModel):
    """A service in Crossline a grant may pay for."""

    organisation_id: uuid.UUID
    organisation: str
    programme_id: str
    programme: str


class GrantYear(BaseModel):
    year: int
    starts_on: date
    ends_on: date  # the last day of the year
    begun: bool


class OutcomeRow(BaseModel):
    stage: str
    label: str
    total_row: bool  # every referral made; the other rows divide it
    counts: list[int | None]  # one per grant year; null: withheld
    total: int | None


class OutcomesRead(BaseModel):
    """Referrals made to the services a bid pays for, in each year of its grant, by where
    each stands now; every count under the fund's disclosure policy."""

    disclosure: str
    withheld_as: None = None  # a withheld count is null
    services: list[FundedServiceRead]
    years: list[GrantYear]
    rows: list[OutcomeRow]


class FundOutcomesRead(BaseModel):
    """The fund's outcomes rolled up from referrals: every awarded grant's services over its
    grant years; each row's ``total`` the count (``counts`` is empty), null when withheld."""

    disclosure: str
    withheld_as: None = None
    grants: int  # awarded
    grants_with_services: int  # of them, with at least one service its provider confirmed
    rows: list[OutcomeRow]


class AppointIn(BaseModel):
    user_id: uuid.UUID = Field(title="Assessor")


class PanelMemberRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    user_name: str
    appointed_by_name: str
    created_at: datetime


class ConflictIn(BaseModel):
    reason: str = Field(min_length=1, max_length=4000, title="The conflict of interest")


class ConflictRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    user_id: uuid.UUID
    user_name: str
    reason: str
    created_at: datetime
