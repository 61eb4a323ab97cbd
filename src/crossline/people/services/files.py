"""Person records from a CSV file, as an organisation exports them, ready to import.

The layout is linkage's (``record_id, first_name, surname, dob, postcode,
gender``; docs/people.md) with an optional ``phone_numbers`` column (numbers
separated by ``;`` or ``,`` inside the quoted value). ``record_id`` becomes the
organisation's reference. A row that cannot be a record is reported with its
line number and why; the others are kept.
"""

from __future__ import annotations

import csv
from datetime import date, datetime
from pathlib import Path

from pydantic import ValidationError

from crossline.core.errors import InvalidInput
from crossline.people.linkage.records import DATE_FORMATS, LAYOUT
from crossline.people.schemas import PersonRecordIn


def read_records_file(path: Path) -> tuple[list[tuple[int, PersonRecordIn]], dict[int, str]]:
    """The file's records with their line numbers, and why each bad line is bad.

    The header is line 1.
    """
    if not path.is_file():
        raise InvalidInput(f"{path} is not a file. Give a CSV file of person records.")
    try:
        with path.open(newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            columns = {(name or "").strip().lower(): name for name in reader.fieldnames or []}
            missing = [c for c in LAYOUT if c not in columns]
            if missing:
                raise InvalidInput(
                    f"{path.name} has no column {', '.join(missing)}. Person records need the "
                    f"columns {', '.join(LAYOUT)} (values may be empty but for record_id)."
                )
            found: list[tuple[int, PersonRecordIn]] = []
            bad: dict[int, str] = {}
            for row in reader:
                line = reader.line_num
                values = {key: (row.get(name) or "").strip() for key, name in columns.items()}
                try:
                    found.append((line, _record(values)))
                except ValueError as exc:
                    bad[line] = str(exc)
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path.name} is not UTF-8 text: save it as UTF-8 CSV.") from exc
    return found, bad


def _record(values: dict[str, str]) -> PersonRecordIn:
    if not values["record_id"]:
        raise ValueError("no record_id: every record needs its reference")
    dob = _date(values["dob"]) if values["dob"] else None
    numbers = [n.strip() for n in values.get("phone_numbers", "").replace(";", ",").split(",")]
    try:
        return PersonRecordIn(
            reference=values["record_id"],
            first_name=values["first_name"] or None,
            surname=values["surname"] or None,
            dob=dob,
            postcode=values["postcode"] or None,
            gender=values["gender"] or None,
            phone_numbers=[n for n in numbers if n],
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "record"
        raise ValueError(f"{field}: {first['msg']}") from exc


def _date(text: str) -> date:
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(
        f"dob {text!r} is not a date Crossline reads (such as 1987-04-03 or 03/04/1987)"
    )
