from __future__ import annotations

import datetime
import random

import pytest
from django.utils import timezone

from incidentdesk.api import auth
from incidentdesk.api.models import ApiToken
from incidentdesk.api.selectors import person_for_token
from incidentdesk.api.services import create_api_token, revoke_api_token

from .conftest import Cast, bearer


def assert_refused(response, detail: str) -> None:
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json() == {"detail": detail}


def test_it_requires_a_token(client, cast: Cast):
    response = client.get("/api/v1/me")

    assert_refused(response, "Send an API token: Authorization: Bearer <token>.")


@pytest.mark.parametrize(
    ("header", "detail"),
    [
        ("", auth.MISSING),
        ("   ", auth.MISSING),
        ("Bearer", auth.NO_TOKEN),
        ("Bearer ", auth.NO_TOKEN),
        ("Basic abc", auth.WRONG_SCHEME),
        ("Basic YWxpY2U6cGFzc3dvcmQ=", auth.WRONG_SCHEME),
        ("Token idk_abc", auth.WRONG_SCHEME),
        ("idk_abcdef", auth.WRONG_SCHEME),
        ("Bearer a b", auth.SPACES),
        ("Bearer idk_abc\tdef", auth.SPACES),
        ("Bearer " + "x" * 5000, auth.TOO_LONG),
        ("Bearer idk_" + "a" * 100, auth.MALFORMED),
        ("Bearer abc", auth.MALFORMED),
        ("Bearer idk_", auth.MALFORMED),
        ("Bearer idk_abc/def", auth.MALFORMED),
        ("Bearer idk_ü", auth.NOT_ASCII),
        ("Bearer idk_\u00e9t\u00e9", auth.NOT_ASCII),
        ("Bearer idk_\u2603", auth.NOT_ASCII),
        ("Bearer idk_\x00", auth.MALFORMED),
        ("Bearer idk_" + "A" * 43, auth.NOT_VALID),
    ],
)
def test_it_explains_a_malformed_header(client, cast: Cast, header: str, detail: str):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)

    assert_refused(response, detail)


def test_it_accepts_the_scheme_in_any_case(client, cast: Cast, alice_token):
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"bearer {alice_token}")

    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.org"


def test_it_refuses_an_unknown_token(client, cast: Cast, alice_token):
    # Same shape as a real token, one character changed.
    forged = alice_token[:-1] + ("A" if alice_token[-1] != "A" else "B")

    assert_refused(client.get("/api/v1/me", **bearer(forged)), auth.NOT_VALID)


def test_it_refuses_a_revoked_token(client, cast: Cast):
    token, raw = create_api_token(person=cast.alice, name="old")
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 200

    assert revoke_api_token(token=token, actor=cast.alice) is True

    assert_refused(client.get("/api/v1/me", **bearer(raw)), auth.NOT_VALID)
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_revoking_twice_changes_nothing(cast: Cast):
    token, _ = create_api_token(person=cast.alice, name="old")
    assert revoke_api_token(token=token, actor=None) is True
    first = ApiToken.objects.get(pk=token.pk).revoked_at

    assert revoke_api_token(token=token, actor=None) is False
    assert ApiToken.objects.get(pk=token.pk).revoked_at == first


def test_it_refuses_the_token_of_an_inactive_person(client, cast: Cast, alice_token):
    cast.alice.is_active = False
    cast.alice.save(update_fields=["is_active"])

    assert_refused(client.get("/api/v1/me", **bearer(alice_token)), auth.NOT_VALID)
    assert person_for_token(alice_token) is None


def test_person_for_token_finds_the_owner(cast: Cast, alice_token):
    assert person_for_token(alice_token) == cast.alice
    assert person_for_token("") is None
    assert person_for_token("idk_nothing") is None
    assert person_for_token("idk_\udcff") is None


def test_it_does_not_accept_a_session_instead_of_a_token(client, cast: Cast):
    client.force_login(cast.alice)

    response = client.get("/api/v1/me")

    assert_refused(response, auth.MISSING)


def test_a_token_works_while_the_browser_is_half_signed_in(client, cast: Cast):
    # Alice gave her password but not yet her code; the token is Bob's. The second-factor
    # middleware steers sessions, and must leave token requests alone.
    _, bob_token = create_api_token(person=cast.bob, name="Bob's script")
    client.post("/accounts/sign-in/", {"email": "alice@example.org", "password": "pw-alice-123"})
    assert client.get("/").status_code == 302  # she is sent on to the code page

    response = client.get("/api/v1/me", **bearer(bob_token))

    assert response.status_code == 200
    assert response.json()["email"] == "bob@example.org"


def test_a_token_works_while_the_browser_session_is_idle(client, cast: Cast, time_machine):
    _, bob_token = create_api_token(person=cast.bob, name="Bob's script")
    time_machine.move_to(timezone.now(), tick=False)
    client.force_login(cast.alice)
    client.get("/")
    time_machine.shift(datetime.timedelta(hours=1))  # past the idle timeout

    response = client.get("/api/v1/me", **bearer(bob_token))

    assert response.status_code == 200
    assert response.json()["email"] == "bob@example.org"


def test_it_notes_when_a_token_was_last_used_at_most_once_a_minute(
    client, cast: Cast, time_machine
):
    token, raw = create_api_token(person=cast.alice, name="script")
    start = timezone.now()
    time_machine.move_to(start, tick=False)

    client.get("/api/v1/me", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == start

    time_machine.move_to(start + datetime.timedelta(seconds=59), tick=False)
    client.get("/api/v1/me", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == start

    later = start + datetime.timedelta(seconds=61)
    time_machine.move_to(later, tick=False)
    client.get("/api/v1/me", **bearer(raw))
    token.refresh_from_db()
    assert token.last_used_at == later


def test_no_authorization_header_gets_a_server_error(client, cast: Cast):
    # A seeded spray of odd headers: Latin-1 bytes (what WSGI gives for non-ASCII),
    # control characters, near-misses of the scheme and of the token's shape.
    rng = random.Random(20260042)
    alphabet = "".join(chr(i) for i in range(256)) + "idk_Bearer  \t"
    headers = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 80))) for _ in range(150)]
    headers += [f"Bearer {h}" for h in headers[:50]] + [f"Bearer idk_{h}" for h in headers[:50]]

    for header in headers:
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=header)
        assert response.status_code == 401, repr(header)
        assert set(response.json()) == {"detail"}
