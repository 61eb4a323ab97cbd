"""Person records for the linkage tests: a small hand-made file with known duplicates."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

HEADER = ("record_id", "first_name", "surname", "dob", "postcode", "gender", "note")

# Made up for these tests. Ids 1-30 are thirty different people, several with a
# relative beside them (same surname and postcode, different first name and
# date of birth); ids 101-104 are second records of four of them.
PEOPLE = [
    ("1", "Oliver", "Smith", "1990-03-14", "LS1 4AP", "M"),
    ("2", "Amelia", "Jones", "1985-07-02", "M1 1AE", "F"),
    ("3", "Harry", "Taylor", "2001-11-30", "B33 8TH", "M"),
    ("4", "Isla", "Brown", "1979-01-19", "CF10 1EP", "F"),
    ("5", "Jack", "Williams", "1995-05-05", "NE1 7RU", "M"),
    ("6", "Jack", "Wilson", "1962-09-23", "SW1A 1AA", "M"),
    ("7", "Grace", "Davies", "2003-02-11", "BS1 5TR", "F"),
    ("8", "George", "Evans", "1988-12-01", "L1 8JQ", "M"),
    ("9", "Emily", "Thomas", "1999-06-18", "G2 3BZ", "F"),
    ("10", "Charlie", "Roberts", "1975-04-27", "EH1 1YZ", "M"),
    ("11", "Sophie", "Johnson", "1992-10-09", "S1 2HE", "F"),
    ("12", "Thomas", "Walker", "1983-08-15", "NG1 5FT", "M"),
    ("13", "Henry", "Walker", "1986-02-03", "NG1 5FT", "M"),
    ("14", "Mia", "Wright", "2005-03-03", "LE1 6ZG", "F"),
    ("15", "Jacob", "Robinson", "1970-11-11", "CB2 1TN", "M"),
    ("16", "Ella", "Thompson", "1997-02-28", "OX1 2JD", "F"),
    ("17", "Noah", "White", "1968-07-07", "PL1 2AA", "M"),
    ("18", "Ava", "Hughes", "2000-09-01", "HU1 2AA", "F"),
    ("19", "Leo", "Edwards", "1981-05-21", "DE1 1AA", "M"),
    ("20", "Freya", "Green", "1994-12-24", "YO1 7HH", "F"),
    ("21", "Oscar", "Hall", "1959-06-06", "BN1 1AA", "M"),
    ("22", "Lily", "Wood", "1987-03-17", "NR1 3QU", "F"),
    ("23", "Alfie", "Harris", "2002-01-08", "PE1 1AA", "M"),
    ("24", "Poppy", "Clarke", "1991-11-05", "CV1 2AA", "F"),
    ("25", "Isabella", "Lewis", "1973-10-10", "SO14 7DU", "F"),
    ("26", "Evie", "Young", "1998-04-04", "TR1 2AA", "F"),
    ("27", "Daisy", "Smith", "1993-08-30", "LS1 4AP", "F"),
    ("28", "Arthur", "Jones", "1958-02-14", "M1 1AE", "M"),
    ("29", "Ruby", "King", "2004-07-19", "SR1 3AA", "F"),
    ("30", "Theo", "Scott", "1984-09-12", "AB10 1AA", "M"),
]
DUPLICATES = [
    ("101", "Olivr", "Smith", "14/03/1990", "ls1 4ap", "male"),  # a typo, dates as DD/MM/YYYY
    ("102", "Amelia", "Jones", "1985-07-02", "M11AE", ""),  # no gender
    ("103", "Harry", "Tayler", "2001-11-30", "B33 8TH", "M"),  # surname misspelt
    ("104", "Grace", "Davies", "2003-02-11", "", "F"),  # no postcode
]
SAME_PERSON = [("1", "101"), ("2", "102"), ("3", "103"), ("7", "104")]
DIFFERENT_PEOPLE = [("12", "13"), ("5", "6"), ("1", "27"), ("2", "28")]


def write_records(
    path: Path, rows: list[tuple[str, ...]], header: tuple[str, ...] = HEADER
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


@pytest.fixture
def people_file(tmp_path: Path) -> Path:
    rows = [(*row, "") for row in PEOPLE + DUPLICATES]
    return write_records(tmp_path / "people.csv", rows)
