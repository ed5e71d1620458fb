"""Pages under /governance/: the three registers, their forms and the decide pages.

Views stay thin: lookups go through `_get` (404 for what the person may not see), writes
through the services, whose ValidationError lands beside the fields of the same names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from incidentdesk.organisations.models import Membership, Organisation, Person

from . import forms, rules, selectors, services
from .models import (
    ExceptionRequest,
    ExceptionStatus,
    PolicyChangeProposal,
    PolicyDocument,
    ProposalStatus,
)

DOWNLOAD_CSP = "default-src 'none'; sandbox"
CURRENT = "governance"

EXCEPTION_TAGS = {
    ExceptionStatus.REQUESTED: "govuk-tag--blue",
    ExceptionStatus.APPROVED: "govuk-tag--green",
    ExceptionStatus.DECLINED: "govuk-tag--red",
    "expired": "govuk-tag--grey",
}
PROPOSAL_TAGS = {
    ProposalStatus.PROPOSED: "govuk-tag--blue",
    ProposalStatus.AGREED: "govuk-tag--green",
    ProposalStatus.DECLINED: "govuk-tag--red",
    ProposalStatus.PROPOSED_ONWARDS: "govuk-tag--purple",
}


def _person(request: HttpRequest) -> Person:
    return request.user  # type: ignore[return-value]  # login_required


def _errors(form: django_forms.Form) -> dict[str, str]:
    return {("" if name == "__all__" else name): errors[0] for name, errors in form.errors.items()}


def _ask_organisations(person: Person) -> list[Organisation]:
    ids = rules.visible_organisation_ids(person)
    return list(Organisation.objects.filter(pk__in=ids).select_related("profile", "trust__profile"))


def _managed_organisations(person: Person) -> list[Organisation]:
    ids = rules.managed_organisation_ids(person)
    return list(Organisation.objects.filter(pk__in=ids).select_related("profile", "trust__profile"))


def _get(model: type[Model], pk: int, allowed: Callable[[Person, Any], bool], person: Person):
    """The row if the person may see it; 404 otherwise, so its existence is not revealed."""
    try:
        obj = model.objects.select_related("organisation__trust").get(pk=pk)
    except model.DoesNotExist as exc:
        raise Http404 from exc
    if not allowed(person, obj):
        raise Http404
    return obj


def _form_page(
    request: HttpRequest,
    form: django_forms.Form,
    *,
    title: str,
    button: str,
    back: str,
    caption: str = "",
    save: Callable[[dict[str, Any]], Any],
    done: str,
    next_url: Callable[[Any], str],
    intro: str = "",
    summary: list[tuple[str, str]] | None = None,
) -> HttpResponse:
    """GET shows the form; POST saves through the service or shows the form again with an
    error summary, each message beside its field and everything typed kept."""
    if request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except ValidationError as exc:
            _add_service_errors(form, exc)
        except services.Refused as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, done)
            return redirect(next_url(saved))
    errors = _errors(form)
    return render(
        request,
        "governance/form.html",
        {
            "current": CURRENT,
            "title": title,
            "caption": caption,
            "intro": intro,
            "summary": summary or [],
            "button": button,
            "back": back,
            "errors": errors,
            "multipart": form.is_multipart(),
            "fields": [(form[name], errors.get(name, "")) for name in form.fields],
        },
    )


def _add_service_errors(form: django_forms.Form, exc: ValidationError) -> None:
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors[0])


# --- The index ----------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not rules.may_see(person):
        raise Http404
    org_ids = list(rules.visible_organisation_ids(person))
    exceptions = selectors.exceptions_visible_to(person)
    proposals = selectors.proposals_visible_to(person)
    return render(
        request,
        "governance/index.html",
        {
            "current": CURRENT,
            "documents": selectors.policy_documents_for(org_ids),
            "exceptions_waiting": exceptions.filter(status=ExceptionStatus.REQUESTED).count(),
            "proposals_waiting": proposals.filter(status=ProposalStatus.PROPOSED).count(),
            "decides": bool(rules.managed_organisation_ids(person)),
            "today": timezone.localdate(),
        },
    )


# --- Exception requests -------------------------------------------------------------------


@login_required
@require_GET
def exceptions(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not rules.may_see(person):
        raise Http404
    rows = list(selectors.exceptions_visible_to(person))
    today = timezone.localdate()
    return render(
        request,
        "governance/exceptions.html",
        {
            "current": CURRENT,
            "rows": [
                (
                    row,
                    row.status_words(today),
                    EXCEPTION_TAGS["expired" if row.is_expired(today) else row.status],
                )
                for row in rows
            ],
            "decides": bool(rules.managed_organisation_ids(person)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def exception_new(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    organisations = _ask_organisations(person)
    if not organisations:
        raise Http404
    form = forms.ExceptionRequestForm(
        request.POST if request.method == "POST" else None, organisations=organisations
    )

    def save(data: dict[str, Any]) -> ExceptionRequest:
        return services.exception_request(
            actor=person,
            organisation=data["organisation"],
            policy_point=data["point"],
            information_policy=data["information_policy"],
            title=data["title"],
            what=data["what"],
            business_reason=data["business_reason"],
        )

    return _form_page(
        request,
        form,
        title="Ask for an exception to the policy",
        intro="Read why the policy point is there first. The incident manager decides, and "
        "says why.",
        button="Send the request",
        back=reverse("governance:exceptions"),
        save=save,
        done="Your request has been sent to the incident manager",
        next_url=lambda e: reverse("governance:exception", args=[e.pk]),
    )


@login_required
@require_GET
def exception_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    exception = _get(ExceptionRequest, pk, rules.may_view_request, person)
    today = timezone.localdate()
    return render(
        request,
        "governance/exception.html",
        {
            "current": CURRENT,
            "exception": exception,
            "status": exception.status_words(today),
            "tag": EXCEPTION_TAGS["expired" if exception.is_expired(today) else exception.status],
            "may_decide": rules.may_decide(person, exception.organisation),
        },
    )


def _point_words(obj: ExceptionRequest | PolicyChangeProposal) -> str:
    if obj.policy_point_id:
        return f"{obj.policy_point_label}: {obj.policy_point.must}"
    return obj.policy_point_label


def _exception_summary(exception: ExceptionRequest) -> list[tuple[str, str]]:
    return [
        ("Policy point", _point_words(exception)),
        ("What they need to do", exception.what),
        ("Business reason", exception.business_reason),
        ("Asked by", exception.requested_by.full_name if exception.requested_by else "Not known"),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def exception_decide(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    exception = _get(ExceptionRequest, pk, rules.may_view_request, person)
    if not rules.may_decide(person, exception.organisation):
        raise PermissionDenied("Only the incident manager decides exceptions.")
    form = forms.ExceptionDecisionForm(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> ExceptionRequest:
        approve = data["decision"] == "approve"
        return services.exception_decide(
            actor=person,
            exception=exception,
            approve=approve,
            reasons=data["reasons"],
            expires_on=data.get("expires_on") if approve else None,
            review_on=data.get("review_on") if approve else None,
        )

    return _form_page(
        request,
        form,
        title="Decide the exception request",
        caption=exception.title,
        summary=_exception_summary(exception),
        button="Save the decision",
        back=reverse("governance:exception", args=[exception.pk]),
        save=save,
        done="Decision saved",
        next_url=lambda e: reverse("governance:exception", args=[e.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def exception_review(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    exception = _get(ExceptionRequest, pk, rules.may_view_request, person)
    if not rules.may_decide(person, exception.organisation):
        raise PermissionDenied("Only the incident manager reviews exceptions.")
    form = forms.ExceptionReviewForm(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> ExceptionRequest:
        return services.exception_review(
            actor=person,
            exception=exception,
            notes=data["notes"],
            expires_on=data.get("expires_on"),
            review_on=data.get("review_on"),
        )

    return _form_page(
        request,
        form,
        title="Record a review of the exception",
        caption=exception.title,
        summary=_exception_summary(exception),
        button="Save the review",
        back=reverse("governance:exception", args=[exception.pk]),
        save=save,
        done="Review saved",
        next_url=lambda e: reverse("governance:exception", args=[e.pk]),
    )


# --- Policy change proposals --------------------------------------------------------------


@login_required
@require_GET
def proposals(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not rules.may_see(person):
        raise Http404
    rows = list(selectors.proposals_visible_to(person))
    return render(
        request,
        "governance/proposals.html",
        {
            "current": CURRENT,
            "rows": [(row, PROPOSAL_TAGS[row.status]) for row in rows],
            "decides": bool(rules.managed_organisation_ids(person)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    organisations = _ask_organisations(person)
    if not organisations:
        raise Http404
    form = forms.ProposalForm(
        request.POST if request.method == "POST" else None, organisations=organisations
    )

    def save(data: dict[str, Any]) -> PolicyChangeProposal:
        return services.proposal_create(
            actor=person,
            organisation=data["organisation"],
            policy_point=data["point"],
            information_policy=data["information_policy"],
            title=data["title"],
            change=data["change"],
            reason=data["reason"],
        )

    return _form_page(
        request,
        form,
        title="Propose a change to the policy",
        intro="The incident manager decides whether to take it further, and says why.",
        button="Send the proposal",
        back=reverse("governance:proposals"),
        save=save,
        done="Your proposal has been sent to the incident manager",
        next_url=lambda p: reverse("governance:proposal", args=[p.pk]),
    )


@login_required
@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    proposal = _get(PolicyChangeProposal, pk, rules.may_view_request, person)
    return render(
        request,
        "governance/proposal.html",
        {
            "current": CURRENT,
            "proposal": proposal,
            "tag": PROPOSAL_TAGS[proposal.status],
            "may_decide": rules.may_decide(person, proposal.organisation),
        },
    )


def _proposal_summary(proposal: PolicyChangeProposal) -> list[tuple[str, str]]:
    return [
        ("Part of the policy", _point_words(proposal)),
        ("Change proposed", proposal.change),
        ("Why", proposal.reason),
        ("Proposed by", proposal.proposed_by.full_name if proposal.proposed_by else "Not known"),
    ]


@login_required
@require_http_methods(["GET", "POST"])
def proposal_decide(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    proposal = _get(PolicyChangeProposal, pk, rules.may_view_request, person)
    if not rules.may_decide(person, proposal.organisation):
        raise PermissionDenied("Only the incident manager decides proposals.")
    form = forms.ProposalDecisionForm(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> PolicyChangeProposal:
        return services.proposal_decide(
            actor=person,
            proposal=proposal,
            agree=data["decision"] == "agree",
            reasons=data["reasons"],
        )

    return _form_page(
        request,
        form,
        title="Decide the policy change proposal",
        caption=proposal.title,
        summary=_proposal_summary(proposal),
        button="Save the decision",
        back=reverse("governance:proposal", args=[proposal.pk]),
        save=save,
        done="Decision saved",
        next_url=lambda p: reverse("governance:proposal", args=[p.pk]),
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_onwards(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    proposal = _get(PolicyChangeProposal, pk, rules.may_view_request, person)
    if not rules.may_decide(person, proposal.organisation):
        raise PermissionDenied("Only the incident manager proposes changes onwards.")
    form = forms.OnwardsForm(request.POST if request.method == "POST" else None)

    def save(data: dict[str, Any]) -> PolicyChangeProposal:
        return services.proposal_onwards(
            actor=person, proposal=proposal, to=data["to"], on=data.get("on")
        )

    return _form_page(
        request,
        form,
        title="Record that the change was proposed onwards",
        caption=proposal.title,
        summary=_proposal_summary(proposal),
        button="Save",
        back=reverse("governance:proposal", args=[proposal.pk]),
        save=save,
        done="Saved: the change was proposed onwards",
        next_url=lambda p: reverse("governance:proposal", args=[p.pk]),
    )


# --- Policy documents ---------------------------------------------------------------------


def _owners(organisations: list[Organisation]):
    ids = {o.pk for o in organisations} | {o.trust_id for o in organisations if o.trust_id}
    member_ids = Membership.objects.filter(organisation_id__in=ids).values("person_id")
    return Person.objects.filter(pk__in=member_ids, is_active=True).order_by("full_name")


@login_required
@require_GET
def documents(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    if not rules.may_see(person):
        raise Http404
    org_ids = list(rules.visible_organisation_ids(person))
    return render(
        request,
        "governance/documents.html",
        {
            "current": CURRENT,
            "documents": selectors.policy_documents_for(org_ids),
            "keeps": bool(rules.managed_organisation_ids(person)),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_new(request: HttpRequest) -> HttpResponse:
    person = _person(request)
    organisations = _managed_organisations(person)
    if not organisations:
        raise PermissionDenied("Only the incident manager adds policy documents.")
    form = forms.DocumentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        organisations=organisations,
        owners=_owners(organisations),
    )

    def save(data: dict[str, Any]) -> PolicyDocument:
        return services.document_create(
            actor=person,
            organisation=data["organisation"],
            title=data["title"],
            version=data["version"],
            approved_by=data["approved_by"],
            approved_on=data.get("approved_on"),
            next_review_on=data.get("next_review_on"),
            owner=data.get("owner"),
            upload=data.get("file"),
        )

    return _form_page(
        request,
        form,
        title="Add a policy document",
        intro="The details are in the policy's document control section.",
        button="Add the policy",
        back=reverse("governance:documents"),
        save=save,
        done="Policy document added",
        next_url=lambda d: reverse("governance:document", args=[d.pk]),
    )


@login_required
@require_GET
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    document = _get(PolicyDocument, pk, rules.may_view_document, person)
    return render(
        request,
        "governance/document.html",
        {
            "current": CURRENT,
            "document": document,
            "versions": list(document.versions.all()),
            "may_review": rules.may_decide(person, document.organisation),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def document_review(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    document = _get(PolicyDocument, pk, rules.may_view_document, person)
    if not rules.may_decide(person, document.organisation):
        raise PermissionDenied("Only the incident manager records reviews.")
    form = forms.DocumentForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        organisations=[document.organisation],
        owners=_owners([document.organisation]),
        with_title=False,
        initial={"owner": document.owner_id, "approved_by": document.approved_by},
    )

    def save(data: dict[str, Any]) -> PolicyDocument:
        return services.document_review(
            actor=person,
            document=document,
            version=data["version"],
            approved_by=data["approved_by"],
            approved_on=data.get("approved_on"),
            next_review_on=data.get("next_review_on"),
            owner=data.get("owner"),
            upload=data.get("file"),
        )

    return _form_page(
        request,
        form,
        title="Record a review",
        caption=str(document),
        intro="The version it replaces is kept. Leave the file empty to keep the current one.",
        button="Save the review",
        back=reverse("governance:document", args=[document.pk]),
        save=save,
        done="Review saved",
        next_url=lambda d: reverse("governance:document", args=[d.pk]),
    )


@login_required
@require_GET
def document_file(request: HttpRequest, pk: int) -> HttpResponse:
    person = _person(request)
    document = _get(PolicyDocument, pk, rules.may_view_document, person)
    try:
        opened = services.open_document_file(actor=person, document=document)
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        opened.handle, as_attachment=True, filename=opened.name, content_type=opened.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "no-store"
    return response
