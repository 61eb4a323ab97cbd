"""The Early Intervention Youth Fund's rules (DOMAIN.md §EIYF), the only place they live.

- A fund administrator of a fund owner opens a **fund**: budget, the most a bid
  may ask for, years, opening and closing dates (defaults in data/eiyf.yaml).
- A **police and crime commissioner** leads each bid, with its community safety
  partnership or other partners named (§EIYF, who bids). A bid asks for up to
  the cap, split equally over the fund's years; more only with a reason, as for a
  consortium. It names its match funding (required, no set amount), and the
  ages it reaches: under-18s, up to 25 considered.
- A draft is the lead's alone; submitted by the closing date, it goes to the
  fund owner's **assessment panel**: each assessor scores it once on every
  criterion of the rubric (configuration: §EIYF gives no published criteria).
- The fund's **assessment panel** is the assessors of the fund owner its
  administrators appoint; only the panel scores the fund's bids. A member who
  declares a **conflict of interest** in a bid (with the reason, which the
  administrators read) does not score it, and any scores they gave it go.
- A fund administrator **awards** a scored bid an amount within the budget left,
  or declines it with a reason.
- The lead makes one **monitoring return** a year; the fund accepts it, and that
  year's grant becomes payable, as grants are paid yearly in arrears.
- The lead names the **services the grant pays for** (organisations delivering a
  catalogue programme), and each provider's administrator confirms or refuses
  (with the reason) that the grant pays for its service; the referrals made to
  the confirmed ones in each year of the grant, by where each stands now, are
  the bid's **outcomes rolled up from referrals** (MISSION.md), every count under
  the fund's disclosure policy (§DISCLOSURE). A provider's figures so reach
  funders only with its say.

Who sees what: funds are seen by every user with a funding role; a bid by its
lead organisation, and once submitted by the fund owner's assessors and
administrators; an assessor sees only their own scores until the decision,
administrators all. No personal data is held (organisations and counts only),
so the audit log is not written; each change keeps who made it.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.models import User, UserRole
from crossline.auth.organisations import organisation_of
from crossline.auth.permissions import Permission
from crossline.core import clock, outcomes
from crossline.core.calendar import UK, uk_date
from crossline.core.database import check_version
from crossline.core.disclosure import control, describe
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from crossline.funding.models import (
    Bid,
    BidScore,
    ConflictOfInterest,
    Fund,
    FundedService,
    MonitoringReturn,
    PanelMember,
)
from crossline.funding.reference import RULES, FundRules
from crossline.funding.schemas import (
    BidIn,
    BidRead,
    BidStatus,
    DecisionIn,
    FundedServiceIn,
    FundedServiceRead,
    FundIn,
    FundOutcomesRead,
    FundRead,
    FundSummary,
    GrantYear,
    OutcomeRow,
    OutcomesRead,
    ReturnIn,
    ScoreIn,
    ScoreRead,
    ServiceDecisionIn,
    ServiceOption,
    ServiceRequestRead,
    ServiceStatus,
)

NO_SUCH_BID = "There is no such bid you may see."


def _pounds(amount: int) -> str:
    return f"£{amount:,}"


def _by(actor: Actor) -> str:
    """Who did something, as each decision, return, service and appointment keeps it."""
    return f"{actor.display_name}, {actor.organisation_name}"


# --- funds ---------------------------------------------------------------------------------------


def open_fund(db: Session, actor: Actor, data: FundIn) -> Fund:
    """A fund of the actor's organisation (a fund owner)."""
    actor.require(Permission.FUNDING_ADMINISTER)
    if data.closes_on < data.opens_on:
        raise InvalidInput(
            "The closing date must be on or after the opening date.", field="closes_on"
        )
    if data.cap_per_bid > data.budget:
        raise InvalidInput(
            "The most a bid may ask for cannot be more than the budget.", field="cap_per_bid"
        )
    fund = Fund(owner_id=actor.organisation_id, **data.model_dump())
    db.add(fund)
    db.commit()
    return fund


def list_funds(db: Session, actor: Actor) -> Sequence[Fund]:
    actor.require(Permission.FUNDING_READ)
    return db.scalars(select(Fund).order_by(Fund.opens_on.desc(), Fund.name)).all()


def get_fund(db: Session, actor: Actor, fund_id: uuid.UUID) -> Fund:
    actor.require(Permission.FUNDING_READ)
    fund = db.get(Fund, fund_id)
    if fund is None:
        raise NotFound("There is no such fund.")
    return fund


