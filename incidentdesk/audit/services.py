"""Writing to the audit log. `record_event` is the only way an event is made."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import connection, models, transaction
from django.utils import timezone

from incidentdesk.audit.chain import (
    GENESIS_HASH,
    canonical_json,
    canonical_value,
    chain_hash,
    content_digest,
)
from incidentdesk.audit.db import ERASE_FUNCTION
from incidentdesk.audit.models import ERASED_ACTION, AuditEvent, AuditHead
from incidentdesk.organisations.models import Organisation

logger = logging.getLogger(__name__)

SYSTEM = "system"
ANONYMOUS = "anonymous"
ANONYMOUS_REPORTER = "anonymous reporter"


def _fit(model_field: str, value: str) -> str:
    """Cut a label to its column so the stored text is the hashed text on every database."""
    max_length = AuditEvent._meta.get_field(model_field).max_length
    return value[:max_length] if max_length else value


def changes_between(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """The fields whose values differ, as {field: [before, after]}.

    Values are compared in their recorded (canonical) form, so Decimal("1.50") and a
    float 1.5 differ but two equal datetimes in different time zones do not. A field
    missing on one side counts as None there.
    """
    changes: dict[str, list[Any]] = {}
    for field in sorted(set(before) | set(after)):
        old = canonical_value(before.get(field))
        new = canonical_value(after.get(field))
        if canonical_json(old) != canonical_json(new):
            changes[field] = [old, new]
    return changes


def _actor_id_and_label(
    actor: AbstractBaseUser | AnonymousUser | None, actor_label: str | None
) -> tuple[Any, str]:
    if actor is None:
        return None, actor_label or SYSTEM
    if not actor.is_authenticated:
        # An anonymous visitor is no one in particular: keep no identity at all.
        return None, actor_label or ANONYMOUS
    return actor.pk, actor_label or str(actor)


def _object_label(obj: models.Model) -> str:
    label = getattr(obj, "audit_label", None)
    if callable(label):
        label = label()
    return str(label) if label else str(obj)


def _organisation_id(obj: models.Model | None, organisation: Organisation | None) -> Any:
    if organisation is not None:
        return organisation.pk
    if isinstance(obj, Organisation):
        return obj.pk
    # The id, not the related object: no extra query to record an event.
    return getattr(obj, "organisation_id", None)


def _validate_changes(changes: Mapping[str, Any]) -> None:
    for field, pair in changes.items():
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise ValueError(f"changes[{field!r}] must be [before, after], not {pair!r}")


def _lock_head() -> AuditHead:
    """The head row, locked until the surrounding transaction ends.

    The row is missing in a new database and after the test suite's flush. If events
    exist without it, carry on from the last one rather than fork the chain at 1.
    """
    try:
        return AuditHead.objects.select_for_update().get(pk=1)
    except AuditHead.DoesNotExist:
        pass
    last = AuditEvent.objects.order_by("-sequence").only("sequence", "hash").first()
    defaults = (
        {"last_sequence": last.sequence, "last_hash": last.hash}
        if last is not None
        else {"last_sequence": 0, "last_hash": GENESIS_HASH}
    )
    # get_or_create is race-safe: a second creator hits the primary key, rolls back to
    # its savepoint and reads (and waits for the lock on) the winner's row.
    head, created = AuditHead.objects.select_for_update().get_or_create(pk=1, defaults=defaults)
    if created and last is not None:
        logger.error("The audit head was missing; re-created at event %s", last.sequence)
    return head


def record_event(
    *,
    actor: AbstractBaseUser | AnonymousUser | None,
    action: str,
    obj: models.Model | None = None,
    organisation: Organisation | None = None,
    changes: Mapping[str, Any] | None = None,
    details: Mapping[str, Any] | None = None,
    actor_label: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    object_label: str | None = None,
) -> AuditEvent:
    """Append one event to the audit log and return it.

    Guarantees:
    - the event is chained: its sequence follows the last event's by one, its
      `previous_hash` is that event's hash, and its `hash` covers its sequence, that
      previous hash and the SHA-256 digest of its content;
    - writers are serialised on the head row, so two events never share a place in the
      chain; call it inside the service's transaction and the event commits, or rolls
      back, with the change it records;
    - the stored `changes` and `details` are the canonical JSON that was hashed, so the
      log verifies on SQLite and PostgreSQL alike;
    - the event's time is the server's clock (`timezone.now()`), never the caller's.

    `actor` None is the system (label "system"); an anonymous user is recorded with no
    identity ("anonymous"), and a caller may name them, e.g. "anonymous reporter".
    `obj` fills object_type (its model name), object_id (its pk), object_label (its
    `audit_label`, else str(obj)) and the organisation (its `organisation_id`) unless
    they are given. Raises ValueError or TypeError for values that cannot be recorded.
    """
    if not action:
        raise ValueError("an audit event needs an action")
    if obj is not None:
        if obj.pk is None:
            raise ValueError(f"save the {obj._meta.model_name} before recording an event on it")
        object_type = object_type if object_type is not None else obj._meta.model_name
        object_id = object_id if object_id is not None else str(obj.pk)
        object_label = object_label if object_label is not None else _object_label(obj)
    changes = changes or {}
    _validate_changes(changes)
    actor_id, label = _actor_id_and_label(actor, actor_label)

    event = AuditEvent(
        actor_id=actor_id,
        actor_label=_fit("actor_label", label),
        organisation_id=_organisation_id(obj, organisation),
        action=action,
        object_type=object_type or "",
        object_id=object_id or "",
        object_label=_fit("object_label", object_label or ""),
        changes=canonical_value(changes),
        details=canonical_value(details or {}),
    )
    with transaction.atomic():
        head = _lock_head()
        # Read the clock under the lock, so times never run backwards along the chain.
        event.occurred_at = timezone.now()
        event.sequence = head.last_sequence + 1
        event.previous_hash = head.last_hash
        event.content_digest = content_digest(event.content())
        event.hash = chain_hash(
            sequence=event.sequence,
            previous_hash=event.previous_hash,
            digest=event.content_digest,
        )
        event.save()
        AuditHead.objects.filter(pk=1).update(last_sequence=event.sequence, last_hash=event.hash)
    return event


class ErasureRefused(Exception):
    """An event's content no longer matches its digest: erasing it would hide that."""


