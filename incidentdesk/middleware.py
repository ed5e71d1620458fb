import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

API_PREFIX = "/api/"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)


class SecurityHeadersMiddleware:
    """Adds the headers Django's own settings do not cover."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", "camera=(self), geolocation=()")
        if request.path_info.startswith(API_PREFIX) or (
            getattr(request, "user", None) is not None and request.user.is_authenticated
        ):
            # Pages for signed-in people and the API's answers (read with a token, not the
            # session) carry personal data: never keep them in a cache.
            response.headers.setdefault("Cache-Control", "no-store")
        return response


refusals = logging.getLogger("incidentdesk.refusals")


def _route_name(request: HttpRequest) -> str:
    match = getattr(request, "resolver_match", None)
    return (match.view_name or match.url_name or "") if match is not None else ""


def _person_id(request: HttpRequest) -> object:
    # A page's person is the session's; the API's is the token's (django-ninja sets auth).
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    auth = getattr(request, "auth", None)
    return getattr(auth, "pk", None)


def log_refusal(request: HttpRequest, status: int) -> None:
    """One line per refused access: the route's name, the method and the person's id.

    Never the path or the query string: a path may hold a receipt code, a query string a
    name typed into a filter. The exception's message is left out too (it may quote data).
    """
    refusals.warning(
        "Refused %s %s route=%s person=%s",
        status,
        request.method,
        _route_name(request) or "-",
        _person_id(request) or "-",
    )


class RefusalLogMiddleware:
    """Logs every access refused by a permission check (403) or an object lookup that
    hides what a person may not see (404), for pages and the API alike."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The API turns refusals into 403/404 answers itself (api/routes), so no exception
        # reaches process_exception: log them from the answer.
        if response.status_code in (403, 404) and request.path_info.startswith(API_PREFIX):
            log_refusal(request, response.status_code)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            log_refusal(request, 403)
        elif isinstance(exception, Http404):
            log_refusal(request, 404)
        # None: Django goes on to answer with its 403/404 page as before.
