"""The Splink model of person linkage: its comparisons and training (blocking.py: which pairs).

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
import sqlglot
from splink import ColumnExpression, Linker, SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.database_api import DatabaseAPI
from splink.internals.dialects import SplinkDialect
from splink.internals.splink_dataframe import SplinkDataFrame

from crossline.people.linkage import blocking, given_names

# A UK postcode written without its space (records.py removes spaces): outward
# code (area, district) then the inward code, a digit and two letters.
_UK_DISTRICT = r"^([A-Z]{1,2}[0-9][A-Z0-9]?)[0-9][A-Z]{2}$"
_UK_SECTOR = r"^([A-Z]{1,2}[0-9][A-Z0-9]?[0-9])[A-Z]{2}$"

# u from random pairs: enough for stable estimates of rare levels, seeded so
# the same file gives the same model (and the same clusters) every time.
U_MAX_PAIRS = 5e6
U_SEED = 1

# Names swapped: each name like the other record's other name, Jaro-Winkler at
# least this, so a typo in one still counts. Weighed once, in the first name's
# comparison; in the surname's the level has m = u, a weight of log2(1) = 0.
SWAP_SIMILARITY = 0.92
_UNWEIGHED = 0.01

# Expectation maximisation needs a few hundred pairs to say anything; with
# fewer (a small file), the fields keep Splink's starting values of m.
EM_MIN_PAIRS = 100

# The prior's estimate stops when it changes by less than this share.
PRIOR_TOLERANCE = 1e-4
PRIOR_MAX_ITERATIONS = 200


class SwappedNamesLevel(ComparisonLevelCreator):
    """First name and surname written the other way round in one of the two records.

    Both cross pairs must be alike (Jaro-Winkler at or above the threshold), so
    a typo in one of them still counts. In the first name's comparison its
    weight, estimated like any other, is the evidence of both names; the
    surname's comparison has the same level at weight 0
    (_swap_weighed_with_first_name), so it does not count the swap again or
    hold it against the pair as two different surnames.
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


class NameInOtherFieldLevel(ComparisonLevelCreator):
    """A name written in the other name's field, that field blank in the other record.

    For the first name: one record's first name is like the other's surname
    (Jaro-Winkler at or above the threshold) and its own surname is blank
    (``mason``, blank; ``smith``, ``mason``). For the surname the same the
    other way round. The other name's comparison is then at its level for an
    empty value, weight 0, so the evidence counts once.
    """

    def __init__(self, column: str, other: str, threshold: float) -> None:
        self.column, self.other, self.threshold = column, other, threshold

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        jw, name, other = sql_dialect.jaro_winkler_function_name, self.column, self.other
        # The blank field first: the similarity is then computed only for the few pairs with one.
        return (
            f"({other}_l IS NULL AND {jw}({name}_l, {other}_r) >= {self.threshold}) "
            f"OR ({other}_r IS NULL AND {jw}({name}_r, {other}_l) >= {self.threshold})"
        )

    def create_label_for_charts(self) -> str:
        return "Written in the other name's field"


def _name(
    column: str, *alike: ComparisonLevelCreator, other: ComparisonLevelCreator | None = None
) -> ComparisonCreator:
    """A name: exact (weighed by how common the name is), the ``alike`` levels, Jaro-Winkler.

    Both names have a level for first name and surname written the other way
    round, the first name's or the surname's (_swap_weighed_with_first_name);
    the first name also one for two forms of one name (given_names.py).
    """
    levels: list[ComparisonLevelCreator] = [
        cll.NullLevel(column),
        cll.ExactMatchLevel(column, term_frequency_adjustments=True).configure(
            label_for_charts="Exact match"
        ),
        *alike,
    ]
    levels += [
        cll.JaroWinklerLevel(column, t).configure(label_for_charts=f"Jaro-Winkler similarity ≥ {t}")
        for t in (0.92, 0.8, 0.7)
    ]
    if other is not None:
        levels.append(other)
    return cl.CustomComparison(
        output_column_name=column,
        comparison_levels=[*levels, cll.ElseLevel().configure(label_for_charts="Different")],
        comparison_description=f"{column}: exact, alike, Jaro-Winkler ≥ 0.92, ≥ 0.8, ≥ 0.7, other",
    )


def _swap_weighed_with_first_name() -> ComparisonLevelCreator:
    """The surname's level for names swapped: weight 0, m = u, neither estimated.

    The first name's level already weighs the evidence of both names, so the
    swap is not counted twice, nor held against the pair as two different
    surnames.
    """
    return SwappedNamesLevel(SWAP_SIMILARITY).configure(
        label_for_charts="Names swapped (weighed with the first name)",
        m_probability=_UNWEIGHED,
        u_probability=_UNWEIGHED,
        fix_m_probability=True,
        fix_u_probability=True,
    )


def _one_name_in_other_forms() -> ComparisonLevelCreator:
    """Two forms of one given name: ``bob`` and ``robert``, ``stephen`` and ``steven``."""
    return cll.ArrayIntersectLevel(given_names.FORMS_COLUMN, min_intersection=1).configure(
        label_for_charts="Same name in another form (Bob, Robert)"
    )


