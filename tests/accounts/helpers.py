"""Helpers for the sign-in tests: codes from an authenticator app, the sign-in post."""

from __future__ import annotations

import time

import pyotp
from django.test import Client
from django.urls import reverse

from incidentdesk.audit.models import AuditEvent
from incidentdesk.organisations.models import Person

PASSWORD = "plum tree under the bridge"
SIGN_IN = "/accounts/sign-in/"
CODE_PAGE = "/accounts/sign-in/code/"
ENROL = "/accounts/two-factor/set-up/"


def code_for(secret: str, *, steps: int = 0) -> str:
    """The code an authenticator app shows now (or `steps` time-steps from now)."""
    return pyotp.TOTP(secret).at(time.time(), counter_offset=steps)


def wrong_code(secret: str) -> str:
    """A well-formed code that is not valid near now."""
    near = {code_for(secret, steps=n) for n in (-1, 0, 1)}
    return next(c for c in (f"{n:06d}" for n in range(1_000_000)) if c not in near)


def sign_in(client: Client, email: str, password: str = PASSWORD, **extra: str):
    return client.post(reverse("accounts:sign_in"), {"email": email, "password": password, **extra})


def audit_actions(person: Person | None = None) -> list[str]:
    events = AuditEvent.objects.order_by("sequence")
    if person is not None:
        events = events.filter(object_type="person", object_id=str(person.pk))
    return list(events.values_list("action", flat=True))


def error_summary(response) -> str:
    """The text of the error summary, or "" when there is none."""
    content = response.content.decode()
    start = content.find('class="govuk-error-summary"')
    if start == -1:
        return ""
    return content[start : content.find("</ul>", start)]
