"""The intervention programme catalogue and its eligibility rules (DOMAIN.md §PROG).

Each programme in ``data/programmes.yaml`` holds its eligibility as a list of
rules in a small vocabulary, one model per ``kind``:

- ``age``: aged ``min`` to ``max`` (either may be left out) on the day assessed;
- ``country``: lives in one of ``any_of`` (england, wales, scotland, northern_ireland);
- ``force_area``: lives or was found in one of ``any_of`` police force areas
  (ids of ``orgs/data/forces.yaml``);
- ``custody``: held in one of ``any_of`` (police custody, the youth secure estate);
- ``education``: on the roll of one of ``any_of`` (mainstream school, pupil
  referral unit, college);
- ``exclusion``: one of ``any_of`` (at risk of exclusion, suspended, permanently excluded);
- ``circumstance``: at least one of ``any_of`` (:class:`Circumstance`);
- ``family_problems``: the family has at least ``at_least`` of the Troubled
  Families headline problems (:class:`FamilyProblem`).

A programme is open to a person when every rule is met. Each rule gives one
plain-English reason, met or not: the person's fact, then the rule's
``because`` from the catalogue (an age rule that is met gives its band, a
family rule its count). A bad file stops start-up.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from crossline.core.catalogue import load_catalogue, require_known
from crossline.core.errors import CatalogueError
from crossline.orgs.reference import FORCES
from crossline.safeguarding.facts import (
    LABELS,
    Circumstance,
    Country,
    Custody,
    Education,
    Exclusion,
    FamilyProblem,
)

DATA_DIR = Path(__file__).parent / "data"


class Confidence(StrEnum):
    """DOMAIN.md's confidence marks: confirmed, probable, uncertain."""

    CONFIRMED = "C"
    PROBABLE = "P"
    UNCERTAIN = "U"


def _words(values: tuple[StrEnum, ...] | frozenset[StrEnum], joiner: str = "or") -> str:
    labels = [LABELS[v] for v in values]
    if len(labels) <= 1:
        return "".join(labels)
    return f"{', '.join(labels[:-1])} {joiner} {labels[-1]}"


@dataclass(frozen=True)
class Person:
    """Facts about a young person that eligibility is judged on, as of ``assessed_on``.

    ``None`` means not known (or not applicable: not in custody, not on a roll).
    """

    born_on: date
    assessed_on: date
    country: Country | None = None
    force_area: str | None = None  # where they live or were found; orgs/data/forces.yaml id
    custody: Custody | None = None
    education: Education | None = None
    exclusion: Exclusion | None = None
    circumstances: frozenset[Circumstance] = field(default_factory=frozenset)
    family_problems: frozenset[FamilyProblem] = field(default_factory=frozenset)

    @property
    def age(self) -> int:
        """Age in whole years on the day assessed."""
        born, on = self.born_on, self.assessed_on
        return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass(frozen=True)
class Check:
    """One rule applied to one person: met or not, and why in plain English."""

    met: bool
    reason: str


class _Rule(BaseModel, frozen=True, extra="forbid"):
    because: str = Field(min_length=1)  # what the rule asks and why, after the person's fact

    def _result(self, met: bool, fact: str, requirement: str) -> Check:
        return Check(met, f"{fact}: {requirement if met else self.because}")


class AgeRule(_Rule, frozen=True):
    kind: Literal["age"]
    min: int | None = Field(default=None, ge=0, le=120)
    max: int | None = Field(default=None, ge=0, le=120)

    @model_validator(mode="after")
    def _a_bound(self) -> AgeRule:
        if self.min is None and self.max is None:
            raise ValueError("needs min, max or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min must not be above max")
        return self

    def _band(self) -> str:
        if self.min is not None and self.max is not None:
            return f"{self.min} to {self.max}"
        if self.min is not None:
            return f"{self.min} or over"
        return f"{self.max} or under"

    def describe(self) -> str:
        return f"aged {self._band()}"

    def check(self, person: Person) -> Check:
        age = person.age
        met = (self.min is None or age >= self.min) and (self.max is None or age <= self.max)
        band = self._band()
        return self._result(met, f"Aged {age}", f"within {band}" if " to " in band else band)


class CountryRule(_Rule, frozen=True):
    kind: Literal["country"]
    any_of: tuple[Country, ...] = Field(min_length=1)

    def describe(self) -> str:
        return f"lives in {_words(self.any_of)}"

    def check(self, person: Person) -> Check:
        if person.country is None:
            return self._result(False, "Country not recorded", "")
        met = person.country in self.any_of
        return self._result(met, f"Lives in {LABELS[person.country]}", self.because)


class ForceAreaRule(_Rule, frozen=True):
    kind: Literal["force_area"]
    any_of: tuple[str, ...] = Field(min_length=1)

    def describe(self) -> str:
        names = [FORCES[f].name for f in self.any_of]
        return "in the force area of " + ", ".join(names)

    def check(self, person: Person) -> Check:
        if person.force_area is None:
            return self._result(False, "Force area not recorded", "")
        name = FORCES[person.force_area].name if person.force_area in FORCES else "unknown"
        met = person.force_area in self.any_of
        return self._result(met, f"Force area {name}", self.because)


