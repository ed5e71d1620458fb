"""The "Due and overdue" page: a person's own deadlines (incidents' steps and actions, the
reviews of the policies they own, an incident manager's exceptions), and an incident
manager's organisation's."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from . import selectors


@login_required
@require_GET
def due(request: HttpRequest) -> HttpResponse:
    person = request.user
    now = timezone.now()
    limit = selectors.DUE_LIST_LIMIT
    yours, more = selectors.deadlines_for_person_page(person, now, limit=limit)  # type: ignore[arg-type]
    tables = [("Yours", selectors.shown_deadlines(yours, now), "Nothing is due from you.", more)]
    if selectors.manages_anywhere(person):  # type: ignore[arg-type]
        theirs, more = selectors.deadlines_for_manager_page(person, now, limit=limit)  # type: ignore[arg-type]
        tables.append(
            (
                "Your organisation's",
                selectors.shown_deadlines(theirs, now),
                "Nothing is due in your organisation.",
                more,
            )
        )
    return render(request, "deadlines/due.html", {"tables": tables, "limit": limit})
