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
