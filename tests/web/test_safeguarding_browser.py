"""A possible child found by line analysis, protected step by step in a real browser.

On the demo deployment (tests/web/conftest.py), a concern raised by analysis
(source ``analysis``) about a young person known only by a phone number is
put in the case list of Shropshire's children's services. Their safeguarding
practitioner opens it, triages it (a first try without a decision shows the
GOV.UK error summary), screens the young person with the answers Crossline
prefilled, and refers them to the NRM. Then they record the young person's
date of birth and circumstances, so that a programme is open to them, and
refer them to it at a provider organisation; the provider accepts, enrols and
completes the referral with an outcome, and is refused the case. Last, the
practitioner releases the legal summary to a legal representative, who reads
it and is refused everything else. Each step asserts what the user sees.

The steps are functions over one :class:`Case`, run in order by the test, so
a later workflow adds a step of its own to :data:`STEPS`. The provider
organisation (with its delivery of the programme) and the representative are
made by the fixture, through the services, so the test does not depend on
what the demo seeds.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session

import crossline.models  # noqa: F401  every table known to the ORM
from crossline.auth.actor import Actor
from crossline.auth.models import User
from crossline.cli.demo import DemoUser
from crossline.core.database import make_engine, make_sessionmaker
from crossline.orgs.models import Organisation
from crossline.programmes import referrals
from crossline.programmes.schemas import DeliveryIn
from crossline.safeguarding.schemas import ConcernIn, YoungPersonIn
from crossline.safeguarding.services import concerns, young_people
from tests.factories import PASSWORD, actor_of, make_organisation, make_user
from tests.web.test_pages import AXE, SERIOUS, demo_user, sign_in

pytestmark = pytest.mark.browser

PRACTITIONER = demo_user("safeguarding_practitioner")
PROGRAMME = "Redthread Youth Violence Intervention Programme"  # catalogue id "redthread"
REFUSED = "You do not have permission to see this page"
NAME = "Young person using a deal line's runner phone"  # known by a description only
_AXE_RUN = """async () => (await axe.run()).violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target)}))"""


@dataclass(frozen=True)
class Setting:
    """What the fixture made: the case, and the people outside it who take part."""

    reference: str
    provider: DemoUser  # a programme provider user of the organisation delivering PROGRAMME
    provider_organisation: str
    representative: DemoUser  # a legal representative of a defence practice


@dataclass
class Case:
    """What the steps share: the practitioner's page and the case under way."""

    page: Page
    reference: str
    setting: Setting | None = None
    url: str = ""

    @property
    def programmes_url(self) -> str:
        return "/programmes/young-people/" + self.url.rstrip("/").rsplit("/", 1)[1]

    @contextmanager
    def signed_in_as(self, user: DemoUser) -> Iterator[Page]:
        """A page in a fresh browser profile of the same browser, signed in as ``user``."""
        browser = self.page.context.browser
        assert browser is not None
        base_url = re.match(r"https?://[^/]+", self.page.url)
        assert base_url
        with browser.new_context(base_url=base_url[0]) as context:
            page = context.new_page()
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            sign_in(page, user, PASSWORD)
            yield page
            assert not errors, errors


def _database_of_served_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The SQLite store of the deployment tests/web/conftest.py serves (its data directory)."""
    found = sorted(tmp_path_factory.getbasetemp().glob("served*/var/crossline.db"))
    assert found, "the served demo has no database"
    return found[-1]


@pytest.fixture
def case_from_analysis(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Setting:
    """A young person known by a number, with a concern raised by analysis; a provider
    delivering PROGRAMME, and a legal representative.

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
        setting = Setting(young_person.reference, *_provider(db), _representative(db))
    engine.dispose()
    return setting


def _provider(db: Session) -> tuple[DemoUser, str]:
    """A provider organisation delivering PROGRAMME, declared by its administrator; its user."""
    suffix = f"{random.randint(1000, 9999)}"
    organisation = make_organisation(db, "programme_provider", f"Northfield Youth Workers {suffix}")
    administrator = make_user(db, organisation, ["administrator"])
    delivery = DeliveryIn(programme_id="redthread", note="Birmingham hospitals")
    referrals.add_delivery(db, actor_of(administrator, organisation), delivery)
    user = make_user(
        db,
        organisation,
        ["programme_provider"],
        email=f"youth.worker{suffix}@provider.test-crossline.uk",
    )
    provider = DemoUser(user.email, user.display_name, organisation.key, "programme_provider")
    return provider, organisation.name


