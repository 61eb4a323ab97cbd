"""A DDTRO's whole path in a real browser, each step by the officer whose step it is.

On the demo deployment (tests/web/conftest.py), West Midlands' analyst records a line
through the API; the order applicant applies from the line's page and writes the draft;
the authoriser, another officer, authorises it with a rank; the applicant lists the
hearing, records the grant, serves the notice and downloads the application for the
court; then the line takes up a new number, and the order's alert starts a variation. The
dates are today's: the server runs in its own process, on the real clock.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from tests.web.test_pages import AXE, SERIOUS, demo_user, sign_in

pytestmark = pytest.mark.browser

UK = ZoneInfo("Europe/London")
_POST = """async ([path, body]) => {
  const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
  const response = await fetch(path, {method: 'POST', body: JSON.stringify(body),
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token}});
  return {status: response.status, body: await response.json()};
}"""
_AXE_RUN = """async () => (await axe.run()).violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target)}))"""


@pytest.fixture
def officers(browser: Browser, server_url: str) -> Iterator[dict[str, Page]]:
    """The analyst, the applicant and the authoriser, each signed in in a browser of their own."""
    contexts: list[BrowserContext] = []
    pages = {}
    for role in ("intelligence_analyst", "order_applicant", "order_authoriser"):
        context = browser.new_context(base_url=server_url, accept_downloads=True)
        contexts.append(context)
        pages[role] = context.new_page()
        sign_in(pages[role], demo_user(role))
    yield pages
    for context in contexts:
        context.close()


def _record_line(analyst: Page) -> dict[str, Any]:
    """A line of West Midlands with a number and a handset no other line holds."""
    today = datetime.now(UK).date().isoformat()
    for _ in range(5):
        number = f"+4477009{random.randint(10000, 99999)}"
        recorded = analyst.evaluate(
            _POST,
            ["/api/lines", {"reference": f"WM-DDTRO-{number[-5:]}", "status": "confirmed",
              "hub_area": "west-midlands", "county_area": "west-mercia",
              "numbers": [{"number": number, "valid_from": f"{today}T00:00:00Z"}],
              "handsets": [{"imei": "357442090888655", "valid_from": today}]}],
        )  # fmt: skip
        if recorded["status"] == 201:
            return dict(recorded["body"])
    pytest.fail(f"could not record a line: {recorded}")


def _listed(page: Page, what: str) -> list[dict[str, Any]]:
    got = page.request.get(f"/api/orders{what}")
    assert got.ok, got.text()
    return list(got.json())


def _new_number(analyst: Page, line: dict[str, Any]) -> str:
    """A number the line took up just now, added by its analyst through the line's API."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    for _ in range(5):
        number = f"+4477009{random.randint(10000, 99999)}"
        added = analyst.evaluate(
            _POST, [f"/api/lines/{line['id']}/numbers", {"number": number, "valid_from": now}]
        )
        if added["status"] == 201:
            return number
    pytest.fail(f"could not add a number to the line: {added}")