class CustodyRule(_Rule, frozen=True):
    kind: Literal["custody"]
    any_of: tuple[Custody, ...] = Field(min_length=1)

    def describe(self) -> str:
        return f"held in {_words(self.any_of)}"

    def check(self, person: Person) -> Check:
        if person.custody is None:
            return self._result(False, "Not in custody", "")
        met = person.custody in self.any_of
        return self._result(met, f"Held in {LABELS[person.custody]}", self.because)


class EducationRule(_Rule, frozen=True):
    kind: Literal["education"]
    any_of: tuple[Education, ...] = Field(min_length=1)

    def describe(self) -> str:
        return f"on the roll of {_words(self.any_of)}"

    def check(self, person: Person) -> Check:
        if person.education is None:
            return self._result(False, "Not on a school or college roll", "")
        met = person.education in self.any_of
        return self._result(met, f"At {LABELS[person.education]}", self.because)


class ExclusionRule(_Rule, frozen=True):
    kind: Literal["exclusion"]
    any_of: tuple[Exclusion, ...] = Field(min_length=1)

    def describe(self) -> str:
        return _words(self.any_of)

    def check(self, person: Person) -> Check:
        if person.exclusion is None:
            return self._result(False, "Not excluded or at risk of exclusion", "")
        met = person.exclusion in self.any_of
        fact = LABELS[person.exclusion]
        return self._result(met, fact[0].upper() + fact[1:], self.because)


class CircumstanceRule(_Rule, frozen=True):
    kind: Literal["circumstance"]
    any_of: tuple[Circumstance, ...] = Field(min_length=1)

    def describe(self) -> str:
        return _words(self.any_of)

    def check(self, person: Person) -> Check:
        found = tuple(c for c in self.any_of if c in person.circumstances)
        if not found:
            return self._result(False, f"Not {_words(self.any_of)}", "")
        fact = _words(found, "and")
        return self._result(True, fact[0].upper() + fact[1:], self.because)


class FamilyProblemsRule(_Rule, frozen=True):
    kind: Literal["family_problems"]
    at_least: int = Field(ge=1, le=len(FamilyProblem))

    def describe(self) -> str:
        return f"at least {self.at_least} of the {len(FamilyProblem)} headline family problems"

    def check(self, person: Person) -> Check:
        problems = tuple(p for p in FamilyProblem if p in person.family_problems)
        listed = f" ({_words(problems, 'and')})" if problems else ""
        fact = f"Family has {len(problems)} of the {len(FamilyProblem)} problems{listed}"
        return self._result(len(problems) >= self.at_least, fact, self.describe())


Rule = Annotated[
    AgeRule
    | CountryRule
    | ForceAreaRule
    | CustodyRule
    | EducationRule
    | ExclusionRule
    | CircumstanceRule
    | FamilyProblemsRule,
    Field(discriminator="kind"),
]


class Capacity(BaseModel, frozen=True, extra="forbid"):
    count: int = Field(ge=1)
    unit: str = Field(min_length=1)  # "families", "places"
    note: str = ""


class Programme(BaseModel, frozen=True, extra="forbid"):
    """One intervention programme: who runs it, where, what it offers and who it is for."""

    id: str
    label: str
    provider: str
    setting: str
    offers: str
    gender: str  # who it is for, in the source's words; no source makes any programme single-sex
    areas: str
    capacity: Capacity | None
    section: str = Field(pattern=r"^§PROG\.[a-z-]+$")  # DOMAIN.md section the entry rests on
    confidence: Confidence  # the weakest mark among the facts the rules use
    uncertain: tuple[str, ...] = ()  # what DOMAIN.md leaves open, and the default chosen
    rules: tuple[Rule, ...] = Field(min_length=1)

    @property
    def ages(self) -> tuple[int | None, int | None]:
        """The youngest and oldest age the programme takes, from its age rule."""
        for rule in self.rules:
            if isinstance(rule, AgeRule):
                return rule.min, rule.max
        return None, None


@dataclass(frozen=True)
class Eligibility:
    """Whether a programme is open to a person, with one reason per rule."""

    open: bool
    reasons: list[str]


def eligibility(programme: Programme, person: Person) -> Eligibility:
    """Whether ``programme`` is open to ``person``: every rule must be met.

    Reasons are given for met and unmet rules alike, in the catalogue's order.
    An unknown fact (``None``) does not meet a rule that needs it.
    """
    checks = [rule.check(person) for rule in programme.rules]
    return Eligibility(open=all(c.met for c in checks), reasons=[c.reason for c in checks])


def load_programmes(path: Path) -> dict[str, Programme]:
    """The programmes of ``path``, checked: every force area must be a known force."""
    programmes = load_catalogue(path, Programme)
    for programme in programmes.values():
        for rule in programme.rules:
            if isinstance(rule, ForceAreaRule):
                for force in rule.any_of:
                    require_known(path, programme.id, "force_area", force, set(FORCES))
        kinds = [rule.kind for rule in programme.rules]
        if kinds.count("age") > 1:
            raise CatalogueError(f"{path.name}, entry '{programme.id}': one age rule at most")
    return programmes


PROGRAMMES = load_programmes(DATA_DIR / "programmes.yaml")  # checked at start-up
