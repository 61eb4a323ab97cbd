"""Shapes of organisations and areas in the API."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict


class OrganisationRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    name: str
    kind: str
    area_id: str | None
    contact_name: str | None
    contact_email: str | None


class AreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    code: str | None
    name: str
    country: str
    force_area_id: str | None
    vintage: str
