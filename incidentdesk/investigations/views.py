"""The investigation workspace: steps a–k and the records they leave, one page per incident.

Views stay thin: the incident comes from `incidents.selectors.incident_for_user` (404 for
anyone who may not see it), each write from a service, which checks again. Anyone who
may view the incident may read its investigation; only the investigator and the incident
manager (`rules.may_investigate`) get the forms, and a POST from anyone else is refused
with 403. Forms are ordinary posts and redirects: nothing typed is lost to patchy Wi-Fi.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from incidentdesk.incidents import rules
from incidentdesk.incidents.models import Incident
from incidentdesk.incidents.selectors import incident_for_user
from incidentdesk.organisations.models import Person

from . import forms, selectors, services
from .models import ActionStatus, StepStatus

# A downloaded file is evidence, not a page: the browser must save it, never render or
# run it, whatever it claims to be (as incidents.views does for report attachments).
DOWNLOAD_CSP = "default-src 'none'; sandbox"

# GOV.UK task list: unfinished statuses are tags, finished ones plain text.
STEP_STATUS_TAGS = {
    StepStatus.NOT_STARTED: "govuk-tag--blue",
    StepStatus.IN_PROGRESS: "govuk-tag--light-blue",
}
ACTION_STATUS_TAGS = {
    ActionStatus.OPEN: "govuk-tag--blue",
    ActionStatus.IN_PROGRESS: "govuk-tag--light-blue",
    ActionStatus.DONE: "govuk-tag--green",
}
# Where on the workspace each step's records are kept, so the step page can say so.
STEP_SECTIONS = {
    "a": ("stakeholders", "Stakeholders and expected outcomes"),
    "b": ("interviews", "People spoken to"),
    "c": ("evidence", "Evidence"),
    "d": ("expert-help", "Expert help"),
    "e": ("escalations", "Escalations"),
    "f": ("subjects-informed", "People told about their information"),
    "g": ("risks", "Risks"),
    "i": ("communications", "Communications plan"),
    "j": ("actions", "Actions"),
}


def _person(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]  # login_required


def _incident(request: HttpRequest, reference: str) -> Incident:
    return incident_for_user(person=_person(request), reference=reference)


def _require_investigator(request: HttpRequest, incident: Incident) -> None:
    if not rules.may_investigate(_person(request), incident):
        raise PermissionDenied("Only the investigator and the incident manager may change this.")


def _workspace_url(incident: Incident, anchor: str = "") -> str:
    url = reverse("investigations:workspace", args=[incident.reference])
    return f"{url}#{anchor}" if anchor else url


def _errors(form: forms.InvestigationForm) -> dict[str, str]:
    """{field name: first message}; "" for one that belongs to no field."""
    return {("" if name == "__all__" else name): errors[0] for name, errors in form.errors.items()}


@login_required
@require_GET
def workspace(request: HttpRequest, reference: str) -> HttpResponse:
    """Steps a–k as a task list, then each kind of record with a link to add one."""
    incident = _incident(request, reference)
    person = _person(request)
    data = selectors.workspace(incident)
    may_investigate = rules.may_investigate(person, incident)
    return render(
        request,
        "investigations/workspace.html",
        {
            "incident": incident,
            "work": data,
            "investigator": incident.investigator,
            "may_write": may_investigate and incident.is_open,
            "may_track_actions": may_investigate,
            "steps": [(s, STEP_STATUS_TAGS.get(s.status, "")) for s in data.steps],
            "actions": [(a, ACTION_STATUS_TAGS.get(a.status, "")) for a in data.actions],
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, reference: str, letter: str) -> HttpResponse:
    """One step: "Have you completed this step?", and for h the decision either way."""
    incident = _incident(request, reference)
    the_step = selectors.step_for(incident=incident, letter=letter)
    _require_investigator(request, incident)
    if not incident.is_open:
        return redirect(_workspace_url(incident))
    if request.method == "POST":
        form = forms.StepForm(request.POST, incident=incident)
        if form.is_valid():
            try:
                services.update_investigation_step(
                    incident=incident,
                    actor=_person(request),
                    letter=the_step.letter,
                    **form.cleaned_data,
                )
            except services.InvestigationRefused as refused:
                form.add_refusal(refused.errors)
            else:
                messages.success(request, f"Step {the_step.letter} saved")
                return redirect(_workspace_url(incident, "steps"))
    else:
        form = forms.StepForm(
            incident=incident,
            initial={
                "status": the_step.status if the_step.status != StepStatus.NOT_STARTED else "",
                "what_was_done": the_step.what_was_done,
                "not_applicable_reason": the_step.not_applicable_reason,
                "disciplinary_decision": the_step.disciplinary_decision,
            },
        )
    section = STEP_SECTIONS.get(the_step.letter)
    return render(
        request,
        "investigations/step.html",
        {
            "incident": incident,
            "step": the_step,
            "is_disciplinary": the_step.letter == services.DISCIPLINARY_STEP,
            "form": form,
            "errors": _errors(form),
            "section_anchor": section[0] if section else "",
            "section_name": section[1] if section else "",
        },
    )


@dataclass(frozen=True)
class RecordPage:
    """One kind of record: its form, the service that adds it, and the page's words."""

    form: type[forms.InvestigationForm]
    add: Callable[..., Any]
    title: str
    step: str
    saved: str
    anchor: str
    button: str = "Save"


