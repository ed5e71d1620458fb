"""Setting up an authenticator app: the QR code, the confirming code, and after."""

from __future__ import annotations

import re

import pyotp
from django.contrib.auth import SESSION_KEY
from django.test import Client

from incidentdesk.accounts.models import SignInFailure, TwoFactorDevice
from incidentdesk.accounts.session import ENROL_SECRET_KEY
from incidentdesk.organisations.models import Person
from tests.accounts.helpers import (
    CODE_PAGE,
    ENROL,
    audit_actions,
    code_for,
    error_summary,
    sign_in,
    wrong_code,
)


def _secret_on_page(response) -> str:
    match = re.search(r"<code>([A-Z2-7 ]+)</code>", response.content.decode())
    assert match, "the page shows the key for typing"
    return match.group(1).replace(" ", "")


def test_a_duty_holder_without_an_app_is_sent_to_set_one_up(
    client: Client, manager: Person
) -> None:
    assert sign_in(client, "mandy@example.org")["Location"] == ENROL
    assert client.get("/")["Location"] == ENROL
    assert client.get(CODE_PAGE)["Location"] == ENROL
    assert SESSION_KEY not in client.session


def test_the_set_up_page_shows_a_qr_code_drawn_here(client: Client, manager: Person) -> None:
    sign_in(client, "mandy@example.org")
    response = client.get(ENROL)
    assert response.status_code == 200
    content = response.content.decode()
    assert '<svg role="img"' in content
    assert "<title>QR code for your authenticator app</title>" in content
    # Drawn on the server: no image fetched from anywhere, no script.
    assert "<img" not in content and "http" not in content.split("<svg", 1)[1].split("</svg>")[0]
    secret = _secret_on_page(response)
    assert secret == client.session[ENROL_SECRET_KEY]
    assert "Because you handle incidents" in content


def test_the_key_stays_the_same_on_reload_but_not_for_another_session(
    client: Client, manager: Person
) -> None:
    sign_in(client, "mandy@example.org")
    first = _secret_on_page(client.get(ENROL))
    assert _secret_on_page(client.get(ENROL)) == first

    other = Client()
    sign_in(other, "mandy@example.org")
    assert _secret_on_page(other.get(ENROL)) != first


def test_the_right_code_sets_up_the_app_and_finishes_signing_in(
    client: Client, manager: Person, clock
) -> None:
    sign_in(client, "mandy@example.org", next="/organisations/")
    secret = _secret_on_page(client.get(ENROL))
    response = client.post(ENROL, {"code": code_for(secret)})
    assert response["Location"] == "/organisations/"
    assert client.get("/").wsgi_request.user == manager

    device = TwoFactorDevice.objects.get(person=manager)
    assert device.secret == secret
    assert device.confirmed_at is not None
    assert ENROL_SECRET_KEY not in client.session
    assert audit_actions(manager) == ["person.two_factor_enrolled", "person.signed_in"]


def test_the_code_used_to_set_up_cannot_be_used_again(
    client: Client, manager: Person, clock
) -> None:
    sign_in(client, "mandy@example.org")
    secret = _secret_on_page(client.get(ENROL))
    code = code_for(secret)
    client.post(ENROL, {"code": code})
    client.post("/accounts/sign-out/")

    assert sign_in(client, "mandy@example.org")["Location"] == CODE_PAGE
    assert client.post(CODE_PAGE, {"code": code}).status_code == 200
    clock.shift(30)
    assert client.post(CODE_PAGE, {"code": code_for(secret)})["Location"] == "/"


def test_a_wrong_code_at_set_up_gets_a_message(client: Client, manager: Person, clock) -> None:
    sign_in(client, "mandy@example.org")
    secret = _secret_on_page(client.get(ENROL))
    response = client.post(ENROL, {"code": wrong_code(secret)})
    assert response.status_code == 200
    assert "That code did not work. Check the app shows Incident Desk" in error_summary(response)
    assert _secret_on_page(response) == secret
    assert not TwoFactorDevice.objects.exists()
    assert not response.wsgi_request.user.is_authenticated
    # Trouble setting up is not guessing: the person can see the key.
    assert not SignInFailure.objects.exists()


def test_bad_input_at_set_up_gets_a_message(client: Client, manager: Person) -> None:
    sign_in(client, "mandy@example.org")
    client.get(ENROL)
    for code in ("", "x" * 5000):
        response = client.post(ENROL, {"code": code})
        assert response.status_code == 200
        assert error_summary(response)


def test_someone_with_an_app_cannot_set_up_another_before_the_code(
    client: Client, manager: Person, manager_secret: str
) -> None:
    sign_in(client, "mandy@example.org")
    assert client.get(ENROL)["Location"] == CODE_PAGE
    someone_elses = pyotp.random_base32()
    client.post(ENROL, {"code": pyotp.TOTP(someone_elses).now()})
    assert TwoFactorDevice.objects.get(person=manager).secret == manager_secret


def test_setting_up_needs_a_password_first(client: Client, db) -> None:
    response = client.get(ENROL)
    assert response["Location"] == "/accounts/sign-in/?next=/accounts/two-factor/set-up/"


def test_staff_may_set_up_an_app_and_are_then_asked_for_codes(
    client: Client, staff: Person, clock
) -> None:
    sign_in(client, "sam@example.org")
    page = client.get(ENROL)
    assert "You can ask for a code" in page.content.decode()
    secret = _secret_on_page(page)
    assert client.post(ENROL, {"code": code_for(secret)})["Location"] == ENROL
    done = client.get(ENROL)
    assert "Your authenticator app is set up" in done.content.decode()
    assert client.get("/").status_code == 200

    client.post("/accounts/sign-out/")
    assert sign_in(client, "sam@example.org")["Location"] == CODE_PAGE
