"""A line's page in a real browser: confirming a finding, its charts, their exports, and the
other force's deconfliction alert.

The demo deployment (tests/web/conftest.py) holds the demo world imported and analysed by
the West Midlands analyst (force A). West Mercia (force B) gets an analyst of its own from
the command line, as a deployment's administrator would add one, and records a line by hand
that holds one of the finding's numbers.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, expect

from crossline.cli.demo import DEMO_PASSWORD, DemoUser
from crossline.orgs.reference import FORCES
from tests.conftest import TEST_SECRET
from tests.web.conftest import CROSSLINE
from tests.web.test_pages import AXE, SERIOUS, demo_user, organisation_name, sign_in

pytestmark = pytest.mark.browser

WORKING_ROLES = {"controller", "runner", "cuckooed"}
_CHART_NODES = """() => {
  const cy = window.crosslineNetwork;
  const of = kind => cy.nodes('.' + kind).map(n => n.data('number') || n.data('label'));
  return {numbers: of('number'), handsets: cy.nodes('.handset').map(n => n.data('label')),
          people: of('person'), children: cy.nodes('.possible-child').map(n => n.data('number')),
          lines: cy.nodes('.line').length, edges: cy.edges().map(e => e.data('kind'))};
}"""
_POST_LINE = """async ([body]) => {
  const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
  const response = await fetch('/api/lines', {method: 'POST', body: JSON.stringify(body),
    headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token}});
  return {status: response.status, body: await response.json()};
}"""


@pytest.fixture(scope="module")
def force_b_analyst(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A West Mercia analyst, created with `crossline users create` on the served deployment."""
    served = sorted(tmp_path_factory.getbasetemp().glob("served[0-9]*"))
    assert len(served) == 1, f"expected the one served deployment, found {served}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CROSSLINE_")}
    env["CROSSLINE_DATA_DIR"] = str(served[0] / "var")
    env["CROSSLINE_SECRET_KEY"] = TEST_SECRET
    email = f"analyst-{uuid.uuid4().hex[:8]}@westmercia.test-crossline.uk"
    created = subprocess.run(
        [str(CROSSLINE), "users", "create", "--organisation", "west-mercia", "--email", email,
         "--name", "Dev Patel", "--role", "intelligence_analyst", "--password", DEMO_PASSWORD],
        env=env, cwd=served[0], capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert created.returncode == 0, created.stdout + created.stderr
    return email


@pytest.fixture
def second(browser: Browser, server_url: str) -> Iterator[BrowserContext]:
    context = browser.new_context(base_url=server_url, accept_downloads=True)
    yield context
    context.close()


def _first_finding(page: Page) -> tuple[str, dict[str, Any]]:
    """The analysis line id of the first finding offered to confirm, and its report entry."""
    page.goto("/lines")
    button = page.get_by_role("button", name="as a line").first
    expect(button).to_be_visible()
    line_id = (button.text_content() or "").split()[1]
    report = page.request.get("/api/analytics/runs/latest")
    assert report.ok, report.text()
    entry = next(line for line in report.json()["lines"] if line["line_id"] == line_id)
    return line_id, entry


def test_an_analyst_confirms_a_finding_sees_its_network_exports_it_and_the_other_force_is_alerted(
    context: BrowserContext, second: BrowserContext, force_b_analyst: str, tmp_path: Path
) -> None:
    analyst = demo_user("intelligence_analyst")  # force A: West Midlands
    page = context.new_page()
    sign_in(page, analyst)
    line_id, entry = _first_finding(page)
    shared = entry["numbers"][0]

    # Force B holds the finding's first number in a line of its own, recorded by hand.
    b_page = second.new_page()
    sign_in(b_page, DemoUser(force_b_analyst, "Dev Patel", "west-mercia", "intelligence_analyst"))
    recorded = b_page.evaluate(
        _POST_LINE,
        [{"reference": "WM-OP-7", "status": "suspected", "hub_area": "west-midlands",
          "county_area": "west-mercia",
          "numbers": [{"number": shared["number"], "valid_from": shared["first_seen"]}]}],
    )  # fmt: skip
    assert recorded["status"] == 201, recorded

    # Force A confirms the finding from the Lines page and lands on the line's page.
    csp: list[str] = []
    errors: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            csp.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto("/lines")
    page.get_by_role("button", name=f"Confirm {line_id} as a line").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Line {line_id}")
    expect(page.locator(".govuk-warning-text")).to_contain_text(FORCES["west-mercia"].name)

    # The network chart draws the finding's numbers, handsets and people.
    page.wait_for_function(
        "() => window.crosslineNetwork && window.crosslineNetwork.nodes().length > 0"
    )
    drawn = page.evaluate(_CHART_NODES)
    working = [r for r in entry["roles"] if r["role"] in WORKING_ROLES]
    assert drawn["lines"] == 1
    assert sorted(drawn["numbers"]) == sorted(n["number"] for n in entry["numbers"])
    assert sorted(drawn["handsets"]) == sorted({f"IMEI {h['imei']}" for h in entry["handsets"]})
    assert sorted(drawn["people"]) == sorted(r["number"] for r in working)
    assert sorted(drawn["children"]) == sorted(
        r["number"] for r in working if r.get("possible_child")
    )
    assert drawn["edges"].count("carried") == len(entry["handsets"])
    assert drawn["edges"].count("succeeded_by") == len(entry["successor_links"])

    # The heat map table holds the line's events; the map draws the shipped boundaries.
    expect(page.locator(".crossline-heatmap__table tbody tr")).to_have_count(7)
    expect(page.locator("#line-map[data-drawn]")).to_have_count(1)
    expect(page.locator("#line-map path.crossline-map__area--county")).to_have_count(1)

    # PNG and SVG exports download.
    with page.expect_download() as png:
        page.get_by_role("button", name="Export PNG").click()
    png_path = tmp_path / png.value.suggested_filename
    png.value.save_as(png_path)
    assert png_path.name == f"line-{line_id}-network.png"
    assert png_path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    with page.expect_download() as svg:
        page.get_by_role("button", name="Export SVG").click()
    svg_path = tmp_path / svg.value.suggested_filename
    svg.value.save_as(svg_path)
    text = svg_path.read_text("utf-8")
    assert text.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert text.count('<g class="node ') == 1 + len(drawn["numbers"]) + len(
        drawn["handsets"]
    ) + len(drawn["people"])
    assert shared["number"] in text

    # Expanding a number adds its most frequent contacts (at most ten) from the API.
    before = page.evaluate("() => window.crosslineNetwork.nodes().length")
    page.locator("#expand-number").select_option(shared["number"])
    page.get_by_role("button", name="Expand").click()
    expect(page.locator("#network-status")).to_contain_text(
        re.compile(rf"Added \d+ connections? to the most frequent contacts of \{shared['number']}")
    )
    added = page.evaluate("() => window.crosslineNetwork.edges('.contact').length")
    assert 0 < added <= 10
    new_nodes = page.evaluate("() => window.crosslineNetwork.nodes('.contact').length")
    assert page.evaluate("() => window.crosslineNetwork.nodes().length") == before + new_nodes

    # The date filter hides what was not in use: no number had begun by 2000.
    page.get_by_label("To", exact=True).fill("2000-01-01")
    page.get_by_role("button", name="Show", exact=True).click()
    hidden = page.evaluate("() => window.crosslineNetwork.nodes('.number.filtered-out').length")
    assert hidden == len(drawn["numbers"])
    assert not csp, f"Content Security Policy violations: {csp}"
    assert not errors, f"errors in the page: {errors}"

    # Force B sees its alert naming force A, and nothing of force A's line.
    b_page.goto("/lines")
    alerts = b_page.locator("table", has_text="Held also by")
    expect(alerts).to_contain_text(organisation_name(analyst.organisation))
    expect(alerts).to_contain_text(shared["number"])
    expect(alerts).to_contain_text("WM-OP-7")
    expect(alerts).not_to_contain_text(line_id)


def test_a_line_page_with_its_charts_has_no_serious_accessibility_violations(
    browser: Browser, server_url: str
) -> None:
    # axe is injected inline, which the CSP refuses; see test_pages.py for why bypassing is safe.
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("intelligence_analyst"))
        lines = page.request.get("/api/lines").json()
        if not lines:  # run alone: confirm a finding first
            page.goto("/lines")
            page.get_by_role("button", name="as a line").first.click()
        else:
            page.goto(f"/lines/{lines[0]['id']}")
        page.wait_for_function("() => window.crosslineNetwork !== undefined")
        expect(page.locator("#line-map[data-drawn]")).to_have_count(1)
        page.add_script_tag(path=AXE)
        violations = page.evaluate(
            """async () => (await axe.run()).violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target)}))"""
        )
    serious = [v for v in violations if v["impact"] in SERIOUS]
    assert not serious, f"serious accessibility violations: {serious}"


