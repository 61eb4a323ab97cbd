"""DDTRO documents as PDF: the application to the court and the notice to a provider.

Each is built from plain frozen dataclasses, so the services decide what a
document says and this module only lays it out::

    pdf = application_pdf(ApplicationDocument(reference="DDTRO-2026-0042", ...))

Both are A4, with the protective marking and the reference at the top of every
page and "Page N of M" at the foot. The application numbers its paragraphs
1, 2, 3 ... across its sections (the legal test, the evidence, the terms asked
for), prints each paragraph's exhibits with it, lists the exhibits in a
schedule at the end and closes with a statement of truth and signature blocks.
User text is printed literally (``<``, ``&`` and line breaks included); long
evidence flows over pages and long identifiers wrap.

The fonts are Bitstream Vera, shipped inside reportlab and embedded in every
PDF, so a document prints the same everywhere and covers Latin-1 and the
commonest Central European letters. Rendering is deterministic: the same
document gives the same bytes.

Errors: ``InvalidInput`` when an application cites an exhibit missing from its
schedule or names one exhibit twice, or a notice lists another provider's items
or none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from itertools import count
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab import platypus
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Spacer,
    Table,
    TableStyle,
)

from crossline.core.errors import InvalidInput
from crossline.core.pdf import FONT, Page, TextSizes, grid, render, styles

# DOMAIN.md §DDTRO.statute: the procedure (SI 2017/1240) and the power (SCA 2015
# s.80A, inserted by the Digital Economy Act 2017 s.107) every document cites.
STATUTE = (
    "Drug Dealing Telecommunications Restriction Orders Regulations 2017, SI 2017/1240; "
    "Serious Crime Act 2015 s.80A"
)
# DOMAIN.md §CLASSIFICATION: law-enforcement data is OFFICIAL, and an application
# kept from anyone linked to its items (§DDTRO.notice) needs need-to-know handling.
DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
NOT_YET_AUTHORISED = "not yet authorised"
UNTIL_DISCHARGED = "until discharged"
# The wording of a witness statement's statement of truth in England and Wales
# (CPR PD 22 para 2.1, since April 2020), said of the application. Scotland's
# summary application (Form 73, DOMAIN.md §DDTRO.notice) has no such form.
STATEMENT_OF_TRUTH = (
    "I believe that the facts stated in this application are true. I understand that "
    "proceedings for contempt of court may be brought against anyone who makes, or causes "
    "to be made, a false statement in a document verified by a statement of truth without "
    "an honest belief in its truth."
)
AUTHORISATION = "I have read this application and authorise it to be made to the court."
UK = ZoneInfo("Europe/London")  # a provider reads its deadline in UK time


@dataclass(frozen=True)
class Exhibit:
    """A document produced with the application, named by the officer's reference."""

    ref: str  # e.g. "PS/1": the officer's initials and a number, as the caller gives it
    title: str
    description: str


@dataclass(frozen=True)
class Paragraph:
    """One numbered paragraph of evidence, with the exhibits it cites."""

    heading: str | None  # a section heading printed before this paragraph, if any
    text: str
    exhibits: tuple[str, ...] = ()  # refs of the exhibits this paragraph cites


@dataclass(frozen=True)
class OrderItemRow:
    """One item an order names (DOMAIN.md §DDTRO.items), as printed."""

    kind: str  # the item kind's label, e.g. "Phone number (MSISDN)", "Handset (IMEI)"
    identifier: str
    provider: str


@dataclass(frozen=True)
class ApplicationDocument:
    """What the application to the court says, ready to print."""

    reference: str  # the application's reference
    court: str
    force: str
    applicant: str  # name and rank
    authoriser: str | None  # name and rank; None prints "not yet authorised"
    prepared_on: date
    kind: str  # "application for an order", "application to vary an order", ...
    items: tuple[OrderItemRow, ...]
    test: tuple[tuple[str, str], ...]  # (a question of the legal test, the applicant's answer)
    evidence: tuple[Paragraph, ...]
    requested_terms: tuple[str, ...]
    exhibits: tuple[Exhibit, ...]
    marking: str = DEFAULT_MARKING  # the protective marking at the top and foot of each page


@dataclass(frozen=True)
class NoticeDocument:
    """What the notice of a made order tells one communications provider."""

    reference: str  # the order's reference
    provider: str
    court: str
    force: str
    made_on: date
    compliance_due: datetime  # aware; printed in UK time
    expires_on: date | None  # None: the order lasts until discharged (§DDTRO.duration)
    items: tuple[OrderItemRow, ...]  # only this provider's items
    contact: str  # who at the force the provider should speak to
    marking: str = DEFAULT_MARKING