def _dob() -> ComparisonCreator:
    """Date of birth: exact, day and month swapped, a one-character slip, then wider distances."""
    return cl.CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            # Weighed by frequency: a placeholder such as 1900-01-01 counts for little.
            cll.ExactMatchLevel("dob", term_frequency_adjustments=True).configure(
                label_for_charts="Exact match"
            ),
            cll.CustomLevel(
                "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) "
                "AND substr(dob_l, 6, 2) = substr(dob_r, 9, 2) "
                "AND substr(dob_l, 9, 2) = substr(dob_r, 6, 2)",
                label_for_charts="Day and month swapped",
                base_dialect_str="duckdb",
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
        comparison_description=(
            "dob: exact, day and month swapped, one character, 1 month, 1 year, 10 years, other"
        ),
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
    Field(
        "first_name",
        lambda: _name(
            "first_name",
            SwappedNamesLevel(SWAP_SIMILARITY),
            _one_name_in_other_forms(),
            other=NameInOtherFieldLevel("first_name", "surname", SWAP_SIMILARITY),
        ),
    ),
    Field(
        "surname",
        lambda: _name(
            "surname",
            _swap_weighed_with_first_name(),
            other=NameInOtherFieldLevel("surname", "first_name", SWAP_SIMILARITY),
        ),
    ),
    Field("dob", _dob),
    Field("postcode", _postcode),
    Field("gender", _gender),
)


def compared_fields(records: pa.Table) -> list[str]:
    """The fields worth comparing in these records: those with two or more distinct values."""
    return [f.column for f in FIELDS if pc.count_distinct(records.column(f.column)).as_py() >= 2]


def settings_for(fields: list[str]) -> SettingsCreator:
    """The Splink settings: one comparison per compared field, and the blocking rules."""
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="record_id",
        comparisons=[f.comparison() for f in FIELDS if f.column in fields],
        blocking_rules_to_generate_predictions=blocking.blocking_rules(fields),
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,
    )


# Expectation maximisation sessions: pairs agreeing exactly on these fields, in
# blocks no larger than blocking.MAX_BLOCK (that key not null), so a placeholder
# date of birth or postcode neither floods training nor teaches it. Each session
# estimates m for the fields not in it, so between them every field is estimated.
TRAINING_SESSIONS = (
    (("dob",), "block_dob"),
    (("first_name", "surname"), "block_surname_sound"),
    (("postcode",), "block_postcode"),
)


def train(linker: Linker, records: SplinkDataFrame, fields: list[str]) -> None:
    """Estimate u by random sampling and m by EM; no labels are read.

    The prior is estimated afterwards from the scored pairs (estimate_prior).
    """
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=U_SEED)
    keys = {key.column for key in blocking.keys_for(fields)}
    for names, key in TRAINING_SESSIONS:
        if not (set(names) <= set(fields) and key in keys):
            continue
        if _pairs_sharing(linker, records, names, key) >= EM_MIN_PAIRS:
            agree = " AND ".join(f"l.{name} = r.{name}" for name in names)
            rule = CustomRule(f"{agree} AND l.{key} IS NOT NULL", sql_dialect="duckdb")
            linker.training.estimate_parameters_using_expectation_maximisation(rule)


def _pairs_sharing(
    linker: Linker, records: SplinkDataFrame, names: tuple[str, ...], key: str
) -> int:
    """How many pairs of records agree on all these fields (none of them empty), key not null."""
    columns = ", ".join(names)
    present = " AND ".join(f"{name} IS NOT NULL" for name in (*names, key))
    # S608: Splink's own table and the layout's column names.
    sql = (
        "SELECT sum(n * (n - 1) / 2) AS pairs FROM (SELECT count(*) AS n "  # noqa: S608
        f"FROM {records.physical_name} WHERE {present} GROUP BY {columns}) AS groups"
    )
    rows = query(records.db_api, sql)
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
        expected = query(predictions.db_api, sql)[0]["matches"]
        updated = min(max(float(expected or 0) / total_pairs, 1e-12), 1 - 1e-12)
        if abs(updated - prior) <= PRIOR_TOLERANCE * prior:
            return updated
        prior = updated
    return prior


def query(db_api: DatabaseAPI[Any], sql: str) -> list[dict[str, Any]]:
    """Rows of a query, written in DuckDB's SQL, run in the linkage's database."""
    result = query_table(db_api, sql)
    rows = result.as_record_list()
    result.drop_table_from_database_and_remove_from_cache()
    return rows


def query_columns(db_api: DatabaseAPI[Any], sql: str) -> dict[str, list[Any]]:
    """A query's result, column by column: lighter than rows for many of them."""
    result = query_table(db_api, sql)
    table = result.as_pyarrow_table()  # type: ignore[no-untyped-call]
    columns: dict[str, list[Any]] = table.to_pydict()
    result.drop_table_from_database_and_remove_from_cache()
    return columns


def query_table(db_api: DatabaseAPI[Any], sql: str) -> SplinkDataFrame:
    """A query's result as a table in the linkage's database; the caller drops it.

    The queries of this package are written in DuckDB's SQL, as the comparison
    levels and blocking rules are; on another engine (Spark) sqlglot
    translates them into its dialect first, as Splink does with those.
    """
    result = db_api.query_sql(in_dialect(db_api, sql))
    return result


def in_dialect(db_api: DatabaseAPI[Any], sql: str) -> str:
    """DuckDB SQL as the SQL of the database behind ``db_api``."""
    dialect = db_api.sql_dialect.sqlglot_dialect
    if dialect == "duckdb":
        return sql
    return str(sqlglot.transpile(sql, read="duckdb", write=dialect)[0])