def _erase_row(event: AuditEvent, when: Any) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The application's role has no UPDATE on the table in production: the
            # SECURITY DEFINER function is its one way to erase (see audit/db.py).
            cursor.execute(f"SELECT {ERASE_FUNCTION}(%s, %s)", [event.pk, when])
            done = cursor.fetchone()[0]
        else:
            cursor.execute(
                "UPDATE audit_auditevent SET changes = '{}', details = '{}', erased_at = %s "
                "WHERE id = %s AND erased_at IS NULL",
                [connection.ops.adapt_datetimefield_value(when), event.pk],
            )
            done = cursor.rowcount
    if done != 1:
        raise ErasureRefused(f"{event.describe()} was erased meanwhile")


def erase_personal_content(
    *,
    events: models.QuerySet[AuditEvent],
    reason: str,
    obj: models.Model | None = None,
    organisation: Organisation | None = None,
) -> int:
    """Empty the `changes` and `details` of `events` (their free text); how many were erased.

    For retention: the event keeps who, what action, on which object and when, and its
    digest and hashes, so the chain verifies as before. In the same transaction one
    "audit.content_erased" event (system actor, on `obj`) lists each erased event's
    sequence with the digest of what it still holds, which `verify_chain` checks: an
    event emptied any other way fails verification.

    Events already erased, with nothing to erase, or themselves erasure records are left.
    Raises ErasureRefused, and erases nothing, if an event's content does not match its
    digest: erasing it would destroy the evidence that it was altered.
    """
    with transaction.atomic():
        now = timezone.now()
        vouched: dict[str, str] = {}
        targets = events.filter(erased_at__isnull=True).exclude(action=ERASED_ACTION)
        # A list, not a cursor: the rows are updated while we go (one object's events).
        for event in list(targets.order_by("sequence")):
            if not event.changes and not event.details:
                continue
            if content_digest(event.content()) != event.content_digest:
                raise ErasureRefused(
                    f"{event.describe()}: its content does not match its digest; "
                    "run incidentdesk verify-audit"
                )
            _erase_row(event, now)
            event.changes, event.details = {}, {}
            vouched[str(event.sequence)] = content_digest(event.content())
        if vouched:
            record_event(
                actor=None,
                action=ERASED_ACTION,
                obj=obj,
                organisation=organisation,
                details={"reason": reason, "events": vouched},
            )
    return len(vouched)