def application_pdf(document: ApplicationDocument) -> bytes:
    """The application as a court-ready A4 PDF.

    Raises InvalidInput when a paragraph cites an exhibit that is not in the
    schedule, or the schedule names one exhibit twice.
    """
    _check_exhibits(document)
    title = f"{_sentence(document.kind)}: Drug Dealing Telecommunications Restriction Order"
    return _render(
        _application_story(document),
        reference=document.reference,
        marking=document.marking,
        title=title,
        author=document.force,
    )


def notice_pdf(document: NoticeDocument) -> bytes:
    """The notice of a made order to one communications provider, as an A4 PDF.

    Raises InvalidInput when it lists no items or another provider's items, and
    ValueError when ``compliance_due`` is naive (a caller's mistake, not a user's).
    """
    _check_notice(document)
    return _render(
        _notice_story(document),
        reference=document.reference,
        marking=document.marking,
        title="Notice of a Drug Dealing Telecommunications Restriction Order",
        author=document.force,
    )


# --- checks ------------------------------------------------------------------------------------


def _check_exhibits(document: ApplicationDocument) -> None:
    refs = [exhibit.ref for exhibit in document.exhibits]
    for position, ref in enumerate(refs, start=1):
        if ref in refs[: position - 1]:
            raise InvalidInput(
                f"Exhibit {position} in the schedule repeats the reference of an earlier "
                "exhibit. Give each exhibit its own reference.",
                field="exhibits",
            )
    for number, paragraph in enumerate(document.evidence, start=1):
        if any(ref not in refs for ref in paragraph.exhibits):
            raise InvalidInput(
                f"Evidence paragraph {number} cites an exhibit that is not in the schedule "
                "of exhibits. Add the exhibit to the schedule or remove the citation.",
                field="evidence",
            )


def _check_notice(document: NoticeDocument) -> None:
    if document.compliance_due.tzinfo is None:
        raise ValueError("NoticeDocument.compliance_due must be timezone-aware")
    if not document.items:
        raise InvalidInput("A notice must list at least one item.", field="items")
    for number, item in enumerate(document.items, start=1):
        if item.provider != document.provider:
            raise InvalidInput(
                f"Item {number} of the notice belongs to another provider. A notice lists "
                "only the items of the provider it is addressed to.",
                field="items",
            )


# --- the application ---------------------------------------------------------------------------


def _application_story(document: ApplicationDocument) -> list[Flowable]:
    return [
        *_title_block(document),
        *_numbered_sections(document),
        platypus.Paragraph("Schedule of exhibits", _styles()["heading"]),
        _exhibit_schedule(document.exhibits),
        _signatures(document),
    ]


def _title_block(document: ApplicationDocument) -> list[Flowable]:
    """The court, the law, the parties, the kind of application and its details."""
    styles = _styles()
    providers = ", ".join(dict.fromkeys(item.provider for item in document.items)) or "none yet"
    return [
        platypus.Paragraph(_text(document.court.upper()), styles["court"]),
        platypus.Paragraph(_text(STATUTE), styles["centred"]),
        Spacer(1, 0.3 * cm),
        _parties(
            [
                (f"{document.applicant}, on behalf of {document.force}", "Applicant"),
                (providers, "Communications provider(s) concerned"),
            ]
        ),
        Spacer(1, 0.3 * cm),
        platypus.Paragraph(_text(_sentence(document.kind)), styles["title"]),
        platypus.Paragraph("Drug Dealing Telecommunications Restriction Order", styles["subtitle"]),
        _details(
            [
                ("Reference", document.reference),
                ("Court", document.court),
                ("Force", document.force),
                ("Applicant", document.applicant),
                ("Authorising officer", document.authoriser or NOT_YET_AUTHORISED),
                ("Prepared on", _day(document.prepared_on)),
            ]
        ),
    ]


