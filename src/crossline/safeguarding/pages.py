"""Safeguarding pages: the organisation's cases, and a young person's case with a form for
every step (triage, screening, missing episodes, NRM, plans, sharing).

Every rule is in ``services``; a page parses its form, calls one service and
redirects to the case, or shows the case again with a GOV.UK error summary
and what was entered. The case page holds many forms, so each form's fields
are named with the form's prefix (``triage-<concern id>-decision``), which
keeps every id on the page unique and every error linked to its field.
Opening a case is audited as a consultation with :data:`PAGE_WHY`.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, TypeVar

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
from crossline.core.calendar import UK, uk_date
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.core.pages import NavItem, add_navigation, render, see_other
from crossline.orgs.models import Organisation
from crossline.orgs.reference import FORCES
from crossline.safeguarding import facts
from crossline.safeguarding.models import AceScreening, CustodySupportPlan, YoungPerson
from crossline.safeguarding.reference import (
    INDICATOR,
    INDICATORS,
    SCREENING_ITEMS,
    VOCABULARY,
    label,
)
from crossline.safeguarding.schemas import (
    AceIn,
    CaseMemberIn,
    CgDecisionIn,
    ConcernIn,
    FoundIn,
    InterviewIn,
    MissingIn,
    NrmReferralIn,
    OtherRecordDecisionIn,
    PlanIn,
    RegradeIn,
    ReviewIn,
    RgDecisionIn,
    ScreeningAnswer,
    ScreeningIn,
    StrategyMeetingIn,
    TriageIn,
    YoungPersonChange,
    YoungPersonIn,
)
from crossline.safeguarding.services import (
    case,
    concerns,
    linkage,
    missing,
    nrm,
    partnerships,
    philomena,
    plans,
    screening,
    young_people,
)

router = APIRouter()
add_navigation(
    NavItem("Safeguarding", "/safeguarding", Permission.SAFEGUARDING_READ.value, order=40)
)

Reader = Annotated[Actor, allowed(Permission.SAFEGUARDING_READ)]
Writer = Annotated[Actor, allowed(Permission.SAFEGUARDING_WRITE)]
Referrer = Annotated[Actor, allowed(Permission.NRM_REFER)]

PAGE_WHY = "safeguarding case work: opening the young person's case"
PageError = (InvalidInput, Conflict)
M = TypeVar("M", bound=BaseModel)


# --- the organisation's cases -------------------------------------------------------------------


@router.get("/safeguarding", include_in_schema=False)
def cases_page(request: Request, db: DbDep, actor: Reader) -> Response:
    """The cases the organisation works on, with what is open and what is overdue."""
    now = clock.now()
    open_ = concerns.open_concerns(db, actor)
    open_by_person = Counter(c.young_person_id for c in open_)
    overdue_by_person = Counter(c.young_person_id for c in open_ if c.triage_due < now)
    cases = [
        {
            "url": p.url,
            "reference": p.reference,
            "name": p.name,
            "dob": p.dob,
            "open": open_by_person[p.id],
            "overdue": overdue_by_person[p.id],
        }
        for p in young_people.list_cases(db, actor)
    ]
    counts = {
        "open_concerns": len(open_),
        "overdue_triage": sum(overdue_by_person.values()),
        "still_missing": len(missing.still_missing(db, actor)),
        "overdue_interviews": len(missing.overdue_interviews(db, actor)),
        "overdue_nrm": len(nrm.overdue_decisions(db, actor)),
        "overdue_reviews": len(plans.overdue_reviews(db, actor)),
    }
    context = {
        "cases": cases,
        "counts": counts,
        "may_write": actor.can(Permission.SAFEGUARDING_WRITE),
    }
    return render(request, "safeguarding/cases.html", context)


# --- recording and correcting a young person ----------------------------------------------------


@router.get("/safeguarding/young-people/new", include_in_schema=False)
def new_page(request: Request, actor: Writer) -> Response:
    return render(request, "safeguarding/young_person_form.html", _form_context(None, {}))


@router.post("/safeguarding/young-people/new", include_in_schema=False)
async def create_page(
    request: Request, db: DbDep, settings: SettingsDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        young_person = young_people.create(db, actor, _person_data(form, YoungPersonIn))
    except PageError as exc:
        db.rollback()
        context = _form_context(None, _values(form)) | {"errors": _person_errors(exc)}
        return render(
            request, "safeguarding/young_person_form.html", context, status_code=exc.status
        )
    linkage.relink_young_people(db, memory_limit=settings.linkage_memory_limit, via="web")
    return see_other(young_person.url)


@router.get("/safeguarding/young-people/{young_person_id}/edit", include_in_schema=False)
def edit_page(request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer) -> Response:
    young_person = young_people.get(db, actor, young_person_id, why=PAGE_WHY)
    read = young_people.read(db, young_person)
    values: dict[str, Any] = {
        k: v for k, v in read.model_dump().items() if isinstance(v, str | list)
    }
    values["version"] = str(read.version)
    if read.dob:
        values |= {"dob-day": read.dob.day, "dob-month": read.dob.month, "dob-year": read.dob.year}
    context = _form_context(young_person, values)
    return render(request, "safeguarding/young_person_form.html", context)


@router.post("/safeguarding/young-people/{young_person_id}/edit", include_in_schema=False)
async def change_page(
    request: Request,
    young_person_id: uuid.UUID,
    db: DbDep,
    settings: SettingsDep,
    actor: Writer,
) -> Response:
    form = await request.form()
    try:
        data = _person_data(form, YoungPersonChange)
        young_person = young_people.change(db, actor, young_person_id, data)
    except PageError as exc:
        db.rollback()
        young_person = young_people.get(db, actor, young_person_id, why=PAGE_WHY)
        context = _form_context(young_person, _values(form)) | {"errors": _person_errors(exc)}
        return render(
            request, "safeguarding/young_person_form.html", context, status_code=exc.status
        )
    linkage.relink_young_people(db, memory_limit=settings.linkage_memory_limit, via="web")
    return see_other(young_person.url)


def _form_context(young_person: YoungPerson | None, values: dict[str, Any]) -> dict[str, Any]:
    def options(kind: type[Any]) -> list[tuple[str, str]]:
        return [(k.value, facts.LABELS[k]) for k in kind]

    return {
        "young_person": young_person,
        "values": values,
        "countries": options(facts.Country),
        "educations": options(facts.Education),
        "exclusions": options(facts.Exclusion),
        "custodies": options(facts.Custody),
        "circumstances": [(v, t, None) for v, t in options(facts.Circumstance)],
        "family_problems": [(v, t, None) for v, t in options(facts.FamilyProblem)],
        "forces": sorted(((f.id, f.name) for f in FORCES.values()), key=lambda f: f[1]),
    }


def _person_data(form: FormData, model: type[M]) -> M:
    names = (
        "first_name",
        "surname",
        "gender",
        "postcode",
        "description",
        "phone_number",
        "country",
        "force_area",
        "education",
        "exclusion",
        "custody",
        "version",
    )
    data: dict[str, Any] = filled_fields(form, "", names)
    if any(str(form.get(f"dob-{p}", "")).strip() for p in ("day", "month", "year")):
        data["dob"] = _date(form, "dob", "Enter the date of birth, like 27 3 2009.")
    data["circumstances"] = [str(v) for v in form.getlist("circumstances")]
    data["family_problems"] = [str(v) for v in form.getlist("family_problems")]
    return parse_form(model, data)


def _person_errors(exc: InvalidInput | Conflict) -> dict[str, str]:
    if isinstance(exc, Conflict) or not exc.errors:
        return {"first_name": exc.message}
    return {("dob-day" if k == "dob" else k): v for k, v in exc.errors.items()}


# --- a young person's case ----------------------------------------------------------------------


@router.get("/safeguarding/young-people/{young_person_id}", include_in_schema=False)
def case_page(request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Reader) -> Response:
    context = _case_context(db, actor, young_person_id)
    return render(request, "safeguarding/young_person.html", context)


@router.post("/safeguarding/young-people/{young_person_id}/concerns", include_in_schema=False)
async def raise_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        data = parse_form(ConcernIn, filled_fields(form, "concern", ("source", "summary")))
        concerns.raise_concern(db, actor, young_person_id, data)
    except PageError as exc:
        return show_case_again(request, db, actor, young_person_id, exc, form, "concern")
    return _to_case(young_person_id, "concerns")


@router.post("/safeguarding/concerns/{concern_id}/triage", include_in_schema=False)
async def triage_page(
    request: Request, concern_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    _, young_person = concerns.get_concern(db, actor, concern_id)
    prefix = f"triage-{concern_id}"
    try:
        data = parse_form(TriageIn, filled_fields(form, prefix, ("decision", "note", "version")))
        concerns.triage(db, actor, concern_id, data)
    except PageError as exc:
        return show_case_again(request, db, actor, young_person.id, exc, form, prefix)
    return _to_case(young_person.id, "concerns")


@router.post("/safeguarding/young-people/{young_person_id}/screenings", include_in_schema=False)
async def screen_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """Every indicator on the form is answered: ticked present, otherwise not present."""
    form = await request.form()
    ticked = {str(v) for v in form.getlist("screening-answers")}
    answers = {i.id: ScreeningAnswer(present=i.id in ticked) for i in SCREENING_ITEMS}
    try:
        data = parse_form(
            ScreeningIn, {"answers": answers, **filled_fields(form, "screening", ("note",))}
        )
        screening.screen(db, actor, young_person_id, data)
    except PageError as exc:
        return show_case_again(request, db, actor, young_person_id, exc, form, "screening")
    return _to_case(young_person_id, "screenings")


@router.post(
    "/safeguarding/young-people/{young_person_id}/missing-episodes", include_in_schema=False
)
async def report_missing_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    prefix = "missing"
    try:
        given = filled_fields(form, prefix, ("reported_by", "risk"))
        given["reported_at"] = _uk_datetime(form, f"{prefix}-reported_at", "reported missing")
        missing.report_missing(db, actor, young_person_id, parse_form(MissingIn, given))
    except PageError as exc:
        return show_case_again(
            request, db, actor, young_person_id, exc, form, prefix, ("reported_at",)
        )
    return _to_case(young_person_id, "missing")


@router.post("/safeguarding/missing-episodes/{episode_id}/found", include_in_schema=False)
async def found_page(request: Request, episode_id: uuid.UUID, db: DbDep, actor: Writer) -> Response:
    form = await request.form()
    _, young_person = missing.get_episode(db, actor, episode_id)
    prefix = f"found-{episode_id}"
    try:
        given = filled_fields(
            form, prefix, ("found_where", "found_by", "found_force_area", "version")
        )
        given["found_at"] = _uk_datetime(form, f"{prefix}-found_at", "found")
        missing.found(db, actor, episode_id, parse_form(FoundIn, given))
    except PageError as exc:
        return show_case_again(
            request, db, actor, young_person.id, exc, form, prefix, ("found_at",)
        )
    return _to_case(young_person.id, "missing")


@router.post("/safeguarding/missing-episodes/{episode_id}/regrade", include_in_schema=False)
async def regrade_page(
    request: Request, episode_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    _, young_person = missing.get_episode(db, actor, episode_id)
    prefix = f"regrade-{episode_id}"
    try:
        data = parse_form(RegradeIn, filled_fields(form, prefix, ("risk", "reason", "version")))
        missing.regrade(db, actor, episode_id, data)
    except PageError as exc:
        return show_case_again(request, db, actor, young_person.id, exc, form, prefix)
    return _to_case(young_person.id, "missing")


@router.post("/safeguarding/missing-episodes/{episode_id}/interview", include_in_schema=False)
async def interview_page(
    request: Request, episode_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    _, young_person = missing.get_episode(db, actor, episode_id)
    prefix = f"rhi-{episode_id}"
    try:
        given = filled_fields(form, prefix, ("outcome", "by", "note", "version"))
        given["done_at"] = _uk_datetime(form, f"{prefix}-done_at", "the interview")
        missing.interview(db, actor, episode_id, parse_form(InterviewIn, given))
    except PageError as exc:
        return show_case_again(request, db, actor, young_person.id, exc, form, prefix, ("done_at",))
    return _to_case(young_person.id, "missing")


@router.post("/safeguarding/young-people/{young_person_id}/nrm-referrals", include_in_schema=False)
async def refer_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Referrer
) -> Response:
    form = await request.form()
    try:
        data = parse_form(NrmReferralIn, filled_fields(form, "nrm", ("summary", "consent")))
        nrm.refer(db, actor, young_person_id, data)
    except PageError as exc:
        return show_case_again(
            request, db, actor, young_person_id, exc, form, "nrm", ("referred_at",)
        )
    return _to_case(young_person_id, "nrm")


@router.post(
    "/safeguarding/nrm-referrals/{referral_id}/reasonable-grounds", include_in_schema=False
)
async def rg_page(request: Request, referral_id: uuid.UUID, db: DbDep, actor: Referrer) -> Response:
    form = await request.form()
    _, young_person = nrm.get_referral(db, actor, referral_id)
    prefix = f"rg-{referral_id}"
    try:
        given = filled_fields(form, prefix, ("decision", "version"))
        given["decided_on"] = _date(form, f"{prefix}-decided_on", "Enter the date of the decision.")
        nrm.reasonable_grounds(db, actor, referral_id, parse_form(RgDecisionIn, given))
    except PageError as exc:
        return show_case_again(
            request, db, actor, young_person.id, exc, form, prefix, ("decided_on",)
        )
    return _to_case(young_person.id, "nrm")


@router.post(
    "/safeguarding/nrm-referrals/{referral_id}/conclusive-grounds", include_in_schema=False
)
async def cg_page(request: Request, referral_id: uuid.UUID, db: DbDep, actor: Referrer) -> Response:
    form = await request.form()
    _, young_person = nrm.get_referral(db, actor, referral_id)
    prefix = f"cg-{referral_id}"
    try:
        given = filled_fields(form, prefix, ("decision", "version"))
        given["decided_on"] = _date(form, f"{prefix}-decided_on", "Enter the date of the decision.")
        nrm.conclusive_grounds(db, actor, referral_id, parse_form(CgDecisionIn, given))
    except PageError as exc:
        return show_case_again(
            request, db, actor, young_person.id, exc, form, prefix, ("decided_on",)
        )
    return _to_case(young_person.id, "nrm")


@router.post(
    "/safeguarding/young-people/{young_person_id}/custody-support-plans",
    include_in_schema=False,
)
async def start_plan_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    prefix = "plan"
    try:
        given = filled_fields(
            form, prefix, ("establishment", "officer", "goals", "review_every_days")
        )
        given["started_on"] = _date(form, f"{prefix}-started_on", "Enter the start date.")
        plans.start_plan(db, actor, young_person_id, parse_form(PlanIn, given))
    except PageError as exc:
        return show_case_again(
            request, db, actor, young_person_id, exc, form, prefix, ("started_on",)
        )
    return _to_case(young_person_id, "plans")


@router.post(
    "/safeguarding/young-people/{young_person_id}/strategy-meetings", include_in_schema=False
)
async def strategy_meeting_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    prefix = "meeting"
    try:
        given = filled_fields(form, prefix, ("attendees", "outcome"))
        given["held_on"] = _date(form, f"{prefix}-held_on", "Enter the date of the meeting.")
        missing.record_strategy_meeting(
            db, actor, young_person_id, parse_form(StrategyMeetingIn, given)
        )
    except PageError as exc:
        return show_case_again(request, db, actor, young_person_id, exc, form, prefix, ("held_on",))
    return _to_case(young_person_id, "next")


@router.post("/safeguarding/young-people/{young_person_id}/ace-screenings", include_in_schema=False)
async def screen_aces_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    prefix = "ace"
    try:
        given: dict[str, Any] = filled_fields(form, prefix, ("contact",))
        given["screened_on"] = _date(form, f"{prefix}-screened_on", "Enter the date.")
        given["experiences"] = [str(v) for v in form.getlist(f"{prefix}-experiences")]
        given["refer"] = form.get(f"{prefix}-refer") == "yes"
        plans.screen_aces(db, actor, young_person_id, parse_form(AceIn, given))
    except PageError as exc:
        return show_case_again(
            request, db, actor, young_person_id, exc, form, prefix, ("screened_on",)
        )
    return _to_case(young_person_id, "plans")


@router.post("/safeguarding/custody-support-plans/{plan_id}/reviews", include_in_schema=False)
async def review_plan_page(
    request: Request, plan_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    return await _review(request, db, actor, "custody_support_plan", plan_id)


@router.post("/safeguarding/ace-screenings/{screening_id}/reviews", include_in_schema=False)
async def review_ace_page(
    request: Request, screening_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    return await _review(request, db, actor, "ace_screening", screening_id)


async def _review(
    request: Request, db: Session, actor: Actor, plan_kind: str, plan_id: uuid.UUID
) -> Response:
    form = await request.form()
    prefix = f"review-{plan_id}"
    young_person_id = _plan_case(db, plan_kind, plan_id)
    try:
        given: dict[str, Any] = filled_fields(form, prefix, ("note",))
        given["reviewed_on"] = _date(form, f"{prefix}-reviewed_on", "Enter the date of review.")
        given["end"] = form.get(f"{prefix}-end") == "yes"
        plans.review(db, actor, plan_kind, plan_id, parse_form(ReviewIn, given))
    except PageError as exc:
        # Shown on the plan's case page, which checks the actor may see the case.
        return show_case_again(
            request, db, actor, young_person_id, exc, form, prefix, ("reviewed_on",)
        )
    return _to_case(young_person_id, "plans")


def _plan_case(db: Session, plan_kind: str, plan_id: uuid.UUID) -> uuid.UUID:
    """The young person a plan or ACE screening is about (the service checks access)."""
    plan: CustodySupportPlan | AceScreening | None = (
        db.get(CustodySupportPlan, plan_id)
        if plan_kind == "custody_support_plan"
        else db.get(AceScreening, plan_id)
    )
    if plan is None:
        raise NotFound(plans.NO_SUCH_PLAN)
    return plan.young_person_id


@router.post("/safeguarding/young-people/{young_person_id}/members", include_in_schema=False)
async def add_member_page(
    request: Request, young_person_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    form = await request.form()
    try:
        data = parse_form(
            CaseMemberIn, filled_fields(form, "member", ("organisation_id", "reason"))
        )
        young_people.add_member(db, actor, young_person_id, data)
    except PageError as exc:
        return show_case_again(request, db, actor, young_person_id, exc, form, "member")
    return _to_case(young_person_id, "members")


@router.post(
    "/safeguarding/young-people/{young_person_id}/other-records/{match_id}/decision",
    include_in_schema=False,
)
async def decide_other_record_page(
    request: Request, young_person_id: uuid.UUID, match_id: uuid.UUID, db: DbDep, actor: Writer
) -> Response:
    """A decision on a possible duplicate; not found for a record the actor may not read."""
    form = await request.form()
    prefix = f"duplicate-{match_id}"
    try:
        data = parse_form(OtherRecordDecisionIn, filled_fields(form, prefix, ("decision", "note")))
        linkage.decide_other_record(
            db, actor, young_person_id, match_id, data.decision, data.note, via="web"
        )
    except PageError as exc:
        return show_case_again(request, db, actor, young_person_id, exc, form, prefix)
    return _to_case(young_person_id, "other-records")


# --- the case page's context --------------------------------------------------------------------


def _case_context(db: Session, actor: Actor, young_person_id: uuid.UUID) -> dict[str, Any]:
    view = case.case_view(db, actor, young_person_id, why=PAGE_WHY)
    young_person = view.young_person
    read = young_people.read(db, young_person)
    may_write = actor.can(Permission.SAFEGUARDING_WRITE)
    organisation = db.get(Organisation, actor.organisation_id)
    changes = screening.changes(db, young_person)
    referrals = nrm.referrals_of(db, young_person)
    return {
        "person": read,
        "facts": _facts(read.model_dump()),
        "age": young_people.age_on(young_person, clock.now().date()),
        "timeline": view.timeline,
        "next_actions": view.next_actions,
        "known_to_police": view.known_to_police,
        "other_records": [_other_record(o) for o in view.other_records],
        "duplicate_decisions": [(d.value, text) for d, text in linkage.DECISION_LABELS.items()],
        "organisations": [
            {"name": o.name, "holds": o.id == young_person.owner_id} for o in view.organisations
        ],
        "holds_record": young_person.owner_id == actor.organisation_id,
        "partners": [(str(o.id), o.name) for o in young_people.partner_choices(db, actor)],
        "concerns": _concerns(db, actor, young_person),
        "screening_sets": _screening_form(db, actor, young_person.id),
        "screenings": [_screening(s, c) for s, c in changes],
        "episodes": [_episode(e) for e in missing.episodes_of(db, young_person)],
        "philomena": _philomena(db, young_person),
        "referrals": [_referral(r) for r in referrals],
        "may_refer": actor.can(Permission.NRM_REFER)
        and all(r.cg_decision is not None for r in referrals),
        "plans": [_plan(db, p) for p in plans.plans_of(db, young_person)],
        "aces": [_ace(db, a) for a in plans.aces_of(db, young_person)],
        "may_screen_aces": may_write
        and organisation is not None
        and organisation.key in plans.WELSH_FORCES,
        "may_write": may_write,
        "may_decide": actor.can(Permission.NRM_REFER),
        "open_form": None,
        "today": _today_values(),
        "vocabulary": {
            name: [(k, t.label) for k, t in terms.items()] for name, terms in VOCABULARY.items()
        },
        "forces": sorted(((f.id, f.name) for f in FORCES.values()), key=lambda f: f[1]),
        "values": {},
        "ticked": None,
    }


def _facts(read: dict[str, Any]) -> list[tuple[str, str]]:
    """The young person's known facts as summary-list rows, in words."""
    words = {k.value: text for k, text in facts.LABELS.items()}
    rows = [
        ("Date of birth", read["dob"].strftime("%-d %B %Y") if read["dob"] else "Not known"),
        ("Gender", read["gender"] or "Not known"),
        ("Postcode", read["postcode"] or "Not known"),
        ("Phone number", read["phone_number"] or "Not known"),
        ("Who this is", read["description"] or ""),
        ("Country", words.get(read["country"] or "", "Not known")),
        (
            "Police force area",
            FORCES[read["force_area"]].name if read["force_area"] in FORCES else "Not known",
        ),
        ("Education", words.get(read["education"] or "", "Not known")),
        ("Exclusion", words.get(read["exclusion"] or "", "None recorded")),
        ("Custody", words.get(read["custody"] or "", "None recorded")),
        ("Circumstances", "; ".join(words.get(c, c) for c in read["circumstances"]) or "None"),
        ("Family problems", "; ".join(words.get(c, c) for c in read["family_problems"]) or "None"),
        ("Record held by", read["owner"]),
    ]
    return [(key, value) for key, value in rows if value]


