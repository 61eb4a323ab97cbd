"""A practitioner's programmes page for a young person: every programme open to them or not
with its reasons and providers, referring with and without an override, errors in the GOV.UK
summary, and who may not open it (an organisation not on the case, a provider)."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.core import clock
from crossline.programmes import referrals
from crossline.programmes.models import Referral
from crossline.programmes.pages import refer_prefix
from crossline.programmes.schemas import CompleteIn, StepIn
from tests.programmes.test_referrals import CLOSED, OPEN, Parties, make_parties
from tests.programmes.test_referrals_api import signed_in


@pytest.fixture(autouse=True)
def december(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: datetime(2025, 12, 19, 12, tzinfo=UTC))


def _path(p: Parties) -> str:
    return f"/programmes/young-people/{p.young_person.id}"


def _text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def _card(page: str, programme_id: str) -> str:
    """The text of one programme's summary card."""
    found = re.search(
        rf'<div class="govuk-summary-card" id="programme-{programme_id}">(.*?)'
        r'(?=<div class="govuk-summary-card" id="programme-|$)',
        page,
        re.S,
    )
    assert found, f"no card for {programme_id}"
    return _text(found[1])


def _refer(p: Parties, programme: str, **fields: str) -> dict[str, str]:
    """The form one "Refer" button sends, with fields named as the page names them."""
    prefix = refer_prefix(programme, str(p.provider_org.id))
    return {
        "programme_id": programme,
        "provider_id": str(p.provider_org.id),
        **{f"{prefix}-{name}": value for name, value in fields.items()},
    }


def test_every_programme_is_shown_open_or_not_with_its_reasons_and_providers(
    app: FastAPI, db: Session
) -> None:
    p = make_parties(db)
    with signed_in(app, db, p.referrer) as client:
        answer = client.get(_path(p))
        assert answer.status_code == 200, answer.text
        page = answer.text
        assert "Programmes for Jay Example" in page
        assert f'href="/safeguarding/young-people/{p.young_person.id}"' in page  # back link
        opened = _card(page, OPEN)
        assert "Open to them" in opened
        assert "Not open to them" not in opened
        assert "Test Youth Workers" in opened
        assert "Other Charity: Birmingham" in opened
        assert "treated in hospital after violence" in opened
        closed = _card(page, CLOSED)
        assert "Not open to them" in closed
        assert "returning from a missing episode" in closed
        # Nobody delivers it: no form, and the page says so.
        assert "No organisation in Crossline delivers it yet." in _card(page, "divert")
        # One form per delivering organisation; only a programme not open asks for an override.
        open_prefix = refer_prefix(OPEN, str(p.provider_org.id))
        closed_prefix = refer_prefix(CLOSED, str(p.provider_org.id))
        assert f'id="{open_prefix}-reason"' in page
        assert f'id="{open_prefix}-override_reason"' not in page
        assert f'id="{closed_prefix}-override_reason"' in page
        assert refer_prefix(OPEN, str(p.other_org.id)) in page
        assert "No referrals yet." in page
        assert 'href="/programmes/referrals"' not in page  # not a provider: no inbox in the menu


def test_without_a_date_of_birth_the_page_says_what_to_record(app: FastAPI, db: Session) -> None:
    p = make_parties(db, dob=None)
    with signed_in(app, db, p.referrer) as client:
        page = client.get(_path(p)).text
        assert "Their date of birth is not recorded" in page
        assert f'href="/safeguarding/young-people/{p.young_person.id}/edit"' in page
        opened = _card(page, OPEN)
        assert "Not open to them" in opened
        assert "Date of birth not recorded: cannot check the rule aged 11 to 25" in opened


