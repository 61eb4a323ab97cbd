"""Signing in, lockout, session expiry and API tokens, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth import signin
from crossline.auth.models import SignInSession
from crossline.auth.schemas import ApiTokenCreate
from crossline.auth.services import issue_api_token, revoke_api_token
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotAuthenticated
from crossline.core.settings import Settings
from tests.factories import PASSWORD, actor_of, make_organisation, make_user


def test_right_password_starts_a_session_whose_token_is_not_stored(
    db: Session, settings: Settings
) -> None:
    user = make_user(db, make_organisation(db), ["intelligence_analyst"])
    new = signin.sign_in(db, settings, user.email.upper(), PASSWORD)
    stored = db.scalars(select(SignInSession.token_hash)).all()
    assert new.token not in stored
    _, actor = signin.session_for_token(db, settings, new.token)
    assert actor.user_id == user.id
    assert actor.roles == {"intelligence_analyst"}


def test_wrong_password_and_unknown_user_get_the_same_answer(
    db: Session, settings: Settings
) -> None:
    user = make_user(db, make_organisation(db))
    with pytest.raises(InvalidInput) as wrong_password:
        signin.sign_in(db, settings, user.email, "not the password")
    with pytest.raises(InvalidInput) as unknown_user:
        signin.sign_in(db, settings, "nobody@police.test-crossline.uk", PASSWORD)
    assert wrong_password.value.message == unknown_user.value.message == signin.SIGN_IN_REFUSED


def test_repeated_failures_lock_the_account_even_for_the_right_password(
    db: Session, settings: Settings
) -> None:
    user = make_user(db, make_organisation(db))
    for _ in range(settings.lockout_attempts):
        with pytest.raises(InvalidInput):
            signin.sign_in(db, settings, user.email, "wrong password")
    db.refresh(user)
    assert user.is_locked
    with pytest.raises(InvalidInput) as refused:
        signin.sign_in(db, settings, user.email, PASSWORD)
    assert refused.value.message == signin.SIGN_IN_REFUSED
    with clock.frozen_at(clock.now() + timedelta(minutes=settings.lockout_minutes + 1)):
        assert signin.sign_in(db, settings, user.email, PASSWORD).token


def test_a_success_resets_the_failure_count(db: Session, settings: Settings) -> None:
    user = make_user(db, make_organisation(db))
    for _ in range(settings.lockout_attempts - 1):
        with pytest.raises(InvalidInput):
            signin.sign_in(db, settings, user.email, "wrong password")
    signin.sign_in(db, settings, user.email, PASSWORD)
    with pytest.raises(InvalidInput):
        signin.sign_in(db, settings, user.email, "wrong password")
    db.refresh(user)
    assert not user.is_locked


def test_deactivated_user_cannot_sign_in(db: Session, settings: Settings) -> None:
    user = make_user(db, make_organisation(db))
    user.is_active = False
    db.commit()
    with pytest.raises(InvalidInput):
        signin.sign_in(db, settings, user.email, PASSWORD)


def test_session_ends_after_idle_time(db: Session, settings: Settings) -> None:
    user = make_user(db, make_organisation(db))
    new = signin.sign_in(db, settings, user.email, PASSWORD)
    later = clock.now() + timedelta(minutes=settings.session_idle_minutes + 1)
    with clock.frozen_at(later), pytest.raises(NotAuthenticated):
        signin.session_for_token(db, settings, new.token)


def test_activity_keeps_a_session_alive_until_its_absolute_expiry(
    db: Session, settings: Settings
) -> None:
    user = make_user(db, make_organisation(db))
    start = clock.now()
    with clock.frozen_at(start):
        new = signin.sign_in(db, settings, user.email, PASSWORD)
    step = timedelta(minutes=settings.session_idle_minutes - 1)
    moment = start
    while moment + step < start + timedelta(hours=settings.session_absolute_hours):
        moment += step
        with clock.frozen_at(moment):
            signin.session_for_token(db, settings, new.token)
    with (
        clock.frozen_at(start + timedelta(hours=settings.session_absolute_hours)),
        pytest.raises(NotAuthenticated),
    ):
        signin.session_for_token(db, settings, new.token)


def test_signed_out_session_is_refused(db: Session, settings: Settings) -> None:
    user = make_user(db, make_organisation(db))
    new = signin.sign_in(db, settings, user.email, PASSWORD)
    signin.sign_out(db, new.session)
    with pytest.raises(NotAuthenticated):
        signin.session_for_token(db, settings, new.token)


def test_api_token_acts_as_its_user_until_revoked(db: Session, settings: Settings) -> None:
    organisation = make_organisation(db)
    admin = make_user(db, organisation, ["administrator"])
    system = make_user(db, organisation, ["intelligence_analyst"], password=None)
    api_token, token = issue_api_token(
        db,
        actor_of(admin, organisation),
        system.id,
        ApiTokenCreate(name="Force records system"),
        settings.resolved_secret_key(),
    )
    assert api_token.token_hash != token
    actor = signin.actor_for_api_token(db, settings, token)
    assert actor.user_id == system.id
    assert actor.via_api_token
    revoke_api_token(db, actor_of(admin, organisation), system.id, api_token.id)
    with pytest.raises(NotAuthenticated):
        signin.actor_for_api_token(db, settings, token)


def test_expired_api_token_is_refused(db: Session, settings: Settings) -> None:
    organisation = make_organisation(db)
    admin = make_user(db, organisation, ["administrator"])
    _, token = issue_api_token(
        db,
        actor_of(admin, organisation),
        admin.id,
        ApiTokenCreate(name="Short-lived", expires_in_days=1),
        settings.resolved_secret_key(),
    )
    with clock.frozen_at(clock.now() + timedelta(days=2)), pytest.raises(NotAuthenticated):
        signin.actor_for_api_token(db, settings, token)


def test_system_account_without_password_cannot_sign_in(db: Session, settings: Settings) -> None:
    user = make_user(db, make_organisation(db), password=None)
    with pytest.raises(InvalidInput):
        signin.sign_in(db, settings, user.email, "")
