"""Shapes of lines and deconfliction in the API: separate ones to create, change and read."""

from __future__ import annotations

import json
import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

from pydantic import BaseModel, Field, StringConstraints

from crossline.lines.models import (
    IntelligenceEvent,
    IntelligenceRecord,
    Line,
    LineEvent,
    LineHandset,
    LineNumber,
    LinePerson,
)
from crossline.lines.statuses import ClosureType, LineStatus, label
from crossline.orgs.schemas import AlertContactRead

if TYPE_CHECKING:
    from crossline.lines.services import charts, network


class PersonRole(StrEnum):
    """Roles of people on a line (DOMAIN.md §LINES.roles; the controller is the line holder)."""

    CONTROLLER = "controller"
    RUNNER = "runner"
    CUCKOOED = "cuckooed"


class IdentifierKind(StrEnum):
    """What two organisations' lines were found to share."""

    NUMBER = "number"
    HANDSET = "handset"
    PERSON = "person"  # a person on both lines, known by the same phone number

    @property
    def label(self) -> str:
        """How a page names what is shared: "number", "handset", "person using"."""
        return "person using" if self is IdentifierKind.PERSON else self.value


class EventKind(StrEnum):
    """What can happen to a line, as its timeline shows it."""

    CREATED = "created"
    STATUS_CHANGED = "status_changed"
    NUMBER_ADDED = "number_added"
    HANDSET_ADDED = "handset_added"
    MATCH_FOUND = "match_found"  # another organisation holds one of its numbers or handsets
    MATCH_RESOLVED = "match_resolved"
    OWNER_ADDED = "owner_added"  # another force owns the line with its lead owner
    OWNER_REMOVED = "owner_removed"
    UPDATED_FROM_ANALYSIS = "updated_from_analysis"  # what a later run found added
    NUMBER_ENDED = "number_ended"  # the line stopped using a number (its period's end set)
    HANDSET_ENDED = "handset_ended"
    DETAILS_CHANGED = "details_changed"  # brand names or areas corrected by hand
    CLOSURE_CORRECTED = "closure_corrected"  # a closed line's closure type put right
    PERSON_ADDED = "person_added"  # a person on the line recorded by hand
    PERSON_CHANGED = "person_changed"  # their role, confidence or possible-child flag
    PERSON_REMOVED = "person_removed"
    ALERT_ACKNOWLEDGED = "alert_acknowledged"  # the owner acted on a deconfliction alert
    INTELLIGENCE_FOUND = "intelligence_found"  # another organisation holds intelligence on it


class Resolution(StrEnum):
    """How a national coordinator resolves a deconfliction match (issue 6)."""

    LEAD_FORCE_AGREED = "lead_force_agreed"
    JOINT_OPERATION = "joint_operation"
    NO_CONFLICT = "no_conflict"


# --- input ------------------------------------------------------------------------------------


class NumberIn(BaseModel):
    """A phone number and when the line used it; times without a zone are read as UTC."""

    number: str = Field(min_length=1, max_length=40, title="Phone number")
    valid_from: datetime = Field(title="Used from")
    valid_to: datetime | None = Field(None, title="Used until")  # None: still in use


class HandsetIn(BaseModel):
    imei: str = Field(min_length=1, max_length=20, title="IMEI")
    valid_from: datetime = Field(title="Used from")
    valid_to: datetime | None = Field(None, title="Used until")


class PersonIn(BaseModel):
    number: str = Field(min_length=1, max_length=40, title="Phone number")
    role: PersonRole = Field(title="Role")
    confidence: float | None = Field(None, ge=0, le=1, title="Confidence")
    possible_child: bool = Field(False, title="Possibly a child")
    # One of your organisation's person records, once you know who they are (people.read).
    person_record_id: uuid.UUID | None = Field(None, title="Your person record")


class LineCreate(BaseModel):
    """A line recorded by hand."""

    reference: str = Field(min_length=1, max_length=100, title="Reference")
    brand_names: list[str] = Field(default_factory=list, max_length=20)
    status: LineStatus = LineStatus.SUSPECTED  # suspected or confirmed
    hub_area: str | None = Field(None, max_length=100)  # a force id, e.g. merseyside
    county_area: str | None = Field(None, max_length=100)
    numbers: list[NumberIn] = Field(default_factory=list, max_length=200)
    handsets: list[HandsetIn] = Field(default_factory=list, max_length=200)
    people: list[PersonIn] = Field(default_factory=list, max_length=500)