def _other_record(other: linkage.OtherRecord) -> dict[str, Any]:
    return {
        "match_id": str(other.match_id) if other.match_id else None,
        "held_by": other.held_by,
        "probability": other.probability,
        "reference": other.reference,
        "url": other.url,
        "contact": other.contact,
        "decision": other.decision.value if other.decision else None,
        "decision_label": other.decision_label,
        "note": other.note,
        "decided_by": other.decided_by,
        "decided_at": uk_time(other.decided_at),
        "may_decide": other.may_decide and other.match_id is not None,
    }


def _concerns(db: Session, actor: Actor, young_person: YoungPerson) -> list[dict[str, Any]]:
    """The case's concerns; a school's names the officer of the school's partnership, if any
    (looked up once for each organisation that raised one)."""
    raised = concerns.concerns_of(db, young_person)
    today = uk_date(clock.now())
    contacts = {
        organisation_id: [
            f"{c.officer_name} ({c.force}), {c.officer_email}"
            + (f", {c.officer_phone}" if c.officer_phone else "")
            for c in partnerships.police_contact_for_school(db, organisation_id, today)
        ]
        for organisation_id in {c.organisation_id for c in raised}
    }
    return [_concern(c, actor, contacts[c.organisation_id]) for c in raised]


def _concern(concern: Any, actor: Actor, police_contacts: list[str]) -> dict[str, Any]:
    decision = VOCABULARY["triage_decisions"].get(concern.triage_decision or "")
    return {
        "police_contacts": police_contacts,
        "id": str(concern.id),
        "source": label("concern_sources", concern.source),
        "summary": concern.summary,
        "indicators": [_indicator(i) for i in concerns.indicator_ids(concern)],
        "raised_at": uk_time(concern.raised_at),
        "raised_by": concern.raised_by_name,
        "triage_due": uk_time(concern.triage_due),
        "overdue": concern.triaged_at is None and concern.triage_due < clock.now(),
        "open": concern.triaged_at is None,
        "triaged_at": uk_time(concern.triaged_at),
        "triaged_by": concern.triaged_by_name,
        "decision": decision.label if decision else "",
        "note": concern.triage_note,
        "state": concern.state,
        "version": concern.version,
        "may_triage": concern.triaged_at is None
        and concern.organisation_id == actor.organisation_id
        and actor.can(Permission.SAFEGUARDING_WRITE),
    }


