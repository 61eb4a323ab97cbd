"""Agency records through the page and the API (DESIGN.md, Bad input): a safeguarding
practitioner uploads a hospital file, the good rows are imported and the bad ones set
aside with their line and reason, never their values; the import is kept and listed; the
same file again adds nothing; a missing choice is a GOV.UK error; another organisation
never sees the import, and a user who may not write cannot import."""

from __future__ import annotations

import csv
import io

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from crossline.safeguarding.models import AgencyQuarantinedRow, Concern
from tests.factories import make_organisation, make_user
from tests.safeguarding.helpers import page_text, signed_in

HEADER = ["attendance_id", "hospital", "arrived_at", "first_name", "surname", "dob", "injury"]
ROWS = [
    ["ED-1", "Telford Hospital", "2025-10-13T01:57:35Z", "Leah", "Adeyemi", "2010-09-11", "cut"],
    ["ED-2", "Telford Hospital", "13/10/2025", "Sam", "Okonkwo", "2010-09-11", "cut"],
    ["ED-3", "Telford Hospital", "2025-10-14T01:57:35Z", "Old", "Man", "1950-01-01", "bruise"],
]


def _file(rows: list[list[str]] = ROWS) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode()


def test_a_hospital_file_through_the_page_then_the_api(app: FastAPI, db: Session) -> None:
    trust = make_organisation(db, "health_trust", "Telford Hospitals Trust")
    practitioner = make_user(db, trust, ["safeguarding_practitioner"])
    other = make_user(
        db, make_organisation(db, "health_trust", "Another Trust"), ["safeguarding_practitioner"]
    )
    viewer = make_user(db, trust, ["programme_provider"])

    with signed_in(app, practitioner) as client:
        unchosen = client.post("/safeguarding/imports", data={"kind": ""})
        assert unchosen.status_code == 422
        text = page_text(unchosen.text)
        assert "There is a problem Choose what kind of records the file holds." in text
        nofile = client.post("/safeguarding/imports", data={"kind": "hospital"})
        assert nofile.status_code == 422
        assert "Choose a file to import." in page_text(nofile.text)
        wrong = client.post(
            "/safeguarding/imports",
            data={"kind": "hospital"},
            files={"file": ("ed.csv", b"a,b\n1,2\n", "text/csv")},
        )
        assert wrong.status_code == 422  # not the layout: refused whole, with the reason
        assert 'href="#file"' in wrong.text

        done = client.post(
            "/safeguarding/imports",
            data={"kind": "hospital"},
            files={"file": ("ed.csv", _file(), "text/csv")},
        )
        assert done.status_code == 303
        detail = client.get(done.headers["location"])
        text = page_text(detail.text)
        assert "Hospital attendances after violence" in text
        assert "Imported 1" in text
        assert "Young people recorded 1" in text
        assert "3 arrived_at: not a date" in text  # line 3, and why
        assert "an adult on the day" in text  # skipped and counted
        assert "Okonkwo" not in detail.text  # the row set aside: its values are not kept
        listing = page_text(client.get("/safeguarding/imports").text)
        assert "ed.csv Hospital attendances after violence" in listing

        again = client.post(
            "/api/safeguarding/imports",
            data={"kind": "hospital"},
            files={"file": ("ed.csv", _file(), "text/csv")},
        )
        assert again.status_code == 201
        body = again.json()
        assert (body["imported"], body["already"], body["quarantined"]) == (0, 1, 1)
        assert body["quarantined_rows"] == [
            {"line": 3, "reason": body["quarantined_rows"][0]["reason"]}
        ]
        assert body["quarantined_rows"][0]["reason"].startswith("arrived_at: not a date")
        listed = client.get("/api/safeguarding/imports").json()
        assert len(listed) == 2
        assert all(i["quarantined_rows"] is None for i in listed)
        import_id = body["id"]

    assert db.scalar(select(func.count()).select_from(Concern)) == 1
    reasons = db.scalars(select(AgencyQuarantinedRow.reason)).all()
    assert len(reasons) == 2
    assert not any("Okonkwo" in r or "13/10/2025" in r for r in reasons)

    with signed_in(app, other) as client:
        assert client.get(f"/api/safeguarding/imports/{import_id}").status_code == 404
        assert client.get(f"/safeguarding/imports/{import_id}").status_code == 404
        assert client.get("/api/safeguarding/imports").json() == []
    with signed_in(app, viewer) as client:
        refused = client.post(
            "/api/safeguarding/imports",
            data={"kind": "hospital"},
            files={"file": ("ed.csv", _file(), "text/csv")},
        )
        assert refused.status_code == 403
