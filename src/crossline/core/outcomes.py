"""Outcomes of the services a grant pays for, asked of programmes without importing them.

MISSION.md asks that the Early Intervention Youth Fund's outcomes be *rolled up
from referrals*. Referrals live in ``programmes``; ``funding`` stands alone on
core (DESIGN.md's module map). So ``programmes`` registers here, when imported,
the services that take referrals (an organisation delivering a catalogue
programme) and a count of the referrals made to some of them in a period, by
where each stands now; ``funding`` asks, the way ``core.exposure`` lets outreach
ask each module for its counts. Only counts cross: never a referral or a young
person, and the caller puts them under its disclosure policy before showing them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Service:
    """An organisation that delivers a programme and takes referrals to it."""

    organisation_id: uuid.UUID
    organisation: str
    programme_id: str
    programme: str


@dataclass(frozen=True)
class Stage:
    """One row of a roll-up: where a referral stands (``total``: every referral made)."""

    id: str
    label: str
    total: bool = False


ServiceKey = tuple[uuid.UUID, str]  # (organisation id, programme id)


@dataclass(frozen=True)
class Window:
    """Referrals made to ``services`` from ``start`` until before ``end``."""

    services: Collection[ServiceKey]
    start: datetime
    end: datetime


# (db, windows) -> stage id -> referrals made in any of the windows, each counted once
Counts = Callable[[Session, Sequence[Window]], dict[str, int]]


@dataclass(frozen=True)
class Source:
    stages: tuple[Stage, ...]  # in the order shown
    services: Callable[[Session], list[Service]]
    counts: Counts


_source: list[Source] = []


def register(source: Source) -> Source:
    """Make ``source`` the one that answers (registering again replaces it)."""
    _source[:] = [source]
    return source


def source() -> Source:
    if not _source:
        raise RuntimeError(
            "No source of referral outcomes is registered: import crossline.models first."
        )
    return _source[0]