def _screening_form(db: Session, actor: Actor, young_person_id: uuid.UUID) -> list[dict[str, Any]]:
    """The screening's questions by indicator set, each with Crossline's suggested answer."""
    suggested = screening.prefill(db, actor, young_person_id)
    sets: dict[str, dict[str, Any]] = {}
    for item in SCREENING_ITEMS:
        group = sets.setdefault(
            item.set,
            {
                "id": item.set,
                "title": INDICATORS.sets[item.set].title,
                "kind": INDICATORS.sets[item.set].kind,
                "items": [],
            },
        )
        hint = suggested.get(item.id)
        group["items"].append(
            {
                "id": item.id,
                "label": item.label,
                "prefilled": hint is not None and hint.present,
                "source": f"Suggested by Crossline from {hint.source}" if hint else None,
            }
        )
    return list(sets.values())


def _screening(done: Any, change: screening.Change | None) -> dict[str, Any]:
    answers: dict[str, dict[str, Any]] = json.loads(done.answers)
    return {
        "at": uk_time(done.screened_at),
        "by": done.screened_by_name,
        "found": done.result == "indicators_found",
        "present": [_indicator(i) for i, a in answers.items() if a["present"]],
        "reasons": json.loads(done.reasons),
        "note": done.note,
        "first": change is None,
        "appeared": [_indicator(i) for i in change.appeared] if change else [],
        "gone": [_indicator(i) for i in change.gone] if change else [],
    }


