"""API tokens: how a program signs in to `/api/v1/`.

The raw token is shown once, when it is made, and never stored: only its SHA-256 is
kept, so a copy of the database gives nobody a working token.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils import timezone

TOKEN_PREFIX = "idk_"
# "idk_" + secrets.token_urlsafe(32) is 47 characters; anything much longer is not ours,
# and refusing it before hashing keeps a flood of huge headers cheap.
TOKEN_MAX_LENGTH = 100
DISPLAY_PREFIX_LENGTH = 8


def hash_token(raw: str) -> str:
    """The SHA-256 hex digest under which a token is stored and looked up."""
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


class ApiToken(models.Model):
    """A person's API token. Revoked tokens are kept, so the audit trail can name them."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100, help_text="What the token is for, in a few words.")
    token_prefix = models.CharField(
        max_length=DISPLAY_PREFIX_LENGTH,
        help_text="The first characters of the token, to recognise it; not enough to use it.",
    )
    # unique=True gives the index every authenticated request looks up.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(
        null=True, blank=True, help_text="To the nearest minute: not written on every request."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API token"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.token_prefix}…)"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotentRequest(models.Model):
    """A write made through the API with an `Idempotency-Key`, so a retry finds its result.

    Keys belong to the person who sent them: one person's key never finds another's
    result. The fingerprint (a SHA-256 of what was sent) tells a true retry from a
    different request that reuses a key.
    """

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    operation = models.CharField(max_length=50)
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "operation", "key"], name="unique_idempotency_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.operation} {self.key}"
