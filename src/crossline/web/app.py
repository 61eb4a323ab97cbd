"""The Crossline web application: ``create_app()`` builds it for ``crossline serve`` and tests."""

from __future__ import annotations

from fastapi import Depends, FastAPI
from fastapi.staticfiles import StaticFiles

import crossline.models  # noqa: F401  every table known to the ORM
from crossline import __version__
from crossline.analytics import routes as analytics_routes
from crossline.audit import routes as audit_routes
from crossline.auth import routes as auth_routes
from crossline.auth.dependencies import csrf_protect
from crossline.comms import routes as comms_routes
from crossline.core.database import make_engine, make_sessionmaker
from crossline.core.settings import Settings, get_settings
from crossline.funding import routes as funding_routes
from crossline.insight import routes as insight_routes
from crossline.lines import intelligence_pages, national_routes
from crossline.lines import routes as lines_routes
from crossline.orders import pages as orders_pages
from crossline.orders import routes as orders_routes
from crossline.orgs import routes as orgs_routes
from crossline.outreach import report_routes, targeting_routes
from crossline.outreach import routes as outreach_routes
from crossline.people import routes as people_routes
from crossline.programmes import dashboard_routes
from crossline.programmes import pages as programmes_pages
from crossline.programmes import routes as programmes_routes
from crossline.safeguarding import (
    import_routes,
    legal_pages,
    legal_routes,
    partnership_pages,
    partnership_routes,
    philomena_pages,
    philomena_routes,
)
from crossline.safeguarding import pages as safeguarding_pages
from crossline.safeguarding import routes as safeguarding_routes
from crossline.web import routes as web_routes
from crossline.web.errors import install_error_handlers
from crossline.web.routes import STATIC_DIR
from crossline.web.security import SecurityMiddleware

API_DESCRIPTION = """
The JSON API of Crossline, for force and partner systems. Authenticate with an
API token issued by your organisation's administrator:
`Authorization: Bearer cl_...`. Errors are `application/problem+json`
(RFC 9457) with `title`, `status`, `detail` and, for invalid fields, `errors`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """The app over the stores ``settings`` name (default: from the environment)."""
    settings = settings or get_settings()
    app = FastAPI(
        title="Crossline API",
        version=__version__,
        description=API_DESCRIPTION,
        openapi_url="/api/openapi.json",
        docs_url=None,  # the interactive docs load scripts from a CDN; closed networks have none
        redoc_url=None,
        dependencies=[Depends(csrf_protect)],
    )
    engine = make_engine(settings.resolved_database_url)
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(
        engine, justification_required=settings.audit_justification_required
    )
    app.add_middleware(SecurityMiddleware, settings=settings)
    install_error_handlers(app)
    app.mount("/assets", StaticFiles(directory=STATIC_DIR), name="assets")
    for module in (
        web_routes,
        auth_routes,
        audit_routes,
        orgs_routes,
        outreach_routes,
        report_routes,
        targeting_routes,
        funding_routes,
        insight_routes,
        comms_routes,
        analytics_routes,
        lines_routes,
        intelligence_pages,
        people_routes,
        orders_routes,
        orders_pages,
        national_routes,
        safeguarding_routes,
        safeguarding_pages,
    ):
        app.include_router(module.router)
    app.include_router(programmes_routes.router)
    app.include_router(dashboard_routes.router)
    app.include_router(programmes_pages.pages)
    app.include_router(legal_routes.router)
    app.include_router(legal_pages.router)
    app.include_router(partnership_routes.router)
    app.include_router(partnership_pages.router)
    app.include_router(philomena_routes.router)
    app.include_router(philomena_pages.router)
    app.include_router(import_routes.router)
    return app