def _numbered_sections(document: ApplicationDocument) -> list[Flowable]:
    """The items, then the test, the evidence and the terms in paragraphs numbered as one run."""
    styles = _styles()
    numbers = count(1)
    exhibits = {exhibit.ref: exhibit for exhibit in document.exhibits}
    story: list[Flowable] = [
        platypus.Paragraph("The items", styles["heading"]),
        platypus.Paragraph("The application concerns these items.", styles["body"]),
        _items_table(document.items, with_provider=True),
        platypus.Paragraph("The test", styles["heading"]),
    ]
    for question, answer in document.test:
        story.append(_numbered(next(numbers), f"<b>{_text(question)}</b><br/>{_text(answer)}"))
    story.append(platypus.Paragraph("The evidence", styles["heading"]))
    for paragraph in document.evidence:
        if paragraph.heading:
            story.append(platypus.Paragraph(_text(paragraph.heading), styles["subheading"]))
        cited = [exhibits[ref] for ref in paragraph.exhibits]
        story.append(_numbered(next(numbers), _text(paragraph.text) + _citation(cited)))
    story.append(platypus.Paragraph("The terms asked for", styles["heading"]))
    story.append(
        platypus.Paragraph(
            "The applicant asks the court to make an order in these terms.", styles["body"]
        )
    )
    story.extend(_numbered(next(numbers), _text(term)) for term in document.requested_terms)
    return story


def _citation(exhibits: list[Exhibit]) -> str:
    if not exhibits:
        return ""
    label = "Exhibit" if len(exhibits) == 1 else "Exhibits"
    cited = "; ".join(f"<b>{_text(e.ref)}</b> ({_text(e.title)})" for e in exhibits)
    return f'<br/><font size="9.5"><i>{label}:</i> {cited}</font>'


def _exhibit_schedule(exhibits: tuple[Exhibit, ...]) -> Flowable:
    if not exhibits:
        return platypus.Paragraph("The application relies on no exhibits.", _styles()["body"])
    rows = [(e.ref, e.title, e.description) for e in exhibits]
    return _table(("Ref", "Title", "Description"), rows, widths=(2.4 * cm, 4.6 * cm, None))


def _signatures(document: ApplicationDocument) -> Flowable:
    styles = _styles()
    authoriser = document.authoriser or NOT_YET_AUTHORISED
    return KeepTogether(
        [
            platypus.Paragraph("Statement of truth", styles["heading"]),
            platypus.Paragraph(_text(STATEMENT_OF_TRUTH), styles["body"]),
            _signature_block("Applicant", document.applicant),
            Spacer(1, 0.4 * cm),
            platypus.Paragraph("Authorisation", styles["heading"]),
            platypus.Paragraph(_text(AUTHORISATION), styles["body"]),
            _signature_block("Authorising officer", authoriser),
        ]
    )


def _signature_block(role: str, name: str) -> Flowable:
    rows = [(role, name), ("Signed", ""), ("Date", "")]
    table = Table(
        [[_cell(label, bold=True), _cell(value)] for label, value in rows],
        colWidths=[4.2 * cm, None],
        rowHeights=[None, 1.4 * cm, 0.9 * cm],
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
                ("LINEBELOW", (1, 1), (1, 2), 0.6, colors.black),
            ]
        )
    )
    return table


# --- the notice --------------------------------------------------------------------------------


def _notice_story(document: NoticeDocument) -> list[Flowable]:
    styles = _styles()
    numbers = count(1)
    due = document.compliance_due.astimezone(UK)
    due_text = f"{due:%H:%M} on {due:%A} {_day(due.date())} (UK time)"
    lasts = f"until {_day(document.expires_on)}" if document.expires_on else UNTIL_DISCHARGED
    story: list[Flowable] = [
        platypus.Paragraph("Notice to a communications provider", styles["title"]),
        platypus.Paragraph("Drug Dealing Telecommunications Restriction Order", styles["subtitle"]),
        platypus.Paragraph(_text(STATUTE), styles["centred"]),
        Spacer(1, 0.3 * cm),
        _details(
            [
                ("To", document.provider),
                ("From", document.force),
                ("Order reference", document.reference),
                ("Court", document.court),
                ("Order made on", _day(document.made_on)),
                ("Comply by", due_text),
                ("The order lasts", lasts),
            ]
        ),
        # DOMAIN.md §DDTRO.statute: what an order obliges a provider to do.
        _numbered(
            next(numbers),
            f"On {_day(document.made_on)} the {_text(document.court)} made a Drug Dealing "
            "Telecommunications Restriction Order on the application of "
            f"{_text(document.force)}. It requires {_text(document.provider)} to do what the "
            "order specifies so that the items below cannot be used, or are used less, in "
            "connection with drug dealing offences.",
        ),
        _items_table(document.items, with_provider=False),
        # DOMAIN.md §DDTRO.compliance: the order states the time; an earlier one may be agreed.
        _numbered(
            next(numbers),
            f"You must comply by <b>{due_text}</b>. The order lets you and the applicant agree "
            "an earlier time.",
        ),
        # DOMAIN.md §DDTRO.duration: the date it specifies, or until discharged.
        _numbered(
            next(numbers),
            f"The order has effect <b>until {_day(document.expires_on)}</b>, unless it is "
            "discharged sooner."
            if document.expires_on
            else "The order has effect <b>until it is discharged</b> by the court.",
        ),
        # DOMAIN.md §DDTRO.items: a restricted phone keeps access to the emergency services.
        _numbered(
            next(numbers),
            "A phone restricted under this order must still be able to reach the emergency "
            "services.",
        ),
        _numbered(
            next(numbers),
            "For questions about this notice, or to agree an earlier time, contact:<br/>"
            + _text(document.contact),
        ),
    ]
    return story


