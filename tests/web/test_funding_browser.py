"""The demo fund in Chromium: the administrator finds the bid the panel has scored, reads the
assessor's scores, awards it within the budget and sees the budget left; the bidder then sees
the award and the return to make, and the demo's other, awarded bid's outcome: the referral
made to the service it pays for, withheld as one is too few to show. St Giles Trust's
administrator finds that service confirmed among the grants for its services, and a refusal
asks for its reason. No serious accessibility violation on the way."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from crossline.cli.demo import DEMO_USERS
from tests.web.test_pages import demo_user, sign_in
from tests.web.test_safeguarding_browser import expect_accessible

pytestmark = pytest.mark.browser

BID = "Safe journeys: youth workers at Shropshire's stations and bus hubs"
AWARDED = "Found out of area: support for West Mercia's children exploited on lines"


def test_the_fund_administrator_awards_the_scored_demo_bid(
    browser: Browser, server_url: str
) -> None:
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("fund_administrator"))
        page.get_by_role("link", name="Funding").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Funding")
        expect_accessible(page)
        page.get_by_role("link", name="Early Intervention Youth Fund").click()
        expect(page.locator(".govuk-summary-list")).to_contain_text("£22,000,000: £480,000 awarded")
        expect(page.locator("#panel")).to_have_text("Assessment panel")
        expect(page.get_by_role("table", name="Members of the assessment panel")).to_contain_text(
            "Daniel Frost"
        )
        page.get_by_role("link", name=BID).click()
        expect(page.locator(".govuk-summary-list")).to_contain_text(
            "80.0 out of 100, from 1 assessor"
        )
        expect(page.locator("table")).to_contain_text("Evaluation plan is thin")
        expect_accessible(page)

        page.get_by_label("Award", exact=True).check()
        page.get_by_label("Amount awarded in pounds (to award)").fill("600000")
        page.get_by_role("button", name="Record the decision").click()
        expect(page.locator("main")).to_contain_text("Awarded £600,000, by Helen Price")
        page.get_by_role("link", name="Early Intervention Youth Fund").click()
        expect(page.locator(".govuk-summary-list")).to_contain_text(
            "£1,080,000 awarded, £20,920,000 left"
        )

    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("fund_bidder"))
        page.goto("/funding")
        page.get_by_role("link", name=BID).click()
        expect(page.locator("main")).to_contain_text("Each year's grant, £300,000")
        expect(page.get_by_role("button", name="Send the return")).to_be_visible()
        expect_accessible(page)

        page.goto("/funding")
        page.get_by_role("link", name=AWARDED).click()
        services = page.get_by_role("table", name="Services the grant pays for")
        expect(services).to_contain_text("St Giles Trust")
        expect(services).to_contain_text("Confirmed")
        outcomes = page.get_by_role("table", name="Referrals by year of the grant")
        # Kai's one referral, enrolled: withheld (1 to 7), in the year and in all years.
        expect(outcomes.get_by_role("row", name="Referrals made")).to_contain_text("*")
        expect(outcomes.get_by_role("row", name="Referrals made")).to_contain_text("Not begun")
        expect(outcomes).not_to_contain_text("Kai")
        expect_accessible(page)

    st_giles_admin = next(u for u in DEMO_USERS if u.email == "admin.stgiles@demo.crossline.uk")
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, st_giles_admin)
        page.get_by_role("link", name="Grants for our services").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Grants for our services")
        answered = page.get_by_role("table", name="Answered")
        expect(answered).to_contain_text(AWARDED)
        expect(answered).to_contain_text("Confirmed")
        expect_accessible(page)
        answered.get_by_role("link", name="Change").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Does this grant pay for your service?"
        )
        expect_accessible(page)
        page.get_by_label("No, refuse").check()
        page.get_by_role("button", name="Send your answer").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Say why the service is refused")
        summary.get_by_role("link").click()  # the summary leads to the field
        expect(page.get_by_label("If you refuse, why")).to_be_focused()
        expect(page.get_by_label("No, refuse")).to_be_checked()
