"""Migrations 0013 to 0017 and 0024 create the safeguarding and referral tables as the
models say (0015: the decision columns of ``young_person_matches``; 0016: school-police
partnerships and their activities; 0017: Philomena protocol profiles and Part 2 on
missing episodes; 0024: agency imports and the rows they set aside)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect

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
    assert len(TABLES) == 21
    with engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    ours = [d for d in differences if _table(d) in TABLES or _mentions(d)]
    assert ours == []


def _mentions(difference: object) -> bool:
    text = repr(difference)
    return any(f"'{name}'" in text for name in TABLES)


def test_0015_adds_the_decision_on_a_possible_duplicate(engine: Engine) -> None:
    columns = {c["name"]: c for c in inspect(engine).get_columns("young_person_matches")}
    for name in ("decision", "note", "decided_by_id", "decided_by_name", "decided_at"):
        assert columns[name]["nullable"], name
    foreign = inspect(engine).get_foreign_keys("young_person_matches")
    assert {
        f["constrained_columns"][0]: f["referred_table"]
        for f in foreign
        if f["constrained_columns"] == ["decided_by_id"]
    } == {"decided_by_id": "users"}


def test_0016_adds_school_partnerships_and_their_activities(engine: Engine) -> None:
    foreign = {
        f["constrained_columns"][0]: f["referred_table"]
        for f in inspect(engine).get_foreign_keys("school_partnerships")
    }
    assert foreign == {"school_id": "organisations", "force_id": "organisations"}
    columns = {c["name"]: c for c in inspect(engine).get_columns("school_partnerships")}
    assert columns["ended_on"]["nullable"]
    assert not columns["officer_email"]["nullable"]
    activities = {c["name"]: c for c in inspect(engine).get_columns("partnership_activities")}
    assert activities["pupils_reached"]["nullable"]
    checks = inspect(engine).get_check_constraints("partnership_activities")
    assert any("pupils_reached" in str(c["sqltext"]) for c in checks)


def test_0017_adds_philomena_profiles_and_part_two(engine: Engine) -> None:
    foreign = {
        f["constrained_columns"][0]: f["referred_table"]
        for f in inspect(engine).get_foreign_keys("philomena_profiles")
    }
    assert foreign == {"young_person_id": "young_people", "organisation_id": "organisations"}
    unique = inspect(engine).get_unique_constraints("philomena_profiles")
    assert [u["column_names"] for u in unique] == [["young_person_id"]]
    columns = {c["name"]: c for c in inspect(engine).get_columns("philomena_profiles")}
    assert not columns["description"]["nullable"]
    assert columns["medical"]["nullable"]
    assert not columns["version"]["nullable"]
    episodes = {c["name"]: c for c in inspect(engine).get_columns("missing_episodes")}
    assert episodes["clothing"]["nullable"]
    assert episodes["last_seen"]["nullable"]
