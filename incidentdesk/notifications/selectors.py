"""Reads for in-app notices."""

from __future__ import annotations

from incidentdesk.organisations.models import Person

from .models import Notification

SHOWN = 10


def unread_notices(person: Person) -> list[Notification]:
    """The person's newest unread notices, at most ten, in one query."""
    return list(
        Notification.objects.filter(person=person, read_at__isnull=True).order_by("-created_at")[
            :SHOWN
        ]
    )
