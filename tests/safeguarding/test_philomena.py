"""Philomena protocol records (DOMAIN.md §MISSING.philomena): carers record Part 1 in
advance; a police force outside the case sees it only while the child is missing in its
area, each look a disclosure in the audit log; Part 2 on the open episode; the forms'
GOV.UK error summary; the API's 404, 409 and 422."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.core import clock
from crossline.core.errors import Conflict, InvalidInput, NotFound
from crossline.orgs.services import ensure_organisation
from crossline.safeguarding.models import CaseEvent, MissingEpisode, YoungPerson
from crossline.safeguarding.schemas import FoundIn, MissingIn, YoungPersonIn
from crossline.safeguarding.services import missing, philomena, young_people
from crossline.safeguarding.services.philomena import PartTwoIn, PhilomenaIn
from tests.factories import make_organisation
from tests.safeguarding.helpers import Team, page_text, signed_in, team_of

NOW = datetime(2026, 11, 27, 15, tzinfo=UTC)
AREA = "cumbria"  # forces.yaml id: the child's home force area
WHY = "missing person enquiry (Philomena protocol)"


@pytest.fixture(autouse=True)
def moment(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    now = [NOW]
    monkeypatch.setattr(clock, "now", lambda: now[0])
    return now


@pytest.fixture
def council(db: Session) -> Team:
    return team_of(db, make_organisation(db, "local_authority", "Philomena Borough Council"))


@pytest.fixture
def area_force(db: Session) -> Team:
    """The police force of the child's home area, not a member of the case."""
    force = ensure_organisation(db, AREA, "Cumbria Constabulary", "police_force")
    db.commit()
    return team_of(db, force)


@pytest.fixture
def other_force(db: Session) -> Team:
    return team_of(db, make_organisation(db, "police_force", "Elsewhere Police"))


@pytest.fixture
def outsider(db: Session) -> Team:
    return team_of(db, make_organisation(db, "local_authority", "Unrelated Council"))


@pytest.fixture
def child(db: Session, council: Team) -> YoungPerson:
    data = YoungPersonIn(
        first_name="Mia", surname="Philomena", dob=date(2011, 5, 1), force_area=AREA
    )
    return young_people.create(db, council.actor, data, via="cli")


def part_one(**changes: Any) -> PhilomenaIn:
    given: dict[str, Any] = {
        "description": "Small, dark curly hair, scar above the left eye",
        "associates": "Older cousin Dan; a man called 'T' with a white car",
        "places": "Carlisle bus station; McDonald's on Botchergate",
        "phone_identifiers": "07700 900123, black iPhone 12",
        "medical": "Asthma: carries an inhaler",
    }
    return PhilomenaIn.model_validate(given | changes)


def _report(db: Session, team: Team, person: YoungPerson, hours_ago: float = 2) -> MissingEpisode:
    return missing.report_missing(
        db,
        team.actor,
        person.id,
        MissingIn(reported_at=NOW - timedelta(hours=hours_ago), reported_by="Care home"),
    )


def _find(db: Session, team: Team, episode: MissingEpisode) -> None:
    db.refresh(episode)
    missing.found(
        db,
        team.actor,
        episode.id,
        FoundIn(
            found_at=NOW - timedelta(minutes=10),
            found_where="Carlisle station",
            found_by="Cumbria Constabulary",
            version=episode.version,
        ),
    )


# --- the service ------------------------------------------------------------------------------


