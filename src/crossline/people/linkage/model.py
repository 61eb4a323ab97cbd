"""The Splink model of person linkage: its comparisons, blocking rules and training.

Fellegi-Sunter, as Splink implements it: for each pair of records every field
is compared at one of a few levels (exact, a close spelling, ...), each level
has an m probability (how often two records of the same person fall in it)
and a u probability (how often two records of different people do), and the
pair's match weight is the prior's weight plus, for each field, log2(m/u).

Nothing here reads labels. u comes from comparing random pairs (almost all
of them different people); m from expectation maximisation over pairs that
share a date of birth, or both names, or a postcode; the prior (how likely two
records picked at random are one person) from the scored pairs themselves
(estimate_prior). So the same code fits any file in the layout.

Only fields with at least two different values in the file are compared: a
column that is empty throughout (FEBRL has no gender) says nothing, and
Splink cannot estimate levels it never sees.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import ColumnExpression, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect
from splink.internals.splink_dataframe import SplinkDataFrame

# A UK postcode written without its space (records.py removes spaces): outward
# code (area, district) then the inward code, a digit and two letters.
_UK_DISTRICT = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)[0-9][A-Z]{2}$"
_UK_SECTOR = r"^([A-Z]{1,2}[0-9][A-Z0-9]?[0-9])[A-Z]{2}$"

# u from random pairs: enough for stable estimates of rare levels, seeded so
# the same file gives the same model (and the same clusters) every time.
U_MAX_PAIRS = 5e6
U_SEED = 1

# Expectation maximisation needs a few hundred pairs to say anything; with
# fewer (a small file), the fields keep Splink's starting values of m.
EM_MIN_PAIRS = 100

# The prior's estimate stops when it changes by less than this share.
PRIOR_TOLERANCE = 1e-4
PRIOR_MAX_ITERATIONS = 200


class SwappedNamesLevel(ComparisonLevelCreator):
    """First name and surname written the other way round in one of the two records.

    Both cross pairs must be alike (Jaro-Winkler at or above the threshold), so
    a typo in one of them still counts. The level belongs to the first name's
    comparison only: its weight, estimated like any other, is the evidence of
    both names, and the surname's comparison falls to 'other' as it would.
    """

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        jw = sql_dialect.jaro_winkler_function_name
        return (
            f"{jw}(first_name_l, surname_r) >= {self.threshold} "
            f"AND {jw}(surname_l, first_name_r) >= {self.threshold}"
        )

    def create_label_for_charts(self) -> str:
        return "Names swapped with surname"


def _name(column: str, *, swapped: bool = False) -> ComparisonCreator:
    """A name: exact (weighed by how common the name is), then Jaro-Winkler levels.

    The first name's comparison also has the level for names swapped with the
    surname, after exact agreement.
    """
    levels: list[ComparisonLevelCreator] = [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column, term_frequency_adjustments=True).configure(
            label_for_charts="Exact match"
        ),
    ]
    if swapped:
        levels.append(SwappedNamesLevel(0.92))
    levels += [
        cll.JaroWinklerLevel(column, t).configure(label_for_charts=f"Jaro-Winkler similarity ≥ {t}")
        for t in (0.92, 0.8, 0.7)
    ]
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[*levels, cll.ElseLevel().configure(label_for_charts="Different")],
        comparison_description=f"{column}: exact, Jaro-Winkler ≥ 0.92, ≥ 0.8, ≥ 0.7, other",
    )


def _dob() -> ComparisonCreator:
    """Date of birth: exact, a one-character slip, then ever wider date distances."""
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            # Weighed by frequency: a placeholder such as 1900-01-01 counts for little.
            cll.ExactMatchLevel("dob", term_frequency_adjustments=True).configure(
                label_for_charts="Exact match"
            ),
            cll.DamerauLevenshteinLevel("dob", 1).configure(
                label_for_charts="One character different"
            ),
            cll.AbsoluteDateDifferenceLevel(
                "dob", input_is_string=True, threshold=1, metric="month"
            ).configure(label_for_charts="Within a month"),
            cll.AbsoluteDateDifferenceLevel(
                "dob", input_is_string=True, threshold=1, metric="year"
            ).configure(label_for_charts="Within a year"),
            cll.AbsoluteDateDifferenceLevel(
                "dob", input_is_string=True, threshold=10, metric="year"
            ).configure(label_for_charts="Within ten years"),
            cll.ElseLevel().configure(label_for_charts="More than ten years apart"),
        ],
        comparison_description="dob: exact, one character, 1 month, 1 year, 10 years, other",
    )


def _postcode() -> ComparisonCreator:
    """Postcode: exact, a one-character slip, then the same UK sector or district."""
    postcode = ColumnExpression("postcode")
    sector = postcode.regex_extract(_UK_SECTOR, capture_group=1).nullif("")
    district = postcode.regex_extract(_UK_DISTRICT, capture_group=1).nullif("")
    return cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode", term_frequency_adjustments=True).configure(
                label_for_charts="Exact match"
            ),
            cll.DamerauLevenshteinLevel("postcode", 1).configure(
                label_for_charts="One character different"
            ),
            cll.ExactMatchLevel(sector).configure(label_for_charts="Same postcode sector"),
            cll.ExactMatchLevel(district).configure(label_for_charts="Same postcode district"),
            cll.ElseLevel().configure(label_for_charts="Different"),
        ],
        comparison_description="postcode: exact, one character, sector, district, other",
    )


def _gender() -> ComparisonCreator:
    return cl.CustomComparison(
        output_column_name="gender",
        comparison_levels=[
            cll.NullLevel("gender"),
            cll.ExactMatchLevel("gender").configure(label_for_charts="Exact match"),
            cll.ElseLevel().configure(label_for_charts="Different"),
        ],
        comparison_description="gender: same, different",
    )


@dataclass(frozen=True)
class Field:
    """A field of the layout as the model compares it."""

    column: str
    comparison: Callable[[], ComparisonCreator]


FIELDS = (
    Field("first_name", lambda: _name("first_name", swapped=True)),
    Field("surname", lambda: _name("surname")),
    Field("dob", _dob),
    Field("postcode", _postcode),
    Field("gender", _gender),
)


def compared_fields(records: pa.Table) -> list[str]:
    """The fields worth comparing in these records: those with two or more distinct values."""
    return [f.column for f in FIELDS if pc.count_distinct(records.column(f.column)).as_py() >= 2]


def _blocking_rules(fields: list[str]) -> list[BlockingRuleCreator | dict[str, Any]]:
    """Pairs to score: those sharing any one of these, so recall stays high without all pairs.

    Each rule catches duplicates the others miss: a changed or mistyped name
    (date of birth; postcode), a mistyped or missing date of birth (surname and
    first initial, or first name and surname initial), names written the other
    way round, a name missing and the date of birth a little out (the other name
    with the year, or with the month and day, of birth). Rules whose fields the
    file does not have are left out.
    """
    has = set(fields)
    rules: list[BlockingRuleCreator | dict[str, Any]] = []
    if "dob" in has:
        rules.append(block_on("dob"))
    if {"first_name", "surname"} <= has:
        rules.append(block_on("surname", "substr(first_name, 1, 1)"))
        rules.append(block_on("substr(surname, 1, 1)", "first_name"))
        rules.append(_swapped_names("first_name", "surname"))
        rules.append(_swapped_names("surname", "first_name"))
    if "postcode" in has:
        rules.append(block_on("postcode"))
    if {"first_name", "dob"} <= has:
        rules.append(block_on("first_name", "substr(dob, 1, 4)"))
        rules.append(block_on("first_name", "substr(dob, 6, 5)"))
    if {"surname", "dob"} <= has:
        rules.append(block_on("surname", "substr(dob, 1, 4)"))
        rules.append(block_on("surname", "substr(dob, 6, 5)"))
    return rules


def _swapped_names(left: str, right: str) -> BlockingRuleCreator:
    """One record's name in the other's other name field, and the initials agreeing too."""
    return CustomRule(
        f"l.{left} = r.{right} AND substr(l.{right}, 1, 1) = substr(r.{left}, 1, 1)",
        sql_dialect="duckdb",
    )


def settings_for(fields: list[str]) -> SettingsCreator:
    """The Splink settings: one comparison per compared field, and the blocking rules."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[f.comparison() for f in FIELDS if f.column in fields],
        blocking_rules_to_generate_predictions=_blocking_rules(fields),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


