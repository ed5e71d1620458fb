"""What comes with a report: attachments, anonymous receipts, messages with the reporter."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from incidentdesk.incidents.models import Incident
from incidentdesk.organisations.models import Organisation


class Attachment(models.Model):
    """A file sent with a report. Stored under a random name outside the web root."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="attachments")
    stored_name = models.CharField(max_length=100, unique=True)
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_at = models.DateTimeField(default=timezone.now)
    # Empty for an anonymous reporter.
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name


class AnonymousReceipt(models.Model):
    """The keyed hash of an anonymous reporter's receipt code; the code itself is never kept."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="receipt")
    code_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"receipt for {self.incident_id}"


class ReceiptAttempts(models.Model):
    """Wrong receipt codes per organisation per minute: rate limiting that knows no one."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    minute = models.DateTimeField()
    failures = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "minute"], name="unique_attempt_minute")
        ]

    def __str__(self) -> str:
        return f"{self.organisation_id} {self.minute}: {self.failures}"


class Message(models.Model):
    """A message between the incident manager and the reporter, or information added later."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="messages")
    from_reporter = models.BooleanField()
    # Empty when the reporter is anonymous.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["incident", "created_at"], name="message_incident")]

    def __str__(self) -> str:
        return f"message on {self.incident_id}"
