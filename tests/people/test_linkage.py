"""Linking person records: duplicates join, different people stay apart, every record once."""

from __future__ import annotations

import csv
import math
import tempfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossline.cli.main import app
from crossline.core.errors import InvalidInput
from crossline.people.linkage import (
    DEFAULT_THRESHOLD,
    PersonLinkage,
    link_person_records,
    read_person_records,
    write_pairs,
)
from tests.people.conftest import DIFFERENT_PEOPLE, DUPLICATES, PEOPLE, SAME_PERSON, write_records

runner = CliRunner()


@pytest.fixture(scope="module")
def linkage(tmp_path_factory: pytest.TempPathFactory) -> PersonLinkage:
    path = tmp_path_factory.mktemp("people") / "people.csv"
    write_records(path, [(*row, "") for row in PEOPLE + DUPLICATES])
    return link_person_records(read_person_records(path))


def _read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(("one", "other"), SAME_PERSON)
def test_obvious_duplicates_end_in_one_cluster(
    linkage: PersonLinkage, one: str, other: str
) -> None:
    assert linkage.clusters[one] == linkage.clusters[other]


@pytest.mark.parametrize(("one", "other"), DIFFERENT_PEOPLE)
def test_different_people_stay_apart(linkage: PersonLinkage, one: str, other: str) -> None:
    assert linkage.clusters[one] != linkage.clusters[other]


def test_every_record_has_one_cluster_in_input_order(linkage: PersonLinkage) -> None:
    assert list(linkage.clusters) == [row[0] for row in PEOPLE + DUPLICATES]
    assert linkage.cluster_count == len(PEOPLE)
    assert linkage.largest_cluster == 2
    # A record linked to nothing is a cluster of its own, named by its id.
    assert linkage.clusters["30"] == "30"


def test_a_pairs_weight_is_the_prior_plus_each_fields_contribution(
    linkage: PersonLinkage,
) -> None:
    assert {tuple(sorted((p.record_id_l, p.record_id_r))) for p in linkage.pairs} == {
        tuple(sorted(pair)) for pair in SAME_PERSON
    }
    for pair in linkage.pairs:
        weights = sum(c.match_weight for c in pair.contributions)
        assert pair.match_weight == pytest.approx(linkage.prior_match_weight + weights)
        odds = 2**pair.match_weight
        assert pair.match_probability == pytest.approx(odds / (1 + odds))
        assert [c.field for c in pair.contributions] == list(linkage.fields)
    typo = next(p for p in linkage.pairs if {p.record_id_l, p.record_id_r} == {"1", "101"})
    levels = {c.field: c.level for c in typo.contributions}
    assert levels["first_name"] == "Jaro-Winkler similarity ≥ 0.92"
    assert levels["dob"] == "Exact match"
    no_gender = next(p for p in linkage.pairs if {p.record_id_l, p.record_id_r} == {"2", "102"})
    assert {c.field: c.level for c in no_gender.contributions}["gender"] == "Empty in one or both"


def test_names_swapped_a_short_form_and_day_and_month_swapped_have_their_levels(
    tmp_path: Path,
) -> None:
    rows = [(*row, "") for row in PEOPLE + DUPLICATES]
    rows += [
        ("105", "Jones", "Amelia", "1985-07-02", "M1 1AE", "F", ""),  # names swapped, of 2
        ("106", "George", "Evans", "12/01/1988", "L1 8JQ", "M", ""),  # 1988-01-12, of 8
        ("107", "Tom", "Walker", "1983-08-15", "NG1 5FT", "M", ""),  # Thomas, of 12
    ]
    linkage = link_person_records(read_person_records(write_records(tmp_path / "p.csv", rows)))
    pairs = {frozenset((p.record_id_l, p.record_id_r)): p for p in linkage.pairs}
    swapped = {c.field: c for c in pairs[frozenset(("2", "105"))].contributions}
    assert swapped["first_name"].level == "Names swapped with surname"
    assert swapped["first_name"].match_weight > 0
    assert swapped["surname"].level == "Names swapped (weighed with the first name)"
    assert swapped["surname"].match_weight == pytest.approx(0)
    month_first = {c.field: c for c in pairs[frozenset(("8", "106"))].contributions}
    assert month_first["dob"].level == "Day and month swapped"
    short_form = {c.field: c for c in pairs[frozenset(("12", "107"))].contributions}
    assert short_form["first_name"].level == "Same name in another form (Bob, Robert)"
    assert short_form["first_name"].match_weight > 0
    assert linkage.clusters["107"] != linkage.clusters["13"]  # Henry Walker, at one address


def test_a_name_written_in_the_other_names_field_has_its_level(tmp_path: Path) -> None:
    rows = [(*row, "") for row in PEOPLE + DUPLICATES]
    # Isla Brown's surname written as her first name, her surname left blank.
    rows += [("108", "Brown", "", "1979-01-19", "CF10 1EP", "F", "")]
    linkage = link_person_records(
        read_person_records(write_records(tmp_path / "p.csv", rows)), threshold=1e-300
    )
    pairs = {frozenset((p.record_id_l, p.record_id_r)): p for p in linkage.pairs}
    levels = {c.field: c.level for c in pairs[frozenset(("4", "108"))].contributions}
    assert levels["first_name"] == "Written in the other name's field"
    assert levels["surname"] == "Empty in one or both"


