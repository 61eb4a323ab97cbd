"""Users and API tokens of an organisation, managed by its administrators.

Every function checks ``users.manage`` and that the user belongs to the
actor's organisation, and audits what it does to the user's personal data.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from crossline.audit.services import Operation, RecordRef, record
from crossline.auth.actor import Actor
from crossline.auth.models import ApiToken, User, UserRole
from crossline.auth.organisations import OrganisationRef, organisation_of
from crossline.auth.passwords import hash_password
from crossline.auth.permissions import ROLES, Permission
from crossline.auth.schemas import ApiTokenCreate, UserCreate, UserUpdate
from crossline.auth.signin import end_sessions, keyed_hash
from crossline.core import clock
from crossline.core.database import check_version
from crossline.core.errors import InvalidInput, NotFound


def user_ref(user_id: uuid.UUID) -> RecordRef:
    return RecordRef.of("user", user_id)


def list_users(db: Session, actor: Actor) -> Sequence[User]:
    """The users of the actor's organisation, by name. Needs ``users.manage``; audited."""
    actor.require(Permission.USERS_MANAGE)
    users = db.scalars(
        select(User)
        .where(User.organisation_id == actor.organisation_id)
        .order_by(User.display_name)
    ).all()
    record(
        db,
        actor,
        Operation.CONSULTATION,
        RecordRef.of("user_list", actor.organisation_id),
        why="administering the organisation's users",
        owner=actor.organisation_id,
    )
    db.commit()
    return users


def get_user(db: Session, actor: Actor, user_id: uuid.UUID) -> User:
    """One user of the actor's organisation. Needs ``users.manage``; audited as consultation."""
    user = _load_own_user(db, actor, user_id)
    _audit(db, actor, Operation.CONSULTATION, user, "administering the organisation's users")
    db.commit()
    return user


def create_user(
    db: Session,
    actor: Actor | None,
    organisation: OrganisationRef,
    data: UserCreate,
    *,
    via: str = "web",
) -> User:
    """Add a user to ``organisation`` with ``data.roles``; audited as collection.

    ``actor`` None is the first administrator, created from the command line
    by whoever runs the deployment. Otherwise the actor must hold
    ``users.manage`` in the same organisation.
    """
    if actor is not None:
        actor.require(Permission.USERS_MANAGE, owner=organisation.id)
    _check_roles(data.roles, organisation)
    email = str(data.email).lower()
    if db.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidInput("A user with this email address already exists.", field="email")
    user = User(
        organisation_id=organisation.id,
        email=email,
        display_name=data.display_name,
        password_hash=hash_password(data.password) if data.password else None,
        role_links=[UserRole(role=role) for role in sorted(set(data.roles))],
    )
    db.add(user)
    try:
        db.flush()
    except IntegrityError as exc:  # a concurrent request took the address first
        db.rollback()
        raise InvalidInput("A user with this email address already exists.", field="email") from exc
    record(
        db,
        actor,
        Operation.COLLECTION,
        user_ref(user.id),
        why="new user account",
        owner=organisation.id,
        via=via,
    )
    db.commit()
    return user


def update_user(db: Session, actor: Actor, user_id: uuid.UUID, data: UserUpdate) -> User:
    """Change a user's name, roles or active state; refuses a stale version. Audited."""
    user = _load_own_user(db, actor, user_id)
    check_version(user, data.version)
    organisation = organisation_of(db, user.organisation_id)
    _check_roles(data.roles, organisation)
    if user.id == actor.user_id and "administrator" not in data.roles:
        raise InvalidInput(
            "You cannot remove your own administrator role. Ask another administrator.",
            field="roles",
        )
    if user.id == actor.user_id and not data.is_active:
        raise InvalidInput("You cannot deactivate your own account.", field="is_active")
    user.display_name = data.display_name
    user.is_active = data.is_active
    wanted = set(data.roles)
    user.role_links = [link for link in user.role_links if link.role in wanted] + [
        UserRole(role=role) for role in sorted(wanted - user.roles)
    ]
    _audit(db, actor, Operation.ALTERATION, user, "user account changed")
    db.commit()
    return user


def unlock_user(db: Session, actor: Actor, user_id: uuid.UUID) -> User:
    """End a lockout after failed sign-ins. Audited."""
    user = _load_own_user(db, actor, user_id)
    user.locked_until = None
    user.failed_sign_ins = 0
    _audit(db, actor, Operation.ALTERATION, user, "account unlocked")
    db.commit()
    return user


def set_password(db: Session, actor: Actor, user_id: uuid.UUID, password: str) -> User:
    """Give a user of the organisation a new password; their sessions end. Audited."""
    user = _load_own_user(db, actor, user_id)
    try:
        user.password_hash = hash_password(password)
    except InvalidInput as exc:
        raise InvalidInput(exc.message, field="new_password") from exc
    user.failed_sign_ins = 0
    user.locked_until = None
    end_sessions(db, user.id)
    _audit(db, actor, Operation.ALTERATION, user, "password set by administrator")
    db.commit()
    return user


def list_api_tokens(db: Session, actor: Actor, user_id: uuid.UUID) -> Sequence[ApiToken]:
    user = _load_own_user(db, actor, user_id)
    return db.scalars(
        select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc())
    ).all()


def issue_api_token(
    db: Session, actor: Actor, user_id: uuid.UUID, data: ApiTokenCreate, secret: bytes
) -> tuple[ApiToken, str]:
    """A new bearer token acting as ``user_id``; the token is returned once and kept hashed."""
    user = _load_own_user(db, actor, user_id)
    token = "cl_" + secrets.token_urlsafe(32)
    api_token = ApiToken(
        user_id=user.id,
        name=data.name.strip(),
        prefix=token[:10],
        token_hash=keyed_hash(secret, token),
        created_by_id=actor.user_id,
        expires_at=clock.now() + timedelta(days=data.expires_in_days),
    )
    db.add(api_token)
    db.flush()
    _audit(db, actor, Operation.ALTERATION, user, "API token issued")
    db.commit()
    return api_token, token


def revoke_api_token(
    db: Session, actor: Actor, user_id: uuid.UUID, token_id: uuid.UUID
) -> ApiToken:
    user = _load_own_user(db, actor, user_id)
    api_token = db.get(ApiToken, token_id)
    if api_token is None or api_token.user_id != user.id:
        raise NotFound("There is no such API token.")
    if api_token.revoked_at is None:
        api_token.revoked_at = clock.now()
        _audit(db, actor, Operation.ALTERATION, user, "API token revoked")
        db.commit()
    return api_token


def _audit(db: Session, actor: Actor, operation: Operation, user: User, why: str) -> None:
    record(db, actor, operation, user_ref(user.id), why=why, owner=user.organisation_id)


def _load_own_user(db: Session, actor: Actor, user_id: uuid.UUID) -> User:
    actor.require(Permission.USERS_MANAGE)
    user = db.get(User, user_id)
    # Another organisation's user is "not found": its existence is not ours to know.
    if user is None or user.organisation_id != actor.organisation_id:
        raise NotFound("There is no such user in your organisation.")
    return user


def _check_roles(roles: list[str], organisation: OrganisationRef) -> None:
    for role_id in roles:
        role = ROLES.get(role_id)
        if role is None:
            raise InvalidInput(f"'{role_id}' is not a role.", field="roles")
        if not role.allows_kind(organisation.kind):
            raise InvalidInput(
                f"The {role.label.lower()} role is not available to this kind of organisation.",
                field="roles",
            )
