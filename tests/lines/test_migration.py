"""Migration 0006 creates the register's tables exactly as the models declare them, and so do
the later migrations of its intelligence and alerts; 0029 keeps the intelligence held."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, text

import crossline.models  # noqa: F401  every table known to the metadata
from crossline.core.database import Base, make_engine, make_sessionmaker
from crossline.core.migrations import alembic_config
from crossline.lines import models
from tests.factories import make_organisation

LINE_TABLES = {
    model.__tablename__
    for model in (
        models.Line,
        models.LineNumber,
        models.LineHandset,
        models.LinePerson,
        models.LineEvent,
        models.DeconflictionMatch,
        models.AlertAcknowledgement,
        models.IntelligenceRecord,
        models.IntelligenceLink,
        models.IntelligenceEvent,
        models.IntelligenceMatch,
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


def test_0029_keeps_intelligence_and_its_links_and_starts_each_at_version_1(
    tmp_path: Path,
) -> None:
    """On SQLite with its foreign keys on, as the app runs it, with linked intelligence in."""
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    command.upgrade(alembic_config(engine), "0028")
    record_id, link_id = uuid.uuid4(), uuid.uuid4()
    with make_sessionmaker(engine)() as db:
        force = make_organisation(db, "police_force", "A force")
        db.execute(
            text(
                "INSERT INTO intelligence_records (id, created_at, owner_id, text, "
                "grading_scheme, source_evaluation, intelligence_assessment, handling_code, "
                "recorded_by_name) VALUES (:id, :at, :owner, 'Seen at the station', '3x5x2', "
                "'2', 'B', 'P', 'An analyst')"
            ),
            {"id": record_id.hex, "at": datetime(2026, 1, 5, tzinfo=UTC), "owner": force.id.hex},
        )
        db.execute(
            text(
                "INSERT INTO intelligence_links (id, intelligence_id, kind, number) "
                "VALUES (:id, :record, 'number', '+447700900123')"
            ),
            {"id": link_id.hex, "record": record_id.hex},
        )
        db.commit()

    command.upgrade(alembic_config(engine), "head")

    with make_sessionmaker(engine)() as db:
        kept = db.get_one(models.IntelligenceRecord, record_id)
        assert (kept.version, kept.text, kept.history) == (1, "Seen at the station", [])
        assert [link.number for link in kept.links] == ["+447700900123"]
    engine.dispose()


def test_0032_keeps_the_people_on_lines(tmp_path: Path) -> None:
    """On SQLite with its foreign keys on: the table is copied to gain its foreign key."""
    engine = make_engine(f"sqlite:///{tmp_path / 'before.db'}")
    command.upgrade(alembic_config(engine), "0031")
    line_id, person_id = uuid.uuid4(), uuid.uuid4()
    with make_sessionmaker(engine)() as db:
        force = make_organisation(db, "police_force", "A force")
        db.execute(
            text(
                "INSERT INTO lines (id, created_at, version, owner_id, reference, brand_names, "
                "status, created_by_name, changed_at) VALUES (:id, :at, 1, :owner, 'A-1', '[]', "
                "'confirmed', 'An analyst', :at)"
            ),
            {"id": line_id.hex, "at": datetime(2026, 1, 5, tzinfo=UTC), "owner": force.id.hex},
        )
        db.execute(
            text(
                "INSERT INTO line_people (id, line_id, number, role, possible_child) "
                "VALUES (:id, :line, '+447700900456', 'runner', 1)"
            ),
            {"id": person_id.hex, "line": line_id.hex},
        )
        db.commit()

    command.upgrade(alembic_config(engine), "head")

    with make_sessionmaker(engine)() as db:
        kept = db.get_one(models.LinePerson, person_id)
        assert (kept.number, kept.role, kept.possible_child) == ("+447700900456", "runner", True)
        assert kept.person_record_id is None
    engine.dispose()
