"""Writes for sign-in: failures and lock-out, codes from authenticator apps, enrolment.

Every service here records its audit event in the same transaction as its change.
Audit details never hold a password, a code, a secret or a reset token.
"""

from __future__ import annotations

import datetime
import hmac
import re

import pyotp
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from incidentdesk.accounts import selectors
from incidentdesk.accounts.models import (
    REASONS_COUNTING_TOWARDS_LOCK_OUT,
    SignInFailure,
    SignInFailureReason,
    TwoFactorDevice,
)
from incidentdesk.audit.services import record_event
from incidentdesk.organisations.models import Person

TOTP_INTERVAL_SECONDS = 30
# Accept the code before and after the current one: phone clocks drift and people type slowly.
TOTP_WINDOW_STEPS = 1
_CODE_PATTERN = re.compile(r"[0-9]{6}")


def record_sign_in_failure(
    *, email: str, reason: SignInFailureReason, person: Person | None = None
) -> SignInFailure:
    """Record a failed attempt for this address, with its audit event.

    Guarantees: one SignInFailure row (e-mail lower-cased, no IP address) and one
    "person.sign_in_failed" audit event; if this failure is the one that locks the
    address, a "person.locked_out" event too. The typed address goes in the audit log
    only as the person it belongs to: an unknown address may be a mistyped password.
    """
    email = selectors.normalise_email(email)
    with transaction.atomic():
        failure = SignInFailure.objects.create(email=email, reason=reason)
        record_event(
            actor=None,
            actor_label="someone signing in",
            action="person.sign_in_failed",
            obj=person,
            details={"reason": str(reason)},
        )
        if reason in REASONS_COUNTING_TOWARDS_LOCK_OUT and _failure_locked_the_address(
            email=email, failure=failure
        ):
            record_event(
                actor=None,
                actor_label="someone signing in",
                action="person.locked_out",
                obj=person,
                details={
                    "failures": settings.SIGN_IN_MAX_FAILURES,
                    "minutes": settings.SIGN_IN_LOCKOUT_MINUTES,
                },
            )
    return failure


def _failure_locked_the_address(*, email: str, failure: SignInFailure) -> bool:
    """True if this failure is the one that brought the address to the limit.

    Failures made while locked do not count, so reaching exactly the limit means the
    address has just become locked.
    """
    window_start = failure.occurred_at - datetime.timedelta(
        minutes=settings.SIGN_IN_LOCKOUT_MINUTES
    )
    counted = SignInFailure.objects.filter(
        email=email,
        occurred_at__gt=window_start,
        occurred_at__lte=failure.occurred_at,
        cleared_at__isnull=True,
        reason__in=REASONS_COUNTING_TOWARDS_LOCK_OUT,
    ).count()
    return counted == max(settings.SIGN_IN_MAX_FAILURES, 1)


def clear_sign_in_failures(*, email: str) -> int:
    """Stop earlier failures for this address counting towards a lock-out.

    The rows stay, as the record of what happened; returns how many were cleared.
    """
    return SignInFailure.objects.filter(
        email=selectors.normalise_email(email), cleared_at__isnull=True
    ).update(cleared_at=timezone.now())


def sign_in_succeeded(*, person: Person, second_factor: bool) -> None:
    """A person has finished signing in: clear their failures and record the event."""
    with transaction.atomic():
        clear_sign_in_failures(email=person.email)
        record_event(
            actor=person,
            action="person.signed_in",
            obj=person,
            details={"second_factor": second_factor},
        )


def normalise_code(code: str) -> str:
    """The code as digits only: apps show it as "123 456", people paste it with spaces."""
    return re.sub(r"[\s-]", "", code)


def _current_step() -> int:
    return int(timezone.now().timestamp()) // TOTP_INTERVAL_SECONDS


def _matching_step(*, secret: str, code: str, after_step: int | None) -> int | None:
    """The time-step near now whose code is `code`, if later than `after_step`."""
    code = normalise_code(code)
    if not _CODE_PATTERN.fullmatch(code):
        return None
    totp = pyotp.TOTP(secret, interval=TOTP_INTERVAL_SECONDS)
    now_step = _current_step()
    found = None
    # Check every step in the window, without stopping early, so timing does not show which.
    for step in range(now_step - TOTP_WINDOW_STEPS, now_step + TOTP_WINDOW_STEPS + 1):
        if step < 0 or (after_step is not None and step <= after_step):
            continue
        if hmac.compare_digest(totp.generate_otp(step), code) and found is None:
            found = step
    return found


def verify_totp(*, person: Person, code: str) -> bool:
    """True if `code` is the current code of the person's confirmed authenticator app.

    Guarantees each code works once: the accepted time-step is stored, and a code for
    that step or an earlier one is refused. The store is a conditional update, so two
    requests racing with the same code cannot both succeed.
    """
    device = selectors.confirmed_two_factor_device(person)
    if device is None:
        return False
    step = _matching_step(secret=device.secret, code=code, after_step=device.last_used_step)
    if step is None:
        return False
    updated = (
        TwoFactorDevice.objects.filter(pk=device.pk)
        .filter(Q(last_used_step__isnull=True) | Q(last_used_step__lt=step))
        .update(last_used_step=step)
    )
    return updated == 1


def check_second_factor(*, person: Person, code: str) -> bool:
    """Check a code given at sign-in; a wrong one counts towards the lock-out."""
    if verify_totp(person=person, code=code):
        return True
    record_sign_in_failure(email=person.email, reason=SignInFailureReason.WRONG_CODE, person=person)
    return False


def new_two_factor_secret() -> str:
    return pyotp.random_base32()


def enrol_two_factor(*, person: Person, secret: str, code: str) -> bool:
    """Set up the person's authenticator app if `code` matches `secret`.

    Guarantees: on success the person has exactly one confirmed device with this secret
    (any earlier one is replaced), the code just used cannot be used again, and a
    "person.two_factor_enrolled" audit event is recorded. On failure nothing changes.
    """
    step = _matching_step(secret=secret, code=code, after_step=None)
    if step is None:
        return False
    now = timezone.now()
    with transaction.atomic():
        TwoFactorDevice.objects.update_or_create(
            person=person,
            defaults={
                "secret": secret,
                "created_at": now,
                "confirmed_at": now,
                "last_used_step": step,
            },
        )
        record_event(actor=person, action="person.two_factor_enrolled", obj=person)
    return True


def password_reset_completed(*, person: Person) -> None:
    """A person has set a new password from a reset e-mail.

    Their sign-in failures stop counting (the lock-out message offers a reset as the
    way back in), and the event is recorded.
    """
    with transaction.atomic():
        clear_sign_in_failures(email=person.email)
        record_event(actor=person, action="person.password_reset", obj=person)


def reset_two_factor(*, person: Person, by: Person) -> bool:
    """Remove the person's authenticator app, so they set up a new one at next sign-in.

    For a lost or replaced phone, done by an administrator. Returns False (and records
    nothing) if the person had no app.
    """
    with transaction.atomic():
        deleted, _ = TwoFactorDevice.objects.filter(person=person).delete()
        if not deleted:
            return False
        record_event(actor=by, action="person.two_factor_reset", obj=person)
    return True
