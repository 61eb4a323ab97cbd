"""The page of every PDF Crossline makes: A4, an embedded font, the security marking at
top and bottom, a running title and reference, and "Page N of M" (reportlab).

Documents (DDTRO applications and notices, the legal summary) build their own
story of flowables and hand it to :func:`render` with their margins.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, SimpleDocTemplate, Table, TableStyle

FONT = "Vera"
FRAME_PADDING = 12  # a frame's 6 pt padding each side


@dataclass(frozen=True)
class Page:
    """Margins, and what runs along the top of every page."""

    left: float
    right: float = 2 * cm
    top: float = 2.6 * cm
    bottom: float = 2.2 * cm
    running_title_size: float = 8.5

    @property
    def width(self) -> float:
        """The width text may take between the margins."""
        return float(A4[0] - self.left - self.right - FRAME_PADDING)


@cache
def register_fonts() -> None:
    """Bitstream Vera ships inside reportlab; embedded, a PDF looks the same in every viewer
    and printer, where the 14 standard fonts vary."""
    for name, file in [
        ("", "Vera"),
        ("-Bold", "VeraBd"),
        ("-Italic", "VeraIt"),
        ("-BoldItalic", "VeraBI"),
    ]:
        pdfmetrics.registerFont(TTFont(f"{FONT}{name}", f"{file}.ttf"))
    pdfmetrics.registerFontFamily(
        FONT,
        normal=FONT,
        bold=f"{FONT}-Bold",
        italic=f"{FONT}-Italic",
        boldItalic=f"{FONT}-BoldItalic",
    )


def render(
    story: list[Flowable],
    page: Page,
    *,
    reference: str,
    marking: str,
    running_title: str,
    title: str,
    author: str,
) -> bytes:
    """The PDF of ``story``: the same story gives the same bytes (no timestamp or id)."""
    register_fonts()
    buffer = io.BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=page.left,
        rightMargin=page.right,
        topMargin=page.top,
        bottomMargin=page.bottom,
        title=title,
        author=author,
        creator="Crossline",
        lang="en-GB",
        invariant=1,
    )
    header = _header(page, reference, marking, running_title)
    template.build(
        story, onFirstPage=header, onLaterPages=header, canvasmaker=_numbered_canvas(page)
    )
    return buffer.getvalue()


def _header(
    page: Page, reference: str, marking: str, running_title: str
) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, _template: Any) -> None:
        width, height = A4
        canvas.saveState()
        canvas.setFont(f"{FONT}-Bold", 9)
        canvas.drawCentredString(width / 2, height - 1.1 * cm, marking)
        canvas.drawCentredString(width / 2, 0.9 * cm, marking)
        canvas.setFont(FONT, page.running_title_size)
        canvas.drawString(page.left, height - 1.7 * cm, running_title)
        canvas.drawRightString(width - page.right, height - 1.7 * cm, f"Ref: {reference}")
        canvas.setLineWidth(0.4)
        canvas.line(page.left, height - 1.85 * cm, width - page.right, height - 1.85 * cm)
        canvas.restoreState()

    return draw


def _numbered_canvas(page: Page) -> type[Canvas]:
    class NumberedCanvas(Canvas):  # type: ignore[misc]  # reportlab has no type hints
        """A canvas that holds every page until the end, to print "Page N of M" on each."""

        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._held: list[dict[str, Any]] = []

        def showPage(self) -> None:  # noqa: N802  (reportlab's name)
            self._held.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._held)
            for state in self._held:
                self.__dict__.update(state)
                self.setFont(FONT, 9)
                self.drawRightString(
                    A4[0] - page.right, 1.4 * cm, f"Page {self._pageNumber} of {total}"
                )
                super().showPage()
            super().save()

    return NumberedCanvas


@dataclass(frozen=True)
class TextSizes:
    """Font sizes and leading of a document's body, subtitle and table cells, in points."""

    body: float = 10.5
    leading: float = 15
    subtitle: float = 11.5
    subtitle_leading: float = 16
    cell: float = 9.5
    cell_leading: float = 12.5


def styles(prefix: str, sizes: TextSizes) -> dict[str, ParagraphStyle]:
    """The paragraph styles every document uses: body, numbered, heading, title, subtitle
    and table cell; ``prefix`` keeps each document's style names apart."""
    register_fonts()
    body = ParagraphStyle(
        f"{prefix}body",
        fontName=FONT,
        fontSize=sizes.body,
        leading=sizes.leading,
        spaceAfter=6,
        allowWidows=0,
    )
    return {
        "body": body,
        "numbered": ParagraphStyle(
            f"{prefix}numbered",
            parent=body,
            leftIndent=1.1 * cm,
            bulletIndent=0,
            bulletFontName=FONT,
        ),
        "heading": ParagraphStyle(
            f"{prefix}heading",
            parent=body,
            fontName=f"{FONT}-Bold",
            fontSize=12,
            leading=16,
            spaceBefore=10,
            keepWithNext=1,
        ),
        "title": ParagraphStyle(
            f"{prefix}title",
            parent=body,
            fontName=f"{FONT}-Bold",
            fontSize=15,
            leading=20,
            alignment=TA_CENTER,
        ),
        "subtitle": ParagraphStyle(
            f"{prefix}subtitle",
            parent=body,
            fontSize=sizes.subtitle,
            leading=sizes.subtitle_leading,
            alignment=TA_CENTER,
            spaceAfter=10,
        ),
        "cell": ParagraphStyle(
            f"{prefix}cell",
            parent=body,
            fontSize=sizes.cell,
            leading=sizes.cell_leading,
            spaceAfter=0,
        ),
    }


def grid(data: list[list[Flowable]], widths: tuple[float | None, ...], page: Page) -> Flowable:
    """A table of ``data`` (its first row the heading, repeated on each page) in a grey grid.

    A width of None shares what the fixed widths leave of the page; a long cell may
    flow on to the next page inside its row.
    """
    fixed = sum(w for w in widths if w is not None)
    flexible = sum(1 for w in widths if w is None)
    col_widths = [w if w is not None else (page.width - fixed) / flexible for w in widths]
    table = Table(
        data,
        colWidths=col_widths,
        repeatRows=1,
        splitInRow=1,
        hAlign="LEFT",
        spaceBefore=2,
        spaceAfter=8,
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
            ]
        )
    )
    return table
