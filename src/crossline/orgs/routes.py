"""Reference data in the API (organisations, areas and their boundaries), and an
organisation's contact officer as a page and in the API."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import ActorDep, allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import Conflict, InvalidInput
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other
from crossline.orgs import services
from crossline.orgs.models import Organisation
from crossline.orgs.reference import boundaries
from crossline.orgs.schemas import AreaRead, ContactOfficerRead, ContactOfficerSet, OrganisationRead

router = APIRouter()
add_navigation(
    NavItem("Contact officer", "/organisation/contact", Permission.ORGANISATION_MANAGE.value, 81)
)

OrganisationAdmin = Annotated[Actor, allowed(Permission.ORGANISATION_MANAGE)]
CONTACT_PAGE = "/organisation/contact"


# --- reference data ------------------------------------------------------------------------------


@router.get("/api/organisations", tags=["reference data"])
def api_organisations(
    db: DbDep,
    actor: ActorDep,
    kind: Annotated[str | None, Query(description="An organisation kind id")] = None,
) -> list[OrganisationRead]:
    """Organisations using Crossline, by name (without their contact officers)."""
    return [OrganisationRead.model_validate(o) for o in services.list_organisations(db, kind)]


@router.get("/api/areas", tags=["reference data"])
def api_areas(
    db: DbDep,
    actor: ActorDep,
    kind: Annotated[Literal["force_area", "district"] | None, Query()] = None,
) -> list[AreaRead]:
    """Police force areas and local authority districts, by name."""
    return [AreaRead.model_validate(a) for a in services.list_areas(db, kind)]


@router.get("/api/areas/boundaries/{kind}", tags=["reference data"])
def api_boundaries(kind: Literal["force_areas", "districts"], actor: ActorDep) -> dict[str, Any]:
    """Simplified boundaries as GeoJSON (OGL v3.0; contains OS data © Crown copyright)."""
    return boundaries(kind)


# --- the contact officer: page -------------------------------------------------------------------


@router.get(CONTACT_PAGE, include_in_schema=False)
def contact_page(
    request: Request, db: DbDep, actor: OrganisationAdmin, saved: bool = False
) -> Response:
    organisation = services.get_contact_officer(db, actor, actor.organisation_id)
    return _contact_page(request, organisation, _stored(organisation), saved=saved)


@router.post(CONTACT_PAGE, include_in_schema=False)
async def set_contact(request: Request, db: DbDep, actor: OrganisationAdmin) -> Response:
    form = await request.form()
    typed = {field: str(form.get(field) or "") for field in ("name", "email", "version")}
    try:
        data = form_model(form, ContactOfficerSet)
        services.set_contact_officer(db, actor, actor.organisation_id, data)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        if isinstance(exc, InvalidInput):
            errors = exc.errors or {"name": exc.message}
        else:
            errors = {
                "name": "Someone else changed the contact officer after you opened this page. "
                "Theirs is shown above: check what you entered and save again."
            }
        organisation = services.get_contact_officer(db, actor, actor.organisation_id)
        if isinstance(exc, Conflict):
            # The stored contact officer is shown and its version offered, so that saving
            # again is a choice made having seen the other change.
            typed["version"] = str(organisation.version)
        return _contact_page(request, organisation, typed, errors=errors, status_code=exc.status)
    return see_other(f"{CONTACT_PAGE}?saved=true")


def _stored(organisation: Organisation) -> dict[str, str]:
    return {
        "name": organisation.contact_name or "",
        "email": organisation.contact_email or "",
        "version": str(organisation.version),
    }


def _contact_page(
    request: Request,
    organisation: Organisation,
    values: dict[str, str],
    *,
    saved: bool = False,
    errors: dict[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "orgs/contact.html",
        {
            "organisation": organisation,
            "values": values,
            "saved": saved and not errors,
            "errors": errors or {},
        },
        status_code=status_code,
    )


# --- the contact officer: API --------------------------------------------------------------------


def _contact_read(organisation: Organisation) -> ContactOfficerRead:
    return ContactOfficerRead(
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        name=organisation.contact_name,
        email=organisation.contact_email,
        version=organisation.version,
    )


@router.get("/api/organisations/{organisation_id}/contact", tags=["organisations"])
def api_get_contact(organisation_id: uuid.UUID, db: DbDep, actor: ActorDep) -> ContactOfficerRead:
    """An organisation's contact officer: your own organisation's (`organisation.manage`), or
    any organisation's for a national coordinator. Another organisation's is 404. Audited."""
    return _contact_read(services.get_contact_officer(db, actor, organisation_id, via="api"))


@router.put("/api/organisations/{organisation_id}/contact", tags=["organisations"])
def api_set_contact(
    organisation_id: uuid.UUID, data: ContactOfficerSet, db: DbDep, actor: OrganisationAdmin
) -> ContactOfficerRead:
    """Set your organisation's contact officer; `name` and `email` both null remove it. Send
    the `version` you read (409 if someone changed it since). Another organisation's is 404.
    Audited."""
    organisation = services.set_contact_officer(db, actor, organisation_id, data, via="api")
    return _contact_read(organisation)
