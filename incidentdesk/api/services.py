"""Writes for API tokens: make one, revoke one, note when one was used."""

from __future__ import annotations

import datetime
import secrets

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from incidentdesk.audit.services import record_event
from incidentdesk.organisations.models import Person

from .models import DISPLAY_PREFIX_LENGTH, TOKEN_PREFIX, ApiToken, IdempotentRequest, hash_token

# A busy client calls many times a minute; noting every call would be a write per request.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


def generate_raw_token() -> str:
    """A new token value: "idk_" and 256 random bits, URL-safe."""
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


@transaction.atomic
def create_api_token(
    *,
    person: Person,
    name: str,
    actor: Person | None = None,
    actor_label: str | None = None,
) -> tuple[ApiToken, str]:
    """A new token for `person`, and its raw value, which is not kept anywhere.

    The caller must show the raw value to its owner now: only its hash is stored. The
    audit event names the token and its prefix, never the value. `actor` is who made it
    (None for the command line, described by `actor_label`).
    """
    name = name.strip()
    if not name:
        raise ValueError("An API token needs a name.")
    raw = generate_raw_token()
    token = ApiToken.objects.create(
        person=person,
        name=name[: ApiToken._meta.get_field("name").max_length],
        token_prefix=raw[:DISPLAY_PREFIX_LENGTH],
        token_hash=hash_token(raw),
    )
    record_event(
        actor=actor,
        actor_label=actor_label,
        action="api_token.created",
        obj=token,
        details={"name": token.name, "person": person.email, "prefix": token.token_prefix},
    )
    return token, raw


@transaction.atomic
def revoke_api_token(
    *, token: ApiToken, actor: Person | None, actor_label: str | None = None
) -> bool:
    """Stops `token` working from now on. Returns False if it was already revoked.

    The conditional update means two people revoking at once record one event.
    """
    now = timezone.now()
    changed = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not changed:
        return False
    token.revoked_at = now
    record_event(
        actor=actor,
        actor_label=actor_label,
        action="api_token.revoked",
        obj=token,
        details={"name": token.name, "person": token.person.email, "prefix": token.token_prefix},
    )
    return True


def note_api_token_used(*, token: ApiToken, now: datetime.datetime | None = None) -> None:
    """Records that `token` was used, at most once a minute.

    The check in Python skips the write on most requests; the condition in the update
    stops concurrent requests from moving the time backwards.
    """
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    ApiToken.objects.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_RESOLUTION)
    ).update(last_used_at=now)
    token.last_used_at = now


class IdempotencyKeyReused(Exception):
    """The key was already used by this person for a different request."""


def idempotent_result(*, person: Person, operation: str, key: str, fingerprint: str) -> int | None:
    """The id of what an earlier request with this key made, or None for a new key.

    IdempotencyKeyReused when the key was used for a request with another fingerprint.
    """
    earlier = IdempotentRequest.objects.filter(person=person, operation=operation, key=key).first()
    if earlier is None:
        return None
    if earlier.fingerprint != fingerprint:
        raise IdempotencyKeyReused
    return earlier.object_id


def remember_idempotent_result(
    *, person: Person, operation: str, key: str, fingerprint: str, object_id: int
) -> None:
    """Keeps what the request made under its key. Call it in the transaction that made it:
    a concurrent retry then fails on the unique key (IntegrityError) and rolls back whole."""
    IdempotentRequest.objects.create(
        person=person, operation=operation, key=key, fingerprint=fingerprint, object_id=object_id
    )
