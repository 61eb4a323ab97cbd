"""Cross-site request forgery protection for every state-changing request.

Signed-in browsers carry their session's CSRF token in each form (field
``csrf_token``) or HTMX request (header ``X-CSRF-Token``). Before sign-in there
is no session, so the sign-in and feedback forms use a double-submit token: a
random cookie and its HMAC under the secret key. Requests authenticated by an
API token carry no cookie and need no CSRF token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
ANONYMOUS_COOKIE = "crossline_csrf"


def new_anonymous_seed() -> str:
    return secrets.token_urlsafe(32)


def anonymous_token(secret: bytes, seed: str) -> str:
    """The form token that goes with an anonymous CSRF cookie value."""
    return hmac.new(secret, b"csrf:" + seed.encode(), hashlib.sha256).hexdigest()


def tokens_match(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
