"""The outcome report page: write, submit, review, and download the documents.

Thin: the incident comes from `incident_for_user` (404 for anyone who may not see it);
`rules` decides who sees the page (403 otherwise) and each service checks again.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from incidentdesk.incidents import rules as incident_rules
from incidentdesk.incidents.models import Incident, State
from incidentdesk.incidents.pages import incident_pages
from incidentdesk.incidents.selectors import incident_for_user
from incidentdesk.incidents.services import closing_blockers
from incidentdesk.organisations.models import Person

from . import rules, selectors, services
from .exports import export_response
from .forms import OutcomeReportForm, ReviewForm
from .models import MANAGER_STAGE, SECTION_FIELDS, SECTIONS


def _person(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]


def _url(incident: Incident) -> str:
    return reverse("outcomes:report", args=[incident.reference])


def _incident(request: HttpRequest, reference: str) -> Incident:
    incident = incident_for_user(person=_person(request), reference=reference)
    if not rules.may_see_outcome(_person(request), incident):
        raise PermissionDenied("Only those who write or review the outcome report see it.")
    return incident


def _editable(incident: Incident) -> bool:
    return incident.state == State.INVESTIGATING


def _render(
    request: HttpRequest,
    incident: Incident,
    *,
    form: OutcomeReportForm | None = None,
    review_form: ReviewForm | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    person = _person(request)
    report = selectors.report_of(incident)
    review = selectors.review_status(incident, report)
    may_write = rules.may_write_outcome(person, incident) and _editable(incident)
    if may_write and form is None:
        initial: dict[str, Any] = (
            {name: getattr(report, name) for name in SECTION_FIELDS}
            if report is not None
            else services.drafts_for(incident)
        )
        form = OutcomeReportForm(initial=initial)
    may_review = review.next_stage is not None and rules.may_review_stage(
        person, incident, review.next_stage
    )
    if may_review and review_form is None:
        review_form = ReviewForm()
    next_stage = review.next_stage
    errors = dict(errors or {})
    for bound in (form, review_form):
        if bound is not None and bound.is_bound:
            for name, messages_ in bound.errors.items():
                errors.setdefault(name if name != "__all__" else "", messages_[0])
    context = {
        "incident": incident,
        "report": report,
        "review": review,
        "reviews": [
            (
                r,
                "Incident manager"
                if r.stage == MANAGER_STAGE
                else selectors.stage_title(incident, r.stage),
            )
            for r in review.reviews
        ],
        "next_stage_title": (
            "incident manager"
            if next_stage == MANAGER_STAGE
            else selectors.stage_title(incident, next_stage)
            if next_stage
            else ""
        ),
        "sections": (
            [(title, getattr(report, name)) for name, title, _ in SECTIONS] if report else []
        ),
        "form": form if may_write else None,
        "fields": [form[name] for name in SECTION_FIELDS] if may_write and form else [],
        "review_form": review_form if may_review else None,
        "errors": errors,
        "may_export_outcome": report is not None and rules.may_export_outcome(person, incident),
        "may_export_record": rules.may_export_full_record(person, incident),
        "blockers": (
            closing_blockers(incident)
            if incident_rules.may_manage(person, incident) and incident.is_open
            else None
        ),
        "subnav": incident_pages(incident, "outcome", person),
        "current": "incidents",
    }
    return render(request, "outcomes/report.html", context, status=status)


def _add_errors(form: OutcomeReportForm | ReviewForm, errors: dict[str, str]) -> None:
    """The service's refusals beside their fields; one that belongs to none, above the form."""
    for name, message in errors.items():
        form.add_error(name if name in form.fields else None, message)


@login_required
@require_http_methods(["GET", "POST"])
def outcome_report(request: HttpRequest, reference: str) -> HttpResponse:
    """The report: a form with every section while it is being written, else the text."""
    incident = _incident(request, reference)
    if request.method == "GET":
        return _render(request, incident)
    person = _person(request)
    if not rules.may_write_outcome(person, incident):
        raise PermissionDenied("Only the investigator and the incident manager write the report.")
    form = OutcomeReportForm(request.POST)
    if not form.is_valid():
        return _render(request, incident, form=form)
    # Saved first, always: a refused submission keeps everything typed, on the page and here.
    try:
        services.save_outcome_report(incident=incident, actor=person, sections=form.cleaned_data)
        if "submit" in request.POST:
            services.submit_outcome_report(incident=incident, actor=person)
    except services.OutcomeRefused as refused:
        _add_errors(form, refused.errors)
        return _render(request, incident, form=form)
    if "submit" in request.POST:
        messages.success(request, "Outcome report submitted for review")
    else:
        messages.success(request, "Outcome report saved")
    return redirect(_url(incident))


@login_required
@require_POST
def review(request: HttpRequest, reference: str) -> HttpResponse:
    incident = _incident(request, reference)
    person = _person(request)
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _render(request, incident, review_form=form)
    try:
        done = services.review_outcome_report(
            incident=incident,
            actor=person,
            decision=form.cleaned_data["decision"],
            comments=form.cleaned_data["comments"],
        )
    except services.OutcomeRefused as refused:
        _add_errors(form, refused.errors)
        return _render(request, incident, review_form=form)
    messages.success(
        request,
        "Outcome report approved" if done.decision == "approved" else "Outcome report returned",
    )
    return redirect(_url(incident))


@login_required
@require_GET
def export(request: HttpRequest, reference: str, document: str, file_format: str) -> HttpResponse:
    incident = incident_for_user(person=_person(request), reference=reference)
    return export_response(
        incident=incident, person=_person(request), document=document, file_format=file_format
    )
