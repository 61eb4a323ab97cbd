"""`crossline people import`: a force's file of records in, bad rows reported by line, linked."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crossline.cli.main import app
from crossline.core.settings import get_settings
from crossline.people.models import PersonRecord
from crossline.people.services import matching
from crossline.synth.generate import generate
from tests.conftest import TEST_SECRET
from tests.factories import actor_of, make_organisation, make_user

runner = CliRunner()
HEADER = ["record_id", "first_name", "surname", "dob", "postcode", "gender", "phone_numbers"]


@pytest.fixture
def env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("CROSSLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CROSSLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("CROSSLINE_SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def test_a_file_is_imported_bad_rows_named_by_line_and_again_changes_nothing(
    env: str, db: Session, tmp_path: Path
) -> None:
    force = make_organisation(db, "police_force", name="Merseyside Police (test)")
    analyst = make_user(db, force, ["intelligence_analyst"])
    rows = [
        ["MP-1", "Kian", "Doyle", "27/03/2008", "L4 0TH", "M", "07700 900123; 07700 900124"],
        ["", "No", "Reference", "", "", "", ""],
        ["MP-2", "Ava", "Khan", "1999-02-30", "", "F", ""],
        ["MP-3", "Leo", "Hall", "1998-12-24", "", "M", "not a phone"],
        ["MP-4", "Mia", "Wright", "2005-03-03", "LE1 6ZG", "F", ""],
    ]
    path = _write(tmp_path / "records.csv", rows)
    result = runner.invoke(app, ["people", "import", str(path), "--user", analyst.email])
    assert result.exit_code == 0, result.output
    assert "2 added, 0 corrected, 0 unchanged; 3 bad row(s) not imported." in result.output
    assert "line 3: no record_id" in result.output
    assert "line 4: dob '1999-02-30'" in result.output
    assert "line 5: phone_numbers[0]" in result.output
    assert "Not linked" in result.output  # two records are too few to learn from
    held = db.scalars(select(PersonRecord).order_by(PersonRecord.reference)).all()
    assert [p.reference for p in held] == ["MP-1", "MP-4"]
    assert held[0].phone_numbers == '["+447700900123", "+447700900124"]'
    again = runner.invoke(app, ["people", "import", str(path), "--user", analyst.email])
    assert "0 added, 0 corrected, 2 unchanged" in again.output


def test_two_forces_files_of_the_same_world_are_linked_into_alerts(
    env: str, db: Session, tmp_path: Path
) -> None:
    world = tmp_path / "world"
    generate("tiny", 11, world)
    with (world / "agencies" / "person_records.csv").open(encoding="utf-8") as f:
        by_force: dict[str, list[list[str]]] = {}
        for row in csv.DictReader(f):
            by_force.setdefault(row["force"], []).append([row[c] for c in HEADER[:-1]] + [""])
    outputs, actors = [], []
    for force in ("merseyside", "west-mercia"):
        organisation = make_organisation(db, "police_force", name=f"{force} (test)")
        analyst = make_user(db, organisation, ["intelligence_analyst"])
        actors.append(actor_of(analyst, organisation))
        path = _write(tmp_path / f"{force}.csv", by_force[force])
        result = runner.invoke(app, ["people", "import", str(path), "--user", analyst.email])
        assert result.exit_code == 0, result.output
        outputs.append(result.output)
    assert "Linked" in outputs[1]
    alerts = matching.alerts(db, actors[0])
    assert alerts
    assert {a.other_organisation for a in alerts} == {"west-mercia (test)"}