def _episode(episode: Any) -> dict[str, Any]:
    now = clock.now()
    return {
        "id": str(episode.id),
        "reported_at": uk_time(episode.reported_at),
        "reported_by": episode.reported_by,
        "risk": label("missing_risk", episode.risk),
        "risk_id": episode.risk,
        "found": episode.found_at is not None,
        "found_at": uk_time(episode.found_at),
        "found_where": episode.found_where,
        "found_by": episode.found_by,
        "found_area": FORCES[episode.found_force_area].name
        if episode.found_force_area in FORCES
        else None,
        "rhi_due": uk_time(episode.rhi_due),
        "rhi_overdue": episode.rhi_due is not None
        and episode.rhi_outcome is None
        and episode.rhi_due < now,
        "rhi_done": episode.rhi_outcome is not None,
        "rhi_outcome": label("rhi_outcomes", episode.rhi_outcome),
        "rhi_done_at": uk_time(episode.rhi_done_at),
        "rhi_by": episode.rhi_by,
        "rhi_note": episode.rhi_note,
        "line_linked": episode.line_id is not None,
        "clothing": episode.clothing,
        "last_seen": episode.last_seen,
        "version": episode.version,
    }


def _philomena(db: Session, young_person: YoungPerson) -> dict[str, Any] | None:
    """Philomena protocol Part 1 as summary-list rows (the case view audited the look)."""
    profile = philomena.profile_of(db, young_person)
    if profile is None:
        return None
    holder = db.get(Organisation, profile.organisation_id)
    return {
        "rows": [(n, philomena.LABELS[n], getattr(profile, n)) for n in philomena.PART_ONE],
        "updated": f"{uk_time(profile.updated_at)} by {profile.updated_by_name}"
        + (f", {holder.name}" if holder else ""),
    }


