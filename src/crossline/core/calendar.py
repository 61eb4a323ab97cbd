"""Working days: weekdays that are not a bank holiday of the jurisdiction.

Time limits counted in working days (DOMAIN.md §DDTRO.compliance, §NRM.rg)
end at midnight at the close of the last working day, UK time. Bank holidays
are reference data in ``data/bank_holidays.yaml``; a date past the last year
held is refused rather than counted wrongly.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from crossline.core.catalogue import load_catalogue
from crossline.core.errors import InvalidInput

UK = ZoneInfo("Europe/London")
DATA_DIR = Path(__file__).parent / "data"


class BankHolidays(BaseModel, frozen=True):
    id: str
    label: str
    days: tuple[date, ...]


BANK_HOLIDAYS = load_catalogue(DATA_DIR / "bank_holidays.yaml", BankHolidays)


def working_days_end(jurisdiction: str, start: date, working_days: int, *, field: str) -> datetime:
    """The end (midnight at its close, UK time) of the ``working_days``-th working day
    after ``start``, as a UTC instant. ``field`` names the form field a refusal is about."""
    holidays = BANK_HOLIDAYS[jurisdiction]
    held = set(holidays.days)
    last_year = max(held).year
    if start.year > last_year:
        raise InvalidInput(
            f"Crossline holds {holidays.label}'s bank holidays only to {last_year}; "
            "ask your administrator to add the later ones (core/data/bank_holidays.yaml).",
            field=field,
        )
    day, counted = start, 0
    while counted < working_days:
        day += timedelta(days=1)
        if day.weekday() < 5 and day not in held:
            counted += 1
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=UK).astimezone(UTC)


def uk_date(moment: datetime) -> date:
    """The calendar date in the UK at ``moment``."""
    return moment.astimezone(UK).date()
