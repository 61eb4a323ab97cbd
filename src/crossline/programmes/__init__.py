"""Intervention programmes: the catalogue and who each programme is open to.

DOMAIN.md §PROG holds the facts the catalogue rests on; each entry of
``data/programmes.yaml`` names its section and confidence mark. Eligibility
rules are data in a small vocabulary (``catalogue.RuleKind``) that
``catalogue.eligibility`` evaluates. Referrals, enrolments and outcomes are
not built yet.
"""

from crossline.programmes.catalogue import (
    PROGRAMMES,
    Circumstance,
    Custody,
    Education,
    Eligibility,
    Exclusion,
    FamilyProblem,
    Person,
    Programme,
    eligibility,
    load_programmes,
)

__all__ = [
    "PROGRAMMES",
    "Circumstance",
    "Custody",
    "Education",
    "Eligibility",
    "Exclusion",
    "FamilyProblem",
    "Person",
    "Programme",
    "eligibility",
    "load_programmes",
]
