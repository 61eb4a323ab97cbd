"""Reference data in the API: organisations, areas and their boundaries."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from crossline.auth.dependencies import ActorDep
from crossline.core.dependencies import DbDep
from crossline.orgs import services
from crossline.orgs.reference import boundaries
from crossline.orgs.schemas import AreaRead, OrganisationRead

router = APIRouter(prefix="/api", tags=["reference data"])


@router.get("/organisations")
def api_organisations(
    db: DbDep,
    actor: ActorDep,
    kind: Annotated[str | None, Query(description="An organisation kind id")] = None,
) -> list[OrganisationRead]:
    """Organisations using Crossline, by name."""
    return [OrganisationRead.model_validate(o) for o in services.list_organisations(db, kind)]


@router.get("/areas")
def api_areas(
    db: DbDep,
    actor: ActorDep,
    kind: Annotated[Literal["force_area", "district"] | None, Query()] = None,
) -> list[AreaRead]:
    """Police force areas and local authority districts, by name."""
    return [AreaRead.model_validate(a) for a in services.list_areas(db, kind)]


@router.get("/areas/boundaries/{kind}")
def api_boundaries(kind: Literal["force_areas", "districts"], actor: ActorDep) -> dict[str, Any]:
    """Simplified boundaries as GeoJSON (OGL v3.0; contains OS data © Crown copyright)."""
    return boundaries(kind)
