"""Every error Crossline raises on purpose, each knowing its HTTP status.

::

    CrosslineError (500)
    ├── NotAuthenticated (401)   no valid session or API token
    ├── Forbidden (403)          signed in, but the roles do not allow it
    ├── NotFound (404)           no such record, or not one this user may know of
    ├── Conflict (409)           someone else saved the record first
    ├── PayloadTooLarge (413)    a request body over the configured limit
    ├── InvalidInput (422)       a form or API field is wrong; ``errors`` per field
    └── CatalogueError (500)     a shipped data file is malformed (stops start-up)

The web layer renders any of them as a GOV.UK page, a form's error summary or
``application/problem+json``; the CLI prints the message and exits 1.
Messages say what is wrong and what to do next, and never name people or
phone numbers (they may reach a log).
"""

from __future__ import annotations

from typing import ClassVar


class CrosslineError(Exception):
    """Base of every error Crossline raises on purpose."""

    status: ClassVar[int] = 500
    title: ClassVar[str] = "Sorry, there is a problem with the service"

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.title


class NotAuthenticated(CrosslineError):
    status = 401
    title = "Sign in to continue"


class Forbidden(CrosslineError):
    status = 403
    title = "You do not have permission to see this page"


class NotFound(CrosslineError):
    status = 404
    title = "Page not found"


class Conflict(CrosslineError):
    """Someone else saved first: the user must reload and reapply their change."""

    status = 409
    title = "Someone else has changed this record"


class PayloadTooLarge(CrosslineError):
    status = 413
    title = "The request is too large"


class InvalidInput(CrosslineError):
    """A form or API field is wrong; ``errors`` maps each field to its message."""

    status = 422
    title = "There is a problem"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, str] = {field: message} if field else {}

    @classmethod
    def of_fields(cls, errors: dict[str, str]) -> InvalidInput:
        """One error carrying several field messages, for a form's error summary."""
        first = next(iter(errors.values()))
        error = cls(first)
        error.errors = dict(errors)
        return error


class CatalogueError(CrosslineError):
    """A shipped domain list (YAML) is malformed; raised at start-up."""

    status = 500
    title = "A reference data file is not valid"
