"""The application and the provider notices as documents, built from what Crossline holds.

documents.py lays a document out; this module says what goes in it: the
application's items, the legal test as questions with the applicant's answers
(DOMAIN.md §DDTRO.test), the evidence Crossline held when the application was
started, numbered, with its exhibits, and the terms asked for. Generating a
document discloses what it holds outside Crossline, so it is audited as a
disclosure (an export) by the services that call it.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from crossline.orders.documents import (
    ApplicationDocument,
    Exhibit,
    NoticeDocument,
    OrderItemRow,
    Paragraph,
)
from crossline.orders.models import Application, Order
from crossline.orders.reference import ITEM_KINDS, PROVIDERS, RANKS
from crossline.orders.states import KIND_LABELS, ApplicationKind
from crossline.orgs.reference import FORCES

# DOMAIN.md §DDTRO.test (reg 3(1)): both limbs must hold.
TEST_QUESTIONS = (
    "Has each item named in the order been used, is it likely to have been used, or is it "
    "likely in future to be used, in connection with drug dealing offences?",
    "Are there reasonable grounds to believe that the order would prevent or restrict the use "
    "of a communication device in connection with drug dealing offences?",
)


def application_document(app: Application, force: str) -> ApplicationDocument:
    evidence: dict[str, Any] = json.loads(app.evidence)
    exhibits: list[Exhibit] = []
    paragraphs = _evidence_paragraphs(evidence, exhibits, _initials(app.applicant_name))
    for item in app.items:
        if item.evidence:
            paragraphs.append(Paragraph(f"Evidence for {item.identifier}", item.evidence))
    if app.grounds:
        paragraphs.insert(0, Paragraph("Grounds", app.grounds))
    authoriser = (
        f"{app.authoriser_name}, {RANKS[app.authoriser_rank].label}"
        if app.authoriser_name and app.authoriser_rank in RANKS
        else None
    )
    kind = ApplicationKind(app.kind)
    return ApplicationDocument(
        reference=app.reference,
        court=app.court or "",
        force=force,
        applicant=app.applicant_name,
        authoriser=authoriser,
        prepared_on=app.changed_at.date(),
        kind=KIND_LABELS[kind],
        items=tuple(_row(i.kind, i.identifier, i.provider) for i in app.items if not i.remove),
        test=(
            ((TEST_QUESTIONS[0], app.limb_used or ""), (TEST_QUESTIONS[1], app.limb_prevents or ""))
            if kind is ApplicationKind.ORDER
            else ()
        ),
        evidence=tuple(paragraphs),
        requested_terms=_terms(app),
        exhibits=tuple(exhibits),
    )


def notice_document(order: Order, provider: str, force: str, contact: str) -> NoticeDocument:
    return NoticeDocument(
        reference=order.reference,
        provider=PROVIDERS[provider].label,
        court=order.court,
        force=force,
        made_on=order.made_on,
        compliance_due=order.compliance_due,
        expires_on=order.expires_on,
        items=tuple(
            _row(i.kind, i.identifier, i.provider)
            for i in order.items
            if i.provider == provider and i.removed_on is None
        ),
        contact=contact,
    )


def _row(kind: str, identifier: str, provider: str | None) -> OrderItemRow:
    return OrderItemRow(
        kind=ITEM_KINDS[kind].label,
        identifier=identifier,
        provider=PROVIDERS[provider].label if provider in PROVIDERS else "not chosen",
    )


def _terms(app: Application) -> tuple[str, ...]:
    kind = ApplicationKind(app.kind)
    if kind is ApplicationKind.DISCHARGE:
        return ("That the order be discharged.",)
    lasting = (
        f"for {app.duration_days} days from the date of the order"
        if app.duration_days
        else "until it is discharged"
    )
    if kind is ApplicationKind.RENEWAL:
        return (f"That the order be renewed {lasting}.",)
    return (
        "That each communications provider named in the schedule of items take the steps "
        "needed so that the items cannot be used, or are used less, in connection with drug "
        "dealing offences, leaving access to the emergency services.",
        "That each provider comply by the end of the fifth working day after the date of the "
        "order, or by an earlier time agreed with the applicant.",
        f"That the order have effect {lasting}.",
    )


def _evidence_paragraphs(
    evidence: dict[str, Any], exhibits: list[Exhibit], initials: str
) -> list[Paragraph]:
    """Numbered paragraphs from the evidence snapshot, adding exhibits as they are cited."""

    def exhibit(title: str, description: str) -> str:
        ref = f"{initials}/{len(exhibits) + 1}"
        exhibits.append(Exhibit(ref, title, description))
        return ref

    found: list[Paragraph] = []
    line = evidence.get("line")
    if not line:
        return [Paragraph("The line", evidence.get("note") or "No line is recorded.")]
    hub, county = (_area(line.get(key)) for key in ("hub_area", "county_area"))
    found.append(
        Paragraph(
            "The line",
            f"The items are used by deal line {line['reference']}, recorded in the national line "
            f"register as {line['status']}, supplying from {hub} into {county}.",
        )
    )
    numbers = evidence.get("numbers", [])
    if numbers:
        periods = "; ".join(
            f"{n['number']} from {_day(n['from'])}" + (f" to {_day(n['to'])}" if n["to"] else "")
            for n in numbers
        )
        ref = exhibit("Line register record", "The line's numbers and handsets over time.")
        found.append(Paragraph(None, f"The line has used these numbers: {periods}.", (ref,)))
    handsets = evidence.get("handsets", [])
    if handsets:
        found.append(
            Paragraph(
                None,
                "It has used these handsets: "
                + "; ".join(f"{h['imei']} from {_day(h['from'])}" for h in handsets)
                + ".",
            )
        )
    analysis = evidence.get("analysis")
    if analysis:
        ref = exhibit(
            "Communications data analysis",
            f"Crossline analysis run {analysis['run_id']}, line {analysis['analysis_line_id']}: "
            "the signals, scores and activity summarised here.",
        )
        signals = analysis.get("signals") or {}
        described = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in sorted(signals.items()))
        found.append(
            Paragraph(
                "Communications data",
                f"Analysis of communications data scored the line {analysis['score']:.2f} "
                f"on these signals: {described or 'none recorded'}.",
                (ref,),
            )
        )
        for activity in analysis.get("activity", []):
            found.append(
                Paragraph(
                    None,
                    f"Number {activity['number']} was active from {_day(activity['first_seen'])} "
                    f"to {_day(activity['last_seen'])}.",
                    (ref,),
                )
            )
        for link in analysis.get("successor_links", []):
            found.append(
                Paragraph(
                    None,
                    f"Number {link['to']} took over from {link['from']} as the same line "
                    "(its customers and handset carried over).",
                    (ref,),
                )
            )
    for number, item in enumerate(evidence.get("intelligence", [])):
        ref = exhibit(
            "Intelligence report",
            f"Graded {item['grading']}, recorded {_day(item['recorded_at'])}; disclosed to "
            "the court under its handling code.",
        )
        found.append(
            Paragraph(
                "Intelligence" if number == 0 else None,
                f"Intelligence graded {item['grading']} links the items to the line.",
                (ref,),
            )
        )
    return found


def _area(force: str | None) -> str:
    if not force:
        return "an unknown area"
    return FORCES[force].area_name or FORCES[force].name if force in FORCES else force


def _day(value: str | None) -> str:
    if not value:
        return "unknown"
    return date.fromisoformat(str(value)[:10]).strftime("%-d %B %Y")


def _initials(name: str) -> str:
    letters = "".join(part[0] for part in name.split() if part.isalpha())
    return letters.upper() or "EX"
