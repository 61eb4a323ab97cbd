"""Permissions and roles: ``data/roles.yaml`` is the one table of truth.

Code names a permission by its member here; ``data/permissions.yaml`` gives
each its label and description, and start-up refuses a permission that is in
one list and not the other, or a role that grants an unknown permission.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel

from crossline.core.catalogue import load_catalogue, require_known
from crossline.core.errors import CatalogueError

DATA_DIR = Path(__file__).parent / "data"


class Permission(StrEnum):
    USERS_MANAGE = "users.manage"
    ORGANISATION_MANAGE = "organisation.manage"
    AUDIT_READ = "audit.read"
    FEEDBACK_MANAGE = "feedback.manage"
    COMMS_IMPORT = "comms.import"
    ANALYSIS_RUN = "analysis.run"
    LINES_READ = "lines.read"
    LINES_WRITE = "lines.write"
    LINES_NATIONAL = "lines.national"
    PEOPLE_READ = "people.read"
    PEOPLE_WRITE = "people.write"
    INTELLIGENCE_READ = "intelligence.read"
    INTELLIGENCE_WRITE = "intelligence.write"
    DECONFLICTION_RESOLVE = "deconfliction.resolve"
    NATIONAL_PICTURE_READ = "national_picture.read"
    ORDERS_READ = "orders.read"
    ORDERS_APPLY = "orders.apply"
    ORDERS_AUTHORISE = "orders.authorise"
    SAFEGUARDING_READ = "safeguarding.read"
    SAFEGUARDING_WRITE = "safeguarding.write"
    NRM_REFER = "nrm.refer"
    REFERRALS_RECEIVE = "referrals.receive"
    FUNDING_READ = "funding.read"
    FUNDING_BID = "funding.bid"
    FUNDING_ASSESS = "funding.assess"
    FUNDING_ADMINISTER = "funding.administer"
    LEGAL_SUMMARY_READ = "legal_summary.read"
    INSIGHT_READ = "insight.read"


class PermissionEntry(BaseModel, frozen=True):
    id: str
    label: str
    description: str


class Role(BaseModel, frozen=True):
    id: str
    label: str
    description: str
    organisation_kinds: tuple[str, ...]  # empty: any kind of organisation
    permissions: tuple[Permission, ...]

    def allows_kind(self, kind: str) -> bool:
        return not self.organisation_kinds or kind in self.organisation_kinds


def _load() -> tuple[dict[str, PermissionEntry], dict[str, Role]]:
    permissions = load_catalogue(DATA_DIR / "permissions.yaml", PermissionEntry)
    declared, in_code = set(permissions), {p.value for p in Permission}
    if declared != in_code:
        raise CatalogueError(
            "permissions.yaml and crossline.auth.permissions.Permission differ: "
            f"only in the file {sorted(declared - in_code)}, "
            f"only in code {sorted(in_code - declared)}"
        )
    roles = load_catalogue(DATA_DIR / "roles.yaml", Role)
    for role in roles.values():
        for permission in role.permissions:
            require_known(DATA_DIR / "roles.yaml", role.id, "permissions", permission, in_code)
    return permissions, roles


PERMISSIONS, ROLES = _load()


def permissions_of(roles: list[str] | tuple[str, ...] | frozenset[str]) -> frozenset[Permission]:
    """Every permission the given roles grant together (unknown role ids grant nothing)."""
    return frozenset(p for role in roles if role in ROLES for p in ROLES[role].permissions)


def roles_granting(permission: Permission) -> frozenset[str]:
    """The ids of the roles that grant ``permission``."""
    return frozenset(r.id for r in ROLES.values() if permission in r.permissions)
