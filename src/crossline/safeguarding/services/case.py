"""The case view: everything this organisation may see about a young person, as one
timeline, with the next actions and who owns each.

The timeline is the case's :class:`CaseEvent` entries (concerns, triage,
screenings, missing episodes, NRM steps, plans, referrals, sharing). A link
to a line is shown as the line's reference only to a reader who may read
that line (police roles of its owners, DESIGN.md); anyone else is told which
organisation holds the line and whom to contact, never the line itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.permissions import Permission
from crossline.core import clock
from crossline.lines.models import Line, LineOwner
from crossline.orgs.models import Organisation
from crossline.orgs.services import alert_contact, organisation_names
from crossline.safeguarding.models import CaseEvent, Concern, YoungPerson
from crossline.safeguarding.reference import LIMITS, label
from crossline.safeguarding.services import concerns, missing, nrm, plans, screening
from crossline.safeguarding.services.linkage import (
    KnownToPolice,
    OtherRecord,
    known_to_police,
    other_records,
)
from crossline.safeguarding.services.young_people import get, members


@dataclass(frozen=True)
class LineLink:
    """A line a case entry is about, as far as the reader may know it."""

    reference: str | None  # None: the reader may not read the line
    url: str | None
    held_by: str
    contact: str | None  # whom to call when the reader may not read it


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    summary: str
    by: str
    organisation: str
    line: LineLink | None


@dataclass(frozen=True)
class NextAction:
    what: str
    owner: str  # the organisation (or body) that should act
    due: datetime | date | None
    overdue: bool


@dataclass(frozen=True)
class CaseView:
    young_person: YoungPerson
    organisations: list[Organisation]
    timeline: list[TimelineEntry]
    next_actions: list[NextAction]
    known_to_police: Sequence[KnownToPolice]
    other_records: Sequence[OtherRecord]


def case_view(
    db: Session, actor: Actor, young_person_id: uuid.UUID, *, why: str, via: str = "web"
) -> CaseView:
    """The case as ``actor``'s organisation may see it; the look is audited."""
    young_person = get(db, actor, young_person_id, why=why, via=via)
    events = db.scalars(
        select(CaseEvent)
        .where(CaseEvent.young_person_id == young_person.id)
        .order_by(CaseEvent.at.desc())
    ).all()
    names = organisation_names(db, {e.organisation_id for e in events})
    links = _line_links(db, actor, {e.line_id for e in events if e.line_id})
    timeline = [
        TimelineEntry(
            at=e.at,
            kind=e.kind,
            summary=e.summary,
            by=e.by_name,
            organisation=names.get(e.organisation_id, ""),
            line=links.get(e.line_id) if e.line_id else None,
        )
        for e in events
    ]
    return CaseView(
        young_person=young_person,
        organisations=members(db, young_person),
        timeline=timeline,
        next_actions=next_actions(db, actor, young_person),
        known_to_police=known_to_police(db, actor, young_person),
        other_records=other_records(db, actor, young_person),
    )