class FindingConfirm(BaseModel):
    """An analysis finding of kind ``line`` to be confirmed into the register."""

    finding_id: uuid.UUID
    reference: str | None = Field(None, max_length=100)  # default: the analysis line id
    brand_names: list[str] = Field(default_factory=list, max_length=20)


class StatusChange(BaseModel):
    status: LineStatus
    reason: str = Field(min_length=1, max_length=2000, title="Reason")
    version: int  # the version you read; 409 if the line changed since
    # How it was closed (DOMAIN.md §LINES.closure): required to close, refused otherwise.
    closure_type: ClosureType | None = None


class ClosureCorrection(BaseModel):
    """A closed line's closure type put right, with the reason."""

    closure_type: ClosureType = Field(title="How it was closed")
    reason: str = Field(min_length=1, max_length=2000, title="Why it is corrected")
    version: int


class NumberAdd(NumberIn):
    version: int | None = None  # give it to be refused (409) if the line changed since


class HandsetAdd(HandsetIn):
    version: int | None = None


class PersonAdd(PersonIn):
    """A person on the line, known by their phone number, added by hand."""

    version: int | None = None  # give it to be refused (409) if the line changed since


class PersonChange(BaseModel):
    """A line person's role, confidence and possible-child flag as they now stand, and why."""

    role: PersonRole = Field(title="Role")
    confidence: float | None = Field(None, ge=0, le=1, title="Confidence")  # None: not judged
    possible_child: bool = Field(title="Possibly a child")  # required: never cleared by omission
    # Your organisation's record; left out, the link stays; null unlinks your own.
    person_record_id: uuid.UUID | None = Field(None, title="Your person record")
    reason: str = Field(min_length=1, max_length=2000, title="Why it changes")
    version: int


class PersonRemoval(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, title="Why they are taken off the line")
    version: int


class PeriodEnd(BaseModel):
    """When the line stopped using a number or handset; a time without a zone is UTC."""

    valid_to: datetime = Field(title="Used until")
    version: int  # the version you read; 409 if the line changed since


class LineDetails(BaseModel):
    """A line's brand names and areas, as corrected by hand: each replaces what is held."""

    brand_names: list[Annotated[str, StringConstraints(max_length=100)]] = Field(
        default_factory=list, max_length=20, title="Brand names"
    )
    hub_area: str | None = Field(None, max_length=100, title="Hub area")
    county_area: str | None = Field(None, max_length=100, title="County area")
    version: int


class MatchResolve(BaseModel):
    outcome: Resolution
    lead_organisation_id: uuid.UUID | None = None  # required for lead_force_agreed
    note: str | None = Field(None, max_length=2000)
    version: int


# --- output -----------------------------------------------------------------------------------


class LineSummary(BaseModel):
    """A line in a list: no numbers, handsets or people."""

    id: uuid.UUID
    reference: str
    organisation: str
    brand_names: list[str]
    status: LineStatus
    status_label: str
    closure_type: ClosureType | None  # how it was closed; None unless closed
    hub_area: str | None
    county_area: str | None
    created_at: datetime
    changed_at: datetime
    version: int
    url: str

    @classmethod
    def of(cls, line: Line, organisation: str) -> LineSummary:
        return cls(
            id=line.id,
            reference=line.reference,
            organisation=organisation,
            brand_names=json.loads(line.brand_names),
            status=LineStatus(line.status),
            status_label=label(line.status),
            closure_type=ClosureType(line.closure_type) if line.closure_type else None,
            hub_area=line.hub_area,
            county_area=line.county_area,
            created_at=line.created_at,
            changed_at=line.changed_at,
            version=line.version,
            url=f"/api/lines/{line.id}",
        )


class NumberRead(BaseModel):
    id: uuid.UUID  # this period's: ``…/numbers/{id}/end`` ends it
    number: str
    valid_from: datetime
    valid_to: datetime | None

    @classmethod
    def of(cls, row: LineNumber) -> NumberRead:
        return cls(id=row.id, number=row.number, valid_from=row.valid_from, valid_to=row.valid_to)


class HandsetRead(BaseModel):
    id: uuid.UUID
    imei: str
    valid_from: datetime
    valid_to: datetime | None

    @classmethod
    def of(cls, row: LineHandset) -> HandsetRead:
        return cls(id=row.id, imei=row.imei, valid_from=row.valid_from, valid_to=row.valid_to)


