"""The one loader of domain lists shipped as YAML (STYLE.md §3).

A catalogue file is a mapping from stable id to fields; each entry is checked
against a frozen pydantic model. A bad file stops start-up with a
:class:`CatalogueError` naming the file, the entry and the field.
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from crossline.core.errors import CatalogueError

M = TypeVar("M", bound=BaseModel)


def load_catalogue(path: Path, model: type[M]) -> dict[str, M]:
    """Every entry of ``path`` as ``model``, keyed by id, in file order.

    The id is passed to the model as its ``id`` field. Raises CatalogueError
    for unreadable YAML, a top level that is not a mapping, or an entry that
    does not fit the model.
    """
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path.name}: cannot be read as YAML ({exc})") from exc
    if not isinstance(raw, dict) or not raw:
        raise CatalogueError(f"{path.name}: must be a mapping from id to entry")
    entries: dict[str, M] = {}
    for key, fields in raw.items():
        if not isinstance(fields, dict):
            raise CatalogueError(f"{path.name}, entry '{key}': must be a mapping of fields")
        try:
            entries[str(key)] = model.model_validate({"id": str(key), **fields})
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(part) for part in first["loc"])
            raise CatalogueError(
                f"{path.name}, entry '{key}': '{where}' {first['msg'].lower()}"
            ) from exc
    return entries


def require_known(path: Path, entry: str, field: str, value: str, known: set[str]) -> None:
    """Check a cross-reference from one catalogue entry to another catalogue's ids."""
    if value not in known:
        raise CatalogueError(
            f"{path.name}, entry '{entry}': '{field}' must be one of {', '.join(sorted(known))}"
        )
