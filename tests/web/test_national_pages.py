"""The national picture in a real browser: the map drawn by national.js over the shipped
boundaries, with nothing refused by the content security policy, and the printable report."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect

from tests.web.test_pages import AXE, SERIOUS, demo_user, sign_in

pytestmark = pytest.mark.browser


def _csrf(page: Page) -> str:
    """The session's CSRF token, as the layout gives it to htmx."""
    headers = page.locator("body").get_attribute("hx-headers") or "{}"
    return str(json.loads(headers)["X-CSRF-Token"])


def _record_line(browser: Browser, server_url: str, hub: str, county: str) -> str:
    """A line from ``hub`` into ``county``, recorded by the demo analyst through the API."""
    with browser.new_context(base_url=server_url) as context:
        page = context.new_page()
        sign_in(page, demo_user("intelligence_analyst"))
        response = page.request.post(
            "/api/lines",
            data={
                "reference": f"MAP-{uuid.uuid4().hex[:8]}",
                "hub_area": hub,
                "county_area": county,
            },
            headers={"X-CSRF-Token": _csrf(page)},
        )
        assert response.status == 201, response.text()
        return str(response.json()["id"])


def test_the_map_shades_exporting_and_importing_areas_with_nothing_refused(
    browser: Browser, server_url: str
) -> None:
    _record_line(browser, server_url, "west-midlands", "west-mercia")
    csp: list[str] = []
    errors: list[str] = []
    with browser.new_context(base_url=server_url) as context:
        page = context.new_page()

        def on_console(message: ConsoleMessage) -> None:
            if "Content Security Policy" in message.text:
                csp.append(message.text)

        page.on("console", on_console)
        page.on("pageerror", lambda error: errors.append(str(error)))
        sign_in(page, demo_user("national_coordinator"))
        page.get_by_role("navigation", name="Menu").get_by_role(
            "link", name="National picture"
        ).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("National picture")
        expect(page.locator("path.crossline-national-map__area--exporting")).not_to_have_count(0)
        expect(page.locator("path.crossline-national-map__area--importing")).not_to_have_count(0)
        assert page.locator("path.crossline-national-map__area").count() >= 40  # every force area
        fill = page.locator("path.crossline-national-map__area--exporting").first.evaluate(
            "path => getComputedStyle(path).fill"
        )
        assert fill == "rgb(29, 112, 184)"  # the key's colour for exporting, #1d70b8
        expect(page.locator("#map-table")).to_contain_text("West Midlands Police")
        expect(page.locator(".crossline-national-chart__svg")).to_be_visible()
        page.wait_for_load_state("networkidle")
    assert not csp, f"Content Security Policy violations: {csp}"
    assert not errors, f"errors in the page: {errors}"


def test_national_pages_have_no_serious_accessibility_violations(
    browser: Browser, server_url: str
) -> None:
    _record_line(browser, server_url, "merseyside", "cumbria")
    today = datetime.now(UTC).date()
    days = {"First day": today - timedelta(days=1), "Last day": today + timedelta(days=1)}
    # As in test_pages: axe is injected inline, so only this context bypasses the CSP.
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("national_coordinator"))
        page.goto("/national/weeks")
        page.get_by_label("Name").fill("Browser week of action")
        for legend, day in days.items():
            group = page.get_by_role("group", name=legend)
            for label, value in (("Day", day.day), ("Month", day.month), ("Year", day.year)):
                group.get_by_label(label).fill(str(value))
        page.get_by_role("button", name="Define the week").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Browser week of action")
        report_url = page.url
        found: dict[str, list[dict[str, Any]]] = {}
        for path in ("/national", "/national/weeks", report_url, f"{report_url}/print"):
            page.goto(path)
            found[path] = _serious(page)
        expect(page.get_by_role("button", name="Print this page")).to_be_visible()
        expect(page.get_by_role("navigation", name="Menu")).to_have_count(0)
        page.emulate_media(media="print")
        expect(page.locator(".crossline-national-no-print")).to_be_hidden()
        expect(page.get_by_role("table")).to_contain_text("West Midlands Police")
    report = "\n".join(f"{where}: {v}" for where, vs in found.items() for v in vs)
    assert not report, f"serious accessibility violations:\n{report}"


def test_the_outcomes_form_and_its_errors_have_no_serious_accessibility_violations(
    browser: Browser, server_url: str
) -> None:
    line_id = _record_line(browser, server_url, "merseyside", "cumbria")
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("intelligence_analyst"))
        page.goto(f"/lines/{line_id}/outcomes")
        found = {"empty form": _serious(page)}
        page.get_by_role("radio", name="Arrests").check()
        page.get_by_label("How many").fill("2")
        page.get_by_role("button", name="Record the outcome").click()
        expect(page.get_by_role("alert")).to_contain_text("Enter date")
        found["errors"] = _serious(page)
        page.get_by_label("Day").fill("24")
        page.get_by_label("Month").fill("11")
        page.get_by_label("Year").fill("2026")
        page.get_by_role("button", name="Record the outcome").click()
        expect(page.get_by_role("table")).to_contain_text("24 Nov 2026")
    report = "\n".join(f"{where}: {v}" for where, vs in found.items() for v in vs)
    assert not report, f"serious accessibility violations:\n{report}"


def _serious(page: Page) -> list[dict[str, Any]]:
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    violations: list[dict[str, Any]] = page.evaluate(
        "async () => (await axe.run()).violations.map(v => "
        "({id: v.id, impact: v.impact, targets: v.nodes.map(n => n.target)}))"
    )
    return [v for v in violations if v["impact"] in SERIOUS]
