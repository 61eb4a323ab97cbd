"""The fund's pages and API: funds, bids, the panel's scores, decisions and monitoring returns."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import BaseModel, ValidationError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.core.calendar import uk_date
from crossline.core.dependencies import DbDep
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other
from crossline.funding import services
from crossline.funding.models import Bid
from crossline.funding.reference import RULES
from crossline.funding.schemas import (
    AppointIn,
    BidIn,
    BidRead,
    BidStatus,
    ConflictIn,
    ConflictRead,
    DecisionIn,
    FundedServiceIn,
    FundedServiceRead,
    FundIn,
    FundOutcomesRead,
    FundRead,
    FundSummary,
    OutcomesRead,
    PanelMemberRead,
    ReturnIn,
    ReturnRead,
    ScoreIn,
    ScoreRead,
    ServiceDecisionIn,
    ServiceOption,
    ServiceRequestRead,
    ServiceStatus,
)

router = APIRouter()
add_navigation(NavItem("Funding", "/funding", Permission.FUNDING_READ.value, order=70))
GRANTS_PAGE = "/organisation/grants"
add_navigation(
    NavItem("Grants for our services", GRANTS_PAGE, Permission.ORGANISATION_MANAGE.value, 83)
)

Reader = Annotated[Actor, allowed(Permission.FUNDING_READ)]
Bidder = Annotated[Actor, allowed(Permission.FUNDING_BID)]
Assessor = Annotated[Actor, allowed(Permission.FUNDING_ASSESS)]
Administrator = Annotated[Actor, allowed(Permission.FUNDING_ADMINISTER)]
# A provider's administrator answers the grants naming its services.
Manager = Annotated[Actor, allowed(Permission.ORGANISATION_MANAGE)]

STATUS_LABELS = {
    BidStatus.DRAFT.value: "Draft",
    BidStatus.SUBMITTED.value: "Submitted",
    BidStatus.AWARDED.value: "Awarded",
    BidStatus.DECLINED.value: "Declined",
}


class Version(BaseModel):
    version: int


class BidUpdate(BidIn):
    version: int


def _ranked(db: Session, bids: list[Bid], actor: Actor) -> list[BidRead]:
    """Bids, the panel's highest score first (where the actor may see it), then newest first."""
    read = [services.as_read(db, b, actor) for b in bids]
    return sorted(read, key=lambda b: -(b.panel_score if b.panel_score is not None else -1))


# --- pages -------------------------------------------------------------------------------------


@router.get("/funding", include_in_schema=False)
def funding_page(request: Request, db: DbDep, actor: Reader) -> Response:
    funds = [services.summary(db, actor, f.id) for f in services.list_funds(db, actor)]
    bids = _ranked(db, list(services.list_bids(db, actor)), actor)
    return render(
        request,
        "funding/index.html",
        {"funds": funds, "bids": bids, "status_labels": STATUS_LABELS, "actor_can": _can(actor)},
    )


def _can(actor: Actor) -> dict[str, bool]:
    return {
        "bid": actor.can(Permission.FUNDING_BID),
        "assess": actor.can(Permission.FUNDING_ASSESS),
        "administer": actor.can(Permission.FUNDING_ADMINISTER),
    }


def _fund_defaults() -> dict[str, Any]:
    today = uk_date(clock.now())
    return {
        "name": RULES.name,
        "budget": RULES.budget,
        "cap_per_bid": RULES.cap_per_bid,
        "years": RULES.years,
        "opens_on": today.isoformat(),
        "closes_on": (today + timedelta(weeks=8)).isoformat(),
    }


@router.get("/funding/funds/new", include_in_schema=False)
def new_fund_page(request: Request, actor: Administrator) -> Response:
    return render(request, "funding/fund_form.html", {"values": _fund_defaults(), "errors": {}})


@router.post("/funding/funds/new", include_in_schema=False)
async def open_fund_page(request: Request, db: DbDep, actor: Administrator) -> Response:
    form = await request.form()
    try:
        fund = services.open_fund(db, actor, form_model(form, FundIn))
    except InvalidInput as exc:
        db.rollback()
        return render(
            request,
            "funding/fund_form.html",
            {"values": dict(form), "errors": exc.errors},
            status_code=422,
        )
    return see_other(f"/funding/funds/{fund.id}")