def _representative(db: Session) -> DemoUser:
    suffix = f"{random.randint(1000, 9999)}"
    practice = make_organisation(db, "defence_practice", f"Test Defence Practice {suffix}")
    user = make_user(
        db, practice, ["legal_representative"], email=f"solicitor{suffix}@defence.test-crossline.uk"
    )
    return DemoUser(user.email, user.display_name, practice.key, "legal_representative")


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


def expect_accessible(page: Page) -> None:
    """No serious or critical axe violation on the page as it is now (its context must let
    axe's script in: ``bypass_csp``)."""
    page.add_script_tag(path=AXE)
    violations: list[dict[str, object]] = page.evaluate(_AXE_RUN)
    serious = [v for v in violations if v["impact"] in SERIOUS]
    assert not serious, f"serious accessibility violations on {page.url}: {serious}"


@contextmanager
def same_session_for_axe(page: Page) -> Iterator[Page]:
    """A page in a profile with ``page``'s session that lets axe in; ``page`` keeps the CSP."""
    browser = page.context.browser
    assert browser is not None
    state = page.context.storage_state()
    with browser.new_context(storage_state=state, bypass_csp=True) as context:
        yield context.new_page()


# --- a programme referral -------------------------------------------------------------------------


def open_the_programmes_without_a_date_of_birth(case: Case) -> None:
    page = case.page
    page.get_by_role("link", name="Programmes and referrals").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Programmes for {NAME}")
    expect(page.locator(".govuk-warning-text")).to_contain_text(
        "Their date of birth is not recorded"
    )
    card = page.locator("#programme-redthread")
    expect(card).to_contain_text("Not open to them")
    expect(card).to_contain_text("Date of birth not recorded: cannot check the rule aged 11 to 25")
    expect(page.get_by_text("No referrals yet.")).to_be_visible()


def record_the_date_of_birth_and_circumstances(case: Case) -> None:
    page = case.page
    page.get_by_role("link", name="Record their date of birth and other details").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Correct the details of {case.reference}"
    )
    born = date.fromordinal(date.today().toordinal() - int(14.5 * 365.25))  # aged 14
    page.get_by_label("Day", exact=True).fill(str(born.day))
    page.get_by_label("Month", exact=True).fill(str(born.month))
    page.get_by_label("Year", exact=True).fill(str(born.year))
    page.get_by_label("Police force area where they live").select_option(
        label="West Midlands Police"
    )
    page.get_by_label("treated in hospital after violence, assault or exploitation").check()
    page.get_by_role("button", name="Save the correction").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{NAME}, 14")
    expect(page.locator("#facts")).to_contain_text(born.strftime("%-d %B %Y"))
    expect(page.locator("#facts")).to_contain_text("West Midlands Police")


def refer_to_a_programme(case: Case) -> None:
    assert case.setting is not None
    provider = case.setting.provider_organisation
    page = case.page
    page.get_by_role("link", name="Programmes and referrals").click()
    card = page.locator("#programme-redthread")
    expect(card).to_contain_text("Open to them")
    expect(card).to_contain_text("Aged 14: within 11 to 25")
    expect(card).to_contain_text(f"{provider}: Birmingham hospitals")
    form = card.locator("details").filter(has_text=f"Refer to {PROGRAMME} at {provider}")
    form.locator("summary").click()
    refer = form.get_by_role("button", name=f"Refer to {PROGRAMME} at {provider}")
    refer.click()
    expect(page.locator(".govuk-error-summary")).to_contain_text(
        "Say why you refer them to this programme."
    )
    expect(page).to_have_title(re.compile(r"^Error:"))
    expect(form).to_have_attribute("open", "")  # the form sent is open again, with the error
    form.get_by_label("Why you refer them").fill("Treated in hospital after a stabbing.")
    refer.click()
    expect(page.locator(".govuk-notification-banner")).to_contain_text(
        "The referral has been sent."
    )
    row = page.locator("#referrals ~ table tbody tr").first
    expect(row).to_contain_text(PROGRAMME)
    expect(row).to_contain_text(provider)
    expect(row.locator(".govuk-tag")).to_have_text("Sent")
    with same_session_for_axe(page) as checked:
        checked.goto(page.url)
        expect_accessible(checked)
        checked.locator("#programme-redthread summary").first.click()
        checked.locator("#programme-redthread button").first.click()
        expect(checked.locator(".govuk-error-summary")).to_be_visible()
        expect_accessible(checked)


