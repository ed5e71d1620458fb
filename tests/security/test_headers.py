"""Security headers (issue 8, point 6): the exact headers on every kind of response.

Each kind a browser can get (a page, a form with errors, 404, 403, 500, API JSON, a file
download, a static file, a redirect) carries the same Content-Security-Policy (no
'unsafe-inline', frame-ancestors 'none'), Referrer-Policy, nosniff, X-Frame-Options and
Cross-Origin-Opener-Policy; anything answered to a signed-in person is never cached;
HSTS is sent over HTTPS in production.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.urls import path

from incidentdesk.api.services import create_api_token
from incidentdesk.middleware import CONTENT_SECURITY_POLICY
from incidentdesk.organisations.models import Duty
from tests.e2e.conftest import NewPage, browser, new_page  # noqa: F401
from tests.factories import PASSWORD, make_organisation, make_person, signed_in_client

EXACT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'; object-src 'none'"
)
# See docs/decisions/0007-referrer-policy.md for why not "no-referrer".
REFERRER_POLICY = "same-origin"

HEADERS = {
    "Content-Security-Policy": EXACT_CSP,
    "Referrer-Policy": REFERRER_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def assert_security_headers(response, *, personal: bool) -> None:
    for name, value in HEADERS.items():
        assert response.get(name) == value, (name, response.get(name))
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]
    if response.get("Content-Type", "").startswith("text/html"):
        assert response["X-Frame-Options"] == "DENY"
    if personal:
        assert "no-store" in response["Cache-Control"], response.get("Cache-Control")


def test_the_policy_is_the_one_the_middleware_sends() -> None:
    assert CONTENT_SECURITY_POLICY == EXACT_CSP
    assert settings.SECURE_REFERRER_POLICY == REFERRER_POLICY


@pytest.fixture
def manager(db):
    school = make_organisation()
    return make_person(organisation=school, duties=(Duty.INCIDENT_MANAGER,))


def test_a_signed_in_page(manager) -> None:
    assert_security_headers(signed_in_client(manager).get("/"), personal=True)


def test_a_form_with_errors(db) -> None:
    response = Client().post("/accounts/sign-in/", {"email": "", "password": ""})
    assert response.status_code == 200
    assert_security_headers(response, personal=False)


def test_a_404_for_someone_signed_in(manager) -> None:
    response = signed_in_client(manager).get("/incidents/999999/")
    assert response.status_code == 404
    assert_security_headers(response, personal=True)


def test_a_403(manager) -> None:
    client = signed_in_client(manager)
    client.handler.enforce_csrf_checks = True
    response = client.post("/accounts/sign-out/")  # no CSRF token
    assert response.status_code == 403
    assert_security_headers(response, personal=True)


def _fails(request):
    raise RuntimeError("a bug")


urlpatterns = [path("fails/", _fails)]


@override_settings(ROOT_URLCONF=__name__)
def test_a_500(db) -> None:
    response = Client(raise_request_exception=False).get("/fails/")
    assert response.status_code == 500
    assert_security_headers(response, personal=False)


def test_api_json(manager) -> None:
    _, token = create_api_token(person=manager, name="headers test")
    response = Client().get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert_security_headers(response, personal=False)
    # The API's answers name people: not cached either, though no session is involved.
    refused = Client().get("/api/v1/me")
    assert refused.status_code == 401
    assert_security_headers(refused, personal=False)


def test_a_file_download(manager) -> None:
    response = signed_in_client(manager).get("/oversight/register/export.csv")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    assert_security_headers(response, personal=True)


def test_a_static_file(db) -> None:
    response = Client().get("/static/incidentdesk/session-warning.js")
    assert response.status_code == 200
    assert_security_headers(response, personal=False)


def test_a_redirect_to_sign_in(db) -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert_security_headers(response, personal=False)


@override_settings(SECURE_HSTS_SECONDS=31536000, SECURE_HSTS_INCLUDE_SUBDOMAINS=True)
def test_hsts_over_https_in_production(db) -> None:
    response = Client().get("/accounts/sign-in/", secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    # Never over plain HTTP, where a browser would ignore it anyway.
    assert "Strict-Transport-Security" not in Client().get("/accounts/sign-in/")


def _serve_with_referrer_policy(policy: str):
    # Playwright passes (route, request) to a handler with two parameters: keep it to one.
    def swap(route) -> None:
        if route.request.method != "GET":
            route.continue_()  # the POST goes out from the browser itself, untouched
            return
        response = route.fetch()
        headers = {k: v for k, v in response.headers.items() if k != "referrer-policy"}
        route.fulfill(response=response, headers={**headers, "referrer-policy": policy})

    return swap


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_no_referrer_would_break_every_form_post(new_page, live_server) -> None:  # noqa: F811
    """Why Referrer-Policy is same-origin (docs/decisions/0007-referrer-policy.md).

    The sign-in page is served once with each policy (the header swapped in the browser's
    network layer); with no-referrer Chromium sends "Origin: null" and Django's CSRF check
    refuses the POST; with same-origin it sends the real origin and signing in works.
    """
    person = make_person(organisation=make_organisation())
    outcomes = {}
    for policy in ("no-referrer", "same-origin"):
        page = new_page("desktop")
        origins: list[str | None] = []

        page.route("**/accounts/sign-in/", _serve_with_referrer_policy(policy))
        page.on(
            "request",
            lambda request, origins=origins: (
                origins.append(request.headers.get("origin")) if request.method == "POST" else None
            ),
        )
        page.goto(f"{live_server.url}/accounts/sign-in/")
        page.locator('input[name="email"]').fill(person.email)
        page.locator('input[name="password"]').fill(PASSWORD)
        with page.expect_navigation():
            page.get_by_role("button", name="Sign in").click()
        outcomes[policy] = (origins[0], page.url.removeprefix(live_server.url))
        page.close()
    assert outcomes["no-referrer"] == ("null", "/accounts/sign-in/")
    assert outcomes["same-origin"] == (live_server.url, "/")
