"""What auth needs to know of an organisation: its name and its kind.

The ``organisations`` table belongs to the ``orgs`` module, which builds on
``auth`` (DESIGN.md, module map), so ``auth`` must not import it. It reads the
two columns it needs through this lightweight view instead.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import String, Uuid, column, select, table
from sqlalchemy.orm import Session

from crossline.core.errors import NotFound

_organisations = table(
    "organisations", column("id", Uuid()), column("name", String()), column("kind", String())
)


class OrganisationRef(Protocol):
    """Any organisation record: ``orgs.models.Organisation`` is one."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> str: ...


@dataclass(frozen=True)
class Membership:
    id: uuid.UUID
    name: str
    kind: str


def organisation_of(db: Session, organisation_id: uuid.UUID) -> Membership:
    """The name and kind of an organisation; NotFound if there is none."""
    row = db.execute(
        select(_organisations.c.name, _organisations.c.kind).where(
            _organisations.c.id == organisation_id
        )
    ).one_or_none()
    if row is None:
        raise NotFound("There is no such organisation.")
    return Membership(organisation_id, row.name, row.kind)
