"""The DDTRO application and the notice to a provider, rendered and read back.

Each PDF is opened with pypdfium2 (PDFium, Chrome's PDF engine): pages are
rendered to pixels and their text is extracted, so the checks are on what a
reader sees, not on reportlab's internals.
"""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime
from itertools import pairwise
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from PIL import Image

from crossline.core.errors import InvalidInput
from crossline.orders.documents import (
    ApplicationDocument,
    Exhibit,
    NoticeDocument,
    OrderItemRow,
    Paragraph,
    application_pdf,
    notice_pdf,
)

A4_POINTS = (595, 842)
RIGHT_MARGIN_X = 595.3 - 56.7  # the page less the 2 cm right margin
LONG_IDENTIFIER = "ABCDEFGHIJ" * 12  # 120 characters with no space to break at

EXHIBITS = (
    Exhibit("PS/1", "Call records", "Calls and texts of the line number, March to April 2026."),
    Exhibit("PS/2", "Test purchases", "Log of three test purchases made through the line."),
    Exhibit("PS/3", "Advert messages", "Bulk texts advertising the line to its customers."),
)
ITEMS = (
    OrderItemRow("Phone number (MSISDN)", "+447700900123", "Provider One Limited"),
    OrderItemRow("Handset (IMEI)", "356938035643809", "Provider One Limited"),
    OrderItemRow("Other device identifier", LONG_IDENTIFIER, "Provider Two Limited"),
)
TEST = (
    ("Has each item been used in connection with drug dealing offences?", "Answer one."),
    ("Would the order prevent or restrict that use?", "Answer two."),
)


def _evidence(count: int) -> tuple[Paragraph, ...]:
    cites = [(), ("PS/1",), ("PS/2", "PS/3")]
    return tuple(
        Paragraph(
            heading="Background" if n == 1 else None,
            text=f"Evidence {n} says what officers found about the line. " * (1 + n % 4),
            exhibits=cites[n % 3],
        )
        for n in range(1, count + 1)
    )


def _application(**changes: object) -> ApplicationDocument:
    document = ApplicationDocument(
        reference="DDTRO-2026-0042",
        court="County Court at Exampleton",
        force="Example Constabulary",
        applicant="Detective Superintendent A. Example",
        authoriser=None,
        prepared_on=date(2026, 11, 25),
        kind="application for an order",
        items=ITEMS,
        test=TEST,
        evidence=_evidence(4),
        requested_terms=("Term one: disconnect the number.", "Term two: block the handset."),
        exhibits=EXHIBITS,
    )
    return replace(document, **changes)  # type: ignore[arg-type]


def _notice(**changes: object) -> NoticeDocument:
    document = NoticeDocument(
        reference="DDTRO-2026-0042",
        provider="Provider One Limited",
        court="County Court at Exampleton",
        force="Example Constabulary",
        made_on=date(2026, 11, 25),
        compliance_due=datetime(2026, 12, 2, 23, 59, tzinfo=UTC),
        expires_on=None,
        items=ITEMS[:2],
        contact="County Lines Team, 01234 000000",
    )
    return replace(document, **changes)  # type: ignore[arg-type]


def _pages(pdf: bytes) -> list[str]:
    """Each page's text as PDFium extracts it, lines kept."""
    document = pdfium.PdfDocument(pdf)
    return [page.get_textpage().get_text_bounded().replace("\r\n", "\n") for page in document]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _numbers(text: str) -> list[int]:
    """The paragraph numbers that start lines, in reading order."""
    return [int(n) for n in re.findall(r"^\s*(\d+)\.\s", text, flags=re.MULTILINE)]


def _numbered(text: str) -> dict[int, str]:
    """Each numbered paragraph's text, up to the next number or heading, whitespace flattened."""
    parts = re.split(r"^\s*(\d+)\.\s", text, flags=re.MULTILINE)
    return {int(number): _flat(body) for number, body in zip(parts[1::2], parts[2::2], strict=True)}


# --- the application -----------------------------------------------------------------------------


