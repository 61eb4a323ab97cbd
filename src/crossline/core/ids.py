"""Record ids: random UUIDs (version 4), the primary key of every record people create."""

from __future__ import annotations

import uuid


def new_id() -> uuid.UUID:
    """A new random record id (UUID version 4)."""
    return uuid.uuid4()
