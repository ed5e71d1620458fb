"""Keep half-signed-in people on the code page, and sign out idle sessions."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

from incidentdesk.accounts import selectors, session
from incidentdesk.organisations.models import Person

# The API authenticates by token alone and never reads the session cookie (see
# incidentdesk/api/auth.py), so these middlewares leave it alone: a browser's half-finished
# or idle session must neither block nor be ended by a script's token request.
API_PREFIX = "/api/"

# The pages someone may see between their password and their code.
ALLOWED_WHILE_PENDING = frozenset(
    {
        "sign_in",
        "sign_out",
        "second_factor",
        "enrol",
        "password_reset",
        "password_reset_done",
        "password_reset_confirm",
        "password_reset_complete",
    }
)


def _is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _view_name(request: HttpRequest) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _allowed_while_pending(request: HttpRequest) -> bool:
    if request.path_info.startswith(settings.STATIC_URL):
        return True
    namespace, _, name = _view_name(request).partition(":")
    return namespace == "accounts" and name in ALLOWED_WHILE_PENDING


def _second_factor_done(request: HttpRequest, person: Person) -> bool:
    if request.session.get(session.SECOND_FACTOR_KEY) != "not_asked":
        # "verified", or logged in by a test's force_login: the only login() in the
        # product is session.finish_sign_in, and the admin's own form is closed below.
        return True
    # Checked on every request: someone given a duty while signed in must give a code.
    return not selectors.person_needs_second_factor(person)


class SecondFactorMiddleware:
    """Send anyone between password and code to the code page (or to set up an app).

    Security does not rest on the redirect: a pending person is not logged in (see
    session.py). The middleware also closes the admin site's own login form, which
    would otherwise log people in without the code, and asks for a code from someone
    signed in without one who has since been given a duty.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _is_api(request):
            return self.get_response(request)
        # The admin's login URL ends so (admin/login/); resolving every path cost more.
        if request.path_info.endswith("/login/") and _view_name(request) == "admin:login":
            return self._to_our_sign_in(request)
        user = request.user
        if user.is_authenticated and not _second_factor_done(request, user):
            next_url = request.get_full_path() if request.method == "GET" else ""
            logout(request)
            session.begin_second_factor(request, person=user, next_url=next_url)
        if session.has_pending(request) and not _allowed_while_pending(request):
            person = session.pending_person(request)
            if person is not None:
                return self._to_second_step(request, person)
        return self.get_response(request)

    def _to_our_sign_in(self, request: HttpRequest) -> HttpResponse:
        next_url = request.GET.get("next") or reverse("admin:index")
        return redirect_to_login(next_url, reverse("accounts:sign_in"))

    def _to_second_step(self, request: HttpRequest, person: Person) -> HttpResponse:
        if selectors.confirmed_two_factor_device(person) is None:
            return redirect("accounts:enrol")
        return redirect("accounts:second_factor")


# Activity is written to the session at most this often. Writing it on every request
# made every page view an UPDATE and a COMMIT (an fsync on SQLite); to the minute is
# close enough for a 30-minute limit. The recorded time is never later than the real
# last activity, so an idle session ends at most this much early, never late.
ACTIVITY_RESOLUTION_SECONDS = 60


class IdleTimeoutMiddleware:
    """Sign out a session unused for SESSION_IDLE_TIMEOUT_SECONDS, or signed in too long.

    The absolute limit is checked here too, from the sign-in time: Django's
    SESSION_COOKIE_AGE alone is renewed whenever the session is saved, which this
    middleware does whenever it records activity (about once a minute of use).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not _is_api(request) and request.user.is_authenticated:
            now = session.now_seconds()
            reason = self._expired(request, now)
            if reason is not None:
                return self._sign_out(request, reason)
            last_activity = request.session.get(session.LAST_ACTIVITY_KEY)
            if not isinstance(last_activity, int) or (
                now - last_activity >= ACTIVITY_RESOLUTION_SECONDS
            ):
                request.session[session.LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _expired(self, request: HttpRequest, now: int) -> str | None:
        last_activity = request.session.get(session.LAST_ACTIVITY_KEY)
        if isinstance(last_activity, int) and (
            now - last_activity > settings.SESSION_IDLE_TIMEOUT_SECONDS
        ):
            return "idle"
        signed_in_at = request.session.get(session.SIGNED_IN_AT_KEY)
        if isinstance(signed_in_at, int) and now - signed_in_at > settings.SESSION_COOKIE_AGE:
            return "too_long"
        return None

    def _sign_out(self, request: HttpRequest, reason: str) -> HttpResponse:
        next_url = request.get_full_path() if request.method == "GET" else ""
        logout(request)
        if reason == "idle":
            seconds = settings.SESSION_IDLE_TIMEOUT_SECONDS
            text = f"You were signed out after {session.duration_words(seconds)} without activity."
        else:
            seconds = settings.SESSION_COOKIE_AGE
            text = (
                f"You were signed out because you had been signed in for "
                f"{session.duration_words(seconds)}."
            )
        session.set_notice(request, "signed_out", text=text)
        sign_in_url = reverse("accounts:sign_in")
        if next_url:
            return redirect_to_login(next_url, sign_in_url)
        return redirect(sign_in_url)
