"""Organisations and areas: seeding reference data, finding and listing them."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.core.errors import InvalidInput, NotFound
from crossline.orgs.models import Area, Organisation
from crossline.orgs.reference import FORCES, ORGANISATION_KINDS, area_rows


def seed_reference_data(db: Session) -> tuple[int, int]:
    """Add any missing areas and force organisations; return how many of each were added.

    Idempotent: running it again adds nothing and changes no existing record
    (names a deployment has edited stay as they are).
    """
    known_areas = set(db.scalars(select(Area.id)))
    new_areas: list[Area] = [Area(**row) for row in area_rows() if row["id"] not in known_areas]
    for kind in ("force_area", "district"):  # districts refer to their force area
        db.add_all([area for area in new_areas if area.kind == kind])
        db.flush()
    known_orgs = set(db.scalars(select(Organisation.key)))
    new_orgs = [
        Organisation(
            key=force.id,
            name=force.name,
            kind=force.organisation_kind,
            area_id=force.area_code,
            is_reference=True,
        )
        for force in FORCES.values()
        if force.id not in known_orgs
    ]
    db.add_all(new_orgs)
    db.commit()
    return len(new_areas), len(new_orgs)


def ensure_organisation(db: Session, key: str, name: str, kind: str) -> Organisation:
    """The organisation with ``key``, created if missing (used by set-up and the demo)."""
    if kind not in ORGANISATION_KINDS:
        raise InvalidInput(f"'{kind}' is not a kind of organisation Crossline knows.", field="kind")
    organisation = db.scalar(select(Organisation).where(Organisation.key == key))
    if organisation is None:
        organisation = Organisation(key=key, name=name, kind=kind)
        db.add(organisation)
        db.flush()
    return organisation


def get_organisation(db: Session, organisation_id: uuid.UUID) -> Organisation:
    organisation = db.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound("There is no such organisation.")
    return organisation


def find_organisation(db: Session, key: str) -> Organisation:
    organisation = db.scalar(select(Organisation).where(Organisation.key == key))
    if organisation is None:
        raise NotFound(f"There is no organisation '{key}'. `crossline orgs list` shows them.")
    return organisation


def list_organisations(db: Session, kind: str | None = None) -> Sequence[Organisation]:
    statement = select(Organisation).order_by(Organisation.name)
    if kind:
        statement = statement.where(Organisation.kind == kind)
    return db.scalars(statement).all()


def list_areas(db: Session, kind: str | None = None) -> Sequence[Area]:
    statement = select(Area).order_by(Area.name)
    if kind:
        statement = statement.where(Area.kind == kind)
    return db.scalars(statement).all()
