"""The contact officer's page and API: the form and its errors, problems, tenant isolation."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from crossline.auth.models import User
from crossline.orgs.models import Organisation
from tests.factories import csrf_token_from, make_organisation, make_user, sign_in

PROBLEM = "application/problem+json"
NAME = "DS Priya Shah"
EMAIL = "priya.shah@west-mercia.police.test-crossline.uk"
PAGE = "/organisation/contact"


@contextmanager
def signed_in(app: FastAPI, user: User) -> Iterator[TestClient]:
    """A client signed in as ``user`` whose writes carry the session's CSRF token."""
    with TestClient(app, raise_server_exceptions=False) as client:
        client.headers["X-CSRF-Token"] = sign_in(client, user.email)
        yield client


def _api(organisation: Organisation) -> str:
    return f"/api/organisations/{organisation.id}/contact"


def _version(html: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', html)
    assert found, "the form has no version"
    return found[1]


def test_an_administrator_sets_the_contact_officer_on_the_page(app: FastAPI, db: Session) -> None:
    force = make_organisation(db, "police_force", name="West Mercia Police (test)")
    admin = make_user(db, force, ["administrator"])
    with signed_in(app, admin) as client:
        page = client.get("/")
        assert f'href="{PAGE}"' in page.text  # in the navigation of those who may use it
        empty = client.get(PAGE)
        assert empty.status_code == 200
        assert "No contact officer is recorded" in empty.text
        form = {"name": f" {NAME} ", "email": EMAIL, "version": _version(empty.text)}
        saved = client.post(
            PAGE, data={**form, "csrf_token": csrf_token_from(empty.text)}, follow_redirects=False
        )
        assert saved.status_code == 303
        shown = client.get(saved.headers["location"])
        assert "Contact officer saved." in shown.text
        assert f'<dd class="govuk-summary-list__value">{NAME}</dd>' in shown.text
        assert f'value="{EMAIL}"' in shown.text
    db.expire_all()
    assert (force.contact_name, force.contact_email) == (NAME, EMAIL)


def test_the_form_shows_an_error_summary_and_keeps_what_was_typed(
    app: FastAPI, db: Session
) -> None:
    force = make_organisation(db, "police_force")
    admin = make_user(db, force, ["administrator"])
    with signed_in(app, admin) as client:
        opened = client.get(PAGE)
        answer = client.post(
            PAGE,
            data={
                "name": "",
                "email": "priya.shah at west mercia",
                "version": _version(opened.text),
                "csrf_token": csrf_token_from(opened.text),
            },
        )
    assert answer.status_code == 422
    assert "<title>Error: Contact officer" in answer.text
    assert "govuk-error-summary" in answer.text
    assert '<a href="#name">Enter the contact officer&#39;s name' in answer.text
    assert '<a href="#email">Enter an email address in the correct format' in answer.text
    assert 'value="priya.shah at west mercia"' in answer.text
    assert "govuk-input--error" in answer.text
    db.expire_all()
    assert force.contact_email is None


def test_a_form_saved_after_someone_elses_change_shows_theirs_and_keeps_yours(
    app: FastAPI, db: Session
) -> None:
    force = make_organisation(db, "police_force")
    first, second = (make_user(db, force, ["administrator"]) for _ in range(2))
    with signed_in(app, first) as one, signed_in(app, second) as other:
        opened = one.get(PAGE)
        stale = _version(opened.text)
        other.put(_api(force), json={"name": "DI Mark Ellis", "email": None, "version": int(stale)})
        answer = one.post(
            PAGE,
            data={
                "name": NAME,
                "email": EMAIL,
                "version": stale,
                "csrf_token": csrf_token_from(opened.text),
            },
        )
    assert answer.status_code == 409
    assert "Someone else changed the contact officer" in answer.text
    assert "DI Mark Ellis" in answer.text  # theirs, shown
    assert f'value="{NAME}"' in answer.text  # yours, kept
    assert _version(answer.text) == str(int(stale) + 1)  # saving again is now possible
    db.expire_all()
    assert force.contact_name == "DI Mark Ellis"


def test_the_page_is_refused_to_users_who_are_not_administrators(app: FastAPI, db: Session) -> None:
    analyst = make_user(db, make_organisation(db, "police_force"), ["intelligence_analyst"])
    with signed_in(app, analyst) as client:
        assert f'href="{PAGE}"' not in client.get("/").text
        assert client.get(PAGE).status_code == 403


def test_the_api_sets_and_reads_your_own_organisations_contact_officer(
    app: FastAPI, db: Session
) -> None:
    force = make_organisation(db, "police_force")
    admin = make_user(db, force, ["administrator"])
    with signed_in(app, admin) as client:
        read = client.get(_api(force))
        assert read.status_code == 200
        assert read.json() == {
            "organisation_id": str(force.id),
            "organisation_name": force.name,
            "name": None,
            "email": None,
            "version": force.version,
        }
        put = client.put(
            _api(force), json={"name": NAME, "email": EMAIL, "version": read.json()["version"]}
        )
        assert put.status_code == 200
        assert (put.json()["name"], put.json()["email"]) == (NAME, EMAIL)
        stale = client.put(_api(force), json={"name": None, "email": None, "version": 1})
        assert stale.status_code == 409
        assert stale.headers["content-type"] == PROBLEM
        removed = client.put(
            _api(force), json={"name": None, "email": None, "version": put.json()["version"]}
        )
        assert (removed.json()["name"], removed.json()["email"]) == (None, None)
        # The list of organisations is reference data: it never carries contact officers.
        listed = client.get("/api/organisations").json()
        assert all("contact_name" not in o and "contact_email" not in o for o in listed)


def test_the_api_answers_bad_input_with_a_problem_naming_each_field(
    app: FastAPI, db: Session
) -> None:
    force = make_organisation(db, "police_force")
    admin = make_user(db, force, ["administrator"])
    with signed_in(app, admin) as client:
        answer = client.put(
            _api(force), json={"name": "", "email": "nobody", "version": force.version}
        )
        assert answer.status_code == 422
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["errors"].keys() == {"name", "email"}
        no_version = client.put(_api(force), json={"name": NAME})
        assert no_version.status_code == 422
        assert "version" in no_version.json()["errors"]


def test_another_organisation_is_answered_as_if_it_did_not_exist(app: FastAPI, db: Session) -> None:
    force = make_organisation(db, "police_force")
    outsider = make_user(db, make_organisation(db, "police_force"), ["administrator"])
    with signed_in(app, outsider) as client:
        for answer in (
            client.get(_api(force)),
            client.put(_api(force), json={"name": NAME, "email": EMAIL, "version": 1}),
            client.get(f"/api/organisations/{uuid.uuid4()}/contact"),
        ):
            assert answer.status_code == 404
            assert answer.headers["content-type"] == PROBLEM
    db.expire_all()
    assert force.contact_name is None


def test_a_coordinator_reads_any_organisations_contact_officer_and_changes_none(
    app: FastAPI, db: Session
) -> None:
    force = make_organisation(db, "police_force")
    coordinator = make_user(
        db, make_organisation(db, "national_coordination_centre"), ["national_coordinator"]
    )
    with signed_in(app, coordinator) as client:
        assert client.get(_api(force)).status_code == 200
        refused = client.put(_api(force), json={"name": NAME, "version": force.version})
        assert refused.status_code == 403