class PersonRead(BaseModel):
    id: uuid.UUID | None = None  # the line's person, to change; none in an offered update
    number: str
    role: str
    confidence: float | None
    possible_child: bool
    # Whether they are linked to a person record, and its id for the record's organisation
    # only (the API and pages give it to no other reader of the line).
    linked: bool = False
    person_record_id: uuid.UUID | None = None

    @classmethod
    def of(cls, row: LinePerson) -> PersonRead:
        return cls(
            id=row.id,
            number=row.number,
            role=row.role,
            confidence=row.confidence,
            possible_child=row.possible_child,
            linked=row.person_record_id is not None,
            person_record_id=row.person_record_id,
        )


class EventRead(BaseModel):
    at: datetime
    kind: str
    from_status: str | None
    to_status: str | None
    closure_type: ClosureType | None
    reason: str | None
    detail: dict[str, Any] | None
    by: str

    @classmethod
    def of(cls, row: LineEvent) -> EventRead:
        return cls(
            at=row.at,
            kind=row.kind,
            from_status=row.from_status,
            to_status=row.to_status,
            closure_type=ClosureType(row.closure_type) if row.closure_type else None,
            reason=row.reason,
            detail=json.loads(row.detail) if row.detail else None,
            by=row.by_name,
        )


class OwnerRead(BaseModel):
    """An organisation owning the line: its lead, or a co-owner with why and since when."""

    organisation_id: uuid.UUID
    organisation: str
    lead: bool
    added_at: datetime | None
    added_by: str | None
    reason: str | None


class LineRead(LineSummary):
    """A whole line: what it holds, where it came from, who owns it, and its timeline."""

    owners: list[OwnerRead]
    numbers: list[NumberRead]
    handsets: list[HandsetRead]
    people: list[PersonRead]
    timeline: list[EventRead]
    source_finding_id: uuid.UUID | None
    source_run_id: uuid.UUID | None
    analysis_line_id: str | None
    created_by: str

    @classmethod
    def of_owned(cls, line: Line, names: dict[uuid.UUID, str]) -> LineRead:
        """``names``: the name of every organisation owning the line."""
        lead = OwnerRead(
            organisation_id=line.owner_id,
            organisation=names[line.owner_id],
            lead=True,
            added_at=None,
            added_by=None,
            reason=None,
        )
        co_owners = [
            OwnerRead(
                organisation_id=o.organisation_id,
                organisation=names[o.organisation_id],
                lead=False,
                added_at=o.added_at,
                added_by=o.added_by_name,
                reason=o.reason,
            )
            for o in line.co_owners
        ]
        return cls(
            **LineSummary.of(line, names[line.owner_id]).model_dump(),
            owners=[lead, *co_owners],
            numbers=[NumberRead.of(n) for n in line.numbers],
            handsets=[HandsetRead.of(h) for h in line.handsets],
            people=[PersonRead.of(p) for p in line.people],
            timeline=[EventRead.of(e) for e in line.events],
            source_finding_id=line.source_finding_id,
            source_run_id=line.source_run_id,
            analysis_line_id=line.analysis_line_id,
            created_by=line.created_by_name,
        )


class OwnerAdd(BaseModel):
    """Make another force a co-owner of the line (its lead owner only)."""

    organisation_id: uuid.UUID = Field(title="Force")
    reason: str = Field(min_length=1, max_length=2000, title="Why")
    version: int = Field(title="The version you read")


class OwnerRemove(BaseModel):
    reason: str = Field(min_length=1, max_length=2000, title="Why")
    version: int = Field(title="The version you read")


class UpdateRead(BaseModel):
    """What a later analysis run found of a line in the register that the line does not hold."""

    finding_id: uuid.UUID
    analysis_line_id: str
    run_id: uuid.UUID
    score: float
    line_id: uuid.UUID
    line_reference: str
    version: int  # the line's, to send back with the update
    numbers: list[str]
    handsets: list[str]
    people: list[PersonRead]
    numbers_ended: list[str]


class PersonRecordLink(BaseModel):
    """One of the reader's own person records of a line person (by their number, or linked)."""

    reference: str
    url: str
    name: str | None = None


class UpdateAccept(BaseModel):
    finding_id: uuid.UUID = Field(title="Analysis finding")
    version: int = Field(title="The version you read")


class AlertAcknowledge(BaseModel):
    """That your organisation has acted on an alert, with a note of what was done."""

    note: str | None = Field(None, max_length=2_000, title="What you did")


class AcknowledgementRead(BaseModel):
    at: datetime
    by: str
    note: str | None


