"""Alembic environment: the engine comes from the caller (crossline.core.migrations)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

import crossline.models  # noqa: F401  (registers every table on Base.metadata)
from crossline.core.database import Base

engine: Engine = context.config.attributes["engine"]
with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    context.run_migrations()
