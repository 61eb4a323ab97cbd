"""The audit log page and API, for auditors."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from crossline.audit.schemas import AuditEntryRead, AuditPage
from crossline.audit.services import AuditFilter, Operation, search
from crossline.auth.actor import Actor
from crossline.auth.dependencies import allowed
from crossline.auth.permissions import Permission
from crossline.core.dependencies import DbDep
from crossline.core.errors import InvalidInput
from crossline.core.pages import NavItem, add_navigation, render

router = APIRouter()
add_navigation(NavItem("Audit log", "/audit", Permission.AUDIT_READ.value, order=90))

Auditor = Annotated[Actor, allowed(Permission.AUDIT_READ)]


def _filter(user: str, record: str, operation: str, date_from: str, date_to: str) -> AuditFilter:
    errors: dict[str, str] = {}
    parsed: dict[str, date | None] = {}
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        try:
            parsed[name] = date.fromisoformat(value) if value.strip() else None
        except ValueError:
            errors[name] = "Enter a date like 2026-11-25"
    if operation and operation not in Operation.__members__.values():
        errors["operation"] = "Choose an operation from the list"
    if errors:
        raise InvalidInput.of_fields(errors)
    return AuditFilter(
        user=user.strip() or None,
        record=record.strip() or None,
        operation=Operation(operation) if operation else None,
        date_from=parsed["date_from"],
        date_to=parsed["date_to"],
    )


@router.get("/audit", include_in_schema=False)
def audit_page(
    request: Request,
    db: DbDep,
    actor: Auditor,
    user: str = "",
    record: str = "",
    operation: str = "",
    date_from: str = "",
    date_to: str = "",
    page: int = 1,
) -> Response:
    values = {
        "user": user,
        "record": record,
        "operation": operation,
        "date_from": date_from,
        "date_to": date_to,
    }
    try:
        where = _filter(user, record, operation, date_from, date_to)
    except InvalidInput as exc:
        return render(
            request,
            "audit/log.html",
            {
                "values": values,
                "errors": exc.errors,
                "results": None,
                "operations": list(Operation),
                "query": "",
            },
            status_code=422,
        )
    results = search(db, actor, where, page=page)
    return render(
        request,
        "audit/log.html",
        {
            "values": values,
            "results": results,
            "operations": list(Operation),
            "query": urlencode({k: v for k, v in values.items() if v}),
        },
    )


@router.get("/api/audit", tags=["audit"])
def api_audit(
    db: DbDep,
    actor: Auditor,
    user: Annotated[str, Query(description="A user id, or part of a name")] = "",
    record: Annotated[str, Query(description="A record id")] = "",
    operation: Annotated[
        str,
        Query(
            description="collection, alteration, consultation, disclosure, combination or erasure"
        ),
    ] = "",
    date_from: Annotated[str, Query(description="YYYY-MM-DD, inclusive")] = "",
    date_to: Annotated[str, Query(description="YYYY-MM-DD, inclusive")] = "",
    page: Annotated[int, Query(ge=1)] = 1,
) -> AuditPage:
    """Entries of the processing log your organisation may see, newest first."""
    results = search(db, actor, _filter(user, record, operation, date_from, date_to), page=page)
    return AuditPage(
        entries=[AuditEntryRead.model_validate(e) for e in results.items],
        page=results.number,
        pages=results.pages,
        total=results.total,
    )
