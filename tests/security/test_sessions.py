# ruff: noqa: F811 - the sign-in fixtures come from tests/accounts/conftest.py
"""Sessions (issue 8, point 6): a new session at sign-in, the idle warning and its
"Stay signed in" button, other sessions ended by a new password, cookie flags, and
`check --deploy` clean with a production-like environment.

Also proved elsewhere: idle and absolute timeouts (tests/accounts/test_session_timeout.py),
a TOTP code accepted once (tests/accounts/test_second_factor.py::test_a_code_cannot_be_used_twice).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client, override_settings

from incidentdesk.accounts import session as session_keys
from incidentdesk.organisations.models import Person
from tests.accounts.conftest import clock, manager, manager_secret, school, staff  # noqa: F401, F811
from tests.accounts.helpers import CODE_PAGE, SIGN_IN, code_for, sign_in
from tests.e2e.conftest import NewPage, browser, new_page  # noqa: F401

STAY = "/accounts/stay-signed-in/"
NEW_PASSWORD = "a kettle of green herons"


def test_sign_in_with_password_and_code_gives_a_new_session_key(
    client: Client, manager: Person, manager_secret: str
) -> None:
    client.get(SIGN_IN)
    sign_in(client, "mandy@example.org")
    pending_key = client.session.session_key
    assert pending_key
    assert client.post(CODE_PAGE, {"code": code_for(manager_secret)})["Location"] == "/"
    assert client.session.session_key != pending_key
    # The half-way session is gone from the server, not merely unused.
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = pending_key
    assert replay.get("/")["Location"].startswith(SIGN_IN)


def test_signed_in_pages_carry_the_idle_warning_and_its_script(
    client: Client, staff: Person
) -> None:
    sign_in(client, "sam@example.org")
    page = client.get("/").content.decode()
    assert 'id="session-warning"' in page
    assert f'data-idle-seconds="{settings.SESSION_IDLE_TIMEOUT_SECONDS}"' in page
    assert re.search(r'<script src="[^"]*/incidentdesk/session-warning\.js"></script>', page)
    assert f'action="{STAY}"' in page
    # Signed out: no warning, no script.
    signed_out = Client().get(SIGN_IN).content.decode()
    assert "session-warning" not in signed_out


def test_the_warning_script_exists_and_uses_no_inline_code() -> None:
    script = Path(settings.BASE_DIR, "static", "incidentdesk", "session-warning.js").read_text()
    assert "WARN_BEFORE_SECONDS = 120" in script
    assert "eval(" not in script and "innerHTML" not in script


def test_stay_signed_in_records_activity_so_the_idle_limit_restarts(
    client: Client, staff: Person, clock
) -> None:
    sign_in(client, "sam@example.org")
    idle = settings.SESSION_IDLE_TIMEOUT_SECONDS
    clock.shift(idle - 90)  # the warning is showing
    response = client.post(STAY)
    assert response.status_code == 204
    assert (
        response["Cache-Control"].startswith("max-age=0") or "no-store" in response["Cache-Control"]
    )
    assert client.session[session_keys.LAST_ACTIVITY_KEY] == session_keys.now_seconds()
    clock.shift(idle - 30)  # past the first limit, within the new one
    assert client.get("/").status_code == 200


def test_stay_signed_in_cannot_revive_an_idle_session(client: Client, staff: Person, clock) -> None:
    sign_in(client, "sam@example.org")
    clock.shift(settings.SESSION_IDLE_TIMEOUT_SECONDS + 1)
    response = client.post(STAY)
    assert response["Location"].startswith(SIGN_IN)
    assert client.get("/")["Location"].startswith(SIGN_IN)


def test_stay_signed_in_needs_a_post_with_a_csrf_token(staff: Person) -> None:
    browser = Client(enforce_csrf_checks=True)
    sign_in_page = browser.get(SIGN_IN).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', sign_in_page).group(1)
    browser.post(
        SIGN_IN,
        {
            "email": "sam@example.org",
            "password": "plum tree under the bridge",
            "csrfmiddlewaretoken": token,
        },
    )
    assert browser.get(STAY).status_code == 405
    assert browser.post(STAY).status_code == 403
    page = browser.get("/").content.decode()
    token = re.search(
        r'id="session-warning".*?name="csrfmiddlewaretoken" value="([^"]+)"', page, re.S
    ).group(1)
    assert browser.post(STAY, {"csrfmiddlewaretoken": token}).status_code == 204


def test_a_new_password_ends_the_persons_other_sessions(staff: Person) -> None:
    laptop, phone = Client(), Client()
    sign_in(laptop, "sam@example.org")
    sign_in(phone, "sam@example.org")
    assert phone.get("/").status_code == 200

    laptop.post("/accounts/password-reset/", {"email": "sam@example.org"})
    link = re.search(r"/accounts/password-reset/\S+/\S+/", mail.outbox[0].body).group(0)
    set_password_url = laptop.get(link)["Location"]
    laptop.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    # Django checks each session against a hash of the password: the phone is signed out.
    assert phone.get("/")["Location"].startswith(SIGN_IN)
    assert laptop.get("/")["Location"].startswith(SIGN_IN)
    assert sign_in(phone, "sam@example.org", NEW_PASSWORD)["Location"] == "/"


def test_cookies_are_http_only_and_same_site(client: Client, staff: Person) -> None:
    response = sign_in(client, "sam@example.org")
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    csrf = (
        client.get(SIGN_IN).cookies.get(settings.CSRF_COOKIE_NAME)
        or client.cookies[settings.CSRF_COOKIE_NAME]
    )
    assert csrf["samesite"] == "Lax"
    assert settings.CSRF_COOKIE_HTTPONLY is True


@override_settings(SESSION_COOKIE_SECURE=True, CSRF_COOKIE_SECURE=True)
def test_cookies_are_secure_when_configured_as_in_production(client: Client, staff: Person) -> None:
    response = sign_in(client, "sam@example.org", secure=True)
    assert response.cookies[settings.SESSION_COOKIE_NAME]["secure"] is True


PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k" * 20 + "-production-like-secret-" + "Zq8#x!" * 8,
    "ALLOWED_HOSTS": "incidents.example.org",
    "SITE_URL": "https://incidents.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://incidents.example.org",
}


def test_check_deploy_is_clean_at_warning_level(tmp_path: Path) -> None:
    # tests/settings.py relaxes HTTPS for the test server; the real defaults apply here.
    # (and tests/e2e/conftest.py allows sync ORM calls in the browser tests' event loop).
    relaxed = {
        "DEBUG",
        "DJANGO_SETTINGS_MODULE",
        "SECURE_SSL_REDIRECT",
        "SECURE_COOKIES",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    env = {k: v for k, v in os.environ.items() if k not in relaxed and k != "DATABASE_URL"}
    env.update(PRODUCTION_ENV)
    env["VAR_DIR"] = str(tmp_path)
    command = Path(sys.executable).with_name("incidentdesk")
    result = subprocess.run(  # noqa: S603
        [str(command), "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_the_warning_shows_before_the_idle_limit_and_stay_signed_in_works(
    new_page,  # noqa: F811
    live_server,
) -> None:
    from tests.e2e.conftest import check_page, sign_in_with_cookie
    from tests.factories import make_organisation, make_person

    person = make_person(organisation=make_organisation())
    # 124 seconds: the warning is due 4 seconds after a page loads.
    with override_settings(SESSION_IDLE_TIMEOUT_SECONDS=124):
        page = new_page("desktop")
        sign_in_with_cookie(page, live_server.url, person)
        page.goto(f"{live_server.url}/")
        banner = page.locator("#session-warning")
        assert banner.is_hidden()
        banner.wait_for(state="visible", timeout=10_000)
        assert "You will be signed out soon" in banner.inner_text()
        check_page(page)
        with page.expect_response("**/accounts/stay-signed-in/") as answer:
            page.get_by_role("button", name="Stay signed in").click()
        assert answer.value.status == 204
        assert banner.is_hidden()
        assert page.url == f"{live_server.url}/"
