from __future__ import annotations

import hashlib
import io
import re
import sys

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.core.management.base import CommandError

import incidentdesk.__main__
from incidentdesk.api import services
from incidentdesk.api.models import ApiToken
from incidentdesk.api.services import create_api_token

from .conftest import Cast, bearer

TOKEN = re.compile(r"idk_[A-Za-z0-9_-]{43}")


def test_a_token_is_stored_only_as_its_hash(cast: Cast):
    token, raw = create_api_token(person=cast.alice, name="  Nightly export  ")

    assert TOKEN.fullmatch(raw)
    token.refresh_from_db()
    assert token.name == "Nightly export"
    assert token.token_prefix == raw[:8]
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {str(value) for value in vars(token).values()}


def test_the_audit_events_never_hold_the_raw_token(cast: Cast, monkeypatch):
    events: list[dict] = []
    monkeypatch.setattr(services, "record_event", lambda **kwargs: events.append(kwargs))

    token, raw = create_api_token(person=cast.alice, name="script")
    services.revoke_api_token(token=token, actor=cast.bob)

    assert [(e["action"], e["obj"], e["actor"]) for e in events] == [
        ("api_token.created", token, None),
        ("api_token.revoked", token, cast.bob),
    ]
    assert events[0]["details"]["name"] == "script"
    assert all(raw not in repr(event) for event in events)
    assert all(token.token_hash not in repr(event) for event in events)


def test_a_token_needs_a_name(cast: Cast):
    with pytest.raises(ValueError, match="needs a name"):
        create_api_token(person=cast.alice, name="  ")


def test_create_token_prints_a_token_that_works(client, cast: Cast):
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("create_token", "Alice@Example.org", "--name", "CI", stdout=stdout, stderr=stderr)

    raw = stdout.getvalue().strip()
    assert TOKEN.fullmatch(raw)  # nothing else on stdout, so it can be piped
    assert "cannot be shown again" in stderr.getvalue()
    assert raw not in stderr.getvalue()
    assert ApiToken.objects.get(person=cast.alice).name == "CI"
    response = client.get("/api/v1/me", **bearer(raw))
    assert response.status_code == 200
    assert response.json()["email"] == "alice@example.org"


def test_create_token_refuses_an_unknown_email(cast: Cast):
    with pytest.raises(CommandError, match="Nobody has the e-mail address 'nobody@example.org'"):
        call_command("create_token", "nobody@example.org", stdout=io.StringIO())

    assert not ApiToken.objects.exists()


def test_create_token_refuses_an_inactive_person(cast: Cast):
    cast.bob.is_active = False
    cast.bob.save(update_fields=["is_active"])

    with pytest.raises(CommandError, match="deactivated"):
        call_command("create_token", "bob@example.org", stdout=io.StringIO())


def run_cli(monkeypatch, *argv: str) -> None:
    # Django closes the connections when a command finishes: on PostgreSQL that would end
    # the test's transaction, so keep them open.
    monkeypatch.setattr("django.db.connections.close_all", lambda: None)
    monkeypatch.setattr(sys, "argv", ["incidentdesk", *argv])
    incidentdesk.__main__.main()


def test_the_hyphenated_command_prints_only_the_token(cast: Cast, monkeypatch, capsys):
    run_cli(monkeypatch, "create-token", "charlie@example.org")

    out, err = capsys.readouterr()
    assert TOKEN.fullmatch(out.strip())
    assert "charlie@example.org" in err
    assert ApiToken.objects.get(person=cast.charlie).name == "Command line"


def test_the_command_line_reports_an_unknown_email_without_a_traceback(
    cast: Cast, monkeypatch, capsys
):
    with pytest.raises(SystemExit) as exit_:
        run_cli(monkeypatch, "create-token", "nobody@example.org")

    out, err = capsys.readouterr()
    assert exit_.value.code == 1
    assert out == ""
    assert "Nobody has the e-mail address 'nobody@example.org'" in err
    assert "Traceback" not in err


def test_the_admin_cannot_add_tokens_or_show_their_hash(rf, cast: Cast, admin_user):
    model_admin = site._registry[ApiToken]
    request = rf.get("/admin/api/apitoken/")
    request.user = admin_user

    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_delete_permission(request) is False
    assert "token_hash" not in model_admin.get_fields(request)
    assert "token_hash" not in model_admin.list_display


def test_the_admin_revokes_tokens(client, cast: Cast, admin_user):
    token, raw = create_api_token(person=cast.alice, name="script")
    client.force_login(admin_user)

    response = client.post(
        "/admin/api/apitoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    client.logout()
    assert client.get("/api/v1/me", **bearer(raw)).status_code == 401
