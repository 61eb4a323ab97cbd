"""The demo deployment: demo organisations, one user for each role, and contact officers.

Idempotent: running it again adds nothing that is already there. Refused in
production mode. Later modules add their demo records here (the synthetic
world, lines, orders, cases).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.models import User
from crossline.auth.permissions import ROLES
from crossline.auth.schemas import UserCreate
from crossline.auth.services import create_user
from crossline.core.settings import Settings
from crossline.orgs.schemas import ContactOfficerSet
from crossline.orgs.services import ensure_organisation, find_organisation, set_contact_officer

DEMO_PASSWORD = "crossline-demo-password"  # noqa: S105  printed by `crossline demo`; demo only


@dataclass(frozen=True)
class DemoOrganisation:
    key: str
    name: str
    kind: str
    area: str | None = None  # the district it serves: anonymous reports about it reach it


@dataclass(frozen=True)
class DemoContact:
    organisation: str
    name: str
    email: str


@dataclass(frozen=True)
class DemoUser:
    email: str
    display_name: str
    organisation: str
    role: str


DEMO_ORGANISATIONS = (
    DemoOrganisation(
        "nclcc", "National County Lines Coordination Centre", "national_coordination_centre"
    ),
    DemoOrganisation(
        "shropshire-childrens-services",
        "Shropshire Council Children's Services",
        "local_authority",
        area="shropshire",
    ),
    DemoOrganisation("st-giles-trust", "St Giles Trust", "programme_provider"),
    DemoOrganisation("redthread", "Redthread", "programme_provider"),
    DemoOrganisation(
        "shropshire-youth-justice", "Shropshire Youth Justice Service", "youth_justice_service"
    ),
    DemoOrganisation(
        "west-mercia-pcc",
        "West Mercia Police and Crime Commissioner",
        "police_and_crime_commissioner",
    ),
    DemoOrganisation("home-office-eiyf", "Home Office Early Intervention Youth Fund", "fund_owner"),
    DemoOrganisation("demo-defence", "Harlow & Reed Solicitors (demo)", "defence_practice"),
    DemoOrganisation(
        "west-midlands-vru", "West Midlands Violence Reduction Unit", "violence_reduction_unit"
    ),
    DemoOrganisation(
        "shrewsbury-academy", "Severn Valley Academy (demo)", "school", area="shropshire"
    ),
)

DEMO_USERS = (
    DemoUser("analyst@demo.crossline.uk", "Priya Shah", "west-midlands", "intelligence_analyst"),
    DemoUser("coordinator@demo.crossline.uk", "Tom Okafor", "nclcc", "national_coordinator"),
    DemoUser(
        "analyst.merseyside@demo.crossline.uk", "Liam Byrne", "merseyside", "intelligence_analyst"
    ),
    DemoUser(
        "analyst.westmercia@demo.crossline.uk", "Megan Price", "west-mercia", "intelligence_analyst"
    ),
    DemoUser("applicant@demo.crossline.uk", "Sarah Hughes", "west-midlands", "order_applicant"),
    DemoUser(
        "authoriser@demo.crossline.uk", "Det Supt Mark Ellis", "west-midlands", "order_authoriser"
    ),
    DemoUser(
        "social.worker@demo.crossline.uk",
        "Aisha Begum",
        "shropshire-childrens-services",
        "safeguarding_practitioner",
    ),
    DemoUser(
        "safeguarding@demo.crossline.uk",
        "DS Zara Ahmed",
        "west-midlands",
        "safeguarding_practitioner",
    ),
    DemoUser(
        "youth.justice@demo.crossline.uk",
        "Ben Carter",
        "shropshire-youth-justice",
        "safeguarding_practitioner",
    ),
    DemoUser(
        "school.dsl@demo.crossline.uk",
        "Hannah Moore",
        "shrewsbury-academy",
        "safeguarding_practitioner",
    ),
    DemoUser("provider@demo.crossline.uk", "Leon Marsh", "st-giles-trust", "programme_provider"),
    DemoUser("admin.stgiles@demo.crossline.uk", "Nia Roberts", "st-giles-trust", "administrator"),
    DemoUser("admin.redthread@demo.crossline.uk", "Sam Okoro", "redthread", "administrator"),
    DemoUser(
        "provider.redthread@demo.crossline.uk", "Maya Lewis", "redthread", "programme_provider"
    ),
    DemoUser("bidder@demo.crossline.uk", "Grace Whitfield", "west-mercia-pcc", "fund_bidder"),
    DemoUser("assessor@demo.crossline.uk", "Daniel Frost", "home-office-eiyf", "fund_assessor"),
    DemoUser(
        "fund.admin@demo.crossline.uk", "Helen Price", "home-office-eiyf", "fund_administrator"
    ),
    DemoUser("lawyer@demo.crossline.uk", "Ruth Adeyemi", "demo-defence", "legal_representative"),
    DemoUser("insight@demo.crossline.uk", "Owen Clarke", "west-midlands-vru", "insight_viewer"),
    DemoUser("auditor@demo.crossline.uk", "Fiona Grant", "west-midlands", "auditor"),
    DemoUser("admin@demo.crossline.uk", "James Patel", "west-midlands", "administrator"),
)


# Contact officers of the forces whose areas the demo world's lines join, so that
# deconfliction alerts in the demo name someone (docs/lines.md, "Contact officer").
DEMO_CONTACTS = (
    DemoContact("west-midlands", "DS Nadia Rahman", "nadia.rahman@demo.crossline.uk"),
    DemoContact("merseyside", "DI Connor Walsh", "connor.walsh@demo.crossline.uk"),
    DemoContact("metropolitan", "DS Kwame Asante", "kwame.asante@demo.crossline.uk"),
    DemoContact("west-mercia", "DC Emma Lloyd", "emma.lloyd@demo.crossline.uk"),
    DemoContact("dyfed-powys", "DS Rhys Evans", "rhys.evans@demo.crossline.uk"),
    DemoContact("devon-and-cornwall", "DI Tamsin Pascoe", "tamsin.pascoe@demo.crossline.uk"),
)


def seed_demo(db: Session) -> int:
    """Create the demo organisations, contact officers and users that are missing.

    Returns the users added. A contact officer is given only to a force that
    has none, so one changed in the demo stays as it was changed.
    """
    for org in DEMO_ORGANISATIONS:
        organisation = ensure_organisation(db, org.key, org.name, org.kind)
        if org.area and organisation.area_id is None:
            organisation.area_id = org.area
    db.commit()
    seed_demo_contacts(db)
    existing = set(db.scalars(select(User.email)))
    added = 0
    for user in DEMO_USERS:
        if user.email in existing:
            continue
        organisation = find_organisation(db, user.organisation)
        create_user(
            db,
            None,
            organisation,
            UserCreate(
                email=user.email,
                display_name=user.display_name,
                roles=[user.role],
                password=DEMO_PASSWORD,
            ),
            via="cli",
        )
        added += 1
    return added


def seed_demo_contacts(db: Session) -> int:
    """Give each demo force without a contact officer its demo one; return how many. Audited."""
    added = 0
    for contact in DEMO_CONTACTS:
        force = find_organisation(db, contact.organisation)
        if force.contact_name or force.contact_email:
            continue
        data = ContactOfficerSet(name=contact.name, email=contact.email, version=force.version)
        set_contact_officer(db, None, force.id, data, via="cli")
        added += 1
    return added


DEMO_AUTHORISATION = "DEMO-SYNTHETIC-WORLD"


def import_demo_world(db: Session, data_dir: Path, world: Path) -> int:
    """Import the demo world's operator exports as the demo analyst; return new events.

    Running it again adds nothing: each file is imported once.
    """
    from crossline.auth.signin import actor_for_email
    from crossline.comms.services import import_files

    analyst = actor_for_email(db, DEMO_USERS[0].email)
    files = sorted((world / "comms").glob("*.csv"))
    report = import_files(db, analyst, data_dir, files, authorisation=DEMO_AUTHORISATION)
    return report.rows_imported


def analyse_demo_world(db: Session, settings: Settings) -> int:
    """Run line analysis over the demo analyst's imports; return the lines found."""
    from crossline.analytics.services import run_analysis
    from crossline.auth.signin import actor_for_email

    analyst = actor_for_email(db, DEMO_USERS[0].email)
    return run_analysis(db, analyst, settings).lines_found


