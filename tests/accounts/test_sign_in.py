"""Signing in with e-mail address and password: messages, lock-out, sessions, `next`."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

from incidentdesk.accounts.models import SignInFailure, SignInFailureReason
from incidentdesk.organisations.models import Person
from tests.accounts.helpers import PASSWORD, SIGN_IN, audit_actions, error_summary, sign_in

WRONG_DETAILS = "Enter the e-mail address and password you were given"


def test_the_sign_in_page_shows_the_form(client: Client, db) -> None:
    response = client.get(SIGN_IN)
    assert response.status_code == 200
    content = response.content.decode()
    assert "<title>Sign in – Incident Desk</title>" in content
    assert 'type="email"' in content and 'autocomplete="username"' in content
    assert 'type="password"' in content and 'autocomplete="current-password"' in content
    assert "novalidate" in content


def test_plain_staff_are_signed_in_with_their_password_alone(client: Client, staff: Person) -> None:
    response = sign_in(client, "sam@example.org")
    assert response.status_code == 302
    assert response["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 200
    assert home.wsgi_request.user == staff
    assert "Hello, Sam" in home.content.decode()
    assert audit_actions(staff) == ["person.signed_in"]


def test_the_e_mail_address_is_matched_whatever_its_case(client: Client, staff: Person) -> None:
    response = sign_in(client, "  Sam@Example.ORG ")
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == staff


def test_a_wrong_password_gets_a_clear_message(client: Client, staff: Person) -> None:
    response = sign_in(client, "sam@example.org", "not the password")
    assert response.status_code == 200
    assert WRONG_DETAILS in error_summary(response)
    assert "<title>Error: Sign in – Incident Desk</title>" in response.content.decode()
    assert not response.wsgi_request.user.is_authenticated
    failure = SignInFailure.objects.get()
    assert (failure.email, failure.reason) == ("sam@example.org", "wrong_password")
    assert audit_actions(staff) == ["person.sign_in_failed"]


def test_an_unknown_e_mail_gets_the_same_message_as_a_wrong_password(
    client: Client, staff: Person
) -> None:
    wrong_password = sign_in(client, "sam@example.org", "not the password")
    unknown = sign_in(client, "nobody@example.org", "not the password")
    assert unknown.status_code == wrong_password.status_code == 200
    assert error_summary(unknown) == error_summary(wrong_password)
    assert WRONG_DETAILS in error_summary(unknown)
    assert SignInFailure.objects.filter(
        email="nobody@example.org", reason=SignInFailureReason.UNKNOWN_EMAIL
    ).exists()


def test_the_audit_log_keeps_no_address_typed_for_an_unknown_account(client: Client, db) -> None:
    from incidentdesk.audit.models import AuditEvent

    sign_in(client, "my-secret-password@example.org", "x")
    event = AuditEvent.objects.get(action="person.sign_in_failed")
    assert "my-secret-password" not in str(event.details)
    assert "my-secret-password" not in event.object_label


def test_a_switched_off_account_gets_the_same_message(client: Client, staff: Person) -> None:
    staff.is_active = False
    staff.save()
    response = sign_in(client, "sam@example.org")
    assert response.status_code == 200
    assert WRONG_DETAILS in error_summary(response)
    assert SignInFailure.objects.get().reason == SignInFailureReason.INACTIVE


def test_missing_fields_get_a_message_each(client: Client, db) -> None:
    response = client.post(SIGN_IN, {})
    assert response.status_code == 200
    summary = error_summary(response)
    assert '<a href="#id_email">Enter your e-mail address</a>' in summary
    assert '<a href="#id_password">Enter your password</a>' in summary
    content = response.content.decode()
    assert 'id="id_email-error"' in content
    assert '<span class="govuk-visually-hidden">Error:</span> Enter your password' in content
    assert not SignInFailure.objects.exists()


@pytest.mark.parametrize(
    "email, password, message",
    [
        (
            "a" * 10_000 + "@example.org",
            PASSWORD,
            "Enter an e-mail address of 254 characters or fewer",
        ),
        ("sam@example.org", "p" * 100_000, "Enter a password of 1024 characters or fewer"),
        ("not an address", PASSWORD, "Enter an e-mail address in the right format"),
        ("sam\x00@example.org", PASSWORD, "Enter an e-mail address in the right format"),
        ("sam@example.org", "pass\x00word", "Enter your password without special characters"),
    ],
)
def test_bad_input_gets_a_message_not_an_error_page(
    client: Client, staff: Person, email: str, password: str, message: str
) -> None:
    response = client.post(SIGN_IN, {"email": email, "password": password})
    assert response.status_code == 200
    assert message in error_summary(response)
    assert not response.wsgi_request.user.is_authenticated


def test_what_was_typed_is_kept_except_the_password(client: Client, staff: Person) -> None:
    response = sign_in(client, "sam@example.org", "the wrong one")
    content = response.content.decode()
    assert 'value="sam@example.org"' in content
    assert "the wrong one" not in content


def test_sign_in_locks_out_after_five_failures_even_with_the_right_password(
    client: Client, staff: Person
) -> None:
    for _ in range(4):
        assert WRONG_DETAILS in error_summary(sign_in(client, "sam@example.org", "guess"))
    fifth = sign_in(client, "sam@example.org", "guess")
    assert "Try again in 15 minutes, or reset your password" in error_summary(fifth)

    right = sign_in(client, "sam@example.org", PASSWORD)
    assert right.status_code == 200
    assert "Try again in 15 minutes, or reset your password" in error_summary(right)
    assert 'href="/accounts/password-reset/"' in right.content.decode()
    assert not client.get("/").wsgi_request.user.is_authenticated

    reasons = list(
        SignInFailure.objects.order_by("occurred_at", "pk").values_list("reason", flat=True)
    )
    assert reasons == ["wrong_password"] * 5 + ["locked"]
    assert audit_actions(staff) == ["person.sign_in_failed"] * 5 + [
        "person.locked_out",
        "person.sign_in_failed",
    ]


def test_a_locked_address_is_not_checked_against_the_password(
    client: Client, staff: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    for _ in range(5):
        sign_in(client, "sam@example.org", "guess")
    checked: list[str] = []
    monkeypatch.setattr(Person, "check_password", lambda self, raw: checked.append(raw) or True)
    sign_in(client, "sam@example.org", PASSWORD)
    assert checked == []


def test_the_lock_out_ends_when_the_failures_are_old_enough(
    client: Client, staff: Person, clock
) -> None:
    for _ in range(5):
        sign_in(client, "sam@example.org", "guess")
    clock.shift(10 * 60)
    assert "Try again in 5 minutes" in error_summary(sign_in(client, "sam@example.org"))
    clock.shift(5 * 60 + 1)
    response = sign_in(client, "sam@example.org")
    assert response.status_code == 302
    assert client.get("/").wsgi_request.user == staff


def test_an_unknown_address_locks_out_the_same_way(client: Client, db) -> None:
    # Otherwise the lock-out would tell which addresses have accounts.
    for _ in range(5):
        sign_in(client, "nobody@example.org", "guess")
    assert "Try again in 15 minutes" in error_summary(sign_in(client, "nobody@example.org"))


def test_signing_in_clears_earlier_failures(client: Client, staff: Person) -> None:
    for _ in range(4):
        sign_in(client, "sam@example.org", "guess")
    sign_in(client, "sam@example.org")
    client.post("/accounts/sign-out/")
    for _ in range(4):
        sign_in(client, "sam@example.org", "guess")
    assert sign_in(client, "sam@example.org").status_code == 302


def test_signing_in_starts_a_new_session(client: Client, staff: Person) -> None:
    session = client.session
    session["planted"] = "before sign-in"
    session.save()
    planted_key = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = planted_key

    sign_in(client, "sam@example.org")
    assert client.session.session_key != planted_key
    assert "planted" not in client.session


def test_next_is_followed_to_a_page_on_this_site(client: Client, staff: Person) -> None:
    response = sign_in(client, "sam@example.org", next="/organisations/")
    assert response["Location"] == "/organisations/"


@pytest.mark.parametrize(
    "next_url", ["https://evil.example.com/", "//evil.example.com/", "javascript:alert(1)"]
)
def test_next_to_another_site_is_ignored(client: Client, staff: Person, next_url: str) -> None:
    response = sign_in(client, "sam@example.org", next=next_url)
    assert response["Location"] == "/"


def test_the_sign_in_page_passes_next_on(client: Client, db) -> None:
    response = client.get("/")
    assert response["Location"] == "/accounts/sign-in/?next=/"
    page = client.get(response["Location"])
    assert '<input type="hidden" name="next" value="/">' in page.content.decode()


def test_someone_signed_in_is_sent_on_from_the_sign_in_page(client: Client, staff: Person) -> None:
    sign_in(client, "sam@example.org")
    assert client.get(SIGN_IN)["Location"] == "/"


def test_signing_out_needs_a_button(client: Client, staff: Person) -> None:
    sign_in(client, "sam@example.org")
    page = client.get("/accounts/sign-out/")
    assert page.status_code == 200
    assert client.get("/").status_code == 200  # still signed in

    response = client.post("/accounts/sign-out/")
    assert response["Location"] == SIGN_IN
    assert "You have signed out." in client.get(SIGN_IN).content.decode()
    assert client.get("/").status_code == 302
