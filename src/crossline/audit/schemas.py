"""Shapes of the audit log in the API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict


class AuditEntryRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    at: datetime
    operation: str
    user_id: uuid.UUID | None
    user_name: str | None
    organisation_id: uuid.UUID | None
    organisation_name: str | None
    justification: str | None
    record_type: str
    record_id: str
    record_owner_id: uuid.UUID | None
    recipient: str | None
    via: str


class AuditPage(BaseModel):
    entries: list[AuditEntryRead]
    page: int
    pages: int
    total: int
