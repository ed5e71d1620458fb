"""The ICO decision pages of an incident, under /incidents/<reference>/ico/.

Views stay thin: the incident comes from `selectors.incident_for_ico` (404 for those who
may not see the incident, 403 for those who may see it but not its ICO decision), each
write from a service, which checks again. Forms are ordinary posts and redirects.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.pages import incident_pages
from incidentdesk.incidents.states import TransitionRefused
from incidentdesk.organisations.models import Person

from . import documents, forms, rules, selectors, services
from .draft import ico_report_draft, sections
from .letters import letter_drafts
from .models import IcoDecision, SubmissionKind

# A download is a file, not a page: the browser must save it, never render or run it.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


def _person(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]  # login_required


def _ico_url(incident: Incident) -> str:
    return reverse("regulator:ico", args=[incident.reference])


def _draft_kind(request: HttpRequest) -> str:
    kind = request.GET.get("kind", SubmissionKind.INITIAL)
    return kind if kind in SubmissionKind.values else SubmissionKind.INITIAL


@login_required
@require_GET
def ico(request: HttpRequest, reference: str) -> HttpResponse:
    """The countdown, the decision, the submissions and the draft of the ICO report."""
    person = _person(request)
    incident = selectors.incident_for_ico(person=person, reference=reference)
    assessment = selectors.assessment_of(incident)
    decision = selectors.latest_data_subject_decision(incident)
    kind = _draft_kind(request)
    return render(
        request,
        "regulator/ico.html",
        {
            "incident": incident,
            "subnav": incident_pages(incident, "ico", request.user),
            "clock": selectors.ico_clock(incident, timezone.now()),
            "assessment": assessment,
            "notify": assessment is not None
            and assessment.decision in {IcoDecision.NOTIFY_ICO, IcoDecision.NOTIFY_ICO_AND_PEOPLE},
            "submissions": selectors.submissions_of(incident),
            "data_subject_decision": decision,
            "letters": letter_drafts(incident) if decision and decision.must_tell else [],
            "people_told": selectors.people_told_of(incident),
            "draft_kind": kind,
            "draft": sections(ico_report_draft(incident, kind=kind)),
            "may_decide": rules.may_decide(person, incident),
            "may_comment": rules.may_comment_as_dpo(person, incident),
        },
    )


def _errors(form: django_forms.Form) -> dict[str, str]:
    return {("" if name == "__all__" else name): errors[0] for name, errors in form.errors.items()}


def _form_page(
    request: HttpRequest,
    reference: str,
    *,
    title: str,
    button: str,
    make_form: Callable[[Incident, dict[str, Any] | None], django_forms.Form],
    allowed: Callable[[Person, Incident], bool],
    save: Callable[[Incident, Person, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    """One question page: GET shows the form, POST saves through the service or shows
    the form again with an error summary and everything typed kept."""
    person = _person(request)
    incident = selectors.incident_for_ico(person=person, reference=reference)
    if not allowed(person, incident):
        raise PermissionDenied("You cannot record this.")
    form = make_form(incident, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            save(incident, person, form.cleaned_data)
        except TransitionRefused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, done)
            return redirect(_ico_url(incident))
    return render(
        request,
        "regulator/form.html",
        {
            "incident": incident,
            "title": title,
            "button": button,
            "errors": _errors(form),
            "fields": [(form[name], _errors(form).get(name, "")) for name in form.fields],
        },
        status=200,
    )


def _yes(value: str) -> bool:
    return value == "yes"


@login_required
@require_http_methods(["GET", "POST"])
def decide(request: HttpRequest, reference: str) -> HttpResponse:
    def make_form(incident: Incident, data: dict[str, Any] | None) -> django_forms.Form:
        clock = selectors.ico_clock(incident, timezone.now())
        assessment = selectors.assessment_of(incident)
        initial: dict[str, Any] = {}
        if assessment is not None and assessment.decided_at is not None:
            initial = {
                "personal_data_of_living_people": "yes"
                if assessment.personal_data_of_living_people
                else "no",
                "risk_likely": "yes" if assessment.risk_likely else "no",
                "high_risk": "yes" if assessment.high_risk else "no",
                "reasons": assessment.reasons,
                "dpo_involved": assessment.dpo_involved,
                "dpo_comments": assessment.dpo_comments,
                "delay_reasons": assessment.delay_reasons,
            }
        return forms.IcoDecisionForm(data, initial=initial, late=clock.overdue)

    def save(incident: Incident, person: Person, data: dict[str, Any]) -> object:
        return services.record_ico_decision(
            incident=incident,
            actor=person,
            data=services.IcoDecisionInput(
                personal_data_of_living_people=_yes(data["personal_data_of_living_people"]),
                risk_likely=_yes(data.get("risk_likely") or ""),
                high_risk=_yes(data.get("high_risk") or ""),
                reasons=data["reasons"],
                dpo_involved=bool(data.get("dpo_involved")),
                dpo_comments=data.get("dpo_comments") or "",
                delay_reasons=data.get("delay_reasons") or "",
            ),
        )

    return _form_page(
        request,
        reference,
        title="Decide whether to tell the Information Commissioner's Office (ICO)",
        button="Save the decision",
        make_form=make_form,
        allowed=rules.may_decide,
        save=save,
        done="ICO decision saved",
    )


@login_required
@require_http_methods(["GET", "POST"])
def became_aware(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        title="When did the school become aware of the breach?",
        button="Save",
        make_form=lambda incident, data: forms.BecameAwareForm(data),
        allowed=rules.may_decide,
        save=lambda incident, person, data: services.set_became_aware(
            incident=incident, actor=person, at=data["at"], reason=data["reason"]
        ),
        done="The start of the 72 hours was saved",
    )


@login_required
@require_http_methods(["GET", "POST"])
def submission(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        title="Record a report sent to the ICO",
        button="Save",
        make_form=lambda incident, data: forms.SubmissionForm(data),
        allowed=rules.may_decide,
        save=lambda incident, person, data: services.record_ico_submission(
            incident=incident,
            actor=person,
            kind=data["kind"],
            submitted_at=data["submitted_at"],
            ico_case_reference=data.get("ico_case_reference") or "",
            notes=data.get("notes") or "",
        ),
        done="Report to the ICO recorded",
    )


@login_required
@require_http_methods(["GET", "POST"])
def dpo_comments(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        title="Give the DPO's advice on the ICO decision",
        button="Save advice",
        make_form=lambda incident, data: forms.DpoCommentsForm(data),
        allowed=rules.may_comment_as_dpo,
        save=lambda incident, person, data: services.record_dpo_comments(
            incident=incident, actor=person, comments=data["comments"]
        ),
        done="Your advice was saved",
    )


@login_required
@require_http_methods(["GET", "POST"])
def data_subject_decision(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        title="Decide whether to tell the people affected",
        button="Save the decision",
        make_form=lambda incident, data: forms.DataSubjectDecisionForm(data),
        allowed=rules.may_decide,
        save=lambda incident, person, data: services.record_data_subject_decision(
            incident=incident,
            actor=person,
            high_risk=_yes(data["high_risk"]),
            exception=data.get("exception") or "",
            reasons=data["reasons"],
        ),
        done="Decision about telling the people affected saved",
    )


@login_required
@require_http_methods(["GET", "POST"])
def people_told(request: HttpRequest, reference: str) -> HttpResponse:
    return _form_page(
        request,
        reference,
        title="Record that people affected were told",
        button="Save",
        make_form=lambda incident, data: forms.PeopleToldForm(data),
        allowed=rules.may_decide,
        save=lambda incident, person, data: services.record_people_told(
            incident=incident,
            actor=person,
            audience=data["audience"],
            told_at=data["told_at"],
            how=data["how"],
        ),
        done="Saved who was told",
    )


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def draft_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_for_ico(person=_person(request), reference=reference)
    fields = ico_report_draft(incident, kind=_draft_kind(request))
    return _download(
        documents.draft_pdf(incident, fields),
        "application/pdf",
        f"{incident.reference}-ico-draft.pdf",
    )


@login_required
@require_GET
def draft_docx(request: HttpRequest, reference: str) -> HttpResponse:
    incident = selectors.incident_for_ico(person=_person(request), reference=reference)
    fields = ico_report_draft(incident, kind=_draft_kind(request))
    return _download(
        documents.draft_docx(incident, fields),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        f"{incident.reference}-ico-draft.docx",
    )
