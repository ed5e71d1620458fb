"""Queueing e-mails and notices. Nothing here talks to a mail server: the worker does."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape

from incidentdesk.organisations.models import Person

from .models import Notification, OutgoingEmail

log = logging.getLogger("incidentdesk.email")

CLAIM_TIMEOUT = datetime.timedelta(minutes=5)
MAX_ATTEMPTS = 8


def _email(*, to: str, template: str, context: dict[str, Any]) -> OutgoingEmail:
    """An unsaved e-mail rendered from the `notifications/email/<template>-…` files."""
    context = {"site_url": settings.SITE_URL, **context}
    subject = " ".join(
        render_to_string(f"notifications/email/{template}-subject.txt", context).split()
    )
    return OutgoingEmail(
        to=to,
        subject=subject[:300],
        body_text=render_to_string(f"notifications/email/{template}-body.txt", context),
        body_html=render_to_string(f"notifications/email/{template}-body.html", context),
        template=template,
    )


def email_queue(*, to: str, template: str, context: dict[str, Any]) -> OutgoingEmail:
    """Stores an e-mail rendered from `notifications/email/<template>-{subject,body.txt,body.html}`.

    It is sent by the worker, so it leaves only if the caller's transaction commits.
    """
    email = _email(to=to, template=template, context=context)
    email.save()
    return email


@dataclass(frozen=True)
class Notice:
    """What one `notify` call says, to whom; `notify_many` stores several in one go."""

    people: Iterable[Person]
    message: str
    link: str = ""
    template: str | None = None
    context: dict[str, Any] | None = None


@dataclass
class PreparedNotices:
    """Notices and e-mails made ready (e-mails rendered) but not stored yet."""

    notes: list[Notification]
    emails: list[OutgoingEmail]


def prepare_notices(notices: Iterable[Notice]) -> PreparedNotices:
    """Renders what `notify_many` stores, without a query: a caller renders before its
    write transaction, so SQLite's one writer is not held while templates render."""
    notes: list[Notification] = []
    emails: list[OutgoingEmail] = []
    for notice in notices:
        seen: set[int] = set()
        for person in notice.people:
            if person.pk in seen:
                continue
            seen.add(person.pk)
            notes.append(
                Notification(person=person, message=notice.message[:500], link=notice.link)
            )
            if notice.template:
                emails.append(
                    _email(
                        to=person.email,
                        template=notice.template,
                        context={**(notice.context or {}), "person": person},
                    )
                )
    return PreparedNotices(notes, emails)


def store_notices(prepared: PreparedNotices, *, placeholder: str = "", value: str = "") -> int:
    """Stores prepared notices and e-mails in two inserts. `placeholder`, when given, is
    replaced by `value` everywhere (a reference known only inside the transaction): it must
    be a random token that no rendered text can hold otherwise, and appear in the HTML
    bodies escaped, as the templates' autoescaping puts any value."""
    if placeholder:
        for note in prepared.notes:
            note.message = note.message.replace(placeholder, value)[:500]
            note.link = note.link.replace(placeholder, value)
        for email in prepared.emails:
            email.subject = email.subject.replace(placeholder, value)[:300]
            email.body_text = email.body_text.replace(placeholder, value)
            email.body_html = email.body_html.replace(placeholder, escape(value))
    if prepared.notes:
        Notification.objects.bulk_create(prepared.notes)
    if prepared.emails:
        OutgoingEmail.objects.bulk_create(prepared.emails)
    return len(prepared.notes)


def notify_many(notices: Iterable[Notice]) -> int:
    """`notify` for each notice, with every notice and e-mail stored in two inserts
    whatever the number of people: a report tells several at once."""
    return store_notices(prepare_notices(notices))


def notify(
    *,
    people: Iterable[Person],
    message: str,
    link: str = "",
    template: str | None = None,
    context: dict[str, Any] | None = None,
) -> int:
    """Tells each person in the app and, when `template` is given, by e-mail."""
    return notify_many([Notice(people, message, link, template, context)])


def _unclaimed(now: datetime.datetime) -> Q:
    # A claim older than the timeout belongs to a worker that died mid-send.
    return Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - CLAIM_TIMEOUT)


def _claim(email_id: int, now: datetime.datetime) -> bool:
    """Claims one unsent e-mail; False when another worker has it."""
    return bool(
        OutgoingEmail.objects.filter(pk=email_id, sent_at__isnull=True, failed_at__isnull=True)
        .filter(_unclaimed(now))
        .update(claimed_at=now, attempts=F("attempts") + 1)
    )


def send_due_emails(*, limit: int = 50) -> int:
    """Sends unsent e-mails, each claimed by one worker at a time. Returns how many were sent."""
    now = timezone.now()
    candidates = list(
        OutgoingEmail.objects.filter(sent_at__isnull=True, failed_at__isnull=True)
        .filter(_unclaimed(now))
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )
    sent = 0
    for email_id in candidates:
        if not _claim(email_id, now):
            continue
        email = OutgoingEmail.objects.get(pk=email_id)
        message = EmailMultiAlternatives(subject=email.subject, body=email.body_text, to=[email.to])
        if email.body_html:
            message.attach_alternative(email.body_html, "text/html")
        try:
            message.send()
        except Exception as exc:  # noqa: BLE001 - any delivery failure is retried later
            failed = email.attempts >= MAX_ATTEMPTS
            OutgoingEmail.objects.filter(pk=email_id).update(
                claimed_at=None,
                last_error=type(exc).__name__,
                failed_at=timezone.now() if failed else None,
            )
            log.warning(
                "e-mail %s not sent (attempt %s): %s", email_id, email.attempts, type(exc).__name__
            )
            continue
        OutgoingEmail.objects.filter(pk=email_id).update(sent_at=timezone.now())
        sent += 1
    return sent


def mark_notices_read(*, person: Person) -> int:
    """Marks all of the person's notices read; returns how many were unread."""
    return Notification.objects.filter(person=person, read_at__isnull=True).update(
        read_at=timezone.now()
    )