def test_a_case_member_records_and_updates_part_one(
    db: Session, council: Team, child: YoungPerson
) -> None:
    profile = philomena.record_profile(db, council.actor, child.id, part_one())
    assert profile.version == 1
    assert profile.organisation_id == council.organisation.id
    read = philomena.read_profile(db, council.actor, child.id)
    assert read is not None
    assert read.medical == "Asthma: carries an inhaler"
    assert read.financial is None

    updated = philomena.record_profile(
        db, council.actor, child.id, part_one(financial="Monzo card", version=1)
    )
    assert (updated.version, updated.financial) == (2, "Monzo card")
    with pytest.raises(Conflict):  # a form made from version 1
        philomena.record_profile(db, council.actor, child.id, part_one(version=1))
    with pytest.raises(Conflict):  # a second "first" record
        philomena.record_profile(db, council.actor, child.id, part_one())
    with pytest.raises(InvalidInput) as blank:
        philomena.record_profile(db, council.actor, child.id, part_one(description="  ", version=2))
    assert set(blank.value.errors) == {"description"}

    events = db.scalars(
        select(CaseEvent.summary).where(
            CaseEvent.young_person_id == child.id, CaseEvent.kind.like("philomena%")
        )
    ).all()
    assert sorted(events) == [
        "Philomena protocol details recorded",
        "Philomena protocol details updated",
    ]
    assert not any("Asthma" in e or "Monzo" in e for e in events)  # never the details
    operations = db.scalars(
        select(AuditEntry.operation)
        .where(AuditEntry.record_id == str(profile.id))
        .order_by(AuditEntry.seq)
    ).all()
    assert operations == ["collection", "consultation", "alteration"]


def test_a_police_force_sees_part_one_only_while_the_child_is_missing(
    db: Session, council: Team, area_force: Team, child: YoungPerson
) -> None:
    philomena.record_profile(db, council.actor, child.id, part_one())
    force = area_force.actor
    with pytest.raises(NotFound):  # before any missing report
        philomena.disclose(db, force, child.id)
    assert philomena.open_enquiries(db, force) == []
    with pytest.raises(NotFound):  # not a member of the case
        philomena.read_profile(db, force, child.id)

    episode = _report(db, council, child)
    philomena.record_part_two(
        db,
        council.actor,
        episode.id,
        PartTwoIn(clothing="Grey hoodie", last_seen="Home, 13:00", version=episode.version),
    )
    disclosed = philomena.disclose(db, force, child.id)
    assert disclosed.part_one.phone_identifiers == "07700 900123, black iPhone 12"
    assert disclosed.part_two.clothing == "Grey hoodie"
    assert disclosed.disclosed_for == WHY
    [entry] = db.scalars(
        select(AuditEntry).where(
            AuditEntry.operation == "disclosure", AuditEntry.record_type == "philomena_profile"
        )
    ).all()
    assert entry.recipient == "Cumbria Constabulary (police force)"
    assert entry.organisation_id == area_force.organisation.id
    assert entry.justification == WHY
    assert entry.record_owner_id == council.organisation.id
    philomena.disclose(db, force, child.id)  # a second look: audited, not on the timeline again
    told = db.scalars(
        select(CaseEvent.summary).where(
            CaseEvent.young_person_id == child.id, CaseEvent.kind == "philomena_disclosed"
        )
    ).all()
    assert told == ["Philomena protocol details disclosed to Cumbria Constabulary while missing"]

    _find(db, council, episode)
    with pytest.raises(NotFound):  # found: closed to the force again
        philomena.disclose(db, force, child.id)
    assert philomena.open_enquiries(db, force) == []


def test_no_one_else_ever_sees_it(
    db: Session,
    council: Team,
    other_force: Team,
    outsider: Team,
    child: YoungPerson,
) -> None:
    philomena.record_profile(db, council.actor, child.id, part_one())
    _report(db, council, child)
    for team in (other_force, outsider):
        with pytest.raises(NotFound):
            philomena.disclose(db, team.actor, child.id)
        with pytest.raises(NotFound):
            philomena.read_profile(db, team.actor, child.id)
        with pytest.raises(NotFound):
            philomena.record_profile(db, team.actor, child.id, part_one())
        assert philomena.open_enquiries(db, team.actor) == []
    assert db.scalar(select(AuditEntry.seq).where(AuditEntry.operation == "disclosure")) is None


def test_open_enquiries_lists_exactly_the_open_ones(
    db: Session, council: Team, area_force: Team, child: YoungPerson
) -> None:
    def another(name: str, *, area: str | None = AREA) -> YoungPerson:
        data = YoungPersonIn(first_name=name, surname="Test", dob=date(2010, 1, 1), force_area=area)
        return young_people.create(db, council.actor, data, via="cli")

    returned, unrecorded, elsewhere = another("Ben"), another("Cal"), another("Dee", area=None)
    for person in (child, returned, elsewhere):
        philomena.record_profile(db, council.actor, person.id, part_one())
    episode = _report(db, council, child, 3)
    _find(db, council, _report(db, council, returned, 5))
    _report(db, council, unrecorded)  # missing, but no Part 1
    _report(db, council, elsewhere)  # missing, but not in the force's area
    enquiries = philomena.open_enquiries(db, area_force.actor)
    assert [(e.young_person_id, e.name, e.episode_id) for e in enquiries] == [
        (child.id, "Mia Philomena", episode.id)
    ]
    assert enquiries[0].reported_at == NOW - timedelta(hours=3)