def import_demo_people(db: Session, world: Path) -> tuple[int, int]:
    """Import each demo force's records of the demo world's people, then link them all.

    Each force with a demo analyst imports the records the world says it holds
    (``agencies/person_records.csv``), as that analyst. Returns the records
    added and the new alerts between organisations; running it again adds none.
    """
    from crossline.auth.signin import actor_for_email
    from crossline.people.schemas import PersonImport
    from crossline.people.services import matching, records
    from crossline.people.services.files import read_records_file

    found, _ = read_records_file(world / "agencies" / "person_records.csv")
    forces = _forces_of(world)
    added = 0
    for user in DEMO_USERS:
        if user.role != "intelligence_analyst":
            continue
        analyst = actor_for_email(db, user.email)
        own = [record for _, record in found if forces.get(record.reference) == user.organisation]
        result, _ = records.import_records(
            db, analyst, PersonImport.model_construct(records=own), via="cli"
        )
        added += result.added
    if not added:
        return 0, 0
    return added, matching.relink(db, via="cli").new_alerts


def _forces_of(world: Path) -> dict[str, str]:
    """Which force holds each record of the world's person records file."""
    import csv

    with (world / "agencies" / "person_records.csv").open(encoding="utf-8") as f:
        return {row["record_id"]: row["force"] for row in csv.DictReader(f)}


def demo_logins() -> list[tuple[str, str, str]]:
    """(role label, email, organisation key) for each demo user, to print."""
    return [(ROLES[u.role].label, u.email, u.organisation) for u in DEMO_USERS]
