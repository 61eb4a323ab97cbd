"""Pages of query results, the same for pages and the API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 500


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    number: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def paginate(db: Session, statement: Select[Any], number: int, size: int) -> Page[Any]:
    """The ``number``-th page (from 1) of ``statement``'s single-entity results."""
    number = max(1, number)
    size = min(max(1, size), MAX_PAGE_SIZE)
    total = db.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))
    items = db.scalars(statement.limit(size).offset((number - 1) * size)).all()
    return Page(items=items, number=number, size=size, total=total or 0)
