"""Every module's tables, imported together so Alembic and tests see the whole schema."""

from crossline.audit.models import AuditEntry
from crossline.auth.models import ApiToken, SignInSession, User, UserRole
from crossline.orgs.models import Area, Organisation
from crossline.outreach.models import Feedback

__all__ = [
    "ApiToken",
    "Area",
    "AuditEntry",
    "Feedback",
    "Organisation",
    "SignInSession",
    "User",
    "UserRole",
]
