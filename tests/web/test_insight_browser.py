"""The Insight dashboard in Chromium: the demo's insight viewer filters the City of London's
recorded crime to drugs in one area and reads controlled counts only, and the map shades
the districts the City's crimes lie in from the same controlled counts. No serious
accessibility violation. Needs the demo's police.uk files (../shared/data)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect

from crossline.cli.main import DEMO_CRIME
from tests.web.test_pages import demo_user, sign_in
from tests.web.test_safeguarding_browser import expect_accessible

# Districts shaded for crimes: a band or withheld, not "none imported".
SHADED = "#insight-map path[class*='crossline-insight-band--']:not(.crossline-insight-band--none)"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not DEMO_CRIME.is_dir(), reason=f"no police.uk files in {DEMO_CRIME}"),
]


def test_the_insight_viewer_reads_controlled_counts_of_recorded_crime(
    browser: Browser, server_url: str
) -> None:
    with browser.new_context(base_url=server_url, bypass_csp=True) as context:
        page = context.new_page()
        sign_in(page, demo_user("insight_viewer"))
        page.get_by_role("link", name="Insight").first.click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Serious violence: recorded crime"
        )
        by_month = page.locator("table").first
        expect(by_month.locator("tbody tr")).to_have_count(26)  # 25 months and the total
        expect_accessible(page)

        page.get_by_label("Crime", exact=True).select_option(label="Drugs")
        page.get_by_label("Area", exact=True).select_option(label="City of London")
        page.get_by_label("From", exact=True).select_option("2024-01")
        page.get_by_label("To", exact=True).select_option("2024-12")
        page.get_by_role("button", name="Show").click()
        expect(page.locator("caption").first).to_have_text("Drugs, City of London, by month")
        cells = page.locator("table").first.locator("tbody td").all_inner_texts()
        assert cells, "the drugs table is empty"
        # Every count shown is withheld or a multiple of five.
        assert all(c == "*" or int(c.replace(",", "")) % 5 == 0 for c in cells), cells
        expect(page.locator("tbody tr").first).to_have_text(re.compile(r"^2024-01"))

        # The map: every shipped district drawn; those with crimes shaded from their
        # controlled counts, as many as the map's table lists; the most in the darkest shade.
        districts = page.locator("#insight-map path.crossline-insight-map__district")
        expect(districts).not_to_have_count(0)
        assert districts.count() >= 300
        shaded = page.locator(SHADED)
        table = page.locator("#insight-map-table")
        expect(table).to_contain_text("City of London")
        listed = table.locator("tbody th").all_inner_texts()
        on_map = [name for name in listed if name != "Total" and not name.startswith("No location")]
        assert on_map
        assert shaded.count() == len(on_map), (on_map, shaded.count())
        expect(page.locator("#insight-map path.crossline-insight-band--5")).not_to_have_count(0)
        expect_accessible(page)