def summary(db: Session, actor: Actor, fund_id: uuid.UUID) -> FundSummary:
    """Where the fund's money stands; the bids counted are those the actor may see."""
    fund = get_fund(db, actor, fund_id)
    visible = list_bids(db, actor, fund_id=fund.id)
    awards = _awards(db, fund)
    awarded = sum(awards.values())
    accepted = db.scalars(
        select(MonitoringReturn)
        .join(Bid, Bid.id == MonitoringReturn.bid_id)
        .where(Bid.fund_id == fund.id, MonitoringReturn.accepted_at.is_not(None))
    ).all()
    return FundSummary(
        fund=FundRead.model_validate(fund),
        owner=organisation_of(db, fund.owner_id).name,
        awarded=awarded,
        remaining=fund.budget - awarded,
        bids=dict(Counter(b.status for b in visible)),
        young_people_reached=sum(r.young_people_reached for r in accepted),
        payable=sum(awards.get(r.bid_id, 0) // fund.years for r in accepted),
    )


def _awards(db: Session, fund: Fund) -> dict[uuid.UUID, int]:
    """Each awarded bid of the fund and its award."""
    rows = db.execute(
        select(Bid.id, Bid.amount_awarded).where(
            Bid.fund_id == fund.id, Bid.status == BidStatus.AWARDED.value
        )
    ).all()
    return {bid_id: amount or 0 for bid_id, amount in rows}


# --- bids ----------------------------------------------------------------------------------------


def _check_bid(data: BidIn, fund: Fund, rules: FundRules = RULES) -> None:
    """The rules of §EIYF a bid must meet, draft or submitted; the first broken one is named."""
    if data.amount_requested > fund.cap_per_bid and not (data.consortium_reason or "").strip():
        raise InvalidInput(
            f"A bid may ask for up to {_pounds(fund.cap_per_bid)}. To ask for more, as a "
            "consortium may, say why.",
            field="consortium_reason",
        )
    if data.amount_requested > fund.budget:
        raise InvalidInput(
            f"The fund's whole budget is {_pounds(fund.budget)}.", field="amount_requested"
        )
    if rules.match_funding_required and data.match_funding <= 0:
        raise InvalidInput(
            "The fund asks for match funding: give the amount partners put in.",
            field="match_funding",
        )
    if data.age_from > data.age_to:
        raise InvalidInput("The youngest age cannot be above the oldest.", field="age_from")
    if data.age_from >= rules.target_age_under:
        raise InvalidInput(
            f"The fund is for young people under {rules.target_age_under}: the youngest age "
            f"reached must be under {rules.target_age_under}.",
            field="age_from",
        )
    if data.age_to > rules.oldest_age:
        raise InvalidInput(
            f"Projects may reach young people up to {rules.oldest_age}, not older.", field="age_to"
        )
    if not _partner_lines(data.partners):
        raise InvalidInput(
            "Name the community safety partnership or other partners bidding with you.",
            field="partners",
        )


def _partner_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def start_bid(db: Session, actor: Actor, fund_id: uuid.UUID, data: BidIn) -> Bid:
    """A draft bid led by the actor's organisation: a police and crime commissioner."""
    actor.require(Permission.FUNDING_BID)
    fund = get_fund(db, actor, fund_id)
    if organisation_of(db, actor.organisation_id).kind != RULES.lead_bidder_kind:
        raise Forbidden(
            "Bids to this fund are led by a police and crime commissioner. Your organisation "
            "can be named as a partner in one."
        )
    if uk_date(clock.now()) > fund.closes_on:
        raise InvalidInput(f"The fund closed to bids on {fund.closes_on:%-d %B %Y}.", field="fund")
    _check_bid(data, fund)
    bid = Bid(
        fund_id=fund.id,
        lead_id=actor.organisation_id,
        status=BidStatus.DRAFT.value,
        **_bid_fields(data),
    )
    db.add(bid)
    db.commit()
    return bid


def _bid_fields(data: BidIn) -> dict[str, object]:
    fields = data.model_dump()
    fields["partners"] = "\n".join(_partner_lines(data.partners))
    fields["consortium_reason"] = (data.consortium_reason or "").strip() or None
    return fields


def update_bid(db: Session, actor: Actor, bid_id: uuid.UUID, data: BidIn, version: int) -> Bid:
    bid = _own_draft(db, actor, bid_id)
    check_version(bid, version)
    _check_bid(data, db.get_one(Fund, bid.fund_id))
    for key, value in _bid_fields(data).items():
        setattr(bid, key, value)
    db.commit()
    return bid


def submit_bid(db: Session, actor: Actor, bid_id: uuid.UUID, version: int) -> Bid:
    """Send a draft to the fund's panel, on or before the closing date."""
    bid = _own_draft(db, actor, bid_id)
    check_version(bid, version)
    fund = db.get_one(Fund, bid.fund_id)
    today = uk_date(clock.now())
    if today < fund.opens_on:
        raise InvalidInput(f"The fund opens to bids on {fund.opens_on:%-d %B %Y}.", field="fund")
    if today > fund.closes_on:
        raise InvalidInput(f"The fund closed to bids on {fund.closes_on:%-d %B %Y}.", field="fund")
    _check_bid(BidIn.model_validate(bid, from_attributes=True), fund)
    bid.status = BidStatus.SUBMITTED.value
    bid.submitted_at = clock.now()
    db.commit()
    return bid


def _own_draft(db: Session, actor: Actor, bid_id: uuid.UUID) -> Bid:
    actor.require(Permission.FUNDING_BID)
    bid = get_bid(db, actor, bid_id)
    actor.require(Permission.FUNDING_BID, owner=bid.lead_id)
    if bid.status != BidStatus.DRAFT.value:
        raise Conflict("This bid has been submitted: it can no longer be changed.")
    return bid


def _visible(db: Session, actor: Actor) -> ColumnElement[bool]:
    """The bids an actor may see: its own organisation's, and the submitted bids to its funds."""
    own = Bid.lead_id == actor.organisation_id if actor.can(Permission.FUNDING_BID) else None
    panel = (
        and_(
            Bid.fund_id.in_(select(Fund.id).where(Fund.owner_id == actor.organisation_id)),
            Bid.status != BidStatus.DRAFT.value,
        )
        if actor.can(Permission.FUNDING_ASSESS) or actor.can(Permission.FUNDING_ADMINISTER)
        else None
    )
    parts = [p for p in (own, panel) if p is not None]
    return or_(*parts) if parts else Bid.id.is_(None)


def list_bids(db: Session, actor: Actor, *, fund_id: uuid.UUID | None = None) -> Sequence[Bid]:
    actor.require(Permission.FUNDING_READ)
    query = select(Bid).where(_visible(db, actor))
    if fund_id is not None:
        query = query.where(Bid.fund_id == fund_id)
    return db.scalars(query.order_by(Bid.created_at.desc())).all()


def get_bid(db: Session, actor: Actor, bid_id: uuid.UUID) -> Bid:
    actor.require(Permission.FUNDING_READ)
    bid = db.scalar(select(Bid).where(Bid.id == bid_id, _visible(db, actor)))
    if bid is None:
        raise NotFound(NO_SUCH_BID)
    return bid


def as_read(db: Session, bid: Bid, actor: Actor) -> BidRead:
    """A bid as ``actor`` may read it. Its panel score, and how many assessors scored, are
    for the fund's administrators until the decision, and for everyone who sees the bid
    after it: a bidder does not watch the panel at work, and an assessor cannot work out a
    colleague's scores from the mean."""
    fund = db.get_one(Fund, bid.fund_id)
    score, assessors = panel_score(db, bid)
    decided = bid.status in (BidStatus.AWARDED.value, BidStatus.DECLINED.value)
    administrator = (
        actor.can(Permission.FUNDING_ADMINISTER) and fund.owner_id == actor.organisation_id
    )
    if not (decided or administrator):
        score, assessors = None, 0
    return BidRead.model_validate(
        {
            **{k: getattr(bid, k) for k in BidRead.model_fields if hasattr(bid, k)},
            "lead": organisation_of(db, bid.lead_id).name,
            "partners": _partner_lines(bid.partners),
            "per_year": bid.amount_requested // fund.years,
            "panel_score": score,
            "assessors": assessors,
        }
    )


# --- the panel -----------------------------------------------------------------------------------


def score_bid(db: Session, actor: Actor, bid_id: uuid.UUID, data: ScoreIn) -> None:
    """The actor's scores of a submitted bid on every criterion; scoring again replaces them."""
    actor.require(Permission.FUNDING_ASSESS)
    bid = get_bid(db, actor, bid_id)
    fund = db.get_one(Fund, bid.fund_id)
    actor.require(Permission.FUNDING_ASSESS, owner=fund.owner_id)
    if bid.status != BidStatus.SUBMITTED.value:
        raise Conflict("The bid has been decided: its scores can no longer change.")
    if not on_panel(db, fund.id, actor.user_id):
        raise Forbidden(
            "Only the fund's assessment panel scores its bids: ask a fund administrator to "
            "appoint you."
        )
    if _conflict(db, bid.id, actor.user_id) is not None:
        raise Conflict("You declared a conflict of interest in this bid: you do not score it.")
    scale = RULES.score_scale
    for criterion in RULES.criteria:
        value = data.scores.get(criterion.id)
        if value is None:
            raise InvalidInput(f"Score the bid on “{criterion.label}”.", field=criterion.id)
        if not scale.lowest <= value <= scale.highest:
            raise InvalidInput(
                f"Give “{criterion.label}” a score from {scale.lowest} to {scale.highest}.",
                field=criterion.id,
            )
    unknown = set(data.scores) - {c.id for c in RULES.criteria}
    if unknown:
        raise InvalidInput(
            f"'{sorted(unknown)[0]}' is not a criterion of this fund.", field="scores"
        )
    existing = {
        s.criterion: s
        for s in db.scalars(
            select(BidScore).where(BidScore.bid_id == bid.id, BidScore.assessor_id == actor.user_id)
        )
    }
    for criterion in RULES.criteria:
        row = existing.get(criterion.id) or BidScore(
            bid_id=bid.id, assessor_id=actor.user_id, criterion=criterion.id
        )
        row.assessor_name = actor.display_name
        row.score = data.scores[criterion.id]
        row.comment = (data.comments.get(criterion.id) or "").strip() or None
        db.add(row)
    db.commit()


def on_panel(db: Session, fund_id: uuid.UUID, user_id: uuid.UUID | None) -> bool:
    return user_id is not None and (
        db.scalar(
            select(PanelMember.id).where(
                PanelMember.fund_id == fund_id, PanelMember.user_id == user_id
            )
        )
        is not None
    )


def _conflict(
    db: Session, bid_id: uuid.UUID, user_id: uuid.UUID | None
) -> ConflictOfInterest | None:
    return db.scalar(
        select(ConflictOfInterest).where(
            ConflictOfInterest.bid_id == bid_id, ConflictOfInterest.user_id == user_id
        )
    )


def _own_fund(db: Session, actor: Actor, fund_id: uuid.UUID, permission: Permission) -> Fund:
    actor.require(permission)
    fund = get_fund(db, actor, fund_id)
    actor.require(permission, owner=fund.owner_id)
    return fund


def panel_of(db: Session, actor: Actor, fund_id: uuid.UUID) -> Sequence[PanelMember]:
    """The fund's assessment panel, for the fund owner's assessors and administrators."""
    fund = get_fund(db, actor, fund_id)
    if fund.owner_id != actor.organisation_id:
        return []
    return db.scalars(
        select(PanelMember).where(PanelMember.fund_id == fund.id).order_by(PanelMember.user_name)
    ).all()


def assessors_to_appoint(db: Session, actor: Actor, fund_id: uuid.UUID) -> Sequence[User]:
    """The fund owner's active assessors not on the fund's panel yet, but the administrator
    asking: nobody appoints themselves (``appoint``)."""
    fund = _own_fund(db, actor, fund_id, Permission.FUNDING_ADMINISTER)
    appointed = select(PanelMember.user_id).where(PanelMember.fund_id == fund.id)
    return db.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(
            User.organisation_id == fund.owner_id,
            User.is_active.is_(True),
            UserRole.role == RULES.assessor_role,
            User.id.not_in(appointed),
            User.id != actor.user_id,
        )
        .order_by(User.display_name)
    ).all()


