"""Blocking keys: Soundex codes, the date of birth either way round, and the cap on a block."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from crossline.people.linkage import LAYOUT, read_person_records
from crossline.people.linkage.blocking import (
    BLOCKING_KEYS,
    MAX_BLOCK,
    first_given_name_soundex,
    keys_for,
    rule_conditions,
    soundex,
    with_blocking_keys,
)
from tests.people.conftest import write_records

ALL_FIELDS = ["first_name", "surname", "dob", "postcode", "gender"]


@pytest.mark.parametrize(
    ("name", "code"),
    [
        # The US census's own examples of the standard.
        ("robert", "R163"),
        ("rupert", "R163"),
        ("rubin", "R150"),
        ("ashcraft", "A261"),  # s and c, one sound across the h
        ("tymczak", "T522"),  # c and z one digit; the k after a vowel counts again
        ("pfister", "P236"),  # f sounds as the first letter, p
        ("honeyman", "H555"),
        # Misspellings that keep the sound keep the code.
        ("rowe", "R000"),
        ("rwoe", "R000"),
        ("smith", "S530"),
        ("smyth", "S530"),
        ("o'brien", "O165"),  # anything but letters is ignored
        ("josé", "J200"),  # accents removed
        ("łukasz", "L220"),  # letters Unicode does not decompose
        ("", None),
        ("123", None),
        (None, None),
    ],
)
def test_soundex_codes_names_by_sound(name: str | None, code: str | None) -> None:
    assert soundex(name) == code


def test_a_first_name_keys_by_its_first_given_name() -> None:
    assert first_given_name_soundex("mary ann") == first_given_name_soundex("mary") == "M600"
    assert first_given_name_soundex(None) is None


def _keyed(tmp_path: Path, rows: list[tuple[str, ...]]) -> list[dict[str, str | None]]:
    records = read_person_records(write_records(tmp_path / "p.csv", rows, LAYOUT))
    table: pa.Table = with_blocking_keys(records, ALL_FIELDS)
    keyed: list[dict[str, str | None]] = table.to_pylist()
    return keyed


def test_a_date_typed_month_first_shares_the_date_of_births_key(tmp_path: Path) -> None:
    rows = [
        ("1", "Ann", "Lee", "1987-04-03", "", ""),
        ("2", "Ann", "Lee", "1987-03-04", "", ""),  # day and month swapped
        ("3", "Ann", "Lee", "1987-04-13", "", ""),  # 13 cannot be a month: no other reading
    ]
    keys = [record["block_dob"] for record in _keyed(tmp_path, rows)]
    assert keys[0] == keys[1]
    assert keys[2] not in keys[:2]


def test_names_swapped_and_one_misspelt_meet_across_the_name_keys(tmp_path: Path) -> None:
    rows = [("1", "Norman", "Harrison", "", "", ""), ("2", "Harrison", "Norma", "", "", "")]
    one, other = _keyed(tmp_path, rows)
    assert one["block_surname_sound"] == other["block_first_name_sound"] == "H625 n"
    assert one["block_surname_sound"] != other["block_surname_sound"]
    isla, hall = _keyed(
        tmp_path, [("3", "Isla", "Hall", "", "", ""), ("4", "Hall", "Isla", "", "", "")]
    )
    assert isla["block_names_sound"] == hall["block_names_sound"] == "H400 I240"
    conditions = rule_conditions(ALL_FIELDS)
    assert "l.block_surname_sound = r.block_first_name_sound" in conditions
    assert "l.block_first_name_sound = r.block_surname_sound" in conditions


def test_a_name_in_the_other_names_field_meets_across_the_name_keys(tmp_path: Path) -> None:
    rows = [("1", "Mason", "", "", "", ""), ("2", "Sam", "Mason", "", "", "")]
    one, other = _keyed(tmp_path, rows)
    assert one["block_first_name"] == other["block_surname"] == "mason"
    assert one["block_surname_sound"] is None  # no initial to go with the sound
    conditions = rule_conditions(ALL_FIELDS)
    assert "l.block_surname = r.block_first_name" in conditions
    assert "l.block_first_name = r.block_surname" in conditions


def test_a_key_is_null_where_a_field_it_needs_is(tmp_path: Path) -> None:
    rows = [("1", "Ann", "", "1987-04-03", "M1 1AE", ""), ("2", "", "Lee", "", "", "")]
    no_surname, no_first_name_nor_dob = _keyed(tmp_path, rows)
    assert no_surname["block_surname_sound"] is None
    assert no_surname["block_first_name_birth_year"] == "ann 1987"
    assert no_surname["block_district_initials"] is None
    assert no_first_name_nor_dob["block_dob"] is None
    assert no_first_name_nor_dob["block_first_name_sound"] is None
    assert no_first_name_nor_dob["block_names_sound"] is None


def test_a_key_shared_by_more_than_max_block_people_is_not_blocked_on(tmp_path: Path) -> None:
    # A placeholder date of birth on the records of many different people.
    rows = [(str(i), f"N{i}", f"S{i}", "1900-01-01", "", "") for i in range(MAX_BLOCK + 1)]
    rows += [("a", "Ann", "Lee", "1987-04-03", "", ""), ("b", "Bob", "Kay", "1987-04-03", "", "")]
    keyed = _keyed(tmp_path, rows)
    assert {record["block_dob"] for record in keyed[: MAX_BLOCK + 1]} == {None}
    assert keyed[-1]["block_dob"] == keyed[-2]["block_dob"] is not None
    assert [record["record_id"] for record in keyed] == [row[0] for row in rows]


def test_one_persons_many_records_are_still_blocked_together(tmp_path: Path) -> None:
    # A prolific person's records, written alike, are one person to the cap.
    rows = [(str(i), "Ann", "Lee", "1987-04-03", "", "") for i in range(MAX_BLOCK + 10)]
    keyed = _keyed(tmp_path, rows)
    assert len({record["block_dob"] for record in keyed}) == 1
    assert keyed[0]["block_dob"] is not None


def test_keys_need_only_the_fields_compared() -> None:
    without_postcode = keys_for(["first_name", "surname", "dob"])
    assert "block_postcode" not in {key.column for key in without_postcode}
    assert len(keys_for(ALL_FIELDS)) == len(BLOCKING_KEYS)
    assert keys_for(["gender"]) == []
    assert len(rule_conditions(ALL_FIELDS)) == len(BLOCKING_KEYS) + 4  # and names swapped
    assert not any("surname" in c for c in rule_conditions(["first_name", "dob"]))
