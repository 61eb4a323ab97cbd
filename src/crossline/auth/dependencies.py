"""Who is asking: resolving the session cookie or API token, permission gates, CSRF.

Routes declare what they need with ``Annotated[Actor, Allowed(Permission.X)]``
(or :data:`ActorDep` for any signed-in user); the permission-matrix test reads
these declarations, and the services check the same permission again.
"""

from __future__ import annotations

import contextlib
from typing import Annotated, Any, cast

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from crossline.auth import csrf
from crossline.auth.actor import Actor
from crossline.auth.models import SignInSession
from crossline.auth.permissions import Permission
from crossline.auth.signin import actor_for_api_token, session_for_token
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import Forbidden, NotAuthenticated
from crossline.core.settings import Settings

SESSION_COOKIE = "crossline_session"
_UNRESOLVED = object()
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def resolve_actor(request: Request, db: Session, settings: Settings) -> Actor | None:
    """The actor of this request, or None if it carries no credentials; memoised per request.

    A bearer token in ``Authorization`` wins over a cookie. Invalid
    credentials raise NotAuthenticated (the cookie is then cleared).
    """
    cached = getattr(request.state, "resolved_actor", _UNRESOLVED)
    if cached is not _UNRESOLVED:
        return cast("Actor | None", cached)
    actor: Actor | None = None
    session: SignInSession | None = None
    authorization = request.headers.get("authorization", "")
    try:
        if authorization.lower().startswith("bearer "):
            actor = actor_for_api_token(db, settings, authorization[7:].strip())
        elif token := request.cookies.get(SESSION_COOKIE):
            session, actor = session_for_token(db, settings, token)
    except NotAuthenticated:
        request.state.clear_session_cookie = True
        raise
    request.state.resolved_actor = actor
    request.state.sign_in_session = session
    request.state.actor = actor
    if session is not None:
        request.state.csrf_token = session.csrf_token
    return actor


def optional_actor(request: Request, db: DbDep, settings: SettingsDep) -> Actor | None:
    """The signed-in actor, or None for pages open to everyone (an expired session is None)."""
    try:
        return resolve_actor(request, db, settings)
    except NotAuthenticated:
        return None


def current_actor(request: Request, db: DbDep, settings: SettingsDep) -> Actor:
    """The signed-in actor; raises NotAuthenticated (pages then redirect to sign-in)."""
    actor = resolve_actor(request, db, settings)
    if actor is None:
        raise NotAuthenticated("Sign in to use Crossline.")
    return actor


class Allowed:
    """A dependency that lets through only actors whose roles grant ``permission``."""

    def __init__(self, permission: Permission) -> None:
        self.permission = permission

    def __call__(self, actor: Annotated[Actor, Depends(current_actor)]) -> Actor:
        if not actor.can(self.permission):
            raise Forbidden(
                "Your roles do not allow this page. Ask your organisation's administrator "
                "if you need it for your work."
            )
        return actor

    def __repr__(self) -> str:
        return f"Allowed({self.permission.value!r})"


def allowed(permission: Permission) -> Any:
    """``Annotated[Actor, allowed(Permission.X)]`` in a route signature."""
    return Depends(Allowed(permission))


ActorDep = Annotated[Actor, Depends(current_actor)]
OptionalActorDep = Annotated[Actor | None, Depends(optional_actor)]


async def csrf_protect(request: Request, db: DbDep, settings: SettingsDep) -> None:
    """Refuse a state-changing request from a browser without the right CSRF token.

    Applied to every route by the web app. Bearer-token requests, and JSON
    requests without a session cookie, carry no ambient credentials and are exempt.
    """
    if request.method in _SAFE_METHODS:
        return
    if request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/json") and SESSION_COOKIE not in request.cookies:
        # No ambient credential to abuse, and a cross-site page cannot send JSON
        # without a CORS preflight, which this app never grants.
        return
    given = request.headers.get(csrf.HEADER)
    if given is None and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(csrf.FORM_FIELD)
        given = value if isinstance(value, str) else None
    with contextlib.suppress(NotAuthenticated):
        resolve_actor(request, db, settings)
    session: SignInSession | None = getattr(request.state, "sign_in_session", None)
    if session is not None:
        expected: str | None = session.csrf_token
    else:
        seed = request.cookies.get(csrf.ANONYMOUS_COOKIE)
        expected = csrf.anonymous_token(settings.resolved_secret_key(), seed) if seed else None
    if not csrf.tokens_match(expected, given):
        raise CsrfRefused(
            "This form has expired or did not come from Crossline. Go back, reload the page "
            "and try again."
        )


class CsrfRefused(Forbidden):
    title = "This form could not be accepted"