def appoint(db: Session, actor: Actor, fund_id: uuid.UUID, user_id: uuid.UUID) -> PanelMember:
    """A fund administrator appoints one of the fund owner's assessors to its panel.

    Never themselves: an administrator who is also an assessor is appointed by another
    administrator, so that whoever chooses the panel that scores bids is not its only
    check (the panel's scores then go to the administrators' award decisions)."""
    fund = _own_fund(db, actor, fund_id, Permission.FUNDING_ADMINISTER)
    if user_id == actor.user_id:
        raise InvalidInput(
            "You cannot appoint yourself to the panel: another administrator of the fund "
            "appoints you, if you are to assess.",
            field="user_id",
        )
    if on_panel(db, fund.id, user_id):
        raise InvalidInput("They are on the panel already.", field="user_id")
    user = next((u for u in assessors_to_appoint(db, actor, fund.id) if u.id == user_id), None)
    if user is None:
        raise InvalidInput(
            "Appoint an active assessor of your organisation (a user with the fund assessor role).",
            field="user_id",
        )
    member = PanelMember(
        fund_id=fund.id,
        user_id=user.id,
        user_name=user.display_name,
        appointed_by_name=_by(actor),
    )
    db.add(member)
    db.commit()
    return member


def stand_down(db: Session, actor: Actor, fund_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """A member leaves the panel: their scores of bids not yet decided go with them; those of
    decided bids stay, as the decisions rested on them."""
    fund = _own_fund(db, actor, fund_id, Permission.FUNDING_ADMINISTER)
    member = db.scalar(
        select(PanelMember).where(PanelMember.fund_id == fund.id, PanelMember.user_id == user_id)
    )
    if member is None:
        raise NotFound("They are not on this fund's panel.")
    open_bids = select(Bid.id).where(
        Bid.fund_id == fund.id, Bid.status == BidStatus.SUBMITTED.value
    )
    for score in db.scalars(
        select(BidScore).where(BidScore.assessor_id == user_id, BidScore.bid_id.in_(open_bids))
    ):
        db.delete(score)
    db.delete(member)
    db.commit()


def declare_conflict(
    db: Session, actor: Actor, bid_id: uuid.UUID, reason: str
) -> ConflictOfInterest:
    """A panel member declares a conflict of interest in a bid not yet decided: they no longer
    score it, and any scores they gave it are withdrawn."""
    actor.require(Permission.FUNDING_ASSESS)
    bid = get_bid(db, actor, bid_id)
    fund = db.get_one(Fund, bid.fund_id)
    if not on_panel(db, fund.id, actor.user_id):
        raise Forbidden("Only a member of the fund's assessment panel declares a conflict.")
    if bid.status != BidStatus.SUBMITTED.value:
        raise Conflict("The bid has been decided.")
    if not reason.strip():
        raise InvalidInput(
            "Say what the conflict is: the fund's administrators read it.", field="reason"
        )
    if _conflict(db, bid.id, actor.user_id) is not None:
        raise InvalidInput("You have declared a conflict in this bid already.", field="reason")
    for score in db.scalars(
        select(BidScore).where(BidScore.bid_id == bid.id, BidScore.assessor_id == actor.user_id)
    ):
        db.delete(score)
    conflict = ConflictOfInterest(
        bid_id=bid.id, user_id=actor.user_id, user_name=actor.display_name, reason=reason.strip()
    )
    db.add(conflict)
    db.commit()
    return conflict


def conflicts_seen_by(db: Session, actor: Actor, bid_id: uuid.UUID) -> Sequence[ConflictOfInterest]:
    """The conflicts declared in a bid: all for the fund's administrators, a member's own for
    them, none for anyone else."""
    bid = get_bid(db, actor, bid_id)
    fund = db.get_one(Fund, bid.fund_id)
    if fund.owner_id != actor.organisation_id:
        return []
    query = select(ConflictOfInterest).where(ConflictOfInterest.bid_id == bid.id)
    if not actor.can(Permission.FUNDING_ADMINISTER):
        query = query.where(ConflictOfInterest.user_id == actor.user_id)
    return db.scalars(query.order_by(ConflictOfInterest.user_name)).all()


def panel_score(db: Session, bid: Bid) -> tuple[float | None, int]:
    """The mean of the assessors' weighted scores, out of 100, and how many assessors scored."""
    weights = {c.id: c.weight for c in RULES.criteria}
    best = sum(weights.values()) * RULES.score_scale.highest
    by_assessor: dict[uuid.UUID, float] = {}
    for row in db.scalars(select(BidScore).where(BidScore.bid_id == bid.id)):
        by_assessor[row.assessor_id] = (
            by_assessor.get(row.assessor_id, 0.0) + weights.get(row.criterion, 0.0) * row.score
        )
    if not by_assessor:
        return None, 0
    mean = sum(by_assessor.values()) / len(by_assessor)
    return round(100 * mean / best, 1), len(by_assessor)


def scores_seen_by(db: Session, actor: Actor, bid_id: uuid.UUID) -> list[ScoreRead]:
    """Administrators see every assessor's scores; an assessor their own until the decision."""
    bid = get_bid(db, actor, bid_id)
    fund = db.get_one(Fund, bid.fund_id)
    if fund.owner_id != actor.organisation_id:
        return []
    query = select(BidScore).where(BidScore.bid_id == bid.id)
    decided = bid.status in (BidStatus.AWARDED.value, BidStatus.DECLINED.value)
    if not actor.can(Permission.FUNDING_ADMINISTER) and not decided:
        query = query.where(BidScore.assessor_id == actor.user_id)
    labels = {c.id: c.label for c in RULES.criteria}
    order = {c.id: i for i, c in enumerate(RULES.criteria)}
    rows = sorted(db.scalars(query), key=lambda s: (s.assessor_name, order.get(s.criterion, 99)))
    return [
        ScoreRead(
            criterion=s.criterion,
            label=labels.get(s.criterion, s.criterion),
            score=s.score,
            comment=s.comment,
            assessor_name=s.assessor_name,
        )
        for s in rows
    ]


def decide(db: Session, actor: Actor, bid_id: uuid.UUID, data: DecisionIn) -> Bid:
    """Award a scored bid an amount within the budget left, or decline it with a reason."""
    actor.require(Permission.FUNDING_ADMINISTER)
    bid = get_bid(db, actor, bid_id)
    # The fund's row is locked until this decision is saved, so two awards made at once
    # cannot both fit in what was left (PostgreSQL; SQLite has one writer at a time anyway).
    fund = db.scalars(select(Fund).where(Fund.id == bid.fund_id).with_for_update()).one()
    actor.require(Permission.FUNDING_ADMINISTER, owner=fund.owner_id)
    check_version(bid, data.version)
    if bid.status != BidStatus.SUBMITTED.value:
        raise Conflict("This bid has already been decided.")
    if _conflict(db, bid.id, actor.user_id) is not None:
        raise Conflict(
            "You declared a conflict of interest in this bid: another administrator decides it."
        )
    if panel_score(db, bid)[1] == 0:
        raise InvalidInput("The assessment panel has not scored this bid yet.", field="award")
    reason = (data.reason or "").strip() or None
    if data.award:
        if data.amount is None:
            raise InvalidInput("Give the amount awarded.", field="amount")
        if data.amount > bid.amount_requested:
            raise InvalidInput(
                f"The bid asked for {_pounds(bid.amount_requested)}: award no more.", field="amount"
            )
        left = fund.budget - sum(_awards(db, fund).values())
        if data.amount > left:
            raise InvalidInput(
                f"The fund has {_pounds(left)} left of its {_pounds(fund.budget)} budget.",
                field="amount",
            )
        bid.status, bid.amount_awarded = BidStatus.AWARDED.value, data.amount
    else:
        if reason is None:
            raise InvalidInput("Say why the bid is declined: the bidder is told.", field="reason")
        bid.status = BidStatus.DECLINED.value
    bid.decision_reason = reason
    bid.decided_at = clock.now()
    bid.decided_by_name = _by(actor)
    db.commit()
    return bid


# --- monitoring ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Returns:
    """An awarded bid's returns, and what each year's grant is."""

    returns: Sequence[MonitoringReturn]
    per_year: int
    years: int


def returns_of(db: Session, actor: Actor, bid_id: uuid.UUID) -> Returns:
    bid = get_bid(db, actor, bid_id)
    fund = db.get_one(Fund, bid.fund_id)
    rows = db.scalars(
        select(MonitoringReturn)
        .where(MonitoringReturn.bid_id == bid.id)
        .order_by(MonitoringReturn.year)
    ).all()
    return Returns(rows, (bid.amount_awarded or 0) // fund.years, fund.years)


def make_return(db: Session, actor: Actor, bid_id: uuid.UUID, data: ReturnIn) -> MonitoringReturn:
    """The lead's return for one year of an awarded bid; changed freely until it is accepted."""
    actor.require(Permission.FUNDING_BID)
    bid = get_bid(db, actor, bid_id)
    actor.require(Permission.FUNDING_BID, owner=bid.lead_id)
    fund = db.get_one(Fund, bid.fund_id)
    if bid.status != BidStatus.AWARDED.value:
        raise Conflict("Monitoring returns are made for awarded bids.")
    if data.year > fund.years:
        raise InvalidInput(f"The grant runs for {fund.years} years.", field="year")
    if data.of_them_under_18 > data.young_people_reached:
        raise InvalidInput(
            "Those under 18 cannot be more than the young people reached.",
            field="of_them_under_18",
        )
    row = db.scalar(
        select(MonitoringReturn).where(
            MonitoringReturn.bid_id == bid.id, MonitoringReturn.year == data.year
        )
    )
    if row is not None and row.accepted_at is not None:
        raise Conflict(f"The return for year {data.year} has been accepted: it cannot change.")
    if row is None:
        row = MonitoringReturn(bid_id=bid.id, year=data.year)
        db.add(row)
    for key, value in data.model_dump().items():
        setattr(row, key, value.strip() if isinstance(value, str) else value)
    row.submitted_by_name = _by(actor)
    db.commit()
    return row


def accept_return(db: Session, actor: Actor, return_id: uuid.UUID) -> MonitoringReturn:
    """The fund accepts a year's return: that year's grant becomes payable (paid in arrears)."""
    actor.require(Permission.FUNDING_ADMINISTER)
    row = db.get(MonitoringReturn, return_id)
    if row is None:
        raise NotFound("There is no such monitoring return.")
    bid = get_bid(db, actor, row.bid_id)
    fund = db.get_one(Fund, bid.fund_id)
    actor.require(Permission.FUNDING_ADMINISTER, owner=fund.owner_id)
    if row.accepted_at is None:
        row.accepted_at = clock.now()
        row.accepted_by_name = _by(actor)
        db.commit()
    return row


# --- outcomes rolled up from referrals -----------------------------------------------------------


def _awarded(db: Session, actor: Actor, bid_id: uuid.UUID) -> Bid:
    bid = get_bid(db, actor, bid_id)
    if bid.status != BidStatus.AWARDED.value:
        raise Conflict("Services are named, and outcomes counted, for awarded bids.")
    return bid


def funded_services(db: Session, actor: Actor, bid_id: uuid.UUID) -> list[FundedServiceRead]:
    """The services a bid pays for, as whoever may see the bid sees them."""
    bid = get_bid(db, actor, bid_id)
    return _service_reads(db, bid)


def _service_reads(db: Session, bid: Bid) -> list[FundedServiceRead]:
    rows = db.scalars(select(FundedService).where(FundedService.bid_id == bid.id)).all()
    known = {(s.organisation_id, s.programme_id): s for s in outcomes.source().services(db)}
    reads = [FundedServiceRead(**_service_fields(db, row, known)) for row in rows]
    return sorted(reads, key=lambda r: (r.organisation, r.programme))


def _service_fields(
    db: Session, row: FundedService, known: dict[outcomes.ServiceKey, outcomes.Service]
) -> dict[str, object]:
    """What a funded service reads as, wherever it is shown."""
    service = known.get((row.organisation_id, row.programme_id))
    return {
        "id": row.id,
        "organisation_id": row.organisation_id,
        "organisation": service.organisation
        if service
        else organisation_of(db, row.organisation_id).name,
        # A service no longer delivered keeps its programme's id as its name.
        "programme_id": row.programme_id,
        "programme": service.programme if service else row.programme_id,
        "added_by_name": row.added_by_name,
        "created_at": row.created_at,
        "status": ServiceStatus(row.status),
        "decided_by_name": row.decided_by_name,
        "decided_at": row.decided_at,
        "refusal_reason": row.refusal_reason,
    }


def service_options(db: Session, actor: Actor, bid_id: uuid.UUID) -> list[ServiceOption]:
    """The services in Crossline the bid does not name yet, or whose provider refused: what
    its lead may ask for."""
    bid = get_bid(db, actor, bid_id)
    taken = set(_keys(db, bid, ServiceStatus.REQUESTED, ServiceStatus.CONFIRMED))
    return [
        ServiceOption(
            organisation_id=s.organisation_id,
            organisation=s.organisation,
            programme_id=s.programme_id,
            programme=s.programme,
        )
        for s in outcomes.source().services(db)
        if (s.organisation_id, s.programme_id) not in taken
    ]


def add_service(
    db: Session, actor: Actor, bid_id: uuid.UUID, data: FundedServiceIn
) -> FundedService:
    """The lead names a service its award pays for: an organisation delivering a programme
    in Crossline. The provider's administrator is asked to confirm it (decide_service);
    once confirmed, the referrals made to it count as the bid's outcomes. Naming again a
    service its provider refused asks the provider again."""
    actor.require(Permission.FUNDING_BID)
    bid = _awarded(db, actor, bid_id)
    actor.require(Permission.FUNDING_BID, owner=bid.lead_id)
    delivered = {(s.organisation_id, s.programme_id) for s in outcomes.source().services(db)}
    if (data.organisation_id, data.programme_id) not in delivered:
        raise InvalidInput(
            "That organisation does not deliver that programme in Crossline: its administrator "
            "adds the programmes it delivers on its Programmes we deliver page.",
            field="service",
        )
    row = db.scalar(
        select(FundedService).where(
            FundedService.bid_id == bid.id,
            FundedService.organisation_id == data.organisation_id,
            FundedService.programme_id == data.programme_id,
        )
    )
    if row is not None and row.status != ServiceStatus.REFUSED:
        raise InvalidInput("The grant already pays for that service.", field="service")
    if row is None:
        row = FundedService(
            bid_id=bid.id, organisation_id=data.organisation_id, programme_id=data.programme_id
        )
        db.add(row)
    row.added_by_name = _by(actor)
    row.created_at = clock.now()  # asked (again) now
    row.status = ServiceStatus.REQUESTED.value
    row.decided_by_name = row.decided_at = row.refusal_reason = None
    db.commit()
    return row


def remove_service(db: Session, actor: Actor, bid_id: uuid.UUID, service_id: uuid.UUID) -> None:
    """The lead takes a service off the bid: its referrals no longer count as the bid's."""
    actor.require(Permission.FUNDING_BID)
    bid = _awarded(db, actor, bid_id)
    actor.require(Permission.FUNDING_BID, owner=bid.lead_id)
    row = db.get(FundedService, service_id)
    if row is None or row.bid_id != bid.id:
        raise NotFound("The grant does not pay for that service.")
    db.delete(row)
    db.commit()


def service_requests(db: Session, actor: Actor) -> list[ServiceRequestRead]:
    """The grants naming a service of the actor's organisation, for its administrator to
    confirm or refuse: those waiting first, then the newest. Only the fund, the bid's
    title and its lead are shown of each bid."""
    actor.require(Permission.ORGANISATION_MANAGE)
    rows = db.execute(
        select(FundedService, Bid, Fund)
        .join(Bid, Bid.id == FundedService.bid_id)
        .join(Fund, Fund.id == Bid.fund_id)
        .where(FundedService.organisation_id == actor.organisation_id)
    ).all()
    known = {(s.organisation_id, s.programme_id): s for s in outcomes.source().services(db)}
    leads: dict[uuid.UUID, str] = {}
    reads = []
    for row, bid, fund in rows:
        if bid.lead_id not in leads:
            leads[bid.lead_id] = organisation_of(db, bid.lead_id).name
        reads.append(
            ServiceRequestRead(
                **_service_fields(db, row, known),
                bid_id=bid.id,
                bid_title=bid.title,
                fund=fund.name,
                lead=leads[bid.lead_id],
            )
        )
    waiting = ServiceStatus.REQUESTED
    return sorted(
        reads, key=lambda r: (r.status != waiting, -r.created_at.timestamp(), r.bid_title)
    )


def decide_service(
    db: Session, actor: Actor, service_id: uuid.UUID, data: ServiceDecisionIn
) -> FundedService:
    """The provider's administrator confirms that a grant pays for its service, so the
    referrals made to it count as the bid's outcomes, or refuses with the reason, so none
    do. Either answer may be changed later: refusing a confirmed service withdraws its
    figures from the bid and the fund."""
    actor.require(Permission.ORGANISATION_MANAGE)
    row = db.get(FundedService, service_id)
    if row is None or row.organisation_id != actor.organisation_id:
        raise NotFound("No grant names that service of your organisation.")
    reason = (data.reason or "").strip()
    if not data.confirm and not reason:
        raise InvalidInput(
            "Say why the service is refused: the bid's lead reads the reason.", field="reason"
        )
    row.status = (ServiceStatus.CONFIRMED if data.confirm else ServiceStatus.REFUSED).value
    row.refusal_reason = None if data.confirm else reason
    row.decided_by_name = _by(actor)
    row.decided_at = clock.now()
    db.commit()
    return row


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year + years, day=28)


def _uk_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UK).astimezone(UTC)


