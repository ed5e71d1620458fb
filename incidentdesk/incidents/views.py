"""The incident pages, for those who handle incidents: the queue and each incident.

Views stay thin: every incident comes from `selectors.incident_for_user` (404 for anyone
who may not see it), every decision from `rules`, every write from a service.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from incidentdesk.deadlines.selectors import open_deadlines_for, shown_deadlines
from incidentdesk.organisations.models import InformationPolicy, Person, SeverityLevel
from incidentdesk.regulator.selectors import ico_countdown_among
from incidentdesk.reporting.services import ask_reporter

from . import disclosures, enisa, rules, selectors, services, states, timeline
from .answers import labels, report_answers
from .forms import (
    AssignForm,
    ClassifyForm,
    EnisaForm,
    MessageToReporterForm,
    TransitionForm,
    VerifyForm,
)
from .models import (
    KIND_PLAIN_WORDS,
    Classification,
    Incident,
    InformationCategory,
    Involvement,
    InvolvementRole,
    ReportingMode,
)
from .pages import incident_address, incident_pages

# A downloaded file is evidence, not a page: the browser must save it, never render or
# run it, whatever it claims to be.
DOWNLOAD_CSP = "default-src 'none'; sandbox"


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The open incidents the person handles, new reports first, 50 a page."""
    result = selectors.queue_for(request.user, page_number=request.GET.get("page"))  # type: ignore[arg-type]
    paginator = result.page.paginator
    context = {
        "page": result.page,
        "incidents": result.incidents,
        "several_organisations": result.several_organisations,
        "page_range": (
            list(paginator.get_elided_page_range(result.page.number, on_each_side=1, on_ends=1))
            if paginator.num_pages > 1
            else []
        ),
        "ellipsis": paginator.ELLIPSIS,
    }
    return render(request, "incidents/queue.html", context)


@login_required
@require_GET
def incident_detail(request: HttpRequest, reference: str) -> HttpResponse:
    """Everything the reporter gave, their files, and the messages with them."""
    person: Person = request.user  # type: ignore[assignment]
    incident = selectors.incident_for_user(
        person=person, reference=reference, related=selectors.DETAIL_RELATED
    )
    return _render_detail(request, incident)


@login_required
@require_POST
def reveal_reporter(request: HttpRequest, reference: str) -> HttpResponse:
    """Show who reported this: the confidential reporter's name, once, on the record.

    The page is answered straight from the POST rather than redirected, so the name is
    shown exactly as often as it is recorded: showing it again means asking again.
    """
    person: Person = request.user  # type: ignore[assignment]
    incident = selectors.incident_for_user(person=person, reference=reference)
    reporter = disclosures.reporter_reveal(incident=incident, person=person)
    return _render_detail(request, incident, revealed_reporter=reporter)


@login_required
@require_POST
def message_reporter(request: HttpRequest, reference: str) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    incident = selectors.incident_for_user(person=person, reference=reference)
    if not rules.may_write_to_reporter(person, incident):
        raise PermissionDenied("You may not write to the reporter of this incident.")
    form = MessageToReporterForm(request.POST)
    if not form.is_valid():
        # As every form here: the page again, with the error summary and what was typed.
        return _render_detail(request, incident, message_form=form)
    ask_reporter(incident=incident, author=person, body=form.cleaned_data["body"])
    messages.success(request, "Message sent to the reporter")
    return redirect(reverse("incidents:detail", args=[incident.reference]) + "#messages")


