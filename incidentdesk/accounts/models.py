"""Sign-in records: failed attempts (for lock-out) and each person's authenticator app."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SignInFailureReason(models.TextChoices):
    UNKNOWN_EMAIL = "unknown_email", "No account with this e-mail address"
    WRONG_PASSWORD = "wrong_password", "Wrong password"
    INACTIVE = "inactive", "Account switched off"
    WRONG_CODE = "wrong_code", "Wrong code from the authenticator app"
    LOCKED = "locked", "Tried while locked out (not checked)"


# Attempts made while locked are recorded but do not extend the lock: otherwise anyone
# who keeps trying a colleague's address would keep them out for ever.
REASONS_COUNTING_TOWARDS_LOCK_OUT = frozenset(
    {
        SignInFailureReason.UNKNOWN_EMAIL,
        SignInFailureReason.WRONG_PASSWORD,
        SignInFailureReason.INACTIVE,
        SignInFailureReason.WRONG_CODE,
    }
)


class SignInFailure(models.Model):
    """One failed sign-in attempt, kept by the e-mail address typed.

    No IP address or browser details are kept: the policy is to hold no identifying
    metadata we do not need, and the lock-out works by e-mail address alone.
    """

    email = models.CharField(
        "e-mail address tried", max_length=254, help_text="As typed, in lower case."
    )
    occurred_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=20, choices=SignInFailureReason.choices)
    cleared_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="Set when the person signed in or reset their password: "
        "the failure no longer counts towards a lock-out.",
    )

    class Meta:
        ordering = ["-occurred_at"]
        indexes = [models.Index(fields=["email", "occurred_at"], name="signinfailure_email_time")]

    def __str__(self) -> str:
        return f"{self.email} at {self.occurred_at:%Y-%m-%d %H:%M}: {self.get_reason_display()}"


class TwoFactorDevice(models.Model):
    """A person's authenticator app: the shared TOTP secret and the last time-step used.

    `last_used_step` is the TOTP time-step (Unix time // 30) of the last code accepted;
    a code for that step or an earlier one is refused, so each code works once.
    """

    person = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="two_factor_device"
    )
    secret = models.CharField(max_length=64, help_text="Base32 TOTP secret.")
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person first entered a correct code."
    )
    last_used_step = models.BigIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = "two-factor device"

    def __str__(self) -> str:
        state = "confirmed" if self.confirmed_at else "not confirmed"
        return f"Authenticator app of {self.person_id} ({state})"
