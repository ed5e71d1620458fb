"""How the API answers when something goes wrong: always JSON, always `{"detail": ...}`.

Bad input of any kind is a 4xx with a message saying what to fix. A 500 means a bug: it
is logged with the traceback and signalled like any Django error (so the test client
re-raises it and error reporting sees it), and the caller gets JSON, not an HTML page.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.core.signals import got_request_exception
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

request_logger = logging.getLogger("django.request")

NOT_FOUND = "Not found."
FORBIDDEN = "You may not do this."
TOO_BIG = "The request body is too large."
REFUSED = "The request was refused."
SERVER_ERROR = "Something went wrong on our side. It has been logged; please try again later."
# A summary names a few problems; the `errors` list names them all.
SUMMARY_LIMIT = 5


def _where(loc: Iterable[Any]) -> str:
    return ".".join(str(part) for part in loc)


def register_exception_handlers(api: NinjaAPI) -> None:
    """Replaces ninja's defaults, which re-raise unknown errors as Django's HTML 500."""

    def detail(request: HttpRequest, message: str, status: int) -> HttpResponse:
        return api.create_response(request, {"detail": message}, status=status)

    @api.exception_handler(ValidationError)
    def invalid_input(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = [
            {
                "loc": list(error.get("loc", ())),
                "message": str(error.get("msg", "Not valid.")),
                "type": str(error.get("type", "invalid")),
            }
            for error in exc.errors
        ]
        parts = [f"{_where(e['loc'])}: {e['message']}" for e in errors[:SUMMARY_LIMIT]]
        more = len(errors) - len(parts)
        summary = "Check the input. " + "; ".join(parts) + (f"; and {more} more." if more else ".")
        return api.create_response(request, {"detail": summary, "errors": errors}, status=422)

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = detail(request, exc.message, exc.status_code)
        response["WWW-Authenticate"] = 'Bearer realm="Incident Desk API"'
        return response

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return detail(request, exc.message, exc.status_code)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        # Never the exception's text: it could name an object the caller may not see.
        return detail(request, NOT_FOUND, 404)

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        return detail(request, str(exc) or FORBIDDEN, 403)

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        # Django logs these under django.security.<name>; keep that for the API too.
        logging.getLogger(f"django.security.{exc.__class__.__name__}").error(str(exc))
        if isinstance(exc, RequestDataTooBig):
            return detail(request, TOO_BIG, 413)
        return detail(request, REFUSED, 400)

    @api.exception_handler(Exception)
    def server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
        request_logger.error(
            "Internal Server Error: %s",
            request.path,
            exc_info=exc,
            extra={"status_code": 500, "request": request},
        )
        got_request_exception.send(sender=None, request=request)
        return detail(request, SERVER_ERROR, 500)