def test_refer_from_the_page_then_see_the_referral_and_its_outcome(
    app: FastAPI, db: Session
) -> None:
    p = make_parties(db)
    path = _path(p)
    prefix = refer_prefix(OPEN, str(p.provider_org.id))
    with signed_in(app, db, p.referrer) as client:
        empty = client.post(f"{path}/referrals", data=_refer(p, OPEN, reason="  "))
        assert empty.status_code == 422
        assert "govuk-error-summary" in empty.text
        assert f'href="#{prefix}-reason"' in empty.text
        assert "Say why you refer them to this programme." in empty.text
        assert f'id="{prefix}" open' in empty.text  # the form sent is open again

        sent = client.post(
            f"{path}/referrals", data=_refer(p, OPEN, reason="Stabbed last week; wants help.")
        )
        assert sent.status_code == 303, sent.text
        assert sent.headers["location"] == f"{path}?sent=1#referrals"
        page = _text(client.get(sent.headers["location"]).text)
        assert "The referral has been sent." in page
        assert "Redthread Youth Violence Intervention Programme Test Youth Workers" in page
        assert "Sent" in page

        again = client.post(f"{path}/referrals", data=_refer(p, OPEN, reason="Again."))
        assert again.status_code == 422
        assert f'href="#{prefix}-form"' in again.text
        assert "already has an open referral" in again.text
        assert "Again." in again.text  # what was entered is kept

    referral = db.scalars(select(Referral)).one()
    referrals.accept(db, p.provider, referral.id, StepIn(version=1))
    referrals.enrol(db, p.provider, referral.id, StepIn(version=2))
    done = CompleteIn(version=3, outcome="goals_met", note="Back at college.")
    referrals.complete(db, p.provider, referral.id, done)
    with signed_in(app, db, p.member) as member:  # another organisation on the case
        page = _text(member.get(path).text)
        assert "Completed" in page
        assert "Completed, goals met: Back at college." in page
        assert "The referral has been sent." not in page


def test_a_programme_not_open_to_them_needs_an_override_reason(app: FastAPI, db: Session) -> None:
    p = make_parties(db)
    path = _path(p)
    prefix = refer_prefix(CLOSED, str(p.provider_org.id))
    with signed_in(app, db, p.referrer) as client:
        refused = client.post(f"{path}/referrals", data=_refer(p, CLOSED, reason="Went missing."))
        assert refused.status_code == 422
        assert f'href="#{prefix}-override_reason"' in refused.text
        assert "does not meet the rules of" in refused.text
        assert "Went missing." in refused.text
        sent = client.post(
            f"{path}/referrals",
            data=_refer(p, CLOSED, reason="Went missing.", override_reason="Missing twice since."),
        )
        assert sent.status_code == 303, sent.text
        page = _text(client.get(path).text)
        assert "Referred although the rules were not met: Missing twice since." in page
    referral = db.scalars(select(Referral)).one()
    assert referral.programme_id == CLOSED
    assert referral.provider_id == p.provider_org.id


def test_a_form_the_page_does_not_hold_points_at_the_heading(app: FastAPI, db: Session) -> None:
    p = make_parties(db)
    with signed_in(app, db, p.referrer) as client:
        answer = client.post(
            f"{_path(p)}/referrals",
            data={"programme_id": "divert", "provider_id": str(p.provider_org.id), "x": "y"},
        )
        assert answer.status_code == 422
        assert 'href="#programmes"' in answer.text
    assert db.scalars(select(Referral)).first() is None


def test_an_organisation_not_on_the_case_is_told_there_is_no_such_young_person(
    app: FastAPI, db: Session
) -> None:
    p = make_parties(db)
    with signed_in(app, db, p.stranger) as client:
        assert client.get(_path(p)).status_code == 404
        answer = client.post(f"{_path(p)}/referrals", data=_refer(p, OPEN, reason="Help."))
        assert answer.status_code == 404
        assert "Jay" not in answer.text
    assert db.scalars(select(Referral)).first() is None


def test_a_provider_is_refused_the_page_and_the_form(app: FastAPI, db: Session) -> None:
    p = make_parties(db)
    with signed_in(app, db, p.provider) as client:
        assert client.get(_path(p)).status_code == 403
        answer = client.post(f"{_path(p)}/referrals", data=_refer(p, OPEN, reason="Help."))
        assert answer.status_code == 403
    assert db.scalars(select(Referral)).first() is None


def test_the_case_page_links_to_programmes_and_the_legal_summary(app: FastAPI, db: Session) -> None:
    p = make_parties(db)
    with signed_in(app, db, p.referrer) as client:
        page = client.get(p.young_person.url).text
        assert f'href="/programmes/young-people/{p.young_person.id}"' in page
        assert f'href="/safeguarding/young-people/{p.young_person.id}/legal"' in page
