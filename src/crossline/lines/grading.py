"""The grading of intelligence records: 3x5x2 (DOMAIN.md §GRADING).

A record stores the scheme's id beside its three codes, so that a later scheme
needs no migration (DOMAIN.md §GRADING, design). Code names a code by its
member here; records store the value (``1``, ``A``, ``P``); the labels are our
wording of DOMAIN.md's.
"""

from __future__ import annotations

from enum import StrEnum

SCHEME = "3x5x2"  # in use by February 2017, replacing 5x5x5


class SourceEvaluation(StrEnum):
    """How far the source is to be trusted (the 3)."""

    RELIABLE = "1"
    UNTESTED = "2"
    NOT_RELIABLE = "3"


class IntelligenceAssessment(StrEnum):
    """How the source came to know what it reports (the 5)."""

    KNOWN_DIRECTLY = "A"
    KNOWN_INDIRECTLY_CORROBORATED = "B"
    KNOWN_INDIRECTLY = "C"
    NOT_KNOWN = "D"
    SUSPECTED_FALSE = "E"


class HandlingCode(StrEnum):
    """Whether it may be shared, and on what terms (the 2)."""

    PERMITTED = "P"  # lawful sharing for a policing purpose and legitimate need
    CONDITIONS = "C"  # lawful sharing with conditions: specific handling instructions


LABELS: dict[StrEnum, str] = {
    SourceEvaluation.RELIABLE: "reliable",
    SourceEvaluation.UNTESTED: "untested",
    SourceEvaluation.NOT_RELIABLE: "not reliable",
    IntelligenceAssessment.KNOWN_DIRECTLY: "known directly to the source",
    IntelligenceAssessment.KNOWN_INDIRECTLY_CORROBORATED: "known indirectly, corroborated",
    IntelligenceAssessment.KNOWN_INDIRECTLY: "known indirectly",
    IntelligenceAssessment.NOT_KNOWN: "not known",
    IntelligenceAssessment.SUSPECTED_FALSE: "suspected false",
    HandlingCode.PERMITTED: "lawful sharing permitted",
    HandlingCode.CONDITIONS: "lawful sharing permitted with conditions",
}


def choices(codes: type[StrEnum]) -> str:
    """The codes of one axis with their meanings, for a message: ``1 (reliable), 2 (…)``."""
    return ", ".join(f"{code.value} ({LABELS[code]})" for code in codes)


def label(code: StrEnum) -> str:
    return LABELS[code]


def form_choices() -> dict[str, list[tuple[str, str]]]:
    """Each axis's codes as a form's radios offer them (``2: untested``), by the name of
    the context variable the grading fields (templates/lines/_grading_fields.html) read."""

    def options(codes: type[StrEnum]) -> list[tuple[str, str]]:
        return [(code.value, f"{code.value}: {label(code)}") for code in codes]

    return {
        "source_evaluations": options(SourceEvaluation),
        "intelligence_assessments": options(IntelligenceAssessment),
        "handling_codes": options(HandlingCode),
    }