def next_actions(db: Session, actor: Actor, young_person: YoungPerson) -> list[NextAction]:
    """What is waiting in the case, soonest first, with who should do it."""
    now = clock.now()
    today = now.date()
    names = organisation_names(db, _organisations(db, young_person))
    actions: list[NextAction] = []
    case_concerns = concerns.concerns_of(db, young_person)
    for concern in case_concerns:
        if concern.triaged_at is None:
            actions.append(
                NextAction(
                    f"Triage the concern raised {concern.raised_at:%-d %B %Y} "
                    f"({label('concern_sources', concern.source)})",
                    names.get(concern.organisation_id, ""),
                    concern.triage_due,
                    concern.triage_due < now,
                )
            )
    actions += _after_triage(db, young_person, case_concerns, names)
    meeting = missing.strategy_meeting_due(db, young_person)
    if meeting is not None:
        limit = LIMITS.missing_strategy_meeting
        actions.append(
            NextAction(
                f"Hold a strategy meeting: {meeting[1]} missing episodes in {limit.days} days "
                "(§MISSING.risk); record it here when held",
                names.get(young_person.owner_id, ""),
                None,
                False,
            )
        )
    for episode in missing.episodes_of(db, young_person):
        owner = names.get(episode.organisation_id, "")
        if episode.found_at is None:
            actions.append(NextAction("Find the young person: still missing", owner, None, False))
        elif episode.rhi_outcome is None and episode.rhi_due is not None:
            actions.append(
                NextAction(
                    "Offer the return-home interview (within 72 hours, §MISSING.rhi)",
                    owner,
                    episode.rhi_due,
                    episode.rhi_due < now,
                )
            )
    for referral in nrm.referrals_of(db, young_person):
        owner = names.get(referral.organisation_id, "")
        if referral.rg_decision is None:
            actions.append(
                NextAction(
                    "Reasonable-grounds decision awaited from the competent authority; "
                    "chase it when overdue",
                    owner,
                    referral.rg_due,
                    referral.rg_due < now,
                )
            )
        elif referral.rg_decision == "positive" and referral.cg_decision is None:
            due = referral.recovery_until
            actions.append(
                NextAction(
                    "Conclusive-grounds decision awaited (no target time; expected after "
                    "the recovery period)",
                    owner,
                    due,
                    due is not None and due < today,
                )
            )
    for plan in plans.plans_of(db, young_person):
        if plan.ended_on is None:
            actions.append(
                NextAction(
                    f"Review the Custody Support Plan at {plan.establishment}",
                    names.get(plan.organisation_id, ""),
                    plan.next_review_on,
                    plan.next_review_on < today,
                )
            )
    for ace in plans.aces_of(db, young_person):
        actions.append(
            NextAction(
                "Review the ACE screening",
                names.get(ace.organisation_id, ""),
                ace.next_review_on,
                ace.next_review_on < today,
            )
        )
    return sorted(actions, key=_soonest)


def _after_triage(
    db: Session,
    young_person: YoungPerson,
    case_concerns: Sequence[Concern],
    names: dict[uuid.UUID, str],
) -> list[NextAction]:
    """What a triage decision asks for and has not happened yet."""
    done_screening = screening.screenings_of(db, young_person)
    referred = nrm.referrals_of(db, young_person)
    actions: list[NextAction] = []
    for concern in case_concerns:
        if concern.triaged_at is None:
            continue
        owner = names.get(concern.organisation_id, "")
        later_screen = any(s.screened_at >= concern.triaged_at for s in done_screening)
        later_referral = any(r.referred_at >= concern.triaged_at for r in referred)
        if concern.triage_decision == "screen" and not later_screen:
            actions.append(NextAction("Screen for exploitation", owner, None, False))
        if concern.triage_decision == "nrm_referral" and not later_referral:
            actions.append(
                NextAction("Refer to the National Referral Mechanism", owner, None, False)
            )
        if concern.triage_decision == "strategy_meeting" and not missing.meeting_held_since(
            db, young_person, concern.triaged_at
        ):
            actions.append(NextAction("Hold the strategy discussion", owner, None, False))
    return actions


def _organisations(db: Session, young_person: YoungPerson) -> set[uuid.UUID]:
    return {o.id for o in members(db, young_person)} | set(
        db.scalars(
            select(Concern.organisation_id).where(Concern.young_person_id == young_person.id)
        )
    )


def _soonest(action: NextAction) -> tuple[int, str]:
    if action.due is None:
        return (1, "")
    due = (
        action.due
        if isinstance(action.due, datetime)
        else datetime.combine(action.due, datetime.min.time()).replace(tzinfo=clock.now().tzinfo)
    )
    return (0, due.isoformat())


def _line_links(db: Session, actor: Actor, ids: set[uuid.UUID | None]) -> dict[uuid.UUID, LineLink]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    lines = db.scalars(select(Line).where(Line.id.in_(wanted))).all()
    co_owned = set(
        db.scalars(
            select(LineOwner.line_id).where(
                LineOwner.line_id.in_(wanted), LineOwner.organisation_id == actor.organisation_id
            )
        )
    )
    links: dict[uuid.UUID, LineLink] = {}
    for line in lines:
        owner = db.get(Organisation, line.owner_id)
        held_by = owner.name if owner else ""
        readable = actor.can(Permission.LINES_READ) and (
            line.owner_id == actor.organisation_id
            or line.id in co_owned
            or actor.can(Permission.LINES_NATIONAL)
        )
        if readable:
            links[line.id] = LineLink(line.reference, f"/lines/{line.id}", held_by, None)
        else:
            contact = alert_contact(owner) if owner else None
            who = (
                ", ".join(p for p in (contact.name, contact.email) if p) or contact.note
                if contact
                else None
            )
            links[line.id] = LineLink(None, None, held_by, who)
    return links
