"""Every module's tables, imported together so Alembic and tests see the whole schema."""

from crossline.analytics.models import AnalysisRun, Finding
from crossline.audit.models import AuditEntry
from crossline.auth.models import ApiToken, SignInSession, User, UserRole
from crossline.comms.models import CommsImport, ImportJob, QuarantinedRow
from crossline.lines.models import (
    DeconflictionMatch,
    Line,
    LineEvent,
    LineHandset,
    LineNumber,
    LineOwner,
    LinePerson,
)
from crossline.lines.outcomes import IntensificationWeek, LineOutcome
from crossline.orders.models import (
    Application,
    ApplicationItem,
    Order,
    OrderAlert,
    OrderEvent,
    OrderItem,
    ProviderNotice,
)
from crossline.orgs.models import Area, Organisation
from crossline.outreach.models import Feedback
from crossline.people.models import PersonMatch, PersonRecord

__all__ = [
    "AnalysisRun",
    "ApiToken",
    "Application",
    "ApplicationItem",
    "Area",
    "AuditEntry",
    "CommsImport",
    "DeconflictionMatch",
    "Feedback",
    "Finding",
    "ImportJob",
    "IntensificationWeek",
    "Line",
    "LineEvent",
    "LineHandset",
    "LineNumber",
    "LineOutcome",
    "LineOwner",
    "LinePerson",
    "Order",
    "OrderAlert",
    "OrderEvent",
    "OrderItem",
    "Organisation",
    "PersonMatch",
    "PersonRecord",
    "ProviderNotice",
    "QuarantinedRow",
    "SignInSession",
    "User",
    "UserRole",
]