def grant_years(bid: Bid, fund: Fund) -> list[GrantYear]:
    """The grant's years, each starting on the anniversary of the award (UK dates)."""
    if bid.decided_at is None:
        return []
    first = uk_date(bid.decided_at)
    today = uk_date(clock.now())
    years = []
    for year in range(1, fund.years + 1):
        starts = _add_years(first, year - 1)
        ends = _add_years(first, year) - timedelta(days=1)
        years.append(GrantYear(year=year, starts_on=starts, ends_on=ends, begun=starts <= today))
    return years


def _keys(db: Session, bid: Bid, *statuses: ServiceStatus) -> list[outcomes.ServiceKey]:
    """The (organisation, programme) of each service the bid names with one of ``statuses``."""
    rows = db.execute(
        select(FundedService.organisation_id, FundedService.programme_id).where(
            FundedService.bid_id == bid.id,
            FundedService.status.in_([status.value for status in statuses]),
        )
    )
    return [(organisation, programme) for organisation, programme in rows]


def _windows(db: Session, bid: Bid, fund: Fund) -> list[outcomes.Window]:
    """One window a grant year: the bid's confirmed services, from the year's first day to
    its last."""
    keys = _keys(db, bid, ServiceStatus.CONFIRMED)
    return [
        outcomes.Window(
            keys, _uk_midnight(y.starts_on), _uk_midnight(y.ends_on + timedelta(days=1))
        )
        for y in grant_years(bid, fund)
    ]


