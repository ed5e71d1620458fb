"""The staff side of reporting: the report form, its confirmation, and "my reports".

Views parse with forms.py, call the reporting services, and render. A named or confidential
report ends in a redirect to its confirmation (POST/redirect/GET); an anonymous one shows
its receipt in the answer to the POST itself, because the code must never be in a URL and
must not be kept anywhere on the server, this person's session included.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_http_methods

from incidentdesk.incidents.models import (
    KIND_PLAIN_WORDS,
    Incident,
    InformationCategory,
    InformationForm,
    Kind,
    PeopleCount,
    ReportingMode,
    Source,
    WhoseInformation,
)
from incidentdesk.incidents.templatetags.incidents import clock, day, when
from incidentdesk.organisations.models import Duty, Organisation, Person
from incidentdesk.organisations.selectors import organisations_of

from . import selectors
from .anonymous import status_for_reporter
from .forms import (
    CATEGORY_CHOICES,
    COUNT_CHOICES,
    FORM_CHOICES,
    KIND_CHOICES,
    MODE_CHOICES,
    SOURCE_CHOICES,
    WHOSE_CHOICES,
    AddInformationForm,
    Choice,
    Problem,
    ReportForm,
    choice_items,
    new_idempotency_key,
)
from .services import IdempotencyConflict, add_information, report_incident
from .uploads import MAX_FILES, UploadRefused

# The tag the "Information added" message carries, so the page knows to clear its draft.
INFORMATION_ADDED = "information-added"


def _person(request: HttpRequest) -> Person:
    person: Person = request.user  # type: ignore[assignment]  # login_required
    return person


def _draft_key(person: Person, name: str) -> str:
    """The browser's storage key for this person's unsent text.

    Per person, so someone signing in after them on a shared computer is not offered their
    draft; opaque, so the key itself says nothing about whose it is.
    """
    return f"incidentdesk:{name}:{salted_hmac('report-draft', str(person.pk)).hexdigest()[:16]}"


def _manager_title(organisations: list[Organisation]) -> str:
    """'the Headteacher or Bursar' when there is one organisation to go by."""
    if len(organisations) == 1 and organisations[0].effective_profile is not None:
        return f"the {organisations[0].effective_profile.duty_title(Duty.INCIDENT_MANAGER)}"
    return "the incident manager"


# --- Reporting --------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    """The report form. Only "what happened" is required; the rest helps and says why."""
    person = _person(request)
    organisations = list(
        organisations_of(person).select_related("profile", "trust__profile").order_by("name")
    )
    if not organisations:
        return render(request, "reporting/report_no_organisation.html")
    if request.method == "GET" and request.GET.get("receipt") == "shown":
        # Where report-form.js sends a refresh of the anonymous receipt: the code is gone.
        return render(request, "reporting/report_receipt_gone.html")

    key = ""
    conflict = False
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, organisations=organisations)
        if form.is_valid():
            try:
                return _send(request, person, form)
            except UploadRefused as refused:
                form.add_upload_problem(f"{refused} Choose the files again")
            except IdempotencyConflict:
                # This browser's key went with a report that was sent, and these are
                # different words: say so, and give the form a new key in case it is new.
                conflict = True
                key = new_idempotency_key()
                form.ask_for_files_again()
        key = key or form.cleaned_data.get("idempotency_key") or new_idempotency_key()
    else:
        key = new_idempotency_key()
        form = ReportForm(
            organisations=organisations,
            initial={"mode": ReportingMode.NAMED, "source": Source.STAFF, "idempotency_key": key},
        )
    return _report_page(request, person, form, organisations, key=key, conflict=conflict)


def _send(request: HttpRequest, person: Person, form: ReportForm) -> HttpResponse:
    result = report_incident(
        organisation=form.organisation,
        reporter=person,
        mode=form.reporting_mode,
        details=form.details(),
        files=form.uploads,
        idempotency_key=form.cleaned_data["idempotency_key"] or None,
    )
    incident = result.incident
    if incident.mode != ReportingMode.ANONYMOUS:
        return redirect("reporting:report_sent", reference=incident.reference)
    context: dict[str, Any] = {
        "draft_key": _draft_key(person, "report"),
        "sent_key": form.cleaned_data["idempotency_key"],
        "organisation": incident.organisation,
    }
    if result.receipt is None:
        # The same submission long after it was sent: the receipt may not be shown again.
        return render(request, "reporting/report_receipt_gone.html", context)
    recipients = selectors.who_is_told(
        organisation=incident.organisation, mode=ReportingMode.ANONYMOUS
    )
    context.update(receipt=result.receipt, recipient_title=recipients[0] if recipients else "")
    return render(request, "reporting/report_receipt.html", context)


def _report_page(
    request: HttpRequest,
    person: Person,
    form: ReportForm,
    organisations: list[Organisation],
    *,
    key: str,
    conflict: bool,
) -> HttpResponse:
    manager_title = _manager_title(organisations)
    choices: dict[str, tuple[Choice, ...]] = {
        "mode": MODE_CHOICES,
        "reported_kind": KIND_CHOICES,
        # Only the supplier's box: left unticked, a member of staff is the source.
        "source": SOURCE_CHOICES[1:],
        "whose_information": WHOSE_CHOICES,
        "people_count": COUNT_CHOICES,
        "information_categories": CATEGORY_CHOICES,
        "information_forms": FORM_CHOICES,
    }
    items = {
        name: choice_items(form[name], options, manager=manager_title)
        for name, options in choices.items()
    }
    organisation_items = (
        choice_items(form["organisation"], [Choice(o.slug, o.name) for o in organisations])
        if "organisation" in form.fields
        else []
    )
    anonymous_addresses = [
        (o, reverse("reporting:anonymous_report", args=[o.slug]))
        for o in organisations
        if o.effective_profile is not None
    ]
    context = {
        "form": form,
        "problems": form.problems() if form.is_bound else {},
        "items": items,
        "organisation_items": organisation_items,
        "dates": {name: form.date_values(name) for name in ("occurred", "discovered")},
        "open_sections": form.open_sections(),
        "manager_title": manager_title,
        "anonymous_addresses": anonymous_addresses,
        "idempotency_key": key,
        "conflict": conflict,
        "draft_key": _draft_key(person, "report"),
        "max_files": MAX_FILES,
    }
    return render(request, "reporting/report.html", context)


@login_required
def report_sent(request: HttpRequest, reference: str) -> HttpResponse:
    """The confirmation of a named or confidential report, for its reporter only."""
    person = _person(request)
    incident = selectors.report_of(person=person, reference=reference)
    context = {
        "incident": incident,
        "recipients": selectors.who_is_told(organisation=incident.organisation, mode=incident.mode),
        "out_of_hours_title": selectors.out_of_hours_title(incident.organisation),
        "draft_key": _draft_key(person, "report"),
    }
    return render(request, "reporting/report_sent.html", context)


# --- My reports -------------------------------------------------------------------------


@login_required
def my_reports(request: HttpRequest) -> HttpResponse:
    """The reports this person made under their name or in confidence, and their state."""
    reports = [
        {"incident": incident, "status": status_for_reporter(incident)}
        for incident in selectors.reports_made_by(_person(request))
    ]
    several = len({item["incident"].organisation_id for item in reports}) > 1
    return render(
        request, "reporting/my_reports.html", {"reports": reports, "several_organisations": several}
    )


CLOSED_REPORT = (
    "This report is closed, so this was not sent. Contact your incident manager if you have "
    "more to tell them."
)


@login_required
@require_http_methods(["GET", "POST"])
def my_report(request: HttpRequest, reference: str) -> HttpResponse:
    """One of this person's reports: what they said, the messages, and adding information."""
    person = _person(request)
    incident = selectors.report_of(person=person, reference=reference)
    if request.method == "POST":
        form = AddInformationForm(request.POST)
        if form.is_valid() and not incident.is_open:
            # Closed while the page was open: keep what was typed and say why it was not sent.
            form.add_error("body", CLOSED_REPORT)
        if form.is_valid():
            add_information(incident=incident, author=person, body=form.cleaned_data["body"])
            messages.success(
                request, "Your information has been added", extra_tags=INFORMATION_ADDED
            )
            return redirect("reporting:my_report", reference=incident.reference)
    else:
        form = AddInformationForm()
    just_added = any(INFORMATION_ADDED in m.extra_tags for m in messages.get_messages(request))
    problems = (
        {"body": Problem(str(form.errors["body"][0]), "id_body")}
        if form.is_bound and "body" in form.errors
        else {}
    )
    context = {
        "incident": incident,
        "status": status_for_reporter(incident),
        "rows": _what_was_reported(incident),
        "thread": selectors.messages_with_reporter(incident),
        "attachments": selectors.attachments_of(incident),
        "form": form,
        "problems": problems,
        "draft_key": _draft_key(person, f"add-information-{incident.reference}"),
        "just_added": just_added,
    }
    return render(request, "reporting/my_report.html", context)


