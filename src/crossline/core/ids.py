"""Record ids: random UUIDs, typed per concept in each module (``UserId = NewType(...)``)."""

from __future__ import annotations

import uuid


def new_id() -> uuid.UUID:
    """A new random record id (UUID version 4)."""
    return uuid.uuid4()


def parse_id(text: str) -> uuid.UUID | None:
    """The UUID in ``text``, or None when it is not one (so a route can answer 404)."""
    try:
        return uuid.UUID(text)
    except ValueError:
        return None
