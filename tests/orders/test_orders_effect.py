"""What a line did after its order: resurfacing on the synthetic world, one step to a new
application, and the effect report by API, CSV and command line (DOMAIN.md §DDTRO.use)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from crossline.analytics.models import Finding
from crossline.auth.models import User
from crossline.cli.main import app as cli
from crossline.core import clock
from crossline.core.settings import Settings, get_settings
from crossline.lines import services as lines
from crossline.lines.schemas import FindingConfirm, LineCreate, NumberAdd
from crossline.orders import services
from crossline.orders.schemas import (
    ApplicationChange,
    ApplicationStart,
    Authorisation,
    Decision,
    Hearing,
    ItemIn,
)
from crossline.orders.states import ApplicationKind, Outcome
from crossline.synth.generate import generate
from tests.conftest import TEST_SECRET
from tests.factories import actor_of, make_organisation, make_user
from tests.lines.conftest import Force, analysed, make_force, record_line
from tests.lines.test_routes import signed_in


@pytest.fixture
def force_a(db: Session) -> Force:
    return make_force(db, "Merseyside Police (test)")


@pytest.fixture(scope="module")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    world = tmp_path_factory.mktemp("orders") / "world"
    generate("tiny", 11, world)
    return world


def _order_on(db: Session, force: Force, line_id: object, number: str, made_on: date) -> object:
    """An order on ``number`` of the line, made on ``made_on``, through every step."""
    org = force.organisation
    applicant = actor_of(make_user(db, org, ["order_applicant"]), org)
    authoriser = actor_of(make_user(db, org, ["order_authoriser"]), org)
    app = services.start_application(db, applicant, ApplicationStart(line_id=line_id))
    app = services.change_application(
        db,
        applicant,
        app.id,
        ApplicationChange(
            version=app.version,
            limb_used="Used to sell class A drugs.",
            limb_prevents="Closing it stops orders.",
            items=[ItemIn(kind="msisdn", identifier=number, provider="ee")],
        ),
    )
    app = services.authorise(
        db, authoriser, app.id, Authorisation(rank="superintendent", version=app.version)
    )
    app = services.list_hearing(
        db, applicant, app.id, Hearing(hearing_at=clock.now(), version=app.version)
    )
    app = services.decide(
        db,
        applicant,
        app.id,
        Decision(outcome=Outcome.GRANTED, made_on=made_on, duration_days=365, version=app.version),
    )
    return applicant, services.get_order(db, applicant, app.order_id)[0]


def test_the_alert_fires_when_the_synthetic_worlds_line_changes_number_after_its_order(
    db: Session,
    force_a: Force,
    settings: Settings,
    tiny_world: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = analysed(db, force_a.analyst, settings, tiny_world)
    changed = [
        f
        for f in db.scalars(select(Finding).where(Finding.run_id == run.id, Finding.kind == "line"))
        if json.loads(f.detail).get("successor_links")
    ]
    assert changed, "the tiny world has a line that changes number"
    finding = changed[0]
    link = json.loads(finding.detail)["successor_links"][0]
    numbers = {n["number"]: n for n in json.loads(finding.detail)["numbers"]}
    old, new = numbers[link["from"]], numbers[link["to"]]
    line = lines.confirm_finding(db, force_a.analyst, FindingConfirm(finding_id=finding.id))
    # The order on the old number was made before the new one was first seen.
    made_on = date.fromisoformat(new["first_seen"][:10]) - timedelta(days=1)
    assert made_on >= date.fromisoformat(old["first_seen"][:10])
    later = datetime.combine(made_on + timedelta(days=20), datetime.min.time(), UTC)
    monkeypatch.setattr(clock, "now", lambda: later)  # the order is in force
    applicant, order = _order_on(db, force_a, line.id, old["number"], made_on)

    alerts = services.resurfacing_alerts(db, applicant)
    raised = [(a.identifier, a.kind) for a, o in alerts if o.id == order.id]
    assert (new["number"], "msisdn") in raised
    assert (old["number"], "msisdn") not in raised  # the order covers it
    again = services.resurfacing_alerts(db, applicant)
    assert len(again) == len(alerts)  # raised once
    _, history = services.get_order(db, applicant, order.id)
    assert "resurfaced" in [e.kind for e in history]

    # One step to a variation holding the new number, with the grounds written
    alert = next(a for a, o in alerts if a.identifier == new["number"])
    varied = services.start_from_alert(db, applicant, alert.id)
    assert varied.kind == ApplicationKind.VARIATION.value
    assert varied.order_id == order.id
    assert {i.identifier for i in varied.items} >= {old["number"], new["number"]}
    assert new["number"] in (varied.grounds or "")
    with pytest.raises(Exception, match="started from this alert already"):
        services.start_from_alert(db, applicant, alert.id)

    report = services.effect_report(db, applicant)
    row = next(r for r in report if r.order_id == order.id)
    assert row.effect.resurfaced
    assert new["number"] in row.effect.new_identifiers
    assert row.effect.days_to_resurfacing is not None
    assert row.effect.days_to_resurfacing >= 0


def test_a_quiet_line_and_an_ended_order_start_a_new_application(
    db: Session, force_a: Force, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))
    line = lines.create_line(
        db,
        force_a.analyst,
        LineCreate.model_validate(
            {
                "reference": "Q-1",
                "status": "confirmed",
                "numbers": [{"number": "07700 900601", "valid_from": "2025-11-01T00:00:00Z"}],
            }
        ),
    )
    applicant, order = _order_on(db, force_a, line.id, "+447700900601", date(2025, 12, 1))
    assert services.resurfacing_alerts(db, applicant) == []
    row = services.effect_report(db, applicant)[0]
    assert not row.effect.resurfaced
    assert row.effect.days_to_resurfacing is None
    assert row.complied is None  # nothing served yet
    # The line comes back on a new number after the order has been discharged
    current = lines.get_line(db, force_a.analyst, line.id)
    lines.add_number(
        db,
        force_a.analyst,
        line.id,
        NumberAdd(
            number="07700 900602",
            valid_from=datetime(2025, 12, 10, tzinfo=UTC),
            version=current.version,
        ),
    )
    order.state = "discharged"
    db.commit()
    ((alert, _),) = services.resurfacing_alerts(db, applicant)
    fresh = services.start_from_alert(db, applicant, alert.id)
    assert fresh.kind == ApplicationKind.ORDER.value
    assert [i.identifier for i in fresh.items] == ["+447700900602"]
    assert fresh.line_id == line.id


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("CROSSLINE_DATA_DIR", str(tmp_path / "var"))
    monkeypatch.setenv("CROSSLINE_DATABASE_URL", database_url)
    monkeypatch.setenv("CROSSLINE_SECRET_KEY", TEST_SECRET)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_the_report_by_api_csv_and_command_line_across_forces_for_a_coordinator(
    cli_env: None, app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))
    for name, number in (
        ("Merseyside Police (test)", "+447700900701"),
        ("Kent Police (test)", "+447700900702"),
    ):
        force = make_force(db, name)
        line = record_line(db, force.analyst, f"L-{number[-3:]}", [number])
        _order_on(db, force, line.id, number, date(2025, 12, 5))
    coordinator = make_user(
        db, make_organisation(db, "national_coordination_centre"), ["national_coordinator"]
    )
    result = CliRunner().invoke(cli, ["orders", "report", "--json", "--user", coordinator.email])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert sorted(r["line"] for r in rows) == ["L-701", "L-702"]
    assert all(
        r["effect"] == {"resurfaced": False, "new_identifiers": [], "days_to_resurfacing": None}
        for r in rows
    )
    assert {
        "line",
        "identifiers",
        "applied",
        "made",
        "complied",
        "expiry",
        "state",
        "effect",
    } <= set(rows[0])
    with signed_in(app, db.get_one(User, coordinator.id)) as client:
        csv_text = client.get("/api/orders/report", params={"format": "csv"})
        assert csv_text.headers["content-type"].startswith("text/csv")
        lines_of = csv_text.text.strip().splitlines()
        assert lines_of[0].startswith("reference,line,identifiers")
        assert len(lines_of) == 3


def test_the_report_page_for_a_coordinator_names_each_force(
    app: FastAPI, db: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))
    force = make_force(db, "Cumbria Constabulary (test)")
    line = record_line(db, force.analyst, "L-PAGE", ["+447700900801"])
    _order_on(db, force, line.id, "+447700900801", date(2025, 12, 5))
    coordinator = make_user(
        db, make_organisation(db, "national_coordination_centre"), ["national_coordinator"]
    )
    with signed_in(app, coordinator) as client:
        page = client.get("/orders/report")
        assert page.status_code == 200
        assert "Cumbria Constabulary (test)" in page.text
        assert "L-PAGE" in page.text
        assert "Quiet" in page.text
    with signed_in(app, make_user(db, force.organisation, ["safeguarding_practitioner"])) as other:
        assert other.get("/orders/report").status_code == 403
