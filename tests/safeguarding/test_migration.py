"""Migrations 0013 and 0014 create the safeguarding and referral tables as the models say."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine

import crossline.models  # noqa: F401  every table known to the metadata
from crossline.core.database import Base
from crossline.programmes import models as programmes
from crossline.safeguarding import models as safeguarding
from tests.lines.test_migration import _table

TABLES = {
    model.__tablename__
    for module in (safeguarding, programmes)
    for model in vars(module).values()
    if isinstance(model, type) and issubclass(model, Base) and model.__module__ == module.__name__
}


def test_the_migrated_safeguarding_tables_match_the_models(engine: Engine) -> None:
    assert len(TABLES) == 16
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in differences if _table(d) in TABLES or _mentions(d)]
    assert ours == []


def _mentions(difference: object) -> bool:
    text = repr(difference)
    return any(f"'{name}'" in text for name in TABLES)
