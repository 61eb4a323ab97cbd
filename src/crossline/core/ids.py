"""Record ids: random UUIDs, typed per concept in each module (``UserId = NewType(...)``)."""

from __future__ import annotations

import uuid


def new_id() -> uuid.UUID:
    """A new random record id (UUID version 4)."""
    return uuid.uuid4()