class AlertRead(BaseModel):
    """What an organisation is told of a match: its own line, and whom to contact.

    Nothing of the other organisation's line is in it: not its id, reference,
    status or any identifier but the one matched, which this organisation holds.
    """

    alert_id: uuid.UUID
    line_id: uuid.UUID
    line_reference: str
    kind: IdentifierKind
    identifier: str
    other_organisation: str
    contact: AlertContactRead
    raised_at: datetime
    outcome: Resolution | None
    lead_organisation: str | None
    resolved_at: datetime | None
    # Your organisation's record of acting on it, and when the other recorded theirs (their
    # note is theirs: not disclosed).
    acknowledged: AcknowledgementRead | None = None
    other_acknowledged_at: datetime | None = None


class IntelligenceAlertRead(BaseModel):
    """What an organisation is told of an intelligence match: its own holding (a line, or
    intelligence it recorded), the number, and whom to contact. Nothing of the other's
    record: not its text, grading, line or any other number."""

    alert_id: uuid.UUID
    identifier: str  # the phone number, which the alerted organisation holds itself
    line_id: uuid.UUID | None  # its own line, when that is what matched
    line_reference: str | None
    intelligence_id: uuid.UUID | None  # its own intelligence, when that is what matched
    intelligence_recorded_at: datetime | None
    other_holds: str  # "a line" or "intelligence"
    other_organisation: str
    contact: AlertContactRead
    raised_at: datetime


class IntelligenceMatchSide(BaseModel):
    organisation: str
    holds: str  # line | intelligence
    line_id: uuid.UUID | None = None
    line_reference: str | None = None
    intelligence_id: uuid.UUID | None = None


class IntelligenceMatchRead(BaseModel):
    """An intelligence match as a national coordinator sees it: both sides."""

    match_id: uuid.UUID
    identifier: str
    sides: list[IntelligenceMatchSide]
    raised_at: datetime


class MatchSide(BaseModel):
    line_id: uuid.UUID
    reference: str
    organisation_id: uuid.UUID
    organisation: str
    url: str
    acknowledged: AcknowledgementRead | None = None  # the owner's record of acting on it


class MatchRead(BaseModel):
    """A match as a national coordinator sees it: both lines and both organisations."""

    match_id: uuid.UUID
    kind: IdentifierKind
    identifier: str
    lines: list[MatchSide]
    raised_at: datetime
    outcome: Resolution | None
    lead_organisation: str | None
    note: str | None
    resolved_by: str | None
    resolved_at: datetime | None
    version: int


# --- intelligence -----------------------------------------------------------------------------


class IntelligenceCreate(BaseModel):
    """A piece of intelligence to record, graded 3x5x2 (DOMAIN.md §GRADING).

    The codes are checked by the service, so that a wrong one is refused with
    the codes allowed. Numbers and people's numbers are written any usual way.
    """

    text: str = Field(max_length=20_000, title="Intelligence")
    source_evaluation: str = Field(max_length=4, title="Source evaluation (1, 2 or 3)")
    intelligence_assessment: str = Field(max_length=4, title="Intelligence assessment (A to E)")
    handling_code: str = Field(max_length=4, title="Handling code (P or C)")
    handling_conditions: str | None = Field(None, max_length=2_000, title="Handling conditions")
    line_ids: list[uuid.UUID] = Field(default_factory=list, title="Lines")
    numbers: list[str] = Field(default_factory=list, title="Phone numbers")
    people: list[str] = Field(default_factory=list, title="People, by phone number")
    person_ids: list[uuid.UUID] = Field(
        default_factory=list, title="Your organisation's person records"
    )


class IntelligenceRegrade(BaseModel):
    """A piece of intelligence's grading as it now stands, and why it changes (a source
    proved reliable, the report corroborated, the handling conditions changed)."""

    source_evaluation: str = Field(max_length=4, title="Source evaluation (1, 2 or 3)")
    intelligence_assessment: str = Field(max_length=4, title="Intelligence assessment (A to E)")
    handling_code: str = Field(max_length=4, title="Handling code (P or C)")
    handling_conditions: str | None = Field(None, max_length=2_000, title="Handling conditions")
    reason: str = Field(min_length=1, max_length=2_000, title="Why the grading changes")
    version: int  # the version you read; 409 if it changed since


class IntelligenceEventRead(BaseModel):
    """A change to a piece of intelligence: when, by whom, why, and the grading before and
    after (``grading``, ``handling_conditions`` under ``from`` and ``to``)."""

    at: datetime
    kind: str
    reason: str
    by: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, row: IntelligenceEvent) -> IntelligenceEventRead:
        return cls(
            at=row.at,
            kind=row.kind,
            reason=row.reason,
            by=row.by_name,
            detail=json.loads(row.detail),
        )