def test_pairs_without_evidence_are_dropped_but_counted_as_scored(people_file: Path) -> None:
    records = read_person_records(people_file)
    every_pair = link_person_records(records, threshold=1e-300)
    default = link_person_records(records)
    assert default.pairs_scored == every_pair.pairs_scored == len(every_pair.pairs)
    assert default.clusters == link_person_records(records, threshold=0.5).clusters
    # The same prior either way: the pairs dropped carried no evidence for a match.
    assert default.prior_match_weight == pytest.approx(every_pair.prior_match_weight, abs=0.05)
    strong = {(p.record_id_l, p.record_id_r): p.match_weight for p in default.pairs}
    assert all(
        p.match_weight == pytest.approx(strong[(p.record_id_l, p.record_id_r)], abs=0.05)
        for p in every_pair.pairs
        if (p.record_id_l, p.record_id_r) in strong
    )


def test_linkage_works_within_a_memory_limit_and_leaves_no_files(
    people_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = read_person_records(people_file)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    linkage = link_person_records(records, memory_limit="200MB")
    assert linkage.clusters["1"] == linkage.clusters["101"]
    assert list(work.iterdir()) == []


def test_a_memory_limit_duckdb_cannot_read_is_refused(people_file: Path) -> None:
    records = read_person_records(people_file)
    with pytest.raises(InvalidInput, match="'lots' is not a memory limit"):
        link_person_records(records, memory_limit="lots")


def test_pairs_file_has_a_level_and_weight_per_field(
    linkage: PersonLinkage, tmp_path: Path
) -> None:
    write_pairs(linkage, tmp_path / "pairs.csv")
    rows = _read_csv(tmp_path / "pairs.csv")
    assert len(rows) == len(linkage.pairs)
    for row in rows:
        fields = sum(float(row[f"{field}_weight"]) for field in linkage.fields)
        assert math.isclose(
            float(row["match_weight"]), float(row["prior_weight"]) + fields, abs_tol=0.01
        )
        assert all(row[f"{field}_level"] for field in linkage.fields)


def test_a_field_empty_throughout_is_not_compared(tmp_path: Path) -> None:
    rows = [(*row[:5], "", "") for row in PEOPLE + DUPLICATES]
    linkage = link_person_records(read_person_records(write_records(tmp_path / "p.csv", rows)))
    assert linkage.fields == ("first_name", "surname", "dob", "postcode")
    assert linkage.clusters["1"] == linkage.clusters["101"]


def test_a_threshold_that_is_not_a_probability_is_refused(tmp_path: Path) -> None:
    records = read_person_records(write_records(tmp_path / "p.csv", [(*r, "") for r in PEOPLE]))
    with pytest.raises(InvalidInput, match=r"above 0 and at most 1, not 1\.5"):
        link_person_records(records, threshold=1.5)


def test_too_few_records_to_learn_from_are_refused(tmp_path: Path) -> None:
    records = read_person_records(write_records(tmp_path / "p.csv", [(*r, "") for r in PEOPLE[:5]]))
    with pytest.raises(InvalidInput, match=r"There are 5 records; .* needs at least 20"):
        link_person_records(records)


# --- the command line ----------------------------------------------------------------------------


def test_link_command_writes_every_record_once_and_the_pairs(
    people_file: Path, tmp_path: Path
) -> None:
    out, pairs = tmp_path / "clusters.csv", tmp_path / "pairs.csv"
    result = runner.invoke(
        app, ["people", "link", str(people_file), "--out", str(out), "--pairs", str(pairs)]
    )
    assert result.exit_code == 0, result.output
    clusters = _read_csv(out)
    assert [row["record_id"] for row in clusters] == [row[0] for row in PEOPLE + DUPLICATES]
    assert len({row["cluster_id"] for row in clusters}) == len(PEOPLE)
    assert len(_read_csv(pairs)) == len(SAME_PERSON)
    assert f"{len(PEOPLE + DUPLICATES)} records" in result.output
    assert f"{len(PEOPLE)} clusters" in result.output
    assert "the largest has 2 records" in result.output


def test_link_command_with_a_strict_threshold_links_less(people_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "clusters.csv"
    result = runner.invoke(
        app, ["people", "link", str(people_file), "--out", str(out), "--threshold", "1"]
    )
    assert result.exit_code == 0, result.output
    assert len({row["cluster_id"] for row in _read_csv(out)}) == len(PEOPLE + DUPLICATES)


def test_link_command_help_gives_the_default_threshold() -> None:
    result = runner.invoke(app, ["people", "link", "--help"])
    assert f"default {DEFAULT_THRESHOLD:g}" in " ".join(result.output.split())


def test_link_command_names_missing_columns_and_exits_1(tmp_path: Path) -> None:
    path = write_records(tmp_path / "p.csv", [("1", "Ann")], ("id", "first_name"))
    result = runner.invoke(app, ["people", "link", str(path), "--out", str(tmp_path / "c.csv")])
    assert result.exit_code == 1
    assert "lacks the column(s) record_id, surname, dob, postcode, gender" in result.output
    assert not (tmp_path / "c.csv").exists()


def test_link_command_refuses_an_output_folder_that_is_not_there(
    people_file: Path, tmp_path: Path
) -> None:
    out = tmp_path / "missing" / "clusters.csv"
    result = runner.invoke(app, ["people", "link", str(people_file), "--out", str(out)])
    assert result.exit_code == 1
    assert "is not a folder" in result.output


def test_link_command_refuses_an_engine_it_does_not_know(people_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "clusters.csv"
    command = ["people", "link", str(people_file), "--out", str(out), "--engine", "sqlite"]
    result = runner.invoke(app, command)
    assert result.exit_code == 1
    assert "--engine is duckdb or spark, not 'sqlite'" in result.output
    assert not out.exists()