def _referral(referral: Any) -> dict[str, Any]:
    now = clock.now()
    today = now.astimezone(UK).date()
    return {
        "id": str(referral.id),
        "referred_at": uk_time(referral.referred_at),
        "referred_by": referral.referred_by_name,
        "consent": label("nrm_consent", referral.consent),
        "summary": referral.summary,
        "route": "Single Competent Authority"
        if referral.route == "single_competent_authority"
        else "Devolved decision-making pilot",
        "rg_due": uk_time(referral.rg_due),
        "rg_overdue": referral.rg_decision is None and referral.rg_due < now,
        "rg_decision": label("nrm_rg_decisions", referral.rg_decision),
        "rg_decided_on": _day(referral.rg_decided_on),
        "recovery_until": _day(referral.recovery_until),
        "cg_awaited": referral.rg_decision == "positive" and referral.cg_decision is None,
        "cg_overdue": referral.rg_decision == "positive"
        and referral.cg_decision is None
        and referral.recovery_until is not None
        and referral.recovery_until < today,
        "cg_decision": label("nrm_cg_decisions", referral.cg_decision),
        "cg_decided_on": _day(referral.cg_decided_on),
        "version": referral.version,
    }


def _plan(db: Session, plan: CustodySupportPlan) -> dict[str, Any]:
    return {
        "id": str(plan.id),
        "establishment": plan.establishment,
        "officer": plan.officer,
        "started_on": _day(plan.started_on),
        "goals": plan.goals,
        "next_review_on": _day(plan.next_review_on),
        "overdue": plan.ended_on is None and plan.next_review_on < clock.now().date(),
        "ended_on": _day(plan.ended_on),
        "reviews": [_review_row(r) for r in plans.reviews_of(db, plan.id)],
    }


