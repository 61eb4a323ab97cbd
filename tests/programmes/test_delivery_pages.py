"""The programmes an organisation delivers, through its page: an administrator adds one with
a note for referrers (the form's error summary first), sees it listed and removes it; each
change is audited; a user who does not administer the organisation is refused."""

from __future__ import annotations

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.programmes import referrals
from tests.factories import make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in


def test_an_administrator_says_which_programmes_the_organisation_delivers(
    app: FastAPI, db: Session
) -> None:
    charity = make_organisation(db, "programme_provider", "Hospital Youth Workers")
    admin = make_user(db, charity, ["administrator"])
    worker = make_user(db, charity, ["programme_provider"])

    with signed_in(app, admin) as client:
        page = client.get("/organisation/programmes")
        assert page.status_code == 200
        assert "Your organisation delivers no programme of the catalogue yet." in page_text(
            page.text
        )
        unchosen = client.post("/organisation/programmes", data={"programme_id": ""})
        assert unchosen.status_code == 422
        assert "There is a problem Choose the programme your organisation delivers." in (
            page_text(unchosen.text)
        )
        assert 'href="#programme_id"' in unchosen.text
        unknown = client.post("/organisation/programmes", data={"programme_id": "nothing"})
        assert unknown.status_code == 422
        added = client.post(
            "/organisation/programmes",
            data={"programme_id": "redthread", "note": "Queen's Medical Centre, Nottingham"},
        )
        assert added.status_code == 303
        listed = page_text(client.get(added.headers["location"]).text)
        assert "Programme added" in listed
        assert "Queen's Medical Centre, Nottingham" in listed
        # What is delivered is not offered again.
        assert '<option value="redthread"' not in client.get("/organisation/programmes").text
        removed = client.post("/organisation/programmes/redthread/remove")
        assert removed.status_code == 303
        assert client.post("/organisation/programmes/redthread/remove").status_code == 404

    assert referrals.deliveries(db, "redthread") == []
    audited = db.scalars(
        select(AuditEntry.justification)
        .where(AuditEntry.record_type == "programme_delivery")
        .order_by(AuditEntry.seq)
    ).all()
    assert audited == [
        "Hospital Youth Workers now delivers Redthread Youth Violence Intervention Programme",
        "Hospital Youth Workers no longer delivers Redthread Youth Violence Intervention Programme",
    ]

    with signed_in(app, worker) as client:
        assert client.get("/organisation/programmes").status_code == 403
        refused = client.post("/organisation/programmes", data={"programme_id": "redthread"})
        assert refused.status_code == 403
    assert referrals.deliveries(db, "redthread") == []