_MODE_WORDS = {
    ReportingMode.NAMED: "With your name",
    ReportingMode.CONFIDENTIAL: "In confidence: only the incident manager sees your name",
}


def _labels(choices: type[Any], values: list[str]) -> str:
    """Stored choice values in the form's words, one a line."""
    known = dict(choices.choices)
    return "\n".join(str(known.get(value, value)) for value in values)


def _found_out(incident: Incident) -> str:
    # A date given without a time is kept as the start of that day (the earliest it can
    # have been, so no deadline counted from it runs late): show it as the date alone.
    if incident.discovered_at is None:
        return ""
    local = timezone.localtime(incident.discovered_at)
    return day(local) if local.time() == datetime.time.min else when(local)


def _what_was_reported(incident: Incident) -> list[tuple[str, str]]:
    """The reporter's answers as (question, answer), leaving out what was not answered."""
    occurred = ""
    if incident.occurred_on:
        occurred = day(incident.occurred_on)
        if incident.occurred_time:
            occurred += f" at {clock(incident.occurred_time)}"
    rows = [
        ("What happened", incident.what_happened),
        ("How you reported", _MODE_WORDS.get(ReportingMode(incident.mode), "")),
        ("Sent", when(incident.reported_at)),
        (
            "Closest to what happened",
            KIND_PLAIN_WORDS[Kind(incident.reported_kind)] if incident.reported_kind else "",
        ),
        ("When it happened", occurred),
        ("When it was found out", _found_out(incident)),
        ("How it was found out", incident.how_discovered),
        ("Where it happened", incident.location),
        (
            "A supplier told us",
            (incident.supplier_name or "Yes") if incident.source == Source.SUPPLIER else "",
        ),
        ("Whose information", _labels(WhoseInformation, incident.whose_information)),
        (
            "How many people",
            PeopleCount(incident.people_count).label if incident.people_count else "",
        ),
        ("What information", _labels(InformationCategory, incident.information_categories)),
        ("What form it was in", _labels(InformationForm, incident.information_forms)),
        ("Who was involved", incident.people_involved),
        ("What had been done", incident.already_done),
    ]
    return [(label, value) for label, value in rows if value]
