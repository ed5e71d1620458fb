"""The public anonymous routes: report without an account, keep a receipt, follow up with it.

No cookies and no CSRF token here: AnonymousRouteMiddleware strips cookies, address and
user agent before these views run, and these forms carry no one's authority that a
forged post could borrow (a forged report is just a report). So the views are
csrf_exempt, never touch request.session, request.user or the messages framework, and
put the receipt code only in the page and in hidden form fields, never in a URL.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from incidentdesk.organisations.models import Organisation

from . import anonymous, receipts
from .anonymous_forms import (
    CODE_FORMAT_ERROR,
    EXAMPLE_CODE,
    SOURCE_CHOICES,
    AnonymousReportForm,
    ReceiptCodeForm,
    ReceiptConfirmForm,
    ReplyForm,
)
from .forms import (
    CATEGORY_CHOICES,
    COUNT_CHOICES,
    FORM_CHOICES,
    KIND_CHOICES,
    WHOSE_CHOICES,
    Choice,
    choice_items,
    new_idempotency_key,
)

NOT_FOUND_ERROR = "We could not find a report with that code. Check it and try again."
TOO_MANY_ERROR = "Too many codes have been tried. Wait a minute and try again."


def _page(
    request: HttpRequest,
    template: str,
    organisation: Organisation,
    context: dict[str, Any],
    *,
    status: int = 200,
) -> HttpResponse:
    base = {
        "organisation": organisation,
        "recipient_title": anonymous.anonymous_recipient_title(organisation),
        "report_url": reverse("reporting:anonymous_report", args=[organisation.slug]),
        "follow_up_url": reverse("reporting:anonymous_follow_up", args=[organisation.slug]),
        "follow_up_address": request.build_absolute_uri(
            reverse("reporting:anonymous_follow_up", args=[organisation.slug])
        ),
        "example_code": EXAMPLE_CODE,
    }
    return render(request, template, {**base, **context}, status=status)


# --- Reporting ------------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def anonymous_report(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: the blank form. POST: send the report and show the receipt, or (action
    "confirm") take the reporter's word that they have kept it."""
    organisation = anonymous.organisation_for_anonymous_reports(slug=slug)
    if request.method == "POST" and request.POST.get("action") == "confirm":
        return _confirm_receipt(request, organisation)
    if request.method == "GET":
        return _blank_form(request, organisation)

    form = AnonymousReportForm(request.POST, organisation=organisation)
    if not form.is_valid():
        return _report_form(request, organisation, form)
    result = anonymous.report_anonymously(
        organisation=organisation,
        details=form.details(),
        idempotency_key=form.cleaned_data["idempotency_key"] or new_idempotency_key(),
    )
    if result.receipt is None:
        # The same submission again, after the receipt may no longer be shown.
        return _page(request, "reporting/anonymous_sent_before.html", organisation, {})
    return _receipt_page(request, organisation, code=result.receipt)