def test_an_order_from_a_line_page_to_its_served_notice_by_two_officers(
    officers: dict[str, Page], browser: Browser, server_url: str, tmp_path: Path
) -> None:
    analyst, applicant, authoriser = (
        officers["intelligence_analyst"],
        officers["order_applicant"],
        officers["order_authoriser"],
    )
    line = _record_line(analyst)
    number = line["numbers"][0]["number"]
    csp: list[str] = []
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            csp.append(message.text)

    applicant.on("console", on_console)
    applicant.on("pageerror", lambda error: errors.append(str(error)))

    # The applicant applies from the line's page; the draft holds its number and handset.
    applicant.goto(f"/lines/{line['id']}")
    applicant.get_by_role("button", name="Apply for an order").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Application "))
    application_url = applicant.url
    items = applicant.get_by_role("table").first
    expect(items).to_contain_text(number)
    expect(items).to_contain_text("357442090888655")
    expect(applicant.get_by_text(line["reference"]).first).to_be_visible()

    # A draft saved without the days it should last says so, and keeps what was written.
    applicant.get_by_label(re.compile(r"^Have the items been used")).fill(
        "The number sent bulk marketing texts offering drugs to 200 numbers (PS/1)."
    )
    applicant.get_by_label(re.compile(r"^Why would the order prevent")).fill(
        "Without the number and the handset, customers cannot reach the line."
    )
    applicant.get_by_label("A number of days").check()
    applicant.get_by_role("button", name="Save the draft").click()
    summary = applicant.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter how many days the order should last")
    expect(applicant).to_have_title(re.compile(r"^Error:"))
    expect(applicant.get_by_label(re.compile(r"^Have the items been used"))).to_have_value(
        re.compile("bulk marketing texts")
    )
    applicant.get_by_label("Days", exact=True).fill("90")
    applicant.get_by_label(f"Provider of {number}").select_option(label="Three")
    applicant.get_by_label(f"Evidence for {number}").fill("It sent the broadcasts.")
    applicant.get_by_label("Provider of 357442090888655").select_option(label="Three")
    applicant.get_by_role("button", name="Save the draft").click()
    expect(applicant.locator(".govuk-error-summary")).to_have_count(0)
    expect(applicant.get_by_role("cell", name="It sent the broadcasts.")).to_be_visible()
    expect(applicant.get_by_text("other than you, authorises it")).to_be_visible()
    expect(applicant.get_by_label("Your rank")).to_have_count(0)

    # Another officer authorises it, stating a rank.
    authoriser.goto(application_url)
    authoriser.get_by_label("Your rank").select_option(label="Superintendent")
    authoriser.get_by_role("button", name="Authorise the application").click()
    expect(authoriser.locator(".govuk-summary-list").first).to_contain_text(
        f"{demo_user('order_authoriser').display_name}, Superintendent"
    )

    # The applicant lists the hearing for today and records the grant.
    today = datetime.now(UK).date()
    applicant.goto(application_url)
    applicant.get_by_label("Day").fill(str(today.day))
    applicant.get_by_label("Month").fill(str(today.month))
    applicant.get_by_label("Year").fill(str(today.year))
    applicant.get_by_label("Time").fill("10:00")
    applicant.get_by_role("button", name="List the hearing").click()
    expect(applicant.locator("#main-content .govuk-tag").first).to_have_text("Listed for a hearing")
    applicant.get_by_label("Granted").check()
    applicant.get_by_label("A number of days").check()
    applicant.get_by_role("button", name="Record the decision").click()
    expect(applicant.locator("#main-content .govuk-tag").first).to_have_text("Granted")

    # The order: in force from today, its notice to Three served.
    applicant.get_by_role("link", name="See the order made").click()
    expect(applicant.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Order "))
    order_url = applicant.url
    expect(applicant.locator(".govuk-summary-list").first).to_contain_text("In force")
    expect(applicant.locator(".govuk-summary-list").first).to_contain_text(
        today.strftime("%-d %B %Y")
    )
    applicant.get_by_role("button", name="Record it served").click()
    notices = applicant.get_by_role("table", name="Each provider's notice and its steps")
    expect(notices).to_contain_text("(UK time)")
    expect(applicant.get_by_role("button", name="Record it served")).to_have_count(0)
    with applicant.expect_download() as notice:
        applicant.get_by_role("link", name="Download the notice to Three (PDF)").click()
    assert notice.value.suggested_filename.endswith("-three.pdf")

    # The application for the court downloads as a PDF.
    applicant.goto(application_url)
    with applicant.expect_download() as document:
        applicant.get_by_role("link", name="Download the application for the court (PDF)").click()
    saved = tmp_path / document.value.suggested_filename
    document.value.save_as(saved)
    assert saved.name.startswith("DDTRO-")
    assert saved.read_bytes()[:5] == b"%PDF-"

    # The list shows both, and the pages break no rule of the Content Security Policy.
    applicant.goto("/orders")
    expect(applicant.get_by_role("table").nth(0)).to_contain_text("Granted")
    expect(applicant.get_by_role("table").nth(1)).to_contain_text("In force")

    # Resurfacing: the line's analyst adds a new number; the order shows the alert, and one
    # button starts an application to vary the order holding the new number.
    new_number = _new_number(analyst, line)
    applicant.goto(order_url)
    alert = applicant.locator(".govuk-warning-text", has_text="its line has taken up")
    expect(alert).to_contain_text(new_number)
    applicant.goto("/orders")
    expect(applicant.locator(".govuk-warning-text")).to_contain_text(new_number)
    applicant.goto(order_url)
    applicant.get_by_role("button", name="Start a varied application").click()
    expect(applicant.locator(".govuk-caption-l")).to_have_text("Application to vary an order")
    items = applicant.get_by_role("table", name="Items the order would restrict")
    expect(items).to_contain_text(new_number)
    expect(items).to_contain_text(number)
    applicant.goto(order_url)
    expect(applicant.get_by_role("link", name="application started")).to_be_visible()
    expect(applicant.get_by_role("button", name="Start a varied application")).to_have_count(0)
    assert not csp, f"Content Security Policy violations: {csp}"
    assert not errors, f"errors in the page: {errors}"

    # The pages, and a form with its error summary, have no serious accessibility violation.
    # axe is injected inline, which the CSP refuses; see test_pages.py for why bypassing is safe.
    found: dict[str, list[dict[str, Any]]] = {}
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("order_applicant"))
        # Every application and order the deployment holds (the demo's are in every state).
        urls = [
            f"/orders/applications/{a['application_id']}" for a in _listed(page, "/applications")
        ]
        urls += [f"/orders/{o['order_id']}" for o in _listed(page, "")]
        assert application_url.removeprefix(server_url) in urls
        for url in urls:
            response = page.goto(url)
            assert response is not None
            assert response.status == 200, url
            page.add_script_tag(path=AXE)
            found[url] = page.evaluate(_AXE_RUN)
        page.goto(order_url)
        page.get_by_role("button", name="Record it complied with").click()
        expect(page.locator(".govuk-error-summary")).to_be_visible()
        page.add_script_tag(path=AXE)
        found["order with an error"] = page.evaluate(_AXE_RUN)
    serious = {where: [v for v in vs if v["impact"] in SERIOUS] for where, vs in found.items()}
    assert not any(serious.values()), f"serious accessibility violations: {serious}"