def test_every_page_renders_with_ink_on_white(tmp_path: Path) -> None:
    document = pdfium.PdfDocument(application_pdf(_application()))
    for page in document:
        assert (round(page.get_width()), round(page.get_height())) == A4_POINTS
        pixels = page.render(scale=1).to_numpy()
        dark = (pixels[..., :3] < 128).all(axis=-1).mean()
        assert 0.002 < dark < 0.2, f"a page is blank or black ({dark:.4f} of it dark)"
    path = tmp_path / "application-page-1.png"
    document[0].render(scale=1.5).to_pil().save(path)
    with Image.open(path) as image:
        assert image.size == (round(595.28 * 1.5), round(841.89 * 1.5))


def test_paragraphs_are_numbered_one_run_across_test_evidence_and_terms() -> None:
    text = "\n".join(_pages(application_pdf(_application())))
    expected = len(TEST) + 4 + 2
    assert _numbers(text) == list(range(1, expected + 1))
    paragraphs = _numbered(text)
    assert paragraphs[1].startswith(TEST[0][0])
    assert "Answer two." in paragraphs[2]
    for n in range(1, 5):
        assert paragraphs[len(TEST) + n].startswith(f"Evidence {n} says")
    assert paragraphs[expected - 1].startswith("Term one")
    assert paragraphs[expected].startswith("Term two")


def test_each_paragraph_prints_the_exhibits_it_cites() -> None:
    paragraphs = _numbered("\n".join(_pages(application_pdf(_application()))))
    evidence = {n: paragraphs[len(TEST) + n] for n in range(1, 5)}
    assert "Exhibit: PS/1 (Call records)" in evidence[1]
    assert "Exhibits: PS/2 (Test purchases); PS/3 (Advert messages)" in evidence[2]
    assert "Exhibit" not in evidence[3]
    assert "Exhibit: PS/1" in evidence[4]


def test_the_schedule_lists_every_exhibit_at_the_end() -> None:
    text = _flat(" ".join(_pages(application_pdf(_application()))))
    schedule = text[text.index("Schedule of exhibits") :]
    assert text.index("Schedule of exhibits") > text.index("Term two")
    for exhibit in EXHIBITS:
        assert f"{exhibit.ref} {exhibit.title} {exhibit.description}" in schedule


def test_the_items_table_holds_every_identifier_and_wraps_long_ones() -> None:
    pdf = application_pdf(_application())
    text = _pages(pdf)[0]
    squeezed = re.sub(r"\s", "", text)
    for item in ITEMS:
        assert re.sub(r"\s", "", item.identifier) in squeezed
        assert item.provider in _flat(text)
    assert LONG_IDENTIFIER not in text, "the long identifier should wrap over several lines"
    textpage = pdfium.PdfDocument(pdf)[0].get_textpage()
    rightmost = max(textpage.get_charbox(i)[2] for i in range(textpage.count_chars()))
    assert rightmost <= RIGHT_MARGIN_X + 1, "text runs into the right margin"


def test_every_page_has_its_reference_and_page_n_of_m() -> None:
    pages = _pages(application_pdf(_application(evidence=_evidence(30))))
    assert len(pages) >= 3
    for number, text in enumerate(pages, start=1):
        assert f"Page {number} of {len(pages)}" in text
        assert "Ref: DDTRO-2026-0042" in text
        assert "OFFICIAL-SENSITIVE" in text


def test_a_long_application_flows_over_pages_and_the_numbers_run_on() -> None:
    pages = _pages(application_pdf(_application(evidence=_evidence(60))))
    assert len(pages) >= 5
    per_page = [_numbers(text) for text in pages]
    assert [n for numbers in per_page for n in numbers] == list(range(1, len(TEST) + 60 + 3))
    middle = [numbers for numbers in per_page[1:-1] if numbers]
    assert middle, "the evidence should fill the pages between the first and the last"
    assert all(later[0] > earlier[-1] for earlier, later in pairwise(middle))


def test_the_title_block_names_the_court_parties_and_law() -> None:
    text = _flat(_pages(application_pdf(_application()))[0])
    assert "COUNTY COURT AT EXAMPLETON" in text
    assert (
        "Drug Dealing Telecommunications Restriction Orders Regulations 2017, SI 2017/1240; "
        "Serious Crime Act 2015 s.80A"
    ) in text
    assert "Detective Superintendent A. Example, on behalf of Example Constabulary" in text
    assert "Application for an order" in text


