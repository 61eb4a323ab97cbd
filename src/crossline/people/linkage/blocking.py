"""Which pairs of person records are scored: blocking keys, each for errors the others miss.

Scoring every pair grows with the square of the file, so only pairs that share
at least one blocking key are scored. Each key is one column, built from the
normalised record before the records reach the engine, so Splink on DuckDB or
Spark blocks on the same keys and none needs a function of its own:

- Soundex codes of the names (``soundex``), so a misspelling that keeps the
  sound (``Rowe``/``Rwoe``, ``Smith``/``Smyth``) keeps the key;
- the date of birth with day and month in either order, so a date typed month
  first meets the right one;
- the keys of BLOCKING_KEYS, each a combination of those and the fields;
  two records are compared when they share one, or when one's surname key is
  the other's first-name key (names written the other way round).

A key whose records are of more than MAX_BLOCK different people (as far as
their names and dates of birth tell) is not blocked on for those records: a
placeholder date such as 1900-01-01, a hostel's postcode, or in a large file a
common surname with an initial would bring a comparison with each of them for
every such record, and sharing it says little. Those records still meet through
their other, narrower keys. One person's many records (a prolific offender's,
written alike) count as one person, so they are still compared with each other.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator

# The most different people one key value may gather. Each record of a block
# is compared with every other, so this bounds each key's share of a record's
# comparisons (records of one person written alike aside). Above it, sharing
# the key is no longer rare enough to say much: in a file of a million British
# records, about 35 share any one date of birth.
MAX_BLOCK = 50


@dataclass(frozen=True)
class BlockingKey:
    """A blocking key: records that share its value are compared."""

    column: str
    sql: str  # a DuckDB expression over the normalised record and its Soundex codes
    fields: frozenset[str]  # the layout fields it needs; left out when the file lacks one
    catches: str  # the differences between two records of one person it lets through


# Records of one person, as far as names and date of birth can tell without linking.
_IDENTITY = "concat_ws('|', coalesce(first_name, ''), coalesce(surname, ''), coalesce(dob, ''))"
_DISTRICT = "nullif(regexp_extract(postcode, '^([A-Z]{1,2}[0-9][A-Z0-9]?)[0-9][A-Z]{2}$', 1), '')"
_INITIALS = "substr(first_name, 1, 1) || substr(surname, 1, 1)"

# In order: Splink scores each pair once, under the first key the two records share.
BLOCKING_KEYS = (
    BlockingKey(
        "block_dob",
        "substr(dob, 1, 5) || least(substr(dob, 6, 2), substr(dob, 9, 2)) || '-' "
        "|| greatest(substr(dob, 6, 2), substr(dob, 9, 2))",
        frozenset({"dob"}),
        "names changed, misspelt, missing or swapped; day and month of birth swapped",
    ),
    BlockingKey(
        "block_surname_sound",
        "surname_soundex || ' ' || substr(first_name, 1, 1)",
        frozenset({"first_name", "surname"}),
        "date of birth wrong or missing; first name a nickname or misspelt, its initial "
        "kept; surname misspelt as it sounds",
    ),
    BlockingKey(
        "block_first_name_sound",
        "first_name_soundex || ' ' || substr(surname, 1, 1)",
        frozenset({"first_name", "surname"}),
        "date of birth wrong or missing; surname misspelt, its initial kept",
    ),
    BlockingKey(
        "block_names_sound",
        # Either order; written out, as least() and greatest() would skip a null.
        "CASE WHEN first_name_soundex < surname_soundex "
        "THEN first_name_soundex || ' ' || surname_soundex "
        "ELSE surname_soundex || ' ' || first_name_soundex END",
        frozenset({"first_name", "surname"}),
        "both names misspelt as they sound, or written the other way round, date of birth "
        "wrong: narrower than the two keys above, so it holds where a large file makes them "
        "too common",
    ),
    BlockingKey(
        "block_postcode",
        "postcode",
        frozenset({"postcode"}),
        "names and date of birth both written differently at one address",
    ),
    BlockingKey(
        "block_surname_birth_year",
        "surname_soundex || ' ' || substr(dob, 1, 4)",
        frozenset({"surname", "dob"}),
        "first name missing or different; day or month of birth wrong",
    ),
    BlockingKey(
        "block_surname_birthday",
        "surname_soundex || ' ' || substr(dob, 6, 5)",
        frozenset({"surname", "dob"}),
        "first name missing or different; year of birth wrong",
    ),
    BlockingKey(
        "block_first_name_birth_year",
        "first_name || ' ' || substr(dob, 1, 4)",
        frozenset({"first_name", "dob"}),
        "surname missing or changed; day or month of birth wrong",
    ),
    BlockingKey(
        "block_first_name_birthday",
        "first_name || ' ' || substr(dob, 6, 5)",
        frozenset({"first_name", "dob"}),
        "surname missing or changed; year of birth wrong",
    ),
    BlockingKey(
        "block_district_initials",
        f"{_DISTRICT} || ' ' || {_INITIALS}",
        frozenset({"first_name", "surname", "postcode"}),
        "a move within the UK postcode district, names misspelt beyond their sound, "
        "date of birth wrong",
    ),
    BlockingKey(
        "block_first_name",
        "first_name",
        frozenset({"first_name"}),
        "a rare first name: the surname and date of birth both wrong or missing",
    ),
    BlockingKey(
        "block_surname",
        "surname",
        frozenset({"surname"}),
        "a rare surname: the first name and date of birth both wrong or missing",
    ),
)

# Names written the other way round: one record's surname key (its surname's
# sound, its first name's initial) is then the other's first-name key (the sound
# of what it holds as first name, the initial of what it holds as surname). So
# a swap is found even with one of the names misspelt.
# The same for the names themselves, one of them blank: one record's surname is
# the other's first name.
SWAPPED_KEYS = (
    ("block_surname_sound", "block_first_name_sound"),
    ("block_surname", "block_first_name"),
)

# Soundex (R. C. Russell's, as the US census standardised it): consonants that
# sound alike share a digit; vowels, h, w and y have none.
_SOUNDEX_DIGITS = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}
# Latin letters that Unicode does not decompose into a plain letter and an accent.
_PLAIN_LETTERS = str.maketrans(
    {"ł": "l", "ø": "o", "đ": "d", "\u0131": "i", "ß": "ss", "æ": "ae", "œ": "oe"}  # dotless i
)


def soundex(name: str | None) -> str | None:
    """The name's Soundex code (``Robert``, ``Rupert`` -> ``R163``), or None without letters.

    The first letter is kept, then up to three digits: letters that sound
    alike share a digit, one digit stands for a run of them (also across h and
    w, as the standard has it), vowels separate runs and are dropped. Accents
    are removed first; anything but the letters a to z is ignored.
    """
    if name is None:
        return None
    decomposed = unicodedata.normalize("NFKD", name.lower().translate(_PLAIN_LETTERS))
    letters = [c for c in decomposed.encode("ascii", "ignore").decode() if "a" <= c <= "z"]
    if not letters:
        return None
    digits: list[str] = []
    previous = _SOUNDEX_DIGITS.get(letters[0], "")
    for letter in letters[1:]:
        if letter in "hw":
            continue  # h and w do not separate two consonants of one sound
        digit = _SOUNDEX_DIGITS.get(letter, "")
        if digit and digit != previous:
            digits.append(digit)
        previous = digit
    return (letters[0].upper() + "".join(digits) + "000")[:4]


def first_given_name_soundex(first_name: str | None) -> str | None:
    """The Soundex code of the first of the given names: ``mary ann`` keys as ``mary``.

    Middle names are often written in one record and not in another.
    """
    return soundex(first_name.split(" ")[0]) if first_name else None


def keys_for(fields: list[str]) -> list[BlockingKey]:
    """The blocking keys whose fields are all among these (the fields compared)."""
    return [key for key in BLOCKING_KEYS if key.fields <= set(fields)]


def rule_conditions(fields: list[str]) -> list[str]:
    """Each blocking rule's condition on two records ``l`` and ``r``, in order.

    One for each key of keys_for (both records share it), and after the name
    keys two for names written the other way round (SWAPPED_KEYS), one each way.
    """
    conditions = []
    columns = [key.column for key in keys_for(fields)]
    for column in columns:
        conditions.append(f"l.{column} = r.{column}")
        for one, other in SWAPPED_KEYS:
            if column == other and one in columns:
                conditions += [f"l.{one} = r.{other}", f"l.{other} = r.{one}"]
    return conditions


def blocking_rules(fields: list[str]) -> list[BlockingRuleCreator | dict[str, Any]]:
    """Splink's rules (rule_conditions), on the columns with_blocking_keys adds."""
    return [CustomRule(condition, sql_dialect="duckdb") for condition in rule_conditions(fields)]