def _ace(db: Session, ace: AceScreening) -> dict[str, Any]:
    return {
        "id": str(ace.id),
        "screened_on": _day(ace.screened_on),
        "contact": ace.contact,
        "experiences": [label("aces", e) for e in plans.experiences(ace)],
        "next_review_on": _day(ace.next_review_on),
        "overdue": ace.next_review_on < clock.now().date(),
        "referred": ace.referred_to is not None,
        "reviews": [_review_row(r) for r in plans.reviews_of(db, ace.id)],
    }


def _review_row(review: Any) -> dict[str, Any]:
    return {
        "on": _day(review.reviewed_on),
        "by": review.reviewed_by_name,
        "note": review.note,
        "next": _day(review.next_review_on),
    }


def _indicator(item_id: str) -> str:
    item = INDICATOR.get(item_id)
    return f"{item.label} ({item_id})" if item else item_id


# --- helpers ------------------------------------------------------------------------------------


def show_case_again(
    request: Request,
    db: Session,
    actor: Actor,
    young_person_id: uuid.UUID,
    exc: InvalidInput | Conflict,
    form: FormData,
    prefix: str,
    dates: tuple[str, ...] = (),
) -> Response:
    """The case page again, with the error summary linked to the form's fields and what was
    entered kept."""
    db.rollback()
    context = _case_context(db, actor, young_person_id)
    if isinstance(exc, Conflict) or not exc.errors:
        errors = {f"{prefix}-form": exc.message}
    else:
        errors = {_field_id(prefix, field, dates): m for field, m in exc.errors.items()}
    context |= {
        "errors": errors,
        "values": _values(form),
        "open_form": prefix,
        "ticked": [str(v) for v in form.getlist("screening-answers")]
        if prefix == "screening"
        else None,
    }
    return render(request, "safeguarding/young_person.html", context, status_code=exc.status)


