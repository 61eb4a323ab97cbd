"""The web layer: headers, cookies, CSRF, error answers, pages and API over HTTP."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.core.settings import Settings
from crossline.orgs.models import Organisation
from crossline.web.app import create_app
from tests.factories import PASSWORD, csrf_token_from, make_organisation, make_user, sign_in


@pytest.fixture
def admin(db: Session):
    return make_user(db, make_organisation(db), ["administrator"])


def test_every_answer_carries_the_security_headers(client: TestClient) -> None:
    for path in ("/sign-in", "/health", "/assets/crossline.css", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["content-security-policy"]
        assert "unsafe-inline" not in csp
        assert "unsafe-eval" not in csp
        assert "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in headers  # plain HTTP here


def test_hsts_and_secure_cookies_under_tls(settings: Settings, db: Session) -> None:
    user = make_user(db, make_organisation(db))
    tls = settings.model_copy(update={"force_https": True})
    with TestClient(create_app(tls), base_url="https://testserver") as client:
        page = client.get("/sign-in")
        assert page.headers["strict-transport-security"].startswith("max-age=")
        assert "Secure" in page.headers["set-cookie"]
        response = client.post(
            "/sign-in",
            data={
                "email": user.email,
                "password": PASSWORD,
                "csrf_token": csrf_token_from(page.text),
            },
            follow_redirects=False,
        )
        cookie = response.headers["set-cookie"]
        assert "crossline_session=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Secure" in cookie


def test_session_cookie_is_httponly_and_samesite(client: TestClient, admin) -> None:
    page = client.get("/sign-in")
    response = client.post(
        "/sign-in",
        data={"email": admin.email, "password": PASSWORD, "csrf_token": csrf_token_from(page.text)},
        follow_redirects=False,
    )
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie


def test_wrong_password_gets_one_generic_message(client: TestClient, admin) -> None:
    def attempt(email: str) -> str:
        page = client.get("/sign-in")
        response = client.post(
            "/sign-in",
            data={
                "email": email,
                "password": "wrong password",
                "csrf_token": csrf_token_from(page.text),
            },
        )
        assert response.status_code == 422
        return re.sub(r'name="csrf_token" value="[^"]+"', "", response.text)

    assert attempt(admin.email) == attempt("no.such.user@police.test-crossline.uk").replace(
        "no.such.user@police.test-crossline.uk", admin.email
    )
    assert "Enter a correct email address and password" in attempt(admin.email)


def test_form_post_without_csrf_token_is_refused(client: TestClient, admin) -> None:
    client.get("/sign-in")
    response = client.post("/sign-in", data={"email": admin.email, "password": PASSWORD})
    assert response.status_code == 403
    assert "This form could not be accepted" in response.text
    sign_in(client, admin.email)
    forged = client.post(
        "/admin/users/new",
        data={"email": "plant@example.org", "display_name": "Plant", "csrf_token": "forged"},
    )
    assert forged.status_code == 403


def test_signed_in_form_post_with_session_token_is_accepted(client: TestClient, admin) -> None:
    csrf = sign_in(client, admin.email)
    response = client.post(
        "/admin/users/new",
        data={
            "email": "new.user@force.police.uk",
            "display_name": "New User",
            "roles": ["intelligence_analyst", "order_applicant"],
            "csrf_token": csrf,
            "password": "a long enough password",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    user_page = client.get(response.headers["location"])
    assert "New User" in user_page.text


def test_invalid_form_redisplays_with_error_summary_and_keeps_values(
    client: TestClient, admin
) -> None:
    csrf = sign_in(client, admin.email)
    response = client.post(
        "/admin/users/new",
        data={"email": "not-an-email", "display_name": "Kept Name", "csrf_token": csrf},
    )
    assert response.status_code == 422
    assert "govuk-error-summary" in response.text
    assert 'href="#email"' in response.text
    assert 'value="Kept Name"' in response.text
    assert "<title>Error: " in response.text


def test_stale_edit_gets_a_conflict_page(client: TestClient, admin, db: Session) -> None:
    csrf = sign_in(client, admin.email)
    analyst = make_user(
        db, db.get_one(Organisation, admin.organisation_id), ["intelligence_analyst"]
    )
    form = {
        "display_name": "Renamed",
        "roles": ["intelligence_analyst"],
        "is_active": "true",
        "version": str(analyst.version),
        "csrf_token": csrf,
    }
    assert (
        client.post(f"/admin/users/{analyst.id}", data=form, follow_redirects=False).status_code
        == 303
    )
    again = client.post(f"/admin/users/{analyst.id}", data=form | {"display_name": "Other"})
    assert again.status_code == 409
    assert "Someone else has changed this record" in again.text


def test_unknown_page_is_a_styled_404_and_api_gets_problem_json(client: TestClient) -> None:
    page = client.get("/no-such-page", headers={"accept": "text/html"})
    assert page.status_code == 404
    assert "govuk-generic-header" in page.text
    assert "Page not found" in page.text
    api = client.get("/api/no-such-thing")
    assert api.status_code == 404
    assert api.headers["content-type"] == "application/problem+json"
    assert api.json()["title"] == "Page not found"


def test_forbidden_page_is_styled_and_api_gets_problem_json(
    client: TestClient, db: Session
) -> None:
    analyst = make_user(db, make_organisation(db), ["intelligence_analyst"])
    sign_in(client, analyst.email)
    page = client.get("/audit")
    assert page.status_code == 403
    assert "You do not have permission to see this page" in page.text
    assert "govuk-phase-banner" in page.text
    api = client.get("/api/audit")
    assert api.status_code == 403
    assert api.json()["status"] == 403


def test_malformed_json_gets_400_problem(client: TestClient) -> None:
    response = client.post(
        "/api/feedback", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "The request body is not valid JSON."


def test_invalid_json_fields_get_422_with_errors(client: TestClient) -> None:
    response = client.post("/api/feedback", json={"comment": ""})
    assert response.status_code == 422
    assert "comment" in response.json()["errors"]


def test_oversize_body_is_refused_before_it_is_read(settings: Settings) -> None:
    small = settings.model_copy(update={"max_body_bytes": 2048})
    with TestClient(create_app(small), raise_server_exceptions=False) as client:
        declared = client.post(
            "/api/feedback", content=b"x" * 5000, headers={"content-type": "application/json"}
        )
        assert declared.status_code == 413
        assert declared.headers["content-type"] == "application/problem+json"
        assert declared.headers["x-frame-options"] == "DENY"

        def chunks():
            for _ in range(5):
                yield b"x" * 1000

        streamed = client.post(
            "/api/feedback", content=chunks(), headers={"content-type": "application/json"}
        )
        assert streamed.status_code == 413
        page = client.post(
            "/feedback",
            content=b"comment=" + b"x" * 5000,
            headers={"content-type": "application/x-www-form-urlencoded", "accept": "text/html"},
        )
        assert page.status_code == 413
        assert "govuk-generic-header" in page.text


def test_unexpected_error_shows_no_stack_trace(app: FastAPI, client: TestClient) -> None:
    @app.get("/explode")
    def explode() -> None:
        raise RuntimeError("secret detail about a person")

    page = client.get("/explode", headers={"accept": "text/html"})
    assert page.status_code == 500
    assert "secret detail" not in page.text
    assert "Traceback" not in page.text
    assert "Sorry, there is a problem with the service" in page.text
    api = client.get("/explode", headers={"accept": "application/json"})
    assert api.status_code == 500
    assert "secret detail" not in api.text


def test_health_and_openapi_need_no_sign_in(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok", "database": "ok"}
    spec = client.get("/api/openapi.json").json()
    assert spec["info"]["title"] == "Crossline API"
    assert "/api/users" in spec["paths"]
    assert "/api/audit" in spec["paths"]
    assert not any(path.startswith("/admin") for path in spec["paths"])


def test_api_token_authenticates_without_csrf(client: TestClient, admin, db: Session) -> None:
    csrf = sign_in(client, admin.email)
    issued = client.post(
        f"/api/users/{admin.id}/tokens",
        json={"name": "Force system"},
        headers={"X-CSRF-Token": csrf},
    )
    assert issued.status_code == 201
    token = issued.json()["token"]
    with TestClient(client.app) as system:
        me = system.get("/api/me", headers={"authorization": f"Bearer {token}"})
        assert me.status_code == 200
        assert me.json()["roles"] == ["administrator"]
        created = system.post(
            "/api/users",
            headers={"authorization": f"Bearer {token}"},
            json={"email": "via.api@force.police.uk", "display_name": "Via Api", "roles": []},
        )
        assert created.status_code == 201
        bad = system.get("/api/me", headers={"authorization": "Bearer cl_wrong"})
        assert bad.status_code == 401
        assert bad.headers["www-authenticate"] == "Bearer"


def test_sign_in_redirects_only_within_the_site(client: TestClient, admin) -> None:
    page = client.get("/sign-in?next=https://evil.example.com/")
    assert 'name="next" value="/"' in page.text
    response = client.post(
        "/sign-in",
        data={
            "email": admin.email,
            "password": PASSWORD,
            "csrf_token": csrf_token_from(page.text),
            "next": "//evil.example.com",
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/"


def test_navigation_shows_only_what_roles_permit(client: TestClient, db: Session) -> None:
    auditor = make_user(db, make_organisation(db), ["auditor"])
    sign_in(client, auditor.email)
    page = client.get("/").text
    assert 'href="/audit"' in page
    assert 'href="/admin/users"' not in page


def test_feedback_is_given_signed_out_and_read_by_an_administrator(
    client: TestClient, admin
) -> None:
    form = client.get("/feedback?page=/audit%3Fuser%3Dsomeone")
    thanks = client.post(
        "/feedback",
        data={
            "page": "/audit?user=someone",
            "satisfaction": "satisfied",
            "comment": "The filter is useful",
            "csrf_token": csrf_token_from(form.text),
        },
    )
    assert thanks.status_code == 200
    assert "Thank you for your feedback" in thanks.text
    csrf = sign_in(client, admin.email)
    listed = client.get("/api/feedback").json()
    item = next(f for f in listed if f["comment"] == "The filter is useful")
    assert item["page"] == "/audit"  # the query string is not kept
    done = client.post(
        f"/admin/feedback/{item['id']}",
        data={
            "status": "actioned",
            "response": "Added a date filter",
            "version": item["version"],
            "csrf_token": csrf,
        },
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "Added a date filter" in client.get("/admin/feedback").text


def test_licences_page_carries_the_boundary_attribution(client: TestClient) -> None:
    text = client.get("/licences").text
    assert "Contains OS data © Crown copyright and database right 2020" in text
    assert "GOV.UK Frontend" in text
    assert "htmx" in text


def test_user_changes_password_through_the_page(client: TestClient, db: Session) -> None:
    user = make_user(db, make_organisation(db), ["intelligence_analyst"])
    csrf = sign_in(client, user.email)
    wrong = client.post(
        "/account/password",
        data={
            "current_password": "not it",
            "new_password": "a new long password",
            "csrf_token": csrf,
        },
    )
    assert wrong.status_code == 422
    assert 'href="#current_password"' in wrong.text
    done = client.post(
        "/account/password",
        data={
            "current_password": PASSWORD,
            "new_password": "a new long password",
            "csrf_token": csrf,
        },
    )
    assert "Your password has been changed" in done.text
    client.post("/sign-out", data={"csrf_token": csrf})
    assert sign_in(client, user.email, "a new long password")


def test_api_lists_and_revokes_tokens(client: TestClient, admin) -> None:
    csrf = sign_in(client, admin.email)
    headers = {"X-CSRF-Token": csrf}
    issued = client.post(
        f"/api/users/{admin.id}/tokens", json={"name": "Records"}, headers=headers
    ).json()
    listed = client.get(f"/api/users/{admin.id}/tokens").json()
    assert [t["name"] for t in listed] == ["Records"]
    assert "token" not in listed[0]
    revoked = client.post(f"/api/users/{admin.id}/tokens/{issued['id']}/revoke", headers=headers)
    assert revoked.json()["revoked_at"] is not None
    refused = client.get("/api/me", headers={"authorization": f"Bearer {issued['token']}"})
    assert refused.status_code == 401


def test_token_without_expiry_is_refused(client: TestClient, admin) -> None:
    csrf = sign_in(client, admin.email)
    response = client.post(
        f"/api/users/{admin.id}/tokens",
        json={"name": "Forever", "expires_in_days": None},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 422