def with_blocking_keys(records: pa.Table, fields: list[str]) -> pa.Table:
    """The normalised records with their Soundex codes and a column for each key of keys_for.

    A key's value is null where a field it needs is, and where the records
    sharing it have more than MAX_BLOCK different names and dates of birth.
    """
    records = records.append_column(
        "first_name_soundex", _each_value(records.column("first_name"), first_given_name_soundex)
    ).append_column("surname_soundex", _each_value(records.column("surname"), soundex))
    keys = keys_for(fields)
    if not keys:
        return records
    # S608: the expressions are this module's constants.
    built = ", ".join(f"{key.sql} AS {key.column}" for key in keys)
    capped = ", ".join(
        f"CASE WHEN count(DISTINCT _identity) OVER (PARTITION BY {key.column}) <= {MAX_BLOCK} "
        f"THEN {key.column} END AS {key.column}"
        for key in keys
    )
    numbered = records.append_column("_row", pa.array(range(records.num_rows), pa.int64()))
    connection = duckdb.connect()
    try:
        connection.execute("SET enable_progress_bar = false")  # it would break the command's
        connection.register("records", numbered)
        sql = (
            f"SELECT * EXCLUDE ({', '.join(key.column for key in keys)}), {capped} "  # noqa: S608
            f"FROM (SELECT *, {built}, {_IDENTITY} AS _identity FROM records) ORDER BY _row"
        )
        return connection.sql(sql).to_arrow_table().drop_columns(["_row", "_identity"])
    finally:
        connection.close()


def _each_value(column: pa.ChunkedArray, key: Callable[[str | None], str | None]) -> pa.Array:
    """The key of every value, computed once for each distinct value."""
    text = column.cast(pa.string())
    distinct = pc.unique(text)
    keys = pa.array([key(value) for value in distinct.to_pylist()], type=pa.string())
    return pc.take(keys, pc.index_in(text, value_set=distinct))
