"""Signing in and out, sessions with idle and absolute expiry, and lockout.

A wrong email, a wrong password, a locked and a deactivated account all get
the same answer (:data:`SIGN_IN_REFUSED`), and take as long, so that the
sign-in page does not reveal who has an account.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from crossline.auth.actor import Actor
from crossline.auth.models import ApiToken, SignInSession, User
from crossline.auth.organisations import organisation_of
from crossline.auth.passwords import hash_password, needs_rehash, verify_password
from crossline.core import clock
from crossline.core.errors import InvalidInput, NotAuthenticated
from crossline.core.settings import Settings

log = logging.getLogger(__name__)

SIGN_IN_REFUSED = (
    "Enter a correct email address and password. After several wrong attempts an "
    "account is locked for a while; your administrator can unlock it."
)
# Last-seen times are written at most this often, to spare the database a write per request.
_TOUCH_EVERY = timedelta(minutes=1)


def keyed_hash(secret: bytes, token: str) -> str:
    """HMAC-SHA256 of a session or API token: a stolen table cannot be replayed as cookies."""
    return hmac.new(secret, token.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class NewSession:
    token: str  # goes in the cookie, never stored
    session: SignInSession


def sign_in(db: Session, settings: Settings, email: str, password: str) -> NewSession:
    """Check the credentials and start a session; count failures towards lockout.

    Raises InvalidInput(SIGN_IN_REFUSED) for every kind of refusal.
    """
    now = clock.now()
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    password_ok = verify_password(user.password_hash if user else None, password)
    if user is None:
        raise InvalidInput(SIGN_IN_REFUSED, field="email")
    locked = user.locked_until is not None and user.locked_until > now
    if locked or not user.is_active or not password_ok:
        if not locked:
            _count_failure(user, settings)
        db.commit()
        log.info("sign-in refused for user %s", user.id)
        raise InvalidInput(SIGN_IN_REFUSED, field="email")
    user.failed_sign_ins = 0
    user.locked_until = None
    user.last_sign_in_at = now
    if user.password_hash and needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    token = secrets.token_urlsafe(32)
    session = SignInSession(
        user_id=user.id,
        token_hash=keyed_hash(settings.resolved_secret_key(), token),
        csrf_token=secrets.token_urlsafe(32),
        last_seen_at=now,
        expires_at=now + timedelta(hours=settings.session_absolute_hours),
    )
    db.add(session)
    db.commit()
    log.info("user %s signed in", user.id)
    return NewSession(token, session)


def _count_failure(user: User, settings: Settings) -> None:
    user.failed_sign_ins += 1
    if user.failed_sign_ins >= settings.lockout_attempts:
        user.locked_until = clock.now() + timedelta(minutes=settings.lockout_minutes)
        user.failed_sign_ins = 0
        log.info("user %s locked after repeated failed sign-ins", user.id)


def session_for_token(db: Session, settings: Settings, token: str) -> tuple[SignInSession, Actor]:
    """The live session a cookie token belongs to, and its actor.

    Raises NotAuthenticated when the token is unknown, the session has ended,
    has been idle too long or has passed its absolute expiry, or the user has
    been deactivated. Touches the session's last-seen time.
    """
    now = clock.now()
    session = db.scalar(
        select(SignInSession).where(
            SignInSession.token_hash == keyed_hash(settings.resolved_secret_key(), token)
        )
    )
    if session is None or session.ended_at is not None:
        raise NotAuthenticated("Your session has ended. Sign in again.")
    idle_limit = session.last_seen_at + timedelta(minutes=settings.session_idle_minutes)
    if now >= session.expires_at or now >= idle_limit:
        session.ended_at = now
        db.commit()
        raise NotAuthenticated("You were signed out because your session expired. Sign in again.")
    actor = _actor_for(db, session.user_id, via_api_token=False)
    if now - session.last_seen_at >= _TOUCH_EVERY:
        session.last_seen_at = now
        db.commit()
    return session, actor


def sign_out(db: Session, session: SignInSession) -> None:
    session.ended_at = clock.now()
    db.commit()


def end_sessions(db: Session, user_id: uuid.UUID, *, keep: SignInSession | None = None) -> int:
    """End every live session of a user (but ``keep``); the caller commits. Returns how many."""
    now = clock.now()
    live = db.scalars(
        select(SignInSession).where(
            SignInSession.user_id == user_id, SignInSession.ended_at.is_(None)
        )
    ).all()
    ended = [s for s in live if s is not keep]
    for session in ended:
        session.ended_at = now
    return len(ended)


def change_own_password(
    db: Session, actor: Actor, session: SignInSession | None, current: str, new: str
) -> None:
    """Change the actor's own password after checking the current one.

    Every other session of the user ends, so a stolen session does not
    outlive the change. Raises InvalidInput for a wrong current password or a
    weak new one.
    """
    user = db.get_one(User, actor.user_id)
    if not verify_password(user.password_hash, current):
        raise InvalidInput("Your current password is not right.", field="current_password")
    try:
        user.password_hash = hash_password(new)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="new_password") from exc
    end_sessions(db, user.id, keep=session)
    db.commit()
    log.info("user %s changed their password", user.id)


def actor_for_api_token(db: Session, settings: Settings, token: str) -> Actor:
    """The actor behind a bearer token; raises NotAuthenticated if unknown, expired or revoked."""
    now = clock.now()
    api_token = db.scalar(
        select(ApiToken).where(
            ApiToken.token_hash == keyed_hash(settings.resolved_secret_key(), token)
        )
    )
    if (
        api_token is None
        or api_token.revoked_at is not None
        or (api_token.expires_at is not None and api_token.expires_at <= now)
    ):
        raise NotAuthenticated("The API token is not valid. Ask your administrator for a new one.")
    actor = _actor_for(db, api_token.user_id, via_api_token=True)
    if api_token.last_used_at is None or now - api_token.last_used_at >= _TOUCH_EVERY:
        api_token.last_used_at = now
        db.commit()
    return actor


def actor_for_email(db: Session, email: str) -> Actor:
    """The actor of the active user with ``email``, for the command line (no session)."""
    user = db.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.is_active:
        raise NotAuthenticated(f"There is no active user {email.strip()!r}.")
    return _actor_for(db, user.id, via_api_token=False)


def _actor_for(db: Session, user_id: uuid.UUID, *, via_api_token: bool) -> Actor:
    user = db.get(User, user_id)
    if user is None or not user.is_active:
        raise NotAuthenticated("This account is no longer active.")
    organisation = organisation_of(db, user.organisation_id)
    return Actor(
        user_id=user.id,
        organisation_id=organisation.id,
        organisation_name=organisation.name,
        display_name=user.display_name,
        roles=user.roles,
        via_api_token=via_api_token,
    )
