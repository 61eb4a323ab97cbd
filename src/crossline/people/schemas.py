"""Shapes of person records, matches and alerts in the API: separate ones to write and to read."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field

from crossline.orgs.schemas import AlertContactRead
from crossline.people.models import PersonMatch, PersonRecord


class Decision(StrEnum):
    """What a person decided about a possible match; remembered and reused by later linkage."""

    SAME = "same"
    DIFFERENT = "different"
    UNSURE = "unsure"


DECISION_LABELS = {
    Decision.SAME: "The same person",
    Decision.DIFFERENT: "Different people",
    Decision.UNSURE: "Unsure",
}


# --- input ------------------------------------------------------------------------------------


class PersonRecordIn(BaseModel):
    """A person as the organisation recorded them. Any field but the reference may be empty."""

    reference: str = Field(min_length=1, max_length=100, title="Your reference")
    first_name: str | None = Field(None, max_length=200, title="First name")
    surname: str | None = Field(None, max_length=200, title="Surname")
    dob: date | None = Field(None, title="Date of birth")
    postcode: str | None = Field(None, max_length=16, title="Postcode")
    gender: str | None = Field(None, max_length=32, title="Gender")
    phone_numbers: list[str] = Field(default_factory=list, max_length=20, title="Phone numbers")


class PersonRecordChange(PersonRecordIn):
    version: int = Field(title="The version you read")


class PersonImport(BaseModel):
    """Records to add or bring up to date, matched on the organisation's own reference."""

    records: list[PersonRecordIn] = Field(min_length=1, max_length=10_000)


class DecisionIn(BaseModel):
    decision: Decision
    note: str | None = Field(None, max_length=2000)
    version: int = Field(title="The version you read")


# --- output -----------------------------------------------------------------------------------


class PersonRecordRead(BaseModel):
    record_id: uuid.UUID
    reference: str
    first_name: str | None
    surname: str | None
    dob: date | None
    postcode: str | None
    gender: str | None
    phone_numbers: list[str]
    organisation: str
    created_at: datetime
    created_by: str
    changed_at: datetime
    version: int

    @classmethod
    def of(cls, record: PersonRecord, organisation: str) -> PersonRecordRead:
        return cls(
            record_id=record.id,
            reference=record.reference,
            first_name=record.first_name,
            surname=record.surname,
            dob=record.dob,
            postcode=record.postcode,
            gender=record.gender,
            phone_numbers=json.loads(record.phone_numbers),
            organisation=organisation,
            created_at=record.created_at,
            created_by=record.created_by_name,
            changed_at=record.changed_at,
            version=record.version,
        )


class PersonRecordSummary(BaseModel):
    record_id: uuid.UUID
    reference: str
    name: str
    dob: date | None
    url: str


class ImportResult(BaseModel):
    added: int
    updated: int
    unchanged: int
    errors: dict[str, str]  # "records[3].dob": what is wrong; nothing is saved when any


class ContributionRead(BaseModel):
    """What one field added to the match weight (log2 of a likelihood ratio), and why."""

    field: str
    level: str
    match_weight: float


class PersonAlertRead(BaseModel):
    """Another organisation may hold the same person: who to contact, nothing of their record."""

    alert_id: uuid.UUID
    record_id: uuid.UUID
    record_reference: str
    other_organisation: str
    contact: AlertContactRead
    match_probability: float
    raised_at: datetime
    decision: Decision | None
    decided_at: datetime | None


class PersonMatchRead(BaseModel):
    """A possible match with both records and the evidence, for those who may decide it."""

    match_id: uuid.UUID
    across_organisations: bool
    records: list[PersonRecordRead]
    match_probability: float
    match_weight: float
    prior_match_weight: float
    contributions: list[ContributionRead]
    scored_at: datetime
    decision: Decision | None
    note: str | None
    decided_by: str | None
    decided_at: datetime | None
    version: int

    @classmethod
    def of(cls, match: PersonMatch, records: list[PersonRecordRead]) -> PersonMatchRead:
        return cls(
            match_id=match.id,
            across_organisations=match.across_organisations,
            records=records,
            match_probability=match.match_probability,
            match_weight=match.match_weight,
            prior_match_weight=match.prior_match_weight,
            contributions=[ContributionRead(**c) for c in json.loads(match.contributions)],
            scored_at=match.scored_at,
            decision=Decision(match.decision) if match.decision else None,
            note=match.note,
            decided_by=match.decided_by_name,
            decided_at=match.decided_at,
            version=match.version,
        )


class LinkageRunRead(BaseModel):
    """What one linkage of every organisation's records found."""

    records: int
    fields: list[str]
    pairs_scored: int
    matches: int  # pairs at or above the threshold
    new_matches: int
    new_alerts: int  # new matches between organisations, each alerted to both
    skipped_reason: str | None  # why no linkage ran (too few records)