def test_part_two_only_while_the_episode_is_open(
    db: Session, council: Team, child: YoungPerson
) -> None:
    episode = _report(db, council, child)
    with pytest.raises(InvalidInput):
        philomena.record_part_two(db, council.actor, episode.id, PartTwoIn(version=1))
    saved = philomena.record_part_two(
        db, council.actor, episode.id, PartTwoIn(clothing="Red coat", version=episode.version)
    )
    assert (saved.clothing, saved.last_seen) == ("Red coat", None)
    with pytest.raises(Conflict):
        philomena.record_part_two(db, council.actor, episode.id, PartTwoIn(clothing="x", version=1))
    _find(db, council, episode)
    db.refresh(episode)
    with pytest.raises(InvalidInput):
        philomena.record_part_two(
            db, council.actor, episode.id, PartTwoIn(clothing="x", version=episode.version)
        )
    audited = db.scalars(
        select(AuditEntry.justification).where(AuditEntry.record_id == str(episode.id))
    ).all()
    assert "Philomena protocol: Part 2 recorded for a missing episode" in audited


# --- the pages --------------------------------------------------------------------------------


def test_the_case_page_records_part_one_and_part_two(
    app: FastAPI, db: Session, council: Team, child: YoungPerson
) -> None:
    case = f"/safeguarding/young-people/{child.id}"
    with signed_in(app, council.user) as c:
        assert "No Philomena protocol details recorded" in page_text(c.get(case).text)
        form = c.get(f"{case}/philomena").text
        assert 'id="phone_identifiers"' in form
        bad = c.post(f"{case}/philomena", data={"places": "Carlisle bus station"})
        assert bad.status_code == 422
        assert "govuk-error-summary" in bad.text
        assert '<a href="#description">' in bad.text
        assert "Carlisle bus station" in bad.text  # what was entered is kept
        saved = c.post(
            f"{case}/philomena", data={"description": "Tall, red hair", "medical": "Epilepsy"}
        )
        assert saved.status_code == 303, saved.text
        page = page_text(c.get(case).text)
        assert "Medical needs Epilepsy" in page
        assert "Change medical needs" in page
        form = c.get(f"{case}/philomena").text
        assert 'name="version" value="1"' in form
        stale = c.post(f"{case}/philomena", data={"description": "x", "version": "0"})
        assert stale.status_code == 409
        assert "govuk-error-summary" in stale.text

        reported = c.post(
            f"{case}/missing-episodes",
            data={
                "missing-reported_at-day": "27",
                "missing-reported_at-month": "11",
                "missing-reported_at-year": "2026",
                "missing-reported_at-time": "12:00",
                "missing-reported_by": "Care home",
                "missing-risk": "high",
            },
        )
        assert reported.status_code == 303
        episode = db.scalars(
            select(MissingEpisode).where(MissingEpisode.young_person_id == child.id)
        ).one()
        prefix = f"part2-{episode.id}"
        empty = c.post(
            f"/safeguarding/missing-episodes/{episode.id}/part-two",
            data={f"{prefix}-version": str(episode.version)},
        )
        assert empty.status_code == 422
        assert f'<a href="#{prefix}-clothing">' in empty.text
        done = c.post(
            f"/safeguarding/missing-episodes/{episode.id}/part-two",
            data={
                f"{prefix}-version": str(episode.version),
                f"{prefix}-clothing": "Green parka",
                f"{prefix}-last_seen": "Leaving school at 15:20",
            },
        )
        assert done.status_code == 303, done.text
        page = page_text(c.get(case).text)
        assert "Clothing (Philomena Part 2) Green parka" in page
        assert "Last seen (Philomena Part 2) Leaving school at 15:20" in page


