"""The national picture: outcomes against lines, matrix, trends and intensification weeks."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

import crossline.models  # noqa: F401  every table known to the metadata
from crossline.core.database import Base
from crossline.lines.outcomes import IntensificationWeek, LineOutcome

NATIONAL_TABLES = {LineOutcome.__tablename__, IntensificationWeek.__tablename__}


def test_migration_0008_creates_the_national_picture_tables_as_the_models_declare(
    engine: Engine,
) -> None:
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in differences if any(t in repr(d) for t in NATIONAL_TABLES)] == []
