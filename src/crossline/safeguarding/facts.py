"""The facts about a young person that programmes' eligibility is judged on, in the
words records store (DOMAIN.md §PROG). The catalogue's rules use the same words."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from crossline.core.errors import InvalidInput


class Country(StrEnum):
    ENGLAND = "england"
    WALES = "wales"
    SCOTLAND = "scotland"
    NORTHERN_IRELAND = "northern_ireland"


class Custody(StrEnum):
    POLICE = "police"
    YOUTH_SECURE_ESTATE = "youth_secure_estate"


class Education(StrEnum):
    MAINSTREAM_SCHOOL = "mainstream_school"
    PUPIL_REFERRAL_UNIT = "pupil_referral_unit"
    COLLEGE = "college"


class Exclusion(StrEnum):
    AT_RISK = "at_risk"
    SUSPENDED = "suspended"
    PERMANENTLY_EXCLUDED = "permanently_excluded"


class Circumstance(StrEnum):
    """What has happened to a young person that a programme may answer."""

    GANG = "gang"
    GANG_SEXUAL_VIOLENCE = "gang_sexual_violence"
    EXPLOITED = "exploited"
    RETURNED_FROM_MISSING = "returned_from_missing"
    HOSPITAL_AFTER_VIOLENCE = "hospital_after_violence"
    POLICE_CONTACT = "police_contact"
    COMPLEX_NEEDS = "complex_needs"


class FamilyProblem(StrEnum):
    """DOMAIN.md §PROG.troubled-families: the six headline problems of phase 2."""

    CRIME = "crime_or_antisocial_behaviour"
    SCHOOL_ATTENDANCE = "not_in_school_regularly"
    CHILDREN_NEEDING_HELP = "children_needing_help"
    WORKLESSNESS = "worklessness_or_financial_exclusion"
    DOMESTIC_ABUSE = "domestic_abuse"
    ILL_HEALTH = "ill_health"


LABELS: dict[StrEnum, str] = {
    Country.ENGLAND: "England",
    Country.WALES: "Wales",
    Country.SCOTLAND: "Scotland",
    Country.NORTHERN_IRELAND: "Northern Ireland",
    Custody.POLICE: "police custody",
    Custody.YOUTH_SECURE_ESTATE: "the youth secure estate",
    Education.MAINSTREAM_SCHOOL: "a mainstream school",
    Education.PUPIL_REFERRAL_UNIT: "a pupil referral unit",
    Education.COLLEGE: "a college",
    Exclusion.AT_RISK: "at risk of exclusion",
    Exclusion.SUSPENDED: "suspended from school",
    Exclusion.PERMANENTLY_EXCLUDED: "permanently excluded",
    Circumstance.GANG: "in or at risk of joining a gang",
    Circumstance.GANG_SEXUAL_VIOLENCE: (
        "a victim of, or at risk of, gang-associated sexual violence or exploitation"
    ),
    Circumstance.EXPLOITED: "found exploited on a county line",
    Circumstance.RETURNED_FROM_MISSING: "returning from a missing episode",
    Circumstance.HOSPITAL_AFTER_VIOLENCE: (
        "treated in hospital after violence, assault or exploitation"
    ),
    Circumstance.POLICE_CONTACT: "in contact with the police",
    Circumstance.COMPLEX_NEEDS: "with extremely complex needs",
    FamilyProblem.CRIME: "crime or antisocial behaviour",
    FamilyProblem.SCHOOL_ATTENDANCE: "children not in school regularly",
    FamilyProblem.CHILDREN_NEEDING_HELP: "children needing help",
    FamilyProblem.WORKLESSNESS: "worklessness or financial exclusion",
    FamilyProblem.DOMESTIC_ABUSE: "domestic abuse",
    FamilyProblem.ILL_HEALTH: "physical or mental ill-health",
}


_FIELDS: dict[str, tuple[type[StrEnum], str]] = {
    "country": (Country, "Choose the country they live in."),
    "education": (Education, "Choose where they are in education."),
    "exclusion": (Exclusion, "Choose their exclusion status."),
    "custody": (Custody, "Choose where they are held."),
}


def checked_facts(data: Any) -> dict[str, Any]:
    """The facts of ``data`` (a YoungPersonIn) as stored ids; InvalidInput names a bad one."""
    facts: dict[str, Any] = {}
    for field, (kind, message) in _FIELDS.items():
        value = getattr(data, field) or None
        if value is not None and value not in {k.value for k in kind}:
            raise InvalidInput(message, field=field)
        facts[field] = value
    for field, kind in (("circumstances", Circumstance), ("family_problems", FamilyProblem)):
        values = sorted(set(getattr(data, field) or []))
        known = {k.value for k in kind}
        if any(v not in known for v in values):
            raise InvalidInput(f"Choose {field.replace('_', ' ')} from the list.", field=field)
        facts[field] = values
    return facts