@router.get("/funding/funds/{fund_id}", include_in_schema=False)
def fund_page(request: Request, fund_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    return _fund_page(request, db, actor, fund_id)


def _fund_page(
    request: Request,
    db: Session,
    actor: Actor,
    fund_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    summary = services.summary(db, actor, fund_id)
    owner = services.get_fund(db, actor, fund_id).owner_id
    administers = actor.can(Permission.FUNDING_ADMINISTER) and owner == actor.organisation_id
    bids = _ranked(db, list(services.list_bids(db, actor, fund_id=fund_id)), actor)
    return render(
        request,
        "funding/fund.html",
        {
            "summary": summary,
            "bids": bids,
            "status_labels": STATUS_LABELS,
            "actor_can": _can(actor),
            "closed": uk_date(clock.now()) > summary.fund.closes_on,
            "rules": RULES,
            "outcomes": services.fund_outcomes(db, actor, fund_id),
            "panel": services.panel_of(db, actor, fund_id),
            "to_appoint": services.assessors_to_appoint(db, actor, fund_id) if administers else [],
            "administers": administers,
            "errors": errors or {},
        },
        status_code=status,
    )


@router.post("/funding/funds/{fund_id}/panel", include_in_schema=False)
async def appoint_page(
    request: Request, fund_id: uuid.UUID, db: DbDep, actor: Administrator
) -> Response:
    form = await request.form()
    try:
        services.appoint(db, actor, fund_id, form_model(form, AppointIn).user_id)
    except InvalidInput as exc:
        db.rollback()
        errors = {"user_id": exc.errors.get("user_id") or "Choose an assessor to appoint."}
        return _fund_page(request, db, actor, fund_id, errors, 422)
    return see_other(f"/funding/funds/{fund_id}#panel")


@router.post("/funding/funds/{fund_id}/panel/{user_id}/remove", include_in_schema=False)
def stand_down_page(
    fund_id: uuid.UUID, user_id: uuid.UUID, db: DbDep, actor: Administrator
) -> Response:
    services.stand_down(db, actor, fund_id, user_id)
    return see_other(f"/funding/funds/{fund_id}#panel")


def _bid_form(
    request: Request,
    action: str,
    fund: FundRead,
    values: dict[str, Any],
    errors: dict[str, str],
    status: int = 200,
) -> Response:
    return render(
        request,
        "funding/bid_form.html",
        {"action": action, "fund": fund, "values": values, "errors": errors, "rules": RULES},
        status_code=status,
    )


@router.get("/funding/funds/{fund_id}/bids/new", include_in_schema=False)
def new_bid_page(request: Request, fund_id: uuid.UUID, db: DbDep, actor: Bidder) -> Response:
    fund = FundRead.model_validate(services.get_fund(db, actor, fund_id))
    defaults = {"age_from": 10, "age_to": 17}
    return _bid_form(request, f"/funding/funds/{fund_id}/bids/new", fund, defaults, {})


@router.post("/funding/funds/{fund_id}/bids/new", include_in_schema=False)
async def start_bid_page(
    request: Request, fund_id: uuid.UUID, db: DbDep, actor: Bidder
) -> Response:
    form = await request.form()
    try:
        bid = services.start_bid(db, actor, fund_id, form_model(form, BidIn))
    except InvalidInput as exc:
        db.rollback()
        fund = FundRead.model_validate(services.get_fund(db, actor, fund_id))
        action = f"/funding/funds/{fund_id}/bids/new"
        return _bid_form(request, action, fund, dict(form), exc.errors, 422)
    return see_other(f"/funding/bids/{bid.id}")


def _bid_page(
    request: Request,
    db: Session,
    actor: Actor,
    bid_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    values: FormData | dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    bid = services.get_bid(db, actor, bid_id)
    fund = services.get_fund(db, actor, bid.fund_id)
    read = services.as_read(db, bid, actor)
    returns = services.returns_of(db, actor, bid_id)
    scores = services.scores_seen_by(db, actor, bid_id)
    own_scores = {s.criterion: s for s in scores if s.assessor_name == actor.display_name}
    on_panel = fund.owner_id == actor.organisation_id
    conflicts = services.conflicts_seen_by(db, actor, bid_id)
    own = bid.lead_id == actor.organisation_id
    awarded = bid.status == BidStatus.AWARDED.value
    return render(
        request,
        "funding/bid.html",
        {
            "bid": read,
            "fund": FundRead.model_validate(fund),
            "status_labels": STATUS_LABELS,
            "own": own,
            "can": _can(actor),
            "on_panel": on_panel,
            "panel_member": services.on_panel(db, fund.id, actor.user_id),
            "conflicts": conflicts,
            "own_conflict": any(c.user_id == actor.user_id for c in conflicts),
            "scores": scores,
            "own_scores": own_scores,
            "rules": RULES,
            "returns": returns,
            "years": range(1, fund.years + 1),
            "outcomes": services.outcomes_of(db, actor, bid_id) if awarded else None,
            "service_options": services.service_options(db, actor, bid_id)
            if awarded and own and actor.can(Permission.FUNDING_BID)
            else [],
            "errors": errors or {},
            "values": dict(values or {}),
        },
        status_code=status,
    )


@router.get("/funding/bids/{bid_id}", include_in_schema=False)
def bid_page(request: Request, bid_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    return _bid_page(request, db, actor, bid_id)


@router.get("/funding/bids/{bid_id}/edit", include_in_schema=False)
def edit_bid_page(request: Request, bid_id: uuid.UUID, db: DbDep, actor: Bidder) -> Response:
    bid = services.get_bid(db, actor, bid_id)
    fund = FundRead.model_validate(services.get_fund(db, actor, bid.fund_id))
    values = {k: getattr(bid, k) for k in BidIn.model_fields} | {"version": bid.version}
    return _bid_form(request, f"/funding/bids/{bid_id}/edit", fund, values, {})


@router.post("/funding/bids/{bid_id}/edit", include_in_schema=False)
async def change_bid_page(
    request: Request, bid_id: uuid.UUID, db: DbDep, actor: Bidder
) -> Response:
    form = await request.form()
    try:
        data = form_model(form, BidUpdate)
        services.update_bid(
            db, actor, bid_id, BidIn.model_validate(data.model_dump()), data.version
        )
    except InvalidInput as exc:
        db.rollback()
        bid = services.get_bid(db, actor, bid_id)
        fund = FundRead.model_validate(services.get_fund(db, actor, bid.fund_id))
        action = f"/funding/bids/{bid_id}/edit"
        return _bid_form(request, action, fund, dict(form), exc.errors, 422)
    return see_other(f"/funding/bids/{bid_id}")


async def _posted(
    request: Request, db: Session, actor: Actor, bid_id: uuid.UUID, act: Any
) -> Response:
    """Run ``act(form)``; on bad input or a conflict show the bid page with the reason."""
    form = await request.form()
    try:
        act(form)
    except (InvalidInput, Conflict) as exc:
        db.rollback()
        errors = exc.errors if isinstance(exc, InvalidInput) else {"form": exc.message}
        return _bid_page(request, db, actor, bid_id, errors or {"form": exc.message}, form, 422)
    return see_other(f"/funding/bids/{bid_id}")


@router.post("/funding/bids/{bid_id}/submit", include_in_schema=False)
async def submit_bid_page(
    request: Request, bid_id: uuid.UUID, db: DbDep, actor: Bidder
) -> Response:
    def act(form: FormData) -> None:
        try:
            services.submit_bid(db, actor, bid_id, form_model(form, Version).version)
        except InvalidInput as exc:
            # The bid's fields are not on this page: say it about the whole bid.
            raise InvalidInput(
                f"{exc.message} Change the bid, then submit it.", field="form"
            ) from exc

    return await _posted(request, db, actor, bid_id, act)


@router.post("/funding/bids/{bid_id}/scores", include_in_schema=False)
async def score_bid_page(
    request: Request, bid_id: uuid.UUID, db: DbDep, actor: Assessor
) -> Response:
    def act(form: FormData) -> None:
        scores: dict[str, int] = {}
        for criterion in RULES.criteria:
            value = str(form.get(criterion.id) or "").strip()
            if value:
                try:
                    scores[criterion.id] = int(value, 10)
                except ValueError:
                    raise InvalidInput(
                        f"Give “{criterion.label}” a whole number.", field=criterion.id
                    ) from None
        comments = {c.id: str(form.get(f"comment_{c.id}") or "") for c in RULES.criteria}
        services.score_bid(db, actor, bid_id, ScoreIn(scores=scores, comments=comments))

    return await _posted(request, db, actor, bid_id, act)


@router.post("/funding/bids/{bid_id}/conflicts", include_in_schema=False)
async def conflict_page(
    request: Request, bid_id: uuid.UUID, db: DbDep, actor: Assessor
) -> Response:
    def act(form: FormData) -> None:
        # Its own field name: an administrator who also assesses has the decision's
        # "reason" on the same page.
        try:
            services.declare_conflict(db, actor, bid_id, str(form.get("conflict_reason") or ""))
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field="conflict_reason") from exc

    return await _posted(request, db, actor, bid_id, act)


@router.post("/funding/bids/{bid_id}/decision", include_in_schema=False)
async def decide_page(
    request: Request, bid_id: uuid.UUID, db: DbDep, actor: Administrator
) -> Response:
    def act(form: FormData) -> None:
        if form.get("award") not in ("true", "false"):
            raise InvalidInput("Choose whether to award the bid.", field="award")
        services.decide(db, actor, bid_id, form_model(form, DecisionIn))

    return await _posted(request, db, actor, bid_id, act)


@router.post("/funding/bids/{bid_id}/returns", include_in_schema=False)
async def return_page(request: Request, bid_id: uuid.UUID, db: DbDep, actor: Bidder) -> Response:
    def act(form: FormData) -> None:
        services.make_return(db, actor, bid_id, form_model(form, ReturnIn))

    return await _posted(request, db, actor, bid_id, act)


def _service_choice(form: FormData) -> FundedServiceIn:
    """The service chosen on the bid page: ``organisation id|programme id``."""
    organisation, _, programme = str(form.get("service") or "").partition("|")
    try:
        return FundedServiceIn(organisation_id=uuid.UUID(organisation), programme_id=programme)
    except ValueError:
        raise InvalidInput("Choose a service the grant pays for.", field="service") from None


@router.post("/funding/bids/{bid_id}/services", include_in_schema=False)
async def add_service_page(
    request: Request, bid_id: uuid.UUID, db: DbDep, actor: Bidder
) -> Response:
    def act(form: FormData) -> None:
        services.add_service(db, actor, bid_id, _service_choice(form))

    return await _posted(request, db, actor, bid_id, act)


@router.post("/funding/bids/{bid_id}/services/{service_id}/remove", include_in_schema=False)
async def remove_service_page(
    request: Request, bid_id: uuid.UUID, service_id: uuid.UUID, db: DbDep, actor: Bidder
) -> Response:
    def act(form: FormData) -> None:
        services.remove_service(db, actor, bid_id, service_id)

    return await _posted(request, db, actor, bid_id, act)


# --- a provider's answers to the grants naming its services --------------------------------------


@router.get(GRANTS_PAGE, include_in_schema=False)
def grants_page(request: Request, db: DbDep, actor: Manager, done: str = "") -> Response:
    """The grants naming a service of the organisation: those waiting for an answer first."""
    requests = services.service_requests(db, actor)
    waiting = [r for r in requests if r.status == ServiceStatus.REQUESTED]
    context = {"waiting": waiting, "answered": requests[len(waiting) :], "done": done}
    return render(request, "funding/grants.html", context)


def _request_of(db: Session, actor: Actor, service_id: uuid.UUID) -> ServiceRequestRead:
    found = [r for r in services.service_requests(db, actor) if r.id == service_id]
    if not found:
        raise NotFound("No grant names that service of your organisation.")
    return found[0]


def _answer_page(
    request: Request,
    db: Session,
    actor: Actor,
    service_id: uuid.UUID,
    errors: dict[str, str] | None = None,
    values: FormData | None = None,
) -> Response:
    context = {
        "service": _request_of(db, actor, service_id),
        "errors": errors or {},
        "values": dict(values or {}),
    }
    return render(request, "funding/grant_answer.html", context, 422 if errors else 200)


@router.get(GRANTS_PAGE + "/{service_id}", include_in_schema=False)
def answer_page(request: Request, service_id: uuid.UUID, db: DbDep, actor: Manager) -> Response:
    """Confirm or refuse that a grant pays for one of the organisation's services."""
    return _answer_page(request, db, actor, service_id)


def _answer(form: FormData) -> ServiceDecisionIn:
    decision = str(form.get("decision") or "")
    if decision not in ("confirm", "refuse"):
        raise InvalidInput(
            "Choose whether the grant pays for this service of yours.", field="decision"
        )
    reason = str(form.get("reason") or "").strip() if decision == "refuse" else None
    try:
        return ServiceDecisionIn(confirm=decision == "confirm", reason=reason)
    except ValidationError:
        raise InvalidInput(
            "Why the service is refused must be 4000 characters or fewer.", field="reason"
        ) from None


@router.post(GRANTS_PAGE + "/{service_id}", include_in_schema=False)
async def answer_service_page(
    request: Request, service_id: uuid.UUID, db: DbDep, actor: Manager
) -> Response:
    form = await request.form()
    try:
        row = services.decide_service(db, actor, service_id, _answer(form))
    except InvalidInput as exc:
        db.rollback()
        return _answer_page(request, db, actor, service_id, exc.errors, form)
    return see_other(f"{GRANTS_PAGE}?done={row.status}")


@router.post("/funding/returns/{return_id}/accept", include_in_schema=False)
def accept_return_page(return_id: uuid.UUID, db: DbDep, actor: Administrator) -> Response:
    row = services.accept_return(db, actor, return_id)
    return see_other(f"/funding/bids/{row.bid_id}")


# --- API ---------------------------------------------------------------------------------------


@router.get("/api/funding/funds", tags=["funding"])
def api_funds(db: DbDep, actor: Reader) -> list[FundSummary]:
    """Every fund, with its budget awarded and left."""
    return [services.summary(db, actor, f.id) for f in services.list_funds(db, actor)]


@router.post("/api/funding/funds", tags=["funding"], status_code=201)
def api_open_fund(data: FundIn, db: DbDep, actor: Administrator) -> FundRead:
    """Open a fund of your organisation (a fund owner)."""
    return FundRead.model_validate(services.open_fund(db, actor, data))


@router.get("/api/funding/funds/{fund_id}", tags=["funding"])
def api_fund(fund_id: uuid.UUID, db: DbDep, actor: Reader) -> FundSummary:
    return services.summary(db, actor, fund_id)


@router.get("/api/funding/funds/{fund_id}/outcomes", tags=["funding"])
def api_fund_outcomes(fund_id: uuid.UUID, db: DbDep, actor: Reader) -> FundOutcomesRead:
    """The fund's outcomes rolled up from referrals: every awarded grant's services over its
    grant years, each referral once, under the fund's disclosure policy (withheld: null)."""
    return services.fund_outcomes(db, actor, fund_id)


def _panel(db: Session, actor: Actor, fund_id: uuid.UUID) -> list[PanelMemberRead]:
    return [PanelMemberRead.model_validate(m) for m in services.panel_of(db, actor, fund_id)]


@router.get("/api/funding/funds/{fund_id}/panel", tags=["funding"])
def api_panel(fund_id: uuid.UUID, db: DbDep, actor: Reader) -> list[PanelMemberRead]:
    """The fund's assessment panel (for the fund owner's users; empty for anyone else)."""
    return _panel(db, actor, fund_id)


@router.post("/api/funding/funds/{fund_id}/panel", tags=["funding"], status_code=201)
def api_appoint(
    fund_id: uuid.UUID, data: AppointIn, db: DbDep, actor: Administrator
) -> list[PanelMemberRead]:
    """Appoint one of your organisation's assessors to the fund's panel."""
    services.appoint(db, actor, fund_id, data.user_id)
    return _panel(db, actor, fund_id)


@router.delete("/api/funding/funds/{fund_id}/panel/{user_id}", tags=["funding"])
def api_stand_down(
    fund_id: uuid.UUID, user_id: uuid.UUID, db: DbDep, actor: Administrator
) -> list[PanelMemberRead]:
    """Take a member off the panel; their scores of bids not yet decided go with them."""
    services.stand_down(db, actor, fund_id, user_id)
    return _panel(db, actor, fund_id)


@router.get("/api/funding/bids/{bid_id}/conflicts", tags=["funding"])
def api_conflicts(bid_id: uuid.UUID, db: DbDep, actor: Reader) -> list[ConflictRead]:
    """Conflicts of interest declared in a bid: all for administrators, your own for you."""
    return [ConflictRead.model_validate(c) for c in services.conflicts_seen_by(db, actor, bid_id)]


@router.post("/api/funding/bids/{bid_id}/conflicts", tags=["funding"], status_code=201)
def api_declare_conflict(
    bid_id: uuid.UUID, data: ConflictIn, db: DbDep, actor: Assessor
) -> ConflictRead:
    """Declare a conflict of interest in a bid: you no longer score it."""
    return ConflictRead.model_validate(services.declare_conflict(db, actor, bid_id, data.reason))


@router.get("/api/funding/bids", tags=["funding"])
def api_bids(db: DbDep, actor: Reader, fund_id: uuid.UUID | None = None) -> list[BidRead]:
    """The bids you may see: your organisation's, and those submitted to its funds."""
    return _ranked(db, list(services.list_bids(db, actor, fund_id=fund_id)), actor)


@router.post("/api/funding/funds/{fund_id}/bids", tags=["funding"], status_code=201)
def api_start_bid(fund_id: uuid.UUID, data: BidIn, db: DbDep, actor: Bidder) -> BidRead:
    """Start a draft bid, led by your organisation (a police and crime commissioner)."""
    return services.as_read(db, services.start_bid(db, actor, fund_id, data), actor)


@router.get("/api/funding/bids/{bid_id}", tags=["funding"])
def api_bid(bid_id: uuid.UUID, db: DbDep, actor: Reader) -> BidRead:
    return services.as_read(db, services.get_bid(db, actor, bid_id), actor)


@router.put("/api/funding/bids/{bid_id}", tags=["funding"])
def api_update_bid(bid_id: uuid.UUID, data: BidUpdate, db: DbDep, actor: Bidder) -> BidRead:
    """Change a draft; send the `version` you read (409 if stale or submitted)."""
    fields = BidIn.model_validate(data.model_dump())
    return services.as_read(db, services.update_bid(db, actor, bid_id, fields, data.version), actor)


@router.post("/api/funding/bids/{bid_id}/submit", tags=["funding"])
def api_submit_bid(bid_id: uuid.UUID, data: Version, db: DbDep, actor: Bidder) -> BidRead:
    """Submit a draft to the fund's panel, by the closing date."""
    return services.as_read(db, services.submit_bid(db, actor, bid_id, data.version), actor)


@router.put("/api/funding/bids/{bid_id}/scores", tags=["funding"])
def api_score(bid_id: uuid.UUID, data: ScoreIn, db: DbDep, actor: Assessor) -> BidRead:
    """Your scores of a submitted bid, one per criterion of the rubric; again replaces them."""
    services.score_bid(db, actor, bid_id, data)
    return services.as_read(db, services.get_bid(db, actor, bid_id), actor)


@router.get("/api/funding/bids/{bid_id}/scores", tags=["funding"])
def api_scores(bid_id: uuid.UUID, db: DbDep, actor: Reader) -> list[ScoreRead]:
    """The scores you may see: administrators all; an assessor their own until the decision."""
    return services.scores_seen_by(db, actor, bid_id)


@router.post("/api/funding/bids/{bid_id}/decision", tags=["funding"])
def api_decide(bid_id: uuid.UUID, data: DecisionIn, db: DbDep, actor: Administrator) -> BidRead:
    """Award a scored bid within the budget left, or decline it with a reason."""
    return services.as_read(db, services.decide(db, actor, bid_id, data), actor)


@router.get("/api/funding/bids/{bid_id}/returns", tags=["funding"])
def api_returns(bid_id: uuid.UUID, db: DbDep, actor: Reader) -> list[ReturnRead]:
    return [ReturnRead.model_validate(r) for r in services.returns_of(db, actor, bid_id).returns]


@router.post("/api/funding/bids/{bid_id}/returns", tags=["funding"], status_code=201)
def api_make_return(bid_id: uuid.UUID, data: ReturnIn, db: DbDep, actor: Bidder) -> ReturnRead:
    """A year's monitoring return of an awarded bid; again for the same year replaces it."""
    return ReturnRead.model_validate(services.make_return(db, actor, bid_id, data))


@router.post("/api/funding/returns/{return_id}/accept", tags=["funding"])
def api_accept_return(return_id: uuid.UUID, db: DbDep, actor: Administrator) -> ReturnRead:
    """Accept a return: that year's grant becomes payable (paid in arrears)."""
    return ReturnRead.model_validate(services.accept_return(db, actor, return_id))


@router.get("/api/funding/bids/{bid_id}/services", tags=["funding"])
def api_services(bid_id: uuid.UUID, db: DbDep, actor: Reader) -> list[FundedServiceRead]:
    """The services an awarded bid pays for: organisations delivering catalogue programmes."""
    return services.funded_services(db, actor, bid_id)


@router.get("/api/funding/bids/{bid_id}/service-options", tags=["funding"])
def api_service_options(bid_id: uuid.UUID, db: DbDep, actor: Reader) -> list[ServiceOption]:
    """The services in Crossline the bid does not pay for yet."""
    return services.service_options(db, actor, bid_id)


@router.post("/api/funding/bids/{bid_id}/services", tags=["funding"], status_code=201)
def api_add_service(
    bid_id: uuid.UUID, data: FundedServiceIn, db: DbDep, actor: Bidder
) -> list[FundedServiceRead]:
    """Name a service your award pays for; once its provider confirms, its referrals count
    as the bid's outcomes. Naming again one its provider refused asks again."""
    services.add_service(db, actor, bid_id, data)
    return services.funded_services(db, actor, bid_id)


@router.delete("/api/funding/bids/{bid_id}/services/{service_id}", tags=["funding"])
def api_remove_service(
    bid_id: uuid.UUID, service_id: uuid.UUID, db: DbDep, actor: Bidder
) -> list[FundedServiceRead]:
    """Take a service off the bid: its referrals no longer count as the bid's outcomes."""
    services.remove_service(db, actor, bid_id, service_id)
    return services.funded_services(db, actor, bid_id)


@router.get("/api/funding/service-requests", tags=["funding"])
def api_service_requests(db: DbDep, actor: Manager) -> list[ServiceRequestRead]:
    """For a provider's administrator: the grants naming a service of your organisation,
    those waiting for your answer first."""
    return services.service_requests(db, actor)


@router.post("/api/funding/service-requests/{service_id}/decision", tags=["funding"])
def api_decide_service(
    service_id: uuid.UUID, data: ServiceDecisionIn, db: DbDep, actor: Manager
) -> ServiceRequestRead:
    """Confirm that a grant pays for your service (its referrals then count, as controlled
    counts, in the bid's outcomes), or refuse with a reason. Either may be changed later."""
    row = services.decide_service(db, actor, service_id, data)
    return _request_of(db, actor, row.id)


@router.get("/api/funding/bids/{bid_id}/outcomes", tags=["funding"])
def api_outcomes(bid_id: uuid.UUID, db: DbDep, actor: Reader) -> OutcomesRead:
    """Referrals made to the bid's services in each year of its grant, by where each stands
    now, under the fund's disclosure policy: withheld counts are null."""
    return services.outcomes_of(db, actor, bid_id)
