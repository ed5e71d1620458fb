"""An anonymous report leaves no address and no user agent anywhere: not in the database,
not in the application's logs, not in the web server's access log."""

from __future__ import annotations

import logging
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client, RequestFactory

from incidentdesk.audit.models import AuditEvent
from incidentdesk.incidents.models import Incident
from incidentdesk.logging import StripAnonymousRequests
from incidentdesk.organisations.models import Duty
from incidentdesk.reporting.middleware import ANONYMOUS_PREFIX, forget_the_client
from incidentdesk.reporting.models import Message
from tests.factories import make_organisation, make_person

ADDRESS = "203.0.113.77"
FORWARDED = "198.51.100.23"
AGENT = "CanaryAgent/9.9"
REFERRER = "https://canary-referrer.example/"
CANARIES = (ADDRESS, FORWARDED, AGENT, "CanaryAgent", "canary-referrer")
ROOT = Path(__file__).resolve().parents[2]


def identifying_client() -> Client:
    """A browser that gives away all it can, on every request."""
    return Client(
        REMOTE_ADDR=ADDRESS,
        HTTP_USER_AGENT=AGENT,
        HTTP_X_FORWARDED_FOR=FORWARDED,
        HTTP_X_REAL_IP=FORWARDED,
        HTTP_REFERER=REFERRER,
    )


def everything_in_the_database() -> str:
    """Every value of every column of every table, as text."""
    chunks = []
    for model in apps.get_models(include_auto_created=True):
        names = [field.attname for field in model._meta.concrete_fields]
        for row in model._base_manager.values_list(*names):
            chunks.append(" ".join(str(value) for value in row))
    return "\n".join(chunks)


def everything_logged(records: list[logging.LogRecord]) -> str:
    """Each record's message and every attribute, with an attached request's headers."""
    chunks = []
    for record in records:
        chunks.append(record.getMessage())
        chunks.append(repr(vars(record)))
        request = getattr(record, "request", None)
        if request is not None:
            chunks.append(repr(getattr(request, "META", request)))
    return "\n".join(chunks)


@pytest.mark.django_db
def test_an_anonymous_report_leaves_no_address_or_user_agent_anywhere(caplog) -> None:
    school = make_organisation("Oak School", preset="school")
    head = make_person("Harriet Head", organisation=school, duties=(Duty.INCIDENT_MANAGER,))
    make_person("Carol Chair", organisation=school, duties=(Duty.CHAIR_OF_GOVERNORS,))
    caplog.set_level(logging.DEBUG)
    # Django's own loggers stop at INFO unless told otherwise.
    caplog.set_level(logging.DEBUG, logger="django")
    # Log every SQL statement with its parameters too: anything written would show here.
    connection.force_debug_cursor = True
    try:
        browser = identifying_client()
        form = browser.get(f"/anonymous/{school.slug}/")
        key = re.search(r'name="idempotency_key" value="([\w-]+)"', form.content.decode()).group(1)
        sent = browser.post(
            f"/anonymous/{school.slug}/",
            {"idempotency_key": key, "what_happened": "The register was e-mailed to a parent."},
        )
        code = re.search(r'name="code" value="(\w+)"', sent.content.decode()).group(1)
        browser.post(
            f"/anonymous/{school.slug}/", {"action": "confirm", "code": code, "kept": "yes"}
        )
        # A 404, a 400 (a host we do not serve) and a 405 on the same routes.
        assert browser.get("/anonymous/no-such-school/").status_code == 404
        assert (
            browser.get(f"/anonymous/{school.slug}/", HTTP_HOST="evil.example").status_code == 400
        )
        assert browser.delete(f"/anonymous/{school.slug}/").status_code == 405
        # The manager asks, the reporter answers, and a wrong code is tried.
        incident = Incident.objects.get()
        from incidentdesk.reporting.services import ask_reporter

        ask_reporter(incident=incident, author=head, body="Which parent?")
        follow_up = f"/anonymous/{school.slug}/follow-up/"
        browser.post(follow_up, {"code": "ABCDE-FGHJK-MNPQR-STVWX"})
        browser.post(follow_up, {"action": "reply", "code": code, "body": "Year 4, I think."})
    finally:
        connection.force_debug_cursor = False

    logged = everything_logged(caplog.records)
    # The capture did see the requests (the 404 and the 400 are logged with the request).
    assert "Not Found: /anonymous/no-such-school/" in logged
    assert "evil.example" in logged
    assert "INSERT INTO" in logged
    stored = everything_in_the_database()
    assert "The register was e-mailed to a parent." in stored
    for canary in CANARIES:
        assert canary not in logged, f"{canary} was logged"
        assert canary not in stored, f"{canary} is in the database"

    # No account anywhere, and the audit log names no one.
    assert incident.reporter_id is None
    assert Message.objects.get(from_reporter=True).author_id is None
    events = AuditEvent.objects.filter(object_label=incident.reference).exclude(
        action="incident.message_to_reporter"
    )
    assert {e.action for e in events} >= {"incident.reported", "incident.reporter_message"}
    assert {(e.actor_id, e.actor_label) for e in events} == {(None, "anonymous reporter")}
    assert not apps.get_model("sessions", "Session").objects.exists()