RECORD_PAGES = {
    "stakeholder": RecordPage(
        forms.StakeholderForm,
        services.add_stakeholder,
        "Add a stakeholder",
        "a",
        "Stakeholder added",
        "stakeholders",
    ),
    "interview": RecordPage(
        forms.InterviewForm,
        services.add_interview,
        "Record a conversation",
        "b",
        "Conversation recorded",
        "interviews",
    ),
    "evidence": RecordPage(
        forms.EvidenceForm,
        services.add_evidence,
        "Add evidence",
        "c",
        "Evidence added",
        "evidence",
    ),
    "expert_help": RecordPage(
        forms.ExpertHelpForm,
        services.add_expert_help,
        "Record expert help",
        "d",
        "Expert help recorded",
        "expert-help",
    ),
    "escalation": RecordPage(
        forms.EscalationForm,
        services.add_escalation,
        "Record an escalation",
        "e",
        "Escalation recorded",
        "escalations",
    ),
    "subjects_informed": RecordPage(
        forms.SubjectsInformedForm,
        services.add_subjects_informed,
        "Record who was told about their information",
        "f",
        "Recorded who was told",
        "subjects-informed",
    ),
    "risk": RecordPage(forms.RiskForm, services.add_risk, "Add a risk", "g", "Risk added", "risks"),
    "communication": RecordPage(
        forms.CommunicationItemForm,
        services.add_communication_item,
        "Add to the communications plan",
        "i",
        "Added to the communications plan",
        "communications",
    ),
    "action": RecordPage(
        forms.ActionForm, services.add_action, "Add an action", "j", "Action added", "actions"
    ),
    "note": RecordPage(
        forms.NoteForm, services.add_note, "Add an internal note", "", "Note added", "notes"
    ),
}


def _initial(kind: str, person: Person) -> dict[str, str]:
    """Who did it is usually the person filling in the form."""
    field = {"interview": "spoken_by", "subjects_informed": "informed_by"}.get(kind)
    return {field: person.full_name} if field else {}


@login_required
@require_http_methods(["GET", "POST"])
def add_record(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    """The "Add" page of one kind of record: the form, then back to the workspace."""
    page = RECORD_PAGES[kind]
    incident = _incident(request, reference)
    _require_investigator(request, incident)
    if not incident.is_open:
        return redirect(_workspace_url(incident))
    person = _person(request)
    if request.method == "POST":
        form = page.form(request.POST, request.FILES, incident=incident)
        if form.is_valid():
            try:
                page.add(incident=incident, actor=person, **form.cleaned_data)
            except services.InvestigationRefused as refused:
                form.add_refusal(refused.errors)
            else:
                messages.success(request, page.saved)
                return redirect(_workspace_url(incident, page.anchor))
    else:
        form = page.form(incident=incident, initial=_initial(kind, person))
    errors = _errors(form)
    return render(
        request,
        "investigations/add_record.html",
        {
            "incident": incident,
            "page": page,
            "fields": [(field, errors.get(field.name, "")) for field in form],
            "errors": errors,
            "multipart": form.is_multipart(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def action_status(request: HttpRequest, reference: str, action_id: int) -> HttpResponse:
    """Moves an action on; open to its trackers after the incident has closed."""
    incident = _incident(request, reference)
    action = selectors.action_for(incident=incident, action_id=action_id)
    _require_investigator(request, incident)
    if request.method == "POST":
        form = forms.ActionStatusForm(request.POST, incident=incident)
        if form.is_valid():
            try:
                services.update_action(
                    action=action, actor=_person(request), status=form.cleaned_data["status"]
                )
            except services.InvestigationRefused as refused:
                form.add_refusal(refused.errors)
            else:
                messages.success(request, "Action updated")
                return redirect(_workspace_url(incident, "actions"))
    else:
        form = forms.ActionStatusForm(incident=incident, initial={"status": action.status})
    errors = _errors(form)
    return render(
        request,
        "investigations/action_status.html",
        {
            "incident": incident,
            "action": action,
            "field": form["status"],
            "error": errors.get("status", ""),
            "errors": errors,
        },
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, reference: str, evidence_id: int) -> HttpResponse:
    """An evidence file as a download, checked against its SHA-256 first.

    A file that no longer matches is not served: a warning page says so, with both
    fingerprints, and offers the file as it is now (`?changed=accept`), which is then a
    download on the custody log that did not match.
    """
    incident = _incident(request, reference)
    evidence = selectors.evidence_for(incident=incident, evidence_id=evidence_id)
    opened = services.open_evidence(
        evidence=evidence,
        actor=_person(request),
        accept_changed=request.GET.get("changed") == "accept",
    )
    if opened.handle is None:
        response = render(
            request,
            "investigations/evidence_changed.html",
            {"incident": incident, "evidence": evidence, "actual_sha256": opened.actual_sha256},
            status=409,
        )
        response["Cache-Control"] = "no-store"
        return response
    response = FileResponse(
        opened.handle,
        as_attachment=True,
        filename=evidence.original_name or "evidence",
        content_type=evidence.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "no-store"
    return response
