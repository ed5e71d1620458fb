"""The audit log: append-only, hash-chained events, and the head that records its end."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models

from incidentdesk.audit.chain import GENESIS_HASH, canonical_datetime

# The event that records an erasure and vouches for what each erased event still holds.
ERASED_ACTION = "audit.content_erased"


class AppendOnlyError(Exception):
    """Raised when code tries to change or remove an audit event."""


def _refuse(what: str) -> NoReturn:
    raise AppendOnlyError(f"audit events are append-only: {what} is not allowed")


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    """The only way the code reaches audit events, and it offers no change or removal.

    New events come from `incidentdesk.audit.services.record_event`, which chains them.
    """

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("update()")

    def delete(self) -> NoReturn:
        _refuse("delete()")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("bulk_update()")

    def bulk_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        # Bulk inserts would skip the chain; events are recorded one by one.
        _refuse("bulk_create() (use record_event)")

    def update_or_create(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("update_or_create()")


class AuditEvent(models.Model):
    """Who did what to which object, and when; one link of the hash chain.

    The content fields (see `content()`) are hashed into `content_digest`; `hash` covers
    `sequence`, `previous_hash` and `content_digest`. The database refuses UPDATE and
    DELETE on this table (see `incidentdesk.audit.db`).
    """

    sequence = models.BigIntegerField(unique=True, help_text="The event's place in the chain.")
    occurred_at = models.DateTimeField(db_index=True)
    # No database constraint and DO_NOTHING: the event outlives the person and the
    # organisation, and deleting them must never touch the log.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_label = models.CharField(
        max_length=300, help_text="Who, as they were named at the time, or “system”."
    )
    organisation = models.ForeignKey(
        "organisations.Organisation",
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    action = models.CharField(max_length=100, help_text="As in “incident.classified”.")
    object_type = models.CharField(max_length=100, blank=True)
    object_id = models.CharField(max_length=100, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [before, after]}")
    details = models.JSONField(default=dict, blank=True)
    content_digest = models.CharField(max_length=64)
    previous_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # Set when retention erased `changes` and `details` (both left empty); the digest and
    # hashes stay, and an "audit.content_erased" event vouches for what is left.
    erased_at = models.DateTimeField(null=True, blank=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["sequence"]
        get_latest_by = "sequence"
        # Related lookups and Django internals use the base manager: make it refuse too.
        base_manager_name = "objects"
        indexes = [
            models.Index(
                fields=["object_type", "object_id", "sequence"], name="audit_event_object"
            ),
            models.Index(fields=["organisation", "occurred_at"], name="audit_event_org_time"),
        ]

    def __str__(self) -> str:
        return self.describe()

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("changing a saved event")
        if not self.hash:
            _refuse("saving an event outside record_event")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete()")

    def describe(self) -> str:
        """How problems name the event: “event 17 (incident.classified on SCH-2026-0001)”."""
        on = f" on {self.object_label}" if self.object_label else ""
        return f"event {self.sequence} ({self.action}{on})"

    def content(self) -> dict[str, Any]:
        """What `content_digest` covers: everything but the chain columns."""
        return {
            "occurred_at": canonical_datetime(self.occurred_at),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "organisation_id": self.organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "object_label": self.object_label,
            "changes": self.changes,
            "details": self.details,
        }


class AuditHead(models.Model):
    """The one row (pk 1) naming the last event, so a truncated tail is noticed.

    Appending locks this row, which also serialises writers so the chain never forks.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default=GENESIS_HASH)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_head_one_row")]

    def __str__(self) -> str:
        return f"audit head at event {self.last_sequence}"


class AuditCheckpointQuerySet(models.QuerySet["AuditCheckpoint"]):
    """Checkpoints are written once, by `checkpoints.write_checkpoint`, and never changed."""

    def update(self, **kwargs: Any) -> NoReturn:
        _refuse("update()")

    def delete(self) -> NoReturn:
        _refuse("delete()")

    def bulk_update(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("bulk_update()")


class AuditCheckpoint(models.Model):
    """A signed note of where the log was: event `sequence` had hash `head_hash`.

    Signed with an Ed25519 key kept outside the database, so whoever can write to the
    database cannot rewrite the chain up to a checkpoint and re-sign it.
    """

    sequence = models.BigIntegerField()
    head_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(db_index=True)
    key_id = models.CharField(
        max_length=16, help_text="The first 16 hex digits of the key's SHA-256."
    )
    signature = models.CharField(max_length=100, help_text="Ed25519, base64.")

    objects = AuditCheckpointQuerySet.as_manager()

    class Meta:
        ordering = ["sequence", "created_at"]
        get_latest_by = "created_at"
        base_manager_name = "objects"

    def __str__(self) -> str:
        return f"checkpoint at event {self.sequence}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            _refuse("changing a checkpoint")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        _refuse("delete()")
