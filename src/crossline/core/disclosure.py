"""Small-number disclosure control (DOMAIN.md §DISCLOSURE), for every count a module shows.

A count in the policy's suppressed range (1 to 7 under NHS Digital's method) is
withheld, shown as ``*``; every other count is rounded to the nearest multiple of
the base (5); zero stays zero, as it discloses nobody. Totals are computed from
the raw counts and then controlled themselves, never summed from controlled cells.

§DISCLOSURE (design): each data set has a disclosure policy, and its thresholds and
rounding base are configuration, so each module names its policy in its own data
file (insight's insight.yaml, funding's eiyf.yaml) and calls :func:`control`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel, Field

SUPPRESSED = "*"


class Policy(BaseModel, frozen=True, extra="forbid"):
    """A disclosure policy: counts ``suppress_from``..``suppress_to`` withheld, others rounded."""

    suppress_from: int = Field(ge=1)
    suppress_to: int = Field(ge=0)
    round_to: int = Field(ge=1)
    source: str


@dataclass(frozen=True, slots=True)
class Controlled:
    """A count as it may be shown: a rounded number, or withheld."""

    value: int | None  # None: withheld

    def __str__(self) -> str:
        return shown(self.value)


def shown(value: int | None) -> str:
    """A controlled count as pages show it: ``*`` when withheld (an API's ``null``)."""
    return SUPPRESSED if value is None else f"{value:,}"


def control(count: int, policy: Policy) -> Controlled:
    if count < 0:
        raise ValueError("a count cannot be negative")
    if count == 0:
        return Controlled(0)
    if policy.suppress_from <= count <= policy.suppress_to:
        return Controlled(None)
    base = policy.round_to
    # Round half up: 12.5 -> 15, as published tables do, not Python's half to even.
    return Controlled(((count + base // 2) // base) * base if base > 1 else count)


def describe(policy: Policy) -> str:
    """How counts were controlled under ``policy``, in words, for pages and API answers."""
    return (
        f"counts {policy.suppress_from} to {policy.suppress_to} withheld; others rounded "
        f"to the nearest {policy.round_to} ({policy.source})"
    )