def _blank_form(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    # A fresh key on every GET: a refresh or a return visit starts a new report, and
    # never shows a code.
    form = AnonymousReportForm(
        organisation=organisation, initial={"idempotency_key": new_idempotency_key()}
    )
    return _report_form(request, organisation, form)


_CHOICES: dict[str, tuple[Choice, ...]] = {
    "source": SOURCE_CHOICES,
    "reported_kind": KIND_CHOICES,
    "whose_information": WHOSE_CHOICES,
    "people_count": COUNT_CHOICES,
    "information_categories": CATEGORY_CHOICES,
    "information_forms": FORM_CHOICES,
}


def _report_form(
    request: HttpRequest, organisation: Organisation, form: AnonymousReportForm
) -> HttpResponse:
    # A key that failed the form's check is replaced, never echoed back.
    key = (
        form.cleaned_data.get("idempotency_key")
        if form.is_bound
        else form.initial["idempotency_key"]
    )
    return _page(
        request,
        "reporting/anonymous_report.html",
        organisation,
        {
            "form": form,
            "problems": form.problems() if form.is_bound else {},
            "items": {
                name: choice_items(form[name], options) for name, options in _CHOICES.items()
            },
            "dates": {name: form.date_values(name) for name in ("occurred", "discovered")},
            "open_sections": form.open_sections(),
            "idempotency_key": key or new_idempotency_key(),
        },
    )


def _receipt_page(
    request: HttpRequest,
    organisation: Organisation,
    *,
    code: str,
    errors: dict[str, tuple[str, str]] | None = None,
) -> HttpResponse:
    return _page(
        request,
        "reporting/anonymous_receipt_page.html",
        organisation,
        {"receipt": code, "receipt_display": receipts.display(code), "errors": errors or {}},
    )


def _confirm_receipt(request: HttpRequest, organisation: Organisation) -> HttpResponse:
    form = ReceiptConfirmForm(request.POST)
    if form.is_valid():
        return _page(request, "reporting/anonymous_done.html", organisation, {})
    if "code" in form.errors:
        # Not a page of ours that sent this: there is no code to show again.
        return _blank_form(request, organisation)
    return _receipt_page(
        request, organisation, code=form.cleaned_data["code"], errors=form.errors_by_question()
    )


# --- Following up ---------------------------------------------------------------------


@csrf_exempt
@require_http_methods(["GET", "POST"])
def anonymous_follow_up(request: HttpRequest, slug: str) -> HttpResponse:
    """GET: ask for the code. POST: the report's status and messages, and (action
    "reply") the reporter's answer. The code travels only in post bodies."""
    organisation = anonymous.organisation_for_anonymous_reports(slug=slug)
    if request.method == "GET":
        return _code_page(request, organisation, ReceiptCodeForm())

    code_form = ReceiptCodeForm(request.POST)
    if not code_form.is_valid():
        return _code_page(request, organisation, code_form)
    code = code_form.cleaned_data["code"]
    try:
        incident = anonymous.incident_for_receipt(organisation=organisation, code=code)
    except anonymous.TooManyAttempts:
        return _code_page(request, organisation, code_form, error=TOO_MANY_ERROR, status=429)
    if incident is None:
        error = CODE_FORMAT_ERROR if receipts.normalise(code) is None else NOT_FOUND_ERROR
        return _code_page(request, organisation, code_form, error=error)

    reply_form = ReplyForm()
    sent = False
    if request.POST.get("action") == "reply":
        reply_form = ReplyForm(request.POST)
        if reply_form.is_valid() and not incident.is_open:
            reply_form.add_error(
                "body",
                "This report is closed, so this was not sent. You can make a new anonymous "
                "report if there is something more.",
            )
        if reply_form.is_valid():
            anonymous.reply_by_receipt(
                incident=incident,
                body=reply_form.cleaned_data["body"],
                seen_up_to=reply_form.cleaned_data["seen"] or 0,
            )
            sent = True
            reply_form = ReplyForm()
    messages = anonymous.messages_for_reporter(incident)
    return _page(
        request,
        "reporting/anonymous_follow_up_report.html",
        organisation,
        {
            "incident": incident,
            "status": anonymous.status_for_reporter(incident),
            "thread": messages,
            "seen": messages[-1].pk if messages else 0,
            "receipt": receipts.normalise(code),
            "reply_form": reply_form,
            "errors": reply_form.errors_by_question() if reply_form.is_bound else {},
            "sent": sent,
        },
    )


def _code_page(
    request: HttpRequest,
    organisation: Organisation,
    form: ReceiptCodeForm,
    *,
    error: str = "",
    status: int = 200,
) -> HttpResponse:
    errors = {"code": ("code", error)} if error else form.errors_by_question()
    return _page(
        request,
        "reporting/anonymous_follow_up.html",
        organisation,
        {"form": form, "errors": errors if form.is_bound else {}},
        status=status,
    )
