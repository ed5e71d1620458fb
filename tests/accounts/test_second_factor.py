"""The code from an authenticator app, asked of duty holders after their password."""

from __future__ import annotations

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings

from incidentdesk.accounts.models import SignInFailure, SignInFailureReason
from incidentdesk.organisations.models import Duty, DutyHolder, Organisation, Person
from tests.accounts.helpers import (
    CODE_PAGE,
    ENROL,
    PASSWORD,
    SIGN_IN,
    audit_actions,
    code_for,
    error_summary,
    sign_in,
    wrong_code,
)

WRONG_CODE = "That code did not work. Enter the code your authenticator app shows now"


def test_a_duty_holder_cannot_reach_the_home_page_with_the_password_alone(
    client: Client, manager: Person, manager_secret: str
) -> None:
    response = sign_in(client, "mandy@example.org")
    assert response.status_code == 302
    assert response["Location"] == CODE_PAGE

    home = client.get("/")
    assert home.status_code == 302
    assert home["Location"] == CODE_PAGE
    assert not home.wsgi_request.user.is_authenticated
    assert SESSION_KEY not in client.session
    # Every other page too, not just the home page.
    assert client.get("/organisations/")["Location"] == CODE_PAGE
    assert client.get("/admin/")["Location"] != "/admin/"
    assert "person.signed_in" not in audit_actions(manager)


def test_the_code_page_asks_for_the_code(
    client: Client, manager: Person, manager_secret: str
) -> None:
    sign_in(client, "mandy@example.org")
    response = client.get(CODE_PAGE)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Enter the code from your authenticator app" in content
    assert 'autocomplete="one-time-code"' in content and 'inputmode="numeric"' in content
    assert not response.wsgi_request.user.is_authenticated


