"""Passwords are hashed with argon2 in production (the test settings use MD5 for speed)."""

from __future__ import annotations

from unittest import mock

from django.contrib.auth.hashers import make_password
from django.test import Client, override_settings

import incidentdesk.settings as production
from incidentdesk.accounts.backends import EmailBackend
from incidentdesk.organisations.models import Person
from tests.accounts.helpers import PASSWORD, sign_in


def test_production_settings_hash_with_argon2_first() -> None:
    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_a_password_is_stored_as_argon2_and_signs_in(client: Client, db) -> None:
    person = Person.objects.create_user("ann@example.org", PASSWORD, full_name="Ann Ash")
    assert person.password.startswith("argon2$argon2id$")
    assert sign_in(client, "ann@example.org")["Location"] == "/"


@override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS)
def test_an_older_hash_is_upgraded_to_argon2_at_sign_in(client: Client, db) -> None:
    person = Person.objects.create_user("ann@example.org", None, full_name="Ann Ash")
    person.password = make_password(PASSWORD, hasher="pbkdf2_sha256")
    person.save()
    sign_in(client, "ann@example.org")
    person.refresh_from_db()
    assert person.password.startswith("argon2$")


def test_an_unknown_address_still_costs_one_hash(db) -> None:
    # So the time taken does not tell which addresses have accounts.
    with mock.patch("django.contrib.auth.base_user.make_password", wraps=make_password) as hasher:
        assert EmailBackend().authenticate(None, email="nobody@example.org", password="x") is None
    assert hasher.call_count == 1
