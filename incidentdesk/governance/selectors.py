"""Reading the governance registers: for the pages, and for the governors' report."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from incidentdesk.governance.models import (
    ExceptionRequest,
    PolicyChangeProposal,
    PolicyDocument,
)


def _day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """The period as aware datetimes: from the start of `start` to the end of `end`."""
    tz = timezone.get_current_timezone()
    first = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    after = datetime.datetime.combine(
        end + datetime.timedelta(days=1), datetime.time.min, tzinfo=tz
    )
    return first, after


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localdate(moment) if moment else None


def exceptions_for_report(
    organisation_ids: list[int], start: datetime.date, end: datetime.date
) -> list[dict[str, Any]]:
    """Exception requests made or decided in the period, without any personal names.

    Each: title, status (words), requested_on, decided_on, expires_on, review_on,
    policy_point, organisation, business_reason, decision_reasons.
    """
    first, after = _day_bounds(start, end)
    rows = (
        ExceptionRequest.objects.filter(organisation_id__in=organisation_ids)
        .filter(
            Q(requested_at__gte=first, requested_at__lt=after)
            | Q(decided_at__gte=first, decided_at__lt=after)
        )
        .select_related("policy_point", "information_policy", "organisation")
        .order_by("requested_at", "pk")
    )
    return [
        {
            "title": row.title,
            "status": row.status_words(end),
            "requested_on": _local_date(row.requested_at),
            "decided_on": _local_date(row.decided_at),
            "expires_on": row.expires_on,
            "review_on": row.review_on,
            "policy_point": row.policy_point_label,
            "organisation": row.organisation.name,
            "business_reason": row.business_reason,
            "decision_reasons": row.decision_reasons,
        }
        for row in rows
    ]


def policy_changes_for_report(
    organisation_ids: list[int], start: datetime.date, end: datetime.date
) -> list[dict[str, Any]]:
    """Policy change proposals made, decided or proposed onwards in the period, without
    any personal names.

    Each: title, status (words), proposed_on, decided_on, onwards_to, onwards_on,
    policy_point, organisation, change, decision_reasons.
    """
    first, after = _day_bounds(start, end)
    rows = (
        PolicyChangeProposal.objects.filter(organisation_id__in=organisation_ids)
        .filter(
            Q(proposed_at__gte=first, proposed_at__lt=after)
            | Q(decided_at__gte=first, decided_at__lt=after)
            | Q(onwards_on__gte=start, onwards_on__lte=end)
        )
        .select_related("policy_point", "information_policy", "organisation")
        .order_by("proposed_at", "pk")
    )
    return [
        {
            "title": row.title,
            "status": row.get_status_display(),
            "proposed_on": _local_date(row.proposed_at),
            "decided_on": _local_date(row.decided_at),
            "onwards_to": row.onwards_to,
            "onwards_on": row.onwards_on,
            "policy_point": row.policy_point_label,
            "organisation": row.organisation.name,
            "change": row.change,
            "decision_reasons": row.decision_reasons,
        }
        for row in rows
    ]


def policy_documents_for(organisation_ids: list[int]) -> QuerySet[PolicyDocument]:
    return (
        PolicyDocument.objects.filter(organisation_id__in=organisation_ids)
        .select_related("organisation", "owner")
        .order_by("organisation__name", "title")
    )


def exceptions_visible_to(person) -> QuerySet[ExceptionRequest]:
    """The person's own requests and, for an incident manager, all of their organisations'."""
    from . import rules

    return (
        ExceptionRequest.objects.filter(rules.requests_filter(person, "requested_by_id"))
        .select_related("organisation", "policy_point", "information_policy", "requested_by")
        .order_by("-requested_at", "-pk")
    )


def proposals_visible_to(person) -> QuerySet[PolicyChangeProposal]:
    from . import rules

    return (
        PolicyChangeProposal.objects.filter(rules.requests_filter(person, "proposed_by_id"))
        .select_related("organisation", "policy_point", "information_policy", "proposed_by")
        .order_by("-proposed_at", "-pk")
    )
