"""A possible child found by line analysis, protected step by step in a real browser.

On the demo deployment (tests/web/conftest.py), a concern raised by analysis
(source ``analysis``) about a young person known only by a phone number is
put in the case list of Shropshire's children's services. Their safeguarding
practitioner opens it, triages it (a first try without a decision shows the
GOV.UK error summary), screens the young person with the answers Crossline
prefilled, and refers them to the NRM; each step asserts what the user sees.

The steps are functions over one :class:`Case`, run in order by the test, so
later workflows (a programme referral, the legal summary) add a step of their
own to :data:`STEPS`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

import crossline.models  # noqa: F401  every table known to the ORM
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.core.database import make_engine, make_sessionmaker
from crossline.orgs.models import Organisation
from crossline.safeguarding.schemas import ConcernIn, YoungPersonIn
from crossline.safeguarding.services import concerns, young_people
from tests.web.test_pages import demo_user, sign_in

pytestmark = pytest.mark.browser

PRACTITIONER = demo_user("safeguarding_practitioner")


@dataclass
class Case:
    """What the steps share: the practitioner's page and the case under way."""

    page: Page
    reference: str
    url: str = ""


def _database_of_served_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite store of the deployment tests/web/conftest.py serves (its data directory)."""
    found = sorted(tmp_path_factory.getbasetemp().glob("served*/var/crossline.db"))
    assert found, "the served demo has no database"
    return found[-1]


@pytest.fixture
def case_from_analysis(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A young person known by a number, with a concern raised by analysis; their reference.

    Made through the services, in the served store, in the name of the practitioner's
    organisation (which triages the concerns it raises)."""
    engine = make_engine(f"sqlite:///{_database_of_served_demo(tmp_path_factory)}")
    with make_sessionmaker(engine)() as db:
        user = db.scalars(select(User).where(User.email == PRACTITIONER.email)).one()
        organisation = db.get_one(Organisation, user.organisation_id)
        actor = Actor(
            user_id=user.id,
            organisation_id=organisation.id,
            organisation_name=organisation.name,
            display_name=user.display_name,
            roles=user.roles,
        )
        number = f"+4477009{random.randint(10000, 99999)}"
        young_person = young_people.create(
            db,
            actor,
            YoungPersonIn(description="Young person using a deal line's runner phone",
                          phone_number=number),
        )  # fmt: skip
        concerns.raise_concern(
            db,
            actor,
            young_person.id,
            ConcernIn(
                source="analysis",
                summary="Line analysis found a runner on a line who may be a child.",
                indicators=["CLS-02", "CL18-01"],
            ),
            via="cli",
        )
        reference = young_person.reference
    engine.dispose()
    return reference


def open_the_case(case: Case) -> None:
    page = case.page
    page.goto("/safeguarding")
    expect(page.get_by_role("heading", level=1)).to_have_text("Safeguarding cases")
    row = page.get_by_role("row").filter(has=page.get_by_role("link", name=case.reference))
    expect(row).to_contain_text("Young person using a deal line's runner phone")
    page.get_by_role("link", name=case.reference).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Young person using a deal line's runner phone"
    )
    case.url = page.url
    expect(page.locator("#concerns ~ .govuk-summary-card").first).to_contain_text(
        "Line analysis: a possible child on a line"
    )
    expect(page.get_by_text("To triage", exact=True)).to_be_visible()


def triage_the_concern(case: Case) -> None:
    page = case.page
    page.get_by_label("Reasons for the decision").fill("Possible child runner: screen today.")
    page.get_by_role("button", name=re.compile("^Record the triage")).click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Choose the decision.")
    expect(page).to_have_title(re.compile(r"^Error:"))
    expect(page.get_by_label("Reasons for the decision")).to_have_value(
        "Possible child runner: screen today."
    )
    page.get_by_label("Screen for exploitation").check()
    page.get_by_role("button", name=re.compile("^Record the triage")).click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    expect(page.get_by_text("Triaged", exact=True)).to_be_visible()
    expect(page.locator("#next ~ table").first).to_contain_text("Screen for exploitation")


def screen_with_prefilled_answers(case: Case) -> None:
    page = case.page
    gang = page.get_by_label("Gang association, or cut off from peers and usual social networks")
    expect(gang).to_be_checked()
    expect(page.locator("#answer-CL18-09-hint")).to_contain_text(
        "Suggested by Crossline from a concern raised on"
    )
    expect(page.locator("#answer-CLS-02-hint")).to_be_visible()
    expect(page.get_by_label("Unusual train tickets")).not_to_be_checked()
    page.get_by_label("Several phones or SIM cards").check()
    page.get_by_label("Notes on the screening").fill("Seen at the station with two phones.")
    page.get_by_role("button", name="Record the screening").click()
    history = page.locator(".govuk-inset-text").first
    expect(history).to_contain_text("indicators found")
    expect(history).to_contain_text("Several phones or SIM cards (CL23-06)")
    expect(history).to_contain_text("consider a referral to the National Referral Mechanism")


def refer_to_the_nrm(case: Case) -> None:
    page = case.page
    page.get_by_label("Why you believe they are a victim").fill(
        "Runs a deal line's phone in school hours; several indicators at screening."
    )
    page.get_by_role("button", name="Refer to the NRM").click()
    card = page.locator("#nrm ~ .govuk-summary-card").first
    expect(card).to_contain_text("Not needed: under 18")
    expect(card).to_contain_text(re.compile(r"Decision due by \d+ \w+ \d{4}, 00:00 \(UK time\)"))
    expect(page.get_by_role("button", name="Refer to the NRM")).to_have_count(0)
    expect(page.locator("#timeline ~ table")).to_contain_text("Referred to the NRM by")


# Later workflows append theirs: a programme referral, the legal summary.
STEPS: list[Callable[[Case], None]] = [
    open_the_case,
    triage_the_concern,
    screen_with_prefilled_answers,
    refer_to_the_nrm,
]


def test_a_concern_from_analysis_triaged_screened_and_referred_to_the_nrm(
    browser: Browser, server_url: str, case_from_analysis: str
) -> None:
    with browser.new_context(base_url=server_url) as context:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, PRACTITIONER)
        case = Case(page, case_from_analysis)
        for step in STEPS:
            step(case)
        assert not errors, errors
