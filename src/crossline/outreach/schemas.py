"""Shapes of feedback in forms and the API."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Satisfaction(StrEnum):
    VERY_SATISFIED = "very_satisfied"
    SATISFIED = "satisfied"
    NEUTRAL = "neutral"
    DISSATISFIED = "dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied"


class FeedbackStatus(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ACTIONED = "actioned"
    NO_ACTION = "no_action"


class FeedbackGive(BaseModel):
    page: str = Field("/", max_length=500)
    satisfaction: Satisfaction | None = None
    comment: str = Field(min_length=1, max_length=2000, title="What you think")


class FeedbackResponse(BaseModel):
    status: FeedbackStatus
    response: str | None = Field(None, max_length=2000)
    version: int


class FeedbackRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    created_at: datetime
    page: str
    satisfaction: str | None
    comment: str
    status: str
    response: str | None
    responded_at: datetime | None
    version: int


# --- anonymous reports (outreach/reports.py) ---------------------------------------------------


class ReportAbout(StrEnum):
    MYSELF = "myself"
    SOMEONE_ELSE = "someone_else"
    A_PLACE = "a_place"


class ReporterAge(StrEnum):
    UNDER_18 = "under_18"
    ADULT = "18_or_over"
    NOT_SAID = "not_said"


class ReportStatus(StrEnum):
    NEW = "new"
    CONCERN_RAISED = "concern_raised"
    PASSED_ON = "passed_on"
    NO_FURTHER_ACTION = "no_further_action"


class ReportIn(BaseModel):
    """An anonymous report, as the public form or a partner's API sends it."""

    district: str = Field(min_length=1, max_length=100, title="Where this is happening")
    about: ReportAbout = Field(title="Who this is about")
    what_happened: str = Field(min_length=1, max_length=5000, title="What is happening")
    where_detail: str | None = Field(None, max_length=1000, title="Where, more exactly")
    signs: list[str] = Field(default_factory=list, max_length=50, title="Signs you have seen")
    reporter_age: ReporterAge = Field(ReporterAge.NOT_SAID, title="Your age")


class ReportOutcome(BaseModel):
    """What the receiving organisation did about a report."""

    status: ReportStatus = Field(title="What was done")
    outcome_note: str | None = Field(None, max_length=2000, title="Note")
    version: int


class ReportRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    received_at: datetime
    district_id: str
    district_name: str
    force_area_id: str | None
    about: str
    what_happened: str
    where_detail: str | None
    signs: list[str]
    reporter_age: str
    status: str
    outcome_note: str | None
    handled_by_name: str | None
    handled_at: datetime | None
    version: int


class ReportReceipt(BaseModel):
    """What the sender is told: that it arrived, and who will read it. Nothing to trace them by."""

    received: bool
    read_by: list[str]
