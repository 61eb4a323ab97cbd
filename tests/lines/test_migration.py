"""Migration 0006 creates the register's tables exactly as the models declare them."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

import crossline.models  # noqa: F401  every table known to the metadata
from crossline.core.database import Base
from crossline.lines import models

LINE_TABLES = {
    model.__tablename__
    for model in (
        models.Line,
        models.LineNumber,
        models.LineHandset,
        models.LinePerson,
        models.LineEvent,
        models.DeconflictionMatch,
    )
}


def _table(difference: Any) -> str | None:
    """The table one autogenerate difference is about."""
    if isinstance(difference, list):  # column modifications come as a list of one
        difference = difference[0]
    for part in difference[1:]:
        name = getattr(part, "table", None)
        if name is not None:
            return str(getattr(name, "name", name))
        if getattr(part, "name", None) in LINE_TABLES:
            return str(part.name)
        if isinstance(part, str) and part in LINE_TABLES:
            return part
    return None


def test_the_migrated_line_tables_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in differences if _table(d) in LINE_TABLES]
    assert ours == []
