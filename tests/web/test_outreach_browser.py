"""Anonymous reporting in Chromium: someone signed out finds the signs from the footer,
sends a report (after the error summary has told them what was missing), and the
council of the district reads it on its Anonymous reports page. No serious accessibility
violation on the public pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from crossline.cli.demo import DEMO_USERS
from tests.web.test_pages import sign_in
from tests.web.test_safeguarding_browser import expect_accessible

pytestmark = pytest.mark.browser

SOCIAL_WORKER = "social.worker@demo.crossline.uk"  # Shropshire's council
WHAT = "Two older lads wait outside the youth club every Friday with a car."


def test_someone_signed_out_tells_the_council_and_police_and_the_council_reads_it(
    browser: Browser, server_url: str
) -> None:
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        page.goto("/sign-in")
        page.get_by_role("link", name="Spot the signs of county lines").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Spot the signs of county lines")
        expect(page.get_by_text("Carrying a weapon")).to_be_visible()
        expect_accessible(page)
        page.get_by_role("button", name="Tell us what you have seen").click()

        page.get_by_label("What is happening?").fill(WHAT)
        page.get_by_role("button", name="Send").click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text("Choose where this is happening")
        expect(summary).to_contain_text("Choose who this is about")
        expect(page.get_by_label("What is happening?")).to_have_value(WHAT)
        expect_accessible(page)

        page.get_by_label("Where is this happening?").select_option(label="Shropshire")
        page.get_by_label("Someone else").check()
        page.get_by_label("Getting lots of calls or texts, or having more than one phone").check()
        page.get_by_label("Under 18").check()
        page.get_by_role("button", name="Send").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("We have your report")
        expect(page.locator("main")).to_contain_text("West Mercia Police")
        expect(page.locator("main")).to_contain_text("Shropshire Council Children's Services")
        expect_accessible(page)

    with browser.new_context(base_url=server_url) as context:
        page = context.new_page()
        sign_in(page, next(u for u in DEMO_USERS if u.email == SOCIAL_WORKER))
        page.goto("/reports")
        page.get_by_role("link", name=WHAT[:40], exact=False).click()
        expect(page.locator(".govuk-summary-list")).to_contain_text(
            "Getting lots of calls or texts, or having more than one phone (CL18-03)"
        )
        page.get_by_label("Passed on").check()
        page.get_by_label("Note (optional)").fill("Shared with the MASH")
        page.get_by_role("button", name="Save").click()
        expect(page.locator(".govuk-summary-list")).to_contain_text("Passed on, by")


def test_a_national_coordinator_targets_the_campaign_by_exposure(
    browser: Browser, server_url: str
) -> None:
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, next(u for u in DEMO_USERS if u.role == "national_coordinator"))
        page.get_by_role("link", name="Campaign targeting").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Campaign targeting")
        first = page.locator("tbody tr").first
        expect(first).to_contain_text("West Mercia Police")  # the demo's lines sell there
        expect(first).to_contain_text("Severn Valley Academy (demo)")
        expect_accessible(page)
        page.get_by_label("Rank by").select_option(label="Lines run from the area")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("tbody tr").first.locator("th")).not_to_have_text("West Mercia Police")
