"""What the session holds about signing in, in one place for the views and middleware.

Between the password and the code the person is NOT logged in: the session holds only
"pending" keys naming them, and Django's login() runs once the code is right. So no page,
view or API that trusts `request.user` can be reached with the password alone, whatever
the middleware does; the middleware only steers the person to the code page.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import login
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from incidentdesk.accounts import services
from incidentdesk.organisations.models import Person

BACKEND = "incidentdesk.accounts.backends.EmailBackend"

PENDING_PERSON_KEY = "accounts.pending.person"
PENDING_AUTH_HASH_KEY = "accounts.pending.auth_hash"
PENDING_SINCE_KEY = "accounts.pending.since"
PENDING_NEXT_KEY = "accounts.pending.next"
# The password step is good for this long; after it the person starts again.
PENDING_SECONDS = 10 * 60

# "verified" once a code was given, "not_asked" if sign-in did not ask for one (the
# middleware then asks if the person is given a duty later). finish_sign_in is the only
# login() in the product; the admin site's own form is closed by the middleware.
SECOND_FACTOR_KEY = "accounts.second_factor"
SIGNED_IN_AT_KEY = "accounts.signed_in_at"
LAST_ACTIVITY_KEY = "accounts.last_activity"
ENROL_SECRET_KEY = "accounts.enrol_secret"
NOTICE_KEY = "accounts.notice"


def now_seconds() -> int:
    return int(timezone.now().timestamp())


def begin_second_factor(request: HttpRequest, *, person: Person, next_url: str) -> None:
    """Start a fresh session that remembers who gave the right password, and nothing more."""
    request.session.flush()
    request.session[PENDING_PERSON_KEY] = person.pk
    # If the password changes meanwhile (a reset), the pending sign-in must not go on.
    request.session[PENDING_AUTH_HASH_KEY] = person.get_session_auth_hash()
    request.session[PENDING_SINCE_KEY] = now_seconds()
    request.session[PENDING_NEXT_KEY] = next_url


def has_pending(request: HttpRequest) -> bool:
    return PENDING_PERSON_KEY in request.session


def clear_pending(request: HttpRequest) -> None:
    for key in (PENDING_PERSON_KEY, PENDING_AUTH_HASH_KEY, PENDING_SINCE_KEY, PENDING_NEXT_KEY):
        request.session.pop(key, None)


def pending_person(request: HttpRequest) -> Person | None:
    """The person who gave the right password in this session, if still good; else None.

    A pending sign-in that is too old, for a person switched off, or whose password has
    changed since, is cleared.
    """
    person_id = request.session.get(PENDING_PERSON_KEY)
    if person_id is None:
        return None
    since = request.session.get(PENDING_SINCE_KEY)
    if not isinstance(since, int) or now_seconds() - since > PENDING_SECONDS:
        clear_pending(request)
        return None
    person = Person._default_manager.filter(pk=person_id, is_active=True).first()
    if person is None or not constant_time_compare(
        request.session.get(PENDING_AUTH_HASH_KEY, ""), person.get_session_auth_hash()
    ):
        clear_pending(request)
        return None
    return person


def finish_sign_in(request: HttpRequest, *, person: Person, second_factor: bool) -> str:
    """Log the person in with a new session key; returns where to go next.

    login() gives the session a new key, so an id planted before sign-in is worthless.
    """
    next_url = request.session.get(PENDING_NEXT_KEY) or ""
    clear_pending(request)
    request.session.pop(ENROL_SECRET_KEY, None)
    login(request, person, backend=BACKEND)
    now = now_seconds()
    request.session[SECOND_FACTOR_KEY] = "verified" if second_factor else "not_asked"
    request.session[SIGNED_IN_AT_KEY] = now
    request.session[LAST_ACTIVITY_KEY] = now
    services.sign_in_succeeded(person=person, second_factor=second_factor)
    return next_url


def set_notice(request: HttpRequest, kind: str, **data: Any) -> None:
    """A message for the sign-in page to show once (the messages framework is not yet
    running when the middleware signs someone out)."""
    request.session[NOTICE_KEY] = {"kind": kind, **data}


def pop_notice(request: HttpRequest) -> dict[str, Any] | None:
    notice = request.session.pop(NOTICE_KEY, None)
    return notice if isinstance(notice, dict) else None


def duration_words(seconds: int) -> str:
    """'10 hours', '30 minutes', '1 minute', '45 seconds': how long, in everyday words."""
    if seconds >= 3600 and seconds % 3600 == 0:
        hours = seconds // 3600
        return f"{hours} hour{'s' if hours != 1 else ''}"
    if seconds >= 60 and seconds % 60 == 0:
        minutes = seconds // 60
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    if seconds >= 120:
        minutes = round(seconds / 60)
        return f"{minutes} minutes"
    return f"{seconds} second{'s' if seconds != 1 else ''}"
