"""Legal summaries in the API: releases for the case's practitioners, the released summary
for the legal representative. Every rule is in ``safeguarding.legal``."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.safeguarding import legal
from crossline.safeguarding.schemas import ReleaseIn

router = APIRouter(prefix="/api/legal", tags=["legal summaries"])

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
Representative = Annotated[Actor, allowed(Permission.LEGAL_SUMMARY_READ)]
PDF: dict[int | str, dict[str, Any]] = {200: {"content": {"application/pdf": {}}}}


# --- the case's practitioners --------------------------------------------------------------------


@router.get("/young-people/{young_person_id}/releases")
def api_releases(young_person_id: uuid.UUID, db: DbDep, actor: Reader) -> list[legal.ReleaseRow]:
    """Every release of the young person's legal summary, newest first."""
    return legal.releases_of(db, actor, young_person_id)


@router.post("/young-people/{young_person_id}/releases", status_code=201)
def api_release(
    young_person_id: uuid.UUID, data: ReleaseIn, db: DbDep, actor: Writer
) -> legal.ReleaseRow:
    """Release the summary to the legal representative who signs in with the email given.
    Audited as a disclosure to them."""
    released = legal.release(db, actor, young_person_id, data, via="api")
    return legal.release_row(db, released)


@router.post("/releases/{release_id}/withdraw")
def api_withdraw(release_id: uuid.UUID, db: DbDep, actor: Writer) -> legal.ReleaseRow:
    """Withdraw a release: the representative loses access at once."""
    released = legal.withdraw(db, actor, release_id, via="api")
    return legal.release_row(db, released)


@router.get("/young-people/{young_person_id}/summary")
def api_summary(young_person_id: uuid.UUID, db: DbDep, actor: Reader) -> legal.LegalSummary:
    """The summary as it would be released, for the case's practitioners. Audited."""
    return legal.summary(db, actor, young_person_id, via="api")


@router.get("/young-people/{young_person_id}/summary.pdf", responses=PDF)
def api_summary_pdf(young_person_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    """The summary as a PDF, for the case's practitioners. Audited."""
    return _pdf(*legal.summary_pdf_of(db, actor, young_person_id, via="api"))


# --- the legal representative --------------------------------------------------------------------


@router.get("/clients")
def api_clients(db: DbDep, actor: Representative) -> list[legal.Client]:
    """The young people whose summaries are released to you and not withdrawn."""
    return legal.my_clients(db, actor)


@router.get("/releases/{release_id}/summary")
def api_released_summary(
    release_id: uuid.UUID, db: DbDep, actor: Representative
) -> legal.LegalSummary:
    """The summary released to you. Audited as a consultation."""
    return legal.released_summary(db, actor, release_id, via="api")


@router.get("/releases/{release_id}/summary.pdf", responses=PDF)
def api_released_summary_pdf(release_id: uuid.UUID, db: DbDep, actor: Representative) -> Response:
    """The summary released to you, as a PDF. Audited as a consultation."""
    return _pdf(*legal.released_summary_pdf(db, actor, release_id, via="api"))


def _pdf(name: str, pdf: bytes) -> Response:
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "content-disposition": f'attachment; filename="{name}"',
            "cache-control": "no-store",  # personal data of a child: never cached
        },
    )
