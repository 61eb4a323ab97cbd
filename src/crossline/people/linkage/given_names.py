"""Given names and their other forms (Bob for Robert): ``data/given_names.yaml``.

The first name's comparison (model.py) has a level for two names that are
forms of one name: a short form and the name (``bob``, ``robert``), two short
forms of it (``rob``, ``bobby``) or two spellings (``stephen``, ``steven``).
Each record gets the ids of the entries its first given name belongs to, as a
list column, ``first_name_forms``; two records fall in that level when their
lists share an id. A short form may belong to several entries (``sam``:
``samuel`` and ``samantha``), so ``samuel`` and ``samantha`` stay apart.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel, field_validator

from crossline.core.catalogue import load_catalogue

DATA_DIR = Path(__file__).parent / "data"
FORMS_COLUMN = "first_name_forms"


class GivenName(BaseModel, frozen=True):
    """A given name (the entry's id) and the other forms it is written in."""

    id: str
    forms: tuple[str, ...]

    @field_validator("id", "forms")
    @classmethod
    def _lower_case(cls, value: str | tuple[str, ...]) -> str | tuple[str, ...]:
        names = (value,) if isinstance(value, str) else value
        if any(name != name.strip().lower() or not name for name in names):
            raise ValueError("names must be written in lower case, without spaces around")
        return value


GIVEN_NAMES = load_catalogue(DATA_DIR / "given_names.yaml", GivenName)


def _entries_by_name() -> dict[str, tuple[str, ...]]:
    entries: dict[str, set[str]] = defaultdict(set)
    for entry in GIVEN_NAMES.values():
        for name in (entry.id, *entry.forms):
            entries[name].add(entry.id)
    return {name: tuple(sorted(ids)) for name, ids in entries.items()}


_ENTRIES_BY_NAME = _entries_by_name()


def name_forms(first_name: str | None) -> list[str] | None:
    """The entries the first given name belongs to (``bob`` -> ``['robert']``), or None."""
    if not first_name:
        return None
    ids = _ENTRIES_BY_NAME.get(first_name.split(" ")[0])
    return list(ids) if ids else None


def with_name_forms(records: pa.Table) -> pa.Table:
    """The normalised records with ``first_name_forms``, computed once per distinct name."""
    names = records.column("first_name").cast(pa.string())
    distinct = pc.unique(names)
    forms = pa.array([name_forms(n) for n in distinct.to_pylist()], type=pa.list_(pa.string()))
    return records.append_column(FORMS_COLUMN, pc.take(forms, pc.index_in(names, distinct)))
