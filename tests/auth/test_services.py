"""Administrators manage their own organisation's users: rules, isolation, audit, versions."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.audit.models import AuditEntry
from crossline.auth import services
from crossline.auth.schemas import UserCreate, UserUpdate
from crossline.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from tests.factories import actor_of, make_organisation, make_user


@pytest.fixture
def force(db: Session):
    return make_organisation(db, "police_force")


@pytest.fixture
def admin(db: Session, force):
    return actor_of(make_user(db, force, ["administrator"]), force)


def _audit_of(db: Session, user_id: object) -> list[str]:
    return list(
        db.scalars(
            select(AuditEntry.operation)
            .where(AuditEntry.record_type == "user", AuditEntry.record_id == str(user_id))
            .order_by(AuditEntry.seq)
        )
    )


def test_administrator_adds_a_user_and_it_is_audited(db: Session, force, admin) -> None:
    user = services.create_user(
        db,
        admin,
        force,
        UserCreate(
            email="New.Analyst@Force.police.uk",
            display_name="New Analyst",
            roles=["intelligence_analyst"],
            password="a long enough password",
        ),
    )
    assert user.email == "new.analyst@force.police.uk"
    assert user.roles == {"intelligence_analyst"}
    assert _audit_of(db, user.id) == ["collection"]


def test_email_addresses_are_unique_whatever_their_case(db: Session, force, admin) -> None:
    existing = make_user(db, force)
    with pytest.raises(InvalidInput) as refused:
        services.create_user(
            db,
            admin,
            force,
            UserCreate(email=existing.email.upper(), display_name="Someone", roles=[]),
        )
    assert refused.value.errors == {"email": "A user with this email address already exists."}


def test_role_must_suit_the_kind_of_organisation(db: Session) -> None:
    practice = make_organisation(db, "defence_practice")
    practice_admin = actor_of(make_user(db, practice, ["administrator"]), practice)
    with pytest.raises(InvalidInput, match="not available to this kind"):
        services.create_user(
            db,
            practice_admin,
            practice,
            UserCreate(
                email="solicitor@practice.example.org",
                display_name="A Solicitor",
                roles=["intelligence_analyst"],
            ),
        )


def test_unknown_role_is_refused(db: Session, force, admin) -> None:
    with pytest.raises(InvalidInput, match="'superuser' is not a role"):
        services.create_user(
            db,
            admin,
            force,
            UserCreate(email="x@force.police.uk", display_name="X", roles=["superuser"]),
        )


def test_short_password_is_refused(db: Session, force, admin) -> None:
    with pytest.raises(InvalidInput, match="at least 12 characters"):
        services.create_user(
            db,
            admin,
            force,
            UserCreate(email="x@force.police.uk", display_name="X", roles=[], password="short"),
        )


def test_only_administrators_manage_users(db: Session, force) -> None:
    analyst = actor_of(make_user(db, force, ["intelligence_analyst"]), force)
    with pytest.raises(Forbidden):
        services.list_users(db, analyst)
    with pytest.raises(Forbidden):
        services.create_user(
            db, analyst, force, UserCreate(email="x@force.police.uk", display_name="X", roles=[])
        )


def test_administrator_cannot_see_or_change_another_organisations_users(
    db: Session, force, admin
) -> None:
    other = make_organisation(db, "police_force")
    stranger = make_user(db, other, ["intelligence_analyst"])
    assert stranger.id not in {u.id for u in services.list_users(db, admin)}
    with pytest.raises(NotFound):
        services.get_user(db, admin, stranger.id)
    with pytest.raises(NotFound):
        services.update_user(
            db,
            admin,
            stranger.id,
            UserUpdate(display_name="Hijacked", roles=["administrator"], version=stranger.version),
        )
    with pytest.raises(Forbidden):
        services.create_user(
            db,
            admin,
            other,
            UserCreate(
                email="plant@other.police.uk", display_name="Plant", roles=["administrator"]
            ),
        )


def test_viewing_a_user_is_audited_as_consultation(db: Session, force, admin) -> None:
    user = make_user(db, force)
    services.get_user(db, admin, user.id)
    assert _audit_of(db, user.id) == ["collection", "consultation"]


def test_change_made_to_an_old_version_is_refused(db: Session, force, admin) -> None:
    user = make_user(db, force, ["intelligence_analyst"])
    seen = user.version
    services.update_user(
        db,
        admin,
        user.id,
        UserUpdate(display_name="First Change", roles=["intelligence_analyst"], version=seen),
    )
    with pytest.raises(Conflict):
        services.update_user(
            db, admin, user.id, UserUpdate(display_name="Second Change", roles=[], version=seen)
        )
    db.refresh(user)
    assert user.display_name == "First Change"
    assert user.roles == {"intelligence_analyst"}


def test_roles_are_replaced_by_an_update(db: Session, force, admin) -> None:
    user = make_user(db, force, ["intelligence_analyst", "order_applicant"])
    updated = services.update_user(
        db,
        admin,
        user.id,
        UserUpdate(
            display_name=user.display_name,
            roles=["order_authoriser", "order_applicant"],
            version=user.version,
        ),
    )
    assert updated.roles == {"order_authoriser", "order_applicant"}
    assert _audit_of(db, user.id)[-1] == "alteration"


def test_administrator_cannot_remove_own_administrator_role_or_deactivate_self(
    db: Session, force, admin
) -> None:
    me = services.get_user(db, admin, admin.user_id)
    with pytest.raises(InvalidInput, match="own administrator role"):
        services.update_user(
            db,
            admin,
            me.id,
            UserUpdate(display_name=me.display_name, roles=["auditor"], version=me.version),
        )
    with pytest.raises(InvalidInput, match="deactivate your own"):
        services.update_user(
            db,
            admin,
            me.id,
            UserUpdate(
                display_name=me.display_name,
                roles=["administrator"],
                is_active=False,
                version=me.version,
            ),
        )


def test_unlock_ends_a_lockout(db: Session, force, admin) -> None:
    from datetime import timedelta

    from crossline.core import clock

    user = make_user(db, force)
    user.locked_until = clock.now() + timedelta(minutes=10)
    db.commit()
    assert services.unlock_user(db, admin, user.id).is_locked is False


def test_administrator_sets_a_new_password_and_the_users_sessions_end(
    db: Session, force, admin, settings
) -> None:
    from crossline.auth import signin
    from crossline.core.errors import NotAuthenticated
    from tests.factories import PASSWORD

    user = make_user(db, force)
    new = signin.sign_in(db, settings, user.email, PASSWORD)
    with pytest.raises(InvalidInput) as weak:
        services.set_password(db, admin, user.id, "short")
    assert "new_password" in weak.value.errors
    services.set_password(db, admin, user.id, "a brand new password")
    with pytest.raises(NotAuthenticated):
        signin.session_for_token(db, settings, new.token)
    assert signin.sign_in(db, settings, user.email, "a brand new password").token
    assert _audit_of(db, user.id)[-1] == "alteration"


def test_user_changes_own_password_and_other_sessions_end(db: Session, force, settings) -> None:
    from crossline.auth import signin
    from crossline.core.errors import NotAuthenticated
    from tests.factories import PASSWORD

    user = make_user(db, force)
    here = signin.sign_in(db, settings, user.email, PASSWORD)
    elsewhere = signin.sign_in(db, settings, user.email, PASSWORD)
    me = actor_of(user, force)
    with pytest.raises(InvalidInput) as wrong:
        signin.change_own_password(db, me, here.session, "not it", "another long password")
    assert "current_password" in wrong.value.errors
    signin.change_own_password(db, me, here.session, PASSWORD, "another long password")
    signin.session_for_token(db, settings, here.token)
    with pytest.raises(NotAuthenticated):
        signin.session_for_token(db, settings, elsewhere.token)
