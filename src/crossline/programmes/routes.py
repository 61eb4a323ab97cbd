"""Programmes in the API: who delivers each, which are open to a young person, and referrals.

A referral has two doors: ``/api/programmes/referrals`` for the organisations
working on the young person's case (send, follow up, withdraw) and
``/api/programmes/received`` for the provider it was sent to (read the summary,
accept, decline, enrol, complete). Each route is one service call; the
services check the permission and the organisation again.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import ActorDep, allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.programmes import referrals as services
from crossline.programmes.schemas import (
    CompleteIn,
    DeclineIn,
    DeliveryIn,
    DeliveryRead,
    ProgrammesFor,
    ReceivedReferralRead,
    ReferralIn,
    ReferralRead,
    ReferralState,
    StepIn,
)

router = APIRouter()

Manager = Annotated[Actor, allowed(Permission.ORGANISATION_MANAGE)]
Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Referrer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
Provider = Annotated[Actor, allowed(Permission.REFERRALS_RECEIVE)]


# --- deliveries ---------------------------------------------------------------------------------


@router.get("/api/programmes/deliveries", tags=["programmes"])
def api_deliveries(
    db: DbDep, actor: ActorDep, programme_id: str | None = None
) -> list[DeliveryRead]:
    """Which organisations deliver each catalogue programme (or the one named)."""
    return services.deliveries(db, programme_id)


@router.post("/api/programmes/deliveries", tags=["programmes"], status_code=201)
def api_add_delivery(data: DeliveryIn, db: DbDep, actor: Manager) -> DeliveryRead:
    """Say that your organisation delivers a programme and takes referrals to it."""
    return services.add_delivery(db, actor, data, via="api")


@router.delete("/api/programmes/deliveries/{programme_id}", tags=["programmes"], status_code=204)
def api_remove_delivery(programme_id: str, db: DbDep, actor: Manager) -> Response:
    """Say that your organisation no longer delivers a programme (referrals made go on)."""
    services.remove_delivery(db, actor, programme_id, via="api")
    return Response(status_code=204)


# --- a young person's programmes ----------------------------------------------------------------


@router.get("/api/programmes/young-people/{young_person_id}", tags=["programmes"])
def api_programmes_for(young_person_id: uuid.UUID, db: DbDep, actor: Reader) -> ProgrammesFor:
    """Each programme for a young person of your cases: open or not, why, and who delivers it."""
    return services.programmes_for(db, actor, young_person_id, via="api")


# --- referrals: the case's side -----------------------------------------------------------------


@router.post("/api/programmes/referrals", tags=["programmes"], status_code=201)
def api_refer(data: ReferralIn, db: DbDep, actor: Referrer) -> ReferralRead:
    """Refer a young person to a programme at an organisation that delivers it. A young
    person who does not meet its rules needs ``override_reason``. The provider is sent
    only a summary: name, date of birth, the reason and the eligibility reasons."""
    referral = services.refer(db, actor, data.young_person_id, data, via="api")
    return services.read_for_case(db, referral)


@router.get("/api/programmes/referrals", tags=["programmes"])
def api_referrals(
    db: DbDep, actor: Reader, young_person_id: uuid.UUID | None = None
) -> list[ReferralRead]:
    """The referrals of the young people whose cases your organisation works on."""
    found = services.referrals_of_cases(db, actor, young_person_id)
    return [services.read_for_case(db, r) for r in found]


@router.get("/api/programmes/referrals/{referral_id}", tags=["programmes"])
def api_referral(referral_id: uuid.UUID, db: DbDep, actor: Reader) -> ReferralRead:
    referral = services.referral_for_case(db, actor, referral_id, via="api")
    return services.read_for_case(db, referral)


@router.post("/api/programmes/referrals/{referral_id}/withdrawal", tags=["programmes"])
def api_withdraw(referral_id: uuid.UUID, data: StepIn, db: DbDep, actor: Referrer) -> ReferralRead:
    """Withdraw a referral your organisation made, while it is sent, accepted or enrolled."""
    referral = services.withdraw(db, actor, referral_id, data, via="api")
    return services.read_for_case(db, referral)


# --- referrals: the provider's side -------------------------------------------------------------


@router.get("/api/programmes/received", tags=["programmes"])
def api_received_list(
    db: DbDep, actor: Provider, state: ReferralState | None = None
) -> list[ReceivedReferralRead]:
    """The referrals made to your organisation, in one state if given. Each is audited."""
    return [services.read_received(db, r) for r in services.inbox(db, actor, state, via="api")]


@router.get("/api/programmes/received/{referral_id}", tags=["programmes"])
def api_received(referral_id: uuid.UUID, db: DbDep, actor: Provider) -> ReceivedReferralRead:
    return services.read_received(db, services.received(db, actor, referral_id, via="api"))


@router.post("/api/programmes/received/{referral_id}/acceptance", tags=["programmes"])
def api_accept(
    referral_id: uuid.UUID, data: StepIn, db: DbDep, actor: Provider
) -> ReceivedReferralRead:
    return services.read_received(db, services.accept(db, actor, referral_id, data, via="api"))


@router.post("/api/programmes/received/{referral_id}/decline", tags=["programmes"])
def api_decline(
    referral_id: uuid.UUID, data: DeclineIn, db: DbDep, actor: Provider
) -> ReceivedReferralRead:
    """Decline a referral, saying why: the referring organisation sees the reason."""
    return services.read_received(db, services.decline(db, actor, referral_id, data, via="api"))


@router.post("/api/programmes/received/{referral_id}/enrolment", tags=["programmes"])
def api_enrol(
    referral_id: uuid.UUID, data: StepIn, db: DbDep, actor: Provider
) -> ReceivedReferralRead:
    return services.read_received(db, services.enrol(db, actor, referral_id, data, via="api"))


@router.post("/api/programmes/received/{referral_id}/completion", tags=["programmes"])
def api_complete(
    referral_id: uuid.UUID, data: CompleteIn, db: DbDep, actor: Provider
) -> ReceivedReferralRead:
    """How the enrolment ended: an outcome of ``referral_outcomes`` and a note."""
    return services.read_received(db, services.complete(db, actor, referral_id, data, via="api"))
