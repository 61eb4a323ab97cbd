"""Shapes of organisations, their contact officers and areas in the API and forms."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field


class OrganisationRead(BaseModel):
    """An organisation as reference data: who it is, never its contact officer.

    The contact officer is personal data, read through
    ``GET /api/organisations/{id}/contact`` by those allowed to, and audited.
    """

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    key: str
    name: str
    kind: str
    area_id: str | None


class ContactOfficerSet(BaseModel):
    """An organisation's contact officer as given; both empty removes it.

    The service trims and checks what is given (a name is needed with an
    email address), so that pages, API and command line get the same messages.
    """

    name: str | None = Field(
        None, title="Name", description="Full name, with rank or title if used; 200 at most."
    )
    email: str | None = Field(None, title="Email address", description="Needs a name with it.")
    version: int = Field(
        description="The organisation's version the change was made to; a newer one refuses it."
    )


class ContactOfficerRead(BaseModel):
    """Whom other organisations' deconfliction alerts tell to contact."""

    organisation_id: uuid.UUID
    organisation_name: str
    name: str | None
    email: str | None
    version: int


class AlertContactRead(BaseModel):
    """Whom another organisation's alert tells you to call; ``name`` None when none is recorded."""

    name: str | None
    email: str | None
    note: str | None  # what to do when no contact officer is recorded


class AreaRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    kind: str
    code: str | None
    name: str
    country: str
    force_area_id: str | None
    vintage: str