def test_an_unauthorised_application_says_so_and_an_authorised_one_names_the_officer() -> None:
    unauthorised = _flat(" ".join(_pages(application_pdf(_application()))))
    assert unauthorised.count("not yet authorised") == 2  # the details and the signature block
    authorised = _flat(
        " ".join(_pages(application_pdf(_application(authoriser="Chief Superintendent B. Other"))))
    )
    assert "not yet authorised" not in authorised
    assert "Authorising officer Chief Superintendent B. Other Signed Date" in authorised
    assert "Statement of truth I believe that the facts stated in this application" in authorised


def test_user_text_with_markup_prints_literally() -> None:
    tricky = "<b>& not bold</b> &amp; <br/> 5 < 6"
    document = _application(
        court=f"Court {tricky}",
        test=((f"Question {tricky}", f"Answer {tricky}"),),
        evidence=(Paragraph(f"Heading {tricky}", f"Evidence {tricky}\nsecond line", ("PS/1",)),),
        requested_terms=(f"Term {tricky}",),
        exhibits=(Exhibit("PS/1", f"Title {tricky}", f"Description {tricky}"),),
        items=(OrderItemRow(f"Kind {tricky}", f"ID{tricky}", f"Provider {tricky}"),),
    )
    text = _flat(" ".join(_pages(application_pdf(document))))
    for label in ("Question", "Answer", "Heading", "Term", "Title", "Description", "Provider"):
        assert f"{label} {tricky}" in text
    assert f"Evidence {tricky} second line" in text
    assert f"COURT {tricky.upper()}" in text


def test_a_citation_of_an_exhibit_missing_from_the_schedule_is_refused() -> None:
    evidence = (Paragraph(None, "First."), Paragraph(None, "Second.", ("PS/9",)))
    with pytest.raises(InvalidInput, match="Evidence paragraph 2 cites an exhibit") as raised:
        application_pdf(_application(evidence=evidence))
    assert raised.value.errors.keys() == {"evidence"}
    assert "PS/9" not in str(raised.value)  # refs carry officers' initials


def test_two_exhibits_with_one_reference_are_refused() -> None:
    exhibits = (*EXHIBITS, Exhibit("PS/2", "Again", "The same reference twice."))
    with pytest.raises(InvalidInput, match="Exhibit 4 in the schedule repeats"):
        application_pdf(_application(exhibits=exhibits))


def test_the_same_document_gives_the_same_bytes() -> None:
    assert application_pdf(_application()) == application_pdf(_application())


# --- the notice to a provider --------------------------------------------------------------------


def test_the_notice_tells_the_provider_what_to_do_by_when() -> None:
    pages = _pages(notice_pdf(_notice()))
    text = _flat(" ".join(pages))
    assert len(pages) == 1
    assert "Page 1 of 1" in text
    assert "Ref: DDTRO-2026-0042" in text
    assert "To Provider One Limited From Example Constabulary" in text
    for item in ITEMS[:2]:
        assert f"{item.kind} {item.identifier}" in text
    assert "You must comply by 23:59 on Wednesday 2 December 2026 (UK time)" in text
    assert "agree an earlier time" in text
    assert "The order has effect until it is discharged by the court" in text
    assert "must still be able to reach the emergency services" in text
    assert "contact: County Lines Team, 01234 000000" in text
    assert _numbers(pages[0]) == [1, 2, 3, 4, 5]


def test_the_notice_gives_the_deadline_in_uk_summer_time_and_the_expiry_date() -> None:
    notice = _notice(
        compliance_due=datetime(2026, 6, 5, 16, 0, tzinfo=UTC), expires_on=date(2027, 6, 4)
    )
    text = _flat(" ".join(_pages(notice_pdf(notice))))
    assert "17:00 on Friday 5 June 2026 (UK time)" in text
    assert "The order lasts until 4 June 2027" in text
    assert "until it is discharged" not in text


def test_a_notice_listing_another_providers_item_is_refused() -> None:
    with pytest.raises(InvalidInput, match="Item 3 of the notice belongs to another provider"):
        notice_pdf(_notice(items=ITEMS))


def test_a_notice_without_items_is_refused() -> None:
    with pytest.raises(InvalidInput, match="at least one item"):
        notice_pdf(_notice(items=()))


def test_a_naive_compliance_time_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        notice_pdf(_notice(compliance_due=datetime(2026, 12, 2, 23, 59)))
