"""Rendering pages: one Jinja2 environment over every module's ``templates`` folder.

Routes call :func:`render`; the shared layout (in ``web/templates``) reads the
actor, the CSRF token and the navigation from the request. Modules add their
entries to the navigation with :func:`add_navigation`; an entry shows only to
users whose roles grant its permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.templating import Jinja2Templates

from crossline.core import disclosure
from crossline.core.errors import InvalidInput

PACKAGE_DIR = Path(__file__).parents[1]
SERVICE_NAME = "Crossline"

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    permission: str | None  # None: every signed-in user
    order: int = 100


_NAVIGATION: list[NavItem] = []


def add_navigation(item: NavItem) -> None:
    """Declare a page in the service navigation (once, at import of a module's routes)."""
    if item not in _NAVIGATION:
        _NAVIGATION.append(item)
        _NAVIGATION.sort(key=lambda i: (i.order, i.label))


def navigation_for(permissions: frozenset[str], current_path: str) -> list[dict[str, Any]]:
    """The navigation entries these permissions allow, marking the current one."""
    return [
        {
            "text": item.label,
            "href": item.href,
            "current": current_path == item.href,
            "active": current_path.startswith(item.href) and item.href != "/",
        }
        for item in _NAVIGATION
        if item.permission is None or item.permission in permissions
    ]


def _environment() -> Environment:
    folders = sorted(PACKAGE_DIR.glob("*/templates"))
    environment = Environment(
        loader=ChoiceLoader([FileSystemLoader(folder) for folder in folders]),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals["service_name"] = SERVICE_NAME
    environment.filters["when"] = _when
    environment.filters["controlled"] = disclosure.shown
    return environment


def _when(value: Any) -> str:
    """A datetime as people in the UK read it: '25 Nov 2026, 14:03 UTC'."""
    if value is None:
        return ""
    return f"{value:%-d %b %Y, %H:%M} UTC"


templates = Jinja2Templates(env=_environment())


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status_code: int = 200
) -> HTMLResponse:
    """A page from ``template`` with the layout's context filled in from the request."""
    state = request.state
    actor = getattr(state, "actor", None)
    permissions = frozenset(str(p) for p in actor.permissions) if actor else frozenset()
    full = {
        "actor": actor,
        "csrf_token": getattr(state, "csrf_token", ""),
        "navigation": navigation_for(permissions, request.url.path) if actor else [],
        "current_path": request.url.path,
        "errors": {},
        **(context or {}),
    }
    return templates.TemplateResponse(request, template, full, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    """The answer to a successful form post: go and GET the result (303)."""
    return RedirectResponse(url, status_code=303)


def form_model(form: FormData, model: type[M], *, lists: tuple[str, ...] = ()) -> M:
    """Parse a submitted form into ``model``; raise InvalidInput with a message per field.

    Fields named in ``lists`` (checkboxes) are read as every value given; an
    empty text field is treated as not given.
    """
    data: dict[str, Any] = {}
    for key in form:
        if key in lists:
            data[key] = [str(v) for v in form.getlist(key)]
        elif isinstance(value := form.get(key), str) and value.strip() != "":
            data[key] = value
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput.of_fields(_field_messages(exc, model)) from exc


def _field_messages(exc: ValidationError, model: type[BaseModel]) -> dict[str, str]:
    messages: dict[str, str] = {}
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "form"
        if field in messages:
            continue
        label = _label(model, field)
        if error["type"] == "missing":
            messages[field] = f"Enter {label}"
        elif error["type"].startswith("value_error") and "email" in error["msg"]:
            messages[field] = "Enter an email address in the correct format, like name@example.org"
        elif error["type"] == "string_too_long":
            messages[field] = (
                f"{label.capitalize()} must be {error['ctx']['max_length']} characters or fewer"
            )
        else:
            messages[field] = f"Check {label}: {error['msg'].lower()}"
    return messages


def _label(model: type[BaseModel], field: str) -> str:
    info = model.model_fields.get(field)
    if info is not None and info.title:
        return info.title.lower()
    return field.replace("_", " ")
