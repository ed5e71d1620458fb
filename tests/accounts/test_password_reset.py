"""Resetting a forgotten password by e-mail, without telling who has an account."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client

from incidentdesk.organisations.models import Person
from tests.accounts.helpers import PASSWORD, audit_actions, error_summary, sign_in

RESET = "/accounts/password-reset/"
SENT = "/accounts/password-reset/sent/"
NEW_PASSWORD = "seven swans swimming slowly"


def _link_in(message) -> str:
    match = re.search(r"https?://\S+/accounts/password-reset/\S+/\S+/", message.body)
    assert match, message.body
    return match.group(0)


def test_a_reset_e_mail_is_sent_and_its_link_sets_a_new_password(
    client: Client, staff: Person
) -> None:
    response = client.post(RESET, {"email": "Sam@Example.org"})
    assert response["Location"] == SENT
    assert "Check your e-mail" in client.get(SENT).content.decode()

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.org"]
    assert message.subject == "Set a new password for Incident Desk"
    assert message.alternatives == []  # plain text only
    link = _link_in(message)
    assert link.startswith(settings.SITE_URL + "/accounts/password-reset/")

    path = link.removeprefix(settings.SITE_URL)
    form_page = client.get(path, follow=True)
    assert form_page.status_code == 200
    assert "Set a new password" in form_page.content.decode()
    set_password_url = form_page.redirect_chain[-1][0]
    done = client.post(
        set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == "/accounts/password-reset/done/"
    assert "Your password has been changed" in client.get(done["Location"]).content.decode()

    assert sign_in(client, "sam@example.org", PASSWORD).status_code == 200
    assert sign_in(client, "sam@example.org", NEW_PASSWORD)["Location"] == "/"
    assert "person.password_reset" in audit_actions(staff)


def test_the_link_works_once(client: Client, staff: Person) -> None:
    client.post(RESET, {"email": "sam@example.org"})
    path = _link_in(mail.outbox[0]).removeprefix(settings.SITE_URL)
    set_password_url = client.get(path)["Location"]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(path)
    assert again.status_code == 200
    assert "This link does not work" in again.content.decode()


def test_an_unknown_address_gets_the_same_page_and_no_e_mail(client: Client, staff: Person) -> None:
    known = client.post(RESET, {"email": "sam@example.org"})
    unknown = client.post(RESET, {"email": "nobody@example.org"})
    assert unknown.status_code == known.status_code == 302
    assert unknown["Location"] == known["Location"] == SENT
    assert [m.to for m in mail.outbox] == [["sam@example.org"]]


def test_a_link_built_for_a_forged_host_still_points_at_our_site(
    client: Client, staff: Person
) -> None:
    client.post(RESET, {"email": "sam@example.org"}, HTTP_HOST="localhost")
    assert _link_in(mail.outbox[0]).startswith(settings.SITE_URL)


def test_a_reset_lifts_a_lock_out(client: Client, staff: Person) -> None:
    for _ in range(5):
        sign_in(client, "sam@example.org", "guess")
    client.post(RESET, {"email": "sam@example.org"})
    path = _link_in(mail.outbox[0]).removeprefix(settings.SITE_URL)
    set_password_url = client.get(path)["Location"]
    client.post(set_password_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert sign_in(client, "sam@example.org", NEW_PASSWORD)["Location"] == "/"


@pytest.mark.parametrize(
    "email, message",
    [
        ("", "Enter your e-mail address"),
        ("sam at example", "Enter an e-mail address in the right format"),
        ("s" * 5000 + "@example.org", "Enter an e-mail address of 254 characters or fewer"),
    ],
)
def test_bad_input_gets_a_message(client: Client, db, email: str, message: str) -> None:
    response = client.post(RESET, {"email": email})
    assert response.status_code == 200
    assert message in error_summary(response)
    assert "<title>Error: Reset your password" in response.content.decode()
    assert mail.outbox == []


@pytest.mark.parametrize(
    "first, second, field, message",
    [
        ("", "", "new_password1", "Enter a new password"),
        (NEW_PASSWORD, "something else entirely", "new_password2", "Enter the same new password"),
        ("short", "short", "new_password1", "too short"),
        ("x" * 5000, "x" * 5000, "new_password1", "1024 characters or fewer"),
    ],
)
def test_a_bad_new_password_gets_a_message_beside_its_field(
    client: Client, staff: Person, first: str, second: str, field: str, message: str
) -> None:
    client.post(RESET, {"email": "sam@example.org"})
    path = _link_in(mail.outbox[0]).removeprefix(settings.SITE_URL)
    set_password_url = client.get(path)["Location"]
    response = client.post(set_password_url, {"new_password1": first, "new_password2": second})
    assert response.status_code == 200
    summary = error_summary(response)
    assert f'href="#id_{field}"' in summary and message in summary
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_a_made_up_link_gets_a_page_not_an_error(client: Client, db) -> None:
    for path in (
        "/accounts/password-reset/MQ/set-password/",
        "/accounts/password-reset/!!!/abc-123/",
        "/accounts/password-reset/" + "A" * 3000 + "/x/",
    ):
        response = client.get(path)
        assert response.status_code == 200
        assert "This link does not work" in response.content.decode()
