"""Sessions end after SESSION_IDLE_TIMEOUT_SECONDS without activity, and after the
absolute limit however active."""

from __future__ import annotations

from django.test import Client

from incidentdesk.organisations.models import Person
from tests.accounts.helpers import SIGN_IN, sign_in


def test_an_idle_session_is_signed_out_with_a_message(client: Client, staff: Person, clock) -> None:
    sign_in(client, "sam@example.org")
    assert client.get("/").status_code == 200
    clock.shift(30 * 60 + 1)

    response = client.get("/organisations/")
    assert response["Location"] == f"{SIGN_IN}?next=/organisations/"
    assert not response.wsgi_request.user.is_authenticated
    page = client.get(response["Location"])
    assert "You were signed out after 30 minutes without activity." in page.content.decode()
    # Said once, not on every later visit.
    assert "without activity" not in client.get(SIGN_IN).content.decode()


def test_activity_keeps_the_session_going(client: Client, staff: Person, clock) -> None:
    sign_in(client, "sam@example.org")
    for _ in range(4):
        clock.shift(29 * 60)
        assert client.get("/").status_code == 200


def test_a_session_ends_after_ten_hours_however_active(
    client: Client, staff: Person, clock
) -> None:
    sign_in(client, "sam@example.org")
    for _ in range(20):
        clock.shift(29 * 60)
        assert client.get("/").status_code == 200  # 9 h 40 min
    clock.shift(21 * 60)
    response = client.get("/")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "signed in for 10 hours" in page.content.decode()


def test_an_api_call_neither_ends_nor_extends_a_browser_session(
    client: Client, staff: Person, clock
) -> None:
    sign_in(client, "sam@example.org")
    clock.shift(20 * 60)
    assert client.get("/api/v1/me").status_code == 401  # the API wants a token
    clock.shift(11 * 60)
    assert client.get("/")["Location"] == f"{SIGN_IN}?next=/"


def test_a_duty_holder_is_timed_out_too(
    client: Client, manager: Person, manager_secret: str, clock
) -> None:
    from tests.accounts.helpers import code_for

    sign_in(client, "mandy@example.org")
    client.post("/accounts/sign-in/code/", {"code": code_for(manager_secret)})
    assert client.get("/").status_code == 200
    clock.shift(31 * 60)
    assert client.get("/")["Location"] == f"{SIGN_IN}?next=/"