def test_the_middleware_forgets_everything_that_could_identify_the_sender() -> None:
    request = RequestFactory().post(
        "/anonymous/oak/",
        REMOTE_ADDR=ADDRESS,
        REMOTE_PORT="50123",
        HTTP_USER_AGENT=AGENT,
        HTTP_X_FORWARDED_FOR=FORWARDED,
        HTTP_FORWARDED=f"for={FORWARDED}",
        HTTP_COOKIE="sessionid=abc; csrftoken=def",
        HTTP_REFERER=REFERRER,
        HTTP_ACCEPT_LANGUAGE="cy-GB",
        HTTP_SEC_CH_UA='"Canary";v="9"',
        HTTP_HOST="localhost",
    )

    forget_the_client(request)

    assert not [key for key in request.META if key.startswith("REMOTE_")]
    assert sorted(k for k in request.META if k.startswith("HTTP_")) == ["HTTP_HOST"]
    assert request.COOKIES == {}
    # What the view needs to answer is still there.
    assert request.method == "POST"
    assert request.get_host() == "localhost"


def test_behind_a_proxy_the_https_header_is_kept(settings) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = RequestFactory().get(
        "/anonymous/oak/", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR=FORWARDED
    )

    forget_the_client(request)

    assert request.is_secure()
    assert "HTTP_X_FORWARDED_FOR" not in request.META


def test_the_anonymous_prefix_is_where_the_routes_are() -> None:
    from django.urls import reverse

    assert reverse("reporting:anonymous_report", args=["oak"]).startswith(ANONYMOUS_PREFIX)
    assert reverse("reporting:anonymous_follow_up", args=["oak"]).startswith(ANONYMOUS_PREFIX)


def _record(
    path: str, *, request: object | None = None, message: str = "Not Found: %s"
) -> logging.LogRecord:
    record = logging.LogRecord(
        "django.request", logging.WARNING, __file__, 1, message, (path,), None
    )
    record.request = request if request is not None else RequestFactory().get(path)
    return record


def test_the_log_filter_drops_the_request_of_anonymous_routes_only() -> None:
    log_filter = StripAnonymousRequests()
    anonymous = _record("/anonymous/oak/")
    other = _record("/incidents/")

    assert log_filter.filter(anonymous) is True
    assert log_filter.filter(other) is True

    assert not hasattr(anonymous, "request")
    assert anonymous.getMessage() == "Not Found: /anonymous/oak/"
    assert hasattr(other, "request")


def test_the_log_filter_knows_the_development_servers_records() -> None:
    # django.server attaches its socket, and names the path only in the request line.
    record = _record('"GET /anonymous/oak/ HTTP/1.1" 200 512', request=object(), message="%s")

    StripAnonymousRequests().filter(record)

    assert not hasattr(record, "request")


def test_the_console_handler_uses_the_filter() -> None:
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    assert any(
        isinstance(f, StripAnonymousRequests) for handler in handlers for f in handler.filters
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    request = urllib.request.Request(url, headers={"User-Agent": AGENT, "Referer": REFERRER})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_gunicorns_access_log_shows_no_address_or_agent_for_anonymous_routes(tmp_path) -> None:
    """Access logs are off by default; switched on, the anonymous lines still hold none.

    gunicorn reads the address, referrer and user agent for its log line from the WSGI
    environ after the response, which is request.META, which the middleware emptied.
    """
    port = _free_port()
    access_log = tmp_path / "access.log"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "VAR_DIR": str(tmp_path)}
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "incidentdesk.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--access-logfile",
            str(access_log),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                _get(f"{base}/healthz")
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        # No database here, so the path under the prefix that needs none: a 404 from
        # the URL resolver goes through the whole middleware stack all the same.
        assert _get(f"{base}/anonymous/") == 404
        assert _get(f"{base}/healthz") in {200, 503}
    finally:
        server.terminate()
        server.wait(timeout=10)

    lines = access_log.read_text().splitlines()
    anonymous_lines = [line for line in lines if "/anonymous/" in line]
    other_lines = [line for line in lines if "/healthz" in line]
    assert anonymous_lines and other_lines
    # The log is on and would show them (control)...
    assert "127.0.0.1" in other_lines[-1] and AGENT in other_lines[-1]
    # ...but not for the anonymous route.
    for line in anonymous_lines:
        assert "127.0.0.1" not in line
        assert AGENT not in line
        assert "canary-referrer" not in line
