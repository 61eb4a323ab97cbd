"""Legal summary pages: the practitioner's "release to a legal representative" form on a
young person's case, and the representative's clients and their summaries.

Every rule is in ``safeguarding.legal``; a page parses the form, calls the service
and shows the result, or the same page again with a GOV.UK error summary.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import Conflict, InvalidInput
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other
from crossline.safeguarding import legal
from crossline.safeguarding.legal_document import SECTIONS
from crossline.safeguarding.schemas import ReleaseIn
from crossline.safeguarding.services import young_people

router = APIRouter()
add_navigation(NavItem("Clients", "/legal", Permission.LEGAL_SUMMARY_READ.value, order=90))

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
Representative = Annotated[Actor, allowed(Permission.LEGAL_SUMMARY_READ)]
PageError = (InvalidInput, Conflict)


# --- the practitioner ----------------------------------------------------------------------------


@router.get("/safeguarding/young-people/{young_person_id}/legal", include_in_schema=False)
def release_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Reader
) -> Response:
    return render(request, "safeguarding/legal_release.html", _context(db, actor, young_person_id))


@router.post("/safeguarding/young-people/{young_person_id}/legal", include_in_schema=False)
async def release_form(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """Release the summary to a legal representative, or show the form again with errors."""
    form = await request.form()
    try:
        data = form_model(form, ReleaseIn)
        legal.release(db, actor, young_person_id, data)
    except PageError as exc:
        db.rollback()
        context = {
            **_context(db, actor, young_person_id),
            "errors": _errors(exc),
            "values": {k: str(v) for k, v in form.items() if k != "csrf_token"},
        }
        return render(request, "safeguarding/legal_release.html", context, exc.status)
    return see_other(f"/safeguarding/young-people/{young_person_id}/legal?released=1")


@router.post(
    "/safeguarding/young-people/{young_person_id}/legal/{release_id}/withdraw",
    include_in_schema=False,
)
def withdraw_form(
    request: Request, young_person_id: uuid.UUID, release_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """Withdraw a release: the representative loses access at once."""
    try:
        released = legal.withdraw(db, actor, release_id)
    except PageError as exc:
        db.rollback()
        context = {**_context(db, actor, young_person_id), "errors": _errors(exc)}
        return render(request, "safeguarding/legal_release.html", context, exc.status)
    return see_other(f"/safeguarding/young-people/{released.young_person_id}/legal")


@router.get(
    "/safeguarding/young-people/{young_person_id}/legal/summary.pdf", include_in_schema=False
)
def practitioner_pdf(young_person_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    """The summary as it would be released. Audited."""
    return _pdf(*legal.summary_pdf_of(db, actor, young_person_id))


def _context(db: Session, actor: Actor, young_person_id: uuid.UUID) -> dict[str, Any]:
    young_person = young_people.get(
        db, actor, young_person_id, why="managing the release of the legal summary"
    )
    return {
        "young_person": young_person,
        "releases": legal.releases_of(db, actor, young_person.id),
        "may_release": actor.can(Permission.SAFEGUARDING_WRITE),
        "sections": SECTIONS,
        "values": {},
    }


# --- the legal representative --------------------------------------------------------------------


@router.get("/legal", include_in_schema=False)
def clients_page(request: Request, db: DbDep, actor: Representative) -> Response:
    return render(
        request, "safeguarding/legal_clients.html", {"clients": legal.my_clients(db, actor)}
    )


# Declared before the summary page, whose path would otherwise take "<id>.pdf" as its id.
@router.get("/legal/{release_id}.pdf", include_in_schema=False)
def summary_download(release_id: uuid.UUID, db: DbDep, actor: Representative) -> Response:
    """The released summary as a PDF. Audited as a consultation."""
    return _pdf(*legal.released_summary_pdf(db, actor, release_id))


@router.get("/legal/{release_id}", include_in_schema=False)
def summary_page(
    request: Request, release_id: uuid.UUID, db: DbDep, actor: Representative
) -> Response:
    """The released summary. Audited as a consultation."""
    content = legal.released_summary(db, actor, release_id)
    context = {"summary": content, "release_id": release_id, "sections": SECTIONS}
    return render(request, "safeguarding/legal_summary.html", context)


def _errors(exc: InvalidInput | Conflict) -> dict[str, str]:
    if isinstance(exc, Conflict) or not exc.errors:
        return {"form": str(exc)}
    return dict(exc.errors)


def _pdf(name: str, pdf: bytes) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",  # personal data of a child: never cached
        },
    )
