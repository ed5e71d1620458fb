"""Logging filters. Attached in settings.LOGGING; imported while logging is configured,
before the apps are loaded, so this module must import no models."""

from __future__ import annotations

import logging

from incidentdesk.reporting.middleware import ANONYMOUS_PREFIX, is_anonymous_path


def _path_of(record: logging.LogRecord, request: object) -> str:
    path = getattr(request, "path", None)
    if isinstance(path, str):
        return path
    # django.server puts its socket, not an HttpRequest, in `request`; its message
    # holds the request line ("GET /anonymous/... HTTP/1.1").
    message = record.getMessage()
    return ANONYMOUS_PREFIX if f" {ANONYMOUS_PREFIX}" in message else ""


class StripAnonymousRequests(logging.Filter):
    """Keep the request object out of records about the anonymous routes.

    django.request and django.security log 4xx and 5xx responses with the request
    attached, and a handler may write out its headers and address (the admin e-mail
    handler sends all of request.META). AnonymousRouteMiddleware has already removed
    those from the request; this is the second lock. The record itself is kept: the
    message names only the path.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request = getattr(record, "request", None)
        if request is not None and is_anonymous_path(_path_of(record, request)):
            del record.request
        return True
