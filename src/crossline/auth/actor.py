"""Who is acting: the user (or system, through an API token), their organisation and roles."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from crossline.auth.permissions import Permission, permissions_of
from crossline.core.errors import Forbidden


@dataclass(frozen=True)
class Actor:
    """The subject of every service call; services check permissions against it."""

    user_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    display_name: str
    roles: frozenset[str]
    via_api_token: bool = False

    @property
    def permissions(self) -> frozenset[Permission]:
        return permissions_of(self.roles)

    def can(self, permission: Permission) -> bool:
        return permission in self.permissions

    def require(self, permission: Permission, *, owner: uuid.UUID | None = None) -> None:
        """Refuse unless a role grants ``permission`` (and, given ``owner``, the record is ours).

        Raises Forbidden. A record of another organisation is refused here;
        modules whose rules let others see it (national coordinators, case
        partners) check that before calling with ``owner``.
        """
        if permission not in self.permissions:
            raise Forbidden(
                "Your roles do not allow this. Ask your organisation's administrator "
                "if you need it for your work."
            )
        if owner is not None and owner != self.organisation_id:
            raise Forbidden("This record belongs to another organisation.")
