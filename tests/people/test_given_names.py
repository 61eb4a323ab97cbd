"""Given names and their other forms: the catalogue, and each record's entries."""

from __future__ import annotations

import pyarrow as pa
import pytest

from crossline.people.linkage.given_names import (
    FORMS_COLUMN,
    GIVEN_NAMES,
    name_forms,
    with_name_forms,
)


def test_the_catalogue_loads_and_no_name_is_its_own_other_form() -> None:
    assert "robert" in GIVEN_NAMES
    for entry in GIVEN_NAMES.values():
        assert entry.id not in entry.forms, entry.id
        assert len(set(entry.forms)) == len(entry.forms), entry.id


@pytest.mark.parametrize(
    ("first_name", "entries"),
    [
        ("bob", ["robert"]),
        ("robert", ["robert"]),
        ("steven", ["stephen"]),  # another spelling
        ("sam", ["samantha", "samuel"]),  # a short form of two names
        ("samuel", ["samuel"]),  # so Samuel and Samantha stay apart
        ("tom james", ["thomas"]),  # the first given name
        ("zebedee", None),
        (None, None),
    ],
)
def test_a_first_name_belongs_to_the_entries_that_hold_it(
    first_name: str | None, entries: list[str] | None
) -> None:
    assert name_forms(first_name) == entries


def test_each_record_gets_its_entries_as_a_list_column() -> None:
    records = pa.table({"record_id": ["1", "2", "3"], "first_name": ["bob", None, "bob"]})
    column = with_name_forms(records).column(FORMS_COLUMN).to_pylist()
    assert column == [["robert"], None, ["robert"]]
