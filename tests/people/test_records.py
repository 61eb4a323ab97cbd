"""Reading person records: the layout's errors, and normalisation so records compare alike."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crossline.core.errors import InvalidInput
from crossline.people.linkage import LAYOUT, read_person_records
from tests.people.conftest import write_records


def _one(tmp_path: Path, **values: str) -> dict[str, str | None]:
    row = {"record_id": "1", "first_name": "", "surname": "", "dob": "", "postcode": ""}
    row |= {"gender": ""} | values
    path = write_records(tmp_path / "one.csv", [tuple(row.values())], tuple(row))
    records: list[dict[str, str | None]] = read_person_records(path).to_pylist()
    return records[0]


def test_missing_columns_are_all_named(tmp_path: Path) -> None:
    path = write_records(tmp_path / "p.csv", [("1", "Ann", "x")], ("record_id", "forename", "x"))
    with pytest.raises(InvalidInput, match="lacks the column") as error:
        read_person_records(path)
    for column in ("first_name", "surname", "dob", "postcode", "gender"):
        assert column in error.value.message
    assert "forename" not in error.value.message.split("lacks")[1].split(".")[0]


def test_extra_columns_are_ignored_and_headers_matched_without_case(tmp_path: Path) -> None:
    header = ("Record_ID", "notes", "First_Name", "SURNAME", "dob", "postcode", "gender")
    path = write_records(tmp_path / "p.csv", [("7", "seen", "Ann", "Lee", "", "", "")], header)
    table = read_person_records(path)
    assert tuple(table.column_names) == LAYOUT
    assert table.to_pylist()[0]["first_name"] == "ann"


def test_empty_values_become_null(tmp_path: Path) -> None:
    record = _one(tmp_path, first_name="  ", surname="", postcode=" ")
    assert record == {
        "record_id": "1",
        "first_name": None,
        "surname": None,
        "dob": None,
        "postcode": None,
        "gender": None,
    }


def test_names_are_lower_cased_and_trimmed(tmp_path: Path) -> None:
    record = _one(tmp_path, first_name="  Mary  Ann ", surname="O'BRIEN ")
    assert (record["first_name"], record["surname"]) == ("mary ann", "o'brien")


@pytest.mark.parametrize("written", ["Unknown", "NOT KNOWN", "N/K", "fnu", "xxx", " ? "])
def test_a_name_that_says_it_is_not_known_becomes_null(tmp_path: Path, written: str) -> None:
    record = _one(tmp_path, first_name=written, surname=written)
    assert (record["first_name"], record["surname"]) == (None, None)


def test_a_name_that_only_contains_a_placeholder_word_is_kept(tmp_path: Path) -> None:
    assert _one(tmp_path, surname="Noname")["surname"] == "noname"


def test_postcodes_are_upper_cased_without_spaces(tmp_path: Path) -> None:
    assert _one(tmp_path, postcode=" sw1a  1aa")["postcode"] == "SW1A1AA"


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("1987-04-03", "1987-04-03"),
        ("19870403", "1987-04-03"),
        ("03/04/1987", "1987-04-03"),  # DD/MM/YYYY, as British records write it
        ("3/4/1987", "1987-04-03"),
        ("03.04.1987", "1987-04-03"),
        ("3 April 1987", "1987-04-03"),
        ("1987/04/03", "1987-04-03"),
        ("1987-04-03 00:00:00", "1987-04-03"),
        ("31/02/1987", None),  # no such day
        ("03/04/87", None),  # which century?
        ("not known", None),
    ],
)
def test_dates_of_birth_become_iso_or_null(tmp_path: Path, written: str, iso: str | None) -> None:
    assert _one(tmp_path, dob=written)["dob"] == iso


@pytest.mark.parametrize(
    ("written", "gender"),
    [("M", "m"), ("male", "m"), ("Female", "f"), ("f", "f"), ("Unknown", None), ("X", "x")],
)
def test_gender_is_m_or_f_when_it_says_so(tmp_path: Path, written: str, gender: str | None) -> None:
    assert _one(tmp_path, gender=written)["gender"] == gender


def test_record_ids_keep_leading_zeros(tmp_path: Path) -> None:
    assert _one(tmp_path, record_id="007")["record_id"] == "007"


def test_parquet_with_typed_columns_is_read(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    table = pa.table(
        {
            "record_id": [1, 2],
            "first_name": ["Ann", None],
            "surname": ["Lee", "Khan"],
            "dob": [date(1990, 1, 2), None],
            "postcode": ["m1 1ae", None],
            "gender": ["F", None],
            "force": ["a", "b"],
        }
    )
    pq.write_table(table, path)
    records = read_person_records(path).to_pylist()
    assert records[0] == {
        "record_id": "1",
        "first_name": "ann",
        "surname": "lee",
        "dob": "1990-01-02",
        "postcode": "M11AE",
        "gender": "f",
    }
    assert records[1]["dob"] is None


def test_a_repeated_record_id_is_refused_naming_it(tmp_path: Path) -> None:
    rows = [("a1", "Ann", "", "", "", ""), ("b2", "", "", "", "", ""), ("a1", "", "", "", "", "")]
    path = write_records(tmp_path / "p.csv", rows, LAYOUT)
    with pytest.raises(InvalidInput, match="'a1' is used by records 1 and 3"):
        read_person_records(path)


def test_a_record_without_an_id_is_refused(tmp_path: Path) -> None:
    rows = [("a1", "Ann", "", "", "", ""), (" ", "Bob", "", "", "", "")]
    path = write_records(tmp_path / "p.csv", rows, LAYOUT)
    with pytest.raises(
        InvalidInput, match=r"1 record\(s\) have no record_id, the first in record 2"
    ):
        read_person_records(path)


def test_an_empty_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(InvalidInput, match=r"empty\.csv is empty"):
        read_person_records(empty)
    with pytest.raises(InvalidInput, match="is not a file"):
        read_person_records(tmp_path)


def test_a_file_that_is_not_parquet_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "people.parquet"
    path.write_text("record_id\n1\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"people\.parquet could not be read as Parquet"):
        read_person_records(path)