# --- layout shared by both ---------------------------------------------------------------------

_PAGE = Page(left=3 * cm)  # room to bind and to write beside the paragraph numbers
_FONT = FONT


def _render(
    story: list[Flowable], *, reference: str, marking: str, title: str, author: str
) -> bytes:
    return render(
        story,
        _PAGE,
        reference=reference,
        marking=marking,
        running_title=title,
        title=title,
        author=author,
    )


def _numbered(number: int, markup: str) -> Flowable:
    return platypus.Paragraph(markup, _styles()["numbered"], bulletText=f"{number}.")


def _parties(rows: Iterable[tuple[str, str]]) -> Flowable:
    table = Table(
        [[_cell(who), _cell(role, italic=True)] for who, role in rows],
        colWidths=[None, 5.5 * cm],
    )
    table.setStyle(
        TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("VALIGN", (0, 0), (-1, -1), "TOP")])
    )
    return table


def _details(rows: Iterable[tuple[str, str]]) -> Flowable:
    table = Table(
        [[_cell(label, bold=True), _cell(value)] for label, value in rows],
        colWidths=[4.2 * cm, None],
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


def _items_table(items: tuple[OrderItemRow, ...], *, with_provider: bool) -> Flowable:
    if not items:
        return platypus.Paragraph("No items have been added.", _styles()["body"])
    if with_provider:
        full = [(str(n), i.kind, i.identifier, i.provider) for n, i in enumerate(items, start=1)]
        return _table(
            ("Item", "Kind", "Identifier", "Provider"),
            full,
            widths=(1.3 * cm, 4.2 * cm, None, 4 * cm),
        )
    rows = [(str(n), i.kind, i.identifier) for n, i in enumerate(items, start=1)]
    return _table(("Item", "Kind", "Identifier"), rows, widths=(1.3 * cm, 5 * cm, None))


def _table(
    head: tuple[str, ...], rows: Iterable[tuple[str, ...]], *, widths: tuple[float | None, ...]
) -> Flowable:
    data = [[_cell(text, bold=True) for text in head]]
    data.extend([_cell(text) for text in row] for row in rows)
    return grid(data, widths, _PAGE)


def _cell(text: str, *, bold: bool = False, italic: bool = False) -> Flowable:
    markup = _text(text)
    if bold:
        markup = f"<b>{markup}</b>"
    if italic:
        markup = f"<i>{markup}</i>"
    return platypus.Paragraph(markup, _styles()["cell"])


def _text(text: str) -> str:
    """User text as reportlab paragraph markup that prints it literally, line breaks kept."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "<br/>".join(escape(_printable(line)) for line in lines)


def _printable(line: str) -> str:
    # Control characters would end reportlab's markup parser or print as boxes.
    return "".join(ch if ch.isprintable() else " " for ch in line)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _day(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


@cache
def _styles() -> dict[str, ParagraphStyle]:
    common = styles("", TextSizes())
    body = common["body"]
    return common | {
        "subheading": ParagraphStyle(
            "subheading", parent=body, fontName=f"{_FONT}-BoldItalic", keepWithNext=1
        ),
        "court": ParagraphStyle(
            "court",
            parent=body,
            fontName=f"{_FONT}-Bold",
            fontSize=13,
            leading=18,
            alignment=TA_CENTER,
        ),
        "centred": ParagraphStyle(
            "centred", parent=body, fontSize=9.5, leading=13, alignment=TA_CENTER
        ),
    }
