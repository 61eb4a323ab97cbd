"""The reference data orders rest on, loaded once and checked: ``data/*.yaml``.

Applicant ranks (DOMAIN.md §DDTRO.applicant), item kinds (§DDTRO.items),
providers (§DDTRO.statute), jurisdictions with their courts, compliance days
and bank holidays (§DDTRO.compliance), and expiry reminders (§DDTRO.duration).
A bad file stops start-up.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, Field

from crossline.comms.normalise import e164, imei_ok
from crossline.core.calendar import BANK_HOLIDAYS, working_days_end
from crossline.core.catalogue import load_catalogue, require_known
from crossline.core.errors import CatalogueError, InvalidInput

DATA_DIR = Path(__file__).parent / "data"


class ApplicantRank(BaseModel, frozen=True):
    id: str
    label: str
    organisation_kinds: tuple[str, ...]


class Check(StrEnum):
    E164 = "e164"
    IMEI = "imei"
    TEXT = "text"


class ItemKind(BaseModel, frozen=True):
    id: str
    label: str
    check: Check


class Provider(BaseModel, frozen=True):
    id: str
    label: str
    network: str


class Jurisdiction(BaseModel, frozen=True):
    id: str
    label: str
    court: str
    compliance_working_days: int = Field(ge=1, le=60)
    bank_holidays: str  # a core/data/bank_holidays.yaml id


class Reminder(BaseModel, frozen=True):
    id: str
    days_before: int = Field(ge=1, le=365)
    label: str


RANKS = load_catalogue(DATA_DIR / "applicant_ranks.yaml", ApplicantRank)
ITEM_KINDS = load_catalogue(DATA_DIR / "item_kinds.yaml", ItemKind)
PROVIDERS = load_catalogue(DATA_DIR / "providers.yaml", Provider)
JURISDICTIONS = load_catalogue(DATA_DIR / "jurisdictions.yaml", Jurisdiction)
REMINDERS = load_catalogue(DATA_DIR / "reminders.yaml", Reminder)


def _check() -> None:
    for rules in JURISDICTIONS.values():
        require_known(
            DATA_DIR / "jurisdictions.yaml",
            rules.id,
            "bank_holidays",
            rules.bank_holidays,
            set(BANK_HOLIDAYS),
        )
    networks = {p.id for p in PROVIDERS.values() if p.network == p.id}
    for provider in PROVIDERS.values():
        require_known(
            DATA_DIR / "providers.yaml", provider.id, "network", provider.network, networks
        )
    if "msisdn" not in ITEM_KINDS or "imei" not in ITEM_KINDS:
        raise CatalogueError("item_kinds.yaml: msisdn and imei must be there; lines hold them")


_check()


def checked_identifier(kind: str, raw: str, field: str) -> str:
    """An item's identifier as stored: E.164 for numbers, 15 checked digits for IMEIs."""
    if kind not in ITEM_KINDS:
        raise InvalidInput(
            f"Choose what the item is: {', '.join(k.label for k in ITEM_KINDS.values())}.",
            field=field,
        )
    check = ITEM_KINDS[kind].check
    text = raw.strip()
    if check is Check.E164:
        number = e164(text)
        if number is None:
            raise InvalidInput("Enter a phone number, like 07700 900123.", field=field)
        return number
    if check is Check.IMEI:
        digits = "".join(text.split())
        if not imei_ok(digits):
            raise InvalidInput(
                "Enter an IMEI of 15 digits whose last digit is its check digit.", field=field
            )
        return digits
    if not text:
        raise InvalidInput("Enter the identifier.", field=field)
    return text


def compliance_due(jurisdiction: str, made_on: date) -> datetime:
    """The end of the Nth working day after the date of the order, as a UTC instant.

    DOMAIN.md §DDTRO.compliance: by default a provider complies by the end of
    the 5th working day after the date of the order; working days leave out
    weekends and the jurisdiction's bank holidays. "The end" of a day is
    midnight at its close, UK time.
    """
    rules = JURISDICTIONS[jurisdiction]
    return working_days_end(
        rules.bank_holidays, made_on, rules.compliance_working_days, field="made_on"
    )
