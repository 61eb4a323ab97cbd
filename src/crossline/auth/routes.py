"""Sign-in and sign-out pages, and user administration as pages and API."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response

from crossline.auth import services, signin
from crossline.auth.actor import Actor
from crossline.auth.dependencies import SESSION_COOKIE, ActorDep, OptionalActorDep, allowed
from crossline.auth.models import User
from crossline.auth.organisations import organisation_of
from crossline.auth.permissions import ROLES, Permission
from crossline.auth.schemas import (
    ApiTokenCreate,
    ApiTokenIssued,
    ApiTokenRead,
    PasswordChange,
    PasswordSet,
    UserCreate,
    UserRead,
    UserUpdate,
)
from crossline.core.dependencies import DbDep, SettingsDep
from crossline.core.errors import InvalidInput
from crossline.core.pages import NavItem, add_navigation, form_model, render, see_other

router = APIRouter()
add_navigation(NavItem("Users", "/admin/users", Permission.USERS_MANAGE.value, order=80))

UserAdmin = Annotated[Actor, allowed(Permission.USERS_MANAGE)]


# --- signing in and out -------------------------------------------------------------------


@router.get("/sign-in", include_in_schema=False)
def sign_in_page(request: Request, actor: OptionalActorDep, next: str = "/") -> Response:
    if actor is not None:
        return see_other(_safe_next(next))
    return render(request, "auth/sign_in.html", {"next": _safe_next(next), "email": ""})


@router.post("/sign-in", include_in_schema=False)
def sign_in(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    errors: dict[str, str] = {}
    if not email.strip():
        errors["email"] = "Enter your email address"
    if not password:
        errors["password"] = "Enter your password"  # noqa: S105  a message, not a password
    if not errors:
        try:
            new = signin.sign_in(db, settings, email, password)
        except InvalidInput as exc:
            errors = exc.errors
        else:
            response = see_other(_safe_next(next))
            response.set_cookie(
                SESSION_COOKIE,
                new.token,
                httponly=True,
                samesite="lax",
                secure=settings.uses_tls(request.url.scheme),
                path="/",
            )
            return response
    return render(
        request,
        "auth/sign_in.html",
        {"errors": errors, "email": email, "next": _safe_next(next)},
        status_code=422,
    )


@router.post("/sign-out", include_in_schema=False)
def sign_out(request: Request, db: DbDep) -> Response:
    session = getattr(request.state, "sign_in_session", None)
    if session is not None:
        signin.sign_out(db, session)
    response = render(request, "auth/signed_out.html", {"actor": None, "navigation": []})
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/account/password", include_in_schema=False)
def password_page(request: Request, actor: ActorDep) -> Response:
    return render(request, "auth/password.html", {"done": False})


@router.post("/account/password", include_in_schema=False)
async def change_password(request: Request, db: DbDep, actor: ActorDep) -> Response:
    form = await request.form()
    try:
        data = form_model(form, PasswordChange)
        signin.change_own_password(
            db,
            actor,
            getattr(request.state, "sign_in_session", None),
            data.current_password,
            data.new_password,
        )
    except InvalidInput as exc:
        return render(
            request, "auth/password.html", {"done": False, "errors": exc.errors}, status_code=422
        )
    return render(request, "auth/password.html", {"done": True})


def _safe_next(target: str) -> str:
    """Only a path on this site: never an open redirect to somewhere else."""
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


# --- user administration: pages --------------------------------------------------------------


def _role_options(kind: str) -> list[tuple[str, str, str]]:
    return [(r.id, r.label, r.description) for r in ROLES.values() if r.allows_kind(kind)]


@router.get("/admin/users", include_in_schema=False)
def users_page(request: Request, db: DbDep, actor: UserAdmin) -> Response:
    users = services.list_users(db, actor)
    return render(request, "auth/users.html", {"users": users, "roles": ROLES})


@router.get("/admin/users/new", include_in_schema=False)
def new_user_page(request: Request, db: DbDep, actor: UserAdmin) -> Response:
    organisation = organisation_of(db, actor.organisation_id)
    return render(
        request,
        "auth/user_new.html",
        {"values": {}, "role_options": _role_options(organisation.kind)},
    )


@router.post("/admin/users/new", include_in_schema=False)
async def create_user(request: Request, db: DbDep, actor: UserAdmin) -> Response:
    form = await request.form()
    organisation = organisation_of(db, actor.organisation_id)
    try:
        data = form_model(form, UserCreate, lists=("roles",))
        user = services.create_user(db, actor, organisation, data)
    except InvalidInput as exc:
        return render(
            request,
            "auth/user_new.html",
            {
                "errors": exc.errors,
                "values": dict(form) | {"roles": form.getlist("roles")},
                "role_options": _role_options(organisation.kind),
            },
            status_code=422,
        )
    return see_other(user.url)


@router.get("/admin/users/{user_id}", include_in_schema=False)
def user_page(request: Request, user_id: uuid.UUID, db: DbDep, actor: UserAdmin) -> Response:
    return _user_page(request, db, actor, user_id)


def _user_page(
    request: Request,
    db: Session,
    actor: Actor,
    user_id: uuid.UUID,
    *,
    errors: dict[str, str] | None = None,
    issued: str | None = None,
    notice: str | None = None,
    status_code: int = 200,
) -> Response:
    user = services.get_user(db, actor, user_id)
    organisation = organisation_of(db, actor.organisation_id)
    return render(
        request,
        "auth/user.html",
        {
            "user": user,
            "role_options": _role_options(organisation.kind),
            "tokens": services.list_api_tokens(db, actor, user_id),
            "issued": issued,
            "notice": notice,
            "errors": errors or {},
        },
        status_code=status_code,
    )


@router.post("/admin/users/{user_id}", include_in_schema=False)
async def update_user(
    request: Request, user_id: uuid.UUID, db: DbDep, actor: UserAdmin
) -> Response:
    form = await request.form()
    try:
        data = form_model(form, UserUpdate, lists=("roles",))
        services.update_user(db, actor, user_id, data)
    except InvalidInput as exc:
        user = services.get_user(db, actor, user_id)
        organisation = organisation_of(db, actor.organisation_id)
        return render(
            request,
            "auth/user.html",
            {
                "user": user,
                "errors": exc.errors,
                "role_options": _role_options(organisation.kind),
                "tokens": services.list_api_tokens(db, actor, user_id),
                "issued": None,
            },
            status_code=422,
        )
    return see_other(f"/admin/users/{user_id}")


@router.post("/admin/users/{user_id}/password", include_in_schema=False)
async def set_password(
    request: Request, user_id: uuid.UUID, db: DbDep, actor: UserAdmin
) -> Response:
    form = await request.form()
    try:
        services.set_password(db, actor, user_id, form_model(form, PasswordSet).new_password)
    except InvalidInput as exc:
        return _user_page(request, db, actor, user_id, errors=exc.errors, status_code=422)
    return _user_page(
        request,
        db,
        actor,
        user_id,
        notice="New password set. Their sessions "
        "have ended; give them the password in person or by phone.",
    )


@router.post("/admin/users/{user_id}/unlock", include_in_schema=False)
def unlock_user(user_id: uuid.UUID, db: DbDep, actor: UserAdmin) -> Response:
    services.unlock_user(db, actor, user_id)
    return see_other(f"/admin/users/{user_id}")


@router.post("/admin/users/{user_id}/tokens", include_in_schema=False)
async def issue_token(
    request: Request, user_id: uuid.UUID, db: DbDep, settings: SettingsDep, actor: UserAdmin
) -> Response:
    form = await request.form()
    organisation = organisation_of(db, actor.organisation_id)
    errors: dict[str, str] = {}
    issued = None
    try:
        data = form_model(form, ApiTokenCreate)
        issued = services.issue_api_token(db, actor, user_id, data, settings.resolved_secret_key())
    except InvalidInput as exc:
        errors = exc.errors
    user = services.get_user(db, actor, user_id)
    return render(
        request,
        "auth/user.html",
        {
            "user": user,
            "errors": errors,
            "role_options": _role_options(organisation.kind),
            "tokens": services.list_api_tokens(db, actor, user_id),
            "issued": issued[1] if issued else None,
        },
        status_code=422 if errors else 200,
    )


@router.post("/admin/users/{user_id}/tokens/{token_id}/revoke", include_in_schema=False)
def revoke_token(user_id: uuid.UUID, token_id: uuid.UUID, db: DbDep, actor: UserAdmin) -> Response:
    services.revoke_api_token(db, actor, user_id, token_id)
    return see_other(f"/admin/users/{user_id}")


# --- user administration: API -----------------------------------------------------------------


def _read(user: User) -> UserRead:
    return UserRead.model_validate(user)


@router.get("/api/users", tags=["users"])
def api_list_users(db: DbDep, actor: UserAdmin) -> list[UserRead]:
    """The users of your organisation. Audited as consultation."""
    return [_read(user) for user in services.list_users(db, actor)]


@router.post("/api/users", tags=["users"], status_code=201)
def api_create_user(data: UserCreate, db: DbDep, actor: UserAdmin) -> UserRead:
    """Add a user to your organisation. Audited as collection."""
    organisation = organisation_of(db, actor.organisation_id)
    return _read(services.create_user(db, actor, organisation, data, via="api"))


@router.get("/api/users/{user_id}", tags=["users"])
def api_get_user(user_id: uuid.UUID, db: DbDep, actor: UserAdmin) -> UserRead:
    return _read(services.get_user(db, actor, user_id))


@router.put("/api/users/{user_id}", tags=["users"])
def api_update_user(user_id: uuid.UUID, data: UserUpdate, db: DbDep, actor: UserAdmin) -> UserRead:
    """Change a user; send the `version` you read. 409 if someone changed it since."""
    return _read(services.update_user(db, actor, user_id, data))


@router.post("/api/users/{user_id}/tokens", tags=["users"], status_code=201)
def api_issue_token(
    user_id: uuid.UUID, data: ApiTokenCreate, db: DbDep, settings: SettingsDep, actor: UserAdmin
) -> ApiTokenIssued:
    """Issue an API token acting as the user. The token is in this answer only."""
    api_token, token = services.issue_api_token(
        db, actor, user_id, data, settings.resolved_secret_key()
    )
    return ApiTokenIssued.model_validate(
        {**ApiTokenRead.model_validate(api_token).model_dump(), "token": token}
    )


@router.get("/api/users/{user_id}/tokens", tags=["users"])
def api_list_tokens(user_id: uuid.UUID, db: DbDep, actor: UserAdmin) -> list[ApiTokenRead]:
    """The user's API tokens, newest first (never the tokens themselves)."""
    return [ApiTokenRead.model_validate(t) for t in services.list_api_tokens(db, actor, user_id)]


@router.post("/api/users/{user_id}/tokens/{token_id}/revoke", tags=["users"])
def api_revoke_token(
    user_id: uuid.UUID, token_id: uuid.UUID, db: DbDep, actor: UserAdmin
) -> ApiTokenRead:
    """Revoke an API token at once. Revoking a revoked token changes nothing."""
    return ApiTokenRead.model_validate(services.revoke_api_token(db, actor, user_id, token_id))
