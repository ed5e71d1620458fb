"""Reads for deadlines."""

from __future__ import annotations

import datetime

from django.db.models import Q

from incidentdesk.incidents.models import Incident

from .models import Deadline


def due_deadline_ids(*, now: datetime.datetime, limit: int) -> list[int]:
    """The earliest due, unclaimed deadlines: an index scan however many incidents exist."""
    return list(
        Deadline.objects.filter(met_at__isnull=True, next_reminder_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .order_by("next_reminder_at")
        .values_list("pk", flat=True)[:limit]
    )


def open_deadlines_for(incident: Incident) -> list[Deadline]:
    """The incident's deadlines still to be met, soonest first."""
    return list(
        Deadline.objects.filter(
            incident=incident, met_at__isnull=True, withdrawn_at__isnull=True
        ).order_by("due_at", "pk")
    )