def train(linker: Linker, records: SplinkDataFrame, fields: list[str]) -> None:
    """Estimate u by random sampling and m by EM; no labels are read.

    The prior is estimated afterwards from the scored pairs (estimate_prior).
    """
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=U_SEED)
    # Each session estimates m for the fields not in its rule, so between them
    # every field is estimated at least once.
    for names in (("dob",), ("first_name", "surname"), ("postcode",)):
        if set(names) <= set(fields) and _pairs_sharing(linker, records, names) >= EM_MIN_PAIRS:
            linker.training.estimate_parameters_using_expectation_maximisation(block_on(*names))


def _pairs_sharing(linker: Linker, records: SplinkDataFrame, names: tuple[str, ...]) -> int:
    """How many pairs of records agree on all these fields (none of them empty)."""
    columns = ", ".join(names)
    present = " AND ".join(f"{name} IS NOT NULL" for name in names)
    # S608: Splink's own table and the layout's column names.
    sql = (
        "SELECT sum(n * (n - 1) / 2) AS pairs FROM (SELECT count(*) AS n "  # noqa: S608
        f"FROM {records.physical_name} WHERE {present} GROUP BY {columns}) AS groups"
    )
    rows = query(linker, sql)
    return int(rows[0]["pairs"] or 0)


def estimate_prior(linker: Linker, predictions: SplinkDataFrame, records: int) -> float:
    """The probability that two records picked at random are of one person, from the data.

    With m and u fixed, expectation maximisation of this one parameter over
    the scored pairs: the expected number of matches is the sum of the pairs'
    match probabilities under the prior, and the prior is that number over all
    possible pairs; repeat until it settles. Pairs the blocking rules leave out
    agree on nothing they block on and count as non-matches.
    """
    total_pairs = records * (records - 1) / 2
    used = float(linker.misc.save_model_to_json()["probability_two_random_records_match"])
    used_weight = math.log2(used / (1 - used))
    prior = used
    for _ in range(PRIOR_MAX_ITERATIONS):
        weight = math.log2(prior / (1 - prior))
        # S608: Splink's own table, and floats written by Python.
        sql = (
            "SELECT sum(1.0 / (1.0 + power(2.0, -(match_weight - "  # noqa: S608
            f"{used_weight!r} + {weight!r})))) AS matches "
            f"FROM {predictions.physical_name}"
        )
        expected = query(linker, sql)[0]["matches"]
        updated = min(max(float(expected or 0) / total_pairs, 1e-12), 1 - 1e-12)
        if abs(updated - prior) <= PRIOR_TOLERANCE * prior:
            return updated
        prior = updated
    return prior


def query(linker: Linker, sql: str) -> list[dict[str, Any]]:
    """Rows of a query run in the linker's database, in its dialect."""
    result: SplinkDataFrame = linker.misc.query_sql(sql)  # type: ignore[no-untyped-call]
    return result.as_record_list()