def test_an_analyst_records_intelligence_about_a_person_and_finds_it_from_their_page(
    browser: Browser, server_url: str
) -> None:
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("intelligence_analyst"))
        person = page.request.get("/api/people").json()[0]
        name = " ".join(p for p in (person["first_name"], person["surname"]) if p)
        text = f"Seen handing over a parcel at the station ({uuid.uuid4().hex[:6]})"
        page.get_by_role("navigation", name="Menu").get_by_role("link", name="Intelligence").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Intelligence")
        page.get_by_label("Intelligence", exact=True).fill(text)
        page.get_by_label("2: untested", exact=True).check()
        page.get_by_label("B: known indirectly, corroborated").check()
        page.get_by_label("P: lawful sharing permitted", exact=True).check()
        page.get_by_label("Your person records it is about (optional)").fill(person["reference"])
        page.get_by_role("button", name="Record intelligence").click()
        expect(page.get_by_role("alert")).to_contain_text("Intelligence recorded")
        recorded = page.locator(".govuk-inset-text", has_text=text)
        expect(recorded.get_by_role("link", name=f"{person['reference']}: {name}")).to_be_visible()
        page.add_script_tag(path=AXE)
        violations = page.evaluate(
            """async () => (await axe.run()).violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target)}))"""
        )
        assert not [v for v in violations if v["impact"] in SERIOUS], violations

        recorded.get_by_role("link", name=f"{person['reference']}: {name}").click()
        page.get_by_role("link", name="Intelligence about this person").click()
        expect(page.get_by_role("heading", name=re.compile("^Found: "))).to_be_visible()
        expect(page.locator("main")).to_contain_text(text)

        # Opened on its own page and regraded: the history keeps what it was.
        found = page.locator(".govuk-inset-text", has_text=text)
        found.get_by_role("link", name=re.compile("^Open")).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Graded 2B P")
        page.add_script_tag(path=AXE)
        violations = page.evaluate(
            """async () => (await axe.run()).violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target)}))"""
        )
        assert not [v for v in violations if v["impact"] in SERIOUS], violations
        page.get_by_label("1: reliable", exact=True).check()
        page.get_by_label("Why the grading changes").fill("Source proved reliable")
        page.get_by_role("button", name="Change the grading").click()
        expect(page.get_by_role("alert")).to_contain_text("Grading changed to 1B P")
        expect(page.locator("main")).to_contain_text(
            "regraded from 2B P to 1B P: Source proved reliable"
        )


