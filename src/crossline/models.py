"""Every module's tables, imported together so Alembic and tests see the whole schema."""

# Every entry point (web app, CLI, migrations) imports this module, so these register
# what other modules call without importing them: each module's measures of exposure to
# county lines (core/exposure.py, counted by outreach/targeting.py), programmes' referral
# outcomes for the services a grant pays for (core/outcomes.py), and safeguarding's
# handler for saved analysis runs (core/hooks.py).
import crossline.lines.exposure
import crossline.outreach.targeting
import crossline.programmes.outcomes
import crossline.safeguarding.exposure
import crossline.safeguarding.from_analysis  # noqa: F401
from crossline.analytics.models import AnalysisRun, Finding
from crossline.audit.models import AuditEntry
from crossline.auth.models import ApiToken, SignInSession, User, UserRole
from crossline.comms.models import CommsImport, ImportJob, QuarantinedRow
from crossline.funding.models import (
    Bid,
    BidScore,
    ConflictOfInterest,
    Fund,
    FundedService,
    MonitoringReturn,
    PanelMember,
)
from crossline.insight.models import (
    AssaultAttendance,
    CrimeImport,
    QuarantinedCrime,
    RecordedCrime,
)
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
from crossline.outreach.models import AnonymousReport, Feedback
from crossline.people.models import PersonMatch, PersonRecord
from crossline.programmes.models import ProgrammeDelivery, Referral, ReferralEvent
from crossline.safeguarding.models import (
    AceScreening,
    AgencyImportRecord,
    AgencyQuarantinedRow,
    CaseEvent,
    CaseMember,
    Concern,
    CustodySupportPlan,
    LegalRelease,
    MissingEpisode,
    NrmReferral,
    PartnershipActivity,
    PlanReview,
    SchoolPartnership,
    Screening,
    YoungPerson,
    YoungPersonLink,
    YoungPersonMatch,
)

__all__ = [
    "AceScreening",
    "AgencyImportRecord",
    "AgencyQuarantinedRow",
    "AnalysisRun",
    "AnonymousReport",
    "ApiToken",
    "Application",
    "ApplicationItem",
    "Area",
    "AssaultAttendance",
    "AuditEntry",
    "Bid",
    "BidScore",
    "CaseEvent",
    "CaseMember",
    "CommsImport",
    "Concern",
    "ConflictOfInterest",
    "CrimeImport",
    "CustodySupportPlan",
    "DeconflictionMatch",
    "Feedback",
    "Finding",
    "Fund",
    "FundedService",
    "ImportJob",
    "IntensificationWeek",
    "LegalRelease",
    "Line",
    "LineEvent",
    "LineHandset",
    "LineNumber",
    "LineOutcome",
    "LineOwner",
    "LinePerson",
    "MissingEpisode",
    "MonitoringReturn",
    "NrmReferral",
    "Order",
    "OrderAlert",
    "OrderEvent",
    "OrderItem",
    "Organisation",
    "PanelMember",
    "PartnershipActivity",
    "PersonMatch",
    "PersonRecord",
    "PlanReview",
    "ProgrammeDelivery",
    "ProviderNotice",
    "QuarantinedCrime",
    "QuarantinedRow",
    "RecordedCrime",
    "Referral",
    "ReferralEvent",
    "SchoolPartnership",
    "Screening",
    "SignInSession",
    "User",
    "UserRole",
    "YoungPerson",
    "YoungPersonLink",
    "YoungPersonMatch",
]
