"""The HTTP API, mounted at `/api/v1/`; its OpenAPI 3 document is `/api/v1/openapi.json`.

Every operation needs an API token (see `auth.py`), except the anonymous reporting ones
(`auth=None`: an anonymous reporter has no account), and gives an explicit `operation_id`.
There is no interactive docs page: ninja's Swagger and Redoc pages load their scripts
from a CDN, which the content security policy (and DESIGN.md) forbid.
"""

from ninja import NinjaAPI

from .auth import BearerToken
from .errors import register_exception_handlers
from .routes import deadlines as deadline_routes
from .routes import governance, handling, me, outcomes, oversight, regulator, reporting

api = NinjaAPI(
    title="Incident Desk API",
    version="1",
    description=(
        "Report and handle data-security incidents. Authenticate every call with "
        "`Authorization: Bearer <token>`, except the anonymous reporting operations, which "
        "take no token and keep nothing about the caller. Errors are JSON objects with a "
        "`detail` message."
    ),
    urls_namespace="api-v1",
    docs_url=None,
    auth=BearerToken(),
)
register_exception_handlers(api)

api.add_router("", me.router)
api.add_router("", reporting.router)
api.add_router("", handling.router)
api.add_router("", regulator.router)
api.add_router("", deadline_routes.router)
api.add_router("", outcomes.router)
api.add_router("", oversight.router)
api.add_router("", governance.router)
