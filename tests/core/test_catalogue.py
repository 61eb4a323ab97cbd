"""Every shipped domain list loads, and a malformed one stops start-up with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

from crossline.auth.permissions import PERMISSIONS, ROLES, Permission
from crossline.core.catalogue import load_catalogue
from crossline.core.errors import CatalogueError
from crossline.core.pages import PACKAGE_DIR
from crossline.orgs.reference import FORCES, ORGANISATION_KINDS


class Indicator(BaseModel, frozen=True):
    id: str
    label: str
    group: str


def test_every_shipped_yaml_file_is_loaded_by_a_catalogue() -> None:
    shipped = {str(p.relative_to(PACKAGE_DIR)) for p in PACKAGE_DIR.glob("**/data/*.yaml")}
    assert shipped == {
        "analytics/data/parameters.yaml",
        "core/data/bank_holidays.yaml",
        "funding/data/eiyf.yaml",
        "insight/data/insight.yaml",
        "auth/data/permissions.yaml",
        "auth/data/roles.yaml",
        "lines/data/outcome_kinds.yaml",
        "lines/data/statuses.yaml",
        "orders/data/applicant_ranks.yaml",
        "orders/data/item_kinds.yaml",
        "orders/data/jurisdictions.yaml",
        "orders/data/providers.yaml",
        "orders/data/reminders.yaml",
        "orgs/data/forces.yaml",
        "orgs/data/organisation_kinds.yaml",
        "outreach/data/signs.yaml",
        "people/linkage/data/given_names.yaml",
        "programmes/data/programmes.yaml",
        "safeguarding/data/indicators.yaml",
        "safeguarding/data/time_limits.yaml",
        "safeguarding/data/vocabulary.yaml",
        "synth/data/places.yaml",
        "synth/data/presets.yaml",
        "synth/data/layouts.yaml",
        "synth/data/names.yaml",
    }
    from crossline.analytics.parameters import load_parameters, reasons
    from crossline.core.calendar import BANK_HOLIDAYS
    from crossline.funding.reference import RULES
    from crossline.insight.reference import CONFIG
    from crossline.lines.outcomes import OUTCOME_KINDS
    from crossline.lines.statuses import STATUSES
    from crossline.orders.reference import ITEM_KINDS, JURISDICTIONS, PROVIDERS, RANKS, REMINDERS
    from crossline.outreach.reports import signs
    from crossline.people.linkage.given_names import GIVEN_NAMES
    from crossline.programmes.catalogue import PROGRAMMES
    from crossline.safeguarding.reference import INDICATORS, LIMITS, VOCABULARY
    from crossline.synth.catalogue import LAYOUTS, NAMES, PLACES, PRESETS

    assert load_parameters().threshold == reasons()["threshold"]["value"]

    assert PLACES
    assert STATUSES
    assert OUTCOME_KINDS
    assert RANKS
    assert ITEM_KINDS
    assert PROVIDERS
    assert JURISDICTIONS
    assert REMINDERS
    assert GIVEN_NAMES
    assert PROGRAMMES
    assert BANK_HOLIDAYS
    assert INDICATORS.indicators
    assert LIMITS.return_home_interview.hours == 72
    assert VOCABULARY["concern_sources"]
    assert PRESETS
    assert LAYOUTS
    assert NAMES.surnames
    assert len(PERMISSIONS) == len(Permission)
    assert ROLES
    assert FORCES
    assert ORGANISATION_KINDS
    assert signs()["person"]
    assert RULES.cap_per_bid == 700_000  # DOMAIN.md §EIYF
    assert CONFIG.disclosure.policy.suppress_to == 7  # DOMAIN.md §DISCLOSURE, NHS Digital


def test_a_bad_entry_names_the_file_entry_and_field(tmp_path: Path) -> None:
    path = tmp_path / "indicators.yaml"
    path.write_text("missing_episodes:\n  label: Goes missing\n")
    with pytest.raises(CatalogueError) as error:
        load_catalogue(path, Indicator)
    assert (
        error.value.message == "indicators.yaml, entry 'missing_episodes': 'group' field required"
    )


def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n")
    with pytest.raises(CatalogueError, match="must be a mapping"):
        load_catalogue(path, Indicator)


def test_broken_yaml_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text("a: [unclosed\n")
    with pytest.raises(CatalogueError, match="cannot be read as YAML"):
        load_catalogue(path, Indicator)


def test_every_role_grants_known_permissions_and_suits_known_kinds() -> None:
    for role in ROLES.values():
        assert set(role.permissions) <= set(Permission)
        assert set(role.organisation_kinds) <= set(ORGANISATION_KINDS)


def test_every_permission_is_granted_by_some_role() -> None:
    granted = {p for role in ROLES.values() for p in role.permissions}
    assert granted == set(Permission)
