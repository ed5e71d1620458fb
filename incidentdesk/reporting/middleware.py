"""The anonymous routes forget who is asking before any other code sees the request.

An anonymous reporter is protected by what the server never learns, not by care taken
later: so for every path under ANONYMOUS_PREFIX this middleware, first in the stack,

- removes the client's address, user agent, referrer, cookies and every other request
  header that is not needed to answer (an allow-list, so a new tracking header is
  dropped too). `request.META` is the WSGI environ itself, so gunicorn's access log,
  which reads the address and user agent from the environ after the response, prints
  "-" for them on these routes;
- so the session, the signed-in user, the CSRF token and the messages framework see a
  stranger: a member of staff who is signed in reports as no one, and their session is
  neither read nor touched (its last-activity time would date the report);
- drops any cookie a later layer tried to set (the messages framework deletes its cookie
  on every page that lists messages), and asks that the pages are neither cached nor
  given away as a referrer.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

ANONYMOUS_PREFIX = "/anonymous/"

# The request headers Django needs to route and answer; everything else is removed.
_KEPT_HEADERS = frozenset(
    {
        "HTTP_HOST",
        "HTTP_ACCEPT",
        "HTTP_ACCEPT_ENCODING",
        "HTTP_CONNECTION",
    }
)
# The client's own address and port, and what a server may fill in about them.
_CLIENT_KEYS = ("REMOTE_ADDR", "REMOTE_HOST", "REMOTE_PORT", "REMOTE_USER", "REMOTE_IDENT")


def is_anonymous_path(path: str) -> bool:
    return path.startswith(ANONYMOUS_PREFIX)


def _kept_headers() -> frozenset[str]:
    # Read on each request (not at import), so settings changed in tests apply.
    kept = set(_KEPT_HEADERS)
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        # Behind a TLS proxy, is_secure() reads it: without it the HTTPS redirect loops.
        kept.add(proxy_header[0])
    if settings.USE_X_FORWARDED_HOST:
        kept.add("HTTP_X_FORWARDED_HOST")
    if settings.USE_X_FORWARDED_PORT:
        kept.add("HTTP_X_FORWARDED_PORT")
    return frozenset(kept)


def forget_the_client(request: HttpRequest) -> None:
    """Remove from the request everything that could tell who or where the sender is."""
    meta = request.META
    for key in _CLIENT_KEYS:
        meta.pop(key, None)
    kept = _kept_headers()
    for key in [k for k in meta if k.startswith("HTTP_") and k not in kept]:
        del meta[key]


class AnonymousRouteMiddleware:
    """Put first in MIDDLEWARE: nothing before it may read the cookies or the address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_anonymous_path(request.path_info):
            return self.get_response(request)
        forget_the_client(request)
        response = self.get_response(request)
        response.cookies.clear()
        # The receipt code is on these pages: no browser or proxy may keep a copy, and
        # the Back button must fetch the form afresh rather than show a used one.
        response.headers["Cache-Control"] = "no-store"
        # These forms are exempt from CSRF (they carry no one's authority), so the
        # stricter policy costs nothing here and tells no other site where a link was.
        response.headers["Referrer-Policy"] = "no-referrer"
        return response
