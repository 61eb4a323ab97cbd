"""Intervention programmes: the catalogue and who each programme is open to.

DOMAIN.md §PROG holds the facts the catalogue rests on; each entry of
``data/programmes.yaml`` names its section and confidence mark. Eligibility
rules are data in a small vocabulary (``catalogue.RuleKind``) that
``catalogue.eligibility`` evaluates. The facts a rule is judged on are
safeguarding's words (``safeguarding.facts``); referrals live in ``referrals``.
"""

from crossline.programmes.catalogue import (
    PROGRAMMES,
    Eligibility,
    Person,
    Programme,
    eligibility,
    load_programmes,
)
from crossline.safeguarding.facts import (
    Circumstance,
    Custody,
    Education,
    Exclusion,
    FamilyProblem,
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