def test_an_analyst_adds_a_person_to_a_line_and_the_force_with_the_same_person_is_alerted(
    browser: Browser, server_url: str, second: BrowserContext, force_b_analyst: str
) -> None:
    suffix = f"{uuid.uuid4().int % 10_000:04d}"
    runner = f"+44770090{suffix}"  # E.164, as the page shows it
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("intelligence_analyst"))  # West Midlands
        recorded = page.evaluate(_POST_LINE, [{"reference": f"WMP-HAND-{suffix}"}])
        assert recorded["status"] == 201, recorded
        page.goto(f"/lines/{recorded['body']['id']}")

        # Added on the page: in the table, on the chart and on the timeline.
        page.get_by_text("Add a person").click()
        page.get_by_label("Their phone number").fill(runner)
        page.get_by_role("button", name="Add the person").click()
        expect(page.get_by_role("alert")).to_contain_text("Choose their role on the line.")
        page.get_by_label("Runner").check()
        page.get_by_role("button", name="Add the person").click()
        people = page.get_by_role("table", name="People on the line")
        expect(people).to_contain_text(runner)
        page.wait_for_function("() => window.crosslineNetwork !== undefined")
        assert page.evaluate(_CHART_NODES)["people"] == [runner]
        # From the keyboard: the arrow keys go from node to node, each read out.
        page.locator("#line-network").focus()
        page.keyboard.press("End")
        status = page.locator("#network-status")
        expect(status).to_contain_text(
            f"Node 2 of 2: Line WMP-HAND-{suffix}. Connected to {runner}"
        )
        page.keyboard.press("Space")
        expect(status).to_have_text("Only numbers and people expand.")
        page.keyboard.press("ArrowLeft")
        expect(status).to_contain_text(f"Node 1 of 2: {runner} (runner)")
        expect(status).to_contain_text("Press Enter to expand its contacts")
        marked = page.evaluate("() => window.crosslineNetwork.$('.keyboard').data('number')")
        assert marked == runner
        page.keyboard.press("Escape")
        expect(status).to_have_text("Left the chart's nodes.")

        # West Mercia records a line with the same person: both are told, neither line shown.
        b_page = second.new_page()
        analyst_b = DemoUser(force_b_analyst, "Dev Patel", "west-mercia", "intelligence_analyst")
        sign_in(b_page, analyst_b)
        theirs = b_page.evaluate(
            _POST_LINE,
            [{"reference": f"WM-P-{suffix}", "people": [{"number": runner, "role": "runner"}]}],
        )
        assert theirs["status"] == 201, theirs
        page.reload()
        warning = page.locator(".govuk-warning-text")
        expect(warning).to_contain_text(f"person using {runner}")
        expect(warning).to_contain_text(FORCES["west-mercia"].name)
        expect(warning).not_to_contain_text(f"WM-P-{suffix}")
        b_page.goto("/lines")
        alert = b_page.get_by_role("table", name="Deconfliction alerts").get_by_role(
            "row", name=re.compile(runner.replace("+", r"\+"))
        )
        expect(alert).to_contain_text(FORCES["west-midlands"].name)
        expect(alert).not_to_contain_text(f"WMP-HAND-{suffix}")
        # West Mercia records acting on it; West Midlands sees when, not the note.
        alert.get_by_label("What you did (optional)").fill("Called their contact officer")
        alert.get_by_role("button", name=re.compile("^Record that you acted")).click()
        acted = b_page.get_by_role("table", name="Deconfliction alerts").get_by_role(
            "row", name=re.compile(runner.replace("+", r"\+"))
        )
        expect(acted).to_contain_text("Called their contact officer")
        page.goto("/lines")
        mine = page.get_by_role("table", name="Deconfliction alerts").get_by_role(
            "row", name=re.compile(runner.replace("+", r"\+"))
        )
        expect(mine).to_contain_text(f"{FORCES['west-mercia'].name} recorded acting on it")
        expect(mine).not_to_contain_text("Called their contact officer")
        page.go_back()

        # Changed on their own page, with the reason kept on the timeline.
        people.get_by_role("link", name=f"Change the person using {runner}").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Person using {runner}")
        page.add_script_tag(path=AXE)
        violations = page.evaluate(
            """async () => (await axe.run()).violations.map(v => ({
                id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target)}))"""
        )
        assert not [v for v in violations if v["impact"] in SERIOUS], violations
        page.get_by_label("Controller").check()
        page.get_by_label("Why it changes").fill("Seen holding the deal phone")
        page.get_by_role("button", name="Save the change").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Line WMP-HAND-{suffix}")
        expect(people).to_contain_text("controller")
        expect(page.locator("main")).to_contain_text(
            "role changed from runner to controller (Seen holding the deal phone)"
        )
