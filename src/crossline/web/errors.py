"""One answer for every error: a GOV.UK page for people, problem+json for systems.

No stack trace ever reaches a user; unexpected errors are logged with the
request path and method only (never bodies, which may hold personal data).
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from crossline.core.errors import CrosslineError, InvalidInput, NotAuthenticated, NotFound
from crossline.core.pages import render

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"
_TITLES = {
    400: "The request could not be understood",
    401: "Sign in to continue",
    403: "You do not have permission to see this page",
    404: "Page not found",
    405: "This page cannot be used that way",
    409: "Someone else has changed this record",
    413: "The request is too large",
    422: "There is a problem",
    500: "Sorry, there is a problem with the service",
}


def wants_json(request: Request) -> bool:
    """API paths, and callers that ask for JSON rather than HTML, get problem+json."""
    if request.url.path.startswith("/api"):
        return True
    accept = request.headers.get("accept", "")
    return "json" in accept and "text/html" not in accept


def problem(
    status: int, detail: str, *, errors: dict[str, str] | None = None, title: str | None = None
) -> JSONResponse:
    """An RFC 9457 problem description."""
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = errors
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def error_page(request: Request, status: int, title: str, detail: str) -> Response:
    return render(
        request,
        "error.html",
        {"status": status, "title": title, "detail": detail},
        status_code=status,
    )


def error_response(request: Request, error: CrosslineError) -> Response:
    """The answer to a Crossline error, as a page or problem+json."""
    errors = error.errors if isinstance(error, InvalidInput) else None
    if wants_json(request):
        return problem(error.status, error.message, errors=errors, title=error.title)
    if isinstance(error, NotAuthenticated):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)
    return error_page(request, error.status, error.title, error.message)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(CrosslineError)
    async def crossline_error(request: Request, error: CrosslineError) -> Response:
        if error.status >= 500:
            log.error("%s on %s %s", type(error).__name__, request.method, request.url.path)
        return error_response(request, error)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, error: StarletteHTTPException) -> Response:
        if error.status_code == 404:
            return error_response(
                request,
                NotFound(
                    "If you typed the web address, check it is correct. If you pasted it, "
                    "check you copied the whole address."
                ),
            )
        detail = (
            error.detail if isinstance(error.detail, str) else _TITLES.get(error.status_code, "")
        )
        if wants_json(request):
            return problem(error.status_code, detail)
        title = _TITLES.get(error.status_code, "There is a problem")
        return error_page(request, error.status_code, title, detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        details = error.errors()
        if any(d.get("type") == "json_invalid" for d in details):
            return _bad_request(request, "The request body is not valid JSON.")
        fields = {
            ".".join(str(p) for p in d["loc"] if p != "body") or "body": str(d["msg"])
            for d in details
        }
        if wants_json(request):
            return problem(422, "Some fields are missing or wrong; see errors.", errors=fields)
        return error_page(
            request, 422, _TITLES[422], "; ".join(f"{k}: {v}" for k, v in fields.items())
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        # Only the type: a message may quote personal data from the request.
        log.error("unexpected %s on %s %s", type(error).__name__, request.method, request.url.path)
        detail = (
            "Try again later. If it keeps happening, tell your administrator what you were doing."
        )
        if wants_json(request):
            return problem(500, detail)
        return error_page(request, 500, _TITLES[500], detail)


def _bad_request(request: Request, detail: str) -> Response:
    if wants_json(request):
        return problem(400, detail)
    return error_page(request, 400, _TITLES[400], detail)
