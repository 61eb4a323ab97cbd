"""HTTP hardening for every response: security headers, body size limit, CSRF cookie.

Pure ASGI middleware (it wraps ``send`` and ``receive``), so it also covers
static files and error pages.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crossline.auth import csrf
from crossline.auth.dependencies import SESSION_COOKIE
from crossline.core.errors import PayloadTooLarge
from crossline.core.settings import Settings
from crossline.web.errors import error_response

# No inline script or style anywhere: every script and stylesheet is a file
# the app serves (DESIGN.md: no CDN, closed networks).
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
_ALWAYS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}
HSTS = "max-age=31536000; includeSubDomains"
access_log = logging.getLogger("crossline.access")


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        tls = self.settings.uses_tls(scope.get("scheme", "http"))
        seed = request.cookies.get(csrf.ANONYMOUS_COOKIE)
        new_seed = None if seed else csrf.new_anonymous_seed()
        state: dict[str, Any] = scope.setdefault("state", {})
        state["csrf_token"] = csrf.anonymous_token(
            self.settings.resolved_secret_key(), seed or new_seed or ""
        )
        received = 0
        limit = self.settings.max_body_bytes
        declared = request.headers.get("content-length", "")
        # A declared oversize body is refused before a byte of it is read.
        too_large = declared.isdigit() and int(declared) > limit
        refusing = False

        async def limited_receive() -> Message:
            # A body that grows past the limit is cut off: the app sees the client
            # go away, and whatever it answers is replaced by a 413.
            nonlocal received, too_large
            if too_large:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def send_with_headers(message: Message) -> None:
            if too_large and not refusing:
                return
            if message["type"] == "http.response.start":
                # Path only: query strings may hold names searched for.
                access_log.info("%s %s %s", scope["method"], scope["path"], message["status"])
                headers = MutableHeaders(scope=message)
                for name, value in _ALWAYS.items():
                    headers.setdefault(name, value)
                if tls:
                    headers["strict-transport-security"] = HSTS
                if not scope["path"].startswith("/assets/"):
                    headers.setdefault("cache-control", "no-store")
                secure = "; Secure" if tls else ""
                if new_seed:
                    headers.append(
                        "set-cookie",
                        f"{csrf.ANONYMOUS_COOKIE}={new_seed}; "
                        f"Path=/; HttpOnly; SameSite=Lax{secure}",
                    )
                if state.get("clear_session_cookie"):
                    headers.append(
                        "set-cookie",
                        f"{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}",
                    )
            await send(message)

        try:
            if not too_large:
                await self.app(scope, limited_receive, send_with_headers)
        except Exception:
            if not too_large:
                raise
        if too_large:
            refusing = True
            await error_response(request, _too_large(self.settings))(
                scope, receive, send_with_headers
            )


def _too_large(settings: Settings) -> PayloadTooLarge:
    return PayloadTooLarge(
        f"The request is larger than this service accepts ({settings.max_body_bytes:,} bytes). "
        "Send a smaller request, or split the file."
    )