def _rows(by_column: list[dict[str, int]], total: dict[str, int]) -> list[OutcomeRow]:
    """A row per stage of the source: a controlled count per column and a controlled total
    taken from the raw total (never summed from controlled cells)."""
    policy = RULES.disclosure
    return [
        OutcomeRow(
            stage=stage.id,
            label=stage.label,
            total_row=stage.total,
            counts=[control(counts.get(stage.id, 0), policy).value for counts in by_column],
            total=control(total.get(stage.id, 0), policy).value,
        )
        for stage in outcomes.source().stages
    ]


def outcomes_of(db: Session, actor: Actor, bid_id: uuid.UUID) -> OutcomesRead:
    """The referrals made to the services an awarded bid pays for, in each year of its grant,
    by where each stands now: counts only, each under the fund's disclosure policy
    (DOMAIN.md §DISCLOSURE), so withheld counts cannot be worked out by subtraction."""
    bid = _awarded(db, actor, bid_id)
    fund = db.get_one(Fund, bid.fund_id)
    source = outcomes.source()
    windows = _windows(db, bid, fund)
    by_year = [source.counts(db, [window]) for window in windows]
    return OutcomesRead(
        disclosure=describe(RULES.disclosure),
        services=_service_reads(db, bid),
        years=grant_years(bid, fund),
        rows=_rows(by_year, source.counts(db, windows)),
    )


def fund_outcomes(db: Session, actor: Actor, fund_id: uuid.UUID) -> FundOutcomesRead:
    """The fund's outcomes rolled up from referrals: every awarded grant's services over its
    grant years, a referral counted once however many grants pay for its service. Counts
    only, under the fund's disclosure policy; seen by every funding user, as the fund's
    other figures are."""
    fund = get_fund(db, actor, fund_id)
    awarded = db.scalars(
        select(Bid).where(Bid.fund_id == fund.id, Bid.status == BidStatus.AWARDED.value)
    ).all()
    per_grant = [_windows(db, bid, fund) for bid in awarded]
    total = outcomes.source().counts(db, [w for windows in per_grant for w in windows])
    return FundOutcomesRead(
        disclosure=describe(RULES.disclosure),
        grants=len(awarded),
        grants_with_services=sum(1 for ws in per_grant if any(w.services for w in ws)),
        rows=_rows([], total),
    )
