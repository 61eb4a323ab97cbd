"""Insight's disclosure control: core's rule (DOMAIN.md §DISCLOSURE) under insight's policy.

The policy is insight.yaml's ``disclosure.method`` (NHS Digital's, counts 1 to 7
withheld and the rest rounded to 5) unless a caller names another.
"""

from __future__ import annotations

from crossline.core import disclosure
from crossline.core.disclosure import SUPPRESSED, Controlled, Policy
from crossline.insight.reference import CONFIG

__all__ = ["SUPPRESSED", "Controlled", "control"]


def control(count: int, policy: Policy | None = None) -> Controlled:
    return disclosure.control(count, policy or CONFIG.disclosure.policy)
