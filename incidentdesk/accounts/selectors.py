"""Reads for sign-in: who needs a second factor, whether an address is locked out."""

from __future__ import annotations

import datetime
import functools
import math
from typing import Any

import pyotp
import segno
from django.conf import settings
from django.db import connections, router
from django.utils import timezone

from incidentdesk.accounts.models import (
    REASONS_COUNTING_TOWARDS_LOCK_OUT,
    SignInFailure,
    TwoFactorDevice,
)
from incidentdesk.incidents.rules import duties_held
from incidentdesk.organisations.models import DUTIES_NEEDING_SECOND_FACTOR, DutyHolder, Person

TOTP_ISSUER = "Incident Desk"


def normalise_email(email: str) -> str:
    """The form every sign-in record uses: trimmed, lower case, at most 254 characters."""
    return email.strip().lower()[:254]


def person_by_email(email: str) -> Person | None:
    """The person signing in with this address (any case), or None.

    More than one match (addresses differing only in case, which the forms prevent) is
    treated as no match rather than guessing which person is meant.
    """
    email = normalise_email(email)
    if not email:
        return None
    matches = list(Person._default_manager.filter(email__iexact=email)[:2])
    return matches[0] if len(matches) == 1 else None


def person_needs_second_factor(person: Person) -> bool:
    """True if this person must give a code from an authenticator app to sign in.

    Everyone with a duty other than plain staff can see incidents, and admin users can
    change everything, so they need it; the demo can switch it off for everyone. A deputy
    acting for an absent holder sees what the holder sees, so counts as holding the duty.

    Asked on every request by the middleware: the duties are read with (and kept on the
    person by) `duties_held`, the lookup the menu and the pages' rules make anyway, so
    the check costs no query of its own on a page with the menu.
    """
    if not settings.REQUIRE_TWO_FACTOR:
        return False
    if person.is_staff or person.is_superuser:
        return True
    return not duties_held(person).isdisjoint(DUTIES_NEEDING_SECOND_FACTOR)


def signed_in_person(person_id: int) -> Person | None:
    """The person a session names, with the duties they act in; None if gone.

    Loaded for every signed-in request, so one fixed SELECT written once per process
    (built by the ORM each time it cost more CPU than a small page's own work). It also
    brings the duties the person acts in, as `incidents.rules.duties_held` would read them
    (their own, and an absent holder's they deputise: `rules.acting_duty_holders`), and
    keeps them on the person where `duties_held` and `acting_duties` look first: the menu,
    the second-factor check and the pages' rules then need no query of their own.
    """
    connection = connections[router.db_for_read(Person)]
    sql, attnames, columns = _person_select(connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, [True, person_id])
        rows = cursor.fetchall()
    if not rows:
        return None
    values = list(rows[0][:-2])
    for index, (column, field) in enumerate(columns):
        for converter in connection.ops.get_db_converters(column) + field.get_db_converters(
            connection
        ):
            values[index] = converter(values[index], column, connection)
    person = Person.from_db(connection.alias, attnames, values)
    acting = frozenset((row[-2], row[-1]) for row in rows if row[-1] is not None)
    # The same rows, in the form incidents.rules keeps (tests/accounts/test_base_cost.py
    # checks they match what the rules would read themselves); `duties_held` derives
    # from it without a query.
    person._acting_duties = acting
    return person


@functools.cache
def _person_select(alias: str) -> tuple[str, list[str], list[tuple[Any, Any]]]:
    connection = connections[alias]
    fields = Person._meta.concrete_fields
    quote = connection.ops.quote_name
    table = Person._meta.db_table
    holders = DutyHolder._meta.db_table
    # Names from the models' own metadata, quoted by the backend; values are parameters.
    sql = (  # noqa: S608
        "SELECT {columns}, h.{organisation}, h.{duty} FROM {people} p LEFT JOIN {holders} h"
        " ON (h.{person} = p.{pk} OR (h.{deputy} = p.{pk} AND h.{is_absent} = %s))"
        " WHERE p.{pk} = %s"
    ).format(
        columns=", ".join(f"p.{quote(field.column)}" for field in fields),
        people=quote(table),
        holders=quote(holders),
        organisation=quote(DutyHolder._meta.get_field("organisation").column),
        duty=quote(DutyHolder._meta.get_field("duty").column),
        person=quote(DutyHolder._meta.get_field("person").column),
        deputy=quote(DutyHolder._meta.get_field("deputy").column),
        is_absent=quote(DutyHolder._meta.get_field("is_absent").column),
        pk=quote(Person._meta.pk.column),
    )
    return sql, [field.attname for field in fields], [(f.get_col(table), f) for f in fields]


def confirmed_two_factor_device(person: Person) -> TwoFactorDevice | None:
    return TwoFactorDevice.objects.filter(person=person, confirmed_at__isnull=False).first()


def second_factor_asked_at_sign_in(person: Person) -> bool:
    """True if sign-in asks this person for a code.

    Those who need one, and anyone who has set up an authenticator app of their own
    accord: having set it up, they expect it to protect them.
    """
    if person_needs_second_factor(person):
        return True
    return settings.REQUIRE_TWO_FACTOR and confirmed_two_factor_device(person) is not None


def _lock_out_window() -> datetime.timedelta:
    return datetime.timedelta(minutes=settings.SIGN_IN_LOCKOUT_MINUTES)


def sign_in_locked_until(email: str) -> datetime.datetime | None:
    """When the lock on this address ends, or None if it is not locked.

    Locked while SIGN_IN_MAX_FAILURES failures lie within the last SIGN_IN_LOCKOUT_MINUTES;
    the lock ends when the oldest of those failures leaves the window.
    """
    limit = max(settings.SIGN_IN_MAX_FAILURES, 1)
    now = timezone.now()
    recent = list(
        SignInFailure.objects.filter(
            email=normalise_email(email),
            occurred_at__gt=now - _lock_out_window(),
            cleared_at__isnull=True,
            reason__in=REASONS_COUNTING_TOWARDS_LOCK_OUT,
        )
        .order_by("-occurred_at")
        .values_list("occurred_at", flat=True)[:limit]
    )
    if len(recent) < limit:
        return None
    return recent[-1] + _lock_out_window()


def sign_in_is_locked(email: str) -> bool:
    return sign_in_locked_until(email) is not None


def sign_in_locked_minutes(email: str) -> int:
    """Whole minutes (rounded up) until the address may try again; 0 if not locked."""
    until = sign_in_locked_until(email)
    if until is None:
        return 0
    return max(1, math.ceil((until - timezone.now()).total_seconds() / 60))


def two_factor_setup_uri(*, person: Person, secret: str) -> str:
    """The otpauth:// address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=person.email, issuer_name=TOTP_ISSUER)


def two_factor_qr_svg(*, person: Person, secret: str) -> str:
    """The QR code for setting up an authenticator app, as inline SVG.

    Made here rather than by any outside service: the secret must not leave the server.
    """
    qr = segno.make(two_factor_setup_uri(person=person, secret=secret), error="m")
    svg = qr.svg_inline(
        scale=5,
        border=4,
        title="QR code for your authenticator app",
        svgclass="accounts-qr-code",
        lineclass=None,
    )
    # role="img" makes screen readers announce the title instead of ignoring the picture.
    return svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)


def secret_for_typing(secret: str) -> str:
    """The secret in groups of four, for people who cannot scan the QR code."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
