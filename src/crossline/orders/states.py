"""The kinds and states of applications and orders, and the steps allowed between them.

Fixed by the procedure (DOMAIN.md §DDTRO.statute, .duration), so they are code,
not configuration: an application is drafted, authorised by an officer of
eligible rank, listed for a hearing, and granted, refused or adjourned (an
adjourned one is listed again); it may be withdrawn before it is decided. An
order is in force until it expires or is discharged.
"""

from __future__ import annotations

from enum import StrEnum


class ApplicationKind(StrEnum):
    ORDER = "order"
    VARIATION = "variation"
    RENEWAL = "renewal"
    DISCHARGE = "discharge"


class ApplicationState(StrEnum):
    DRAFT = "draft"
    AUTHORISED = "authorised"
    LISTED = "listed"
    GRANTED = "granted"
    REFUSED = "refused"
    ADJOURNED = "adjourned"
    WITHDRAWN = "withdrawn"


class Outcome(StrEnum):
    """What the court decided at a hearing."""

    GRANTED = "granted"
    REFUSED = "refused"
    ADJOURNED = "adjourned"


class OrderState(StrEnum):
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    DISCHARGED = "discharged"


KIND_LABELS = {
    ApplicationKind.ORDER: "application for an order",
    ApplicationKind.VARIATION: "application to vary an order",
    ApplicationKind.RENEWAL: "application to renew an order",
    ApplicationKind.DISCHARGE: "application to discharge an order",
}

# From each state, the states a step may take an application to.
STEPS: dict[ApplicationState, frozenset[ApplicationState]] = {
    ApplicationState.DRAFT: frozenset({ApplicationState.AUTHORISED, ApplicationState.WITHDRAWN}),
    ApplicationState.AUTHORISED: frozenset({ApplicationState.LISTED, ApplicationState.WITHDRAWN}),
    ApplicationState.LISTED: frozenset(
        {
            ApplicationState.GRANTED,
            ApplicationState.REFUSED,
            ApplicationState.ADJOURNED,
            ApplicationState.WITHDRAWN,
        }
    ),
    ApplicationState.ADJOURNED: frozenset({ApplicationState.LISTED, ApplicationState.WITHDRAWN}),
    ApplicationState.GRANTED: frozenset(),
    ApplicationState.REFUSED: frozenset(),
    ApplicationState.WITHDRAWN: frozenset(),
}


def may_step(current: ApplicationState, new: ApplicationState) -> bool:
    return new in STEPS[current]
