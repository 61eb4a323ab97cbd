"""Every route against every role: allowed or refused exactly as roles.yaml says.

The expected answer comes from the route's declared gate (``Allowed(permission)``
or "any signed-in user") and the role table; the actual answer from calling
the running app as a user holding only that role.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.auth.dependencies import Allowed, current_actor
from crossline.auth.permissions import ROLES, Permission
from tests.factories import make_organisation, make_user, sign_in

# Sample values for path parameters that are not ids.
PATH_SAMPLES = {"kind": "districts"}


@dataclass(frozen=True)
class Gate:
    permission: Permission | None  # None: any signed-in user
    signed_in: bool  # False: open to everyone


def gate_of(route: APIRoute) -> Gate:
    permissions: list[Permission] = []
    signed_in = False

    def walk(dependant: Dependant) -> None:
        nonlocal signed_in
        call = dependant.call
        if isinstance(call, Allowed):
            permissions.append(call.permission)
        if call is current_actor:
            signed_in = True
        for sub in dependant.dependencies:
            walk(sub)

    walk(route.dependant)
    assert len(permissions) <= 1, f"{route.path} declares several permissions"
    return Gate(permissions[0] if permissions else None, signed_in or bool(permissions))


def routes_of(app: FastAPI) -> list[tuple[str, str, Gate]]:
    """(method, path with sample parameters, gate) of every API and page route."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if not isinstance(route, APIRoute) or context.path is None:
            continue
        path = re.sub(
            r"\{(\w+)\}", lambda m: PATH_SAMPLES.get(m[1], str(uuid.uuid4())), context.path
        )
        for method in sorted(route.methods - {"HEAD"}):
            found.append((method, path, gate_of(route)))
    return found


def _call(client: TestClient, method: str, path: str, csrf: str | None) -> int:
    headers = {"X-CSRF-Token": csrf} if csrf else {}
    if method == "GET":
        return client.get(path, headers=headers, follow_redirects=False).status_code
    if path.startswith("/api"):
        return client.request(
            method, path, json={}, headers=headers, follow_redirects=False
        ).status_code
    return client.request(
        method, path, data={}, headers=headers, follow_redirects=False
    ).status_code


# The gate is each route's declared dependency and the role table, the same on every
# backend; checking every role against every route (some 6,000 requests) once, on the
# embedded store, keeps the suite's time for tests of what differs between backends.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_every_route_answers_every_role_as_the_table_says(app: FastAPI, db: Session) -> None:
    routes = routes_of(app)
    assert len(routes) > 20
    gated = [r for r in routes if r[2].permission is not None]
    assert {g.permission for _, _, g in gated} >= {
        Permission.USERS_MANAGE,
        Permission.AUDIT_READ,
        Permission.FEEDBACK_MANAGE,
    }
    mismatches: list[str] = []
    for role in ROLES.values():
        organisation = make_organisation(db, (role.organisation_kinds or ("police_force",))[0])
        user = make_user(db, organisation, [role.id])
        with TestClient(app, raise_server_exceptions=False) as client:
            csrf = sign_in(client, user.email)
            for method, path, gate in routes:
                if not gate.signed_in or path in ("/sign-in",):
                    continue
                status = _call(client, method, path, csrf)
                allowed = gate.permission is None or gate.permission in role.permissions
                if allowed and status in (401, 403):
                    mismatches.append(f"{role.id} refused {method} {path} ({status})")
                if not allowed and status != 403:
                    mismatches.append(f"{role.id} not refused {method} {path} ({status})")
    assert not mismatches, "\n".join(mismatches)


def test_signed_out_visitors_are_sent_to_sign_in_or_refused(app: FastAPI) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        csrf_page = client.get("/sign-in").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', csrf_page)
        assert token
        for method, path, gate in routes_of(app):
            if not gate.signed_in:
                continue
            response = (
                client.get(path, follow_redirects=False)
                if method == "GET"
                else client.request(
                    method, path, data={"csrf_token": token[1]}, follow_redirects=False
                )
            )
            if path.startswith("/api"):
                assert response.status_code == 401, f"{method} {path}"
                assert response.headers["content-type"] == "application/problem+json"
            else:
                assert response.status_code == 303, f"{method} {path}"
                assert response.headers["location"].startswith("/sign-in?next=")


# Open to people who are not signed in, on purpose; any other route must need sign-in.
PUBLIC = {
    ("GET", "/sign-in"),
    ("POST", "/sign-in"),
    ("POST", "/sign-out"),
    ("GET", "/health"),
    ("GET", "/feedback"),
    ("POST", "/feedback"),
    ("POST", "/api/feedback"),
    ("GET", "/licences"),
    # Anonymous reporting (outreach/reports.py): the signs, the form and its API.
    ("GET", "/spot-the-signs"),
    ("GET", "/report"),
    ("POST", "/report"),
    ("POST", "/api/reports"),
    ("GET", "/api/reports/districts"),
}


def test_only_the_intended_routes_are_open_without_signing_in(app: FastAPI) -> None:
    open_routes = {(method, path) for method, path, gate in routes_of(app) if not gate.signed_in}
    assert open_routes == PUBLIC


def test_administration_and_audit_routes_are_gated_by_a_permission(app: FastAPI) -> None:
    for method, path, gate in routes_of(app):
        if path.startswith(("/admin", "/audit", "/api/users", "/api/audit")) or (
            path.startswith("/api/feedback") and method != "POST"
        ):
            assert gate.permission is not None, f"{method} {path} has no permission gate"