@login_required
@require_GET
def attachment_download(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    """A file sent with the report, as a download; each one is an audit event."""
    person: Person = request.user  # type: ignore[assignment]
    attachment = selectors.attachment_for_user(
        person=person, reference=reference, attachment_id=attachment_id
    )
    handle = disclosures.attachment_open(attachment=attachment, person=person)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "no-store"
    return response


def _render_detail(
    request: HttpRequest,
    incident: Incident,
    *,
    revealed_reporter: Person | None = None,
    message_form: MessageToReporterForm | None = None,
    verify_form: VerifyForm | None = None,
    assign_form: AssignForm | None = None,
    transition_forms: dict[str, TransitionForm] | None = None,
    refused: str = "",
    refused_anchor: str = "actions",
) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    # Only a named reporter is ever read here; a confidential one only comes through
    # disclosures.reporter_reveal, which records that it was shown.
    named_reporter = (
        incident.reporter
        if incident.mode == ReportingMode.NAMED
        and rules.may_see_reporter_identity(person, incident)
        else None
    )
    form = message_form or MessageToReporterForm()
    handling = _handling(
        person,
        incident,
        verify_form=verify_form,
        assign_form=assign_form,
        transition_forms=transition_forms or {},
    )
    # One error summary for every form on the page: (the field's id, the message).
    error_links = [(f"id_{name}", errors[0]) for name, errors in form.errors.items()]
    if refused:
        error_links.insert(0, (refused_anchor, refused))
    for bound in (verify_form, assign_form, *(transition_forms or {}).values()):
        if bound is not None and bound.is_bound:
            error_links += [
                (bound[name].auto_id, errors[0]) for name, errors in bound.errors.items()
            ]
    now = timezone.now()
    # One query for the incident's open deadlines: the deadlines card and the ICO
    # countdown (the ICO decision is one of them) both come from it.
    open_deadlines = open_deadlines_for(incident)
    countdown = ico_countdown_among(person, incident, open_deadlines, now)
    context: dict[str, Any] = {
        "incident": incident,
        "answers": report_answers(incident),
        "named_reporter": named_reporter,
        "revealed_reporter": revealed_reporter,
        "may_reveal": rules.may_reveal_reporter(person, incident),
        # Anonymised (incidents/retention.py): the files and message texts are gone.
        "attachments": [] if incident.anonymised_at else list(incident.attachments.all()),
        "messages_with_reporter": []
        if incident.anonymised_at
        else selectors.messages_for_handlers(
            incident=incident,
            reporter_name=named_reporter.full_name if named_reporter else None,
        ),
        "may_write": rules.may_write_to_reporter(person, incident),
        "form": form,
        "errors": {name: errors[0] for name, errors in form.errors.items()},
        "error_links": error_links,
        "handling": handling,
        "deadlines": shown_deadlines(open_deadlines, now),
        "ico_countdowns": [countdown] if countdown else [],
        "subnav": incident_pages(incident, "overview", request.user),
        # The forms' addresses, filled in once here rather than reversed by the template.
        "urls": {
            name: incident_address(f"incidents:{name}", incident.reference)
            for name in DETAIL_FORM_URLS
        },
    }
    return render(request, "incidents/incident_detail.html", context)


DETAIL_FORM_URLS = (
    "reveal_reporter",
    "message_reporter",
    "acknowledge",
    "classify",
    "verify",
    "assign",
    "change_state",
)


# --- Handling: the incident manager's side ------------------------------------------------

# The changes of state offered as buttons on the incident page. "classify" has its own
# page, "start_investigation" follows assigning an investigator, and "submit_outcome" is
# the investigator's, on the investigation pages. Approving or returning the outcome report
# is the outcome report's own review page, which keeps the review with its comments.
PAGE_ACTIONS = ("not_an_incident", "close", "reopen")
# What the reason box asks, for the changes that need one; also the error when it is empty.
REASON_QUESTIONS = {
    "not_an_incident": (
        "Why is it not a security incident?",
        "Say why it is not a security incident",
    ),
    "reopen": ("Why are you reopening it?", "Say why you are reopening it"),
}


@dataclass(frozen=True)
class PageAction:
    action: str
    label: str
    question: str
    form: TransitionForm
    blockers: list[str]


@dataclass(frozen=True)
class Handling:
    """What the incident page shows of the handling, and which forms it offers to whom."""

    may_manage: bool
    level: SeverityLevel | None
    classifications: list[tuple[Classification, str]]
    policies_breached: list[str]
    involvements: list[Involvement]
    referrals: list[Involvement]
    my_referral: Involvement | None
    investigator: Person | None
    investigation_url: str
    actions: list[PageAction]
    verify_form: VerifyForm | None
    assign_form: AssignForm | None
    may_classify: bool


def _levels(incident: Incident) -> list[SeverityLevel]:
    profile = incident.organisation.effective_profile
    # By rank alone: the model's ordering starts with the profile, a join for nothing.
    return list(profile.severities.order_by("rank")) if profile else []


def _investigation_url(incident: Incident) -> str:
    """The investigation workspace's address, once the investigations app serves it."""
    return f"/incidents/{incident.reference}/investigation/" if _investigation_served() else ""


@cache
def _investigation_served() -> bool:
    # The URL patterns do not change while the process runs: asked once, not per page.
    try:
        resolve("/incidents/X-2026-0001/investigation/")
    except Resolver404:
        return False
    return True


def _candidates(incident: Incident, manager: Person) -> list[tuple[int, str]]:
    """Who may be assigned: the people of the incident's school and of its trust.

    The manager comes first, in their own words: the policy has them investigate critical
    incidents themselves.
    """
    # Only the ids and names: the page lists them, it needs no Person objects.
    people = _assignable(incident).values_list("pk", "full_name")
    choices = [(manager.pk, f"I will investigate it myself ({manager.full_name})")]
    choices += [(pk, name) for pk, name in people if pk != manager.pk]
    return choices


def _assignable_people(incident: Incident) -> list[Person]:
    """The active people of the incident's organisation and its trust, by name (one query)."""
    return list(_assignable(incident))


def _assignable(incident: Incident) -> QuerySet[Person]:
    organisation_ids = [incident.organisation_id]
    if incident.organisation.trust_id:
        organisation_ids.append(incident.organisation.trust_id)
    return (
        Person.objects.filter(memberships__organisation_id__in=organisation_ids, is_active=True)
        .distinct()
        .order_by("full_name", "pk")
    )


CLASSIFICATION_SHOWN = (
    "incident_id",
    "kind",
    "category",
    "severity",
    "severity_reason",
    "classified_at",
    "classified_by__full_name",
)
INVOLVEMENT_SHOWN = (
    "incident_id",
    "person_id",
    "duty",
    "role",
    "created_at",
    "acknowledged_at",
    "person__full_name",
)


def _handling(
    person: Person,
    incident: Incident,
    *,
    verify_form: VerifyForm | None,
    assign_form: AssignForm | None,
    transition_forms: dict[str, TransitionForm],
) -> Handling:
    may_manage = rules.may_manage(person, incident)
    # Classifying sets classified_at and nothing clears it: before then there is no
    # history, no level and no policy breached to ask the database for.
    classified = incident.classified_at is not None or bool(incident.severity)
    levels = {level.key: level for level in _levels(incident)} if classified else {}
    # Ordered by their own columns: the models' default orderings go through the incident
    # (and a level's through its profile), a join that changes nothing here.
    # Only the columns the page shows: a classification's JSON columns (policies, ENISA
    # answers) and a person's password and flags are not decoded for nothing.
    history = (
        list(
            incident.classifications.select_related("classified_by")
            .only(*CLASSIFICATION_SHOWN)
            .order_by("classified_at", "pk")
        )
        if classified
        else []
    )
    involvements = list(
        incident.involvements.select_related("person")
        .only(*INVOLVEMENT_SHOWN)
        .order_by("created_at", "pk")
    )
    referrals = [i for i in involvements if i.role == InvolvementRole.REFERRAL]
    actions = []
    # An anonymised incident (incidents/retention.py) cannot be reopened: offer nothing.
    if may_manage and incident.anonymised_at is None:
        for move in states.allowed_actions(incident.state):
            if move.action not in PAGE_ACTIONS:
                continue
            question = REASON_QUESTIONS.get(move.action, ("", ""))[0]
            actions.append(
                PageAction(
                    action=move.action,
                    label=move.label,
                    question=question,
                    form=transition_forms.get(move.action) or TransitionForm(prefix=move.action),
                    blockers=(
                        services.closing_blockers(incident) if move.action == "close" else []
                    ),
                )
            )
    may_assign = may_manage and incident.is_open and incident.state != "reported"
    return Handling(
        may_manage=may_manage,
        level=levels.get(incident.severity),
        classifications=[
            (c, levels[c.severity].name if c.severity in levels else c.severity)
            for c in reversed(history)
        ],
        policies_breached=(
            list(
                incident.policies_breached.order_by("order", "name").values_list("name", flat=True)
            )
            if classified
            else []
        ),
        involvements=involvements,
        referrals=referrals,
        my_referral=next((i for i in referrals if i.person_id == person.pk), None),
        investigator=incident.investigator,
        investigation_url=_investigation_url(incident),
        actions=actions,
        verify_form=(verify_form or VerifyForm()) if may_manage and incident.is_open else None,
        assign_form=(
            (
                assign_form
                or AssignForm(
                    people=_candidates(incident, person),
                    initial={"investigator": incident.investigator_id},
                )
            )
            if may_assign
            else None
        ),
        may_classify=may_manage and incident.is_open,
    )


def _managed_incident(person: Person, reference: str) -> Incident:
    """The incident, for its incident manager: 404 for those who may not see it, 403 for
    those who may see it but not manage it."""
    incident = selectors.incident_for_user(person=person, reference=reference)
    if not rules.may_manage(person, incident):
        raise PermissionDenied("Only the incident manager can do this.")
    return incident


def _to_incident(incident: Incident, anchor: str = "") -> HttpResponse:
    url = reverse("incidents:detail", args=[incident.reference])
    return redirect(f"{url}#{anchor}" if anchor else url)


@login_required
@require_GET
def incident_timeline(request: HttpRequest, reference: str) -> HttpResponse:
    """Every audit event of the incident, in order, in words; printable."""
    person: Person = request.user  # type: ignore[assignment]
    incident = selectors.incident_for_user(person=person, reference=reference)
    return render(
        request,
        "incidents/timeline.html",
        {
            "incident": incident,
            "entries": timeline.timeline_for(incident),
            "level": next((lv for lv in _levels(incident) if lv.key == incident.severity), None),
            "subnav": incident_pages(incident, "timeline", request.user),
        },
    )


@dataclass(frozen=True)
class Suggestion:
    """The ENISA method's proposal, in words for the page."""

    level_name: str
    score: str
    band: str
    explanation: str


def _suggest(incident: Incident, form: EnisaForm, levels: list[SeverityLevel]) -> Suggestion | None:
    if not form.is_valid():
        return None
    assessment = _assessment(incident, form)
    names = {level.key: level.name for level in levels}
    return Suggestion(
        level_name=names.get(assessment.suggested_severity, assessment.suggested_severity.title()),
        score=_plain_number(assessment.score),
        band=assessment.band,
        explanation=assessment.explanation,
    )


def _assessment(incident: Incident, form: EnisaForm) -> enisa.EnisaAssessment:
    data = form.cleaned_data
    whose = set(incident.whose_information)
    return enisa.assess(
        categories=list(incident.information_categories),
        ease_of_identification=data["ease_of_identification"],
        confidentiality=data["confidentiality_loss"] or "none",
        integrity=data["integrity_loss"] or "none",
        availability=data["availability_loss"] or "none",
        malicious=data["malicious"],
        # Children's information raises the context, as the method allows; a report that
        # does not say whose it was is treated as if it may be children's.
        involves_children=not whose or bool(whose & {"pupils", "not_sure"}),
    )


def _plain_number(value: Decimal) -> str:
    """3.25 as "3.25", 3.00 as "3": the score as a person would write it."""
    return format(value.normalize(), "f")


def _classify_forms(
    incident: Incident, data: Any | None
) -> tuple[ClassifyForm, EnisaForm, list[SeverityLevel]]:
    profile = incident.organisation.effective_profile
    levels = _levels(incident)
    policies: list[InformationPolicy] = list(profile.information_policies.all()) if profile else []
    affected = [
        name
        for name, flag in (
            ("confidentiality", incident.confidentiality_affected),
            ("integrity", incident.integrity_affected),
            ("availability", incident.availability_affected),
        )
        if flag
    ]
    initial = {
        "kind": incident.kind or incident.reported_kind or None,
        "category": incident.category or None,
        "personal_data": incident.personal_data or None,
        "affected": affected,
        "policies_breached": (
            [p.pk for p in incident.policies_breached.all()] if incident.classified_at else []
        ),
        "severity": incident.severity or None,
        "severity_reason": "",
        # Pre-ticked when the report or an earlier classification says so: flagging is
        # cheap, missing a safeguarding concern is not.
        "safeguarding": incident.safeguarding_flagged
        or InformationCategory.SAFEGUARDING in incident.information_categories,
    }
    form = ClassifyForm(data, severities=levels, policies=policies, initial=initial)
    enisa_form = EnisaForm(data, initial={"confidentiality_loss": "none"})
    return form, enisa_form, levels


@login_required
def classify(request: HttpRequest, reference: str) -> HttpResponse:
    """Classify or reclassify the incident, with the ENISA calculator as an aid.

    "Calculate" without JavaScript posts the whole form here and the page comes back with
    the suggestion and everything typed; with JavaScript, htmx asks `classify_enisa`.
    """
    if request.method not in ("GET", "POST"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    person: Person = request.user  # type: ignore[assignment]
    incident = _managed_incident(person, reference)
    data = request.POST if request.method == "POST" else None
    form, enisa_form, levels = _classify_forms(incident, data)
    suggestion = None
    # {field name: message}; radios and checkboxes give their first option the field's
    # id, so the error summary links there, as GOV.UK asks.
    field_errors: dict[str, str] = {}
    refused = ""
    if data is not None and "calculate" in data:
        suggestion = _suggest(incident, enisa_form, levels)
        field_errors = {name: e[0] for name, e in enisa_form.errors.items()}
    elif data is not None:
        if form.is_valid():
            try:
                services.classify_incident(
                    incident=incident,
                    actor=person,
                    data=form.to_input(_enisa_record(incident, enisa_form)),
                )
            except states.TransitionRefused as exc:
                refused = str(exc)
            else:
                messages.success(request, "Classification saved")
                return _to_incident(incident)
        field_errors = {name: e[0] for name, e in form.errors.items()}
    error_links = [(f"id_{name}", message) for name, message in field_errors.items()]
    if refused:
        error_links.insert(0, ("classification", refused))
    context = {
        "incident": incident,
        "form": form,
        "enisa_form": enisa_form,
        "levels": levels,
        "suggestion": suggestion,
        "error_links": error_links,
        "field_errors": field_errors,
        "categories": labels(InformationCategory, incident.information_categories),
        "kind_hints": {str(kind): words for kind, words in KIND_PLAIN_WORDS.items()},
        "severity_hints": {level.key: level.description for level in levels},
    }
    return render(request, "incidents/classify.html", context)


def _enisa_record(incident: Incident, enisa_form: EnisaForm) -> dict[str, Any] | None:
    """The calculator's answers and proposal, kept with the classification when it was used."""
    if not enisa_form.is_valid():
        return None
    assessment = _assessment(incident, enisa_form)
    return {
        **enisa_form.cleaned_data,
        "categories": list(incident.information_categories),
        "score": str(assessment.score),
        "band": assessment.band,
        "suggested_severity": assessment.suggested_severity,
    }


@login_required
@require_POST
def classify_enisa(request: HttpRequest, reference: str) -> HttpResponse:
    """The ENISA calculator's answer, as a piece of the classify page for htmx."""
    person: Person = request.user  # type: ignore[assignment]
    incident = _managed_incident(person, reference)
    enisa_form = EnisaForm(request.POST)
    suggestion = _suggest(incident, enisa_form, _levels(incident))
    return render(
        request,
        "incidents/_enisa_result.html",
        {"suggestion": suggestion, "enisa_form": enisa_form},
    )


@login_required
@require_POST
def verify(request: HttpRequest, reference: str) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    incident = _managed_incident(person, reference)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, incident, verify_form=form)
    try:
        services.verify_incident(
            incident=incident, actor=person, what_was_checked=form.cleaned_data["what_was_checked"]
        )
    except states.TransitionRefused as refused:
        return _render_detail(
            request, incident, verify_form=form, refused=str(refused), refused_anchor="verification"
        )
    messages.success(request, "Verification recorded")
    return _to_incident(incident, "verification")


@login_required
@require_POST
def assign(request: HttpRequest, reference: str) -> HttpResponse:
    person: Person = request.user  # type: ignore[assignment]
    incident = _managed_incident(person, reference)
    people = _assignable_people(incident)
    by_id = {p.pk: p for p in people}
    by_id[person.pk] = person
    form = AssignForm(request.POST, people=_candidates(incident, person))
    if not form.is_valid():
        return _render_detail(request, incident, assign_form=form)
    investigator = by_id[form.cleaned_data["investigator"]]
    try:
        services.assign_investigator(incident=incident, actor=person, investigator=investigator)
    except states.TransitionRefused as refused:
        return _render_detail(
            request,
            incident,
            assign_form=form,
            refused=str(refused),
            refused_anchor="investigation",
        )
    if investigator == person:
        messages.success(request, "You are investigating this incident")
    else:
        messages.success(
            request, f"{investigator.full_name} is investigating this incident and has been told"
        )
    return _to_incident(incident, "investigation")


@login_required
@require_POST
def acknowledge(request: HttpRequest, reference: str) -> HttpResponse:
    """The referred DPO acknowledges the referral; anyone else is refused (403)."""
    person: Person = request.user  # type: ignore[assignment]
    incident = selectors.incident_for_user(person=person, reference=reference)
    services.acknowledge_referral(incident=incident, actor=person)
    messages.success(request, "Referral acknowledged")
    return _to_incident(incident, "involvement")


@login_required
@require_POST
def change_state(request: HttpRequest, reference: str) -> HttpResponse:
    """Not a security incident, reopen, close: the changes the incident manager makes here."""
    person: Person = request.user  # type: ignore[assignment]
    incident = _managed_incident(person, reference)
    action = request.POST.get("action", "")
    if action not in PAGE_ACTIONS:
        return _render_detail(
            request, incident, refused="That cannot be done to an incident from this page."
        )
    form = TransitionForm(request.POST, prefix=action)
    forms = {action: form}
    if not form.is_valid():
        return _render_detail(request, incident, transition_forms=forms)
    reason = form.cleaned_data["reason"].strip()
    move = states.TRANSITIONS[action]
    if move.needs_reason and not reason:
        form.add_error("reason", REASON_QUESTIONS[action][1])
        return _render_detail(request, incident, transition_forms=forms)
    try:
        services.transition(incident=incident, action=action, actor=person, reason=reason)
    except states.TransitionRefused as refused:
        return _render_detail(
            request,
            incident,
            transition_forms=forms,
            refused=str(refused),
            refused_anchor=f"action-{action}",
        )
    messages.success(request, _DONE_WORDS.get(action, "Saved"))
    return _to_incident(incident)


_DONE_WORDS = {
    "not_an_incident": "Closed as not a security incident",
    "close": "Incident closed",
    "reopen": "Incident reopened",
}