class IntelligenceRead(BaseModel):
    """A piece of intelligence with its grading, what it is linked to, and its changes."""

    intelligence_id: uuid.UUID
    owner_id: uuid.UUID
    text: str
    grading_scheme: str
    source_evaluation: str
    intelligence_assessment: str
    handling_code: str
    handling_conditions: str | None
    grading: str  # the three codes together, as officers write them: 1A P
    recorded_by: str
    recorded_at: datetime
    line_ids: list[uuid.UUID]
    numbers: list[str]
    people: list[str]
    # The owner's person records it is about: their ids only. A reader who may read
    # them opens each (audited); the pages name them for the owner's readers.
    person_ids: list[uuid.UUID]
    version: int  # to send back with a regrading
    history: list[IntelligenceEventRead]  # oldest first

    @classmethod
    def of(cls, record: IntelligenceRecord) -> IntelligenceRead:
        def linked(kind: str) -> list[str]:
            return [link.number for link in record.links if link.kind == kind and link.number]

        return cls(
            intelligence_id=record.id,
            owner_id=record.owner_id,
            text=record.text,
            grading_scheme=record.grading_scheme,
            source_evaluation=record.source_evaluation,
            intelligence_assessment=record.intelligence_assessment,
            handling_code=record.handling_code,
            handling_conditions=record.handling_conditions,
            grading=(
                f"{record.source_evaluation}{record.intelligence_assessment} {record.handling_code}"
            ),
            recorded_by=record.recorded_by_name,
            recorded_at=record.created_at,
            line_ids=[link.line_id for link in record.links if link.line_id is not None],
            numbers=linked("number"),
            people=linked("person"),
            person_ids=[
                link.person_record_id for link in record.links if link.person_record_id is not None
            ],
            version=record.version,
            history=[IntelligenceEventRead.of(e) for e in record.history],
        )


# --- the line page's charts (lines/services/charts.py, network.py) ---------------------------


class ActivityRead(BaseModel):
    """A line's calls and texts by local day of the week (rows, Monday first) and hour."""

    time_zone: str  # the hours and days are local to it
    weekdays: list[str]
    counts: list[list[int]]  # counts[weekday][hour], hours 0 to 23
    calls: int
    texts: int
    total: int

    @classmethod
    def of(cls, activity: charts.Activity) -> ActivityRead:
        return cls(
            time_zone=activity.time_zone,
            weekdays=list(activity.weekdays),
            counts=[list(day) for day in activity.counts],
            calls=activity.calls,
            texts=activity.texts,
            total=activity.total,
        )


class NetworkNodeRead(BaseModel):
    id: str
    kind: str  # line | number | handset | person
    label: str
    valid_from: datetime | None
    valid_to: datetime | None  # None: still held, or no period (the line, people)
    role: str | None  # a person's: controller | runner | cuckooed
    possible_child: bool
    number: str | None  # the number to expand (/contacts), for a line number or a person


class NetworkEdgeRead(BaseModel):
    id: str
    source: str
    target: str
    kind: str  # used | carried | succeeded_by | in_contact | on_line
    label: str
    valid_from: datetime | None
    valid_to: datetime | None
    events: int | None  # in_contact: events between the person and the number


class NetworkRead(BaseModel):
    """The line's network within the dates asked for (`since`, `until`: null when not given)."""

    since: date | None
    until: date | None
    nodes: list[NetworkNodeRead]
    edges: list[NetworkEdgeRead]

    @classmethod
    def of(cls, found: network.Network) -> NetworkRead:
        return cls.model_validate(found.as_dict())


class NumberContactRead(BaseModel):
    number: str
    events: int
    first: datetime
    last: datetime


class NumberContactsRead(BaseModel):
    """The numbers most often in contact with one number of a line, most events first."""

    number: str
    limit: int
    contacts: list[NumberContactRead]

    @classmethod
    def of(cls, found: network.Contacts) -> NumberContactsRead:
        return cls(
            number=found.number,
            limit=found.limit,
            contacts=[NumberContactRead(**c.__dict__) for c in found.contacts],
        )


class LineAreaRead(BaseModel):
    force_id: str  # as in `crossline orgs list`
    force_name: str
    area_code: str | None  # the `code` of its feature in /api/areas/boundaries/force_areas
    area_name: str | None


class LineAreasRead(BaseModel):
    hub: LineAreaRead | None
    county: LineAreaRead | None
    local: bool  # hub and county are the same area

    @classmethod
    def of(cls, found: charts.LineAreas) -> LineAreasRead:
        def area(a: charts.Area | None) -> LineAreaRead | None:
            return None if a is None else LineAreaRead(**a.__dict__)

        return cls(hub=area(found.hub), county=area(found.county), local=found.is_local)