def the_provider_takes_the_referral_and_sees_nothing_of_the_case(case: Case) -> None:
    assert case.setting is not None
    with case.signed_in_as(case.setting.provider) as page:
        menu = page.get_by_role("navigation", name="Menu")
        expect(menu).not_to_contain_text("Safeguarding")
        menu.get_by_role("link", name="Referrals received").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Referrals received")
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=NAME))
        expect(row).to_contain_text(PROGRAMME)
        expect(row).to_contain_text("Shropshire Council Children's Services")
        expect(row.locator(".govuk-tag")).to_have_text("New")
        page.get_by_role("link", name=NAME).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(NAME)
        summary = page.locator("main dl").first
        expect(summary).to_contain_text("Treated in hospital after a stabbing.")
        state = summary.locator(".govuk-tag")
        page.get_by_role("button", name="Accept the referral").click()
        expect(state).to_have_text("Accepted")
        page.get_by_role("button", name="Record the enrolment").click()
        expect(state).to_have_text("Enrolled")
        page.get_by_label("Completed, goals met").check()
        page.get_by_label("Note on the outcome (optional)").fill("Back at college.")
        page.get_by_role("button", name="Record the outcome").click()
        expect(state).to_have_text("Completed")
        expect(summary).to_contain_text("Completed, goals met: Back at college.")
        for refused in (case.url, case.programmes_url, "/safeguarding"):
            page.goto(refused)
            expect(page.get_by_role("heading", level=1)).to_have_text(REFUSED)
            expect(page.locator("main")).not_to_contain_text(NAME)


def the_practitioner_sees_the_outcome(case: Case) -> None:
    page = case.page
    page.goto(case.programmes_url)
    row = page.locator("#referrals ~ table tbody tr").first
    expect(row.locator(".govuk-tag")).to_have_text("Completed")
    expect(row).to_contain_text("Completed, goals met: Back at college.")


# --- the legal summary ----------------------------------------------------------------------------


def release_the_legal_summary(case: Case) -> None:
    assert case.setting is not None
    representative = case.setting.representative
    page = case.page
    page.goto(case.url)
    page.get_by_role("link", name="Legal summary").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Release the legal summary")
    page.get_by_label("The representative's email address").fill(representative.email)
    page.get_by_label("Why you release it").fill("Defence in drug supply proceedings.")
    page.get_by_role("button", name="Release the summary").click()
    expect(page.locator(".govuk-error-summary")).to_have_count(0)
    row = page.get_by_role("row").filter(has_text="Defence in drug supply proceedings.")
    expect(row).to_contain_text(representative.display_name)
    expect(row).to_contain_text("Released")


def the_representative_reads_the_summary_and_nothing_else(case: Case) -> None:
    assert case.setting is not None
    with case.signed_in_as(case.setting.representative) as page:
        page.goto("/legal")
        expect(page.get_by_role("heading", level=1)).to_have_text("Your clients")
        page.get_by_role("link", name=NAME).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Exploitation summary: {NAME}")
        main = page.locator("main")
        expect(main).to_contain_text("not to be given to your client")
        expect(page.get_by_role("heading", name="2. National Referral Mechanism")).to_be_visible()
        expect(main).to_contain_text("Referred on")
        expect(main).to_contain_text("Several phones or SIM cards")
        expect(main).to_contain_text("Line analysis found a runner on a line who may be a child.")
        expect(page.get_by_role("heading", name="7. The law")).to_be_visible()
        expect(main).to_contain_text("Modern Slavery Act 2015 s.45(4)")
        expect(main).not_to_contain_text("Back at college.")  # the programme is not in it
        for refused in (case.url, "/safeguarding", case.programmes_url):
            page.goto(refused)
            expect(page.get_by_role("heading", level=1)).to_have_text(REFUSED)
            expect(page.locator("main")).not_to_contain_text(NAME)


STEPS: list[Callable[[Case], None]] = [
    open_the_case,
    triage_the_concern,
    screen_with_prefilled_answers,
    refer_to_the_nrm,
    open_the_programmes_without_a_date_of_birth,
    record_the_date_of_birth_and_circumstances,
    refer_to_a_programme,
    the_provider_takes_the_referral_and_sees_nothing_of_the_case,
    the_practitioner_sees_the_outcome,
    release_the_legal_summary,
    the_representative_reads_the_summary_and_nothing_else,
]


def test_a_concern_from_analysis_triaged_screened_and_referred_to_the_nrm(
    browser: Browser, server_url: str, case_from_analysis: Setting
) -> None:
    with browser.new_context(base_url=server_url) as context:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, PRACTITIONER)
        case = Case(page, case_from_analysis.reference, case_from_analysis)
        for step in STEPS:
            step(case)
        assert not errors, errors