def _field_id(prefix: str, field: str, dates: tuple[str, ...]) -> str:
    """The id on the page of a form's field that an error names."""
    if field.startswith(f"{prefix}-"):
        return field  # a date or time input, named in full where it was read
    return f"{prefix}-{field}-day" if field in dates else f"{prefix}-{field}"


def _to_case(young_person_id: uuid.UUID, section: str) -> Response:
    return see_other(f"/safeguarding/young-people/{young_person_id}#{section}")


def _values(form: FormData) -> dict[str, Any]:
    """What was entered, to show again: text as given, ticked boxes as lists."""
    values: dict[str, Any] = {}
    for key in form:
        if key == "csrf_token":
            continue
        given = [str(v) for v in form.getlist(key)]
        values[key] = given if len(given) > 1 or key.endswith("experiences") else given[0]
    for key in ("circumstances", "family_problems"):
        values[key] = [str(v) for v in form.getlist(key)]
    return values


def filled_fields(form: FormData, prefix: str, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields (``<prefix>-<name>``) that were given, stripped, by their names."""
    found: dict[str, Any] = {}
    for name in names:
        value = form.get(f"{prefix}-{name}" if prefix else name)
        if isinstance(value, str) and value.strip():
            found[name] = value.strip()
    return found


def date_input(form: FormData, name: str) -> str | None:
    """A GOV.UK date input (``name-day``, ``-month``, ``-year``) as an ISO date; None when
    left empty. ValueError when it is not a real date."""
    parts = [str(form.get(f"{name}-{p}", "")).strip() for p in ("day", "month", "year")]
    if not any(parts):
        return None
    day, month, year = (int(p) for p in parts)
    if year < 1900:
        raise ValueError(f"{name}: year {year}")
    return date(year, month, day).isoformat()


def _date(form: FormData, name: str, missing_message: str) -> str:
    """A GOV.UK date input, needed: InvalidInput on its day box when empty or not real."""
    try:
        found = date_input(form, name)
    except ValueError:
        raise InvalidInput("Enter a real date, like 27 11 2026.", field=f"{name}-day") from None
    if found is None:
        raise InvalidInput(missing_message, field=f"{name}-day")
    return found


def _uk_datetime(form: FormData, name: str, what: str) -> str:
    """A date input and a time (``name-time``, 24-hour, UK time) as a UTC instant."""
    on = date.fromisoformat(_date(form, name, f"Enter the date {what}."))
    clock_time = str(form.get(f"{name}-time", "")).strip()
    try:
        at = time.fromisoformat(clock_time) if clock_time else None
    except ValueError:
        at = None
    if at is None:
        raise InvalidInput("Enter the time in 24-hour UK time, like 14:30.", field=f"{name}-time")
    return datetime.combine(on, at, tzinfo=UK).astimezone(UTC).isoformat()


def _today_values() -> dict[str, str]:
    """Today's date and the time now, in UK time, to prefill the date inputs."""
    now = clock.now().astimezone(UK)
    return {"day": str(now.day), "month": str(now.month), "year": str(now.year),
            "time": f"{now:%H:%M}"}  # fmt: skip


Message = Callable[[type[BaseModel], str, Any], str]  # (model, field, pydantic error) -> text


def parse_form(model: type[M], data: dict[str, Any], message: Message | None = None) -> M:
    """``data`` as ``model``, or InvalidInput naming each wrong field.

    ``message`` words each field's error (this page's wording by default).
    """
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        messages: dict[str, str] = {}
        for error in exc.errors():
            field = str(error["loc"][0]) if error["loc"] else "form"
            if field not in messages:
                messages[field] = (message or _message)(model, field, error)
        raise InvalidInput.of_fields(messages) from exc


_MESSAGES = {
    "version": "Reload the page and try again: the form was incomplete.",
    "decision": "Choose the decision.",
    "outcome": "Choose what happened.",
    "risk": "Choose the risk grade.",
    "organisation_id": "Choose an organisation.",
}


def _message(model: type[BaseModel], field: str, error: Any) -> str:
    if field in _MESSAGES:
        return _MESSAGES[field]
    info = model.model_fields.get(field)
    name = info.title.lower() if info is not None and info.title else field.replace("_", " ")
    if error["type"] == "missing":
        return f"Enter {name}."
    if error["type"] == "string_too_long":
        return f"Shorten {name} to {error['ctx']['max_length']} characters or fewer."
    return f"Check {name}: {error['msg'].lower()}."


def uk_time(value: datetime | None) -> str:
    """An instant as people in the UK read it: '3 Dec 2026, 00:00 (UK time)'."""
    if value is None:
        return ""
    return f"{value.astimezone(UK):%-d %b %Y, %H:%M} (UK time)"


def _day(value: date | None) -> str:
    return f"{value:%-d %B %Y}" if value else ""
