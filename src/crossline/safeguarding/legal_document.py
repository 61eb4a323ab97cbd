"""A young person's exploitation summary for their legal representative, as a PDF.

The summary is built from plain frozen dataclasses, so ``safeguarding.legal``
decides what it says and this module only lays it out (the way
``orders.documents`` lays out a DDTRO application)::

    pdf = summary_pdf(LegalSummary(name="...", ...))

A4, with the protective marking, the young person's reference and "not to be
given to the child" at the top of every page and "Page N of M" at the foot.
The sections are numbered 1 to 7 (the young person; NRM; screenings; line
roles; concerns; missing episodes; the law) and their paragraphs numbered
within each (2.1, 2.2 ...). Recorded text is printed literally. The fonts
are Bitstream Vera, shipped inside reportlab and embedded; the same summary
gives the same bytes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from xml.sax.saxutils import escape

from reportlab import platypus
from reportlab.lib import colors
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from crossline.core.pdf import FONT, Page, TextSizes, grid, render, styles

# DOMAIN.md §CLASSIFICATION: personal data of a child in a criminal matter.
MARKING = "OFFICIAL-SENSITIVE"
# DOMAIN.md §NRM.decision: decision letters go to the representative, never to the child.
NOT_FOR_THE_CHILD = "For the legal representative only: not to be given to the child"
TITLE = "Exploitation summary for a legal representative"


@dataclass(frozen=True)
class NrmDecision:
    """One decision on an NRM referral."""

    stage: str  # "Reasonable grounds" | "Conclusive grounds"
    decision: str  # the decision's label
    decided_on: date
    threshold: str | None  # the RG threshold applied on that date (§NRM.rg); None for CG


@dataclass(frozen=True)
class NrmEntry:
    """One referral to the National Referral Mechanism and its decisions."""

    referred_on: date
    referred_by: str  # the first responder organisation
    route: str  # Single Competent Authority, or a devolved panel
    consent: str
    rg_due: date
    decisions: tuple[NrmDecision, ...]
    recovery_until: date | None
    reconsideration_asked_on: date | None


@dataclass(frozen=True)
class ScreeningEntry:
    """One exploitation screening and what it found."""

    screened_on: date
    organisation: str
    result: str
    indicators: tuple[str, ...]  # labels with their ids
    vulnerability_factors: tuple[str, ...]


@dataclass(frozen=True)
class LineRoleEntry:
    """A role line analysis found the young person holding on a deal line."""

    role: str
    line: str  # the register's reference, or a note that the line is not in the register
    identified_on: date
    hub_area: str | None
    county_area: str | None
    journeys: int | None  # journeys to the line's area the analysis counted


@dataclass(frozen=True)
class ConcernEntry:
    """One safeguarding concern and its triage."""

    raised_on: date
    organisation: str
    source: str
    summary: str
    triage: str  # the decision's label, or "Not yet triaged"
    triaged_on: date | None


@dataclass(frozen=True)
class MissingEntry:
    """One missing episode."""

    reported_on: date
    risk: str
    found_on: date | None
    found_where: str | None
    return_interview: str


@dataclass(frozen=True)
class LawPoint:
    """A point of law the representative needs, in plain text, with its sources."""

    heading: str
    text: str
    sources: str


@dataclass(frozen=True)
class LegalSummary:
    """Everything the legal summary says about one young person."""

    young_person_id: uuid.UUID
    reference: str
    name: str
    dob: date | None
    age: int | None
    phone_number: str | None  # the young person's own number, if recorded
    case_owner: str
    prepared_at: datetime
    nrm_status: str
    nrm: tuple[NrmEntry, ...]
    screenings: tuple[ScreeningEntry, ...]
    line_roles: tuple[LineRoleEntry, ...]
    concerns: tuple[ConcernEntry, ...]
    missing: tuple[MissingEntry, ...]
    law: tuple[LawPoint, ...]
    released_to: str | None = None  # the representative and their practice
    released_by: str | None = None  # the practitioner and their organisation
    released_on: date | None = None


SECTIONS = (
    "The young person",
    "National Referral Mechanism",
    "Exploitation screenings",
    "Roles on deal lines",
    "Safeguarding concerns",
    "Missing episodes",
    "The law",
)


def summary_pdf(summary: LegalSummary) -> bytes:
    """The summary as an A4 PDF, its sections numbered as :data:`SECTIONS`."""
    story: list[Flowable] = [*_title_block(summary)]
    for number, (heading, build) in enumerate(zip(SECTIONS, _BUILDERS, strict=True), start=1):
        story.append(platypus.Paragraph(f"{number}. {escape(heading)}", _styles()["heading"]))
        story.extend(build(summary, number))
    return _render(story, reference=summary.reference)


# --- sections ------------------------------------------------------------------------------------


def _title_block(summary: LegalSummary) -> list[Flowable]:
    styles = _styles()
    rows = [("Young person's reference", summary.reference), ("Case held by", summary.case_owner)]
    if summary.released_to:
        rows.append(("Released to", summary.released_to))
    if summary.released_by:
        rows.append(("Released by", summary.released_by))
    if summary.released_on:
        rows.append(("Released on", _day(summary.released_on)))
    rows.append(
        ("Prepared", f"{_day(summary.prepared_at.date())}, {summary.prepared_at:%H:%M} UTC")
    )
    return [
        platypus.Paragraph(TITLE, styles["title"]),
        platypus.Paragraph(escape(NOT_FOR_THE_CHILD), styles["subtitle"]),
        _details(rows),
        platypus.Paragraph(
            "This summary brings together what the organisations working with the young "
            "person have recorded about their exploitation, for their defence and welfare. "
            "It is a record of what was recorded, not a finding of fact.",
            styles["body"],
        ),
        Spacer(1, 0.2 * cm),
    ]


def _person(summary: LegalSummary, section: int) -> list[Flowable]:
    age = f" (aged {summary.age} today)" if summary.age is not None else ""
    rows = [
        ("Name", summary.name),
        ("Date of birth", _day(summary.dob) + age if summary.dob else "Not recorded"),
    ]
    if summary.phone_number:
        rows.append(("Their phone number", summary.phone_number))
    return [_details(rows)]


def _nrm(summary: LegalSummary, section: int) -> list[Flowable]:
    numbers = _numbering(section)
    story = [_numbered(next(numbers), f"<b>Status:</b> {_text(summary.nrm_status)}")]
    for entry in summary.nrm:
        lines = [
            f"Referred on {_day(entry.referred_on)} by {_text(entry.referred_by)} to the "
            f"{_text(entry.route)}. Consent: {_text(entry.consent)}. Reasonable-grounds "
            f"decision due by {_day(entry.rg_due)}.",
        ]
        for decision in entry.decisions:
            line = (
                f"{_text(decision.stage)} decision on {_day(decision.decided_on)}: "
                f"<b>{_text(decision.decision)}</b>."
            )
            if decision.threshold:
                line += f" Threshold applied: {_text(decision.threshold)}."
            lines.append(line)
        if entry.recovery_until:
            lines.append(f"Recovery period until {_day(entry.recovery_until)}.")
        if entry.reconsideration_asked_on:
            lines.append(f"Reconsideration asked for on {_day(entry.reconsideration_asked_on)}.")
        story.append(_numbered(next(numbers), "<br/>".join(lines)))
    return story


def _screenings(summary: LegalSummary, section: int) -> list[Flowable]:
    if not summary.screenings:
        return [_none("No exploitation screening has been recorded.")]
    numbers = _numbering(section)
    story: list[Flowable] = []
    for entry in summary.screenings:
        text = (
            f"Screened on {_day(entry.screened_on)} by {_text(entry.organisation)}: "
            f"<b>{_text(entry.result)}</b>."
        )
        if entry.indicators:
            text += "<br/><i>Indicators:</i> " + "; ".join(_text(i) for i in entry.indicators)
        if entry.vulnerability_factors:
            text += "<br/><i>Vulnerability factors:</i> " + "; ".join(
                _text(f) for f in entry.vulnerability_factors
            )
        story.append(_numbered(next(numbers), text))
    return story


def _line_roles(summary: LegalSummary, section: int) -> list[Flowable]:
    if not summary.line_roles:
        return [_none("Line analysis has not found the young person holding a role on a line.")]
    rows = [
        (
            r.role,
            r.line,
            _day(r.identified_on),
            " to ".join(a for a in (r.hub_area, r.county_area) if a) or "Not known",
            "" if r.journeys is None else str(r.journeys),
        )
        for r in summary.line_roles
    ]
    return [
        _table(
            ("Role", "Line", "Identified on", "Hub to county", "Journeys"),
            rows,
            widths=(2.4 * cm, None, 2.8 * cm, 4 * cm, 2 * cm),
        )
    ]


def _concerns(summary: LegalSummary, section: int) -> list[Flowable]:
    if not summary.concerns:
        return [_none("No safeguarding concern has been recorded.")]
    numbers = _numbering(section)
    story: list[Flowable] = []
    for entry in summary.concerns:
        triaged = f" on {_day(entry.triaged_on)}" if entry.triaged_on else ""
        story.append(
            _numbered(
                next(numbers),
                f"Raised on {_day(entry.raised_on)} by {_text(entry.organisation)} "
                f"({_text(entry.source)}).<br/>{_text(entry.summary)}<br/>"
                f"<i>Triage:</i> {_text(entry.triage)}{triaged}.",
            )
        )
    return story


def _missing(summary: LegalSummary, section: int) -> list[Flowable]:
    if not summary.missing:
        return [_none("No missing episode has been recorded.")]
    rows = [
        (
            _day(m.reported_on),
            m.risk,
            _day(m.found_on) if m.found_on else "Not yet found",
            m.found_where or "",
            m.return_interview,
        )
        for m in summary.missing
    ]
    return [
        _table(
            ("Reported missing", "Risk", "Found", "Where found", "Return interview"),
            rows,
            widths=(2.9 * cm, 2.4 * cm, 2.6 * cm, None, 3.4 * cm),
        )
    ]


def _law(summary: LegalSummary, section: int) -> list[Flowable]:
    numbers = _numbering(section)
    return [
        _numbered(
            next(numbers),
            f"<b>{_text(point.heading)}</b><br/>{_text(point.text)}"
            f'<br/><font size="8.5"><i>Sources:</i> {_text(point.sources)}</font>',
        )
        for point in summary.law
    ]


_BUILDERS: tuple[Callable[[LegalSummary, int], list[Flowable]], ...] = (
    _person,
    _nrm,
    _screenings,
    _line_roles,
    _concerns,
    _missing,
    _law,
)


# --- layout --------------------------------------------------------------------------------------

_PAGE = Page(left=2.5 * cm, running_title_size=8)
_FONT = FONT


def _render(story: list[Flowable], *, reference: str) -> bytes:
    return render(
        story,
        _PAGE,
        reference=reference,
        marking=MARKING,
        running_title=NOT_FOR_THE_CHILD,
        title=TITLE,
        author="Crossline",
    )


def _numbering(section: int) -> Iterator[str]:
    number = 1
    while True:
        yield f"{section}.{number}"
        number += 1


def _numbered(number: str, markup: str) -> Flowable:
    return platypus.Paragraph(markup, _styles()["numbered"], bulletText=number)


def _none(text: str) -> Flowable:
    return platypus.Paragraph(_text(text), _styles()["body"])


def _details(rows: Iterable[tuple[str, str]]) -> Flowable:
    table = Table(
        [[_cell(label, bold=True), _cell(value)] for label, value in rows],
        colWidths=[4.6 * cm, None],
        hAlign="LEFT",
        spaceAfter=10,
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEABOVE", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEBELOW", (0, -1), (-1, -1), 0.6, colors.black),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _table(
    head: tuple[str, ...], rows: Iterable[tuple[str, ...]], *, widths: tuple[float | None, ...]
) -> Flowable:
    data = [[_cell(text, bold=True) for text in head]]
    data.extend([_cell(text) for text in row] for row in rows)
    return grid(data, widths, _PAGE)


def _cell(text: str, *, bold: bool = False) -> Flowable:
    markup = _text(text)
    if bold:
        markup = f"<b>{markup}</b>"
    return platypus.Paragraph(markup, _styles()["cell"])


def _text(text: str) -> str:
    """Recorded text as reportlab paragraph markup that prints it literally, line breaks kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(escape(_printable(line)) for line in lines)


def _printable(line: str) -> str:
    # Control characters would end reportlab's markup parser or print as boxes.
    return "".join(ch if ch.isprintable() else " " for ch in line)


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@cache
def _styles() -> dict[str, ParagraphStyle]:
    sizes = TextSizes(
        body=10, leading=14, subtitle=10.5, subtitle_leading=15, cell=9, cell_leading=12
    )
    return styles("legal-", sizes)