def test_the_right_code_finishes_signing_in(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    sign_in(client, "mandy@example.org")
    response = client.post(CODE_PAGE, {"code": code_for(manager_secret)})
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user == manager
    assert audit_actions(manager) == ["person.signed_in"]


def test_a_code_typed_with_a_space_is_accepted(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    code = code_for(manager_secret)
    sign_in(client, "mandy@example.org")
    response = client.post(CODE_PAGE, {"code": f" {code[:3]} {code[3:]} "})
    assert response["Location"] == "/"


def test_a_wrong_code_gets_a_clear_message(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    sign_in(client, "mandy@example.org")
    response = client.post(CODE_PAGE, {"code": wrong_code(manager_secret)})
    assert response.status_code == 200
    assert WRONG_CODE in error_summary(response)
    assert "<title>Error: Enter the code from your authenticator app" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    assert SignInFailure.objects.get().reason == SignInFailureReason.WRONG_CODE
    assert audit_actions(manager) == ["person.sign_in_failed"]
    # And the right one still works after it.
    assert client.post(CODE_PAGE, {"code": code_for(manager_secret)})["Location"] == "/"


@pytest.mark.parametrize(
    "code, message",
    [
        ("", "Enter the 6-digit code from your authenticator app"),
        ("12345", "Enter the code as 6 numbers, like 123456"),
        ("abcdef", "Enter the code as 6 numbers, like 123456"),
        ("１２３４５６", "Enter the code as 6 numbers, like 123456"),
        ("9" * 10_000, "Enter the code as 6 numbers, like 123456"),
        ("12\x003456", "Enter the code as 6 numbers, like 123456"),
    ],
)
def test_a_badly_formed_code_gets_a_message_not_an_error_page(
    client: Client, manager: Person, manager_secret: str, code: str, message: str
) -> None:
    sign_in(client, "mandy@example.org")
    response = client.post(CODE_PAGE, {"code": code})
    assert response.status_code == 200
    assert message in error_summary(response)
    # A typing slip is not a guess: it does not count towards the lock-out.
    assert not SignInFailure.objects.exists()


def test_a_code_cannot_be_used_twice(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    code = code_for(manager_secret)
    sign_in(client, "mandy@example.org")
    assert client.post(CODE_PAGE, {"code": code})["Location"] == "/"
    client.post("/accounts/sign-out/")

    sign_in(client, "mandy@example.org")
    again = client.post(CODE_PAGE, {"code": code})
    assert again.status_code == 200
    assert WRONG_CODE in error_summary(again)
    assert not client.get("/").wsgi_request.user.is_authenticated

    clock.shift(30)  # the app shows the next code
    assert client.post(CODE_PAGE, {"code": code_for(manager_secret)})["Location"] == "/"


def test_an_earlier_code_is_refused_once_a_later_one_was_used(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    earlier = code_for(manager_secret, steps=-1)
    sign_in(client, "mandy@example.org")
    assert client.post(CODE_PAGE, {"code": code_for(manager_secret)})["Location"] == "/"
    client.post("/accounts/sign-out/")
    sign_in(client, "mandy@example.org")
    assert client.post(CODE_PAGE, {"code": earlier}).status_code == 200


def test_codes_a_minute_away_are_refused(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    sign_in(client, "mandy@example.org")
    for steps in (-2, 2):
        response = client.post(CODE_PAGE, {"code": code_for(manager_secret, steps=steps)})
        assert response.status_code == 200
    # One step either side is allowed, for phone clocks a little out.
    assert client.post(CODE_PAGE, {"code": code_for(manager_secret, steps=1)})["Location"] == "/"


def test_wrong_codes_count_towards_the_lock_out(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    sign_in(client, "mandy@example.org")
    for _ in range(4):
        assert client.post(CODE_PAGE, {"code": wrong_code(manager_secret)}).status_code == 200
    fifth = client.post(CODE_PAGE, {"code": wrong_code(manager_secret)})
    assert fifth["Location"] == SIGN_IN
    page = client.get(SIGN_IN)
    assert "Try again in 15 minutes, or reset your password" in error_summary(page)
    assert 'value="mandy@example.org"' in page.content.decode()

    # The half-finished sign-in is over, and the password alone now gets nowhere.
    assert client.get(CODE_PAGE)["Location"] == SIGN_IN
    assert sign_in(client, "mandy@example.org").status_code == 200
    assert "person.locked_out" in audit_actions(manager)


def test_a_lock_out_from_elsewhere_stops_the_code_page(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    sign_in(client, "mandy@example.org")
    attacker = Client()
    for _ in range(5):
        sign_in(attacker, "mandy@example.org", "guess")
    response = client.post(CODE_PAGE, {"code": code_for(manager_secret)})
    assert response["Location"] == SIGN_IN
    assert not client.get("/").wsgi_request.user.is_authenticated
    assert SignInFailure.objects.filter(reason=SignInFailureReason.LOCKED).count() == 1


def test_next_is_kept_through_the_code_page(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    sign_in(client, "mandy@example.org", next="/organisations/")
    response = client.post(CODE_PAGE, {"code": code_for(manager_secret)})
    assert response["Location"] == "/organisations/"


def test_the_password_step_runs_out_after_ten_minutes(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    sign_in(client, "mandy@example.org")
    clock.shift(10 * 60 + 1)
    response = client.post(CODE_PAGE, {"code": code_for(manager_secret)})
    assert response["Location"] == SIGN_IN
    assert not client.get("/").wsgi_request.user.is_authenticated


def test_a_password_reset_ends_a_half_finished_sign_in(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    sign_in(client, "mandy@example.org")
    manager.set_password("a completely new password")
    manager.save()
    response = client.post(CODE_PAGE, {"code": code_for(manager_secret)})
    assert response["Location"] == SIGN_IN


def test_the_api_does_not_accept_a_half_finished_browser_sign_in(
    client: Client, manager: Person, manager_secret: str
) -> None:
    # The API takes tokens only; the session, pending or not, gives it no one.
    sign_in(client, "mandy@example.org")
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert client.get("/")["Location"] == CODE_PAGE  # and the sign-in is still pending


def test_cancel_signs_out_from_the_code_page(
    client: Client, manager: Person, manager_secret: str
) -> None:
    sign_in(client, "mandy@example.org")
    assert client.post("/accounts/sign-out/")["Location"] == SIGN_IN
    assert client.get("/")["Location"] == "/accounts/sign-in/?next=/"


def test_plain_staff_are_not_asked_for_a_code(client: Client, staff: Person) -> None:
    assert sign_in(client, "sam@example.org")["Location"] == "/"
    assert client.get("/").status_code == 200


def test_admin_users_are_asked_for_a_code(client: Client, db) -> None:
    Person.objects.create_superuser("root@example.org", PASSWORD, full_name="Rosa Root")
    assert sign_in(client, "root@example.org")["Location"] == ENROL


def test_the_admin_sites_own_sign_in_form_cannot_skip_the_code(
    client: Client, manager: Person, manager_secret: str
) -> None:
    manager.is_staff = True
    manager.save()
    assert client.get("/admin/login/?next=/admin/")["Location"] == (
        "/accounts/sign-in/?next=/admin/"
    )
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "mandy@example.org", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302


def test_someone_given_a_duty_while_signed_in_is_asked_for_a_code(
    client: Client, staff: Person, school: Organisation
) -> None:
    sign_in(client, "sam@example.org")
    DutyHolder.objects.create(organisation=school, person=staff, duty=Duty.GOVERNOR)
    response = client.get("/")
    assert response["Location"] == ENROL
    assert SESSION_KEY not in client.session


@override_settings(REQUIRE_TWO_FACTOR=False, DEMO_MODE=True)
def test_no_code_is_asked_when_the_demo_switches_it_off(
    client: Client, manager: Person, manager_secret: str
) -> None:
    assert sign_in(client, "mandy@example.org")["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user == manager
    assert "govuk-phase-banner" in home.content.decode()
    assert ">Demo<" in home.content.decode()
