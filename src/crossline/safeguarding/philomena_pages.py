"""Philomena protocol pages (DOMAIN.md §MISSING.philomena): the Part 1 form of a case,
the Part 2 form on an open missing episode (shown on the case page), and, for police
forces, the open missing person enquiries and the details disclosed for one.

Every rule is in ``safeguarding.services.philomena``; a page parses the form, calls
the service and redirects, or shows the form again with a GOV.UK error summary and
what was entered.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import Conflict, InvalidInput
from crossline.core.pages import render, see_other
from crossline.safeguarding import pages
from crossline.safeguarding.services import missing, philomena
from crossline.safeguarding.services.access import case_of

router = APIRouter()

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
PageError = (InvalidInput, Conflict)

FORM = "safeguarding/philomena/form.html"
ENQUIRIES = "safeguarding/philomena/enquiries.html"
DISCLOSED = "safeguarding/philomena/disclosed.html"
HINTS = {
    "description": "Height, build, hair, marks or tattoos, how they speak, glasses",
    "associates": "Friends, family and anyone they may be with, including adults of concern",
    "places": "Addresses, towns and places they have gone to before",
    "phone_identifiers": "Phone numbers and handsets they use",
    "past_episodes": "When they went missing before and where they were found",
    "vulnerabilities": "Exploitation, self-harm, substance use",
    "medical": "Conditions and medication they need",
    "financial": "Bank cards, accounts and money they may have",
    "social_media": "Accounts and the names they use",
    "transport": "Travel passes, bikes, routes they use",
}


# --- the case's Part 1 --------------------------------------------------------------------------


@router.get("/safeguarding/young-people/{young_person_id}/philomena", include_in_schema=False)
def form_page(request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer) -> Response:
    """The Part 1 form, filled with what is held."""
    profile = philomena.read_profile(db, actor, young_person_id)
    values: dict[str, Any] = {}
    if profile is not None:
        values = {name: getattr(profile, name) or "" for name in philomena.PART_ONE}
        values["version"] = str(profile.version)
    return render(request, FORM, _form_context(db, actor, young_person_id, values))


@router.post("/safeguarding/young-people/{young_person_id}/philomena", include_in_schema=False)
async def save_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """Record or update Part 1, or show the form again with errors and what was entered."""
    form = await request.form()
    try:
        given: dict[str, Any] = {
            name: value.strip()
            for name in (*philomena.PART_ONE, "version")
            if isinstance(value := form.get(name), str) and value.strip()
        }
        data = pages.parse_form(philomena.PhilomenaIn, given)
        philomena.record_profile(db, actor, young_person_id, data)
    except PageError as exc:
        db.rollback()
        context = _form_context(db, actor, young_person_id, _values(form))
        context["errors"] = _errors(exc)
        return render(request, FORM, context, exc.status)
    return see_other(f"/safeguarding/young-people/{young_person_id}#philomena")


# --- Part 2 on an open missing episode ----------------------------------------------------------


@router.post("/safeguarding/missing-episodes/{episode_id}/part-two", include_in_schema=False)
async def part_two_page(
    request: Request, episode_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """Record Part 2 (clothing, last seen), or show the case again with errors."""
    form = await request.form()
    _, young_person = missing.get_episode(db, actor, episode_id)
    prefix = f"part2-{episode_id}"
    try:
        given = pages.filled_fields(form, prefix, ("clothing", "last_seen", "version"))
        philomena.record_part_two(
            db, actor, episode_id, pages.parse_form(philomena.PartTwoIn, given)
        )
    except PageError as exc:
        return pages.show_case_again(request, db, actor, young_person.id, exc, form, prefix)
    return see_other(f"/safeguarding/young-people/{young_person.id}#episode-{episode_id}")


# --- the police: open missing person enquiries --------------------------------------------------


@router.get("/safeguarding/philomena", include_in_schema=False)
def enquiries_page(request: Request, db: DbDep, actor: Reader) -> Response:
    """For a police force: the young people missing now whose Part 1 it may read."""
    context = {
        "police": philomena.is_police_force(db, actor),
        "enquiries": [
            {
                "url": f"/safeguarding/philomena/{e.young_person_id}",
                "name": e.name,
                "reported_at": pages.uk_time(e.reported_at),
            }
            for e in philomena.open_enquiries(db, actor)
        ],
    }
    return render(request, ENQUIRIES, context)


@router.get("/safeguarding/philomena/{young_person_id}", include_in_schema=False)
def disclosed_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Reader
) -> Response:
    """Part 1 and Part 2 disclosed for a missing person enquiry; audited as a disclosure."""
    disclosed = philomena.disclose(db, actor, young_person_id)
    part_one = disclosed.part_one
    context = {
        "disclosed": disclosed,
        "part_one": [(philomena.LABELS[n], getattr(part_one, n)) for n in philomena.PART_ONE],
        "updated": f"{pages.uk_time(part_one.updated_at)} by {part_one.updated_by}, "
        f"{part_one.held_by}",
        "reported_at": pages.uk_time(disclosed.part_two.reported_at),
    }
    return render(request, DISCLOSED, context)


# --- helpers ------------------------------------------------------------------------------------


def _form_context(
    db: Session, actor: Actor, young_person_id: uuid.UUID, values: dict[str, Any]
) -> dict[str, Any]:
    young_person = case_of(db, actor, young_person_id, permission=Permission.SAFEGUARDING_WRITE)
    return {
        "person": {
            "id": str(young_person.id),
            "name": young_person.name,
            "reference": young_person.reference,
        },
        "fields": [
            (name, philomena.LABELS[name], HINTS[name], 6 if name == "description" else 3)
            for name in philomena.PART_ONE
        ],
        "values": values,
        "errors": {},
    }


def _errors(exc: InvalidInput | Conflict) -> dict[str, str]:
    if isinstance(exc, Conflict) or not exc.errors:
        return {"form": exc.message}
    return dict(exc.errors)


def _values(form: FormData) -> dict[str, str]:
    return {k: str(v) for k, v in form.items() if k != "csrf_token"}
