"""Small-number disclosure control (DOMAIN.md §DISCLOSURE), applied to every count shown.

A count in the policy's suppressed range (1 to 7 under NHS Digital's method) is
withheld, shown as ``*``; every other count is rounded to the nearest multiple of
the base (5); zero stays zero, as it discloses nobody. Totals are computed from
the raw counts and then controlled themselves, never summed from controlled cells.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossline.insight.reference import CONFIG, Method

SUPPRESSED = "*"


@dataclass(frozen=True, slots=True)
class Controlled:
    """A count as it may be shown: a rounded number, or withheld."""

    value: int | None  # None: withheld

    def __str__(self) -> str:
        return SUPPRESSED if self.value is None else f"{self.value:,}"


def control(count: int, policy: Method | None = None) -> Controlled:
    rule = policy or CONFIG.disclosure.policy
    if count < 0:
        raise ValueError("a count cannot be negative")
    if count == 0:
        return Controlled(0)
    if rule.suppress_from <= count <= rule.suppress_to:
        return Controlled(None)
    base = rule.round_to
    # Round half up: 12.5 -> 15, as published tables do, not Python's half to even.
    return Controlled(((count + base // 2) // base) * base if base > 1 else count)