def test_the_police_pages_show_open_enquiries_and_the_disclosure(
    app: FastAPI,
    db: Session,
    council: Team,
    area_force: Team,
    other_force: Team,
    child: YoungPerson,
) -> None:
    philomena.record_profile(db, council.actor, child.id, part_one())
    with signed_in(app, area_force.user) as c:
        assert 'href="/safeguarding/philomena"' in c.get("/safeguarding").text  # found from there
        assert "No open enquiries" in c.get("/safeguarding/philomena").text
        assert c.get(f"/safeguarding/philomena/{child.id}").status_code == 404
    episode = _report(db, council, child)
    with signed_in(app, area_force.user) as c:
        listing = c.get("/safeguarding/philomena").text
        assert f'href="/safeguarding/philomena/{child.id}"' in listing
        page = c.get(f"/safeguarding/philomena/{child.id}")
        assert page.status_code == 200
        text = page_text(page.text)
        assert "for a missing person enquiry (Philomena protocol)" in text
        assert "07700 900123, black iPhone 12" in text
        assert f"/safeguarding/young-people/{child.id}/philomena" not in page.text
    with signed_in(app, other_force.user) as c:
        assert c.get(f"/safeguarding/philomena/{child.id}").status_code == 404
        assert "No open enquiries" in c.get("/safeguarding/philomena").text
    _find(db, council, episode)
    with signed_in(app, area_force.user) as c:
        assert c.get(f"/safeguarding/philomena/{child.id}").status_code == 404


# --- the API ----------------------------------------------------------------------------------


def test_the_api_records_reads_and_discloses(
    app: FastAPI, db: Session, council: Team, area_force: Team, outsider: Team, child: YoungPerson
) -> None:
    path = f"/api/safeguarding/young-people/{child.id}/philomena"
    with signed_in(app, council.user) as c:
        assert c.get(path).status_code == 404  # not recorded yet
        bad = c.put(path, json={"description": ""})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")
        assert "description" in bad.json()["errors"]
        made = c.put(path, json={"description": "Tall", "transport": "Bus pass"})
        assert made.status_code == 200, made.text
        assert made.json()["version"] == 1
        assert made.json()["held_by"] == "Philomena Borough Council"
        changed = c.put(path, json={"description": "Taller", "version": 1})
        assert changed.json()["version"] == 2
        assert changed.json()["transport"] is None  # every field replaces the one held
        assert c.put(path, json={"description": "x", "version": 1}).status_code == 409
        assert c.get(path).json()["description"] == "Taller"
    disclosed = f"/api/safeguarding/philomena/{child.id}"
    with signed_in(app, area_force.user) as c:
        assert c.get(disclosed).status_code == 404
        assert c.get(path).status_code == 404
        assert c.get("/api/safeguarding/philomena/open-enquiries").json() == []
    episode = _report(db, council, child)
    with signed_in(app, council.user) as c:
        two = f"/api/safeguarding/missing-episodes/{episode.id}/part-two"
        assert c.post(two, json={"version": episode.version}).status_code == 422
        saved = c.post(two, json={"clothing": "Blue tracksuit", "version": episode.version})
        assert saved.status_code == 200, saved.text
        assert saved.json()["clothing"] == "Blue tracksuit"
    with signed_in(app, area_force.user) as c:
        [enquiry] = c.get("/api/safeguarding/philomena/open-enquiries").json()
        assert enquiry["episode_id"] == str(episode.id)
        seen = c.get(disclosed)
        assert seen.status_code == 200, seen.text
        assert seen.json()["part_one"]["description"] == "Taller"
        assert seen.json()["part_two"]["clothing"] == "Blue tracksuit"
    with signed_in(app, outsider.user) as c:
        assert c.get(disclosed).status_code == 404
        assert c.get(path).status_code == 404
        assert c.put(path, json={"description": "x"}).status_code == 404
        two = f"/api/safeguarding/missing-episodes/{episode.id}/part-two"
        assert c.post(two, json={"clothing": "x", "version": 1}).status_code == 404
    vias = db.scalars(
        select(AuditEntry.via).where(
            AuditEntry.operation == "disclosure", AuditEntry.recipient.is_not(None)
        )
    ).all()
    assert vias == ["api"]
