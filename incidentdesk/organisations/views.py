from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from .models import DutyHolder, TimescaleStep
from .selectors import organisation_for_member

STEP_ORDER = list(TimescaleStep.values)


@login_required
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """Who holds each duty, and the rules the organisation runs by."""
    organisation = organisation_for_member(person=request.user, slug=slug)
    profile = organisation.effective_profile
    holders = (
        DutyHolder.objects.filter(organisation=organisation)
        .select_related("person", "deputy")
        .order_by("duty", "person__full_name")
    )
    severities = list(profile.severities.all()) if profile else []
    rank = {s.key: s.rank for s in severities}
    context = {
        "organisation": organisation,
        "profile": profile,
        "holders": [
            (h, h.title or (profile.duty_title(h.duty) if profile else h.get_duty_display()))
            for h in holders
        ],
        "severities": severities,
        "timescales": sorted(
            profile.timescales.all() if profile else [],
            key=lambda t: (STEP_ORDER.index(t.step), rank.get(t.severity_key, 0)),
        ),
        "points": profile.points.all() if profile else [],
        "policies": profile.information_policies.all() if profile else [],
    }
    return render(request, "organisations/organisation_detail.html", context)
