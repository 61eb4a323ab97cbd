"""The pages in a real browser: sign-in, role-filtered navigation, errors, accessibility, CSP.

Debian's Chromium drives the demo deployment served by ``crossline serve``
(fixtures in tests/web/conftest.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Locator, Page, Response, expect

from crossline.auth.signin import SIGN_IN_REFUSED
from crossline.cli.demo import DEMO_ORGANISATIONS, DEMO_PASSWORD, DEMO_USERS, DemoUser
from crossline.orgs.reference import FORCES

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SERIOUS = {"serious", "critical"}
_RUN_AXE = """async () => {
  const results = await axe.run();
  return results.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target),
  }));
}"""


def demo_user(role: str) -> DemoUser:
    """The demo user who has ``role``."""
    return next(user for user in DEMO_USERS if user.role == role)


def organisation_name(key: str) -> str:
    """The name of a demo organisation or of a police force (reference data)."""
    for organisation in DEMO_ORGANISATIONS:
        if organisation.key == key:
            return organisation.name
    return FORCES[key].name


def sign_in(page: Page, user: DemoUser, password: str = DEMO_PASSWORD) -> None:
    """Sign in through the form, as a person would; return once the answer has loaded."""
    page.goto("/sign-in")
    page.get_by_label("Email address").fill(user.email)
    page.get_by_label("Password").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST" and "/sign-in" in r.url):
        page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state()


def sign_in_landing_on_start_page(page: Page, user: DemoUser) -> None:
    sign_in(page, user)
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Welcome, {user.display_name}")


def _menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Menu")


def test_demo_user_signs_in_and_sees_name_and_role_filtered_navigation(
    browser: Browser, server_url: str
) -> None:
    admin = demo_user("administrator")
    with browser.new_context(base_url=server_url) as context:
        page = context.new_page()
        sign_in_landing_on_start_page(page, admin)
        expect(page).to_have_url(f"{server_url}/")
        expect(page).to_have_title(re.compile(r"^Your start page"))
        header = page.get_by_role("banner")
        expect(header).to_contain_text(
            f"{admin.display_name}, {organisation_name(admin.organisation)}"
        )
        menu = _menu(page)
        expect(menu.get_by_role("link", name="Users", exact=True)).to_be_visible()
        expect(menu.get_by_role("link", name="Feedback", exact=True)).to_be_visible()
        expect(menu.get_by_role("link", name="Audit log")).to_have_count(0)

    auditor = demo_user("auditor")
    with browser.new_context(base_url=server_url) as context:
        page = context.new_page()
        sign_in_landing_on_start_page(page, auditor)
        expect(page.get_by_role("banner")).to_contain_text(auditor.display_name)
        menu = _menu(page)
        expect(menu.get_by_role("link", name="Audit log")).to_be_visible()
        expect(menu.get_by_role("link", name="Users", exact=True)).to_have_count(0)


def test_user_is_refused_another_roles_page(page: Page) -> None:
    analyst = demo_user("intelligence_analyst")
    sign_in_landing_on_start_page(page, analyst)
    response = page.goto("/audit")
    assert response is not None
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "You do not have permission to see this page"
    )
    expect(page.get_by_role("banner")).to_contain_text(analyst.display_name)
    expect(page.locator(".govuk-phase-banner")).to_contain_text("Beta")


def test_sign_out_ends_the_session(page: Page, server_url: str) -> None:
    sign_in_landing_on_start_page(page, demo_user("order_applicant"))
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You have signed out")
    page.goto("/")
    expect(page).to_have_url(re.compile(rf"^{re.escape(server_url)}/sign-in\b"))
    expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Sign in to"))


def test_wrong_password_shows_error_summary(page: Page) -> None:
    # A user no other test signs in as, so the failure counts towards no one else's lockout.
    sign_in(page, demo_user("national_coordinator"), password="not the demo password")
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("There is a problem")
    expect(summary).to_contain_text(SIGN_IN_REFUSED)
    expect(page).to_have_title(re.compile(r"^Error:"))


def _serious_violations(page: Page) -> list[dict[str, Any]]:
    page.add_script_tag(path=AXE)
    violations: list[dict[str, Any]] = page.evaluate(_RUN_AXE)
    return [v for v in violations if v["impact"] in SERIOUS]


def test_layout_has_no_serious_accessibility_violations(browser: Browser, server_url: str) -> None:
    # axe is injected as an inline <script>, which the app's CSP (script-src 'self') rightly
    # refuses; bypassing CSP in this context only lets the checker in. CSP itself is
    # checked, unbypassed, by test_pages_load_no_resource_from_outside_the_app.
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        found: dict[str, list[dict[str, Any]]] = {}
        page.goto("/sign-in")
        found["sign-in"] = _serious_violations(page)
        sign_in_landing_on_start_page(page, demo_user("administrator"))
        found["start page"] = _serious_violations(page)
        for path in ("/admin/users", "/organisation/contact", "/feedback", "/no-such-page"):
            response = page.goto(path)
            assert response is not None
            assert response.status == (404 if path == "/no-such-page" else 200), path
            found[path] = _serious_violations(page)
    for role, paths in (
        ("intelligence_analyst", ("/comms/import",)),
        ("auditor", ("/audit",)),
        ("order_applicant", ("/orders",)),
    ):
        with browser.new_context(base_url=server_url, bypass_csp=True) as context:
            page = context.new_page()
            sign_in_landing_on_start_page(page, demo_user(role))
            for path in paths:
                response = page.goto(path)
                assert response is not None
                assert response.status == 200, path
                found[path] = _serious_violations(page)
    report = "\n".join(
        f"{where}: {v['id']} ({v['impact']}: {v['help']}) at {v['targets']}"
        for where, violations in found.items()
        for v in violations
    )
    assert not report, f"serious accessibility violations:\n{report}"


def test_pages_load_no_resource_from_outside_the_app(page: Page, server_url: str) -> None:
    requested: list[str] = []
    missing: list[str] = []
    failed: list[str] = []
    csp_messages: list[str] = []
    page_errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            csp_messages.append(message.text)

    def on_response(response: Response) -> None:
        if response.status >= 400:
            missing.append(f"{response.status} {response.url}")

    page.on("request", lambda request: requested.append(request.url))
    page.on("response", on_response)
    page.on("requestfailed", lambda request: failed.append(f"{request.url}: {request.failure}"))
    page.on("console", on_console)
    page.on("pageerror", lambda error: page_errors.append(str(error)))

    first = page.goto("/sign-in", wait_until="networkidle")
    assert first is not None
    # Without the header the "no violations" below would prove nothing.
    assert "script-src 'self'" in first.headers["content-security-policy"]
    _expect_govuk_frontend_initialised(page)
    sign_in_landing_on_start_page(page, demo_user("insight_viewer"))
    page.wait_for_load_state("networkidle")
    _expect_govuk_frontend_initialised(page)

    outside = [url for url in requested if not url.startswith(f"{server_url}/")]
    assert not outside, f"requests outside the app: {outside}"
    assert any(url.endswith("/assets/govuk/govuk-frontend.min.js") for url in requested)
    assert not csp_messages, f"Content Security Policy violations: {csp_messages}"
    assert not page_errors, f"errors in the page: {page_errors}"
    assert not missing, f"resources the pages ask for that the app does not serve: {missing}"
    assert not failed, f"requests that failed: {failed}"


def _expect_govuk_frontend_initialised(page: Page) -> None:
    expect(page.locator("body")).to_have_class(re.compile(r"\bgovuk-frontend-supported\b"))
    # initAll() marks each component it starts; the skip link is on every page.
    expect(page.locator(".govuk-skip-link")).to_have_attribute("data-govuk-skip-link-init", "")


def test_analyst_uploads_a_file_and_the_job_page_follows_it_to_the_end(
    page: Page, tmp_path: Path
) -> None:
    sign_in_landing_on_start_page(page, demo_user("intelligence_analyst"))
    page.get_by_role("link", name="Import comms data").first.click()
    upload = tmp_path / "generic.csv"
    upload.write_text(
        "start_time,a_number,b_number,event_type,duration_s,a_imei,a_cell,b_cell\n"
        "2025-10-13T10:00:00Z,07700 900123,+44 7700 900124,call,35,,,\n"
        "2025-02-31T10:00:00Z,07700900123,07700900124,sms,0,,,\n"
    )
    page.set_input_files("#file", str(upload))
    page.get_by_label("Communications data authorisation reference").fill("OCDA-2025-4242")
    page.get_by_role("button", name="Import file").click()
    expect(page.get_by_role("heading", name="Import complete")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("Quarantined: not a real date and time")).to_be_visible()
    page.get_by_role("link", name="Review the quarantined rows").click()
    expect(page.get_by_role("cell", name="not a real date and time")).to_be_visible()
