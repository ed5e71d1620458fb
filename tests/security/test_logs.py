"""Logs (issue 8, point 7): the main flows leave none of their personal data in any log
output, and every refused access is logged, by route and person id, without the data.

The main flows run through the real stack (sign-in with password and code, a failed
sign-in, reports named, confidential and anonymous with its receipt, a reveal of the
confidential reporter, an API call with a token, a password reset request) with canary
values; a handler on the root logger and on every logger the product or its servers use
catches everything at DEBUG, and none of the canaries may appear in it.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from incidentdesk.accounts.models import TwoFactorDevice
from incidentdesk.api.services import create_api_token
from incidentdesk.organisations.models import Duty, Person
from tests.factories import make_organisation, make_person

pytestmark = pytest.mark.django_db

MANAGER_NAME = "Zebedee Quillcanary"
MANAGER_EMAIL = "zebedee.quillcanary@example.org"
MANAGER_PASSWORD = "canary-pass-Heron-7731-kettle"
WRONG_PASSWORD = "canary-wrong-Plover-4419"
REPORTER_NAME = "Ottoline Canarywood"
REPORTER_EMAIL = "ottoline.canarywood@example.org"
REPORTER_PASSWORD = "canary-pass-Wren-2286-spoon"
UNKNOWN_EMAIL = "nobody.canaryghost@example.org"
NAMED_TEXT = "CANARYTEXT-named Pupil Jemima Canaryfield's report card"
CONFIDENTIAL_TEXT = "CANARYTEXT-confidential medical notes of Rufus Canarybrook"
ANONYMOUS_TEXT = "CANARYTEXT-anonymous class list of Tabitha Canarymoor"
SEARCH_TEXT = "Canarysearch Wilhelmina"

LOGGERS = (
    "",  # the root logger
    "django",
    "django.request",
    "django.security",
    "django.server",
    "django.db.backends",
    "gunicorn",
    "gunicorn.error",
    "gunicorn.access",
    "incidentdesk",
)


class Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        # On several loggers at once, so a propagated record arrives more than once.
        if any(seen is record for seen in self.records):
            return
        self.records.append(record)
        # The message and everything attached to the record, as any handler might write it.
        text = self.format(record)
        self.lines.append(f"{text} {record.args!r} {record.__dict__!r}")


@pytest.fixture
def captured() -> Iterator[Capture]:
    handler = Capture()
    saved = []
    for name in LOGGERS:
        logger = logging.getLogger(name)
        saved.append((logger, logger.level, logger.disabled))
        logger.addHandler(handler)
        logger.disabled = False
        # As with LOG_LEVEL=DEBUG, the most an operator can ask for; Django's own loggers
        # keep the levels settings.LOGGING gives them (django.template is held at INFO
        # there: at DEBUG it would write whole template contexts, names included).
        if not name.startswith("django"):
            logger.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        for logger, level, disabled in saved:
            logger.removeHandler(handler)
            logger.setLevel(level)
            logger.disabled = disabled


def _code(secret: str) -> str:
    return pyotp.TOTP(secret).now()


def _sign_in(client: Client, email: str, password: str):
    return client.post("/accounts/sign-in/", {"email": email, "password": password})


def test_the_main_flows_leave_no_personal_data_in_the_logs(captured: Capture) -> None:
    school = make_organisation("Canary Lane School", preset="school")
    manager = make_person(MANAGER_NAME, organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    Person.objects.filter(pk=manager.pk).update(email=MANAGER_EMAIL)
    manager.set_password(MANAGER_PASSWORD)
    manager.email = MANAGER_EMAIL
    manager.save()
    secret = pyotp.random_base32()
    TwoFactorDevice.objects.create(person=manager, secret=secret, confirmed_at=timezone.now())
    reporter = make_person(REPORTER_NAME, organisation=school)
    reporter.email = REPORTER_EMAIL
    reporter.set_password(REPORTER_PASSWORD)
    reporter.save()
    canaries = [
        MANAGER_NAME, MANAGER_EMAIL, MANAGER_PASSWORD, WRONG_PASSWORD, REPORTER_NAME,
        REPORTER_EMAIL, REPORTER_PASSWORD, UNKNOWN_EMAIL, NAMED_TEXT, CONFIDENTIAL_TEXT,
        ANONYMOUS_TEXT, SEARCH_TEXT, "Canaryfield", "Canarybrook", "Canarymoor",
    ]  # fmt: skip

    # A failed sign-in, for a known and an unknown address.
    assert _sign_in(Client(), MANAGER_EMAIL, WRONG_PASSWORD).status_code == 200
    assert _sign_in(Client(), UNKNOWN_EMAIL, WRONG_PASSWORD).status_code == 200

    # Signing in with password and code.
    manager_client = Client()
    assert _sign_in(manager_client, MANAGER_EMAIL, MANAGER_PASSWORD)["Location"].endswith("/code/")
    code = _code(secret)
    canaries.append(code)
    assert manager_client.post("/accounts/sign-in/code/", {"code": code})["Location"] == "/"

    # Reports, named and confidential, by a member of staff signed in with a password.
    reporter_client = Client()
    assert _sign_in(reporter_client, REPORTER_EMAIL, REPORTER_PASSWORD)["Location"] == "/"
    for mode, text in (("named", NAMED_TEXT), ("confidential", CONFIDENTIAL_TEXT)):
        page = reporter_client.get("/report/").content.decode()
        key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
        response = reporter_client.post(
            "/report/", {"idempotency_key": key, "what_happened": text, "mode": mode}
        )
        assert response.status_code == 302, response.content.decode()[:2000]

    # An anonymous report, its receipt, and a follow-up with the receipt.
    anonymous = Client()
    page = anonymous.get(f"/anonymous/{school.slug}/").content.decode()
    key = re.search(r'name="idempotency_key" value="([0-9a-f-]{36})"', page).group(1)
    sent = anonymous.post(
        f"/anonymous/{school.slug}/", {"idempotency_key": key, "what_happened": ANONYMOUS_TEXT}
    )
    receipt = re.search(r'name="code" value="([0-9A-Z]{20})"', sent.content.decode()).group(1)
    canaries.append(receipt)
    followed = anonymous.post(f"/anonymous/{school.slug}/follow-up/", {"code": receipt})
    assert followed.status_code == 200
    # And a wrong one, and a receipt in a query string (as a careless link might carry).
    anonymous.post(f"/anonymous/{school.slug}/follow-up/", {"code": "ABCDE-FGHJK-MNPQR-STVWX"})
    anonymous.get(f"/anonymous/{school.slug}/follow-up/?code={receipt}")

    # The manager reveals the confidential reporter, searches, and opens what is refused.
    from incidentdesk.incidents.models import Incident

    confidential = Incident.objects.get(what_happened=CONFIDENTIAL_TEXT)
    revealed = manager_client.post(f"/incidents/{confidential.reference}/reporter/")
    assert REPORTER_NAME in revealed.content.decode()
    manager_client.get("/incidents/", {"q": SEARCH_TEXT})
    assert reporter_client.get(f"/incidents/{confidential.reference}/").status_code == 404

    # An API call with a token, and one with a token that does not exist.
    _, token = create_api_token(person=manager, name="canary token")
    canaries.append(token)
    api = Client()
    listed = api.get("/api/v1/incidents", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listed.status_code == 200
    bad_token = token[:-6] + "CANARY"
    canaries.append(bad_token)
    assert api.get("/api/v1/incidents", HTTP_AUTHORIZATION=f"Bearer {bad_token}").status_code == 401

    # A password reset request, for a known and an unknown address.
    Client().post("/accounts/password-reset/", {"email": REPORTER_EMAIL})
    Client().post("/accounts/password-reset/", {"email": UNKNOWN_EMAIL})

    assert captured.records, "nothing was logged: the capture is not working"
    everything = "\n".join(captured.lines)
    found = [canary for canary in canaries if canary.lower() in everything.lower()]
    assert found == [], [line for line in captured.lines if any(c in line for c in found)][:5]


def test_a_refused_access_is_logged_by_route_and_person_without_the_data(
    captured: Capture,
) -> None:
    school = make_organisation("Canary Lane School", preset="school")
    other = make_organisation("Elsewhere School", preset="school")
    manager = make_person(MANAGER_NAME, organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    stranger = make_person("Sid Stranger", organisation=other)
    from tests.factories import signed_in_client
    from tests.incidents.conftest import file_report

    incident = file_report(school, manager, what_happened=CONFIDENTIAL_TEXT)
    client = signed_in_client(stranger)

    page = client.get(f"/incidents/{incident.reference}/?name={SEARCH_TEXT}")
    assert page.status_code == 404
    assert client.get("/").status_code == 200  # an allowed page adds no line
    _, token = create_api_token(person=stranger, name="stranger")
    api = Client().get(
        f"/api/v1/incidents/{incident.reference}", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert api.status_code == 404

    lines = [r.getMessage() for r in captured.records if r.name == "incidentdesk.refusals"]
    assert lines == [
        f"Refused 404 GET route=incidents:detail person={stranger.pk}",
        f"Refused 404 GET route=api-v1:get_incident person={stranger.pk}",
    ]
    everything = "\n".join(captured.lines)
    for secret in (SEARCH_TEXT, CONFIDENTIAL_TEXT, MANAGER_NAME, token):
        assert secret not in everything
